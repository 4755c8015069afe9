//! The full-text search index, `search-index.json`, read by the theme's
//! `search.js`.
//!
//! It is made from the rendered pages, so it holds what readers see: every
//! handbook page, feature page and dashboard (every HTML page except those
//! marked `noindex`, like the 404 and search pages), each once, with its
//! title, URL, section and the plain text of its `<main>` element (navigation
//! and charts left out; their data tables stay), cut to a few KB.
//!
//! Format (`version` 1), compact JSON:
//! `{"version":1,"pages":[{"title":…,"url":…,"section":…,"text":…}]}` with
//! `url` the page's absolute path including the base path.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::site::Site;

use super::html::PageText;
use super::OutputFile;

pub const INDEX_PATH: &str = "search-index.json";
/// The same index as a script, for browsing from `file://`, where browsers
/// refuse to fetch files; written with relative URLs only.
pub const INDEX_SCRIPT_PATH: &str = "search-index.js";
/// The search page: the search form's target, listing every page.
pub const PAGE_URL_PATH: &str = "search/";

/// Characters of text kept per page.
pub const MAX_TEXT: usize = 1500;

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Entry {
    pub title: String,
    pub url: String,
    pub section: String,
    pub text: String,
}

#[derive(Serialize)]
struct Index<'a> {
    version: u32,
    pages: &'a [Entry],
}

/// The section a page is listed under in results.
fn section_of(site: &Site, sources: &HashMap<String, PathBuf>, output: &str) -> String {
    if sources.contains_key(output) {
        let top = output.split('/').next().unwrap_or("");
        return match site.content.sections.get(top) {
            Some(section) if !top.is_empty() && output != "index.html" => section.title.clone(),
            _ => "Handbook".into(),
        };
    }
    let first = output.split('/').next().unwrap_or("");
    match first {
        "features" => "Features",
        "dashboards" => "Dashboards",
        "people" => "People",
        "this-week" => "This week",
        "index.html" => "Handbook",
        _ => "Pages",
    }
    .into()
}

/// Cuts `text` to at most `max` characters, at a word boundary.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(at) if at > max / 2 => cut[..at].to_string(),
        _ => cut,
    }
}

/// The URL path (with base path) of an output file.
pub fn url_of(base_path: &str, output: &str) -> String {
    let path = output.strip_suffix("index.html").unwrap_or(output);
    format!("{base_path}{path}")
}

/// The entry of the page rendered to `output`; `sources` maps handbook
/// pages' output paths to their source files.
pub fn entry(
    site: &Site,
    sources: &HashMap<String, PathBuf>,
    output: &str,
    page: &PageText,
) -> Entry {
    let title = if page.h1.is_empty() {
        let t = page.title.as_str();
        let suffix = format!(" · {}", site.config.title);
        t.strip_suffix(suffix.as_str()).unwrap_or(t).to_string()
    } else {
        page.h1.clone()
    };
    let text = page
        .text
        .strip_prefix(title.as_str())
        .unwrap_or(&page.text)
        .trim_start();
    Entry {
        url: url_of(&site.config.base_path(), output),
        section: section_of(site, sources, output),
        text: truncate(text, MAX_TEXT),
        title,
    }
}

fn json(entries: &[Entry]) -> String {
    let json = serde_json::to_string(&Index {
        version: 1,
        pages: entries,
    })
    .expect("the index serializes");
    // As in data.json: never markup, even when sniffed or embedded.
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The entries of a `search-index.json` this build wrote, to update a few
/// of them without rendering every page again.
pub fn parse_index(bytes: &[u8]) -> Option<Vec<Entry>> {
    #[derive(serde::Deserialize)]
    struct Parsed {
        version: u32,
        pages: Vec<Entry>,
    }
    let parsed: Parsed = serde_json::from_slice(bytes).ok()?;
    (parsed.version == 1).then_some(parsed.pages)
}

/// `search-index.json`, and with `script` also `search-index.js`.
pub fn files(entries: &[Entry], script: bool) -> Vec<OutputFile> {
    let json = json(entries);
    let mut files = vec![OutputFile {
        path: INDEX_PATH.into(),
        bytes: format!("{json}\n").into_bytes(),
    }];
    if script {
        files.push(OutputFile {
            path: INDEX_SCRIPT_PATH.into(),
            bytes: format!("window.TANDEM_SEARCH_INDEX = {json};\n").into_bytes(),
        });
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_at_a_word() {
        assert_eq!(truncate("one two three", 9), "one two");
        assert_eq!(truncate("short", 9), "short");
    }

    #[test]
    fn urls_drop_index_html() {
        assert_eq!(url_of("/t/", "guide/a/index.html"), "/t/guide/a/");
        assert_eq!(url_of("/t/", "index.html"), "/t/");
    }

    #[test]
    fn index_json_is_never_markup() {
        let entries = [Entry {
            title: "<script>&".into(),
            url: "/".into(),
            section: "S".into(),
            text: String::new(),
        }];
        let text = String::from_utf8(files(&entries, false).remove(0).bytes).unwrap();
        assert!(!text.contains('<') && !text.contains('&'), "{text}");
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["pages"][0]["title"], "<script>&");
    }
}
