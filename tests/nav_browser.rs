//! The main navigation in a real browser (headless Chromium over the
//! DevTools protocol), on the repository's own site: one element that is
//! the sidebar on a wide screen and a menu panel, opened by the Menu
//! button, on a phone.
//!
//! Skipped (with a message) when Chromium is missing, unless `CI` is set:
//! under CI it must run.

mod common;

use std::time::Duration;

use common::browser::{chromium_or_skip, save_screenshot, start_chromium, Tab};
use serde_json::json;

const PAGE: &str = "rituals/planning-meeting/index.html";

/// Gives the tab a viewport of `width` CSS pixels (a phone's is "mobile").
fn set_viewport(tab: &mut Tab, width: u32, height: u32) {
    tab.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600 }),
    )
    .unwrap();
}

/// Resizes the page's viewport, and waits until its layout has the width.
fn viewport(tab: &mut Tab, width: u32, height: u32) {
    set_viewport(tab, width, height);
    tab.wait_until(&format!("innerWidth === {width}"), "the new viewport");
}

/// Opens the page at `url` in a tab of a phone's width, once it is loaded
/// with its stylesheet.
fn open_on_a_phone(devtools: u16, url: &str) -> Tab {
    let mut tab = Tab::open(devtools, "about:blank");
    set_viewport(&mut tab, 390, 844);
    tab.call("Page.navigate", json!({ "url": url })).unwrap();
    tab.wait_until(
        "document.readyState === 'complete' && \
         getComputedStyle(document.querySelector('.site-header')).borderBottomStyle === 'solid'",
        "the page and its stylesheet",
    );
    viewport(&mut tab, 390, 844);
    tab
}

/// The box of the first element `selector` matches, as
/// `[left, top, width, height]` (zeros when it is not displayed).
fn rect(tab: &mut Tab, selector: &str) -> [f64; 4] {
    let value = tab
        .eval(&format!(
            "(function () {{ var r = document.querySelector({selector:?}).getBoundingClientRect(); \
             return [r.left, r.top, r.width, r.height]; }})()"
        ))
        .unwrap_or_else(|| panic!("no {selector}"));
    let numbers: Vec<f64> = (value.as_array().unwrap().iter())
        .map(|n| n.as_f64().unwrap())
        .collect();
    numbers.try_into().unwrap()
}

/// Clicks the middle of the element `selector` with the mouse.
fn click(tab: &mut Tab, selector: &str) {
    let [left, top, width, height] = rect(tab, selector);
    assert!(width > 0.0 && height > 0.0, "{selector} is not displayed");
    tab.click_at(left + width / 2.0, top + height / 2.0);
}

/// Whether the navigation is open as a popover, once it has become `want`
/// or a few seconds have passed.
fn is_open(tab: &mut Tab, want: bool) -> bool {
    let open = "document.getElementById('site-nav').matches(':popover-open')";
    let expression = if want {
        open.to_string()
    } else {
        format!("!{open}")
    };
    tab.poll(&expression, Duration::from_secs(5)) == want
}

