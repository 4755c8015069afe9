use std::path::PathBuf;
use std::process::ExitCode;

use super::EXIT_INVALID;

#[derive(clap::Args)]
pub struct InitArgs {
    /// Folder to create the site in; must be empty or not exist yet.
    dir: PathBuf,
}

pub fn init(args: InitArgs) -> ExitCode {
    match crate::scaffold::create(&args.dir) {
        Ok(()) => {
            eprintln!("created a new site in {}", args.dir.display());
            eprintln!("next: tandem build --root {}", args.dir.display());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_INVALID)
        }
    }
}
