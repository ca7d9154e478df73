//! Queue speed with 100,000 claims: the queue's queries straight from diesel, and the whole
//! queue page and API page over HTTP. Prints the query plans so BENCHMARKS.md can show that
//! the queue uses its indexes. Needs PostgreSQL at localhost (CLAIMDESK_TEST_DATABASE_URL to
//! point elsewhere); the bench database is dropped at the end.

use std::net::TcpListener;
use std::time::Duration;

use claimdesk::db::claims::{Claim, ClaimFilter, ClaimSort};
use claimdesk::domain::{ReviewState, Role};
use criterion::{Criterion, criterion_group, criterion_main};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

fn admin_url() -> String {
    std::env::var("CLAIMDESK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://localhost/postgres".into())
}

fn database_url(name: &str) -> String {
    let mut url = url::Url::parse(&admin_url()).expect("url");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

async fn admin(sql: &str) {
    let mut conn = AsyncPgConnection::establish(&admin_url())
        .await
        .expect("PostgreSQL");
    diesel::sql_query(sql).execute(&mut conn).await.expect(sql);
}

/// 100,000 claims over 1,000 articles in every state, inserted by the database itself.
async fn fill(url: &str) {
    let mut conn = AsyncPgConnection::establish(url).await.expect("bench db");
    for sql in [
        "INSERT INTO users (username, password_hash, role) VALUES ('bench', 'x', 'reviewer')",
        "INSERT INTO articles (title, body, content_hash) SELECT 'Article ' || g, 'Body ' || g, sha256(g::text::bytea) FROM generate_series(1, 1000) g",
        "INSERT INTO claims (article_id, text, span_start, span_end, category, score, state, entities) \
         SELECT 1 + (g % 1000), 'Claim ' || g || ' says the ministry delivered ' || (g % 97) || ' systems worth $' || (g % 50) || ' billion in ' || (1990 + g % 35), \
                0, 40, (ARRAY['arms','finance','energy','military','diplomacy','politics','economy','other'])[1 + g % 8]::claim_category, \
                (g * 7919 % 10000) / 10000.0, \
                (ARRAY['extracted','extracted','extracted','in_review','verified','disputed','unverifiable','approved','dismissed'])[1 + g % 9]::review_state, '[]' \
         FROM generate_series(1, 100000) g", // 100,000 claims
        // One claim in ten tagged "budget" (the queue's tag filter).
        "INSERT INTO tags (name, colour, created_by) VALUES ('budget', '#1f77b4', 1)",
        "INSERT INTO claim_tags (claim_id, tag_id, added_by) SELECT id, 1, 1 FROM claims WHERE id % 10 = 0",
        "ANALYZE",
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.expect(sql);
    }
}

async fn explain(url: &str) {
    let mut conn = AsyncPgConnection::establish(url).await.expect("bench db");
    for (what, sql) in [
        (
            "queue, all states, by score",
            "SELECT id FROM claims ORDER BY score DESC, id DESC LIMIT 51",
        ),
        (
            "queue, one state, by score",
            "SELECT id FROM claims WHERE state = 'extracted' ORDER BY score DESC, id DESC LIMIT 51",
        ),
        (
            "queue, next page",
            "SELECT id FROM claims WHERE state = 'extracted' AND score <= 0.5 AND (score < 0.5 OR (score = 0.5 AND id < 50000)) ORDER BY score DESC, id DESC LIMIT 51",
        ),
        (
            "queue, newest",
            "SELECT id FROM claims WHERE state = 'in_review' ORDER BY id DESC LIMIT 51",
        ),
        (
            "queue, text search",
            "SELECT id FROM claims WHERE search @@ websearch_to_tsquery('english', 'ministry systems 2001') ORDER BY score DESC, id DESC LIMIT 51",
        ),
        (
            "queue, grouped by article",
            "SELECT id FROM claims ORDER BY article_id DESC, score DESC, id DESC LIMIT 51",
        ),
        (
            "queue, grouped by article, one state and category",
            "SELECT id FROM claims WHERE state = 'extracted' AND category = 'arms' ORDER BY article_id DESC, score DESC, id DESC LIMIT 51",
        ),
        (
            "counts per state (kept by triggers)",
            "SELECT state, claims FROM claim_state_counts WHERE claims > 0",
        ),
    ] {
        let plan: Vec<PlanLine> = diesel::sql_query(format!(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) {sql}"
        ))
        .load(&mut conn)
        .await
        .expect("explain");
        println!("\n-- {what}\n{sql};");
        for line in plan {
            println!("   {}", line.line);
        }
    }
}

