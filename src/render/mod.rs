//! Rendering: the validated [`Site`] through the theme's Tera templates into
//! output files held in memory. Writing them is [`crate::output`]'s job.

mod assets;
mod cached_partial;
mod context;
pub use context::candidate_output;
mod dashboards;
pub mod feeds;
pub mod href;
pub mod html;
pub mod links;
mod publish;
pub mod relative;
pub mod search;
mod sharing;
mod shortcodes;

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use tera::{Context, ErrorKind, Tera};

use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile};
use crate::history::LastUpdated;
use crate::output::{self, Sink};
use crate::site::Site;
use crate::theme::Theme;

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative to the output folder, with `/` separators.
    pub path: String,
    pub bytes: Vec<u8>,
}

impl Templates {
    /// The templates whose output changes when those named in `changed`
    /// do: themselves, and every template that extends, includes or draws
    /// (`cached_partial`) one of the affected, until no more are found.
    fn affected_by(&self, changed: &HashSet<String>) -> HashSet<String> {
        let mut affected = changed.clone();
        loop {
            let more: Vec<&String> = (self.theme.templates.iter())
                .filter(|(name, (_, text))| {
                    !affected.contains(*name) && affected.iter().any(|used| references(text, used))
                })
                .map(|(name, _)| name)
                .collect();
            if more.is_empty() {
                return affected;
            }
            affected.extend(more.into_iter().cloned());
        }
    }
}

impl Templates {
    /// Whether rendering the templates `names` can read the `model`
    /// global: whether one of them, or a template they extend, include or
    /// draw with `cached_partial` (at any depth), or one defining a
    /// component (callable from anywhere), names `model`, dumps the whole
    /// context, or picks a template by a computed name. Erring on the
    /// side of yes only costs the time to make `model`.
    fn may_read_model(&self, names: impl IntoIterator<Item = String>) -> bool {
        let templates = &self.theme.templates;
        let mut reached: HashSet<&str> = HashSet::new();
        for name in names {
            match templates.get_key_value(&name) {
                Some((known, _)) => reached.insert(known.as_str()),
                None => return true,
            };
        }
        reached.extend(
            (templates.iter())
                .filter(|(_, (_, text))| text.contains("component"))
                .map(|(name, _)| name.as_str()),
        );
        loop {
            let more: Vec<&str> = (templates.keys())
                .filter(|name| !reached.contains(name.as_str()))
                .filter(|name| (reached.iter()).any(|used| references(&templates[*used].1, name)))
                .map(String::as_str)
                .collect();
            if more.is_empty() {
                break;
            }
            reached.extend(more);
        }
        (reached.iter()).any(|name| may_read_model_itself(&templates[*name].1))
    }
}

/// Whether template `text` names template `name` in a string literal, as
/// `extends`, `include` and `cached_partial` do, in any quotes and with
/// any of the escapes Tera undoes in a literal (`"partials\/nav.html"`).
/// Erring on the side of yes (a mention in a comment counts) only renders
/// more.
fn references(text: &str, name: &str) -> bool {
    let named =
        |text: &str| (QUOTES.iter()).any(|quote| text.contains(&format!("{quote}{name}{quote}")));
    named(text) || (text.contains('\\') && named(&unescape(text)))
}

/// What a Tera string literal may be quoted with.
const QUOTES: [char; 3] = ['"', '\'', '`'];

/// `text` with Tera's string escapes (`\/`, `\\`, `\'`, `\"`)
/// undone everywhere, inside literals or not.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(next @ ('/' | '\\' | '\'' | '"')) => out.push(next),
            Some(other) => {
                out.push(c);
                out.push(other);
            }
            None => out.push(c),
        }
    }
    out
}

/// Whether template `text` itself may read the `model` global: it names
/// `model` anywhere (in a comment or text too), dumps the context
/// (`__tera_context`), or passes `cached_partial` a template name that is
/// not a string literal.
fn may_read_model_itself(text: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let names_model = text.match_indices("model").any(|(at, found)| {
        let before = text[..at].chars().next_back();
        let after = text[at + found.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    });
    let computed_template = text.match_indices("template").any(|(at, found)| {
        let rest = text[at + found.len()..].trim_start();
        rest.strip_prefix('=')
            .filter(|value| !value.starts_with('='))
            .is_some_and(|value| !is_lone_literal(value.trim_start()))
    });
    names_model || text.contains("__tera_context") || computed_template
}

/// Whether `value` starts with a string literal that is the whole
/// argument (`"nav.html")`, not `"partials/" ~ kind`).
fn is_lone_literal(value: &str) -> bool {
    let Some(quote) = value.chars().next().filter(|c| QUOTES.contains(c)) else {
        return false;
    };
    let body = &value[1..];
    body.find(quote)
        .is_some_and(|end| body[end + 1..].trim_start().starts_with([',', ')']))
}

/// Pages rendered again by [`Renderer::render_selected`].
pub struct Partial {
    pub files: Vec<OutputFile>,
    /// The search-index entries of those pages, by output path.
    pub entries: Vec<(String, search::Indexed)>,
}

impl Partial {
    /// Both renders' pages and entries.
    pub fn merge(mut self, other: Partial) -> Partial {
        self.files.extend(other.files);
        self.entries.extend(other.entries);
        self
    }
}

/// Templates every theme must provide (the default theme's stand in for
/// any the site's theme leaves out).
pub const TEMPLATES: &[&str] = &[
    "index.html",
    "page.html",
    "section.html",
    "features.html",
    "feature.html",
    "people.html",
    "404.html",
];

pub struct Renderer<'a> {
    site: &'a Site,
    templates: Templates,
    /// Whether a full render frees each page's body once its page is
    /// rendered ([`Self::release_bodies`]).
    release_bodies: bool,
}

