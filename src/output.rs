//! Writing the built site without ever publishing a half-rendered one.
//!
//! Nothing touches the output until the whole site has rendered, so a
//! build with errors leaves the previous output exactly as it was. Pages
//! go to a folder beside it as they render: none is held in memory.
//!
//! - A first build writes into a fresh folder beside the output (same
//!   parent, so the final rename stays on one file system) and renames it
//!   into place.
//! - A rebuild into an existing output updates it in place: a file is
//!   written only when its bytes changed, files that no longer belong are
//!   removed, and unchanged files keep their modification time, so rsync
//!   and CDNs upload only what changed. Recreating every file and folder
//!   costs seconds at 10,000 pages; this costs what actually changed.
//!
//! An in-place update is a small transaction, so that a build killed at any
//! moment never leaves a mix of two sites behind for good:
//!
//! 1. *Prepare*: every changed file is written into a commit folder beside
//!    the output (`.public.tandem-commit-<pid>`) as soon as it renders;
//!    once all have, a journal lists where each one goes and which files
//!    to remove. The output is not touched; a build killed here leaves it
//!    exactly as it was, and the next build throws the folder away.
//! 2. *Commit*: the journal is renamed to its final name (the commit point),
//!    then the files are renamed into place (atomic, so no reader ever sees
//!    a partly written file) and stale files removed, in an order that
//!    keeps links to other files resolving (new files first, stale ones
//!    last; a page turning into a folder or back is the exception). This
//!    is a burst of renames, milliseconds long. A build killed inside it is
//!    finished by the next build, which replays the journal before
//!    anything else (replaying is idempotent), so the output becomes the
//!    complete new site.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::render::OutputFile;

pub mod place;

/// What a write did, for the build summary and for tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// The journal of a prepared commit, inside its commit folder. Written as
/// `journal.json.tmp` and renamed: the rename is the commit point.
const JOURNAL: &str = "journal.json";

/// What a commit does to the output: `files[i]` is the output path of the
/// commit folder's file named `names[i]` (named `i` when `names` is empty,
/// as journals written before files were staged as they rendered are);
/// `stale` lists output paths to remove.
#[derive(serde::Serialize, serde::Deserialize)]
struct Journal {
    files: Vec<String>,
    #[serde(default)]
    names: Vec<usize>,
    stale: Vec<String>,
}

/// A changed file of an in-place rebuild, already in the commit folder.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Staged {
    /// Where it goes, relative to the output.
    path: String,
    /// Its file name in the commit folder.
    name: usize,
}

/// `.public.tandem-<tag>` beside the output `public`: where Tandem keeps
/// what belongs to an output but must never be published with it (its
/// lock, stamp, staging and commit folders). Same parent, so renames into
/// the output stay on one file system.
pub fn beside(output: &Path, tag: &str) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    output.with_file_name(format!(".{name}.tandem-{tag}"))
}

