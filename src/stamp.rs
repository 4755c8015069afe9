//! The build stamp: proof that the output is what the sources would build.
//!
//! Rendering 10,000 pages takes seconds even when nothing changed, and the
//! output is a pure function of what a build reads: the sources (settings,
//! pages, data, themes, templates, static files), the command-line options,
//! "today", the git history (for last-updated dates) and the `tandem`
//! binary itself. After each successful build, a stamp beside the output
//! (`.public.tandem-stamp`) records a digest of all of these, every output
//! file's size, modification time and content digest, and the build's
//! warnings. A rebuild whose digest matches, into an output that nobody
//! touched since, has nothing to do: it prints the same warnings and
//! stops, in the time it takes to look at the metadata of the sources
//! and the output files (see below).
//!
//! The stamp also serves rebuilds that do have work: a digest of
//! everything but the handbook's pages and a [`PageMark`] per page let a
//! rebuild after text edits render only what shows them
//! ([`crate::rebuild`]), and the output files' digests let any render into
//! the output tell which files it changes without reading them back.
//!
//! Any doubt means a real build: a source that cannot be read, a missing
//! or unreadable stamp, an output file added, removed or modified (size or
//! modification time), or no git where git was used before. The stamp is
//! removed before a build writes anything, so a killed build never leaves
//! a stamp that vouches for a half-updated output.
//!
//! Reading every source (about 40 MB at 10,000 pages) to find that none
//! changed would cost more than everything else a build with nothing to do
//! does, so the stamp also keeps, for each source file, what its metadata
//! said when it was read (size, modification and change times, inode and
//! device: [`StatKey`]) with the digest of its bytes, as git's index does.
//! A file whose metadata is the same is not read again, with one
//! exception, the *racy* case: a file changed within the file system's
//! timestamp granularity of being read could change again after the read
//! without its times moving. So a file is trusted by its metadata only if
//! its change time is at least [`RACY_NANOS`] older than the moment the
//! build that recorded it started reading ([`SourceRecord::trusted`]);
//! others are read every time. That moment is the earlier of this
//! machine's clock and the file system's (the build lock's modification
//! time, [`fs_now`]): on a network share whose server's clock is behind,
//! the local clock alone would trust files that are still racy.
//!
//! On file systems that keep a real change time (ext4, xfs, btrfs, tmpfs,
//! APFS) it cannot be set by hand (`touch` and `File::set_modified` set
//! the modification time and move the change time to now), so a file
//! rewritten with the same size and modification time is still noticed.
//! FAT and some FUSE mounts (sshfs) derive the change time from the
//! modification time instead; there, such a rewrite is not noticed. What
//! the metadata cannot show anywhere: a change through a shared writable
//! memory map (the kernel moves the times at the first write after a
//! flush only), or a clock set back. Remove the stamp to force a real
//! build after any of these.
//!
//! The stamp file is two values in postcard, one after the other: what a
//! build with nothing to do needs ([`Head`]: digests, source records,
//! output files' sizes and times, warnings), then what only a build that
//! renders needs ([`Detail`]: page marks, output files' digests, the
//! last-updated dates git gave, with the HEAD they were read at), parsed
//! only then. It is Tandem's own, for the next build, not a format for
//! other tools.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::history::GitDates;
use crate::rebuild::PageMark;
use crate::site::BuildOptions;

use crate::output::place::SOURCE_FOLDERS;

/// The stamp's format: a stamp of another one (an older Tandem's) is no
/// stamp at all.
const FORMAT: u32 = 5;

/// How much older than the start of the reading a source file's change
/// time must be for its metadata to vouch for its bytes (see the module
/// documentation). Three seconds cover the coarsest timestamps of common
/// file systems (FAT's two seconds, rounded down) and the kernel's coarse
/// clock (a few milliseconds behind the real one); it costs re-reading the
/// files saved in the three seconds before a build.
pub const RACY_NANOS: i128 = 3_000_000_000;

/// A build's stamp: [`Head`], and [`Detail`] once parsed.
pub struct Stamp {
    head: Head,
    /// The stamp file's bytes, for [`Stamp::detailed`] to parse the
    /// [`Detail`] from `detail_at` on when needed.
    text: Vec<u8>,
    detail_at: usize,
    detail: Option<Detail>,
}