/// A theme's parsed templates with the site's globals installed: what a
/// [`Renderer`] prepares before rendering anything. The development server
/// keeps it between partial rebuilds, which change nothing it holds.
pub struct Templates {
    tera: Tera,
    theme: Theme,
    /// Each candidate as templates see it (shared with the global `model`);
    /// empty until the `model` global is installed.
    candidates: Vec<tera::Value>,
    /// Whether the `model` global is installed.
    model: bool,
    /// The outputs of the site, once a partial render needed them.
    outputs: std::sync::OnceLock<std::sync::Arc<publish::Outputs>>,
    /// What `cached_partial` rendered with these globals; the function
    /// works while this lives; each render starts it afresh.
    partials: std::sync::Arc<cached_partial::CachedPartials>,
}

impl<'a> Renderer<'a> {
    /// A renderer of `site`, ready to render anything.
    pub fn new(site: &'a Site) -> Result<Self, Diagnostics> {
        let mut renderer = Self::without_model(site)?;
        renderer.install_model();
        Ok(renderer)
    }

    /// A renderer whose templates do not see the `model` global yet:
    /// making it is most of the cost of preparing the templates, and a
    /// partial rebuild of handbook pages often needs none of it
    /// ([`Self::needs_model_for`]). Anything else renders only after
    /// [`Self::install_model`].
    pub fn without_model(site: &'a Site) -> Result<Self, Diagnostics> {
        Self::with_theme(site, site.load_theme())
    }

