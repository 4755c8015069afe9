//! A small, forgiving HTML scanner for the rendered pages: where the URL
//! attributes are (for relative URLs and link checks) and the readable text
//! of a page (for the search index), in one pass. It handles comments,
//! quoted and unquoted attribute values and raw-text elements (`script`,
//! `style`); it is not a full HTML parser, and does not need to be: it reads
//! HTML that Tandem's own templates and Markdown renderer wrote.
//!
//! It runs over every page of every build, so it borrows instead of
//! allocating: tag and attribute names are slices of the page; and what it
//! reads in markup that thousands of pages share (a [`Known`] stretch) is
//! read once.

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

/// Byte classes for the scanner's loops, looked up in [`CLASSES`]: one
/// load per byte instead of a chain of comparisons (the scanner reads
/// every byte of every page).
const SPACE: u8 = 1 << 0;
/// Continues a tag name: letters, digits, `-` and `:`.
const TAG_NAME: u8 = 1 << 1;
/// Ends an attribute name: whitespace, `=`, `>` and `/`.
const ATTR_NAME_END: u8 = 1 << 2;
/// Ends an unquoted attribute value: whitespace and `>`.
const UNQUOTED_END: u8 = 1 << 3;
/// Separates words: ASCII whitespace as `char::is_whitespace` has it
/// (which, unlike [`SPACE`], includes the vertical tab).
const WORD_SPACE: u8 = 1 << 4;

static CLASSES: [u8; 256] = {
    let mut classes = [0; 256];
    let mut at = 0;
    while at < 256 {
        let b = at as u8;
        let mut class = 0;
        if b.is_ascii_whitespace() {
            class |= SPACE | ATTR_NAME_END | UNQUOTED_END;
        }
        if b.is_ascii_alphanumeric() || b == b'-' || b == b':' {
            class |= TAG_NAME;
        }
        if matches!(b, b'=' | b'>' | b'/') {
            class |= ATTR_NAME_END;
        }
        if b == b'>' {
            class |= UNQUOTED_END;
        }
        if b.is_ascii_whitespace() || b == 0x0b {
            class |= WORD_SPACE;
        }
        classes[at] = class;
        at += 1;
    }
    classes
};

/// Whether `b` is of (one of) `class`.
fn is(b: u8, class: u8) -> bool {
    CLASSES[b as usize] & class != 0
}

/// The first index at or after `from` whose byte is not of `class`.
fn skip_class(bytes: &[u8], from: usize, class: u8) -> usize {
    (bytes[from..].iter())
        .position(|&b| !is(b, class))
        .map_or(bytes.len(), |at| from + at)
}

/// The first index at or after `from` whose byte is of `class`.
fn find_class(bytes: &[u8], from: usize, class: u8) -> usize {
    (bytes[from..].iter())
        .position(|&b| is(b, class))
        .map_or(bytes.len(), |at| from + at)
}

/// What comes next in a page: the text before it, then a tag, or nothing
/// (the text was before a comment, a `<!...>`/`<?...>` declaration or the
/// end of the page).
struct Piece<'a, 'b> {
    /// Text before the tag, still entity-encoded; maybe empty.
    text: &'a str,
    tag: Option<Tag<'a, 'b>>,
}

enum Tag<'a, 'b> {
    Start {
        /// As written (in any case).
        name: &'a [u8],
        /// Only the attributes [`analyze`] reads (not [`AttrName::Other`]).
        attributes: &'b [Attr],
        self_closing: bool,
    },
    End(&'a [u8]),
    /// A known stretch, and where it starts.
    Known(usize, &'a Known),
}

/// Reads a page piece by piece. Pulled by [`analyze`]'s loop rather than
/// calling back into it, so that the handling of each piece is one inlined
/// body rather than a call per token.
struct Scanner<'a> {
    html: &'a str,
    /// Where the next piece starts.
    at: usize,
    /// The attributes of the last start tag.
    attributes: Vec<Attr>,
    /// Known stretches of the page by where they start, sorted, not
    /// overlapping; those before `next_known` are behind.
    known: &'a [(usize, &'a Known)],
    next_known: usize,
    /// Where `known[next_known]` starts, or `usize::MAX`: one comparison
    /// per tag when there is none (this loop reads every tag of a build).
    next_known_at: usize,
}

