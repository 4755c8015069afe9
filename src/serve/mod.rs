//! `tandem serve`: build the site, serve it, and rebuild and reload the
//! browser on every save.
//!
//! ## Previewing with `tandem serve`
//!
//! ```text
//! tandem serve [--root DIR] [--bind 127.0.0.1] [--port 1111] [--open] [--follow] [--drafts]
//! ```
//!
//! Builds the site in memory and serves it at `http://127.0.0.1:1111/`
//! (the first line on standard output is `Serving on URL`). Every save in
//! `content/`, `data/`, `themes/`, `static/`, `templates/` or to
//! `tandem.toml` rebuilds the site and reloads every open page; when only
//! stylesheets changed, pages swap them without reloading.
//!
//! - `--root DIR`: the site's folder (default `.`).
//! - `--bind ADDRESS`: the address to listen on (default `127.0.0.1`, this
//!   machine only; `0.0.0.0` shares the preview on the network).
//! - `--port N`: the port (default 1111). When it is taken, the next ten
//!   are tried in turn; `--port 0` lets the system choose.
//! - `--open`: opens the site in the default browser (`xdg-open`).
//! - `--follow`: after a save of a page in `content/`, open pages go to
//!   that page.
//! - `--drafts`: includes pages marked `draft = true`.
//!
//! A save that breaks the build never stops the server: the last good site
//! stays served, the errors are printed exactly as `tandem build` prints
//! them, and every open page shows them in an overlay until a save fixes
//! them. The server serves from memory and never writes to `public/`;
//! links in the preview point at the preview (`base_url` is replaced by
//! the server's address). Ctrl-C stops it (exit code 0).
//!
//! Bound to a loopback address (the default), the server answers only
//! requests whose `Host` is `localhost`, a `*.localhost` name or an IP
//! address, and refuses others with 403: otherwise any web page could
//! point a domain of its own at 127.0.0.1 (DNS rebinding) and read the
//! preview from the reader's browser.
//!
//! The server's own endpoints live under `/__tandem/`: `live.js` (the
//! live-reload script injected into every HTML page), `events` (server-sent
//! events, see [`reload`]) and `status` (JSON: `{"ok": bool, "errors":
//! "...", "build": N, "clients": N}`).
//!
//! ## How it works
//!
//! A build renders the whole site into a map of output path to bytes; the
//! map is swapped in whole, so a request sees either the previous site or
//! the new one, never a mix. A save that changes only the text of pages,
//! or only templates, renders just the outputs it changes and swaps in a
//! copy of the map with those replaced (see [`crate::preview`]); anything
//! else gets a full build. [`http`] maps requests onto that map,
//! [`reload`] streams events to pages, [`watch`] turns file events into
//! rebuilds.

pub mod http;
pub mod reload;
pub mod watch;

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::preview::{Early, Preview, Update};
use crate::site::BuildOptions;
use http::{Files, Reply, Route, View};
use reload::Hub;
use watch::Change;

/// How many ports above the asked one are tried when it is taken.
pub const PORT_TRIES: u16 = 10;

/// What `tandem serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub drafts: bool,
    pub bind: IpAddr,
    pub port: u16,
    pub open: bool,
    pub follow: bool,
}

/// The site as served: replaced whole after every build.
struct Current {
    files: Arc<Files>,
    /// Good builds so far; 0 while the site has never built.
    build: u64,
    /// The diagnostics of the last build, when it failed.
    errors: Option<String>,
}

impl Current {
    /// Whether a page must reload that was served the file `page` (output
    /// path) at `version` during build `build`: when its file changed, went
    /// or (for a 404 page, [`http::MISSING`]) came since, whatever the
    /// builds in between (a page reloaded by an early event is current
    /// although a later build followed). A page that is no file of the
    /// site (the never-built error page) goes by the build number.
    fn stale(&self, page: Option<&str>, version: Option<&str>, build: Option<u64>) -> bool {
        match (page, version) {
            (Some(page), Some(version)) => match self.files.get(page) {
                Some(bytes) => http::version(bytes) != version,
                None => version != http::MISSING,
            },
            _ => build.is_some_and(|build| build != self.build),
        }
    }
}

