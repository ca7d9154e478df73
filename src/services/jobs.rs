//! Background jobs as use cases: enqueueing an import, listing and retrying jobs, and what
//! each kind of job does when a worker runs it. A job never holds a database connection while
//! it fetches: it takes one for each short step.

use crate::domain::UserId;
use std::time::Duration;

use crate::config::{ExtractSettings, JobSettings};
use crate::db::DbPool;
use crate::db::jobs::{Job, JobCounts, NewJob};
use crate::error::AppError;

pub const IMPORT_URL: &str = "import_url";
pub const POLL_SOURCE: &str = "poll_source";
pub const RESCORE: &str = "rescore";

/// Jobs states a filter may name.
pub const STATES: [&str; 4] = ["queued", "running", "done", "failed"];

/// What a worker needs to run jobs.
#[derive(Clone)]
pub struct JobContext {
    pub pool: DbPool,
    pub extract: ExtractSettings,
    pub jobs: JobSettings,
}

/// How a job ended, short of success.
#[derive(Debug)]
pub struct JobFailure {
    pub message: String,
    /// Trying again cannot help (the page is not HTML, the address is refused).
    pub permanent: bool,
}

impl From<AppError> for JobFailure {
    fn from(err: AppError) -> Self {
        let permanent = matches!(
            err,
            AppError::BadRequest(_)
                | AppError::PayloadTooLarge { .. }
                | AppError::NotFound(_)
                | AppError::Forbidden(_)
        );
        if let AppError::Unexpected(cause) = &err {
            tracing::warn!(error = %format!("{cause:#}"), "job step failed");
        }
        JobFailure {
            message: err.to_string(),
            permanent,
        }
    }
}

impl From<diesel::result::Error> for JobFailure {
    fn from(err: diesel::result::Error) -> Self {
        JobFailure::from(AppError::from(err))
    }
}

impl From<crate::db::PoolError> for JobFailure {
    fn from(err: crate::db::PoolError) -> Self {
        JobFailure::from(AppError::from(err))
    }
}

/// What a finished job says about itself.
#[derive(Debug)]
pub struct JobDone {
    pub result: String,
    pub article_id: Option<i64>,
}

/// A URL import asked for by a person (page or API): one attempt, since they are there to
/// see a failure and retry it.
pub async fn enqueue_url_import(
    pool: &DbPool,
    url: &str,
    title: Option<String>,
    publisher: Option<String>,
    published: Option<String>,
    user: UserId,
) -> Result<Job, AppError> {
    let url = url.trim();
    crate::services::import::check_source_url(Some(url))?;
    let new = NewJob {
        kind: IMPORT_URL,
        payload: serde_json::json!({
            "url": url,
            "title": title,
            "publisher": publisher,
            "published": published,
        }),
        max_attempts: 1,
        source_id: None,
        dedupe_key: None,
        created_by: Some(user.0),
    };
    let mut conn = pool.get().await?;
    Job::enqueue(&mut conn, &new)
        .await?
        .ok_or_else(|| AppError::unexpected(anyhow::anyhow!("a job without a key conflicted")))
}

/// Re-scores the claims of an article with the current model, in the background.
pub async fn enqueue_rescore(pool: &DbPool, article_id: i64, user: i64) -> Result<Job, AppError> {
    let new = NewJob {
        kind: RESCORE,
        payload: serde_json::json!({ "article_id": article_id }),
        max_attempts: 3,
        source_id: None,
        dedupe_key: None,
        created_by: Some(user),
    };
    let mut conn = pool.get().await?;
    Job::enqueue(&mut conn, &new)
        .await?
        .ok_or_else(|| AppError::unexpected(anyhow::anyhow!("a job without a key conflicted")))
}

pub async fn find(pool: &DbPool, id: i64) -> Result<Job, AppError> {
    let mut conn = pool.get().await?;
    Job::by_id(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("job"))
}

