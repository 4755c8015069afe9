//! From a request line to a response, over the in-memory site.
//!
//! Nothing here touches the file system: the site is a map from output
//! path (`features/x/index.html`) to bytes, so a request can only ever get
//! a file the build produced. The request path is still checked strictly
//! (`..`, encoded separators, NUL bytes, backslashes, `//host` forms) and
//! refused with 400, so a mistake elsewhere can never turn into a path
//! traversal.

/// The built site held in memory: output path to bytes.
pub use crate::preview::Files;

/// Where the development server's own endpoints live.
pub const PREFIX: &str = "/__tandem/";
pub const EVENTS: &str = "/__tandem/events";
pub const STATUS: &str = "/__tandem/status";
pub const SCRIPT: &str = "/__tandem/live.js";

/// What a request asks for.
#[derive(Debug)]
pub enum Route {
    /// The server-sent-events stream of rebuilds.
    Events,
    /// The JSON status of the last build.
    Status,
    /// A response computed here.
    Reply(Reply),
}

/// A complete response: status, headers and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// `Location` for redirects.
    pub location: Option<String>,
    /// `Allow` for 405.
    pub allow: Option<&'static str>,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type,
            body,
            location: None,
            allow: None,
        }
    }

    pub fn text(status: u16, text: &str) -> Reply {
        Reply::new(
            status,
            "text/plain; charset=utf-8",
            format!("{text}\n").into_bytes(),
        )
    }

    pub fn json(value: &serde_json::Value) -> Reply {
        Reply::new(200, "application/json", value.to_string().into_bytes())
    }
}

/// The site as one request sees it.
pub struct View<'a> {
    pub files: &'a Files,
    /// Number of good builds so far; 0 while the site has never built.
    pub build: u64,
    /// The diagnostics of the last build, if it failed.
    pub errors: Option<&'a str>,
}

/// Routes one request. `method` is the request method as sent.
pub fn route(method: &str, url: &str, view: &View) -> Route {
    let (path, query) = match url.find(['?', '#']) {
        Some(i) => (&url[..i], &url[i..]),
        None => (url, ""),
    };
    if method != "GET" && method != "HEAD" {
        let mut reply = Reply::text(405, "405 Method Not Allowed: only GET and HEAD");
        reply.allow = Some("GET, HEAD");
        return Route::Reply(reply);
    }
    if path.starts_with(PREFIX) {
        return match path {
            EVENTS => Route::Events,
            STATUS => Route::Status,
            SCRIPT => Route::Reply(Reply::new(
                200,
                "text/javascript; charset=utf-8",
                super::reload::SCRIPT.as_bytes().to_vec(),
            )),
            _ => Route::Reply(Reply::text(404, "404 Not Found")),
        };
    }
    let segments = match clean_path(path) {
        Ok(segments) => segments,
        Err(why) => return Route::Reply(Reply::text(400, &format!("400 Bad Request: {why}"))),
    };
    if view.build == 0 {
        return Route::Reply(error_page(view));
    }
    let joined = segments.join("/");
    let key = if joined.is_empty() {
        "index.html".to_string()
    } else if path.ends_with('/') {
        format!("{joined}/index.html")
    } else {
        joined.clone()
    };
    if let Some(bytes) = view.files.get(&key) {
        return Route::Reply(file_reply(200, &key, bytes, view.build));
    }
    if !path.ends_with('/') && view.files.contains_key(&format!("{joined}/index.html")) {
        // The raw path was checked above: it holds no CR, LF or `//`.
        let mut reply = Reply::text(301, "301 Moved Permanently");
        reply.location = Some(format!("{path}/{query}"));
        return Route::Reply(reply);
    }
    Route::Reply(not_found(view, &key))
}

/// Whether a request with this `Host` header may be answered by a server
/// bound to `bind`. On loopback only local names and IP literals are: a
/// page on another site can make the browser resolve a name of its own to
/// 127.0.0.1 (DNS rebinding), and it then sends that name as the `Host`.
/// A server shared on the network (`--bind 0.0.0.0`) answers any name.
pub fn host_allowed(host: Option<&str>, bind: std::net::IpAddr) -> bool {
    let Some(host) = host else {
        return true; // HTTP/1.0 without Host: no browser sends that
    };
    if !bind.is_loopback() {
        return true;
    }
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        // `[::1]:1111`
        match rest.split_once(']') {
            Some((ip, _)) => return ip.parse::<std::net::Ipv6Addr>().is_ok(),
            None => return false,
        }
    } else {
        host.rsplit_once(':').map_or(host, |(name, _port)| name)
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name.parse::<std::net::Ipv4Addr>().is_ok()
        || name == "localhost"
        || name.ends_with(".localhost")
}