struct State {
    current: RwLock<Arc<Current>>,
    hub: Arc<Hub>,
    /// The address the server listens on: decides which `Host` headers
    /// are answered (see [`http::host_allowed`]).
    bind: IpAddr,
}

impl State {
    fn current(&self) -> Arc<Current> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set(&self, current: Current) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(current);
    }
}

/// Runs the server until `shutdown` receives a message (or is closed).
/// Errors are the reasons it could not start.
pub fn run(options: ServeOptions, shutdown: Receiver<()>) -> Result<(), String> {
    let root = options
        .root
        .canonicalize()
        .map_err(|e| format!("site folder {}: {e}", options.root.display()))?;
    if !root.is_dir() {
        return Err(format!("site folder {} is not a folder", root.display()));
    }
    let listener = bind(options.bind, options.port)?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the server's address: {e}"))?;
    let url = site_url(address);
    let build_options = BuildOptions {
        root: root.clone(),
        base_url: Some(url.clone()),
        drafts: options.drafts,
        today: None,
        // Live pages keep absolute URLs and stable asset names (the
        // stylesheet hot swap relies on them).
        relative_urls: Some(false),
        fingerprint: Some(false),
    };

    // Watch before the first build, so no save is missed.
    let (change_sender, changes) = mpsc::channel::<Change>();
    watch::start(root.clone(), root.join("public"), change_sender)
        .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;

    let state = Arc::new(State {
        current: RwLock::new(Arc::new(Current {
            files: Arc::new(Files::new()),
            build: 0,
            errors: None,
        })),
        hub: Arc::new(Hub::default()),
        bind: options.bind,
    });
    let mut builder = Builder::new(state.clone(), build_options, options.follow);
    builder.rebuild(None);
    std::thread::Builder::new()
        .name("tandem-build".into())
        .spawn(move || builder.run(changes))
        .map_err(|e| format!("cannot start the builder: {e}"))?;

    let server = Arc::new(
        tiny_http::Server::from_listener(listener, None)
            .map_err(|e| format!("cannot serve on {address}: {e}"))?,
    );
    // Far more workers than cores: a worker writing a large file to a client
    // that stopped reading is blocked until the client goes away, and the
    // rest must keep answering. Idle workers cost only their stacks.
    let workers = 64;
    for _ in 0..workers {
        let server = server.clone();
        let state = state.clone();
        std::thread::Builder::new()
            .name("tandem-http".into())
            .spawn(move || {
                while let Ok(request) = server.recv() {
                    handle(request, &state);
                }
            })
            .map_err(|e| format!("cannot start the server: {e}"))?;
    }

    println!("Serving on {url}");
    eprintln!(
        "watching {} for changes; press Ctrl-C to stop",
        root.display()
    );
    if options.open {
        open_browser(&url);
    }

    let _ = shutdown.recv();
    eprintln!("stopping");
    for _ in 0..workers {
        server.unblock();
    }
    Ok(())
}

/// Binds `port`, or the next free one of the following [`PORT_TRIES`].
fn bind(ip: IpAddr, port: u16) -> Result<TcpListener, String> {
    let last = if port == 0 {
        0
    } else {
        port.saturating_add(PORT_TRIES)
    };
    let mut port = port;
    loop {
        match TcpListener::bind(SocketAddr::new(ip, port)) {
            Ok(listener) => return Ok(listener),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && port < last => {
                eprintln!("port {port} is in use, trying {}", port + 1);
                port += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                return Err(format!(
                    "port {port} is in use too; pass a free one with --port (or --port 0)"
                ))
            }
            Err(e) => return Err(format!("cannot listen on {ip}:{port}: {e}")),
        }
    }
}

/// The address pages are served at, which becomes the preview's `base_url`.
fn site_url(address: SocketAddr) -> String {
    let ip = address.ip();
    let host = if ip.is_unspecified() {
        "127.0.0.1".to_string()
    } else if ip.is_ipv6() {
        format!("[{ip}]")
    } else {
        ip.to_string()
    };
    format!("http://{host}:{}/", address.port())
}

fn open_browser(url: &str) {
    let opened = std::process::Command::new("xdg-open")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match opened {
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => eprintln!("cannot open a browser (xdg-open: {e}); open {url} yourself"),
    }
}

