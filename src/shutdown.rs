//! Serving until told to stop. The first SIGINT or SIGTERM stops accepting connections and
//! lets requests in flight finish, up to the shutdown timeout; a second signal cuts them at
//! once. The result says whether every response was sent in full.

use std::time::Duration;

use actix_web::dev::Server;
use tokio::signal::unix::{SignalKind, signal};

use crate::http_log;

/// Runs the server until it stops; `Err` when the shutdown cut responses short.
pub async fn serve(server: Server, timeout_secs: u64) -> anyhow::Result<()> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let handle = server.handle();
    // The server future carries out the handle's commands, so it runs as a task of its own.
    let mut server = tokio::spawn(server);
    let first = tokio::select! {
        stopped = &mut server => return Ok(stopped??),
        _ = interrupt.recv() => "SIGINT",
        _ = terminate.recv() => "SIGTERM",
    };
    http_log::begin_shutdown();
    tracing::info!(
        signal = first,
        in_flight = http_log::in_flight(),
        "shutting down: no new connections; requests in flight have up to {timeout_secs} s (a second signal cuts them now)"
    );
    let drain = handle.stop(true);
    let forced = tokio::select! {
        _ = drain => false,
        _ = interrupt.recv() => true,
        _ = terminate.recv() => true,
    };
    if forced {
        // The server is busy draining and takes no further commands: leaving the process is
        // what cuts the connections.
        let cut = http_log::in_flight();
        tracing::warn!(in_flight = cut, "second signal: stopping now");
        anyhow::bail!("shutdown was not clean: a second signal cut {cut} response(s) short");
    }
    let _ = server.await;
    // Workers drop the connections they still hold as they stop; give their bodies a moment
    // to be dropped (and logged) before judging.
    for _ in 0..50 {
        if http_log::in_flight() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cut = http_log::cut_at_shutdown() + http_log::in_flight();
    if cut > 0 {
        anyhow::bail!("shutdown was not clean: {cut} response(s) cut short");
    }
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Waits for the first SIGINT or SIGTERM (`claimdesk worker`, which serves nothing).
pub async fn wait_for_signal() -> anyhow::Result<&'static str> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let which = tokio::select! {
        _ = interrupt.recv() => "SIGINT",
        _ = terminate.recv() => "SIGTERM",
    };
    tracing::info!(
        signal = which,
        "shutting down: finishing or releasing the jobs in hand"
    );
    Ok(which)
}
