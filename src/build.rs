//! The two things a user asks of a site: check it, or build it.

use std::path::Path;

use crate::content::cache::{self, Cached, Reuse};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::lock::BuildLock;
use crate::output::{self, Sink};
use crate::render::links;
use crate::render::search::IndexParts;
use crate::render::{OutputFile, Renderer};
use crate::site::{BuildOptions, Site};
use crate::stamp::{self, Stamp};

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    pub warnings: Diagnostics,
    pub pages: usize,
    pub files: usize,
    pub written: crate::output::WriteStats,
    /// Nothing the build reads changed since the build that wrote the
    /// output, so nothing was rendered (see [`crate::stamp`]).
    pub up_to_date: bool,
    /// Only the text of some pages changed since the build that wrote the
    /// output, so only this many outputs were rendered again (see
    /// [`crate::rebuild`]); `None` after a full render.
    pub rendered: Option<usize>,
}

/// Loads, validates and renders, writing nothing. Returns the warnings.
pub fn check(options: &BuildOptions) -> Result<Diagnostics, Diagnostics> {
    on_pool(|| check_here(options))
}

fn check_here(options: &BuildOptions) -> Result<Diagnostics, Diagnostics> {
    let (site, warnings) = load(options)?;
    let failed = |errors| with_warnings(errors, &warnings);
    let mut renderer = templates(&site).map_err(failed)?;
    renderer.release_bodies();
    timed("render", || renderer.render_into(&output::Discard)).map_err(failed)?;
    discard((renderer.into_templates(), site));
    Ok(warnings)
}

/// `errors` with the `warnings` the site's loading found: a build or check
/// that fails after loading (its templates, a broken link found once
/// pages rendered) still reports every problem it found.
fn with_warnings(mut errors: Diagnostics, warnings: &Diagnostics) -> Diagnostics {
    errors.extend(warnings.0.iter().cloned());
    errors.sort();
    errors
}

/// Frees a loaded site (and its templates) on another thread: at 10,000
/// pages that takes a third of a second, which a command about to report
/// and exit need not wait for.
fn discard<T: Send + 'static>(loaded: T) {
    // The thread is detached; if none can be started, `spawn` frees the
    // site right here instead.
    let _ = std::thread::Builder::new().spawn(move || drop(loaded));
}

/// [`Site::load`]. When it fails, the links of the pages that did load
/// are checked too (missing images and files are otherwise found only
/// after rendering), so one run lists every problem.
fn load(options: &BuildOptions) -> Result<(Site, Diagnostics), Diagnostics> {
    load_reusing(options, None)
}

/// [`load`], restoring unchanged pages from `reuse`. A site that fails
/// with restored pages is loaded again from its files, for diagnostics
/// that point into every page's source.
fn load_reusing(
    options: &BuildOptions,
    reuse: Option<Reuse>,
) -> Result<(Site, Diagnostics), Diagnostics> {
    let loaded = timed("load", || Site::try_load_reusing(options, reuse));
    let restored = |partial: &Option<crate::site::Partial>| {
        partial.as_ref().is_some_and(|p| p.content.restored > 0)
    };
    let loaded = match loaded {
        Err(failure) if restored(&failure.partial) => timed("load", || Site::try_load(options)),
        loaded => loaded,
    };
    loaded.map_err(|failure| {
        let mut diagnostics = failure.diagnostics;
        if let Some(partial) = failure.partial {
            diagnostics.extend(timed("links", || {
                links::check_unrendered(&partial.root, &partial.config, &partial.content)
            }));
            diagnostics.sort();
        }
        diagnostics
    })
}

/// [`Renderer::new`]. When the templates fail, the links of the pages are
/// checked as for a site that failed to load.
fn templates(site: &Site) -> Result<Renderer<'_>, Diagnostics> {
    let mut renderer = templates_without_model(site, site.load_theme())?;
    timed("model", || renderer.install_model());
    Ok(renderer)
}

/// [`templates`] without the `model` global ([`Renderer::without_model`]),
/// with the site's `theme`.
fn templates_without_model(
    site: &Site,
    theme: Result<crate::theme::Theme, Vec<Diagnostic>>,
) -> Result<Renderer<'_>, Diagnostics> {
    timed("templates", || Renderer::with_theme(site, theme)).map_err(|mut errors| {
        errors.extend(links::check_unrendered(
            &site.root,
            &site.config,
            &site.content,
        ));
        errors.sort();
        errors
    })
}

