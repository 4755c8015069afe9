//! `cached_partial(template="…", …)`: a template function that renders a
//! partial once per build for each set of arguments, and pastes that output
//! wherever the same call comes again.
//!
//! Why: the navigation sidebar lists every section on every page, and
//! executing that loop 20,000 times was a quarter of a full build's
//! instructions at 10,000 pages, for output that differs only by which
//! section is open. Hugo's `partialCached` does the same job.
//!
//! What keeps it correct: the partial sees its arguments and the globals
//! (`site`, `matrix`, and `model` once installed; see
//! [`super::Renderer::install_model`]) and nothing of the calling page, and the
//! arguments are the cache key. Its output therefore depends on nothing
//! that can differ between two calls with the same arguments. The cache
//! lasts one render (a build, or one of the development server's partial
//! updates), so it never outlives the globals it was rendered with.
//!
//! The same output pasted into thousands of pages is also scanned once:
//! each thread notes the partials its renders pasted ([`take_pasted`]),
//! and the publisher takes what [`Known`] read of them wherever a page
//! holds their bytes, instead of reading those bytes again.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};

use memchr::memmem::Finder;
use tera::{Context, Function, Kwargs, State, Tera, TeraResult, Value};

use super::html::Known;

/// The function's name in templates.
pub const NAME: &str = "cached_partial";

/// The argument naming the partial; every other argument is passed to it.
const TEMPLATE: &str = "template";

/// Rendered partials by call, for one set of templates and globals.
#[derive(Default)]
pub struct CachedPartials {
    /// The templates to render with: a copy of the renderer's, taken again
    /// whenever its globals change (a function cannot reach the `Tera`
    /// calling it).
    tera: RwLock<Option<Arc<Tera>>>,
    rendered: Mutex<rustc_hash::FxHashMap<String, Arc<Pasted>>>,
}

/// A partial's output, with what scanning it gives.
pub struct Pasted {
    pub html: Arc<str>,
    /// The output as the function returns it: a safe string, made once
    /// (each call gets a reference to it, not a copy of kilobytes).
    value: Value,
    /// Read when a page holding it is first published.
    known: OnceLock<Option<(Known, Finder<'static>)>>,
}

impl Pasted {
    fn new(html: Arc<str>) -> Self {
        Pasted {
            value: Value::safe_string(&html),
            html,
            known: OnceLock::new(),
        }
    }

    /// What a scan reads in it, and where `page` holds it at or after
    /// `from`; `None` if nowhere, or if it is not self-contained markup.
    pub fn find_in(&self, page: &[u8], mut from: usize) -> Option<(usize, &Known)> {
        let (known, finder) = self
            .known
            .get_or_init(|| {
                let known = Known::of(&self.html)?;
                let anchor = &self.html.as_bytes()[..ANCHOR.min(self.html.len())];
                Some((known, Finder::new(anchor).into_owned()))
            })
            .as_ref()?;
        let html = self.html.as_bytes();
        // Searching for the first bytes, then comparing the rest, is many
        // times faster than searching for kilobytes at once.
        loop {
            let at = from + finder.find(&page[from..])?;
            if page[at..].starts_with(html) {
                return Some((at, known));
            }
            from = at + 1;
        }
    }
}

/// How many first bytes of a paste are searched for.
const ANCHOR: usize = 64;

/// Pastes shorter than this are scanned with their page: finding them
/// would cost about what reading them does.
const WORTH_KNOWING: usize = 256;

/// Notes kept per thread before the oldest are dropped: a page pastes a
/// few; renders whose output is never published (a failed page) must not
/// make the list grow.
const PASTED_KEPT: usize = 64;

thread_local! {
    /// The partials pasted by page renders on this thread, in call order.
    static PASTED: RefCell<Vec<Arc<Pasted>>> = const { RefCell::new(Vec::new()) };
}

/// The partials that renders on this thread pasted since the last call
/// (the publisher calls it for each page, on the thread that rendered
/// it). Only a hint: the publisher checks that the page holds each one.
pub fn take_pasted() -> Vec<Arc<Pasted>> {
    PASTED.with(|pasted| std::mem::take(&mut *pasted.borrow_mut()))
}

/// Notes that a page render pasted `pasted`.
fn note_pasted(pasted: &Arc<Pasted>) {
    // Partials inside partials are inside their caller's output already.
    let top_level = RENDERING.with(|stack| stack.borrow().is_empty());
    if !top_level || pasted.html.len() < WORTH_KNOWING {
        return;
    }
    PASTED.with(|list| {
        let mut list = list.borrow_mut();
        if list.len() >= PASTED_KEPT {
            list.remove(0);
        }
        list.push(pasted.clone());
    });
}

/// Registers `cached_partial` on `tera`. Call [`CachedPartials::ready`]
/// once the templates and globals are in, and keep the returned value for
/// as long as `tera` renders: the function holds only a weak reference,
/// so that the copy of `tera` inside does not keep itself alive.
pub fn register(tera: &mut Tera) -> Arc<CachedPartials> {
    let partials = Arc::new(CachedPartials::default());
    tera.register_function(NAME, CachedPartial(Arc::downgrade(&partials)));
    partials
}

impl CachedPartials {
    /// Takes the copy of `tera` that partials render with, and forgets
    /// what was rendered with the one before: its globals may differ.
    pub fn ready(&self, tera: &Tera) {
        let mut slot = (self.tera.write()).unwrap_or_else(|poisoned| poisoned.into_inner());
        *slot = Some(Arc::new(tera.clone()));
        self.forget();
    }

