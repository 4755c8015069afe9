//! Building a site end to end, through the library and through the binary,
//! and what the output pages contain.

mod common;

use common::{snapshot, stderr, Fixture};
use tandem::calendar::Date;
use tandem::site::BuildOptions;

fn options(site: &Fixture) -> BuildOptions {
    BuildOptions {
        root: site.root().to_path_buf(),
        today: Date::from_ymd(2026, 11, 25),
        ..Default::default()
    }
}

fn file<'a>(files: &'a [tandem::render::OutputFile], path: &str) -> &'a str {
    let f = files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no output {path}"));
    std::str::from_utf8(&f.bytes).unwrap()
}

#[test]
fn library_build_renders_every_kind_of_page() {
    let site = Fixture::new();
    let (files, _) = tandem::build::render(&options(&site)).expect("fixture builds");
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for expected in [
        "index.html",
        "guide/index.html",
        "guide/checkin/index.html",
        "guide/demos/index.html",
        "features/index.html",
        "features/offline-sync/index.html",
        "features/xss-title/index.html",
        "people/index.html",
        "404.html",
        "dashboards/matrix/index.html",
        "this-week/index.html",
        "data.json",
        "style.css",
    ] {
        assert!(paths.contains(&expected), "missing {expected} in {paths:?}");
    }
}

#[test]
fn page_links_to_md_sources_are_rewritten_to_urls() {
    let site = Fixture::new();
    let (files, _) = tandem::build::render(&options(&site)).unwrap();
    let page = file(&files, "guide/checkin/index.html");
    assert!(
        page.contains("href=\"/guide/demos/\""),
        "link to demos.md not rewritten"
    );
    assert!(
        page.contains("href=\"/\""),
        "link to ../_index.md not rewritten"
    );
    let home = file(&files, "index.html");
    assert!(
        home.contains("href=\"/guide/checkin/#the-agenda\""),
        "anchor link not rewritten"
    );
}

#[test]
fn headings_get_unique_ids_and_a_table_of_contents() {
    let site = Fixture::new();
    let (files, _) = tandem::build::render(&options(&site)).unwrap();
    let page = file(&files, "guide/checkin/index.html");
    assert!(page.contains("<h2 id=\"the-agenda\">"), "{page}");
    assert!(page.contains("<h2 id=\"the-agenda-1\">"), "{page}");
    assert!(page.contains("<h3 id=\"risks\">"), "{page}");
    for anchor in ["#the-agenda\"", "#the-agenda-1\"", "#risks\""] {
        assert!(
            page.contains(&format!("href=\"{anchor}")),
            "table of contents lacks {anchor}"
        );
    }
}

#[test]
fn page_title_falls_back_to_first_heading_then_file_name() {
    let site = Fixture::new();
    site.write(
        "content/guide/untitled-notes.md",
        "Just text, no heading.\n",
    );
    let (files, _) = tandem::build::render(&options(&site)).unwrap();
    let demos = file(&files, "guide/demos/index.html");
    assert!(
        demos.contains("<title>Demos that show the why"),
        "title from first heading"
    );
    // The heading became the title, so it is not repeated in the body.
    assert_eq!(
        demos.matches("Demos that show the why</h1>").count(),
        1,
        "{demos}"
    );
    let notes = file(&files, "guide/untitled-notes/index.html");
    assert!(
        notes.contains("<title>Untitled notes"),
        "title from file name"
    );
}

#[test]
fn data_from_files_is_escaped_everywhere() {
    let site = Fixture::new();
    let (files, _) = tandem::build::render(&options(&site)).unwrap();
    for f in &files {
        let text = String::from_utf8_lossy(&f.bytes);
        assert!(
            !text.contains("<script>alert"),
            "unescaped script in {}",
            f.path
        );
        assert!(
            !text.contains("Lee <Script>"),
            "unescaped person name in {}",
            f.path
        );
    }
    let feature = file(&files, "features/xss-title/index.html");
    assert!(
        feature.contains("&lt;script&gt;alert("),
        "title not shown escaped"
    );
}

#[test]
fn feature_page_shows_why_owners_scores_checkins_and_demos() {
    let site = Fixture::new();
    let (files, _) = tandem::build::render(&options(&site)).unwrap();
    let page = file(&files, "features/offline-sync/index.html");
    for text in [
        "Offline sync for field app",
        "Technicians lose work when the network drops.",
        "Top churn reason in Q3 interviews.",
        "Ana Ruiz",
        "Raj Patel",
        "Sync conflicts are the hard part.",
        "Sync prototype walkthrough",
        "Show why conflict resolution matters.",
    ] {
        assert!(page.contains(text), "feature page lacks {text:?}");
    }
    let other = file(&files, "features/xss-title/index.html");
    assert!(
        other.contains("Effort is underestimated by about half."),
        "dissent missing"
    );
    assert!(other.contains("CRDT library maturity"), "risk missing");
}