/// Runs `work` on a thread of rayon's pool, which loads and renders the
/// site. glibc's malloc gives each thread its own arena and keeps what is
/// freed there for that arena: the pages' sources, freed in the pool's
/// arenas once rendered to HTML, could not take the templates, jobs and
/// site-wide values that the calling thread made next, so its arena grew
/// instead (about 6 MiB of peak memory at 10,000 pages).
fn on_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| work())
}

/// Prints how long a stage took when `TANDEM_TIMINGS` is set: the first
/// thing to look at when a build is slower than expected.
pub fn timed<T>(stage: &str, work: impl FnOnce() -> T) -> T {
    if std::env::var_os("TANDEM_TIMINGS").is_none() {
        return work();
    }
    let started = std::time::Instant::now();
    let result = work();
    eprintln!(
        "timing: {stage:<12} {:>8.1} ms{}",
        started.elapsed().as_secs_f64() * 1000.0,
        peak_memory().map_or(String::new(), |kib| format!(
            "   peak memory so far {:>6.1} MiB",
            kib as f64 / 1024.0
        ))
    );
    result
}

/// The process's peak resident memory in KiB (Linux only): with the
/// timings it shows which stage makes the peak.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Loads, validates and renders into memory: every output file with its
/// bytes, sorted by path, plus the warnings. Used by the development
/// server, which serves these bytes directly, and by tests.
pub fn render(options: &BuildOptions) -> Result<(Vec<OutputFile>, Diagnostics), Diagnostics> {
    render_site(options).map(|r| (r.files, r.warnings))
}

/// A site rendered into memory, with what rendering it took.
pub struct Rendered {
    pub site: Site,
    pub files: Vec<OutputFile>,
    pub warnings: Diagnostics,
    pub templates: crate::render::Templates,
    /// The last-updated dates the pages show.
    pub dates: crate::history::LastUpdated,
    /// What git gave for them, and at which HEAD.
    pub git: Option<crate::history::GitDates>,
}

/// [`render`], keeping the loaded site and its prepared templates: the
/// development server updates them after saves instead of loading
/// everything again.
pub fn render_site(options: &BuildOptions) -> Result<Rendered, Diagnostics> {
    render_site_early(options, None, &|_| Default::default(), &mut |_| {})
}

/// [`render_site`], rendering first the outputs `first` picks from the
/// loaded site and handing them to `early`: the development server shows
/// the saved page while the rest of the site renders. Errors of that first
/// render are left to the full render, which reports them with the rest.
/// Git's dates are those of `git` (what the last render read) if HEAD did
/// not move since.
pub fn render_site_early(
    options: &BuildOptions,
    git: Option<&crate::history::GitDates>,
    first: &dyn Fn(&Site) -> std::collections::HashSet<String>,
    early: &mut dyn FnMut(crate::render::Partial),
) -> Result<Rendered, Diagnostics> {
    let (site, warnings) = load(options)?;
    let git = timed("git history", || crate::history::read_git(&site, git));
    let dates = timed("dates", || {
        let from_git = git.as_ref().map(|git| &git.dates);
        crate::history::for_site_with(&site, &|_| None, from_git)
    });
    let (files, templates) = {
        let renderer = templates(&site)?;
        let selected = first(&site);
        if !selected.is_empty() {
            let partial = timed("render first", || {
                renderer.render_selected(&selected, &dates)
            });
            if let Ok(partial) = partial {
                early(partial);
            }
        }
        let files = timed("render", || renderer.render_all(dates.clone()))?;
        (files, renderer.into_templates())
    };
    Ok(Rendered {
        site,
        files,
        warnings,
        templates,
        dates,
        git,
    })
}

/// Builds the site into `output`. Pages are written as they render (into a
/// staging folder for a fresh output, or kept only when changed for an
/// existing one); the output changes only once everything rendered. When
/// nothing the build reads changed since the build that wrote `output`,
/// nothing is rendered at all; when only the text of some pages did, only
/// the outputs showing it are rendered ([`crate::rebuild`]).
pub fn build(options: &BuildOptions, output: &Path) -> Result<BuildReport, Diagnostics> {
    on_pool(|| build_here(options, output))
}

