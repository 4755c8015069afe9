//! The validated site: settings, handbook, data and everything derived from
//! them. Built once per build; renderers read it and never touch files.

use std::path::{Path, PathBuf};

use crate::calendar::{self, Date};
use crate::config::Config;
use crate::content::cache::Reuse;
use crate::content::{Content, ContentOptions};
use crate::data::{scheduled, Data};
use crate::diagnostics::{quoted, suggest, Diagnostic, Diagnostics, PointInto, Reread, Severity};
use crate::model::{self, Model};

/// What a user can change about one build from the command line.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Overrides `base_url` from `tandem.toml` (e.g. for deploy previews).
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Overrides `SOURCE_DATE_EPOCH` and the clock; used by tests.
    pub today: Option<Date>,
    /// Overrides `relative_urls` from `tandem.toml` (`None`: as configured).
    /// The development server passes `Some(false)`.
    pub relative_urls: Option<bool>,
    /// Overrides `fingerprint` from `tandem.toml` (`None`: as configured).
    /// The development server passes `Some(false)`.
    pub fingerprint: Option<bool>,
}

/// A site that failed to load: every error found, and the parts that did
/// load, so their pages can still be checked (see [`crate::build`]).
#[derive(Debug)]
pub struct LoadFailure {
    pub diagnostics: Diagnostics,
    /// `None` when loading stopped before any page was read.
    pub partial: Option<Partial>,
}

/// What a failed load still read: the settings and every page that could
/// be read, with its rendered Markdown and its source text.
#[derive(Debug)]
pub struct Partial {
    pub root: PathBuf,
    pub config: Config,
    pub content: Content,
}

impl From<Diagnostics> for LoadFailure {
    fn from(diagnostics: Diagnostics) -> Self {
        LoadFailure {
            diagnostics,
            partial: None,
        }
    }
}

#[derive(Debug)]
pub struct Site {
    pub root: PathBuf,
    pub config: Config,
    pub data: Data,
    pub model: Model,
    pub content: Content,
    pub today: Date,
}

impl Site {
    /// Loads, validates and derives. Errors from every stage are collected
    /// and returned together; warnings are returned with a good site too.
    pub fn load(options: &BuildOptions) -> Result<(Site, Diagnostics), Diagnostics> {
        Site::try_load(options).map_err(|failure| failure.diagnostics)
    }

    /// [`Site::load`], keeping on failure what did load.
    pub fn try_load(options: &BuildOptions) -> Result<(Site, Diagnostics), LoadFailure> {
        Site::try_load_reusing(options, None)
    }

