//! The two things a user asks of a site: check it, or build it.

use std::path::Path;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output;
use crate::render::{OutputFile, Renderer};
use crate::site::{BuildOptions, Site};

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    pub warnings: Diagnostics,
    pub pages: usize,
    pub files: usize,
    pub written: crate::output::WriteStats,
}

/// Loads, validates and renders, writing nothing. Returns the warnings.
pub fn check(options: &BuildOptions) -> Result<Diagnostics, Diagnostics> {
    render(options).map(|(_, warnings)| warnings)
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
        "timing: {stage:<12} {:>8.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    result
}

/// Loads, validates and renders into memory: every output file with its
/// bytes, sorted by path, plus the warnings. Used by `build` and by the
/// development server, which serves these bytes directly.
pub fn render(options: &BuildOptions) -> Result<(Vec<OutputFile>, Diagnostics), Diagnostics> {
    let (site, warnings) = timed("load", || Site::load(options))?;
    let renderer = timed("templates", || Renderer::new(&site))?;
    let files = timed("render", || renderer.render_all())?;
    Ok((files, warnings))
}

/// Builds the site into `output`, which is replaced only on success.
pub fn build(options: &BuildOptions, output: &Path) -> Result<BuildReport, Diagnostics> {
    let (files, warnings) = render(options)?;
    let written = timed("write", || output::write_site(&files, output)).map_err(|e| {
        Diagnostics::from(Diagnostic::general(
            None,
            format!("cannot write {}: {e}", output.display()),
        ))
    })?;
    let pages = files.iter().filter(|f| f.path.ends_with(".html")).count();
    Ok(BuildReport {
        warnings,
        pages,
        files: files.len(),
        written,
    })
}
