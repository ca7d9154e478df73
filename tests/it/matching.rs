//! Known fact-checks and claim matching: every import format through the API and the command
//! line, re-imports that update, the ranking with the real model, the model's hash check and
//! the lexical fallback, and the API's shapes.

use std::process::Command;

use claimdesk::domain::Role;
use claimdesk::embed::{Embedder, ModelState};
use claimdesk::ranking::Weights;
use claimdesk::services::matching;
use serde_json::{Value, json};

use crate::helpers::{TestApp, api, api_post};

/// A ClaimReview of `claim` published at `url` with the rating `rating`.
pub(crate) fn review(url: &str, claim: &str, rating: &str) -> Value {
    json!({
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim,
        "datePublished": "2024-03-01",
        "author": {"@type": "Organization", "name": "Example Checks", "url": "https://checks.example"},
        "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "worstRating": 1, "alternateName": rating}
    })
}

async fn post_fact_checks(app: &TestApp, token: &str, body: String) -> (u16, Value) {
    let res = api(&app.address)
        .post(app.url("/api/v1/fact-checks"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("post fact-checks");
    let status = res.status().as_u16();
    (status, res.json().await.expect("JSON"))
}

async fn match_api(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    api_post(app, "/api/v1/match", token, body).await
}

fn claimdesk(app: &TestApp, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_claimdesk"))
        .args(args)
        .env("DATABASE_URL", &app.db.url)
        .env("CLAIMDESK_MODEL_INSTALL", "0")
        .env_remove("CLAIMDESK_MODEL_DIR")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("claimdesk runs");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or("").as_bytes())
        .expect("write stdin");
    drop(input);
    child.wait_with_output().expect("claimdesk ends")
}

#[tokio::test]
async fn json_ld_feeds_and_pages_import_and_reimports_update() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rev", Role::Reviewer).await;

    // A feed with one malformed item among good ones: the good ones are kept.
    let feed = json!({
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [
            {"@type": "DataFeedItem", "item": [review("https://checks.example/a", "Bananas are radioactive enough to harm you.", "False")]},
            {"@type": "DataFeedItem", "item": [{"@type": "ClaimReview", "url": "https://checks.example/broken"}]},
            {"@type": "DataFeedItem", "item": review("https://checks.example/b", "The city banned bicycles downtown in 2023.", "Misleading")}
        ]
    });
    let (status, report) = post_fact_checks(&app, &editor, feed.to_string()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["inserted"], 2);
    assert_eq!(report["errors"][0]["location"], "item 2");
    assert!(
        report["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("claimReviewed")
    );

    // The same review again, with a new rating: updated, not duplicated.
    let again = review(
        "https://checks.example/a",
        "Bananas are radioactive enough to harm you.",
        "Mostly false",
    );
    let (status, report) = post_fact_checks(&app, &editor, again.to_string()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["inserted"].as_u64(), report["updated"].as_u64()),
        (Some(0), Some(1))
    );
    let mut conn = app.conn().await;
    assert_eq!(
        claimdesk::db::fact_checks::count(&mut conn).await.unwrap(),
        2
    );
    let (_, found) = match_api(&app, &reviewer, json!({"text": "Are bananas radioactive?"})).await;
    assert_eq!(found["matches"][0]["source_id"], "https://checks.example/a");
    assert_eq!(found["matches"][0]["rating"], "Mostly false");

    // Reviewers may not import; nothing readable is a 422.
    let (status, _) = post_fact_checks(&app, &reviewer, again.to_string()).await;
    assert_eq!(status, 403);
    let (status, body) = post_fact_checks(&app, &editor, "{\"@type\":\"Thing\"}".into()).await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = post_fact_checks(&app, &editor, "{not json".into()).await;
    assert_eq!(status, 422);

    // An HTML page with two JSON-LD blocks, through the command line on standard input.
    let page = format!(
        "<!doctype html><html><head><script type=\"application/ld+json\">{}</script></head>\
         <body><p>Two reviews</p><script type=\"application/ld+json\">{}</script></body></html>",
        review(
            "https://checks.example/c",
            "Eating carrots lets people see in total darkness.",
            "False"
        ),
        json!({"@context": "https://schema.org", "@graph": [
            {"@type": "WebPage", "name": "x"},
            review("https://checks.example/d", "The river froze solid in July last year.", "False")
        ]})
    );
    let out = claimdesk(&app, &["factchecks", "import", "-"], Some(&page));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("imported 2 fact-checks (2 new, 0 updated, 0 skipped)"),
        "{stdout}"
    );
    assert_eq!(
        claimdesk::db::fact_checks::count(&mut conn).await.unwrap(),
        4
    );
}

