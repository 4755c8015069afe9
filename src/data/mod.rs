//! Loading `data/**/*.toml`: people, candidates, scores, check-ins and demos.
//!
//! Every file may hold any of the arrays; all files are merged. Loading reads
//! and type-checks each record ([`reader`]), then [`validate`] checks what
//! spans files: unique ids and references that resolve.

pub mod checkin;
pub mod demo;
pub mod feature;
pub mod person;
pub mod reader;
pub mod scheduled;
pub mod score;
mod validate;

use std::path::Path;

use rayon::prelude::*;
use toml::de::{DeTable, DeValue};

pub use checkin::{Checkin, CheckinKind, Dissent, Outcome};
pub use demo::Demo;
pub use feature::{Feature, Kind, Status};
pub use person::{Person, Role};
use reader::Record;
pub use score::Score;

use crate::config::Config;
use crate::diagnostics::{suggest, Diagnostic, SourceFile};

/// Everything read from `data/`, merged across files, in file order.
#[derive(Debug, Default)]
pub struct Data {
    /// The data files, indexed by [`reader::Loc::file`]. Dropped once the
    /// site is valid (see [`Data::drop_sources`]).
    pub files: Vec<SourceFile>,
    /// Their paths, by the same index: kept when the sources are dropped.
    pub paths: Vec<std::path::PathBuf>,
    pub people: Vec<Person>,
    pub features: Vec<Feature>,
    pub scores: Vec<Score>,
    pub checkins: Vec<Checkin>,
    pub demos: Vec<Demo>,
    /// Ids written in records, even in records that failed to read, so that
    /// one bad field does not also make every reference to it an error.
    pub declared: Declared,
    /// A data file could not be parsed at all; references into it cannot
    /// be judged, so they are not checked.
    pub unparsed: bool,
}

#[derive(Debug, Default)]
pub struct Declared {
    pub people: std::collections::HashSet<String>,
    pub features: std::collections::HashSet<String>,
}

const ARRAYS: &[&str] = &["person", "feature", "score", "checkin", "demo"];

/// The largest data file (`*.toml`) a build reads: 16 MiB, far beyond any
/// hand-written file (data may be split over any number of files).
pub const DATA_SIZE_LIMIT: u64 = 16 << 20;
/// The largest Markdown page a build reads: 64 MiB.
pub const MARKDOWN_SIZE_LIMIT: u64 = 64 << 20;

/// The size limit for a source file, by its extension.
pub fn size_limit(relative: &Path) -> u64 {
    if relative.extension().is_some_and(|e| e == "md") {
        MARKDOWN_SIZE_LIMIT
    } else {
        DATA_SIZE_LIMIT
    }
}

/// Reads a text file of the site, turning I/O and encoding problems into
/// diagnostics that name the file. Files over [`size_limit`] are refused
/// before they are read, so a stray huge file cannot exhaust memory.
pub fn read_source(root: &Path, relative: &Path) -> Result<SourceFile, Diagnostic> {
    use std::io::Read;
    let cannot_read = |e: std::io::Error| {
        Diagnostic::general(
            Some(relative),
            format!("cannot read {}: {e}", relative.display()),
        )
    };
    let limit = size_limit(relative);
    let too_large = |size: u64| {
        Diagnostic::general(
            Some(relative),
            format!(
                "{} is {} ({size} bytes), over the limit of {} for a {} file",
                relative.display(),
                mebibytes(size),
                mebibytes(limit),
                if limit == MARKDOWN_SIZE_LIMIT {
                    "Markdown"
                } else {
                    "data"
                }
            ),
        )
        .with_help("split it into several smaller files")
    };
    let file = std::fs::File::open(root.join(relative)).map_err(cannot_read)?;
    let size = file.metadata().map_err(cannot_read)?.len();
    if size > limit {
        return Err(too_large(size));
    }
    // The file may grow while it is read: never read past the limit.
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(relative, text)),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
            let file = SourceFile::new(relative, valid);
            let (line, column) = file.position(offset);
            let mut d = Diagnostic::general(
                Some(relative),
                format!(
                    "{} is not valid UTF-8: invalid byte at line {line}, column {column}",
                    relative.display()
                ),
            )
            .with_help("save the file as UTF-8");
            d.line = line;
            d.column = column;
            Err(d)
        }
    }
}

