//! Partial rebuilds of the development server's in-memory site: a save
//! that changes only the text of pages renders only the outputs that show
//! that text, and the result is byte for byte what a full build gives.

mod common;

use std::path::{Path, PathBuf};

use common::Fixture;
use tandem::calendar::Date;
use tandem::preview::{Preview, Update};
use tandem::site::BuildOptions;

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        today: Date::from_ymd(2026, 11, 25),
        base_url: Some("http://127.0.0.1:1111/".into()),
        relative_urls: Some(false),
        fingerprint: Some(false),
        ..Default::default()
    }
}

/// Fails unless `preview` holds exactly the files a full build of the same
/// sources gives, byte for byte.
fn assert_same_as_full_build(preview: &Preview, root: &Path) {
    let full = Preview::build(&options(root)).expect("the site builds");
    let mut ours: Vec<&String> = preview.files.keys().collect();
    let mut theirs: Vec<&String> = full.files.keys().collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "different sets of files");
    for (path, bytes) in full.files.iter() {
        assert!(
            preview.files[path] == *bytes,
            "{path} differs from a full build:\n--- partial\n{}\n--- full\n{}",
            String::from_utf8_lossy(&preview.files[path]),
            String::from_utf8_lossy(bytes)
        );
    }
}

fn paths(list: &[&str]) -> Vec<PathBuf> {
    list.iter().map(PathBuf::from).collect()
}

/// Replaces `from` with `to` in the fixture's check-in page and updates the
/// preview in part; returns the outputs it rendered again.
fn edit_checkin_page(site: &Fixture, preview: &mut Preview, from: &str, to: &str) -> Vec<String> {
    let file = "content/guide/checkin.md";
    site.edit(file, from, to);
    rendered_again(preview, file)
}

/// Updates the preview after a save of `file`; the outputs it rendered.
fn rendered_again(preview: &mut Preview, file: &str) -> Vec<String> {
    match preview.update(&paths(&[file])).unwrap() {
        Update::Partial(rendered) => rendered,
        Update::NeedsFullBuild => panic!("saving {file} needed a full build"),
    }
}

#[test]
fn a_text_edit_renders_only_the_outputs_showing_the_page() {
    let site = Fixture::new();
    let mut preview = Preview::build(&options(site.root())).unwrap();
    let rendered = edit_checkin_page(
        &site,
        &mut preview,
        "Thirty minutes, before anything is committed.",
        "Half an hour, before anything is committed. *New words.*",
    );
    assert_eq!(
        rendered,
        [
            "guide/checkin/index.html",
            "guide/index.html",
            "index.html",
            "search-index.json",
            "search/index.html",
        ]
    );
    let page = String::from_utf8_lossy(&preview.files["guide/checkin/index.html"]).into_owned();
    assert!(page.contains("<em>New words.</em>"), "{page}");
    let index = String::from_utf8_lossy(&preview.files["search-index.json"]).into_owned();
    assert!(index.contains("Half an hour"), "{index}");
    assert_same_as_full_build(&preview, site.root());

    // Below the first paragraph (the summary other pages show), only the
    // page itself shows the text.
    let rendered = edit_checkin_page(
        &site,
        &mut preview,
        "Duplicate heading on purpose.",
        "A repeated heading, on purpose.",
    );
    assert_eq!(rendered, ["guide/checkin/index.html", "search-index.json"]);
    assert_same_as_full_build(&preview, site.root());
}

#[test]
fn a_section_intro_edit_matches_a_full_build() {
    let site = Fixture::new();
    site.write(
        "content/guide/_index.md",
        "+++\ntitle = \"Guide\"\n+++\n\nHow we work.\n",
    );
    let mut preview = Preview::build(&options(site.root())).unwrap();
    site.edit(
        "content/guide/_index.md",
        "How we work.",
        "How we *really* work.",
    );
    site.edit("content/_index.md", "Welcome.", "Welcome, reader.");
    let update = preview
        .update(&paths(&["content/guide/_index.md", "content/_index.md"]))
        .unwrap();
    assert!(matches!(update, Update::Partial(_)), "{update:?}");
    assert_same_as_full_build(&preview, site.root());
}

