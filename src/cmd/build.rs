use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use super::{report, SiteArgs, EXIT_INVALID};
use crate::build::{self, BuildReport};
use crate::site::BuildOptions;

#[derive(clap::Args)]
pub struct BuildArgs {
    #[command(flatten)]
    site: SiteArgs,
    /// Where to write the site; relative paths are taken from the site root.
    #[arg(long, short, default_value = "public", value_name = "DIR")]
    output: PathBuf,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    site: SiteArgs,
}

fn options(site: &SiteArgs) -> BuildOptions {
    BuildOptions {
        root: site.root.clone(),
        base_url: site.base_url.clone(),
        drafts: site.drafts,
        today: None,
    }
}

pub fn build(args: BuildArgs) -> ExitCode {
    let started = Instant::now();
    let output = if args.output.is_absolute() {
        args.output.clone()
    } else {
        args.site.root.join(&args.output)
    };
    match build::build(&options(&args.site), &output) {
        Ok(BuildReport {
            warnings,
            pages,
            files,
            written,
        }) => {
            report(&warnings);
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
    match build::check(&options(&args.site)) {
        Ok(warnings) => {
            report(&warnings);
            eprintln!("site is valid");
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            report(&diagnostics);
            ExitCode::from(EXIT_INVALID)
        }
    }
}
