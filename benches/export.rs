//! Exports at scale: a throwaway database with 1,000,000 approved claims, each format streamed
//! to /dev/null through the same driver the server and CLI use; peak memory of the release
//! binary is read from `/usr/bin/time -v`. See BENCHMARKS.md, section "Exports".
//!
//! Run: `cargo build --release && cargo bench --bench export`.
//! `CLAIMDESK_BENCH_CLAIMS` changes the size; `CLAIMDESK_TEST_DATABASE_URL` the server.

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use chrono::Utc;
use claimdesk::config::ReportSettings;
use claimdesk::export::ExportFormat;
use claimdesk::services::reports::{ExportRequest, start_export};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

const DATABASE: &str = "claimdesk_bench_export";
const CLAIMS_PER_ARTICLE: i64 = 1_000;

fn server_url() -> String {
    std::env::var("CLAIMDESK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://localhost/postgres".into())
}

fn database_url() -> anyhow::Result<String> {
    let mut url = url::Url::parse(&server_url())?;
    url.set_path(&format!("/{DATABASE}"));
    Ok(url.to_string())
}

async fn admin(sql: &str) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(&server_url()).await?;
    diesel::sql_query(sql).execute(&mut conn).await?;
    Ok(())
}

/// Bulk-loads `claims` approved claims with one evidence row and three events each.
/// Plain SQL is fine here: this is a load script, not application code.
async fn load(url: &str, claims: i64) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(url).await?;
    let articles = (claims + CLAIMS_PER_ARTICLE - 1) / CLAIMS_PER_ARTICLE;
    let statements = [
        // Full-text and trigram indexes serve the queue and duplicate search, never exports;
        // dropping them in this throwaway database only shortens the load.
        "DROP INDEX claims_search_idx, claims_text_trgm_idx".to_owned(),
        "INSERT INTO users (username, password_hash, role) VALUES \
         ('bench-reviewer', 'x', 'reviewer'), ('bench-editor', 'x', 'editor')"
            .to_owned(),
        format!(
            "INSERT INTO articles (title, source_url, publisher, published_on, body, content_hash) \
             SELECT 'Bench article ' || a, 'https://news.example/' || a, 'Bench Wire', \
                    DATE '2026-01-01' + (a % 300), 'body ' || a, sha256(('bench ' || a)::bytea) \
             FROM generate_series(1, {articles}) AS a"
        ),
        format!(
            "INSERT INTO claims (article_id, text, span_start, span_end, category, claimant, score, \
                 state, assignee_id, verdict, rating, label, rationale, verdict_by, verdict_at, \
                 approved_by, approved_at, reopen_count, version) \
             SELECT 1 + (i - 1) / {CLAIMS_PER_ARTICLE}, \
                    'The ministry said ' || i || ' tonnes of grain left the port in 2025.', \
                    0, 60, \
                    (ARRAY['arms','finance','energy','military','diplomacy','politics','economy','other'])[1 + i % 8]::claim_category, \
                    'Minister ' || (i % 97), 0.8, 'approved', 1, \
                    (ARRAY['verified','disputed','unverifiable'])[1 + i % 3]::verdict_kind, \
                    1 + i % 5, 'Checked', 'Port records for ' || i || ' agree with the statement.', \
                    1, now() - interval '2 days', 2, now() - interval '1 day', \
                    CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END, 4 \
             FROM generate_series(1, {claims}) AS i"
        ),
        "INSERT INTO evidence (claim_id, url, title, excerpt, stance, added_by, added_at) \
         SELECT id, 'https://records.example/port/' || id, 'Port register', 'Entry ' || id, \
                'supports', 1, now() - interval '3 days' FROM claims"
            .to_owned(),
        "INSERT INTO claim_events (claim_id, actor_id, kind, from_state, to_state, created_at) \
         SELECT id, 1, 'transition', 'extracted', 'in_review', now() - interval '4 days' FROM claims"
            .to_owned(),
        "INSERT INTO claim_events (claim_id, actor_id, kind, from_state, to_state, note, created_at) \
         SELECT id, 1, 'transition', 'in_review', 'verified', NULL, now() - interval '2 days' FROM claims"
            .to_owned(),
        "INSERT INTO claim_events (claim_id, actor_id, kind, from_state, to_state, created_at) \
         SELECT id, 2, 'transition', 'verified', 'approved', now() - interval '1 day' FROM claims"
            .to_owned(),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        diesel::sql_query(sql).execute(&mut conn).await?;
    }
    Ok(())
}