#[test]
fn page_past_review_date_is_marked_with_owner() {
    let site = Fixture::new();
    let (files, warnings) = tandem::build::render(&options(&site)).unwrap();
    let page = file(&files, "guide/checkin/index.html");
    assert!(
        page.to_lowercase().contains("due for review"),
        "no review marker"
    );
    assert!(page.contains("Raj Patel"), "owner not shown");
    let text = warnings.to_string();
    assert!(
        text.contains("content/guide/checkin.md") && text.contains("due for review on 2026-01-01"),
        "{text}"
    );
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = Fixture::new();
    site.write(
        "content/guide/wip.md",
        "+++\ntitle = \"Work in progress\"\ndraft = true\n+++\nSoon.\n",
    );
    let (files, _) = tandem::build::render(&options(&site)).unwrap();
    assert!(!files.iter().any(|f| f.path == "guide/wip/index.html"));
    let with_drafts = BuildOptions {
        drafts: true,
        ..options(&site)
    };
    let (files, _) = tandem::build::render(&with_drafts).unwrap();
    assert!(files.iter().any(|f| f.path == "guide/wip/index.html"));
}

#[test]
fn base_url_with_sub_path_prefixes_every_link() {
    let site = Fixture::new();
    let opts = BuildOptions {
        base_url: Some("https://intranet.example/teams/payments/".into()),
        ..options(&site)
    };
    let (files, _) = tandem::build::render(&opts).unwrap();
    let page = file(&files, "guide/checkin/index.html");
    assert!(
        page.contains("href=\"/teams/payments/guide/demos/\""),
        "page link"
    );
    assert!(
        page.contains("href=\"/teams/payments/style.css\""),
        "stylesheet"
    );
    let matrix = file(&files, "dashboards/matrix/index.html");
    assert!(
        matrix.contains("href=\"/teams/payments/features/offline-sync/\""),
        "chart link"
    );
}

#[test]
fn a_single_template_can_be_overridden_by_the_site() {
    let site = Fixture::new();
    site.write(
        "templates/people.html",
        "<!doctype html><title>Our people</title><p>{{ model.people | length }} people</p>\n",
    );
    let (files, _) = tandem::build::render(&options(&site)).unwrap();
    assert_eq!(
        file(&files, "people/index.html"),
        "<!doctype html><title>Our people</title><p>3 people</p>\n"
    );
    // The other templates still come from the default theme.
    assert!(file(&files, "features/index.html").contains("Offline sync for field app"));
}

#[test]
fn static_files_are_copied_and_may_override_the_theme() {
    let site = Fixture::new();
    site.write(
        "static/logo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    site.write("static/style.css", "body { color: red }");
    let (files, _) = tandem::build::render(&options(&site)).unwrap();
    assert_eq!(
        file(&files, "logo.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"
    );
    assert_eq!(file(&files, "style.css"), "body { color: red }");
}

#[test]
fn binary_builds_into_public_and_prints_a_summary() {
    let site = Fixture::new();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("built "), "{}", stderr(&out));
    let home = site.read("public/index.html");
    assert!(
        home.starts_with("<!doctype html>") || home.starts_with("<!DOCTYPE html>"),
        "{home}"
    );
    assert!(
        home.contains("Fixture &amp; Co"),
        "site title from tandem.toml, escaped"
    );
}

#[test]
fn building_twice_gives_byte_identical_output() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    let first = snapshot(&site.path("public"));
    assert!(site
        .tandem(&["build", "--output", "public2"])
        .status
        .success());
    let second = snapshot(&site.path("public2"));
    assert_eq!(first.len(), second.len());
    for ((p1, b1), (p2, b2)) in first.iter().zip(&second) {
        assert_eq!(p1, p2);
        assert!(b1 == b2, "{} differs between builds", p1.display());
    }
}

#[test]
fn check_writes_nothing_and_exits_zero_for_a_valid_site() {
    let site = Fixture::new();
    let out = site.tandem(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!site.path("public").exists());
}

