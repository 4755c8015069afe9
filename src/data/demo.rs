//! `[[demo]]`: a product demo that shows the why behind the work.

use serde::Serialize;

use super::reader::{Loc, Record, Referent, Text};
use crate::calendar::Date;
use crate::diagnostics::quoted;

#[derive(Debug, Clone, Serialize)]
pub struct Demo {
    pub date: Date,
    #[serde(skip)]
    pub date_loc: Loc,
    pub title: String,
    pub presenter: Text,
    pub features: Vec<Text>,
    pub why: Option<String>,
    pub attendees: Vec<Text>,
    pub recording: Option<String>,
    #[serde(skip)]
    pub loc: Loc,
}

pub const KEYS: &[&str] = &[
    "date",
    "title",
    "presenter",
    "features",
    "why",
    "attendees",
    "recording",
];

impl Demo {
    pub fn read(record: &mut Record) -> Option<Demo> {
        let date = record.required_date("date");
        let title = record.required_text("title");
        let presenter = record.reference("presenter", Referent::Person, true);
        let recording = record.text("recording");
        if let Some(url) = &recording {
            if !is_safe_url(&url.value) {
                let span = url.loc.span.clone();
                record
                    .error(
                        span,
                        format!(
                            "`recording` in [[demo]] is {}, expected an http(s) URL",
                            quoted(&url.value)
                        ),
                    )
                    .help = Some("links to recordings must start with https:// or http://".into());
            }
        }
        // Every field is read (and its mistakes reported) before a missing
        // one ends the record.
        Some(Demo {
            features: record.reference_list("features", Referent::Feature),
            why: record.text("why").map(|t| t.value),
            attendees: record.reference_list("attendees", Referent::Person),
            recording: recording.filter(|u| is_safe_url(&u.value)).map(|u| u.value),
            date: date.as_ref()?.0,
            date_loc: date?.1,
            title: title?.value,
            presenter: presenter?,
            loc: record.loc(),
        })
    }
}

/// Only web links may come from data files: a `javascript:` URL in an
/// `href` would run in every reader's browser.
fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}
