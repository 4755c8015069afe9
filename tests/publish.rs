//! Publishing: the repository's own site built under a sub-path and crawled
//! link by link (absolute and relative URLs), the search index, sitemap and
//! Atom feed parsed and compared with what the site holds, `tandem check`
//! finding broken links, anchors and images with file and line, and the
//! hosting files (netlify.toml, the CI workflow) saying what they must.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use common::{git, stderr, Fixture, EPOCH};
use serde_json::Value;

const BASE_URL: &str = "https://intranet.example/teams/payments/";
const BASE_PATH: &str = "/teams/payments/";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `tandem <args> --root <root>` with the tests' fixed date.
fn tandem(root: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("tandem")
        .unwrap()
        .args(args)
        .arg("--root")
        .arg(root)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap()
}

/// Builds the repository's own site into a fresh folder.
fn build_example(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let mut args = vec!["build", "--base-url", BASE_URL, "--output"];
    let out_arg = out.to_string_lossy().into_owned();
    args.push(&out_arg);
    args.extend_from_slice(extra);
    let output = tandem(repo(), &args);
    assert!(
        output.status.success(),
        "build failed:\n{}",
        stderr(&output)
    );
    (dir, out)
}

/// Every file below `dir`, relative, with `/` separators.
fn files_below(dir: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

// ---- A small HTML tokenizer, independent of the one in src/ -------------

#[derive(Debug, Clone)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn unescape(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Start tags with their attributes (values unescaped), skipping comments
/// and the insides of `<script>` and `<style>`.
fn tags(html: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let chars: Vec<char> = html.chars().collect();
    let mut i = 0;
    let starts_with = |i: usize, s: &str| -> bool {
        s.chars()
            .enumerate()
            .all(|(k, c)| chars.get(i + k).is_some_and(|d| d.eq_ignore_ascii_case(&c)))
    };
    while i < chars.len() {
        if chars[i] != '<' {
            i += 1;
            continue;
        }
        if starts_with(i, "<!--") {
            while i < chars.len() && !starts_with(i, "-->") {
                i += 1;
            }
            i += 3;
            continue;
        }
        if !chars.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
            i += 1;
            continue;
        }
        i += 1;
        let mut name = String::new();
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '>' && chars[i] != '/' {
            name.push(chars[i].to_ascii_lowercase());
            i += 1;
        }
        let mut attrs = Vec::new();
        loop {
            while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
                i += 1;
            }
            if i >= chars.len() || chars[i] == '>' {
                i += 1;
                break;
            }
            let mut attr = String::new();
            while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' && chars[i] != '>'
            {
                attr.push(chars[i].to_ascii_lowercase());
                i += 1;
            }
            let mut value = String::new();
            if chars.get(i) == Some(&'=') {
                i += 1;
                if let Some(&q) = chars.get(i).filter(|c| **c == '"' || **c == '\'') {
                    i += 1;
                    while i < chars.len() && chars[i] != q {
                        value.push(chars[i]);
                        i += 1;
                    }
                    i += 1;
                } else {
                    while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '>' {
                        value.push(chars[i]);
                        i += 1;
                    }
                }
            }
            attrs.push((attr, unescape(&value)));
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            while i < chars.len() && !starts_with(i, &close) {
                i += 1;
            }
        }
        out.push(Tag { name, attrs });
    }
    out
}

const URL_ATTRS: &[&str] = &["href", "src", "action", "xlink:href", "poster"];

fn is_external(url: &str) -> bool {
    url.starts_with("//")
        || url.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
        })
}

/// Every `id` in every HTML file.
fn ids(dir: &Path, files: &BTreeSet<String>) -> HashMap<String, BTreeSet<String>> {
    files
        .iter()
        .filter(|f| f.ends_with(".html"))
        .map(|f| {
            let html = fs::read_to_string(dir.join(f)).unwrap();
            let ids = tags(&html)
                .iter()
                .filter_map(|t| t.attr("id").map(String::from))
                .collect();
            (f.clone(), ids)
        })
        .collect()
}

/// Resolves `.` and `..` in a `/`-separated path.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// URLs are absolute paths under the base path (served over HTTP).
    Absolute,
    /// URLs are relative file paths (opened from file://).
    Relative,
}

/// Where a host serves `404.html` in the crawl: for a missing URL at any
/// depth, so its links are followed as from this folder.
const MISSING_FOLDER: &str = "guide/deep/missing";

