//! `tandem.toml`: site settings. Every key is optional and a site without the
//! file builds with the defaults below.

use std::path::Path;

use serde::Serialize;
use toml::de::{DeTable, DeValue};

use crate::data::reader::Record;
use crate::diagnostics::{quoted, Diagnostic, SourceFile};

pub const FILE_NAME: &str = "tandem.toml";

#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub title: String,
    pub description: String,
    /// Absolute URL of the published site; may contain a sub-path.
    pub base_url: String,
    pub theme: String,
    /// Raw HTML in Markdown is passed through (it is the team's own
    /// handbook); set `markdown.raw_html = false` to escape it instead.
    pub raw_html: bool,
    pub matrix: MatrixConfig,
    pub checkins: CheckinConfig,
    /// Where the site's source lives (`https://github.com/acme/handbook`);
    /// enables the "Edit this page" link.
    pub repository_url: Option<String>,
    /// The edit link of a page, with `{path}` standing for the page's
    /// source path relative to the site root (`content/x.md`). Defaults to
    /// `<repository_url>/edit/main/{path}` when only `repository_url` is set.
    pub edit_url: Option<String>,
    /// Show a "last updated" date per page (git, else file time).
    pub last_updated: bool,
    /// Rewrite every link to be relative to the file holding it, so the
    /// output works from `file://` and from any folder.
    pub relative_urls: bool,
    /// Give CSS and JS files content-hashed names (`style.3f2a9c1e.css`) so
    /// hosts can cache them forever.
    pub fingerprint: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixConfig {
    pub impact_max: u32,
    pub effort_max: u32,
    pub impact_split: f64,
    pub effort_split: f64,
    /// Spread (max - min) at or above which a candidate is flagged.
    pub disagreement: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckinConfig {
    pub due_within_days: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "Team handbook".into(),
            description: String::new(),
            base_url: "/".into(),
            theme: "default".into(),
            raw_html: true,
            matrix: MatrixConfig::with_scale(10, 10),
            checkins: CheckinConfig {
                due_within_days: 14,
            },
            repository_url: None,
            edit_url: None,
            last_updated: true,
            relative_urls: false,
            fingerprint: false,
        }
    }
}

impl MatrixConfig {
    fn with_scale(impact_max: u32, effort_max: u32) -> Self {
        MatrixConfig {
            impact_max,
            effort_max,
            impact_split: (1.0 + impact_max as f64) / 2.0,
            effort_split: (1.0 + effort_max as f64) / 2.0,
            disagreement: 4,
        }
    }
}

impl Config {
    /// The path part of `base_url`, always starting and ending with `/`:
    /// every URL in the output is prefixed with it so a site can live under
    /// a sub-path of its host.
    pub fn base_path(&self) -> String {
        let after_scheme = match self.base_url.split_once("://") {
            Some((_, rest)) => rest.find('/').map(|i| &rest[i..]).unwrap_or("/"),
            None => self.base_url.as_str(),
        };
        let trimmed = after_scheme.trim_matches('/');
        if trimmed.is_empty() {
            "/".into()
        } else {
            format!("/{trimmed}/")
        }
    }

    /// The "Edit this page" link of a page whose source is `source`
    /// (relative to the site root), when a repository is configured.
    pub fn edit_link(&self, source: &Path) -> Option<String> {
        let path = source.to_string_lossy().replace('\\', "/");
        let template = match (&self.edit_url, &self.repository_url) {
            (Some(edit), _) => edit.clone(),
            (None, Some(repo)) => format!("{}/edit/main/{{path}}", repo.trim_end_matches('/')),
            (None, None) => return None,
        };
        Some(template.replace("{path}", &path))
    }

