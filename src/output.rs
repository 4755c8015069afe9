//! Writing the built site without ever publishing a half-rendered one.
//!
//! Nothing touches the disk until the whole site has rendered in memory, so
//! a build with errors leaves the previous output exactly as it was.
//!
//! - A first build writes into a fresh folder beside the output (same
//!   parent, so the final rename stays on one file system) and renames it
//!   into place.
//! - A rebuild into an existing output updates it in place: a file is
//!   written only when its bytes changed (through a temporary file renamed
//!   over the old one, so no reader ever sees a partly written file), files
//!   that no longer belong are removed, and unchanged files keep their
//!   modification time, so rsync and CDNs upload only what changed.
//!   Recreating every file and folder costs seconds at 10,000 pages; this
//!   costs what actually changed.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::render::OutputFile;

/// What a write did, for the build summary and for tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

const TMP_SUFFIX: &str = ".tandem-tmp";

/// Folder names used beside the output while building a fresh one:
/// `.public.tandem-new-<pid>`, with the process id so two builds never
/// share one.
fn sibling(output: &Path, tag: &str) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    output.with_file_name(format!(".{name}.tandem-{tag}-{}", std::process::id()))
}

/// Removes leftovers of earlier builds that were killed before cleaning up.
fn remove_leftovers(output: &Path) {
    let (Some(parent), Some(name)) = (output.parent(), output.file_name()) else {
        return;
    };
    let prefix = format!(".{}.tandem-", name.to_string_lossy());
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        // The build lock shares the prefix; it is the lock's to manage.
        if rest == "lock" {
            continue;
        }
        // Leave folders of builds that are still running alone.
        let pid: Option<u32> = rest.rsplit('-').next().and_then(|p| p.parse().ok());
        if pid.is_some_and(|pid| {
            pid != std::process::id() && Path::new(&format!("/proc/{pid}")).exists()
        }) {
            continue;
        }
        let _ = fs::remove_dir_all(entry.path());
    }
}

/// Where rendered files go as they come out of the renderer, in parallel.
///
/// Holding every rendered page until the end would make a build's memory
/// grow with the size of the site, so each sink keeps only what it must:
/// a fresh build writes straight into its staging folder (thrown away if the
/// build fails), an in-place rebuild keeps only the files whose bytes
/// differ from the disk, and `check` keeps nothing.
pub trait Sink: Sync {
    /// Takes one rendered file.
    fn accept(&self, file: OutputFile) -> io::Result<()>;
}

/// Keeps every file in memory (the development server serves from it).
#[derive(Default)]
pub struct Memory(pub std::sync::Mutex<Vec<OutputFile>>);

impl Sink for Memory {
    fn accept(&self, file: OutputFile) -> io::Result<()> {
        self.0
            .lock()
            .expect("no panics while holding the lock")
            .push(file);
        Ok(())
    }
}