#[test]
fn changes_other_pages_show_need_a_full_build() {
    let site = Fixture::new();
    let mut preview = Preview::build(&options(site.root())).unwrap();
    let before = preview.files.clone();
    for (file, from, to) in [
        (
            "content/guide/checkin.md",
            "Running a check-in",
            "Running check-ins",
        ),
        ("content/guide/checkin.md", "### Risks", "### Known risks"),
        ("content/guide/checkin.md", "weight = 20", "weight = 1"),
        (
            "content/guide/checkin.md",
            "owner = \"raj\"",
            "owner = \"ana\"",
        ),
    ] {
        site.edit(file, from, to);
        assert_eq!(
            preview.update(&paths(&[file])).unwrap(),
            Update::NeedsFullBuild,
            "{from} -> {to}"
        );
        site.edit(file, to, from);
    }
    site.write("content/guide/new.md", "# New\n");
    std::fs::remove_file(site.path("content/guide/demos.md")).unwrap();
    for changed in [
        "content/guide/new.md",
        "content/guide/demos.md",
        "data/features.toml",
        "tandem.toml",
        "static/style.css",
        "themes/another-theme/templates/page.html",
    ] {
        assert_eq!(
            preview.update(&paths(&[changed])).unwrap(),
            Update::NeedsFullBuild,
            "{changed}"
        );
    }
    assert!(*preview.files == *before, "nothing changed meanwhile");
}

#[test]
fn errors_in_a_partial_update_keep_the_last_good_site_until_fixed() {
    let site = Fixture::new();
    let mut preview = Preview::build(&options(site.root())).unwrap();
    let good = preview.files.clone();
    let file = "content/guide/checkin.md";
    for (broken, expected) in [
        ("See [the demos page](demos.md#nowhere)", "#nowhere"),
        ("See ![a chart](/img/missing.png)", "missing.png"),
        (
            "\n{{ feature(id=\"no-such-candidate\") }}\n",
            "no-such-candidate",
        ),
    ] {
        site.edit(file, "See [the demos page](demos.md)", broken);
        let errors = preview
            .update(&paths(&[file]))
            .expect_err(&format!("{broken} is an error"));
        let text = errors.to_string();
        assert!(text.contains(expected), "{text}");
        assert!(text.contains("content/guide/checkin.md:"), "{text}");
        assert!(*preview.files == *good, "the last good site stays");
        site.edit(file, broken, "See [the demos page](demos.md)");
    }
    site.edit(file, "Thirty minutes", "Forty minutes");
    assert!(matches!(
        preview.update(&paths(&[file])).unwrap(),
        Update::Partial(_)
    ));
    assert_same_as_full_build(&preview, site.root());
}

#[test]
fn a_page_that_gains_or_loses_noindex_needs_a_full_build() {
    let site = Fixture::new();
    let mut preview = Preview::build(&options(site.root())).unwrap();
    let file = "content/guide/demos.md";
    let noindex = "<meta name=\"robots\" content=\"noindex\">\n\nShow the *why*.";
    site.edit(file, "Show the *why*.", noindex);
    assert_eq!(
        preview.update(&paths(&[file])).unwrap(),
        Update::NeedsFullBuild
    );
    let mut preview = Preview::build(&options(site.root())).unwrap();
    site.edit(file, noindex, "Show the *why*.");
    assert_eq!(
        preview.update(&paths(&[file])).unwrap(),
        Update::NeedsFullBuild
    );
}

/// The example site: shortcodes, nested sections, many pages.
#[test]
fn text_edits_of_every_example_page_match_a_full_build() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for part in ["content", "data", "themes"] {
        copy_dir(&repo.join(part), &dir.path().join(part));
    }
    std::fs::copy(repo.join("tandem.toml"), dir.path().join("tandem.toml")).unwrap();
    let root = dir.path();
    let mut preview = Preview::build(&options(root)).unwrap();
    let mut pages: Vec<PathBuf> = walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    for page in &pages {
        // A new first paragraph (the summary other pages show) and a new
        // last one.
        let text = std::fs::read_to_string(page).unwrap();
        let (front, body) = text.split_at(text.find("\n+++\n").map_or(0, |i| i + 5));
        let text = format!("{front}\nA new opening line.\n{body}\nOne more paragraph.\n");
        std::fs::write(page, text).unwrap();
    }
    let relative: Vec<PathBuf> = pages
        .iter()
        .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
        .collect();
    let update = preview.update(&relative).unwrap();
    assert!(matches!(update, Update::Partial(_)), "{update:?}");
    assert_same_as_full_build(&preview, root);
    // Then only below the summaries.
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        std::fs::write(page, format!("{text}\nAnd a last word.\n")).unwrap();
    }
    let update = preview.update(&relative).unwrap();
    assert!(matches!(update, Update::Partial(_)), "{update:?}");
    assert_same_as_full_build(&preview, root);
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_save_that_moves_the_last_updated_date_needs_a_full_build() {
    let site = Fixture::new();
    // Outside git, the date is the file's modification time: make it older
    // than the save about to happen.
    let file = "content/guide/checkin.md";
    let october = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_790_000_000);
    std::fs::File::options()
        .write(true)
        .open(site.path(file))
        .unwrap()
        .set_modified(october)
        .unwrap();
    let mut preview = Preview::build(&options(site.root())).unwrap();
    site.edit(file, "Thirty minutes", "Forty minutes");
    assert_eq!(
        preview.update(&paths(&[file])).unwrap(),
        Update::NeedsFullBuild
    );
}