    fn render(&self, kwargs: &Kwargs) -> TeraResult<Arc<Pasted>> {
        // A string as it is (any other value as it prints): no copy.
        let template: std::borrow::Cow<str> = kwargs.must_get(TEMPLATE)?;
        // Keyword arguments are named, so every key is a string.
        let mut arguments: Vec<(&str, &Value)> = (kwargs.iter())
            .filter_map(|(key, value)| Some((key.as_str()?, value)))
            .filter(|(key, _)| *key != TEMPLATE)
            .collect();
        arguments.sort_by_key(|(key, _)| *key);
        let key = cache_key(&template, &arguments)?;
        if let Some(html) = self.lock().get(&key) {
            return Ok(html.clone());
        }
        let _depth = Depth::enter(&template)?;
        // Rendered without holding the lock: the partial may call
        // `cached_partial` itself, and other threads go on meanwhile. Two
        // threads may render the same call once each; both get one text.
        let tera = (self.tera.read())
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let tera = tera.ok_or_else(|| {
            tera::Error::message(format!(
                "{NAME}() called before the site's globals were ready"
            ))
        })?;
        let mut context = Context::new();
        for (name, value) in arguments {
            context.insert_value(name.to_string(), value.clone());
        }
        let html: Arc<str> = tera.render(&template, &context)?.into();
        let pasted = Arc::new(Pasted::new(html));
        Ok(self.lock().entry(key).or_insert(pasted).clone())
    }

