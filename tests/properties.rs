//! Property tests of every parser and transformer that reads what users
//! write: front matter, data files, Markdown (links, heading ids), shortcodes
//! and request paths of the development server.
//!
//! The properties: nothing panics on any input; every diagnostic names a file
//! and a position inside it; slugs and heading ids have the promised shape
//! and are unique per page; rewriting is idempotent; no `javascript:` URL
//! survives in a link; a request path that is accepted never leaves the
//! output root.
//!
//! Each property runs 256 cases by default, so the whole file takes a few
//! seconds. To search longer (say, before a release):
//!
//! ```sh
//! PROPTEST_CASES=100000 cargo test --release --test properties
//! ```
//!
//! A failure prints the smallest input proptest could shrink it to; add it
//! as a plain `#[test]` below so it stays fixed.

mod common;

use common::html::decode_entities;
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use proptest::prelude::*;

use tandem::calendar::Date;
use tandem::config::Config;
use tandem::content::front_matter;
use tandem::content::markdown::{self, LinkContext};
use tandem::content::shortcode;
use tandem::data::Data;
use tandem::diagnostics::{Diagnostic, SourceFile};
use tandem::serve::http::{self, Files, Route, View};
use tandem::site::{BuildOptions, Site};

/// 256 cases unless `PROPTEST_CASES` says otherwise. No regression files
/// are written: a failure found here becomes a named test instead.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Positions

/// The diagnostic names `file` and its line and column are inside `text`:
/// line from 1 to the number of lines (a file ending in a newline has an
/// empty last line), column from 1 to the line's length + 1.
fn check_position(d: &Diagnostic, file: &Path, text: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(d.file.as_deref(), Some(file), "{}", d);
    let lines: Vec<&str> = text.split('\n').collect();
    prop_assert!(d.line >= 1, "no line in {}", d);
    prop_assert!(d.line <= lines.len(), "line past the end: {}", d);
    let length = lines[d.line - 1].chars().count();
    prop_assert!(
        d.column >= 1 && d.column <= length + 1,
        "column {} outside a line of {} characters: {}",
        d.column,
        length,
        d
    );
    Ok(())
}

/// Like [`check_position`] for diagnostics that may also concern a whole
/// file (line 0), as long as they name one of `files`.
fn check_in_files(d: &Diagnostic, files: &HashMap<PathBuf, String>) -> Result<(), TestCaseError> {
    let Some(file) = &d.file else {
        return Err(TestCaseError::fail(format!("no file: {d}")));
    };
    let Some(text) = files.get(file) else {
        return Err(TestCaseError::fail(format!("unknown file: {d}")));
    };
    if d.line == 0 {
        prop_assert_eq!(d.column, 0, "{}", d);
        return Ok(());
    }
    check_position(d, file, text)
}

// ---------------------------------------------------------------------------
// Generators

/// Arbitrary text, mostly short, with every kind of character.
fn noise() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
        Just("\r\n".to_string()),
        Just("\u{202E}é漢🎉\u{0}".to_string()),
    ]
}

fn toml_key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "id",
            "title",
            "name",
            "role",
            "status",
            "kind",
            "impact",
            "effort",
            "feature",
            "by",
            "date",
            "attendees",
            "outcome",
            "minutes",
            "presenter",
            "features",
            "recording",
            "tags",
            "product_owner",
            "eng_owner",
            "discovery_done",
            "opinion",
            "note",
            "problem",
            "value",
            "risks",
            "decisions",
            "why",
            "dissent",
            "\"quoted key\"",
            "a.b",
            "titel",
        ])
        .prop_map(str::to_string),
        "[a-z_]{1,8}",
    ]
}

fn toml_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0i64..12).prop_map(|n| n.to_string()),
        "\"[^\"\\\\\n]{0,12}\"",
        prop::sample::select(vec![
            "\"ana\"",
            "\"raj\"",
            "\"x\"",
            "\"product\"",
            "\"discovery\"",
            "\"shipped\"",
            "\"feasibility\"",
            "\"go\"",
            "\"https://example.com/\"",
            "\"javascript:alert(1)\"",
            "2026-10-02",
            "2026-02-30",
            "1979-05-27T07:32:00Z",
            "true",
            "1.5",
            "nan",
            "-inf",
            "'literal'",
            "\"\"\"\nmulti\nline\"\"\"",
            "\"\\u00e9\\t\"",
            "\"bad \\q escape\"",
        ])
        .prop_map(str::to_string),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((toml_key(), inner), 0..3).prop_map(|kv| {
                let pairs: Vec<String> = kv.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("{{ {} }}", pairs.join(", "))
            }),
        ]
    })
}