#[test]
fn in_git_a_save_keeps_the_commit_date_and_renders_in_part() {
    let site = Fixture::new();
    site.commit_everything("2026-11-02T10:00:00Z");
    let mut preview = Preview::build(&options(site.root())).unwrap();
    let file = "content/guide/checkin.md";
    site.edit(file, "Thirty minutes", "Forty minutes");
    assert!(matches!(
        preview.update(&paths(&[file])).unwrap(),
        Update::Partial(_)
    ));
    let page = String::from_utf8_lossy(&preview.files["guide/checkin/index.html"]).into_owned();
    assert!(page.contains("2026-11-02"), "the commit's date: {page}");
    assert_same_as_full_build(&preview, site.root());
}

#[test]
fn in_git_a_save_after_a_commit_shows_the_commits_date() {
    let site = Fixture::new();
    site.commit_everything("2026-11-02T10:00:00Z");
    let mut preview = Preview::build(&options(site.root())).unwrap();
    let file = "content/guide/checkin.md";
    site.edit(file, "Thirty minutes", "Forty minutes");
    common::git(
        site.root(),
        &["commit", "-qam", "edit"],
        "2026-11-20T10:00:00Z",
    );
    // HEAD moved since the build read git's dates: the page's date is
    // asked of git again, and it moved, so everything renders.
    site.edit(file, "Forty minutes", "Fifty minutes");
    assert!(matches!(
        preview.update(&paths(&[file])).unwrap(),
        Update::NeedsFullBuild
    ));
}

#[test]
fn saving_a_draft_the_site_leaves_out_renders_nothing() {
    let site = Fixture::new();
    site.write(
        "content/guide/later.md",
        "+++\ndraft = true\n+++\n\nNot yet.\n",
    );
    let mut preview = Preview::build(&options(site.root())).unwrap();
    let before = preview.files.clone();
    site.write(
        "content/guide/later.md",
        "+++\ndraft = true\n+++\n\nStill not.\n",
    );
    let file = "content/guide/later.md";
    assert!(matches!(
        preview.update(&paths(&[file])).unwrap(),
        Update::Partial(_)
    ));
    assert!(*preview.files == *before);
    site.write(
        "content/guide/later.md",
        "+++\ndraft = false\n+++\n\nNow.\n",
    );
    assert_eq!(
        preview.update(&paths(&[file])).unwrap(),
        Update::NeedsFullBuild
    );
    site.write(
        "content/guide/later.md",
        "+++\ndraft = true\nweight = \"x\"\n+++\n",
    );
    let errors = preview.update(&paths(&[file])).unwrap_err().to_string();
    assert!(errors.contains("content/guide/later.md:3"), "{errors}");
}