/// Writes the file beside `output` named by `tag` (`.public.tandem-<tag>`)
/// with `write`: under another name first (a leftover [`recover`]
/// removes), then renamed, so a killed build never leaves it half written.
pub fn replace_beside(
    output: &Path,
    tag: &str,
    write: impl FnOnce(&mut io::BufWriter<fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    write_beside(output, tag, write)?.commit()
}

/// [`replace_beside`] in two steps: writes the file under another name
/// now, and [`Pending::commit`] renames it later. What a build keeps for
/// the next one can then be written while it renders, and put in place
/// only if it succeeds.
pub fn write_beside(
    output: &Path,
    tag: &str,
    write: impl FnOnce(&mut io::BufWriter<fs::File>) -> io::Result<()>,
) -> io::Result<Pending> {
    let pending = Pending {
        written: Some(beside(output, &format!("{tag}-tmp-{}", std::process::id()))),
        target: beside(output, tag),
    };
    let path = pending.written.as_deref().expect("just set");
    let mut file = io::BufWriter::new(fs::File::create(path)?);
    write(&mut file).and_then(|()| file.into_inner().map_err(io::IntoInnerError::into_error))?;
    Ok(pending)
}

/// A file [`write_beside`] wrote, not yet in place: removed if dropped
/// before [`Pending::commit`].
#[must_use = "dropped, the file is removed"]
pub struct Pending {
    written: Option<PathBuf>,
    target: PathBuf,
}

impl Pending {
    /// Renames the file into place.
    pub fn commit(mut self) -> io::Result<()> {
        let written = self.written.take().expect("committed once");
        fs::rename(&written, &self.target).inspect_err(|_| {
            let _ = fs::remove_file(&written);
        })
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(written) = self.written.take() {
            let _ = fs::remove_file(written);
        }
    }
}

/// Removes the file beside `output` named by `tag`, if there is one.
pub fn remove_beside(output: &Path, tag: &str) -> io::Result<()> {
    match fs::remove_file(beside(output, tag)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Folders of this build beside the output (`.public.tandem-new-<pid>`),
/// with the process id so two builds never share one.
fn sibling(output: &Path, tag: &str) -> PathBuf {
    beside(output, &format!("{tag}-{}", std::process::id()))
}

/// Cleans up after earlier builds that were killed: a commit that had
/// passed its commit point is finished (so the output becomes the complete
/// site it was writing), every other leftover folder is removed.
///
/// Call it holding the build lock ([`crate::lock::BuildLock`]): then no
/// other build is running, and whatever lies beside the output (but the
/// lock, the stamp and the page cache) is a leftover, even where a
/// killed build's process id has since been reused. The one exception is
/// a file ([`write_beside`]) named with this process's id: this build may
/// be writing it meanwhile, and a killed build's file of that name is
/// never published (it is overwritten, or removed by the next build).
pub fn recover(output: &Path) -> io::Result<()> {
    let (Some(parent), Some(name)) = (output.parent(), output.file_name()) else {
        return Ok(());
    };
    let prefix = format!(".{}.tandem-", name.to_string_lossy());
    let own = format!("-tmp-{}", std::process::id());
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        // The build lock, stamp and page cache share the prefix; they are
        // managed by their own modules.
        if rest == "lock" || rest == "stamp" || rest == "pages" {
            continue;
        }
        // A file this build may be writing meanwhile (see above).
        if rest.ends_with(&own) && entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let folder = entry.path();
        if rest.starts_with("commit-") && folder.join(JOURNAL).is_file() && output.is_dir() {
            apply_commit(&folder, output).map_err(|e| {
                io::Error::other(format!(
                    "cannot finish the update a killed build left in {} ({e}); \
                     delete {} and build again",
                    folder.display(),
                    output.display()
                ))
            })?;
        }
        if folder.is_dir() {
            let _ = fs::remove_dir_all(folder);
        } else {
            let _ = fs::remove_file(folder);
        }
    }
    Ok(())
}

/// Where rendered files go as they come out of the renderer, in parallel.
///
/// Holding every rendered page until the end would make a build's memory
/// grow with the size of the site, so each sink keeps only what it must:
/// a fresh build writes straight into its staging folder (thrown away if the
/// build fails), an in-place rebuild writes the files whose bytes differ
/// from the disk into its commit folder (likewise), and `check` keeps
/// nothing. (A new day changes every page's date: holding the changed
/// pages took 900 MiB at 10,000 pages.)
pub trait Sink: Sync {
    /// Takes one rendered file.
    fn accept(&self, file: OutputFile) -> io::Result<()>;

    /// Takes the file at `path` that `write` writes: for files of tens of
    /// megabytes (`data.json`, the search index), which a sink writing to
    /// disk then never holds whole. `write` may be called more than once
    /// and writes the same bytes each time. Unless a sink does better, the
    /// bytes are collected and [`Sink::accept`]ed.
    fn accept_written(&self, path: &str, write: WriteFile) -> io::Result<()> {
        accept_collected(self, path, write)
    }
}

/// Writes the bytes of one file (see [`Sink::accept_written`]).
pub type WriteFile<'a> = &'a dyn Fn(&mut dyn io::Write) -> io::Result<()>;

fn accept_collected(sink: &(impl Sink + ?Sized), path: &str, write: WriteFile) -> io::Result<()> {
    let mut bytes = Vec::new();
    write(&mut bytes)?;
    sink.accept(OutputFile {
        path: path.into(),
        bytes,
    })
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

    /// Not even written: `check` has nothing to find in a file made from
    /// a valid site.
    fn accept_written(&self, _path: &str, _write: WriteFile) -> io::Result<()> {
        Ok(())
    }
}

/// Writes a site to an output folder; see the module documentation.
pub struct Writer {
    output: PathBuf,
    mode: Mode,
    written: std::sync::atomic::AtomicUsize,
    unchanged: std::sync::atomic::AtomicUsize,
    /// Changed files of an in-place rebuild, staged in the commit folder
    /// and moved into the output only once rendering has succeeded.
    pending: std::sync::Mutex<Vec<Staged>>,
    /// The commit folder's name for the next staged file.
    next_name: std::sync::atomic::AtomicUsize,
    /// Whether the commit folder exists (made for the first changed file,
    /// not stat-ed again for each of thousands).
    commit_made: std::sync::atomic::AtomicBool,
    /// Digests of the output's files as the last build wrote them, when
    /// its build stamp vouches that they are still so: a file whose new
    /// bytes have the same digest is unchanged without reading it back.
    known: HashMap<String, u64>,
    /// The digest of each file taken.
    digests: std::sync::Mutex<HashMap<String, u64>>,
}

enum Mode {
    Fresh {
        staging: PathBuf,
    },
    /// `commit` is made when the first changed file comes.
    InPlace {
        commit: PathBuf,
    },
}

impl Writer {
    /// Prepares to write to `output`: a staging folder beside it when it
    /// does not exist yet, else an in-place update.
    pub fn new(output: &Path) -> io::Result<Writer> {
        if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        recover(output)?;
        let mode = match fs::symlink_metadata(output) {
            Ok(meta) if meta.is_dir() => Mode::InPlace {
                commit: sibling(output, "commit"),
            },
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
            next_name: Default::default(),
            commit_made: Default::default(),
            known: HashMap::new(),
            digests: Default::default(),
        })
    }

    /// Trusts `known` digests of the output's files (see [`Writer`]'s
    /// field), and that they are all the files the output holds: only for
    /// an output its build stamp vouches for.
    pub fn with_known(mut self, known: HashMap<String, u64>) -> Writer {
        self.known = known;
        self
    }

    /// The digest the stamp vouched for of the output file `path`.
    pub fn known(&self, path: &str) -> Option<u64> {
        self.known.get(path).copied()
    }

    /// The files this writer will write when it finishes (those whose
    /// bytes differ from the output's); every file for a fresh output.
    pub fn changed(&self) -> HashSet<String> {
        let digests = self
            .digests
            .lock()
            .expect("no panics while holding the lock");
        match &self.mode {
            Mode::Fresh { .. } => digests.keys().cloned().collect(),
            Mode::InPlace { .. } => (self.pending.lock())
                .expect("no panics while holding the lock")
                .iter()
                .map(|staged| staged.path.clone())
                .collect(),
        }
    }

    /// The output folder it writes.
    pub fn output(&self) -> &Path {
        &self.output
    }

    /// The digest of every file of the output once this writer finishes:
    /// those it took, and the known ones of the files it did not take.
    pub fn digests(&self) -> HashMap<String, u64> {
        let mut all = self.known.clone();
        all.extend(
            (self
                .digests
                .lock()
                .expect("no panics while holding the lock"))
            .iter()
            .map(|(path, digest)| (path.clone(), *digest)),
        );
        all
    }

    /// Makes the output match the rendered site; `paths` are all of its
    /// files. Call only after every file rendered without error.
    pub fn finish(self, paths: &[String]) -> io::Result<WriteStats> {
        if self.known.is_empty() {
            return self.commit(|output| stale_files(paths, output));
        }
        // The stamp vouches that the output holds exactly the known files
        // (it checked every folder's modification time, which any entry
        // added or removed changes), and a build leaves no empty folder:
        // the stale files are known without walking the output.
        let keep: HashSet<&str> = paths.iter().map(String::as_str).collect();
        let mut files: Vec<String> = (self.known.keys())
            .filter(|path| !keep.contains(path.as_str()))
            .cloned()
            .collect();
        files.sort();
        self.commit(|_| {
            Ok(Stale {
                files,
                empty_folders: Vec::new(),
            })
        })
    }

    /// Makes the output hold the files given, keeping every other file:
    /// for a site whose set of files is the same as the output's (a
    /// partial rebuild), where looking for files to remove would cost a
    /// walk of the whole output for nothing.
    pub fn finish_same_files(self) -> io::Result<WriteStats> {
        self.commit(|_| Ok(Default::default()))
    }

    fn commit(
        self,
        stale_files: impl FnOnce(&Path) -> io::Result<Stale>,
    ) -> io::Result<WriteStats> {
        use std::sync::atomic::Ordering::Relaxed;
        match &self.mode {
            Mode::Fresh { staging } => {
                fs::rename(staging, &self.output)?;
                Ok(WriteStats {
                    written: self.written.load(Relaxed),
                    ..Default::default()
                })
            }
            Mode::InPlace { commit } => {
                let mut pending = self
                    .pending
                    .into_inner()
                    .expect("no panics while holding the lock");
                in_commit_order(&mut pending, &self.output);
                let Stale {
                    files: stale,
                    empty_folders,
                } = stale_files(&self.output)?;
                let stats = WriteStats {
                    written: pending.len(),
                    unchanged: self.unchanged.load(Relaxed),
                    removed: stale.len(),
                };
                if pending.is_empty() && stale.is_empty() {
                    remove_empty_folders(&self.output, empty_folders.iter().map(Path::new))?;
                    return Ok(stats);
                }
                prepare_commit(commit, pending, stale).inspect_err(|_| {
                    let _ = fs::remove_dir_all(commit);
                })?;
                apply_commit(commit, &self.output)?;
                fs::remove_dir_all(commit)?;
                remove_empty_folders(&self.output, empty_folders.iter().map(Path::new))?;
                Ok(stats)
            }
        }
    }

    /// Throws away what a failed build staged (a fresh build's staging
    /// folder, an in-place update's commit folder); the output is as it
    /// was. A writer dropped without this leaves the folder to the next
    /// build, which removes it first ([`recover`]).
    pub fn abandon(self) {
        let (Mode::Fresh { staging: folder } | Mode::InPlace { commit: folder }) = &self.mode;
        let _ = fs::remove_dir_all(folder);
    }
}

impl Sink for Writer {
    fn accept(&self, file: OutputFile) -> io::Result<()> {
        let digest = crate::stamp::file_digest(&file.bytes);
        self.record(&file.path, digest);
        if let Mode::InPlace { .. } = self.mode {
            let same = match self.known.get(&file.path) {
                Some(&known) => known == digest,
                None => same_bytes(&self.output.join(&file.path), &file.bytes),
            };
            if same {
                return self.keep();
            }
        }
        self.put(file.path, |target| fs::write(target, &file.bytes))
    }

    /// Written to the file as made, and digested meanwhile. In place, a
    /// file the stamp vouches for is digested first, and written only if
    /// it changed; one it does not is compared byte for byte, in memory.
    fn accept_written(&self, path: &str, write: WriteFile) -> io::Result<()> {
        if let Mode::InPlace { .. } = self.mode {
            let Some(&known) = self.known.get(path) else {
                return accept_collected(self, path, write);
            };
            let mut digesting = Digesting::new(io::sink());
            write(&mut digesting)?;
            if digesting.digest() == known {
                self.record(path, known);
                return self.keep();
            }
        }
        let mut digest = 0;
        self.put(path.to_string(), |target| {
            digest = write_digested(target, write)?;
            Ok(())
        })?;
        self.record(path, digest);
        Ok(())
    }
}

impl Writer {
    fn record(&self, path: &str, digest: u64) {
        (self.digests.lock())
            .expect("no panics while holding the lock")
            .insert(path.to_string(), digest);
    }

    /// Counts a file of an in-place rebuild whose bytes did not change.
    fn keep(&self) -> io::Result<()> {
        (self.unchanged).fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Writes a new or changed file for `path` with `write_to`: straight
    /// into a fresh build's staging folder, or into an in-place rebuild's
    /// commit folder, to be moved to `path` when the build commits.
    fn put(&self, path: String, write_to: impl FnOnce(&Path) -> io::Result<()>) -> io::Result<()> {
        use std::sync::atomic::Ordering::Relaxed;
        match &self.mode {
            Mode::Fresh { staging } => {
                let target = staging.join(&path);
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent)?;
                }
                write_to(&target)?;
                self.written.fetch_add(1, Relaxed);
            }
            Mode::InPlace { commit } => {
                let name = self.next_name.fetch_add(1, Relaxed);
                if !self.commit_made.load(Relaxed) {
                    // Two threads may both make it: that is harmless.
                    fs::create_dir_all(commit)?;
                    self.commit_made.store(true, Relaxed);
                }
                write_to(&commit.join(name.to_string()))?;
                (self.pending.lock())
                    .expect("no panics while holding the lock")
                    .push(Staged { path, name });
            }
        }
        Ok(())
    }
}

