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

use memchr::memchr;

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

/// The attributes [`analyze`] looks at, told apart once, when the tag is
/// read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum AttrName {
    /// One of [`URL_ATTRIBUTES`].
    Url,
    Name,
    Content,
    AriaHidden,
    Hidden,
    DataNosearch,
    Other,
}

impl AttrName {
    fn of(name: &[u8]) -> AttrName {
        let is = |known: &str| name.eq_ignore_ascii_case(known.as_bytes());
        match name.len() {
            3 if is("src") => AttrName::Url,
            4 if is("href") => AttrName::Url,
            4 if is("name") => AttrName::Name,
            6 if is("action") || is("poster") => AttrName::Url,
            6 if is("hidden") => AttrName::Hidden,
            7 if is("content") => AttrName::Content,
            10 if is("xlink:href") => AttrName::Url,
            11 if is("aria-hidden") => AttrName::AriaHidden,
            13 if is("data-nosearch") => AttrName::DataNosearch,
            _ => AttrName::Other,
        }
    }
}

/// One attribute of a start tag: which it is and where its value is.
#[derive(Debug, Clone)]
struct Attr {
    name: AttrName,
    value: Range<usize>,
}

enum Token<'a, 'b> {
    Start {
        name: &'a str,
        attributes: &'b [Attr],
        self_closing: bool,
    },
    End(&'a str),
    /// Text between tags, still entity-encoded.
    Text(&'a str),
}

/// Calls `visit` for every tag and text run of `html`, in order (comments
/// and `<!...>`/`<?...>` declarations are skipped; the text around them is
/// visited).
fn scan<'a>(html: &'a str, mut visit: impl FnMut(Token<'a, '_>)) {
    let bytes = html.as_bytes();
    let mut attributes: Vec<Attr> = Vec::new();
    let mut i = 0;
    let mut text_start = 0;
    while let Some(offset) = find(b'<', &bytes[i..]) {
        let start = i + offset;
        let rest = &bytes[start..];
        if (rest.starts_with(b"<!") || rest.starts_with(b"<?")) && text_start < start {
            visit(Token::Text(&html[text_start..start]));
        }
        if rest.starts_with(b"<!--") {
            i = html[start + 4..]
                .find("-->")
                .map(|e| start + 4 + e + 3)
                .unwrap_or(html.len());
        } else if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            i = tag_end(bytes, start + 2);
        } else if rest.starts_with(b"</") {
            let name = tag_name(html, start + 2);
            if name.is_empty() {
                i = start + 1;
                continue;
            }
            if text_start < start {
                visit(Token::Text(&html[text_start..start]));
            }
            visit(Token::End(name));
            i = tag_end(bytes, start + 2 + name.len());
        } else {
            let name = tag_name(html, start + 1);
            if name.is_empty() {
                i = start + 1;
                continue;
            }
            attributes.clear();
            let (self_closing, end) =
                read_attributes(bytes, start + 1 + name.len(), &mut attributes);
            if text_start < start {
                visit(Token::Text(&html[text_start..start]));
            }
            visit(Token::Start {
                name,
                attributes: &attributes,
                self_closing,
            });
            i = end;
            // The content of <script> and <style> is not markup.
            if is_raw_text(name) {
                i = find_close(bytes, i, name);
            }
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

/// Where `byte` first is in `bytes`. Most of a page is short tags, values
/// and indentation, where a plain loop beats `memchr`'s setup; text runs
/// are long.
fn find(byte: u8, bytes: &[u8]) -> Option<usize> {
    const NEAR: usize = 16;
    let near = &bytes[..bytes.len().min(NEAR)];
    match near.iter().position(|&b| b == byte) {
        Some(at) => Some(at),
        None if bytes.len() <= NEAR => None,
        None => memchr(byte, &bytes[NEAR..]).map(|at| NEAR + at),
    }
}

fn is_raw_text(name: &str) -> bool {
    name.eq_ignore_ascii_case("script") || name.eq_ignore_ascii_case("style")
}

/// Where `</name` starts at or after `from` (case-insensitive), or the end.
fn find_close(bytes: &[u8], from: usize, name: &str) -> usize {
    let mut i = from;
    while let Some(offset) = memchr(b'<', &bytes[i..]) {
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
    bytes.len()
}

/// The tag name starting at `from`: letters, digits, `-` and `:`, starting
/// with a letter; empty if there is none.
fn tag_name(html: &str, from: usize) -> &str {
    let bytes = &html.as_bytes()[from..];
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return "";
    }
    let end = bytes
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b':'))
        .unwrap_or(bytes.len());
    &html[from..from + end]
}

/// The byte after the `>` closing a tag that started before `from`.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    find(b'>', &bytes[from..])
        .map(|e| from + e + 1)
        .unwrap_or(bytes.len())
}