/// The default theme's template `name`, to override in a fixture.
fn default_template(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("themes/default/templates")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn a_template_edit_renders_the_pages_using_it_and_matches_a_full_build() {
    let site = Fixture::new();
    site.write("templates/feature.html", &default_template("feature.html"));
    site.write(
        "templates/partials/toc.html",
        &default_template("partials/toc.html"),
    );
    let mut preview = Preview::build(&options(site.root())).unwrap();

    // A page template: its pages, nothing else.
    let feature = default_template("feature.html").replacen(
        "{% block content %}",
        "{% block content %}<p>Reviewed weekly.</p>",
        1,
    );
    assert_ne!(
        feature,
        default_template("feature.html"),
        "the edit applies"
    );
    site.write("templates/feature.html", &feature);
    let rendered = rendered_again(&mut preview, "templates/feature.html");
    assert_eq!(
        rendered,
        [
            "features/offline-sync/index.html",
            "features/xss-title/index.html",
            "search-index.json",
        ]
    );
    assert_same_as_full_build(&preview, site.root());

    // An included partial: every page whose template includes it.
    let toc = format!(
        "<!-- table of contents -->{}",
        default_template("partials/toc.html")
    );
    site.write("templates/partials/toc.html", &toc);
    let rendered = rendered_again(&mut preview, "templates/partials/toc.html");
    assert!(
        rendered.contains(&"guide/checkin/index.html".to_string()),
        "{rendered:?}"
    );
    assert!(
        !rendered.iter().any(|p| p.starts_with("features/")),
        "{rendered:?}"
    );
    assert_same_as_full_build(&preview, site.root());

    // The base template: everything.
    site.write(
        "templates/base.html",
        &default_template("base.html").replacen("<body", "<body data-edited", 1),
    );
    let rendered = rendered_again(&mut preview, "templates/base.html");
    assert!(rendered.len() > 20, "{rendered:?}");
    assert_same_as_full_build(&preview, site.root());
}

#[test]
fn a_broken_template_is_an_error_until_fixed() {
    let site = Fixture::new();
    site.write("templates/feature.html", &default_template("feature.html"));
    let mut preview = Preview::build(&options(site.root())).unwrap();
    let good = preview.files.clone();
    site.write(
        "templates/feature.html",
        &format!("{}\n{{% if %}}\n", default_template("feature.html")),
    );
    let errors = preview
        .update(&paths(&["templates/feature.html"]))
        .unwrap_err()
        .to_string();
    assert!(errors.contains("templates/feature.html"), "{errors}");
    assert!(*preview.files == *good, "the last good site stays");
    site.write("templates/feature.html", &default_template("feature.html"));
    rendered_again(&mut preview, "templates/feature.html");
    assert_same_as_full_build(&preview, site.root());
}

#[test]
fn a_summary_edit_hands_over_the_saved_page_before_the_pages_listing_it() {
    let site = Fixture::new();
    let mut preview = Preview::build(&options(site.root())).unwrap();
    let before = preview.files.clone();
    site.edit(
        "content/guide/checkin.md",
        "Thirty minutes, before anything is committed.",
        "Half an hour, before anything is committed.",
    );
    let mut early = Vec::new();
    let update = preview
        .update_early(&paths(&["content/guide/checkin.md"]), &mut |e| {
            early.push(e)
        })
        .unwrap();
    assert_eq!(early.len(), 1, "handed over once");
    let early = &early[0];
    assert_eq!(early.rendered, ["guide/checkin/index.html"]);
    // The saved page is new, the pages listing it are still the last
    // good site's.
    let page = String::from_utf8_lossy(&early.files["guide/checkin/index.html"]).into_owned();
    assert!(page.contains("Half an hour"), "{page}");
    for listing in ["guide/index.html", "index.html", "search/index.html"] {
        assert!(
            early.files[listing] == before[listing],
            "{listing} changed early"
        );
    }
    assert!(early.files["search-index.json"] == before["search-index.json"]);
    let Update::Partial(rendered) = update else {
        panic!("a text edit needs no full build");
    };
    assert!(
        rendered.contains(&"guide/index.html".to_string()),
        "{rendered:?}"
    );
    assert_same_as_full_build(&preview, site.root());

    // Below the summary, the page is all there is to render, and it still
    // comes before the search index is patched.
    site.edit(
        "content/guide/checkin.md",
        "Half an hour, before anything is committed.",
        "Half an hour, before anything is committed.\n\nMore below.",
    );
    let mut handed = Vec::new();
    let index_before = preview.files["search-index.json"].clone();
    preview
        .update_early(&paths(&["content/guide/checkin.md"]), &mut |e| {
            handed.push(e)
        })
        .unwrap();
    assert_eq!(handed.len(), 1);
    assert_eq!(handed[0].rendered, ["guide/checkin/index.html"]);
    assert!(handed[0].files["search-index.json"] == index_before);
    assert!(
        preview.files["search-index.json"] != index_before,
        "patched after"
    );
    assert_same_as_full_build(&preview, site.root());
}
