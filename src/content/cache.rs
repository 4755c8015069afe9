//! What a build keeps of the handbook's pages for the next one.
//!
//! After one page's text changed, reading and rendering the Markdown of
//! every other page is most of what a rebuild does (half a second at
//! 10,000 pages), yet it only needs what lists and link checks show of
//! them: titles, summaries, heading ids, links. So each build that
//! succeeds leaves beside the output (`.public.tandem-pages`) every page
//! as it loaded it, without its HTML, with the digest of the source file
//! it came from. The next build restores a page from there instead of
//! reading it when its source digest is the same, and renders only the
//! pages whose source changed.
//!
//! A restored page has no HTML ([`Page::restored`]): only a rebuild that
//! renders none of those pages may use them, which is
//! [`crate::rebuild`]'s partial rebuild (a changed page, its section's
//! page, the home and search pages; section intros are always read).
//! Anything else makes the build read the pages again from their files.
//! A partial rebuild renders the pages whose source digest differs from
//! the build stamp's, so the cache is used only with the stamp of the
//! build that made it ([`Cached::made_by`]).
//!
//! A page's load is a function of its bytes, the content options
//! ([`Key`]) and which pages exist (links to other pages resolve to
//! their URLs). The cache holds these and is used only when all of them
//! are the same; and only when no page read has another shape
//! ([`Reuse::same_shape`]): then its anchor links, and those of the
//! restored pages, hold as they did, and the rebuild can be partial.
//! Anything unexpected (an unreadable or foreign file) means no cache: a
//! slower build, never a wrong one.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::markdown::{PageLink, TocEntry};
use super::shortcode::{Arg, Call};
use super::{ContentOptions, Page};
use crate::calendar::Date;
use crate::data::reader::{Loc, Text};

/// A cache of another layout is no cache at all.
const FORMAT: u32 = 1;

/// Its name beside the output (`.public.tandem-pages`): never published.
const TAG: &str = "pages";

/// Where the cache of `output` lives.
pub fn path_for(output: &Path) -> PathBuf {
    crate::output::beside(output, TAG)
}

/// What a page's load depends on besides its bytes and the other pages:
/// the binary and the content options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    format: u32,
    binary: Option<String>,
    base_path: String,
    drafts: bool,
    raw_html: bool,
}

impl Key {
    pub fn of(options: &ContentOptions) -> Key {
        Key {
            format: FORMAT,
            binary: crate::stamp::binary(),
            base_path: options.base_path.to_string(),
            drafts: options.drafts,
            raw_html: options.raw_html,
        }
    }
}

/// The cache file.
#[derive(Deserialize)]
struct File<'a> {
    key: Cow<'a, Key>,
    /// The digest of the sources of the build that made it, as its build
    /// stamp has it ([`Cached::made_by`]).
    digest: Cow<'a, str>,
    /// Every page the build loaded (sections' intros too), with the
    /// digest of its source file.
    pages: Vec<(u64, Stored<'a>)>,
}

/// The cache file as a build writes it: [`File`], each page made into a
/// [`Stored`] only as it is written.
#[derive(Serialize)]
struct Made<'a> {
    key: &'a Key,
    digest: &'a str,
    pages: Pages<'a>,
}

/// Pages with the digests of their sources.
struct Pages<'a> {
    pages: &'a [&'a Page],
    digests: &'a FxHashMap<PathBuf, u64>,
}

impl Serialize for Pages<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.pages.len()))?;
        for page in self.pages {
            let digest = (self.digests.get(&page.source)).ok_or_else(|| {
                S::Error::custom(format!("no digest of {}", page.source.display()))
            })?;
            seq.serialize_element(&(digest, Stored::of(page)))?;
        }
        seq.end()
    }
}

/// The cache as read, before the build knows which sources changed.
pub struct Cached {
    key: Key,
    digest: String,
    /// By source, with the digest of the source file.
    pages: FxHashMap<PathBuf, (u64, Stored<'static>)>,
}

impl Cached {
    /// The cache of `output`; `None` if there is none or it cannot be
    /// read.
    pub fn read(output: &Path) -> Option<Cached> {
        let bytes = fs::read(path_for(output)).ok()?;
        let file: File<'static> = postcard::from_bytes(&bytes).ok()?;
        let pages = (file.pages.into_iter())
            .map(|(digest, page)| (page.source.to_path_buf(), (digest, page)))
            .collect();
        Some(Cached {
            key: file.key.into_owned(),
            digest: file.digest.into_owned(),
            pages,
        })
    }