impl Memory {
    /// The files, sorted by path.
    pub fn into_files(self) -> Vec<OutputFile> {
        let mut files = self
            .0
            .into_inner()
            .expect("no panics while holding the lock");
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

/// Drops everything: `check` renders to find errors, not to write.
pub struct Discard;

impl Sink for Discard {
    fn accept(&self, _file: OutputFile) -> io::Result<()> {
        Ok(())
    }
}

/// Writes a site to an output folder; see the module documentation.
pub struct Writer {
    output: PathBuf,
    mode: Mode,
    written: std::sync::atomic::AtomicUsize,
    unchanged: std::sync::atomic::AtomicUsize,
    /// Changed files of an in-place rebuild, written only once rendering
    /// has succeeded.
    pending: std::sync::Mutex<Vec<OutputFile>>,
}

enum Mode {
    Fresh { staging: PathBuf },
    InPlace,
}

impl Writer {
    /// Prepares to write to `output`: a staging folder beside it when it
    /// does not exist yet, else an in-place update.
    pub fn new(output: &Path) -> io::Result<Writer> {
        if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        remove_leftovers(output);
        let mode = match fs::symlink_metadata(output) {
            Ok(meta) if meta.is_dir() => Mode::InPlace,
            Ok(_) => {
                return Err(io::Error::other(format!(
                    "{} exists and is not a folder",
                    output.display()
                )))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let staging = sibling(output, "new");
                fs::create_dir_all(&staging)?;
                Mode::Fresh { staging }
            }
            Err(e) => return Err(e),
        };
        Ok(Writer {
            output: output.to_path_buf(),
            mode,
            written: Default::default(),
            unchanged: Default::default(),
            pending: Default::default(),
        })
    }

    /// Makes the output match the rendered site; `paths` are all of its
    /// files. Call only after every file rendered without error.
    pub fn finish(self, paths: &[String]) -> io::Result<WriteStats> {
        use std::sync::atomic::Ordering::Relaxed;
        match &self.mode {
            Mode::Fresh { staging } => {
                fs::rename(staging, &self.output)?;
                Ok(WriteStats {
                    written: self.written.load(Relaxed),
                    ..Default::default()
                })
            }
            Mode::InPlace => {
                let pending = self
                    .pending
                    .into_inner()
                    .expect("no panics while holding the lock");
                clear_conflicts(&pending, &self.output)?;
                create_folders(&pending, &self.output)?;
                pending
                    .par_iter()
                    .try_for_each(|f| replace_file(&self.output.join(&f.path), &f.bytes))?;
                let removed = remove_stale(paths, &self.output)?;
                Ok(WriteStats {
                    written: pending.len(),
                    unchanged: self.unchanged.load(Relaxed),
                    removed,
                })
            }
        }
    }

    /// Throws away a fresh build's staging folder after a failure; an
    /// in-place update has not written anything yet.
    pub fn abandon(self) {
        if let Mode::Fresh { staging } = &self.mode {
            let _ = fs::remove_dir_all(staging);
        }
    }
}

impl Sink for Writer {
    fn accept(&self, file: OutputFile) -> io::Result<()> {
        use std::sync::atomic::Ordering::Relaxed;
        match &self.mode {
            Mode::Fresh { staging } => {
                let path = staging.join(&file.path);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent)?;
                }
                fs::write(path, &file.bytes)?;
                self.written.fetch_add(1, Relaxed);
            }
            Mode::InPlace => {
                if same_bytes(&self.output.join(&file.path), &file.bytes) {
                    self.unchanged.fetch_add(1, Relaxed);
                } else {
                    self.pending
                        .lock()
                        .expect("no panics while holding the lock")
                        .push(file);
                }
            }
        }
        Ok(())
    }
}

fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && fs::read(path).is_ok_and(|old| old == bytes)
}

/// Writes already rendered `files` to `output` (fresh or in place).
pub fn write_site(files: &[OutputFile], output: &Path) -> io::Result<WriteStats> {
    let writer = Writer::new(output)?;
    let accepted = files.par_iter().try_for_each(|f| writer.accept(f.clone()));
    if let Err(e) = accepted {
        writer.abandon();
        return Err(e);
    }
    let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    writer.finish(&paths)
}

fn create_folders(files: &[OutputFile], dir: &Path) -> io::Result<()> {
    let mut folders: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| Path::new(&f.path).parent().map(|p| dir.join(p)))
        .collect();
    folders.sort();
    folders.dedup();
    for folder in &folders {
        fs::create_dir_all(folder)?;
    }
    Ok(())
}

/// Clears a folder where a file must go, or a file where a folder must go.
fn clear_conflicts(files: &[OutputFile], output: &Path) -> io::Result<()> {
    for f in files {
        let target = output.join(&f.path);
        if target.is_dir() {
            fs::remove_dir_all(&target)?;
        }
        let mut parent = Path::new(&f.path).parent();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            let on_disk = output.join(p);
            if on_disk.is_file() {
                fs::remove_file(&on_disk)?;
            }
            parent = p.parent();
        }
    }
    Ok(())
}

/// Replaces `path` with `bytes` through a temporary file renamed over it,
/// so a reader sees either the old file or the new one, never a mix.
fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}{TMP_SUFFIX}"));
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// Removes files (and then empty folders) the new build does not have.
fn remove_stale(paths: &[String], output: &Path) -> io::Result<usize> {
    let keep: HashSet<PathBuf> = paths.iter().map(|p| output.join(p)).collect();
    let mut removed = 0;
    let mut folders = Vec::new();
    for entry in walkdir::WalkDir::new(output).min_depth(1) {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_type().is_dir() {
            folders.push(entry.path().to_path_buf());
        } else if !keep.contains(entry.path()) {
            fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    // Deepest first, so a folder is empty once its children are gone.
    folders.sort_by_key(|f| std::cmp::Reverse(f.components().count()));
    for folder in folders {
        if fs::read_dir(&folder)?.next().is_none() {
            fs::remove_dir(&folder)?;
        }
    }
    Ok(removed)
}