/// What a build that has nothing to do needs of the stamp.
#[derive(Serialize, Deserialize)]
struct Head {
    format: u32,
    digest: String,
    /// [`Digest::rest`].
    rest: String,
    /// The binary that made the digests ([`binary`]): another one may
    /// hash differently (Rust does not promise its hasher's algorithm).
    binary: Option<String>,
    /// When the build that made `sources` started reading them
    /// (nanoseconds since the Unix epoch): see [`SourceRecord::trusted`].
    read_at: i128,
    /// Every source file, sorted by path.
    sources: Vec<SourceRecord>,
    /// Every output file (sorted by path), with its size and modification
    /// time; see [`outputs`].
    files: Vec<(String, u64, i128)>,
    /// Every output folder (`dir/`, the output itself as `/`), sorted,
    /// with its modification time.
    folders: Vec<(String, i128)>,
    warnings: Vec<StoredDiagnostic>,
}

/// What only a build that renders needs of the stamp.
#[derive(Serialize, Deserialize)]
struct Detail {
    /// What the build remembered of each page, for partial rebuilds.
    pages: Vec<(PathBuf, PageMark)>,
    /// The digest of each output file's bytes ([`file_digest`]), in the order
    /// of [`Head::files`]: the next build knows which files its output
    /// changes without reading them back.
    contents: Vec<u64>,
    /// The dates git gave, with what they depend on (never `None`).
    git: Option<GitDates>,
}

/// A warning as the stamp keeps it (with its source snippet, which the
/// public JSON form of diagnostics leaves out).
#[derive(Serialize, Deserialize)]
struct StoredDiagnostic {
    file: Option<PathBuf>,
    line: usize,
    column: usize,
    message: String,
    help: Option<String>,
    snippet: Option<(String, usize)>,
}

/// What a file's metadata said of it. Equal keys mean equal bytes, unless
/// the file changed within the timestamp granularity of being read
/// ([`SourceRecord::trusted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredKey", into = "StoredKey")]
struct StatKey {
    size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    modified: i128,
    /// Change time (of the inode), nanoseconds since the Unix epoch.
    changed: i128,
    inode: u64,
    device: u64,
}

/// [`StatKey`] in the stamp: an array, not an object (a fifth of the
/// stamp's size went on field names).
type StoredKey = (u64, i128, i128, u64, u64);

impl From<StatKey> for StoredKey {
    fn from(k: StatKey) -> StoredKey {
        (k.size, k.modified, k.changed, k.inode, k.device)
    }
}

impl From<StoredKey> for StatKey {
    fn from((size, modified, changed, inode, device): StoredKey) -> StatKey {
        StatKey {
            size,
            modified,
            changed,
            inode,
            device,
        }
    }
}

impl StatKey {
    /// The key of a file's metadata; `None` where the platform does not
    /// give change times and inodes (then every file is read every time).
    #[cfg(unix)]
    fn of(meta: &fs::Metadata) -> Option<StatKey> {
        use std::os::unix::fs::MetadataExt;
        let nanos =
            |seconds: i64, nanos: i64| i128::from(seconds) * 1_000_000_000 + i128::from(nanos);
        Some(StatKey {
            size: meta.len(),
            modified: nanos(meta.mtime(), meta.mtime_nsec()),
            changed: nanos(meta.ctime(), meta.ctime_nsec()),
            inode: meta.ino(),
            device: meta.dev(),
        })
    }

    #[cfg(not(unix))]
    fn of(_meta: &fs::Metadata) -> Option<StatKey> {
        None
    }
}

/// A source file (path relative to the site root, `/`-separated), what
/// its metadata said just before it was read, and the digest of its bytes
/// and modification time (dates outside git come from it). A missing
/// optional file (the settings) has no key and the digest 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SourceRecord(String, Option<StatKey>, u64);

impl SourceRecord {
    /// Whether this record, made by a build that started reading at
    /// `read_at`, vouches for the bytes of a file whose metadata says
    /// `now`: same metadata, and changed long enough before that build
    /// read it that a later change must have moved its change time.
    fn trusted(&self, now: &StatKey, read_at: i128) -> bool {
        self.1.as_ref() == Some(now) && now.changed < read_at - RACY_NANOS
    }
}

/// Its name beside the output (`.public.tandem-stamp`): never published.
const TAG: &str = "stamp";

/// Where the stamp of `output` lives.
pub fn path_for(output: &Path) -> PathBuf {
    crate::output::beside(output, TAG)
}

/// What a build reads, digested.
#[derive(Debug, Clone)]
pub struct Digest {
    /// Everything.
    pub all: String,
    /// Everything but the handbook's pages (`content/**/*.md`): when only
    /// pages changed, a rebuild may render only what shows them.
    rest: String,
    /// Each page's source file (relative path) to the digest of its bytes
    /// and modification time.
    pub pages: FxHashMap<PathBuf, u64>,
    /// When the reading started, and what it found of each source file.
    read_at: i128,
    sources: Vec<SourceRecord>,
    /// The repository's HEAD (and shallow boundary), outside git `None`.
    git_head: Option<String>,
}

