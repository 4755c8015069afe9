//! The site as `tandem serve` keeps it in memory, and its partial rebuilds.
//!
//! A full build at 10,000 pages takes seconds, most of it spent on pages a
//! typical save does not touch. [`Preview::update`] re-reads just the
//! saved pages and, when their *shape* is unchanged (see
//! [`crate::content::Reloaded`]), renders again only the outputs that show
//! their text ([`crate::rebuild`]) and patches the search index. A saved
//! template renders again just the pages whose templates use it (extend,
//! include or import it, at any depth) or whose shortcodes it draws.
//! Anything else (a new title, a new page, data, static files, settings)
//! gets a full build, which is always correct: every page's header shows
//! counts derived from the data, so a data edit reaches every page anyway.
//!
//! The saved page's own output renders first and is handed to the server
//! ([`Early`]) before the rest: the page being edited reloads without
//! waiting for the pages that list its summary (its section, home and
//! search pages) or for the search index, nor, after a save that needs a
//! full build, for the whole site.
//!
//! Tests hold the partial result to the full build's bytes.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::build::timed;
use crate::content::{shortcode, ContentOptions, LinkTargets, Page, Reloaded};
use crate::data::reader::Loc;
use crate::diagnostics::Diagnostics;
use crate::render::{search, Partial, Renderer, Templates};
use crate::site::{BuildOptions, Site};

/// The built site: output path to bytes. Values are shared, so a partial
/// rebuild copies the map, not the pages.
pub type Files = HashMap<String, Arc<Vec<u8>>>;

pub struct Preview {
    pub site: Site,
    pub files: Arc<Files>,
    pub warnings: Diagnostics,
    options: BuildOptions,
    /// The "last updated" dates the last full build showed.
    dates: crate::history::LastUpdated,
    /// What git gave for them, and at which HEAD.
    git: Option<crate::history::GitDates>,
    /// The search index, kept in parts to patch.
    index: search::IndexParts,
    /// The templates of the last full build, with its globals (which no
    /// partial update changes). Taken while a partial update renders.
    templates: Option<Templates>,
    /// Where links between pages lead, made at the first page update.
    link_targets: std::sync::OnceLock<LinkTargets>,
}

/// The saved pages' own outputs, ready before the rest of an update.
pub struct Early {
    /// The site to serve meanwhile: the last good one with these in.
    pub files: Arc<Files>,
    /// The outputs in it that were rendered again (sorted).
    pub rendered: Vec<String>,
}

impl Early {
    /// `served` with the files of `partial` in.
    fn over(served: &Files, partial: Partial) -> Early {
        let mut files = served.clone();
        let mut rendered = Vec::with_capacity(partial.files.len());
        for file in partial.files {
            rendered.push(file.path.clone());
            files.insert(file.path, Arc::new(file.bytes));
        }
        rendered.sort();
        Early {
            files: Arc::new(files),
            rendered,
        }
    }
}

/// Most outputs a save renders first; more would hold up the full build
/// behind them for long.
const FIRST_AT_MOST: usize = 200;

/// The outputs that show a save of `saved` first: the saved pages', and
/// the pages of the candidates whose records (features, scores, check-ins,
/// demos) are in saved data files. None when there would be more than
/// [`FIRST_AT_MOST`].
fn saved_outputs(site: &Site, saved: &[PathBuf]) -> HashSet<String> {
    let data = &site.data;
    let in_saved = |loc: &Loc| (data.paths.get(loc.file)).is_some_and(|p| saved.contains(p));
    let features = (data.features.iter())
        .filter(|f| in_saved(&f.loc))
        .map(|f| &f.id);
    let scores = (data.scores.iter())
        .filter(|s| in_saved(&s.loc))
        .map(|s| &s.feature);
    let checkins = (data.checkins.iter())
        .filter(|c| in_saved(&c.loc))
        .map(|c| &c.feature);
    let demos = (data.demos.iter())
        .filter(|d| in_saved(&d.loc))
        .flat_map(|d| &d.features);
    let candidates = (features.chain(scores).chain(checkins).chain(demos))
        .map(|id| crate::render::candidate_output(&id.value));
    let pages = (site.content.all_pages())
        .filter(|page| saved.contains(&page.source))
        .map(Page::output);
    let outputs: HashSet<String> = pages.chain(candidates).collect();
    if outputs.len() > FIRST_AT_MOST {
        return HashSet::new();
    }
    outputs
}

/// What [`Preview::update`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Update {
    /// Only these outputs were rendered again (sorted).
    Partial(Vec<String>),
    /// The change needs a full build; nothing was changed.
    NeedsFullBuild,
}

impl Preview {
    /// A full build into memory.
    pub fn build(options: &BuildOptions) -> Result<Preview, Diagnostics> {
        Preview::build_early(options, None, &[], &Files::new(), &mut |_| {})
    }