/// Writes the file `target` with `write`; returns the digest of its bytes.
fn write_digested(target: &Path, write: WriteFile) -> io::Result<u64> {
    let file = io::BufWriter::with_capacity(1 << 16, fs::File::create(target)?);
    let mut digesting = Digesting::new(file);
    write(&mut digesting)?;
    let digest = digesting.digest();
    digesting
        .inner
        .into_inner()
        .map_err(io::IntoInnerError::into_error)?;
    Ok(digest)
}

/// Passes bytes on, digesting them as [`crate::stamp::file_digest`] does.
struct Digesting<W> {
    inner: W,
    hasher: xxhash_rust::xxh3::Xxh3Default,
}

impl<W: io::Write> Digesting<W> {
    fn new(inner: W) -> Self {
        Digesting {
            inner,
            hasher: xxhash_rust::xxh3::Xxh3Default::new(),
        }
    }

    fn digest(&self) -> u64 {
        self.hasher.digest()
    }
}

impl<W: io::Write> io::Write for Digesting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
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

/// New files go in first (and stale ones are removed last), so that even
/// half-way through a commit links to other files still resolve: a
/// page linking to a new page is only replaced once that page exists, and
/// a removed page only goes once nothing links to it any more.
fn in_commit_order(files: &mut [Staged], output: &Path) {
    files.sort_by_cached_key(|f| (output.join(&f.path).exists(), f.path.clone()));
}

