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
//! stops, in the time it takes to read the sources once.
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

use std::collections::BTreeMap;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::rebuild::PageMark;
use crate::site::BuildOptions;

/// Folders below the site root whose files a build reads.
const SOURCE_FOLDERS: &[&str] = &["content", "data", "static", "templates", "themes"];

#[derive(Serialize, Deserialize)]
pub struct Stamp {
    digest: String,
    /// [`Digest::rest`].
    rest: String,
    /// What the build remembered of each page, for partial rebuilds.
    pages: BTreeMap<PathBuf, PageMark>,
    /// The digest of each output file's bytes ([`hash_of`]):
    /// the next build knows which files its output changes without
    /// reading them back.
    contents: BTreeMap<String, u64>,
    /// The binary that made the digests ([`binary`]): another one may
    /// hash differently (Rust does not promise its hasher's algorithm).
    binary: Option<String>,
    /// Output path to (size, modification time in nanoseconds); see
    /// [`outputs`].
    outputs: Outputs,
    warnings: Vec<StoredDiagnostic>,
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

/// Where the stamp of `output` lives: beside it, so it is never published.
pub fn path_for(output: &Path) -> PathBuf {
    crate::output::beside(output, "stamp")
}

/// What a build reads, digested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// Everything.
    pub all: String,
    /// Everything but the handbook's pages (`content/**/*.md`): when only
    /// pages changed, a rebuild may render only what shows them.
    rest: String,
    /// Each page's source file (relative path) to the digest of its bytes
    /// and modification time.
    pub pages: BTreeMap<PathBuf, u64>,
}

/// The digest of everything a build with `options` reads, or `None` when
/// some of it cannot be read (then the build must run).
pub fn digest(options: &BuildOptions, output: &Path) -> Option<Digest> {
    let root = &options.root;
    let today = match options.today {
        Some(today) => today,
        None => crate::calendar::today().ok()?,
    };
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
    git_head(root).hash(&mut hasher);
    let mut rest = hasher.clone();
    let mut pages = BTreeMap::new();
    for (path, file_digest) in source_digests(root)? {
        (&path, file_digest).hash(&mut hasher);
        if crate::content::is_page_source(&path) {
            pages.insert(path, file_digest);
        } else {
            (path, file_digest).hash(&mut rest);
        }
    }
    Some(Digest {
        all: format!("{:016x}", hasher.finish()),
        rest: format!("{:016x}", rest.finish()),
        pages,
    })
}

/// The 64-bit digest the stamp keeps of anything: source files, page
/// marks, output files. Only compared with digests the same `tandem`
/// binary made (see [`Stamp::contents`]).
pub fn hash_of(value: &impl Hash) -> u64 {
    // XXH3 rather than the standard library's SipHash: a build digests
    // every output file (hundreds of megabytes at 10,000 pages), and XXH3
    // does that at memory speed. Nothing here needs SipHash's resistance
    // to chosen inputs: the digests only tell a build's own files apart.
    let mut hasher = xxhash_rust::xxh3::Xxh3Default::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// The `tandem` binary running, by version, size and modification time.
fn binary() -> Option<String> {
    let binary = fs::metadata(std::env::current_exe().ok()?).ok()?;
    let modified = binary.modified().ok()?;
    Some(format!(
        "{} {} {modified:?}",
        env!("CARGO_PKG_VERSION"),
        binary.len()
    ))
}

/// Every source file (relative path) with the digest of its bytes and
/// modification time (dates outside git come from it).
fn source_digests(root: &Path) -> Option<Vec<(PathBuf, u64)>> {
    let mut files = vec![PathBuf::from(crate::config::FILE_NAME)];
    for folder in SOURCE_FOLDERS {
        let dir = root.join(folder);
        if !dir.exists() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&dir).follow_links(true) {
            let entry = entry.ok()?;
            if entry.file_type().is_file() {
                files.push(entry.path().strip_prefix(root).ok()?.to_path_buf());
            }
        }
    }
    files.sort();
    files
        .into_par_iter()
        .map(|path| {
            let full = root.join(&path);
            let digest = match fs::read(&full) {
                Ok(bytes) => hash_of(&(bytes, fs::metadata(&full).ok()?.modified().ok()?)),
                // The settings file is optional.
                Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
                Err(_) => return None,
            };
            Some((path, digest))
        })
        .collect()
}

/// The commit checked out, when the site is in a git repository (new
/// commits move last-updated dates without changing any source), and the
/// list of a shallow clone's cut-off commits (deepening the clone moves
/// them too).
fn git_head(root: &Path) -> Option<String> {
    let output = crate::history::git(root)
        .args(["rev-parse", "HEAD", "--git-path", "shallow"])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let shallow = text
        .lines()
        .nth(1)
        .and_then(|path| fs::read_to_string(root.join(path)).ok())
        .unwrap_or_default();
    Some(format!("{text}{shallow}"))
}