/// Takes the output for this build, holding the returned lock: refused
/// if the site folder is missing or the output is no place to write
/// (`output::place`), after what a killed build left half-done is
/// finished, so the output is one whole site again even if this build
/// then fails.
fn take_output(options: &BuildOptions, output: &Path) -> Result<BuildLock, Diagnostics> {
    let refused = |why: String| Diagnostics::from(Diagnostic::general(None, why));
    // Before anything is made beside the output (its lock), or removed
    // from it (every file that does not belong to the site).
    if !options.root.is_dir() {
        let missing = format!("site folder {} does not exist", options.root.display());
        return Err(refused(missing));
    }
    if let Some(refusal) = output::place::misplaced(&options.root, output) {
        return Err(refused(refusal));
    }
    // Two builds writing the same output at once would interleave their
    // files; the lock makes the second one stop with a clear message.
    let lock = BuildLock::acquire(output).map_err(|e| refused(e.to_string()))?;
    output::recover(output).map_err(|e| cannot_write(output, e))?;
    // Only once recovered: a first build killed inside its commit leaves
    // files that look like someone else's until it is finished.
    if let Some(refusal) = output::place::foreign(output) {
        return Err(refused(refusal));
    }
    Ok(lock)
}

fn build_here(options: &BuildOptions, output: &Path) -> Result<BuildReport, Diagnostics> {
    let _lock = take_output(options, output)?;
    // One day for the whole build: one that runs past midnight must not
    // show the old day on some pages and the new one on others.
    let mut options = options.clone();
    if options.today.is_none() {
        options.today = crate::calendar::today().ok();
    }
    let options = &options;
    let Probe {
        stamp,
        digest,
        known,
        previous,
        reuse,
    } = match probe(options, output) {
        Probed::UpToDate(unchanged) => return Ok(up_to_date(unchanged)),
        Probed::Stale(probe) => *probe,
    };
    // A partial rebuild patches the search index: read meanwhile, from as
    // soon as pages may be restored, which makes one likely (only then: at
    // 10,000 pages it is tens of megabytes; read after loading, it made the
    // rebuild wait). Without a page cache it is read when needed.
    let index = reuse.is_some().then(|| {
        let output = output.to_path_buf();
        Joined::spawn(move || read_index(&output))
    });
    let (mut site, mut warnings) = load_reusing(options, reuse)?;
    if std::env::var_os("TANDEM_TIMINGS").is_some() {
        let restored = site.content.restored;
        eprintln!("timing: pages restored from the page cache: {restored}");
    }
    // The last sources a partial rebuild reads (a full one reads every
    // page again if it restored any).
    let theme = timed("theme", || site.load_theme());
    let Derived {
        dates,
        git,
        marks,
        plan,
    } = derive(&site, digest.as_ref(), stamp.as_ref(), previous.as_ref());
    let index = index.filter(|_| plan.is_some());
    // A partial rebuild has read all its sources by now, so whether they
    // are still those digested is known from here on: checked meanwhile,
    // on a plain thread that stats the sources itself (see
    // `stamp::source_records`), where after rendering it took 50 ms of a
    // 0.45 s rebuild at 10,000 pages. One that panics vouches for nothing.
    let checking = (digest.clone()).filter(|_| plan.is_some()).map(|digest| {
        let (options, output) = (options.clone(), output.to_path_buf());
        Joined::spawn(move || timed("stamp", || digest.unchanged(&options, &output)))
    });
    // Restored pages have no HTML: a full render needs every page read.
    // Only pages changed, so the data and the model stay.
    if plan.is_none()
        && site.content.restored > 0
        && !timed("load", || site.read_all_pages(options))
    {
        (site, warnings) = load(options)?;
    }
    let mut renderer =
        templates_without_model(&site, theme).map_err(|e| with_warnings(e, &warnings))?;
    Stamp::remove(output)
        .and_then(|()| cache::remove(output))
        .map_err(|e| cannot_write(output, e))?;
    let writer = || {
        output::Writer::new(output)
            .map(|writer| writer.with_known(known.clone()))
            .map_err(|e| cannot_write(output, e))
    };
    let still = || {
        timed("stamp", || {
            (digest.as_ref()).is_some_and(|d| d.unchanged(options, output))
        })
    };
    let make_cache = || {
        page_cache(&site, digest.as_ref(), |key, stamp, pages, digests| {
            cache::prepare(output, key, stamp, pages, digests)
        })
    };
    let written = std::thread::scope(|scope| {
        // A partial rebuild makes the cache on another thread meanwhile;
        // a full one after rendering, whose peak memory it would add to.
        // (A panic there must not hide this build's own errors: the scope
        // would repeat it when it ends.)
        let making = plan.is_some().then(|| {
            scope.spawn(move || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(make_cache))
                    .unwrap_or_else(|_| Err(std::io::Error::other("making it panicked")))
            })
        });
        let partial = match plan {
            Some((previous, selected)) => {
                if renderer.needs_model_for(&selected, &dates) {
                    timed("model", || renderer.install_model());
                }
                let selection = Selection {
                    outputs: &selected,
                    previous,
                    dates: &dates,
                    index: index.and_then(|i| i.join().flatten()),
                    sources_unchanged: Box::new(|| {
                        checking.is_some_and(|c| c.join() == Some(true))
                    }),
                };
                write_selected(&renderer, writer()?, selection)?
            }
            None => None,
        };
        let written = match partial {
            Some(written) => written,
            // Restored pages have no HTML: rendering all of them needs them
            // read. (Rare: the selection could not be rendered after all.)
            None if site.content.restored > 0 => {
                let written;
                (written, warnings) = load_and_write_all(options, writer()?, dates)?;
                written
            }
            None => {
                timed("model", || renderer.install_model());
                write_all(&mut renderer, writer()?, dates)?
            }
        };
        // Vouch for the output only if no source changed while it rendered (a
        // partial rebuild checked that just before writing its few files).
        let unchanged = |written: &Written| written.rendered.is_some() || still();
        if let Some(read) = digest.clone().filter(|_| unchanged(&written)) {
            let write_cache = || match making.map(|m| m.join()) {
                Some(Ok(made)) => made.and_then(crate::output::Pending::commit),
                Some(Err(_)) => Err(std::io::Error::other("making it panicked")),
                None => page_cache(&site, digest.as_ref(), |key, stamp, pages, digests| {
                    cache::write_pages(output, key, stamp, pages, digests)
                }),
            };
            let previous = stamp.as_ref();
            let record = stamp::Record {
                digest: read,
                marks: marks.unwrap_or_default(),
                warnings: &warnings,
                git,
            };
            keep(output, &written, previous, record, write_cache);
        }
        Ok::<_, Diagnostics>(written)
    });
    let written = written.map_err(|e| with_warnings(e, &warnings))?;
    let report = written.report(warnings);
    // What the build read and wrote, per page and file: freeing it took
    // 15 ms of a 0.45 s rebuild at 10,000 pages.
    let records = (written, digest, stamp, known);
    discard((renderer.into_templates(), site, records));
    Ok(report)
}

