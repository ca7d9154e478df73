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
            .env("CLAIMDESK_JOB_POLL_MS", "50")
            .env("CLAIMDESK_JOB_LEASE_SECONDS", lease_secs.to_string())
            .env("CLAIMDESK_FETCH_HOST_INTERVAL_MS", "0")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn claimdesk worker");
        Worker { child }
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
    let mut conn = pool.get().await.expect("conn");
    let counts = Job::counts(&mut conn).await.expect("counts");
    assert_eq!((counts.done, counts.failed, counts.queued), (40, 0, 0));
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
