//! Security and reliability under an attacker's and an operator's hands: the login throttle
//! under concurrency, bounded hashing, shutdown, the audit chain, the runtime role, backups.

use claimdesk::db::throttle::PAIR_LIMIT;
use claimdesk::domain::Role;
use futures_util::future::join_all;

use crate::helpers::{PASSWORD, TestApp, TestDb, serve, test_config};
use crate::process::ServerProcess;

/// One sign-in POST with a double-submit token made up on the spot (as a browser holding
/// the sign-in page would send), from `forwarded_for` when given.
pub async fn sign_in(
    base: &str,
    username: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> u16 {
    let token = claimdesk::auth::secrets::random_token();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut req = client
        .post(format!("{base}/login"))
        .header("Cookie", format!("claimdesk_login={token}"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", username),
            ("password", password),
        ]);
    if let Some(address) = forwarded_for {
        req = req.header("X-Forwarded-For", address);
    }
    req.send().await.expect("POST /login").status().as_u16()
}

/// Password checks a server process made, from its log: each check ends in exactly one of
/// these lines, and a refused attempt in neither.
fn password_checks(log: &str) -> usize {
    log.lines()
        .filter(|l| l.contains("login failed") || l.contains("login succeeded"))
        .count()
}

#[tokio::test]
async fn concurrent_sign_ins_on_two_processes_check_no_more_passwords_than_the_limit() {
    let app = TestApp::spawn().await;
    app.user("rita", Role::Reviewer).await;
    let one = ServerProcess::start(&app.db.url, "throttle-one").await;
    let two = ServerProcess::start(&app.db.url, "throttle-two").await;
    let attempts = (0..40).map(|i| {
        let base = if i % 2 == 0 { &one.base } else { &two.base };
        sign_in(base, "rita", "not the password 123", None)
    });
    let codes = join_all(attempts).await;
    let wrong = codes.iter().filter(|c| **c == 401).count();
    let refused = codes.iter().filter(|c| **c == 429).count();
    assert_eq!(wrong + refused, 40, "{codes:?}");
    assert!(
        wrong <= PAIR_LIMIT as usize,
        "{wrong} wrong passwords were answered"
    );
    // The right password after the limit is refused without being checked.
    assert_eq!(sign_in(&one.base, "rita", PASSWORD, None).await, 429);
    assert_eq!(sign_in(&two.base, "rita", PASSWORD, None).await, 429);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let checks = password_checks(&one.log_text()) + password_checks(&two.log_text());
    assert_eq!(checks, wrong, "every 401 is one check, nothing more");
    assert!(checks <= PAIR_LIMIT as usize, "{checks} passwords checked");
}

#[tokio::test]
async fn a_stranger_failing_an_account_slows_it_but_cannot_lock_the_owner_out() {
    let db = TestDb::new();
    let mut config = test_config();
    config.server.trust_proxy = true;
    let address = serve(&db, config);
    let app = TestApp {
        address,
        pool: db.pool(),
        db,
    };
    app.user("rita", Role::Reviewer).await;
    let attacker = "203.0.113.5";
    let codes = join_all(
        (0..15).map(|_| sign_in(&app.address, "rita", "guess guess guess", Some(attacker))),
    )
    .await;
    assert!(codes.contains(&429), "the attacker is refused: {codes:?}");
    assert_eq!(
        sign_in(&app.address, "rita", PASSWORD, Some(attacker)).await,
        429,
        "even with the right password, from the attacker's address"
    );
    let started = std::time::Instant::now();
    assert_eq!(
        sign_in(&app.address, "rita", PASSWORD, Some("198.51.100.7")).await,
        303,
        "the owner, from elsewhere, still signs in"
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(250),
        "but the account is slowed down while under attack"
    );
}

/// Adds `n` extracted claims with long texts straight into the database, so an export of
/// them is far larger than any socket buffer.
async fn add_claims(app: &TestApp, n: u32) {
    use diesel_async::{AsyncConnection, RunQueryDsl};
    // Its own connection: the pool's statement timeout is for requests, not bulk loads.
    let mut conn = diesel_async::AsyncPgConnection::establish(&app.db.url)
        .await
        .expect("connection");
    for sql in [
        "INSERT INTO articles (title, body, content_hash) VALUES ('Bulk', 'Bulk body', sha256('bulk'::bytea))".to_owned(),
        format!(
            "INSERT INTO claims (article_id, text, span_start, span_end, category, score, entities) \
             SELECT (SELECT id FROM articles WHERE title = 'Bulk'), \
                    'Claim ' || g || ': ' || repeat('the ministry delivered systems worth billions ', 20), \
                    0, 5, 'arms', 0.9, '[]' FROM generate_series(1, {n}) g"
        ),
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.expect("bulk claims");
    }
}

/// Starts a CSV export of every extracted claim and reads its first chunk only.
async fn start_export(base: &str, token: &str) -> reqwest::Response {
    let mut res = reqwest::Client::new()
        .get(format!("{base}/api/v1/export?format=csv&states=extracted"))
        .bearer_auth(token)
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), 200);
    assert!(res.chunk().await.expect("first chunk").is_some());
    res
}

