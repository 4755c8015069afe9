//! Where an output folder may be.
//!
//! A build makes its output folder hold exactly the site: every file that
//! does not belong is removed. So an output folder that is the site
//! folder, holds it (`--output ..`), lies inside a folder the build reads
//! (`--output content`), or is someone else's folder of files would lose
//! what it held. Such a build stops before it writes or removes a file of
//! the output ([`misplaced`], [`foreign`]), as Zola stops before building
//! into a folder that exists.
//! (The check for someone else's files comes once a killed build's own
//! unfinished commit is finished, which only ever completes Tandem's site.)

use std::path::{Component, Path, PathBuf};

/// Folders below the site root whose files a build reads.
pub const SOURCE_FOLDERS: &[&str] = &["content", "data", "static", "templates", "themes"];

/// A file every build writes into its output: a non-empty folder without
/// it (and without a build stamp beside it) was not written by Tandem.
const ALWAYS_WRITTEN: &str = "data.json";

/// Why `output` is no place for the site's output: the site folder, a
/// folder holding it, or one inside a folder the build reads. Decided from
/// where the paths lead (read from the file system, never written to),
/// before the build takes its lock.
pub fn misplaced(root: &Path, output: &Path) -> Option<String> {
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
    // A source folder may be a symbolic link to a folder elsewhere: the
    // output must not be inside where it leads either.
    let inside = |folder: &&&str| {
        let source = root.join(folder);
        target.starts_with(&source) || resolved(&source).is_ok_and(|real| target.starts_with(real))
    };
    if let Some(source) = SOURCE_FOLDERS.iter().find(inside) {
        return Some(format!(
            "the output folder {shown} is inside `{source}/`, which the build reads: write the site into a folder of its own, such as `public`"
        ));
    }
    None
}

/// Why `output` is someone else's folder, if it is: it holds files, and
/// none says a Tandem build wrote it. A `.git` in it does not count: an
/// output folder may be a checkout of the branch a host publishes. Asked
/// holding the build lock, once a killed build's commit is finished (its
/// first files may have arrived without `data.json`).
pub fn foreign(output: &Path) -> Option<String> {
    let entries = std::fs::read_dir(output).ok()?;
    let mut entries = entries.filter_map(Result::ok);
    let holds_files = entries.any(|entry| !is_repository(&entry.path(), output));
    let ours = output.join(ALWAYS_WRITTEN).is_file() || crate::stamp::path_for(output).exists();
    (holds_files && !ours).then(|| {
        format!(
            "{} holds files that Tandem did not write (it has no `{ALWAYS_WRITTEN}`, which every build writes): a build would remove them; move them away or choose another output folder",
            output.display()
        )
    })
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

/// `path` as the file system takes it: made absolute, the part that exists
/// resolved component by component (symbolic links followed, then `..`
/// taken from where they lead, as the kernel does), and `.` and `..` taken
/// out of the part that does not exist yet.
fn resolved(path: &Path) -> std::io::Result<PathBuf> {
    let mut real = PathBuf::new();
    for component in std::path::absolute(path)?.components() {
        // Tried at every step: after `missing/..` the path exists again,
        // and a symbolic link there is followed once `missing` is made.
        if let Ok(next) = real.join(component).canonicalize() {
            real = next;
            continue;
        }
        match component {
            Component::ParentDir => {
                real.pop();
            }
            Component::CurDir => {}
            other => real.push(other),
        }
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Why a build must not write its site into `output`, as a build
    /// decides it: the folder's place, then what it holds.
    fn refusal(root: &Path, output: &Path) -> Option<String> {
        misplaced(root, output).or_else(|| foreign(output))
    }

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

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_followed_as_the_file_system_does() {
        use std::os::unix::fs::symlink;
        let site = site();
        let root = site.path();
        let shared = tempfile::tempdir().unwrap();
        // `static/` leads elsewhere: its target is a source folder too.
        symlink(shared.path(), root.join("static")).unwrap();
        let into_static = refusal(root, &root.join("static/out")).unwrap_or_default();
        assert!(into_static.contains("is inside `static/`"), "{into_static}");
        // `link/..` is the parent of where `link` leads, not the site folder.
        std::fs::create_dir_all(root.join("content/handbook")).unwrap();
        symlink(root.join("content/handbook"), root.join("link")).unwrap();
        let through = refusal(root, &root.join("link/../out")).unwrap_or_default();
        assert!(through.contains("is inside `content/`"), "{through}");
        // A folder not made yet, then `..`, then a link to the site.
        symlink(root, root.join("rootlink")).unwrap();
        let behind = refusal(root, &root.join("nothere/../rootlink/content/out"));
        assert!(behind.unwrap_or_default().contains("is inside `content/`"));
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
