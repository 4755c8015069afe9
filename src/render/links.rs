//! Links to files that are not in the output.
//!
//! Links between pages (`page.md#heading`) are checked while the Markdown is
//! rendered. What remains is everything else a page can point at: an image,
//! a download, a folder, a raw HTML `<a>` or `<img>`. After rendering, every
//! `href`/`src` of every HTML page that points into the site must name a file
//! of the output (a folder URL names its `index.html`). A broken one is an
//! error on the page's source file, at the line where the link is written.
//!
//! A site that cannot render (its data, pages or templates have errors)
//! still gets this check for what its pages' Markdown says, against the
//! files known without rendering ([`check_unrendered`]), so one
//! `tandem check` lists missing files together with every other error.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;

use crate::config::Config;
use crate::content::markdown::is_script_url;
use crate::content::{Content, Page};
use crate::diagnostics::{Diagnostic, Reread};
use crate::site::Site;
use crate::theme::Theme;

use super::html::{self, UrlAttribute};
use super::{assets, publish, search};

/// Every path below the base path that names an output file: each file's
/// path, and for each `index.html` its folder with and without the
/// trailing slash (`guide/`, `guide`; `` for the home page).
///
/// Looked up for every link of every page: hashed with FxHash, not
/// SipHash (the paths are the site's own, not an attacker's).
#[derive(PartialEq)]
pub struct Targets(rustc_hash::FxHashSet<String>);

impl Targets {
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a String>) -> Targets {
        let mut set = rustc_hash::FxHashSet::default();
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
/// `base_path` is the site's ([`Config::base_path`], made once per build,
/// not per page).
pub fn check_page(
    site: &Site,
    base_path: &str,
    output: &str,
    html: &str,
    urls: &[UrlAttribute],
    targets: &Targets,
) -> Vec<Diagnostic> {
    let linking = Linking {
        root: &site.root,
        content: &site.content,
        base_path,
        targets,
    };
    linking.check(output, html, urls, |_, _| false)
}

/// Site paths of the pages made from the data (features, people,
/// dashboards, the search page). Without a valid model nobody knows which
/// of them a build would have, so before rendering links below them are
/// not judged; the check after rendering covers them.
const DATA_PAGES: &[&str] = &[
    "features/",
    "people/",
    "dashboards/",
    "this-week/",
    search::PAGE_URL_PATH,
];

/// Whether the check before rendering ([`check_unrendered`]) judges a link
/// to the site path `target`: everything but the pages made from the data.
pub fn judged_before_render(target: &str) -> bool {
    !DATA_PAGES
        .iter()
        .any(|prefix| target.starts_with(prefix) || target == prefix.trim_end_matches('/'))
}

/// The output paths known before rendering: the static files of the theme
/// and of `static/` (with their published names), every handbook page and
/// section, and the fixed generated files. Only valid for site paths that
/// are [`judged_before_render`].
pub fn targets_before_render(
    root: &Path,
    config: &Config,
    content: &Content,
) -> Result<Targets, Vec<Diagnostic>> {
    let theme = Theme::load(root, &config.theme)?;
    let mut paths: Vec<String> = (theme.statics.iter())
        .map(|(path, bytes)| assets::output_path(path, bytes, config.fingerprint))
        .collect();
    paths.extend(content.all_pages().map(Page::output));
    paths.extend(content.sections.values().map(|s| s.output()));
    paths.extend(publish::GENERATED.iter().map(|p| p.to_string()));
    paths.push(publish::NOT_FOUND_PATH.to_string());
    Ok(Targets::new(&paths))
}

/// The links of a site that did not render (its data or pages have errors,
/// or its templates do): every link written in a page body (Markdown links
/// and images, raw HTML `<a>` and `<img>`) that names no file of the
/// output, reported as after rendering, so that one `tandem check` lists
/// them with the other errors. Links to pages that do not exist
/// (`gone.md`) were reported while the Markdown rendered and are skipped.
/// A theme that cannot be loaded is reported instead.
pub fn check_unrendered(root: &Path, config: &Config, content: &Content) -> Vec<Diagnostic> {
    let targets = match targets_before_render(root, config, content) {
        Ok(targets) => targets,
        Err(errors) => return errors,
    };
    let linking = Linking {
        root,
        content,
        base_path: &config.base_path(),
        targets: &targets,
    };
    let mut problems = Vec::new();
    for page in content.all_pages() {
        let output = page.output();
        let body = page.html.text();
        let urls = html::url_attributes(&body);
        problems.extend(linking.check(&output, &body, &urls, |written, target| {
            !judged_before_render(target) || page.broken_links.iter().any(|b| b == written)
        }));
    }
    problems
}

/// What checking a page's links needs to know about the site.
struct Linking<'a> {
    root: &'a Path,
    content: &'a Content,
    base_path: &'a str,
    targets: &'a Targets,
}

