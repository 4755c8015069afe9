//! What templates see. The shape of these values is the theme contract,
//! documented in `docs/themes.md`; change it only with that document.

use serde::Serialize;
use tera::{Context, Tera, Value};

use std::collections::{BTreeMap, HashMap};

use crate::calendar::Date;
use crate::content::shortcode::Call;
use crate::content::{Page, Section};
use crate::history::LastUpdated;
use crate::model::{Candidate, Coverage, DissentStats, Model, PersonRef};
use crate::site::Site;
use crate::theme::Theme;

use super::sharing::Sharing;

/// Makes a job's own part of its context.
type Fill<'a> = Box<dyn Fn(&mut Context) + Send + Sync + 'a>;

/// One file to render: its template, output path and URL, and how to make
/// its context. The context is made only when the file renders, on a rayon
/// worker, and dropped right after: a build never holds every page's
/// context at once (at 10,000 pages that was most of its peak memory).
pub struct Job<'a> {
    pub template: String,
    pub path: String,
    url: String,
    fill: Fill<'a>,
    /// Shortcodes whose placeholders appear in the page's Markdown.
    pub shortcodes: &'a [Call],
    /// Whether its context takes candidates' values from [`Shared`],
    /// which holds none until the `model` global is installed. (Every
    /// job's path is known without them: links are checked against all.)
    pub takes_candidates: bool,
    /// Whether it shows every page's summary (the home and search pages):
    /// megabytes of values at 10,000 pages while it renders. A full render
    /// renders these on their own once the handbook's pages are rendered
    /// and their bodies freed ([`super::Renderer::release_bodies`]), and
    /// before the candidates' pages add their search entries: where the
    /// build holds least.
    pub shows_every_page: bool,
}

impl Job<'_> {
    /// The full context: the job's own values, plus the current URL and
    /// navigation every page has.
    pub fn context(&self, shared: &Shared) -> Context {
        let mut context = Context::new();
        context.insert("current_url", &self.url);
        (self.fill)(&mut context);
        shared.insert_navigation(&mut context, &self.url);
        context
    }
}

#[derive(Serialize)]
struct Link {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct NavSection {
    key: String,
    title: String,
    url: String,
    pages: Vec<Link>,
}

/// The section being read, as its navigation shows it: for a long section,
/// only the pages around the current one, so that a page's size does not
/// grow with the size of its section.
#[derive(Serialize)]
struct CurrentNav<'a> {
    key: &'a str,
    /// Its place in `site.nav`.
    index: usize,
    title: &'a str,
    url: &'a str,
    /// Links made once per section and shared by its pages' contexts.
    pages: &'a [Value],
    /// Pages in the whole section; more than `pages` holds when windowed.
    total: usize,
}

/// Pages listed around the current one in a long section's navigation.
const NAV_WINDOW: usize = 25;

/// A top-level section's navigation, made once per render.
struct SectionNav<'a> {
    section: &'a Section,
    /// Its pages' links, in reading order.
    links: Vec<Value>,
    /// Index into `links` by page URL (the first, if a URL repeats).
    position: HashMap<&'a str, usize>,
}

impl<'a> SectionNav<'a> {
    fn new(site: &'a Site, section: &'a Section) -> Self {
        let pages = || section.pages.iter().map(|&i| &site.content.pages[i]);
        let mut position = HashMap::with_capacity(section.pages.len());
        for (n, page) in pages().enumerate() {
            position.entry(page.url.as_str()).or_insert(n);
        }
        SectionNav {
            section,
            links: pages()
                .map(|p| Value::from_serializable(&link(p)))
                .collect(),
            position,
        }
    }

    /// `index` is the section's place in `site.nav`.
    fn current(&self, current_url: &str, index: usize) -> CurrentNav<'_> {
        let all = &self.links;
        let at = self.position.get(current_url).copied().unwrap_or(0);
        let start = at.saturating_sub(NAV_WINDOW);
        let end = (at + NAV_WINDOW + 1).min(all.len());
        CurrentNav {
            key: &self.section.key,
            index,
            title: &self.section.title,
            url: &self.section.url,
            pages: &all[start..end],
            total: all.len(),
        }
    }
}

