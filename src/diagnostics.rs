//! Errors that point at the user's files.
//!
//! Every problem Tandem finds in a site is a [`Diagnostic`]: the file, the
//! line and column, what was wrong and what was expected. A build collects
//! all of them before it stops, so one run shows a user every mistake instead
//! of making them fix one, rebuild, and discover the next.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// The byte order mark some editors (Notepad, older Visual Studio) put at
/// the start of a UTF-8 file: no character of it, for the reader.
pub const BOM: char = '\u{feff}';

/// A file read from the site, with an index of its line starts so byte
/// offsets from parsers can be turned into line and column numbers. The
/// index is made when first needed: most files never have an error, and
/// at 10,000 pages making them all cost a tenth of reading the handbook.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the site root, as shown to the user.
    pub path: PathBuf,
    pub text: String,
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Self {
        SourceFile {
            path: path.into(),
            text,
            line_starts: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1))
                .collect()
        })
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let line = line_starts.partition_point(|&start| start <= offset) - 1;
        let start = line_starts[line].max(self.bom_len(line));
        let end = floor_char_boundary(&self.text, offset);
        let column = self.text[start.min(end)..end].chars().count();
        (line + 1, column + 1)
    }

    /// The length of the byte order mark that starts the file, on its
    /// first line (index 0): an editor shows no character there, so
    /// columns and snippets leave it out.
    fn bom_len(&self, line: usize) -> usize {
        if line == 0 && self.text.starts_with(BOM) {
            BOM.len_utf8()
        } else {
            0
        }
    }

    fn line_text(&self, line: usize) -> &str {
        let line_starts = self.line_starts();
        let start = line_starts[line - 1].max(self.bom_len(line - 1));
        let end = line_starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// A diagnostic pointing at `span` in this file.
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        let (line, column) = self.position(span.start);
        let snippet = self.line_text(line).to_string();
        let (end_line, end_column) = self.position(span.end.max(span.start));
        let width = if end_line == line && end_column > column {
            end_column - column
        } else {
            snippet.chars().count().saturating_sub(column - 1).max(1)
        };
        Diagnostic {
            severity: Severity::Error,
            file: Some(self.path.clone()),
            line,
            column,
            message: message.into(),
            help: None,
            snippet: Some((snippet, width)),
        }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Where a check can point its diagnostics: a source file in memory
/// ([`SourceFile`]) or one read again only for them ([`Reread`]).
pub trait PointInto {
    /// A diagnostic pointing at `span` in the file.
    fn error_at(&self, span: Range<usize>, message: String) -> Diagnostic;
}

impl PointInto for SourceFile {
    fn error_at(&self, span: Range<usize>, message: String) -> Diagnostic {
        self.error(span, message)
    }
}

/// A page's source that the build no longer holds, read again only when a
/// diagnostic points into it. Pages drop their sources once rendered to
/// HTML (at 10,000 pages they are 40 MB, held at once with everything
/// loaded), and the checks that run later find errors in few of them.
/// A file changed since it was loaded is pointed into as it is now; one
/// that cannot be read gets a diagnostic naming just the file.
pub struct Reread<'a> {
    root: &'a Path,
    path: &'a Path,
    file: std::sync::OnceLock<Option<SourceFile>>,
}

impl<'a> Reread<'a> {
    /// `path` is relative to the site root `root`.
    pub fn new(root: &'a Path, path: &'a Path) -> Self {
        Reread {
            root,
            path,
            file: std::sync::OnceLock::new(),
        }
    }

    /// The file as it is now, read at the first call (as it was loaded:
    /// within the size limit, as UTF-8).
    pub fn file(&self) -> Option<&SourceFile> {
        let read = || crate::data::read_source(self.root, self.path).ok();
        self.file.get_or_init(read).as_ref()
    }
}

