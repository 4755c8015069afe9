//! A small, forgiving HTML scanner for the rendered pages: where the URL
//! attributes are (for relative URLs and link checks) and the readable text
//! of a page (for the search index), in one pass. It handles comments,
//! quoted and unquoted attribute values and raw-text elements (`script`,
//! `style`); it is not a full HTML parser, and does not need to be: it reads
//! HTML that Tandem's own templates and Markdown renderer wrote.
//!
//! It runs over every page of every build, so it borrows instead of
//! allocating: tag and attribute names are slices of the page.

use std::borrow::Cow;
use std::ops::Range;

/// Attributes that hold a URL.
pub const URL_ATTRIBUTES: &[&str] = &["href", "src", "action", "poster", "xlink:href"];

/// A URL-holding attribute of a page.
#[derive(Debug, Clone)]
pub struct UrlAttribute {
    /// What the URL names, for messages: `image`, `link`, ...
    pub kind: &'static str,
    /// Byte range of the raw (still entity-encoded) value in the page.
    pub value: Range<usize>,
}

/// One attribute of a start tag, borrowed from the page.
#[derive(Debug, Clone)]
struct Attr<'a> {
    name: &'a str,
    value: Range<usize>,
}

impl Attr<'_> {
    fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

enum Token<'a, 'b> {
    Start {
        name: &'a str,
        attributes: &'b [Attr<'a>],
        self_closing: bool,
    },
    End(&'a str),
    /// Text between tags, still entity-encoded.
    Text(&'a str),
}

/// Calls `visit` for every tag and text run of `html`, in order.
fn scan<'a>(html: &'a str, mut visit: impl FnMut(Token<'a, '_>)) {
    let bytes = html.as_bytes();
    let mut attributes: Vec<Attr<'a>> = Vec::new();
    let mut i = 0;
    let mut text_start = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        i += offset;
        let rest = &html[i..];
        let start = i;
        let mut raw_text: Option<&str> = None;
        if let Some(comment) = rest.strip_prefix("<!--") {
            i = comment
                .find("-->")
                .map(|e| start + 4 + e + 3)
                .unwrap_or(html.len());
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            i = tag_end(html, start + 2);
        } else if rest.starts_with("</") {
            let name = tag_name(&html[start + 2..]);
            if name.is_empty() {
                i += 1;
                continue;
            }
            if text_start < start {
                visit(Token::Text(&html[text_start..start]));
            }
            visit(Token::End(name));
            i = tag_end(html, start + 2);
        } else {
            let name = tag_name(&html[start + 1..]);
            if name.is_empty() {
                i += 1;
                continue;
            }
            attributes.clear();
            let (self_closing, end) =
                read_attributes(html, start + 1 + name.len(), &mut attributes);
            if text_start < start {
                visit(Token::Text(&html[text_start..start]));
            }
            visit(Token::Start {
                name,
                attributes: &attributes,
                self_closing,
            });
            i = end;
            if name.eq_ignore_ascii_case("script") || name.eq_ignore_ascii_case("style") {
                raw_text = Some(name);
            }
        }
        // The content of <script> and <style> is not markup.
        if let Some(name) = raw_text {
            i = find_close(html, i, name);
        }
        text_start = i;
        if i >= bytes.len() {
            break;
        }
    }
    if text_start < html.len() {
        visit(Token::Text(&html[text_start..]));
    }
}

/// Where `</name` starts at or after `from` (case-insensitive), or the end.
fn find_close(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut i = from;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        i += offset;
        let after = &bytes[i + 1..];
        if after.first() == Some(&b'/')
            && after.len() > name.len()
            && after[1..=name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return i;
        }
        i += 1;
    }
    html.len()
}

fn tag_name(text: &str) -> &str {
    let end = text
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b':'))
        .unwrap_or(text.len());
    let name = &text[..end];
    if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name
    } else {
        ""
    }
}

/// The byte after the `>` closing a tag that started before `from`.
fn tag_end(html: &str, from: usize) -> usize {
    html.as_bytes()[from..]
        .iter()
        .position(|&b| b == b'>')
        .map(|e| from + e + 1)
        .unwrap_or(html.len())
}