#[tokio::test]
async fn shutdown_lets_requests_finish_cuts_them_at_the_deadline_or_a_second_signal_and_says_so() {
    use std::time::Duration;
    let app = TestApp::spawn().await;
    let token = app.token("ed", Role::Editor).await;
    add_claims(&app, 40_000).await;

    // The deadline passes while a client holds an export: cut, logged as such, exit 1.
    let mut server =
        ServerProcess::start_with(&app.db.url, "deadline", &["--shutdown-timeout", "1"]).await;
    let held = start_export(&server.base, &token).await;
    server.signal("TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        reqwest::get(format!("{}/healthz", server.base))
            .await
            .is_err(),
        "no new connections once shutdown began"
    );
    let status = server
        .exit_status(Duration::from_secs(10))
        .await
        .expect("exits after the deadline");
    assert_eq!(status.code(), Some(1), "an unclean shutdown says so");
    let log = server.log_text();
    assert!(log.contains("response incomplete"), "{log}");
    assert!(log.contains("shutdown was not clean"), "{log}");
    assert!(
        !log.lines()
            .any(|l| l.contains("GET /api/v1/export") && l.contains("response sent")),
        "the cut export is never logged as sent:\n{log}"
    );
    drop(held);

    // A second signal cuts at once, long before the 30-second default.
    let mut server = ServerProcess::start(&app.db.url, "forced").await;
    let held = start_export(&server.base, &token).await;
    server.signal("INT");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        server.child.try_wait().expect("wait").is_none(),
        "the first signal waits"
    );
    server.signal("INT");
    let status = server
        .exit_status(Duration::from_secs(5))
        .await
        .expect("forced exit");
    assert_eq!(status.code(), Some(1));
    let log = server.log_text();
    assert!(
        log.contains("a second signal cut 1 response(s) short"),
        "{log}"
    );
    drop(held);

    // Time enough: the export in flight completes and the exit is clean.
    let mut server = ServerProcess::start(&app.db.url, "clean").await;
    let held = start_export(&server.base, &token).await;
    server.signal("TERM");
    let body = held.bytes().await.expect("the rest of the export");
    assert!(body.len() > 1_000_000, "{} bytes", body.len());
    let status = server
        .exit_status(Duration::from_secs(10))
        .await
        .expect("clean exit");
    assert_eq!(status.code(), Some(0), "{}", server.log_text());
    let log = server.log_text();
    assert!(
        log.lines()
            .any(|l| l.contains("GET /api/v1/export") && l.contains("response sent")),
        "{log}"
    );
}

/// Runs the claimdesk binary to completion against a database.
fn claimdesk(database_url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_claimdesk"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run claimdesk")
}

/// Runs SQL on a fresh connection, for acting as a given role.
async fn execute(url: &str, sql: &str) -> Result<(), String> {
    use diesel_async::{AsyncConnection, SimpleAsyncConnection};
    let mut conn = diesel_async::AsyncPgConnection::establish(url)
        .await
        .map_err(|e| e.to_string())?;
    conn.batch_execute(sql).await.map_err(|e| e.to_string())
}