    /// Forgets what was rendered. Called at the start of every render, so
    /// the cache lasts one render: the development server keeps these
    /// templates across its partial updates, where calls with page-made
    /// arguments would otherwise pile up.
    pub fn forget(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, rustc_hash::FxHashMap<String, Arc<Pasted>>> {
        // The map holds finished strings only, so a panic elsewhere cannot
        // leave it half-updated.
        self.rendered
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The template and the arguments, sorted by name, as JSON, with the safe
/// strings among them listed: the same call gives the same key, and
/// arguments that render differently differ (`1` and `"1"`; `"<b>"` and
/// `"<b>" | safe`, which JSON alone would not tell apart).
fn cache_key(template: &str, arguments: &[(&str, &Value)]) -> TeraResult<String> {
    let mut safe = Vec::new();
    for (name, value) in arguments {
        safe_strings(value, &mut name.to_string(), &mut safe);
    }
    serde_json::to_string(&(template, arguments, safe)).map_err(|e| {
        tera::Error::message(format!("{NAME}(): an argument cannot be a cache key: {e}"))
    })
}

/// Adds to `found` where in `value` (at `path`) its safe strings are.
fn safe_strings(value: &Value, path: &mut String, found: &mut Vec<String>) {
    if value.as_str().is_some() && value.is_safe() {
        found.push(path.clone());
    } else if let Some(items) = value.as_array() {
        for (i, item) in items.iter().enumerate() {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            safe_strings(item, path, found);
            path.truncate(len);
        }
    } else if let Some(map) = value.as_map() {
        for (key, item) in map {
            let len = path.len();
            path.push_str(&format!(".{key}"));
            safe_strings(item, path, found);
            path.truncate(len);
        }
    }
}

/// Partials deeper than this in each other are taken for a loop. Real
/// themes nest two or three; each level is a whole template render on the
/// stack, and 32 levels overflowed a test thread's 2 MiB in a debug build.
const MAX_DEPTH: usize = 8;

/// The start of the error for partials nested too deep.
const NESTED: &str = "partials nested";

thread_local! {
    /// The partials this thread is rendering, outermost first.
    static RENDERING: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// One partial being rendered on this thread. A partial that calls itself
/// (with new arguments each time) would otherwise recurse until the
/// stack overflows, which aborts the process, `tandem serve` included.
struct Depth;

impl Depth {
    fn enter(template: &str) -> TeraResult<Depth> {
        RENDERING.with(|stack| {
            let mut stack = stack.borrow_mut();
            if stack.len() >= MAX_DEPTH {
                let chain = stack[stack.len() - 3..].join(" → ");
                return Err(tera::Error::message(format!(
                    "{NESTED} {MAX_DEPTH} deep (… → {chain} → {template}): \
                     does a partial call itself without end?"
                )));
            }
            stack.push(template.to_string());
            Ok(Depth)
        })
    }
}

impl Drop for Depth {
    fn drop(&mut self) {
        RENDERING.with(|stack| stack.borrow_mut().pop());
    }
}

struct CachedPartial(Weak<CachedPartials>);

impl Function<TeraResult<Value>> for CachedPartial {
    fn call(&self, kwargs: Kwargs, _: &State) -> TeraResult<Value> {
        let partials = (self.0.upgrade()).ok_or_else(|| {
            tera::Error::message(format!("{NAME}() called after its build ended"))
        })?;
        let html = partials.render(&kwargs).map_err(|e| {
            let template = kwargs
                .get::<String>(TEMPLATE)
                .ok()
                .flatten()
                .unwrap_or_default();
            // The whole report goes in the message: Tera keeps only the
            // message of a function's error, and the partial's own report
            // says where in the partial it failed.
            let report = super::full_report(&e);
            // The nesting error, once: not wrapped again at each of the
            // levels it passes through.
            if let Some(line) = report.lines().find(|l| l.contains(NESTED)) {
                return tera::Error::message(line.trim_start_matches("error: "));
            }
            let report = report.strip_prefix("error: ").unwrap_or(&report);
            tera::Error::message(format!("in {NAME}(template=\"{template}\"): {report}"))
        })?;
        note_pasted(&html);
        Ok(html.value.clone())
    }

    fn is_safe(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tera_with(templates: &[(&str, &str)]) -> (Tera, Arc<CachedPartials>) {
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html"]);
        let partials = register(&mut tera);
        tera.add_raw_templates(templates.iter().copied()).unwrap();
        tera.global_context()
            .insert("site", &serde_json::json!({"title": "Handbook"}));
        partials.ready(&tera);
        (tera, partials)
    }

    fn render(tera: &Tera, template: &str, context: &Context) -> Result<String, String> {
        tera.render(template, context)
            .map_err(|e| super::super::full_report(&e))
    }

    #[test]
    fn a_partial_renders_once_per_set_of_arguments() {
        let (tera, partials) = tera_with(&[
            ("part.html", "{{ site.title }}:{{ n }}"),
            (
                "page.html",
                r#"{{ cached_partial(template="part.html", n=1) }} {{ cached_partial(template="part.html", n=2) }} {{ cached_partial(template="part.html", n=1) }}"#,
            ),
        ]);
        let out = render(&tera, "page.html", &Context::new()).unwrap();
        assert_eq!(out, "Handbook:1 Handbook:2 Handbook:1");
        assert_eq!(partials.lock().len(), 2);
    }

    #[test]
    fn its_output_is_pasted_unescaped_once_escaped_inside() {
        let (tera, _partials) = tera_with(&[
            ("part.html", "<b>{{ text }}</b>"),
            (
                "page.html",
                r#"{{ cached_partial(template="part.html", text="a<b") }}"#,
            ),
        ]);
        let out = render(&tera, "page.html", &Context::new()).unwrap();
        assert_eq!(out, "<b>a&lt;b</b>");
    }

    #[test]
    fn a_partial_does_not_see_the_calling_page() {
        let (tera, _partials) = tera_with(&[
            ("part.html", "{{ current_url }}"),
            ("page.html", r#"{{ cached_partial(template="part.html") }}"#),
        ]);
        let mut context = Context::new();
        context.insert("current_url", "/a/");
        let error = render(&tera, "page.html", &context).unwrap_err();
        assert!(
            error.contains("cached_partial(template=\"part.html\")"),
            "{error}"
        );
        assert!(error.contains("current_url"), "{error}");
    }

    #[test]
    fn arguments_of_different_types_are_different_calls() {
        let (tera, partials) = tera_with(&[
            ("part.html", "{{ n is string }}"),
            (
                "page.html",
                r#"{{ cached_partial(template="part.html", n=1) }} {{ cached_partial(template="part.html", n="1") }}"#,
            ),
        ]);
        let out = render(&tera, "page.html", &Context::new()).unwrap();
        assert_eq!(out, "false true");
        assert_eq!(partials.lock().len(), 2);
    }

    #[test]
    fn a_missing_template_is_an_error_naming_it() {
        let (tera, _partials) = tera_with(&[(
            "page.html",
            r#"{{ cached_partial(template="partials/nope.html") }}"#,
        )]);
        let error = render(&tera, "page.html", &Context::new()).unwrap_err();
        assert!(error.contains("partials/nope.html"), "{error}");
    }

    #[test]
    fn safe_and_escaped_strings_are_different_calls() {
        let (tera, _partials) = tera_with(&[
            ("part.html", "[{{ text }}]"),
            (
                "page.html",
                r#"{{ cached_partial(template="part.html", text="<b>" | safe) }}{{ cached_partial(template="part.html", text="<b>") }}"#,
            ),
        ]);
        let out = render(&tera, "page.html", &Context::new()).unwrap();
        assert_eq!(out, "[<b>][&lt;b&gt;]");
    }

    #[test]
    fn a_partial_calling_itself_without_end_is_an_error_not_a_crash() {
        let (tera, _partials) = tera_with(&[
            (
                "loop.html",
                r#"{{ cached_partial(template="loop.html", n=n + 1) }}"#,
            ),
            (
                "page.html",
                r#"{{ cached_partial(template="loop.html", n=0) }}"#,
            ),
        ]);
        let error = render(&tera, "page.html", &Context::new()).unwrap_err();
        assert!(error.contains("nested 8 deep"), "{error}");
        assert_eq!(error.matches("nested 8 deep").count(), 1, "{error}");
        assert!(
            error.len() < 2_000,
            "said once, not at every level: {error}"
        );
        assert!(error.contains("loop.html → loop.html"), "{error}");
    }

    #[test]
    fn forgetting_renders_again() {
        let (tera, partials) = tera_with(&[
            ("part.html", "x"),
            ("page.html", r#"{{ cached_partial(template="part.html") }}"#),
        ]);
        render(&tera, "page.html", &Context::new()).unwrap();
        assert_eq!(partials.lock().len(), 1);
        partials.forget();
        assert_eq!(partials.lock().len(), 0);
    }

    #[test]
    fn the_function_fails_cleanly_once_its_cache_is_gone() {
        let (tera, partials) = tera_with(&[
            ("part.html", "x"),
            ("page.html", r#"{{ cached_partial(template="part.html") }}"#),
        ]);
        drop(partials);
        let error = render(&tera, "page.html", &Context::new()).unwrap_err();
        assert!(error.contains("after its build ended"), "{error}");
    }
}
