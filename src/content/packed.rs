//! Each page's body as HTML, held compressed from loading until its
//! page renders.
//!
//! Links and headings are checked across the whole site before any page
//! is written, so a build holds every page's body at once: at 10,000
//! pages of about 4 KB each, some 40 MB of HTML, the largest part of a
//! build's peak memory. LZ4 packs it to under half at a cost of about 7%
//! of a build's instructions, and a full build frees each body once its
//! page is rendered ([`Packed::release`]). Templates still see a page's
//! `html` as its text.

use serde::{Serialize, Serializer};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Compressed text. Templates see a page's `html` as its text.
///
/// Behind a lock so that a full build can [`release`](Packed::release)
/// each page's body once its page is rendered, while every page is
/// shared by all the jobs that render at once.
#[derive(Default)]
pub struct Packed(Mutex<Box<[u8]>>);

impl Packed {
    pub fn new(text: &str) -> Packed {
        if text.is_empty() {
            return Packed::default();
        }
        let bytes = lz4_flex::compress_prepend_size(text.as_bytes()).into_boxed_slice();
        Packed(Mutex::new(bytes))
    }

    pub fn is_empty(&self) -> bool {
        self.bytes().is_empty()
    }

    /// The text, unpacked (empty once released).
    pub fn text(&self) -> String {
        let bytes = self.bytes();
        if bytes.is_empty() {
            return String::new();
        }
        // Packed from a `str` by `new` and never changed since.
        let bytes = lz4_flex::decompress_size_prepended(&bytes).expect("packed by Packed::new");
        String::from_utf8(bytes).expect("packed from a str")
    }

    /// Frees the text: only for a render that will not show it again.
    pub fn release(&self) {
        drop(std::mem::take(&mut *self.bytes()));
    }

    fn bytes(&self) -> MutexGuard<'_, Box<[u8]>> {
        // Nothing panics while holding it: a poisoned lock holds whole bytes.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clone for Packed {
    fn clone(&self) -> Packed {
        Packed(Mutex::new(self.bytes().clone()))
    }
}

impl PartialEq for Packed {
    fn eq(&self, other: &Packed) -> bool {
        // One lock at a time: two threads comparing the same two values
        // in opposite orders must not wait on each other.
        let mine = self.bytes().clone();
        mine == *other.bytes()
    }
}

impl Eq for Packed {}

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
        assert!(
            packed.bytes().len() < text.len() / 4,
            "{}",
            packed.bytes().len()
        );
    }

    #[test]
    fn serializes_as_its_text() {
        let html = Packed::new("<p>a & b</p>");
        assert_eq!(serde_json::to_string(&html).unwrap(), "\"<p>a & b</p>\"");
        assert_eq!(serde_json::to_string(&Packed::default()).unwrap(), "\"\"");
    }

    #[test]
    fn a_released_text_is_empty_and_its_clones_are_not() {
        let packed = Packed::new("<p>body</p>");
        let clone = packed.clone();
        packed.release();
        assert!(packed.is_empty() && packed.text().is_empty());
        assert_eq!(clone.text(), "<p>body</p>");
        assert_ne!(packed, clone);
    }

    #[test]
    fn empty_text_is_empty() {
        assert!(Packed::new("").is_empty());
        assert_eq!(Packed::new("").text(), "");
        assert!(!Packed::new("x").is_empty());
    }
}