fn link(page: &Page) -> Link {
    Link {
        title: page.title.clone(),
        url: page.url.clone(),
    }
}

/// What many jobs' contexts draw on, made once per render. Its values are
/// Tera `Value`s, whose lists and maps are reference-counted: inserting
/// one into a context (directly, or inside a serialized struct) shares it
/// instead of serializing it again.
pub struct Shared<'a> {
    pub site: &'a Site,
    pub base: String,
    dates: LastUpdated,
    /// Each candidate as templates see it, in `model.candidates` order.
    candidates: &'a [Value],
    /// Top-level sections' navigation, by key.
    /// Made when a page of the section first renders, so that a partial
    /// rebuild makes only the navigation it shows.
    /// Each with its place in `site.nav`.
    nav: HashMap<&'a str, (usize, std::sync::OnceLock<SectionNav<'a>>)>,
    /// [`top_sections`] between the two jobs that show it.
    top_sections: std::sync::Mutex<Option<Value>>,
    /// Whether each page's body is freed once its page is rendered
    /// ([`super::Renderer::release_bodies`]).
    release_bodies: bool,
}

impl<'a> Shared<'a> {
    /// `candidates` are the values of [`install_model`] (none before it
    /// ran); `dates` the site's last-updated dates
    /// ([`crate::history::for_site`]).
    pub fn new(site: &'a Site, candidates: &'a [Value], dates: LastUpdated) -> Self {
        let content = &site.content;
        let nav = content.sections[""]
            .subsections
            .iter()
            .enumerate()
            .map(|(index, key)| (key.as_str(), (index, std::sync::OnceLock::new())))
            .collect();
        Shared {
            site,
            base: site.config.base_path(),
            dates,
            candidates,
            nav,
            top_sections: Default::default(),
            release_bodies: false,
        }
    }

    /// With each page's body freed once its page is rendered, when
    /// `release` (a full render of a site rendered only once).
    pub fn releasing_bodies(self, release: bool) -> Self {
        Shared {
            release_bodies: release,
            ..self
        }
    }

    /// The last-updated dates the pages show.
    pub fn dates(&self) -> &LastUpdated {
        &self.dates
    }

    /// The candidate with this id, as templates see it.
    pub fn candidate(&self, id: &str) -> Option<Value> {
        let list = &self.site.model.candidates;
        let i = list.binary_search_by(|c| c.id.as_str().cmp(id)).ok()?;
        self.candidates.get(i).cloned()
    }

    /// Candidates by id, in the order of `ids`.
    pub fn pick(&self, ids: &[String]) -> Vec<Value> {
        ids.iter().filter_map(|id| self.candidate(id)).collect()
    }

    /// The same candidates, as templates see them.
    pub fn values(&self, candidates: &[&Candidate]) -> Vec<Value> {
        candidates
            .iter()
            .filter_map(|c| self.candidate(&c.id))
            .collect()
    }

    /// `current_section` and `current_nav`: the top-level section `url` is
    /// in, so the navigation can expand it with one comparison per section
    /// instead of a prefix test.
    fn insert_navigation(&self, context: &mut Context, url: &str) {
        let key = url
            .strip_prefix(self.base.as_str())
            .and_then(|rest| rest.split('/').next())
            .unwrap_or("");
        let key = if self.site.content.sections.contains_key(key) {
            key
        } else {
            ""
        };
        context.insert("current_section", key);
        let nav = self.nav.get(key).map(|(index, nav)| {
            nav.get_or_init(|| SectionNav::new(self.site, &self.site.content.sections[key]))
                .current(url, *index)
        });
        context.insert("current_nav", &nav);
    }
}

#[derive(Serialize)]
struct Counts {
    candidates: usize,
    people: usize,
    needs_checkin: usize,
    overdue: usize,
    disagreements: usize,
    undemoed: usize,
    pages_due_for_review: usize,
}