/// The site's own 404 page with status 404, or a plain one. Its script
/// names the file asked for (`key`) as missing, so the page reloads once
/// that file exists.
fn not_found(view: &View, key: &str) -> Reply {
    let page = Some((key, MISSING));
    match view.files.get("404.html") {
        Some(bytes) => Reply::new(
            404,
            "text/html; charset=utf-8",
            inject(bytes, view.build, page),
        ),
        None => Reply::new(
            404,
            "text/html; charset=utf-8",
            inject(
                b"<!doctype html><html><head><title>Not found</title></head><body><h1>404 Not Found</h1></body></html>",
                view.build,
                page,
            ),
        ),
    }
}

/// Shown for every page while the site has never built: the errors, and
/// the live-reload script, which reloads the page once a build succeeds.
fn error_page(view: &View) -> Reply {
    let errors = view.errors.unwrap_or("the site has not been built yet");
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Tandem: the site has errors</title></head>\n\
<body style=\"font-family:system-ui,sans-serif;margin:2rem\">\n<h1>The site has errors</h1>\n\
<p>Fix them and save: this page reloads by itself.</p>\n<pre style=\"white-space:pre-wrap\">{}</pre>\n</body>\n</html>\n",
        escape_html(errors)
    );
    Reply::new(
        503,
        "text/html; charset=utf-8",
        inject(html.as_bytes(), view.build, None),
    )
}

fn file_reply(status: u16, key: &str, bytes: &[u8], build: u64) -> Reply {
    let content_type = content_type(key);
    let body = if content_type.starts_with("text/html") {
        inject(bytes, build, Some((key, &version(bytes))))
    } else {
        bytes.to_vec()
    };
    Reply::new(status, content_type, body)
}

/// Splits an absolute request path into percent-decoded segments, refusing
/// anything that could name a file outside the site or that no browser
/// sends for a real link.
pub fn clean_path(path: &str) -> Result<Vec<String>, &'static str> {
    if !path.starts_with('/') {
        return Err("the path must start with /");
    }
    if path.starts_with("//") {
        return Err("absolute paths are not served");
    }
    if path.contains('\\') {
        return Err("backslashes are not allowed");
    }
    let inner = &path[1..];
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    if inner.is_empty() {
        return Ok(Vec::new());
    }
    let mut segments = Vec::new();
    for raw in inner.split('/') {
        if raw.is_empty() {
            return Err("empty path segment");
        }
        let bytes = percent_decode(raw).ok_or("bad percent-encoding")?;
        if bytes.contains(&0) {
            return Err("NUL bytes are not allowed");
        }
        if bytes.contains(&b'/') || bytes.contains(&b'\\') {
            return Err("encoded separators are not allowed");
        }
        if bytes.iter().any(|b| b.is_ascii_control()) {
            return Err("control characters are not allowed");
        }
        let segment = String::from_utf8(bytes).map_err(|_| "the path is not UTF-8")?;
        if segment == "." || segment == ".." {
            return Err("`.` and `..` are not allowed");
        }
        segments.push(segment);
    }
    Ok(segments)
}

/// The value of the query parameter `name` in `url`, percent-decoded.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query.split('&').find_map(|pair| {
        let value = pair.strip_prefix(name)?.strip_prefix('=')?;
        String::from_utf8(percent_decode(&value.replace('+', " "))?).ok()
    })
}

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The `Content-Type` for an output path, by extension.
pub fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// The tag that loads the live-reload script, with the build number the
/// page came from and, for a file of the site, which file it is (its
/// output path) and which version of it ([`version`]): reload events name
/// output paths, and a page that reconnects reloads only if its file
/// changed meanwhile.
fn script_tag(build: u64, page: Option<(&str, &str)>) -> String {
    let page = page
        .map(|(key, version)| format!("&page={}&v={version}", percent_encode(key)))
        .unwrap_or_default();
    format!("<script src=\"{SCRIPT}?build={build}{page}\" defer></script>\n")
}

/// The version of a file that does not exist: what a 404 page was served
/// for (the page becomes stale once the file exists).
pub const MISSING: &str = "missing";

/// A version of a file's bytes, to tell whether a page is still current.
pub fn version(bytes: &[u8]) -> String {
    format!("{:x}", crate::stamp::hash_of(&bytes))
}

