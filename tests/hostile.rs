//! Hostile content is rendered inert everywhere.
//!
//! Data files and front matter are edited by many hands, and the site is
//! published to everyone: markup, script, `javascript:` URLs, quotes that
//! try to close an attribute, Unicode bidi controls and absurdly long
//! strings must come out as text, in every file the build writes: pages,
//! chart SVG, `data.json`, the search index, the feed and the sitemap.
//! These tests build such a site with the real binary and read the bytes it
//! wrote.

mod common;

use common::html::decode_entities;
use std::path::Path;

use common::{stderr, Fixture};
use tandem::content::markdown::is_script_url;

/// Closes a double-quoted attribute and opens a tag with a handler.
const BREAKOUT: &str = "\"><img src=x onerror=alert('tandem-1')>";
/// A script element.
const SCRIPT: &str = "<script>alert('tandem-2')</script>";
/// Closes a single-quoted attribute and adds a handler.
const SINGLE: &str = "' onmouseover='alert(3)' x='";
/// Right-to-left override and isolate: make text read differently.
const BIDI: &str = "\u{202E}exe.txt \u{2067}left open";
/// A script URL as a value.
const JS_URL: &str = "javascript:alert('tandem-4')";

fn hostile(tag: &str) -> String {
    format!("{tag} {BREAKOUT} {SCRIPT} {SINGLE} {BIDI} {JS_URL} & \"quoted\"")
}

/// A TOML basic string holding `text`.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A valid site whose every free-text field is hostile, with a 100 KB
/// candidate title and page title.
fn hostile_site(raw_html: bool) -> Fixture {
    let site = Fixture::new();
    let long = format!("{}{}", "Long title ".repeat(10_000), hostile("long"));
    site.write(
        "tandem.toml",
        &format!(
            "title = {}\ndescription = {}\nbase_url = \"https://handbook.example/sub/\"\n[markdown]\nraw_html = {raw_html}\n",
            toml_string(&hostile("site-title")),
            toml_string(&hostile("site-description")),
        ),
    );
    site.write(
        "data/people.toml",
        &format!(
            "[[person]]\nid = \"ana\"\nname = {}\nrole = \"product\"\n\n\
             [[person]]\nid = \"raj\"\nname = {}\nrole = \"engineering\"\n\n\
             [[person]]\nid = \"lee\"\nname = \"Lee\"\nrole = \"engineering\"\n",
            toml_string(&hostile("person")),
            toml_string(BIDI),
        ),
    );
    site.write(
        "data/features.toml",
        &format!(
            "[[feature]]\nid = \"offline-sync\"\ntitle = {}\nkind = \"feature\"\nstatus = \"refinement\"\n\
             problem = {}\nvalue = {}\nproduct_owner = \"ana\"\neng_owner = \"raj\"\nimpact = 8\neffort = 5\n\
             discovery_done = 2026-10-02\ntags = [\"mobile\"]\n\n\
             [[feature]]\nid = \"xss-title\"\ntitle = {}\nkind = \"tech-debt\"\nstatus = \"shipped\"\nimpact = 3\neffort = 2\n\
             discovery_done = 2026-11-20\n\n\
             [[feature]]\nid = \"long-one\"\ntitle = {}\nstatus = \"discovery\"\nimpact = 9\neffort = 9\nproblem = {}\n",
            toml_string(&hostile("feature-title")),
            toml_string(&hostile("problem")),
            toml_string(&hostile("value")),
            toml_string(&hostile("feature-2")),
            toml_string(&long),
            toml_string(&long),
        ),
    );
    site.write(
        "data/activity.toml",
        &format!(
            "[[score]]\nfeature = \"offline-sync\"\nby = \"ana\"\nimpact = 9\neffort = 3\nnote = {}\n\n\
             [[score]]\nfeature = \"offline-sync\"\nby = \"lee\"\nimpact = 2\neffort = 9\nnote = {}\n\n\
             [[checkin]]\ndate = 2026-10-03\nfeature = \"offline-sync\"\nkind = \"feasibility\"\n\
             attendees = [\"ana\", \"raj\"]\noutcome = \"go-with-risks\"\nrisks = [{}]\ndecisions = [{}]\n\
             [[checkin.dissent]]\nby = \"lee\"\nopinion = {}\n\n\
             [[demo]]\ndate = 2026-10-14\ntitle = {}\npresenter = \"ana\"\nfeatures = [\"offline-sync\", \"xss-title\"]\n\
             why = {}\nattendees = [\"raj\"]\nrecording = {}\n",
            toml_string(&hostile("note")),
            toml_string(BIDI),
            toml_string(&hostile("risk")),
            toml_string(&hostile("decision")),
            toml_string(&hostile("dissent")),
            toml_string(&hostile("demo-title")),
            toml_string(&hostile("why")),
            toml_string("https://video.example/watch?v=1&x=\"><script>alert('tandem-5')</script>"),
        ),
    );
    site.write(
        "content/_index.md",
        &format!(
            "+++\ntitle = {}\ndescription = {}\n+++\n\nWelcome. [Guide](guide/checkin.md#the-agenda)\n",
            toml_string(&hostile("home-title")),
            toml_string(&hostile("home-description")),
        ),
    );
    site.write(
        "content/guide/long.md",
        &format!(
            "+++\ntitle = {}\n+++\n\nA very long page title.\n\n{{{{ matrix(title=\"<script>alert('tandem-6')</script>\") }}}}\n",
            toml_string(&long)
        ),
    );
    site.write(
        "content/guide/links.md",
        "# Links {#links}\n\n\
         [one](javascript:alert('tandem-7')) [two]( JaVa\tScRiPt:alert(1)) [three](jav&#x61;script:alert(1))\n\n\
         [four](vbscript:msgbox(1)) [five](data:text/html;base64,PHNjcmlwdD4=) <javascript:alert(1)>\n\n\
         ![img](javascript:alert(1)) [ref][r]\n\n\
         [r]: javascript:alert(1)\n",
    );
    site
}

