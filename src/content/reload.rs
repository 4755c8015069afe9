//! Re-reading handbook pages after a save, for the development server.
//!
//! A full build loads every page; at 10,000 pages that alone takes longer
//! than the whole save-to-reload budget. Most saves only change the text
//! of one page, which shows on that page and in the summaries of its
//! section, and nowhere else. [`Content::reload_page`] reads just that file
//! again and says whether anything that other pages show or check has
//! changed (its *shape*: title, place, order, owner, review date, tags,
//! heading ids). When it has not, the caller may swap the page in and
//! re-render only what shows its text; when it has, only a full build is
//! correct.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, SourceFile};

use super::{load_one, render_page, Content, ContentOptions, Page};

/// A page read again after a save.
#[derive(Debug)]
pub enum Reloaded {
    /// Only its text changed: swapping it in is enough. `file` is what
    /// was read, for further checks that point at it.
    SameShape { page: Box<Page>, file: SourceFile },
    /// Something other pages show or check changed (or it is a draft now,
    /// or it is a page the site did not have): rebuild everything.
    ShapeChanged,
    /// A draft the site leaves out, before and after: nothing to do.
    Unpublished,
}

/// Where links between pages lead: each page's URL and heading ids, by
/// source. Pages that keep their shape keep these, so a caller reloading
/// page after page makes them once ([`Content::link_targets`]).
pub struct LinkTargets {
    urls: HashMap<PathBuf, String>,
    anchors: HashMap<PathBuf, Vec<String>>,
}

impl Content {
    /// The link targets of every page, for [`Self::reload_page`].
    pub fn link_targets(&self) -> LinkTargets {
        LinkTargets {
            urls: (self.all_pages())
                .map(|p| (p.source.clone(), p.url.clone()))
                .collect(),
            anchors: (self.all_pages())
                .map(|p| (p.source.clone(), p.anchors.clone()))
                .collect(),
        }
    }

    /// Reads `source` (relative to `root`, below `content/`) again.
    /// `targets` are this content's [`Self::link_targets`]. Errors are
    /// those a full build would report for this page.
    pub fn reload_page(
        &self,
        root: &Path,
        source: &Path,
        options: &ContentOptions,
        targets: &LinkTargets,
    ) -> Result<Reloaded, Vec<Diagnostic>> {
        if !root.join(source).is_file() {
            // Deleted or renamed away: the site loses a page.
            return Ok(Reloaded::ShapeChanged);
        }
        let old = self.all_pages().find(|p| p.source == source);
        let (loaded, mut errors) = load_one(root, source).map_err(|e| vec![e])?;
        let Some(old) = old else {
            // Not in the site: a draft that stays one changes nothing (but
            // its front matter is checked, as in a full build); a page new
            // to the site changes navigation.
            return match (loaded.front.draft && !options.drafts, errors.is_empty()) {
                (true, true) => Ok(Reloaded::Unpublished),
                (true, false) => Err(errors),
                (false, _) => Ok(Reloaded::ShapeChanged),
            };
        };
        if loaded.front.draft && !options.drafts {
            return Ok(Reloaded::ShapeChanged);
        }
        let (page, _, page_errors) = render_page(&loaded, &targets.urls, options);
        errors.extend(page_errors);
        if !same_shape(old, &page) {
            // Its errors are the full build's to report, with everyone
            // else's.
            return Ok(Reloaded::ShapeChanged);
        }
        // Same heading ids as before, so the site's anchors still hold.
        let anchors = |target: &Path| targets.anchors.get(target).map(Vec::as_slice);
        super::check_links_of(&page, &loaded.file, anchors, &mut errors);
        if errors.is_empty() {
            Ok(Reloaded::SameShape {
                page: Box::new(page),
                file: loaded.file,
            })
        } else {
            Err(errors)
        }
    }

    /// Puts a reloaded page in place of the page with the same source;
    /// returns the page it replaced.
    pub fn replace_page(&mut self, page: Page) -> Option<Page> {
        let mut slots = self
            .pages
            .iter_mut()
            .chain(self.sections.values_mut().filter_map(|s| s.index.as_mut()));
        let slot = slots.find(|old| old.source == page.source)?;
        Some(std::mem::replace(slot, page))
    }
}

/// Whether everything of `new` that other outputs show or check is as in
/// `old`: then only the outputs showing its text need rendering again.
fn same_shape(old: &Page, new: &Page) -> bool {
    old.shape() == new.shape()
}