/// The size and modification time of each output file and folder
/// (folders as `dir/`, the output itself as `/`), stat-ed in parallel. A
/// folder's modification time changes when an entry is added, removed or
/// renamed in it, so the folders stand in for a walk of the whole output,
/// which costs far more on a slow file system (half a second at 20,000
/// files here).
fn outputs<'a>(output: &Path, files: impl Iterator<Item = &'a str>) -> Option<Outputs> {
    let mut keys: Vec<String> = vec!["/".into()];
    for file in files {
        keys.push(file.to_string());
        let mut parent = Path::new(file).parent();
        while let Some(folder) = parent.filter(|p| !p.as_os_str().is_empty()) {
            keys.push(format!("{}/", folder.to_str()?));
            parent = folder.parent();
        }
    }
    keys.sort();
    keys.dedup();
    keys.into_par_iter()
        .map(|key| {
            let path = match key.as_str() {
                "/" => output.to_path_buf(),
                _ => output.join(&key),
            };
            let meta = fs::symlink_metadata(path).ok()?;
            let modified = meta
                .modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?
                .as_nanos();
            let size = if meta.is_dir() { 0 } else { meta.len() };
            (meta.is_dir() == key.ends_with('/')).then_some((key, (size, modified)))
        })
        .collect()
}

type Outputs = BTreeMap<String, (u64, u128)>;

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
    pub pages: BTreeMap<PathBuf, PageMark>,
    /// Every output file (paths relative to the output, sorted).
    pub files: Vec<String>,
}

impl Stamp {
    /// The stamp of `output`, if the output is exactly as the build that
    /// wrote it left it.
    pub fn read(output: &Path) -> Option<Stamp> {
        let text = fs::read(path_for(output)).ok()?;
        let stamp: Stamp = serde_json::from_slice(&text).ok()?;
        let files = stamp.files();
        (outputs(output, files.iter().copied())? == stamp.outputs).then_some(stamp)
    }

    fn files(&self) -> Vec<&str> {
        (self.outputs.keys())
            .filter(|k| !k.ends_with('/'))
            .map(String::as_str)
            .collect()
    }

    /// The digest of each output file as the build that wrote it left it
    /// (see [`Stamp::read`]).
    pub fn contents(&self) -> std::collections::HashMap<String, u64> {
        if self.binary.is_none() || self.binary != binary() {
            return Default::default();
        }
        (self.contents.iter())
            .map(|(path, digest)| (path.clone(), *digest))
            .collect()
    }

    /// What the build that wrote the output knew, if since then at most
    /// the handbook's pages changed (see [`Stamp::read`]).
    pub fn previous(&self, digest: &Digest) -> Option<Previous> {
        (self.rest == digest.rest).then(|| Previous {
            files: self.files().into_iter().map(String::from).collect(),
            pages: self.pages.clone(),
        })
    }

    /// What the build that wrote the output reported, if nothing changed
    /// since (see [`Stamp::read`]).
    pub fn unchanged(&self, digest: &Digest) -> Option<Unchanged> {
        if self.digest != digest.all {
            return None;
        }
        let files = self.files();
        let pages = files.iter().filter(|p| p.ends_with(".html")).count();
        let files = files.len();
        let warnings = self.warnings.iter().map(|w| Diagnostic {
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

    /// Records that `output`, holding the files at `paths` (with the
    /// digests `contents`), is what the sources with `digest` build, with
    /// what the build knew of its pages. `kept`: the stamp the build
    /// started from and the files it rewrote; every other file must still
    /// be as that stamp found it (the build trusted its digests), or
    /// nothing is recorded.
    pub fn write(
        output: &Path,
        paths: &[String],
        contents: &std::collections::HashMap<String, u64>,
        kept: Option<(&Stamp, &std::collections::HashSet<String>)>,
        digest: Digest,
        pages: BTreeMap<PathBuf, PageMark>,
        warnings: &Diagnostics,
    ) -> io::Result<()> {
        let outputs = outputs(output, paths.iter().map(String::as_str))
            .ok_or_else(|| io::Error::other("cannot read the output's files"))?;
        if let Some((before, rewritten)) = kept {
            let touched = (outputs.iter())
                .filter(|(path, _)| !path.ends_with('/') && !rewritten.contains(*path))
                .any(|(path, now)| before.outputs.get(path).is_some_and(|then| then != now));
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
            .map(|path| Some((path.clone(), *contents.get(path)?)))
            .collect::<Option<_>>()
            .ok_or_else(|| io::Error::other("an output file has no digest"))?;
        let stamp = Stamp {
            digest: digest.all,
            rest: digest.rest,
            pages,
            contents,
            binary: binary(),
            outputs,
            warnings,
        };
        let path = path_for(output);
        // Named like the other leftovers, so a killed build's is cleaned.
        let pending = crate::output::beside(output, &format!("stamp-tmp-{}", std::process::id()));
        fs::write(
            &pending,
            serde_json::to_vec(&stamp).map_err(io::Error::other)?,
        )?;
        fs::rename(pending, path)
    }

    /// Removes the stamp before the output changes.
    pub fn remove(output: &Path) -> io::Result<()> {
        match fs::remove_file(path_for(output)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}
