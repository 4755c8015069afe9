//! The two things a user asks of a site: check it, or build it.

use std::path::Path;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::lock::BuildLock;
use crate::output;
use crate::render::links;
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
}

/// Loads, validates and renders, writing nothing. Returns the warnings.
pub fn check(options: &BuildOptions) -> Result<Diagnostics, Diagnostics> {
    let (site, warnings) = load(options)?;
    let renderer = templates(&site)?;
    timed("render", || renderer.render_into(&output::Discard))?;
    Ok(warnings)
}

/// [`Site::load`]. When it fails, the links of the pages that did load
/// are checked too (missing images and files are otherwise found only
/// after rendering), so one run lists every problem.
fn load(options: &BuildOptions) -> Result<(Site, Diagnostics), Diagnostics> {
    timed("load", || Site::try_load(options)).map_err(|failure| {
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
    timed("templates", || Renderer::new(site)).map_err(|mut errors| {
        errors.extend(links::check_unrendered(
            &site.root,
            &site.config,
            &site.content,
        ));
        errors.sort();
        errors
    })
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
}

/// [`render`], keeping the loaded site and its prepared templates: the
/// development server updates them after saves instead of loading
/// everything again.
pub fn render_site(options: &BuildOptions) -> Result<Rendered, Diagnostics> {
    let (site, warnings) = load(options)?;
    let dates = timed("dates", || crate::history::for_site(&site));
    let (files, templates) = {
        let renderer = templates(&site)?;
        let files = timed("render", || renderer.render_all(dates.clone()))?;
        (files, renderer.into_templates())
    };
    Ok(Rendered {
        site,
        files,
        warnings,
        templates,
        dates,
    })
}

/// Builds the site into `output`. Pages are written as they render (into a
/// staging folder for a fresh output, or kept only when changed for an
/// existing one); the output changes only once everything rendered. When
/// nothing the build reads changed since the build that wrote `output`,
/// nothing is rendered at all.
pub fn build(options: &BuildOptions, output: &Path) -> Result<BuildReport, Diagnostics> {
    let cannot_write = |e: std::io::Error| {
        Diagnostics::from(Diagnostic::general(
            None,
            format!("cannot write {}: {e}", output.display()),
        ))
    };
    // Two builds writing the same output at once would interleave their
    // files; the lock makes the second one stop with a clear message.
    let _lock = BuildLock::acquire(output)
        .map_err(|e| Diagnostics::from(Diagnostic::general(None, e.to_string())))?;
    // First of all, finish what a killed build left half-done, so the
    // output is one whole site again even if this build then fails.
    output::recover(output).map_err(cannot_write)?;
    let digest = timed("stamp", || stamp::digest(options, output));
    let unchanged = timed("up to date", || {
        digest
            .as_deref()
            .and_then(|digest| Stamp::unchanged(output, digest))
    });
    if let Some(stamp) = unchanged {
        return Ok(up_to_date(stamp));
    }
    let (site, warnings) = load(options)?;
    let renderer = templates(&site)?;
    Stamp::remove(output).map_err(cannot_write)?;
    let writer = output::Writer::new(output).map_err(cannot_write)?;
    let paths = match timed("render", || renderer.render_into(&writer)) {
        Ok(paths) => paths,
        Err(errors) => {
            writer.abandon();
            return Err(errors);
        }
    };
    let written = timed("write", || writer.finish(&paths)).map_err(cannot_write)?;
    // Vouch for the output only if no source changed while it rendered.
    let still = || timed("stamp", || stamp::digest(options, output));
    if let Some(digest) = digest.filter(|d| still().as_ref() == Some(d)) {
        let _ = timed("stamp", || Stamp::write(output, &paths, digest, &warnings));
    }
    let pages = paths.iter().filter(|p| p.ends_with(".html")).count();
    Ok(BuildReport {
        warnings,
        pages,
        files: paths.len(),
        written,
        up_to_date: false,
    })
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
    }
}