impl Digest {
    /// The modification time (Unix seconds) of the source file `path`
    /// (relative to the site root) when it was digested, as
    /// [`crate::history`] reads it: `None` before 1970.
    pub fn modified_seconds(&self, path: &Path) -> Option<i64> {
        let path = path.to_str()?.replace(std::path::MAIN_SEPARATOR, "/");
        let at = (self.sources)
            .binary_search_by(|r| r.0.as_str().cmp(&path))
            .ok()?;
        let modified = self.sources[at].1?.modified;
        i64::try_from(modified.div_euclid(1_000_000_000))
            .ok()
            .filter(|s| *s >= 0)
    }
}

/// Source records a digest may take a file's digest from instead of
/// reading it: those of a stamp, or of a digest made earlier in the same
/// build.
pub struct Known<'a> {
    read_at: i128,
    sources: &'a [SourceRecord],
}

impl Known<'_> {
    /// The record of `path`, if it vouches for a file whose metadata says
    /// `now`.
    fn digest_of(&self, path: &str, now: &StatKey) -> Option<u64> {
        let at = (self.sources)
            .binary_search_by(|r| r.0.as_str().cmp(path))
            .ok()?;
        let record = &self.sources[at];
        record.trusted(now, self.read_at).then_some(record.2)
    }
}

impl Digest {
    /// Whether the site is outside git (or in a repository without a
    /// commit): then `git log` has nothing to say either.
    pub fn outside_git(&self) -> bool {
        self.git_head.is_none()
    }

    /// What the dates git gives the files below `root` depend on
    /// ([`GitDates::at`]); `None` outside git. The root is canonical: two
    /// sites of one repository may share an output folder.
    pub fn git_at(&self, root: &Path) -> Option<String> {
        let head = self.git_head.as_ref()?;
        let root = fs::canonicalize(root).ok()?;
        Some(format!("{}\n{head}", root.display()))
    }

    /// Its records, to digest the same sources again later in the build
    /// without reading the files whose metadata did not change.
    pub fn known(&self) -> Known<'_> {
        Known {
            read_at: self.read_at,
            sources: &self.sources,
        }
    }

    /// Whether the sources a build with `options` reads are still those
    /// digested. Only files whose metadata changed, or that changed just
    /// before they were read, are read again.
    pub fn unchanged(&self, options: &BuildOptions, output: &Path) -> bool {
        digest(options, output, Some(self.known())).is_some_and(|now| now.all == self.all)
    }
}

/// The digest of everything a build with `options` reads, or `None` when
/// some of it cannot be read (then the build must run). Files that
/// `known` vouches for are not read.
pub fn digest(options: &BuildOptions, output: &Path, known: Option<Known>) -> Option<Digest> {
    let root = &options.root;
    let today = match options.today {
        Some(today) => today,
        None => crate::calendar::today().ok()?,
    };
    let read_at = now_nanos()?.min(fs_now(output).unwrap_or(i128::MAX));
    let mut hasher = xxhash_rust::xxh3::Xxh3Default::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    // A rebuilt `tandem` may render differently under the same version.
    binary()?.hash(&mut hasher);
    format!(
        "{:?} {} {today} {:?} {:?} {}",
        options.base_url,
        options.drafts,
        options.relative_urls,
        options.fingerprint,
        output.display()
    )
    .hash(&mut hasher);
    let git_head = crate::history::head(root);
    git_head.hash(&mut hasher);
    let mut rest = hasher.clone();
    let mut pages = FxHashMap::default();
    let sources = source_records(root, known.as_ref())?;
    for SourceRecord(path, _, file_digest) in &sources {
        (path, file_digest).hash(&mut hasher);
        let path = Path::new(path);
        if crate::content::is_page_source(path) {
            pages.insert(path.to_path_buf(), *file_digest);
        } else {
            (path, file_digest).hash(&mut rest);
        }
    }
    Some(Digest {
        all: format!("{:016x}", hasher.finish()),
        rest: format!("{:016x}", rest.finish()),
        pages,
        read_at,
        sources,
        git_head,
    })
}

/// The file system's clock when the build began: the modification time of
/// the build lock, which the build created then beside `output` (`None`
/// without a lock, as in tests that digest without building).
fn fs_now(output: &Path) -> Option<i128> {
    let modified = fs::metadata(crate::lock::lock_path(output))
        .ok()?
        .modified()
        .ok()?;
    let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(since.as_nanos() as i128)
}

/// Now, in nanoseconds since the Unix epoch.
fn now_nanos() -> Option<i128> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.ok().map(|d| d.as_nanos() as i128)
}