/// Reads the attributes of a start tag from `i` (just after its name);
/// returns whether it is self-closing and the byte after its `>`.
fn read_attributes(bytes: &[u8], mut i: usize, found: &mut Vec<Attr>) -> (bool, usize) {
    let mut self_closing = false;
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            self_closing = bytes[i] == b'/';
            i += 1;
        }
        if i >= bytes.len() {
            return (self_closing, bytes.len());
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
        let name = &bytes[name_start..i];
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
                let start = i + 1;
                let end = find(bytes[i], &bytes[start..])
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
            found.push(Attr {
                name: AttrName::of(name),
                value,
            });
        }
    }
}

/// Every URL-holding attribute of `html` (see [`URL_ATTRIBUTES`]).
pub fn url_attributes(html: &str) -> Vec<UrlAttribute> {
    analyze(html, None).urls
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

/// What [`analyze`] needs to know about an element, from its name.
#[derive(Clone, Copy, Default)]
struct Element {
    /// What its URLs name, for messages: `image`, `link`, ...
    url_kind: &'static str,
    /// Its text is not part of what a page says: navigation, charts (their
    /// data tables carry the same facts), scripts, forms.
    skipped: bool,
    /// It never has an end tag.
    void: bool,
    /// It separates words.
    block: bool,
    role: Role,
}

/// Elements [`analyze`] reads something special from.
#[derive(Clone, Copy, Default, PartialEq)]
enum Role {
    #[default]
    None,
    Title,
    H1,
    Body,
    Main,
    Meta,
}

impl Element {
    /// The element named `name` (in any case).
    fn of(name: &str) -> Element {
        let mut buffer = [0u8; 10];
        let Some(lower) = buffer.get_mut(..name.len()) else {
            return Element::OTHER;
        };
        lower.copy_from_slice(name.as_bytes());
        lower.make_ascii_lowercase();
        let (skipped, void, block) = (Element::SKIPPED, Element::VOID, Element::BLOCK);
        match &*lower {
            b"a" => Element::OTHER,
            b"nav" | b"svg" | b"template" | b"noscript" | b"button" | b"select" => skipped,
            b"script" => Element {
                url_kind: "script",
                ..skipped
            },
            b"style" => skipped,
            b"form" => Element {
                url_kind: "form target",
                ..skipped
            },
            b"area" | b"base" | b"col" | b"embed" | b"input" | b"wbr" => void,
            b"img" => Element {
                url_kind: "image",
                ..void
            },
            b"link" => Element {
                url_kind: "stylesheet or file",
                ..void
            },
            b"source" | b"track" => Element {
                url_kind: "media file",
                ..void
            },
            b"meta" => Element {
                role: Role::Meta,
                ..void
            },
            b"br" | b"hr" => Element {
                block: true,
                ..void
            },
            b"video" | b"audio" => Element {
                url_kind: "media file",
                ..Element::OTHER
            },
            b"title" => Element {
                role: Role::Title,
                ..Element::OTHER
            },
            b"body" => Element {
                role: Role::Body,
                ..Element::OTHER
            },
            b"h1" => Element {
                role: Role::H1,
                ..block
            },
            b"main" => Element {
                role: Role::Main,
                ..block
            },
            b"p" | b"div" | b"li" | b"ul" | b"ol" | b"dl" | b"dt" | b"dd" | b"h2" | b"h3"
            | b"h4" | b"h5" | b"h6" | b"td" | b"th" | b"tr" | b"table" | b"caption"
            | b"section" | b"article" | b"header" | b"footer" | b"aside" | b"blockquote"
            | b"pre" | b"figure" | b"figcaption" | b"details" | b"summary" => block,
            _ => Element::OTHER,
        }
    }

    const OTHER: Element = Element {
        url_kind: "link",
        skipped: false,
        void: false,
        block: false,
        role: Role::None,
    };
    const SKIPPED: Element = Element {
        skipped: true,
        ..Element::OTHER
    };
    const VOID: Element = Element {
        void: true,
        ..Element::OTHER
    };
    const BLOCK: Element = Element {
        block: true,
        ..Element::OTHER
    };
}

/// Text with runs of whitespace collapsed into single spaces, trimmed, as
/// it is added: [`collapse`] of everything pushed, without keeping it.
#[derive(Default)]
struct Words {
    text: String,
    /// Characters in `text`.
    chars: usize,
    /// Whitespace since the last word.
    space: bool,
}

impl Words {
    fn push(&mut self, text: &str) {
        if !text.is_ascii() {
            for (i, word) in text.split(char::is_whitespace).enumerate() {
                self.word(i > 0, word, word.chars().count());
            }
            return;
        }
        // The same words, faster: in ASCII, `char::is_whitespace` is this.
        let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && !is_space(bytes[i]) {
                i += 1;
            }
            self.word(false, &text[start..i], i - start);
            while i < bytes.len() && is_space(bytes[i]) {
                self.space = true;
                i += 1;
            }
        }
    }

    /// Adds `word` (maybe empty, of `chars` characters), after whitespace
    /// if `after_space`.
    fn word(&mut self, after_space: bool, word: &str, chars: usize) {
        self.space |= after_space;
        if word.is_empty() {
            return;
        }
        if self.space && !self.text.is_empty() {
            self.text.push(' ');
            self.chars += 1;
        }
        self.space = false;
        self.text.push_str(word);
        self.chars += chars;
    }

    /// Ends the current word, if any.
    fn gap(&mut self) {
        self.space = true;
    }

    fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
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
    /// with whitespace collapsed; maybe only its beginning (see
    /// [`analyze`]).
    pub text: String,
}

