//! The command line: a thin layer over the library. Each subcommand parses
//! its flags, calls the library and turns the outcome into an exit code.

mod build;
mod init;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diagnostics::Diagnostics;

/// Exit codes: 0 success, 1 invalid input (the site has errors), 2 usage
/// (bad flags; clap exits with 2 on its own).
pub const EXIT_INVALID: u8 = 1;

#[derive(Parser)]
#[command(
    name = "tandem",
    version,
    about = "Build a team's product-collaboration handbook and priority dashboards from Markdown and TOML",
    long_about = "Tandem reads content/**/*.md (the handbook) and data/**/*.toml (people, candidates, \
scores, check-ins, demos), validates everything, derives priorities and coverage, and writes a static \
site. Exit codes: 0 success, 1 the site has errors, 2 wrong usage."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (public/ by default).
    ///
    /// The output is replaced only when the whole build succeeds: a site
    /// with errors leaves the previous output untouched.
    Build(build::BuildArgs),
    /// Validate everything a build would, without writing anything (for CI).
    ///
    /// Prints every error and warning with file, line and column, and exits
    /// 1 if there is any error.
    Check(build::CheckArgs),
    /// Create a new site in DIR: settings, a first page, sample data and a
    /// copy of the default theme to customise.
    Init(init::InitArgs),
    /// Serve the site locally, rebuilding and reloading the browser on
    /// every save.
    ///
    /// Builds in memory (public/ is not written), serves on
    /// http://127.0.0.1:1111/ and watches content/, data/, themes/,
    /// static/, templates/ and tandem.toml. A save that breaks the build
    /// keeps the last good site served and shows the errors in the page.
    Serve(serve::ServeArgs),
}

/// Flags shared by commands that read a site.
#[derive(clap::Args, Clone)]
pub struct SiteArgs {
    /// The site's folder (holding content/, data/, tandem.toml).
    #[arg(long, short, default_value = ".", value_name = "DIR")]
    root: PathBuf,
    /// Include pages marked `draft = true`.
    #[arg(long)]
    drafts: bool,
    /// Override `base_url` from tandem.toml, e.g. for a deploy preview.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build(args) => build::build(args),
        Command::Check(args) => build::check(args),
        Command::Init(args) => init::init(args),
        Command::Serve(args) => serve::serve(args),
    }
}

fn report(diagnostics: &Diagnostics) {
    if !diagnostics.is_empty() {
        eprint!("{diagnostics}");
    }
}
