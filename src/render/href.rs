//! The `href` filter: a URL from the data, as a link may hold it.
//!
//! Data files hold URLs as people paste or type them: with a space, a
//! quote or a `|` now and then, or a line break at the end of a
//! multi-line string. Escaped, such a URL cannot break out of its
//! attribute, but it is still not a valid URL, so the page is not valid
//! HTML. This filter writes the URL a browser's parser would make of it,
//! in the form a valid URL takes, on the way to the page: the data keeps
//! what was written (`data.json` shows it as it is).

use std::borrow::Cow;
use std::fmt::Write as _;

use tera::{Kwargs, State, Tera};

/// The filter's name in templates.
pub const NAME: &str = "href";

/// Registers the filter on `tera`.
pub fn register(tera: &mut Tera) {
    tera.register_filter(NAME, |url: &str, _: Kwargs, _: &State| {
        valid_url(url).into_owned()
    });
}

/// `url` as a valid URL, read as a browser's URL parser reads it: without
/// spaces and control characters at either end, without tabs and line
/// breaks, with `\` as `/` in an http(s) URL; and with every character a
/// valid URL cannot hold percent-encoded (as UTF-8): an ASCII character
/// other than letters, digits and ``!$&'()*+,-./:;=?@_~``, a `%` that
/// starts no `%XX`, a `#` after the first, `[` and `]` outside the host,
/// and control characters and Unicode noncharacters. Other non-ASCII
/// characters are valid as they are (the WHATWG URL standard's "URL code
/// points").
pub fn valid_url(url: &str) -> Cow<'_, str> {
    let trimmed = url.trim_matches(|c: char| c <= ' ');
    let web = ["http:", "https:"].iter().any(|scheme| {
        (trimmed.get(..scheme.len())).is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    });
    let dropped = |c: char| matches!(c, '\t' | '\n' | '\r');
    if trimmed.len() == url.len() && !url.chars().any(|c| dropped(c) || (web && c == '\\')) {
        return encoded(url);
    }
    let read: String = (trimmed.chars())
        .filter(|&c| !dropped(c))
        .map(|c| if web && c == '\\' { '/' } else { c })
        .collect();
    Cow::Owned(encoded(&read).into_owned())
}

/// `url` with what a valid URL cannot hold percent-encoded (see
/// [`valid_url`]).
fn encoded(url: &str) -> Cow<'_, str> {
    let host = host_range(url);
    let keeps = |at: usize, c: char, fragment: &mut bool| match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' => true,
        '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | '-' | '.' | '/' | ':' | ';'
        | '=' | '?' | '@' | '_' | '~' => true,
        '%' => (url.as_bytes().get(at + 1..at + 3))
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
        '#' => !std::mem::replace(fragment, true),
        '[' | ']' => host.contains(&at),
        c if c.is_ascii() || c.is_control() => false,
        c => !is_noncharacter(c),
    };
    let mut fragment = false;
    let first_bad = url
        .char_indices()
        .find(|&(at, c)| !keeps(at, c, &mut fragment));
    let Some((start, _)) = first_bad else {
        return Cow::Borrowed(url);
    };
    let mut out = String::with_capacity(url.len() + 16);
    out.push_str(&url[..start]);
    let mut fragment = url[..start].contains('#');
    for (at, c) in url[start..].char_indices().map(|(i, c)| (i + start, c)) {
        if keeps(at, c, &mut fragment) {
            out.push(c);
        } else {
            for byte in c.encode_utf8(&mut [0; 4]).bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    Cow::Owned(out)
}

/// Where the host of `url` is (after `scheme://`, up to the path, query
/// or fragment): the only place a `[` or `]` (of an IPv6 address) may be.
fn host_range(url: &str) -> std::ops::Range<usize> {
    let Some(after) = url.find("://").map(|at| at + 3) else {
        return 0..0;
    };
    let end = url[after..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |at| at + after);
    after..end
}

/// U+FDD0 to U+FDEF, and the last two code points of every plane.
fn is_noncharacter(c: char) -> bool {
    let c = c as u32;
    (0xFDD0..=0xFDEF).contains(&c) || c & 0xFFFE == 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::valid_url;

    #[test]
    fn a_valid_url_is_left_as_it_is() {
        for url in [
            "https://video.example/watch?v=1&t=2m#at-3",
            "https://drive.example/My%20Recording.mp4",
            "http://[2001:db8::1]:8080/a/(b)/c;d=e?f=g,h*i+j!k$l'm@n~o",
            "https://wiki.example/Démo_équipe",
        ] {
            assert!(
                matches!(valid_url(url), std::borrow::Cow::Borrowed(_)),
                "{url}"
            );
        }
    }

    #[test]
    fn what_a_url_cannot_hold_is_percent_encoded() {
        assert_eq!(
            valid_url("https://drive.example/My Recording.mp4"),
            "https://drive.example/My%20Recording.mp4"
        );
        assert_eq!(
            valid_url("https://video.example/watch?v=1&x=\"><script>alert('x')</script>"),
            "https://video.example/watch?v=1&x=%22%3E%3Cscript%3Ealert('x')%3C/script%3E"
        );
        assert_eq!(
            valid_url("https://e.example/a|b^c`d{e}f\\g[h]?100%#x#y"),
            "https://e.example/a%7Cb%5Ec%60d%7Be%7Df/g%5Bh%5D?100%25#x%23y"
        );
        assert_eq!(
            valid_url("https://e.example/\u{1}\u{7f}\u{85}\u{FFFF}"),
            "https://e.example/%01%7F%C2%85%EF%BF%BF"
        );
        // A `#` in the part before the first bad character still counts.
        assert_eq!(
            valid_url("https://e.example/#a b#c"),
            "https://e.example/#a%20b%23c"
        );
    }

    #[test]
    fn what_a_browser_drops_or_turns_is_dropped_or_turned() {
        // Pasted with a space before it, or ended by a multi-line string's
        // line break: the link leads where the browser would take it.
        assert_eq!(valid_url(" https://v.example/x\n"), "https://v.example/x");
        assert_eq!(
            valid_url("https://v.example/a\tb\r\nc d"),
            "https://v.example/abc%20d"
        );
        assert_eq!(
            valid_url("HTTPS://v.example\\talks\\1"),
            "HTTPS://v.example/talks/1"
        );
        // Only web URLs read `\` as `/`.
        assert_eq!(valid_url("mailto:a\\b"), "mailto:a%5Cb");
    }
}
