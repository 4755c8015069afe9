use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;

use super::EXIT_INVALID;
use crate::serve::{self, ServeOptions};

#[derive(clap::Args)]
pub struct ServeArgs {
    /// The site's folder (holding content/, data/, tandem.toml).
    #[arg(long, short, default_value = ".", value_name = "DIR")]
    root: PathBuf,
    /// Include pages marked `draft = true`.
    #[arg(long)]
    drafts: bool,
    /// The address to listen on; 0.0.0.0 shares the preview on the network.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDRESS")]
    bind: IpAddr,
    /// The port; when it is taken, the next ten are tried. 0 lets the system
    /// choose.
    #[arg(long, short, default_value_t = 1111)]
    port: u16,
    /// Open the site in the default browser.
    #[arg(long)]
    open: bool,
    /// After a save of a page in content/, open pages go to that page.
    #[arg(long)]
    follow: bool,
}

pub fn serve(args: ServeArgs) -> ExitCode {
    let (stop, shutdown) = mpsc::channel();
    // Kept so the server runs on (until killed) even without a handler.
    let _keep = stop.clone();
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = stop.send(());
    }) {
        eprintln!("cannot handle Ctrl-C: {e}");
    }
    let options = ServeOptions {
        root: args.root,
        drafts: args.drafts,
        bind: args.bind,
        port: args.port,
        open: args.open,
        follow: args.follow,
    };
    match serve::run(options, shutdown) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_INVALID)
        }
    }
}
