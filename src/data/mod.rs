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
    /// The data files, indexed by [`reader::Loc::file`].
    pub files: Vec<SourceFile>,
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

/// Reads a text file of the site, turning I/O and encoding problems into
/// diagnostics that name the file.
pub fn read_source(root: &Path, relative: &Path) -> Result<SourceFile, Diagnostic> {
    let bytes = std::fs::read(root.join(relative)).map_err(|e| {
        Diagnostic::general(
            Some(relative),
            format!("cannot read {}: {e}", relative.display()),
        )
    })?;
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
    for entry in walkdir::WalkDir::new(&base)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| {
            let path = e
                .path()
                .and_then(|p| p.strip_prefix(root).ok())
                .map(Path::to_path_buf);
            Diagnostic::general(path.as_deref(), format!("cannot read {dir}/: {e}"))
        })?;
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

impl Data {
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
        for (file_data, file_errors) in parsed {
            data.people.extend(file_data.people);
            data.features.extend(file_data.features);
            data.scores.extend(file_data.scores);
            data.checkins.extend(file_data.checkins);
            data.demos.extend(file_data.demos);
            data.declared.people.extend(file_data.declared.people);
            data.declared.features.extend(file_data.declared.features);
            data.unparsed |= file_data.unparsed;
            errors.extend(file_errors);
        }
        validate::references(&data, &mut errors);
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
