use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use super::{report, SiteArgs, EXIT_INVALID};
use crate::build::{self, BuildReport};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::site::BuildOptions;

#[derive(clap::Args)]
pub struct BuildArgs {
    #[command(flatten)]
    site: SiteArgs,
    /// Where to write the site; relative paths are taken from the site root.
    /// A folder of its own: not the site folder, one holding it or one the
    /// build reads, and not a folder of files Tandem did not write.
    #[arg(long, short, default_value = "public", value_name = "DIR")]
    output: PathBuf,
    /// Make every link relative to its page (and folder links end in
    /// index.html), so the output works from file:// and from any folder.
    /// 404.html, served at any depth, keeps links absolute from base_url.
    /// Same as `relative_urls = true` in tandem.toml.
    #[arg(long)]
    relative_urls: bool,
    /// Put a content hash in CSS and JS file names (style.3f2a9c1e.css), so
    /// hosts can cache them for good. Same as `fingerprint = true`.
    #[arg(long)]
    fingerprint: bool,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    site: SiteArgs,
    /// Treat warnings (pages past their review date) as errors.
    #[arg(long)]
    strict: bool,
    /// How to print the problems on standard output, besides the report on
    /// standard error: `text` (nothing more), `json` (one JSON document) or
    /// `github` (GitHub Actions annotations).
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
}

fn options(site: &SiteArgs) -> BuildOptions {
    BuildOptions {
        root: site.root.clone(),
        base_url: site.base_url.clone(),
        drafts: site.drafts,
        today: None,
        relative_urls: None,
        fingerprint: None,
    }
}

pub fn build(args: BuildArgs) -> ExitCode {
    let started = Instant::now();
    let output = if args.output.is_absolute() {
        args.output.clone()
    } else {
        args.site.root.join(&args.output)
    };
    let mut opts = options(&args.site);
    if args.relative_urls {
        opts.relative_urls = Some(true);
    }
    if args.fingerprint {
        opts.fingerprint = Some(true);
    }
    match build::build(&opts, &output) {
        Ok(BuildReport {
            warnings,
            pages,
            files,
            written,
            up_to_date,
            rendered,
        }) => {
            report(&warnings);
            if up_to_date {
                eprintln!(
                    "{} is up to date: nothing changed since it was built ({pages} pages, {files} files; checked in {} ms)",
                    output.display(),
                    started.elapsed().as_millis()
                );
                return ExitCode::SUCCESS;
            }
            if let Some(rendered) = rendered {
                eprintln!(
                    "rebuilt what the changed pages show: {rendered} of {pages} pages rendered again ({files} files: {} written, {} unchanged) into {} in {} ms",
                    written.written,
                    written.unchanged,
                    output.display(),
                    started.elapsed().as_millis()
                );
                return ExitCode::SUCCESS;
            }
            eprintln!(
                "built {pages} pages ({files} files: {} written, {} unchanged, {} removed) into {} in {} ms",
                written.written,
                written.unchanged,
                written.removed,
                output.display(),
                started.elapsed().as_millis()
            );
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            report(&diagnostics);
            eprintln!("nothing was written; {} is unchanged", output.display());
            ExitCode::from(EXIT_INVALID)
        }
    }
}

pub fn check(args: CheckArgs) -> ExitCode {
    let (mut diagnostics, valid) = match build::check(&options(&args.site)) {
        Ok(warnings) => (warnings, true),
        Err(errors) => (errors, false),
    };
    let mut valid = valid;
    if args.strict {
        for d in &mut diagnostics.0 {
            if d.severity == Severity::Warning {
                d.severity = Severity::Error;
                valid = false;
            }
        }
    }
    report(&diagnostics);
    match args.format {
        Format::Text => {}
        Format::Json => println!("{}", json_report(&diagnostics, valid)),
        Format::Github => print!("{}", github_annotations(&diagnostics, &args.site.root)),
    }
    if valid {
        eprintln!("site is valid");
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INVALID)
    }
}

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    ok: bool,
    errors: usize,
    warnings: usize,
    diagnostics: &'a [Diagnostic],
}

/// `check --format json`: `{"ok", "errors", "warnings", "diagnostics": [{
/// "severity", "file", "line", "column", "message", "help"}]}`.
pub fn json_report(diagnostics: &Diagnostics, ok: bool) -> String {
    serde_json::to_string_pretty(&JsonReport {
        ok,
        errors: diagnostics.errors().count(),
        warnings: diagnostics.warnings().count(),
        diagnostics: &diagnostics.0,
    })
    .expect("diagnostics serialize")
}

/// `check --format github`: one workflow command per problem, which GitHub
/// Actions shows as an annotation on the file and line. Paths are given
/// from the repository root, assumed to be the working directory.
pub fn github_annotations(diagnostics: &Diagnostics, root: &Path) -> String {
    fn data(text: &str) -> String {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    }
    fn property(text: &str) -> String {
        data(text).replace(':', "%3A").replace(',', "%2C")
    }
    let mut out = String::new();
    for d in &diagnostics.0 {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = vec!["title=Tandem".to_string()];
        if let Some(file) = &d.file {
            let shown = if root.is_absolute() || root == Path::new(".") {
                file.clone()
            } else {
                root.join(file)
            };
            props.insert(0, format!("file={}", property(&shown.to_string_lossy())));
            if d.line > 0 {
                props.insert(1, format!("line={}", d.line));
                props.insert(2, format!("col={}", d.column.max(1)));
            }
        }
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            data(&message)
        ));
    }
    out
}
