//! Every page Tandem writes is valid HTML, as the W3C's Nu Html Checker
//! reads the standard: the repository's own handbook (every kind of page
//! and chart, with its data), as published and with relative URLs under a
//! sub-path, and the near-empty sites `tandem init` and the test fixture
//! make. Hostile data is checked in `hostile.rs`.

mod common;

use common::{build_repository_site, stderr, validator, Fixture};

#[test]
fn the_checker_reports_what_breaks_the_standard() {
    // A check that could not fail would prove nothing: the checker must
    // find these (no `<title>`, a link inside a link, an unknown element).
    let Some(checker) = validator::checker_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.html"),
        "<!doctype html><html lang=\"en\"><body><a href=\"/\">out <a href=\"/in/\">in</a></a><blink>x</blink></body></html>",
    )
    .unwrap();
    let errors = checker.errors(dir.path(), 1);
    let all = errors.join("\n");
    assert!(errors.len() >= 3, "{all}");
    assert!(all.contains("broken.html"), "{all}");
    assert!(all.contains("title"), "{all}");
    assert!(all.contains("blink"), "{all}");
}

#[test]
fn every_page_of_the_example_handbook_is_valid_html() {
    let Some(checker) = validator::checker_or_skip() else {
        return;
    };
    // As published, and with relative URLs under a sub-path, where every
    // link and asset path takes another form.
    let published: &[&str] = &[];
    let relative = &[
        "--base-url",
        "https://intranet.example/handbook/",
        "--relative-urls",
    ];
    for args in [published, relative] {
        let out = tempfile::tempdir().unwrap();
        let public = out.path().join("public");
        build_repository_site(&public, args);
        let errors = checker.errors(&public, 60);
        assert!(errors.is_empty(), "{args:?}:\n{}", errors.join("\n"));
    }
}

#[test]
fn the_pages_of_a_new_site_are_valid_html() {
    // What `tandem init` writes, and the fixture sites of the other tests:
    // empty states (no check-ins yet, no dissent) take other branches of
    // the templates than the example's full data.
    let Some(checker) = validator::checker_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("handbook");
    common::init_and_build(&target);
    let errors = checker.errors(&target.join("public"), 20);
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    let fixture = Fixture::new();
    let built = fixture.build();
    assert!(built.status.success(), "{}", stderr(&built));
    let errors = checker.errors(&fixture.path("public"), 20);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