    /// [`Site::try_load`], restoring the pages whose source did not change
    /// from `reuse` (see [`crate::content::cache`]) if it can stand in
    /// for them.
    pub fn try_load_reusing(
        options: &BuildOptions,
        reuse: Option<Reuse>,
    ) -> Result<(Site, Diagnostics), LoadFailure> {
        let root = options.root.as_path();
        if !root.is_dir() {
            return Err(Diagnostics::from(Diagnostic::general(
                None,
                format!("site folder {} does not exist", root.display()),
            ))
            .into());
        }
        let mut diagnostics = Diagnostics::default();
        let today = match options.today.map(Ok).unwrap_or_else(calendar::today) {
            Ok(today) => today,
            Err(message) => {
                return Err(Diagnostics::from(Diagnostic::general(None, message)).into())
            }
        };
        let (mut config, config_errors) = Config::load(root);
        diagnostics.extend(config_errors);
        if let Some(base_url) = &options.base_url {
            match crate::config::checked_base_url(base_url) {
                Ok(url) => config.base_url = url,
                Err(problem) => diagnostics.push(
                    Diagnostic::general(None, format!("--base-url {problem}"))
                        .with_help(crate::config::BASE_URL_HELP),
                ),
            }
        }
        if let Some(relative) = options.relative_urls {
            config.relative_urls = relative;
        }
        if let Some(fingerprint) = options.fingerprint {
            config.fingerprint = fingerprint;
        }
        let base_path = config.base_path();
        let content_options = content_options(&config, &base_path, options, today);
        // The data (and the model derived from it) and the content are
        // independent until the checks below: loaded side by side, the
        // serial parts of each (listing files, merging, sorting, deriving)
        // overlap the other's parallel work.
        let ((data, data_errors, model), (content, content_errors)) = rayon::join(
            || {
                let (data, mut errors) = crate::build::timed("data", || Data::load(root, &config));
                errors.extend(scheduled::recorded_ahead(&data, today));
                // Deriving needs valid data. Should the content or the
                // config fail, the model is thrown away unused.
                let valid = !errors.iter().any(|d| d.severity == Severity::Error);
                let model = valid.then(|| {
                    crate::build::timed("derive", || model::derive(&data, &config, today))
                });
                (data, errors, model)
            },
            || {
                crate::build::timed("content", || {
                    Content::load_reusing(root, &content_options, reuse)
                        .unwrap_or_else(|| Content::load(root, &content_options))
                })
            },
        );
        diagnostics.extend(data_errors);
        diagnostics.extend(content_errors);
        check_page_owners(root, &content, &data, &mut diagnostics);
        if !root.join("content").is_dir() && !root.join("data").is_dir() {
            diagnostics.push(
                Diagnostic::general(
                    None,
                    format!(
                        "{} has neither content/ nor data/: is this a Tandem site?",
                        root.display()
                    ),
                )
                .with_help("run `tandem init DIR` to create one"),
            );
        }
        // Listed even when the build fails, so one `tandem check` shows
        // everything there is to do.
        for page in content.all_pages().filter(|p| p.due_for_review) {
            let review_by = page.review_by.expect("due pages have a date");
            diagnostics.push(
                Diagnostic::general(
                    Some(&page.source),
                    format!("page was due for review on {review_by}"),
                )
                .with_help("review it, then move `review_by` forward")
                .warning(),
            );
        }
        // Checked whenever the data made a model, even with errors in
        // pages or settings: a broken link on one page must not hide a
        // shortcode naming a missing candidate on another until the next run.
        if let Some(model) = &model {
            check_shortcodes(root, &content, model, &mut diagnostics);
        }
        diagnostics.sort();
        let failed = |diagnostics, config, content| LoadFailure {
            diagnostics,
            partial: Some(Partial {
                root: root.to_path_buf(),
                config,
                content,
            }),
        };
        if diagnostics.has_errors() {
            return Err(failed(diagnostics, config, content));
        }
        // Made whenever the data had no errors, which it had not to get here.
        let Some(model) = model else {
            return Err(failed(diagnostics, config, content));
        };
        // Sources were kept only to point diagnostics at them; the site is
        // valid now, and at 10,000 pages they are tens of megabytes.
        let mut data = data;
        data.drop_sources();
        Ok((
            Site {
                root: root.to_path_buf(),
                config,
                data,
                model,
                content,
                today,
            },
            diagnostics,
        ))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Reads the theme the settings name (its templates and static files,
    /// with the site's own over them) from the site's files.
    pub fn load_theme(&self) -> Result<crate::theme::Theme, Vec<Diagnostic>> {
        crate::theme::Theme::load(&self.root, &self.config.theme)
    }

    /// Reads every page from its file again, for a site some of whose
    /// pages came from the page cache (see [`crate::content::cache`]);
    /// the settings, data and model stay (only pages changed). `false`
    /// when a page has errors (then the site must be loaded anew for
    /// every diagnostic).
    pub fn read_all_pages(&mut self, options: &BuildOptions) -> bool {
        // Dropped first: the pages read must not add to those restored.
        drop(std::mem::take(&mut self.content));
        let base_path = self.config.base_path();
        let content_options = content_options(&self.config, &base_path, options, self.today);
        let (content, errors) = Content::load(&self.root, &content_options);
        if !errors.is_empty() {
            return false;
        }
        self.content = content;
        true
    }
}

/// How pages load for a build with `options` and `config`.
fn content_options<'a>(
    config: &Config,
    base_path: &'a str,
    options: &BuildOptions,
    today: Date,
) -> ContentOptions<'a> {
    ContentOptions {
        base_path,
        drafts: options.drafts,
        raw_html: config.raw_html,
        today,
    }
}

/// Pages restored from the page cache have no source file and are
/// skipped, here and in [`check_shortcodes`]: the cache is used only when
/// nothing but pages changed, so they passed both checks, against the
/// same data and model, in the build that made it.
fn check_page_owners(root: &Path, content: &Content, data: &Data, diagnostics: &mut Diagnostics) {
    let ids: Vec<&str> = data.people.iter().map(|p| p.id.value.as_str()).collect();
    for page in content.all_pages().filter(|p| !p.restored) {
        let Some(owner) = &page.owner else { continue };
        // Declared: every [[person]] with an id, valid or not (one whose
        // record has errors of its own has those reported, not a missing
        // person).
        if data.declared.people.contains(&owner.value) {
            continue;
        }
        let mut d = Reread::new(root, &page.source).error_at(
            owner.loc.span.clone(),
            format!(
                "`owner` is {}, but no person has that id",
                quoted(&owner.value)
            ),
        );
        d.help = Some(match suggest(&owner.value, ids.iter().copied()) {
            Some(nearest) => format!("did you mean \"{nearest}\"?"),
            None => "owners are person ids from data/".into(),
        });
        diagnostics.push(d);
    }
}

fn check_shortcodes(root: &Path, content: &Content, model: &Model, diagnostics: &mut Diagnostics) {
    let mut errors = Vec::new();
    for page in content.all_pages().filter(|p| !p.restored) {
        let file = Reread::new(root, &page.source);
        for call in &page.shortcodes {
            crate::content::shortcode::check_references(call, model, &file, &mut errors);
        }
    }
    diagnostics.extend(errors);
}

/// The repository's own example site, loaded, for tests that need a real
/// site.
#[cfg(test)]
pub(crate) fn load_example() -> Site {
    let options = BuildOptions {
        root: env!("CARGO_MANIFEST_DIR").into(),
        ..Default::default()
    };
    Site::load(&options).expect("the example site loads").0
}