/// A page read once: its URL attributes and, when asked, its text.
#[derive(Debug, Default)]
pub struct Analysis {
    pub urls: Vec<UrlAttribute>,
    pub text: Option<PageText>,
}

/// Reads `html` once for its URL attributes and, with `want_text`, its
/// [`PageText`]. `Some(n)` asks for the first `n` characters of the text
/// that follow its heading (the `<h1>` or the `<title>`, whichever is
/// longer, if the text starts with it): a search entry holds no more, and
/// most of a page's time went into collecting text nobody read. The text
/// may be longer than that; it is whole when it is shorter.
pub fn analyze(html: &str, want_text: Option<usize>) -> Analysis {
    #[derive(PartialEq)]
    enum Where {
        Outside,
        Title,
        H1,
    }
    let mut urls = Vec::new();
    let mut page = PageText::default();
    let mut title = Words::default();
    let mut h1 = Words::default();
    // The text of <main>, and of <body> outside it while <main> has none:
    // the page's text is the first if it has any words.
    let mut main_text = Words::default();
    let mut body_text = Words::default();
    let mut in_main = 0usize;
    let mut in_body = false;
    // The skipped element's name (in any case) and nesting depth.
    let mut skip: Option<(&str, usize)> = None;
    let mut place = Where::Outside;
    let mut h1_done = false;
    let limit = want_text.unwrap_or(0);
    let want_text = want_text.is_some();
    scan(html, |token| match token {
        Token::Start {
            name,
            attributes,
            self_closing,
        } => {
            let mut element = None;
            for a in attributes {
                if a.name == AttrName::Url {
                    let kind = element.get_or_insert_with(|| Element::of(name)).url_kind;
                    urls.push(UrlAttribute {
                        kind,
                        value: a.value.clone(),
                    });
                }
            }
            if !want_text {
                return;
            }
            if let Some((skipped, depth)) = skip.as_mut() {
                if skipped.eq_ignore_ascii_case(name) && !self_closing {
                    *depth += 1;
                }
                return;
            }
            let element = element.unwrap_or_else(|| Element::of(name));
            let attr = |n: AttrName| attributes.iter().find(|a| a.name == n);
            match element.role {
                Role::Title if !in_body => place = Where::Title,
                Role::H1 if !h1_done => place = Where::H1,
                Role::Body => in_body = true,
                Role::Main => in_main += 1,
                Role::Meta
                    if attr(AttrName::Name)
                        .is_some_and(|a| html[a.value.clone()].eq_ignore_ascii_case("robots"))
                        && attr(AttrName::Content).is_some_and(|a| {
                            html[a.value.clone()]
                                .to_ascii_lowercase()
                                .contains("noindex")
                        }) =>
                {
                    page.noindex = true;
                }
                _ => {}
            }
            let hidden = attr(AttrName::AriaHidden)
                .is_some_and(|a| &html[a.value.clone()] == "true")
                || attr(AttrName::Hidden).is_some()
                || attr(AttrName::DataNosearch).is_some();
            if (element.skipped || hidden) && !self_closing && !element.void {
                skip = Some((name, 1));
            } else if element.block {
                body_text.gap();
                main_text.gap();
            }
        }
        Token::End(name) => {
            if !want_text {
                return;
            }
            if let Some((skipped, depth)) = skip.as_mut() {
                if skipped.eq_ignore_ascii_case(name) {
                    *depth -= 1;
                    if *depth == 0 {
                        skip = None;
                    }
                }
                return;
            }
            let element = Element::of(name);
            match element.role {
                Role::Title => place = Where::Outside,
                Role::H1 if place == Where::H1 => {
                    place = Where::Outside;
                    h1_done = true;
                }
                Role::Main => in_main = in_main.saturating_sub(1),
                _ => {}
            }
            if element.block {
                body_text.gap();
                main_text.gap();
            }
        }
        Token::Text(raw) => {
            if !want_text || skip.is_some() {
                return;
            }
            // Once the heading is known (and the title cannot change), a
            // text with `limit` characters after it has all it needs: a
            // space after the heading, and one more character to tell it
            // was longer.
            let settled = h1_done && in_body && place == Where::Outside;
            let needed = (title.chars.max(h1.chars))
                .saturating_add(limit)
                .saturating_add(1);
            let enough = |words: &Words| settled && words.chars > needed;
            let text = match place {
                Where::Title => Some(&mut title),
                Where::H1 => Some(&mut h1),
                Where::Outside => None,
            };
            let page_text = if in_main > 0 {
                Some(&mut main_text).filter(|words| !enough(words))
            } else if in_body && main_text.is_empty() {
                Some(&mut body_text).filter(|words| !enough(words))
            } else {
                None
            };
            if text.is_none() && page_text.is_none() {
                return;
            }
            let decoded = decode(raw);
            if let Some(words) = text {
                words.push(&decoded);
            }
            if let Some(words) = page_text {
                words.push(&decoded);
            }
        }
    });
    if !want_text {
        return Analysis { urls, text: None };
    }
    page.title = title.text;
    page.h1 = h1.text;
    page.text = if main_text.is_empty() {
        body_text.text
    } else {
        main_text.text
    };
    Analysis {
        urls,
        text: Some(page),
    }
}

