//! Live reload: server-sent events at `/__tandem/events`, one thread per
//! open page.
//!
//! Events, each with a one-line JSON `data`:
//!
//! Each served page's script tag names its file (output path, `page`) and
//! the version of the bytes it got (`v`); the page passes both to the
//! stream.
//!
//! - `hello` on connect: `{"build": N, "ok": bool, "errors": "...",
//!   "reload": bool}`. `reload` is true when the page's file changed since
//!   it was served (it missed a rebuild while disconnected); a failed build
//!   shows the overlay.
//! - `reload` after a good build: `{"build": N, "url": "/x/" | null,
//!   "pages": ["x/index.html", ...] | null, "except": [...] | null, "more":
//!   true | absent}`. `url` is set with `--follow` and names the page whose
//!   source was edited. `pages` lists the output paths that changed, after
//!   a partial update: other pages are already current and stay. `null` (a
//!   full build) means any file may have changed, except those in `except`.
//!   After a save of pages, those render first and are announced alone
//!   with `more` (another `reload` follows: the pages listing them, or the
//!   rest of a full build), so the page being edited need not wait; after
//!   a save of data, the pages of the candidates it holds do.
//! - `css` after a good build where only stylesheets changed.
//! - `error` after a failed build: `{"errors": "...", "reload": [...]}`,
//!   the diagnostics exactly as the command line prints them; `reload`
//!   names the files published early for this save, whose pages go back
//!   to the last good site.
//!
//! A `: ping` comment every few seconds finds clients that went away; their
//! thread ends and they are dropped from the hub.

use std::io::Write;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often idle streams get a `: ping` comment.
pub const PING: Duration = Duration::from_secs(10);

/// The open event streams.
#[derive(Default)]
pub struct Hub {
    clients: Mutex<Vec<Sender<Arc<str>>>>,
}

impl Hub {
    /// Sends one event to every open stream; returns how many got it.
    pub fn broadcast(&self, event: &str, data: &serde_json::Value) -> usize {
        let frame: Arc<str> = frame(event, data).into();
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        // A send fails only when the client's thread has ended.
        clients.retain(|client| client.send(frame.clone()).is_ok());
        clients.len()
    }

    /// Open streams.
    pub fn clients(&self) -> usize {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        // Drop threads that ended since the last broadcast.
        clients.retain(|client| client.send(Arc::from("")).is_ok());
        clients.len()
    }

    /// Takes over the request's connection and streams events to it from a
    /// thread of its own. `hello` computes the first event; it is called
    /// after the stream is registered, so no event can fall in between.
    pub fn attach(
        self: &Arc<Self>,
        request: tiny_http::Request,
        hello: impl FnOnce() -> serde_json::Value,
    ) {
        let (sender, receiver) = mpsc::channel::<Arc<str>>();
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(sender);
        let hello = frame("hello", &hello());
        let head_only = request.method() == &tiny_http::Method::Head;
        let spawned = std::thread::Builder::new()
            .name("tandem-sse".into())
            .spawn(move || {
                let mut stream = request.into_writer();
                let head = "HTTP/1.1 200 OK\r\n\
Content-Type: text/event-stream\r\n\
Cache-Control: no-store\r\n\
X-Accel-Buffering: no\r\n\
Connection: close\r\n\r\n";
                if head_only {
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.flush();
                    return;
                }
                let opening = format!("{head}retry: 1000\n\n{hello}");
                if stream.write_all(opening.as_bytes()).is_err() || stream.flush().is_err() {
                    return;
                }
                loop {
                    let chunk: Arc<str> = match receiver.recv_timeout(PING) {
                        Ok(frame) if frame.is_empty() => continue,
                        Ok(frame) => frame,
                        Err(RecvTimeoutError::Timeout) => Arc::from(": ping\n\n"),
                        Err(RecvTimeoutError::Disconnected) => return,
                    };
                    if stream.write_all(chunk.as_bytes()).is_err() || stream.flush().is_err() {
                        return;
                    }
                }
            });
        if let Err(e) = spawned {
            eprintln!("cannot start a live-reload stream: {e}");
        }
    }
}

