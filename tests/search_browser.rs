//! Search in a real browser: the repository's own site, built under a
//! sub-path, served by a tiny HTTP server with the Content-Security-Policy
//! of netlify.toml, and driven in headless Chromium over the DevTools
//! protocol: "/" focuses the box, typing shows results, arrows and Enter
//! open one, Escape closes the list; the search page shows every result
//! for `?q=`; and a relative-URL build searches from file://.
//!
//! Skipped (with a message) when Chromium is missing, unless `CI` is set:
//! under CI it must run.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::browser::{chromium_or_skip, save_screenshot, start_chromium, Tab, WAIT};
use serde_json::{json, Value};

const BASE_PATH: &str = "/teams/payments/";

/// The repository's site under [`BASE_PATH`], with `extra` arguments.
fn build(out: &Path, extra: &[&str]) {
    let mut args = vec!["--base-url", BASE_PATH];
    args.extend(extra);
    common::build_repository_site(out, &args);
}

/// The Content-Security-Policy the site is published with.
fn csp() -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("netlify.toml"))
        .unwrap();
    let config: toml::Table = toml::from_str(&text).unwrap();
    config["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["for"].as_str() == Some("/*"))
        .unwrap()["values"]["Content-Security-Policy"]
        .as_str()
        .unwrap()
        .to_string()
}

type Requests = Arc<Mutex<Vec<(String, u16)>>>;

/// Serves `dir` at `BASE_PATH` on 127.0.0.1 until the test ends; records
/// every request with its status.
fn serve(dir: PathBuf) -> (u16, Requests) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests: Requests = Arc::default();
    let log = requests.clone();
    let policy = csp();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (dir, log, policy) = (dir.clone(), log.clone(), policy.clone());
            std::thread::spawn(move || respond(stream, &dir, &log, &policy));
        }
    });
    (port, requests)
}

fn respond(stream: TcpStream, dir: &Path, log: &Requests, policy: &str) {
    let _ = stream.set_read_timeout(Some(WAIT));
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line.trim().is_empty() => break,
            Ok(_) => {}
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
    let file = path
        .strip_prefix(BASE_PATH)
        .filter(|p| !p.split('/').any(|s| s == ".."))
        .map(|p| {
            if p.is_empty() || p.ends_with('/') {
                format!("{p}index.html")
            } else {
                p.to_string()
            }
        })
        .map(|p| dir.join(p))
        .filter(|p| p.is_file());
    let (status, body, file) = match file {
        Some(f) => (200, std::fs::read(&f).unwrap(), f),
        None => {
            let f = dir.join("404.html");
            (404, std::fs::read(&f).unwrap_or_default(), f)
        }
    };
    log.lock().unwrap().push((path, status));
    let kind = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("xml") => "application/xml",
        _ => "application/octet-stream",
    };
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Content-Security-Policy: {policy}\r\nX-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\r\n",
        if status == 200 { "OK" } else { "Not Found" },
        body.len()
    );
    let mut stream = &stream;
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// Waits until the page has loaded and the search box is enhanced.
fn loaded(tab: &mut Tab, what: &str) {
    tab.wait_until(
        "document.readyState === 'complete' && !!document.querySelector('.site-search--enhanced')",
        what,
    );
}

const OPTIONS: &str = "document.querySelectorAll('#site-search-results [role=option]')";

#[test]
fn typing_in_the_search_box_shows_results_and_opens_one() {
    let Some(binary) = chromium_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    build(&out, &["--fingerprint"]);
    let (port, requests) = serve(out.clone());
    let profile = tempfile::tempdir().unwrap();
    let (_chromium, devtools) = start_chromium(&binary, profile.path());
    let site = format!("http://127.0.0.1:{port}{BASE_PATH}");

    let mut tab = Tab::open(devtools, &format!("{site}collaboration/demos/"));
    loaded(&mut tab, "the page with search.js running under the CSP");

    // "/" jumps to the search box, without typing a slash into it.
    tab.call("Page.bringToFront", json!({})).unwrap();
    tab.press("/", "Slash", 191, Some("/"));
    tab.wait_until(
        "document.activeElement && document.activeElement.id === 'site-search-input'",
        "'/' to focus the search box",
    );
    assert_eq!(tab.eval("document.activeElement.value"), Some(json!("")));

    // Typing shows results: title, section, a highlighted snippet.
    tab.type_text("dissent");
    tab.wait_until(&format!("{OPTIONS}.length > 0"), "search results");
    let first: Value = tab
        .eval(&format!(
            "(function () {{ var o = {OPTIONS}[0]; return {{
                title: o.querySelector('.search-result__title').textContent,
                section: o.querySelector('.search-result__section').textContent,
                snippet: o.querySelector('.search-result__snippet').textContent,
                marks: o.querySelectorAll('mark').length,
                href: o.getAttribute('data-href'),
                links: o.querySelectorAll('a, [tabindex]').length,
                expanded: document.getElementById('site-search-input').getAttribute('aria-expanded') }}; }})()"
        ))
        .unwrap();
    eprintln!("first result: {first}");
    assert!(
        first["title"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("dissent"),
        "{first}"
    );
    assert!(!first["section"].as_str().unwrap().is_empty(), "{first}");
    assert!(!first["snippet"].as_str().unwrap().is_empty(), "{first}");
    assert!(
        first["marks"].as_u64().unwrap() >= 1,
        "matches are marked: {first}"
    );
    assert_eq!(first["expanded"], "true");
    // An option holds nothing focusable (its content is presentational).
    assert_eq!(first["links"], 0, "{first}");
    save_screenshot(&mut tab, "search-results.png");
    let href = first["href"].as_str().unwrap().to_string();
    assert!(href.starts_with(&site), "{href} under the base path");

    // Down highlights the first result; Enter opens it.
    tab.press("ArrowDown", "ArrowDown", 40, None);
    assert_eq!(
        tab.eval(
            "document.getElementById('site-search-input').getAttribute('aria-activedescendant')"
        ),
        Some(json!("site-search-result_0"))
    );
    tab.press("Enter", "Enter", 13, Some("\r"));
    tab.wait_until(
        &format!("location.href === {}", json!(href)),
        "Enter to open the highlighted result",
    );
    loaded(&mut tab, "the result page");

    // Escape closes the list.
    tab.press("/", "Slash", 191, Some("/"));
    tab.type_text("matrix");
    tab.wait_until(&format!("{OPTIONS}.length > 0"), "results for 'matrix'");
    tab.press("Escape", "Escape", 27, None);
    tab.wait_until(
        "document.querySelector('.search-results').hidden === true",
        "Escape to close the results",
    );

    // Enter without a highlighted result submits the form: the search page
    // shows every result for the query.
    tab.press("Enter", "Enter", 13, Some("\r"));
    tab.wait_until(
        "location.pathname.endsWith('/search/') && location.search === '?q=matrix' \
         && document.querySelectorAll('.search-page__list .search-result').length > 0",
        "the search page's results",
    );
    // There the results are links (no list box around them).
    assert_eq!(
        tab.eval(
            "document.querySelectorAll('.search-page__list .search-result > a[href]').length > 0"
        ),
        Some(json!(true))
    );

    // A click on an option of the list opens its page.
    tab.press("/", "Slash", 191, Some("/"));
    tab.type_text("dissent");
    tab.wait_until(&format!("{OPTIONS}.length > 1"), "results for 'dissent'");
    let second = tab
        .eval(&format!("{OPTIONS}[1].getAttribute('data-href')"))
        .unwrap();
    // A real click (pressed and released), which blurs the box first.
    let centre = tab
        .eval(&format!(
            "(function () {{ var r = {OPTIONS}[1].querySelector('.search-result__title')\
             .getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }})()"
        ))
        .unwrap();
    tab.click_at(centre[0].as_f64().unwrap(), centre[1].as_f64().unwrap());
    tab.wait_until(
        &format!("location.href === {second}"),
        "a click to open the option's page",
    );

    let log = requests.lock().unwrap().clone();
    assert!(
        log.iter()
            .any(|(p, s)| p == &format!("{BASE_PATH}search-index.json") && *s == 200),
        "{log:?}"
    );
    // (Chromium itself sometimes probes the origin's `/`: not the site's.)
    let failed: Vec<_> = log
        .iter()
        .filter(|(p, s)| *s != 200 && p.starts_with(BASE_PATH))
        .collect();
    assert!(failed.is_empty(), "failed requests: {failed:?} in {log:?}");
}

#[test]
fn search_works_from_file_urls_with_relative_urls() {
    let Some(binary) = chromium_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("copied somewhere");
    build(&out, &["--relative-urls"]);
    let profile = tempfile::tempdir().unwrap();
    let (_chromium, devtools) = start_chromium(&binary, profile.path());
    let page = out.join("rituals/planning-meeting/index.html");
    let url = format!("file://{}", page.to_string_lossy().replace(' ', "%20"));
    let mut tab = Tab::open(devtools, &url);
    loaded(&mut tab, "the page from file://");
    // The stylesheet loaded through its relative URL.
    tab.wait_until(
        "getComputedStyle(document.querySelector('.site-header')).borderBottomStyle === 'solid'",
        "the stylesheet",
    );
    tab.eval("document.getElementById('site-search-input').focus()");
    tab.type_text("scoring");
    tab.wait_until(&format!("{OPTIONS}.length > 0"), "results from file://");
    let hrefs: Value = tab
        .eval(&format!(
            "Array.from({OPTIONS}).map(function (o) {{ return o.getAttribute('data-href'); }})"
        ))
        .unwrap();
    let mut seen = HashMap::new();
    for href in hrefs.as_array().unwrap() {
        let href = href.as_str().unwrap();
        assert!(
            href.starts_with("file://") && href.ends_with("index.html"),
            "{href}"
        );
        let path = href.trim_start_matches("file://").replace("%20", " ");
        assert!(Path::new(&path).is_file(), "{href} does not exist");
        *seen.entry(href.to_string()).or_insert(0) += 1;
    }
    assert!(seen.values().all(|n| *n == 1), "{seen:?}");
}