/// The API steps of a claim's life, against any server: import, take, evidence, verdict by
/// one person, approval by another, a reopening and an approved correction (two verdict
/// versions), export. Returns the claim's id.
async fn whole_workflow(base: &str, reviewer: &str, editor: &str, admin: &str) -> i64 {
    let client = crate::helpers::api(base);
    let call = |method: reqwest::Method, path: &str, token: &str, body: serde_json::Value| {
        client
            .request(method, format!("{base}{path}"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    // A webhook endpoint where nothing listens: every event below queues a delivery, and the
    // failed attempts are recorded on it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let res = call(
        reqwest::Method::POST,
        "/api/v1/webhooks",
        admin,
        serde_json::json!({"url": format!("http://127.0.0.1:{closed}/hook"),
            "events": ["article.imported", "claim.created", "verdict.approved", "verdict.corrected"]}),
    )
    .await
    .expect("webhook");
    assert_eq!(
        res.status(),
        201,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let res = call(
        reqwest::Method::POST,
        "/api/v1/articles",
        editor,
        serde_json::json!({"title": "Seed", "body": crate::helpers::seed_article()}),
    )
    .await
    .expect("import");
    assert_eq!(res.status(), 201);
    let article: serde_json::Value = res.json().await.expect("json");
    let id = article["claims"][0]["id"].as_i64().expect("a claim");
    // The desk: the editor follows the claim and the reviewer saves a view of the queue.
    for (token, path, body) in [
        (
            editor,
            format!("/api/v1/claims/{id}/follow"),
            serde_json::json!({"follow": true}),
        ),
        (
            reviewer,
            "/api/v1/views".to_owned(),
            serde_json::json!({"name": "Open disputes", "query": "state=disputed&sort=oldest"}),
        ),
    ] {
        let res = call(reqwest::Method::POST, &path, token, body)
            .await
            .expect("desk");
        assert!(res.status().is_success(), "{path}: {}", res.status());
    }
    let mut version = 0;
    for (token, path, body) in [
        (
            reviewer,
            "transitions",
            serde_json::json!({"to": "in_review"}),
        ),
        (
            reviewer,
            "evidence",
            serde_json::json!({"url": "https://example.org/a", "stance": "refutes"}),
        ),
        (
            reviewer,
            "transitions",
            serde_json::json!({"to": "disputed", "rationale": "The record differs.", "rating": 2, "label": "Misleading"}),
        ),
        (editor, "transitions", serde_json::json!({"to": "approved"})),
        (
            editor,
            "transitions",
            serde_json::json!({"to": "in_review", "note": "The register was amended"}),
        ),
        (
            reviewer,
            "transitions",
            serde_json::json!({"to": "disputed", "rationale": "The amended record differs more.", "rating": 1}),
        ),
        (editor, "transitions", serde_json::json!({"to": "approved"})),
    ] {
        let mut body = body;
        if path == "transitions" {
            body["version"] = version.into();
        }
        let res = call(
            reqwest::Method::POST,
            &format!("/api/v1/claims/{id}/{path}"),
            token,
            body,
        )
        .await
        .expect("step");
        let status = res.status().as_u16();
        let json: serde_json::Value = res.json().await.unwrap_or_default();
        // Evidence is created (201); a move answers with the claim (200).
        let expected = if path == "evidence" { 201 } else { 200 };
        assert_eq!(status, expected, "{path}: {json}");
        if let Some(v) = json["version"].as_i64() {
            version = v;
        }
    }
    let res = call(
        reqwest::Method::GET,
        "/api/v1/export?format=csv",
        editor,
        serde_json::Value::Null,
    )
    .await
    .expect("export");
    assert_eq!(res.status(), 200);
    assert!(res.text().await.expect("csv").contains("False"));
    // Corrections: the claimant's kind (a claim event with old and new values), the article's
    // title, and an archive and restore (article events).
    let article_id = article["id"].as_i64().expect("article id");
    for (method, path, body) in [
        (
            reqwest::Method::PATCH,
            format!("/api/v1/claims/{id}"),
            serde_json::json!({"version": version, "claimant": "Dva Mayora", "claimant_kind": "publication"}),
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/articles/{article_id}"),
            serde_json::json!({"title": "Seed, corrected"}),
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/articles/{article_id}/archive"),
            serde_json::Value::Null,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/articles/{article_id}/restore"),
            serde_json::Value::Null,
        ),
    ] {
        let res = call(method, &path, editor, body).await.expect("correction");
        assert_eq!(
            res.status(),
            200,
            "{path}: {}",
            res.text().await.unwrap_or_default()
        );
    }
    // The desk: a tag, put on the claim and on another one and taken off again, and an
    // assignment (claims.assigned_at, an `assigned` event).
    let res = call(
        reqwest::Method::POST,
        "/api/v1/tags",
        editor,
        serde_json::json!({"name": "budget", "colour": "#1f77b4"}),
    )
    .await
    .expect("tag");
    assert_eq!(res.status(), 201);
    let other = article["claims"][1]["id"].as_i64().expect("a second claim");
    let claim_version = |v: &serde_json::Value| v["version"].as_i64().unwrap_or_default();
    let current = call(
        reqwest::Method::GET,
        &format!("/api/v1/claims/{id}"),
        editor,
        serde_json::Value::Null,
    )
    .await
    .expect("claim")
    .json::<serde_json::Value>()
    .await
    .expect("json");
    for (action, target, seen) in [
        ("tag", id, claim_version(&current)),
        ("tag", other, 0),
        ("untag", other, 1),
        ("assign", other, 2),
    ] {
        let res = call(
            reqwest::Method::POST,
            "/api/v1/claims/bulk",
            editor,
            serde_json::json!({"action": action, "tag": "budget", "assignee": "rev",
                               "claims": [{"id": target, "version": seen}]}),
        )
        .await
        .expect("bulk");
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["results"][0]["ok"], true, "{action}: {body}");
    }
    // Known fact-checks: an import (and its re-import, an update) and a claim's matches, which
    // store the claim's embedding.
    for _ in 0..2 {
        let res = call(
            reqwest::Method::POST,
            "/api/v1/fact-checks",
            editor,
            serde_json::json!({
                "@context": "https://schema.org",
                "@type": "ClaimReview",
                "url": "https://checks.example/oil-reserves",
                "claimReviewed": "Venezuela holds the largest proven oil reserves in the world.",
                "datePublished": "2024-03-01",
                "author": {"@type": "Organization", "name": "Example Checks"},
                "reviewRating": {"@type": "Rating", "ratingValue": 4, "bestRating": 5,
                                 "worstRating": 1, "alternateName": "Mostly true"}
            }),
        )
        .await
        .expect("fact-checks");
        assert_eq!(
            res.status(),
            200,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }
    let res = call(
        reqwest::Method::GET,
        &format!("/api/v1/claims/{id}/matches"),
        reviewer,
        serde_json::Value::Null,
    )
    .await
    .expect("matches");
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    // A source whose first poll a background worker runs: a source, a job and a fetch slot.
    // Nothing listens on the port, so the poll fails, and the failure is recorded on the source.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let res = call(
        reqwest::Method::POST,
        "/api/v1/sources",
        editor,
        serde_json::json!({"url": format!("http://127.0.0.1:{closed}/feed.xml"), "name": "Closed"}),
    )
    .await
    .expect("source");
    assert_eq!(res.status(), 201);
    let source: serde_json::Value = res.json().await.expect("json");
    let path = format!("/api/v1/sources/{}", source["id"]);
    let mut polled = serde_json::Value::Null;
    // The poll is a job behind the import's matching jobs (the encoder, slow in a debug build on
    // a busy machine): up to 60 s.
    for _ in 0..600 {
        polled = call(reqwest::Method::GET, &path, editor, serde_json::Value::Null)
            .await
            .expect("source")
            .json()
            .await
            .expect("json");
        if !polled["last_polled_at"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(polled["last_status"], "failed", "{polled}");
    id
}

#[tokio::test]
async fn audit_verify_recomputes_every_chain_and_names_the_first_broken_link() {
    let app = TestApp::spawn().await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let editor = app.token("ed", Role::Editor).await;
    let admin = app.token("adm", Role::Admin).await;
    let claim = whole_workflow(&app.address, &reviewer, &editor, &admin).await;
    let out = claimdesk(&app.db.url, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("audit trail intact: 13 events on 2 claims"),
        "{stdout}"
    );

    // The owner can switch the guards off and rewrite history; the chain still tells.
    execute(
        &app.db.url,
        &format!(
            "ALTER TABLE claim_events DISABLE TRIGGER USER; \
             UPDATE claim_events SET note = 'nothing to see' WHERE claim_id = {claim} AND seq = 3; \
             ALTER TABLE claim_events ENABLE TRIGGER USER"
        ),
    )
    .await
    .expect("tamper as the owner");
    let event: i64 = {
        use claimdesk::db::schema::claim_events;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        claim_events::table
            .filter(claim_events::claim_id.eq(claim))
            .filter(claim_events::seq.eq(3))
            .select(claim_events::id)
            .first(&mut app.conn().await)
            .await
            .expect("event id")
    };
    let out = claimdesk(&app.db.url, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("claim {claim}, event {event} (number 3")),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}

/// A login role on the test cluster, dropped when the test ends (after its database).
struct DbRole {
    name: String,
}

impl DbRole {
    async fn create(owner_url: &str) -> DbRole {
        let name = format!(
            "claimdesk_rt_{}",
            &claimdesk::auth::secrets::random_token()[..12]
        );
        execute(owner_url, &format!("CREATE ROLE {name} LOGIN"))
            .await
            .expect("create role");
        DbRole { name }
    }

    fn url(&self, database_url: &str) -> String {
        let mut url = url::Url::parse(database_url).expect("url");
        url.set_username(&self.name).expect("user");
        url.to_string()
    }
}

impl Drop for DbRole {
    fn drop(&mut self) {
        let drop = format!("DROP ROLE IF EXISTS {}", self.name);
        let admin = std::env::var("CLAIMDESK_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://localhost/postgres".into());
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| rt.block_on(execute(&admin, &drop)))
        })
        .join();
    }
}

#[tokio::test]
async fn the_runtime_role_can_run_everything_but_cannot_rewrite_the_audit_trail() {
    let app = TestApp::spawn().await;
    let role = DbRole::create(&app.db.url).await;
    let printed = claimdesk(&app.db.url, &["db", "grant-runtime", &role.name, "--print"]);
    let sql = String::from_utf8_lossy(&printed.stdout);
    assert!(
        sql.contains(&format!(
            "GRANT SELECT, INSERT ON claim_events TO {};",
            role.name
        )),
        "{sql}"
    );
    let out = claimdesk(&app.db.url, &["db", "grant-runtime", &role.name]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runtime = role.url(&app.db.url);

    // The server runs as the runtime role, and the whole workflow works.
    let reviewer = app.token("rev", Role::Reviewer).await;
    let editor = app.token("ed", Role::Editor).await;
    let admin = app.token("adm", Role::Admin).await;
    app.user("rita", Role::Reviewer).await;
    let server =
        ServerProcess::start_with(&runtime, "runtime-role", &["--fetch-allow-loopback"]).await;
    let claim = whole_workflow(&server.base, &reviewer, &editor, &admin).await;
    let browser = crate::helpers::Browser::new(&server.base);
    assert_eq!(browser.login("rita", "a wrong one 12345").await, 401);
    assert_eq!(browser.login("rita", PASSWORD).await, 303);
    assert_eq!(browser.submit("/logout", &[]).await.0, 303);
    assert_eq!(browser.get("/").await.0, 303, "signed out");
    let out = claimdesk(&runtime, &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The runtime role appended both verdict versions and recorded both approvals.
    let versions: Vec<(Option<i16>, bool)> = {
        use claimdesk::db::schema::verdicts;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        verdicts::table
            .filter(verdicts::claim_id.eq(claim))
            .order(verdicts::id.asc())
            .select((verdicts::rating, verdicts::approved_at.is_not_null()))
            .load(&mut app.conn().await)
            .await
            .expect("verdict versions")
    };
    assert_eq!(versions, vec![(Some(2), true), (Some(1), true)]);

    // ASVS 16.4.2: the runtime role cannot change or remove audit rows, nor the guards.
    for sql in [
        format!("UPDATE claim_events SET note = 'x' WHERE claim_id = {claim}"),
        format!("DELETE FROM claim_events WHERE claim_id = {claim}"),
        "TRUNCATE claim_events".to_owned(),
        "ALTER TABLE claim_events DISABLE TRIGGER claim_events_no_update_delete".to_owned(),
        "ALTER TABLE claim_events DISABLE TRIGGER USER".to_owned(),
        "DROP TRIGGER claim_events_link ON claim_events".to_owned(),
        "DROP TABLE claim_events".to_owned(),
        "DELETE FROM claims".to_owned(),
        "UPDATE article_events SET kind = 'restored'".to_owned(),
        "DELETE FROM article_events".to_owned(),
        "TRUNCATE article_events".to_owned(),
        "DELETE FROM articles".to_owned(),
        "CREATE TABLE scratch (id int)".to_owned(),
        // Verdict versions: appended, approved once, never rewritten or removed.
        format!("UPDATE verdicts SET label = 'x' WHERE claim_id = {claim}"),
        format!("UPDATE verdicts SET rationale = 'x' WHERE claim_id = {claim}"),
        format!(
            "UPDATE verdicts SET approved_at = now(), approved_by = approved_by WHERE claim_id = {claim}"
        ),
        format!("DELETE FROM verdicts WHERE claim_id = {claim}"),
        "TRUNCATE verdicts".to_owned(),
        "ALTER TABLE verdicts DISABLE TRIGGER verdicts_append_only".to_owned(),
        "DROP TRIGGER verdicts_append_only ON verdicts".to_owned(),
    ] {
        let refused = execute(&runtime, &sql).await;
        assert!(refused.is_err(), "{sql} was allowed");
    }

    // A schema behind the binary: the runtime role refuses to start, in one line.
    execute(
        &app.db.url,
        "DELETE FROM __diesel_schema_migrations WHERE version = (SELECT max(version) FROM __diesel_schema_migrations)",
    )
    .await
    .expect("pretend a migration is pending");
    let out = claimdesk(&runtime, &["serve", "--bind", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("schema is not current"), "{stderr}");
    assert!(stderr.contains("claimdesk migrate"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[tokio::test]
async fn hsts_is_sent_for_at_least_a_year_when_served_over_https_and_only_then() {
    // ASVS 3.4.1 (checklist row 22).
    let db = TestDb::new();
    let mut config = test_config();
    config.server.secure_cookies = true;
    let https = serve(&db, config);
    let plain = serve(&db, test_config());
    for path in ["/login", "/no-such-page", "/api/v1/claims"] {
        let res = reqwest::get(format!("{https}{path}")).await.expect("get");
        let hsts = res
            .headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let max_age: u64 = hsts
            .split(';')
            .find_map(|p| p.trim().strip_prefix("max-age="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        assert!(max_age >= 365 * 24 * 3600, "{path}: {hsts:?}");
        let res = reqwest::get(format!("{plain}{path}")).await.expect("get");
        assert!(res.headers().get("strict-transport-security").is_none());
    }
}

#[tokio::test]
async fn a_password_change_or_an_admin_ends_a_users_sessions_without_disabling_them() {
    // ASVS 7.4.2, 7.4.3, 7.4.5 (checklist row 4).
    let app = TestApp::spawn().await;
    let admin = app.browser("ada", Role::Admin).await;
    let rita = app.browser("rita", Role::Reviewer).await;
    let rita_id = claimdesk::db::users::User::by_username(&mut *app.conn().await, "rita")
        .await
        .expect("query")
        .expect("rita")
        .id;
    assert_eq!(rita.get("/").await.0, 200);
    let (status, _) = admin
        .submit(&format!("/admin/users/{rita_id}/sessions/end"), &[])
        .await;
    assert_eq!(status, 303);
    assert_eq!(rita.get("/").await.0, 303, "signed out by the admin");
    assert_eq!(
        rita.login("rita", PASSWORD).await,
        303,
        "the account still works"
    );
    assert_eq!(rita.get("/").await.0, 200);

    let new_password = "a brand new passphrase 42";
    let (status, _) = admin
        .submit(
            &format!("/admin/users/{rita_id}/password"),
            &[("password", new_password)],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        rita.get("/").await.0,
        303,
        "the old password's session is gone"
    );
    assert_eq!(rita.login("rita", new_password).await, 303);
    assert_eq!(
        admin.get("/admin").await.0,
        200,
        "the admin's own session stays"
    );
}

#[tokio::test]
async fn searches_beyond_the_length_or_term_limits_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let token = app.token("rev", Role::Reviewer).await;
    let client = crate::helpers::api(&app.address);
    let search = |q: String| {
        client
            .get(app.url("/api/v1/claims"))
            .query(&[("q", q)])
            .bearer_auth(&token)
            .send()
    };
    let res = search("oil exports".into()).await.expect("search");
    assert_eq!(res.status(), 200);
    let res = search("oil ".repeat(2_300)).await.expect("search");
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most")),
        "{body}"
    );
    let res = search("x".repeat(claimdesk::domain::search::MAX_CHARS + 1))
        .await
        .expect("search");
    assert_eq!(res.status(), 400);
}

/// A search the index cannot narrow (a quoted phrase of words every claim holds, in an order
/// none has) is stopped at its time budget and refused with the reason; the connection comes
/// back with no timeout left on it, and listings without text run under no budget at all.
#[tokio::test]
async fn a_search_over_its_time_budget_is_stopped_and_refused_with_a_reason() {
    use claimdesk::db::claims::ClaimFilter;
    use claimdesk::services::claims::list_within;
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    conn.batch_execute(
        // The counts are kept by a statement-level trigger, once for the whole insert.
        "INSERT INTO articles (title, body, content_hash) VALUES ('a', 'b', sha256('b'));
         INSERT INTO claims (article_id, text, span_start, span_end, category, score, state, entities)
           SELECT (SELECT min(id) FROM articles),
                  'Claim ' || g || ' says the ministry delivered ' || g || ' systems',
                  0, 1, 'arms', (g % 1000) / 1000.0, 'extracted', '[]'
           FROM generate_series(1, 40000) g;
         ANALYZE claims;",
    )
    .await
    .expect("load");
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        statement_timeout: String,
    }
    let before: Setting = diesel::sql_query("SHOW statement_timeout")
        .get_result(&mut conn)
        .await
        .expect("show");
    let phrase = ClaimFilter {
        text: Some("\"systems delivered ministry\"".into()),
        limit: 50,
        ..ClaimFilter::default()
    };
    let started = std::time::Instant::now();
    match list_within(&mut conn, &phrase, 1).await {
        Err(claimdesk::error::AppError::BadRequest(message)) => {
            assert_eq!(message, claimdesk::domain::search::TOO_BROAD)
        }
        other => panic!("expected a refusal, got {:?}", other.map(|(c, _)| c.len())),
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let left: Setting = diesel::sql_query("SHOW statement_timeout")
        .get_result(&mut conn)
        .await
        .expect("show");
    assert_eq!(
        left.statement_timeout, before.statement_timeout,
        "the budget stays with the search"
    );
    // With a budget it can meet, the same search answers (no claim holds that order).
    let (found, _) = list_within(&mut conn, &phrase, 60_000).await.expect("list");
    assert!(found.is_empty());
    let holds = ClaimFilter {
        text: Some("\"says the ministry delivered\"".into()),
        limit: 50,
        ..ClaimFilter::default()
    };
    let (found, _) = list_within(&mut conn, &holds, 60_000).await.expect("list");
    assert_eq!(found.len(), 50);
    let all = ClaimFilter {
        limit: 50,
        ..ClaimFilter::default()
    };
    let (found, _) = list_within(&mut conn, &all, 1)
        .await
        .expect("no text, no budget");
    assert_eq!(found.len(), 50);
}

/// Rows per table, for comparing two databases.
async fn row_counts(url: &str) -> Vec<(String, i64)> {
    use diesel_async::{AsyncConnection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = diesel_async::AsyncPgConnection::establish(url)
        .await
        .expect("connect");
    let mut counts = Vec::new();
    for (table, _) in claimdesk::db::runtime_role::TABLE_PRIVILEGES {
        // Table names from a fixed list in the code, never from input.
        let count: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result(&mut conn)
            .await
            .expect("count");
        counts.push(((*table).to_owned(), count.n));
    }
    counts
}

#[tokio::test]
async fn a_dump_restores_into_a_new_database_with_every_row_and_an_intact_audit_trail() {
    let app = TestApp::spawn().await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let editor = app.token("ed", Role::Editor).await;
    let admin = app.token("adm", Role::Admin).await;
    let claim = whole_workflow(&app.address, &reviewer, &editor, &admin).await;
    let rita = app.browser("rita", Role::Reviewer).await;
    assert_eq!(rita.get("/").await.0, 200);
    // The rows the API does not write: a claim marked as a repeat of a known fact-check (from
    // its page) and a reader's visit to the public pages (a per-address counter).
    let fact_check = fact_check_id(&app.db.url, "https://checks.example/oil-reserves").await;
    let eva = app.browser("eva", Role::Editor).await;
    let (status, _) = eva
        .submit(&format!("/claims/{claim}/matches/{fact_check}/repeat"), &[])
        .await;
    assert_eq!(status, 303);
    let reader = reqwest::Client::new();
    let res = reader
        .get(app.url("/checks"))
        .send()
        .await
        .expect("public index");
    assert_eq!(res.status(), 200);
    assert_eq!(
        sign_in(&app.address, "rita", "not it at all 123", None).await,
        401
    );
    // Background jobs (embeddings, duplicates, matches) end before the rows are counted.
    crate::claim_matches::matching_settles(&app).await;
    let before = row_counts(&app.db.url).await;
    assert!(
        before.iter().all(|(_, n)| *n > 0),
        "every table has rows: {before:?}"
    );

    let dump = std::env::temp_dir().join(format!("{}.dump", app.db.name));
    let status = std::process::Command::new("pg_dump")
        .args(["-Fc", "-f"])
        .arg(&dump)
        .arg(&app.db.url)
        .status()
        .expect("pg_dump");
    assert!(status.success());
    let restored = TestDb::new();
    // Into an empty database: the fresh test database already has the schema, so drop it.
    execute(
        &restored.url,
        "DROP SCHEMA public CASCADE; CREATE SCHEMA public",
    )
    .await
    .expect("empty the target");
    let out = std::process::Command::new("pg_restore")
        .args(["--exit-on-error", "--no-owner", "-d", &restored.url])
        .arg(&dump)
        .output()
        .expect("pg_restore");
    let _ = std::fs::remove_file(&dump);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    assert_eq!(row_counts(&restored.url).await, before);
    let out = claimdesk(&restored.url, &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("intact: 14 events on 2 claims"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

async fn fact_check_id(url: &str, review_url: &str) -> i64 {
    use diesel::sql_types::Text;
    use diesel_async::{AsyncConnection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let mut conn = diesel_async::AsyncPgConnection::establish(url)
        .await
        .expect("connect");
    let row: Id = diesel::sql_query("SELECT id FROM fact_checks WHERE review_url = $1")
        .bind::<Text, _>(review_url)
        .get_result(&mut conn)
        .await
        .expect("the imported fact-check");
    row.id
}