/// Reads the attributes of a start tag from `i` (just after its name);
/// returns whether it is self-closing and the byte after its `>`.
fn read_attributes<'a>(html: &'a str, mut i: usize, found: &mut Vec<Attr<'a>>) -> (bool, usize) {
    let bytes = html.as_bytes();
    let mut self_closing = false;
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            self_closing = bytes[i] == b'/';
            i += 1;
        }
        if i >= bytes.len() {
            return (self_closing, html.len());
        }
        if bytes[i] == b'>' {
            return (self_closing, i + 1);
        }
        self_closing = false;
        let name_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let name = &html[name_start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = i..i;
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let quote = bytes[i];
                let start = i + 1;
                let end = bytes[start..]
                    .iter()
                    .position(|&b| b == quote)
                    .map(|p| start + p)
                    .unwrap_or(bytes.len());
                value = start..end;
                i = (end + 1).min(bytes.len());
            } else {
                let start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                    i += 1;
                }
                value = start..i;
            }
        }
        if !name.is_empty() {
            found.push(Attr { name, value });
        }
    }
}

/// What a URL attribute of tag `tag` names, for messages.
fn kind_of(tag: &str) -> &'static str {
    const KINDS: &[(&str, &str)] = &[
        ("img", "image"),
        ("script", "script"),
        ("link", "stylesheet or file"),
        ("source", "media file"),
        ("video", "media file"),
        ("audio", "media file"),
        ("track", "media file"),
        ("form", "form target"),
    ];
    KINDS
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(tag))
        .map(|(_, kind)| *kind)
        .unwrap_or("link")
}

/// Every URL-holding attribute of `html` (see [`URL_ATTRIBUTES`]).
pub fn url_attributes(html: &str) -> Vec<UrlAttribute> {
    analyze(html, false).urls
}

/// Decodes the character references Tandem's output uses (named basics and
/// numeric ones); anything else is kept as written.
pub fn decode(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..].find(';').map(|e| e + 1).filter(|&e| e <= 10);
        let decoded = end.and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let number = entity.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, end + 1))
        });
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Escapes text for an attribute value in double quotes.
pub fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Elements whose text is not part of what a page says: navigation, charts
/// (their data tables carry the same facts), scripts, forms.
fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "nav" | "svg" | "script" | "style" | "template" | "form" | "noscript" | "button" | "select"
    )
}

/// Elements that never have an end tag.
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Elements that separate words.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "br"
            | "hr"
            | "td"
            | "th"
            | "tr"
            | "table"
            | "caption"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "aside"
            | "blockquote"
            | "pre"
            | "figure"
            | "figcaption"
            | "details"
            | "summary"
            | "main"
    )
}

/// What a rendered page says to a reader: its `<h1>`, `<title>`, robots
/// meta tag and the plain text of its `<main>` element. Elements that are
/// hidden, `aria-hidden="true"` or marked `data-nosearch` (page metadata,
/// pagers) are left out, like navigation, charts and scripts.
#[derive(Debug, Default)]
pub struct PageText {
    pub title: String,
    pub h1: String,
    pub noindex: bool,
    /// The text of `<main>` (or of `<body>` when there is no `<main>`),
    /// with whitespace collapsed.
    pub text: String,
}

/// A page read once: its URL attributes and, when asked, its text.
#[derive(Debug, Default)]
pub struct Analysis {
    pub urls: Vec<UrlAttribute>,
    pub text: Option<PageText>,
}