// ---------------------------------------------------------------------------
// A small HTML/XML tag scanner, enough for generated markup.

struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// Every start tag in `text` (a `<` followed by a letter), with its
/// attributes; comments, doctypes and end tags are skipped.
fn tags(text: &str) -> Vec<Tag> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' || !bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        i += 1;
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !b">/".contains(&bytes[i]) {
            i += 1;
        }
        let name = text[start..i].to_ascii_lowercase();
        let mut attributes = Vec::new();
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let name_start = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !b"=>/".contains(&bytes[i])
            {
                i += 1;
            }
            let attribute = text[name_start..i].to_ascii_lowercase();
            let mut value = String::new();
            if bytes.get(i) == Some(&b'=') {
                i += 1;
                match bytes.get(i) {
                    Some(&q) if q == b'"' || q == b'\'' => {
                        let value_start = i + 1;
                        let end = text[value_start..]
                            .find(q as char)
                            .map(|e| value_start + e)
                            .unwrap_or(text.len());
                        value = text[value_start..end].to_string();
                        i = (end + 1).min(text.len());
                    }
                    _ => {
                        let value_start = i;
                        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>'
                        {
                            i += 1;
                        }
                        value = text[value_start..i].to_string();
                    }
                }
            }
            if attribute.is_empty() {
                i += 1;
                continue;
            }
            attributes.push((attribute, decode_entities(&value)));
        }
        out.push(Tag { name, attributes });
    }
    out
}

const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "xlink:href",
    "action",
    "formaction",
    "poster",
    "data",
];

