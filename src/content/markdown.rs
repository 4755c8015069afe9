//! Markdown to HTML: heading ids and the table of contents, links between
//! pages rewritten from `.md` sources to output URLs, and unsafe URLs
//! neutralised.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A link to another page (or an anchor), kept so that anchors can be
/// checked once every page's headings are known.
#[derive(Debug, Clone)]
pub struct PageLink {
    /// Source path of the target page relative to the site root
    /// (`content/x.md`); the linking page itself for `#anchor` links.
    pub target: PathBuf,
    pub anchor: Option<String>,
    /// Bytes of the link in the page file.
    pub span: Range<usize>,
}

/// A `.md` link whose target page does not exist.
#[derive(Debug, Clone)]
pub struct BrokenLink {
    pub dest: String,
    pub span: Range<usize>,
    /// Its page exists but is a draft, left out of this build.
    pub draft: bool,
}

#[derive(Debug, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// Text of the first heading, used as the title of a page without one.
    pub first_heading: Option<String>,
    /// Plain text of the first paragraph, for listings.
    pub summary: String,
    /// Every heading id of the page, for anchor checks.
    pub anchors: Vec<String>,
    pub links: Vec<PageLink>,
    pub broken: Vec<BrokenLink>,
}

/// Where the site's pages are published, by source path.
pub trait PageUrls: Sync {
    /// The URL of the page from `source` (e.g. `content/a.md`), if the
    /// site has such a page.
    fn url_of(&self, source: &Path) -> Option<String>;

    /// Whether `source` is a draft this build leaves out (it has no URL).
    fn is_draft(&self, _source: &Path) -> bool {
        false
    }
}

impl PageUrls for HashMap<PathBuf, String> {
    fn url_of(&self, source: &Path) -> Option<String> {
        self.get(source).cloned()
    }
}

/// What the renderer needs to know about the rest of the site.
pub struct LinkContext<'a> {
    /// Source path of this page, e.g. `content/rituals/weekly.md`.
    pub source: &'a Path,
    /// Every page's URL.
    pub urls: &'a dyn PageUrls,
    pub raw_html: bool,
    /// Drop the first heading from the body (it became the page title).
    pub strip_first_heading: bool,
    /// Where the site lives (`/` or `/teams/payments/`): links written
    /// from the site's root (`/img/x.png`) are moved under it.
    pub base_path: &'a str,
    /// Ids the default theme gives this kind of page besides
    /// [`THEME_IDS`] ([`HOME_IDS`], [`SECTION_IDS`]): no heading takes one.
    pub page_ids: &'a [&'a str],
}

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Turns heading text into an id: lowercase letters and digits, with runs of
/// anything else collapsed to one dash.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if (c.is_whitespace() || c == '-' || c == '_')
            && !slug.ends_with('-')
            && !slug.is_empty()
        {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "section".into()
    } else {
        slug
    }
}

