//! Relative URLs (`relative_urls = true` or `tandem build --relative-urls`):
//! after rendering, every URL attribute that points into the site (it starts
//! with the base path) becomes a path relative to the file that holds it,
//! and folder URLs name their `index.html`, so the output works when opened
//! from `file://` or copied into any folder of any host.
//!
//! From `guide/checkin/index.html`, `/guide/demos/#agenda` becomes
//! `../demos/index.html#agenda` and `/style.css` becomes `../../style.css`.
//! Applied to HTML files (including the SVG charts inside them) and to
//! `url(...)` in CSS files. External and fragment-only URLs are untouched.
//!
//! Not in `404.html`: a host serves it for a missing URL at any depth
//! (`/guide/deep/missing`), where relative links would resolve below the
//! wrong folder, and `file://` browsing never shows it. Its links stay
//! absolute from the path of `base_url` ([`super::publish`] decides).

use std::collections::HashSet;

use super::html;

/// `html` of the output file `from` with its site URLs made relative.
pub fn rewrite_html(html: &str, from: &str, base_path: &str, paths: &HashSet<String>) -> String {
    rewrite_attributes(html, &html::url_attributes(html), from, base_path, paths)
}

/// [`rewrite_html`] with the page's URL attributes already found.
pub fn rewrite_attributes(
    html: &str,
    urls: &[html::UrlAttribute],
    from: &str,
    base_path: &str,
    paths: &HashSet<String>,
) -> String {
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for attribute in urls {
        let raw = &html[attribute.value.clone()];
        let url = html::decode(raw);
        let Some(relative) = relative_url(&url, from, base_path, paths) else {
            continue;
        };
        out.push_str(&html[last..attribute.value.start]);
        out.push_str(&html::escape_attribute(&relative));
        last = attribute.value.end;
    }
    out.push_str(&html[last..]);
    out
}

/// `url(...)` references in a stylesheet.
pub fn rewrite_css(css: &str, from: &str, base_path: &str, paths: &HashSet<String>) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(at) = rest.find("url(") {
        let (before, after) = rest.split_at(at + 4);
        out.push_str(before);
        let Some(close) = after.find(')') else {
            rest = after;
            continue;
        };
        let inner = &after[..close];
        let trimmed = inner.trim();
        let (quote, url) = match trimmed.chars().next() {
            Some(q @ ('"' | '\'')) if trimmed.len() >= 2 && trimmed.ends_with(q) => {
                (Some(q), &trimmed[1..trimmed.len() - 1])
            }
            _ => (None, trimmed),
        };
        match relative_url(url, from, base_path, paths) {
            Some(relative) => {
                let q = quote.map(String::from).unwrap_or_default();
                out.push_str(&format!("{q}{relative}{q}"));
            }
            None => out.push_str(inner),
        }
        rest = &after[close..];
    }
    out.push_str(rest);
    out
}

/// The relative form of `url` as seen from the output file `from`, or
/// `None` when `url` does not point into the site.
pub fn relative_url(
    url: &str,
    from: &str,
    base_path: &str,
    paths: &HashSet<String>,
) -> Option<String> {
    if url.starts_with("//") || !url.starts_with(base_path) {
        return None;
    }
    let rest = &url[base_path.len()..];
    let (rest, fragment) = match rest.find('#') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (path, query) = match rest.find('?') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let target = resolve_file(path, paths);
    Some(format!("{}{query}{fragment}", relative_path(from, &target)))
}

/// The output file a site path names: a folder's `index.html`, or the
/// file itself.
pub fn resolve_file(path: &str, paths: &HashSet<String>) -> String {
    if path.is_empty() || path.ends_with('/') {
        return format!("{path}index.html");
    }
    if !paths.contains(path) && paths.contains(&format!("{path}/index.html")) {
        return format!("{path}/index.html");
    }
    path.to_string()
}

/// A path from the folder of the file `from` to the file `to`, both
/// relative to the output root.
pub fn relative_path(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let (to_dirs, to_name) = to_parts.split_at(to_parts.len() - 1);
    let common = from_dirs
        .iter()
        .zip(to_dirs)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<&str> = vec![".."; from_dirs.len() - common];
    parts.extend(&to_dirs[common..]);
    parts.push(to_name[0]);
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> HashSet<String> {
        [
            "index.html",
            "style.css",
            "guide/demos/index.html",
            "a/b/index.html",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    #[test]
    fn paths_are_relative_to_the_file() {
        assert_eq!(
            relative_path("guide/checkin/index.html", "guide/demos/index.html"),
            "../demos/index.html"
        );
        assert_eq!(relative_path("index.html", "style.css"), "style.css");
        assert_eq!(
            relative_path("a/b/index.html", "index.html"),
            "../../index.html"
        );
        assert_eq!(
            relative_path("a/index.html", "a/b/index.html"),
            "b/index.html"
        );
    }

    #[test]
    fn site_urls_become_relative_and_others_stay() {
        let p = paths();
        let from = "guide/checkin/index.html";
        let r = |u: &str| relative_url(u, from, "/teams/x/", &p);
        assert_eq!(
            r("/teams/x/guide/demos/#top").as_deref(),
            Some("../demos/index.html#top")
        );
        assert_eq!(r("/teams/x/").as_deref(), Some("../../index.html"));
        assert_eq!(
            r("/teams/x/style.css?v=1").as_deref(),
            Some("../../style.css?v=1")
        );
        assert_eq!(r("/teams/x/a/b").as_deref(), Some("../../a/b/index.html"));
        assert_eq!(r("/teams/other/"), None);
        assert_eq!(r("https://x.example/teams/x/"), None);
        assert_eq!(r("#top"), None);
        assert_eq!(relative_url("//cdn.example/x", from, "/", &p), None);
    }

    #[test]
    fn html_and_css_are_rewritten_in_place() {
        let p = paths();
        let html = r#"<a href="/guide/demos/?a=1&amp;b=2">x</a> <a href="https://e.example/">e</a> <img src=/style.css>"#;
        assert_eq!(
            rewrite_html(html, "a/b/index.html", "/", &p),
            r#"<a href="../../guide/demos/index.html?a=1&amp;b=2">x</a> <a href="https://e.example/">e</a> <img src=../../style.css>"#
        );
        let css = "a{background:url(\"/img/x.png\")} b{background:url(data:x)}";
        assert_eq!(
            rewrite_css(css, "css/site.css", "/", &p),
            "a{background:url(\"../img/x.png\")} b{background:url(data:x)}"
        );
    }
}