/// Text that looks like a Tandem data file, with mistakes of every kind.
fn toml_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        4 => (toml_key(), toml_value()).prop_map(|(k, v)| format!("{k} = {v}\n")),
        2 => prop::sample::select(vec![
            "[[person]]\n",
            "[[feature]]\n",
            "[[score]]\n",
            "[[checkin]]\n",
            "[[checkin.dissent]]\n",
            "[[demo]]\n",
            "[person]\n",
            "[[features]]\n",
            "[[nope]]\n",
            "\n",
            "# comment\n",
            "[[feature]\n",
            "= 3\n",
        ])
        .prop_map(str::to_string),
        1 => noise(),
    ];
    prop::collection::vec(line, 0..24).prop_map(|lines| lines.concat())
}

/// A handbook page: front matter, Markdown, links, shortcodes and noise.
fn page_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(vec![
            "+++\n",
            "title = \"A page\"\n",
            "weight = 3\n",
            "weight = \"x\"\n",
            "owner = \"ana\"\n",
            "owner = \"nobody\"\n",
            "review_by = 2020-01-01\n",
            "tags = [\"a\", \"b\"]\n",
            "draft = false\n",
            "titel = 1\n",
            "# Heading\n",
            "## The agenda\n",
            "## The agenda\n",
            "### Custom {#custom}\n",
            "## Ünïcödé 漢字 heading\n",
            "[other](other.md#x)\n",
            "[other](other.md#x-y)\n",
            "[gone](gone.md)\n",
            "[top](#the-agenda)\n",
            "[missing anchor](#nope)\n",
            "[js](javascript:alert(1))\n",
            "![img](javascript:alert(1))\n",
            "<a href=\"javascript:alert(1)\">raw</a>\n",
            "<script>alert(1)</script>\n",
            "{{ matrix() }}\n",
            "{{ matrix(tag=\"nope\") }}\n",
            "{{ priorities(limit=3) }}\n",
            "{{ priorities(limit=1000) }}\n",
            "{{ feature(id=\"x\") }}\n",
            "{{ feature() }}\n",
            "{{ nosuch() }}\n",
            "{{ matrix(tag=) }}\n",
            "{{ matrix(tag=\"a\", tag=\"b\") }}\n",
            "{{}}\n",
            "{{ ( }}\n",
            "```\n",
            "~~~\n",
            "    indented {{ matrix() }}\n",
            "> quote\n",
            "- item\n",
            "1. item\n",
            "| a | b |\n|---|---|\n| 1 | 2 |\n",
            "text[^1]\n\n[^1]: note\n",
            "\n",
            "\r\n",
        ])
        .prop_map(str::to_string),
        1 => noise(),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

// ---------------------------------------------------------------------------
// Front matter

proptest! {
    #![proptest_config(config())]

    #[test]
    fn front_matter_split_keeps_positions(text in prop_oneof![page_text(), any::<String>()]) {
        match front_matter::split(&text) {
            Ok(None) => {
                let first = text.split('\n').next().unwrap_or("");
                prop_assert_ne!(first.trim_end(), "+++");
            }
            Ok(Some((toml, body_start))) => {
                prop_assert!(body_start <= text.len() && text.is_char_boundary(body_start));
                // The TOML is the top of the file with the opening fence
                // blanked, so its byte offsets are the file's.
                prop_assert!(toml.len() <= body_start);
                prop_assert_eq!(&toml[..3], "   ");
                prop_assert_eq!(&toml[3..], &text[3..toml.len()]);
                // What is left is the body; the closing fence is above it.
                let closing = text[toml.len()..body_start].trim_end();
                prop_assert_eq!(closing, "+++");
            }
            Err(at) => {
                prop_assert_eq!(at, 0);
                prop_assert!(text.starts_with("+++"));
            }
        }
    }

    #[test]
    fn front_matter_errors_point_inside_the_page(text in page_text()) {
        let path = Path::new("content/page.md");
        let file = SourceFile::new(path, text.clone());
        let mut errors = Vec::new();
        let (_, body_start) = front_matter::read(&file, &mut errors);
        prop_assert!(body_start <= text.len() && text.is_char_boundary(body_start));
        for d in &errors {
            check_position(d, path, &text)?;
        }
    }
}