/// Renders `body`, which starts at byte `body_start` of the page file.
pub fn render(body: &str, body_start: usize, ctx: &LinkContext) -> Rendered {
    let mut out = Rendered::default();
    // About one event per 16 bytes of prose: sized once, not regrown.
    let mut events: Vec<(Event, Range<usize>)> = Vec::with_capacity(body.len() / 16 + 16);
    events.extend(Parser::new_ext(body, options()).into_offset_iter());
    assign_heading_ids(&mut events, ctx.page_ids, &mut out);
    if ctx.strip_first_heading {
        strip_first_heading(&mut events);
    }
    let mut in_first_paragraph = None;
    // For each image being read, whether its URL was a script's: such an
    // image is left out, its description kept as text. (An `<img>` with
    // an empty `src` is not valid HTML; descriptions may hold images.)
    let mut images: Vec<bool> = Vec::new();
    // Events rewritten one at a time as the HTML writer asks for them.
    let rewritten = events.into_iter().filter_map(|(event, range)| {
        let span = range.start + body_start..range.end + body_start;
        let event = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = rewrite_link(&dest_url, span, ctx, &mut out);
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image { dest_url, .. }) if is_script_url(&dest_url) => {
                images.push(true);
                return None;
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                images.push(false);
                let dest_url = under_base(&dest_url, ctx.base_path).unwrap_or(dest_url);
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::End(TagEnd::Image) if images.pop() == Some(true) => return None,
            Event::Html(html) | Event::InlineHtml(html) if !ctx.raw_html => Event::Text(html),
            // A long line scrolls its code block sideways, so the block
            // takes the keyboard's focus, to be scrolled without a mouse.
            Event::Start(Tag::CodeBlock(kind)) => Event::Html(code_block_start(&kind)),
            Event::End(TagEnd::CodeBlock) => Event::Html(CowStr::from("</code></pre>\n")),
            // A task's box says what it stands for ("Done", ticked or
            // not): a form control without a name fails WCAG's 4.1.2.
            Event::TaskListMarker(done) => Event::InlineHtml(CowStr::from(if done {
                "<input type=\"checkbox\" disabled checked aria-label=\"Done\">\n"
            } else {
                "<input type=\"checkbox\" disabled aria-label=\"Done\">\n"
            })),
            Event::Start(Tag::Paragraph)
                if out.summary.is_empty() && in_first_paragraph.is_none() =>
            {
                in_first_paragraph = Some(String::new());
                Event::Start(Tag::Paragraph)
            }
            Event::End(TagEnd::Paragraph) if in_first_paragraph.is_some() => {
                let summary = in_first_paragraph.take().unwrap_or_default();
                // A shortcode's placeholder is no summary: keep looking.
                if !crate::content::shortcode::is_placeholder(summary.trim()) {
                    out.summary = summary.trim().to_string();
                }
                Event::End(TagEnd::Paragraph)
            }
            other => other,
        };
        if let (Some(summary), Event::Text(t) | Event::Code(t)) =
            (in_first_paragraph.as_mut(), &event)
        {
            summary.push_str(t);
        }
        if let (Some(summary), Event::SoftBreak | Event::HardBreak) =
            (in_first_paragraph.as_mut(), &event)
        {
            summary.push(' ');
        }
        Some(event)
    });
    let mut html = String::with_capacity(body.len() + body.len() / 4);
    pulldown_cmark::html::push_html(&mut html, rewritten);
    // A wide table scrolls sideways (on a phone, most do), so it takes the
    // keyboard's focus, as code blocks do. Set on what was written: the
    // writer keeps the columns' alignment from the table's start, which a
    // rewritten start would lose. (A `<table>` in raw HTML gets it too.)
    out.html = focusable_tables(html);
    out
}

/// `html` with `tabindex="0"` on each `<table>`, made in one allocation.
/// The text lives only until the page packs it, but pages load side by
/// side with what the build keeps of each: `str::replace`, whose result
/// grows by doubling, left its discarded steps between those, in pieces
/// the allocator could not hand out again (27 MiB more at the peak of a
/// build of 10,000 pages with a table each).
fn focusable_tables(html: String) -> String {
    const PLAIN: &str = "<table>";
    const FOCUSABLE: &str = "<table tabindex=\"0\">";
    let tables = html.matches(PLAIN).count();
    if tables == 0 {
        return html;
    }
    let mut out = String::with_capacity(html.len() + tables * (FOCUSABLE.len() - PLAIN.len()));
    let mut rest = html.as_str();
    while let Some(at) = rest.find(PLAIN) {
        out.push_str(&rest[..at]);
        out.push_str(FOCUSABLE);
        rest = &rest[at + PLAIN.len()..];
    }
    out.push_str(rest);
    out
}

/// What pulldown-cmark writes to open a code block, with `tabindex="0"`:
/// `<pre>`, and `<code>` with the class `language-X` for the first word of
/// a fenced block's info string.
fn code_block_start(kind: &CodeBlockKind) -> CowStr<'static> {
    let language = match kind {
        CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or(""),
        CodeBlockKind::Indented => "",
    };
    if language.is_empty() {
        return CowStr::from("<pre tabindex=\"0\"><code>");
    }
    let language = crate::markup::escape_html(language);
    CowStr::from(format!(
        "<pre tabindex=\"0\"><code class=\"language-{language}\">"
    ))
}