/// Whether `path` (relative to the site root) is a data file:
/// `data/**/*.toml`.
pub fn is_data_source(path: &Path) -> bool {
    path.starts_with("data") && path.extension().is_some_and(|e| e == "toml")
}

/// Lists files under `root/dir` with the given extension, relative to
/// `root` and sorted, so that builds read them in a stable order.
pub fn list_files(
    root: &Path,
    dir: &str,
    extension: &str,
) -> Result<Vec<std::path::PathBuf>, Diagnostic> {
    let base = root.join(dir);
    if !base.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in walk_sources(&base) {
        let entry = entry.map_err(|e| walk_error(root, dir, &e))?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if entry.file_type().is_file()
            && !hidden
            && entry.path().extension().is_some_and(|e| e == extension)
        {
            files.push(
                entry
                    .path()
                    .strip_prefix(root)
                    .expect("walked below root")
                    .to_path_buf(),
            );
        }
    }
    Ok(files)
}

/// Every entry below `dir`, a folder of the site's sources, as a build
/// reads them: links followed, in name order, and nothing in a `.git` (a
/// submodule's is a file). A repository is never part of a site: published,
/// it would show its history, and at the top of the output it would land on
/// a `gh-pages` checkout's; digested, git's own activity would look like a
/// change to the site.
pub fn walk_sources(dir: &Path) -> impl Iterator<Item = walkdir::Result<walkdir::DirEntry>> {
    walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.file_name() != ".git")
}

/// `12.5 MiB`.
fn mebibytes(bytes: u64) -> String {
    let mib = bytes as f64 / (1u64 << 20) as f64;
    if mib.fract() == 0.0 {
        format!("{mib:.0} MiB")
    } else {
        format!("{mib:.1} MiB")
    }
}

/// A problem met while listing `dir/`, naming the path relative to the
/// site: a symbolic link that loops back to one of its own parent folders
/// (walkdir detects these instead of following them forever), a dangling
/// link, a folder that cannot be read.
fn walk_error(root: &Path, dir: &str, e: &walkdir::Error) -> Diagnostic {
    let relative = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_path_buf();
    let path = e.path().map(relative);
    let shown = path
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| format!("{dir}/"));
    if let Some(ancestor) = e.loop_ancestor() {
        return Diagnostic::general(
            path.as_deref(),
            format!(
                "{shown} is a symbolic link to {}, a folder that contains it: following it would never end",
                relative(ancestor).display()
            ),
        )
        .with_help("remove the link or point it outside its own parent folders");
    }
    let why = e
        .io_error()
        .map(|io| io.to_string())
        .unwrap_or_else(|| e.to_string());
    let is_link = path
        .as_deref()
        .and_then(|p| std::fs::symlink_metadata(root.join(p)).ok())
        .is_some_and(|m| m.file_type().is_symlink());
    let message = if is_link {
        format!("cannot follow the symbolic link {shown}: {why}")
    } else {
        format!("cannot read {shown}: {why}")
    };
    Diagnostic::general(path.as_deref(), message)
}

impl Data {
    /// Drops the sources, which were kept only to point diagnostics at
    /// them, and keeps their paths.
    pub fn drop_sources(&mut self) {
        self.paths = self.files.iter().map(|f| f.path.clone()).collect();
        self.files = Vec::new();
    }

    pub fn load(root: &Path, config: &Config) -> (Data, Vec<Diagnostic>) {
        let mut errors = Vec::new();
        let paths = match list_files(root, "data", "toml") {
            Ok(paths) => paths,
            Err(e) => return (Data::default(), vec![e]),
        };
        let mut data = Data::default();
        let read: Vec<_> = paths.par_iter().map(|p| read_source(root, p)).collect();
        for file in read {
            match file {
                Ok(file) => data.files.push(file),
                Err(e) => errors.push(e),
            }
        }
        // Parse each file on its own core; merge in file order afterwards so
        // the result does not depend on scheduling.
        let parsed: Vec<(FileData, Vec<Diagnostic>)> = data
            .files
            .par_iter()
            .enumerate()
            .map(|(id, file)| {
                let mut errors = Vec::new();
                let parsed = parse_file(file, id, config, &mut errors);
                (parsed, errors)
            })
            .collect();
        // Every id a record names, read or not, checked once all files are
        // in; not kept after, since the records hold what they need.
        let mut references = Vec::new();
        for (file_data, file_errors) in parsed {
            data.people.extend(file_data.people);
            data.features.extend(file_data.features);
            data.scores.extend(file_data.scores);
            data.checkins.extend(file_data.checkins);
            data.demos.extend(file_data.demos);
            data.declared.people.extend(file_data.declared.people);
            data.declared.features.extend(file_data.declared.features);
            references.extend(file_data.references);
            data.unparsed |= file_data.unparsed;
            errors.extend(file_errors);
        }
        validate::references(&data, &references, &mut errors);
        (data, errors)
    }
}

