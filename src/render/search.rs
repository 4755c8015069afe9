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

/// The file the search page renders to, below the output folder.
pub fn page_output() -> String {
    format!("{PAGE_URL_PATH}index.html")
}

/// Characters of text kept per page.
pub const MAX_TEXT: usize = 1500;

#[derive(Debug, Serialize, serde::Deserialize)]
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
    let Some((end, _)) = text.char_indices().nth(max) else {
        return text.to_string();
    };
    let cut = &text[..end];
    match cut.rfind(' ') {
        Some(at) if at > max / 2 => cut[..at].to_string(),
        _ => cut.to_string(),
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

/// The index as JSON that is never markup, as in data.json: `<`, `>` and
/// `&` (only ever inside JSON strings) as escapes, even when sniffed or
/// embedded.
fn json(entries: &[Entry]) -> Vec<u8> {
    let index = Index {
        version: 1,
        pages: entries,
    };
    super::inert_json(&index, false)
}

/// `search-index.json` as one JSON text per entry, so that the
/// development server can replace a few entries without serializing the
/// others again (at 10,000 pages the index is about 30 MB).
/// [`IndexParts::file`] gives exactly the bytes [`files`] writes.
pub struct IndexParts {
    /// The index as read: the parts not replaced are spans of it.
    text: Vec<u8>,
    /// Each entry's JSON text, in index order.
    parts: Vec<Part>,
    /// Where each URL's entry is in `parts`.
    positions: HashMap<String, usize>,
}

/// One entry's JSON text in [`IndexParts`].
enum Part {
    /// As read: this range of the index's text.
    Read(std::ops::Range<usize>),
    Replaced(String),
}

impl IndexParts {
    /// The parts of a `search-index.json` this build wrote. Its entries
    /// are kept as the text they are (each entry's JSON text in the index
    /// is exactly what [`part`] makes of it): only their URLs are decoded,
    /// which at 10,000 pages takes a third of the time of decoding the
    /// entries and encoding them again.
    pub fn parse(text: Vec<u8>) -> Option<IndexParts> {
        #[derive(serde::Deserialize)]
        struct Parsed<'a> {
            version: u32,
            #[serde(borrow)]
            pages: Vec<&'a serde_json::value::RawValue>,
        }
        #[derive(serde::Deserialize)]
        struct Url<'a> {
            #[serde(borrow)]
            url: std::borrow::Cow<'a, str>,
        }
        let parsed: Parsed = serde_json::from_slice(&text).ok()?;
        if parsed.version != 1 {
            return None;
        }
        let start = text.as_ptr() as usize;
        let mut parts = Vec::with_capacity(parsed.pages.len());
        let mut positions = HashMap::with_capacity(parsed.pages.len());
        for raw in parsed.pages {
            let json = raw.get();
            let url: Url = serde_json::from_str(json).ok()?;
            // `raw` borrows from `text`: its place there is its address's.
            let at = json.as_ptr() as usize - start;
            positions.insert(url.url.into_owned(), parts.len());
            parts.push(Part::Read(at..at + json.len()));
        }
        Some(IndexParts {
            text,
            parts,
            positions,
        })
    }

    /// Whether the index has an entry for `url`.
    pub fn contains(&self, url: &str) -> bool {
        self.positions.contains_key(url)
    }

    /// Puts `entry` in place of the entry with its URL, or at the end.
    pub fn replace(&mut self, entry: &Entry) {
        let text = Part::Replaced(part(entry));
        match self.positions.get(&entry.url) {
            Some(&i) => self.parts[i] = text,
            None => {
                self.positions.insert(entry.url.clone(), self.parts.len());
                self.parts.push(text);
            }
        }
    }

    /// The JSON text of the entry at `i`.
    fn part(&self, i: usize) -> &[u8] {
        match &self.parts[i] {
            Part::Read(range) => &self.text[range.clone()],
            Part::Replaced(text) => text.as_bytes(),
        }
    }

    /// `search-index.json`.
    pub fn file(&self) -> OutputFile {
        let length: usize = (0..self.parts.len()).map(|i| self.part(i).len() + 1).sum();
        let mut json = Vec::with_capacity(length + 32);
        json.extend_from_slice(br#"{"version":1,"pages":["#);
        for i in 0..self.parts.len() {
            if i > 0 {
                json.push(b',');
            }
            json.extend_from_slice(self.part(i));
        }
        json.extend_from_slice(b"]}\n");
        OutputFile {
            path: INDEX_PATH.into(),
            bytes: json,
        }
    }
}

/// One entry's JSON text, escaped as the whole index is.
fn part(entry: &Entry) -> String {
    String::from_utf8(super::inert_json(entry, false)).expect("JSON is UTF-8")
}

/// `search-index.json`, and with `script` also `search-index.js`.
pub fn files(entries: &[Entry], script: bool) -> Vec<OutputFile> {
    let mut json = json(entries);
    let script = script.then(|| {
        let mut bytes = b"window.TANDEM_SEARCH_INDEX = ".to_vec();
        bytes.extend_from_slice(&json);
        bytes.extend_from_slice(b";\n");
        OutputFile {
            path: INDEX_SCRIPT_PATH.into(),
            bytes,
        }
    });
    json.push(b'\n');
    let index = OutputFile {
        path: INDEX_PATH.into(),
        bytes: json,
    };
    [index].into_iter().chain(script).collect()
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

    fn entry(url: &str, text: &str) -> Entry {
        Entry {
            title: format!("Page {url} <b>"),
            url: url.into(),
            section: "S & T".into(),
            text: text.into(),
        }
    }

    #[test]
    fn index_parts_patch_to_the_bytes_a_full_index_has() {
        let before = [entry("/a/", "one"), entry("/b/", "two \"quoted\"")];
        let written = files(&before, false).remove(0);
        let mut parts = IndexParts::parse(written.bytes.clone()).unwrap();
        assert_eq!(parts.file(), written);
        parts.replace(&entry("/b/", "three <i>"));
        let after = [entry("/a/", "one"), entry("/b/", "three <i>")];
        assert_eq!(parts.file(), files(&after, false).remove(0));
    }
}
