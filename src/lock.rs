//! One writer at a time: the build lock beside the output folder.
//!
//! Two builds writing the same output at once would interleave their
//! updates (and each would remove files the other just wrote as stale). A
//! build therefore takes `.<output-name>.tandem-lock` beside the output
//! (`.public.tandem-lock` for `public/`) before it writes, and removes it
//! when done. The file is created with `create_new`, which is atomic, and
//! holds the process id of its owner:
//!
//! - if it exists and that process is alive, the build stops with a clear
//!   message and writes nothing;
//! - if that process is gone (a build that was killed), the lock is stale
//!   and is taken over.
//!
//! Loading and validating are not locked and may run concurrently; the
//! lock is held from the moment a build may write (a fresh build writes its
//! staging folder while it renders) until its output is complete.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Held while a build writes its output; released (the file removed) when
/// dropped.
#[derive(Debug)]
pub struct BuildLock {
    path: PathBuf,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another live process holds it.
    Held {
        pid: u32,
        lock: PathBuf,
    },
    Io(io::Error),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held { pid, lock } => {
                let output = output_of(lock);
                write!(
                    f,
                    "another tandem build (pid {pid}) is writing {output}; wait for it or remove {} if that process is not a tandem build",
                    lock.display()
                )
            }
            LockError::Io(e) => write!(f, "cannot take the build lock: {e}"),
        }
    }
}

impl std::error::Error for LockError {}

/// `public/` for `.public.tandem-lock` (with the folder it is in).
fn output_of(lock: &Path) -> String {
    let name = lock
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let output = name
        .strip_prefix('.')
        .and_then(|n| n.strip_suffix(LOCK_SUFFIX))
        .unwrap_or(&name);
    match lock.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => format!("{}/", parent.join(output).display()),
        None => format!("{output}/"),
    }
}

const LOCK_SUFFIX: &str = ".tandem-lock";

/// The lock file of an output folder: `.<name>.tandem-lock` beside it.
pub fn lock_path(output: &Path) -> PathBuf {
    crate::output::beside(output, "lock")
}

/// Whether a process with this id is running (Linux: `/proc/<pid>`).
/// Elsewhere every recorded process counts as running, so a lock is only
/// ever taken over on systems where that can be told for sure.
fn alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if !proc.is_dir() {
        return true;
    }
    proc.join(pid.to_string()).exists()
}

impl BuildLock {
    /// Takes the lock for `output`, creating its parent folder if needed.
    pub fn acquire(output: &Path) -> Result<BuildLock, LockError> {
        let path = lock_path(output);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(LockError::Io)?;
        }
        // A few rounds: a stale lock removed here may be re-created by
        // another build between our removal and our `create_new`.
        for _ in 0..8 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    let written = writeln!(file, "{}", std::process::id());
                    let lock = BuildLock { path };
                    written.map_err(LockError::Io)?;
                    return Ok(lock);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(LockError::Io(e)),
            }
            let text = match fs::read_to_string(&path) {
                Ok(text) => text,
                // Released between our attempt and this read: try again.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(LockError::Io(e)),
            };
            match text.trim().parse::<u32>() {
                Ok(pid) if pid != std::process::id() && alive(pid) => {
                    return Err(LockError::Held { pid, lock: path });
                }
                // Our own pid (left by an earlier build in this process
                // that could not clean up) or a dead process: stale.
                Ok(_) => {}
                // Empty or garbled: its owner was killed between creating
                // the file and writing its pid, or someone wrote it by
                // hand. Give a live owner a moment to finish writing.
                Err(_) => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    let again = fs::read_to_string(&path).unwrap_or_default();
                    if again != text {
                        continue;
                    }
                }
            }
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(LockError::Io(e)),
            }
        }
        Err(LockError::Io(io::Error::other(format!(
            "{} keeps changing; is another build starting?",
            path.display()
        ))))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for BuildLock {
    fn drop(&mut self) {
        // Remove it only while it is still ours.
        let ours = fs::read_to_string(&self.path)
            .is_ok_and(|t| t.trim() == std::process::id().to_string());
        if ours {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        let lock = BuildLock::acquire(&output).unwrap();
        assert_eq!(lock.path(), dir.path().join(".public.tandem-lock"));
        assert_eq!(
            fs::read_to_string(lock.path()).unwrap().trim(),
            std::process::id().to_string()
        );
        drop(lock);
        assert!(!dir.path().join(".public.tandem-lock").exists());
    }

    #[test]
    fn a_live_owner_blocks_and_a_dead_one_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("site");
        let path = lock_path(&output);
        // pid 1 is always alive.
        fs::write(&path, "1\n").unwrap();
        let err = BuildLock::acquire(&output).unwrap_err().to_string();
        assert!(
            err.contains("another tandem build (pid 1) is writing") && err.contains("site/"),
            "{err}"
        );
        // No such process.
        fs::write(&path, "4194304999\n").unwrap();
        let lock = BuildLock::acquire(&output).unwrap();
        drop(lock);
        assert!(!path.exists());
    }

    #[test]
    fn release_leaves_a_lock_taken_over_by_someone_else() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        let lock = BuildLock::acquire(&output).unwrap();
        fs::write(lock.path(), "1\n").unwrap();
        let path = lock.path().to_path_buf();
        drop(lock);
        assert!(path.exists());
    }
}
