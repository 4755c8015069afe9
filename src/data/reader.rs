//! Typed reading of spanned TOML tables.
//!
//! serde would stop at the first mistake in a file and lose the position of
//! most values; a team fixing a data file wants every mistake at once, each
//! with its line and column. So records are read field by field from
//! `toml`'s spanned document tree, and each problem becomes a diagnostic
//! while reading goes on.

use std::ops::{Range, RangeInclusive};

use serde::Serialize;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::calendar::Date;
use crate::diagnostics::{quoted, suggest, Diagnostic, SourceFile};

/// Where a value was written: which data file and which bytes of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loc {
    pub file: usize,
    pub span: Range<usize>,
}

/// A string as the user wrote it, with its position for later checks
/// (references are resolved after every file has been read).
#[derive(Debug, Clone, Default)]
pub struct Text {
    pub value: String,
    pub loc: Loc,
}

impl Text {
    /// Whether `list[i]` names the same id as an entry before it (as in
    /// `attendees = ["lee", "lee"]`): loading warns of it, and the pages
    /// count it once.
    pub fn repeats_earlier(list: &[Text], i: usize) -> bool {
        list[..i]
            .iter()
            .any(|earlier| earlier.value == list[i].value)
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.value
    }
}

/// The kind of record a reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Referent {
    Person,
    Feature,
}

impl Referent {
    /// As in `[[person]]`.
    pub fn name(self) -> &'static str {
        match self {
            Referent::Person => "person",
            Referent::Feature => "feature",
        }
    }
}

/// An id one record names of another (`by = "lee"`), under its key.
#[derive(Debug, Clone)]
pub struct Reference {
    pub key: &'static str,
    pub to: Referent,
    pub text: Text,
}

/// An enumeration read from a string, such as `status = "planned"`.
pub trait Choice: Sized + Copy + 'static {
    const ALL: &'static [(&'static str, Self)];

    fn name(self) -> &'static str
    where
        Self: PartialEq,
    {
        Self::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map(|(n, _)| *n)
            .expect("every variant is listed in ALL")
    }
}

/// Declares a string enumeration of the file format, serialized as its name.
#[macro_export]
macro_rules! choice {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }
        impl $crate::data::reader::Choice for $name {
            const ALL: &'static [(&'static str, Self)] = &[$(($text, $name::$variant)),+];
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::data::reader::Choice::name(*self))
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::data::reader::Choice::name(*self))
            }
        }
    };
}

/// What to write instead of `value`, which is no id: the same words in
/// lowercase with dashes between them, when it is written in a to z and
/// digits; otherwise which letters ids may hold (a suggestion that drops
/// "ñ" and "ú" from "ñandú" would be another word).
fn slug_hint(value: &str) -> String {
    if !value.is_ascii() {
        return "ids hold only the letters a to z, digits and dashes: spell it with those".into();
    }
    let lower = value.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    if words.is_empty() {
        return "ids hold only the letters a to z, digits and dashes".into();
    }
    format!("for example {}", quoted(&words.join("-")))
}

pub fn is_slug(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z' | '0'..='9'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
}

/// Human name of a TOML value's type, for "found ..." in messages.
pub fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Reads one table (one `[[feature]]`, one `[matrix]`...) of a file.
pub struct Record<'a, 'i> {
    file: &'a SourceFile,
    file_id: usize,
    table: &'a DeTable<'i>,
    span: Range<usize>,
    /// How the table is named in messages: `[[feature]]`, `[matrix]`.
    what: String,
    known: &'static [&'static str],
    errors: &'a mut Vec<Diagnostic>,
    /// Every reference read so far ([`Record::reference`]).
    references: Vec<Reference>,
}