#[test]
fn init_scaffolds_a_site_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("handbook");
    common::init_and_build(&target);
    assert!(target.join("themes/default/templates/base.html").exists());
    assert!(target
        .join("public/handbook/weekly-routine/index.html")
        .exists());
    // A second init into the same, now non-empty, folder is refused.
    let again = assert_cmd::Command::cargo_bin("tandem")
        .unwrap()
        .arg("init")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
}

#[test]
fn every_command_explains_itself_with_help() {
    for args in [
        vec!["--help"],
        vec!["build", "--help"],
        vec!["check", "--help"],
        vec!["init", "--help"],
    ] {
        let out = assert_cmd::Command::cargo_bin("tandem")
            .unwrap()
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage:"), "{args:?}: {text}");
    }
}

#[test]
fn the_repository_example_site_builds_cleanly() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let opts = BuildOptions {
        root: root.to_path_buf(),
        today: Date::from_ymd(2026, 11, 25),
        ..Default::default()
    };
    let (files, _warnings) =
        tandem::build::render(&opts).unwrap_or_else(|e| panic!("example site has errors:\n{e}"));
    let pages = files.iter().filter(|f| f.path.ends_with(".html")).count();
    assert!(pages >= 40, "only {pages} pages");
    let (site, _) = tandem::site::Site::load(&opts).unwrap();
    assert!(
        site.content.pages.len() >= 10,
        "the handbook needs at least 10 pages"
    );
    assert!(site.data.people.len() >= 8);
    assert!(site.data.features.len() >= 20);
    for page in files.iter().filter(|f| f.path.ends_with(".html")) {
        let html = String::from_utf8_lossy(&page.bytes);
        let repeated = common::html::repeated_ids(&html);
        assert!(repeated.is_empty(), "{}: ids {repeated:?}", page.path);
    }
}

