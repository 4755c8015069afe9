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
use std::io::Write;
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

#[derive(Debug, Serialize)]
pub struct Entry {
    pub title: String,
    pub url: String,
    pub section: String,
    pub text: String,
}

/// An entry as the index will hold it: its JSON text ([`part`]). (Packing
/// these too, as pages' HTML is, cost 4% of a build's instructions and did
/// not lower its peak: the site-wide navigation values and the pages in
/// flight outweigh them.)
pub struct Indexed {
    url: String,
    json: String,
}

impl Indexed {
    pub fn new(entry: &Entry) -> Indexed {
        Indexed {
            url: entry.url.clone(),
            json: part(entry),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
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

/// The index of the entries whose JSON texts are `parts`, as compact JSON
/// that is never markup, as in data.json: `<`, `>` and `&` (only ever
/// inside JSON strings) as escapes, even when sniffed or embedded.
/// Exactly what serializing `{"version":1,"pages":[…]}` at once gives.
fn write_index<P: AsRef<[u8]>>(
    parts: impl Iterator<Item = P>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    out.write_all(br#"{"version":1,"pages":["#)?;
    for (i, part) in parts.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(part.as_ref())?;
    }
    out.write_all(b"]}")
}

/// `search-index.json` of `entries` (in index order).
pub fn write_json(entries: &[Indexed], out: &mut dyn Write) -> std::io::Result<()> {
    write_index(entries.iter().map(|e| e.json.as_bytes()), out)?;
    out.write_all(b"\n")
}

/// `search-index.js`: the index as a script.
pub fn write_script(entries: &[Indexed], out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(b"window.TANDEM_SEARCH_INDEX = ")?;
    write_index(entries.iter().map(|e| e.json.as_bytes()), out)?;
    out.write_all(b";\n")
}

/// `search-index.json` as one JSON text per entry, so that the
/// development server can replace a few entries without serializing the
/// others again (at 10,000 pages the index is about 30 MB).
/// [`IndexParts::file`] gives exactly the bytes [`write_json`] writes.
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
    pub fn replace(&mut self, entry: &Indexed) {
        let text = Part::Replaced(entry.json.clone());
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
        let mut bytes = Vec::with_capacity(length + 32);
        self.write_to(&mut bytes)
            .expect("writing to memory cannot fail");
        OutputFile {
            path: INDEX_PATH.into(),
            bytes,
        }
    }

    /// [`Self::file`]'s bytes, written to `out`.
    pub fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        write_index((0..self.parts.len()).map(|i| self.part(i)), out)?;
        out.write_all(b"\n")
    }
}

/// One entry's JSON text, escaped as the whole index is.
fn part(entry: &Entry) -> String {
    String::from_utf8(super::inert_json(entry, false)).expect("JSON is UTF-8")
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
        let text = String::from_utf8(index_file(&entries).bytes).unwrap();
        assert!(!text.contains('<') && !text.contains('&'), "{text}");
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["pages"][0]["title"], "<script>&");
    }

    fn index_file(entries: &[Entry]) -> OutputFile {
        let mut bytes = Vec::new();
        let indexed: Vec<Indexed> = entries.iter().map(Indexed::new).collect();
        write_json(&indexed, &mut bytes).unwrap();
        OutputFile {
            path: INDEX_PATH.into(),
            bytes,
        }
    }

    #[test]
    fn the_index_written_from_entries_texts_is_the_index_serialized_whole() {
        #[derive(Serialize)]
        struct Whole<'a> {
            version: u32,
            pages: &'a [Entry],
        }
        let entries = [
            entry("/a/", "one <b>&"),
            entry("/b/", "two \"quoted\" \u{2028}"),
        ];
        let mut whole = super::super::inert_json(
            &Whole {
                version: 1,
                pages: &entries,
            },
            false,
        );
        whole.push(b'\n');
        assert_eq!(index_file(&entries).bytes, whole);
        assert_eq!(index_file(&[]).bytes, b"{\"version\":1,\"pages\":[]}\n");
    }

    #[test]
    fn the_script_form_assigns_the_same_index() {
        let entries = [entry("/a/", "one </script>")];
        let json = index_file(&entries).bytes;
        let mut script = Vec::new();
        let indexed: Vec<Indexed> = entries.iter().map(Indexed::new).collect();
        write_script(&indexed, &mut script).unwrap();
        let script = String::from_utf8(script).unwrap();
        let json = String::from_utf8(json).unwrap();
        assert_eq!(
            script,
            format!("window.TANDEM_SEARCH_INDEX = {};\n", json.trim_end())
        );
        assert!(!script.contains("</script>"), "{script}");
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
        let written = index_file(&before);
        let mut parts = IndexParts::parse(written.bytes.clone()).unwrap();
        assert_eq!(parts.file(), written);
        parts.replace(&Indexed::new(&entry("/b/", "three <i>")));
        let after = [entry("/a/", "one"), entry("/b/", "three <i>")];
        assert_eq!(parts.file(), index_file(&after));
    }
}