/// Waits up to `limit` for a job to finish (done or failed), looking every 100 ms without
/// holding a connection in between; returns it as it last was.
pub async fn wait_for(pool: &DbPool, id: i64, limit: Duration) -> Result<Job, AppError> {
    let start = std::time::Instant::now();
    loop {
        let job = find(pool, id).await?;
        if matches!(job.state.as_str(), "done" | "failed") || start.elapsed() >= limit {
            return Ok(job);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The newest jobs of a state (or all) and the counts of every state.
pub async fn overview(
    pool: &DbPool,
    state: Option<&str>,
    limit: i64,
) -> Result<(Vec<Job>, JobCounts), AppError> {
    check_state(state)?;
    let mut conn = pool.get().await?;
    let jobs = Job::list(&mut conn, state, limit).await?;
    let counts = Job::counts(&mut conn).await?;
    Ok((jobs, counts))
}

/// What the jobs page shows: the counts of every state, the newest failed jobs and the
/// newest jobs of any state.
pub struct JobsBoard {
    pub counts: JobCounts,
    pub failed: Vec<Job>,
    pub recent: Vec<Job>,
}

/// The jobs page's content, read on one connection.
pub async fn board(
    pool: &DbPool,
    failed_limit: i64,
    recent_limit: i64,
) -> Result<JobsBoard, AppError> {
    let mut conn = pool.get().await?;
    let failed = Job::list(&mut conn, Some("failed"), failed_limit).await?;
    let recent = Job::list(&mut conn, None, recent_limit).await?;
    let counts = Job::counts(&mut conn).await?;
    Ok(JobsBoard {
        counts,
        failed,
        recent,
    })
}

fn check_state(state: Option<&str>) -> Result<(), AppError> {
    match state {
        Some(state) if !STATES.contains(&state) => Err(AppError::BadRequest(format!(
            "state must be one of {}",
            STATES.join(", ")
        ))),
        _ => Ok(()),
    }
}

/// Queues a failed job again. A poll of a source cannot be queued while another poll of it
/// waits or runs: that is a conflict.
pub async fn retry(pool: &DbPool, id: i64) -> Result<Job, AppError> {
    let mut conn = pool.get().await?;
    match Job::retry(&mut conn, id).await {
        Ok(Some(job)) => Ok(job),
        Ok(None) => {
            let job = Job::by_id(&mut conn, id)
                .await?
                .ok_or(AppError::NotFound("job"))?;
            Err(AppError::Validation(format!(
                "job {id} is {}; only failed jobs are retried",
                job.state
            )))
        }
        Err(err) if crate::db::is_unique_violation(&err) => {
            let source_id = Job::by_id(&mut conn, id)
                .await?
                .and_then(|job| job.source_id);
            Err(AppError::Conflict {
                message: format!(
                    "job {id} is not retried: another poll of its source is already queued or \
                     running"
                ),
                current: source_id.map(|s| serde_json::json!({ "source_id": s })),
            })
        }
        Err(err) => Err(err.into()),
    }
}

/// Runs one claimed job to its end.
pub async fn run(ctx: &JobContext, job: &Job) -> Result<JobDone, JobFailure> {
    match job.kind.as_str() {
        IMPORT_URL => crate::services::sources::import_entry(ctx, job).await,
        POLL_SOURCE => crate::services::sources::poll(ctx, job).await,
        RESCORE => rescore(ctx, job).await,
        crate::services::claim_matches::MATCH_CLAIMS => {
            crate::services::claim_matches::run_job(ctx, job).await
        }
        other => Err(JobFailure {
            message: format!("unknown job kind {other:?}"),
            permanent: true,
        }),
    }
}

async fn rescore(ctx: &JobContext, job: &Job) -> Result<JobDone, JobFailure> {
    let article_id = job
        .payload
        .get("article_id")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| JobFailure {
            message: "the job names no article".into(),
            permanent: true,
        })?;
    let mut conn = ctx.pool.get().await?;
    let claims = crate::db::claims::Claim::texts_of_article(&mut conn, article_id).await?;
    drop(conn);
    let scored: Vec<(i64, f32)> = actix_web::web::block(move || {
        claims
            .into_iter()
            .map(|(id, text)| (id, crate::extract::score_sentence(&text)))
            .collect()
    })
    .await
    .map_err(AppError::unexpected)?;
    let mut conn = ctx.pool.get().await?;
    let changed = crate::db::claims::Claim::set_scores(&mut conn, &scored).await?;
    Ok(JobDone {
        result: format!("{changed} of {} claims re-scored", scored.len()),
        article_id: Some(article_id),
    })
}

/// Deletes what has outlived its use: finished jobs past their retention, and sign-in
/// counters whose window has ended. Each is tried on its own; failures are logged (a runtime
/// role granted before pruning existed lacks DELETE on `jobs` until granted again).
pub async fn prune(ctx: &JobContext) {
    let jobs = async {
        let mut conn = ctx.pool.get().await?;
        Ok::<_, AppError>(Job::prune(&mut conn, ctx.jobs.job_retention_days).await?)
    }
    .await;
    let counters = async {
        let mut conn = ctx.pool.get().await?;
        Ok::<_, AppError>(crate::db::throttle::prune(&mut conn, chrono::Utc::now()).await?)
    }
    .await;
    for (what, pruned) in [("finished jobs", jobs), ("sign-in counters", counters)] {
        match pruned {
            Ok(0) => {}
            Ok(rows) => tracing::info!(rows, "pruned {what}"),
            Err(err) => tracing::warn!(error = %err, "could not prune {what}"),
        }
    }
}

/// A worker process's periodic chores: queue the source polls that are due, and fail the jobs
/// whose workers died during their last attempt.
pub async fn housekeeping(ctx: &JobContext) -> Result<(), AppError> {
    crate::services::sources::schedule_due(ctx).await?;
    let mut conn = ctx.pool.get().await?;
    let abandoned = Job::fail_abandoned(&mut conn).await?;
    if abandoned > 0 {
        tracing::warn!(
            count = abandoned,
            "jobs failed: their workers stopped on the last attempt"
        );
    }
    Ok(())
}
