//! The `jobs` table: background work claimed with `FOR UPDATE SKIP LOCKED`, so any number of
//! worker processes on one database take each job once, and leased, so the job of a worker that
//! died is taken again once its lease runs out. Every state change is one guarded statement.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::sql_types::{BigInt, Integer, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// One job as stored.
#[derive(Debug, Clone, diesel::QueryableByName, serde::Serialize, utoipa::ToSchema)]
pub struct Job {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Jsonb)]
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Integer)]
    pub max_attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub run_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub locked_until: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub locked_by: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_error: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub result: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub article_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub source_id: Option<i64>,
    /// Who asked for it (the source's owner for a source's imports).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub created_by: Option<i64>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub started_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub finished_at: Option<DateTime<Utc>>,
}

/// The columns every query returns (a macro so that `concat!` builds whole statements).
macro_rules! job_columns {
    () => {
        "id, kind, payload, state, attempts, max_attempts, run_at, locked_until, \
     locked_by, last_error, result, article_id, source_id, created_by, created_at, started_at, \
     finished_at"
    };
}

/// A job to add.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: serde_json::Value,
    pub max_attempts: i32,
    pub source_id: Option<i64>,
    pub dedupe_key: Option<String>,
    pub created_by: Option<i64>,
}

/// Jobs per state.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, utoipa::ToSchema)]
pub struct JobCounts {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

#[derive(diesel::QueryableByName)]
struct StateCount {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

impl Job {
    /// Adds a job; `None` when one with the same dedupe key (or a waiting poll of the same
    /// source) already exists.
    pub async fn enqueue(
        conn: &mut AsyncPgConnection,
        new: &NewJob,
    ) -> diesel::QueryResult<Option<Job>> {
        diesel::sql_query(concat!(
            "INSERT INTO jobs (kind, payload, max_attempts, source_id, dedupe_key, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING ",
            job_columns!(),
            ""
        ))
        .bind::<Text, _>(new.kind)
        .bind::<Jsonb, _>(&new.payload)
        .bind::<Integer, _>(new.max_attempts.max(1))
        .bind::<Nullable<BigInt>, _>(new.source_id)
        .bind::<Nullable<Text>, _>(new.dedupe_key.as_deref())
        .bind::<Nullable<BigInt>, _>(new.created_by)
        .get_result(conn)
        .await
        .optional()
    }

    pub async fn by_id(conn: &mut AsyncPgConnection, id: i64) -> diesel::QueryResult<Option<Job>> {
        diesel::sql_query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE id = $1"
        ))
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .await
        .optional()
    }

    /// Takes the next job that is due, or whose lease ran out, and leases it to `worker`.
    /// Skipping locked rows lets workers claim side by side without waiting on each other.
    pub async fn claim(
        conn: &mut AsyncPgConnection,
        worker: &str,
        lease_secs: i64,
    ) -> diesel::QueryResult<Option<Job>> {
        diesel::sql_query(concat!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, \
                 locked_until = now() + make_interval(secs => $2), started_at = now() \
             WHERE id = (SELECT id FROM jobs \
                 WHERE (state = 'queued' AND run_at <= now()) \
                    OR (state = 'running' AND locked_until < now() AND attempts < max_attempts) \
                 ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING ",
            job_columns!(),
            ""
        ))
        .bind::<Text, _>(worker)
        .bind::<BigInt, _>(lease_secs)
        .get_result(conn)
        .await
        .optional()
    }

    /// Deletes the jobs that ended more than `days` days ago, except those with a dedupe key:
    /// an import's key is the record that its address was fetched, which a later poll of a
    /// feed still naming it must find (one row per article ever seen, as the articles are).
    /// In batches, so a first prune of a long history holds no lock for long.
    pub async fn prune(conn: &mut AsyncPgConnection, days: i32) -> diesel::QueryResult<usize> {
        const BATCH: usize = 5000;
        let mut pruned = 0;
        loop {
            let deleted = diesel::sql_query(
                "DELETE FROM jobs WHERE id IN ( \
                     SELECT id FROM jobs \
                     WHERE state IN ('done', 'failed') AND dedupe_key IS NULL \
                       AND finished_at < now() - make_interval(days => $1) \
                     LIMIT $2)",
            )
            .bind::<Integer, _>(days)
            .bind::<BigInt, _>(BATCH as i64)
            .execute(conn)
            .await?;
            pruned += deleted;
            if deleted < BATCH {
                return Ok(pruned);
            }
        }
    }

    /// Fails the jobs whose workers died on every attempt they had.
    pub async fn fail_abandoned(conn: &mut AsyncPgConnection) -> diesel::QueryResult<usize> {
        diesel::sql_query(
            "UPDATE jobs SET state = 'failed', finished_at = now(), locked_by = NULL, \
                 locked_until = NULL, \
                 last_error = coalesce(last_error || '; ', '') || \
                     'the worker running it stopped before finishing (lease ran out)' \
             WHERE state = 'running' AND locked_until < now() AND attempts >= max_attempts",
        )
        .execute(conn)
        .await
    }