/// What in `markup` (HTML, SVG or XML) could run script: a handler
/// attribute, a script URL, an inline script, an attribute broken out of its
/// quotes, an embedding element. `what` names the file in messages.
fn script_vectors(what: &str, markup: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for tag in tags(markup) {
        for (name, value) in &tag.attributes {
            if name.starts_with("on") {
                problems.push(format!(
                    "{what}: handler attribute {name}={value:?} on <{}>",
                    tag.name
                ));
            }
            if URL_ATTRIBUTES.contains(&name.as_str()) && is_script_url(value) {
                problems.push(format!(
                    "{what}: script URL in <{} {name}={value:?}>",
                    tag.name
                ));
            }
            // The hostile text may only ever be a whole attribute value,
            // never break out of its quotes into new attributes.
            if name.contains(['\'', '"', '<']) {
                problems.push(format!(
                    "{what}: broken attribute {name:?} on <{}>",
                    tag.name
                ));
            }
        }
        if tag.name == "script" {
            let src = tag.attributes.iter().find(|(n, _)| n == "src");
            if !src.is_some_and(|(_, v)| v.ends_with(".js") && !v.contains("alert")) {
                problems.push(format!(
                    "{what}: inline or foreign <script> {:?}",
                    tag.attributes
                ));
            }
        }
        if matches!(tag.name.as_str(), "iframe" | "object" | "embed" | "base") {
            problems.push(format!("{what}: <{}> element", tag.name));
        }
    }
    let lower = markup.to_ascii_lowercase();
    for needle in ["<script>", "<img src=x"] {
        if lower.contains(needle) {
            problems.push(format!("{what}: raw {needle:?}"));
        }
    }
    problems
}

fn assert_markup_inert(what: &str, markup: &str) {
    let problems = script_vectors(what, markup);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every output file, read.
fn output_files(root: &Path) -> Vec<(String, Vec<u8>)> {
    common::snapshot(root)
        .into_iter()
        .map(|(p, b)| (p.to_string_lossy().replace('\\', "/"), b))
        .collect()
}

fn build_ok(site: &Fixture) {
    let out = site.build();
    assert!(out.status.success(), "build failed: {}", stderr(&out));
}

/// Walks a JSON value and calls `f` on every string in it.
fn json_strings(value: &serde_json::Value, f: &mut impl FnMut(&str)) {
    match value {
        serde_json::Value::String(s) => f(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, f)),
        serde_json::Value::Object(map) => map.values().for_each(|v| json_strings(v, f)),
        _ => {}
    }
}

#[test]
fn hostile_strings_are_inert_in_every_output_file() {
    let site = hostile_site(true);
    build_ok(&site);
    let files = output_files(&site.path("public"));
    assert!(files.len() > 20, "{} files", files.len());
    let mut kinds = std::collections::BTreeSet::new();
    for (path, bytes) in &files {
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        let extension = path.rsplit('.').next().unwrap_or("");
        kinds.insert(extension.to_string());
        match extension {
            "html" | "svg" | "xml" => assert_markup_inert(path, text),
            "json" => {
                // Valid JSON, and no markup even if a browser sniffs it as
                // HTML: `<` and `>` only as escapes.
                let value: serde_json::Value = serde_json::from_str(text)
                    .unwrap_or_else(|e| panic!("{path} is not JSON: {e}"));
                if path == "data.json" || path.starts_with("search-index") {
                    assert!(!text.contains('<') && !text.contains('>'), "{path}");
                }
                // Strings in it hold the hostile text as plain data.
                json_strings(&value, &mut |s| {
                    if s.contains("tandem-") && s.contains("<img") {
                        assert!(s.contains(BREAKOUT), "{path}: mangled {s:?}");
                    }
                });
            }
            // The search index as a script: the data must stay inside its
            // strings, so no `</script>` or raw markup.
            "js" if path.contains("search-index") => {
                assert!(
                    !text.contains('<') && !text.contains('>'),
                    "{path}: markup characters outside escapes"
                );
                assert!(text.contains("tandem-"), "{path} lacks the hostile text");
            }
            _ => {}
        }
    }
    // The hostile values did reach the pages, as text.
    let feature = site.read("public/features/offline-sync/index.html");
    assert!(feature.contains("&lt;script&gt;alert("), "not escaped");
    assert!(
        feature.contains("&quot;&gt;&lt;img src=x onerror=alert("),
        "not escaped"
    );
    // Every kind of output was looked at.
    for kind in ["html", "json", "xml", "js", "css"] {
        assert!(kinds.contains(kind), "no .{kind} output: {kinds:?}");
    }
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    for expected in ["feed.xml", "sitemap.xml", "search-index.json", "data.json"] {
        assert!(paths.contains(&expected), "no {expected} in {paths:?}");
    }
}