/// What a build learns before it loads anything: whether the output is
/// up to date, and if not, what the stamp beside it vouches for.
enum Probed {
    UpToDate(stamp::Unchanged),
    Stale(Box<Probe>),
}

struct Probe {
    /// The stamp of the build that wrote the output, if it vouches for
    /// the output as it is (with its detail).
    stamp: Option<Stamp>,
    /// What the build reads, digested; `None` if some of it cannot be read.
    digest: Option<stamp::Digest>,
    /// The digest of each output file, as the stamp vouches for it: which
    /// of them a render changes is known without reading them back.
    known: std::collections::HashMap<String, u64>,
    /// What the stamp's build knew, if since then at most pages changed.
    previous: Option<stamp::Previous>,
    /// The pages the build may restore instead of reading them.
    reuse: Option<Reuse>,
}

fn probe(options: &BuildOptions, output: &Path) -> Probed {
    let stamp = timed("read stamp", || Stamp::read(output));
    // Only the sources whose metadata changed since the stamp was made
    // are read.
    let digest = timed("stamp", || {
        stamp::digest(options, output, stamp.as_ref().and_then(Stamp::known))
    });
    // A rebuild after page edits restores the other pages from the last
    // build's cache (see `content::cache`), read meanwhile. Not when the
    // output is gone (`rm -rf public`): the stamp cannot vouch for it, and
    // reading 10,000 pages for nothing raised the peak by about 20 MiB.
    let cached = (stamp.as_ref().zip(digest.as_ref()))
        .is_some_and(|(s, d)| s.only_pages_changed(d) && output.is_dir())
        .then(|| {
            let output = output.to_path_buf();
            Joined::spawn(move || timed("read pages", || Cached::read(&output)))
        });
    let stamp = timed("up to date", || {
        stamp.filter(|s| digest.is_some() && s.output_unchanged(output))
    });
    if let Some(unchanged) = stamp
        .as_ref()
        .zip(digest.as_ref())
        .and_then(|(s, d)| s.unchanged(d))
    {
        return Probed::UpToDate(unchanged);
    }
    let stamp = timed("stamp detail", || stamp.and_then(Stamp::detailed));
    let stamp = stamp.filter(|_| digest.is_some());
    let known = stamp.as_ref().map(Stamp::contents).unwrap_or_default();
    let previous = (stamp.as_ref().zip(digest.as_ref())).and_then(|(s, d)| s.previous(d));
    let pages = cached.and_then(|c| c.join().flatten());
    // Only the cache of the build the stamp vouches for: the pages a
    // partial rebuild renders are those whose digest differs from the
    // stamp's, and they must be those not restored.
    let pages = pages.filter(|p| stamp.as_ref().is_some_and(|s| p.made_by(s.digest())));
    let reuse = (previous.as_ref().zip(digest.as_ref()))
        .and_then(|(_, digest)| Some(pages?.reuse(&digest.pages)));
    Probed::Stale(Box::new(Probe {
        stamp,
        digest,
        known,
        previous,
        reuse,
    }))
}

