//! Where an output folder may be.
//!
//! A build makes its output folder hold exactly the site: every file that
//! does not belong is removed. So an output folder that is the site
//! folder, holds it (`--output ..`), lies inside a folder the build reads
//! (`--output content`), or is someone else's folder of files would lose
//! what it held. Such a build stops before it touches anything, as Zola
//! stops before building into a folder that exists.

use std::path::{Component, Path, PathBuf};

/// Folders below the site root whose files a build reads.
pub const SOURCE_FOLDERS: &[&str] = &["content", "data", "static", "templates", "themes"];

/// A file every build writes into its output: a non-empty folder without
/// it (and without a build stamp beside it) was not written by Tandem.
const ALWAYS_WRITTEN: &str = "data.json";

/// Why a build must not write its site into `output`, if it must not. The
/// site is at `root`, which exists.
pub fn refusal(root: &Path, output: &Path) -> Option<String> {
    let (Ok(root), Ok(target)) = (resolved(root), resolved(output)) else {
        return None; // The writer reports paths it cannot use.
    };
    let shown = output.display();
    if target == root {
        return Some(format!(
            "the output folder {shown} is the site folder itself: the build would remove the site's sources; write the site into a folder of its own, such as `public`"
        ));
    }
    if root.starts_with(&target) {
        return Some(format!(
            "the output folder {shown} holds the site folder: the build would remove the site's sources and everything beside them; write the site into a folder of its own, such as `public`"
        ));
    }
    if let Some(source) = SOURCE_FOLDERS
        .iter()
        .find(|folder| target.starts_with(root.join(folder)))
    {
        return Some(format!(
            "the output folder {shown} is inside `{source}/`, which the build reads: write the site into a folder of its own, such as `public`"
        ));
    }
    foreign(output).then(|| {
        format!(
            "{shown} holds files that Tandem did not write (it has no `{ALWAYS_WRITTEN}`, which every build writes): a build would remove them; move them away or choose another output folder"
        )
    })
}

/// Whether `output` is a folder holding files, none of which says a
/// Tandem build wrote it. A `.git` in it does not count: an output folder
/// may be a checkout of the branch a host publishes.
fn foreign(output: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(output) else {
        return false;
    };
    let mut entries = entries.filter_map(Result::ok);
    entries.any(|entry| !is_repository(&entry.path(), output))
        && !output.join(ALWAYS_WRITTEN).is_file()
        && !crate::stamp::path_for(output).exists()
}

/// Whether `path` is (or is inside) the `.git` folder, or worktree file,
/// at the top of `output`, which a build leaves alone: publishing from a
/// checkout of a `gh-pages` branch keeps its repository in the output.
pub fn is_repository(path: &Path, output: &Path) -> bool {
    let first = path
        .strip_prefix(output)
        .ok()
        .and_then(|p| p.components().next());
    first.is_some_and(|first| first.as_os_str() == ".git")
}

/// `path` made absolute, with `.` and `..` taken out and the part of it
/// that exists resolved as the file system does (symbolic links followed).
fn resolved(path: &Path) -> std::io::Result<PathBuf> {
    let mut lexical = PathBuf::new();
    for component in std::path::absolute(path)?.components() {
        match component {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut missing = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return Ok(missing
                .iter()
                .rev()
                .fold(real, |path, name| path.join(name)));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_owned());
                existing = parent;
            }
            _ => return Ok(lexical),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["content", "data"] {
            std::fs::create_dir(dir.path().join(folder)).unwrap();
        }
        dir
    }

    #[test]
    fn the_site_its_parents_and_its_sources_are_no_output() {
        let site = site();
        let root = site.path();
        for (output, expected) in [
            (root.to_path_buf(), "is the site folder itself"),
            (root.join("public/.."), "is the site folder itself"),
            (root.join(".."), "holds the site folder"),
            (PathBuf::from("/"), "holds the site folder"),
            (root.join("content"), "is inside `content/`"),
            (root.join("data/out"), "is inside `data/`"),
            (root.join("themes/default/public"), "is inside `themes/`"),
        ] {
            let refusal = refusal(root, &output).unwrap_or_default();
            assert!(
                refusal.contains(expected),
                "{}: {refusal}",
                output.display()
            );
        }
    }

    #[test]
    fn a_folder_of_the_sites_own_or_a_new_or_empty_one_is_an_output() {
        let site = site();
        let root = site.path();
        assert_eq!(refusal(root, &root.join("public")), None);
        assert_eq!(refusal(root, &root.join("out/deeper")), None);
        std::fs::create_dir(root.join("empty")).unwrap();
        assert_eq!(refusal(root, &root.join("empty")), None);
        std::fs::create_dir(root.join("built")).unwrap();
        std::fs::write(root.join("built/index.html"), "old").unwrap();
        std::fs::write(root.join("built/data.json"), "{}").unwrap();
        assert_eq!(refusal(root, &root.join("built")), None);
        // A folder beside the site, such as a web server's.
        let www = tempfile::tempdir().unwrap();
        assert_eq!(refusal(root, www.path()), None);
    }

    #[test]
    fn someone_elses_files_are_no_output() {
        let site = site();
        let root = site.path();
        std::fs::create_dir(root.join("docs")).unwrap();
        std::fs::write(root.join("docs/notes.txt"), "mine").unwrap();
        let refusal = refusal(root, &root.join("docs")).unwrap_or_default();
        assert!(
            refusal.contains("holds files that Tandem did not write"),
            "{refusal}"
        );
    }
}