/// One server-sent event. JSON has no raw newlines, so `data` is one line.
pub fn frame(event: &str, data: &serde_json::Value) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

/// The script every served page loads (see the module docs for the events).
/// It builds the error overlay with `textContent` only, never `innerHTML`.
pub const SCRIPT: &str = r#"// Tandem live reload: served by `tandem serve` only, never built.
(function () {
  "use strict";
  if (window.__tandemLive) return;
  window.__tandemLive = true;
  var me = document.currentScript;
  var query = me ? new URL(me.src, location.href).searchParams : new URLSearchParams();
  // The file this page is (its output path), and which version of it.
  var page = query.get("page") || "";
  var version = query.get("v") || "";
  var pageBuild = query.get("build") || "";
  var overlay = null;

  function parse(text) {
    try { return JSON.parse(text); } catch (e) { return {}; }
  }

  function showErrors(text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "tandem-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
        "background:rgba(24,24,27,.94);color:#fafafa;padding:2rem;box-sizing:border-box;" +
        "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace";
      var title = document.createElement("p");
      title.style.cssText = "margin:0 0 1rem;font-weight:bold;color:#fca5a5";
      title.textContent = "The last save broke the build. Still showing the last good version; fix the file and save.";
      var pre = document.createElement("pre");
      pre.style.cssText = "margin:0;white-space:pre-wrap";
      overlay.appendChild(title);
      overlay.appendChild(pre);
      (document.body || document.documentElement).appendChild(overlay);
    }
    overlay.lastChild.textContent = text;
  }

  function hideErrors() {
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
  }

  function swapStylesheets() {
    var links = document.querySelectorAll('link[rel~="stylesheet"][href]');
    Array.prototype.forEach.call(links, function (link) {
      var url = new URL(link.href, location.href);
      if (url.origin !== location.origin) return;
      url.searchParams.set("v", String(Date.now()));
      var fresh = link.cloneNode();
      fresh.href = url.href;
      fresh.onload = function () { link.remove(); };
      fresh.onerror = function () { fresh.remove(); };
      link.after(fresh);
    });
  }

  var stream = "/__tandem/events?page=" + encodeURIComponent(page) +
    "&v=" + encodeURIComponent(version) + "&build=" + encodeURIComponent(pageBuild);
  var source = new EventSource(stream);
  window.__tandemLive = source;
  source.addEventListener("hello", function (e) {
    var d = parse(e.data);
    if (d.reload === true) {
      location.reload();
      return;
    }
    if (d.ok === false) showErrors(d.errors || ""); else hideErrors();
  });

  // Whether this page fetched the site's file `path` (the search index,
  // say), which a reload would fetch again.
  function fetched(path) {
    if (!window.performance || !performance.getEntriesByType) return false;
    return performance.getEntriesByType("resource").some(function (r) {
      try { return decodeURI(new URL(r.name).pathname) === "/" + path; } catch (e) { return false; }
    });
  }

  // Current through build `d.build` without a reload; the attribute lets
  // tests (and curious readers) see it.
  function stayed(d) {
    document.documentElement.setAttribute("data-tandem-build", String(d.build));
    hideErrors();
  }

  function changedHere(d) {
    if (!Array.isArray(d.pages)) {
      return !(Array.isArray(d.except) && d.except.indexOf(page) >= 0);
    }
    return d.pages.some(function (path) { return path === page || fetched(path); });
  }

  source.addEventListener("reload", function (e) {
    var d = parse(e.data);
    if (d.url && d.url !== location.pathname) {
      source.close();
      location.assign(d.url);
      return;
    }
    if (!changedHere(d)) {
      stayed(d);
      return;
    }
    source.close();
    location.reload();
  });
  source.addEventListener("css", function (e) {
    stayed(parse(e.data));
    swapStylesheets();
  });
  // EventSource fires a plain "error" event of its own when the connection
  // drops; the server's "error" events carry data.
  source.addEventListener("error", function (e) {
    if (typeof e.data !== "string") return;
    var d = parse(e.data);
    if (Array.isArray(d.reload) && d.reload.indexOf(page) >= 0) {
      source.close();
      location.reload();
      return;
    }
    showErrors(d.errors || e.data);
  });
})();
"#;