/// The 64-bit digest the stamp keeps of source files and page marks
/// (output files have [`file_digest`]). Only compared with digests the
/// same `tandem` binary made (see [`Stamp::contents`]).
pub fn hash_of(value: &impl Hash) -> u64 {
    // XXH3 rather than the standard library's SipHash: a build digests
    // every source file, and XXH3 does that at memory speed. Nothing here
    // needs SipHash's resistance to chosen inputs: the digests only tell a
    // build's own files apart.
    let mut hasher = xxhash_rust::xxh3::Xxh3Default::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// The digest of an output file's bytes (hundreds of megabytes at 10,000
/// pages, hence XXH3, as in [`hash_of`]): XXH3 of them, which an
/// [`xxhash_rust::xxh3::Xxh3Default`] fed them in pieces gives too (a file
/// written as a stream is digested as it is written; see
/// [`crate::output::Sink::accept_written`]).
pub fn file_digest(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// The `tandem` binary running, by version, size and modification time.
pub(crate) fn binary() -> Option<String> {
    let binary = fs::metadata(std::env::current_exe().ok()?).ok()?;
    let modified = binary.modified().ok()?;
    Some(format!(
        "{} {} {modified:?}",
        env!("CARGO_PKG_VERSION"),
        binary.len()
    ))
}

/// Every source file: its name in the stamp (relative path, `/`-separated;
/// a name that is not UTF-8 is kept with replacement characters, as the
/// records also check the file's inode) and its path relative to `root`,
/// sorted by name.
fn source_files(root: &Path) -> Option<Vec<(String, PathBuf)>> {
    let settings = crate::config::FILE_NAME;
    let mut files = vec![(settings.to_string(), PathBuf::from(settings))];
    for folder in SOURCE_FOLDERS {
        let dir = root.join(folder);
        if !dir.exists() {
            continue;
        }
        for entry in crate::data::walk_sources(&dir) {
            let entry = entry.ok()?;
            if entry.file_type().is_file() {
                let relative = entry.path().strip_prefix(root).ok()?;
                let name = relative.to_string_lossy();
                let name = name.replace(std::path::MAIN_SEPARATOR, "/");
                files.push((name, relative.to_path_buf()));
            }
        }
    }
    files.sort_unstable();
    Some(files)
}

/// The record of every source file, sorted by path: from `known` where it
/// vouches for the file's metadata, else by reading the file. On both
/// cores when called from rayon's pool; right here on any other thread:
/// a build checks its sources again on a thread of its own while the pool
/// thread that started it may be waiting for it, so work sent to the pool
/// could wait for ever (it did, with one pool thread).
fn source_records(root: &Path, known: Option<&Known>) -> Option<Vec<SourceRecord>> {
    let files = source_files(root)?;
    let record = |(path, relative): (String, PathBuf)| {
        let full = root.join(relative);
        let meta = match fs::metadata(&full) {
            Ok(meta) => meta,
            // The settings file is optional.
            Err(e) if e.kind() == io::ErrorKind::NotFound && path == crate::config::FILE_NAME => {
                return Some(SourceRecord(path, None, 0));
            }
            Err(_) => return None,
        };
        let key = StatKey::of(&meta);
        let known = key.and_then(|key| known?.digest_of(&path, &key));
        let digest = match known {
            Some(digest) => digest,
            // Read after the metadata was taken: a change in between
            // moves the metadata away from the key recorded.
            None => hash_of(&(fs::read(&full).ok()?, modified_nanos(&meta)?)),
        };
        Some(SourceRecord(path, key, digest))
    };
    match rayon::current_thread_index() {
        Some(_) => files.into_par_iter().map(record).collect(),
        None => files.into_iter().map(record).collect(),
    }
}

/// A file's modification time in nanoseconds since the Unix epoch.
fn modified_nanos(meta: &fs::Metadata) -> Option<i128> {
    let modified = meta.modified().ok()?;
    Some(match modified.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => after.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    })
}

/// The size and modification time of each output file, and the
/// modification time of each output folder (`dir/`, the output itself as
/// `/`), stat-ed in parallel. A folder's modification time changes when
/// an entry is added, removed or renamed in it, so the folders stand in
/// for a walk of the whole output, which costs far more on a slow file
/// system (half a second at 20,000 files here).
fn outputs(output: &Path, files: &[String]) -> Option<Outputs> {
    let files = (files.par_iter())
        .map(|file| file_stat(output, file).map(|(size, modified)| (file.clone(), size, modified)))
        .collect::<Option<Vec<_>>>()?;
    let folders = (output_folders(files.iter().map(|(f, _, _)| f.as_str()))?.into_par_iter())
        .map(|folder| folder_stat(output, &folder).map(|modified| (folder, modified)))
        .collect::<Option<Vec<_>>>()?;
    Some(Outputs { files, folders })
}

/// The folders holding `files` (relative paths), as `dir/`, with the
/// output itself as `/`; sorted.
fn output_folders<'a>(files: impl Iterator<Item = &'a str>) -> Option<Vec<String>> {
    let mut folders: Vec<String> = vec!["/".into()];
    let mut last: Option<&str> = None;
    for file in files {
        let mut parent = Path::new(file).parent();
        while let Some(folder) = parent.filter(|p| !p.as_os_str().is_empty()) {
            let folder = folder.to_str()?;
            // Files come sorted: a folder just listed was listed with
            // its parents.
            if last == Some(folder) {
                break;
            }
            folders.push(format!("{folder}/"));
            parent = Path::new(folder).parent();
        }
        last = Path::new(file).parent().and_then(Path::to_str);
    }
    folders.sort_unstable();
    folders.dedup();
    Some(folders)
}