fn queue(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let name = format!("claimdesk_bench_queue_{}", std::process::id());
    let url = database_url(&name);
    rt.block_on(async {
        admin(&format!("CREATE DATABASE {name}")).await;
        claimdesk::db::run_migrations(&url).await.expect("migrate");
        fill(&url).await;
        explain(&url).await;
    });
    let pool = claimdesk::db::pool(&url, 8).expect("pool");

    let mut group = c.benchmark_group("queue_100k");
    group.measurement_time(Duration::from_secs(8));
    for (label, filter) in [
        (
            "list_by_score",
            ClaimFilter {
                limit: 50,
                ..ClaimFilter::default()
            },
        ),
        (
            "list_state_extracted",
            ClaimFilter {
                state: Some(ReviewState::Extracted),
                limit: 50,
                ..ClaimFilter::default()
            },
        ),
        (
            "list_newest",
            ClaimFilter {
                sort: ClaimSort::Newest,
                limit: 50,
                ..ClaimFilter::default()
            },
        ),
        (
            "search",
            ClaimFilter {
                text: Some("ministry systems 2001".into()),
                limit: 50,
                ..ClaimFilter::default()
            },
        ),
    ] {
        group.bench_function(label, |b| {
            b.to_async(&rt).iter(|| async {
                let mut conn = pool.get().await.expect("conn");
                Claim::list(&mut conn, &filter, claimdesk::domain::search::MAX_SEARCH_MS)
                    .await
                    .expect("list")
            })
        });
    }
    group.bench_function("counts_by_state", |b| {
        b.to_async(&rt).iter(|| async {
            let mut conn = pool.get().await.expect("conn");
            Claim::counts_by_state(&mut conn).await.expect("counts")
        })
    });

    // The whole page over HTTP, as a signed-in reviewer sees it, and the API's first page.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let config = claimdesk::config::AppConfig {
        server: claimdesk::config::ServerSettings {
            bind: base.clone(),
            secure_cookies: false,
            session_idle_minutes: 120,
            session_max_hours: 12,
            trust_proxy: false,
            workers: Some(2),
            hash_concurrency: None,
            preload_model: false,
            shutdown_timeout: 30,
            stale_days: 7,
        },
        extract: claimdesk::config::ExtractSettings {
            claim_threshold: 0.5,
            max_article_bytes: 2 << 20,
            duplicate_threshold: 0.6,
            fetch_allow_loopback: false,
        },
        reports: claimdesk::config::ReportSettings {
            org_name: "Bench".into(),
            org_url: None,
            public_url: Some(base.clone()),
        },
        public: claimdesk::config::PublicSettings::default(),
        // No background workers: the bench measures pages alone.
        jobs: claimdesk::config::JobSettings {
            job_workers: 0,
            job_lease_seconds: 60,
            job_attempts: 5,
            job_backoff_seconds: 10.0,
            job_poll_ms: 500,
            fetch_host_interval_ms: 1000,
            job_retention_days: 30,
        },
        webhooks: claimdesk::config::WebhookSettings::default(),
    };
    let server_pool = pool.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            claimdesk::startup::run(listener, server_pool, config)
                .expect("server")
                .await
        })
    });
    let (cookie, token) = rt.block_on(async {
        let mut conn = pool.get().await.expect("conn");
        let user = claimdesk::services::accounts::create_user(
            &mut conn,
            "bench-reviewer",
            Role::Reviewer,
            "bench password 123",
        )
        .await
        .expect("user");
        let token = claimdesk::services::accounts::create_token(&mut conn, &user, None, "bench")
            .await
            .expect("token");
        let login = claimdesk::auth::login::sign_in(
            &pool,
            "bench-reviewer",
            "bench password 123",
            "bench",
            chrono::Duration::hours(1),
            chrono::Utc::now(),
        )
        .await
        .unwrap_or_else(|_| panic!("sign in"));
        (format!("claimdesk_session={}", login.cookie_value), token)
    });
    let client = reqwest::Client::new();
    for (label, path) in [
        ("page_queue", "/"),
        ("page_queue_state_extracted", "/?state=extracted"),
        ("page_queue_search", "/?q=ministry"),
        (
            "page_queue_awaiting_by_last_change",
            "/?awaiting_approval=1&sort=last_change",
        ),
        ("page_queue_tag_and_category", "/?tag=budget&category=arms"),
        ("page_queue_stale", "/?stale=1"),
        ("page_queue_by_article", "/?sort=article"),
        (
            "page_queue_by_article_state_and_category",
            "/?sort=article&state=extracted&category=arms",
        ),
        ("api_claims", "/api/v1/claims?limit=50"),
        (
            "api_claims_by_article",
            "/api/v1/claims?limit=50&sort=article",
        ),
        (
            "api_claims_awaiting_tag",
            "/api/v1/claims?limit=50&awaiting_approval=true&tag=budget",
        ),
    ] {
        let url = format!("{base}{path}");
        group.bench_function(label, |b| {
            b.to_async(&rt).iter(|| async {
                let res = client
                    .get(&url)
                    .header("Cookie", &cookie)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("get");
                assert_eq!(res.status(), 200);
                res.bytes().await.expect("body")
            })
        });
    }
    group.finish();

    // One bulk action on 10,000 claims over HTTP: take them, then release them, alternately;
    // each claim moves once per action, so its version is the number of actions so far.
    let ids: Vec<i64> = rt.block_on(async {
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Int8)]
            id: i64,
        }
        let mut conn = pool.get().await.expect("conn");
        diesel::sql_query("SELECT id FROM claims WHERE state = 'extracted' ORDER BY id LIMIT 10000")
            .load::<Id>(&mut conn)
            .await
            .expect("ids")
            .into_iter()
            .map(|r| r.id)
            .collect()
    });
    assert_eq!(ids.len(), 10_000);
    let done = std::cell::Cell::new(0_i64);
    let mut bulk = c.benchmark_group("bulk_100k");
    // Each run takes seconds: flat sampling runs every sample once instead of 1, 2, … 10 times.
    bulk.sampling_mode(criterion::SamplingMode::Flat);
    bulk.sample_size(10);
    bulk.measurement_time(Duration::from_secs(30));
    bulk.bench_function("bulk_take_or_release_10k", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (client, base, token, ids, done) = (&client, &base, &token, &ids, &done);
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let n = done.get();
                    let action = if n % 2 == 0 { "take" } else { "release" };
                    let claims: Vec<serde_json::Value> = ids
                        .iter()
                        .map(|id| serde_json::json!({"id": id, "version": n}))
                        .collect();
                    let body = serde_json::json!({"action": action, "claims": claims});
                    let started = std::time::Instant::now();
                    let res = client
                        .post(format!("{base}/api/v1/claims/bulk"))
                        .bearer_auth(token)
                        .json(&body)
                        .send()
                        .await
                        .expect("bulk");
                    assert_eq!(res.status(), 200);
                    let out: serde_json::Value = res.json().await.expect("json");
                    total += started.elapsed();
                    let ok = out["results"]
                        .as_array()
                        .expect("results")
                        .iter()
                        .filter(|r| r["ok"] == true)
                        .count();
                    assert_eq!(ok, 10_000, "every claim moved");
                    done.set(n + 1);
                }
                total
            }
        })
    });
    bulk.finish();
    drop(pool);
    rt.block_on(admin(&format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )));
}

criterion_group!(benches, queue);
criterion_main!(benches);
