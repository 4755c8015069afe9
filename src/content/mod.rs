//! The handbook: `content/**/*.md`. Folders are sections; `_index.md`
//! describes a section; pages are ordered by `weight`, then title.

pub mod cache;
pub mod front_matter;
pub mod markdown;
pub mod packed;
mod reload;
pub mod shortcode;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::calendar::Date;
use crate::data::read_source;
use crate::data::reader::Text;
use crate::diagnostics::{Diagnostic, PointInto, Reread, SourceFile};
use front_matter::FrontMatter;
use markdown::{LinkContext, PageLink, PageUrls, TocEntry};
use packed::Packed;
pub use reload::{LinkTargets, Reloaded, Shape};

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// Source path relative to the site root, e.g. `content/rituals/weekly.md`.
    pub source: PathBuf,
    /// Key of the section it belongs to (`rituals`, or `` for the root).
    pub section: String,
    /// Output path below the base path, e.g. `rituals/weekly/`.
    pub path: String,
    pub url: String,
    pub title: String,
    pub description: Option<String>,
    pub weight: i64,
    pub owner: Option<Text>,
    pub review_by: Option<Date>,
    pub due_for_review: bool,
    pub draft: bool,
    pub tags: Vec<Text>,
    /// Packed: see [`packed`].
    pub html: Packed,
    pub toc: Vec<TocEntry>,
    pub summary: String,
    #[serde(skip)]
    pub anchors: Vec<String>,
    #[serde(skip)]
    pub links: Vec<PageLink>,
    /// Destinations of `.md` links whose page does not exist, as written;
    /// already reported, so later link checks leave them alone.
    #[serde(skip)]
    pub broken_links: Vec<String>,
    /// Shortcodes in the page, in order; the HTML holds placeholders.
    #[serde(skip)]
    pub shortcodes: Vec<shortcode::Call>,
    /// Restored from the last build's [`cache`] without its HTML (which
    /// is empty): only for a rebuild that does not render it.
    #[serde(skip)]
    pub restored: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Folder below `content/`, `` for the root.
    pub key: String,
    pub title: String,
    pub path: String,
    pub url: String,
    pub weight: i64,
    /// From `_index.md`, when there is one.
    pub index: Option<Page>,
    /// Indices into [`Content::pages`], in reading order.
    pub pages: Vec<usize>,
    /// Keys of direct subsections, in order.
    pub subsections: Vec<String>,
}

impl Page {
    /// The file it renders to, below the output folder.
    pub fn output(&self) -> String {
        format!("{}index.html", self.path)
    }
}

impl Section {
    /// The file its page renders to, below the output folder.
    pub fn output(&self) -> String {
        format!("{}index.html", self.path)
    }
}

#[derive(Debug, Default)]
pub struct Content {
    pub pages: Vec<Page>,
    /// By key; the root section has key ``.
    pub sections: BTreeMap<String, Section>,
    /// What the pages' loads depended on besides their sources, for the
    /// [`cache`] the build leaves.
    pub key: Option<cache::Key>,
    /// How many pages came from the cache ([`Page::restored`]).
    pub restored: usize,
}

/// Whether `path` (relative to the site root) is a handbook page's
/// source: `content/**/*.md`.
pub fn is_page_source(path: &Path) -> bool {
    path.starts_with("content") && path.extension().is_some_and(|e| e == "md")
}

pub struct ContentOptions<'a> {
    pub base_path: &'a str,
    pub drafts: bool,
    pub raw_html: bool,
    pub today: Date,
}

/// A page read from its file and rendered: whether it is a section's
/// intro, its diagnostics.
type ReadPage = (Page, bool, Vec<Diagnostic>);

/// A page file with its front matter read but its body not yet rendered.
struct Loaded {
    file: SourceFile,
    front: FrontMatter,
    body_start: usize,
    section: String,
    path: String,
    is_index: bool,
}

impl Content {
    /// Reads and renders every page.
    pub fn load(root: &Path, options: &ContentOptions) -> (Content, Vec<Diagnostic>) {
        Content::load_reusing(root, options, None).expect("without a cache, pages are read")
    }

