//! The background side of a process: a list of long-running loops (job workers, and any
//! other loop a feature adds) started together and stopped by one shutdown signal.
//!
//! A job worker claims one job at a time, renews its lease while the job runs, and records how
//! it ended. On shutdown it lets the current job finish within the grace period, else gives it
//! back untouched for another worker.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::jobs::{self, JobContext};
use crate::db::jobs::Job;

/// The shutdown signal as the loops see it.
#[derive(Clone)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    pub fn is_stopping(&self) -> bool {
        *self.0.borrow()
    }

    /// The signal as a plain watch receiver, for loops written against one.
    pub fn into_receiver(self) -> watch::Receiver<bool> {
        self.0
    }

    /// Resolves once shutdown has begun.
    pub async fn stopping(&mut self) {
        // An error means the sender is gone, which is a shutdown too.
        let _ = self.0.wait_for(|stop| *stop).await;
    }

    /// Sleeps for `duration`, or less when shutdown begins; true when it began.
    pub async fn sleep(&mut self, duration: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(duration) => self.is_stopping(),
            _ = self.stopping() => true,
        }
    }
}

/// The loops running in the background of this process.
pub struct Background {
    stop: watch::Sender<bool>,
    tasks: Vec<(String, JoinHandle<()>)>,
}

impl Default for Background {
    fn default() -> Self {
        Background::new()
    }
}

impl Background {
    pub fn new() -> Background {
        Background {
            stop: watch::channel(false).0,
            tasks: Vec::new(),
        }
    }

    /// Starts a loop; it gets the shutdown signal and should return soon after it fires.
    pub fn spawn<F, Fut>(&mut self, name: impl Into<String>, task: F)
    where
        F: FnOnce(Shutdown) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let signal = Shutdown(self.stop.subscribe());
        self.tasks.push((name.into(), tokio::spawn(task(signal))));
    }

    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Tells every loop to stop and waits for them, at most `limit`; returns the names of
    /// those that did not stop in time (they are aborted).
    pub async fn stop(self, limit: Duration) -> Vec<String> {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + limit;
        let mut late = Vec::new();
        for (name, mut handle) in self.tasks {
            if tokio::time::timeout_at(deadline, &mut handle)
                .await
                .is_err()
            {
                handle.abort();
                late.push(name);
            }
        }
        late
    }
}

/// Adds `count` job workers, and the scheduler that queues due source polls, to `background`.
pub fn start_job_workers(
    background: &mut Background,
    ctx: JobContext,
    count: usize,
    grace: Duration,
) {
    if count == 0 {
        return;
    }
    let process = format!(
        "{}-{}",
        std::process::id(),
        &crate::auth::secrets::random_token()[..8]
    );
    for n in 0..count {
        let ctx = ctx.clone();
        let name = format!("{process}-{n}");
        background.spawn(format!("job worker {n}"), move |shutdown| {
            work(ctx, name, shutdown, grace)
        });
    }
    let ctx = ctx.clone();
    background.spawn("source scheduler", move |shutdown| schedule(ctx, shutdown));
}

/// How often a process prunes old jobs and sign-in counters (at its start, then this often).
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Now and then: queue due polls, fail the jobs whose workers died on their last attempt, and
/// (less often) prune.
async fn schedule(ctx: JobContext, mut shutdown: Shutdown) {
    let every = Duration::from_millis(ctx.jobs.job_poll_ms.max(1000));
    let mut pruned_at: Option<tokio::time::Instant> = None;
    loop {
        if let Err(err) = jobs::housekeeping(&ctx).await {
            tracing::warn!(error = %err, "could not schedule source polls");
        }
        if pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            // A failure waits for the next round too: it is logged, not retried every tick.
            pruned_at = Some(tokio::time::Instant::now());
            jobs::prune(&ctx).await;
        }
        if shutdown.sleep(every).await {
            return;
        }
    }
}

/// One worker: claim, run, record, until shutdown.
async fn work(ctx: JobContext, name: String, mut shutdown: Shutdown, grace: Duration) {
    let idle = Duration::from_millis(ctx.jobs.job_poll_ms);
    let lease = ctx.jobs.job_lease_seconds as i64;
    tracing::info!(worker = %name, "job worker started");
    while !shutdown.is_stopping() {
        let claimed = async {
            let mut conn = ctx.pool.get().await?;
            Ok::<_, crate::error::AppError>(Job::claim(&mut conn, &name, lease).await?)
        }
        .await;
        let job = match claimed {
            Ok(Some(job)) => job,
            Ok(None) => {
                shutdown.sleep(idle).await;
                continue;
            }
            Err(err) => {
                tracing::warn!(worker = %name, error = %err, "could not claim a job");
                shutdown.sleep(idle.max(Duration::from_secs(1))).await;
                continue;
            }
        };
        run_one(&ctx, &name, &job, &mut shutdown, grace).await;
    }
    tracing::info!(worker = %name, "job worker stopped");
}

async fn run_one(
    ctx: &JobContext,
    worker: &str,
    job: &Job,
    shutdown: &mut Shutdown,
    grace: Duration,
) {
    tracing::info!(worker, job = job.id, kind = %job.kind, attempt = job.attempts, "job started");
    let lease = ctx.jobs.job_lease_seconds as i64;
    let run = jobs::run(ctx, job);
    tokio::pin!(run);
    let mut renew = tokio::time::interval(Duration::from_secs((lease as u64 / 3).max(1)));
    renew.tick().await;
    let mut stopping_since: Option<tokio::time::Instant> = None;
    let outcome = loop {
        let give_up_at = stopping_since.map(|since| since + grace);
        tokio::select! {
            outcome = &mut run => break Some(outcome),
            _ = renew.tick() => {
                let renewed = async {
                    let mut conn = ctx.pool.get().await?;
                    Ok::<_, crate::error::AppError>(Job::extend_lease(&mut conn, job.id, worker, lease).await?)
                }.await;
                if let Ok(false) = renewed {
                    tracing::warn!(worker, job = job.id, "lost the job's lease; leaving it to its new worker");
                    return;
                }
            }
            _ = shutdown.stopping(), if stopping_since.is_none() => {
                tracing::info!(worker, job = job.id, "shutting down: finishing the current job first");
                stopping_since = Some(tokio::time::Instant::now());
            }
            _ = tokio::time::sleep_until(give_up_at.unwrap_or_else(tokio::time::Instant::now)), if give_up_at.is_some() => {
                break None;
            }
        }
    };
    let recorded = async {
        let mut conn = ctx.pool.get().await?;
        let kept = match &outcome {
            None => {
                tracing::info!(
                    worker,
                    job = job.id,
                    "job released unfinished for another worker"
                );
                Job::release(&mut conn, job.id, worker).await?
            }
            Some(Ok(done)) => {
                tracing::info!(worker, job = job.id, result = %done.result, "job done");
                Job::finish(&mut conn, job.id, worker, &done.result, done.article_id).await?
            }
            Some(Err(failure)) => {
                tracing::warn!(worker, job = job.id, error = %failure.message, "job failed");
                let backoff = ctx.jobs.backoff_secs(job.attempts);
                Job::record_failure(
                    &mut conn,
                    job.id,
                    worker,
                    &failure.message,
                    backoff,
                    failure.permanent,
                )
                .await?
            }
        };
        Ok::<_, crate::error::AppError>(kept)
    }
    .await;
    match recorded {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            worker,
            job = job.id,
            "the job's lease was lost before its end was recorded"
        ),
        Err(err) => {
            tracing::warn!(worker, job = job.id, error = %err, "could not record the job's end")
        }
    }
}
