//! Links to files that are not in the output.
//!
//! Links between pages (`page.md#heading`) are checked while the Markdown is
//! rendered. What remains is everything else a page can point at: an image,
//! a download, a folder, a raw HTML `<a>` or `<img>`. After rendering, every
//! `href`/`src` of every HTML page that points into the site must name a file
//! of the output (a folder URL names its `index.html`). A broken one is an
//! error on the page's source file, at the line where the link is written.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::content::markdown::is_script_url;
use crate::content::Page;
use crate::diagnostics::{Diagnostic, SourceFile};
use crate::site::Site;

use super::html::{self, UrlAttribute};

/// Every path below the base path that names an output file: each file's
/// path, and for each `index.html` its folder with and without the
/// trailing slash (`guide/`, `guide`; `` for the home page).
pub struct Targets(HashSet<String>);

impl Targets {
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a String>) -> Targets {
        let mut set = HashSet::new();
        for path in paths {
            if path == "index.html" {
                set.insert(String::new());
            } else if let Some(folder) = path.strip_suffix("/index.html") {
                set.insert(folder.to_string());
                set.insert(format!("{folder}/"));
            }
            set.insert(path.clone());
        }
        Targets(set)
    }

    pub fn contains(&self, site_path: &str) -> bool {
        self.0.contains(site_path)
    }
}

/// Every link of the rendered page `output` (its HTML is `html`, its URL
/// attributes `urls`) that points into the site but names no output file.
pub fn check_page(
    site: &Site,
    output: &str,
    html: &str,
    urls: &[UrlAttribute],
    targets: &Targets,
) -> Vec<Diagnostic> {
    let base_path = site.config.base_path();
    let mut problems = Vec::new();
    let mut reported = HashSet::new();
    for attribute in urls {
        let written = html::decode(&html[attribute.value.clone()]);
        let Some(target) = site_path(&written, output, &base_path) else {
            continue;
        };
        if targets.contains(&target) || !reported.insert(written.to_string()) {
            continue;
        }
        let page = site
            .content
            .all_pages()
            .find(|p| format!("{}index.html", p.path) == output);
        problems.push(broken(
            site,
            page,
            output,
            &written,
            &format!("{base_path}{target}"),
            attribute.kind,
        ));
    }
    problems
}

/// The path below the base path that `url`, written in the output file
/// `from`, points at; `None` for URLs outside the site (other hosts,
/// schemes, other paths of the host) and fragment-only links.
pub fn site_path<'u>(url: &'u str, from: &str, base_path: &str) -> Option<Cow<'u, str>> {
    // The common case, a clean absolute path into the site: no allocation.
    if let Some(rest) = url.strip_prefix(base_path) {
        if !url.starts_with("//") && !url.contains("/.") {
            let end = rest.find(['?', '#']).unwrap_or(rest.len());
            return Some(Cow::Borrowed(&rest[..end]));
        }
    }
    let url = url.trim();
    if url.is_empty() || url.starts_with('#') || url.starts_with("//") || is_script_url(url) {
        return None;
    }
    let has_scheme = url.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && !scheme.contains('/')
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if has_scheme {
        return None;
    }
    let path = url.split(['#', '?']).next().unwrap_or("");
    let absolute = if path.starts_with('/') {
        path.to_string()
    } else {
        let folder = from.rsplit_once('/').map(|(f, _)| f).unwrap_or("");
        let folder = if folder.is_empty() {
            String::new()
        } else {
            format!("{folder}/")
        };
        format!("{base_path}{folder}{path}")
    };
    let normalized = normalize(&absolute);
    let inside = normalized.strip_prefix(base_path).map(str::to_string);
    // `/teams/x` (no slash) is the site root too.
    inside
        .or_else(|| (normalized == base_path.trim_end_matches('/')).then(String::new))
        .map(Cow::Owned)
}

/// Resolves `.` and `..` segments of an absolute URL path, keeping a
/// trailing slash.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if (path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..")) && out != "/" {
        out.push('/');
    }
    out
}

fn broken(
    site: &Site,
    page: Option<&Page>,
    output: &str,
    written: &str,
    url: &str,
    what: &str,
) -> Diagnostic {
    let message =
        format!("{what} `{written}` points at {url}, but the site has no such file or page");
    let help = "files are published from static/ (static/img/x.png becomes /img/x.png); \
                a relative link is resolved from the page's URL, not from its .md file";
    let Some(page) = page else {
        return Diagnostic::general(
            None,
            format!("{output}: {message} (the link comes from a template)"),
        )
        .with_help("fix the template that writes this link");
    };
    // A valid site no longer holds its sources in memory; read this one
    // again, only to point at the line.
    let reread;
    let file = match site.content.file(&page.source) {
        Some(file) => file,
        None => match std::fs::read_to_string(site.root.join(&page.source)) {
            Ok(text) => {
                reread = SourceFile::new(page.source.clone(), text);
                &reread
            }
            Err(_) => return Diagnostic::general(Some(&page.source), message).with_help(help),
        },
    };
    match locate(&file.text, written) {
        Some(span) => file.error(span, message).with_help(help),
        None => Diagnostic::general(
            Some(&page.source),
            format!("{message} (the link comes from a template)"),
        )
        .with_help("fix the template that writes this link"),
    }
}

/// Where the link target `written` appears in a Markdown source: as a
/// Markdown destination `(target`, as an HTML attribute value, or anywhere.
fn locate(text: &str, written: &str) -> Option<std::ops::Range<usize>> {
    let escaped = written.replace('&', "&amp;");
    let forms = [
        format!("({written}"),
        format!("<{written}>"),
        format!("\"{written}\""),
        format!("'{written}'"),
        format!("\"{escaped}\""),
        format!("]: {written}"),
    ];
    for form in &forms {
        if let Some(at) = text.find(form.as_str()) {
            let start = at
                + form
                    .find(written)
                    .or_else(|| form.find(&escaped))
                    .unwrap_or(0);
            return Some(start..start + written.len());
        }
    }
    text.find(written).map(|at| at..at + written.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_paths_resolve_from_the_page() {
        let from = "guide/checkin/index.html";
        let p = |u: &str| site_path(u, from, "/t/").map(|c| c.into_owned());
        assert_eq!(p("img/x.png").as_deref(), Some("guide/checkin/img/x.png"));
        assert_eq!(p("../demos/#a").as_deref(), Some("guide/demos/"));
        assert_eq!(p("/t/style.css?v=2").as_deref(), Some("style.css"));
        assert_eq!(p("/t").as_deref(), Some(""));
        assert_eq!(p("../../../../x").as_deref(), None);
        assert_eq!(p("/other/x"), None);
        assert_eq!(p("https://e.example/t/x"), None);
        assert_eq!(p("mailto:a@b.example"), None);
        assert_eq!(p("#top"), None);
        assert_eq!(p(""), None);
    }

    #[test]
    fn targets_know_folders_with_and_without_slash() {
        let paths = [
            "index.html".to_string(),
            "a/b/index.html".into(),
            "s.css".into(),
        ];
        let t = Targets::new(&paths);
        for ok in ["", "a/b/", "a/b", "a/b/index.html", "s.css"] {
            assert!(t.contains(ok), "{ok}");
        }
        assert!(!t.contains("a/") && !t.contains("s.css/"));
    }

    #[test]
    fn links_are_found_in_the_source() {
        let text = "a\n\n![x](img/gone.png)\n<img src=\"b.png\">\n";
        assert_eq!(locate(text, "img/gone.png"), Some(8..20));
        assert_eq!(locate(text, "b.png"), Some(32..37));
        assert_eq!(locate(text, "c.png"), None);
    }
}