// ---------------------------------------------------------------------------
// Data files

/// Loads one data file holding `bytes` and checks every diagnostic.
fn load_data(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/x.toml"), bytes).unwrap();
    let (_, errors) = Data::load(dir.path(), &Config::default());
    let path = Path::new("data/x.toml");
    for d in &errors {
        match std::str::from_utf8(bytes) {
            Ok(text) => check_position(d, path, text)?,
            // Invalid UTF-8: the position is counted in the valid part.
            Err(e) => {
                let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap();
                check_position(d, path, valid)?;
                prop_assert!(d.message.contains("not valid UTF-8"), "{}", d);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn data_errors_point_inside_the_file(text in toml_text()) {
        load_data(text.as_bytes())?;
    }

    #[test]
    fn data_files_of_arbitrary_bytes_never_panic(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            (toml_text(), prop::collection::vec(any::<u8>(), 1..4), any::<prop::sample::Index>())
                .prop_map(|(text, junk, at)| {
                    let mut bytes = text.into_bytes();
                    let at = at.index(bytes.len() + 1);
                    bytes.splice(at..at, junk);
                    bytes
                }),
        ]
    ) {
        load_data(&bytes)?;
    }
}

// ---------------------------------------------------------------------------
// A whole site: settings, data and pages together

const PEOPLE: &str = "[[person]]\nid = \"ana\"\nname = \"Ana\"\nrole = \"product\"\n\n[[feature]]\nid = \"x\"\ntitle = \"X\"\nstatus = \"discovery\"\ntags = [\"a\"]\nimpact = 3\neffort = 4\n";

proptest! {
    #![proptest_config(config())]

    #[test]
    fn site_errors_point_inside_their_files(
        page in page_text(),
        data in toml_text(),
        settings in prop::collection::vec(
            prop::sample::select(vec![
                "title = \"T\"\n",
                "base_url = \"https://x.example/sub/\"\n",
                "[markdown]\nraw_html = false\n",
                "[matrix]\nimpact_max = 5\n",
                "[matrix]\nimpact_split = 99\n",
                "[checkins]\ndue_within_days = -1\n",
                "theme = \"nope\"\n",
                "titel = 1\n",
                "= broken\n",
            ]),
            0..3,
        ),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let settings = settings.concat();
        let files: HashMap<PathBuf, String> = [
            ("tandem.toml", settings.as_str()),
            ("data/people.toml", PEOPLE),
            ("data/more.toml", data.as_str()),
            ("content/page.md", page.as_str()),
            ("content/other.md", "## X\n\ntext\n"),
        ]
        .into_iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect();
        for (path, text) in &files {
            std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
            std::fs::write(root.join(path), text).unwrap();
        }
        let options = BuildOptions {
            root: root.to_path_buf(),
            today: Date::from_ymd(2026, 11, 25),
            ..BuildOptions::default()
        };
        let diagnostics = match Site::load(&options) {
            Ok((_, warnings)) => warnings,
            Err(errors) => errors,
        };
        for d in &diagnostics.0 {
            check_in_files(d, &files)?;
        }
    }
}

// ---------------------------------------------------------------------------
// Markdown: slugs, heading ids, links

/// Whether `id` has the shape of a generated heading id: lowercase letters
/// and digits (any script) and single dashes between them.
fn is_slug_shaped(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c == '-' || (c.is_alphanumeric() && c.to_lowercase().eq([c])))
}

fn urls() -> HashMap<PathBuf, String> {
    [
        ("content/a.md", "/a/"),
        ("content/other.md", "/other/"),
        ("content/guide/page.md", "/guide/page/"),
        ("content/guide/_index.md", "/guide/"),
    ]
    .into_iter()
    .map(|(p, u)| (PathBuf::from(p), u.to_string()))
    .collect()
}

fn render(body: &str, raw_html: bool) -> markdown::Rendered {
    let urls = urls();
    let ctx = LinkContext {
        source: Path::new("content/guide/page.md"),
        urls: &urls,
        raw_html,
        strip_first_heading: false,
        base_path: "/",
        page_ids: &[],
    };
    markdown::render(body, 0, &ctx)
}

/// The values of every `href` and `src` attribute of the tags in `html`
/// (not of text that merely looks like one), with character references
/// decoded as a browser would.
fn link_values(html: &str) -> Vec<String> {
    let mut values = Vec::new();
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        for attribute in [" href=\"", " src=\""] {
            let mut rest = tag;
            while let Some(i) = rest.find(attribute) {
                rest = &rest[i + attribute.len()..];
                let end = rest.find('"').unwrap_or(rest.len());
                values.push(decode_entities(&rest[..end]));
                rest = &rest[end..];
            }
        }
    }
    values
}