#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    description: &'a str,
    base_url: &'a str,
    base_path: String,
    today: String,
    today_human: String,
    generator: String,
    nav: Vec<NavSection>,
    counts: Counts,
    checkin_due_days: u32,
    /// Static file path (`style.css`) to its published URL, fingerprinted
    /// when `fingerprint` is on.
    assets: BTreeMap<String, String>,
    /// The Atom feed of demos and check-ins.
    feed_url: String,
    sitemap_url: String,
    /// The search page (the search form's target; lists every page
    /// without JavaScript).
    search_url: String,
    search_index_url: String,
    repository_url: Option<&'a str>,
}

#[derive(Serialize)]
struct PageView<'a> {
    #[serde(flatten)]
    page: &'a Page,
    owner_person: Option<PersonRef>,
    /// ISO date of the source file's last commit (or modification), null
    /// when unknown or `last_updated = false`.
    last_updated: Option<String>,
    last_updated_human: Option<String>,
    /// "Edit this page" link, when `repository_url` or `edit_url` is set.
    edit_url: Option<String>,
}

#[derive(Serialize)]
struct PageSummary<'a> {
    title: &'a str,
    url: &'a str,
    summary: &'a str,
    description: Option<&'a str>,
    due_for_review: bool,
    owner_person: Option<PersonRef>,
}

#[derive(Serialize)]
struct SectionView<'a> {
    key: &'a str,
    title: &'a str,
    url: &'a str,
    index: Option<PageView<'a>>,
    pages: Vec<PageSummary<'a>>,
    subsections: Vec<Link>,
}

