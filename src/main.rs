//! The claimdesk binary: parse the command line, set up logging, run the command.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = claimdesk::cli::Cli::parse();
    claimdesk::telemetry::init(cli.log_json);
    match claimdesk::commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One clear line, never a backtrace.
            eprintln!("claimdesk: {err:#}");
            ExitCode::FAILURE
        }
    }
}