    /// [`Content::load`], restoring from `reuse` the pages whose source
    /// did not change (sections' intros are always read). `None` when the
    /// cache cannot stand in for them: the pages are not those it was
    /// made from, or a page read has another shape (see [`cache`]).
    pub fn load_reusing(
        root: &Path,
        options: &ContentOptions,
        reuse: Option<cache::Reuse>,
    ) -> Option<(Content, Vec<Diagnostic>)> {
        let key = cache::Key::of(options);
        let mut errors = Vec::new();
        let paths = match crate::data::list_files(root, "content", "md") {
            Ok(paths) => paths,
            Err(e) => return Some((Content::default(), vec![e])),
        };
        let mut reuse = reuse.filter(|r| r.serves(&key));
        // Intros show in full on their sections' pages: always read.
        let restorable: Vec<bool> = (paths.iter())
            .map(|p| !is_intro(p) && reuse.as_ref().is_some_and(|r| r.can_restore(p)))
            .collect();
        let to_read: Vec<&PathBuf> = (paths.iter().zip(&restorable))
            .filter(|(_, restorable)| !**restorable)
            .map(|(path, _)| path)
            .collect();
        let results: Vec<Result<(Loaded, Vec<Diagnostic>), Diagnostic>> =
            to_read.par_iter().map(|p| load_one(root, p)).collect();
        // Every page to load, in order, with its file read (`None`: to be
        // restored).
        let mut order: Vec<&Path> = Vec::with_capacity(paths.len());
        let mut drafts = std::collections::HashSet::new();
        let mut read: Vec<Option<Loaded>> = Vec::with_capacity(paths.len());
        let mut results = results.into_iter();
        for (path, restorable) in paths.iter().zip(restorable) {
            if restorable {
                order.push(path);
                read.push(None);
                continue;
            }
            match results.next().expect("one result per path read") {
                Ok((page, page_errors)) => {
                    errors.extend(page_errors);
                    if options.drafts || !page.front.draft {
                        order.push(path);
                        read.push(Some(page));
                    } else {
                        drafts.insert(path.as_path());
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        // Links resolve to the URLs of the pages that exist: restored
        // pages resolved theirs against the same pages, or none is.
        if let Some(reuse) = &reuse {
            if !reuse.same_pages(order.iter().copied()) {
                return None;
            }
        }
        let urls = LoadUrls {
            base_path: options.base_path,
            read: (order.iter().zip(&read))
                .filter_map(|(path, loaded)| Some((*path, loaded.as_ref()?.path.clone())))
                .collect(),
            restored: reuse.as_ref(),
            drafts,
        };
        let rendered: Vec<Option<ReadPage>> = (read.into_par_iter())
            .map(|loaded| {
                let loaded = loaded?;
                // The source goes here: later checks read it again for
                // the few pages they find errors in (`Reread`).
                Some(render_page(&loaded, &urls, options))
            })
            .collect();
        // Restored pages' `page.md#anchor` links are not checked again:
        // they hold as long as every page has the heading ids it had. And
        // a page read with another shape (a new title, say) means a full
        // render, which needs every page read: better now, beside the data,
        // before restoring any.
        if let Some(reuse) = &reuse {
            let changed = |(page, ..): &ReadPage| !reuse.same_shape(page, options.today);
            if rendered.iter().flatten().any(changed) {
                return None;
            }
        }
        let to_restore: Vec<&Path> = (order.iter().zip(&rendered))
            .filter(|(_, page)| page.is_none())
            .map(|(path, _)| *path)
            .collect();
        let mut restored = match &mut reuse {
            Some(reuse) => reuse.take(&to_restore, options.today).into_iter(),
            None => Vec::new().into_iter(),
        };
        let mut content = Content {
            key: Some(key),
            ..Content::default()
        };
        // At once (intros, which go elsewhere, are few): grown by
        // doubling, the list would hold up to as much room again unused
        // for the whole build (pages are large).
        content.pages.reserve_exact(rendered.len());
        let mut indexes = HashMap::new();
        for loaded in rendered {
            let (page, is_index) = match loaded {
                Some((page, is_index, page_errors)) => {
                    errors.extend(page_errors);
                    (page, is_index)
                }
                None => {
                    content.restored += 1;
                    let page = restored.next().expect("a page restored for each not read");
                    (page, false)
                }
            };
            if is_index {
                indexes.insert(page.section.clone(), page);
            } else {
                content.pages.push(page);
            }
        }
        content.build_sections(indexes, options.base_path);
        content.check_anchors(root, &mut errors);
        Some((content, errors))
    }

    fn build_sections(&mut self, mut indexes: HashMap<String, Page>, base_path: &str) {
        let mut keys: HashSet<String> = self.pages.iter().map(|p| p.section.clone()).collect();
        keys.extend(indexes.keys().cloned());
        // Every ancestor folder is a section too, so navigation has no gaps.
        for key in keys.clone() {
            let mut k = key.as_str();
            while let Some((parent, _)) = k.rsplit_once('/') {
                keys.insert(parent.to_string());
                k = parent;
            }
        }
        keys.insert(String::new());
        for key in keys {
            let index = indexes.remove(&key);
            let title = index
                .as_ref()
                .map(|i| i.title.clone())
                .unwrap_or_else(|| title_from_name(key.rsplit('/').next().unwrap_or("")));
            let path = if key.is_empty() {
                String::new()
            } else {
                format!("{key}/")
            };
            self.sections.insert(
                key.clone(),
                Section {
                    url: format!("{base_path}{path}"),
                    path,
                    weight: index.as_ref().map(|i| i.weight).unwrap_or(0),
                    title,
                    index,
                    pages: Vec::new(),
                    subsections: Vec::new(),
                    key,
                },
            );
        }
        let order = |weight: i64, title: &str| (weight, title.to_lowercase());
        let mut page_order: Vec<usize> = (0..self.pages.len()).collect();
        let pages = &self.pages;
        // The key allocates: made once per page, not once per comparison.
        page_order
            .sort_by_cached_key(|&i| (order(pages[i].weight, &pages[i].title), &pages[i].source));
        for i in page_order {
            (self.sections.get_mut(&pages[i].section))
                .expect("section of every page exists")
                .pages
                .push(i);
        }
        let mut children: Vec<(String, String, (i64, String))> = self
            .sections
            .values()
            .filter(|s| !s.key.is_empty())
            .map(|s| (parent_key(&s.key), s.key.clone(), order(s.weight, &s.title)))
            .collect();
        children.sort_by(|a, b| (&a.2, &a.1).cmp(&(&b.2, &b.1)));
        for (parent, key, _) in children {
            self.sections
                .get_mut(&parent)
                .expect("ancestors were added")
                .subsections
                .push(key);
        }
    }

    /// Every `page.md#anchor` link of every page read must name a heading
    /// of the target page (restored ones were checked when they were read
    /// and every heading id is as it was then: [`cache`]).
    fn check_anchors(&self, root: &Path, errors: &mut Vec<Diagnostic>) {
        let anchors = self.anchors();
        for page in self.all_pages().filter(|p| !p.restored) {
            let file = Reread::new(root, &page.source);
            check_links_of(page, &file, |target| anchors.get(target).copied(), errors);
        }
    }

    /// The heading ids of every page, by source.
    fn anchors(&self) -> HashMap<&Path, &[String]> {
        self.all_pages()
            .map(|p| (p.source.as_path(), p.anchors.as_slice()))
            .collect()
    }

    /// Pages and section indexes together.
    pub fn all_pages(&self) -> impl Iterator<Item = &Page> {
        self.pages
            .iter()
            .chain(self.sections.values().filter_map(|s| s.index.as_ref()))
    }
}

/// The `page.md#anchor` links of `page` (read from `file`) that name no
/// heading of their target page.
fn check_links_of<'a>(
    page: &Page,
    file: &impl PointInto,
    anchors: impl Fn(&Path) -> Option<&'a [String]>,
    errors: &mut Vec<Diagnostic>,
) {
    for link in &page.links {
        let (Some(anchor), Some(targets)) = (&link.anchor, anchors(link.target.as_path())) else {
            continue;
        };
        if targets.iter().any(|a| a == anchor) || anchor.starts_with("fn-") || anchor.is_empty() {
            continue;
        }
        let mut d = file.error_at(
            link.span.clone(),
            format!(
                "link to `#{anchor}` in {}, which has no heading with that id",
                link.target.display()
            ),
        );
        if let Some(nearest) =
            crate::diagnostics::suggest(anchor, targets.iter().map(String::as_str))
        {
            d.help = Some(format!("did you mean `#{nearest}`?"));
        }
        errors.push(d);
    }
}

/// Whether `path` is a section's intro (`_index.md`).
fn is_intro(path: &Path) -> bool {
    path.file_stem().is_some_and(|s| s == "_index")
}

fn parent_key(key: &str) -> String {
    key.rsplit_once('/')
        .map(|(p, _)| p.to_string())
        .unwrap_or_default()
}

/// `feasibility-check-in` → `Feasibility check in`.
pub fn title_from_name(name: &str) -> String {
    let spaced = name.replace(['-', '_'], " ");
    let mut chars = spaced.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Home".into(),
    }
}

fn load_one(root: &Path, relative: &Path) -> Result<(Loaded, Vec<Diagnostic>), Diagnostic> {
    let file = read_source(root, relative)?;
    let mut errors = Vec::new();
    let (front, body_start) = front_matter::read(&file, &mut errors);
    let inner = relative
        .strip_prefix("content")
        .expect("listed below content/");
    let section = inner
        .parent()
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default();
    let stem = inner
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_index = stem == "_index";
    let slug = crate::content::markdown::slugify(&stem);
    let path = match (is_index, section.is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!("{section}/"),
        (false, true) => format!("{slug}/"),
        (false, false) => format!("{section}/{slug}/"),
    };
    Ok((
        Loaded {
            file,
            front,
            body_start,
            section,
            path,
            is_index,
        },
        errors,
    ))
}

/// Where the pages a load makes are published: those it read, and those
/// it restores, whose output paths the cache holds. Asked only for the
/// links in the pages read: at 10,000 pages, making every page's URL up
/// front took 14 ms of a 0.5 s rebuild that reads one.
struct LoadUrls<'a> {
    base_path: &'a str,
    /// By source, the output paths of the pages read (drafts left out).
    read: rustc_hash::FxHashMap<&'a Path, String>,
    /// The cache the other pages come from: the same pages, so every page
    /// it has that was not read is restored.
    restored: Option<&'a cache::Reuse>,
    /// The drafts this build leaves out.
    drafts: std::collections::HashSet<&'a Path>,
}

impl PageUrls for LoadUrls<'_> {
    fn is_draft(&self, source: &Path) -> bool {
        self.drafts.contains(source)
    }