/// Step 1 of an in-place update: writes the journal of the changed files
/// already staged in `commit` (and of the stale ones), leaving the output
/// untouched.
fn prepare_commit(commit: &Path, files: Vec<Staged>, stale: Vec<String>) -> io::Result<()> {
    fs::create_dir_all(commit)?;
    let (files, names) = files.into_iter().map(|f| (f.path, f.name)).unzip();
    let journal = Journal {
        files,
        names,
        stale,
    };
    let pending = commit.join(format!("{JOURNAL}.tmp"));
    fs::write(
        &pending,
        serde_json::to_vec(&journal).map_err(io::Error::other)?,
    )?;
    // The commit point: from here on the next build finishes this commit.
    fs::rename(pending, commit.join(JOURNAL))
}

/// Step 2: moves the prepared files into the output and removes stale
/// ones. Safe to run again after being killed half-way: files already
/// moved are skipped, files already removed are not missed.
fn apply_commit(commit: &Path, output: &Path) -> io::Result<()> {
    let journal: Journal =
        serde_json::from_slice(&fs::read(commit.join(JOURNAL))?).map_err(io::Error::other)?;
    for (i, path) in journal.files.iter().enumerate() {
        let name = journal.names.get(i).copied().unwrap_or(i);
        let prepared = commit.join(name.to_string());
        if !prepared.exists() {
            continue;
        }
        let target = output.join(path);
        clear_conflicts(path, output)?;
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::rename(&prepared, &target)?;
    }
    for path in &journal.stale {
        // Only files: where a stale file's name now holds a folder (or a
        // stale path runs through what is now a file), moving the new
        // files in has already cleared it.
        let stale = output.join(path);
        if fs::symlink_metadata(&stale).is_ok_and(|m| !m.is_dir()) {
            fs::remove_file(&stale)?;
        }
    }
    remove_emptied_folders(output, &journal.stale)
}