/// The top-level sections with their pages, in reading order.
fn navigation(site: &Site) -> Vec<NavSection> {
    let content = &site.content;
    content.sections[""]
        .subsections
        .iter()
        .map(|key| {
            let s = &content.sections[key];
            NavSection {
                key: key.clone(),
                title: s.title.clone(),
                url: s.url.clone(),
                pages: s
                    .pages
                    .iter()
                    .map(|&i| Link {
                        title: content.pages[i].title.clone(),
                        url: content.pages[i].url.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Puts `site` and `matrix` in every template's reach.
pub fn install_globals(tera: &mut Tera, site: &Site, theme: &Theme) {
    let globals = tera.global_context();
    globals.insert("site", &site_view(site, theme));
    globals.insert("matrix", &site.config.matrix);
}

/// Puts `model` in every template's reach, and returns each candidate's
/// value (from `model`, shared) for [`Shared::new`]. Apart from the other
/// globals: at 10,000 candidates it takes a third of a second, which a
/// partial rebuild of handbook pages can often skip.
pub fn install_model(tera: &mut Tera, site: &Site) -> Vec<Value> {
    let model = ModelValue::new(&site.model);
    let candidates = model.candidates.clone();
    tera.global_context().insert("model", &model);
    candidates
}

/// [`Model`] as templates see it: the same fields in the same order (a
/// test holds them to it), its lists of records made one record at a time
/// with what they repeat shared ([`Sharing`]): at 10,000 candidates, the
/// whole model serialized at once was 120 MB, about half of it copies.
#[derive(Serialize)]
struct ModelValue<'a> {
    today: &'a Date,
    people: Vec<Value>,
    candidates: Vec<Value>,
    priority: &'a [String],
    unplaced: &'a [String],
    disagreements: &'a [String],
    checkins: Vec<Value>,
    demos: Vec<Value>,
    coverage: &'a Coverage,
    dissent: &'a DissentStats,
    tags: &'a BTreeMap<String, Vec<String>>,
}

impl<'a> ModelValue<'a> {
    fn new(model: &'a Model) -> Self {
        let mut sharing = Sharing::default();
        // Check-ins and demos first: each candidate repeats its own.
        let checkins = sharing.values(&model.checkins);
        let demos = sharing.values(&model.demos);
        let people = sharing.values(&model.people);
        ModelValue {
            today: &model.today,
            people,
            candidates: shared_in_parallel(&sharing, &model.candidates),
            priority: &model.priority,
            unplaced: &model.unplaced,
            disagreements: &model.disagreements,
            checkins,
            demos,
            coverage: &model.coverage,
            dissent: &model.dissent,
            tags: &model.tags,
        }
    }
}

/// `records` as templates see them, shared with what `sharing` met and
/// with each other, made on every core: the candidates are most of the
/// model, and this stage runs before any page can render. Each thread
/// shares within its own run of records only, which leaves a few repeats
/// (matrix points, quadrants) unshared between runs.
fn shared_in_parallel<T: Serialize + Sync>(sharing: &Sharing, records: &[T]) -> Vec<Value> {
    use rayon::prelude::*;
    let runs = rayon::current_num_threads().max(1);
    let run = records.len().div_ceil(runs).max(1);
    (records.par_chunks(run))
        .flat_map_iter(|run| sharing.clone().values(run))
        .collect()
}

fn site_view<'a>(site: &'a Site, theme: &Theme) -> SiteView<'a> {
    let content = &site.content;
    let nav = navigation(site);
    let model = &site.model;
    let base = site.config.base_path();
    SiteView {
        assets: super::assets::urls(&theme.statics, &base, site.config.fingerprint),
        feed_url: format!("{base}{}", super::feeds::FEED_PATH),
        sitemap_url: format!("{base}{}", super::feeds::SITEMAP_PATH),
        search_url: format!("{base}{}", super::search::PAGE_URL_PATH),
        search_index_url: format!("{base}{}", super::search::INDEX_PATH),
        repository_url: site.config.repository_url.as_deref(),
        title: &site.config.title,
        description: &site.config.description,
        base_url: &site.config.base_url,
        base_path: site.config.base_path(),
        today: site.today.to_string(),
        today_human: site.today.human(),
        generator: format!("Tandem {}", env!("CARGO_PKG_VERSION")),
        nav,
        checkin_due_days: site.config.checkins.due_within_days,
        counts: Counts {
            candidates: model.candidates.len(),
            people: model.people.len(),
            needs_checkin: model.coverage.needs_checkin.len(),
            overdue: model.coverage.overdue.len(),
            disagreements: model.disagreements.len(),
            undemoed: model.coverage.undemoed_shipped.len(),
            pages_due_for_review: content.all_pages().filter(|p| p.due_for_review).count(),
        },
    }
}

fn owner(site: &Site, page: &Page) -> Option<PersonRef> {
    let id = page.owner.as_ref()?;
    site.model
        .people
        .iter()
        .find(|p| p.id == id.value)
        .map(|p| PersonRef {
            id: p.id.clone(),
            name: p.name.clone(),
            role: p.role,
        })
}

fn page_view<'a>(site: &Site, page: &'a Page, dates: &LastUpdated) -> PageView<'a> {
    // Only what a partial rebuild does not render may come from the page
    // cache, which has no HTML (see `content::cache`).
    assert!(!page.restored, "{} has no HTML", page.source.display());
    let date = dates.get(&page.source);
    PageView {
        page,
        owner_person: owner(site, page),
        last_updated: date.map(|d| d.to_string()),
        last_updated_human: date.map(|d| d.human()),
        edit_url: site.config.edit_link(&page.source),
    }
}

fn summary<'a>(site: &Site, page: &'a Page) -> PageSummary<'a> {
    PageSummary {
        title: &page.title,
        url: &page.url,
        summary: &page.summary,
        description: page.description.as_deref(),
        due_for_review: page.due_for_review,
        owner_person: owner(site, page),
    }
}

fn section_view<'a>(site: &'a Site, section: &'a Section, dates: &LastUpdated) -> SectionView<'a> {
    let content = &site.content;
    SectionView {
        key: &section.key,
        title: &section.title,
        url: &section.url,
        index: section.index.as_ref().map(|p| page_view(site, p, dates)),
        pages: section
            .pages
            .iter()
            .map(|&i| summary(site, &content.pages[i]))
            .collect(),
        subsections: section
            .subsections
            .iter()
            .map(|k| Link {
                title: content.sections[k].title.clone(),
                url: content.sections[k].url.clone(),
            })
            .collect(),
    }
}