    /// Whether the build that made it is the one whose stamp has the
    /// digest `stamp`. Restoring relies on it: a partial rebuild renders
    /// the pages whose source digest differs from the stamp's, and those
    /// must be exactly the pages it reads.
    pub fn made_by(&self, stamp: &str) -> bool {
        self.digest == stamp
    }

    /// The pages it can restore: those whose source digest is still the
    /// one in `digests` (by source, as the build stamp made them).
    pub fn reuse(self, digests: &FxHashMap<PathBuf, u64>) -> Reuse {
        let pages = (self.pages.into_iter())
            .map(|(source, (digest, page))| {
                let unchanged = digests.get(&source) == Some(&digest);
                (source, (unchanged, page))
            })
            .collect();
        Reuse {
            key: self.key,
            pages,
        }
    }
}

/// The pages a build may restore instead of reading them.
pub struct Reuse {
    key: Key,
    /// Every page the last build loaded, by source, with whether its
    /// source is unchanged (and the page not yet restored).
    pages: FxHashMap<PathBuf, (bool, Stored<'static>)>,
}

impl Reuse {
    /// Whether pages loaded with `key` may be restored from it.
    pub fn serves(&self, key: &Key) -> bool {
        &self.key == key
    }

    /// Whether the page from `source` can be restored: its source is
    /// unchanged (and it is not restored yet).
    pub fn can_restore(&self, source: &Path) -> bool {
        self.pages
            .get(source)
            .is_some_and(|(unchanged, _)| *unchanged)
    }

    /// The output path of the page from `source`, as the cache has it.
    pub fn output_path(&self, source: &Path) -> Option<&str> {
        self.pages.get(source).map(|(_, stored)| &*stored.path)
    }

    /// The pages from `sources`, which [`Self::can_restore`], taken out of
    /// the cache. `today` decides whether they are due for review.
    pub fn take(&mut self, sources: &[&Path], today: Date) -> Vec<Page> {
        let stored: Vec<Stored> = (sources.iter())
            .map(|source| {
                let (unchanged, stored) = (self.pages.get_mut(*source))
                    .filter(|(unchanged, _)| *unchanged)
                    .expect("only pages that can be restored are");
                *unchanged = false;
                std::mem::take(stored)
            })
            .collect();
        (stored.into_par_iter())
            .map(|stored| stored.page(today))
            .collect()
    }

    /// Whether `sources` (each once) are the pages the last build loaded.
    pub fn same_pages<'a>(&self, mut sources: impl ExactSizeIterator<Item = &'a Path>) -> bool {
        sources.len() == self.pages.len() && sources.all(|s| self.pages.contains_key(s))
    }

    /// Whether `page`, read from its file (`today` as it was read), has
    /// the [`Shape`](crate::content::Shape) it had: the same title,
    /// order, owner, review date, tags and heading ids.
    pub fn same_shape(&self, page: &Page, today: Date) -> bool {
        let before = self.pages.get(&page.source);
        before.is_some_and(|(_, stored)| stored.clone().page(today).shape() == page.shape())
    }
}

/// Writes the cache of `pages` beside `output` under another name, to be
/// put in place ([`crate::output::Pending::commit`]) if the build
/// succeeds: written on another thread while a partial rebuild renders,
/// and straight to the file, not first to a copy in memory, which added
/// 9 MB to the rebuild's peak at 10,000 pages. `stamp` is the digest of
/// the sources the build read, as its stamp has it; `digests`, its pages'
/// source files'.
pub fn prepare(
    output: &Path,
    key: &Key,
    stamp: &str,
    pages: &[&Page],
    digests: &FxHashMap<PathBuf, u64>,
) -> io::Result<crate::output::Pending> {
    crate::output::write_beside(output, TAG, |file| {
        to_file(file, key, stamp, pages, digests)
    })
}

/// Writes the cache of `pages` (see [`prepare`]) beside `output` as it
/// is made: after a full render, a copy of it in memory would add to the
/// build's peak.
pub fn write_pages(
    output: &Path,
    key: &Key,
    stamp: &str,
    pages: &[&Page],
    digests: &FxHashMap<PathBuf, u64>,
) -> io::Result<()> {
    replace(output, |file| to_file(file, key, stamp, pages, digests))
}

/// Writes the cache of `pages` to `file` as it is made.
fn to_file(
    file: &mut io::BufWriter<fs::File>,
    key: &Key,
    stamp: &str,
    pages: &[&Page],
    digests: &FxHashMap<PathBuf, u64>,
) -> io::Result<()> {
    postcard::to_io(&made(key, stamp, pages, digests), file)
        .map(drop)
        .map_err(io::Error::other)
}

fn made<'a>(
    key: &'a Key,
    stamp: &'a str,
    pages: &'a [&'a Page],
    digests: &'a FxHashMap<PathBuf, u64>,
) -> Made<'a> {
    Made {
        key,
        digest: stamp,
        pages: Pages { pages, digests },
    }
}