/// [`analyze`] for the text alone.
pub fn page_text(html: &str) -> PageText {
    analyze(html, Some(usize::MAX)).text.unwrap_or_default()
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

    #[test]
    fn scanner_handles_case_quoting_comments_and_raw_text() {
        let html = "<HTML><Body><NAV><A HREF=/n>menu</A></NAV>\
<MAIN Class=x><H1>Big &amp; bold</H1><P>one<!-- <p>gone</p> -->two</P>\
<script>if (a < b && c) { x = '</p><p>fake'; }</SCRIPT>\
<div aria-hidden=\"true\"><div>hid</div>den</div><P>three&nbsp;&#x41;</P></MAIN></Body></HTML>";
        let analysis = analyze(html, Some(usize::MAX));
        let urls: Vec<&str> = (analysis.urls.iter())
            .map(|u| &html[u.value.clone()])
            .collect();
        assert_eq!(urls, ["/n"]);
        let page = analysis.text.unwrap();
        assert_eq!(page.h1, "Big & bold");
        // A comment between words joins them, as a browser shows them.
        assert_eq!(page.text, "Big & bold onetwo three A");
    }

    #[test]
    fn body_text_is_read_when_there_is_no_main() {
        let html = "<body><p>Just</p><p>a <i>body</i></p><nav>not this</nav></body>";
        assert_eq!(page_text(html).text, "Just a body");
        let html = "<body><p>before</p><main> </main><p>after</p></body>";
        assert_eq!(page_text(html).text, "before after");
    }

    #[test]
    fn words_collapse_as_split_whitespace_does() {
        let chunks = [
            "  a\tb\n",
            "c\u{0b}d\u{0c}",
            "e\u{a0}f\u{2003}",
            "",
            "g",
            "h  ",
            "\r\n",
            "i\u{1c}j",
        ];
        let mut words = Words::default();
        for chunk in chunks {
            words.push(chunk);
            words.gap();
        }
        let whole = chunks.join(" ");
        assert_eq!(words.text, collapse(&whole));
        assert_eq!(words.chars, words.text.chars().count());
    }

    #[test]
    fn a_text_limit_keeps_what_follows_the_heading() {
        let words: Vec<String> = (0..400).map(|i| format!("wörd{i}")).collect();
        let paragraphs: String = words.iter().map(|w| format!("<p>{w}</p>")).collect();
        let html = format!(
            "<title>Page · Site</title><body><main><h1>Heading</h1>{paragraphs}</main></body>"
        );
        let whole = page_text(&html).text;
        let cut = analyze(&html, Some(100)).text.unwrap().text;
        assert!(whole.starts_with(&cut), "{cut}");
        assert!(cut.chars().count() > "Heading".len() + 100 + 1, "{cut}");
        assert!(cut.len() < whole.len() / 4);
        // Short texts, and texts whose heading is not known yet, are whole.
        let short = analyze("<body><main><h1>H</h1><p>a b</p></main></body>", Some(1));
        assert_eq!(short.text.unwrap().text, "H a b");
        let no_heading = format!("<body><main>{paragraphs}</main></body>");
        let text = analyze(&no_heading, Some(10)).text.unwrap().text;
        assert_eq!(text, words.join(" "));
    }

    #[test]
    fn attribute_names_are_told_apart_in_any_case() {
        for name in URL_ATTRIBUTES {
            assert_eq!(AttrName::of(name.as_bytes()), AttrName::Url);
            let upper = name.to_ascii_uppercase();
            assert_eq!(AttrName::of(upper.as_bytes()), AttrName::Url);
        }
        assert_eq!(AttrName::of(b"Data-NoSearch"), AttrName::DataNosearch);
        assert_eq!(AttrName::of(b"hrefs"), AttrName::Other);
    }

    #[test]
    fn bytes_are_found_near_and_far() {
        let mut bytes = vec![b'a'; 40];
        for at in [0, 15, 16, 17, 39] {
            bytes[at] = b'<';
            assert_eq!(find(b'<', &bytes), Some(at));
            bytes[at] = b'a';
        }
        assert_eq!(find(b'<', &bytes), None);
        assert_eq!(find(b'<', b""), None);
    }

    #[test]
    fn unquoted_and_unterminated_values_end_where_they_did() {
        let html = "<a href=/x/>x</a><img src=\"/never-closed alt=x>";
        let values: Vec<&str> = (url_attributes(html).iter())
            .map(|u| &html[u.value.clone()])
            .collect();
        assert_eq!(values, ["/x/", "/never-closed alt=x>"]);
    }
}
