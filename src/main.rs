//! The claimdesk binary: parse the command line, set up logging, run the command.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = claimdesk::cli::Cli::parse();
    claimdesk::telemetry::init(cli.log_json);
    match claimdesk::commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`claimdesk export … | head`): stop quietly, as a Unix
        // tool killed by SIGPIPE would, with its exit status.
        Err(err) if is_broken_pipe(&err) => ExitCode::from(141),
        Err(err) => {
            // One clear line, never a backtrace.
            eprintln!("claimdesk: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
