//! Writing the built site without ever leaving a half-written one.
//!
//! Files go into a fresh folder beside the output (same parent, so the final
//! rename stays on one file system), and only when every file is written is
//! it swapped in for the previous output. A failed or interrupted build
//! leaves the previous output exactly as it was.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::render::OutputFile;

/// Folder names used beside the output while building: `.public.tandem-new`
/// and `.public.tandem-old`, with the process id so two builds never share
/// one.
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
        // Leave folders of builds that are still running alone.
        let pid: Option<u32> = rest.rsplit('-').next().and_then(|p| p.parse().ok());
        if pid.is_some_and(|pid| pid != std::process::id() && process_alive(pid)) {
            continue;
        }
        let _ = fs::remove_dir_all(entry.path());
    }
}

fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Writes `files` to `output`, replacing what was there only on success.
pub fn write_site(files: &[OutputFile], output: &Path) -> io::Result<()> {
    if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    remove_leftovers(output);
    let staging = sibling(output, "new");
    fs::create_dir_all(&staging)?;
    let written = write_all(files, &staging);
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    swap_in(&staging, output)
}

fn write_all(files: &[OutputFile], dir: &Path) -> io::Result<()> {
    let mut folders: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| Path::new(&f.path).parent().map(|p| dir.join(p)))
        .collect();
    folders.sort();
    folders.dedup();
    for folder in &folders {
        fs::create_dir_all(folder)?;
    }
    files
        .par_iter()
        .try_for_each(|f| fs::write(dir.join(&f.path), &f.bytes))
}

fn swap_in(staging: &Path, output: &Path) -> io::Result<()> {
    if !output.exists() {
        return fs::rename(staging, output);
    }
    if !output.is_dir() {
        let _ = fs::remove_dir_all(staging);
        return Err(io::Error::other(format!(
            "{} exists and is not a folder",
            output.display()
        )));
    }
    let old = sibling(output, "old");
    fs::rename(output, &old)?;
    if let Err(e) = fs::rename(staging, output) {
        // Put the previous output back before reporting.
        let _ = fs::rename(&old, output);
        return Err(e);
    }
    fs::remove_dir_all(&old)
}