fn handle(request: tiny_http::Request, state: &State) {
    let host = (request.headers().iter())
        .find(|h| h.field.equiv("Host"))
        .map(|h| h.value.as_str().to_string());
    if !http::host_allowed(host.as_deref(), state.bind) {
        let reply = Reply::text(
            403,
            "403 Forbidden: this preview answers only to localhost and IP addresses \
             (a foreign Host header is how DNS rebinding reaches local servers); \
             start it with --bind 0.0.0.0 to share it on the network",
        );
        return respond(request, reply);
    }
    let current = state.current();
    let view = View {
        files: &current.files,
        build: current.build,
        errors: current.errors.as_deref(),
    };
    let method = request.method().as_str().to_string();
    match http::route(&method, request.url(), &view) {
        Route::Events => {
            let hub = state.hub.clone();
            let param = |name| http::query_param(request.url(), name);
            let (page, version) = (param("page"), param("v"));
            let build = param("build").and_then(|b| b.parse().ok());
            hub.attach(request, || {
                // Read again: a build may have finished since.
                let current = state.current();
                json!({
                    "build": current.build,
                    "ok": current.errors.is_none(),
                    "errors": current.errors.as_deref().unwrap_or(""),
                    "reload": current.stale(page.as_deref(), version.as_deref(), build),
                })
            });
        }
        Route::Status => {
            let reply = Reply::json(&json!({
                "ok": current.errors.is_none(),
                "errors": current.errors.as_deref().unwrap_or(""),
                "build": current.build,
                "clients": state.hub.clients(),
            }));
            respond(request, reply);
        }
        Route::Reply(reply) => respond(request, reply),
    }
}

fn respond(request: tiny_http::Request, reply: Reply) {
    let header = |name: &str, value: &str| {
        tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
            .expect("header names and values are ASCII")
    };
    let mut headers = vec![
        header("Content-Type", reply.content_type),
        header("Cache-Control", "no-store"),
        header("X-Content-Type-Options", "nosniff"),
        // One request per connection: tiny_http reads each connection on a
        // thread of its own, and a kept-alive socket would hold that thread
        // while idle. A local preview gains nothing from reuse. (Requests
        // once left unanswered came from tiny_http's thread pool, not from
        // keep-alive: see vendor/tiny_http/PATCHED.md.)
        header("Connection", "close"),
    ];
    if let Some(location) = &reply.location {
        headers.push(header("Location", location));
    }
    if let Some(allow) = reply.allow {
        headers.push(header("Allow", allow));
    }
    let length = reply.body.len();
    let response = tiny_http::Response::new(
        tiny_http::StatusCode(reply.status),
        headers,
        std::io::Cursor::new(reply.body),
        Some(length),
        None,
    )
    // Always a Content-Length, never chunked: a client can tell a complete
    // file from a cut one.
    .with_chunked_threshold(usize::MAX);
    // The client may have gone; nothing to do about it.
    let _ = request.respond(response);
}

/// Runs builds, one at a time, and tells the pages.
struct Builder {
    state: Arc<State>,
    options: BuildOptions,
    follow: bool,
    /// Warnings are printed again only when they change.
    last_warnings: String,
    /// The last good build, which saves update in part when they can.
    preview: Option<Preview>,
    health: Health,
}

/// How the last build attempt went, which decides what the next one may
/// skip.
#[derive(Debug, Clone, PartialEq)]
enum Health {
    Good,
    /// A partial update of these pages failed: the next partial update
    /// reads them again too, so their errors cannot be forgotten.
    PagesBroken(Vec<PathBuf>),
    /// A full build failed: only a full build can tell when it is fixed.
    Broken,
}

impl Builder {
    fn new(state: Arc<State>, options: BuildOptions, follow: bool) -> Builder {
        Builder {
            state,
            options,
            follow,
            last_warnings: String::new(),
            preview: None,
            health: Health::Broken,
        }
    }

    fn run(mut self, changes: Receiver<Change>) {
        while let Ok(mut change) = changes.recv() {
            // Saves that arrived during the last build make one rebuild.
            while let Ok(more) = changes.try_recv() {
                change.merge(more);
            }
            self.rebuild(Some(change));
        }
    }

