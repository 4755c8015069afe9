//! `tandem serve` end to end: the real binary on a free port, a fixture
//! site in a temporary folder, requests over raw TCP (so request paths are
//! sent exactly as written, `..` and all). Every wait is bounded.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::server::Server;
use common::Fixture;

/// How long any one thing may take before the test fails.
const WAIT: Duration = Duration::from_secs(10);

impl Server {
    fn start(fixture: &Fixture, extra: &[&str]) -> Server {
        Server::start_in(fixture.root(), extra)
    }

    fn get(&self, path: &str) -> Reply {
        request(self.port, "GET", path)
    }

    fn status(&self) -> serde_json::Value {
        let reply = self.get("/__tandem/status");
        assert_eq!(reply.status, 200);
        serde_json::from_slice(&reply.body).unwrap()
    }

    /// Polls `path` until its body satisfies `ok`; panics after [`WAIT`].
    fn wait_for(&self, path: &str, what: &str, ok: impl Fn(&Reply) -> bool) -> Reply {
        let deadline = Instant::now() + WAIT;
        loop {
            let reply = self.get(path);
            if ok(&reply) {
                return reply;
            }
            if Instant::now() > deadline {
                panic!(
                    "{path}: waited {WAIT:?} for {what}; last reply {} {}\nstderr:\n{}",
                    reply.status,
                    reply.text(),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_for_status(&self, what: &str, ok: impl Fn(&serde_json::Value) -> bool) {
        let deadline = Instant::now() + WAIT;
        loop {
            let status = self.status();
            if ok(&status) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what}; status {status}\nstderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the server's log contains `text`.
    fn wait_for_log(&self, text: &str) {
        let deadline = Instant::now() + WAIT;
        while !self.stderr().contains(text) {
            assert!(
                Instant::now() < deadline,
                "no {text:?} in the log:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn events(&self) -> Events {
        Events::open(self.port)
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request on its own connection, the path sent byte for byte.
fn request(port: u16, method: &str, path: &str) -> Reply {
    request_to_host(port, method, path, &format!("127.0.0.1:{port}"))
}

/// [`request`] with the `Host` header a browser would send for `host`.
fn request_to_host(port: u16, method: &str, path: &str, host: &str) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(WAIT)).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("{method} {path}: no header end in {raw:?}"));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{method} {path}: bad status line in {head}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let reply = Reply {
        status,
        headers,
        body,
    };
    if method != "HEAD" {
        if let Some(length) = reply.header("Content-Length") {
            assert_eq!(
                length.parse::<usize>().unwrap(),
                reply.body.len(),
                "{path}: body length differs from Content-Length"
            );
        }
    }
    reply
}

/// The live-reload event stream, read event by event.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn open(port: u16) -> Events {
        Events::open_with_hello(port).0
    }

    /// Opens the stream; returns it with the data of its `hello` event.
    fn open_with_hello(port: u16) -> (Events, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        write!(
            stream,
            "GET /__tandem/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut events = Events {
            reader: BufReader::new(stream),
        };
        let (event, data) = events.next(WAIT).expect("a hello event");
        assert_eq!(event, "hello");
        (events, data)
    }

    /// The next event's name and data, or `None` after `wait`.
    fn next(&mut self, wait: Duration) -> Option<(String, String)> {
        let deadline = Instant::now() + wait;
        let (mut event, mut data) = (String::new(), String::new());
        let mut line = String::new();
        while Instant::now() < deadline {
            match self.reader.read_line(&mut line) {
                Ok(0) => return None,
                Ok(_) => {
                    if !line.ends_with('\n') {
                        // A timeout cut the line; read the rest next time.
                        continue;
                    }
                    let l = line.trim_end_matches(['\r', '\n']);
                    if let Some(name) = l.strip_prefix("event: ") {
                        event = name.to_string();
                    } else if let Some(d) = l.strip_prefix("data: ") {
                        data = d.to_string();
                    } else if l.is_empty() && !event.is_empty() {
                        return Some((event, data));
                    }
                    line.clear();
                }
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => return None,
            }
        }
        None
    }

    /// Waits for the event `name`, skipping others; returns its data.
    fn expect(&mut self, name: &str, server: &Server) -> String {
        self.expect_where(name, server, |_| true)
    }

    /// Waits for an event `name` whose data satisfies `ok`.
    fn expect_where(&mut self, name: &str, server: &Server, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            if let Some((event, data)) = self.next(deadline - Instant::now()) {
                if event == name && ok(&data) {
                    return data;
                }
                seen.push(format!("{event} {data}"));
            }
        }
        panic!(
            "no `{name}` event within {WAIT:?} (saw {seen:?})\nstderr:\n{}",
            server.stderr()
        );
    }
}

fn fixture() -> Fixture {
    let fixture = Fixture::new();
    fixture.write("static/extra.css", "body { color: black; }\n");
    fixture.write("static/info.json", "{\"ok\": true}\n");
    fixture
}

#[test]
fn serves_pages_with_content_types_and_no_store() {
    let fixture = fixture();
    let server = Server::start(&fixture, &[]);

    let home = server.get("/");
    assert_eq!(home.status, 200, "{}", home.text());
    assert_eq!(
        home.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(home.header("Cache-Control"), Some("no-store"));
    let text = home.text();
    assert!(text.contains("Fixture handbook"), "{text}");
    // The live script knows which file the page is, and which version.
    assert!(
        text.contains("<script src=\"/__tandem/live.js?build=1&page=index.html&v="),
        "{text}"
    );
    assert!(text.contains("\" defer></script>\n</body>"), "{text}");
    assert!(text.trim_end().ends_with("</html>"));

    let feature = server.get("/features/offline-sync/");
    assert_eq!(feature.status, 200);
    assert!(feature.text().contains("Offline sync for field app"));

    for (path, content_type) in [
        ("/style.css", "text/css; charset=utf-8"),
        ("/extra.css?v=123", "text/css; charset=utf-8"),
        ("/favicon.svg", "image/svg+xml"),
        ("/info.json", "application/json"),
        ("/__tandem/live.js", "text/javascript; charset=utf-8"),
        ("/__tandem/status", "application/json"),
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("Content-Type"), Some(content_type), "{path}");
        assert_eq!(reply.header("Cache-Control"), Some("no-store"), "{path}");
    }
    assert_eq!(server.get("/extra.css").text(), "body { color: black; }\n");
    assert_eq!(server.get("/info.json").text(), "{\"ok\": true}\n");
    // The script builds its overlay with textContent, never innerHTML.
    let script = server.get("/__tandem/live.js").text();
    assert!(script.contains("textContent") && !script.contains("innerHTML"));
    // Nothing is written to the output folder.
    assert!(!fixture.path("public").exists());
}

#[test]
fn head_gets_headers_without_a_body() {
    let fixture = fixture();
    let server = Server::start(&fixture, &[]);
    let get = server.get("/features/");
    let head = request(server.port, "HEAD", "/features/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "{}", head.text());
    assert_eq!(
        head.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        head.header("Content-Length").map(str::to_string),
        Some(get.body.len().to_string())
    );
    let post = request(server.port, "POST", "/");
    assert_eq!(post.status, 405);
    assert_eq!(post.header("Allow"), Some("GET, HEAD"));
    assert_eq!(request(server.port, "DELETE", "/index.html").status, 405);
}

#[test]
fn folders_redirect_and_unknown_paths_get_the_sites_404_page() {
    let fixture = fixture();
    let server = Server::start(&fixture, &[]);
    let redirect = server.get("/features");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("Location"), Some("/features/"));
    let redirect = server.get("/guide/checkin?x=1");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("Location"), Some("/guide/checkin/?x=1"));
    assert_eq!(server.get("/guide/checkin/").status, 200);
    assert_eq!(server.get("/features/index.html").status, 200);

    for path in ["/no-such-page/", "/no-such-file.css", "/features/nope"] {
        let missing = server.get(path);
        assert_eq!(missing.status, 404, "{path}");
        assert_eq!(
            missing.header("Content-Type"),
            Some("text/html; charset=utf-8")
        );
        assert!(
            missing.text().contains("Page not found"),
            "{}",
            missing.text()
        );
        assert!(missing.text().contains("/__tandem/live.js"));
    }
}

#[test]
fn traversal_is_refused_in_every_form() {
    let fixture = fixture();
    // Files outside the output folder: in the site root and in a folder
    // named like the targets below.
    let secret = "TOP-SECRET-7f3a";
    fixture.write("Cargo.toml", secret);
    fixture.write("secret", secret);
    fixture.write("x", secret);
    fixture.write("etc/passwd", secret);
    let server = Server::start(&fixture, &[]);
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/x",
        "/%2E%2E%2Fsecret",
        "/..%2fx",
        "/..%2Fsecret",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/features/../../Cargo.toml",
        "/features/%2e%2e/%2e%2e/secret",
        "/.%2e/secret",
        "//etc/passwd",
        "/a/%00b",
        "/secret%00.html",
        "\\..\\x",
        "/..\\secret",
        "/%5c..%5csecret",
        "/../../../../etc/passwd",
        "http://127.0.0.1/../secret",
        "/Cargo.toml",
        "/secret",
        "/etc/passwd",
    ] {
        let reply = server.get(path);
        assert!(
            reply.status == 400 || reply.status == 404,
            "{path}: status {}",
            reply.status
        );
        let text = reply.text();
        assert!(!text.contains(secret), "{path} leaked the secret");
        assert!(!text.contains("root:x:0:0"), "{path} leaked /etc/passwd");
    }
    // The server is still fine afterwards.
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn pages_are_refused_to_foreign_host_names_against_dns_rebinding() {
    let fixture = fixture();
    let server = Server::start(&fixture, &[]);
    let port = server.port;
    for host in [format!("localhost:{port}"), format!("[::1]:{port}")] {
        assert_eq!(
            request_to_host(port, "GET", "/", &host).status,
            200,
            "{host}"
        );
    }
    for path in ["/", "/__tandem/status", "/__tandem/events"] {
        let reply = request_to_host(port, "GET", path, &format!("attacker.example:{port}"));
        assert_eq!(reply.status, 403, "{path}");
        assert!(reply.text().contains("DNS rebinding"), "{}", reply.text());
    }
}

#[test]
fn editing_a_data_file_changes_the_page() {
    let fixture = fixture();
    let server = Server::start(&fixture, &[]);
    assert!(server
        .get("/features/offline-sync/")
        .text()
        .contains("Offline sync for field app"));
    let saved = Instant::now();
    fixture.edit(
        "data/features.toml",
        "Offline sync for field app",
        "Offline sync, now with merges",
    );
    server.wait_for("/features/offline-sync/", "the new title", |r| {
        r.status == 200 && r.text().contains("Offline sync, now with merges")
    });
    eprintln!(
        "save to new page served: {} ms",
        saved.elapsed().as_millis()
    );
    // The page may be served before the build ends (the candidates of the
    // saved file come first), so the log line may come later.
    server.wait_for_log("(data/features.toml; full build)");
}

#[test]
fn a_text_edit_renders_only_what_shows_the_page_and_a_title_edit_everything() {
    let fixture = fixture();
    let server = Server::start(&fixture, &[]);
    let mut events = server.events();
    let json = |data: String| -> serde_json::Value { serde_json::from_str(&data).unwrap() };
    // The first paragraph is the page's summary, which its section, the
    // home and the search pages show too: the page itself is served and
    // announced first, then the pages that list it.
    fixture.edit(
        "content/guide/demos.md",
        "Show the *why*.",
        "Show the *why*, in short.",
    );
    let first = json(events.expect("reload", &server));
    let page_only = serde_json::json!(["guide/demos/index.html"]);
    assert_eq!(first["pages"], page_only, "{first}");
    assert_eq!(first["more"], true, "another reload follows: {first}");
    let page = server.get("/guide/demos/");
    assert!(page.text().contains("in short"), "{}", page.text());
    let then = json(events.expect("reload", &server));
    assert!(then["build"].as_u64() > first["build"].as_u64(), "{then}");
    assert!(then["more"].is_null(), "the last one: {then}");
    let listed: Vec<&str> = (then["pages"].as_array().expect("pages listed").iter())
        .map(|path| path.as_str().unwrap())
        .collect();
    for path in ["index.html", "guide/index.html", "search/index.html"] {
        assert!(listed.contains(&path), "{path} not in {listed:?}");
    }
    for path in ["guide/demos/index.html", "guide/checkin/index.html"] {
        assert!(!listed.contains(&path), "{path} told again: {listed:?}");
    }
    assert!(server.get("/guide/").text().contains("in short"));
    server.wait_for_log("(content/guide/demos.md; 5 of ");
    server.wait_for_log("what the save shows first (reload sent to 1 page ");

    fixture.edit(
        "content/guide/demos.md",
        "# Demos that show",
        "# Demos that explain",
    );
    // A new title is in every page's navigation: a full build, which
    // renders and announces the saved page first too, then every other.
    let first = json(events.expect("reload", &server));
    assert_eq!(first["pages"], page_only, "{first}");
    assert!(server
        .get("/guide/demos/")
        .text()
        .contains("Demos that explain"));
    let full = json(events.expect("reload", &server));
    let any = "a full build may change any page";
    assert!(full["pages"].is_null(), "{any}: {full}");
    assert_eq!(full["except"], page_only, "{full}");
    let other = server.get("/guide/checkin/");
    assert!(
        other.text().contains("Demos that explain"),
        "navigation updated"
    );
    server.wait_for_log("(content/guide/demos.md; full build)");
}

#[cfg(unix)]
#[test]
fn in_git_saves_walk_no_history_while_head_stays() {
    let fixture = fixture();
    fixture.commit_everything("2026-10-01T12:00:00Z");
    let bin = tempfile::tempdir().unwrap();
    let log = bin.path().join("calls");
    let path = common::logging_git(bin.path(), &log);
    let server = Server::start_with_env(fixture.root(), &[], &[("PATH", path.as_str())]);
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("--name-only"));
    std::fs::remove_file(&log).unwrap();
    // The saved page's date is the commit's, known from the build: no
    // `git log` walks back to the page's last commit.
    fixture.edit(
        "content/guide/demos.md",
        "Show the *why*.",
        "Show the *why*, in short.",
    );
    server.wait_for_log("(content/guide/demos.md; 5 of ");
    let ran = |command: &str| {
        let calls = std::fs::read_to_string(&log).unwrap_or_default();
        (calls.lines()).any(|l| l.split_whitespace().any(|a| a == command))
    };
    assert!(ran("rev-parse"), "HEAD was not checked");
    assert!(!ran("log"), "git log ran for a text save");
    // Nor does a full build read the history again.
    fixture.edit(
        "content/guide/demos.md",
        "# Demos that show",
        "# Demos that explain",
    );
    server.wait_for_log("(content/guide/demos.md; full build)");
    assert!(!ran("log"), "git log ran for a full build");
    assert!(server
        .get("/guide/demos/")
        .text()
        .contains(r#"datetime="2026-10-01""#));
}

#[test]
fn event_stream_sends_reload_after_an_edit_and_css_after_a_stylesheet_edit() {
    let fixture = fixture();
    let server = Server::start(&fixture, &[]);
    let mut events = server.events();
    let mut second = server.events();

    fixture.edit(
        "content/guide/demos.md",
        "Show the *why*.",
        "Show the *why*, always.",
    );
    let data = events.expect("reload", &server);
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    let build = data["build"].as_u64().unwrap();
    assert!(build >= 2, "{data}");
    assert_eq!(data["url"], serde_json::Value::Null, "no --follow");
    // Every open page hears it.
    second.expect("reload", &server);
    assert!(server
        .get("/guide/demos/")
        .text()
        .contains("Show the <em>why</em>, always."));

    fixture.edit("static/extra.css", "black", "navy");
    let data = events.expect("css", &server);
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert!(data["build"].as_u64().unwrap() > build, "{data}");
    assert!(server.get("/extra.css").text().contains("navy"));
    server.wait_for_log("css sent to 2 pages");
}

#[test]
fn follow_sends_the_url_of_the_edited_page() {
    let fixture = fixture();
    let server = Server::start(&fixture, &["--follow"]);
    let mut events = server.events();
    fixture.edit(
        "content/guide/checkin.md",
        "Thirty minutes",
        "Thirty-five minutes",
    );
    events.expect_where("reload", &server, |d| {
        d.contains("\"url\":\"/guide/checkin/\"")
    });
    fixture.edit("content/_index.md", "Welcome.", "Welcome back.");
    events.expect_where("reload", &server, |d| d.contains("\"url\":\"/\""));
}

#[test]
fn broken_toml_keeps_the_last_good_site_and_the_fix_recovers() {
    let fixture = fixture();
    let server = Server::start(&fixture, &[]);
    let mut events = server.events();
    let good = server.get("/features/offline-sync/").text();
    assert!(good.contains("Offline sync for field app"));

    // Line 6 of data/features.toml: `status = "refinement"`.
    fixture.edit(
        "data/features.toml",
        "status = \"refinement\"",
        "status = = \"refinement\"",
    );
    events.expect_where("error", &server, |d| d.contains("data/features.toml:6:10"));
    server.wait_for_status("the error", |s| {
        s["ok"] == false
            && s["errors"]
                .as_str()
                .is_some_and(|e| e.contains("data/features.toml:6:10"))
    });
    let status = server.status();
    let errors = status["errors"].as_str().unwrap();
    assert!(errors.contains("error: "), "{errors}");
    assert!(errors.contains("--> data/features.toml:6:10"), "{errors}");
    // The CLI prints the very same text.
    let cli = common::stderr(&fixture.tandem(&["check"]));
    assert!(cli.contains(errors), "CLI:\n{cli}\nserver:\n{errors}");
    server.wait_for_log(errors);

    // Still serving the last good build, page for page.
    let still = server.get("/features/offline-sync/");
    assert_eq!(still.status, 200);
    assert!(still.text().contains("Offline sync for field app"));
    // A page opened now learns of the error at once.
    let (_late, hello) = Events::open_with_hello(server.port);
    assert!(hello.contains("\"ok\":false"), "{hello}");
    assert!(hello.contains("data/features.toml:6:10"), "{hello}");

    fixture.edit(
        "data/features.toml",
        "status = = \"refinement\"",
        "status = \"refinement\"",
    );
    events.expect("reload", &server);
    server.wait_for_status("recovery", |s| s["ok"] == true && s["errors"] == "");
    assert_eq!(server.get("/features/offline-sync/").status, 200);
}

#[test]
fn a_site_that_never_built_serves_its_errors_until_fixed() {
    let fixture = fixture();
    fixture.edit("data/people.toml", "role = \"product\"", "role = \"product");
    let server = Server::start(&fixture, &[]);
    let page = server.get("/features/");
    assert_eq!(page.status, 503);
    let text = page.text();
    assert!(text.contains("data/people.toml:"), "{text}");
    assert!(text.contains("/__tandem/live.js"), "{text}");
    assert_eq!(server.status()["ok"], false);

    fixture.edit("data/people.toml", "role = \"product", "role = \"product\"");
    server.wait_for("/features/", "the first good build", |r| r.status == 200);
    assert_eq!(server.status()["ok"], true);
}

#[test]
fn folders_created_renamed_and_deleted_are_followed() {
    let fixture = fixture();
    let server = Server::start(&fixture, &[]);

    // A new section folder with a page.
    fixture.write(
        "content/rituals/weekly.md",
        "# Weekly sync\n\nEvery Monday.\n",
    );
    server.wait_for("/rituals/weekly/", "the new page", |r| {
        r.status == 200 && r.text().contains("Weekly sync")
    });

    // The whole folder renamed.
    std::fs::rename(
        fixture.path("content/rituals"),
        fixture.path("content/habits"),
    )
    .unwrap();
    server.wait_for("/habits/weekly/", "the renamed page", |r| r.status == 200);
    assert_eq!(server.get("/rituals/weekly/").status, 404);

    // A page added inside the renamed folder is seen too.
    fixture.write("content/habits/daily.md", "# Daily check\n\nShort.\n");
    server.wait_for("/habits/daily/", "a page in the renamed folder", |r| {
        r.status == 200
    });

    // Deleted.
    std::fs::remove_dir_all(fixture.path("content/habits")).unwrap();
    server.wait_for("/habits/weekly/", "the page to go", |r| r.status == 404);
}

#[test]
fn a_source_folder_created_after_start_is_watched() {
    let fixture = fixture();
    std::fs::remove_dir_all(fixture.path("static")).unwrap();
    let server = Server::start(&fixture, &[]);
    assert_eq!(server.get("/later.txt").status, 404);
    fixture.write("static/later.txt", "one\n");
    server.wait_for("/later.txt", "the first version", |r| r.text() == "one\n");
    // The second save is seen through the new folder's own watch.
    fixture.write("static/later.txt", "two\n");
    let reply = server.wait_for("/later.txt", "the second version", |r| r.text() == "two\n");
    assert_eq!(
        reply.header("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
}

#[test]
fn rename_and_replace_saves_rebuild() {
    let fixture = fixture();
    let server = Server::start(&fixture, &[]);
    let file = fixture.path("data/features.toml");
    let text = fixture.read("data/features.toml");

    // vim (backupcopy=no): probe file, original renamed to a backup, new
    // file written, backup removed.
    std::fs::write(fixture.path("data/4913"), "").unwrap();
    std::fs::remove_file(fixture.path("data/4913")).unwrap();
    let backup = fixture.path("data/features.toml~");
    std::fs::rename(&file, &backup).unwrap();
    std::fs::write(
        &file,
        text.replace("Offline sync for field app", "Saved by vim"),
    )
    .unwrap();
    std::fs::remove_file(&backup).unwrap();
    server.wait_for("/features/offline-sync/", "vim's save", |r| {
        r.text().contains("Saved by vim")
    });

    // JetBrains "safe write": temp file, original renamed away, temp
    // renamed over it, old one removed.
    let tmp = fixture.path("data/features.toml___jb_tmp___");
    let old = fixture.path("data/features.toml___jb_old___");
    std::fs::write(
        &tmp,
        text.replace("Offline sync for field app", "Saved by JetBrains"),
    )
    .unwrap();
    std::fs::rename(&file, &old).unwrap();
    std::fs::rename(&tmp, &file).unwrap();
    std::fs::remove_file(&old).unwrap();
    server.wait_for("/features/offline-sync/", "JetBrains' save", |r| {
        r.text().contains("Saved by JetBrains")
    });
}

#[test]
fn concurrent_requests_during_rebuilds_all_get_complete_pages() {
    let fixture = fixture();
    let server = Server::start(&fixture, &[]);
    let port = server.port;
    let paths = [
        "/",
        "/features/",
        "/features/offline-sync/",
        "/guide/checkin/",
        "/style.css",
    ];
    let clients: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for i in 0..50 {
                    let path = paths[(t + i) % paths.len()];
                    let reply = request(port, "GET", path);
                    if reply.status != 200 {
                        failures.push(format!("{path}: {}", reply.status));
                    } else if path.ends_with('/') && !reply.text().trim_end().ends_with("</html>") {
                        failures.push(format!("{path}: incomplete body"));
                    }
                }
                failures
            })
        })
        .collect();
    // Rebuilds while the clients run.
    for n in 0..3 {
        fixture.edit(
            "data/features.toml",
            "Technicians lose work",
            &format!("Technicians lose work ({n})"),
        );
        std::thread::sleep(Duration::from_millis(60));
    }
    let failures: Vec<String> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    assert!(failures.is_empty(), "{failures:?}");
    server.wait_for_status("the rebuilds", |s| s["build"].as_u64() > Some(1));
}

#[test]
fn a_taken_port_makes_the_server_try_the_next() {
    let fixture = fixture();
    // Hold a port, and make sure the next one is free when the server starts.
    let (held, port) = loop {
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        if port < 65000 && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            break (held, port);
        }
    };
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("tandem"))
        .args(["serve", "--port", &port.to_string(), "--root"])
        .arg(fixture.root())
        .env("SOURCE_DATE_EPOCH", common::EPOCH)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    drop(held);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("port {port} is in use, trying {}", port + 1)),
        "{stderr}"
    );
    assert!(
        line.starts_with(&format!("Serving on http://127.0.0.1:{}/", port + 1)),
        "{line}"
    );
}