/// Sections from the root down to (not including) `key`, for breadcrumbs.
fn ancestors(site: &Site, key: &str, include_self: bool) -> Vec<Link> {
    let mut keys = vec![String::new()];
    let mut acc = String::new();
    for part in key.split('/').filter(|p| !p.is_empty()) {
        if !acc.is_empty() {
            acc.push('/');
        }
        acc.push_str(part);
        keys.push(acc.clone());
    }
    if !include_self {
        keys.pop();
    }
    let root_title = "Home".to_string();
    keys.iter()
        .map(|k| {
            let s = &site.content.sections[k];
            Link {
                title: if k.is_empty() {
                    root_title.clone()
                } else {
                    s.title.clone()
                },
                url: s.url.clone(),
            }
        })
        .collect()
}

/// A job whose context `fill` makes when the file renders.
pub fn job<'a>(
    template: impl Into<String>,
    path: String,
    current_url: &str,
    fill: impl Fn(&mut Context) + Send + Sync + 'a,
) -> Job<'a> {
    Job {
        template: template.into(),
        path,
        url: current_url.to_string(),
        fill: Box::new(fill),
        shortcodes: &[],
        takes_candidates: true,
        shows_every_page: false,
    }
}

impl<'a> Job<'a> {
    /// Gives the job the shortcodes of the page it renders.
    fn with_shortcodes(mut self, page: Option<&'a Page>) -> Self {
        if let Some(page) = page {
            self.shortcodes = &page.shortcodes;
        }
        self
    }

    /// Marks a job that shows every page's summary.
    fn showing_every_page(mut self) -> Self {
        self.shows_every_page = true;
        self
    }

    /// Marks a job whose context takes nothing from the candidates'
    /// values (the default assumes it might).
    fn without_candidates(mut self) -> Self {
        self.takes_candidates = false;
        self
    }
}

/// Every page of the site, with how to make its context.
pub fn jobs<'a>(shared: &'a Shared<'a>) -> Vec<Job<'a>> {
    let site = shared.site;
    let content = &site.content;
    let mut jobs = Vec::new();
    for section in content.sections.values().filter(|s| !s.key.is_empty()) {
        jobs.push(section_job(shared, section));
        jobs.extend(section_page_jobs(shared, section));
    }
    jobs.extend(root_page_jobs(shared));
    // The two pages listing every page right after the handbook's pages
    // (see `Job::shows_every_page`), before the candidates' pages, whose
    // search entries would be held beside them.
    jobs.extend([index_job(shared), search_job(shared)]);
    // The pages listing every candidate take 20 to 220 ms each at 10,000
    // candidates (0.9 s in all), a candidate's own page under 1 ms. First:
    // while one core renders them the other renders candidates' pages,
    // and the pass ends on small jobs. Last, they were one core's work
    // at the end of the pass, with the other idle.
    jobs.push(features_job(shared));
    jobs.extend(super::dashboards::jobs(shared));
    jobs.extend(candidate_jobs(shared, &|_| true));
    jobs.extend([people_job(shared), not_found_job()]);
    jobs
}

/// `jobs` in the order a full render renders them: the jobs before those
/// showing every page, those, then the rest, each pass done before the
/// next begins.
pub fn passes<'j, 'a>(jobs: &'j [Job<'a>]) -> [&'j [Job<'a>]; 3] {
    let start = (jobs.iter().position(|j| j.shows_every_page)).unwrap_or(jobs.len());
    let end = start
        + (jobs[start..].iter())
            .take_while(|j| j.shows_every_page)
            .count();
    [&jobs[..start], &jobs[start..end], &jobs[end..]]
}

