//! Text a build holds for long but reads rarely, kept compressed: each
//! page's body as HTML (from loading until its page renders) and each
//! page's source (kept only to point diagnostics at it).
//!
//! Links and headings are checked across the whole site before any page
//! is written, so a build holds every page's body at once, and while it
//! loads, every page's source as well: at 10,000 pages of about 4 KB each,
//! some 40 MB of HTML and 35 MB of Markdown, most of a build's peak
//! memory. Both compress to about a third with LZ4, which packs at
//! hundreds of MB/s and unpacks faster still: a few milliseconds per
//! thousand pages for a third of the memory.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Serialize, Serializer};

use crate::diagnostics::SourceFile;

/// Compressed text. Templates see a page's `html` as its text.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Packed(Box<[u8]>);

impl Packed {
    pub fn new(text: &str) -> Packed {
        if text.is_empty() {
            return Packed::default();
        }
        Packed(lz4_flex::compress_prepend_size(text.as_bytes()).into_boxed_slice())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text, unpacked.
    pub fn text(&self) -> String {
        if self.is_empty() {
            return String::new();
        }
        // Packed from a `str` by `new` and never changed since.
        let bytes = lz4_flex::decompress_size_prepended(&self.0).expect("packed by Packed::new");
        String::from_utf8(bytes).expect("packed from a str")
    }
}

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.text(), f)
    }
}

impl Serialize for Packed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

/// A page's source file, packed.
#[derive(Debug)]
pub struct PackedSource {
    path: PathBuf,
    text: Packed,
    /// Unpacked for the first diagnostic pointing into it, then kept.
    unpacked: OnceLock<SourceFile>,
}

impl PackedSource {
    pub fn new(file: SourceFile) -> PackedSource {
        PackedSource {
            text: Packed::new(&file.text),
            path: file.path,
            unpacked: OnceLock::new(),
        }
    }

    /// Path relative to the site root.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A copy of the file, for work that reads all of it once.
    pub fn unpack(&self) -> SourceFile {
        SourceFile::new(self.path.clone(), self.text.text())
    }

    /// The file, for diagnostics: unpacked once, then kept.
    pub fn get(&self) -> &SourceFile {
        self.unpacked.get_or_init(|| self.unpack())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpacks_to_the_text_it_was_made_from() {
        let text = "<h2 id=\"a\">Ünïcode ✓</h2>\n".repeat(200) + "<p>end</p>";
        let packed = Packed::new(&text);
        assert_eq!(packed.text(), text);
        assert!(packed.0.len() < text.len() / 4, "{}", packed.0.len());
    }

    #[test]
    fn serializes_as_its_text() {
        let html = Packed::new("<p>a & b</p>");
        assert_eq!(serde_json::to_string(&html).unwrap(), "\"<p>a & b</p>\"");
        assert_eq!(serde_json::to_string(&Packed::default()).unwrap(), "\"\"");
    }

    #[test]
    fn empty_text_is_empty() {
        assert!(Packed::new("").is_empty());
        assert_eq!(Packed::new("").text(), "");
        assert!(!Packed::new("x").is_empty());
    }

    #[test]
    fn a_source_points_diagnostics_at_its_lines() {
        let file = SourceFile::new("content/a.md", "+++\ntitle = 1\n+++\nbody\n".into());
        let packed = PackedSource::new(file);
        assert_eq!(packed.path(), Path::new("content/a.md"));
        assert_eq!(packed.unpack().text, "+++\ntitle = 1\n+++\nbody\n");
        let d = packed.get().error(4..9, "wrong");
        assert_eq!((d.line, d.column), (2, 1));
    }
}