/// Markdown built to smuggle script URLs past the link rewriter.
fn hostile_markdown() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(vec![
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x]( javascript:alert(1) )",
            "[x](<java script:alert(1)>)",
            "[x](java\tscript:alert(1))",
            "[x](jav&#x61;script:alert(1))",
            "[x](jav&#97;script:alert(1))",
            "[x](javascript&colon;alert(1))",
            "[x](&#106;avascript:alert(1))",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](\u{0}javascript:alert(1))",
            "![i](javascript:alert(1))",
            "![i](data:image/svg+xml,<svg onload=alert(1)>)",
            "<javascript:alert(1)>",
            "[r]\n\n[r]: javascript:alert(1)\n",
            "[x][r]\n\n[r]: <jav&#x09;ascript:alert(1)>\n",
            "<a href=\"javascript:alert(1)\">raw</a>",
            "<img src=x onerror=alert(1)>",
            "<script>alert(1)</script>",
            "[ok](https://example.com/)",
            "[ok](other.md#x)",
            "\n\n",
            " ",
        ])
        .prop_map(str::to_string),
        1 => noise(),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn slugify_is_idempotent_and_slug_shaped(text in any::<String>()) {
        let slug = markdown::slugify(&text);
        prop_assert!(is_slug_shaped(&slug), "{:?} -> {:?}", text, slug);
        prop_assert_eq!(markdown::slugify(&slug), slug);
    }

    #[test]
    fn heading_ids_are_unique_and_well_formed(
        body in prop_oneof![page_text(), any::<String>()],
        raw_html in any::<bool>(),
    ) {
        let first = render(&body, raw_html);
        let unique: HashSet<&String> = first.anchors.iter().collect();
        prop_assert_eq!(unique.len(), first.anchors.len(), "{:?}", first.anchors);
        // Ids come from the heading text unless set with `{#id}`.
        if !body.contains("{#") {
            for id in &first.anchors {
                prop_assert!(is_slug_shaped(id), "{:?}", id);
            }
        }
        for entry in &first.toc {
            prop_assert!(first.anchors.contains(&entry.id));
        }
        // Rendering is a function of the page: twice gives the same bytes.
        let second = render(&body, raw_html);
        prop_assert_eq!(&first.html, &second.html);
        prop_assert_eq!(&first.anchors, &second.anchors);
    }

    #[test]
    fn no_script_url_survives_in_a_link(body in hostile_markdown()) {
        let rendered = render(&body, false);
        for value in link_values(&rendered.html) {
            prop_assert!(
                !markdown::is_script_url(&value),
                "script URL {:?} in {}",
                value,
                rendered.html
            );
        }
        // With raw HTML off, markup in the page is text.
        let lower = rendered.html.to_lowercase();
        prop_assert!(!lower.contains("<script"), "{}", rendered.html);
        prop_assert!(!lower.contains("<a href=\"javascript"), "{}", rendered.html);
        for tag in lower.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or("");
            prop_assert!(!tag.contains("onerror=") && !tag.contains("onload="), "{}", rendered.html);
        }
    }

    #[test]
    fn link_rewriting_is_idempotent(
        dest in prop_oneof![
            "[a-z0-9./#_-]{0,16}",
            prop::sample::select(vec![
                "../a.md", "../a.md#top", "page.md", "_index.md#x", "../other.md",
                "gone.md", "#local", "https://example.com/x.md", "/abs/x.md",
                "//host/x", "mailto:a@b", "../../../../etc/x.md", "./page.md",
            ]).prop_map(str::to_string),
        ]
    ) {
        let once = render(&format!("[t]({dest})"), true);
        let hrefs = link_values(&once.html);
        prop_assume!(hrefs.len() == 1);
        let twice = render(&format!("[t](<{}>)", hrefs[0]), true);
        prop_assert_eq!(link_values(&twice.html), hrefs);
    }

    #[test]
    fn path_normalization_is_idempotent_and_has_no_dots(
        parts in prop::collection::vec(
            prop::sample::select(vec!["content", "a", "..", ".", "b.md", "漢", ""]),
            0..8,
        )
    ) {
        let path: PathBuf = parts.iter().collect();
        let once = markdown::normalize(&path);
        prop_assert_eq!(markdown::normalize(&once), once.clone());
        prop_assert!(once
            .components()
            .all(|c| !matches!(c, Component::ParentDir | Component::CurDir)));
    }
}

