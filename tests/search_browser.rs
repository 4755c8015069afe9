//! Search in a real browser: the repository's own site, built under a
//! sub-path, served by a tiny HTTP server with the Content-Security-Policy
//! of netlify.toml, and driven in headless Chromium over the DevTools
//! protocol: "/" focuses the box, typing shows results, arrows and Enter
//! open one, Escape closes the list; the search page shows every result
//! for `?q=`; and a relative-URL build searches from file://.
//!
//! Skipped (with a message) when Chromium is missing, unless `CI` is set:
//! under CI it must run.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// The longest any one wait may take.
const WAIT: Duration = Duration::from_secs(20);
const BASE_PATH: &str = "/teams/payments/";
const EPOCH: &str = "1795564800";

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

fn build(out: &Path, extra: &[&str]) {
    let output = Command::new(assert_cmd::cargo::cargo_bin("tandem"))
        .arg("build")
        .arg("--root")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg("--output")
        .arg(out)
        .args(["--base-url", BASE_PATH])
        .args(extra)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
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

fn start_chromium(binary: &Path, profile: &Path) -> (Killed, u16) {
    let child = Command::new(binary)
        .args([
            "--headless",
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

/// A plain HTTP request to the DevTools endpoint; returns the body.
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
                        continue;
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

    fn wait_until(&mut self, expression: &str, what: &str) {
        let started = Instant::now();
        loop {
            if self.eval(expression) == Some(Value::Bool(true)) {
                return;
            }
            if started.elapsed() > WAIT {
                let text = self.eval("document.body && document.body.innerText.slice(0, 2000)");
                panic!("waited {WAIT:?} for {what}; page text: {text:?}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Presses one key, as a person would (keydown, char, keyup).
    fn press(&mut self, key: &str, code: &str, key_code: u32, text: Option<&str>) {
        let mut down = json!({
            "type": if text.is_some() { "keyDown" } else { "rawKeyDown" },
            "key": key, "code": code,
            "windowsVirtualKeyCode": key_code, "nativeVirtualKeyCode": key_code,
        });
        if let Some(text) = text {
            down["text"] = json!(text);
            down["unmodifiedText"] = json!(text);
        }
        self.call("Input.dispatchKeyEvent", down).unwrap();
        self.call(
            "Input.dispatchKeyEvent",
            json!({ "type": "keyUp", "key": key, "code": code,
                    "windowsVirtualKeyCode": key_code, "nativeVirtualKeyCode": key_code }),
        )
        .unwrap();
    }

    /// Types `text` into whatever has the focus.
    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.call("Input.insertText", json!({ "text": c.to_string() }))
                .unwrap();
        }
    }

    fn loaded(&mut self, what: &str) {
        self.wait_until(
            "document.readyState === 'complete' && !!document.querySelector('.site-search--enhanced')",
            what,
        );
    }
}

/// Keeps a picture of the open results in target/screenshots/, for people
/// reviewing the theme.
fn save_screenshot(tab: &mut Tab, name: &str) {
    use base64_decode as decode;
    let Ok(shot) = tab.call("Page.captureScreenshot", json!({ "format": "png" })) else {
        return;
    };
    let Some(bytes) = shot["data"].as_str().and_then(decode) else {
        return;
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(name), bytes);
    }
}

/// Standard base64 (DevTools screenshots), without a dependency.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = text
        .bytes()
        .filter(|&b| b != b'=' && !b.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            n |= value(b)? << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    Some(out)
}

const OPTIONS: &str = "document.querySelectorAll('#site-search-results [role=option]')";

#[test]
fn typing_in_the_search_box_shows_results_and_opens_one() {
    let Some(binary) = chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("Chromium is required under CI (install the `chromium` package)");
        }
        eprintln!("skipped: no Chromium found (install the `chromium` package)");
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
    tab.loaded("the page with search.js running under the CSP");

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
                href: o.querySelector('a').getAttribute('href'),
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
    save_screenshot(&mut tab, "search-results.png");
    let href = first["href"].as_str().unwrap().to_string();
    assert!(href.starts_with(&site), "{href} under the base path");

    // Down highlights the first result; Enter opens it.
    tab.press("ArrowDown", "ArrowDown", 40, None);
    assert_eq!(
        tab.eval(
            "document.getElementById('site-search-input').getAttribute('aria-activedescendant')"
        ),
        Some(json!("site-search-result-0"))
    );
    tab.press("Enter", "Enter", 13, Some("\r"));
    tab.wait_until(
        &format!("location.href === {}", json!(href)),
        "Enter to open the highlighted result",
    );
    tab.loaded("the result page");

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
    let Some(binary) = chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("Chromium is required under CI (install the `chromium` package)");
        }
        eprintln!("skipped: no Chromium found (install the `chromium` package)");
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
    tab.loaded("the page from file://");
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
            "Array.from({OPTIONS}).map(function (o) {{ return o.querySelector('a').href; }})"
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
