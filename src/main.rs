//! The claimdesk binary: parse the command line, set up logging, run the command.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    return_large_blocks_to_the_system();
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

/// Each password hash borrows 19 MiB. glibc serves blocks that large from per-thread arenas
/// once it has raised its mmap threshold, and keeps them there after they are freed, so every
/// blocking thread that ever hashed holds its own 19 MiB (800 MiB after 100 sign-ins,
/// BENCHMARKS.md). A fixed threshold under 19 MiB maps such blocks on their own and returns
/// them when freed, so memory follows the hashing limit. It is 16 MiB rather than lower: the
/// sentence encoder's tensors (2–8 MiB a batch) would otherwise be mapped, zeroed by the
/// kernel and unmapped each time, which cost a fact-check import half as much system time as
/// the encoder's own work (BENCHMARKS.md, claim matching).
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning and takes glibc's own locks.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 16 << 20);
    }
}