/// The handbook's jobs (home page, sections, pages, search page) whose
/// output path `wanted` accepts. Making a job costs allocations; a partial
/// rebuild at 10,000 pages makes the few it renders, not all of them.
pub fn handbook_jobs<'a>(shared: &'a Shared<'a>, wanted: &dyn Fn(&str) -> bool) -> Vec<Job<'a>> {
    let content = &shared.site.content;
    let mut jobs = Vec::new();
    if wanted("index.html") {
        jobs.push(index_job(shared));
    }
    for section in content.sections.values() {
        let pages = || section.pages.iter().map(|&i| &content.pages[i]);
        if !wanted(&section.output()) && !pages().any(|p| wanted(&p.output())) {
            continue;
        }
        if section.key.is_empty() {
            jobs.extend(root_page_jobs(shared));
        } else {
            jobs.push(section_job(shared, section));
            jobs.extend(section_page_jobs(shared, section));
        }
    }
    if wanted(&super::search::page_output()) {
        jobs.push(search_job(shared));
    }
    jobs.retain(|job| wanted(&job.path));
    jobs
}

/// The top-level sections with every page's summary, which the home and
/// search pages both show: made once for both, and let go by the second
/// (the two jobs render at the same time, and each had made its own).
fn top_sections(shared: &Shared) -> Value {
    let mut slot = (shared.top_sections.lock()).unwrap_or_else(std::sync::PoisonError::into_inner);
    match slot.take() {
        Some(value) => value,
        None => {
            let value = make_top_sections(shared);
            *slot = Some(value.clone());
            value
        }
    }
}

/// The top-level sections with their pages' summaries, as the home page
/// and the search page list them. Their repeated parts (the owners) are
/// one value each ([`Sharing`]): the pass rendering those two pages is
/// where a build of 10,000 pages peaks, and the owners' copies were 5 MiB
/// of that peak.
fn make_top_sections(shared: &Shared) -> Value {
    let content = &shared.site.content;
    let top: Vec<SectionView> = content.sections[""]
        .subsections
        .iter()
        .map(|k| section_view(shared.site, &content.sections[k], &shared.dates))
        .collect();
    Value::from(Sharing::default().values(&top))
}

fn index_job<'a>(shared: &'a Shared<'a>) -> Job<'a> {
    let site = shared.site;
    let root = &site.content.sections[""];
    job("index.html", "index.html".into(), &shared.base, move |c| {
        c.insert("section", &section_view(site, root, &shared.dates));
        c.insert_value("sections", top_sections(shared));
        c.insert("top_priorities", &top_priorities(shared));
    })
    .with_shortcodes(root.index.as_ref())
    .showing_every_page()
}

fn top_priorities(shared: &Shared) -> Vec<Value> {
    let priority = &shared.site.model.priority;
    shared.pick(&priority[..priority.len().min(5)])
}

fn section_job<'a>(shared: &'a Shared<'a>, section: &'a Section) -> Job<'a> {
    let site = shared.site;
    job("section.html", section.output(), &section.url, move |c| {
        c.insert("section", &section_view(site, section, &shared.dates));
        c.insert("ancestors", &ancestors(site, &section.key, false));
    })
    .with_shortcodes(section.index.as_ref())
    .without_candidates()
}

/// The pages of `section`. What they have in common (their section's link
/// and the breadcrumbs) is made once and shared.
fn section_page_jobs<'a>(
    shared: &'a Shared<'a>,
    section: &'a Section,
) -> impl Iterator<Item = Job<'a>> + 'a {
    let pages = &shared.site.content.pages;
    let section_link = Value::from_serializable(&Link {
        title: section.title.clone(),
        url: section.url.clone(),
    });
    let crumbs = Value::from_serializable(&ancestors(shared.site, &section.key, true));
    section.pages.iter().enumerate().map(move |(n, &i)| {
        let neighbour = |j: Option<usize>| {
            j.and_then(|j| section.pages.get(j))
                .map(|&k| link(&pages[k]))
        };
        let around = [neighbour(n.checked_sub(1)), neighbour(Some(n + 1))];
        page_job(
            shared,
            &pages[i],
            section_link.clone(),
            crumbs.clone(),
            around,
        )
    })
}

/// Pages directly in content/ (not in a folder): they belong to the root,
/// and have no previous or next page.
fn root_page_jobs<'a>(shared: &'a Shared<'a>) -> impl Iterator<Item = Job<'a>> + 'a {
    let site = shared.site;
    let root = &site.content.sections[""];
    let section_link = Value::from_serializable(&Link {
        title: "Home".into(),
        url: root.url.clone(),
    });
    let crumbs = Value::from_serializable(&ancestors(site, "", true));
    root.pages.iter().map(move |&i| {
        let page = &site.content.pages[i];
        page_job(
            shared,
            page,
            section_link.clone(),
            crumbs.clone(),
            [None, None],
        )
    })
}