    /// Builds the site and swaps it in; `change` is what triggered it
    /// (`None` for the first build).
    fn rebuild(&mut self, change: Option<Change>) {
        let started = Instant::now();
        let previous = self.state.current();
        match self.build(change.as_ref()) {
            Ok(Built {
                how,
                rendered,
                early,
            }) => {
                let preview = self
                    .preview
                    .as_ref()
                    .expect("a good build leaves a preview");
                let warnings_text = preview.warnings.to_string();
                if warnings_text != self.last_warnings {
                    eprint!("{warnings_text}");
                    self.last_warnings = warnings_text;
                }
                let files = preview.files.clone();
                let pages = files.keys().filter(|p| p.ends_with(".html")).count();
                let count = files.len();
                let url = match &change {
                    Some(change) if self.follow => followed_url(&change.paths, &files),
                    _ => None,
                };
                // After an early publish, `current` is newer than `previous`.
                let build = self.state.current().build + 1;
                self.state.set(Current {
                    files,
                    build,
                    errors: None,
                });
                let built_in = started.elapsed();
                let Some(change) = change else {
                    eprintln!(
                        "built {pages} pages ({count} files) in {} ms",
                        built_in.as_millis()
                    );
                    return;
                };
                let css_only = previous.errors.is_none() && is_css_only(&change.paths);
                let (event, data) = if css_only {
                    ("css", json!({ "build": build }))
                } else {
                    let pages = rendered.as_ref();
                    let except = early.as_ref().map(|early| &early.told);
                    let except = except.filter(|_| pages.is_none());
                    let data =
                        json!({ "build": build, "url": url, "pages": pages, "except": except });
                    ("reload", data)
                };
                let clients = self.state.hub.broadcast(event, &data);
                let mut what = format!("{event} sent to {clients} page{}", plural(clients));
                if let Some(early) = early {
                    what = format!("{}, then {what}", early.what);
                }
                log_rebuild(&change, built_in, &how, &what);
            }
            Err((diagnostics, told)) => {
                let text = diagnostics.to_string();
                eprint!("{text}");
                let built_in = started.elapsed();
                if previous.build > 0 {
                    eprintln!("still serving the last good build; fix the error and save");
                } else {
                    eprintln!(
                        "the site has never built; serving its errors until a save fixes them"
                    );
                }
                // The build number of what pages were last told, which an
                // early publish may have moved.
                self.state.set(Current {
                    files: previous.files.clone(),
                    build: self.state.current().build,
                    errors: Some(text.clone()),
                });
                // Pages that reloaded on an early publish show the failed
                // save: they reload into the last good site (and its
                // overlay) instead.
                let data = json!({ "errors": text, "reload": told });
                let clients = self.state.hub.broadcast("error", &data);
                if let Some(change) = change {
                    log_rebuild(
                        &change,
                        built_in,
                        "failed",
                        &format!("error sent to {clients} page{}", plural(clients)),
                    );
                }
            }
        }
    }

    /// Brings the preview up to date: in part when the change allows it
    /// (see [`Preview::update_early`]), else with a full build. A failure
    /// comes with the outputs published early, if any: those pages show
    /// what failed and must go back to the last good site.
    fn build(&mut self, change: Option<&Change>) -> Result<Built, (Diagnostics, Vec<String>)> {
        let early = std::cell::RefCell::new(None);
        self.build_with(change, &early).map_err(|errors| {
            let told = early.take().map(|early| early.told);
            (errors, told.unwrap_or_default())
        })
    }