/// Every character of Unicode, once: `slugify` keeps only characters that
/// stay the same when lowercased again, so a slug of a slug is itself.
#[test]
fn slugify_is_idempotent_for_every_character() {
    let mut text = String::new();
    for c in (0..=0x10FFFF).filter_map(char::from_u32) {
        text.clear();
        text.push('a');
        text.push(c);
        let slug = markdown::slugify(&text);
        assert!(is_slug_shaped(&slug), "U+{:04X} -> {slug:?}", c as u32);
        assert_eq!(markdown::slugify(&slug), slug, "U+{:04X}", c as u32);
    }
}

// ---------------------------------------------------------------------------
// Shortcodes

proptest! {
    #![proptest_config(config())]

    #[test]
    fn shortcode_extraction_keeps_offsets(body in page_text(), prefix in "[a-z ]{0,8}\n") {
        // The body starts after some front matter, as in a real page.
        let text = format!("{prefix}{body}");
        let offset = prefix.len();
        let path = Path::new("content/page.md");
        let file = SourceFile::new(path, text.clone());
        let mut errors = Vec::new();
        let (out, calls) = shortcode::extract(&body, offset, &file, &mut errors);
        // Same length, and every line ends where it ended, so positions of
        // what follows a shortcode are still positions in the file.
        prop_assert_eq!(out.len(), body.len());
        for (i, _) in body.match_indices('\n') {
            prop_assert_eq!(out.as_bytes()[i], b'\n');
        }
        for call in &calls {
            let source = &text[call.span.clone()];
            prop_assert!(source.starts_with("{{") && source.ends_with("}}"), "{:?}", source);
        }
        for (i, _) in calls.iter().enumerate() {
            let marker = shortcode::placeholder_html(i);
            let marker = &marker[3..marker.len() - 4];
            prop_assert!(out.contains(marker));
        }
        for d in &errors {
            check_position(d, path, &text)?;
        }
    }

    #[test]
    fn shortcode_parsing_never_panics(line in prop_oneof![
        "\\{\\{[ -~]{0,24}\\}\\}",
        any::<String>().prop_map(|s| format!("{{{{{s}}}}}")),
        ("[a-z_]{0,10}", prop::collection::vec(("[a-z]{0,4}", "(\"[^\"]{0,5}\"?|-?[0-9]{0,20}|)"), 0..4))
            .prop_map(|(name, args)| {
                let args: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{{{{ {name}({}) }}}}", args.join(", "))
            }),
    ]) {
        let text = format!("{line}\n");
        let path = Path::new("content/page.md");
        let file = SourceFile::new(path, text.clone());
        let mut errors = Vec::new();
        let (out, calls) = shortcode::extract(&text, 0, &file, &mut errors);
        prop_assert_eq!(out.len(), text.len());
        prop_assert!(calls.len() + errors.len() <= 1 + errors.len());
        for d in &errors {
            check_position(d, path, &text)?;
        }
    }
}

// ---------------------------------------------------------------------------
// Development server: request paths