    /// [`Self::build`] after saves of `saved` (paths relative to the site
    /// root): the outputs of the saved pages render first and go to
    /// `early`, with the rest of `served` (the site served meanwhile) as it
    /// was, before everything else renders. `last`, the preview it
    /// replaces, lends what git said if HEAD did not move since: at 3,000
    /// commits `git log` took 180 ms of every full build.
    pub fn build_early(
        options: &BuildOptions,
        last: Option<&Preview>,
        saved: &[PathBuf],
        served: &Files,
        early: &mut dyn FnMut(Early),
    ) -> Result<Preview, Diagnostics> {
        let git = last.and_then(|last| last.git.as_ref());
        let first = |site: &Site| saved_outputs(site, saved);
        let crate::build::Rendered {
            site,
            files,
            warnings,
            templates,
            dates,
            git,
        } = crate::build::render_site_early(options, git, &first, &mut |partial| {
            early(Early::over(served, partial))
        })?;
        let files: Files = files
            .into_iter()
            .map(|f| (f.path, Arc::new(f.bytes)))
            .collect();
        let index = files
            .get(search::INDEX_PATH)
            .and_then(|bytes| search::IndexParts::parse(bytes.to_vec()))
            .expect("every build writes a search index");
        Ok(Preview {
            index,
            templates: Some(templates),
            link_targets: Default::default(),
            dates,
            git,
            site,
            files: Arc::new(files),
            warnings,
            options: options.clone(),
        })
    }

    /// Brings the preview up to date after saves of `changed` (paths
    /// relative to the site root) by rendering only what they show on,
    /// when only the text of existing pages changed. On errors (those a
    /// full build would report for these pages) the preview stays as it
    /// was.
    pub fn update(&mut self, changed: &[PathBuf]) -> Result<Update, Diagnostics> {
        self.update_early(changed, &mut |_| {})
    }

    /// [`Self::update`], handing the saved pages' own outputs to `early`
    /// as soon as they are ready, before the pages listing them are
    /// rendered and the search index is patched. What `early`
    /// gets is provisional: if the rest fails, the update fails and the
    /// preview stays as it was.
    pub fn update_early(
        &mut self,
        changed: &[PathBuf],
        early: &mut dyn FnMut(Early),
    ) -> Result<Update, Diagnostics> {
        // Relative URLs would need the search index's script form patched
        // too (the server never builds them); a new day moves every date.
        let today = match self.options.today {
            Some(today) => Some(today),
            None => crate::calendar::today().ok(),
        };
        if changed.is_empty() || self.site.config.relative_urls || today != Some(self.site.today) {
            return Ok(Update::NeedsFullBuild);
        }
        if changed.iter().all(|p| crate::content::is_page_source(p)) {
            return self.update_pages(changed, early);
        }
        let names: Option<HashSet<String>> = (changed.iter())
            .map(|p| crate::theme::template_name(p, &self.site.config.theme))
            .collect();
        match names {
            Some(names) => self.update_templates(&names),
            None => Ok(Update::NeedsFullBuild),
        }
    }

    /// Whether the "last updated" date of one of `pages` is not the one
    /// the last full build showed. While HEAD has not moved, git's dates
    /// are those that build read; only a file git does not know has a
    /// date of its own (its modification time).
    fn dates_moved(&self, pages: &[Page]) -> bool {
        let (root, today) = (&self.site.root, self.site.today);
        let at_head = (self.git.as_ref())
            .filter(|git| git.at.is_some() && crate::history::head(root) == git.at);
        pages.iter().any(|page| {
            let now = match at_head {
                Some(git) => crate::history::date_from_git(root, &page.source, today, &git.dates),
                None => crate::history::date_of(root, &page.source, today),
            };
            now != self.dates.get(&page.source)
        })
    }

    /// [`Self::update`] for saves of pages only.
    fn update_pages(
        &mut self,
        changed: &[PathBuf],
        early: &mut dyn FnMut(Early),
    ) -> Result<Update, Diagnostics> {
        let Some(pages) = timed("reload", || self.reload(changed))? else {
            return Ok(Update::NeedsFullBuild);
        };
        // The "last updated" date shows on the page and in the sitemap;
        // when a save changes it (a file outside git, first saved today),
        // more than the page changed.
        let dates_moved = timed("dates", || {
            self.site.config.last_updated && self.dates_moved(&pages)
        });
        if dates_moved {
            return Ok(Update::NeedsFullBuild);
        }
        if pages.is_empty() {
            return Ok(Update::Partial(Vec::new())); // drafts the site leaves out
        }
        let selected = self.outputs_showing(&pages);
        let own: HashSet<String> = (pages.iter())
            .map(Page::output)
            .filter(|output| selected.contains(output))
            .collect();
        let replaced: Vec<Page> = pages
            .into_iter()
            .filter_map(|page| self.site.content.replace_page(page))
            .collect();
        let outcome = match self.render_own_first(&selected, &own, early) {
            // A page gained or lost `noindex`: the index and sitemap list
            // other pages now.
            Ok(partial) if !self.same_pages_indexed(&partial) => Ok(None),
            Ok(partial) => Ok(Some(partial)),
            Err(errors) => Err(errors),
        };
        let Ok(Some(partial)) = outcome else {
            // The next build starts from the last good site.
            for page in replaced {
                self.site.content.replace_page(page);
            }
            return outcome.map(|_| Update::NeedsFullBuild);
        };
        self.swap_in(partial);
        let mut rendered: Vec<String> = selected.into_iter().collect();
        rendered.push(search::INDEX_PATH.into());
        rendered.sort();
        Ok(Update::Partial(rendered))
    }