/// Ids the default theme gives elements on every page: the skip link's
/// target, the navigation, the search box and its results. No heading
/// takes one, which would give two elements of the page the same id: a
/// heading "Site nav" gets `site-nav-1`. (A slug never holds `_` or a
/// capital letter, so a theme's own ids with either never meet a
/// heading's.)
pub const THEME_IDS: [&str; 4] = [
    "main-content",
    "site-nav",
    "site-search-input",
    "site-search-results",
];

/// Ids the default theme gives the home page's own elements (the list of
/// what needs attention, the headings of its lists), which the body of
/// `content/_index.md` shares the page with.
pub const HOME_IDS: &[&str] = &[
    "attention",
    "attention-title",
    "priorities-title",
    "sections-title",
];

/// Ids the default theme gives a section page's own elements (the headings
/// of its lists of pages and subsections), which the body of the section's
/// `_index.md` shares the page with.
pub const SECTION_IDS: &[&str] = &["section-pages-title", "section-subsections-title"];

/// The ids the default theme gives the page a Markdown file becomes,
/// besides [`THEME_IDS`]: the home page's for `content/_index.md`, a
/// section page's for a section's `_index.md`, none for other pages.
pub fn page_ids(is_index: bool, section: &str) -> &'static [&'static str] {
    match (is_index, section.is_empty()) {
        (true, true) => HOME_IDS,
        (true, false) => SECTION_IDS,
        (false, _) => &[],
    }
}

/// Gives every heading a unique id (keeping ids set with `{#id}`, unless
/// taken) and records the table of contents.
fn assign_heading_ids(events: &mut [(Event, Range<usize>)], page_ids: &[&str], out: &mut Rendered) {
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut i = 0;
    while i < events.len() {
        let Event::Start(Tag::Heading { level, id, .. }) = &events[i].0 else {
            i += 1;
            continue;
        };
        let (level, explicit) = (*level, id.as_ref().map(|s| s.to_string()));
        let mut text = String::new();
        let mut j = i + 1;
        while j < events.len() && !matches!(events[j].0, Event::End(TagEnd::Heading(_))) {
            if let Event::Text(t) | Event::Code(t) = &events[j].0 {
                text.push_str(t);
            }
            j += 1;
        }
        let base = explicit.unwrap_or_else(|| slugify(&text));
        let id = unique(&base, page_ids, &mut used);
        if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[i].0 {
            *slot = Some(CowStr::from(id.clone()));
        }
        if out.first_heading.is_none() {
            out.first_heading = Some(text.trim().to_string());
        }
        let level = heading_number(level);
        if (2..=3).contains(&level) {
            out.toc.push(TocEntry {
                level,
                id: id.clone(),
                title: text.trim().to_string(),
            });
        }
        out.anchors.push(id);
        i = j + 1;
    }
}

/// `base`, or `base-N` with the lowest free N when `base` is taken (by an
/// earlier heading, or as one of [`THEME_IDS`] or `page_ids`; none of
/// those ends in a number, so no `base-N` is one).
fn unique(base: &str, page_ids: &[&str], used: &mut HashMap<String, usize>) -> String {
    let taken = usize::from(THEME_IDS.contains(&base) || page_ids.contains(&base));
    let count = used.entry(base.to_string()).or_insert(taken);
    *count += 1;
    if *count == 1 {
        return base.to_string();
    }
    let mut n = *count - 1;
    loop {
        let candidate = format!("{base}-{n}");
        if !used.contains_key(&candidate) {
            used.insert(candidate.clone(), 1);
            return candidate;
        }
        n += 1;
    }
}

fn heading_number(level: HeadingLevel) -> u8 {
    level as u8
}

