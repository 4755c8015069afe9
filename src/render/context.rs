//! What templates see. The shape of these values is the theme contract,
//! documented in `docs/themes.md`; change it only with that document.

use serde::Serialize;
use tera::{Context, Tera};

use std::collections::BTreeMap;

use crate::content::shortcode::Call;
use crate::content::{Page, Section};
use crate::history::LastUpdated;
use crate::model::{Candidate, PersonRef};
use crate::site::Site;
use crate::theme::Theme;

/// One file to render: its template, context and output path.
pub struct Job {
    pub template: String,
    pub context: Context,
    pub path: String,
    /// Shortcodes whose placeholders appear in the page's Markdown.
    pub shortcodes: Vec<Call>,
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
    title: &'a str,
    url: &'a str,
    pages: &'a [Link],
    /// Pages in the whole section; more than `pages` holds when windowed.
    total: usize,
}

/// Pages listed around the current one in a long section's navigation.
const NAV_WINDOW: usize = 25;

fn current_nav<'a>(section: &'a NavSection, current_url: &str) -> CurrentNav<'a> {
    let all = &section.pages;
    let at = all.iter().position(|p| p.url == current_url).unwrap_or(0);
    let start = at.saturating_sub(NAV_WINDOW);
    let end = (at + NAV_WINDOW + 1).min(all.len());
    CurrentNav {
        key: &section.key,
        title: &section.title,
        url: &section.url,
        pages: &all[start..end],
        total: all.len(),
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

pub fn install_globals(tera: &mut Tera, site: &Site, theme: &Theme) {
    let globals = tera.global_context();
    globals.insert("site", &site_view(site, theme));
    globals.insert("model", &site.model);
    globals.insert("matrix", &site.config.matrix);
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

pub fn job(
    template: &str,
    path: String,
    current_url: &str,
    fill: impl FnOnce(&mut Context),
) -> Job {
    let mut context = Context::new();
    context.insert("current_url", current_url);
    fill(&mut context);
    Job {
        template: template.to_string(),
        context,
        path,
        shortcodes: Vec::new(),
    }
}

/// Gives the last job the shortcodes of the page it renders.
fn attach_shortcodes(jobs: &mut [Job], page: Option<&Page>) {
    if let (Some(job), Some(page)) = (jobs.last_mut(), page) {
        job.shortcodes = page.shortcodes.clone();
    }
}

/// Every page of the site with its context.
pub fn jobs(site: &Site) -> Vec<Job> {
    let base = site.config.base_path();
    let content = &site.content;
    let model = &site.model;
    let mut jobs = Vec::new();
    let dates = crate::history::for_site(site);

    let top: Vec<SectionView> = content.sections[""]
        .subsections
        .iter()
        .map(|k| section_view(site, &content.sections[k], &dates))
        .collect();
    let top_priorities: Vec<&Candidate> = model
        .priority
        .iter()
        .take(5)
        .filter_map(|id| model.candidate(id))
        .collect();
    jobs.push(job("index.html", "index.html".into(), &base, |c| {
        c.insert(
            "section",
            &section_view(site, &content.sections[""], &dates),
        );
        c.insert("sections", &top);
        c.insert("top_priorities", &top_priorities);
    }));
    attach_shortcodes(&mut jobs, content.sections[""].index.as_ref());

    for section in content.sections.values().filter(|s| !s.key.is_empty()) {
        jobs.push(job(
            "section.html",
            format!("{}index.html", section.path),
            &section.url,
            |c| {
                c.insert("section", &section_view(site, section, &dates));
                c.insert("ancestors", &ancestors(site, &section.key, false));
            },
        ));
        attach_shortcodes(&mut jobs, section.index.as_ref());
        for (n, &i) in section.pages.iter().enumerate() {
            let page = &content.pages[i];
            let neighbour = |j: Option<usize>| {
                j.and_then(|j| section.pages.get(j)).map(|&k| Link {
                    title: content.pages[k].title.clone(),
                    url: content.pages[k].url.clone(),
                })
            };
            jobs.push(job(
                "page.html",
                format!("{}index.html", page.path),
                &page.url,
                |c| {
                    c.insert("page", &page_view(site, page, &dates));
                    c.insert(
                        "section",
                        &Link {
                            title: section.title.clone(),
                            url: section.url.clone(),
                        },
                    );
                    c.insert("ancestors", &ancestors(site, &section.key, true));
                    c.insert("previous", &neighbour(n.checked_sub(1)));
                    c.insert("next", &neighbour(Some(n + 1)));
                },
            ));
            attach_shortcodes(&mut jobs, Some(page));
        }
    }
    // Pages directly in content/ (not in a folder) belong to the root.
    let root = &content.sections[""];
    for &i in &root.pages {
        let page = &content.pages[i];
        jobs.push(job(
            "page.html",
            format!("{}index.html", page.path),
            &page.url,
            |c| {
                c.insert("page", &page_view(site, page, &dates));
                c.insert(
                    "section",
                    &Link {
                        title: "Home".into(),
                        url: root.url.clone(),
                    },
                );
                c.insert("ancestors", &ancestors(site, "", true));
                c.insert("previous", &Option::<Link>::None);
                c.insert("next", &Option::<Link>::None);
            },
        ));
        attach_shortcodes(&mut jobs, Some(page));
    }

    let features_url = format!("{base}features/");
    jobs.push(job(
        "features.html",
        "features/index.html".into(),
        &features_url,
        |c| {
            c.insert("groups", &status_groups(model));
        },
    ));
    for candidate in &model.candidates {
        jobs.push(job(
            "feature.html",
            format!("features/{}/index.html", candidate.id),
            &candidate.url,
            |c| {
                c.insert("candidate", candidate);
            },
        ));
    }
    let people_url = format!("{base}people/");
    jobs.push(job(
        "people.html",
        "people/index.html".into(),
        &people_url,
        |_| {},
    ));
    jobs.push(job("404.html", "404.html".into(), "", |_| {}));
    let search_url = format!("{base}{}", super::search::PAGE_URL_PATH);
    jobs.push(job(
        "search.html",
        format!("{}index.html", super::search::PAGE_URL_PATH),
        &search_url,
        |c| c.insert("sections", &top),
    ));
    jobs.extend(super::dashboards::jobs(site));
    // The top-level section each page is in, so the navigation can expand
    // it with one comparison per section instead of a prefix test.
    let nav = navigation(site);
    let nav_by_key: std::collections::HashMap<&str, &NavSection> =
        nav.iter().map(|n| (n.key.as_str(), n)).collect();
    for job in &mut jobs {
        let url = job
            .context
            .get("current_url")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let section = url
            .strip_prefix(base.as_str())
            .and_then(|rest| rest.split('/').next())
            .unwrap_or("");
        let section = if content.sections.contains_key(section) {
            section.to_string()
        } else {
            String::new()
        };
        job.context.insert("current_section", &section);
        let nav = nav_by_key
            .get(section.as_str())
            .map(|s| current_nav(s, &url));
        job.context.insert("current_nav", &nav);
    }
    jobs
}

#[derive(Serialize)]
struct StatusGroup<'a> {
    status: crate::data::Status,
    label: &'static str,
    candidates: Vec<&'a Candidate>,
}

/// Candidates grouped by status in lifecycle order, each group in priority
/// order (unplaced candidates last, by id).
fn status_groups(model: &crate::model::Model) -> Vec<StatusGroup<'_>> {
    use crate::data::reader::Choice;
    crate::data::Status::ALL
        .iter()
        .map(|(_, status)| {
            let mut candidates: Vec<&Candidate> = model
                .candidates
                .iter()
                .filter(|c| c.status == *status)
                .collect();
            candidates.sort_by_key(|c| (c.priority.unwrap_or(usize::MAX), c.id.clone()));
            StatusGroup {
                status: *status,
                label: status.label(),
                candidates,
            }
        })
        .filter(|g| !g.candidates.is_empty())
        .collect()
}