/// The `<nav class="nav-sidebar">` element of `html`.
fn sidebar(html: &str) -> &str {
    let start = html.find(r#"<nav class="nav-sidebar""#).expect("a sidebar");
    let end = start + html[start..].find("</nav>").expect("a closed sidebar");
    &html[start..end]
}

#[test]
fn the_sidebar_lists_every_section_in_order_and_opens_the_one_being_read() {
    let site = Fixture::new();
    site.write(
        "content/alpha/_index.md",
        "+++\ntitle = \"Alpha\"\nweight = 1\n+++\nA.\n",
    );
    site.write(
        "content/alpha/one.md",
        "+++\ntitle = \"Alpha one\"\n+++\nText.\n",
    );
    site.write(
        "content/zulu/_index.md",
        "+++\ntitle = \"Zulu & co\"\nweight = 3\n+++\nZ.\n",
    );
    site.write(
        "content/guide/_index.md",
        "+++\ntitle = \"Guide\"\nweight = 2\n+++\nG.\n",
    );
    let (files, _) = tandem::build::render(&options(&site)).expect("fixture builds");
    let closed = |key: &str, title: &str| format!(r#"<li><a href="/{key}/">{title}</a></li>"#);
    let open = |title: &str| {
        format!("<li class=\"nav-section is-active\">\n    <details open>\n      <summary>{title}</summary>")
    };
    let order = |nav: &str, parts: &[String]| {
        let at: Vec<usize> = (parts.iter())
            .map(|p| {
                nav.find(p.as_str())
                    .unwrap_or_else(|| panic!("no {p} in {nav}"))
            })
            .collect();
        assert!(
            at.windows(2).all(|w| w[0] < w[1]),
            "out of order: {parts:?} in {nav}"
        );
    };
    let home = sidebar(file(&files, "index.html"));
    order(
        home,
        &[
            closed("alpha", "Alpha"),
            closed("guide", "Guide"),
            closed("zulu", "Zulu &amp; co"),
        ],
    );
    assert!(!home.contains("is-active"), "{home}");
    // The middle section open, with its pages; the others plain links.
    // One navigation per page: the sidebar is also the phone's menu.
    let page = file(&files, "guide/checkin/index.html");
    assert_eq!(page.matches(r#"aria-label="Main""#).count(), 1, "{page}");
    assert!(page.contains(r#"<button class="nav-toggle" type="button" popovertarget="site-nav">"#));
    assert!(page.contains(r#"<nav class="nav-sidebar" id="site-nav" aria-label="Main" popover>"#));
    let guide = sidebar(page);
    order(
        guide,
        &[
            closed("alpha", "Alpha"),
            open("Guide"),
            closed("zulu", "Zulu &amp; co"),
        ],
    );
    assert!(
        guide.contains(r#"<a href="/guide/checkin/" aria-current="page">"#),
        "{guide}"
    );
    assert!(!guide.contains(&closed("guide", "Guide")), "{guide}");
    // The first and the last open too: nothing before, nothing after.
    let alpha = sidebar(file(&files, "alpha/one/index.html"));
    order(
        alpha,
        &[
            open("Alpha"),
            closed("guide", "Guide"),
            closed("zulu", "Zulu &amp; co"),
        ],
    );
    assert!(alpha.contains("Alpha one"), "{alpha}");
    let zulu = sidebar(file(&files, "zulu/index.html"));
    order(
        zulu,
        &[
            closed("alpha", "Alpha"),
            closed("guide", "Guide"),
            open("Zulu &amp; co"),
        ],
    );
    for part in [
        closed("alpha", "Alpha"),
        closed("guide", "Guide"),
        open("Zulu &amp; co"),
    ] {
        assert_eq!(zulu.matches(&part).count(), 1, "{part} in {zulu}");
    }
    assert!(!zulu.contains(&closed("zulu", "Zulu &amp; co")), "{zulu}");
}

#[test]
fn a_cached_partial_sees_its_arguments_and_the_globals_only() {
    let site = Fixture::new();
    site.write(
        "templates/partials/count.html",
        "{{ label }}: {{ model.people | length }} people{% if current_url is defined %} at {{ current_url }}{% endif %}",
    );
    site.write(
        "templates/people.html",
        "<!doctype html><title>People</title><p>{{ cached_partial(template=\"partials/count.html\", label=\"<Team>\") }}</p>\n",
    );
    let (files, _) = tandem::build::render(&options(&site)).unwrap();
    assert_eq!(
        file(&files, "people/index.html"),
        "<!doctype html><title>People</title><p>&lt;Team&gt;: 3 people</p>\n"
    );
}

#[test]
fn a_cached_partial_naming_a_missing_template_fails_the_build_with_its_name() {
    let site = Fixture::new();
    site.write(
        "templates/people.html",
        "<!doctype html><title>People</title>{{ cached_partial(template=\"partials/nope.html\") }}\n",
    );
    let output = site.build();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("templates/people.html"), "{err}");
    assert!(
        err.contains(r#"in cached_partial(template="partials/nope.html")"#),
        "{err}"
    );
}

#[test]
fn a_site_base_template_from_before_the_single_navigation_still_builds() {
    // Sites that copied `base.html` when it included the navigation twice
    // (a phone menu with `compact` set, and the sidebar), with the open
    // section's page list rendered once into `section_pages`, keep
    // building with today's `partials/nav.html`.
    let site = Fixture::new();
    site.write("templates/base.html", &common::base_html_with_two_menus());
    let (files, _) = tandem::build::render(&options(&site)).unwrap();
    let page = file(&files, "guide/checkin/index.html");
    assert_eq!(page.matches(r#"aria-label="Main""#).count(), 2, "{page}");
    assert_eq!(
        (page.matches(r#"<a href="/guide/checkin/" aria-current="page">"#)).count(),
        2,
        "the section's pages are listed in both menus: {page}"
    );
}

#[test]
fn a_heading_named_like_an_element_of_the_theme_gets_an_id_of_its_own() {
    let site = Fixture::new();
    site.write(
        "content/guide/ids.md",
        "+++\ntitle = \"Ids\"\n+++\n\n## Site nav\n\nText.\n\n## Main content\n\nMore.\n",
    );
    let (files, _) = tandem::build::render(&options(&site)).unwrap();
    let page = file(&files, "guide/ids/index.html");
    for id in tandem::content::markdown::THEME_IDS {
        let attribute = format!(r#"id="{id}""#);
        let expected = usize::from(id != "site-search-results"); // made by search.js
        assert_eq!(page.matches(&attribute).count(), expected, "{id} in {page}");
    }
    assert!(
        page.contains(r#"<h2 id="site-nav-1">Site nav</h2>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"<h2 id="main-content-1">Main content</h2>"#),
        "{page}"
    );
    let script = file(&files, "search.js");
    assert!(
        script.contains(r#""site-search-results""#),
        "search.js names its results so"
    );
}

/// The ids written literally in the default theme's template `name` and
/// in everything it extends, includes or renders as a `cached_partial`.
fn literal_ids_of_default_template(name: &str) -> std::collections::BTreeSet<String> {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates");
    let source = std::fs::read_to_string(folder.join(name)).unwrap();
    let mut ids = std::collections::BTreeSet::new();
    for piece in source.split(" id=\"").skip(1) {
        let id = &piece[..piece.find('"').unwrap()];
        if !id.contains("{{") {
            ids.insert(id.to_string());
        }
    }
    for used in [
        "{% extends \"",
        "{% include \"",
        "cached_partial(template=\"",
    ] {
        for piece in source.split(used).skip(1) {
            let other = &piece[..piece.find('"').unwrap()];
            ids.extend(literal_ids_of_default_template(other));
        }
    }
    ids
}

#[test]
fn the_reserved_ids_are_every_id_the_default_theme_writes_on_home_and_section_pages() {
    use tandem::content::markdown::{HOME_IDS, SECTION_IDS, THEME_IDS};
    // `site-search-results` is made by search.js, not written in a template.
    let every_page = THEME_IDS
        .into_iter()
        .filter(|id| *id != "site-search-results");
    for (template, own) in [("index.html", HOME_IDS), ("section.html", SECTION_IDS)] {
        let expected: std::collections::BTreeSet<String> =
            (every_page.clone().chain(own.iter().copied()))
                .map(str::to_string)
                .collect();
        assert_eq!(
            literal_ids_of_default_template(template),
            expected,
            "{template}"
        );
    }
}

#[test]
fn a_heading_named_like_a_shortcode_chart_keeps_its_id_apart_from_the_charts() {
    let site = Fixture::new();
    site.write(
        "content/guide/charts.md",
        "+++\ntitle = \"Charts\"\n+++\n\n## Shortcode matrix 0\n\n{{ matrix() }}\n\n## Shortcode matrix 0 title\n",
    );
    let (files, _) = tandem::build::render(&options(&site)).unwrap();
    let page = file(&files, "guide/charts/index.html");
    assert!(page.contains(r#"id="shortcode_matrix_0""#), "{page}");
    assert!(page.contains(r#"<h2 id="shortcode-matrix-0">"#), "{page}");
    assert_eq!(
        common::html::repeated_ids(page),
        Vec::<String>::new(),
        "{page}"
    );
}

#[test]
fn repeated_ids_are_read_from_tags_not_from_text_comments_or_scripts() {
    let page = |last: &str| {
        format!(
            r#"<p id="a">x</p><pre><code>&lt;p id="a"&gt; <p id="b"></code></pre><!-- <i id="a"> -->
<script>var s = '<b id="a">';</script><div data-id="a"><span id="b"></span>{last}</div>"#
        )
    };
    assert_eq!(common::html::repeated_ids(&page("")), ["b"]);
    assert_eq!(
        common::html::repeated_ids(&page(r#"<span class="x" id="a"></span>"#)),
        ["b", "a"]
    );
}

#[test]
fn an_intro_heading_named_like_an_element_of_its_home_or_section_page_gets_an_id_of_its_own() {
    use tandem::content::markdown::{HOME_IDS, SECTION_IDS};
    let site = Fixture::new();
    // Headings named after every id the theme gives the home page and a
    // section page; the home's "Attention" list shows an overdue check-in.
    let headings = |ids: &[&str]| -> String {
        (ids.iter())
            .map(|id| format!("## {}\n\nText.\n\n", id.replace('-', " ")))
            .collect()
    };
    site.write(
        "content/_index.md",
        &format!("+++\ntitle = \"Home\"\n+++\n\n{}", headings(HOME_IDS)),
    );
    site.write(
        "content/guide/_index.md",
        &format!("+++\ntitle = \"Guide\"\n+++\n\n{}", headings(SECTION_IDS)),
    );
    // A subsection, so that the section page lists subsections too.
    site.write(
        "content/guide/deep/_index.md",
        "+++\ntitle = \"Deep\"\n+++\n",
    );
    site.write(
        "content/guide/deep/one.md",
        "+++\ntitle = \"One\"\n+++\nText.\n",
    );
    let (files, _) = tandem::build::render(&options(&site)).unwrap();
    for (path, ids) in [("index.html", HOME_IDS), ("guide/index.html", SECTION_IDS)] {
        let page = file(&files, path);
        assert_eq!(
            common::html::repeated_ids(page),
            Vec::<String>::new(),
            "{page}"
        );
        for id in ids {
            assert!(
                page.contains(&format!(r#"<h2 id="{id}-1">"#)),
                "{id} in {page}"
            );
        }
    }
    let home = file(&files, "index.html");
    assert!(
        home.contains(r#"id="attention""#),
        "the theme's list is there: {home}"
    );
    let guide = file(&files, "guide/index.html");
    assert!(
        guide.contains(r#"id="section-subsections-title""#),
        "the theme's list of subsections is there: {guide}"
    );
}