/// Streams one export into /dev/null in-process; returns (seconds, bytes).
async fn export_in_process(url: &str, format: ExportFormat) -> anyhow::Result<(f64, u64)> {
    let pool = claimdesk::db::pool(url, 2)?;
    let settings = ReportSettings {
        org_name: "Bench Desk".into(),
        org_url: Some("https://bench.example".into()),
        public_url: Some("https://claims.bench.example".into()),
    };
    let started = Instant::now();
    let mut stream = start_export(
        &pool,
        &ExportRequest::default(),
        format,
        &settings,
        Utc::now(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut sink = std::fs::File::options().write(true).open("/dev/null")?;
    let mut bytes = 0u64;
    while let Some(chunk) = stream.next_chunk().await {
        let chunk = chunk.map_err(|e| anyhow::anyhow!("{e}"))?;
        bytes += chunk.bytes.len() as u64;
        sink.write_all(&chunk.bytes)?;
    }
    Ok((started.elapsed().as_secs_f64(), bytes))
}

/// Runs the release binary under `/usr/bin/time -v`; returns (wall seconds, peak RSS in KiB).
fn export_with_binary(url: &str, format: ExportFormat) -> anyhow::Result<Option<(f64, u64)>> {
    let binary = concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/claimdesk");
    if !std::path::Path::new(binary).exists() || !std::path::Path::new("/usr/bin/time").exists() {
        return Ok(None);
    }
    let output = Command::new("/usr/bin/time")
        .args([
            "-v",
            binary,
            "export",
            "--format",
            format.as_str(),
            "-o",
            "/dev/null",
        ])
        .env("DATABASE_URL", url)
        .output()?;
    let report = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        anyhow::bail!("claimdesk export --format {format} failed: {report}");
    }
    let field = |name: &str| {
        report
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(|v| v.trim().to_owned())
    };
    let rss = field("Maximum resident set size (kbytes):")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):")
        .map(|v| {
            v.split(':').fold(0.0, |acc, part| {
                acc * 60.0 + part.parse::<f64>().unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0);
    Ok(Some((wall, rss)))
}

async fn run(claims: i64) -> anyhow::Result<()> {
    let url = database_url()?;
    admin(&format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")).await?;
    admin(&format!("CREATE DATABASE {DATABASE}")).await?;
    claimdesk::db::run_migrations(&url).await?;
    let started = Instant::now();
    load(&url, claims).await?;
    println!(
        "loaded {claims} claims (1 evidence row, 3 events each) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!("| format | in-process wall time | output | release binary wall time | peak RSS |");
    println!("|---|---|---|---|---|");
    for format in ExportFormat::ALL {
        let (seconds, bytes) = export_in_process(&url, format).await?;
        let binary = match export_with_binary(&url, format)? {
            Some((wall, rss)) => format!("{wall:.1} s | {:.1} MiB", rss as f64 / 1024.0),
            None => "(build --release first) | –".to_owned(),
        };
        println!(
            "| {format} | {seconds:.1} s | {:.0} MiB | {binary} |",
            bytes as f64 / (1024.0 * 1024.0)
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and must stay quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("export bench: run with `cargo bench --bench export`");
        return Ok(());
    }
    let claims = std::env::var("CLAIMDESK_BENCH_CLAIMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let result = run(claims).await;
    // The database is a scratch copy: drop it whatever happened.
    let dropped = admin(&format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")).await;
    result?;
    dropped
}