    /// [`Self::without_model`] with `theme`, loaded from the site's files
    /// already (the last sources a build reads).
    pub fn with_theme(
        site: &'a Site,
        theme: Result<Theme, Vec<Diagnostic>>,
    ) -> Result<Self, Diagnostics> {
        let theme = theme.map_err(Diagnostics)?;
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html", ".xml", ".svg"]);
        tera.set_escape_fn(escape_inert);
        let partials = register_tandems_own(&mut tera);
        // Add one at a time first, so a syntax error names its own file;
        // then all at once, which resolves `extends` and `include`.
        let mut errors = Diagnostics::default();
        for (name, (source, text)) in &theme.templates {
            let mut probe = Tera::new();
            // Tera rejects calls to functions and filters it does not
            // know; this one only parses, so the partials' cache goes
            // unused.
            let _ = register_tandems_own(&mut probe);
            if let Err(e) = probe.add_raw_template(name, text) {
                if !is_missing_parent(&e) {
                    errors.extend(template_errors(&theme, source, &e));
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let all = theme
            .templates
            .iter()
            .map(|(name, (_, text))| (name.as_str(), text.as_str()));
        if let Err(e) = tera.add_raw_templates(all) {
            return Err(Diagnostics(template_errors(
                &theme,
                Path::new("templates"),
                &e,
            )));
        }
        for required in TEMPLATES {
            if !tera.contains_template(required) {
                return Err(Diagnostic::general(
                    None,
                    format!("the theme has no template `{required}`"),
                )
                .into());
            }
        }
        context::install_globals(&mut tera, site, &theme);
        partials.ready(&tera);
        Ok(Renderer {
            site,
            release_bodies: false,
            templates: Templates {
                tera,
                theme,
                candidates: Vec::new(),
                model: false,
                outputs: Default::default(),
                partials,
            },
        })
    }

    /// Installs the `model` global, if it is not in yet.
    pub fn install_model(&mut self) {
        let templates = &mut self.templates;
        if templates.model {
            return;
        }
        templates.candidates = context::install_model(&mut templates.tera, self.site);
        templates.model = true;
        // Made from the jobs, which are the same with the model; reset
        // all the same, so that nothing made before outlives it.
        templates.outputs = Default::default();
        // Partials render with a copy of the globals.
        templates.partials.ready(&templates.tera);
    }

    /// Whether rendering the outputs in `selected` needs the `model`
    /// global installed: unless each is a handbook page or section page
    /// (whose contexts take no candidates) and no template they use, at
    /// any depth, can read `model`. The shortcodes of those pages count.
    pub fn needs_model_for(&self, selected: &HashSet<String>, dates: &LastUpdated) -> bool {
        if self.templates.model {
            return false;
        }
        let shared = context::Shared::new(self.site, &[], dates.clone());
        let wanted = |path: &str| selected.contains(path);
        let jobs = context::handbook_jobs(&shared, &wanted);
        let found: HashSet<&str> = jobs.iter().map(|job| job.path.as_str()).collect();
        if selected.iter().any(|path| !found.contains(path.as_str()))
            || jobs.iter().any(|job| job.takes_candidates)
        {
            return true;
        }
        let used = jobs.iter().flat_map(|job| {
            std::iter::once(job.template.clone())
                .chain(job.shortcodes.iter().map(shortcodes::template_name))
        });
        self.templates.may_read_model(used)
    }

    /// A renderer of `site` with templates prepared for it earlier: the
    /// caller vouches that nothing the globals show has changed since.
    pub fn with_templates(site: &'a Site, templates: Templates) -> Self {
        Renderer {
            site,
            templates,
            release_bodies: false,
        }
    }

    /// Makes a full render ([`Self::render_dated`]) free each handbook
    /// page's body (its HTML) once its own page is rendered, the only
    /// output that shows it: at 10,000 pages the bodies are the largest
    /// part of what a build holds. For a caller that renders the site
    /// once: the site's pages have no body afterwards.
    pub fn release_bodies(&mut self) {
        self.release_bodies = true;
    }

    /// The site it renders.
    pub fn site(&self) -> &'a Site {
        self.site
    }

    /// The prepared templates, to render with again.
    pub fn into_templates(self) -> Templates {
        self.templates
    }

    /// Renders every page and copies every static file into memory.
    /// `dates` are the site's last-updated dates, read by the caller, who
    /// keeps them ([`crate::history::for_site`]).
    pub fn render_all(&self, dates: LastUpdated) -> Result<Vec<OutputFile>, Diagnostics> {
        let memory = crate::output::Memory::default();
        self.render_dated(&memory, dates)?;
        Ok(memory.into_files())
    }

    /// Renders every page, the site-wide files and the static files into
    /// `sink`, in parallel. Returns every output path, sorted; on any
    /// error, returns all of them and the caller must not publish.
    pub fn render_into(&self, sink: &dyn Sink) -> Result<Vec<String>, Diagnostics> {
        let dates = crate::build::timed("dates", || crate::history::for_site(self.site));
        self.render_dated(sink, dates)
    }

    /// [`Self::render_into`] with the site's last-updated dates, read by
    /// the caller ([`crate::history::for_site`]).
    pub fn render_dated(
        &self,
        sink: &dyn Sink,
        dates: LastUpdated,
    ) -> Result<Vec<String>, Diagnostics> {
        debug_assert!(self.templates.model, "a full render needs `model`");
        self.templates.partials.forget();
        let shared = crate::build::timed("contexts", || {
            let shared = context::Shared::new(self.site, &self.templates.candidates, dates);
            shared.releasing_bodies(self.release_bodies)
        });
        let jobs = context::jobs(&shared);
        let fingerprint = self.site.config.fingerprint;
        let statics: Vec<OutputFile> = (self.templates.theme.statics.iter())
            .map(|(path, bytes)| OutputFile {
                path: assets::output_path(path, bytes, fingerprint),
                bytes: bytes.clone(),
            })
            .collect();
        let publisher = publish::Publisher::new(
            self.site,
            jobs.iter().map(|job| job.path.clone()),
            statics.iter().map(|f| f.path.clone()),
        );
        let deliver = |file: OutputFile| -> Result<String, Diagnostic> {
            let file = publisher.process(file);
            let path = file.path.clone();
            sink.accept(file)
                .map_err(|e| Diagnostic::general(None, format!("cannot write {path}: {e}")))?;
            Ok(path)
        };
        // Written straight to the sink: `data.json` alone is 40 MB at
        // 10,000 candidates and the search index 15 MB at 10,000 pages, too
        // much to hold beside the pages.
        let deliver_written = |path: &str, write: output::WriteFile| {
            sink.accept_written(path, write)
                .map_err(|e| Diagnostic::general(None, format!("cannot write {path}: {e}")))?;
            Ok(path.to_string())
        };
        // The site-wide files need no page, so they are made alongside.
        let (results, site_wide): (Vec<Result<String, Diagnostic>>, Vec<_>) =
            crate::build::timed("pages", || {
                rayon::join(
                    || {
                        let render = |jobs: &[context::Job]| -> Vec<_> {
                            (jobs.par_iter())
                                .map(|job| self.render_job(job, &shared).and_then(deliver))
                                .collect()
                        };
                        // Those showing every page on their own, once the
                        // handbook's pages are done (see `jobs`).
                        let mut results = Vec::with_capacity(jobs.len());
                        for pass in context::passes(&jobs) {
                            results.extend(render(pass));
                        }
                        results
                    },
                    || {
                        let data = |out: &mut dyn Write| write_data_json(self.site, out);
                        let data = deliver_written(DATA_JSON_PATH, &data);
                        vec![data, deliver(feeds::atom(self.site))]
                    },
                )
            });
        let statics_count = self.templates.theme.statics.len();
        let mut paths = Vec::with_capacity(results.len() + statics_count + 4);
        let mut errors = Diagnostics::default();
        for result in results {
            match result {
                Ok(path) => paths.push(path),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            // With the links found on the pages that did render.
            if let Err(broken) = publisher.indexed() {
                errors.extend(broken.0);
            }
            errors.sort();
            return Err(errors);
        }
        let extra = site_wide
            .into_iter()
            .chain(statics.into_iter().map(deliver));
        for delivered in extra {
            match delivered {
                Ok(path) => paths.push(path),
                Err(e) => errors.push(e),
            }
        }
        match publisher.finish(shared.dates()) {
            Ok((sitemap, entries)) => {
                let json = |out: &mut dyn Write| search::write_json(&entries, out);
                let script = |out: &mut dyn Write| search::write_script(&entries, out);
                let script = (self.site.config.relative_urls)
                    .then(|| deliver_written(search::INDEX_SCRIPT_PATH, &script));
                let delivered = [deliver(sitemap), deliver_written(search::INDEX_PATH, &json)];
                for result in delivered.into_iter().chain(script) {
                    match result {
                        Ok(path) => paths.push(path),
                        Err(e) => errors.push(e),
                    }
                }
            }
            Err(broken) => errors.extend(broken.0),
        }
        paths.sort();
        // A static file with the name of a page would silently replace it.
        for pair in paths.windows(2) {
            if pair[0] == pair[1] {
                errors.push(
                    Diagnostic::general(None, format!("two outputs want the path `{}`", pair[0]))
                        .with_help("rename the static file or the page"),
                );
            }
        }
        if errors.is_empty() {
            Ok(paths)
        } else {
            Err(errors)
        }
    }

    /// Renders only the handbook's outputs (home page, sections, pages,
    /// search page) and candidates' pages whose paths are in `selected`,
    /// with their links checked, for the development server's partial
    /// rebuilds and the pages it shows first.
    /// Returns them with their search-index entries. `dates` are the
    /// last-updated dates of the full build (reading git again would cost
    /// more than the pages).
    pub fn render_selected(
        &self,
        selected: &HashSet<String>,
        dates: &LastUpdated,
    ) -> Result<Partial, Diagnostics> {
        debug_assert!(
            !self.needs_model_for(selected, dates),
            "render_selected without the `model` it needs"
        );
        let shared = context::Shared::new(self.site, &self.templates.candidates, dates.clone());
        let wanted = |path: &str| selected.contains(path);
        let mut jobs = context::handbook_jobs(&shared, &wanted);
        jobs.extend(context::candidate_jobs(&shared, &wanted));
        self.render_jobs(&shared, jobs)
    }

    /// Renders again every page whose template is one of `changed`
    /// (template names, `feature.html`) or uses one of them (extends,
    /// includes or draws it, at any depth), and every page with a
    /// shortcode drawn by one of them: what a template edit changes.
    pub fn render_using(
        &self,
        changed: &HashSet<String>,
        dates: &LastUpdated,
    ) -> Result<Partial, Diagnostics> {
        debug_assert!(self.templates.model, "a template's pages need `model`");
        let affected = self.templates.affected_by(changed);
        let shared = context::Shared::new(self.site, &self.templates.candidates, dates.clone());
        let mut jobs = context::jobs(&shared);
        jobs.retain(|job| {
            affected.contains(&job.template)
                || (job.shortcodes.iter())
                    .any(|call| affected.contains(&shortcodes::template_name(call)))
        });
        self.render_jobs(&shared, jobs)
    }

    /// Takes the outputs links are checked against from the build that
    /// wrote `files` (every output file), which must have had the same
    /// pages, candidates and theme: listing them otherwise takes making
    /// every page's job. Debug builds check that against the jobs.
    pub fn assume_outputs(&self, files: &[String], _dates: &LastUpdated) {
        let outputs = publish::Outputs::new(self.site, files.iter().cloned(), self.statics());
        #[cfg(debug_assertions)]
        {
            let shared =
                context::Shared::new(self.site, &self.templates.candidates, _dates.clone());
            let jobs = context::jobs(&shared).into_iter().map(|job| job.path);
            let of_jobs = publish::Outputs::new(self.site, jobs, self.statics());
            assert!(outputs == of_jobs, "the outputs assumed are not the site's");
        }
        let _ = self.templates.outputs.set(std::sync::Arc::new(outputs));
    }

    /// The output paths of the theme's static files.
    fn statics(&self) -> impl Iterator<Item = String> + '_ {
        let fingerprint = self.site.config.fingerprint;
        (self.templates.theme.statics.iter())
            .map(move |(path, bytes)| assets::output_path(path, bytes, fingerprint))
    }

    /// Renders `jobs` through a publisher that knows every output of the
    /// site (made once per full build, then reused).
    fn render_jobs<'s>(
        &self,
        shared: &'s context::Shared<'s>,
        jobs: Vec<context::Job<'s>>,
    ) -> Result<Partial, Diagnostics> {
        self.templates.partials.forget();
        let outputs = self.templates.outputs.get_or_init(|| {
            // Every output of the site, which links are checked against.
            crate::build::timed("outputs", || {
                let jobs = context::jobs(shared).into_iter().map(|job| job.path);
                std::sync::Arc::new(publish::Outputs::new(self.site, jobs, self.statics()))
            })
        });
        let publisher = publish::Publisher::with_outputs(self.site, outputs.clone());
        let results: Vec<Result<OutputFile, Diagnostic>> = jobs
            .par_iter()
            .map(|job| {
                self.render_job(job, shared)
                    .map(|file| publisher.process(file))
            })
            .collect();
        let mut errors = Diagnostics::default();
        let mut files = Vec::new();
        for result in results {
            match result {
                Ok(file) => files.push(file),
                Err(e) => errors.push(e),
            }
        }
        let entries = match publisher.indexed() {
            Ok(entries) => entries,
            Err(broken) => {
                errors.extend(broken.0);
                Vec::new()
            }
        };
        if !errors.is_empty() {
            errors.sort();
            return Err(errors);
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Partial { files, entries })
    }

    /// Renders a page, then replaces its shortcode placeholders with the
    /// output of their templates. The page's context lives only as long as
    /// this call.
    fn render_job(
        &self,
        job: &context::Job,
        shared: &context::Shared,
    ) -> Result<OutputFile, Diagnostic> {
        let context = job.context(shared);
        let mut file = self.render_one(&job.template, &context, &job.path)?;
        drop(context);
        if job.shortcodes.is_empty() {
            return Ok(file);
        }
        let mut html =
            String::from_utf8(std::mem::take(&mut file.bytes)).expect("templates render UTF-8");
        for (i, call) in job.shortcodes.iter().enumerate() {
            let (template, context) = shortcodes::context(call, self.site, i);
            let rendered = self.render_one(&template, &context, &job.path)?;
            let rendered = String::from_utf8(rendered.bytes).expect("templates render UTF-8");
            html = html.replacen(
                &crate::content::shortcode::placeholder_html(i),
                &rendered,
                1,
            );
        }
        file.bytes = html.into_bytes();
        Ok(file)
    }

    fn render_one(
        &self,
        template: &str,
        context: &Context,
        path: &str,
    ) -> Result<OutputFile, Diagnostic> {
        match self.templates.tera.render(template, context) {
            Ok(html) => Ok(OutputFile {
                path: path.to_string(),
                bytes: html.into_bytes(),
            }),
            Err(e) => {
                let source = (self.templates.theme.templates)
                    .get(template)
                    .map(|(s, _)| s.as_path())
                    .unwrap_or(Path::new(template));
                // Rendering stops at its first error: there is one.
                let mut errors = template_errors(&self.templates.theme, source, &e);
                Err(errors.swap_remove(0))
            }
        }
    }
}

/// Errors a template shows only because it was parsed alone, without the
/// templates it extends or includes.
/// Registers what Tandem adds to Tera (`cached_partial`, the `href`
/// filter) on `tera`: on the templates that render, and on each probe that
/// only parses one, which must know the same names. Returns the partials'
/// cache (see [`cached_partial::register`]).
fn register_tandems_own(tera: &mut Tera) -> std::sync::Arc<cached_partial::CachedPartials> {
    href::register(tera);
    cached_partial::register(tera)
}

fn is_missing_parent(e: &tera::Error) -> bool {
    let text = e.to_string();
    text.contains("isn't loaded") || text.contains("Unknown template") || text.contains("not found")
}

/// A Tera error as diagnostics: one for each place Tera found wrong
/// ([`placed_template_errors`]), each pointing there like any other
/// diagnostic; else one whose message is Tera's report, its line and
/// column lifted from the `--> page.html:12:5` so that it sorts like others.
fn template_errors(theme: &Theme, fallback: &Path, e: &tera::Error) -> Vec<Diagnostic> {
    match placed_template_errors(theme, e) {
        Some(placed) if !placed.is_empty() => placed,
        _ => vec![unplaced_template_error(theme, fallback, e)],
    }
}

fn unplaced_template_error(theme: &Theme, fallback: &Path, e: &tera::Error) -> Diagnostic {
    let report = full_report(e);
    let location = report.lines().find_map(report_location);
    let source = (location.and_then(|(name, _, _)| theme.templates.get(name)))
        .map(|(s, _)| s.as_path())
        .unwrap_or(fallback);
    let mut d = Diagnostic::general(
        Some(source),
        format!(
            "template error in {}\n{}",
            source.display(),
            report.trim_end()
        ),
    );
    (d.line, d.column) = location.map_or((0, 0), |(_, line, column)| (line, column));
    d
}

/// The place a line of Tera's report names: ` --> NAME:LINE:COLUMN`.
fn report_location(line: &str) -> Option<(&str, usize, usize)> {
    let location = line.trim_start().strip_prefix("--> ")?;
    let mut parts = location.trim_end().rsplitn(3, ':');
    let column = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    Some((parts.next()?, line, column))
}

/// The places Tera found wrong in templates, from `e` or the first of its
/// causes that has any, each pointing at its place in the template as
/// loaded (the theme's or the site's own), with the errors that caused
/// it. Tera's own report would print the place a second time, under the
/// template's name instead of its file.
fn placed_template_errors(theme: &Theme, e: &tera::Error) -> Option<Vec<Diagnostic>> {
    let mut error: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(current) = error {
        let kind = current.downcast_ref::<tera::Error>().map(tera::Error::kind);
        if let Some(ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report)) = kind {
            let place = report.span().range.clone();
            let placed = placed(theme, report.filename(), place, report.message(), current)?;
            return Some(vec![placed]);
        }
        if let Some(ErrorKind::Msg(text)) = kind {
            if let Some(placed) = placed_from_reports(theme, text, current) {
                return Some(placed);
            }
        }
        error = current.source();
    }
    None
}