    /// Reads `tandem.toml` from `root`, or the defaults when it is absent:
    /// the settings it could read, defaults for the rest, and the problems.
    /// A site with a bad setting does not build, but its other settings
    /// still apply while its data is checked: a bad `title` must not put
    /// `impact_max` back to 10 and make every score above it an error.
    pub fn load(root: &Path) -> (Config, Vec<Diagnostic>) {
        let path = root.join(FILE_NAME);
        let failed = |message: String| {
            let error = Diagnostic::general(Some(Path::new(FILE_NAME)), message);
            (Config::default(), vec![error])
        };
        let text = match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    return failed(format!(
                        "{FILE_NAME} is not valid UTF-8 (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Config::default(), Vec::new())
            }
            Err(e) => return failed(format!("cannot read {FILE_NAME}: {e}")),
        };
        let file = SourceFile::new(FILE_NAME, text);
        let mut errors = Vec::new();
        let mut config = parse(&file, &mut errors);
        if let Some(missing) = theme_missing(root, &file, &config.theme) {
            errors.push(missing);
            // The built-in theme stands in, so the pages still render for
            // their links to be checked.
            config.theme = "default".into();
        }
        (config, errors)
    }
}

/// The error for a `theme` with no folder under `themes/`, at the setting
/// (the default theme is built in and needs none).
fn theme_missing(root: &Path, file: &SourceFile, name: &str) -> Option<Diagnostic> {
    if name == "default" || root.join("themes").join(name).is_dir() {
        return None;
    }
    let document = DeTable::parse(&file.text).ok()?;
    let span = document.get_ref().get("theme")?.span();
    let error = file.error(
        span,
        format!(
            "theme {} not found: there is no such folder in themes/",
            quoted(name)
        ),
    );
    Some(error.with_help(crate::theme::MISSING_HELP))
}

const TOP_KEYS: &[&str] = &[
    "title",
    "description",
    "base_url",
    "theme",
    "markdown",
    "matrix",
    "checkins",
    "repository_url",
    "edit_url",
    "last_updated",
    "relative_urls",
    "fingerprint",
];
const MATRIX_KEYS: &[&str] = &[
    "impact_max",
    "effort_max",
    "impact_split",
    "effort_split",
    "disagreement",
];
const CHECKIN_KEYS: &[&str] = &["due_within_days"];
const MARKDOWN_KEYS: &[&str] = &["raw_html"];

