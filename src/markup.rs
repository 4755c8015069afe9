//! Escaping text from users' files for the markup Tandem writes (HTML, SVG,
//! XML). One place, so every output drops the same dangerous characters.

/// Unicode bidi overrides, embeddings and isolates: harmless to scripts but
/// able to reorder the text that follows them, so text from data never
/// carries them into a page.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Escapes text for HTML and SVG content and attribute values.
pub fn escape_html(text: &str) -> String {
    escape(text, "&#39;", false)
}

/// Escapes text for XML (feeds, sitemaps): as for HTML, and control
/// characters XML 1.0 does not allow at all are dropped.
pub fn escape_xml(text: &str) -> String {
    escape(text, "&apos;", true)
}

fn escape(text: &str, apostrophe: &str, xml: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(apostrophe),
            c if is_bidi_control(c) => {}
            c if xml && (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_bidi_controls_are_neutralised() {
        assert_eq!(
            escape_html("<a href='x'>\u{202E}&"),
            "&lt;a href=&#39;x&#39;&gt;&amp;"
        );
        assert_eq!(escape_xml("a\u{1}'b\u{2066}"), "a&apos;b");
    }
}