/// `text` with every byte but ASCII letters, digits and `-._~/` as `%XX`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Inserts the live-reload script before the last `</body>` (or at the end
/// when there is none). `page` is the requested file's output path and the
/// version served for it ([`version`], or [`MISSING`] for a 404).
pub fn inject(html: &[u8], build: u64, page: Option<(&str, &str)>) -> Vec<u8> {
    let tag = script_tag(build, page);
    let at = rfind_ignore_case(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn rfind_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > haystack.len() {
        return None;
    }
    (0..=haystack.len() - needle.len())
        .rev()
        .find(|&i| haystack[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

pub use crate::markup::escape_html;

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Files {
        let mut files = Files::new();
        files.insert(
            "index.html".into(),
            std::sync::Arc::new(b"<html><body>home</body></html>".to_vec()),
        );
        files.insert(
            "features/index.html".into(),
            std::sync::Arc::new(b"<html><body>features</body></html>".to_vec()),
        );
        files.insert(
            "404.html".into(),
            std::sync::Arc::new(b"<html><body>lost</body></html>".to_vec()),
        );
        files.insert("style.css".into(), std::sync::Arc::new(b"body{}".to_vec()));
        files.insert(
            "caf\u{e9}/index.html".into(),
            std::sync::Arc::new(b"<p>cafe</p>".to_vec()),
        );
        files
    }

    fn get(url: &str) -> Reply {
        let files = site();
        let view = View {
            files: &files,
            build: 1,
            errors: None,
        };
        match route("GET", url, &view) {
            Route::Reply(reply) => reply,
            other => panic!("{url}: {other:?}"),
        }
    }

    #[test]
    fn only_local_names_and_ip_addresses_reach_a_loopback_server() {
        let loopback: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        for host in [
            "localhost:1111",
            "LOCALHOST",
            "localhost.:80",
            "docs.localhost:1111",
            "127.0.0.1:1111",
            "10.1.2.3",
            "[::1]:1111",
        ] {
            assert!(host_allowed(Some(host), loopback), "{host} refused");
        }
        assert!(host_allowed(None, loopback));
        for host in [
            "evil.example:1111",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "[::1",
            "",
        ] {
            assert!(!host_allowed(Some(host), loopback), "{host} answered");
        }
        let shared: std::net::IpAddr = "0.0.0.0".parse().unwrap();
        assert!(host_allowed(Some("wiki.team.example:1111"), shared));
    }

    #[test]
    fn traversal_in_every_form_is_refused() {
        for url in [
            "/../Cargo.toml",
            "/%2e%2e/x",
            "/%2E%2E%2Fsecret",
            "/..%2fx",
            "//etc/passwd",
            "/a/%00b",
            "\\..\\x",
            "/a\\..\\b",
            "/features/./x",
            "/%5c..%5cx",
            "/bad%zz",
            "http://example.com/",
        ] {
            assert_eq!(get(url).status, 400, "{url}");
        }
    }

    #[test]
    fn query_parameters_are_read_and_decoded() {
        let url = "/__tandem/events?page=a%20b%2Findex.html&v=ff&build=3#x";
        assert_eq!(query_param(url, "page").as_deref(), Some("a b/index.html"));
        assert_eq!(query_param(url, "build").as_deref(), Some("3"));
        assert_eq!(query_param(url, "nope"), None);
        assert_eq!(query_param("/x", "page"), None);
        assert_eq!(percent_encode("a b/ü&.html"), "a%20b/%C3%BC%26.html");
    }

    #[test]
    fn folders_redirects_and_404() {
        let home = get("/");
        assert_eq!(home.status, 200);
        let body = String::from_utf8(home.body).unwrap();
        // The page says which file it is and which version of it.
        let tag = format!(
            "<script src=\"/__tandem/live.js?build=1&page=index.html&v={}\" defer></script>\n</body></html>",
            version(&site()["index.html"])
        );
        assert!(body.ends_with(&tag), "{body}");
        assert_eq!(get("/features/").status, 200);
        let redirect = get("/features?x=1");
        assert_eq!(redirect.status, 301);
        assert_eq!(redirect.location.as_deref(), Some("/features/?x=1"));
        let missing = get("/nope/");
        assert_eq!(missing.status, 404);
        let body = String::from_utf8(missing.body).unwrap();
        assert!(body.contains("lost"));
        // It names the file asked for, as missing: the page reloads once
        // that file exists.
        assert!(body.contains("&page=nope/index.html&v=missing\""), "{body}");
        assert_eq!(get("/caf%C3%A9/").status, 200);
        let css = get("/style.css?v=3");
        assert_eq!(css.content_type, "text/css; charset=utf-8");
        assert_eq!(css.body, b"body{}");
    }

    #[test]
    fn only_get_and_head() {
        let files = site();
        let view = View {
            files: &files,
            build: 1,
            errors: None,
        };
        let Route::Reply(reply) = route("POST", "/", &view) else {
            panic!()
        };
        assert_eq!(reply.status, 405);
        assert_eq!(reply.allow, Some("GET, HEAD"));
    }

    #[test]
    fn before_any_good_build_every_page_shows_the_errors() {
        let files = Files::new();
        let view = View {
            files: &files,
            build: 0,
            errors: Some("error: <bad>\n  --> data/x.toml:2:1"),
        };
        let Route::Reply(reply) = route("GET", "/features/", &view) else {
            panic!()
        };
        assert_eq!(reply.status, 503);
        let body = String::from_utf8(reply.body).unwrap();
        assert!(body.contains("error: &lt;bad&gt;"), "{body}");
        assert!(body.contains("live.js"), "{body}");
    }
}
