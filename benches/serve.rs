//! Save-to-reload benchmark for `tandem serve`: `cargo bench --bench serve`.
//!
//! Starts the release `tandem serve` on the example site (a copy of this
//! repository's) and on synthetic sites (`synthetic.rs`), opens the
//! live-reload event stream as a browser does, then saves a file and times
//! how long the `reload` event that reaches the edited page takes to
//! arrive (one whose `pages` list it, or that lists none: a full build):
//! the whole path a writer watching that page waits on (file-system event,
//! debounce, rebuild, swap, event). A save that changes pages listing the
//! edited one tells them in a later event, which is not timed here; the
//! server's log gives both. Each scenario runs 7 times; the median,
//! fastest and slowest are reported.
//!
//! Scenarios: one page's text edited below its first paragraph (what a
//! writer does all day: only that page shows it), its first paragraph
//! edited (the summary its section, home and search pages show), its
//! title edited (navigation changes everywhere: a full build), one data
//! file edited (a full build). Sizes: `TANDEM_BENCH_PAGES` (default `1000,10000`), plus the
//! example site.

// Shared with the build benchmark; this one serves no Hugo sites.
#[allow(dead_code)]
mod synthetic;

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 7;

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(root: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["serve", "--port", "0", "--root"])
        .arg(root)
        .env("SOURCE_DATE_EPOCH", "1795564800")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tandem serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .unwrap_or_else(|| panic!("no `Serving on URL` line: {line:?}"));
    Server { child, port }
}

/// The live-reload stream, read as events.
struct Events(BufReader<TcpStream>);

impl Events {
    fn open(port: u16) -> Events {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            stream,
            "GET /__tandem/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
        )
        .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        let mut events = Events(BufReader::new(stream));
        events.wait_for("hello");
        events
    }

    /// Reads and drops events until none came for `quiet`.
    fn drain(&mut self, quiet: Duration) {
        let stream = self.0.get_ref().try_clone().unwrap();
        stream.set_read_timeout(Some(quiet)).unwrap();
        let mut line = String::new();
        loop {
            line.clear();
            match self.0.read_line(&mut line) {
                Ok(n) if n > 0 => continue,
                _ => break, // quiet for long enough (or closed)
            }
        }
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
    }

    /// Reads until the event `name` arrives.
    fn wait_for(&mut self, name: &str) {
        self.wait_until(name, |_| true);
    }

    /// Reads until a `reload` event reaches the page whose file is `page`
    /// (one naming it, or a full build's not excepting it); returns whether
    /// another `reload` of the same save follows (`more`).
    fn wait_for_reload_of(&mut self, page: &str) -> bool {
        let data = self.wait_until("reload", |data| {
            let data: serde_json::Value = serde_json::from_str(data).unwrap();
            let named = |list: &serde_json::Value| {
                list.as_array().is_some_and(|l| l.iter().any(|p| p == page))
            };
            if data["pages"].is_null() {
                !named(&data["except"])
            } else {
                named(&data["pages"])
            }
        });
        data.contains("\"more\":true")
    }

    /// Reads the rest of one save's reload events, after one with `more`.
    fn finish_save(&mut self) {
        self.wait_until("reload", |data| !data.contains("\"more\":true"));
    }

    /// Reads until an event `name` whose data passes `wanted` arrives;
    /// returns its data.
    fn wait_until(&mut self, name: &str, wanted: impl Fn(&str) -> bool) -> String {
        let mut line = String::new();
        let (mut current, mut data) = (String::new(), String::new());
        loop {
            line.clear();
            assert!(self.0.read_line(&mut line).unwrap() > 0, "stream closed");
            let l = line.trim_end();
            if let Some(event) = l.strip_prefix("event: ") {
                current = event.to_string();
            } else if let Some(d) = l.strip_prefix("data: ") {
                data = d.to_string();
            } else if l.is_empty() && current == name && wanted(&data) {
                return data;
            } else if l.is_empty() && current == "error" {
                panic!("the edit broke the build");
            } else if l.is_empty() {
                // The end of another event (or of a keep-alive comment).
                current.clear();
            }
        }
    }
}

