//! Screenshots of every dashboard of the repository's own site in headless
//! Chromium, at desktop (1280x900) and phone (390x844) size, in light and
//! dark, written to `target/screenshots/<page>-<width>-<scheme>.png`.
//! Re-make them with:
//!
//!     cargo test --test screenshots -- --nocapture
//!
//! The site is built with a fixed `SOURCE_DATE_EPOCH` into a temporary folder
//! and served over HTTP on 127.0.0.1 by a small server in this file (its
//! URLs are absolute paths). Each page must load without console messages
//! (the theme has no scripts, so any is an error) and without a failed
//! request. Needs Debian's `chromium` (`/usr/bin/chromium`, or the path in
//! `TANDEM_CHROMIUM`); without it the test is skipped, except under CI.

mod common;

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const PAGES: &[(&str, &str)] = &[
    ("overview", "/dashboards/"),
    ("matrix", "/dashboards/matrix/"),
    ("estimates", "/dashboards/estimates/"),
    ("priorities", "/dashboards/priorities/"),
    ("checkins", "/dashboards/checkins/"),
    ("demos", "/dashboards/demos/"),
    ("dissent", "/dashboards/dissent/"),
    ("this-week", "/this-week/"),
];

const SIZES: &[(u32, u32)] = &[(1280, 900), (390, 844)];

#[derive(Clone, Copy, PartialEq, Debug)]
enum Scheme {
    Light,
    Dark,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::Light => "light",
            Scheme::Dark => "dark",
        }
    }

    /// Blink's preferred colour scheme: 0 is dark, 1 is light. Checked by
    /// `color_scheme_flags_switch_prefers_color_scheme_and_errors_are_caught`
    /// (`--force-dark-mode` alone also switches it in Chromium 148).
    fn flag(self) -> &'static str {
        match self {
            Scheme::Light => "--blink-settings=preferredColorScheme=1",
            Scheme::Dark => "--blink-settings=preferredColorScheme=0",
        }
    }
}

/// At most two Chromium processes at a time across all tests of this file
/// (the machine has two cores).
static SLOTS: (Mutex<usize>, Condvar) = (Mutex::new(2), Condvar::new());

struct Slot;

impl Slot {
    fn take() -> Slot {
        let (free, cv) = &SLOTS;
        let mut free = free.lock().unwrap();
        while *free == 0 {
            free = cv.wait(free).unwrap();
        }
        *free -= 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let (free, cv) = &SLOTS;
        *free.lock().unwrap() += 1;
        cv.notify_one();
    }
}

/// The browser, or `None` when the test should be skipped.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("TANDEM_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{} is missing: CI must install Debian's chromium (apt-get install -y chromium) \
             before running the screenshot test",
            path.display()
        );
    }
    eprintln!(
        "skipping screenshots: {} not found (install Debian's chromium, or set TANDEM_CHROMIUM)",
        path.display()
    );
    None
}

fn screenshot_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(|t| manifest.join(t))
        .unwrap_or_else(|| manifest.join("target"));
    target.join("screenshots")
}

// --- A static file server with a request log ----------------------------

type Log = Arc<Mutex<Vec<(String, u16)>>>;

struct Server {
    base: String,
    log: Log,
}

/// A page that reports the colour scheme it sees, logs to the console and
/// asks for a missing file: the harness must notice the last two.
const PROBE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>probe</title></head>
<body><p id="scheme">unknown</p><img src="/__probe/missing.svg" alt="">
<script>
document.getElementById("scheme").textContent =
  matchMedia("(prefers-color-scheme: dark)").matches ? "scheme-dark" : "scheme-light";
console.error("probe-console-error");
</script></body></html>
"#;