#[tokio::test]
async fn tsv_import_reports_bad_lines_and_match_prints_the_run() {
    let app = TestApp::spawn().await;
    let tsv = "\tvclaim\ttitle\n\
        10\tA photograph shows a shark swimming on a flooded highway.\tShark on the highway?\n\
        11\t\tNo claim here\n\
        12\t\"Drinking bleach \"\"cures\"\" the flu.\"\tBleach and the flu\n";
    let out = claimdesk(
        &app,
        &["factchecks", "import", "-", "--format", "tsv"],
        Some(tsv),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipped line 3: no claim text"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 new, 0 updated, 1 skipped"));

    let queries = "id\ttext\nq1\tShark spotted swimming down a flooded motorway after the hurricane\n\
                   q2\t\"Bleach cures flu, \"\"doctors\"\" say\"\n";
    let out = claimdesk(&app, &["match", "-", "--top", "1"], Some(queries));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Vec<&str>> = stdout.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(&lines[0][..3], ["q1", "10", "1"]);
    assert_eq!(&lines[1][..3], ["q2", "12", "1"]);
    assert!(lines[0][3].parse::<f32>().is_ok());
}

/// Three fact-checks where the decoy shares the most words with the query and the paraphrase
/// shares its meaning.
async fn paraphrase_fixture(app: &TestApp) {
    let editor = app.token("ed", Role::Editor).await;
    let items = json!([
        review(
            "https://checks.example/decoy",
            "Hot water pipes burst at a drinking water plant, and the hot water caused an infection scare at the city hospital.",
            "True"
        ),
        review(
            "https://checks.example/paraphrase",
            "Consuming warm beverages gets rid of a COVID-19 infection.",
            "False"
        ),
        review(
            "https://checks.example/other",
            "The mayor resigned after the election results were published.",
            "True"
        )
    ]);
    let (status, report) = post_fact_checks(app, &editor, items.to_string()).await;
    assert_eq!(status, 200, "{report}");
}

/// The process's shared model, which the tests require to be installed and ready.
async fn model_ready() -> &'static Embedder {
    let embedder = claimdesk::embed::shared_async().await;
    assert!(embedder.is_ready(), "the tests run with the model");
    embedder
}

const QUERY: &str = "Drinking hot water cures you of a covid infection";

#[tokio::test]
async fn a_paraphrase_beats_a_word_overlap_decoy() {
    let app = TestApp::spawn().await;
    paraphrase_fixture(&app).await;
    let embedder = claimdesk::embed::shared_async().await;
    assert_eq!(
        embedder.state(),
        ModelState::Ready,
        "the tests run with the model"
    );
    let mut conn = app.conn().await;
    let ranked = matching::match_text(&mut conn, embedder, QUERY, 5, Weights::default())
        .await
        .expect("match");
    let order: Vec<&str> = ranked.iter().map(|m| m.source_id.as_str()).collect();
    assert_eq!(order[0], "https://checks.example/paraphrase", "{order:?}");
    assert!(order.contains(&"https://checks.example/decoy"));
    // Word overlap alone puts the decoy first: the model is what finds the paraphrase.
    let lexical = Weights {
        lexical: 1.0,
        claim: 0.0,
    };
    let ranked = matching::match_text(&mut conn, embedder, QUERY, 5, lexical)
        .await
        .expect("match");
    assert_eq!(ranked[0].source_id, "https://checks.example/decoy");
}

#[tokio::test]
async fn a_corrupted_model_is_refused_and_matching_falls_back_to_lexical() {
    let app = TestApp::spawn().await;
    paraphrase_fixture(&app).await;
    let installed = claimdesk::embed::model_dir();
    model_ready().await;
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, _) in claimdesk::embed::FILES {
        std::fs::copy(installed.join(name), dir.path().join(name)).expect("copy model file");
    }
    // One changed byte in the weights.
    let weights = dir.path().join("model.safetensors");
    let mut bytes = std::fs::read(&weights).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&weights, bytes).expect("write");

    let embedder = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || Embedder::open(&dir, false)
    })
    .await
    .expect("open");
    let ModelState::Unavailable(why) = embedder.state() else {
        panic!("a corrupted model was accepted");
    };
    assert!(why.contains("model.safetensors"), "{why}");
    assert!(why.contains("does not match its pinned SHA-256"), "{why}");

    let mut conn = app.conn().await;
    let ranked = matching::match_text(&mut conn, &embedder, QUERY, 5, Weights::default())
        .await
        .expect("lexical matching still answers");
    assert_eq!(ranked[0].source_id, "https://checks.example/decoy");
}