/// What a loaded site tells a rebuild.
struct Derived<'a> {
    dates: crate::history::LastUpdated,
    /// The dates git gave, for the stamp to keep.
    git: Option<crate::history::GitDates>,
    /// What the build knows of each page, for the next one to compare.
    marks: Option<Vec<(std::path::PathBuf, crate::rebuild::PageMark)>>,
    /// What a partial rebuild renders, when one can: only the text of
    /// some pages changed since `previous`.
    plan: Option<(&'a stamp::Previous, std::collections::HashSet<String>)>,
}

fn derive<'a>(
    site: &Site,
    digest: Option<&stamp::Digest>,
    stamp: Option<&Stamp>,
    previous: Option<&'a stamp::Previous>,
) -> Derived<'a> {
    let git = timed("git history", || git_history(site, digest, stamp));
    let dates = timed("dates", || {
        let modified = |path: &Path| digest?.modified_seconds(path);
        let from_git = git.as_ref().map(|git| &git.dates);
        crate::history::for_site_with(site, &modified, from_git)
    });
    let marks = timed("marks", || {
        digest.and_then(|d| crate::rebuild::marks(site, &d.pages, &dates))
    });
    let plan = match (previous, &marks) {
        // Relative URLs would need the search index's script form patched.
        (Some(previous), Some(marks)) if !site.config.relative_urls => {
            crate::rebuild::plan(site, &previous.pages, marks).map(|plan| (previous, plan))
        }
        _ => None,
    };
    Derived {
        dates,
        git,
        marks,
        plan,
    }
}

/// The dates git gives the site's files: those the stamp kept, if read at
/// the same HEAD (and root), else from `git log`. `None` outside git, or
/// without last-updated dates.
fn git_history(
    site: &Site,
    digest: Option<&stamp::Digest>,
    stamp: Option<&Stamp>,
) -> Option<crate::history::GitDates> {
    if !site.config.last_updated || digest.is_some_and(stamp::Digest::outside_git) {
        return None;
    }
    let at = digest.and_then(|d| d.git_at(&site.root));
    let kept = (at.as_deref().zip(stamp)).and_then(|(at, stamp)| stamp.git_dates(at));
    let dates = match kept {
        Some(kept) => kept,
        None => crate::history::git_dates(&site.root)?,
    };
    Some(crate::history::GitDates { at, dates })
}