/// Writes the cache of `output` with `write`, never half of it.
fn replace(
    output: &Path,
    write: impl FnOnce(&mut io::BufWriter<fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    crate::output::replace_beside(output, TAG, write)
}

/// Removes the cache of `output`, if there is one.
pub fn remove(output: &Path) -> io::Result<()> {
    crate::output::remove_beside(output, TAG)
}

/// A page as the cache keeps it: everything but its HTML and whether it
/// is due for review (that depends on the day). Made from a page by
/// borrowing; read back owned (`Stored<'static>`), then moved into a page.
#[derive(Clone, Default, Serialize, Deserialize)]
struct Stored<'a> {
    source: Cow<'a, Path>,
    section: Cow<'a, str>,
    path: Cow<'a, str>,
    url: Cow<'a, str>,
    title: Cow<'a, str>,
    description: Option<Cow<'a, str>>,
    weight: i64,
    owner: Option<StoredText<'a>>,
    /// Days after [`epoch`].
    review_by: Option<i64>,
    draft: bool,
    tags: Vec<StoredText<'a>>,
    toc: Vec<(u8, Cow<'a, str>, Cow<'a, str>)>,
    summary: Cow<'a, str>,
    anchors: Cow<'a, [String]>,
    links: Vec<StoredLink<'a>>,
    broken_links: Cow<'a, [String]>,
    shortcodes: Vec<StoredCall<'a>>,
}

/// A [`Text`]: value, file, span.
type StoredText<'a> = (Cow<'a, str>, usize, usize, usize);

/// A [`PageLink`]: target, anchor, span.
type StoredLink<'a> = (Cow<'a, Path>, Option<Cow<'a, str>>, usize, usize);

#[derive(Clone, Serialize, Deserialize)]
struct StoredCall<'a> {
    name: Cow<'a, str>,
    args: Vec<(Cow<'a, str>, StoredArg<'a>)>,
    span: (usize, usize),
}

#[derive(Clone, Serialize, Deserialize)]
enum StoredArg<'a> {
    Str(Cow<'a, str>),
    Int(i64),
}

fn epoch() -> Date {
    Date::from_ymd(1970, 1, 1).expect("a valid date")
}

fn store_text(t: &Text) -> StoredText<'_> {
    let Loc { file, span } = &t.loc;
    (Cow::Borrowed(&t.value), *file, span.start, span.end)
}

fn text((value, file, start, end): StoredText) -> Text {
    Text {
        value: value.into_owned(),
        loc: Loc {
            file,
            span: start..end,
        },
    }
}