impl<'a> Scanner<'a> {
    fn new(html: &'a str, known: &'a [(usize, &'a Known)]) -> Self {
        Scanner {
            html,
            at: 0,
            attributes: Vec::new(),
            known,
            next_known: 0,
            next_known_at: known.first().map_or(usize::MAX, |&(at, _)| at),
        }
    }

    /// Moves on to the next known stretch.
    fn pass_known(&mut self) {
        self.next_known += 1;
        self.next_known_at = (self.known.get(self.next_known)).map_or(usize::MAX, |&(at, _)| at);
    }

    /// The next piece, or `None` at the end of the page.
    // Inlined into the loops that pull it: a call per piece cost a third
    // more instructions.
    #[inline(always)]
    fn next(&mut self) -> Option<Piece<'a, '_>> {
        let (html, bytes) = (self.html, self.html.as_bytes());
        let text_start = self.at;
        if text_start >= bytes.len() {
            return None;
        }
        // A stretch that starts inside a tag, comment or raw text already
        // read is not where the scan would start it: it is passed over.
        while self.next_known_at < text_start {
            self.pass_known();
        }
        let mut i = text_start;
        loop {
            let tag_at = find(b'<', &bytes[i..]).map_or(bytes.len(), |offset| i + offset);
            // The stretch starts in this run of text, so the scan would
            // read it from its start just as `Known::of` did.
            if self.next_known_at <= tag_at {
                let (at, known) = self.known[self.next_known];
                self.pass_known();
                self.at = at + known.len;
                let text = &html[text_start..at];
                let tag = Some(Tag::Known(at, known));
                return Some(Piece { text, tag });
            }
            if tag_at == bytes.len() {
                self.at = bytes.len();
                let text = &html[text_start..];
                return Some(Piece { text, tag: None });
            }
            let start = tag_at;
            let text = &html[text_start..start];
            match bytes.get(start + 1) {
                Some(b'!' | b'?') => {
                    self.at = if bytes[start..].starts_with(b"<!--") {
                        html[start + 4..]
                            .find("-->")
                            .map(|e| start + 4 + e + 3)
                            .unwrap_or(html.len())
                    } else {
                        tag_end(bytes, start + 2)
                    };
                    return Some(Piece { text, tag: None });
                }
                Some(b'/') => {
                    let name = tag_name(bytes, start + 2);
                    if name.is_empty() {
                        i = start + 1;
                        continue;
                    }
                    self.at = tag_end(bytes, start + 2 + name.len());
                    let tag = Some(Tag::End(name));
                    return Some(Piece { text, tag });
                }
                _ => {
                    let name = tag_name(bytes, start + 1);
                    if name.is_empty() {
                        i = start + 1;
                        continue;
                    }
                    self.attributes.clear();
                    let (self_closing, end) =
                        read_attributes(bytes, start + 1 + name.len(), &mut self.attributes);
                    // The content of <script> and <style> is not markup.
                    self.at = if is_raw_text(name) {
                        find_close(bytes, end, name)
                    } else {
                        end
                    };
                    let tag = Some(Tag::Start {
                        name,
                        attributes: &self.attributes,
                        self_closing,
                    });
                    return Some(Piece { text, tag });
                }
            }
        }
    }
}

/// Where `byte` first is in `bytes`. Most of a page is short tags, values
/// and indentation, where eight bytes at a time beat `memchr`'s setup; text
/// runs are long.
pub(super) fn find(byte: u8, bytes: &[u8]) -> Option<usize> {
    const NEAR: usize = 32;
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let near = bytes.len().min(NEAR);
    let mut at = 0;
    while at + 8 <= near {
        let word = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
        // The bytes equal to `byte` are the zero bytes of `x`; the lowest
        // high bit of `zeros` marks the first of them.
        let x = word ^ (ONES * u64::from(byte));
        let zeros = x.wrapping_sub(ONES) & !x & HIGHS;
        if zeros != 0 {
            return Some(at + zeros.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    if let Some(offset) = bytes[at..near].iter().position(|&b| b == byte) {
        return Some(at + offset);
    }
    if bytes.len() <= NEAR {
        return None;
    }
    memchr(byte, &bytes[NEAR..]).map(|offset| NEAR + offset)
}

fn is_raw_text(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"script") || name.eq_ignore_ascii_case(b"style")
}

/// Where `</name` starts at or after `from` (case-insensitive), or the end.
fn find_close(bytes: &[u8], from: usize, name: &[u8]) -> usize {
    let mut i = from;
    while let Some(offset) = memchr(b'<', &bytes[i..]) {
        i += offset;
        let after = &bytes[i + 1..];
        if after.first() == Some(&b'/')
            && after.len() > name.len()
            && after[1..=name.len()].eq_ignore_ascii_case(name)
        {
            return i;
        }
        i += 1;
    }
    bytes.len()
}

/// The tag name starting at `from`: letters, digits, `-` and `:`, starting
/// with a letter; empty if there is none.
fn tag_name(bytes: &[u8], from: usize) -> &[u8] {
    let rest = &bytes[from..];
    if !rest.first().is_some_and(u8::is_ascii_alphabetic) {
        return &[];
    }
    &rest[..skip_class(rest, 1, TAG_NAME)]
}

/// The byte after the `>` closing a tag that started before `from`.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    find(b'>', &bytes[from..])
        .map(|e| from + e + 1)
        .unwrap_or(bytes.len())
}

/// Reads the attributes of a start tag from `i` (just after its name),
/// keeping those [`analyze`] reads in `found`; returns whether the tag is
/// self-closing and the byte after its `>`.
fn read_attributes(bytes: &[u8], mut i: usize, found: &mut Vec<Attr>) -> (bool, usize) {
    let mut self_closing = false;
    loop {
        while let Some(&b) = bytes.get(i) {
            if !(is(b, SPACE) || b == b'/') {
                break;
            }
            self_closing = b == b'/';
            i += 1;
        }
        match bytes.get(i) {
            None => return (self_closing, bytes.len()),
            Some(b'>') => return (self_closing, i + 1),
            Some(_) => self_closing = false,
        }
        let name_start = i;
        i = find_class(bytes, i, ATTR_NAME_END);
        let name = &bytes[name_start..i];
        i = skip_class(bytes, i, SPACE);
        let mut value = i..i;
        if bytes.get(i) == Some(&b'=') {
            i = skip_class(bytes, i + 1, SPACE);
            match bytes.get(i) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let start = i + 1;
                    let end = find(quote, &bytes[start..])
                        .map(|p| start + p)
                        .unwrap_or(bytes.len());
                    value = start..end;
                    i = (end + 1).min(bytes.len());
                }
                _ => {
                    let start = i;
                    i = find_class(bytes, i, UNQUOTED_END);
                    value = start..i;
                }
            }
        }
        let name = AttrName::of(name);
        if name != AttrName::Other {
            found.push(Attr { name, value });
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
    // Most texts and URLs are short: `find` beats `str::contains` there.
    if find(b'&', text.as_bytes()).is_none() {
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

/// A tag name of up to 8 bytes, lowercased, as one number: matching it
/// against known names is a few integer comparisons rather than a string
/// comparison for each. Longer names are 0, which names nothing.
const fn name_key(name: &[u8]) -> u64 {
    if name.len() > 8 {
        return 0;
    }
    let mut key = 0;
    let mut i = 0;
    while i < name.len() {
        // In tag names (letters, digits, `-` and `:`), setting the 0x20
        // bit lowercases letters and keeps the others.
        key |= ((name[i] | 0x20) as u64) << (8 * i);
        i += 1;
    }
    key
}

/// `match` on a [`name_key`], written with the names: `b"a" | b"p" => ...,
/// _ => ...`.
macro_rules! by_name {
    ($key:expr, { $($($name:literal)|+ => $value:expr,)* _ => $default:expr $(,)? }) => {{
        let key = $key;
        $(if $(key == const { name_key($name) })||+ { $value } else)* { $default }
    }};
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
    /// The element named `name` (in any case; a tag name, see
    /// [`tag_name`]).
    fn of(name: &[u8]) -> Element {
        let (skipped, void, block) = (Element::SKIPPED, Element::VOID, Element::BLOCK);
        if name.len() > 8 {
            let long_block = [b"blockquote".as_slice(), b"figcaption"];
            let is_block = long_block.iter().any(|b| b.eq_ignore_ascii_case(name));
            return if is_block { block } else { Element::OTHER };
        }
        // The most common first.
        by_name!(name_key(name), {
            b"a" | b"span" => Element::OTHER,
            b"li" | b"p" | b"div" | b"td" | b"th" | b"tr" | b"ul" | b"ol" | b"dl" | b"dt"
            | b"dd" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"table" | b"caption"
            | b"section" | b"article" | b"header" | b"footer" | b"aside" | b"pre"
            | b"figure" | b"details" | b"summary" => block,
            b"nav" | b"svg" | b"template" | b"noscript" => skipped,
            b"button" | b"select" | b"style" => skipped,
            b"script" => Element {
                url_kind: "script",
                ..skipped
            },
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
            _ => Element::OTHER,
        })
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
        // The same words, faster: in ASCII, `char::is_whitespace` is
        // `WORD_SPACE`, and words with single spaces between them are
        // added at once.
        let bytes = text.as_bytes();
        let mut i = 0;
        loop {
            while i < bytes.len() && is(bytes[i], WORD_SPACE) {
                self.space = true;
                i += 1;
            }
            if i == bytes.len() {
                return;
            }
            let start = i;
            i = spaced_words_end(bytes, i);
            self.word(false, &text[start..i], i - start);
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

/// The end of the words from `from` (not a space) on that have single
/// spaces between them: text [`Words`] keeps as it is.
fn spaced_words_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    loop {
        while i < bytes.len() && !is(bytes[i], WORD_SPACE) {
            i += 1;
        }
        let word_follows = bytes.get(i + 1).is_some_and(|&b| !is(b, WORD_SPACE));
        if bytes.get(i) != Some(&b' ') || !word_follows {
            return i;
        }
        i += 1;
    }
}

/// What [`analyze`] reads in a stretch of markup that many pages hold
/// whole (a `cached_partial`'s output): read once, then taken for each
/// page instead of scanning the stretch again.
#[derive(Debug)]
pub struct Known {
    /// Its length in bytes.
    len: usize,
    /// Its URL attributes, at offsets from its start.
    urls: Vec<UrlAttribute>,
    /// The element names of its tags (as written).
    names: Vec<Box<[u8]>>,
}

impl Known {
    /// `None` when a scan could read `html` differently inside a page: when
    /// a tag, comment or raw-text element it opens does not close within
    /// it, or it ends with `<` or `</` (a tag the page's next bytes could
    /// complete).
    pub fn of(html: &str) -> Option<Known> {
        if html.ends_with('<') || html.ends_with("</") {
            return None;
        }
        // A probe tag after it: read as a tag right at the end exactly
        // when nothing is left open.
        const PROBE: &str = "<x>";
        let probed = format!("{html}{PROBE}");
        let mut scanner = Scanner::new(&probed, &[]);
        let mut reader = Reader::new(&probed, None);
        let mut names: Vec<Box<[u8]>> = Vec::new();
        loop {
            let from = scanner.at;
            let piece = scanner.next()?;
            let tag_at = from + piece.text.len();
            if tag_at >= html.len() {
                let probe_read = tag_at == html.len()
                    && matches!(piece.tag, Some(Tag::Start { name: b"x", .. }))
                    && scanner.at == probed.len();
                return probe_read.then_some(Known {
                    len: html.len(),
                    urls: reader.urls,
                    names,
                });
            }
            let name = match piece.tag {
                Some(Tag::Start {
                    name,
                    attributes,
                    self_closing,
                }) => {
                    reader.start(name, attributes, self_closing);
                    name
                }
                Some(Tag::End(name)) => name,
                Some(Tag::Known(..)) | None => continue,
            };
            if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                names.push(name.into());
            }
        }
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
    analyze_knowing(html, want_text, &[])
}

/// [`analyze`], taking what `known` says of its stretches (each with where
/// in `html` it starts; sorted, not overlapping) instead of reading them
/// again wherever that gives the same result: the scan reaches the
/// stretch's start in text, and the page's text needs nothing from it
/// (it is inside navigation, say, or no text is wanted). Elsewhere the
/// stretch is read as usual.
pub fn analyze_knowing(
    html: &str,
    want_text: Option<usize>,
    known: &[(usize, &Known)],
) -> Analysis {
    let mut scanner = Scanner::new(html, known);
    let mut reader = Reader::new(html, want_text);
    loop {
        let from = scanner.at;
        let Some(piece) = scanner.next() else {
            break;
        };
        if let Some(Tag::Known(at, known)) = piece.tag {
            if !reader.can_pass(known) {
                // Read it after all: from where this piece started, so
                // its text is not cut in two.
                scanner.at = from;
                continue;
            }
            if !piece.text.is_empty() {
                reader.text(piece.text);
            }
            reader.pass(at, known);
            continue;
        }
        if !piece.text.is_empty() {
            reader.text(piece.text);
        }
        match piece.tag {
            Some(Tag::Start {
                name,
                attributes,
                self_closing,
            }) => reader.start(name, attributes, self_closing),
            Some(Tag::End(name)) => reader.end(name),
            Some(Tag::Known(..)) | None => {}
        }
    }
    reader.finish()
}

/// Where the text being read goes, besides the page's text.
#[derive(PartialEq)]
enum Where {
    Outside,
    Title,
    H1,
}

/// What [`analyze`] knows of a page so far.
struct Reader<'a> {
    html: &'a str,
    urls: Vec<UrlAttribute>,
    want_text: bool,
    limit: usize,
    title: Words,
    h1: Words,
    // The text of <main>, and of <body> outside it while <main> has none:
    // the page's text is the first if it has any words.
    main_text: Words,
    body_text: Words,
    in_main: usize,
    in_body: bool,
    /// The skipped element's name (in any case) and nesting depth.
    skip: Option<(&'a [u8], usize)>,
    place: Where,
    h1_done: bool,
    noindex: bool,
}

impl<'a> Reader<'a> {
    fn new(html: &'a str, want_text: Option<usize>) -> Self {
        Reader {
            html,
            urls: Vec::new(),
            want_text: want_text.is_some(),
            limit: want_text.unwrap_or(0),
            title: Words::default(),
            h1: Words::default(),
            main_text: Words::default(),
            body_text: Words::default(),
            in_main: 0,
            in_body: false,
            skip: None,
            place: Where::Outside,
            h1_done: false,
            noindex: false,
        }
    }

    #[inline(always)]
    fn start(&mut self, name: &'a [u8], attributes: &[Attr], self_closing: bool) {
        let mut element = None;
        for a in attributes {
            if a.name == AttrName::Url {
                let kind = element.get_or_insert_with(|| Element::of(name)).url_kind;
                self.urls.push(UrlAttribute {
                    kind,
                    value: a.value.clone(),
                });
            }
        }
        if !self.want_text {
            return;
        }
        if let Some((skipped, depth)) = self.skip.as_mut() {
            if skipped.eq_ignore_ascii_case(name) && !self_closing {
                *depth += 1;
            }
            return;
        }
        let element = element.unwrap_or_else(|| Element::of(name));
        let html = self.html;
        let attr = |n: AttrName| attributes.iter().find(|a| a.name == n);
        match element.role {
            Role::Title if !self.in_body => self.place = Where::Title,
            Role::H1 if !self.h1_done => self.place = Where::H1,
            Role::Body => self.in_body = true,
            Role::Main => self.in_main += 1,
            Role::Meta
                if attr(AttrName::Name)
                    .is_some_and(|a| html[a.value.clone()].eq_ignore_ascii_case("robots"))
                    && attr(AttrName::Content).is_some_and(|a| {
                        html[a.value.clone()]
                            .to_ascii_lowercase()
                            .contains("noindex")
                    }) =>
            {
                self.noindex = true;
            }
            _ => {}
        }
        let hidden = attr(AttrName::AriaHidden).is_some_and(|a| &html[a.value.clone()] == "true")
            || attr(AttrName::Hidden).is_some()
            || attr(AttrName::DataNosearch).is_some();
        if (element.skipped || hidden) && !self_closing && !element.void {
            self.skip = Some((name, 1));
        } else if element.block {
            self.gap();
        }
    }

    #[inline(always)]
    fn end(&mut self, name: &[u8]) {
        if !self.want_text {
            return;
        }
        if let Some((skipped, depth)) = self.skip.as_mut() {
            if skipped.eq_ignore_ascii_case(name) {
                *depth -= 1;
                if *depth == 0 {
                    self.skip = None;
                }
            }
            return;
        }
        let element = Element::of(name);
        match element.role {
            Role::Title => self.place = Where::Outside,
            Role::H1 if self.place == Where::H1 => {
                self.place = Where::Outside;
                self.h1_done = true;
            }
            Role::Main => self.in_main = self.in_main.saturating_sub(1),
            _ => {}
        }
        if element.block {
            self.gap();
        }
    }

    /// Whether taking `known` instead of reading it changes nothing: with
    /// no text wanted only its URLs count; inside a skipped element only
    /// they and tags of that element's name do.
    fn can_pass(&self, known: &Known) -> bool {
        match self.skip {
            _ if !self.want_text => true,
            Some((skipped, _)) => !known.names.iter().any(|n| skipped.eq_ignore_ascii_case(n)),
            None => false,
        }
    }

    /// Takes the URLs of `known`, which starts at `at`.
    fn pass(&mut self, at: usize, known: &Known) {
        self.urls.extend(known.urls.iter().map(|url| UrlAttribute {
            kind: url.kind,
            value: url.value.start + at..url.value.end + at,
        }));
    }

    /// Ends the current word of the page's text.
    fn gap(&mut self) {
        self.body_text.gap();
        self.main_text.gap();
    }

    #[inline(always)]
    fn text(&mut self, raw: &str) {
        if !self.want_text || self.skip.is_some() {
            return;
        }
        // Once the heading is known (and the title cannot change), a text
        // with `limit` characters after it has all it needs: a space after
        // the heading, and one more character to tell it was longer.
        let settled = self.h1_done && self.in_body && self.place == Where::Outside;
        let needed = (self.title.chars.max(self.h1.chars))
            .saturating_add(self.limit)
            .saturating_add(1);
        let enough = |words: &Words| settled && words.chars > needed;
        let text = match self.place {
            Where::Title => Some(&mut self.title),
            Where::H1 => Some(&mut self.h1),
            Where::Outside => None,
        };
        let page_text = if self.in_main > 0 {
            Some(&mut self.main_text).filter(|words| !enough(words))
        } else if self.in_body && self.main_text.is_empty() {
            Some(&mut self.body_text).filter(|words| !enough(words))
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

    fn finish(self) -> Analysis {
        if !self.want_text {
            return Analysis {
                urls: self.urls,
                text: None,
            };
        }
        let text = if self.main_text.is_empty() {
            self.body_text.text
        } else {
            self.main_text.text
        };
        Analysis {
            urls: self.urls,
            text: Some(PageText {
                title: self.title.text,
                h1: self.h1.text,
                noindex: self.noindex,
                text,
            }),
        }
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
        for at in [0, 7, 8, 15, 16, 17, 31, 32, 33, 39] {
            bytes[at] = b'<';
            assert_eq!(find(b'<', &bytes), Some(at));
            bytes[at] = b'a';
        }
        assert_eq!(find(b'<', &bytes), None);
        assert_eq!(find(b'<', b""), None);
    }

    #[test]
    fn bytes_near_the_end_are_found() {
        for len in 1..=40 {
            let mut bytes = vec![0x80 | b'<'; len];
            bytes[len - 1] = b'<';
            assert_eq!(find(b'<', &bytes), Some(len - 1), "{len}");
            assert_eq!(find(b'>', &bytes), None, "{len}");
        }
    }

    #[test]
    fn elements_are_known_in_any_case() {
        let role = |name: &[u8]| Element::of(name).role;
        assert!(role(b"MAIN") == Role::Main && role(b"h1") == Role::H1);
        assert!(role(b"Title") == Role::Title && role(b"meta") == Role::Meta);
        assert!(Element::of(b"NaV").skipped && Element::of(b"template").skipped);
        assert!(Element::of(b"BlockQuote").block && Element::of(b"figcaption").block);
        assert!(!Element::of(b"blockquotes").block && !Element::of(b"mains").block);
        assert_eq!(Element::of(b"IMG").url_kind, "image");
        assert_eq!(Element::of(b"a").url_kind, "link");
        // Names that differ only in bits the lowercasing sets.
        assert!(role(b"h-1") == Role::None && role(b"h1:") == Role::None);
        assert!(!Element::of(b"p:").block && !Element::of(b"br1").void);
    }

    #[test]
    fn words_keep_single_spaced_runs_and_collapse_the_rest() {
        let mut words = Words::default();
        for chunk in [" one two  three\n", "four five ", " six", "\tseven\u{0b}"] {
            words.push(chunk);
        }
        assert_eq!(words.text, "one two three four five six seven");
        assert_eq!(words.chars, words.text.len());
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

#[cfg(test)]
mod known_tests {
    use super::*;
    use proptest::prelude::*;

    fn urls<'h>(html: &'h str, analysis: &Analysis) -> Vec<&'h str> {
        (analysis.urls.iter())
            .map(|u| &html[u.value.clone()])
            .collect()
    }

    #[test]
    fn a_stretch_is_known_only_when_nothing_it_opens_stays_open() {
        let closed = r#"<li><a href="/a/">A</a></li><!-- c --><script>x<y</script> text & <3"#;
        let known = Known::of(closed).expect("self-contained");
        assert_eq!(known.len, closed.len());
        let found: Vec<&str> = (known.urls.iter())
            .map(|u| &closed[u.value.clone()])
            .collect();
        assert_eq!(found, ["/a/"]);
        for open in [
            "<li><a href=\"/a/",
            "<li><a href='/a/'",
            "<p>text <!-- open",
            "<script>if (a < b)",
            "<p>ends with <",
            "<p>ends with </",
            "<!doctype html",
        ] {
            assert!(Known::of(open).is_none(), "{open}");
        }
    }

    /// A page whose `<nav>` and `<main>` both hold `stretch`, where each
    /// copy starts, and a `Known` that lies about it (no URLs): the URLs
    /// the scan reports tell which copies it passed and which it read.
    fn lying(stretch: &str) -> (String, [usize; 2], Known) {
        let page = format!(
            "<html><body><nav>{stretch}</nav><main><h1>T</h1><ul>{stretch}</ul></main></body></html>"
        );
        let at = [page.find(stretch).unwrap(), page.rfind(stretch).unwrap()];
        let known = Known {
            urls: Vec::new(),
            ..Known::of(stretch).unwrap()
        };
        (page, at, known)
    }

    #[test]
    fn a_known_stretch_is_passed_in_navigation_and_read_in_the_text() {
        let stretch = r#"<li><a href="/one/">One</a></li><li><a href="/two/">Two</a></li>"#;
        let (page, [first, second], known) = lying(stretch);
        let at = [(first, &known), (second, &known)];
        let analysis = analyze_knowing(&page, Some(usize::MAX), &at);
        // Passed in <nav> (its text is not wanted), read in <main>.
        assert_eq!(urls(&page, &analysis), ["/one/", "/two/"]);
        assert!(analysis.urls[0].value.start > second);
        assert_eq!(analysis.text.unwrap().text, "T One Two");
        // With no text wanted, both are passed.
        assert!(analyze_knowing(&page, None, &at).urls.is_empty());
    }

    #[test]
    fn a_stretch_holding_the_skipped_elements_tags_is_read() {
        let stretch = r#"<nav><a href="/n/">n</a></nav>"#;
        let (page, [first, second], known) = lying(stretch);
        let at = [(first, &known), (second, &known)];
        assert!(analyze_knowing(&page, None, &at).urls.is_empty());
        let analysis = analyze_knowing(&page, Some(usize::MAX), &at);
        assert_eq!(urls(&page, &analysis), ["/n/", "/n/"]);
    }

    #[test]
    fn a_stretch_inside_a_tag_or_comment_is_read_with_it() {
        let stretch = "x <a href=\"/in/\">y</a>";
        let known = Known {
            urls: Vec::new(),
            ..Known::of(stretch).unwrap()
        };
        for page in [
            format!("<nav><!-- {stretch} --><a href=\"/after/\">a</a></nav>"),
            format!("<nav><a title=\"{stretch}\" href=\"/after/\">a</a></nav>"),
        ] {
            let at = page.find(stretch).unwrap();
            let analysis = analyze_knowing(&page, None, &[(at, &known)]);
            assert_eq!(
                analysis.urls.len(),
                analyze(&page, None).urls.len(),
                "{page}"
            );
        }
    }

    /// Pieces of markup that open, close and break tags, comments and raw
    /// text in every way the scanner tells apart.
    const PIECES: &[&str] = &[
        "<nav>",
        "</nav>",
        "<NAV>",
        "<main>",
        "</main>",
        "<h1>",
        "</h1>",
        "<title>",
        "</title>",
        "<p>",
        "</p>",
        "<a href=\"/x/\">",
        "<img src=/i.png>",
        "</a>",
        "<div aria-hidden=\"true\">",
        "</div>",
        "<!--",
        "-->",
        "<script>",
        "</script>",
        "<",
        "</",
        ">",
        "\"",
        "'",
        "=",
        " ",
        "word",
        "&amp;",
        "&am",
        "p;",
        "<br/>",
        "<meta name=robots content=noindex>",
    ];

    /// More of what a page can hold: text that is not ASCII, `<style>`,
    /// hidden elements, declarations, broken tags.
    const MORE_PIECES: &[&str] = &[
        "</Nav>",
        "<div hidden>",
        "<div data-nosearch>",
        "<style>",
        "</STYLE>",
        "<SCRIPT>",
        "</scriptx>",
        "<svg>",
        "</svg>",
        "é",
        "–→",
        "&#233;",
        "\n",
        "<!doctype x>",
        "<?x?>",
        "<x",
        "<1",
        "<a title='",
        "<body>",
    ];

    fn markup() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(PIECES);
        prop::collection::vec(pieces, 0..24).prop_map(|p| p.concat())
    }

    fn more_markup() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select([PIECES, MORE_PIECES].concat());
        prop::collection::vec(pieces, 0..16).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Several stretches, each pasted any number of times, hinted in
        /// any order (located as the publisher does): still exactly what
        /// reading gives.
        #[test]
        fn taking_several_stretches_reads_like_reading_them(
            parts in prop::collection::vec(more_markup(), 1..6),
            stretches in prop::collection::vec(more_markup(), 1..3),
            pasted in prop::collection::vec(0usize..3, 0..6),
            hinted in prop::collection::vec(0usize..3, 0..6),
            limit in prop::option::of(0usize..40),
        ) {
            let mut page = String::new();
            for (i, part) in parts.iter().enumerate() {
                page.push_str(part);
                if let Some(stretch) = pasted.get(i).and_then(|&k| stretches.get(k)) {
                    page.push_str(stretch);
                }
            }
            let known: Vec<(&str, Known)> = (stretches.iter())
                .filter(|s| !s.is_empty())
                .filter_map(|s| Some((s.as_str(), Known::of(s)?)))
                .collect();
            if known.is_empty() {
                return Ok(());
            }
            let mut found = Vec::new();
            let mut from = 0;
            for k in &hinted {
                let (stretch, known) = &known[k % known.len()];
                if let Some(offset) = page[from..].find(stretch) {
                    found.push((from + offset, known));
                    from += offset + stretch.len();
                }
            }
            let taken = analyze_knowing(&page, limit, &found);
            let read = analyze(&page, limit);
            prop_assert_eq!(format!("{taken:?}"), format!("{read:?}"));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the page around it, taking a known stretch gives
        /// exactly what reading it gives.
        #[test]
        fn taking_a_known_stretch_reads_like_reading_it(
            before in markup(),
            stretch in markup(),
            after in markup(),
            limit in prop::option::of(0usize..40),
        ) {
            let Some(known) = Known::of(&stretch) else {
                return Ok(());
            };
            prop_assume!(!stretch.is_empty());
            let page = format!("{before}{stretch}{after}");
            let at = [(before.len(), &known)];
            let taken = analyze_knowing(&page, limit, &at);
            let read = analyze(&page, limit);
            prop_assert_eq!(format!("{taken:?}"), format!("{read:?}"));
        }
    }
}