/// Makes the page cache of `site` for the next build with `make`
/// ([`cache::prepare`], [`cache::write_pages`]), from the digest of the
/// sources it read; none with relative URLs (no rebuild is partial).
fn page_cache<T>(
    site: &Site,
    digest: Option<&stamp::Digest>,
    make: impl FnOnce(
        &cache::Key,
        &str,
        &[&crate::content::Page],
        &rustc_hash::FxHashMap<std::path::PathBuf, u64>,
    ) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let key = (site.content.key.as_ref()).filter(|_| !site.config.relative_urls);
    let (key, digest) = key
        .zip(digest)
        .ok_or_else(|| std::io::Error::other("not kept (relative URLs, or no source digest)"))?;
    let pages: Vec<&crate::content::Page> = site.content.all_pages().collect();
    timed("make page cache", || {
        make(key, &digest.all, &pages, &digest.pages)
    })
}

/// [`load`], then renders and writes every output.
fn load_and_write_all(
    options: &BuildOptions,
    writer: output::Writer,
    dates: crate::history::LastUpdated,
) -> Result<(Written, Diagnostics), Diagnostics> {
    let (site, warnings) = load(options)?;
    let mut renderer = templates_without_model(&site, site.load_theme())?;
    timed("model", || renderer.install_model());
    let written = write_all(&mut renderer, writer, dates)?;
    discard((renderer.into_templates(), site));
    Ok((written, warnings))
}

/// Writes the page cache (with `write_cache`) and the stamp for the
/// output `written` left, over the stamp of the build before
/// (`previous`). Neither is an error when it fails: the next build just
/// renders everything (`TANDEM_TIMINGS` says why it was slower).
fn keep(
    output: &Path,
    written: &Written,
    previous: Option<&Stamp>,
    record: stamp::Record,
    write_cache: impl FnOnce() -> std::io::Result<()> + Send,
) {
    // A killed build leaves neither: both are removed before writing. The
    // cache serves only the build its stamp's digest names, so the two are
    // written side by side.
    let stamp = || {
        timed("stamp", || {
            Stamp::write(
                output,
                &written.paths,
                &written.digests,
                previous.map(|s| (s, &written.rewritten)),
                record,
            )
        })
    };
    let (kept, recorded) = rayon::join(|| timed("write pages", write_cache), stamp);
    if let (Err(e), Some(_)) = (kept, std::env::var_os("TANDEM_TIMINGS")) {
        eprintln!("timing: no page cache written: {e}");
    }
    if let (Err(e), Some(_)) = (recorded, std::env::var_os("TANDEM_TIMINGS")) {
        eprintln!("timing: no build stamp written: {e}");
    }
}

/// What a build wrote.
struct Written {
    /// Every output file, sorted.
    paths: Vec<String>,
    stats: output::WriteStats,
    /// The digest of each output file's bytes.
    digests: std::collections::HashMap<String, u64>,
    /// The files it wrote (the others it found as they were).
    rewritten: std::collections::HashSet<String>,
    /// How many outputs a partial rebuild rendered, after checking that
    /// the sources had not changed since the build read them; `None` for
    /// a full one.
    rendered: Option<usize>,
}

impl Written {
    fn report(&self, warnings: Diagnostics) -> BuildReport {
        let pages = (self.paths.iter()).filter(|p| p.ends_with(".html")).count();
        BuildReport {
            warnings,
            pages,
            files: self.paths.len(),
            written: self.stats,
            up_to_date: false,
            rendered: self.rendered,
        }
    }
}

fn cannot_write(output: &Path, e: std::io::Error) -> Diagnostics {
    Diagnostics::from(Diagnostic::general(
        None,
        format!("cannot write {}: {e}", output.display()),
    ))
}

/// Renders every output and makes the writer's output hold exactly them.
/// The site's pages have no body afterwards ([`Renderer::release_bodies`]).
fn write_all(
    renderer: &mut Renderer,
    writer: output::Writer,
    dates: crate::history::LastUpdated,
) -> Result<Written, Diagnostics> {
    // The site is rendered once: each page's body can go once shown.
    renderer.release_bodies();
    let paths = match timed("render", || renderer.render_dated(&writer, dates)) {
        Ok(paths) => paths,
        Err(errors) => {
            writer.abandon();
            return Err(errors);
        }
    };
    let digests = writer.digests();
    let rewritten = writer.changed();
    let output = writer.output().to_path_buf();
    let stats = timed("write", || writer.finish(&paths)).map_err(|e| cannot_write(&output, e))?;
    Ok(Written {
        paths,
        stats,
        digests,
        rewritten,
        rendered: None,
    })
}

