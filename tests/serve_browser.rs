//! `tandem serve` in a real browser: headless Chromium, driven over the
//! DevTools protocol, loads pages, and the test edits files and watches the
//! pages change by themselves. Skipped (with a message) when Chromium is
//! missing, unless `CI` is set: under CI it must run.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::browser::{chromium_or_skip, start_chromium, Killed, Tab};
use common::Fixture;
use serde_json::json;

fn start_server(fixture: &Fixture) -> (Killed, u16) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("tandem"))
        .arg("serve")
        .arg("--root")
        .arg(fixture.root())
        .args(["--port", "0"])
        .env("SOURCE_DATE_EPOCH", common::EPOCH)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tandem serve");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let child = Killed(child);
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = out.read_line(&mut line);
        let _ = sender.send(line);
        let _ = std::io::copy(&mut out, &mut std::io::sink());
    });
    let line = receiver.recv_timeout(Duration::from_secs(60)).unwrap();
    let port = line
        .trim()
        .trim_start_matches("Serving on http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .unwrap_or_else(|_| panic!("first line: {line:?}"));
    (child, port)
}

/// The number of the server's last good build, from its status URL.
fn status_build(port: u16) -> u64 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET /__tandem/status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    // Read up to the end of the JSON body: the server may keep the
    // connection open.
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).unwrap();
        reply.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&reply);
        if let Some((_, body)) = text.split_once("\r\n\r\n") {
            if let Ok(status) = serde_json::from_str::<serde_json::Value>(body) {
                return status["build"].as_u64().expect("a build number");
            }
        }
        assert!(n > 0, "no status in {text}");
    }
}

/// Waits until the page's live-reload stream is open (the server has
/// registered it by then). A page whose stylesheet or script never arrives
/// fails here. This test used to catch that now and then under load, most
/// likely tiny_http's thread pool (vendor/tiny_http/PATCHED.md).
fn wait_live(tab: &mut Tab) {
    let live = "document.readyState !== 'loading' && !!window.__tandemLive \
                && window.__tandemLive.readyState === 1";
    tab.wait_until(live, "the live-reload stream");
}

#[test]
fn pages_reload_by_themselves_swap_css_and_show_errors() {
    let Some(binary) = chromium_or_skip() else {
        return;
    };
    let fixture = Fixture::new();
    fixture.write("static/style.css", "body { color: rgb(0, 0, 0); }\n");
    let (_server, port) = start_server(&fixture);
    let profile = tempfile::tempdir().unwrap();
    let (_chromium, devtools) = start_chromium(&binary, profile.path());

    let base = format!("http://127.0.0.1:{port}");
    let mut feature = Tab::open(devtools, &format!("{base}/features/offline-sync/"));
    let mut guide = Tab::open(devtools, &format!("{base}/guide/demos/"));
    feature.wait_until(
        "document.readyState !== 'loading' && document.body.innerText.includes('Offline sync for field app')",
        "the feature page",
    );
    guide.wait_until(
        "document.readyState !== 'loading' && document.body.innerText.includes('Demos that show the why')",
        "the guide page",
    );
    wait_live(&mut feature);
    wait_live(&mut guide);

    // 1. A data edit: both tabs reload by themselves.
    for tab in [&mut feature, &mut guide] {
        assert_eq!(tab.eval("window.__marker = 1"), Some(json!(1)));
    }
    fixture.edit(
        "data/features.toml",
        "Offline sync for field app",
        "Offline sync, reloaded",
    );
    let took = feature.wait_until(
        "window.__marker === undefined && document.body.innerText.includes('Offline sync, reloaded')",
        "the feature page to reload with the new title",
    );
    eprintln!(
        "save to reloaded page in the browser: {} ms",
        took.as_millis()
    );
    guide.wait_until(
        "window.__marker === undefined && document.readyState !== 'loading'",
        "the second tab to reload",
    );
    wait_live(&mut feature);
    wait_live(&mut guide);

    // 2. A stylesheet edit: the new style applies without a reload.
    assert_eq!(guide.eval("window.__marker = 2"), Some(json!(2)));
    fixture.write("static/style.css", "body { color: rgb(0, 0, 128); }\n");
    guide.wait_until(
        "getComputedStyle(document.body).color === 'rgb(0, 0, 128)'",
        "the new stylesheet",
    );
    assert_eq!(
        guide.eval("window.__marker"),
        Some(json!(2)),
        "no reload for CSS"
    );

    // 3. A broken save: an overlay with the CLI's message, page kept.
    fixture.edit(
        "data/features.toml",
        "status = \"refinement\"",
        "status = = \"refinement\"",
    );
    feature.wait_until(
        "(function () { var o = document.getElementById('tandem-error-overlay'); \
         return !!o && o.textContent.includes('data/features.toml:6:10'); })()",
        "the error overlay",
    );
    assert_eq!(
        guide.eval("!!document.getElementById('tandem-error-overlay') && window.__marker === 2"),
        Some(json!(true))
    );

    // 4. The fix: pages reload and the overlay is gone.
    fixture.edit(
        "data/features.toml",
        "status = = \"refinement\"",
        "status = \"refinement\"",
    );
    guide.wait_until(
        "window.__marker === undefined && document.readyState !== 'loading' \
         && !document.getElementById('tandem-error-overlay')",
        "the fixed page",
    );
    feature.wait_until(
        "document.readyState !== 'loading' && !document.getElementById('tandem-error-overlay') \
         && document.body.innerText.includes('Offline sync, reloaded')",
        "the fixed feature page",
    );
    wait_live(&mut feature);
    wait_live(&mut guide);

    // 5. A text edit changes the guide page only: it reloads, the feature
    // page (whose file is unchanged) stays as it is.
    for tab in [&mut feature, &mut guide] {
        assert_eq!(tab.eval("window.__marker = 5"), Some(json!(5)));
    }
    // The save makes two builds: the page, announced alone, then the
    // patched search index.
    let last = status_build(port) + 2;
    fixture.write(
        "content/guide/demos.md",
        &format!("{}\nA second paragraph.\n", common::DEMOS_PAGE),
    );
    guide.wait_until(
        "window.__marker === undefined && document.readyState !== 'loading' \
         && document.body.innerText.includes('A second paragraph.')",
        "the edited page to reload",
    );
    wait_live(&mut guide);
    // The other tab heard both events and stayed: the live script marks
    // the build it stayed through.
    feature.wait_until(
        &format!("document.documentElement.getAttribute('data-tandem-build') === '{last}'"),
        "the unchanged tab to take the last event",
    );
    assert_eq!(
        feature.eval("window.__marker"),
        Some(json!(5)),
        "an unchanged page does not reload"
    );
}
