//! Shortcodes: live data embedded in handbook pages.
//!
//! A shortcode stands alone on a line, outside code blocks:
//!
//! ```text
//! {{ matrix(tag="mobile") }}
//! ```
//!
//! Loading replaces each one with a placeholder paragraph and records the
//! call; syntax, names and argument types are checked here, references to
//! data (tags, ids) once the data is loaded ([`check_references`]), and the
//! render stage swaps placeholders for the output of the theme's
//! `shortcodes/<name>.html` template.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

use crate::diagnostics::{quoted, suggest, Diagnostic, PointInto, SourceFile};
use crate::model::Model;

/// An argument of a shortcode: name, type, required.
type ArgSpec = (&'static str, ArgType, bool);

/// Every shortcode with its arguments.
pub const SHORTCODES: &[(&str, &[ArgSpec])] = &[
    (
        "matrix",
        &[
            ("tag", ArgType::Str, false),
            ("status", ArgType::Str, false),
            ("title", ArgType::Str, false),
        ],
    ),
    ("feature", &[("id", ArgType::Str, true)]),
    ("overdue_checkins", &[]),
    ("priorities", &[("limit", ArgType::Int, false)]),
    ("disagreements", &[]),
];

/// Status groups a matrix shortcode can filter by.
pub const STATUS_GROUPS: &[&str] = &["exploring", "committed", "shipped", "dropped", "open"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    Str,
    Int,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Arg {
    Str(String),
    Int(i64),
}

#[derive(Debug, Clone, Serialize)]
pub struct Call {
    pub name: String,
    pub args: BTreeMap<String, Arg>,
    /// Bytes of the shortcode in the page file.
    #[serde(skip)]
    pub span: Range<usize>,
}

impl Call {
    pub fn str_arg(&self, key: &str) -> Option<&str> {
        match self.args.get(key) {
            Some(Arg::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub fn int_arg(&self, key: &str) -> Option<i64> {
        match self.args.get(key) {
            Some(Arg::Int(n)) => Some(*n),
            _ => None,
        }
    }
}

/// The paragraph a shortcode becomes in rendered Markdown.
pub fn placeholder_html(index: usize) -> String {
    format!("<p>{}</p>", placeholder(index))
}

/// Marks where a shortcode's output goes: its index in hex between two
/// Unicode noncharacters, which no one types, so page text can never be
/// mistaken for it. It is short on purpose: the shortest shortcode line,
/// `{{matrix()}}`, is 12 bytes, and the marker must fit in the line it
/// replaces (see [`extract`]).
fn placeholder(index: usize) -> String {
    format!("{MARK}{index:x}{MARK}")
}

const MARK: char = '\u{FDD0}';

/// Whether `text` is exactly a placeholder (e.g. a paragraph of its own,
/// which must not become a page's summary).
pub fn is_placeholder(text: &str) -> bool {
    text.strip_prefix(MARK)
        .and_then(|t| t.strip_suffix(MARK))
        .is_some_and(|hex| !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Finds shortcodes in `body` (which starts at byte `offset` of `file`),
/// returning the body with placeholders and the calls in order.
///
/// The returned body has exactly the length of `body`, line by line, so
/// byte offsets of everything after a shortcode (used in later
/// diagnostics) stay right: a shortcode line becomes a blank line, its
/// placeholder, spaces and another blank line (so the placeholder is a
/// paragraph of its own even when the shortcode directly follows text); a
/// malformed one becomes spaces.
pub fn extract(
    body: &str,
    offset: usize,
    file: &SourceFile,
    errors: &mut Vec<Diagnostic>,
) -> (String, Vec<Call>) {
    // Most pages call none: without `{{` no line can be a call.
    if memchr::memmem::find(body.as_bytes(), b"{{").is_none() {
        return (body.to_string(), Vec::new());
    }
    let mut out = String::with_capacity(body.len());
    let mut calls = Vec::new();
    let mut fence: Option<String> = None;
    let mut at = 0;
    for line in body.split_inclusive('\n') {
        let start = offset + at;
        at += line.len();
        let trimmed = line.trim();
        if let Some(open) = &fence {
            if trimmed.starts_with(open.as_str())
                && trimmed
                    .trim_start_matches(open.chars().next().unwrap_or('`'))
                    .is_empty()
            {
                fence = None;
            }
            out.push_str(line);
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let ch = trimmed.chars().next().unwrap_or('`');
            fence = Some(trimmed.chars().take_while(|c| *c == ch).collect());
            out.push_str(line);
            continue;
        }
        let is_indented_code = line.starts_with("    ") || line.starts_with('\t');
        if is_indented_code || !(trimmed.starts_with("{{") && trimmed.ends_with("}}")) {
            out.push_str(line);
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        let span = start + lead..start + lead + trimmed.len();
        let width = line.trim_end_matches(['\n', '\r']).len();
        let ending = &line[width..];
        match parse(trimmed) {
            Ok(call) => {
                if validate(&call, file, span.clone(), errors) {
                    calls.push(Call { span, ..call });
                    let marker = placeholder(calls.len() - 1);
                    if marker.len() + 2 <= width {
                        let pad = width - marker.len() - 2;
                        out.push_str(&format!("\n{marker}{:pad$}\n", ""));
                    } else {
                        // Only past 65,536 shortcodes in one page: the
                        // marker fills the line (a valid shortcode line is
                        // at least 12 bytes; 6 hex digits cover any page
                        // under the size limit).
                        out.push_str(&marker);
                        out.push_str(&" ".repeat(width.saturating_sub(marker.len())));
                    }
                    out.push_str(ending);
                } else {
                    out.push_str(&" ".repeat(width));
                    out.push_str(ending);
                }
            }
            Err((message, at)) => {
                let pos = span.start + at.min(trimmed.len());
                errors.push(
                    file.error(pos..pos + 1, format!("malformed shortcode: {message}"))
                        .with_help(
                            "write shortcodes as {{ name(key=\"value\", n=3) }} alone on a line",
                        ),
                );
                out.push_str(&" ".repeat(width));
                out.push_str(ending);
            }
        }
    }
    (out, calls)
}

/// Parses `{{ name(key="value", n=3) }}`; errors carry the byte offset.
fn parse(text: &str) -> Result<Call, (String, usize)> {
    let inner_start = 2;
    let inner = &text[inner_start..text.len() - 2];
    let lead = inner.len() - inner.trim_start().len();
    let inner_trimmed = inner.trim();
    let base = inner_start + lead;
    let open = inner_trimmed.find('(').ok_or_else(|| {
        (
            "expected `(` after the shortcode name".to_string(),
            base + inner_trimmed.len(),
        )
    })?;
    let name = inner_trimmed[..open].trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
    {
        return Err((format!("`{name}` is not a shortcode name"), base));
    }
    if !inner_trimmed.ends_with(')') {
        return Err(("expected `)` at the end".into(), base + inner_trimmed.len()));
    }
    let args_text = &inner_trimmed[open + 1..inner_trimmed.len() - 1];
    let args_base = base + open + 1;
    let mut args = BTreeMap::new();
    let bytes = args_text.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < bytes.len() && bytes[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        if i >= bytes.len() {
            break;
        }
        let key_start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        let key = &args_text[key_start..i];
        if key.is_empty() {
            return Err(("expected an argument name".into(), args_base + i));
        }
        skip_ws(&mut i);
        if i >= bytes.len() || bytes[i] != b'=' {
            return Err((format!("expected `=` after `{key}`"), args_base + i));
        }
        i += 1;
        skip_ws(&mut i);
        let value = if i < bytes.len() && bytes[i] == b'"' {
            let value_start = i + 1;
            let end = args_text[value_start..]
                .find('"')
                .ok_or_else(|| ("unterminated string".to_string(), args_base + i))?;
            i = value_start + end + 1;
            Arg::Str(args_text[value_start..value_start + end].to_string())
        } else {
            let value_start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'-') {
                i += 1;
            }
            let digits = &args_text[value_start..i];
            Arg::Int(digits.parse().map_err(|_| {
                (
                    format!("expected a quoted string or a whole number for `{key}`"),
                    args_base + value_start,
                )
            })?)
        };
        if args.insert(key.to_string(), value).is_some() {
            return Err((format!("`{key}` is given twice"), args_base + key_start));
        }
        skip_ws(&mut i);
        if i < bytes.len() {
            if bytes[i] != b',' {
                return Err(("expected `,` between arguments".into(), args_base + i));
            }
            i += 1;
        }
    }
    Ok(Call {
        name: name.to_string(),
        args,
        span: 0..0,
    })
}

fn validate(
    call: &Call,
    file: &SourceFile,
    span: Range<usize>,
    errors: &mut Vec<Diagnostic>,
) -> bool {
    let Some((_, spec)) = SHORTCODES.iter().find(|(n, _)| *n == call.name) else {
        let mut d = file.error(span, format!("unknown shortcode `{}`", call.name));
        d.help = Some(
            match suggest(&call.name, SHORTCODES.iter().map(|(n, _)| *n)) {
                Some(nearest) => format!("did you mean `{nearest}`?"),
                None => format!(
                    "known shortcodes: {}",
                    SHORTCODES
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        );
        errors.push(d);
        return false;
    };
    let mut ok = true;
    for (key, value) in &call.args {
        match spec.iter().find(|(k, _, _)| k == key) {
            None => {
                let mut d = file.error(
                    span.clone(),
                    format!("shortcode `{}` has no argument `{key}`", call.name),
                );
                d.help = Some(match suggest(key, spec.iter().map(|(k, _, _)| *k)) {
                    Some(nearest) => format!("did you mean `{nearest}`?"),
                    None if spec.is_empty() => "it takes no arguments".into(),
                    None => format!(
                        "its arguments are: {}",
                        spec.iter()
                            .map(|(k, _, _)| *k)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
                errors.push(d);
                ok = false;
            }
            Some((_, ty, _)) => {
                let matches = matches!(
                    (ty, value),
                    (ArgType::Str, Arg::Str(_)) | (ArgType::Int, Arg::Int(_))
                );
                if !matches {
                    let expected = if *ty == ArgType::Str {
                        "a quoted string"
                    } else {
                        "a whole number"
                    };
                    errors.push(file.error(
                        span.clone(),
                        format!("argument `{key}` of `{}` must be {expected}", call.name),
                    ));
                    ok = false;
                }
            }
        }
    }
    for (key, _, required) in spec.iter() {
        if *required && !call.args.contains_key(*key) {
            errors.push(file.error(
                span.clone(),
                format!("shortcode `{}` needs the argument `{key}`", call.name),
            ));
            ok = false;
        }
    }
    if call.name == "priorities"
        && call
            .int_arg("limit")
            .is_some_and(|n| !(1..=100).contains(&n))
    {
        errors.push(file.error(
            span.clone(),
            "argument `limit` of `priorities` must be from 1 to 100",
        ));
        ok = false;
    }
    ok
}

/// Checks arguments that name data: feature ids, tags, status groups.
pub fn check_references(
    call: &Call,
    model: &Model,
    file: &impl PointInto,
    errors: &mut Vec<Diagnostic>,
) {
    let mut fail = |message: String, candidates: Vec<&str>, value: &str| {
        let mut d = file.error_at(call.span.clone(), message);
        d.help =
            suggest(value, candidates.iter().copied()).map(|n| format!("did you mean \"{n}\"?"));
        errors.push(d);
    };
    if let Some(id) = call.str_arg("id") {
        if model.candidate(id).is_none() {
            fail(
                format!(
                    "shortcode `{}`: no feature has the id {}",
                    call.name,
                    quoted(id)
                ),
                model.candidates.iter().map(|c| c.id.as_str()).collect(),
                id,
            );
        }
    }
    if let Some(tag) = call.str_arg("tag") {
        if !model.tags.contains_key(tag) {
            fail(
                format!(
                    "shortcode `{}`: no candidate has the tag {}",
                    call.name,
                    quoted(tag)
                ),
                model.tags.keys().map(String::as_str).collect(),
                tag,
            );
        }
    }
    if let Some(status) = call.str_arg("status") {
        if !STATUS_GROUPS.contains(&status) {
            fail(
                format!(
                    "shortcode `{}`: status must be one of {}",
                    call.name,
                    STATUS_GROUPS.join(", ")
                ),
                STATUS_GROUPS.to_vec(),
                status,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(body: &str) -> (String, Vec<Call>, Vec<Diagnostic>) {
        let file = SourceFile::new("content/a.md", body.to_string());
        let mut errors = Vec::new();
        let (out, calls) = extract(body, 0, &file, &mut errors);
        (out, calls, errors)
    }

    #[test]
    fn shortcodes_become_placeholders_with_parsed_arguments() {
        let (out, calls, errors) =
            run("Intro\n\n{{ matrix(tag=\"mobile\") }}\n\n{{ priorities(limit=3) }}\n");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].str_arg("tag"), Some("mobile"));
        assert_eq!(calls[1].int_arg("limit"), Some(3));
        assert!(out.contains(&placeholder(0)) && out.contains(&placeholder(1)));
    }

    #[test]
    fn the_body_keeps_its_length_and_placeholders_are_paragraphs() {
        let body = "Intro\r\n{{ matrix() }}\r\n{{ nosuch() }}\nText\n{{matrix()}}";
        let (out, calls, errors) = run(body);
        assert_eq!(calls.len(), 2);
        assert_eq!(errors.len(), 1);
        assert_eq!(out.len(), body.len());
        let old: Vec<usize> = body.match_indices('\n').map(|(i, _)| i).collect();
        assert!(old.iter().all(|&i| out.as_bytes()[i] == b'\n'), "{out:?}");
        assert!(out.contains(&format!("\n\n{}", placeholder(0))), "{out:?}");
        assert!(out.contains(&format!("\n\n{}", placeholder(1))), "{out:?}");
        assert!(is_placeholder(&placeholder(255)) && !is_placeholder("Text"));
    }

    #[test]
    fn shortcodes_in_code_blocks_are_left_alone() {
        let (out, calls, errors) = run("```\n{{ matrix() }}\n```\n\n    {{ nosuch() }}\n");
        assert!(calls.is_empty() && errors.is_empty());
        assert!(out.contains("{{ matrix() }}"));
    }

    #[test]
    fn unknown_shortcode_and_bad_arguments_are_errors_with_position() {
        let (_, _, errors) = run("text\n{{ matrx() }}\n{{ priorities(limit=\"x\") }}\n{{ feature() }}\n{{ matrix(tag=) }}\n");
        let messages: Vec<String> = errors
            .iter()
            .map(|e| format!("{}:{} {}", e.line, e.column, e.message))
            .collect();
        assert_eq!(errors.len(), 4, "{messages:?}");
        assert!(
            messages[0].starts_with("2:1 unknown shortcode `matrx`"),
            "{messages:?}"
        );
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `matrix`?"));
        assert!(
            messages[1].contains("must be a whole number"),
            "{messages:?}"
        );
        assert!(
            messages[2].contains("needs the argument `id`"),
            "{messages:?}"
        );
        assert!(
            messages[3].starts_with("5:15 malformed shortcode"),
            "{messages:?}"
        );
    }
}