    /// [`Self::update`] for saves of templates only: the theme is read
    /// again, and the pages whose templates use the saved ones are
    /// rendered again. Nothing the globals show changed, but every
    /// template is parsed again, so a syntax error anywhere is reported as
    /// a full build would report it.
    fn update_templates(&mut self, names: &HashSet<String>) -> Result<Update, Diagnostics> {
        let renderer = timed("templates", || Renderer::new(&self.site))?;
        let partial = timed("render", || renderer.render_using(names, &self.dates))?;
        let templates = renderer.into_templates();
        if !self.same_pages_indexed(&partial) {
            return Ok(Update::NeedsFullBuild);
        }
        let mut rendered: Vec<String> = partial.files.iter().map(|f| f.path.clone()).collect();
        rendered.push(search::INDEX_PATH.into());
        rendered.sort();
        self.swap_in(partial);
        self.templates = Some(templates);
        Ok(Update::Partial(rendered))
    }

    /// Reads the saved pages again; `None` when any changed shape.
    fn reload(&self, changed: &[PathBuf]) -> Result<Option<Vec<Page>>, Diagnostics> {
        let site = &self.site;
        let base_path = site.config.base_path();
        let options = ContentOptions {
            base_path: &base_path,
            drafts: self.options.drafts,
            raw_html: site.config.raw_html,
            today: site.today,
        };
        let mut pages = Vec::new();
        let mut errors = Vec::new();
        for source in changed {
            let targets = (self.link_targets).get_or_init(|| site.content.link_targets());
            match site
                .content
                .reload_page(&site.root, source, &options, targets)
            {
                Ok(Reloaded::SameShape { page, file }) => {
                    // As `Site::load` checks every page's shortcodes.
                    for call in &page.shortcodes {
                        shortcode::check_references(call, &site.model, &file, &mut errors);
                    }
                    pages.push(*page);
                }
                Ok(Reloaded::ShapeChanged) => return Ok(None),
                Ok(Reloaded::Unpublished) => {}
                Err(page_errors) => errors.extend(page_errors),
            }
        }
        if errors.is_empty() {
            Ok(Some(pages))
        } else {
            let mut errors = Diagnostics(errors);
            errors.sort();
            Err(errors)
        }
    }

    /// The outputs whose contexts hold what changed in `pages` (read
    /// again, not yet swapped in); see [`crate::rebuild::outputs_showing`].
    fn outputs_showing(&self, pages: &[Page]) -> HashSet<String> {
        let content = &self.site.content;
        let mut outputs = HashSet::new();
        for new in pages {
            let Some(old) = content.all_pages().find(|p| p.source == new.source) else {
                continue;
            };
            let summary = old.summary != new.summary || old.description != new.description;
            crate::rebuild::outputs_showing(new, summary, content, &mut outputs);
        }
        outputs
    }

    /// Renders `selected` again, the saved pages' own outputs (`own`)
    /// first: those go to `early` as soon as they are ready, with the rest
    /// of the site as it was.
    fn render_own_first(
        &mut self,
        selected: &HashSet<String>,
        own: &HashSet<String>,
        early: &mut dyn FnMut(Early),
    ) -> Result<Partial, Diagnostics> {
        if own.is_empty() {
            return self.render(selected);
        }
        let first = self.render(own)?;
        if !self.same_pages_indexed(&first) {
            return Ok(first); // a full build follows; nothing to show early
        }
        let early_files = Partial {
            files: first.files.clone(),
            entries: Vec::new(),
        };
        // Even with nothing else to render, the search index is still to
        // patch (about 20 ms at 10,000 pages).
        early(Early::over(&self.files, early_files));
        let rest: HashSet<String> = selected.difference(own).cloned().collect();
        if rest.is_empty() {
            return Ok(first);
        }
        Ok(first.merge(self.render(&rest)?))
    }

    /// Renders `selected` again.
    fn render(&mut self, selected: &HashSet<String>) -> Result<Partial, Diagnostics> {
        let renderer = match self.templates.take() {
            Some(templates) => Renderer::with_templates(&self.site, templates),
            None => Renderer::new(&self.site)?,
        };
        let partial = timed("render", || renderer.render_selected(selected, &self.dates));
        self.templates = Some(renderer.into_templates());
        partial
    }

    fn same_pages_indexed(&self, partial: &Partial) -> bool {
        let base_path = self.site.config.base_path();
        crate::rebuild::same_pages_indexed(partial, &self.index, &base_path)
    }

    /// A copy of the files with the rendered ones and the patched search
    /// index in place: requests in flight keep the map they started with.
    fn swap_in(&mut self, partial: Partial) {
        for (_, entry) in &partial.entries {
            self.index.replace(entry);
        }
        let mut files = (*self.files).clone();
        let index = self.index.file();
        for file in partial.files.into_iter().chain([index]) {
            files.insert(file.path, Arc::new(file.bytes));
        }
        self.files = Arc::new(files);
    }
}
