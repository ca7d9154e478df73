//! Background jobs run by real `claimdesk worker` processes on one database: a job runs once
//! however many workers there are, a killed worker's job is taken again after its lease, and
//! a job that keeps failing stops after its attempts with its error in view.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use claimdesk::db::articles::Article;
use claimdesk::db::jobs::{Job, NewJob};
use claimdesk::domain::{ArticleId, Role};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, api};
use crate::sources::site;

/// A `claimdesk worker` process, killed on drop.
struct Worker {
    child: Child,
}

impl Worker {
    fn start(db: &TestDb, name: &str, lease_secs: u64) -> Worker {
        Worker::start_with_grace(db, name, lease_secs, 30)
    }

    /// A worker whose jobs in hand get `grace_secs` to finish after SIGTERM.
    fn start_with_grace(db: &TestDb, name: &str, lease_secs: u64, grace_secs: u64) -> Worker {
        let log = std::env::temp_dir().join(format!(
            "claimdesk-worker-{name}-{}.log",
            std::process::id()
        ));
        #[allow(clippy::zombie_processes)] // Drop kills and waits for it
        let child = Command::new(env!("CARGO_BIN_EXE_claimdesk"))
            .arg("worker")
            .env("DATABASE_URL", &db.url)
            .env("RUST_LOG", "info")
            .env("CLAIMDESK_FETCH_ALLOW_LOOPBACK", "true")
            .env("CLAIMDESK_JOB_WORKERS", "2")
            // These processes test the job mechanics: the claims' jobs that imports queue run
            // without the sentence encoder (lexical fallback), so each process does not load
            // and run the model beside the rest of the suite on two cores.
            .env(
                "CLAIMDESK_MODEL_DIR",
                std::env::temp_dir().join("claimdesk-no-model"),
            )
            .env("CLAIMDESK_MODEL_INSTALL", "0")
            .env("CLAIMDESK_JOB_POLL_MS", "50")
            .env("CLAIMDESK_JOB_LEASE_SECONDS", lease_secs.to_string())
            .env("CLAIMDESK_FETCH_HOST_INTERVAL_MS", "0")
            .env("CLAIMDESK_SHUTDOWN_TIMEOUT", grace_secs.to_string())
            .env("CLAIMDESK_JOB_RETENTION_DAYS", "7")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn claimdesk worker");
        Worker { child }
    }

