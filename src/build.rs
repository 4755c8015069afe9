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
    let (site, warnings) = Site::load(options)?;
    Renderer::new(&site)?.render_all()?;
    Ok(warnings)
}

/// Loads, validates and renders into memory: every output file with its
/// bytes, sorted by path, plus the warnings. Used by `build` and by the
/// development server, which serves these bytes directly.
pub fn render(options: &BuildOptions) -> Result<(Vec<OutputFile>, Diagnostics), Diagnostics> {
    let (site, warnings) = Site::load(options)?;
    let files = Renderer::new(&site)?.render_all()?;
    Ok((files, warnings))
}

/// Builds the site into `output`, which is replaced only on success.
pub fn build(options: &BuildOptions, output: &Path) -> Result<BuildReport, Diagnostics> {
    let (files, warnings) = render(options)?;
    let written = output::write_site(&files, output).map_err(|e| {
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