/// Removes the first heading when it became the page title, so the title is
/// not shown twice.
fn strip_first_heading(events: &mut Vec<(Event, Range<usize>)>) {
    let Some(start) = events
        .iter()
        .position(|(e, _)| matches!(e, Event::Start(Tag::Heading { .. })))
    else {
        return;
    };
    let end = events[start..]
        .iter()
        .position(|(e, _)| matches!(e, Event::End(TagEnd::Heading(_))))
        .map(|i| start + i)
        .unwrap_or(start);
    events.drain(start..=end);
}

/// `javascript:`, `vbscript:` and `data:` URLs run code or smuggle content
/// when clicked; ASCII whitespace and control characters inside the scheme
/// are ignored by browsers, so they are ignored here too.
pub fn is_script_url(url: &str) -> bool {
    let compact: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take(12)
        .collect::<String>()
        .to_ascii_lowercase();
    compact.starts_with("javascript:")
        || compact.starts_with("vbscript:")
        || compact.starts_with("data:")
}

fn rewrite_link<'a>(
    dest: &CowStr<'a>,
    span: Range<usize>,
    ctx: &LinkContext,
    out: &mut Rendered,
) -> CowStr<'a> {
    if is_script_url(dest) {
        return CowStr::from("#");
    }
    let has_scheme = dest.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if has_scheme || dest.starts_with("//") {
        return dest.clone();
    }
    if dest.starts_with('/') {
        return under_base(dest, ctx.base_path).unwrap_or_else(|| dest.clone());
    }
    let (path, anchor) = match dest.split_once('#') {
        Some((p, a)) => (p, Some(a.to_string())),
        None => (dest.as_ref(), None),
    };
    if path.is_empty() {
        if let Some(anchor) = &anchor {
            out.links.push(PageLink {
                target: ctx.source.to_path_buf(),
                anchor: Some(anchor.clone()),
                span,
            });
        }
        return dest.clone();
    }
    if !path.ends_with(".md") {
        return dest.clone();
    }
    let target = normalize(&ctx.source.parent().unwrap_or(Path::new("")).join(path));
    match ctx.urls.url_of(&target) {
        Some(url) => {
            out.links.push(PageLink {
                target,
                anchor: anchor.clone(),
                span,
            });
            match anchor {
                Some(a) => CowStr::from(format!("{url}#{a}")),
                None => CowStr::from(url),
            }
        }
        None => {
            out.broken.push(BrokenLink {
                dest: dest.to_string(),
                span,
                draft: ctx.urls.is_draft(&target),
            });
            dest.clone()
        }
    }
}

/// A link written from the site's root (`/img/x.png`), moved under the
/// base path when the site lives below one; `None` when it needs no change.
fn under_base<'a>(dest: &str, base_path: &str) -> Option<CowStr<'a>> {
    let rest = dest.strip_prefix('/')?;
    if dest.starts_with("//") || base_path == "/" || dest.starts_with(base_path) {
        return None;
    }
    Some(CowStr::from(format!("{base_path}{rest}")))
}

