//! Watching the site's sources for changes.
//!
//! The root is watched on its own (not recursively), which sees
//! `tandem.toml` and the source folders being created, deleted or renamed;
//! each source folder that exists is watched recursively, and is watched
//! again whenever it appears anew. Events are debounced briefly (tens of
//! milliseconds) so one save, even a rename-and-replace save as vim and
//! JetBrains editors do, becomes one rebuild.

use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult};

/// The folders below the root whose files make the site.
pub const SOURCE_FOLDERS: &[&str] = &["content", "data", "themes", "static", "templates"];

/// How long the watcher waits for more events after the first one.
pub const DEBOUNCE: Duration = Duration::from_millis(30);

/// Files that changed, relative to the root, and when the first of those
/// changes happened.
#[derive(Debug, Clone)]
pub struct Change {
    pub paths: Vec<PathBuf>,
    pub first: Instant,
}

impl Change {
    pub fn merge(&mut self, other: Change) {
        for path in other.paths {
            if !self.paths.contains(&path) {
                self.paths.push(path);
            }
        }
        self.first = self.first.min(other.first);
    }
}

/// Starts watching `root` (an absolute path); changes that matter to the
/// site are sent on `changes`. `output` is the output folder, whose
/// changes are ignored. Watching runs on a thread of its own until
/// `changes` is closed.
pub fn start(root: PathBuf, output: PathBuf, changes: Sender<Change>) -> notify::Result<()> {
    let (raw_sender, raw) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        let _ = raw_sender.send(result);
    })?;
    debouncer.watch(&root, RecursiveMode::NonRecursive)?;
    for folder in SOURCE_FOLDERS {
        let dir = root.join(folder);
        if dir.is_dir() {
            debouncer.watch(&dir, RecursiveMode::Recursive)?;
        }
    }
    let filter = Filter { root, output };
    std::thread::Builder::new()
        .name("tandem-watch".into())
        .spawn(move || {
            for result in raw {
                let events = match result {
                    Ok(events) => events,
                    Err(errors) => {
                        for e in errors {
                            eprintln!("watching files: {e}");
                        }
                        continue;
                    }
                };
                let mut change: Option<Change> = None;
                for event in events {
                    if matches!(event.kind, EventKind::Access(_)) {
                        continue;
                    }
                    for path in &event.paths {
                        // A source folder that (re)appears is watched anew;
                        // the folder's own event triggers the rebuild.
                        if filter.is_source_folder(path) && path.is_dir() {
                            let _ = debouncer.unwatch(path);
                            if let Err(e) = debouncer.watch(path, RecursiveMode::Recursive) {
                                eprintln!("cannot watch {}: {e}", path.display());
                            }
                        }
                        let Some(relative) = filter.relevant(path) else {
                            continue;
                        };
                        let one = Change {
                            paths: vec![relative],
                            first: event.time,
                        };
                        match &mut change {
                            Some(change) => change.merge(one),
                            None => change = Some(one),
                        }
                    }
                }
                if let Some(change) = change {
                    if changes.send(change).is_err() {
                        break;
                    }
                }
            }
            drop(debouncer);
        })
        .map_err(notify::Error::io)?;
    Ok(())
}

struct Filter {
    root: PathBuf,
    output: PathBuf,
}

impl Filter {
    fn is_source_folder(&self, path: &Path) -> bool {
        path.parent() == Some(self.root.as_path())
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| SOURCE_FOLDERS.contains(&n))
    }

    /// The path relative to the root, if a change to it can change the site.
    fn relevant(&self, path: &Path) -> Option<PathBuf> {
        if path.starts_with(&self.output) {
            return None;
        }
        let relative = path.strip_prefix(&self.root).ok()?;
        relevant(relative).then(|| relative.to_path_buf())
    }
}

/// Whether a change to `relative` (below the root) can change the site:
/// `tandem.toml` and anything in a source folder, except hidden files and
/// editors' temporary files.
pub fn relevant(relative: &Path) -> bool {
    let mut names = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(name) => names.push(name.to_string_lossy()),
            _ => return false,
        }
    }
    let (Some(first), Some(last)) = (names.first(), names.last()) else {
        return false;
    };
    if names.iter().any(|n| n.starts_with('.')) || is_temporary(last) {
        return false;
    }
    if names.len() == 1 {
        return first == crate::config::FILE_NAME || SOURCE_FOLDERS.contains(&first.as_ref());
    }
    SOURCE_FOLDERS.contains(&first.as_ref())
}

/// Editors' swap, backup and scratch files: vim (`.x.swp`, `x~`, `4913`),
/// emacs (`.#x`, `#x#`), JetBrains (`x___jb_tmp___`, `x___jb_old___`).
fn is_temporary(name: &str) -> bool {
    name.ends_with('~')
        || name == "4913"
        || [".swp", ".swx", ".swo", ".tmp", ".bak"]
            .iter()
            .any(|s| name.ends_with(s))
        || (name.starts_with('#') && name.ends_with('#'))
        || name.contains("___jb_tmp___")
        || name.contains("___jb_old___")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_count_and_scratch_files_do_not() {
        for yes in [
            "tandem.toml",
            "content/a.md",
            "data/people.toml",
            "themes/x/static/style.css",
            "static/logo.svg",
            "templates/page.html",
            "content",
            "content/new-folder",
        ] {
            assert!(relevant(Path::new(yes)), "{yes}");
        }
        for no in [
            "public/index.html",
            "target/debug/tandem",
            "README.md",
            "content/.a.md.swp",
            "content/a.md~",
            "data/4913",
            "content/.#a.md",
            "content/#a.md#",
            "data/people.toml___jb_tmp___",
            ".git/index",
            "content/.hidden/a.md",
        ] {
            assert!(!relevant(Path::new(no)), "{no}");
        }
    }
}
