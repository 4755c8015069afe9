//! Every page of the repository's own handbook passes axe-core's rules
//! for WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its best practices,
//! in headless Chromium: in light and dark, on a wide screen and on a
//! phone. That covers contrast in both schemes, names of controls and
//! landmarks, touch-target sizes, and keyboard access to what scrolls.
//!
//! Skipped (with a message) when Chromium or axe-core is missing, unless
//! `CI` is set: `bash .ci/run` installs both.

mod common;

use common::accessibility::{axe_or_skip, violations};
use common::browser::{chromium_or_skip, start_chromium, Tab};
use serde_json::json;

/// Opens `url` in `tab` at `width` x `height` with the colour scheme
/// `scheme`, and waits until it is loaded.
fn open(tab: &mut Tab, url: &str, (width, height): (u32, u32), scheme: &str) {
    tab.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600 }),
    )
    .unwrap();
    tab.call(
        "Emulation.setEmulatedMedia",
        json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
    )
    .unwrap();
    tab.call("Page.navigate", json!({ "url": url })).unwrap();
    tab.wait_until(
        &format!(
            "document.readyState === 'complete' && location.href === {url:?} \
             && innerWidth === {width} \
             && matchMedia('(prefers-color-scheme: {scheme})').matches"
        ),
        "the page, at its size and in its colour scheme",
    );
}

#[test]
fn axe_reports_what_fails_the_rules() {
    // A run that could not fail would prove nothing.
    let (Some(binary), Some(axe)) = (chromium_or_skip(), axe_or_skip()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!doctype html><html lang=\"en\"><title>Bad</title><main><h1>Bad</h1>\
         <img src=\"chart.png\"><p style=\"color:#999;background:#aaa\">faint</p></main></html>",
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let (_chromium, devtools) = start_chromium(&binary, profile.path());
    let mut tab = Tab::open(devtools, "about:blank");
    open(
        &mut tab,
        &format!("file://{}", page.display()),
        (1280, 900),
        "light",
    );
    let found = violations(&mut tab, &axe).join("\n");
    assert!(found.contains("image-alt"), "{found}");
    assert!(found.contains("color-contrast"), "{found}");
}

/// The example handbook built with relative URLs (`site`), and a tab of
/// Chromium to open its pages in `file://`, with axe-core's script.
struct Checked {
    _dir: tempfile::TempDir,
    site: std::path::PathBuf,
    _profile: tempfile::TempDir,
    _chromium: common::browser::Killed,
    tab: Tab,
    axe: String,
}

fn example_in_chromium() -> Option<Checked> {
    let (Some(binary), Some(axe)) = (chromium_or_skip(), axe_or_skip()) else {
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    common::build_repository_site(&site, &["--relative-urls"]);
    let profile = tempfile::tempdir().unwrap();
    let (chromium, devtools) = start_chromium(&binary, profile.path());
    let tab = Tab::open(devtools, "about:blank");
    Some(Checked {
        _dir: dir,
        site,
        _profile: profile,
        _chromium: chromium,
        tab,
        axe,
    })
}

impl Checked {
    /// The `file://` URL of the built page `page`.
    fn url(&self, page: &str) -> String {
        let path = self.site.join(page);
        assert!(path.is_file(), "{page} was not built");
        format!("file://{}", path.display())
    }
}

#[test]
fn every_page_passes_axe_in_light_and_dark_on_a_wide_screen_and_a_phone() {
    let Some(mut checked) = example_in_chromium() else {
        return;
    };
    // Every page of the handbook, dashboards and all, but `404.html`,
    // whose links stay absolute and so find no stylesheet in `file://`
    // (checked as served, below).
    let mut pages: Vec<String> = walkdir::WalkDir::new(&checked.site)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "index.html")
        .map(|e| {
            let page = e.path().strip_prefix(&checked.site).unwrap();
            page.to_string_lossy().into_owned()
        })
        .collect();
    pages.sort();
    assert!(pages.len() >= 60, "{pages:?}");
    let mut failures = Vec::new();
    for scheme in ["light", "dark"] {
        for size in [(1280, 900), (390, 844)] {
            for page in &pages {
                let url = checked.url(page);
                open(&mut checked.tab, &url, size, scheme);
                for violation in violations(&mut checked.tab, &checked.axe) {
                    failures.push(format!("{page}, {scheme}, {}px: {violation}", size.0));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_not_found_page_passes_axe_as_a_server_sends_it() {
    // `404.html` is served for any missing path, at any depth, so its
    // links stay absolute: checked as `tandem serve` sends it, where its
    // stylesheet is found, for a path two folders deep.
    let (Some(binary), Some(axe)) = (chromium_or_skip(), axe_or_skip()) else {
        return;
    };
    let server =
        common::server::Server::start_in(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), &[]);
    let url = format!("http://127.0.0.1:{}/no/such-page/", server.port);
    let profile = tempfile::tempdir().unwrap();
    let (_chromium, devtools) = start_chromium(&binary, profile.path());
    let mut tab = Tab::open(devtools, "about:blank");
    let mut failures = Vec::new();
    for scheme in ["light", "dark"] {
        for size in [(1280, 900), (390, 844)] {
            open(&mut tab, &url, size, scheme);
            // The site's own page, with its styles: not a server's
            // fallback, nor a build error shown instead.
            let sheets = tab.eval(
                "[...document.styleSheets].filter(s => s.href && s.href.endsWith('/style.css') \
                 && s.cssRules.length > 0).length",
            );
            assert_eq!(sheets, Some(json!(1)), "the site's 404 page, styled");
            for violation in violations(&mut tab, &axe) {
                failures.push(format!("404, {scheme}, {}px: {violation}", size.0));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_list_of_results_under_the_search_box_passes_axe() {
    // Made by search.js as one types: a list box of options, which must
    // hold nothing interactive, under a combobox.
    let Some(mut checked) = example_in_chromium() else {
        return;
    };
    let url = checked.url("rituals/weekly-routine/index.html");
    let tab = &mut checked.tab;
    let mut failures = Vec::new();
    for (scheme, size) in [("light", (1280, 900)), ("dark", (390, 844))] {
        open(tab, &url, size, scheme);
        tab.wait_until(
            "!!document.querySelector('.site-search--enhanced')",
            "search.js",
        );
        tab.eval("document.getElementById('site-search-input').focus()");
        tab.type_text("check");
        tab.wait_until(
            "document.querySelectorAll('#site-search-results [role=option]').length > 1",
            "the list of results",
        );
        for violation in violations(tab, &checked.axe) {
            failures.push(format!("{scheme}, {}px: {violation}", size.0));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