#[test]
fn the_menu_button_opens_the_navigation_on_a_phone_and_the_sidebar_shows_it_on_a_wide_screen() {
    let Some(binary) = chromium_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    common::build_repository_site(&out, &["--relative-urls"]);
    let html = std::fs::read_to_string(out.join(PAGE)).unwrap();
    assert_eq!(
        html.matches(r#"aria-label="Main""#).count(),
        1,
        "one navigation"
    );

    let profile = tempfile::tempdir().unwrap();
    let (_chromium, devtools) = start_chromium(&binary, profile.path());
    let mut tab = open_on_a_phone(devtools, &format!("file://{}", out.join(PAGE).display()));

    // A phone: the navigation is closed, the button is there.
    assert_eq!(
        rect(&mut tab, "#site-nav")[2],
        0.0,
        "closed until asked for"
    );
    assert!(!is_open(&mut tab, false));
    click(&mut tab, ".nav-toggle");
    assert!(is_open(&mut tab, true), "the Menu button opens it");
    let [left, top, width, height] = rect(&mut tab, "#site-nav");
    assert!(
        left == 0.0 && top == 0.0,
        "a panel at the left edge: {left}, {top}"
    );
    assert!(
        width > 200.0 && width < 390.0,
        "narrower than the screen: {width}"
    );
    assert!(height >= 844.0 - 1.0, "as tall as the screen: {height}");
    let current = rect(&mut tab, "#site-nav a[aria-current=page]");
    assert!(current[2] > 0.0, "the page being read is listed");
    save_screenshot(&mut tab, "nav-phone-open.png");
    click(&mut tab, ".nav-close");
    assert!(!is_open(&mut tab, false), "Close menu closes it");
    click(&mut tab, ".nav-toggle");
    assert!(is_open(&mut tab, true));
    tab.press("Escape", "Escape", 27, None);
    assert!(!is_open(&mut tab, false), "Escape closes it");
    click(&mut tab, ".nav-toggle");
    assert!(is_open(&mut tab, true));
    tab.click_at(380.0, 400.0);
    assert!(
        !is_open(&mut tab, false),
        "a tap beside the panel closes it"
    );

    // Opened on a phone, then wider (a tablet turned): the open panel
    // covers the sidebar's column only, the page keeps its own.
    click(&mut tab, ".nav-toggle");
    assert!(is_open(&mut tab, true));
    viewport(&mut tab, 1280, 900);
    let [left, _, width, _] = rect(&mut tab, "#site-nav");
    let main = rect(&mut tab, "#main-content");
    assert!(left == 0.0 && width > 150.0, "{left} {width}");
    assert!(
        main[0] >= left + width - 1.0,
        "the page is right of the open panel: {main:?}"
    );
    tab.press("Escape", "Escape", 27, None);
    assert!(!is_open(&mut tab, false));

    // A wide screen: the same element is the sidebar, beside the page,
    // without a button.
    let [left, _, width, height] = rect(&mut tab, "#site-nav");
    assert!(
        left == 0.0 && width > 150.0 && height > 0.0,
        "{left} {width} {height}"
    );
    let main = rect(&mut tab, "#main-content");
    assert!(
        main[0] >= left + width,
        "the page is right of the sidebar: {main:?}"
    );
    assert_eq!(rect(&mut tab, ".nav-toggle")[2], 0.0, "no Menu button");
    assert!(rect(&mut tab, "#site-nav a[aria-current=page]")[2] > 0.0);
}

#[test]
fn a_site_base_template_with_two_menus_still_shows_one_at_each_width() {
    // A site that copied `base.html` before the navigation became one
    // element, with today's stylesheet: the <details> menu on a phone,
    // the sidebar on a wide screen.
    let Some(binary) = chromium_or_skip() else {
        return;
    };
    let site = common::Fixture::new();
    site.write("templates/base.html", &common::base_html_with_two_menus());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let output = site.tandem(&[
        "build",
        "--relative-urls",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let profile = tempfile::tempdir().unwrap();
    let (_chromium, devtools) = start_chromium(&binary, profile.path());
    let page = out.join("guide/checkin/index.html");
    let mut tab = open_on_a_phone(devtools, &format!("file://{}", page.display()));
    assert!(
        rect(&mut tab, ".nav-mobile summary")[3] > 0.0,
        "the phone menu"
    );
    assert_eq!(
        rect(&mut tab, ".nav-sidebar")[2],
        0.0,
        "no sidebar on a phone"
    );
    viewport(&mut tab, 1280, 900);
    assert_eq!(rect(&mut tab, ".nav-mobile")[2], 0.0, "no phone menu");
    let sidebar = rect(&mut tab, ".nav-sidebar");
    assert!(sidebar[2] > 150.0, "the sidebar: {sidebar:?}");
    assert!(rect(&mut tab, "#main-content")[0] >= sidebar[2] - 1.0);
}