fn parse(file: &SourceFile, errors: &mut Vec<Diagnostic>) -> Config {
    let document = match DeTable::parse(&file.text) {
        Ok(document) => document,
        Err(e) => {
            errors.push(crate::data::toml_syntax_error(file, &e));
            return Config::default();
        }
    };
    let mut config = Config::default();
    let span = document.span();
    let mut top = Record::new(
        file,
        0,
        document.get_ref(),
        span,
        FILE_NAME,
        TOP_KEYS,
        errors,
    );
    if let Some(title) = top.text("title") {
        config.title = title.value;
    }
    if let Some(description) = top.text("description") {
        config.description = description.value;
    }
    if let Some(base_url) = top.text("base_url") {
        match checked_base_url(&base_url.value) {
            Ok(url) => config.base_url = url,
            Err(problem) => {
                top.error(base_url.loc.span.clone(), format!("`base_url` {problem}"))
                    .help = Some(BASE_URL_HELP.into());
            }
        }
    }
    if let Some(theme) = top.slug("theme", false) {
        config.theme = theme.value;
    }
    if let Some(url) = top.text("repository_url") {
        if is_web_url(&url.value) {
            config.repository_url = Some(url.value.trim_end_matches('/').to_string());
        } else {
            top.error(
                url.loc.span.clone(),
                format!(
                    "`repository_url` is {}, expected an http(s) URL",
                    quoted(&url.value)
                ),
            )
            .help = Some("e.g. repository_url = \"https://github.com/acme/handbook\"".into());
        }
    }
    if let Some(url) = top.text("edit_url") {
        if !is_web_url(&url.value) {
            top.error(
                url.loc.span.clone(),
                format!(
                    "`edit_url` is {}, expected an http(s) URL",
                    quoted(&url.value)
                ),
            )
            .help = Some(
                "e.g. edit_url = \"https://github.com/acme/handbook/edit/main/{path}\"".into(),
            );
        } else if !url.value.contains("{path}") {
            top.error(
                url.loc.span.clone(),
                "`edit_url` has no `{path}`, so every page would link to the same place",
            )
            .help = Some(
                "`{path}` stands for the page's source path, e.g. `content/rituals/weekly.md`"
                    .into(),
            );
        } else {
            config.edit_url = Some(url.value);
        }
    }
    if let Some(on) = top.boolean("last_updated") {
        config.last_updated = on;
    }
    if let Some(on) = top.boolean("relative_urls") {
        config.relative_urls = on;
    }
    if let Some(on) = top.boolean("fingerprint") {
        config.fingerprint = on;
    }
    let [markdown, matrix, checkins] =
        ["markdown", "matrix", "checkins"].map(|key| subtable(&mut top, document.get_ref(), key));
    top.finish();

    if let Some((table, span)) = markdown {
        let mut record = Record::new(file, 0, table, span, "[markdown]", MARKDOWN_KEYS, errors);
        if let Some(raw) = record.boolean("raw_html") {
            config.raw_html = raw;
        }
        record.finish();
    }
    if let Some((table, span)) = matrix {
        let mut record = Record::new(file, 0, table, span, "[matrix]", MATRIX_KEYS, errors);
        let impact_max = record.integer("impact_max", 2..=1000, "").unwrap_or(10) as u32;
        let effort_max = record.integer("effort_max", 2..=1000, "").unwrap_or(10) as u32;
        config.matrix = MatrixConfig::with_scale(impact_max, effort_max);
        if let Some(split) = record.number("impact_split", 1.0..=impact_max as f64) {
            config.matrix.impact_split = split;
        }
        if let Some(split) = record.number("effort_split", 1.0..=effort_max as f64) {
            config.matrix.effort_split = split;
        }
        let widest = impact_max.max(effort_max) as i64;
        if let Some(threshold) = record.integer("disagreement", 1..=widest, "") {
            config.matrix.disagreement = threshold as u32;
        }
        record.finish();
    }
    if let Some((table, span)) = checkins {
        let mut record = Record::new(file, 0, table, span, "[checkins]", CHECKIN_KEYS, errors);
        if let Some(days) = record.integer("due_within_days", 0..=3650, "") {
            config.checkins.due_within_days = days as u32;
        }
        record.finish();
    }
    config
}

/// What a `base_url` should look like.
pub const BASE_URL_HELP: &str =
    "e.g. base_url = \"https://handbook.example/payments/\", or \"/payments/\" for a path on any host";

/// `url` as the site's base URL (`""` is `/`, the host's root, as when the
/// setting is left out), or what is wrong with it.
pub fn checked_base_url(url: &str) -> Result<String, String> {
    match base_url_problem(url) {
        Some(problem) => Err(problem),
        None if url.is_empty() => Ok("/".into()),
        None => Ok(url.to_string()),
    }
}

/// What is wrong with `url` as a site's base URL, if anything: it must be
/// an http(s) URL with a host, or a path from a host's root, and hold no
/// space, query, fragment or quote (it starts every link of every page).
fn base_url_problem(url: &str) -> Option<String> {
    let bad = |why: &str| Some(format!("is {}, {why}", quoted(url)));
    if let Some(c) = url
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || "?#\"'<>\\`".contains(*c))
    {
        return bad(&format!(
            "which holds {c:?}: expected an http(s) URL or a path without one"
        ));
    }
    // Empty is the host's root, as when the setting is left out (an unset
    // `$BASE_URL` in CI gives `--base-url ""`).
    if url.is_empty() || (url.starts_with('/') && !url.starts_with("//")) {
        return None;
    }
    if url.starts_with("//") {
        return bad("a URL without its scheme: expected https://… or a path starting with one `/`");
    }
    let host = ["https://", "http://"].iter().find_map(|scheme| {
        let prefix = url.get(..scheme.len())?;
        prefix
            .eq_ignore_ascii_case(scheme)
            .then(|| &url[scheme.len()..])
    });
    match host {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => None,
        Some(_) => {
            bad("which has no host: expected an http(s) URL such as https://handbook.example/")
        }
        None => bad("expected an http(s) URL or a path starting with `/`"),
    }
}