/// Reads `html` once for its URL attributes and (with `want_text`) its
/// [`PageText`].
pub fn analyze(html: &str, want_text: bool) -> Analysis {
    #[derive(PartialEq)]
    enum Where {
        Outside,
        Title,
        H1,
    }
    let mut urls = Vec::new();
    let mut page = PageText::default();
    let mut body_text = String::new();
    let mut main_text = String::new();
    let mut in_main = 0usize;
    let mut in_body = false;
    // The skipped element's name and nesting depth.
    let mut skip: Option<(String, usize)> = None;
    let mut place = Where::Outside;
    let mut h1_done = false;
    let mut lower = String::new();
    scan(html, |token| match token {
        Token::Start {
            name,
            attributes,
            self_closing,
        } => {
            for a in attributes {
                if URL_ATTRIBUTES.iter().any(|u| a.is(u)) {
                    urls.push(UrlAttribute {
                        kind: kind_of(name),
                        value: a.value.clone(),
                    });
                }
            }
            if !want_text {
                return;
            }
            let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
                lower = name.to_ascii_lowercase();
                lower.as_str()
            } else {
                name
            };
            if let Some((skipped, depth)) = skip.as_mut() {
                if skipped == name && !self_closing {
                    *depth += 1;
                }
                return;
            }
            let attr = |n: &str| attributes.iter().find(|a| a.is(n));
            match name {
                "title" if !in_body => place = Where::Title,
                "h1" if !h1_done => place = Where::H1,
                "body" => in_body = true,
                "main" => in_main += 1,
                "meta"
                    if attr("name")
                        .is_some_and(|a| html[a.value.clone()].eq_ignore_ascii_case("robots"))
                        && attr("content").is_some_and(|a| {
                            html[a.value.clone()]
                                .to_ascii_lowercase()
                                .contains("noindex")
                        }) =>
                {
                    page.noindex = true;
                }
                _ => {}
            }
            let hidden = attr("aria-hidden").is_some_and(|a| &html[a.value.clone()] == "true")
                || attr("hidden").is_some()
                || attr("data-nosearch").is_some();
            if (is_skipped(name) || hidden) && !self_closing && !is_void(name) {
                skip = Some((name.to_string(), 1));
            } else if is_block(name) {
                body_text.push(' ');
                main_text.push(' ');
            }
        }
        Token::End(name) => {
            if !want_text {
                return;
            }
            let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
                lower = name.to_ascii_lowercase();
                lower.as_str()
            } else {
                name
            };
            if let Some((skipped, depth)) = skip.as_mut() {
                if skipped == name {
                    *depth -= 1;
                    if *depth == 0 {
                        skip = None;
                    }
                }
                return;
            }
            match name {
                "title" => place = Where::Outside,
                "h1" if place == Where::H1 => {
                    place = Where::Outside;
                    h1_done = true;
                }
                "main" => in_main = in_main.saturating_sub(1),
                _ => {}
            }
            if is_block(name) {
                body_text.push(' ');
                main_text.push(' ');
            }
        }
        Token::Text(raw) => {
            if !want_text || skip.is_some() {
                return;
            }
            let text = decode(raw);
            match place {
                Where::Title => page.title.push_str(&text),
                Where::H1 => page.h1.push_str(&text),
                Where::Outside => {}
            }
            if in_main > 0 {
                main_text.push_str(&text);
            } else if in_body {
                body_text.push_str(&text);
            }
        }
    });
    if !want_text {
        return Analysis { urls, text: None };
    }
    page.title = collapse(&page.title);
    page.h1 = collapse(&page.h1);
    let main = collapse(&main_text);
    page.text = if main.is_empty() {
        collapse(&body_text)
    } else {
        main
    };
    Analysis {
        urls,
        text: Some(page),
    }
}

/// [`analyze`] for the text alone.
pub fn page_text(html: &str) -> PageText {
    analyze(html, true).text.unwrap_or_default()
}

/// Collapses runs of whitespace into single spaces and trims.
pub fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_url_attributes_in_any_quoting() {
        let html = r#"<!-- <a href="/no"> --><a class=x href="/a?b=1&amp;c=2">x</a>
<img src='/i.png' alt="a > b"><link rel=stylesheet href=/s.css>
<SCRIPT src="/j.js">if (a < b) { x = "<a href='/no'>"; }</script><svg><a xlink:href="/svg"/></svg>"#;
        let found = url_attributes(html);
        let values: Vec<&str> = found.iter().map(|a| &html[a.value.clone()]).collect();
        assert_eq!(
            values,
            ["/a?b=1&amp;c=2", "/i.png", "/s.css", "/j.js", "/svg"]
        );
        let kinds: Vec<&str> = found.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            ["link", "image", "stylesheet or file", "script", "link"]
        );
    }

    #[test]
    fn decodes_references() {
        assert_eq!(
            decode("a &amp; b &lt;&#39;&#x27;&gt; &bogus; &"),
            "a & b <''> &bogus; &"
        );
        assert!(matches!(decode("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn page_text_reads_main_without_navigation_or_charts() {
        let html = "<html><head><title>T &amp; more · Site</title><meta name=\"robots\" content=\"noindex\"></head>\
<body><nav>Menu</nav><main><h1>Head<em>ing</em></h1><p>One <b>two</b></p><p>three</p>\
<svg><title>chart</title><svg><title>inner</title></svg><text>x</text></svg><p data-nosearch>meta</p>\
<input hidden><ul><li>four</li></ul></main><footer>foot</footer></body></html>";
        let page = page_text(html);
        assert_eq!(page.title, "T & more · Site");
        assert_eq!(page.h1, "Heading");
        assert!(page.noindex);
        assert_eq!(page.text, "Heading One two three four");
    }
}
