//! Machine-readable views of the site for readers' tools: `sitemap.xml`
//! (every page, with its last-updated date when known) and `feed.xml`, an
//! Atom feed of demos and check-ins so people can follow decisions.
//!
//! Everything is escaped: titles, names, notes and dissent come straight
//! from the team's TOML files.

use std::collections::HashSet;

use crate::calendar::Date;
use crate::data::reader::Choice;
use crate::model::{CandidateRef, CheckinView, DemoView, PersonRef};
use crate::site::Site;

use super::OutputFile;

pub const FEED_PATH: &str = "feed.xml";
pub const SITEMAP_PATH: &str = "sitemap.xml";

use crate::markup::{escape_html as html_escape, escape_xml as xml_escape};

/// `scheme://host` of `base_url`, or `""` when it has none (then URLs in
/// the feed and sitemap are paths).
pub fn origin(base_url: &str) -> &str {
    match base_url.split_once("://") {
        Some((scheme, rest)) => {
            let host_end = rest.find('/').unwrap_or(rest.len());
            &base_url[..scheme.len() + 3 + host_end]
        }
        None => "",
    }
}

/// The host of `base_url`, for `tag:` ids.
fn host(base_url: &str) -> Option<&str> {
    let origin = origin(base_url);
    let host = origin.split_once("://")?.1;
    let host = host.rsplit_once('@').map(|(_, h)| h).unwrap_or(host);
    let host = host.split(':').next().unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// An absolute URL for a site path that already holds the base path.
fn absolute(site: &Site, path: &str) -> String {
    format!("{}{path}", origin(&site.config.base_url))
}

/// `sitemap.xml`: `pages` are (URL path with base path, last updated).
pub fn sitemap(site: &Site, pages: &[(String, Option<Date>)]) -> OutputFile {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (path, lastmod) in pages {
        xml.push_str("  <url>\n    <loc>");
        xml.push_str(&xml_escape(&absolute(site, path)));
        xml.push_str("</loc>\n");
        if let Some(date) = lastmod {
            xml.push_str(&format!("    <lastmod>{date}</lastmod>\n"));
        }
        xml.push_str("  </url>\n");
    }
    xml.push_str("</urlset>\n");
    OutputFile {
        path: SITEMAP_PATH.into(),
        bytes: xml.into_bytes(),
    }
}

/// One feed entry before it is written.
struct Entry {
    date: Date,
    /// Sorts entries of the same day: check-ins before demos, then by id.
    order: (u8, String),
    id: String,
    title: String,
    link: String,
    related: Vec<String>,
    category: (&'static str, &'static str),
    authors: Vec<String>,
    summary: String,
    content: String,
}

fn names(people: &[PersonRef]) -> String {
    people
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn html_list(title: &str, items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut out = format!("<p>{}</p><ul>", html_escape(title));
    for item in items {
        out.push_str(&format!("<li>{}</li>", html_escape(item)));
    }
    out.push_str("</ul>");
    out
}

fn kind_label(kind: crate::data::CheckinKind) -> &'static str {
    match kind.name() {
        "feasibility" => "Feasibility check-in",
        "refinement" => "Refinement session",
        _ => "Planning meeting",
    }
}

fn checkin_entry(site: &Site, tag: &str, c: &CheckinView) -> Entry {
    let kind = kind_label(c.kind);
    let mut title = format!("{kind}: {}", c.candidate.title);
    if let Some(outcome) = c.outcome_label {
        title.push_str(&format!(" ({outcome})"));
    }
    let mut content = format!(
        "<p>{kind} on {} about <a href=\"{}\">{}</a>.</p>",
        html_escape(&c.date_human),
        html_escape(&absolute(site, &c.candidate.url)),
        html_escape(&c.candidate.title)
    );
    if let Some(outcome) = c.outcome_label {
        content.push_str(&format!("<p>Outcome: {}</p>", html_escape(outcome)));
    }
    if !c.attendees.is_empty() {
        let minutes = c
            .minutes
            .map(|m| format!(" ({m} minutes)"))
            .unwrap_or_default();
        content.push_str(&format!(
            "<p>Attendees: {}{minutes}</p>",
            html_escape(&names(&c.attendees))
        ));
    }
    content.push_str(&html_list("Decisions", &c.decisions));
    content.push_str(&html_list("Risks", &c.risks));
    let dissent: Vec<String> = c
        .dissent
        .iter()
        .map(|d| format!("{}: {}", d.by.name, d.opinion))
        .collect();
    content.push_str(&html_list("Dissent", &dissent));
    let mut summary = format!("{kind} about {}", c.candidate.title);
    if let Some(outcome) = c.outcome_label {
        summary.push_str(&format!(": {outcome}"));
    }
    if !c.decisions.is_empty() {
        summary.push_str(&format!(". Decided: {}", c.decisions.join("; ")));
    }
    summary.push('.');
    let specific = format!("checkin/{}/{}", c.candidate.id, c.kind.name());
    Entry {
        date: c.date,
        order: (0, specific.clone()),
        id: tag_id(tag, &site.config.base_path(), c.date, &specific),
        title,
        link: absolute(site, &c.candidate.url),
        related: Vec::new(),
        category: ("check-in", "Check-in"),
        authors: c.attendees.iter().map(|p| p.name.clone()).collect(),
        summary,
        content,
    }
}

fn demo_entry(site: &Site, tag: &str, d: &DemoView) -> Entry {
    let link = |c: &CandidateRef| absolute(site, &c.url);
    let main_link = d.candidates.first().map(link).unwrap_or_else(|| {
        absolute(
            site,
            &format!("{}dashboards/demos/", site.config.base_path()),
        )
    });
    let mut content = format!(
        "<p>Demo on {} by {}.</p>",
        html_escape(&d.date_human),
        html_escape(&d.presenter.name)
    );
    if let Some(why) = &d.why {
        content.push_str(&format!("<p>Why: {}</p>", html_escape(why)));
    }
    if !d.candidates.is_empty() {
        content.push_str("<p>Shown:</p><ul>");
        for c in &d.candidates {
            content.push_str(&format!(
                "<li><a href=\"{}\">{}</a></li>",
                html_escape(&link(c)),
                html_escape(&c.title)
            ));
        }
        content.push_str("</ul>");
    }
    if !d.attendees.is_empty() {
        content.push_str(&format!(
            "<p>Attendees: {}</p>",
            html_escape(&names(&d.attendees))
        ));
    }
    if let Some(recording) = &d.recording {
        content.push_str(&format!(
            "<p><a href=\"{}\">Recording</a></p>",
            html_escape(&super::href::valid_url(recording))
        ));
    }
    let slug = crate::content::markdown::slugify(&d.title);
    let specific = format!("demo/{slug}");
    Entry {
        date: d.date,
        order: (1, specific.clone()),
        id: tag_id(tag, &site.config.base_path(), d.date, &specific),
        title: format!("Demo: {}", d.title),
        link: main_link,
        related: d.candidates.iter().skip(1).map(link).collect(),
        category: ("demo", "Demo"),
        authors: vec![d.presenter.name.clone()],
        summary: match &d.why {
            Some(why) => format!("{} by {}. Why: {why}", d.title, d.presenter.name),
            None => format!("{} by {}.", d.title, d.presenter.name),
        },
        content,
    }
}

/// A `tag:` URI (RFC 4151): stable for as long as the site keeps its host
/// and base path, whatever the page URLs become.
fn tag_id(authority: &str, base_path: &str, date: Date, specific: &str) -> String {
    format!("tag:{authority},{date}:{base_path}{specific}")
}

fn timestamp(date: Date) -> String {
    format!("{date}T00:00:00Z")
}

/// `feed.xml`: every demo given and every check-in held, newest first (a
/// meeting booked for a later day has shown or decided nothing yet).
pub fn atom(site: &Site) -> OutputFile {
    let tag = host(&site.config.base_url).unwrap_or("tandem.invalid");
    let model = &site.model;
    let mut entries: Vec<Entry> = model
        .held_checkins()
        .map(|c| checkin_entry(site, tag, c))
        .chain(model.given_demos().map(|d| demo_entry(site, tag, d)))
        .collect();
    entries.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.order.cmp(&b.order)));
    // Two events of one kind on one day for the same thing keep distinct ids.
    let mut seen = HashSet::new();
    for entry in &mut entries {
        let mut n = 1;
        let base = entry.id.clone();
        while !seen.insert(entry.id.clone()) {
            n += 1;
            entry.id = format!("{base}-{n}");
        }
    }
    let base_path = site.config.base_path();
    let home = absolute(site, &base_path);
    let self_url = absolute(site, &format!("{base_path}{FEED_PATH}"));
    let updated = entries.first().map(|e| e.date).unwrap_or(site.today);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    let title = format!("{}: demos and check-ins", site.config.title);
    xml.push_str(&format!("  <title>{}</title>\n", xml_escape(&title)));
    xml.push_str(
        "  <subtitle>Decisions as they are made: feasibility check-ins, refinement sessions, planning meetings and demos.</subtitle>\n",
    );
    xml.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        xml_escape(&self_url)
    ));
    xml.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        xml_escape(&home)
    ));
    let feed_id = if self_url.contains("://") {
        self_url.clone()
    } else {
        format!("tag:{tag},2000:{base_path}{FEED_PATH}")
    };
    xml.push_str(&format!("  <id>{}</id>\n", xml_escape(&feed_id)));
    xml.push_str(&format!("  <updated>{}</updated>\n", timestamp(updated)));
    xml.push_str(&format!(
        "  <generator version=\"{}\">Tandem</generator>\n",
        env!("CARGO_PKG_VERSION")
    ));
    xml.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        xml_escape(&site.config.title)
    ));
    for e in &entries {
        xml.push_str("  <entry>\n");
        xml.push_str(&format!("    <id>{}</id>\n", xml_escape(&e.id)));
        xml.push_str(&format!("    <title>{}</title>\n", xml_escape(&e.title)));
        xml.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml_escape(&e.link)
        ));
        for related in &e.related {
            xml.push_str(&format!(
                "    <link rel=\"related\" type=\"text/html\" href=\"{}\"/>\n",
                xml_escape(related)
            ));
        }
        xml.push_str(&format!(
            "    <published>{}</published>\n",
            timestamp(e.date)
        ));
        xml.push_str(&format!("    <updated>{}</updated>\n", timestamp(e.date)));
        for author in &e.authors {
            xml.push_str(&format!(
                "    <author><name>{}</name></author>\n",
                xml_escape(author)
            ));
        }
        xml.push_str(&format!(
            "    <category term=\"{}\" label=\"{}\"/>\n",
            e.category.0, e.category.1
        ));
        xml.push_str(&format!(
            "    <summary type=\"text\">{}</summary>\n",
            xml_escape(&e.summary)
        ));
        xml.push_str(&format!(
            "    <content type=\"html\">{}</content>\n",
            xml_escape(&e.content)
        ));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    OutputFile {
        path: FEED_PATH.into(),
        bytes: xml.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_and_host_come_from_base_url() {
        assert_eq!(origin("https://x.example/teams/a/"), "https://x.example");
        assert_eq!(origin("https://x.example:8443"), "https://x.example:8443");
        assert_eq!(origin("/"), "");
        assert_eq!(host("https://u@x.example:8443/a/"), Some("x.example"));
        assert_eq!(host("/docs/"), None);
    }

    #[test]
    fn escaping_covers_markup_and_control_characters() {
        assert_eq!(
            xml_escape("<a href=\"x\">'&'\u{1}</a>"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;"
        );
    }
}