/// Checks every link of every HTML file below `dir`; returns the problems
/// and how many internal links were followed. `404.html` is read as served
/// for a missing URL below [`MISSING_FOLDER`] (its links must be absolute
/// even in a relative build; `file://` never shows it).
fn crawl(dir: &Path, mode: Mode) -> (Vec<String>, usize) {
    let files = files_below(dir);
    let ids = ids(dir, &files);
    let mut problems = Vec::new();
    let mut followed = 0;
    for file in files.iter().filter(|f| f.ends_with(".html")) {
        let html = fs::read_to_string(dir.join(file)).unwrap();
        let not_found = file == "404.html";
        let folder = match file.rsplit_once('/') {
            _ if not_found => MISSING_FOLDER,
            Some((folder, _)) => folder,
            None => "",
        };
        // From file:// (relative mode), every link must be relative.
        let from_file = mode == Mode::Relative && !not_found;
        for tag in tags(&html) {
            for (name, url) in &tag.attrs {
                if !URL_ATTRS.contains(&name.as_str()) || url.is_empty() || is_external(url) {
                    continue;
                }
                let (rest, fragment) = match url.split_once('#') {
                    Some((r, f)) => (r, Some(f)),
                    None => (url.as_str(), None),
                };
                let rest = rest.split('?').next().unwrap();
                let target = if rest.is_empty() {
                    Some(file.clone())
                } else if let Some(absolute) = rest.strip_prefix('/') {
                    if from_file {
                        problems.push(format!("{file}: absolute URL {url} in a relative build"));
                        continue;
                    }
                    match rest.strip_prefix(BASE_PATH) {
                        Some(inside) => normalize(inside),
                        None => {
                            problems.push(format!(
                                "{file}: {url} escapes the base path {BASE_PATH} ({absolute})"
                            ));
                            continue;
                        }
                    }
                } else {
                    normalize(&format!("{folder}/{rest}"))
                };
                let Some(mut target) = target else {
                    problems.push(format!("{file}: {url} leaves the site"));
                    continue;
                };
                if rest.ends_with('/') || target.is_empty() {
                    if from_file {
                        problems.push(format!("{file}: folder link {url} does not name index.html (breaks on file://)"));
                    }
                    target = if target.is_empty() {
                        "index.html".into()
                    } else {
                        format!("{target}/index.html")
                    };
                }
                followed += 1;
                if !files.contains(&target) {
                    problems.push(format!(
                        "{file}: <{} {name}=\"{url}\"> -> {target}, which does not exist",
                        tag.name
                    ));
                    continue;
                }
                if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
                    if target.ends_with(".html") && !ids[&target].contains(fragment) {
                        problems.push(format!("{file}: {url}: no id=\"{fragment}\" in {target}"));
                    }
                }
            }
        }
    }
    (problems, followed)
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// HTML pages a reader can land on (not the 404 and search pages).
fn content_pages(files: &BTreeSet<String>) -> BTreeSet<String> {
    files
        .iter()
        .filter(|f| f.ends_with(".html") && *f != "404.html" && *f != "search/index.html")
        .map(|f| format!("{BASE_PATH}{}", f.strip_suffix("index.html").unwrap_or(f)))
        .collect()
}

// ---- Links ----------------------------------------------------------------