    /// Sends SIGTERM and waits for the process to exit, at most `limit`; its exit status and
    /// how long it took.
    async fn terminate(&mut self, limit: Duration) -> (std::process::ExitStatus, Duration) {
        let status = Command::new("kill")
            .args(["-s", "TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -s TERM");
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return (status, start.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the worker did not exit within {limit:?} of SIGTERM");
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

fn import_job(url: String) -> NewJob {
    NewJob {
        kind: "import_url",
        payload: json!({ "url": url }),
        max_attempts: 3,
        source_id: None,
        dedupe_key: None,
        created_by: None,
    }
}

async fn job(db: &TestDb, id: i64) -> Job {
    let pool = db.pool();
    let mut conn = pool.get().await.expect("conn");
    Job::by_id(&mut conn, id)
        .await
        .expect("query")
        .expect("job")
}

/// The address of the article a finished job imported, read from the articles table.
async fn imported_from(db: &TestDb, job: &Job) -> Option<String> {
    let article_id = job.article_id.expect("a finished import names its article");
    let pool = db.pool();
    let mut conn = pool.get().await.expect("conn");
    Article::by_id(&mut conn, ArticleId(article_id))
        .await
        .expect("query")
        .expect("the job's article exists")
        .source_url
}

async fn wait_until(db: &TestDb, id: i64, limit: Duration, done: impl Fn(&Job) -> bool) -> Job {
    let start = Instant::now();
    loop {
        let job = job(db, id).await;
        if done(&job) {
            return job;
        }
        assert!(start.elapsed() < limit, "job {id} stayed {job:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn two_worker_processes_never_run_one_job_twice() {
    let site = site();
    let db = TestDb::new();
    let pool = db.pool();
    // The schema is migrated by the template; jobs go straight into the table.
    let mut ids = Vec::new();
    {
        let mut conn = pool.get().await.expect("conn");
        for n in 0..40 {
            let new = import_job(format!("{}/a/{}", site.base, 100 + n));
            let job = Job::enqueue(&mut conn, &new).await.expect("enqueue");
            ids.push(job.expect("new").id);
        }
    }
    let _a = Worker::start(&db, "a", 30);
    let _b = Worker::start(&db, "b", 30);
    for (n, id) in ids.iter().enumerate() {
        let job = wait_until(&db, *id, Duration::from_secs(120), |j| j.state == "done").await;
        assert_eq!(job.attempts, 1, "job {id} ran once");
        assert_eq!(
            imported_from(&db, &job).await,
            Some(format!("{}/a/{}", site.base, 100 + n))
        );
    }
    for n in 0..40 {
        assert_eq!(
            site.hits(&format!("/a/{}", 100 + n)),
            1,
            "article {n} fetched once"
        );
    }
    // Each import queues its claims' job (embeddings, duplicates, matches): the two processes
    // run those once each as well.
    #[derive(diesel::QueryableByName)]
    struct Counts {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        done: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        other: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        retried: i64,
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let mut conn = pool.get().await.expect("conn");
        let counts: Counts = diesel_async::RunQueryDsl::get_result(
            diesel::sql_query(
                "SELECT count(*) FILTER (WHERE state = 'done') AS done, \
                        count(*) FILTER (WHERE state <> 'done') AS other, \
                        count(*) FILTER (WHERE attempts <> 1) AS retried \
                 FROM jobs WHERE kind = 'match_claims'",
            ),
            &mut conn,
        )
        .await
        .expect("counts");
        if counts.other == 0 || std::time::Instant::now() > deadline {
            assert_eq!((counts.done, counts.other, counts.retried), (40, 0, 0));
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_worker_killed_mid_job_leaves_it_to_another_after_its_lease() {
    let site = site();
    let db = TestDb::new();
    let pool = db.pool();
    let id = {
        let mut conn = pool.get().await.expect("conn");
        let new = import_job(format!("{}/slow/55", site.base));
        Job::enqueue(&mut conn, &new)
            .await
            .expect("enqueue")
            .expect("new")
            .id
    };
    let mut first = Worker::start(&db, "first", 2);
    let running = wait_until(&db, id, Duration::from_secs(30), |j| j.state == "running").await;
    let holder = running.locked_by.clone().expect("leased");
    // Killed while the page is still loading: no chance to release the job.
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.kill();
    let stuck = job(&db, id).await;
    assert_eq!(stuck.state, "running");
    assert_eq!(stuck.locked_by.as_deref(), Some(holder.as_str()));

    let _second = Worker::start(&db, "second", 2);
    let done = wait_until(&db, id, Duration::from_secs(60), |j| j.state == "done").await;
    assert_eq!(done.attempts, 2, "taken again once the lease ran out");
    assert_eq!(
        imported_from(&db, &done).await,
        Some(format!("{}/slow/55", site.base))
    );
    assert_eq!(site.hits("/slow/55"), 2);
}

async fn enqueue_slow_import(db: &TestDb, site: &crate::sources::Site, n: u32) -> i64 {
    let pool = db.pool();
    let mut conn = pool.get().await.expect("conn");
    let new = import_job(format!("{}/slow/{n}", site.base));
    Job::enqueue(&mut conn, &new)
        .await
        .expect("enqueue")
        .expect("new")
        .id
}

#[tokio::test]
async fn sigterm_lets_the_job_in_hand_finish_then_the_worker_exits() {
    let site = site();
    let db = TestDb::new();
    let id = enqueue_slow_import(&db, &site, 61).await;
    let mut worker = Worker::start_with_grace(&db, "term-finish", 30, 30);
    wait_until(&db, id, Duration::from_secs(30), |j| j.state == "running").await;
    // The page takes 4 s to answer; the signal comes while the worker waits for it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, took) = worker.terminate(Duration::from_secs(25)).await;
    assert!(status.success(), "a clean exit: {status:?}");
    assert!(
        took >= Duration::from_secs(2),
        "it waited for the job rather than leaving at once ({took:?})"
    );
    let done = job(&db, id).await;
    assert_eq!(done.state, "done", "finished before the exit: {done:?}");
    assert_eq!(done.attempts, 1);
    assert_eq!(done.locked_by, None);
    assert_eq!(
        imported_from(&db, &done).await,
        Some(format!("{}/slow/61", site.base))
    );
    assert_eq!(site.hits("/slow/61"), 1);
}

#[tokio::test]
async fn sigterm_past_the_grace_period_gives_the_job_back_for_another_worker() {
    let site = site();
    let db = TestDb::new();
    let id = enqueue_slow_import(&db, &site, 62).await;
    let mut worker = Worker::start_with_grace(&db, "term-release", 30, 1);
    wait_until(&db, id, Duration::from_secs(30), |j| j.state == "running").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _) = worker.terminate(Duration::from_secs(15)).await;
    assert!(status.success(), "a clean exit: {status:?}");
    // Given back when the second of grace ran out, before the page (four seconds) could
    // finish it: queued again, not done, not left for its 30-second lease to run out, and
    // the attempt it did not finish is not counted.
    let released = job(&db, id).await;
    assert_eq!(released.state, "queued", "{released:?}");
    assert_eq!(released.attempts, 0);
    assert_eq!((released.locked_by, released.article_id), (None, None));

    let _next = Worker::start(&db, "term-next", 30);
    let done = wait_until(&db, id, Duration::from_secs(60), |j| j.state == "done").await;
    assert_eq!(done.attempts, 1);
    assert_eq!(
        imported_from(&db, &done).await,
        Some(format!("{}/slow/62", site.base))
    );
    assert_eq!(site.hits("/slow/62"), 2, "fetched again by the next worker");
}

#[tokio::test]
async fn a_job_that_keeps_failing_stops_after_its_attempts_with_its_error_visible() {
    let site = site();
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let id = {
        let mut conn = app.conn().await;
        let new = import_job(format!("{}/fail", site.base));
        Job::enqueue(&mut conn, &new)
            .await
            .expect("enqueue")
            .expect("new")
            .id
    };
    let failed = wait_until(&app.db, id, Duration::from_secs(60), |j| {
        j.state == "failed"
    })
    .await;
    assert_eq!(failed.attempts, 3);
    assert_eq!(site.hits("/fail"), 3, "three attempts, then no more");
    assert!(
        failed
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("500")),
        "{failed:?}"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(site.hits("/fail"), 3, "a failed job is not run again");

    let jobs: Value = api(&app.address)
        .get(app.url("/api/v1/jobs?state=failed"))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("jobs")
        .json()
        .await
        .expect("json");
    assert_eq!(jobs["counts"]["failed"], 1, "{jobs}");
    assert_eq!(jobs["jobs"][0]["id"], id);
    let res = api(&app.address)
        .get(app.url("/api/v1/jobs?state=lost"))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("jobs");
    assert_eq!(res.status(), 400);

    // The jobs page shows the error with a retry button, which queues it again.
    let browser = app.browser("eda", Role::Editor).await;
    let (status, page) = browser.get("/jobs").await;
    assert_eq!(status, 200);
    assert!(page.contains("500") && page.contains(&format!("/jobs/{id}/retry")));
    let (status, _) = browser.submit(&format!("/jobs/{id}/retry"), &[]).await;
    assert_eq!(status, 303);
    wait_until(&app.db, id, Duration::from_secs(60), |j| {
        j.state == "failed" && j.attempts == 3 && j.finished_at.is_some()
    })
    .await;
    assert_eq!(
        site.hits("/fail"),
        6,
        "retried with a fresh set of attempts"
    );
}

#[tokio::test]
async fn retrying_a_poll_while_another_poll_of_its_source_waits_is_a_conflict() {
    use diesel::sql_types::BigInt;
    use diesel_async::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }

    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let (failed, waiting) = {
        let mut conn = app.conn().await;
        let source: Id = diesel::sql_query(
            "INSERT INTO sources (url, name, next_poll_at) \
             VALUES ('http://127.0.0.1:9/feed.xml', 'Wire', now() + interval '1 day') \
             RETURNING id",
        )
        .get_result(&mut conn)
        .await
        .expect("source");
        let failed: Id = diesel::sql_query(
            "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, source_id, \
                 finished_at, last_error) \
             VALUES ('poll_source', jsonb_build_object('source_id', $1), 'failed', 3, 3, $1, \
                 now(), 'down') RETURNING id",
        )
        .bind::<BigInt, _>(source.id)
        .get_result(&mut conn)
        .await
        .expect("failed poll");
        // Waiting, but not yet due: no worker takes it during the test.
        let waiting: Id = diesel::sql_query(
            "INSERT INTO jobs (kind, payload, source_id, run_at) \
             VALUES ('poll_source', jsonb_build_object('source_id', $1), $1, \
                 now() + interval '1 day') RETURNING id",
        )
        .bind::<BigInt, _>(source.id)
        .get_result(&mut conn)
        .await
        .expect("waiting poll");
        (failed.id, waiting.id)
    };
    let client = api(&app.address);
    let res = client
        .post(app.url(&format!("/api/v1/jobs/{failed}/retry")))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("retry");
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.expect("json");
    assert!(
        body.to_string().contains("another poll of its source"),
        "{body}"
    );
    assert_eq!(job(&app.db, failed).await.state, "failed", "left as it was");

    // Not failed: refused as before; unknown: not found.
    let res = client
        .post(app.url(&format!("/api/v1/jobs/{waiting}/retry")))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("retry");
    assert_eq!(res.status(), 422);
    let res = client
        .post(app.url("/api/v1/jobs/999999/retry"))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("retry");
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_worker_prunes_old_finished_jobs_and_ended_sign_in_counters_and_keeps_the_rest() {
    use diesel::sql_types::{BigInt, Text};
    use diesel_async::RunQueryDsl;

    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct Row {
        #[diesel(sql_type = Text)]
        name: String,
    }

    let db = TestDb::new();
    let pool = db.pool();
    {
        let mut conn = pool.get().await.expect("conn");
        // Each job's result names it, so the survivors can be listed.
        for (name, state, key, ended_days_ago) in [
            ("old done", "done", None, Some(8)),
            ("old failed", "failed", None, Some(40)),
            (
                "old import of a feed entry",
                "done",
                Some("article:http://x.example/a"),
                Some(90),
            ),
            ("recent done", "done", None, Some(6)),
            ("queued long ago", "queued", None, None),
        ] {
            diesel::sql_query(
                "INSERT INTO jobs (kind, payload, state, result, dedupe_key, created_at, \
                     run_at, finished_at) \
                 VALUES ('import_url', '{}', $1, $2, $3, now() - interval '100 days', \
                     now() + interval '1 day', now() - make_interval(days => $4::int))",
            )
            .bind::<Text, _>(state)
            .bind::<Text, _>(name)
            .bind::<diesel::sql_types::Nullable<Text>, _>(key)
            .bind::<diesel::sql_types::Nullable<BigInt>, _>(ended_days_ago)
            .execute(&mut conn)
            .await
            .expect("job");
        }
        for (key, started_mins_ago, locked_for_mins) in [
            ("ended window", 20, None),
            ("ended window, still locked", 20, Some(5)),
            ("current window", 5, None),
        ] {
            diesel::sql_query(
                "INSERT INTO login_throttle (key, failures, window_started_at, locked_until) \
                 VALUES ($1, 3, now() - make_interval(mins => $2::int), \
                     now() + make_interval(mins => $3::int))",
            )
            .bind::<Text, _>(key)
            .bind::<BigInt, _>(started_mins_ago)
            .bind::<diesel::sql_types::Nullable<BigInt>, _>(locked_for_mins)
            .execute(&mut conn)
            .await
            .expect("counter");
        }
    }
    let mut worker = Worker::start(&db, "pruner", 30);
    let names = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.get().await.expect("conn");
            let rows: Vec<Row> = diesel::sql_query(sql).load(&mut conn).await.expect("rows");
            rows.into_iter().map(|r| r.name).collect::<Vec<_>>()
        }
    };
    // Jobs and counters are pruned by two statements: wait for both.
    let start = Instant::now();
    loop {
        let jobs = names("SELECT result AS name FROM jobs ORDER BY id").await;
        let counters = names("SELECT key AS name FROM login_throttle ORDER BY key").await;
        if jobs.len() == 3 && counters.len() == 2 {
            assert_eq!(
                jobs,
                [
                    "old import of a feed entry",
                    "recent done",
                    "queued long ago"
                ]
            );
            assert_eq!(counters, ["current window", "ended window, still locked"]);
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "not pruned: {jobs:?} {counters:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    worker.kill();
}