    /// [`Self::build`]; `early` receives what was published early, if
    /// anything (see [`Self::early_allowed`]).
    fn build_with(
        &mut self,
        change: Option<&Change>,
        early: &std::cell::RefCell<Option<Told>>,
    ) -> Result<Built, Diagnostics> {
        let allowed = self.early_allowed(change);
        let (state, follow) = (&self.state, self.follow);
        let publish = &mut |files: Early| {
            if let Some(change) = allowed {
                *early.borrow_mut() = Some(state.publish_early(files, change, follow));
            }
        };
        if let (Some(change), Some(preview)) = (change, self.preview.as_mut()) {
            let mut paths = change.paths.clone();
            match &self.health {
                Health::Good => {}
                Health::PagesBroken(broken) => paths.extend(broken.iter().cloned()),
                Health::Broken => paths.clear(),
            }
            paths.sort();
            paths.dedup();
            if !paths.is_empty() {
                match guarded(|| preview.update_early(&paths, publish)) {
                    Ok(Ok(Update::Partial(mut rendered))) => {
                        self.health = Health::Good;
                        let how = format!(
                            "{} of {} files rendered again",
                            rendered.len(),
                            preview.files.len()
                        );
                        // Pages told early need no second reload: their
                        // bytes are the same.
                        let early = early.take();
                        if let Some(early) = &early {
                            rendered.retain(|path| !early.told.contains(path));
                        }
                        return Ok(Built {
                            how,
                            rendered: Some(rendered),
                            early,
                        });
                    }
                    Ok(Ok(Update::NeedsFullBuild)) => {}
                    Err(crash) => {
                        // Maybe half-updated: only a full build is
                        // trustworthy now.
                        self.preview = None;
                        self.health = Health::Broken;
                        return Err(crash);
                    }
                    Ok(Err(errors)) => {
                        self.health = Health::PagesBroken(paths);
                        return Err(errors);
                    }
                }
            }
        }
        // Nothing goes first where nothing may be published early.
        let saved = allowed.map(|c| c.paths.as_slice()).unwrap_or_default();
        let served = self.state.current().files.clone();
        let last = self.preview.as_ref();
        let built = guarded(|| Preview::build_early(&self.options, last, saved, &served, publish));
        match built.and_then(|built| built) {
            Ok(preview) => {
                // Pages told early reload again only if the full render
                // gave them other bytes (it should not).
                let current = self.state.current();
                let early = early.take().map(|mut early| {
                    let same = |path: &String| current.files.get(path) == preview.files.get(path);
                    early.told.retain(same);
                    early
                });
                self.preview = Some(preview);
                self.health = Health::Good;
                Ok(Built {
                    how: "full build".into(),
                    rendered: None,
                    early,
                })
            }
            Err(errors) => {
                self.health = Health::Broken;
                Err(errors)
            }
        }
    }

    /// `change`, when the pages showing it may be served before the rest
    /// of the build: only pages and data were saved (a stylesheet saved
    /// with them would reach the early page late), and the site served
    /// now is a good one (an early page must not hide errors, nor stand
    /// alone in a site that never built).
    fn early_allowed<'c>(&self, change: Option<&'c Change>) -> Option<&'c Change> {
        let current = self.state.current();
        let good = self.health == Health::Good && current.build > 0 && current.errors.is_none();
        change.filter(|change| {
            let shows_first =
                |p: &PathBuf| crate::content::is_page_source(p) || crate::data::is_data_source(p);
            good && change.paths.iter().all(shows_first)
        })
    }
}

/// What [`Builder::build`] did.
struct Built {
    /// For the log: `full build`, `3 of 80 files rendered again`.
    how: String,
    /// The outputs rendered again since pages were last told (sorted);
    /// `None` after a full build, which may have changed any.
    rendered: Option<Vec<String>>,
    /// When the saved pages were published early.
    early: Option<Told>,
}

/// What an early publish told pages.
struct Told {
    /// For the log: to how many pages, how soon.
    what: String,
    /// The outputs it named, which need no second reload.
    told: Vec<String>,
}

impl State {
    /// Serves `early`'s provisional site and tells the pages it changed to
    /// reload.
    fn publish_early(&self, early: Early, change: &Change, follow: bool) -> Told {
        let build = self.current().build + 1;
        let url = follow
            .then(|| followed_url(&change.paths, &early.files))
            .flatten();
        self.set(Current {
            files: early.files,
            build,
            errors: None,
        });
        let data = json!({ "build": build, "url": url, "pages": early.rendered, "more": true });
        let clients = self.hub.broadcast("reload", &data);
        let what = format!(
            "what the save shows first (reload sent to {clients} page{} {} ms after the save)",
            plural(clients),
            change.first.elapsed().as_millis(),
        );
        Told {
            what,
            told: early.rendered,
        }
    }
}