/// Milliseconds from each save to the reload event of the page whose file
/// is `page`: `edit(i)` saves.
fn time_saves(events: &mut Events, page: &str, mut edit: impl FnMut(usize)) -> Vec<f64> {
    (0..RUNS)
        .map(|i| {
            // Let the watcher settle between saves, as between keystrokes,
            // and drop the events of rebuilds still under way (an editor's
            // save can be two file events a rebuild apart), so that no
            // save is timed by an earlier save's event.
            events.drain(Duration::from_millis(300));
            let saved = Instant::now();
            edit(i);
            let more = events.wait_for_reload_of(page);
            let ms = saved.elapsed().as_secs_f64() * 1000.0;
            // The rest of this save's events must not pass for the next's.
            if more {
                events.finish_save();
            }
            ms
        })
        .collect()
}

fn summary(mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    format!(
        "{:.0} ms | {:.0}-{:.0} ms",
        ms[ms.len() / 2],
        ms[0],
        ms[ms.len() - 1]
    )
}

/// Edits `file` by replacing `from` with `to(i)` on save `i`, then restores
/// it; times the reload of the page at `url`.
fn scenario(
    table: &mut String,
    events: &mut Events,
    (site, page): (&str, &str),
    what: &str,
    file: &Path,
    change: impl Fn(&str, usize) -> String,
) {
    let original = fs::read_to_string(file).unwrap();
    let ms = time_saves(events, page, |i| {
        fs::write(file, change(&original, i)).unwrap()
    });
    fs::write(file, &original).unwrap();
    if events.wait_for_reload_of(page) {
        events.finish_save();
    }
    writeln!(table, "| {site} | {what} | {} |", summary(ms)).unwrap();
    eprintln!("{site}: {what} done");
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn example_site(base: &Path) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = base.join("serve-example");
    let _ = fs::remove_dir_all(&root);
    for part in ["content", "data", "themes"] {
        copy_dir(&repo.join(part), &root.join(part));
    }
    fs::copy(repo.join("tandem.toml"), root.join("tandem.toml")).unwrap();
    root
}

fn synthetic_site(base: &Path, pages: usize) -> PathBuf {
    let root = base.join(format!("serve-{pages}"));
    let spec = synthetic::Spec {
        pages,
        candidates: pages,
    };
    synthetic::generated(&root, |root| synthetic::write_tandem(root, &spec));
    root
}

fn main() {
    let base = synthetic::sites_folder();
    let sizes = synthetic::sizes();
    let mut sites = vec![(
        "example site".to_string(),
        example_site(&base),
        "content/collaboration/safe-dissent.md",
        "data/people.toml",
    )];
    for pages in sizes {
        sites.push((
            format!("{pages} pages + {pages} candidates"),
            synthetic_site(&base, pages),
            "content/section-0/page-0.md",
            "data/candidates-0000.toml",
        ));
    }
    let mut table = String::from("| Site | Save | Median | Range |\n| --- | --- | --- | --- |\n");
    for (name, root, page, data) in &sites {
        let server = start(root);
        let mut events = Events::open(server.port);
        let url = tandem::serve::page_url(Path::new(page)).expect("a page source");
        let output = format!("{}index.html", &url[1..]);
        let site = (name.as_str(), output.as_str());
        scenario(
            &mut table,
            &mut events,
            site,
            "one page's text, below its summary",
            &root.join(page),
            |text, i| format!("{text}\nAn edited paragraph, save {i}.\n"),
        );
        scenario(
            &mut table,
            &mut events,
            site,
            "one page's first paragraph",
            &root.join(page),
            |text, i| {
                text.replacen(
                    "\n+++\n",
                    &format!("\n+++\n\nAn opening line, save {i}.\n"),
                    1,
                )
            },
        );
        scenario(
            &mut table,
            &mut events,
            site,
            "one page's title",
            &root.join(page),
            |text, i| text.replacen("title = \"", &format!("title = \"Edit {i} "), 1),
        );
        scenario(
            &mut table,
            &mut events,
            site,
            "one data file",
            &root.join(data),
            |text, i| format!("{text}\n# edit {i}\n"),
        );
    }
    println!("{table}");
}