/// An absolute `http://` or `https://` URL with a host.
fn is_web_url(url: &str) -> bool {
    ["https://", "http://"].iter().any(|scheme| {
        url.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
            && url.len() > scheme.len()
            && !url.contains(char::is_whitespace)
    })
}

type SubTable<'a, 'i> = Option<(&'a DeTable<'i>, std::ops::Range<usize>)>;

fn subtable<'a, 'i>(
    top: &mut Record<'_, 'i>,
    document: &'a DeTable<'i>,
    key: &str,
) -> SubTable<'a, 'i> {
    let value = document.get(key)?;
    match value.get_ref() {
        DeValue::Table(table) => Some((table, value.span())),
        other => {
            let found = crate::data::reader::type_name(other);
            top.error(
                value.span(),
                format!("`{key}` in {FILE_NAME} is {found}, expected a table like [{key}]"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let file = SourceFile::new(FILE_NAME, text.to_string());
        let mut errors = Vec::new();
        let config = parse(&file, &mut errors);
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }

    #[test]
    fn splits_default_to_the_middle_of_the_scale() {
        let c = config("[matrix]\nimpact_max = 5\n").unwrap();
        assert_eq!(c.matrix.impact_split, 3.0);
        assert_eq!(c.matrix.effort_split, 5.5);
    }

    #[test]
    fn a_base_url_is_an_http_url_or_a_path_and_nothing_else() {
        for good in [
            "",
            "/",
            "/docs/",
            "https://x.example",
            "HTTP://x.example/teams/payments/",
        ] {
            assert_eq!(base_url_problem(good), None, "{good}");
        }
        for (bad, why) in [
            ("not a url", "holds ' '"),
            ("ftp://x.example/sub", "expected an http(s) URL"),
            ("https://x.example/a b/", "holds ' '"),
            ("https://x.example/?q=1", "holds '?'"),
            ("/docs/#top", "holds '#'"),
            ("https:///docs", "has no host"),
            ("x.example/docs", "expected an http(s) URL or a path"),
            ("//cdn.example/docs/", "a URL without its scheme"),
        ] {
            let problem = base_url_problem(bad).unwrap_or_default();
            assert!(problem.contains(why), "{bad}: {problem}");
        }
        let errors = config("base_url = \"ftp://x.example/sub\"\n").unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (1, 12));
    }

    #[test]
    fn base_path_comes_from_the_url() {
        let mut c = Config::default();
        for (url, path) in [
            ("https://x.example/teams/payments", "/teams/payments/"),
            ("https://x.example", "/"),
            ("/", "/"),
            ("/docs/", "/docs/"),
        ] {
            c.base_url = url.into();
            assert_eq!(c.base_path(), path, "{url}");
        }
    }

    #[test]
    fn publishing_settings_are_read_and_checked() {
        let c = config(
            "repository_url = \"https://git.example/acme/handbook/\"\nlast_updated = false\n\
             relative_urls = true\nfingerprint = true\n",
        )
        .unwrap();
        assert!(!c.last_updated && c.relative_urls && c.fingerprint);
        assert_eq!(
            c.edit_link(Path::new("content/a.md")).as_deref(),
            Some("https://git.example/acme/handbook/edit/main/content/a.md")
        );
        let c = config("edit_url = \"https://x.example/e/{path}?plain=1\"\n").unwrap();
        assert_eq!(
            c.edit_link(Path::new("content/a.md")).as_deref(),
            Some("https://x.example/e/content/a.md?plain=1")
        );
        assert_eq!(Config::default().edit_link(Path::new("content/a.md")), None);
        let errors =
            config("edit_url = \"https://x.example/edit\"\nrepository_url = \"javascript:x\"\n")
                .unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn unknown_setting_is_reported_with_suggestion() {
        let errors = config("[matrix]\nimpact_mx = 5\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("unknown key `impact_mx`"));
        assert_eq!(
            errors[0].help.as_deref(),
            Some("did you mean `impact_max`?")
        );
        assert_eq!(errors[0].line, 2);
    }
}