    /// Extends the lease of a job this worker still holds; false when it no longer does.
    pub async fn extend_lease(
        conn: &mut AsyncPgConnection,
        id: i64,
        worker: &str,
        lease_secs: i64,
    ) -> diesel::QueryResult<bool> {
        diesel::sql_query(
            "UPDATE jobs SET locked_until = now() + make_interval(secs => $3) \
             WHERE id = $1 AND locked_by = $2 AND state = 'running'",
        )
        .bind::<BigInt, _>(id)
        .bind::<Text, _>(worker)
        .bind::<BigInt, _>(lease_secs)
        .execute(conn)
        .await
        .map(|n| n == 1)
    }

    /// Marks a job this worker holds as done; false when its lease was lost meanwhile.
    pub async fn finish(
        conn: &mut AsyncPgConnection,
        id: i64,
        worker: &str,
        result: &str,
        article_id: Option<i64>,
    ) -> diesel::QueryResult<bool> {
        diesel::sql_query(
            "UPDATE jobs SET state = 'done', result = $3, article_id = $4, finished_at = now(), \
                 locked_by = NULL, locked_until = NULL \
             WHERE id = $1 AND locked_by = $2 AND state = 'running'",
        )
        .bind::<BigInt, _>(id)
        .bind::<Text, _>(worker)
        .bind::<Text, _>(result)
        .bind::<Nullable<BigInt>, _>(article_id)
        .execute(conn)
        .await
        .map(|n| n == 1)
    }

    /// Records a failed attempt: queued again after `backoff_secs` while attempts remain (or
    /// at once failed when `permanent`), else failed for good. The error stays visible.
    pub async fn record_failure(
        conn: &mut AsyncPgConnection,
        id: i64,
        worker: &str,
        error: &str,
        backoff_secs: f64,
        permanent: bool,
    ) -> diesel::QueryResult<bool> {
        diesel::sql_query(
            "UPDATE jobs SET last_error = $3, locked_by = NULL, locked_until = NULL, \
                 state = CASE WHEN $5 OR attempts >= max_attempts THEN 'failed' ELSE 'queued' END, \
                 finished_at = CASE WHEN $5 OR attempts >= max_attempts THEN now() END, \
                 run_at = now() + make_interval(secs => $4) \
             WHERE id = $1 AND locked_by = $2 AND state = 'running'",
        )
        .bind::<BigInt, _>(id)
        .bind::<Text, _>(worker)
        .bind::<Text, _>(error)
        .bind::<diesel::sql_types::Double, _>(backoff_secs)
        .bind::<diesel::sql_types::Bool, _>(permanent)
        .execute(conn)
        .await
        .map(|n| n == 1)
    }

    /// Gives a job back untouched (a worker stopping mid-job): the attempt is not counted.
    pub async fn release(
        conn: &mut AsyncPgConnection,
        id: i64,
        worker: &str,
    ) -> diesel::QueryResult<bool> {
        diesel::sql_query(
            "UPDATE jobs SET state = 'queued', attempts = greatest(attempts - 1, 0), \
                 locked_by = NULL, locked_until = NULL, run_at = now() \
             WHERE id = $1 AND locked_by = $2 AND state = 'running'",
        )
        .bind::<BigInt, _>(id)
        .bind::<Text, _>(worker)
        .execute(conn)
        .await
        .map(|n| n == 1)
    }

    /// Queues a failed job again with a fresh set of attempts; `None` when there is no failed
    /// job with this id.
    pub async fn retry(conn: &mut AsyncPgConnection, id: i64) -> diesel::QueryResult<Option<Job>> {
        diesel::sql_query(concat!(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_at = now(), finished_at = NULL \
             WHERE id = $1 AND state = 'failed' RETURNING ",
            job_columns!(),
            ""
        ))
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .await
        .optional()
    }

    /// The newest jobs, of one state or all, newest first.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        state: Option<&str>,
        limit: i64,
    ) -> diesel::QueryResult<Vec<Job>> {
        diesel::sql_query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE ($1::text IS NULL OR state = $1) \
             ORDER BY id DESC LIMIT $2"
        ))
        .bind::<Nullable<Text>, _>(state)
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await
    }

    pub async fn counts(conn: &mut AsyncPgConnection) -> diesel::QueryResult<JobCounts> {
        let rows: Vec<StateCount> =
            diesel::sql_query("SELECT state, count(*) AS n FROM jobs GROUP BY state")
                .load(conn)
                .await?;
        let mut counts = JobCounts::default();
        for row in rows {
            match row.state.as_str() {
                "queued" => counts.queued = row.n,
                "running" => counts.running = row.n,
                "done" => counts.done = row.n,
                "failed" => counts.failed = row.n,
                _ => {}
            }
        }
        Ok(counts)
    }
}