/// What a partial rebuild renders again, and what it knows.
struct Selection<'a> {
    outputs: &'a std::collections::HashSet<String>,
    previous: &'a stamp::Previous,
    dates: &'a crate::history::LastUpdated,
    /// The output's search index with the digest of its bytes, if read
    /// already.
    index: Option<(u64, IndexParts)>,
    /// Whether the sources are still those the selection was made from,
    /// checked after they were loaded.
    sources_unchanged: Box<dyn FnOnce() -> bool + 'a>,
}

/// A thread that is joined when dropped: a build that stops early with
/// an error leaves none behind.
struct Joined<T>(Option<std::thread::JoinHandle<T>>);

impl<T: Send + 'static> Joined<T> {
    fn spawn(work: impl FnOnce() -> T + Send + 'static) -> Joined<T> {
        Joined(Some(std::thread::spawn(work)))
    }

    /// Its result; `None` if it panicked.
    fn join(mut self) -> Option<T> {
        self.0.take()?.join().ok()
    }
}

impl<T> Drop for Joined<T> {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            let _ = thread.join();
        }
    }
}

/// The search index in `output`, with the digest of its bytes.
fn read_index(output: &Path) -> Option<(u64, IndexParts)> {
    timed("read index", || {
        let bytes = std::fs::read(output.join(crate::render::search::INDEX_PATH)).ok()?;
        let digest = crate::stamp::file_digest(&bytes);
        Some((digest, IndexParts::parse(bytes)?))
    })
}

/// Renders only the selected outputs again, patches the search index and
/// writes what changed; `None` when a full build is needed after all (a
/// page gained or lost `noindex`, the index is not readable, or a source
/// changed since the selection was made from the sources' digests: the
/// other pages could then differ from what the output holds).
fn write_selected(
    renderer: &Renderer,
    writer: output::Writer,
    selection: Selection,
) -> Result<Option<Written>, Diagnostics> {
    let Selection {
        outputs: selected,
        previous,
        dates,
        index,
        sources_unchanged,
    } = selection;
    use crate::render::search;
    let output = writer.output().to_path_buf();
    let index = index.or_else(|| read_index(&output));
    // Patched only if it is the index the stamp vouched for: one changed
    // since then would be carried into the new stamp.
    let index = index.filter(|(digest, _)| writer.known(search::INDEX_PATH) == Some(*digest));
    let Some((_, mut index)) = index else {
        return Ok(None);
    };
    timed("outputs", || {
        renderer.assume_outputs(&previous.files, dates)
    });
    let partial = timed("render", || renderer.render_selected(selected, dates))?;
    let base_path = renderer.site().config.base_path();
    if !crate::rebuild::same_pages_indexed(&partial, &index, &base_path) || !sources_unchanged() {
        return Ok(None);
    }
    let rendered = partial.files.len();
    for (_, entry) in &partial.entries {
        index.replace(entry);
    }
    for file in partial.files {
        writer.accept(file).map_err(|e| cannot_write(&output, e))?;
    }
    timed("write index", || {
        writer.accept_written(search::INDEX_PATH, &|out| index.write_to(out))
    })
    .map_err(|e| cannot_write(&output, e))?;
    let digests = writer.digests();
    let rewritten = writer.changed();
    let mut stats =
        timed("write", || writer.finish_same_files()).map_err(|e| cannot_write(&output, e))?;
    stats.unchanged = previous.files.len().saturating_sub(stats.written);
    Ok(Some(Written {
        paths: previous.files.clone(),
        stats,
        digests,
        rewritten,
        rendered: Some(rendered),
    }))
}

/// The report of a build that found its output up to date.
fn up_to_date(stamp: stamp::Unchanged) -> BuildReport {
    BuildReport {
        warnings: stamp.warnings,
        pages: stamp.pages,
        files: stamp.files,
        written: output::WriteStats {
            unchanged: stamp.files,
            ..Default::default()
        },
        up_to_date: true,
        rendered: None,
    }
}