impl<'a> Stored<'a> {
    fn of(page: &'a Page) -> Stored<'a> {
        let text = |s: &'a String| Cow::Borrowed(s.as_str());
        Stored {
            source: Cow::Borrowed(&page.source),
            section: text(&page.section),
            path: text(&page.path),
            url: text(&page.url),
            title: text(&page.title),
            description: page.description.as_ref().map(text),
            weight: page.weight,
            owner: page.owner.as_ref().map(store_text),
            review_by: page.review_by.map(|d| d.days_since(epoch())),
            draft: page.draft,
            tags: page.tags.iter().map(store_text).collect(),
            toc: (page.toc.iter())
                .map(|t| (t.level, text(&t.id), text(&t.title)))
                .collect(),
            summary: text(&page.summary),
            anchors: Cow::Borrowed(&page.anchors),
            links: (page.links.iter())
                .map(|l| {
                    let anchor = l.anchor.as_ref().map(text);
                    let target = Cow::Borrowed(l.target.as_path());
                    (target, anchor, l.span.start, l.span.end)
                })
                .collect(),
            broken_links: Cow::Borrowed(&page.broken_links),
            shortcodes: page.shortcodes.iter().map(StoredCall::of).collect(),
        }
    }

    fn page(self, today: Date) -> Page {
        let review_by = self.review_by.map(|days| epoch().add_days(days));
        Page {
            source: self.source.into_owned(),
            section: self.section.into_owned(),
            path: self.path.into_owned(),
            url: self.url.into_owned(),
            title: self.title.into_owned(),
            description: self.description.map(Cow::into_owned),
            weight: self.weight,
            owner: self.owner.map(text),
            review_by,
            due_for_review: review_by.is_some_and(|d| d < today),
            draft: self.draft,
            tags: self.tags.into_iter().map(text).collect(),
            html: Default::default(),
            toc: (self.toc.into_iter())
                .map(|(level, id, title)| TocEntry {
                    level,
                    id: id.into_owned(),
                    title: title.into_owned(),
                })
                .collect(),
            summary: self.summary.into_owned(),
            anchors: self.anchors.into_owned(),
            links: (self.links.into_iter())
                .map(|(target, anchor, start, end)| PageLink {
                    target: target.into_owned(),
                    anchor: anchor.map(Cow::into_owned),
                    span: start..end,
                })
                .collect(),
            broken_links: self.broken_links.into_owned(),
            shortcodes: self.shortcodes.into_iter().map(StoredCall::call).collect(),
            restored: true,
        }
    }
}

impl<'a> StoredCall<'a> {
    fn of(call: &'a Call) -> StoredCall<'a> {
        let arg = |a: &'a Arg| match a {
            Arg::Str(s) => StoredArg::Str(Cow::Borrowed(s)),
            Arg::Int(n) => StoredArg::Int(*n),
        };
        StoredCall {
            name: Cow::Borrowed(&call.name),
            args: (call.args.iter())
                .map(|(k, a)| (Cow::Borrowed(k.as_str()), arg(a)))
                .collect(),
            span: (call.span.start, call.span.end),
        }
    }