/// Tera's reports printed into a message, which is how it hands over the
/// errors it finds once every template is in (unknown filters, tests and
/// functions; all of them, one report after another). `None` unless every
/// report can be placed.
fn placed_from_reports(
    theme: &Theme,
    text: &str,
    error: &(dyn std::error::Error + 'static),
) -> Option<Vec<Diagnostic>> {
    let mut reports: Vec<Vec<&str>> = Vec::new();
    for line in text.lines() {
        match reports.last_mut() {
            Some(report) if !line.starts_with("error: ") => report.push(line),
            _ => reports.push(vec![line]),
        }
    }
    (reports.iter())
        .map(|report| placed_from_report(theme, report, error))
        .collect()
}

/// One of Tera's printed reports: `error: MESSAGE`, ` --> NAME:LINE:COLUMN`,
/// a blank gutter, the line (`6 | ...`), and carets under the place.
fn placed_from_report(
    theme: &Theme,
    report: &[&str],
    error: &(dyn std::error::Error + 'static),
) -> Option<Diagnostic> {
    let message = report.first()?.strip_prefix("error: ")?;
    let (name, line, column) = report_location(report.get(1)?)?;
    // The carets: the first line after the source line whose gutter is
    // blank and which holds nothing else (the source may hold a `^`).
    let carets = |l: &&&str| {
        l.split_once('|').is_some_and(|(gutter, rest)| {
            gutter.trim().is_empty()
                && rest.contains('^')
                && rest.chars().all(|c| matches!(c, ' ' | '\t' | '^'))
        })
    };
    let width = report
        .iter()
        .skip(2)
        .find(carets)
        .map_or(1, |l| l.matches('^').count());
    let (_, text) = theme.templates.get(name)?;
    let start: usize = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let line_text = text.get(start..)?.lines().next()?;
    let at_char =
        |n: usize| start + (line_text.char_indices().nth(n)).map_or(line_text.len(), |(i, _)| i);
    let place = at_char(column.checked_sub(1)?)..at_char(column - 1 + width);
    placed(theme, name, place, message, error)
}

/// A template error at the bytes `place` of the template `name`, with the
/// errors that caused `error` below the message.
fn placed(
    theme: &Theme,
    name: &str,
    place: std::ops::Range<usize>,
    message: &str,
    error: &(dyn std::error::Error + 'static),
) -> Option<Diagnostic> {
    let (path, text) = theme.templates.get(name)?;
    let file = SourceFile::new(path.clone(), text.clone());
    let mut message = format!("template error: {message}");
    let mut cause = error.source();
    while let Some(inner) = cause {
        message.push_str(&format!("\ncaused by: {inner}"));
        cause = inner.source();
    }
    Some(file.error(place, message))
}

/// A Tera error with every error that caused it, one per line.
fn full_report(e: &tera::Error) -> String {
    let mut report = e.to_string();
    let mut inner = std::error::Error::source(e);
    while let Some(cause) = inner {
        report.push_str(&format!("\ncaused by: {cause}"));
        inner = cause.source();
    }
    report
}

/// Where the data export goes.
const DATA_JSON_PATH: &str = "data.json";

/// Version of the `/data.json` schema; bumped on any incompatible change.
/// The schema is documented in `docs/data-json.md`.
pub const DATA_SCHEMA_VERSION: u32 = 1;

#[derive(serde::Serialize)]
struct DataExport<'a> {
    schema: &'static str,
    version: u32,
    generator: String,
    today: crate::calendar::Date,
    site: DataSite<'a>,
    matrix: &'a crate::config::MatrixConfig,
    checkins: &'a crate::config::CheckinConfig,
    model: &'a crate::model::Model,
}

#[derive(serde::Serialize)]
struct DataSite<'a> {
    title: &'a str,
    base_url: &'a str,
}

/// `/data.json`: the whole derived model for other tools.
fn write_data_json(site: &Site, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let export = DataExport {
        schema: "tandem-data",
        version: DATA_SCHEMA_VERSION,
        generator: format!("Tandem {}", env!("CARGO_PKG_VERSION")),
        today: site.today,
        site: DataSite {
            title: &site.config.title,
            base_url: &site.config.base_url,
        },
        matrix: &site.config.matrix,
        checkins: &site.config.checkins,
        model: &site.model,
    };
    write_inert_json(&export, true, out)?;
    out.write_all(b"\n")
}

/// `value` as JSON (indented when `pretty`), with `<`, `>` and `&` as `\u`
/// escapes: they only occur inside JSON strings, where escapes stay the
/// same data but can never become markup if the file is embedded or
/// sniffed as HTML (`data.json`, the search index).
///
/// Escaped as the JSON is written: at 10,000 pages `data.json` is 40 MB
/// and the search index 30 MB, and replacing afterwards made a copy per
/// character replaced. Buffered: serde_json makes a write per token, and
/// escaping pays per call; chunks of 64 KiB cost one pass each. Escaping
/// maps each byte alone, so where chunks end does not matter.
pub(crate) fn inert_json(value: &impl serde::Serialize, pretty: bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_inert_json(value, pretty, &mut bytes).expect("writing to memory cannot fail");
    bytes
}

/// [`inert_json`], written to `out`.
pub(crate) fn write_inert_json(
    value: &impl serde::Serialize,
    pretty: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut json = std::io::BufWriter::with_capacity(1 << 16, InertJson(out));
    let written = if pretty {
        serde_json::to_writer_pretty(&mut json, value)
    } else {
        serde_json::to_writer(&mut json, value)
    };
    // Values made by Tandem always serialize: only writing can fail.
    written.map_err(std::io::Error::from)?;
    json.into_inner()
        .map_err(std::io::IntoInnerError::into_error)?;
    Ok(())
}

/// A JSON sink that writes `<`, `>` and `&` as `\u` escapes.
struct InertJson<W>(W);

impl<W: std::io::Write> std::io::Write for InertJson<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let escape = |i: usize| match buf[i] {
            b'<' => Some(&b"\\u003c"[..]),
            b'>' => Some(&b"\\u003e"[..]),
            b'&' => Some(&b"\\u0026"[..]),
            _ => None,
        };
        const SPECIAL: [bool; 256] = byte_set(b"<>&");
        write_runs(buf, &SPECIAL, |i| escape(i).map(|e| (e, 1)), &mut self.0)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Tera's HTML escaping, plus: bidi overrides, embeddings and isolates are
/// dropped, as in charts, so text from data cannot reorder what follows it.
///
/// Written out here rather than calling `tera::escape_html`, which makes one
/// `write_all` call per byte through the `dyn Write`: that was a tenth of a
/// build's rendering time. Here each run of bytes that need no escaping is
/// written at once; the output is the same.
fn escape_inert(input: &str, buf: &mut dyn std::io::Write) -> std::io::Result<()> {
    let bytes = input.as_bytes();
    let escape = |i: usize| -> Option<(&'static [u8], usize)> {
        Some(match bytes[i] {
            b'&' => (b"&amp;", 1),
            b'<' => (b"&lt;", 1),
            b'>' => (b"&gt;", 1),
            b'"' => (b"&quot;", 1),
            b'\'' => (b"&#39;", 1),
            // Every bidi control is a three-byte character led by 0xE2.
            0xE2 if input[i..].starts_with(crate::markup::is_bidi_control) => (b"", 3),
            _ => return None,
        })
    };
    const SPECIAL: [bool; 256] = byte_set(b"&<>\"'\xE2");
    write_runs(bytes, &SPECIAL, escape, buf)
}

/// `bytes` as a lookup table.
const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        set[bytes[i] as usize] = true;
        i += 1;
    }
    set
}

