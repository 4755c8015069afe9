//! `tandem serve` in a real browser: headless Chromium, driven over the
//! DevTools protocol, loads pages, and the test edits files and watches the
//! pages change by themselves. Skipped (with a message) when Chromium is
//! missing, unless `CI` is set: under CI it must run.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::Fixture;
use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// The longest any one wait may take.
const WAIT: Duration = Duration::from_secs(20);

fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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

fn start_chromium(binary: &Path, profile: &Path) -> (Killed, u16) {
    let child = Command::new(binary)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let child = Killed(child);
    // Chromium writes the port it chose into the profile.
    let file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(port) = std::fs::read_to_string(&file)
            .ok()
            .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()))
        {
            return (child, port);
        }
        assert!(Instant::now() < deadline, "chromium did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A plain HTTP request; returns the body. Reads `Content-Length` bytes,
/// as Chromium keeps the connection open.
fn http(port: u16, method: &str, path: &str) -> String {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    write!(
        &stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut length = None;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let length = length.unwrap_or_else(|| panic!("{method} {path}: no Content-Length"));
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    String::from_utf8(body).unwrap()
}

/// One browser tab, driven over the DevTools protocol.
struct Tab {
    ws: WebSocket<TcpStream>,
    next_id: u64,
}

impl Tab {
    /// Opens a new tab on `url`.
    fn open(devtools: u16, url: &str) -> Tab {
        let target: Value =
            serde_json::from_str(&http(devtools, "PUT", &format!("/json/new?{url}")))
                .expect("a new target");
        let ws_url = target["webSocketDebuggerUrl"].as_str().unwrap().to_string();
        let stream = TcpStream::connect(("127.0.0.1", devtools)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let (ws, _) = tungstenite::client::client(ws_url.as_str(), stream).expect("websocket");
        Tab { ws, next_id: 1 }
    }

    /// Calls a DevTools method; `Err` carries the protocol's error.
    fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        let message = json!({ "id": id, "method": method, "params": params });
        self.ws
            .send(Message::text(message.to_string()))
            .map_err(|e| e.to_string())?;
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            match self.ws.read() {
                Ok(Message::Text(text)) => {
                    let reply: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
                    if reply["id"] != id {
                        continue; // an event, or a late answer
                    }
                    if let Some(error) = reply.get("error") {
                        return Err(error.to_string());
                    }
                    return Ok(reply["result"].clone());
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Err(format!("no answer to {method} within {WAIT:?}"))
    }

    /// Evaluates `expression` in the page; `None` while the page is
    /// between documents or the expression throws.
    fn eval(&mut self, expression: &str) -> Option<Value> {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true }),
            )
            .ok()?;
        if result.get("exceptionDetails").is_some() {
            return None;
        }
        Some(result["result"]["value"].clone())
    }

    /// Polls until `expression` is `true`; panics after [`WAIT`].
    fn wait_until(&mut self, expression: &str, what: &str) -> Duration {
        let started = Instant::now();
        loop {
            if self.eval(expression) == Some(Value::Bool(true)) {
                return started.elapsed();
            }
            if started.elapsed() > WAIT {
                let text = self.eval("document.body && document.body.innerText");
                panic!("waited {WAIT:?} for {what}; page text: {text:?}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

/// Waits until the page's live-reload stream is open (the server has
/// registered it by then).
fn wait_live(tab: &mut Tab) {
    tab.wait_until(
        "document.readyState === 'complete' && !!window.__tandemLive \
         && window.__tandemLive.readyState === 1",
        "the live-reload stream",
    );
}

#[test]
fn pages_reload_by_themselves_swap_css_and_show_errors() {
    let Some(binary) = chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("Chromium is required under CI (install the `chromium` package)");
        }
        eprintln!("skipped: no Chromium found (install the `chromium` package)");
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
        "document.readyState === 'complete' && document.body.innerText.includes('Offline sync for field app')",
        "the feature page",
    );
    guide.wait_until(
        "document.readyState === 'complete' && document.body.innerText.includes('Demos that show the why')",
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
        "window.__marker === undefined && document.readyState === 'complete'",
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
        "window.__marker === undefined && document.readyState === 'complete' \
         && !document.getElementById('tandem-error-overlay')",
        "the fixed page",
    );
    feature.wait_until(
        "document.readyState === 'complete' && !document.getElementById('tandem-error-overlay') \
         && document.body.innerText.includes('Offline sync, reloaded')",
        "the fixed feature page",
    );
}
