//! Each page's body as HTML, held compressed from loading until its
//! page renders.
//!
//! Links and headings are checked across the whole site before any page
//! is written, so a build holds every page's body at once: at 10,000
//! pages of about 4 KB each, some 40 MB of HTML, the largest part of a
//! build's peak memory. LZ4 packs it to under half at a cost of about 7%
//! of a build's instructions (packing each page's source too, until the
//! site is valid, saved another 13 MiB for 9% more: not worth it).
//! Templates still see a page's `html` as its text.

use serde::{Serialize, Serializer};

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
}