/// Resolves `.` and `..` without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_page(source: &str, body: &str) -> Rendered {
        let urls: HashMap<PathBuf, String> = [
            ("content/a.md", "/a/"),
            ("content/rituals/weekly.md", "/rituals/weekly/"),
            ("content/rituals/_index.md", "/rituals/"),
        ]
        .into_iter()
        .map(|(p, u)| (PathBuf::from(p), u.to_string()))
        .collect();
        let ctx = LinkContext {
            source: Path::new(source),
            urls: &urls,
            raw_html: true,
            strip_first_heading: false,
            base_path: "/",
            page_ids: {
                let folder = Path::new(source).parent().unwrap();
                let section = folder.strip_prefix("content").unwrap().to_str().unwrap();
                page_ids(source.ends_with("/_index.md"), section)
            },
        };
        render(body, 0, &ctx)
    }

    #[test]
    fn an_image_with_a_script_url_becomes_its_description() {
        let r = render_page(
            "content/a.md",
            "![a chart](javascript:alert(1)) and ![outer ![inner](ok.png) end](data:x) and ![kept ![gone](vbscript:x)](ok.png)\n",
        );
        assert!(r.html.contains("<p>a chart and outer "), "{}", r.html);
        assert!(
            r.html
                .contains("<img src=\"ok.png\" alt=\"inner\" /> end and "),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<img src=\"ok.png\" alt=\"kept gone\" />"),
            "{}",
            r.html
        );
        assert_eq!(r.html.matches("<img").count(), 2, "{}", r.html);
        assert!(
            !r.html.contains("script") && !r.html.contains("data:"),
            "{}",
            r.html
        );
    }

    #[test]
    fn a_code_block_takes_the_focus_as_pulldown_cmark_writes_it_otherwise() {
        let r = render_page(
            "content/a.md",
            "Text\n\n```toml title=\"x\"\n[[person]]\nid = \"<a>\"\n```\n\n    indented & code\n\n```\nplain\n```\n\n```\"><x\nodd\n```\n",
        );
        assert_eq!(
            r.html,
            "<p>Text</p>\n<pre tabindex=\"0\"><code class=\"language-toml\">[[person]]\nid = \"&lt;a&gt;\"\n</code></pre>\n\
             <pre tabindex=\"0\"><code>indented &amp; code\n</code></pre>\n\
             <pre tabindex=\"0\"><code>plain\n</code></pre>\n\
             <pre tabindex=\"0\"><code class=\"language-&quot;&gt;&lt;x\">odd\n</code></pre>\n"
        );
    }

    #[test]
    fn a_table_takes_the_focus_and_keeps_its_alignment() {
        let r = render_page(
            "content/a.md",
            "| Risk | Score |\n| :--- | ---: |\n| Scope | 3 |\n\n`<table>`\n",
        );
        assert!(
            r.html.starts_with("<table tabindex=\"0\"><thead><tr><th style=\"text-align: left\">Risk</th><th style=\"text-align: right\">Score</th>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<code>&lt;table&gt;</code>"), "{}", r.html);
    }

    #[test]
    fn every_table_takes_the_focus_and_the_text_around_them_stays() {
        let r = render_page(
            "content/a.md",
            "| A |\n| - |\n| 1 |\n\nBetween.\n\n| B |\n| - |\n| 2 |\n\nAfter.\n",
        );
        assert_eq!(
            r.html.matches("<table tabindex=\"0\">").count(),
            2,
            "{}",
            r.html
        );
        assert!(!r.html.contains("<table>"), "{}", r.html);
        assert!(r.html.ends_with("</table>\n<p>After.</p>\n"), "{}", r.html);
        let plain = render_page("content/a.md", "No table here.\n");
        assert_eq!(plain.html, "<p>No table here.</p>\n");
    }

    #[test]
    fn a_tasks_box_is_named() {
        let r = render_page("content/a.md", "- [x] ship it\n- [ ] demo it\n");
        assert!(
            r.html.contains(
                "<li><input type=\"checkbox\" disabled checked aria-label=\"Done\">\nship it</li>"
            ),
            "{}",
            r.html
        );
        assert!(
            r.html.contains(
                "<li><input type=\"checkbox\" disabled aria-label=\"Done\">\ndemo it</li>"
            ),
            "{}",
            r.html
        );
    }

    #[test]
    fn duplicate_headings_get_numbered_ids() {
        let r = render_page("content/a.md", "## Risks\n\n## Risks\n\n### Risks-1\n");
        assert_eq!(r.anchors, ["risks", "risks-1", "risks-1-1"]);
        assert!(r.html.contains("<h2 id=\"risks-1\">"), "{}", r.html);
    }

    #[test]
    fn headings_never_take_an_id_of_the_theme() {
        let r = render_page(
            "content/a.md",
            "## Main content\n\n## Site nav\n\n## Site nav\n\n## Other {#site-search-input}\n",
        );
        assert_eq!(
            r.anchors,
            [
                "main-content-1",
                "site-nav-1",
                "site-nav-2",
                "site-search-input-1"
            ]
        );
        assert!(r.html.contains("<h2 id=\"site-nav-1\">"), "{}", r.html);
    }

    #[test]
    fn the_home_intro_and_every_sections_intro_know_their_pages_ids() {
        assert_eq!(page_ids(true, ""), HOME_IDS);
        assert_eq!(page_ids(true, "rituals"), SECTION_IDS);
        assert_eq!(page_ids(true, "rituals/deep/deeper"), SECTION_IDS);
        assert!(page_ids(false, "").is_empty());
        assert!(page_ids(false, "rituals").is_empty());
        let home = render_page(
            "content/_index.md",
            "## Attention\n\n## Section pages title\n",
        );
        assert_eq!(home.anchors, ["attention-1", "section-pages-title"]);
    }

    #[test]
    fn a_sections_intro_never_takes_an_id_of_the_section_page() {
        let body = "## Section pages title\n\n## Section subsections title\n";
        let intro = render_page("content/rituals/_index.md", body);
        assert_eq!(
            intro.anchors,
            ["section-pages-title-1", "section-subsections-title-1"]
        );
        // On a handbook page the theme has no such ids: nothing is numbered.
        let page = render_page("content/a.md", body);
        assert_eq!(
            page.anchors,
            ["section-pages-title", "section-subsections-title"]
        );
    }

    #[test]
    fn relative_md_links_become_urls_with_anchor() {
        let r = render_page(
            "content/rituals/weekly.md",
            "[a](../a.md#top) [idx](_index.md)",
        );
        assert!(r.html.contains("href=\"/a/#top\""), "{}", r.html);
        assert!(r.html.contains("href=\"/rituals/\""), "{}", r.html);
        assert_eq!(r.links.len(), 2);
        assert!(r.broken.is_empty());
    }

    #[test]
    fn site_absolute_links_move_under_the_base_path() {
        let urls = HashMap::new();
        let ctx = LinkContext {
            source: Path::new("content/a.md"),
            urls: &urls,
            raw_html: true,
            strip_first_heading: false,
            base_path: "/teams/payments/",
            page_ids: &[],
        };
        let r = render(
            "![x](/img/x.png) [y](/teams/payments/y/) [z](https://e.org/a)",
            0,
            &ctx,
        );
        assert!(
            r.html.contains("src=\"/teams/payments/img/x.png\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("href=\"/teams/payments/y/\""), "{}", r.html);
        assert!(r.html.contains("href=\"https://e.org/a\""), "{}", r.html);
    }

    #[test]
    fn links_to_missing_pages_are_reported() {
        let r = render_page("content/a.md", "text\n\n[gone](gone.md)");
        assert_eq!(r.broken.len(), 1);
        assert_eq!(r.broken[0].dest, "gone.md");
    }

    #[test]
    fn script_urls_are_neutralised() {
        let r = render_page(
            "content/a.md",
            "[x](javascript:alert(1)) [y]( JaVa\tScRiPt:alert(1))",
        );
        assert!(!r.html.to_lowercase().contains("javascript"), "{}", r.html);
    }

    #[test]
    fn toc_lists_second_and_third_level_headings() {
        let r = render_page(
            "content/a.md",
            "# T\n## One `code`\n### Two {#custom}\n#### Three\n",
        );
        let toc: Vec<_> = r.toc.iter().map(|t| (t.level, t.id.as_str())).collect();
        assert_eq!(toc, [(2, "one-code"), (3, "custom")]);
        assert_eq!(r.first_heading.as_deref(), Some("T"));
    }

    #[test]
    fn summary_is_the_first_paragraph_as_text() {
        let r = render_page(
            "content/a.md",
            "# T\n\nSome *emphasis* and `code`.\n\nSecond.",
        );
        assert_eq!(r.summary, "Some emphasis and code.");
    }
}