impl Server {
    fn start(root: PathBuf) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let log: Log = Arc::default();
        let shared = log.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, log) = (root.clone(), shared.clone());
                thread::spawn(move || {
                    let _ = serve(stream, &root, &log);
                });
            }
        });
        Server {
            base: format!("http://{addr}"),
            log,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn requests(&self) -> Vec<(String, u16)> {
        self.log.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, root: &Path, log: &Log) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut parts = request.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let target = parts.next().unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
    let (status, content_type, body) = respond(root, &path);
    log.lock().unwrap().push((path, status));
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        out.write_all(&body)?;
    }
    out.flush()
}

fn respond(root: &Path, path: &str) -> (u16, &'static str, Vec<u8>) {
    if path == "/__probe/" {
        return (200, "text/html; charset=utf-8", PROBE.as_bytes().to_vec());
    }
    let mut relative = path.trim_start_matches('/').to_string();
    if relative.split('/').any(|part| part == "..") {
        return (400, "text/plain", b"bad path".to_vec());
    }
    if relative.is_empty() || relative.ends_with('/') {
        relative.push_str("index.html");
    }
    let mut file = root.join(&relative);
    if file.is_dir() {
        file = file.join("index.html");
    }
    let content_type = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    };
    match fs::read(&file) {
        Ok(bytes) => (200, content_type, bytes),
        Err(_) => (404, "text/plain", b"not found".to_vec()),
    }
}

// --- Running Chromium ---------------------------------------------------

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Console messages and uncaught errors Chromium logged for the page.
    fn console_errors(&self) -> Vec<String> {
        self.stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE") || l.contains("CONSOLE(") || l.contains("Uncaught"))
            .map(str::to_string)
            .collect()
    }
}

fn run_chromium(browser: &Path, size: (u32, u32), scheme: Scheme, action: &[String]) -> Run {
    let _slot = Slot::take();
    let scratch = tempfile::tempdir().expect("temp dir");
    let profile = scratch.path().join("profile");
    let (out_path, err_path) = (scratch.path().join("out"), scratch.path().join("err"));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(scheme.flag())
        .args(action)
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(50));
    };
    let read = |p: &Path| String::from_utf8_lossy(&fs::read(p).unwrap_or_default()).into_owned();
    let mut stderr = read(&err_path);
    if status.is_none() {
        stderr.push_str("\n[test] chromium timed out after 60 s and was killed\n");
    }
    Run {
        ok: status.is_some_and(|s| s.success()),
        stdout: read(&out_path),
        stderr,
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() < 24 || &bytes[..8] != SIGNATURE || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&bytes[16..20]), be(&bytes[20..24])))
}

fn build_example_site() -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    common::build_repository_site(out.path(), &[]);
    out
}

/// The harness itself: the scheme flags really switch
/// `prefers-color-scheme`, and a console message and a missing file are
/// caught, so a clean result below means something.
#[test]
fn color_scheme_flags_switch_prefers_color_scheme_and_errors_are_caught() {
    let Some(browser) = chromium() else { return };
    let empty = tempfile::tempdir().unwrap();
    let server = Server::start(empty.path().to_path_buf());
    let url = server.url("/__probe/");
    for scheme in [Scheme::Light, Scheme::Dark] {
        let run = run_chromium(
            &browser,
            (800, 600),
            scheme,
            &["--dump-dom".to_string(), url.clone()],
        );
        assert!(run.ok, "chromium failed:\n{}", run.stderr);
        let want = format!("<p id=\"scheme\">scheme-{}</p>", scheme.name());
        assert!(
            run.stdout.contains(&want),
            "{} flag {:?} did not give prefers-color-scheme: {}; DOM:\n{}",
            scheme.name(),
            scheme.flag(),
            scheme.name(),
            run.stdout
        );
        let errors = run.console_errors();
        assert!(
            errors.iter().any(|l| l.contains("probe-console-error")),
            "console.error was not seen in chromium's log:\n{}",
            run.stderr
        );
    }
    assert!(
        server
            .requests()
            .contains(&("/__probe/missing.svg".to_string(), 404)),
        "the server logs failed requests: {:?}",
        server.requests()
    );
}