#[test]
fn ctrl_c_stops_the_server_with_exit_code_0() {
    let fixture = fixture();
    let mut server = Server::start(&fixture, &[]);
    assert_eq!(server.get("/").status, 200);
    let interrupted = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running after Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        status.success(),
        "{status:?}
{}",
        server.stderr()
    );
    assert!(TcpStream::connect(("127.0.0.1", server.port)).is_err());
}

#[test]
fn a_save_that_fails_after_its_page_was_served_early_sends_that_page_back() {
    let fixture = fixture();
    // A section page that fails on one word in a summary: the saved page
    // itself renders, the pages listing it do not.
    fixture.write(
        "templates/section.html",
        "<!doctype html><title>{{ section.title }}</title>\
         {% for p in section.pages %}{% if \"BOOM\" in p.summary %}\
         {{ throw(message=\"a summary says BOOM\") }}{% endif %}{{ p.title }}{% endfor %}\n",
    );
    let server = Server::start(&fixture, &[]);
    let mut events = server.events();
    fixture.edit(
        "content/guide/demos.md",
        "Show the *why*.",
        "Show the BOOM.",
    );
    let early = events.expect("reload", &server);
    assert!(early.contains("\"more\":true"), "{early}");
    let error = events.expect("error", &server);
    let error: serde_json::Value = serde_json::from_str(&error).unwrap();
    assert!(
        error["errors"]
            .as_str()
            .unwrap()
            .contains("a summary says BOOM"),
        "{error}"
    );
    assert_eq!(
        error["reload"],
        serde_json::json!(["guide/demos/index.html"]),
        "{error}"
    );
    // The last good site again, the saved page included.
    let page = server.get("/guide/demos/").text();
    assert!(page.contains("Show the <em>why</em>."), "{page}");
    assert!(!page.contains("BOOM"), "{page}");
}

#[test]
fn a_data_edit_serves_the_pages_of_its_candidates_first() {
    let fixture = fixture();
    let server = Server::start(&fixture, &[]);
    let mut events = server.events();
    fixture.edit(
        "data/features.toml",
        "Offline sync for field app",
        "Offline sync, first",
    );
    let first = events.expect("reload", &server);
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    // Both candidates are defined in the saved file.
    let pages = serde_json::json!([
        "features/offline-sync/index.html",
        "features/xss-title/index.html"
    ]);
    assert_eq!(first["pages"], pages, "{first}");
    assert_eq!(first["more"], true, "{first}");
    assert!(server
        .get("/features/offline-sync/")
        .text()
        .contains("Offline sync, first"));
    // The rest of the full build follows: every page but those two.
    let full = events.expect("reload", &server);
    let full: serde_json::Value = serde_json::from_str(&full).unwrap();
    assert!(full["pages"].is_null(), "{full}");
    assert_eq!(full["except"], pages, "{full}");
    assert!(server
        .get("/features/")
        .text()
        .contains("Offline sync, first"));
}