#[test]
fn every_link_of_the_example_site_resolves_under_a_sub_path() {
    let (_dir, out) = build_example(&[]);
    let (problems, followed) = crawl(&out, Mode::Absolute);
    assert!(
        problems.is_empty(),
        "{} broken:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(followed > 2000, "only {followed} links followed");
    // Chart bubbles, feed and assets are among them, under the base path.
    let matrix = fs::read_to_string(out.join("dashboards/matrix/index.html")).unwrap();
    assert!(matrix.contains("<svg"), "the matrix is an inline SVG");
    assert!(
        matrix.contains("href=\"/teams/payments/features/"),
        "chart links"
    );
    let home = fs::read_to_string(out.join("index.html")).unwrap();
    let head_links: Vec<Tag> = tags(&home)
        .into_iter()
        .filter(|t| t.name == "link" || t.name == "script")
        .collect();
    assert!(head_links
        .iter()
        .any(|t| t.attr("type") == Some("application/atom+xml")
            && t.attr("href") == Some("/teams/payments/feed.xml")));
    assert!(head_links.iter().any(|t| t.name == "script"
        && t.attr("src") == Some("/teams/payments/search.js")
        && t.attr("defer").is_some()));
}

#[test]
fn with_relative_urls_the_site_works_from_any_folder() {
    let (dir, out) = build_example(&["--relative-urls"]);
    // Opened from elsewhere, as from file:// or another host's folder.
    let moved = dir.path().join("somewhere/else/handbook");
    copy_dir(&out, &moved);
    fs::remove_dir_all(&out).unwrap();
    let (problems, followed) = crawl(&moved, Mode::Relative);
    assert!(
        problems.is_empty(),
        "{} broken:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(followed > 2000, "only {followed} links followed");
    let page = fs::read_to_string(moved.join("collaboration/demos/index.html")).unwrap();
    assert!(page.contains("href=\"../../style.css\""), "stylesheet");
    assert!(
        page.contains("href=\"../feasibility-check-in/index.html"),
        "page link"
    );
    // Search still works from file://: the index also comes as a script.
    let script = fs::read_to_string(moved.join("search-index.js")).unwrap();
    assert!(script.starts_with("window.TANDEM_SEARCH_INDEX = {"));
}

#[test]
fn in_a_relative_build_the_404_page_links_from_the_base_path_at_any_depth() {
    let site = Fixture::new();
    let out = site.path("public");
    let output = site.tandem(&[
        "build",
        "--relative-urls",
        "--fingerprint",
        "--base-url",
        BASE_URL,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    // Every page works from file://, and the 404 page when a host serves
    // it for /teams/payments/guide/deep/missing/.
    let (problems, followed) = crawl(&out, Mode::Relative);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(followed > 100, "only {followed} links followed");
    let not_found = fs::read_to_string(out.join("404.html")).unwrap();
    let internal: Vec<String> = tags(&not_found)
        .iter()
        .flat_map(|t| t.attrs.iter())
        .filter(|(name, url)| {
            URL_ATTRS.contains(&name.as_str()) && !is_external(url) && !url.starts_with('#')
        })
        .map(|(_, url)| url.clone())
        .collect();
    assert!(internal.len() > 10, "{internal:?}");
    for url in &internal {
        assert!(url.starts_with(BASE_PATH), "{url} is not under {BASE_PATH}");
    }
    let stylesheet = tags(&not_found)
        .into_iter()
        .find(|t| t.name == "link" && t.attr("rel") == Some("stylesheet"))
        .and_then(|t| t.attr("href").map(String::from))
        .unwrap();
    assert!(
        stylesheet.starts_with("/teams/payments/style.") && stylesheet.ends_with(".css"),
        "{stylesheet}"
    );
    // The other pages stay relative.
    let page = fs::read_to_string(out.join("guide/demos/index.html")).unwrap();
    assert!(page.contains("href=\"../../style."), "relative stylesheet");
}

#[test]
fn the_theme_needs_no_inline_script_or_style() {
    let (_dir, out) = build_example(&[]);
    let mut problems = Vec::new();
    for file in files_below(&out).iter().filter(|f| f.ends_with(".html")) {
        let html = fs::read_to_string(out.join(file)).unwrap();
        for tag in tags(&html) {
            if tag.name == "script" && tag.attr("src").is_none() {
                problems.push(format!("{file}: inline <script>"));
            }
            if tag.name == "style" {
                problems.push(format!("{file}: <style> element"));
            }
            for (name, _) in &tag.attrs {
                if name == "style" || name.starts_with("on") {
                    problems.push(format!("{file}: {name}= on <{}>", tag.name));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn fingerprinted_assets_are_linked_by_their_hashed_names() {
    let (_dir, out) = build_example(&["--fingerprint"]);
    let files = files_below(&out);
    let hashed = |stem: &str, ext: &str| -> String {
        let found: Vec<&String> = files
            .iter()
            .filter(|f| {
                f.strip_prefix(&format!("{stem}."))
                    .and_then(|r| r.strip_suffix(&format!(".{ext}")))
                    .is_some_and(|h| h.len() == 8 && h.chars().all(|c| c.is_ascii_hexdigit()))
            })
            .collect();
        assert_eq!(found.len(), 1, "{stem}.<hash>.{ext} in {files:?}");
        found[0].clone()
    };
    let style = hashed("style", "css");
    let script = hashed("search", "js");
    assert!(!files.contains("style.css") && !files.contains("search.js"));
    let page = fs::read_to_string(out.join("people/index.html")).unwrap();
    assert!(
        page.contains(&format!("href=\"{BASE_PATH}{style}\"")),
        "{style}"
    );
    assert!(
        page.contains(&format!("src=\"{BASE_PATH}{script}\"")),
        "{script}"
    );
    // Deterministic: the same input gives the same names.
    let (_dir2, again) = build_example(&["--fingerprint"]);
    assert!(again.join(&style).exists() && again.join(&script).exists());
    let (problems, _) = crawl(&out, Mode::Absolute);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---- Search index, sitemap, feed -------------------------------------------

#[test]
fn the_search_index_holds_every_page_once_with_title_and_url() {
    let (_dir, out) = build_example(&[]);
    let files = files_below(&out);
    let index: Value =
        serde_json::from_str(&fs::read_to_string(out.join("search-index.json")).unwrap()).unwrap();
    assert_eq!(index["version"], 1);
    let pages = index["pages"].as_array().unwrap();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for page in pages {
        let url = page["url"].as_str().unwrap();
        let title = page["title"].as_str().unwrap();
        let section = page["section"].as_str().unwrap();
        let text = page["text"].as_str().unwrap();
        *seen.entry(url.to_string()).or_default() += 1;
        assert!(!title.trim().is_empty(), "{url} has no title");
        assert!(!section.is_empty(), "{url} has no section");
        assert!(
            text.chars().count() <= tandem::render::search::MAX_TEXT,
            "{url}: text not truncated"
        );
        assert!(
            !text.contains("</") && !text.contains("<a ") && !text.contains("&lt;"),
            "{url}: markup left in text"
        );
        let file = format!("{}index.html", url.strip_prefix(BASE_PATH).unwrap());
        let html = fs::read_to_string(out.join(&file)).unwrap_or_else(|e| panic!("{url}: {e}"));
        let h1 = html
            .split("<h1")
            .nth(1)
            .map(|h| h.split("</h1>").next().unwrap())
            .unwrap_or("");
        let h1_text: String = tags_text(h1);
        assert_eq!(title, h1_text.trim(), "{url}: title is the page's heading");
    }
    let duplicates: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicates.is_empty(),
        "listed more than once: {duplicates:?}"
    );
    let listed: BTreeSet<String> = seen.into_keys().collect();
    assert_eq!(listed, content_pages(&files));
    // Handbook pages, feature pages and dashboards, each under its section.
    let section_of = |url: &str| -> String {
        pages.iter().find(|p| p["url"] == url).unwrap()["section"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        section_of("/teams/payments/features/typeahead-search/"),
        "Features"
    );
    assert_eq!(
        section_of("/teams/payments/dashboards/checkins/"),
        "Dashboards"
    );
    assert_eq!(
        section_of("/teams/payments/rituals/planning-meeting/"),
        "Rituals"
    );
    let typeahead = pages
        .iter()
        .find(|p| p["url"] == "/teams/payments/features/typeahead-search/")
        .unwrap();
    assert!(
        typeahead["text"]
            .as_str()
            .unwrap()
            .contains("People search"),
        "{typeahead}"
    );
}

/// The text of an HTML fragment: tags dropped, entities decoded.
fn tags_text(fragment: &str) -> String {
    let fragment = fragment.split_once('>').map(|(_, r)| r).unwrap_or(fragment);
    let mut text = String::new();
    let mut in_tag = false;
    for c in fragment.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    unescape(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_sitemap_lists_every_page_under_the_base_url() {
    let (_dir, out) = build_example(&[]);
    let files = files_below(&out);
    let xml = fs::read_to_string(out.join("sitemap.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("sitemap.xml is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "urlset");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    let mut locs = BTreeSet::new();
    let mut with_lastmod = 0;
    for url in root.children().filter(|n| n.is_element()) {
        assert_eq!(url.tag_name().name(), "url");
        let loc = url
            .children()
            .find(|n| n.has_tag_name("loc"))
            .unwrap()
            .text()
            .unwrap();
        assert!(loc.starts_with(BASE_URL), "{loc}");
        assert!(locs.insert(loc.to_string()), "{loc} twice");
        if let Some(lastmod) = url.children().find(|n| n.has_tag_name("lastmod")) {
            let date = lastmod.text().unwrap();
            assert_eq!(date.len(), 10, "{date}");
            assert!(
                date <= "2026-11-25",
                "{loc}: lastmod {date} after the build date"
            );
            with_lastmod += 1;
        }
    }
    let expected: BTreeSet<String> = content_pages(&files)
        .iter()
        .map(|p| format!("https://intranet.example{p}"))
        .collect();
    assert_eq!(locs, expected);
    assert_eq!(
        with_lastmod,
        locs.len(),
        "every page has a date (git or file time)"
    );
}

#[test]
fn the_atom_feed_lists_every_demo_and_check_in_held_newest_first() {
    let (_dir, out) = build_example(&[]);
    let files = files_below(&out);
    let (site, _) = tandem::site::Site::load(&tandem::site::BuildOptions {
        root: repo().to_path_buf(),
        base_url: Some(BASE_URL.into()),
        today: tandem::calendar::Date::from_ymd(2026, 11, 25),
        ..Default::default()
    })
    .unwrap();
    let xml = fs::read_to_string(out.join("feed.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("feed.xml is well-formed XML");
    let atom = "http://www.w3.org/2005/Atom";
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(feed.tag_name().namespace(), Some(atom));
    for required in ["id", "title", "updated", "author"] {
        assert!(
            feed.children().any(|n| n.has_tag_name((atom, required))),
            "feed has no <{required}>"
        );
    }
    let entries: Vec<roxmltree::Node> = feed
        .children()
        .filter(|n| n.has_tag_name((atom, "entry")))
        .collect();
    // The example's check-in booked for December is not in it.
    assert!(site.model.checkins.iter().any(|c| c.scheduled));
    assert_eq!(
        entries.len(),
        site.model.held_checkins().count() + site.model.given_demos().count()
    );
    let child = |e: &roxmltree::Node, name: &str| -> String {
        e.children()
            .find(|n| n.has_tag_name((atom, name)))
            .unwrap_or_else(|| panic!("entry without <{name}>"))
            .text()
            .unwrap_or("")
            .to_string()
    };
    let mut ids = BTreeSet::new();
    let mut previous = String::from("9999");
    let mut demos = 0;
    for entry in &entries {
        let id = child(entry, "id");
        assert!(id.starts_with("tag:intranet.example,20"), "{id}");
        assert!(ids.insert(id.clone()), "{id} twice");
        let updated = child(entry, "updated");
        assert!(
            updated.ends_with("T00:00:00Z") && updated.len() == 20,
            "{updated}"
        );
        assert!(
            updated <= previous,
            "not newest first: {updated} after {previous}"
        );
        previous = updated;
        assert!(!child(entry, "title").is_empty());
        let link = entry
            .children()
            .find(|n| n.has_tag_name((atom, "link")) && n.attribute("rel") == Some("alternate"))
            .and_then(|n| n.attribute("href"))
            .unwrap()
            .to_string();
        let path = link
            .strip_prefix(BASE_URL)
            .unwrap_or_else(|| panic!("{link} outside the site"));
        assert!(
            files.contains(&format!("{path}index.html")),
            "{link} is not a page"
        );
        if child(entry, "title").starts_with("Demo: ") {
            demos += 1;
        } else {
            assert!(
                path.starts_with("features/"),
                "check-ins link to their candidate: {link}"
            );
        }
    }
    assert_eq!(demos, site.model.demos.len());
    let titles: BTreeSet<String> = entries.iter().map(|e| child(e, "title")).collect();
    for demo in &site.model.demos {
        assert!(
            titles.contains(&format!("Demo: {}", demo.title)),
            "{}",
            demo.title
        );
    }
}

#[test]
fn feed_entries_escape_what_the_data_says() {
    let site = Fixture::new();
    site.write(
        "tandem.toml",
        "title = \"Fixture & Co\"\nbase_url = \"https://x.example/h/\"\n",
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let xml = site.read("public/feed.xml");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed despite the data");
    let atom = "http://www.w3.org/2005/Atom";
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name((atom, "title")) || n.has_tag_name((atom, "name")))
        .filter_map(|n| n.text().map(String::from))
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("<script>alert('x')</script> & \"quotes\"")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t == "Lee <Script> O'Neil"),
        "{texts:?}"
    );
    // The HTML content, once unescaped from XML, is still escaped HTML.
    for content in doc
        .descendants()
        .filter(|n| n.has_tag_name((atom, "content")))
    {
        let html = content.text().unwrap();
        assert!(!html.to_lowercase().contains("<script"), "{html}");
    }
    assert!(xml.contains("Lee &lt;Script&gt; O&apos;Neil"));
}

// ---- Last updated and edit links ----------------------------------------

#[test]
fn last_updated_comes_from_git_with_the_repository_above_the_site() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: git is not installed");
        return;
    }
    let repo_dir = tempfile::tempdir().unwrap();
    let site = Fixture::new();
    let root = repo_dir.path().join("docs/handbook");
    copy_dir(site.root(), &root);
    git(repo_dir.path(), &["init", "-q"], "2026-01-01T00:00:00Z");
    git(repo_dir.path(), &["add", "."], "2026-01-01T00:00:00Z");
    git(
        repo_dir.path(),
        &["commit", "-q", "-m", "one"],
        "2026-03-04T10:00:00Z",
    );
    fs::write(
        root.join("content/guide/demos.md"),
        "# Demos that show the why\n\nShow the *why*, always.\n",
    )
    .unwrap();
    git(
        repo_dir.path(),
        &["commit", "-q", "-am", "two"],
        "2026-05-06T10:00:00Z",
    );
    // Not committed: falls back to the file's time, clamped to the build date.
    fs::write(root.join("content/guide/new.md"), "# New page\n\nFresh.\n").unwrap();

    let out = tandem(&root, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = |p: &str| fs::read_to_string(root.join("public").join(p)).unwrap();
    assert!(page("guide/checkin/index.html")
        .contains("Last updated <time datetime=\"2026-03-04\">4 Mar 2026</time>"));
    assert!(page("guide/demos/index.html")
        .contains("Last updated <time datetime=\"2026-05-06\">6 May 2026</time>"));
    assert!(page("guide/new/index.html").contains("Last updated <time datetime=\"2026-11-25\">"));
    let sitemap = page("sitemap.xml");
    assert!(
        sitemap.contains("<loc>/guide/demos/</loc>\n    <lastmod>2026-05-06</lastmod>"),
        "{sitemap}"
    );
    // Data-driven pages carry the date of the newest data file.
    assert!(
        sitemap.contains("<loc>/features/offline-sync/</loc>\n    <lastmod>2026-03-04</lastmod>"),
        "{sitemap}"
    );

    // Rebuilding gives the same bytes (git dates do not move).
    let first = common::snapshot(&root.join("public"));
    assert!(tandem(&root, &["build", "--output", "public2"])
        .status
        .success());
    assert!(
        first == common::snapshot(&root.join("public2")),
        "rebuild differs"
    );

    // Off by a setting.
    fs::write(root.join("tandem.toml"), "last_updated = false\n").unwrap();
    assert!(tandem(&root, &["build"]).status.success());
    assert!(!page("guide/checkin/index.html").contains("Last updated"));
    assert!(!page("sitemap.xml").contains("<lastmod>"));
}

#[test]
fn edit_links_appear_when_a_repository_is_configured() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    assert!(!site
        .read("public/guide/checkin/index.html")
        .contains("Edit this page"));
    site.write(
        "tandem.toml",
        "repository_url = \"https://git.example/acme/handbook\"\n",
    );
    assert!(site.build().status.success());
    let page = site.read("public/guide/checkin/index.html");
    assert!(
        page.contains("<a class=\"edit-link\" href=\"https://git.example/acme/handbook/edit/main/content/guide/checkin.md\">Edit this page</a>"),
        "{page}"
    );
    site.write(
        "tandem.toml",
        "edit_url = \"https://git.example/h/-/edit/trunk/docs/{path}\"\n",
    );
    assert!(site.build().status.success());
    assert!(site
        .read("public/guide/demos/index.html")
        .contains("href=\"https://git.example/h/-/edit/trunk/docs/content/guide/demos.md\""));
}

#[test]
fn header_counts_link_to_the_dashboards() {
    let (_dir, out) = build_example(&[]);
    let home = fs::read_to_string(out.join("index.html")).unwrap();
    let badges: Vec<Tag> = tags(&home)
        .into_iter()
        .filter(|t| t.name == "a" && t.attr("class").is_some_and(|c| c.contains("badge--")))
        .collect();
    let href_of = |class: &str| {
        badges
            .iter()
            .find(|t| t.attr("class").unwrap().contains(class))
            .and_then(|t| t.attr("href"))
            .map(String::from)
    };
    assert_eq!(
        href_of("badge--alert").as_deref(),
        Some("/teams/payments/dashboards/checkins/")
    );
    assert_eq!(
        href_of("badge--warn").as_deref(),
        Some("/teams/payments/dashboards/estimates/")
    );
}

// ---- tandem check ----------------------------------------------------------

#[test]
fn check_reports_broken_links_and_anchors_with_file_and_line() {
    let site = Fixture::new();
    site.write(
        "content/guide/demos.md",
        "# Demos that show the why\n\nShow the *why*.\n\nSee [the archive](archive.md).\n\nAnd [the agenda](checkin.md#no-such-heading).\n",
    );
    let out = site.tandem(&["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("--> content/guide/demos.md:5:5"),
        "broken link:\n{text}"
    );
    assert!(
        text.contains("--> content/guide/demos.md:7:5"),
        "broken anchor:\n{text}"
    );
    assert!(text.contains("no-such-heading"), "{text}");
}

#[test]
fn a_template_error_on_some_pages_still_lists_missing_files_of_the_others() {
    let site = Fixture::new();
    // Section pages fail to render; handbook pages render and are checked.
    site.write(
        "templates/section.html",
        "{% extends \"base.html\" %}{% block content %}{{ no_such.thing }}{% endblock %}",
    );
    site.write(
        "content/guide/demos.md",
        "# Demos that show the why\n\n![the flow](img/flow.png)\n",
    );
    let out = site.tandem(&["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("templates/section.html"), "{text}");
    assert!(
        text.contains("--> content/guide/demos.md:3:1"),
        "missing image listed too:\n{text}"
    );
}

#[test]
fn check_reports_missing_images_and_files_with_file_and_line() {
    let site = Fixture::new();
    site.write_bytes("static/img/ok.png", b"\x89PNG\r\n\x1a\n");
    site.write(
        "content/guide/demos.md",
        "# Demos that show the why\n\n![fine](/img/ok.png) and [folder](../checkin/)\n\n\
         ![the flow](img/flow.png)\n\n[the deck](/downloads/deck.pdf)\n\n<img src=\"../diagram.svg\" alt=\"x\">\n",
    );
    let out = site.tandem(&["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("--> content/guide/demos.md:5:13"),
        "missing image:\n{text}"
    );
    assert!(
        text.contains("image `img/flow.png` points at /guide/demos/img/flow.png"),
        "{text}"
    );
    assert!(
        text.contains("--> content/guide/demos.md:7:12"),
        "missing file:\n{text}"
    );
    assert!(
        text.contains("--> content/guide/demos.md:9:11"),
        "raw HTML image:\n{text}"
    );
    assert!(
        !text.contains("ok.png"),
        "an existing static file is fine:\n{text}"
    );
    assert!(
        !text.contains("../checkin/"),
        "a folder with a page is fine:\n{text}"
    );
    assert!(text.contains("3 errors found"), "{text}");
    // The build refuses the same site, and writes nothing.
    assert_eq!(site.build().status.code(), Some(1));
    assert!(!site.path("public").exists());

    // --format json lists the same problems for CI annotations.
    let json = site.tandem(&["check", "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&json.stdout).expect("stdout is JSON");
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"], 3);
    // The fixture's page past its review date is reported beside them.
    assert_eq!(report["warnings"], 1);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let lines: Vec<(String, u64, u64)> = diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            assert!(d["message"].as_str().unwrap().contains("no such file"));
            assert!(d["help"].is_string());
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let file = "content/guide/demos.md".to_string();
    assert_eq!(
        lines,
        [(file.clone(), 5, 13), (file.clone(), 7, 12), (file, 9, 11)]
    );

    // --format github writes workflow commands GitHub turns into annotations.
    let github = site.tandem(&["check", "--format", "github"]);
    let annotations = String::from_utf8(github.stdout).unwrap();
    assert!(
        annotations.contains(
            "::error file=content/guide/demos.md,line=5,col=13,title=Tandem::image `img/flow.png`"
        ),
        "{annotations}"
    );
    let errors = annotations.lines().filter(|l| l.starts_with("::error"));
    assert_eq!(errors.count(), 3, "{annotations}");
}

#[test]
fn one_check_lists_data_errors_broken_anchors_and_missing_files_together() {
    let site = Fixture::new();
    site.write_bytes("static/img/ok.png", b"\x89PNG\r\n\x1a\n");
    // A data error and a broken page link stop loading before rendering;
    // the missing files are still reported in the same run.
    site.edit("data/features.toml", "impact = 8", "impact = \"high\"");
    site.write(
        "content/guide/demos.md",
        "# Demos that show the why\n\n\
         See [the agenda](checkin.md#no-such-heading) and [gone](archive.md).\n\n\
         ![the flow](img/flow.png) ![fine](/img/ok.png)\n\n\
         <a href=\"/downloads/deck.pdf\">deck</a> [features](/features/) [one](/features/offline-sync/)\n",
    );
    let out = site.tandem(&["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    for (what, location) in [
        ("data error", "--> data/features.toml:"),
        ("broken anchor", "--> content/guide/demos.md:3:5"),
        ("broken page link", "--> content/guide/demos.md:3:50"),
        ("missing image", "--> content/guide/demos.md:5:13"),
        (
            "missing file in raw HTML",
            "--> content/guide/demos.md:7:10",
        ),
    ] {
        assert!(text.contains(location), "{what} ({location}):\n{text}");
    }
    assert!(
        text.contains("image `img/flow.png` points at /guide/demos/img/flow.png"),
        "{text}"
    );
    assert!(
        text.contains("link `/downloads/deck.pdf` points at /downloads/deck.pdf"),
        "{text}"
    );
    // Reported once, as a missing page, not again as a missing file.
    assert!(text.contains("link to `archive.md`, but there is no such page"));
    assert!(!text.contains("`archive.md` points at"), "{text}");
    // Existing files and pages made from the data are fine.
    for fine in ["/img/ok.png", "/features/", "/features/offline-sync/"] {
        let reported = format!("`{fine}` points at");
        assert!(!text.contains(&reported), "{fine}:\n{text}");
    }
    assert!(text.contains("5 errors found (and 1 warning)"), "{text}");

    let json = site.tandem(&["check", "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&json.stdout).expect("stdout is JSON");
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"], 5);
    assert_eq!(report["warnings"], 1);
    let listed: Vec<(&str, &str, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["severity"].as_str().unwrap(),
                d["file"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let demos = "content/guide/demos.md";
    let data_line = site
        .read("data/features.toml")
        .lines()
        .position(|l| l.contains("\"high\""))
        .unwrap() as u64
        + 1;
    assert_eq!(
        listed,
        [
            ("warning", "content/guide/checkin.md", 0),
            ("error", demos, 3),
            ("error", demos, 3),
            ("error", demos, 5),
            ("error", demos, 7),
            ("error", "data/features.toml", data_line),
        ]
    );

    // The build fails the same way and leaves the previous output alone
    // (one an earlier build wrote: it has the `data.json` every build
    // writes).
    site.write("public/index.html", "previous");
    site.write("public/data.json", "{}");
    let build = site.build();
    assert_eq!(build.status.code(), Some(1));
    assert!(
        stderr(&build).contains("5 errors found"),
        "{}",
        stderr(&build)
    );
    assert_eq!(site.read("public/index.html"), "previous");
}

#[test]
fn links_known_before_rendering_cover_every_page_but_those_made_from_data() {
    // The check of a site that failed to load knows the output files
    // without rendering; every page a real build writes must be among
    // them, or be one it leaves alone (a drift here would report
    // working links as broken).
    let site = Fixture::new();
    site.write_bytes("static/img/ok.png", b"\x89PNG");
    let options = tandem::site::BuildOptions {
        root: site.root().to_path_buf(),
        fingerprint: Some(true),
        ..Default::default()
    };
    let (files, _) = tandem::build::render(&options).expect("fixture builds");
    let (loaded, _) = tandem::site::Site::load(&options).unwrap();
    let targets =
        tandem::render::links::targets_before_render(&loaded.root, &loaded.config, &loaded.content)
            .unwrap();
    let mut judged = 0;
    for file in &files {
        if tandem::render::links::judged_before_render(&file.path) {
            judged += 1;
            assert!(targets.contains(&file.path), "{} is unknown", file.path);
        }
    }
    assert!(judged >= 8, "only {judged} outputs judged");
    assert!(!tandem::render::links::judged_before_render(
        "features/offline-sync/"
    ));
    assert!(!tandem::render::links::judged_before_render("dashboards"));
    assert!(tandem::render::links::judged_before_render("featuresque/"));
}

#[test]
fn strict_check_turns_the_review_warning_into_an_error() {
    let site = Fixture::new();
    // The fixture's check-in page was due for review on 2026-01-01.
    let relaxed = site.tandem(&["check"]);
    assert_eq!(relaxed.status.code(), Some(0), "{}", stderr(&relaxed));
    assert!(stderr(&relaxed).contains("warning: page was due for review on 2026-01-01"));
    let strict = site.tandem(&["check", "--strict"]);
    assert_eq!(strict.status.code(), Some(1), "{}", stderr(&strict));
    assert!(stderr(&strict).contains("error: page was due for review on 2026-01-01"));
    let json = site.tandem(&["check", "--strict", "--format", "json"]);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["diagnostics"][0]["file"], "content/guide/checkin.md");
    assert_eq!(report["diagnostics"][0]["severity"], "error");
    let valid: Value =
        serde_json::from_slice(&site.tandem(&["check", "--format", "json"]).stdout).unwrap();
    assert_eq!(valid["ok"], true);
    assert_eq!(valid["warnings"], 1);
}

// ---- Hosting files ---------------------------------------------------------

#[test]
fn netlify_config_pins_the_toolchain_and_sets_headers() {
    let text = fs::read_to_string(repo().join("netlify.toml")).unwrap();
    let config: toml::Table = toml::from_str(&text).expect("netlify.toml parses");
    let build = config["build"].as_table().unwrap();
    assert_eq!(build["publish"].as_str(), Some("public"));
    let command = build["command"].as_str().unwrap();
    assert!(
        command.contains("--locked")
            && command.contains("check")
            && command.contains("--fingerprint"),
        "{command}"
    );
    let toolchain = build["environment"]["RUSTUP_TOOLCHAIN"].as_str().unwrap();
    assert!(
        toolchain.split('.').count() == 3,
        "pinned to an exact version: {toolchain}"
    );
    let headers = config["headers"].as_array().unwrap();
    let rule = |path: &str| {
        headers
            .iter()
            .find(|h| h["for"].as_str() == Some(path))
            .unwrap_or_else(|| panic!("no headers for {path}"))["values"]
            .as_table()
            .unwrap()
            .clone()
    };
    let all = rule("/*");
    let csp = all["Content-Security-Policy"].as_str().unwrap();
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert!(
        csp.contains("script-src 'self'") && csp.contains("style-src 'self'"),
        "{csp}"
    );
    assert_eq!(all["X-Content-Type-Options"].as_str(), Some("nosniff"));
    assert!(all.contains_key("Referrer-Policy"));
    for assets in ["/*.css", "/*.js"] {
        let cache = rule(assets)["Cache-Control"].as_str().unwrap().to_string();
        assert!(
            cache.contains("immutable") && cache.contains("max-age=31536000"),
            "{assets}: {cache}"
        );
    }
    let redirects = config["redirects"].as_array().unwrap();
    assert!(redirects
        .iter()
        .any(|r| r["to"].as_str() == Some("/404.html") && r["status"].as_integer() == Some(404)));
}

#[test]
fn the_ci_workflow_checks_then_builds_then_publishes() {
    let text = fs::read_to_string(repo().join(".github/workflows/publish.yml")).unwrap();
    let check = text
        .find("run: ./target/release/tandem check")
        .expect("runs tandem check");
    let build = text
        .find("run: ./target/release/tandem build")
        .expect("runs tandem build");
    let deploy = text.find("uses: actions/deploy-pages@").expect("publishes");
    assert!(
        check < build && build < deploy,
        "check, then build, then publish"
    );
    assert!(
        text.contains("branches: [main]"),
        "runs after merges to main"
    );
    assert!(
        text.contains("actions/cache") || text.contains("rust-cache"),
        "caches cargo"
    );
    assert!(
        text.contains("fetch-depth: 0"),
        "full history for last-updated dates"
    );
    assert!(!text.contains('\t'), "YAML has no tabs");
}

/// A page template whose navigation pastes `partials/links.html` through
/// `cached_partial`, as the default theme's sidebar does.
fn site_pasting_links(links: &str) -> Fixture {
    let site = Fixture::new();
    site.write("templates/partials/links.html", links);
    site.write(
        "templates/page.html",
        "<!doctype html><title>{{ page.title }}</title>\
         <nav>{{ cached_partial(template=\"partials/links.html\") }}</nav>\
         <main><h1>{{ page.title }}</h1>{{ page.html | safe }}</main>\n",
    );
    site
}

/// Links enough to be worth scanning once (a few hundred bytes).
fn many_links(extra: &str) -> String {
    let mut links: String = ["", "people/", "features/", "dashboards/", "this-week/"]
        .iter()
        .map(|path| {
            format!("<li><a href=\"{{{{ site.base_path }}}}{path}\">Go to /{path}</a></li>\n")
        })
        .collect();
    links.push_str(extra);
    format!("<ul>\n{links}{links}</ul>")
}

#[test]
fn links_in_a_partial_pasted_on_every_page_are_checked_on_each() {
    let site = site_pasting_links(&many_links(
        "<li><a href=\"{{ site.base_path }}nowhere/\">Lost</a></li>\n",
    ));
    let output = tandem(site.root(), &["build"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    for page in ["content/guide/checkin.md", "content/guide/demos.md"] {
        assert!(err.contains(&format!("--> {page}")), "{page}: {err}");
    }
    assert_eq!(err.matches("link `/nowhere/`").count(), 2, "{err}");
}

#[test]
fn links_in_a_partial_pasted_on_every_page_are_made_relative_to_each() {
    let site = site_pasting_links(&many_links(""));
    let output = tandem(site.root(), &["build", "--relative-urls"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let page = fs::read_to_string(site.path("public/guide/checkin/index.html")).unwrap();
    assert!(page.contains(r#"href="../../people/index.html""#), "{page}");
    assert!(!page.contains(r#"href="/people/""#), "{page}");
}