#[test]
fn pages_built_from_hostile_data_are_valid_html() {
    // Escaped right, hostile text is text: no element it names, no
    // attribute it breaks out of, no bidi control, and a 100 KB title
    // leave a page off the standard. (Raw HTML in Markdown is the
    // author's own markup, passed through, so that site is not checked.)
    let Some(checker) = common::validator::checker_or_skip() else {
        return;
    };
    let site = hostile_site(false);
    build_ok(&site);
    let errors = checker.errors(&site.path("public"), 10);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn data_json_keeps_hostile_strings_exactly() {
    let site = hostile_site(true);
    build_ok(&site);
    let text = site.read("public/data.json");
    let mut found = Vec::new();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    json_strings(&value, &mut |s| found.push(s.to_string()));
    // Escaping is for display: the data itself round-trips unchanged.
    for expected in [
        hostile("feature-title"),
        hostile("note"),
        hostile("dissent"),
    ] {
        assert!(found.contains(&expected), "{expected:?} not in data.json");
    }
}

#[test]
fn feed_html_content_is_escaped_twice() {
    let site = hostile_site(true);
    build_ok(&site);
    let feed = site.read("public/feed.xml");
    let doc = roxmltree::Document::parse(&feed).expect("feed.xml is well-formed XML");
    let mut checked = 0;
    for node in doc.descendants().filter(|n| n.is_element()) {
        let Some(text) = node.text() else { continue };
        // `type="html"` content is HTML after XML decoding: it must be
        // inert HTML too; `type="text"` and plain elements are text.
        if node.attribute("type") == Some("html") {
            assert_markup_inert("feed.xml (html content)", text);
            checked += 1;
        }
    }
    assert!(
        feed.contains("tandem-"),
        "hostile strings missing from feed"
    );
    assert!(checked > 0, "no html content in the feed");
    // Decoded once (as XML), the hostile text is still escaped HTML.
    assert!(
        feed.contains("&amp;lt;script&amp;gt;alert("),
        "not escaped twice"
    );
    // A demo's recording links where the pages' link does: to the URL a
    // browser reads, as a valid URL.
    let recording =
        "https://video.example/watch?v=1&x=%22%3E%3Cscript%3Ealert('tandem-5')%3C/script%3E";
    let html: String = (doc.descendants())
        .filter(|n| n.attribute("type") == Some("html"))
        .filter_map(|n| n.text())
        .collect();
    let wanted = format!(
        "<a href=\"{}\">Recording</a>",
        recording.replace('&', "&amp;").replace('\'', "&#39;")
    );
    assert!(html.contains(&wanted), "{html}");
}

#[test]
fn chart_svg_escapes_titles_labels_and_links() {
    let site = hostile_site(true);
    build_ok(&site);
    let page = site.read("public/dashboards/matrix/index.html");
    let mut svgs = 0;
    for part in page.split("<svg").skip(1) {
        let svg = format!("<svg{}", part.split("</svg>").next().unwrap());
        assert_markup_inert("matrix SVG", &svg);
        // Bidi controls are dropped from charts.
        assert!(
            !svg.chars().any(is_bidi_control),
            "bidi control in chart SVG"
        );
        svgs += 1;
    }
    assert!(svgs > 0, "no chart on the matrix dashboard");
    // The charted candidate's title reached the SVG, escaped.
    assert!(
        page.contains("&lt;script&gt;alert(&#39;tandem-2&#39;)&lt;/script&gt;")
            || page.contains("&lt;script&gt;alert(&#x27;tandem-2&#x27;)&lt;/script&gt;")
            || page.contains("&lt;script&gt;alert('tandem-2')&lt;/script&gt;")
    );
    // A shortcode's title argument is escaped too.
    let long_page = site.read("public/guide/long/index.html");
    assert!(!long_page.contains("<script>alert('tandem-6')"));
    assert_markup_inert("guide/long", &long_page);
}

/// Bidi overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[test]
fn bidi_controls_from_data_never_reach_pages() {
    let site = hostile_site(true);
    build_ok(&site);
    for (path, bytes) in output_files(&site.path("public")) {
        if !(path.ends_with(".html") || path.ends_with(".svg") || path.ends_with(".xml")) {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        // An override left open reorders the rest of its paragraph (a list
        // of names, a table row): every escaped string drops them, as the
        // charts already do.
        let count = text.chars().filter(|&c| is_bidi_control(c)).count();
        assert_eq!(count, 0, "{path}: {count} bidi controls");
    }
}

#[test]
fn javascript_links_in_markdown_are_neutralised() {
    let site = hostile_site(true);
    build_ok(&site);
    let page = site.read("public/guide/links/index.html");
    assert_markup_inert("guide/links", &page);
    let lower = page.to_ascii_lowercase();
    assert!(!lower.contains("href=\"javascript"), "{page}");
    assert!(!lower.contains("href=\"vbscript"), "{page}");
    assert!(!lower.contains("href=\"data:"), "{page}");
    // The link text is kept; only the destination is gone.
    assert!(page.contains(">one</a>"), "{page}");
    // An image with a script URL is left out, its description kept.
    assert!(
        !lower.contains("src=\"javascript") && !lower.contains("src=\"\""),
        "{page}"
    );
    assert!(page.contains(">img "), "{page}");
}

#[test]
fn a_long_title_builds_and_stays_escaped() {
    let site = hostile_site(true);
    let started = std::time::Instant::now();
    build_ok(&site);
    let page = site.read("public/features/long-one/index.html");
    assert!(page.matches("Long title ").count() >= 10_000);
    assert_markup_inert("features/long-one", &page);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------
// Script URLs from data files are refused

#[test]
fn script_urls_in_demo_recordings_are_rejected_with_file_and_line() {
    for url in [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/",
        "ftp://files.example/x",
    ] {
        let site = Fixture::new();
        assert!(site.build().status.success());
        let before = common::snapshot(&site.path("public"));
        site.edit(
            "data/activity.toml",
            "why = \"Show why conflict resolution matters.\"",
            &format!(
                "why = \"Show why conflict resolution matters.\"\nrecording = {}",
                toml_string(url)
            ),
        );
        let out = site.build();
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{url}: {text}");
        assert!(
            text.contains("data/activity.toml:36:13"),
            "{url}: no position: {text}"
        );
        assert!(text.contains("expected an http(s) URL"), "{url}: {text}");
        assert!(common::snapshot(&site.path("public")) == before, "{url}");
    }
}

#[test]
fn http_recordings_with_quotes_stay_inside_their_attribute_as_a_valid_url() {
    let site = hostile_site(true);
    build_ok(&site);
    let demos = site.read("public/dashboards/demos/index.html");
    let links: Vec<String> = tags(&demos)
        .into_iter()
        .filter(|t| t.name == "a")
        .filter_map(|t| {
            t.attributes
                .into_iter()
                .find(|(n, _)| n == "href")
                .map(|(_, v)| v)
        })
        .filter(|v| v.starts_with("https://video.example/"))
        .collect();
    assert!(!links.is_empty(), "recording link missing");
    for link in links {
        // The whole URL is one attribute value, and a valid URL: what a
        // URL cannot hold is percent-encoded, as a browser would send it.
        assert_eq!(
            link,
            "https://video.example/watch?v=1&x=%22%3E%3Cscript%3Ealert('tandem-5')%3C/script%3E"
        );
    }
    // The data keeps the URL as it was written.
    let data: serde_json::Value = serde_json::from_str(&site.read("public/data.json")).unwrap();
    let mut kept = false;
    json_strings(&data, &mut |s| {
        kept |= s == "https://video.example/watch?v=1&x=\"><script>alert('tandem-5')</script>"
    });
    assert!(kept, "data.json lost the recording as written");
}

// ---------------------------------------------------------------------------
// Raw HTML in Markdown

const RAW: &str = "# Raw\n\n<div class=\"note\">A <b>bold</b> note</div>\n\n<script>alert('raw-script')</script>\n\nInline <span onclick=\"alert(1)\">span</span>.\n";

#[test]
fn raw_html_in_markdown_is_passed_through_by_default() {
    let site = Fixture::new();
    site.write("content/guide/raw.md", RAW);
    build_ok(&site);
    let page = site.read("public/guide/raw/index.html");
    // The handbook is the team's own: its HTML is trusted by default.
    assert!(
        page.contains("<div class=\"note\">A <b>bold</b> note</div>"),
        "{page}"
    );
    assert!(
        page.contains("<script>alert('raw-script')</script>"),
        "{page}"
    );
}

#[test]
fn raw_html_off_escapes_every_tag_in_markdown() {
    let site = Fixture::new();
    site.write(
        "tandem.toml",
        "title = \"Fixture\"\n[markdown]\nraw_html = false\n",
    );
    site.write("content/guide/raw.md", RAW);
    build_ok(&site);
    let page = site.read("public/guide/raw/index.html");
    assert!(
        page.contains("&lt;div class=&quot;note&quot;&gt;")
            || page.contains("&lt;div class=\"note\"&gt;"),
        "{page}"
    );
    assert!(
        page.contains("&lt;script&gt;alert('raw-script')&lt;/script&gt;")
            || page.contains("&lt;script&gt;alert(&#39;raw-script&#39;)&lt;/script&gt;"),
        "{page}"
    );
    assert!(page.contains("&lt;b&gt;bold&lt;/b&gt;"), "{page}");
    assert_markup_inert("guide/raw (raw_html = false)", &page);
    // Everything else in the site is inert as well.
    for (path, bytes) in output_files(&site.path("public")) {
        if path.ends_with(".html") {
            assert_markup_inert(&path, &String::from_utf8(bytes).unwrap());
        }
    }
}

#[test]
fn raw_html_off_still_neutralises_hostile_data() {
    let site = hostile_site(false);
    build_ok(&site);
    for (path, bytes) in output_files(&site.path("public")) {
        if path.ends_with(".html") || path.ends_with(".xml") {
            assert_markup_inert(&path, &String::from_utf8(bytes).unwrap());
        }
    }
}

#[test]
fn the_scanner_catches_what_it_must() {
    // The checks above are only as good as this scanner: it must see each
    // of these as a script vector.
    for bad in [
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href='jav&#x61;script:alert(1)'>x</a>",
        "<img src=x onerror=alert(1)>",
        "<p title=\"x\" onclick=\"y\">",
        "<script>alert(1)</script>",
        "<svg><a xlink:href=\"javascript:alert(1)\"></a></svg>",
        "<iframe src=\"https://x\"></iframe>",
    ] {
        assert!(
            !script_vectors("probe", bad).is_empty(),
            "scanner missed {bad}"
        );
    }
    for good in [
        "<p title=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\">&lt;script&gt;</p>",
        "<script src=\"/search.js\" defer></script>",
        "<a href=\"https://example.com/?a=1&amp;b=2\">x</a>",
    ] {
        assert_markup_inert("probe", good);
    }
}