/// The size and modification time of the output file `file` (relative
/// path); `None` if it is not a file.
fn file_stat(output: &Path, file: &str) -> Option<(u64, i128)> {
    let (size, modified, is_dir) = output_stat(&output.join(file))?;
    (!is_dir).then_some((size, modified))
}

/// The modification time of the output folder `folder` (`dir/`, or `/`
/// for the output itself); `None` if it is not a folder.
fn folder_stat(output: &Path, folder: &str) -> Option<i128> {
    let path = match folder {
        "/" => output.to_path_buf(),
        _ => output.join(folder),
    };
    let (_, modified, is_dir) = output_stat(&path)?;
    is_dir.then_some(modified)
}

/// Size (0 for a folder), modification time and whether it is a folder,
/// without following a symbolic link.
fn output_stat(path: &Path) -> Option<(u64, i128, bool)> {
    let meta = fs::symlink_metadata(path).ok()?;
    let size = if meta.is_dir() { 0 } else { meta.len() };
    Some((size, modified_nanos(&meta)?, meta.is_dir()))
}

/// The output's files and folders as [`outputs`] found them.
struct Outputs {
    files: Vec<(String, u64, i128)>,
    folders: Vec<(String, i128)>,
}

/// What a build that wrote its output knew, for the stamp.
pub struct Record<'a> {
    pub digest: Digest,
    /// What it knew of each page.
    pub marks: Vec<(PathBuf, PageMark)>,
    pub warnings: &'a Diagnostics,
    /// The dates git gave it, if any.
    pub git: Option<GitDates>,
}

/// What the build that wrote an up-to-date output reported.
pub struct Unchanged {
    pub warnings: Diagnostics,
    pub pages: usize,
    pub files: usize,
}

/// What the build that wrote an output knew, when only pages changed
/// since.
pub struct Previous {
    /// Its [`PageMark`]s.
    pub pages: crate::rebuild::Marks,
    /// Every output file (paths relative to the output, sorted).
    pub files: Vec<String>,
}

impl Stamp {
    /// The stamp of `output`, if there is one of this format. It vouches
    /// for nothing until [`Stamp::output_unchanged`] says so.
    pub fn read(output: &Path) -> Option<Stamp> {
        let text = fs::read(path_for(output)).ok()?;
        let (head, detail): (Head, _) = postcard::take_from_bytes(&text).ok()?;
        let detail_at = text.len() - detail.len();
        (head.format == FORMAT).then_some(Stamp {
            head,
            text,
            detail_at,
            detail: None,
        })
    }

    /// Whether every output file and folder is as the build that wrote
    /// the stamp left it.
    pub fn output_unchanged(&self, output: &Path) -> bool {
        let files = &self.head.files;
        let same_files = (files.par_iter())
            .all(|(file, size, modified)| file_stat(output, file) == Some((*size, *modified)));
        same_files
            && (self.head.folders.par_iter())
                .all(|(folder, modified)| folder_stat(output, folder) == Some(*modified))
    }