impl Linking<'_> {
    /// Every link of `html` (the output file `output`) that names no
    /// target, unless `skip(written, site_path)` says to leave it alone.
    fn check(
        &self,
        output: &str,
        html: &str,
        urls: &[UrlAttribute],
        skip: impl Fn(&str, &str) -> bool,
    ) -> Vec<Diagnostic> {
        let base_path = self.base_path;
        let mut problems = Vec::new();
        let mut reported = HashSet::new();
        for attribute in urls {
            let written = html::decode(&html[attribute.value.clone()]);
            let Some(target) = site_path(&written, output, base_path) else {
                continue;
            };
            if self.targets.contains(&target)
                || skip(&written, &target)
                || !reported.insert(written.to_string())
            {
                continue;
            }
            let page = (self.content.all_pages()).find(|p| p.output() == output);
            problems.push(broken(
                self.root,
                page,
                output,
                &written,
                &format!("{base_path}{target}"),
                attribute.kind,
            ));
        }
        problems
    }
}

/// The path below the base path that `url`, written in the output file
/// `from`, points at; `None` for URLs outside the site (other hosts,
/// schemes, other paths of the host) and fragment-only links.
pub fn site_path<'u>(url: &'u str, from: &str, base_path: &str) -> Option<Cow<'u, str>> {
    // The common case, a clean absolute path into the site: no allocation.
    if let Some(rest) = url.strip_prefix(base_path) {
        let bytes = url.as_bytes();
        if !url.starts_with("//") && !has_slash_dot(bytes) {
            let end = (rest.bytes())
                .position(|b| b == b'?' || b == b'#')
                .unwrap_or(rest.len());
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

/// Whether `/.` is in `url` (a `.` or `..` segment may need resolving).
/// Dots are rare in URLs, so looking for them beats looking at each pair.
fn has_slash_dot(url: &[u8]) -> bool {
    let mut from = 0;
    while let Some(offset) = html::find(b'.', &url[from..]) {
        let at = from + offset;
        if at > 0 && url[at - 1] == b'/' {
            return true;
        }
        from = at + 1;
    }
    false
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
    root: &Path,
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
    // Pages do not hold their sources once rendered: read this one again,
    // only to point at the line.
    let reread = Reread::new(root, &page.source);
    let Some(file) = reread.file() else {
        return Diagnostic::general(Some(&page.source), message).with_help(help);
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
/// Markdown destination `(target)`, as an HTML attribute value, as a
/// reference definition, or anywhere. The target must end where the link
/// does: `(../guide/)` is not found in `(../guide/page.md)`.
fn locate(text: &str, written: &str) -> Option<std::ops::Range<usize>> {
    let escaped = written.replace('&', "&amp;");
    // What comes before the target, and what may come right after it.
    let forms: [(&str, &str, &[char]); 6] = [
        ("(", written, &[')', ' ', '\t', '\r', '\n']),
        ("<", written, &['>']),
        ("\"", written, &['"']),
        ("'", written, &['\'']),
        ("\"", &escaped, &['"']),
        ("]: ", written, &[' ', '\t', '\r', '\n']),
    ];
    for (before, target, ends) in forms {
        let form = format!("{before}{target}");
        let mut from = 0;
        while let Some(at) = text[from..].find(&form).map(|at| from + at) {
            let end = at + form.len();
            if text[end..].chars().next().is_none_or(|c| ends.contains(&c)) {
                let start = at + before.len();
                return Some(start..start + target.len());
            }
            from = at + before.len();
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
    fn slash_dots_are_found_anywhere() {
        for url in ["/.", "/a/./b", "/a/../b", "/a?x=/.y", "/a#/.", "/./"] {
            assert!(has_slash_dot(url.as_bytes()), "{url}");
        }
        for url in ["", ".", "/a.b/c.d", "a./", "/style.css?v=1.2"] {
            assert!(!has_slash_dot(url.as_bytes()), "{url}");
        }
        // Resolved the slow way, the same as before.
        assert_eq!(
            site_path("/a/./b", "x/index.html", "/").as_deref(),
            Some("a/b")
        );
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

    #[test]
    fn a_link_is_found_where_it_ends_not_inside_a_longer_one() {
        let text = "See [demos](../guide/demos.md) first.\nThen [the guide](../guide/).\n\
                    [logo](logo.png \"Logo\")\n";
        let at = |written: &str| locate(text, written).map(|span| &text[..span.start]);
        assert!(at("../guide/").unwrap().ends_with("Then [the guide]("));
        assert!(at("logo.png").unwrap().ends_with("[logo]("));
        // A page with Windows line ends, the title on the next line.
        let crlf = "[a](../guide/demos.md)\r\n[b](../guide/\r\n\"Guide\")\r\n";
        let span = locate(crlf, "../guide/").unwrap();
        assert!(crlf[..span.start].ends_with("[b]("));
    }
}