    fn url_of(&self, source: &Path) -> Option<String> {
        let output = match self.read.get(source) {
            Some(output) => output.as_str(),
            None => self.restored?.output_path(source)?,
        };
        Some(format!("{}{output}", self.base_path))
    }
}

fn render_page(
    l: &Loaded,
    urls: &dyn PageUrls,
    options: &ContentOptions,
) -> (Page, bool, Vec<Diagnostic>) {
    let body = &l.file.text[l.body_start..];
    let title_from_heading = l.front.title.is_none() && body.trim_start().starts_with("# ");
    let ctx = LinkContext {
        source: &l.file.path,
        urls,
        raw_html: options.raw_html,
        strip_first_heading: title_from_heading,
        base_path: options.base_path,
        page_ids: markdown::page_ids(l.is_index, &l.section),
    };
    let mut errors = Vec::new();
    let (body, shortcodes) = shortcode::extract(body, l.body_start, &l.file, &mut errors);
    let rendered = markdown::render(&body, l.body_start, &ctx);
    for broken in &rendered.broken {
        errors.push(if broken.draft {
            l.file
                .error(broken.span.clone(), format!("link to `{}`, a draft, which this build leaves out", broken.dest))
                .with_help("publish it (remove `draft = true`), link to it once it is, or build with --drafts")
        } else {
            l.file
                .error(broken.span.clone(), format!("link to `{}`, but there is no such page", broken.dest))
                .with_help("links between pages are relative to the linking file, e.g. `../rituals/weekly.md`")
        });
    }
    let title = l
        .front
        .title
        .clone()
        .or(rendered.first_heading.clone().filter(|t| !t.is_empty()))
        .unwrap_or_else(|| {
            let stem = l
                .file
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if l.is_index {
                title_from_name(l.section.rsplit('/').next().unwrap_or(""))
            } else {
                title_from_name(&stem)
            }
        });
    let page = Page {
        source: l.file.path.clone(),
        section: l.section.clone(),
        url: format!("{}{}", options.base_path, l.path),
        path: l.path.clone(),
        title,
        description: l.front.description.clone(),
        weight: l.front.weight,
        owner: l.front.owner.clone(),
        review_by: l.front.review_by,
        due_for_review: l.front.review_by.is_some_and(|d| d < options.today),
        draft: l.front.draft,
        tags: l.front.tags.clone(),
        html: Packed::new(&rendered.html),
        toc: rendered.toc,
        summary: rendered.summary,
        anchors: rendered.anchors,
        links: rendered.links,
        broken_links: rendered.broken.iter().map(|b| b.dest.clone()).collect(),
        shortcodes,
        restored: false,
    };
    (page, l.is_index, errors)
}