    /// The source records, for [`digest`] to read only the files whose
    /// metadata changed; none if another binary made them.
    pub fn known(&self) -> Option<Known<'_>> {
        (self.head.binary.is_some() && self.head.binary == binary()).then_some(Known {
            read_at: self.head.read_at,
            sources: &self.head.sources,
        })
    }

    /// The stamp with its [`Detail`] parsed; `None` if it cannot be.
    pub fn detailed(mut self) -> Option<Stamp> {
        let detail: Detail = postcard::from_bytes(&self.text[self.detail_at..]).ok()?;
        if detail.contents.len() != self.head.files.len() {
            return None;
        }
        self.text = Vec::new();
        self.detail = Some(detail);
        Some(self)
    }

    fn files(&self) -> impl Iterator<Item = &str> {
        self.head.files.iter().map(|(path, _, _)| path.as_str())
    }

    /// The digest of each output file as the build that wrote it left it
    /// (once [`Stamp::output_unchanged`] said the output is).
    pub fn contents(&self) -> HashMap<String, u64> {
        let Some(detail) = self.detail.as_ref().filter(|_| self.known().is_some()) else {
            return Default::default();
        };
        (self.files())
            .zip(&detail.contents)
            .map(|(path, digest)| (path.to_string(), *digest))
            .collect()
    }

    /// The dates git gave the build that made it, if they were read at
    /// `at` ([`GitDates::at`]) by this binary (another one may read git's
    /// log differently).
    pub fn git_dates(&self, at: &str) -> Option<HashMap<String, i64>> {
        self.known()?;
        let git = self.detail.as_ref()?.git.as_ref()?;
        (git.at.as_deref() == Some(at)).then(|| git.dates.clone())
    }

    /// The digest of the sources of the build that made it.
    pub fn digest(&self) -> &str {
        &self.head.digest
    }

    /// Whether, of the sources `digest` digests, only handbook pages
    /// changed since this stamp was made (its output not yet checked).
    pub fn only_pages_changed(&self, digest: &Digest) -> bool {
        self.head.rest == digest.rest && self.head.digest != digest.all
    }

    /// What the build that wrote the output knew, if since then at most
    /// the handbook's pages changed (once [`Stamp::output_unchanged`]
    /// said the output is as it left it).
    pub fn previous(&self, digest: &Digest) -> Option<Previous> {
        let detail = self.detail.as_ref()?;
        (self.head.rest == digest.rest).then(|| Previous {
            files: self.files().map(String::from).collect(),
            pages: detail.pages.iter().cloned().collect(),
        })
    }

    /// What the build that wrote the output reported, if nothing changed
    /// since (once [`Stamp::output_unchanged`] said the output is as it
    /// left it).
    pub fn unchanged(&self, digest: &Digest) -> Option<Unchanged> {
        if self.head.digest != digest.all {
            return None;
        }
        let pages = self.files().filter(|p| p.ends_with(".html")).count();
        let files = self.head.files.len();
        let warnings = self.head.warnings.iter().map(|w| Diagnostic {
            severity: Severity::Warning,
            file: w.file.clone(),
            line: w.line,
            column: w.column,
            message: w.message.clone(),
            help: w.help.clone(),
            snippet: w.snippet.clone(),
        });
        Some(Unchanged {
            warnings: Diagnostics(warnings.collect()),
            pages,
            files,
        })
    }

    /// The output as [`outputs`] would find it after a build that found
    /// it as this stamp says, rewrote the files `rewritten` and left the
    /// same files as before (a partial rebuild, or a full render that
    /// changed no file's name): only those files and the folders holding
    /// them are stat-ed again (at 10,000 pages that spares 40,000 stats).
    ///
    /// Every other file and folder keeps the metadata this stamp has,
    /// which [`Stamp::output_unchanged`] found them with when the build
    /// began: if one changed since, the next build finds it differing
    /// from the stamp and renders, just as it would have if the change
    /// had come after this stamp was written.
    fn outputs_after(&self, output: &Path, rewritten: &HashSet<String>) -> Option<Outputs> {
        let mut folders: HashSet<String> = HashSet::from(["/".to_string()]);
        for file in rewritten {
            let mut parent = Path::new(file).parent();
            while let Some(folder) = parent.filter(|p| !p.as_os_str().is_empty()) {
                folders.insert(format!("{}/", folder.to_str()?));
                parent = folder.parent();
            }
        }
        let files = (self.head.files.par_iter())
            .map(|(file, size, modified)| match rewritten.contains(file) {
                true => {
                    file_stat(output, file).map(|(size, modified)| (file.clone(), size, modified))
                }
                false => Some((file.clone(), *size, *modified)),
            })
            .collect::<Option<Vec<_>>>()?;
        let folders = (self.head.folders.par_iter())
            .map(|(folder, modified)| match folders.contains(folder) {
                true => folder_stat(output, folder).map(|modified| (folder.clone(), modified)),
                false => Some((folder.clone(), *modified)),
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Outputs { files, folders })
    }

    /// Whether a file the build did not write, now found as `now`, is no
    /// longer as this stamp found it.
    fn touched(&self, (path, size, modified): &(String, u64, i128)) -> bool {
        let files = &self.head.files;
        match files.binary_search_by(|(p, _, _)| p.as_str().cmp(path)) {
            Ok(at) => (files[at].1, files[at].2) != (*size, *modified),
            Err(_) => false,
        }
    }

    /// Records that `output`, holding the files at `paths` (sorted, with
    /// the digests `contents`), is what the sources with `record.digest`
    /// build. `kept`: the stamp the build started from and the files it
    /// rewrote; every other file must still be as that stamp found it (the
    /// build trusted its digests), or nothing is recorded.
    pub fn write(
        output: &Path,
        paths: &[String],
        contents: &HashMap<String, u64>,
        kept: Option<(&Stamp, &HashSet<String>)>,
        record: Record,
    ) -> io::Result<()> {
        let Record {
            digest,
            marks: pages,
            warnings,
            git,
        } = record;
        let outputs = match kept {
            Some((before, rewritten)) if before.files().eq(paths.iter().map(String::as_str)) => {
                before.outputs_after(output, rewritten)
            }
            _ => outputs(output, paths),
        };
        let outputs = outputs.ok_or_else(|| io::Error::other("cannot read the output's files"))?;
        if let Some((before, rewritten)) = kept {
            let touched = (outputs.files.par_iter())
                .filter(|file| !rewritten.contains(&file.0))
                .any(|file| before.touched(file));
            if touched {
                return Err(io::Error::other(
                    "an output file changed while the build ran",
                ));
            }
        }
        let warnings = warnings
            .0
            .iter()
            .map(|w| StoredDiagnostic {
                file: w.file.clone(),
                line: w.line,
                column: w.column,
                message: w.message.clone(),
                help: w.help.clone(),
                snippet: w.snippet.clone(),
            })
            .collect();
        let contents = (paths.iter())
            .map(|path| contents.get(path).copied())
            .collect::<Option<_>>()
            .ok_or_else(|| io::Error::other("an output file has no digest"))?;
        let head = Head {
            format: FORMAT,
            digest: digest.all,
            rest: digest.rest,
            binary: binary(),
            read_at: digest.read_at,
            sources: digest.sources,
            files: outputs.files,
            folders: outputs.folders,
            warnings,
        };
        let detail = Detail {
            pages,
            contents,
            git: git.filter(|git| git.at.is_some()),
        };
        // Straight to the file, the head first (a build with nothing to
        // do reads no further). In postcard: at 10,000 pages, the JSON
        // form took 30 ms to read and 20 ms to write, a tenth of a text
        // edit's rebuild.
        crate::output::replace_beside(output, TAG, |file| {
            postcard::to_io(&head, &mut *file).map_err(io::Error::other)?;
            postcard::to_io(&detail, &mut *file).map_err(io::Error::other)?;
            Ok(())
        })
    }

    /// Removes the stamp before the output changes.
    pub fn remove(output: &Path) -> io::Result<()> {
        crate::output::remove_beside(output, TAG)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site root holding one page, and options to build it.
    fn site() -> (tempfile::TempDir, BuildOptions) {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("content")).unwrap();
        fs::write(dir.path().join("content/a.md"), "# A\n\nOne.\n").unwrap();
        let options = BuildOptions {
            root: dir.path().to_path_buf(),
            base_url: None,
            drafts: false,
            today: crate::calendar::Date::from_ymd(2026, 1, 2),
            relative_urls: None,
            fingerprint: None,
        };
        (dir, options)
    }

    fn page_digest(digest: &Digest) -> u64 {
        digest.pages[Path::new("content/a.md")]
    }

    /// `digest`'s records, as a build that began reading at `read_at`
    /// would have made them, with a made-up digest for the page: a digest
    /// that shows it took the record rather than reading the file.
    fn recorded(digest: &Digest, read_at: i128) -> (i128, Vec<SourceRecord>) {
        let mut sources = digest.sources.clone();
        for record in &mut sources {
            if record.0 == "content/a.md" {
                record.2 = 42;
            }
        }
        (read_at, sources)
    }

    fn digest_with(
        options: &BuildOptions,
        (read_at, sources): &(i128, Vec<SourceRecord>),
    ) -> Digest {
        let known = Known {
            read_at: *read_at,
            sources,
        };
        digest(options, Path::new("public"), Some(known)).unwrap()
    }

    #[test]
    fn a_file_changed_well_before_it_was_read_is_not_read_again() {
        let (_dir, options) = site();
        let first = digest(&options, Path::new("public"), None).unwrap();
        let later = recorded(&first, first.read_at + 2 * RACY_NANOS);
        assert_eq!(page_digest(&digest_with(&options, &later)), 42);
    }

    #[test]
    fn a_file_changed_just_before_it_was_read_is_read_every_time() {
        let (_dir, options) = site();
        let first = digest(&options, Path::new("public"), None).unwrap();
        // Written a moment ago: it could have changed again right after
        // the read, within the same tick of the file system's clock.
        let racy = recorded(&first, first.read_at);
        assert_eq!(
            page_digest(&digest_with(&options, &racy)),
            page_digest(&first)
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_source_whose_name_is_not_utf8_is_digested() {
        use std::os::unix::ffi::OsStrExt;
        let (dir, options) = site();
        fs::create_dir_all(dir.path().join("static")).unwrap();
        let name = std::ffi::OsStr::from_bytes(b"\xffimage.png");
        fs::write(dir.path().join("static").join(name), "x").unwrap();
        let first = digest(&options, Path::new("public"), None).unwrap();
        fs::write(dir.path().join("static").join(name), "y").unwrap();
        let second = digest(&options, Path::new("public"), Some(first.known())).unwrap();
        assert_ne!(second.all, first.all);
    }

    #[test]
    fn git_activity_in_a_submodule_is_no_change_to_the_sources() {
        let (dir, options) = site();
        let git = dir.path().join("static/vendor/.git");
        fs::create_dir_all(&git).unwrap();
        fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        let first = digest(&options, Path::new("public"), None).unwrap();
        fs::write(git.join("HEAD"), "ref: refs/heads/other\n").unwrap();
        fs::write(git.join("index"), "new").unwrap();
        let second = digest(&options, Path::new("public"), Some(first.known())).unwrap();
        assert_eq!(second.all, first.all);
        // A file beside it is a source.
        fs::write(dir.path().join("static/vendor/lib.js"), "x").unwrap();
        let third = digest(&options, Path::new("public"), Some(first.known())).unwrap();
        assert_ne!(third.all, first.all);
    }

    #[test]
    fn a_file_rewritten_with_its_size_and_modification_time_is_read_again() {
        let (dir, options) = site();
        let page = dir.path().join("content/a.md");
        let modified = fs::metadata(&page).unwrap().modified().unwrap();
        let first = digest(&options, Path::new("public"), None).unwrap();
        let later = recorded(&first, first.read_at + 2 * RACY_NANOS);
        fs::write(&page, "# B\n\nTwo.\n").unwrap();
        fs::File::options()
            .write(true)
            .open(&page)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        // Its change time moved (on the file systems the tests run on): the
        // record no longer vouches for it.
        let again = digest_with(&options, &later);
        assert_ne!(page_digest(&again), 42);
        assert_ne!(page_digest(&again), page_digest(&first));
        assert_ne!(again.all, first.all);
    }

    #[test]
    fn a_written_stamp_reads_back_and_one_of_another_format_is_none() {
        let (dir, options) = site();
        let output = dir.path().join("public");
        fs::create_dir_all(&output).unwrap();
        fs::write(output.join("index.html"), "<p>x</p>").unwrap();
        let digest = digest(&options, &output, None).unwrap();
        let paths = vec!["index.html".to_string()];
        let contents = HashMap::from([("index.html".to_string(), 7)]);
        let none = Diagnostics::default();
        let git = GitDates {
            at: Some("/site\nabc123".to_string()),
            dates: HashMap::from([("content/a.md".to_string(), 1_700_000_000)]),
        };
        let record = Record {
            digest: digest.clone(),
            marks: vec![],
            warnings: &none,
            git: Some(git),
        };
        Stamp::write(&output, &paths, &contents, None, record).unwrap();

        let stamp = Stamp::read(&output).expect("the stamp just written");
        assert_eq!(stamp.digest(), digest.all);
        assert!(stamp.output_unchanged(&output));
        assert!(stamp.unchanged(&digest).is_some());
        let stamp = stamp.detailed().expect("its detail");
        assert_eq!(stamp.contents(), contents);
        // Git's dates, only for the same HEAD and root.
        let dates = stamp.git_dates("/site\nabc123").expect("git's dates");
        assert_eq!(dates["content/a.md"], 1_700_000_000);
        assert!(stamp.git_dates("/site\nabc124").is_none());

        // Dates read where HEAD could not be named are not kept.
        let record = Record {
            digest: digest.clone(),
            marks: vec![],
            warnings: &none,
            git: Some(GitDates {
                at: None,
                dates: HashMap::from([("content/a.md".to_string(), 1)]),
            }),
        };
        Stamp::write(&output, &paths, &contents, None, record).unwrap();
        let stamp = Stamp::read(&output).and_then(Stamp::detailed).unwrap();
        assert!(stamp.detail.as_ref().unwrap().git.is_none());

        // An older format's first line: no stamp, so a full build.
        let json = format!("{{\"format\":2,\"digest\":\"{}\"}}\n{{}}\n", digest.all);
        fs::write(path_for(&output), json).unwrap();
        assert!(Stamp::read(&output).is_none());
    }
}