/// A handbook page, with its section's link, breadcrumbs and previous and
/// next pages.
fn page_job<'a>(
    shared: &'a Shared<'a>,
    page: &'a Page,
    section_link: Value,
    crumbs: Value,
    [previous, next]: [Option<Link>; 2],
) -> Job<'a> {
    job("page.html", page.output(), &page.url, move |c| {
        c.insert("page", &page_view(shared.site, page, &shared.dates));
        // In the context now, and no other output shows it (a section's
        // intro is not a page of its own).
        if shared.release_bodies {
            page.html.release();
        }
        c.insert_value("section", section_link.clone());
        c.insert_value("ancestors", crumbs.clone());
        c.insert("previous", &previous);
        c.insert("next", &next);
    })
    .with_shortcodes(Some(page))
    .without_candidates()
}

/// The pages of the candidates whose output paths `wanted` accepts.
pub fn candidate_jobs<'a>(shared: &'a Shared<'a>, wanted: &dyn Fn(&str) -> bool) -> Vec<Job<'a>> {
    let model = &shared.site.model;
    let mut jobs = Vec::new();
    // Every candidate's job, values or not: the outputs links are checked
    // against come from these jobs' paths, also before `model` exists.
    for (i, candidate) in model.candidates.iter().enumerate() {
        let path = candidate_output(&candidate.id);
        if wanted(&path) {
            let value = shared.candidates.get(i);
            jobs.push(job("feature.html", path, &candidate.url, move |c| {
                if let Some(value) = value {
                    c.insert_value("candidate", value.clone());
                }
            }));
        }
    }
    jobs
}

/// The file a candidate's page renders to, below the output folder.
pub fn candidate_output(id: &str) -> String {
    format!("{}index.html", crate::model::candidate_path(id))
}

/// The list of every candidate by status.
fn features_job<'a>(shared: &'a Shared<'a>) -> Job<'a> {
    job(
        "features.html",
        "features/index.html".into(),
        &format!("{}features/", shared.base),
        move |c| c.insert("groups", &status_groups(shared)),
    )
}

fn people_job<'a>(shared: &'a Shared<'a>) -> Job<'a> {
    job(
        "people.html",
        "people/index.html".into(),
        &format!("{}people/", shared.base),
        |_| {},
    )
}

/// The page a host serves for a URL the site does not have.
fn not_found_job<'a>() -> Job<'a> {
    job("404.html", "404.html".into(), "", |_| {})
}

fn search_job<'a>(shared: &'a Shared<'a>) -> Job<'a> {
    job(
        "search.html",
        super::search::page_output(),
        &format!("{}{}", shared.base, super::search::PAGE_URL_PATH),
        move |c| c.insert_value("sections", top_sections(shared)),
    )
    .showing_every_page()
}

#[derive(Serialize)]
struct StatusGroup {
    status: crate::data::Status,
    label: &'static str,
    candidates: Vec<Value>,
}