#[derive(Default)]
struct FileData {
    people: Vec<Person>,
    features: Vec<Feature>,
    scores: Vec<Score>,
    checkins: Vec<Checkin>,
    demos: Vec<Demo>,
    declared: Declared,
    references: Vec<reader::Reference>,
    unparsed: bool,
}

/// Turns a TOML syntax error into a diagnostic at its position.
pub fn toml_syntax_error(file: &SourceFile, error: &toml::de::Error) -> Diagnostic {
    let span = error.span().unwrap_or(0..0);
    let message = error.message().trim_end().trim_end_matches('.');
    file.error(span, format!("invalid TOML: {message}"))
}

fn parse_file(
    file: &SourceFile,
    id: usize,
    config: &Config,
    errors: &mut Vec<Diagnostic>,
) -> FileData {
    let mut out = FileData::default();
    let document = match DeTable::parse(&file.text) {
        Ok(document) => document,
        Err(e) => {
            errors.push(toml_syntax_error(file, &e));
            out.unparsed = true;
            return out;
        }
    };
    for (key, value) in document.get_ref().iter() {
        let name: &str = key.get_ref();
        if !ARRAYS.contains(&name) {
            let mut d = file.error(
                key.span(),
                format!("unknown key `{name}` at the top of a data file"),
            );
            d.help = Some(match suggest(name, ARRAYS.iter().copied()) {
                Some(nearest) => format!("did you mean `[[{nearest}]]`?"),
                None => format!(
                    "a data file holds arrays of tables: {}",
                    ARRAYS
                        .iter()
                        .map(|a| format!("[[{a}]]"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            errors.push(d);
            continue;
        }
        let DeValue::Array(items) = value.get_ref() else {
            let d = file
                .error(
                    key.span(),
                    format!(
                        "`{name}` is {}, expected an array of tables",
                        reader::type_name(value.get_ref())
                    ),
                )
                .with_help(format!(
                    "write each entry under its own `[[{name}]]` header"
                ));
            errors.push(d);
            continue;
        };
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                errors.push(file.error(
                    item.span(),
                    format!(
                        "an entry of `{name}` is {}, expected a table",
                        reader::type_name(item.get_ref())
                    ),
                ));
                continue;
            };
            let declared_id = table
                .get("id")
                .and_then(|v| v.get_ref().as_str())
                .map(str::to_string);
            match (name, declared_id) {
                ("person", Some(id)) => drop(out.declared.people.insert(id)),
                ("feature", Some(id)) => drop(out.declared.features.insert(id)),
                _ => {}
            }
            let what = format!("[[{name}]]");
            let span = item.span();
            macro_rules! read {
                ($list:ident, $keys:expr, $read:expr) => {{
                    let mut record = Record::new(file, id, table, span, what, $keys, errors);
                    let parsed = $read(&mut record);
                    // A record that fails to read (a missing `status`) still
                    // has its references checked: one run, every mistake.
                    out.references.extend(record.take_references());
                    record.finish();
                    out.$list.extend(parsed);
                }};
            }
            match name {
                "person" => read!(people, person::KEYS, Person::read),
                "feature" => read!(features, feature::KEYS, |r: &mut Record| Feature::read(
                    r,
                    &config.matrix
                )),
                "score" => read!(scores, score::KEYS, |r: &mut Record| Score::read(
                    r,
                    &config.matrix
                )),
                "checkin" => read!(checkins, checkin::KEYS, Checkin::read),
                _ => read!(demos, demo::KEYS, Demo::read),
            }
        }
    }
    out
}
