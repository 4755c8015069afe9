//! What happens to each rendered file on its way to the output, and what is
//! made from all of them at the end:
//!
//! - every link of a page into the site must name an output file (links to
//!   missing images and files are errors, on the page's source line);
//! - the search index and the sitemap are made from the rendered pages, so
//!   they list exactly what readers can open;
//! - with `relative_urls`, every site URL becomes relative to its file
//!   (except in the 404 page, which hosts serve at any depth).
//!
//! Files stream through [`Publisher::process`] in parallel as they render
//! (a build never holds every page in memory); [`Publisher::finish`] then
//! gives the files made from all of them.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::calendar::Date;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::site::Site;

use super::{feeds, html, links, relative, search, OutputFile};

/// Outputs that are not pages or static files, by their fixed names.
pub(super) const GENERATED: &[&str] = &[
    "data.json",
    feeds::FEED_PATH,
    feeds::SITEMAP_PATH,
    search::INDEX_PATH,
    search::INDEX_SCRIPT_PATH,
];

/// The page hosts serve for any missing URL.
pub(super) const NOT_FOUND_PATH: &str = "404.html";

#[derive(Default)]
struct Found {
    /// Indexable pages: output path and search entry.
    entries: Vec<(String, search::Indexed)>,
    problems: Vec<Diagnostic>,
}

pub struct Publisher<'a> {
    site: &'a Site,
    base_path: String,
    outputs: Arc<Outputs>,
    found: Mutex<Found>,
}

/// What a build will deliver, known before anything renders. Depends only
/// on which pages and files there are, so partial rebuilds that keep the
/// site's shape reuse it.
#[derive(PartialEq)]
pub struct Outputs {
    /// Every output path of the build.
    paths: HashSet<String>,
    /// The same as site paths links may use (folders too).
    targets: links::Targets,
    /// Static files: copied as they are (only made relative).
    statics: HashSet<String>,
    /// Output path of each handbook page to its source.
    sources: HashMap<String, PathBuf>,
}

impl Outputs {
    /// `pages` and `statics` are the output paths the build will deliver.
    pub fn new(
        site: &Site,
        pages: impl IntoIterator<Item = String>,
        statics: impl IntoIterator<Item = String>,
    ) -> Self {
        let statics: HashSet<String> = statics.into_iter().collect();
        let mut paths: HashSet<String> = pages.into_iter().collect();
        paths.extend(statics.iter().cloned());
        paths.extend(GENERATED.iter().map(|p| p.to_string()));
        Outputs {
            targets: links::Targets::new(&paths),
            paths,
            statics,
            sources: site
                .content
                .all_pages()
                .map(|p| (p.output(), p.source.clone()))
                .collect(),
        }
    }
}

impl<'a> Publisher<'a> {
    /// `pages` and `statics` are the output paths the build will deliver.
    pub fn new(
        site: &'a Site,
        pages: impl IntoIterator<Item = String>,
        statics: impl IntoIterator<Item = String>,
    ) -> Self {
        Publisher::with_outputs(site, Arc::new(Outputs::new(site, pages, statics)))
    }

    /// A publisher for outputs known from an earlier build of the same
    /// shape.
    pub fn with_outputs(site: &'a Site, outputs: Arc<Outputs>) -> Self {
        Publisher {
            site,
            base_path: site.config.base_path(),
            outputs,
            found: Mutex::new(Found::default()),
        }
    }

    /// Checks and indexes one rendered file, and makes its URLs relative
    /// when asked to.
    pub fn process(&self, mut file: OutputFile) -> OutputFile {
        let is_html = file.path.ends_with(".html");
        let is_css = file.path.ends_with(".css");
        if !is_html && !is_css {
            return file;
        }
        let Ok(text) = std::str::from_utf8(&file.bytes) else {
            return file;
        };
        let relative = self.site.config.relative_urls;
        if is_css {
            if relative {
                file.bytes =
                    relative::rewrite_css(text, &file.path, &self.base_path, &self.outputs.paths)
                        .into_bytes();
            }
            return file;
        }
        let page = !self.outputs.statics.contains(&file.path);
        if !page && !relative {
            return file;
        }
        let pasted = super::cached_partial::take_pasted();
        let known = locate(text, &pasted);
        let analysis = html::analyze_knowing(text, page.then_some(search::MAX_TEXT), &known);
        if let Some(text_of_page) = &analysis.text {
            let problems = links::check_page(
                self.site,
                &self.base_path,
                &file.path,
                text,
                &analysis.urls,
                &self.outputs.targets,
            );
            let entry = (!text_of_page.noindex)
                .then(|| search::entry(self.site, &self.outputs.sources, &file.path, text_of_page))
                .map(|entry| search::Indexed::new(&entry));
            if !problems.is_empty() || entry.is_some() {
                let mut found = self.found.lock().expect("no panics while holding the lock");
                found.problems.extend(problems);
                if let Some(entry) = entry {
                    found.entries.push((file.path.clone(), entry));
                }
            }
        }
        // A host serves the 404 page for a missing URL at any depth, where
        // relative links would resolve below the wrong folder; and file://
        // browsing never shows it. Its links stay absolute from the base
        // path.
        if relative && file.path != NOT_FOUND_PATH {
            let rewritten = relative::rewrite_attributes(
                text,
                &analysis.urls,
                &file.path,
                &self.base_path,
                &self.outputs.paths,
            );
            file.bytes = rewritten.into_bytes();
        }
        file
    }

    /// The search-index entries of the pages that went through
    /// [`Self::process`] (by output path, sorted), or every broken link.
    pub fn indexed(&self) -> Result<Vec<(String, search::Indexed)>, Diagnostics> {
        let found =
            std::mem::take(&mut *self.found.lock().expect("no panics while holding the lock"));
        if !found.problems.is_empty() {
            let mut errors = Diagnostics(found.problems);
            errors.sort();
            return Err(errors);
        }
        let mut entries = found.entries;
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(entries)
    }

    /// After every page went through [`Self::process`]: the sitemap and
    /// the search index's entries (in index order), or every broken link.
    pub fn finish(
        &self,
        dates: &crate::history::LastUpdated,
    ) -> Result<(OutputFile, Vec<search::Indexed>), Diagnostics> {
        let entries = self.indexed()?;
        let sitemap: Vec<(String, Option<Date>)> = entries
            .iter()
            .map(|(output, entry)| {
                let date = match self.outputs.sources.get(output) {
                    Some(source) => dates.get(source),
                    None => dates.data(),
                };
                (entry.url().to_string(), date)
            })
            .collect();
        let sitemap = feeds::sitemap(self.site, &sitemap);
        Ok((sitemap, entries.into_iter().map(|(_, e)| e).collect()))
    }
}

/// Where `page` holds the pasted partials, in order, with what scanning
/// them gives.
fn locate<'p>(
    page: &str,
    pasted: &'p [Arc<super::cached_partial::Pasted>],
) -> Vec<(usize, &'p html::Known)> {
    let mut found = Vec::new();
    let mut from = 0;
    for paste in pasted {
        if let Some((at, known)) = paste.find_in(page.as_bytes(), from) {
            found.push((at, known));
            from = at + paste.html.len();
        }
    }
    found
}
