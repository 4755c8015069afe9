//! Headless Chromium driven over the DevTools protocol, for the browser
//! tests (live reload, search). Chromium is Debian's package; `.ci/run`
//! installs it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// The longest any browser test waits for one thing.
pub const WAIT: Duration = Duration::from_secs(20);

pub fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// Chromium, for a browser test to run; `None` (with a message) skips
/// the test where it is missing, except under `CI`, where it must run.
pub fn chromium_or_skip() -> Option<PathBuf> {
    super::tool_or_skip(chromium(), "no Chromium found (the `chromium` package)")
}

/// A child process killed when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn start_chromium(binary: &Path, profile: &Path) -> (Killed, u16) {
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
pub fn http(port: u16, method: &str, path: &str) -> String {
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
pub struct Tab {
    ws: WebSocket<TcpStream>,
    next_id: u64,
}

impl Tab {
    /// Opens a new tab on `url`.
    pub fn open(devtools: u16, url: &str) -> Tab {
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
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
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
    pub fn eval(&mut self, expression: &str) -> Option<Value> {
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

    /// Polls until `expression` is `true` or `limit` passes; says which.
    pub fn poll(&mut self, expression: &str, limit: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < limit {
            if self.eval(expression) == Some(Value::Bool(true)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        false
    }

    /// Polls until `expression` is `true`; panics after [`WAIT`].
    pub fn wait_until(&mut self, expression: &str, what: &str) -> Duration {
        let started = Instant::now();
        loop {
            if self.eval(expression) == Some(Value::Bool(true)) {
                return started.elapsed();
            }
            if started.elapsed() > WAIT {
                // The loading state, each finished resource's timing and
                // the stylesheets in the document say what the page was
                // still waiting for.
                let text = self.eval(
                    "document.readyState + ' | ' + performance.getEntriesByType('resource')\
                     .map(e => e.name + ' ' + Math.round(e.responseEnd)).join(', ') + ' | ' \
                     + Array.from(document.querySelectorAll('link[rel~=stylesheet]'), \
                       l => l.getAttribute('href')).join(', ') + ' | ' \
                     + (document.body && document.body.innerText.slice(0, 300))",
                );
                panic!("waited {WAIT:?} for {what}; page text: {text:?}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Presses one key, as a person would (keydown, char, keyup).
    pub fn press(&mut self, key: &str, code: &str, key_code: u32, text: Option<&str>) {
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

    /// Clicks the left button at (`x`, `y`) in CSS pixels, as a mouse does
    /// (pressed, then released).
    pub fn click_at(&mut self, x: f64, y: f64) {
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            )
            .unwrap();
        }
    }

    /// Types `text` into whatever has the focus.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.call("Input.insertText", json!({ "text": c.to_string() }))
                .unwrap();
        }
    }
}

/// Keeps a picture of the open results in target/screenshots/, for people
/// reviewing the theme.
pub fn save_screenshot(tab: &mut Tab, name: &str) {
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
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
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