impl<'a, 'i> Record<'a, 'i> {
    pub fn new(
        file: &'a SourceFile,
        file_id: usize,
        table: &'a DeTable<'i>,
        span: Range<usize>,
        what: impl Into<String>,
        known: &'static [&'static str],
        errors: &'a mut Vec<Diagnostic>,
    ) -> Self {
        Record {
            file,
            file_id,
            table,
            span,
            what: what.into(),
            known,
            errors,
            references: Vec::new(),
        }
    }

    pub fn loc(&self) -> Loc {
        Loc {
            file: self.file_id,
            span: self.span.clone(),
        }
    }

    fn loc_of(&self, span: Range<usize>) -> Loc {
        Loc {
            file: self.file_id,
            span,
        }
    }

    fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        debug_assert!(self.known.contains(&key), "{key} missing from known keys");
        self.table.get(key)
    }

    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        self.errors.push(self.file.error(span, message));
        self.errors.last_mut().expect("just pushed")
    }

    fn wrong_type(&mut self, key: &str, value: &Spanned<DeValue<'_>>, expected: &str) {
        let found = type_name(value.get_ref());
        let mut message = format!("`{key}` in {} is {found}, expected {expected}", self.what);
        if let DeValue::String(s) = value.get_ref() {
            message = format!(
                "`{key}` in {} is the string {}, expected {expected}",
                self.what,
                quoted(s)
            );
        }
        self.error(value.span(), message);
    }

    fn missing(&mut self, key: &str, expected: &str) {
        let span = self.span.start..self.span.start;
        let what = self.what.clone();
        self.error(span, format!("{what} is missing `{key}`")).help =
            Some(format!("add `{key} = {expected}` to this table"));
    }

    /// An optional string.
    pub fn text(&mut self, key: &str) -> Option<Text> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some(Text {
                value: s.to_string(),
                loc: self.loc_of(value.span()),
            }),
            _ => {
                self.wrong_type(key, value, "a string in quotes");
                None
            }
        }
    }

    /// A string that must be present and not blank.
    pub fn required_text(&mut self, key: &str) -> Option<Text> {
        if self.get(key).is_none() {
            self.missing(key, "\"...\"");
            return None;
        }
        let text = self.text(key)?;
        if text.value.trim().is_empty() {
            self.error(
                text.loc.span.clone(),
                format!("`{key}` in {} is empty, expected some text", self.what),
            );
            return None;
        }
        Some(text)
    }

    /// A string that may be absent but, when present, must not be blank.
    pub fn required_text_if_present(&mut self, key: &str) -> Option<String> {
        self.get(key)?;
        self.required_text(key).map(|t| t.value)
    }

    /// An id or a reference to one: `[a-z0-9][a-z0-9-]*`.
    pub fn slug(&mut self, key: &str, required: bool) -> Option<Text> {
        let text = if required {
            self.required_text(key)?
        } else {
            self.text(key)?
        };
        self.check_slug(key, &text).then_some(text)
    }

    fn check_slug(&mut self, key: &str, text: &Text) -> bool {
        if is_slug(&text.value) {
            return true;
        }
        let what = self.what.clone();
        let help = slug_hint(&text.value);
        self.error(
            text.loc.span.clone(),
            format!(
                "`{key}` in {what} is {}, expected an id of lowercase letters, digits and dashes",
                quoted(&text.value)
            ),
        )
        .help = Some(help);
        false
    }

    /// An id naming another record ([`Record::slug`]), also kept with the
    /// record's other references ([`Record::take_references`]): they are
    /// what the check that ids resolve goes through, for every record,
    /// including one that fails to read (a required key is missing).
    pub fn reference(&mut self, key: &'static str, to: Referent, required: bool) -> Option<Text> {
        let text = self.slug(key, required)?;
        self.references.push(Reference {
            key,
            to,
            text: text.clone(),
        });
        Some(text)
    }

    /// A list of ids naming other records, kept as [`Record::reference`]
    /// keeps one.
    pub fn reference_list(&mut self, key: &'static str, to: Referent) -> Vec<Text> {
        let list = self.text_list(key, true);
        self.references.extend(list.iter().map(|text| Reference {
            key,
            to,
            text: text.clone(),
        }));
        list
    }

    /// The references read so far, leaving none.
    pub fn take_references(&mut self) -> Vec<Reference> {
        std::mem::take(&mut self.references)
    }

    /// Adds references read from a table nested in this one.
    pub fn add_references(&mut self, references: Vec<Reference>) {
        self.references.extend(references);
    }

    pub fn integer(&mut self, key: &str, range: RangeInclusive<i64>, why: &str) -> Option<i64> {
        let value = self.get(key)?;
        let DeValue::Integer(int) = value.get_ref() else {
            let expected = format!("a whole number from {} to {}", range.start(), range.end());
            self.wrong_type(key, value, &expected);
            return None;
        };
        let parsed = i64::from_str_radix(int.as_str(), int.radix()).ok();
        match parsed {
            Some(n) if range.contains(&n) => Some(n),
            _ => {
                let what = self.what.clone();
                self.error(
                    value.span(),
                    format!(
                        "`{key}` in {what} is {}, expected a whole number from {} to {}{why}",
                        int.as_str(),
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
        }
    }

    pub fn required_integer(
        &mut self,
        key: &str,
        range: RangeInclusive<i64>,
        why: &str,
    ) -> Option<i64> {
        if self.get(key).is_none() {
            self.missing(key, &range.start().to_string());
            return None;
        }
        self.integer(key, range, why)
    }

    /// A number that may be written with or without a fraction.
    pub fn number(&mut self, key: &str, range: RangeInclusive<f64>) -> Option<f64> {
        let value = self.get(key)?;
        let parsed = match value.get_ref() {
            DeValue::Integer(int) => i64::from_str_radix(int.as_str(), int.radix())
                .ok()
                .map(|n| n as f64),
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            _ => {
                self.wrong_type(key, value, "a number");
                return None;
            }
        };
        match parsed {
            Some(n) if range.contains(&n) => Some(n),
            _ => {
                let what = self.what.clone();
                self.error(
                    value.span(),
                    format!(
                        "`{key}` in {what} is out of range, expected a number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
        }
    }

    pub fn boolean(&mut self, key: &str) -> Option<bool> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(key, value, "true or false");
                None
            }
        }
    }

    pub fn date(&mut self, key: &str) -> Option<(Date, Loc)> {
        let value = self.get(key)?;
        let date = match value.get_ref() {
            DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt
                .date
                .and_then(|d| Date::from_ymd(d.year as i32, d.month, d.day)),
            DeValue::Datetime(_) => None,
            DeValue::String(s) => {
                let what = self.what.clone();
                let looks_like_date = s.len() == 10 && s.as_bytes()[4] == b'-';
                let diagnostic = self.error(
                    value.span(),
                    format!(
                        "`{key}` in {what} is the string {}, expected a date like 2026-10-03",
                        quoted(s)
                    ),
                );
                if looks_like_date {
                    diagnostic.help = Some("write TOML dates without quotes".into());
                }
                return None;
            }
            _ => {
                self.wrong_type(key, value, "a date like 2026-10-03");
                return None;
            }
        };
        match date {
            Some(date) => Some((date, self.loc_of(value.span()))),
            None => {
                let what = self.what.clone();
                self.error(
                    value.span(),
                    format!("`{key}` in {what} has a time of day, expected a plain date like 2026-10-03"),
                );
                None
            }
        }
    }

    pub fn required_date(&mut self, key: &str) -> Option<(Date, Loc)> {
        if self.get(key).is_none() {
            self.missing(key, "2026-10-03");
            return None;
        }
        self.date(key)
    }

    pub fn choice<T: Choice + PartialEq>(&mut self, key: &str) -> Option<T> {
        let text = self.text(key)?;
        if let Some((_, v)) = T::ALL.iter().find(|(name, _)| *name == text.value) {
            return Some(*v);
        }
        let names: Vec<&str> = T::ALL.iter().map(|(n, _)| *n).collect();
        let what = self.what.clone();
        let nearest = suggest(&text.value.to_lowercase(), names.iter().copied());
        let diagnostic = self.error(
            text.loc.span.clone(),
            format!(
                "`{key}` in {what} is {}, expected one of: {}",
                quoted(&text.value),
                names.join(", ")
            ),
        );
        if let Some(nearest) = nearest {
            diagnostic.help = Some(format!("did you mean \"{nearest}\"?"));
        }
        None
    }

    pub fn required_choice<T: Choice + PartialEq>(&mut self, key: &str) -> Option<T> {
        if self.get(key).is_none() {
            let names: Vec<&str> = T::ALL.iter().map(|(n, _)| *n).collect();
            self.missing(key, &format!("\"{}\"", names[0]));
            return None;
        }
        self.choice(key)
    }

    /// An array of strings; `slugs` checks each is an id.
    pub fn text_list(&mut self, key: &str, slugs: bool) -> Vec<Text> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(key, value, "an array of strings, like [\"a\", \"b\"]");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => {
                    let text = Text {
                        value: s.to_string(),
                        loc: self.loc_of(item.span()),
                    };
                    if !slugs || self.check_slug(key, &text) {
                        out.push(text);
                    }
                }
                other => {
                    let what = self.what.clone();
                    let found = type_name(other);
                    self.error(
                        item.span(),
                        format!("an item of `{key}` in {what} is {found}, expected a string"),
                    );
                }
            }
        }
        out
    }

    /// An array of tables nested in this one, like `[[checkin.dissent]]`.
    pub fn tables(&mut self, key: &str) -> Vec<(&'a DeTable<'i>, Range<usize>)> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(key, value, "an array of tables");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(table) => out.push((table, item.span())),
                other => {
                    let what = self.what.clone();
                    let found = type_name(other);
                    self.error(
                        item.span(),
                        format!("an item of `{key}` in {what} is {found}, expected a table"),
                    );
                }
            }
        }
        out
    }

    pub fn file(&self) -> &'a SourceFile {
        self.file
    }

    pub fn file_id(&self) -> usize {
        self.file_id
    }

    pub fn errors(&mut self) -> &mut Vec<Diagnostic> {
        self.errors
    }

    /// Reports keys this table does not know, suggesting the nearest known
    /// one: a misspelt key must never be silently ignored.
    pub fn finish(self) {
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref();
            if self.known.contains(&name) {
                continue;
            }
            let mut diagnostic = self
                .file
                .error(key.span(), format!("unknown key `{name}` in {}", self.what));
            diagnostic.help = Some(match suggest(name, self.known.iter().copied()) {
                Some(nearest) => format!("did you mean `{nearest}`?"),
                None => format!("known keys are: {}", self.known.join(", ")),
            });
            self.errors.push(diagnostic);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_hint_keeps_the_words_and_never_drops_letters() {
        assert_eq!(slug_hint("Offline Sync"), "for example \"offline-sync\"");
        assert_eq!(slug_hint("--A__b--"), "for example \"a-b\"");
        assert!(slug_hint("ñandú").starts_with("ids hold only the letters a to z"));
        assert!(slug_hint("日本").starts_with("ids hold only the letters a to z"));
        assert!(slug_hint("!!").starts_with("ids hold only the letters a to z"));
    }
}