/// Clears a folder where the file `path` must go, or a file where one of
/// its folders must go.
fn clear_conflicts(path: &str, output: &Path) -> io::Result<()> {
    let target = output.join(path);
    if target.is_dir() {
        fs::remove_dir_all(&target)?;
    }
    let mut parent = Path::new(path).parent();
    while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
        let on_disk = output.join(p);
        if on_disk.is_file() {
            fs::remove_file(&on_disk)?;
        }
        parent = p.parent();
    }
    Ok(())
}

/// What the output holds that the new build does not have.
#[derive(Default)]
struct Stale {
    /// Files, by relative path.
    files: Vec<String>,
    /// Folders holding nothing (relative paths): a clean build has none,
    /// but deleting a page's file by hand leaves one.
    empty_folders: Vec<String>,
}

/// Walks the output for what the build with the files `paths` does not
/// have.
fn stale_files(paths: &[String], output: &Path) -> io::Result<Stale> {
    let keep: HashSet<&str> = paths.iter().map(String::as_str).collect();
    let mut stale = Stale::default();
    // A folder's entries come before it; a folder nothing came from is empty.
    let mut filled: HashSet<PathBuf> = HashSet::new();
    // The top level is listed here, so that a `.git` there is never
    // walked (a `gh-pages` history can hold more files than the site):
    // with contents first, walkdir's `filter_entry` would skip the rest of
    // the folder after it too.
    let mut top: Vec<PathBuf> = (std::fs::read_dir(output)?)
        .map(|entry| entry.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    top.retain(|path| !place::is_repository(path, output));
    top.sort();
    if !top.is_empty() {
        filled.insert(output.to_path_buf());
    }
    let walks = top.iter().map(|path| {
        walkdir::WalkDir::new(path)
            // A link at the top is an entry like any other, not a folder
            // to walk into (and empty, the files of wherever it leads).
            .follow_root_links(false)
            .contents_first(true)
            .sort_by_file_name()
    });
    for entry in walks.flatten() {
        let entry = entry.map_err(io::Error::other)?;
        if let Some(parent) = entry.path().parent() {
            filled.insert(parent.to_path_buf());
        }
        let relative = entry
            .path()
            .strip_prefix(output)
            .expect("walkdir stays below its root");
        // Tandem writes only UTF-8 names; another name is left alone
        // rather than mangled into one that names nothing.
        let Some(relative) = relative.to_str() else {
            continue;
        };
        let relative = relative.replace(std::path::MAIN_SEPARATOR, "/");
        if entry.file_type().is_dir() {
            if !filled.contains(entry.path()) {
                stale.empty_folders.push(relative);
            }
        } else if !keep.contains(relative.as_str()) {
            stale.files.push(relative);
        }
    }
    Ok(stale)
}

/// Removes the folders that removing the `stale` files left empty,
/// deepest first. Only their folders can have become empty: a new file
/// only ever fills a folder, and a folder in a new file's way is removed
/// whole. Looking at these alone spares a walk of the whole output (half
/// a second at 20,000 files here) on every rebuild.
fn remove_emptied_folders(output: &Path, stale: &[String]) -> io::Result<()> {
    remove_empty_folders(output, stale.iter().filter_map(|p| Path::new(p).parent()))
}

/// Removes those of `folders` (relative to `output`), and of the folders
/// above them, that are empty, deepest first.
fn remove_empty_folders<'a>(
    output: &Path,
    folders: impl Iterator<Item = &'a Path>,
) -> io::Result<()> {
    let mut folders: Vec<&Path> = folders
        .flat_map(Path::ancestors)
        .filter(|folder| !folder.as_os_str().is_empty())
        .collect();
    folders.sort_by_key(|f| std::cmp::Reverse((f.components().count(), *f)));
    folders.dedup();
    for folder in folders {
        let folder = output.join(folder);
        let empty = fs::read_dir(&folder).map(|mut entries| entries.next().is_none());
        if empty.unwrap_or(false) {
            fs::remove_dir(&folder)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    /// An output with `a.html`, `b.html` and `old/stale.html`.
    fn previous_site() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        write_site(
            &[
                file("a.html", "old a"),
                file("b.html", "old b"),
                file("old/stale.html", "gone soon"),
            ],
            &output,
        )
        .unwrap();
        (dir, output)
    }

    fn read(output: &Path, path: &str) -> Option<String> {
        fs::read_to_string(output.join(path)).ok()
    }

    /// A commit prepared by "a killed build": its changed files are
    /// `a.html` and `new/c.html`, and `old/stale.html` is to go.
    fn prepared_commit(output: &Path) -> PathBuf {
        let commit = sibling(output, "commit");
        fs::create_dir_all(&commit).unwrap();
        // Staged in the order they rendered: named otherwise than listed.
        fs::write(commit.join("7"), "new a").unwrap();
        fs::write(commit.join("3"), "new c").unwrap();
        prepare_commit(
            &commit,
            vec![staged("a.html", 7), staged("new/c.html", 3)],
            vec!["old/stale.html".into()],
        )
        .unwrap();
        commit
    }

    fn staged(path: &str, name: usize) -> Staged {
        Staged {
            path: path.into(),
            name,
        }
    }

    #[test]
    fn a_commit_killed_half_way_is_finished_by_the_next_build() {
        let (_dir, output) = previous_site();
        let commit = prepared_commit(&output);
        // Killed after moving its first file into place.
        fs::rename(commit.join("7"), output.join("a.html")).unwrap();
        assert_eq!(read(&output, "new/c.html"), None);

        Writer::new(&output).unwrap().abandon();
        assert_eq!(read(&output, "a.html").as_deref(), Some("new a"));
        assert_eq!(read(&output, "b.html").as_deref(), Some("old b"));
        assert_eq!(read(&output, "new/c.html").as_deref(), Some("new c"));
        assert!(
            !output.join("old").exists(),
            "stale file and its folder removed"
        );
        assert!(!commit.exists(), "commit folder cleaned up");
    }

    #[test]
    fn a_commit_killed_before_its_commit_point_leaves_the_output_untouched() {
        let (_dir, output) = previous_site();
        let commit = prepared_commit(&output);
        // Killed before the journal got its final name.
        fs::rename(commit.join(JOURNAL), commit.join(format!("{JOURNAL}.tmp"))).unwrap();

        Writer::new(&output).unwrap().abandon();
        assert_eq!(read(&output, "a.html").as_deref(), Some("old a"));
        assert_eq!(
            read(&output, "old/stale.html").as_deref(),
            Some("gone soon")
        );
        assert_eq!(read(&output, "new/c.html"), None);
        assert!(!commit.exists(), "commit folder cleaned up");
    }

    #[test]
    fn a_changed_file_is_staged_beside_the_output_as_it_comes_and_gone_when_abandoned() {
        let (dir, output) = previous_site();
        let writer = Writer::new(&output).unwrap();
        writer.accept(file("a.html", "old a")).unwrap();
        writer.accept(file("b.html", "new b")).unwrap();
        // On disk already, not in memory; the output is untouched.
        let commit = sibling(&output, "commit");
        assert_eq!(fs::read_to_string(commit.join("0")).unwrap(), "new b");
        assert_eq!(read(&output, "b.html").as_deref(), Some("old b"));
        writer.abandon();
        assert_eq!(read(&output, "b.html").as_deref(), Some("old b"));
        let beside = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(beside, 1, "only the output is left");
    }

    /// Writes `text` in pieces, counting the times it is asked to.
    fn pieces<'a>(
        text: &'a str,
        calls: &'a std::cell::Cell<usize>,
    ) -> impl Fn(&mut dyn io::Write) -> io::Result<()> + 'a {
        move |out| {
            calls.set(calls.get() + 1);
            for piece in text.as_bytes().chunks(7) {
                out.write_all(piece)?;
            }
            Ok(())
        }
    }

    #[test]
    fn a_written_file_gets_the_bytes_and_digest_an_accepted_one_would() {
        let text = "{\"pages\":[\"x\"]}\n".repeat(500);
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        let writer = Writer::new(&output).unwrap();
        let calls = std::cell::Cell::new(0);
        writer
            .accept_written("big/index.json", &pieces(&text, &calls))
            .unwrap();
        assert_eq!(calls.get(), 1);
        let digest = writer.digests()["big/index.json"];
        assert_eq!(digest, crate::stamp::file_digest(text.as_bytes()));
        writer.finish(&["big/index.json".into()]).unwrap();
        assert_eq!(read(&output, "big/index.json"), Some(text));
    }

    #[test]
    fn a_written_file_the_stamp_vouches_for_is_only_digested_when_unchanged() {
        let (dir, output) = previous_site();
        let known: HashMap<String, u64> = ["a.html", "b.html", "old/stale.html"]
            .map(|p| {
                (
                    p.to_string(),
                    crate::stamp::file_digest(read(&output, p).unwrap().as_bytes()),
                )
            })
            .into();
        let known_b = known["b.html"];
        let writer = Writer::new(&output).unwrap().with_known(known);
        let calls = std::cell::Cell::new(0);
        writer
            .accept_written("a.html", &pieces("old a", &calls))
            .unwrap();
        assert_eq!(calls.get(), 1, "digested, not written");
        writer
            .accept_written("b.html", &pieces("new b", &calls))
            .unwrap();
        assert_eq!(calls.get(), 3, "digested, then written as it changed");
        let commit = sibling(&output, "commit");
        assert_eq!(fs::read_to_string(commit.join("0")).unwrap(), "new b");
        assert_eq!(writer.changed(), HashSet::from(["b.html".to_string()]));
        // The stamp records the new bytes' digest, as `accept` would.
        let accepted = Writer::new(&dir.path().join("other")).unwrap();
        accepted.accept(file("b.html", "new b")).unwrap();
        assert_eq!(writer.digests()["b.html"], accepted.digests()["b.html"]);
        assert_ne!(writer.digests()["b.html"], known_b);
        accepted.abandon();
        let stats = writer.finish(&["a.html".into(), "b.html".into()]).unwrap();
        assert_eq!((stats.written, stats.unchanged), (1, 1));
        assert_eq!(read(&output, "b.html").as_deref(), Some("new b"));
    }

    #[test]
    fn a_written_file_no_stamp_vouches_for_is_compared_with_the_output() {
        let (_dir, output) = previous_site();
        let writer = Writer::new(&output).unwrap();
        let calls = std::cell::Cell::new(0);
        writer
            .accept_written("a.html", &pieces("old a", &calls))
            .unwrap();
        writer
            .accept_written("b.html", &pieces("new b", &calls))
            .unwrap();
        assert_eq!(writer.changed(), HashSet::from(["b.html".to_string()]));
        writer.abandon();
    }

    #[test]
    fn check_never_writes_a_written_file() {
        let calls = std::cell::Cell::new(0);
        Discard
            .accept_written("data.json", &pieces("{}", &calls))
            .unwrap();
        assert_eq!(calls.get(), 0);
    }

    #[test]
    fn a_file_beside_the_output_that_fails_to_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        replace_beside(&output, "test", |file| file.write_all(b"kept")).unwrap();
        let failed = replace_beside(&output, "test", |file| {
            file.write_all(b"half")?;
            Err(io::Error::other("no room"))
        });
        assert!(failed.is_err());
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [".public.tandem-test"]);
        assert_eq!(fs::read_to_string(beside(&output, "test")).unwrap(), "kept");
    }

    #[test]
    fn a_file_written_beside_the_output_waits_for_its_commit() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        let names = || -> Vec<String> {
            let mut names: Vec<String> = (fs::read_dir(dir.path()).unwrap())
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let pending = write_beside(&output, "test", |file| file.write_all(b"new")).unwrap();
        let written = format!(".public.tandem-test-tmp-{}", std::process::id());
        // A writer made meanwhile cleans up after killed builds, not
        // after this one.
        fs::create_dir(dir.path().join(".public.tandem-test-tmp-0")).unwrap();
        fs::write(dir.path().join(".public.tandem-stamp-tmp-1"), "left").unwrap();
        recover(&output).unwrap();
        assert_eq!(names(), std::slice::from_ref(&written));
        pending.commit().unwrap();
        assert_eq!(names(), [".public.tandem-test"]);
        assert_eq!(fs::read_to_string(beside(&output, "test")).unwrap(), "new");
        // Dropped, a build's file is not put in place.
        let dropped = write_beside(&output, "test", |file| file.write_all(b"newer")).unwrap();
        assert_eq!(names(), [".public.tandem-test".to_string(), written]);
        drop(dropped);
        assert_eq!(names(), [".public.tandem-test"]);
        assert_eq!(fs::read_to_string(beside(&output, "test")).unwrap(), "new");
    }

    #[test]
    fn a_journal_without_names_from_an_earlier_version_is_replayed() {
        let (_dir, output) = previous_site();
        let commit = sibling(&output, "commit");
        fs::create_dir_all(&commit).unwrap();
        fs::write(commit.join("0"), "new a").unwrap();
        fs::write(
            commit.join(JOURNAL),
            r#"{"files":["a.html"],"stale":["old/stale.html"]}"#,
        )
        .unwrap();
        Writer::new(&output).unwrap().abandon();
        assert_eq!(read(&output, "a.html").as_deref(), Some("new a"));
        assert!(!output.join("old").exists());
        assert!(!commit.exists());
    }

    #[test]
    fn a_commit_moves_new_files_in_before_it_replaces_the_pages_linking_to_them() {
        let (_dir, output) = previous_site();
        let mut files = vec![
            staged("a.html", 0),
            staged("b.html", 1),
            staged("new.html", 2),
            staged("z/new.html", 3),
        ];
        in_commit_order(&mut files, &output);
        let order: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(order, ["new.html", "z/new.html", "a.html", "b.html"]);
    }

    #[test]
    fn a_file_may_become_a_folder_and_a_folder_a_file() {
        let (_dir, output) = previous_site();
        // `b.html` becomes a folder, `old/` becomes a file.
        let site = [
            file("a.html", "old a"),
            file("b.html/index.html", "b as a folder"),
            file("old", "old as a file"),
        ];
        write_site(&site, &output).unwrap();
        assert_eq!(
            read(&output, "b.html/index.html").as_deref(),
            Some("b as a folder")
        );
        assert_eq!(read(&output, "old").as_deref(), Some("old as a file"));
        // And back.
        let site = [
            file("a.html", "old a"),
            file("b.html", "b"),
            file("old/x", "x"),
        ];
        write_site(&site, &output).unwrap();
        assert_eq!(read(&output, "b.html").as_deref(), Some("b"));
        assert_eq!(read(&output, "old/x").as_deref(), Some("x"));
        let leftovers = fs::read_dir(output.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no commit folder left to replay");
    }

    #[test]
    fn an_in_place_rebuild_writes_only_changed_files_and_removes_stale_ones() {
        let (_dir, output) = previous_site();
        let stats = write_site(
            &[
                file("a.html", "old a"),
                file("b.html", "new b"),
                file("b", "a file where nothing was"),
            ],
            &output,
        )
        .unwrap();
        assert_eq!(
            stats,
            WriteStats {
                written: 2,
                unchanged: 1,
                removed: 1
            }
        );
        assert_eq!(read(&output, "b.html").as_deref(), Some("new b"));
        assert!(!output.join("old").exists());
        let beside: Vec<_> = fs::read_dir(output.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(beside, vec![std::ffi::OsString::from("public")]);
    }
}