#[tokio::test]
async fn match_api_shapes() {
    let app = TestApp::spawn().await;
    paraphrase_fixture(&app).await;
    let token = app.token("rev", Role::Reviewer).await;
    let (status, body) = match_api(&app, &token, json!({"text": QUERY, "limit": 2})).await;
    assert_eq!(status, 200, "{body}");
    let matches = body["matches"].as_array().expect("matches");
    assert_eq!(matches.len(), 2);
    let first = matches[0].as_object().expect("object");
    for key in [
        "fact_check_id",
        "source_id",
        "claim_reviewed",
        "rating",
        "publisher",
        "url",
        "score",
    ] {
        assert!(first.contains_key(key), "{key} missing from {body}");
    }
    assert_eq!(first["publisher"], "Example Checks");
    assert_eq!(first["url"], "https://checks.example/paraphrase");
    assert!(matches[0]["score"].as_f64() >= matches[1]["score"].as_f64());

    for bad in [
        json!({"text": ""}),
        json!({"text": "x", "limit": 0}),
        json!({"text": "x", "limit": 51}),
        json!({"texts": "x"}),
    ] {
        let (status, body) = match_api(&app, &token, bad.clone()).await;
        assert_eq!(status, 422, "{bad} → {body}");
    }

    // A claim's matches: a stored claim whose text restates the paraphrase.
    let article = api(&app.address)
        .post(app.url("/api/v1/articles"))
        .bearer_auth(&token)
        .json(&json!({"title": "Health tips", "body": "Health Minister Anna Berg said on Monday that drinking hot water cures covid infections within 24 hours, according to a ministry statement."}))
        .send()
        .await
        .expect("import");
    assert_eq!(article.status(), 201);
    let article: Value = article.json().await.expect("json");
    let claim_id = article["claims"][0]["id"]
        .as_i64()
        .expect("a claim was extracted");
    let res = api(&app.address)
        .get(app.url(&format!("/api/v1/claims/{claim_id}/matches")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("matches");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    let urls = |body: &Value| -> Vec<String> {
        body["matches"]
            .as_array()
            .expect("matches")
            .iter()
            .map(|m| m["url"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let claim_urls = urls(&body);
    assert!(
        claim_urls.contains(&"https://checks.example/paraphrase".to_owned()),
        "{body}"
    );
    // The claim page ranks with exactly the code of the match API (stored embedding or not).
    let text = article["claims"][0]["text"].as_str().expect("claim text");
    let (status, direct) = match_api(&app, &token, json!({"text": text})).await;
    assert_eq!(status, 200, "{direct}");
    assert_eq!(claim_urls, urls(&direct), "{body} vs {direct}");
    let res = api(&app.address)
        .get(app.url("/api/v1/claims/999999/matches"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("matches");
    assert_eq!(res.status(), 404);
}

/// A fact-check that restates the query without one shared word (after stemming and stop
/// words), which full-text search alone can never return.
const NO_SHARED_WORD: &str = "Consuming warm beverages gets rid of a COVID-19 infection.";
const NO_SHARED_WORD_QUERY: &str = "Hot tea kills the coronavirus";

#[tokio::test]
async fn nearest_neighbours_find_a_paraphrase_sharing_no_word() {
    use diesel::sql_types::{BigInt, Text};
    use diesel_async::RunQueryDsl;

    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let items = json!([
        review("https://checks.example/nsw", NO_SHARED_WORD, "False"),
        review(
            "https://checks.example/tea-1",
            "Tea prices rose after the hot summer ruined harvests.",
            "True"
        ),
        review(
            "https://checks.example/kills",
            "The new law kills the tax break for small farms.",
            "True"
        ),
    ]);
    let (status, report) = post_fact_checks(&app, &editor, items.to_string()).await;
    assert_eq!(status, 200, "{report}");
    let mut conn = app.conn().await;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let shared: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM fact_checks WHERE source_id = 'https://checks.example/nsw' \
         AND search @@ replace(plainto_tsquery('english', $1)::text, ' & ', ' | ')::tsquery",
    )
    .bind::<Text, _>(NO_SHARED_WORD_QUERY)
    .get_result(&mut conn)
    .await
    .expect("count");
    assert_eq!(shared.n, 0, "the fixture must share no word with the query");

    let embedder = model_ready().await;
    let ranked = matching::match_text(
        &mut conn,
        embedder,
        NO_SHARED_WORD_QUERY,
        5,
        Weights::default(),
    )
    .await
    .expect("match");
    let order: Vec<&str> = ranked.iter().map(|m| m.source_id.as_str()).collect();
    // Only the nearest-neighbour source can have found it.
    assert!(order.contains(&"https://checks.example/nsw"), "{order:?}");
    let by_meaning = Weights {
        lexical: 0.0,
        claim: 1.0,
    };
    let ranked = matching::match_text(&mut conn, embedder, NO_SHARED_WORD_QUERY, 5, by_meaning)
        .await
        .expect("match");
    assert_eq!(ranked[0].source_id, "https://checks.example/nsw");
}

#[tokio::test]
async fn the_index_follows_writes_by_another_process() {
    let app = TestApp::spawn().await;
    paraphrase_fixture(&app).await;
    let embedder = model_ready().await;
    let mut conn = app.conn().await;
    // This process builds its index now.
    let before = matching::match_text(&mut conn, embedder, QUERY, 5, Weights::default())
        .await
        .expect("match");
    assert_eq!(before[0].source_id, "https://checks.example/paraphrase");

    // Another process adds a closer paraphrase and rewrites the first one's claim.
    let tsv = "id\tclaim\n\
        https://checks.example/closer\tDrinking hot water cures a covid infection.\n\
        https://checks.example/paraphrase\tThe city council approved a new bus lane downtown.\n";
    let out = claimdesk(
        &app,
        &["factchecks", "import", "-", "--format", "tsv"],
        Some(tsv),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = matching::match_text(&mut conn, embedder, QUERY, 5, Weights::default())
        .await
        .expect("match");
    let order: Vec<&str> = after.iter().map(|m| m.source_id.as_str()).collect();
    assert_eq!(order[0], "https://checks.example/closer", "{order:?}");
    let moved = after
        .iter()
        .position(|m| m.source_id == "https://checks.example/paraphrase");
    // Its new text is about something else: it falls behind the decoy or out of the list.
    let decoy = after
        .iter()
        .position(|m| m.source_id == "https://checks.example/decoy");
    assert!(
        moved.is_none() || moved > decoy,
        "the rewritten fact-check kept its old embedding: {order:?}"
    );
}

#[tokio::test]
async fn a_deleted_fact_check_leaves_the_ranking() {
    use diesel_async::RunQueryDsl;

    let app = TestApp::spawn().await;
    paraphrase_fixture(&app).await;
    let embedder = model_ready().await;
    let mut conn = app.conn().await;
    let lexical = Weights {
        lexical: 1.0,
        claim: 0.0,
    };
    // The index is built now, holding the decoy (the best by word overlap).
    let before = matching::match_text(&mut conn, embedder, QUERY, 5, lexical)
        .await
        .expect("match");
    assert_eq!(before[0].source_id, "https://checks.example/decoy");
    let paraphrase_before = before
        .iter()
        .find(|m| m.source_id == "https://checks.example/paraphrase")
        .expect("the paraphrase shares words")
        .score;

    // As when a reopened claim's own verdict leaves the fact-checks.
    diesel::sql_query("DELETE FROM fact_checks WHERE source_id = 'https://checks.example/decoy'")
        .execute(&mut conn)
        .await
        .expect("delete");
    let after = matching::match_text(&mut conn, embedder, QUERY, 5, lexical)
        .await
        .expect("match");
    let order: Vec<&str> = after.iter().map(|m| m.source_id.as_str()).collect();
    assert!(
        !order.contains(&"https://checks.example/decoy"),
        "{order:?}"
    );
    assert_eq!(after.len(), before.len() - 1, "{order:?}");
    // The lexical scores are scaled by the best remaining candidate, not the deleted one.
    assert_eq!(after[0].source_id, "https://checks.example/paraphrase");
    assert!(after[0].score > paraphrase_before, "{after:?}");
}