    fn call(self) -> Call {
        let args: BTreeMap<String, Arg> = (self.args.into_iter())
            .map(|(k, a)| {
                let arg = match a {
                    StoredArg::Str(s) => Arg::Str(s.into_owned()),
                    StoredArg::Int(n) => Arg::Int(n),
                };
                (k.into_owned(), arg)
            })
            .collect();
        Call {
            name: self.name.into_owned(),
            args,
            span: self.span.0..self.span.1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Content;

    fn options(base_path: &str) -> ContentOptions<'_> {
        ContentOptions {
            base_path,
            drafts: false,
            raw_html: true,
            today: Date::from_ymd(2026, 11, 25).unwrap(),
        }
    }

    /// A site whose pages have everything a page can have.
    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let pages = [
            ("content/_index.md", "+++\ntitle = \"Home\"\n+++\n\nWelcome.\n"),
            (
                "content/guide/a.md",
                "+++\ntitle = \"A\"\nowner = \"ana\"\nreview_by = 2026-01-02\n\
                 tags = [\"x\", \"y\"]\ndescription = \"About A\"\nweight = 3\n+++\n\n\
                 First text. See [b](b.md#setup) and [nothing](gone.md).\n\n\
                 {{ feature(id=\"sync\") }}\n\n{{ priorities(limit=2) }}\n\n## Steps\n\n### Deeper\n",
            ),
            ("content/guide/b.md", "# B from its heading\n\n## Setup\n"),
        ];
        for (path, text) in pages {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        dir
    }

    fn digests(content: &Content) -> FxHashMap<PathBuf, u64> {
        content.all_pages().map(|p| (p.source.clone(), 7)).collect()
    }

    /// Loads `dir`, keeps its cache, loads it again restoring from it.
    fn reload(
        dir: &Path,
        options: &ContentOptions,
        digests: impl Fn(&Content) -> FxHashMap<PathBuf, u64>,
    ) -> (Content, Option<Content>) {
        let (first, errors) = Content::load(dir, &self::options("/"));
        let pages: Vec<&Page> = first.all_pages().collect();
        let key = first.key.clone().unwrap();
        let output = dir.join("public");
        let cache = prepare(&output, &key, "stamp", &pages, &digests(&first)).unwrap();
        cache.commit().unwrap();
        let cached = Cached::read(&output).unwrap();
        assert!(cached.made_by("stamp") && !cached.made_by("another"));
        let reuse = cached.reuse(&self::digests(&first));
        let again = Content::load_reusing(dir, options, Some(reuse));
        // Only the broken link, which a build would stop at.
        assert_eq!(errors.len(), 1, "{errors:?}");
        (first, again.map(|(content, _)| content))
    }

    fn as_read(page: &Page) -> String {
        let mut page = page.clone();
        page.html = Default::default();
        page.restored = false;
        format!("{page:?}")
    }

    #[test]
    fn a_restored_page_is_the_page_as_read_but_its_html() {
        let dir = site();
        let (first, again) = reload(dir.path(), &options("/"), digests);
        let again = again.expect("same pages");
        // Everything but the intro (always read).
        assert_eq!(again.restored, 2);
        let restored: Vec<&Page> = again.all_pages().filter(|p| p.restored).collect();
        assert_eq!(restored.len(), 2);
        for page in restored {
            assert!(page.html.is_empty());
            let read = first.all_pages().find(|p| p.source == page.source).unwrap();
            assert_eq!(as_read(page), as_read(read));
        }
        let a = again.pages.iter().find(|p| p.title == "A").unwrap();
        assert!(a.due_for_review && a.shortcodes.len() == 2 && a.links.len() == 1);
        // Only the intro was read, and it has its HTML.
        let read: Vec<&Page> = again.all_pages().filter(|p| !p.restored).collect();
        assert!(read.len() == 1 && read[0].source.ends_with("_index.md"));
        assert!(!read[0].html.is_empty());
    }

    #[test]
    fn a_page_whose_source_changed_is_read() {
        let dir = site();
        let changed = |content: &Content| {
            let mut digests = digests(content);
            digests.insert(PathBuf::from("content/guide/b.md"), 8);
            digests
        };
        let (_, again) = reload(dir.path(), &options("/"), changed);
        let again = again.expect("same pages");
        assert_eq!(again.restored, 1);
        let b = again.pages.iter().find(|p| p.title == "B from its heading");
        assert!(b.is_some_and(|b| !b.restored && b.html.text().contains("Setup")));
    }

    #[test]
    fn pages_loaded_with_other_options_are_read() {
        let dir = site();
        let (_, again) = reload(dir.path(), &options("/handbook/"), digests);
        let again = again.expect("restores nothing, reads everything");
        assert_eq!(again.restored, 0);
        assert!(again.pages.iter().all(|p| p.url.starts_with("/handbook/")));
    }

    #[test]
    fn the_cache_stands_in_only_for_the_pages_it_was_made_from() {
        let dir = site();
        // Written after the first load: the cache lacks it.
        let added = |content: &Content| {
            fs::write(dir.path().join("content/guide/c.md"), "# C\n").unwrap();
            digests(content)
        };
        let (_, again) = reload(dir.path(), &options("/"), added);
        assert!(again.is_none(), "a page was added");
    }

    #[test]
    fn a_read_page_with_another_shape_makes_the_cache_useless() {
        let dir = site();
        let renamed = |content: &Content| {
            let b = dir.path().join("content/guide/b.md");
            fs::write(b, "# B from its heading\n\n## Set up\n").unwrap();
            let mut digests = digests(content);
            digests.insert(PathBuf::from("content/guide/b.md"), 8);
            digests
        };
        let (_, again) = reload(dir.path(), &options("/"), renamed);
        assert!(again.is_none(), "a restored page links to `b.md#setup`");
    }
}