/// A request path from pieces that attackers combine.
fn request_path() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "..",
        ".",
        "%2e%2e",
        "%2E.",
        ".%2e",
        "%2e",
        "%2f",
        "%2F",
        "%5c",
        "%5C",
        "\\",
        "%00",
        "%0a",
        "%",
        "%zz",
        "%+1",
        "a",
        "b.html",
        "index.html",
        "é",
        "%C3%A9",
        "%C3",
        "",
        "?x=1",
        "#f",
        "%252e%252e",
        "..;",
        "~",
        " ",
        "%20",
    ]);
    prop_oneof![
        prop::collection::vec(piece.clone(), 0..8).prop_map(|p| format!("/{}", p.join("/"))),
        prop::collection::vec(piece, 0..8).prop_map(|p| p.concat()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn accepted_request_paths_stay_inside_the_root(path in request_path()) {
        let Ok(segments) = http::clean_path(&path) else {
            return Ok(());
        };
        let root = Path::new("/srv/site");
        let mut joined = root.to_path_buf();
        for segment in &segments {
            prop_assert!(!segment.is_empty() && segment != "." && segment != "..");
            prop_assert!(!segment.contains(['/', '\\', '\0']), "{:?}", segment);
            prop_assert!(!segment.chars().any(|c| c.is_ascii_control()), "{:?}", segment);
            joined.push(segment);
        }
        // Pushing never replaced the root and never climbed out of it.
        prop_assert!(joined.starts_with(root));
        prop_assert!(joined
            .components()
            .skip(root.components().count())
            .all(|c| matches!(c, Component::Normal(_))));
    }

    #[test]
    fn routing_any_request_never_panics_and_serves_only_built_files(
        path in request_path(),
        method in prop::sample::select(vec!["GET", "HEAD", "POST", "get", ""]),
    ) {
        let mut files = Files::new();
        files.insert("index.html".into(), std::sync::Arc::new(b"<html><body>home</body></html>".to_vec()));
        files.insert("a/index.html".into(), std::sync::Arc::new(b"<html><body>a</body></html>".to_vec()));
        files.insert("style.css".into(), std::sync::Arc::new(b"body{}".to_vec()));
        let view = View { files: &files, build: 1, errors: None };
        if let Route::Reply(reply) = http::route(method, &path, &view) {
            if reply.status == 200 {
                let served = files.values().any(|bytes| {
                    reply.body.starts_with(&bytes[..bytes.len().min(12)])
                }) || reply.content_type.starts_with("text/javascript");
                prop_assert!(served, "{:?} served {:?}", path, reply.body);
            }
            if let Some(location) = &reply.location {
                prop_assert!(!location.contains(['\r', '\n']));
                prop_assert!(!location.starts_with("//"));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Regressions found by the properties above

/// A shortcode line longer than its placeholder, or one written with CRLF,
/// used to shift every later position in the page.
#[test]
fn errors_after_a_shortcode_keep_their_line() {
    for eol in ["\n", "\r\n"] {
        let text = format!(
            "{{{{ matrix() }}}}{eol}{{{{ nosuch() }}}}{eol}{{{{matrix()}}}}{eol}[x](gone.md){eol}"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        std::fs::write(dir.path().join("content/page.md"), &text).unwrap();
        let options = BuildOptions {
            root: dir.path().to_path_buf(),
            today: Date::from_ymd(2026, 11, 25),
            ..BuildOptions::default()
        };
        let errors = Site::load(&options).unwrap_err();
        let broken: Vec<&Diagnostic> = errors
            .0
            .iter()
            .filter(|d| d.message.contains("gone.md"))
            .collect();
        assert_eq!(broken.len(), 1, "{errors}");
        assert_eq!((broken[0].line, broken[0].column), (4, 1), "{errors}");
    }
}

/// A shortcode right below a line of text used to be swallowed by that
/// paragraph, so its placeholder was never replaced and showed on the page.
#[test]
fn a_shortcode_right_after_text_is_a_paragraph_of_its_own() {
    let body = "Intro line\n{{ matrix() }}\nMore text\n";
    let file = SourceFile::new("content/page.md", body.to_string());
    let mut errors = Vec::new();
    let (out, calls) = shortcode::extract(body, 0, &file, &mut errors);
    assert_eq!(calls.len(), 1);
    let rendered = render(&out, true);
    assert!(
        rendered.html.contains(&shortcode::placeholder_html(0)),
        "{}",
        rendered.html
    );
    assert_eq!(rendered.summary, "Intro line");
    let only = render(
        &shortcode::extract("{{ matrix() }}\n\nReal summary.\n", 0, &file, &mut errors).0,
        true,
    );
    assert_eq!(only.summary, "Real summary.");
}