/// Candidates grouped by status in lifecycle order, each group in priority
/// order (unplaced candidates last, by id).
fn status_groups(shared: &Shared) -> Vec<StatusGroup> {
    use crate::data::reader::Choice;
    let model = &shared.site.model;
    crate::data::Status::ALL
        .iter()
        .map(|(_, status)| {
            let mut candidates: Vec<(&Candidate, &Value)> = model
                .candidates
                .iter()
                .zip(shared.candidates)
                .filter(|(c, _)| c.status == *status)
                .collect();
            candidates.sort_by_key(|(c, _)| (c.priority.unwrap_or(usize::MAX), c.id.as_str()));
            StatusGroup {
                status: *status,
                label: status.label(),
                candidates: candidates.into_iter().map(|(_, v)| v.clone()).collect(),
            }
        })
        .filter(|g| !g.candidates.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The home and search pages, which show every page's summary, are
    /// rendered on their own after the handbook's pages and before the
    /// candidates' (see `Job::shows_every_page`).
    #[test]
    fn the_pages_listing_every_page_render_between_handbook_and_candidates() {
        let site = crate::site::load_example();
        let shared = Shared::new(&site, &[], crate::history::for_site(&site));
        let jobs = jobs(&shared);
        let listing: Vec<&str> = (jobs.iter())
            .filter(|j| j.shows_every_page)
            .map(|j| j.path.as_str())
            .collect();
        assert_eq!(
            listing,
            ["index.html", super::super::search::page_output().as_str()]
        );
        let [before, listed, after] = passes(&jobs);
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|j| j.shows_every_page));
        let handbook = |j: &Job| j.template == "page.html" || j.template == "section.html";
        assert!(!before.is_empty() && before.iter().all(handbook));
        assert!(after.iter().any(|j| j.template == "feature.html"));
        assert!(!after.iter().any(handbook));
    }

    /// The home and search pages list every page with its owner: a
    /// person owning many pages is one value there, not a copy each (5 MiB
    /// of the peak of a build of 10,000 pages).
    #[test]
    fn the_list_of_every_page_holds_each_owner_once() {
        let site = crate::site::load_example();
        let shared = Shared::new(&site, &[], crate::history::for_site(&site));
        let sections = make_top_sections(&shared);
        fn field(value: &Value, name: &'static str) -> Value {
            let map = value.as_map().expect("a map");
            map.get(&tera::value::Key::from(name)).expect(name).clone()
        }
        let mut owners: HashMap<String, Vec<Value>> = HashMap::new();
        for section in sections.as_array().expect("a list") {
            for page in field(section, "pages").as_array().expect("a list") {
                let owner = field(page, "owner_person");
                if owner.as_map().is_some() {
                    let id = field(&owner, "id").as_str().expect("an id").to_string();
                    owners.entry(id).or_default().push(owner);
                }
            }
        }
        let repeated: Vec<&Vec<Value>> = owners.values().filter(|o| o.len() > 1).collect();
        assert!(!repeated.is_empty(), "the example has people owning pages");
        for values in repeated {
            let first = values[0].as_map().expect("a map");
            assert!(values
                .iter()
                .all(|v| std::ptr::eq(v.as_map().unwrap(), first)));
        }
    }

    /// The pages listing every candidate (the features list, the
    /// dashboards, This week) come before the candidates' own pages, which
    /// fill in around them: one of them last would leave a core idle.
    #[test]
    fn the_pages_listing_every_candidate_render_before_the_candidates_pages() {
        let site = crate::site::load_example();
        let shared = Shared::new(&site, &[], crate::history::for_site(&site));
        let jobs = jobs(&shared);
        let [_, _, after] = passes(&jobs);
        let templates: Vec<&str> = after.iter().map(|j| j.template.as_str()).collect();
        let first_candidate = (templates.iter())
            .position(|&t| t == "feature.html")
            .expect("candidate pages");
        let listing =
            |t: &str| t == "features.html" || t == "this-week.html" || t.starts_with("dashboards/");
        let listings: Vec<usize> = (templates.iter().enumerate())
            .filter(|(_, t)| listing(t))
            .map(|(i, _)| i)
            .collect();
        assert!(listings.len() >= 8, "{templates:?}");
        assert!(
            listings.iter().all(|&i| i < first_candidate),
            "{templates:?}"
        );
        // Nothing lost in the reordering: the people and 404 pages still come.
        assert!(templates.contains(&"people.html") && templates.contains(&"404.html"));
    }

    /// The `model` global is the derived model, field for field and in the
    /// same order, however its parts are made.
    #[test]
    fn model_global_is_the_model() {
        let site = crate::site::load_example();
        let json = |value: Value| serde_json::to_string(&value).unwrap();
        assert_eq!(
            json(Value::from_serializable(&ModelValue::new(&site.model))),
            json(Value::from_serializable(&site.model)),
        );
    }
}