impl PointInto for Reread<'_> {
    fn error_at(&self, span: Range<usize>, message: String) -> Diagnostic {
        match self.file() {
            Some(file) => file.error(span, message),
            None => Diagnostic::general(Some(self.path), message),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in the site.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Relative to the site root; `None` for problems with no file (e.g. a bad
    /// `SOURCE_DATE_EPOCH`).
    pub file: Option<PathBuf>,
    /// One-based; 0 when the problem concerns the whole file.
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
    /// The offending source line and how many characters to underline.
    #[serde(skip)]
    pub snippet: Option<(String, usize)>,
}

impl Diagnostic {
    /// A problem with a whole file or with no file at all.
    pub fn general(file: Option<&Path>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.map(Path::to_path_buf),
            line: 0,
            column: 0,
            message: message.into(),
            help: None,
            snippet: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// `file:line:column`, the form editors and CI annotations understand.
    pub fn location(&self) -> String {
        match (&self.file, self.line) {
            (Some(file), 0) => file.display().to_string(),
            (Some(file), line) => format!("{}:{}:{}", file.display(), line, self.column),
            (None, _) => "<site>".to_string(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}: {}", self.message)?;
        writeln!(f, "  --> {}", self.location())?;
        if let Some((line_text, width)) = &self.snippet {
            let gutter = self.line.to_string();
            let pad = " ".repeat(gutter.len());
            let (shown, column, width) = snippet_window(line_text, self.column - 1, *width);
            writeln!(f, "{pad} |")?;
            writeln!(f, "{gutter} | {shown}")?;
            let indent: String = shown
                .chars()
                .take(column)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            writeln!(f, "{pad} | {indent}{}", "^".repeat(width))?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "  = help: {help}")?;
        }
        Ok(())
    }
}

/// All problems of one build, in a stable order (by file, then position) so
/// that output is the same from run to run even when files are read in
/// parallel.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Warning)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
        });
        self.0.dedup_by(|a, b| {
            a.file == b.file && a.line == b.line && a.column == b.column && a.message == b.message
        });
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.0 {
            writeln!(f, "{diagnostic}")?;
        }
        let errors = self.errors().count();
        let warnings = self.warnings().count();
        if errors > 0 {
            write!(
                f,
                "{errors} error{} found",
                if errors == 1 { "" } else { "s" }
            )?;
            if warnings > 0 {
                write!(
                    f,
                    " (and {warnings} warning{})",
                    if warnings == 1 { "" } else { "s" }
                )?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// The longest value a message quotes whole; a longer one is cut (the
/// snippet below the message shows where it is).
const QUOTED_MAX: usize = 60;

/// `value` in double quotes for a message, escaped as a Rust string (so
/// a newline or a quote inside it cannot pass for the message's own), and
/// cut after [`QUOTED_MAX`] characters: `"xxxx…" (3000 characters)`.
pub fn quoted(value: &str) -> String {
    let length = value.chars().count();
    if length <= QUOTED_MAX {
        return format!("\"{}\"", value.escape_debug());
    }
    let start: String = value.chars().take(QUOTED_MAX - 10).collect();
    format!("\"{}…\" ({length} characters)", start.escape_debug())
}

/// The widest a snippet line is shown, in characters; a longer line is
/// shown around the place it points at, cut with `…`.
const SNIPPET_MAX: usize = 100;

/// The part of `line` a snippet shows, for a place at 0-based character
/// `column` that is `width` characters wide: the text, and the column and
/// width within it.
fn snippet_window(line: &str, column: usize, width: usize) -> (String, usize, usize) {
    let length = line.chars().count();
    if length <= SNIPPET_MAX {
        return (line.to_string(), column, width);
    }
    // Some context before the place, and as much of it as fits.
    let start = column
        .saturating_sub(20)
        .min(length.saturating_sub(SNIPPET_MAX));
    let end = (start + SNIPPET_MAX).min(length);
    let mut shown: String = line.chars().skip(start).take(end - start).collect();
    let mut column = column - start;
    if start > 0 {
        shown.insert(0, '…');
        column += 1;
    }
    if end < length {
        shown.push('…');
    }
    let width = width
        .min((end - start + usize::from(start > 0)).saturating_sub(column))
        .max(1);
    (shown, column, width)
}

/// The nearest of `candidates` to `word`, if any is close enough to be a
/// plausible typo. Used for unknown keys, enumeration values and ids.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(distance, c)| {
            *distance <= 2.max(word.len() / 3) && *distance < c.len().max(word.len())
        })
        .min_by_key(|(distance, c)| (*distance, *c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reread_file_is_read_when_first_pointed_into() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("content")).unwrap();
        let path = Path::new("content/a.md");
        let reread = Reread::new(dir.path(), path);
        // Written after: nothing was read yet.
        std::fs::write(dir.path().join(path), "title\nsee [x](gone.md)\n").unwrap();
        let d = reread.error_at(10..20, "no such page".into());
        assert_eq!((d.line, d.column), (2, 5));
        assert_eq!(d.file.as_deref(), Some(path));
        assert!(d
            .snippet
            .as_ref()
            .is_some_and(|(s, _)| s.contains("gone.md")));
    }

    #[test]
    fn an_unreadable_reread_file_still_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = Path::new("content/missing.md");
        let d = Reread::new(dir.path(), path).error_at(3..4, "bad owner".into());
        assert_eq!(d.file.as_deref(), Some(path));
        assert_eq!((d.line, d.column, d.message.as_str()), (0, 0, "bad owner"));
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let file = SourceFile::new("a.toml", "ab\nçd = 1\n".to_string());
        assert_eq!(file.position(0), (1, 1));
        assert_eq!(file.position(3), (2, 1));
        // 'ç' is two bytes; 'd' is the second character.
        assert_eq!(file.position(5), (2, 2));
    }

    #[test]
    fn a_byte_order_mark_takes_no_column() {
        let file = SourceFile::new("a.md", "\u{feff}+++\nx\n".to_string());
        assert_eq!(file.position(3), (1, 1));
        assert_eq!(file.position(4), (1, 2));
        // An offset inside the mark's bytes (a file that gained one after
        // it was read) is its first column.
        assert_eq!(file.position(1), (1, 1));
        assert_eq!(file.position(2), (1, 1));
        assert!(file.error(0..1, "x").to_string().contains("a.md:1:1"));
        let text = file.error(3..6, "never closed").to_string();
        assert!(text.contains("--> a.md:1:1"), "{text}");
        assert!(text.contains("1 | +++\n"), "{text}");
    }

    #[test]
    fn rendered_error_shows_location_snippet_and_caret() {
        let file = SourceFile::new("data/x.toml", "id = 1\ntitel = \"x\"\n".to_string());
        let text = file.error(7..12, "unknown key `titel`").to_string();
        assert!(text.contains("--> data/x.toml:2:1"), "{text}");
        assert!(text.contains("2 | titel = \"x\""), "{text}");
        assert!(text.contains("  | ^^^^^"), "{text}");
    }

    #[test]
    fn a_long_value_is_quoted_cut_and_a_long_line_shown_around_its_place() {
        assert_eq!(quoted("go\"\n"), "\"go\\\"\\n\"");
        let long = "x".repeat(3000);
        assert_eq!(
            quoted(&long),
            format!("\"{}…\" (3000 characters)", "x".repeat(50))
        );

        let line = format!("title = \"{long}\"");
        let file = SourceFile::new("data/x.toml", format!("{line}\nstatus = 1\n"));
        let text = file.error(8..line.len(), "too long").to_string();
        let shown: Vec<&str> = text.lines().collect();
        assert_eq!(
            shown[3],
            format!("1 | title = \"{}…", "x".repeat(91)),
            "{text}"
        );
        assert_eq!(
            shown[4],
            format!("  | {}{}", " ".repeat(8), "^".repeat(92)),
            "{text}"
        );

        // A place far along the line: shown with 20 characters before it.
        let text = file.error(2000..2001, "here").to_string();
        let shown: Vec<&str> = text.lines().collect();
        assert_eq!(shown[3], format!("1 | …{}…", "x".repeat(100)), "{text}");
        assert_eq!(shown[4], format!("  | {}^", " ".repeat(21)), "{text}");
        // And at the end of the line, the end is not cut.
        let text = file.error(line.len() - 1..line.len(), "end").to_string();
        let shown: Vec<&str> = text.lines().collect();
        assert_eq!(shown[3], format!("1 | …{}\"", "x".repeat(99)), "{text}");
        assert_eq!(shown[4], format!("  | {}^", " ".repeat(100)), "{text}");
    }

    #[test]
    fn suggestion_finds_typos_but_not_unrelated_words() {
        let keys = ["title", "impact", "effort"];
        assert_eq!(suggest("titel", keys), Some("title"));
        assert_eq!(suggest("efort", keys), Some("effort"));
        assert_eq!(suggest("colour", keys), None);
    }
}
