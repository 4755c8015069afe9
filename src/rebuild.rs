//! Rebuilding only what an edit of page text shows on.
//!
//! Writers mostly change the text of a page or two between builds. That
//! text shows on the page itself, in the summaries of its section page, on
//! the home and search pages (which show the top-level sections) and in
//! the search index, and nowhere else: the contexts the templates get are
//! Tandem's whatever the theme, so this holds for every theme. Everything
//! else other outputs show of a page is its [`Shape`](crate::content::Shape);
//! when that changes, only a full build is correct.
//!
//! The development server compares a saved page with the one it holds in
//! memory ([`crate::preview`]); `tandem build` compares each page's
//! [`PageMark`], kept in the build stamp, with the one the last build
//! recorded ([`plan`]).

use std::collections::HashSet;
use std::path::PathBuf;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::content::{Content, Page};
use crate::history::LastUpdated;
use crate::render::{search, Partial};
use crate::site::Site;
use crate::stamp::hash_of;

/// Adds to `outputs` the outputs whose contexts hold the text of `page`
/// (its new version, same shape as before). `summary_changed`: its summary
/// or description differs from before.
///
/// This follows how `render::context` builds contexts: a page's own
/// output holds all of it (for a section's intro, that is the section's
/// page); a section's page holds the summary and description of each of
/// its pages; the home and search pages hold the top-level sections'
/// intros and their pages' summaries.
pub fn outputs_showing(
    page: &Page,
    summary_changed: bool,
    content: &Content,
    outputs: &mut HashSet<String>,
) {
    outputs.insert(page.output());
    let is_intro = page.source.file_stem().is_some_and(|s| s == "_index");
    if summary_changed && !is_intro {
        if let Some(section) = content.sections.get(&page.section) {
            outputs.insert(section.output());
        }
    }
    let top_level = !page.section.is_empty() && !page.section.contains('/');
    if top_level && (is_intro || summary_changed) {
        outputs.insert("index.html".into());
        outputs.insert(search::page_output());
    }
}

/// What a build remembers of a page to tell, next time, what an edit of it
/// changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageMark {
    /// Digest of the source file's bytes and modification time.
    file: u64,
    /// Digest of the page's [`Shape`](crate::content::Shape).
    shape: u64,
    /// Digest of its summary and description.
    summary: u64,
    /// The last-updated date it showed.
    date: Option<String>,
}

/// Page marks by source file.
pub type Marks = FxHashMap<PathBuf, PageMark>;

/// The marks of every page of `site`. `files` are the source files'
/// digests, as the build stamp made them; `None` if a page's is missing.
pub fn marks(
    site: &Site,
    files: &FxHashMap<PathBuf, u64>,
    dates: &LastUpdated,
) -> Option<Vec<(PathBuf, PageMark)>> {
    let pages: Vec<&Page> = site.content.all_pages().collect();
    pages
        .into_par_iter()
        .map(|page| {
            let mark = PageMark {
                file: *files.get(&page.source)?,
                shape: hash_of(&page.shape()),
                summary: hash_of(&(&page.summary, &page.description)),
                date: dates.get(&page.source).map(|d| d.to_string()),
            };
            Some((page.source.clone(), mark))
        })
        .collect()
}

/// The outputs to render again, when the pages marked `now` differ from
/// those marked `before` only in text: the same pages, the same shapes,
/// the same dates. `None` when only a full build is correct. Everything
/// but the pages' sources must be as before (the build stamp checks).
pub fn plan(site: &Site, before: &Marks, now: &[(PathBuf, PageMark)]) -> Option<HashSet<String>> {
    if before.len() != now.len() {
        return None;
    }
    let pages: FxHashMap<&PathBuf, &Page> =
        (site.content.all_pages()).map(|p| (&p.source, p)).collect();
    let mut outputs = HashSet::new();
    for (source, new) in now {
        let old = before.get(source)?;
        if old.file == new.file {
            continue;
        }
        if old.shape != new.shape || old.date != new.date {
            return None;
        }
        let page = pages.get(source)?;
        outputs_showing(
            page,
            old.summary != new.summary,
            &site.content,
            &mut outputs,
        );
    }
    Some(outputs)
}

/// Whether each page of `partial` is in the search index exactly when it
/// was before (a page gaining or losing `noindex` changes which pages the
/// index and the sitemap list).
pub fn same_pages_indexed(partial: &Partial, index: &search::IndexParts, base_path: &str) -> bool {
    let indexed: HashSet<&str> = partial.entries.iter().map(|(p, _)| p.as_str()).collect();
    partial.files.iter().all(|file| {
        indexed.contains(file.path.as_str())
            == index.contains(&search::url_of(base_path, &file.path))
    })
}