/// Writes `bytes` with each byte `escape` has a replacement for replaced,
/// along with the number of bytes the replacement stands for; in runs: one
/// write per run of bytes left as they are, not one per byte. `special`
/// holds every byte `escape` may replace (most text has none, and skipping
/// over it with a table lookup per byte is what makes escaping cheap).
fn write_runs(
    bytes: &[u8],
    special: &[bool; 256],
    escape: impl Fn(usize) -> Option<(&'static [u8], usize)>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let (mut run, mut i) = (0, 0);
    while let Some(offset) = bytes[i..].iter().position(|&b| special[b as usize]) {
        i += offset;
        match escape(i) {
            Some((replacement, len)) => {
                out.write_all(&bytes[run..i])?;
                out.write_all(replacement)?;
                i += len;
                run = i;
            }
            None => i += 1,
        }
    }
    out.write_all(&bytes[run..])
}

#[cfg(test)]
mod tests {
    use super::{escape_inert, may_read_model_itself, references, InertJson, Renderer};
    use crate::site::Site;

    /// Renders the repository's own example site into memory.
    fn render_example(site: &Site, release: bool) -> Vec<(String, Vec<u8>)> {
        let mut renderer = Renderer::new(site).expect("the example site's templates load");
        if release {
            renderer.release_bodies();
        }
        let dates = crate::history::for_site(site);
        let files = renderer
            .render_all(dates)
            .expect("the example site renders");
        let mut files: Vec<_> = files.into_iter().map(|f| (f.path, f.bytes)).collect();
        files.sort();
        files
    }

    #[test]
    fn a_render_releasing_bodies_makes_the_same_files_and_frees_only_pages() {
        let site = crate::site::load_example();
        let kept = render_example(&site, false);
        assert!(site.content.pages.iter().all(|p| !p.html.is_empty()));
        let released = render_example(&site, true);
        assert!(kept == released, "releasing bodies changed the output");
        // Every page's body went once its page was rendered; the intros,
        // which their sections' pages show, stay.
        assert!(site.content.pages.iter().all(|p| p.html.is_empty()));
        let intros = site
            .content
            .sections
            .values()
            .filter_map(|s| s.index.as_ref());
        assert!(intros.clone().count() > 1);
        assert!(intros.into_iter().all(|p| !p.html.is_empty()));
    }

    #[test]
    fn a_template_naming_model_in_any_way_may_read_it() {
        for text in [
            "{{ model.candidates | length }}",
            "{% for c in model.candidates %}{% endfor %}",
            "{{model}}",
            "{% component Count(@model) %}{% endcomponent Count %}",
            "{# model #}",
            "{{ __tera_context }}",
            "{{ cached_partial(template=name) }}",
            "{{ cached_partial(template = \"partials/\" ~ kind) }}",
        ] {
            assert!(may_read_model_itself(text), "{text}");
        }
    }

    #[test]
    fn other_words_and_literal_partial_names_are_not_model() {
        for text in [
            "{{ page.title }}",
            "{{ models }} {{ data_model }} {{ model2 }} {{ remodel }}",
            "{{ cached_partial(template=\"partials/nav.html\") }}",
            "{{ cached_partial(template = 'partials/nav.html') }}",
            "{% if template == \"x\" %}{% endif %}",
        ] {
            assert!(!may_read_model_itself(text), "{text}");
        }
    }

    #[test]
    fn a_template_name_counts_in_any_quotes() {
        for text in [
            "{% extends \"base.html\" %}",
            "{% include 'base.html' %}",
            "{{ cached_partial(template=`base.html`) }}",
        ] {
            assert!(references(text, "base.html"), "{text}");
        }
        assert!(!references("{% include \"base.html.bak\" %}", "base.html"));
        // Tera undoes `\/` in a literal.
        let escaped = "{% include \"partials\\/nav.html\" %}";
        assert!(references(escaped, "partials/nav.html"));
    }

    #[test]
    fn json_markup_characters_become_escapes() {
        let mut json = InertJson(Vec::new());
        serde_json::to_writer(&mut json, &["<b>&</b>", "plain"]).unwrap();
        let text = String::from_utf8(json.0).unwrap();
        assert_eq!(text, r#"["\u003cb\u003e\u0026\u003c/b\u003e","plain"]"#);
        let back: Vec<String> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, ["<b>&</b>", "plain"]);
    }

    fn escaped(input: &str) -> String {
        let mut out = Vec::new();
        escape_inert(input, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_like_tera_and_drops_bidi_controls() {
        for input in [
            "",
            "plain",
            "<a href=\"x\">Tom & Jerry's</a>",
            "é → ü \u{2028}",
            "a\u{202E}b\u{2066}c\u{2069}\u{202A}",
            "\u{202E}<\u{202E}",
        ] {
            let cleaned: String = input
                .chars()
                .filter(|c| !crate::markup::is_bidi_control(*c))
                .collect();
            let mut expected = Vec::new();
            tera::escape_html(&cleaned, &mut expected).unwrap();
            assert_eq!(
                escaped(input),
                String::from_utf8(expected).unwrap(),
                "{input:?}"
            );
        }
    }
}
