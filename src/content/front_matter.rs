//! TOML front matter between `+++` lines at the top of a page.

use serde::Serialize;
use toml::de::DeTable;

use crate::calendar::Date;
use crate::data::reader::{Record, Text};
use crate::data::toml_syntax_error;
use crate::diagnostics::{Diagnostic, SourceFile, BOM};

#[derive(Debug, Clone, Default, Serialize)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    pub weight: i64,
    pub owner: Option<Text>,
    pub review_by: Option<Date>,
    pub draft: bool,
    pub tags: Vec<Text>,
}

pub const KEYS: &[&str] = &[
    "title",
    "description",
    "weight",
    "owner",
    "review_by",
    "draft",
    "tags",
];

const FENCE: &str = "+++";

/// Where a page's text starts: after its byte order mark, if it has one.
fn text_start(text: &str) -> usize {
    if text.starts_with(BOM) {
        BOM.len_utf8()
    } else {
        0
    }
}

/// Splits a page into its front matter (if any) and the byte offset where
/// the Markdown body starts.
///
/// The TOML is returned as a copy of the file's first bytes with the opening
/// fence blanked out, so that positions reported by the TOML parser are
/// positions in the page file itself.
pub fn split(text: &str) -> Result<Option<(String, usize)>, usize> {
    let start = text_start(text);
    let first_line_end = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
    if text[start..first_line_end].trim_end() != FENCE {
        return Ok(None);
    }
    let mut offset = first_line_end;
    while offset < text.len() {
        let end = text[offset..]
            .find('\n')
            .map(|i| offset + i + 1)
            .unwrap_or(text.len());
        if text[offset..end].trim_end() == FENCE {
            // Blanked as wide as the fence and the mark, byte for byte.
            let fence_end = start + FENCE.len();
            let toml = format!("{}{}", " ".repeat(fence_end), &text[fence_end..offset]);
            return Ok(Some((toml, end)));
        }
        offset = end;
    }
    // An opening fence that is never closed: report it where it starts.
    Err(start)
}

/// Where a page opens with what Hugo and Jekyll read as YAML front matter:
/// a `---` line, `key: value` lines, and a closing `---` line before any
/// blank one. (A page opening with a thematic break, `---` then a blank
/// line, is not.)
fn yaml_front_matter(text: &str) -> Option<std::ops::Range<usize>> {
    let start = text_start(text);
    let mut lines = text[start..].split_inclusive('\n');
    if lines.next()?.trim_end() != "---" {
        return None;
    }
    let first = lines.next()?;
    let key = first.split_once(':')?.0;
    let is_key =
        !key.is_empty() && (key.chars()).all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let closed = lines
        .take_while(|line| !line.trim().is_empty())
        .any(|line| line.trim_end() == "---");
    (is_key && closed).then(|| start..start + 3)
}

/// Reads a page's front matter; returns the front matter and the offset of
/// the body. Problems are added to `errors`.
pub fn read(file: &SourceFile, errors: &mut Vec<Diagnostic>) -> (FrontMatter, usize) {
    let (toml, body_start) = match split(&file.text) {
        Ok(Some(found)) => found,
        Ok(None) => {
            // An error, not a warning: a warning about a page the next
            // partial rebuild restores from the page cache would be lost.
            // (To CommonMark the lines are also a rule and a heading; the
            // help says how to write that.)
            if let Some(fence) = yaml_front_matter(&file.text) {
                errors.push(
                    file.error(fence, "this page opens like YAML front matter (`---`), which Tandem does not read")
                        .with_help("Tandem reads TOML between `+++` lines: `+++`, then `title = \"...\"`, then `+++`; for a rule and a heading, leave a blank line after the first `---`"),
                );
            }
            return (FrontMatter::default(), text_start(&file.text));
        }
        Err(at) => {
            errors.push(
                file.error(
                    at..at + FENCE.len(),
                    "front matter opened with `+++` is never closed",
                )
                .with_help("end the front matter with a line holding only `+++`"),
            );
            return (FrontMatter::default(), file.text.len());
        }
    };
    let table = match DeTable::parse(&toml) {
        Ok(table) => table,
        Err(e) => {
            errors.push(toml_syntax_error(file, &e));
            return (FrontMatter::default(), body_start);
        }
    };
    let span = table.span();
    let mut record = Record::new(
        file,
        0,
        table.get_ref(),
        span,
        "the front matter",
        KEYS,
        errors,
    );
    let front = FrontMatter {
        title: record.required_text_if_present("title"),
        description: record.text("description").map(|t| t.value),
        weight: record
            .integer("weight", -1_000_000..=1_000_000, "")
            .unwrap_or(0),
        owner: record.slug("owner", false),
        review_by: record.date("review_by").map(|(d, _)| d),
        draft: record.boolean("draft").unwrap_or(false),
        tags: record.text_list("tags", true),
    };
    record.finish();
    (front, body_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_positions_match_the_page_file() {
        let text = "+++\ntitle = \"A\"\nweigth = 3\n+++\n# Body\n";
        let file = SourceFile::new("content/a.md", text.to_string());
        let mut errors = Vec::new();
        let (front, body) = read(&file, &mut errors);
        assert_eq!(front.title.as_deref(), Some("A"));
        assert_eq!(&text[body..], "# Body\n");
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].column), (3, 1));
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `weight`?"));
    }

    #[test]
    fn a_page_without_fences_has_no_front_matter() {
        assert_eq!(split("# Title\n+++\n"), Ok(None));
    }

    #[test]
    fn an_unclosed_fence_is_an_error() {
        assert_eq!(split("+++\ntitle = \"x\"\n"), Err(0));
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_page() {
        let text = "\u{feff}+++\ntitle = \"A\"\ntitel = 3\n+++\n# Body\n";
        let file = SourceFile::new("content/a.md", text.to_string());
        let mut errors = Vec::new();
        let (front, body) = read(&file, &mut errors);
        assert_eq!(front.title.as_deref(), Some("A"));
        assert_eq!(&text[body..], "# Body\n");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (3, 1));
        // Without front matter the body starts after the mark.
        let bare = SourceFile::new("content/b.md", "\u{feff}# Title\n".to_string());
        assert_eq!(&bare.text[read(&bare, &mut errors).1..], "# Title\n");
        assert_eq!(split("\u{feff}+++\ntitle = \"x\"\n"), Err(3));
    }

    #[test]
    fn yaml_front_matter_is_an_error_and_a_thematic_break_is_not() {
        let yaml = SourceFile::new(
            "content/a.md",
            "---\ntitle: \"A\"\n---\nText.\n".to_string(),
        );
        let mut errors = Vec::new();
        let (front, body) = read(&yaml, &mut errors);
        assert_eq!((front.title, body), (None, 0));
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].column), (1, 1));
        assert!(
            errors[0].message.contains("YAML front matter"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[0].severity, crate::diagnostics::Severity::Error);
        let rule = SourceFile::new("content/b.md", "---\n\nText: more.\n\n---\n".to_string());
        let mut none = Vec::new();
        read(&rule, &mut none);
        assert!(none.is_empty(), "{none:?}");
    }
}