/// What other outputs show or check of a page: its place and order, the
/// title, owner, review date and tags that lists show, and the heading ids
/// that links point at. Everything else of a page (its text, summary and
/// description) shows only on the outputs [`crate::rebuild::outputs_showing`]
/// names.
#[derive(PartialEq, Hash)]
pub struct Shape<'a> {
    source: &'a Path,
    section: &'a str,
    path: &'a str,
    url: &'a str,
    title: &'a str,
    weight: i64,
    owner: Option<&'a str>,
    review_by: Option<crate::calendar::Date>,
    due_for_review: bool,
    draft: bool,
    tags: Vec<&'a str>,
    anchors: &'a [String],
}

impl Page {
    /// See [`Shape`].
    pub fn shape(&self) -> Shape<'_> {
        Shape {
            source: &self.source,
            section: &self.section,
            path: &self.path,
            url: &self.url,
            title: &self.title,
            weight: self.weight,
            owner: self.owner.as_ref().map(|o| o.value.as_str()),
            review_by: self.review_by,
            due_for_review: self.due_for_review,
            draft: self.draft,
            tags: self.tags.iter().map(|t| t.value.as_str()).collect(),
            anchors: &self.anchors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Date;

    fn options() -> ContentOptions<'static> {
        ContentOptions {
            base_path: "/",
            drafts: false,
            raw_html: true,
            today: Date::from_ymd(2026, 11, 25).unwrap(),
        }
    }

    /// A site with two pages; `guide/a.md` links to a heading of `b.md`.
    fn site() -> (tempfile::TempDir, Content) {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "content/guide/a.md",
            "+++\ntitle = \"A\"\n+++\n\nFirst text. See [b](b.md#setup).\n\n## Steps\n",
        );
        write(
            "content/guide/b.md",
            "+++\ntitle = \"B\"\n+++\n\n## Setup\n",
        );
        let (content, errors) = Content::load(dir.path(), &options());
        assert!(errors.is_empty(), "{errors:?}");
        (dir, content)
    }

    fn edit(
        dir: &tempfile::TempDir,
        content: &Content,
        text: &str,
    ) -> Result<Reloaded, Vec<Diagnostic>> {
        std::fs::write(dir.path().join("content/guide/a.md"), text).unwrap();
        let targets = content.link_targets();
        content.reload_page(
            dir.path(),
            Path::new("content/guide/a.md"),
            &options(),
            &targets,
        )
    }

    #[test]
    fn a_text_edit_keeps_the_shape_and_brings_the_new_html() {
        let (dir, content) = site();
        let text = "+++\ntitle = \"A\"\n+++\n\nSecond text. See [b](b.md#setup).\n\n## Steps\n";
        let Ok(Reloaded::SameShape { page, .. }) = edit(&dir, &content, text) else {
            panic!("expected the same shape");
        };
        assert!(page.html.text().contains("Second text"), "{:?}", page.html);
        assert!(page.summary.contains("Second text"), "{}", page.summary);
        let mut content = content;
        let old = content.replace_page(*page).expect("the page was there");
        assert!(old.html.text().contains("First text"), "{:?}", old.html);
        assert!(content
            .pages
            .iter()
            .any(|p| p.html.text().contains("Second text")));
    }

    #[test]
    fn a_new_title_or_heading_changes_the_shape() {
        let (dir, content) = site();
        for text in [
            "+++\ntitle = \"A2\"\n+++\n\nFirst text.\n\n## Steps\n",
            "+++\ntitle = \"A\"\n+++\n\nFirst text.\n\n## Other steps\n",
            "+++\ntitle = \"A\"\nweight = 3\n+++\n\nFirst text.\n\n## Steps\n",
            "+++\ntitle = \"A\"\ndraft = true\n+++\n\nFirst text.\n\n## Steps\n",
        ] {
            assert!(
                matches!(edit(&dir, &content, text), Ok(Reloaded::ShapeChanged)),
                "{text}"
            );
        }
    }

    #[test]
    fn a_broken_anchor_in_the_edited_page_is_an_error_with_its_line() {
        let (dir, content) = site();
        let text = "+++\ntitle = \"A\"\n+++\n\nFirst text.\n\nSee [b](b.md#setpu).\n\n## Steps\n";
        let errors = edit(&dir, &content, text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 7);
        assert!(
            errors[0].message.contains("#setpu"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `#setup`?"));
    }
}