#[test]
fn every_dashboard_renders_cleanly_at_desktop_and_phone_size_in_light_and_dark() {
    let Some(browser) = chromium() else { return };
    let started = Instant::now();
    let site = build_example_site();
    let server = Server::start(site.path().to_path_buf());
    let dir = screenshot_dir();
    fs::create_dir_all(&dir).unwrap();

    struct Shot {
        page: &'static str,
        path: &'static str,
        size: (u32, u32),
        scheme: Scheme,
        file: PathBuf,
    }
    let mut shots = Vec::new();
    for &(page, path) in PAGES {
        for &size in SIZES {
            for scheme in [Scheme::Light, Scheme::Dark] {
                let file = dir.join(format!("{page}-{}-{}.png", size.0, scheme.name()));
                let _ = fs::remove_file(&file);
                shots.push(Shot {
                    page,
                    path,
                    size,
                    scheme,
                    file,
                });
            }
        }
    }
    let shots = Arc::new(shots);
    let next = Arc::new(Mutex::new(0usize));
    let problems: Arc<Mutex<Vec<String>>> = Arc::default();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (shots, next, problems) = (shots.clone(), next.clone(), problems.clone());
            let (browser, base) = (browser.clone(), server.base.clone());
            thread::spawn(move || loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some(shot) = shots.get(i) else { break };
                let action = [
                    format!("--screenshot={}", shot.file.display()),
                    format!("{base}{}", shot.path),
                ];
                let run = run_chromium(&browser, shot.size, shot.scheme, &action);
                let name = shot
                    .file
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let mut found = Vec::new();
                if !run.ok {
                    found.push(format!("{name}: chromium failed:\n{}", run.stderr));
                }
                for line in run.console_errors() {
                    found.push(format!("{name}: console: {line}"));
                }
                problems.lock().unwrap().extend(found);
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker thread");
    }
    let mut problems = problems.lock().unwrap().clone();

    for shot in shots.iter() {
        let name = shot.file.display();
        let Ok(bytes) = fs::read(&shot.file) else {
            problems.push(format!("{name}: no screenshot written"));
            continue;
        };
        if bytes.len() <= 10 * 1024 {
            problems.push(format!("{name}: only {} bytes, a blank page?", bytes.len()));
        }
        match png_size(&bytes) {
            Some(size) if size == shot.size => {}
            other => problems.push(format!(
                "{name}: not a {}x{} PNG: {other:?}",
                shot.size.0, shot.size.1
            )),
        }
    }
    // Dark mode must change what is drawn.
    for pair in shots.chunks(2) {
        let (light, dark) = (&pair[0], &pair[1]);
        assert_eq!((light.scheme, dark.scheme), (Scheme::Light, Scheme::Dark));
        if let (Ok(a), Ok(b)) = (fs::read(&light.file), fs::read(&dark.file)) {
            if a == b {
                problems.push(format!(
                    "{} at {}px looks the same in light and dark",
                    light.page, light.size.0
                ));
            }
        }
    }
    // Every page and everything it links to loaded.
    let requests = server.requests();
    for (path, status) in &requests {
        // Browsers ask for /favicon.ico on their own; the theme declares
        // favicon.svg instead.
        if *status != 200 && path != "/favicon.ico" {
            problems.push(format!("request for {path} failed with {status}"));
        }
    }
    for &(page, path) in PAGES {
        let served = requests
            .iter()
            .filter(|(p, s)| p == path && *s == 200)
            .count();
        if served < SIZES.len() * 2 {
            problems.push(format!("{page} ({path}) served {served} times"));
        }
    }
    for asset in ["/style.css", "/charts.css"] {
        if !requests.iter().any(|(p, s)| p == asset && *s == 200) {
            problems.push(format!("{asset} was never loaded"));
        }
    }

    eprintln!(
        "{} screenshots in {} ({} s)",
        shots.len(),
        dir.display(),
        started.elapsed().as_secs()
    );
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