/// Runs `work`; a panic (a bug in Tandem) comes back as an error, so one
/// bad build never stops the server.
fn guarded<T>(work: impl FnOnce() -> T) -> Result<T, Diagnostics> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Diagnostic::general(
            None,
            format!("the build crashed ({what}); this is a bug in Tandem"),
        )
        .into()
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `rebuilt in 25 ms (data/features.toml; full build); reload sent to 1 page 71 ms after the save`
fn log_rebuild(change: &Change, built_in: Duration, how: &str, what: &str) {
    let mut names: Vec<String> = change
        .paths
        .iter()
        .take(3)
        .map(|p| p.display().to_string())
        .collect();
    if change.paths.len() > 3 {
        names.push(format!("and {} more", change.paths.len() - 3));
    }
    eprintln!(
        "rebuilt in {} ms ({}; {how}); {what} {} ms after the save",
        built_in.as_millis(),
        names.join(", "),
        change.first.elapsed().as_millis()
    );
}

/// Whether every changed file is a stylesheet of the theme or `static/`.
fn is_css_only(paths: &[PathBuf]) -> bool {
    !paths.is_empty()
        && paths.iter().all(|p| {
            let first = p.components().next().map(|c| c.as_os_str());
            (first == Some("themes".as_ref()) || first == Some("static".as_ref()))
                && p.extension().is_some_and(|e| e == "css")
        })
}

/// With `--follow`: the URL of the first edited page that is in the site.
fn followed_url(paths: &[PathBuf], files: &Files) -> Option<String> {
    paths.iter().find_map(|p| {
        let url = page_url(p)?;
        files
            .contains_key(&format!("{}index.html", &url[1..]))
            .then_some(url)
    })
}

/// `content/x/y.md` → `/x/y/`; `content/x/_index.md` → `/x/`.
pub fn page_url(source: &Path) -> Option<String> {
    let inner = source.strip_prefix("content").ok()?;
    if inner.extension().is_none_or(|e| e != "md") {
        return None;
    }
    let section: Vec<String> = inner
        .parent()
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let stem = inner.file_stem()?.to_string_lossy();
    let mut url = String::from("/");
    for part in &section {
        url.push_str(part);
        url.push('/');
    }
    if stem != "_index" {
        url.push_str(&crate::content::markdown::slugify(&stem));
        url.push('/');
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reconnecting_page_reloads_only_if_its_file_changed() {
        let files = |text: &str| -> Arc<Files> {
            let mut files = Files::new();
            files.insert("a/index.html".into(), Arc::new(text.as_bytes().to_vec()));
            Arc::new(files)
        };
        let served = http::version(b"one");
        // Served during build 1 (an early publish); build 2 changed other
        // files only: the page is current.
        let later = Current {
            files: files("one"),
            build: 2,
            errors: None,
        };
        assert!(!later.stale(Some("a/index.html"), Some(&served), Some(1)));
        let changed = Current {
            files: files("two"),
            ..later
        };
        assert!(changed.stale(Some("a/index.html"), Some(&served), Some(2)));
        assert!(changed.stale(Some("gone/index.html"), Some(&served), Some(2)));
        // A 404 page was served for a missing file: stale once it exists.
        assert!(!changed.stale(Some("gone/index.html"), Some(http::MISSING), Some(2)));
        assert!(changed.stale(Some("a/index.html"), Some(http::MISSING), Some(2)));
        // The never-built error page is no file: it goes by the build.
        assert!(changed.stale(None, None, Some(0)));
        assert!(!changed.stale(None, None, Some(2)));
    }

    #[test]
    fn page_urls_follow_the_content_layout() {
        assert_eq!(
            page_url(Path::new("content/guide/checkin.md")).as_deref(),
            Some("/guide/checkin/")
        );
        assert_eq!(
            page_url(Path::new("content/guide/_index.md")).as_deref(),
            Some("/guide/")
        );
        assert_eq!(
            page_url(Path::new("content/_index.md")).as_deref(),
            Some("/")
        );
        assert_eq!(page_url(Path::new("data/people.toml")), None);
    }

    #[test]
    fn css_only_means_stylesheets_of_the_theme_or_static() {
        assert!(is_css_only(&[PathBuf::from("static/extra.css")]));
        assert!(is_css_only(&[PathBuf::from(
            "themes/default/static/style.css"
        )]));
        assert!(!is_css_only(&[
            PathBuf::from("static/extra.css"),
            PathBuf::from("data/people.toml")
        ]));
        assert!(!is_css_only(&[PathBuf::from("content/a.css")]));
        assert!(!is_css_only(&[]));
    }
}
