//! "Has this been checked before?": stored matches computed by the app's own job workers at
//! import, the claim page's panel with its two one-click forms (attach as evidence, mark as a
//! repeat; CSRF-protected and audited), the queue's mark and filter, and our approved
//! verdicts joining the fact-checks and following their corrections.

use std::time::Duration;

use claimdesk::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, api, api_get_ok, api_post, transition};
use crate::matching::review;

const PARAPHRASED: &str = "https://checks.example/warm-drinks";
const UNRELATED: &str = "https://checks.example/mayor";

/// Two known fact-checks: one that a claim of [`ARTICLE`] restates in other words, one about
/// something else.
pub(crate) async fn import_fact_checks(app: &TestApp, editor: &str) {
    let items = json!([
        review(
            PARAPHRASED,
            "Drinking warm water gets rid of the coronavirus infection.",
            "False"
        ),
        review(
            UNRELATED,
            "The mayor of Springfield resigned after the 2019 election results were published.",
            "True"
        ),
    ]);
    let (status, report) = api_post(app, "/api/v1/fact-checks", editor, items).await;
    assert_eq!(status, 200, "{report}");
}

/// An article with a claim that restates the first fact-check and one that matches neither.
pub(crate) const ARTICLE: &str = "Drinking hot water cures a covid infection within two days, the health minister said on Monday.\n\n\
The new bridge over the river cost 40 million euros and opened in 2021, the council reported.\n";

/// Imports [`ARTICLE`] and returns the ids of its covid claim and its bridge claim.
pub(crate) async fn import_article(app: &TestApp, token: &str) -> (i64, i64) {
    let body = json!({"title": "Health and roads", "body": ARTICLE});
    let (status, article) = api_post(app, "/api/v1/articles", token, body).await;
    assert_eq!(status, 201, "{article}");
    let find = |word: &str| {
        article["claims"]
            .as_array()
            .and_then(|claims| {
                claims
                    .iter()
                    .find(|c| c["text"].as_str().is_some_and(|t| t.contains(word)))
            })
            .and_then(|c| c["id"].as_i64())
            .unwrap_or_else(|| panic!("a claim about {word} in {article}"))
    };
    (find("hot water"), find("bridge"))
}

/// Waits until the app's job workers have run every matching job.
pub(crate) async fn matching_settles(app: &TestApp) {
    use diesel::QueryableByName;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        waiting: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        failed: i64,
    }
    for _ in 0..600 {
        let mut conn = app.conn().await;
        let row: Row = diesel::sql_query(
            "SELECT count(*) FILTER (WHERE state IN ('queued', 'running')) AS waiting, \
                    count(*) FILTER (WHERE state = 'failed') AS failed \
             FROM jobs WHERE kind = 'match_claims'",
        )
        .get_result(&mut conn)
        .await
        .expect("jobs");
        assert_eq!(row.failed, 0, "a matching job failed");
        if row.waiting == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the matching jobs did not finish in a minute");
}

fn events_of_kind(events: &Value, kind: &str) -> Vec<Value> {
    events["events"]
        .as_array()
        .or_else(|| events.as_array())
        .map(|all| all.iter().filter(|e| e["kind"] == kind).cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_claim_page_shows_earlier_checks_and_one_click_attaches_or_marks_a_repeat() {
    let app = TestApp::spawn().await;
    let (editor, _) = app.person("ed", Role::Editor).await;
    let (reviewer, browser) = app.person("rev", Role::Reviewer).await;
    import_fact_checks(&app, &editor).await;
    let (covid, bridge) = import_article(&app, &editor).await;
    matching_settles(&app).await;

    // The panel comes from stored matches: the paraphrased check first, with its publisher,
    // rating, date, link and score.
    let (status, page) = browser.get(&format!("/claims/{covid}")).await;
    assert_eq!(status, 200);
    let panel = &page[page.find("id=\"matches\"").expect("the panel")..];
    let first = &panel[panel.find("<li class=\"match\"").expect("a match")..];
    assert!(first.contains(PARAPHRASED), "{first}");
    for shown in ["Example Checks", "False", "2024-03-01", "score"] {
        assert!(first.contains(shown), "{shown} in {first}");
    }

    // Attaching needs the session's CSRF token; without it nothing is stored.
    let fact_check: i64 = first["<li class=\"match\" data-fact-check=\"".len()..]
        .split('"')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("the fact-check id");
    let attach = format!("/claims/{covid}/matches/{fact_check}/evidence");
    let (status, _) = browser.post(&attach, &[("stance", "refutes")]).await;
    assert_eq!(status, 403);
    let (status, _) = browser.submit(&attach, &[("stance", "refutes")]).await;
    assert_eq!(status, 303);
    let claim = api_get_ok(&app, &format!("/api/v1/claims/{covid}"), &reviewer).await;
    let evidence = claim["evidence"].as_array().expect("evidence");
    assert_eq!(evidence.len(), 1, "{claim}");
    assert_eq!(evidence[0]["url"], PARAPHRASED);
    assert_eq!(evidence[0]["stance"], "refutes");
    let events = api_get_ok(&app, &format!("/api/v1/claims/{covid}/events"), &reviewer).await;
    assert_eq!(
        events_of_kind(&events, "evidence_added").len(),
        1,
        "{events}"
    );

    // A bad stance is a 422 on the page, and nothing more is stored.
    let (status, body) = browser.submit(&attach, &[("stance", "maybe")]).await;
    assert_eq!(status, 422, "{body}");
    let claim = api_get_ok(&app, &format!("/api/v1/claims/{covid}"), &reviewer).await;
    assert_eq!(claim["evidence"].as_array().map(Vec::len), Some(1));

    // Marking it as a repeat is audited and shown on the page.
    let (status, _) = browser
        .submit(&format!("/claims/{covid}/matches/{fact_check}/repeat"), &[])
        .await;
    assert_eq!(status, 303);
    let (_, page) = browser.get(&format!("/claims/{covid}")).await;
    let repeat = &page[page.find("id=\"repeat-of\"").expect("the repeat mark")..];
    assert!(
        repeat.contains(PARAPHRASED) && repeat.contains("marked by rev"),
        "{repeat}"
    );
    let events = api_get_ok(&app, &format!("/api/v1/claims/{covid}/events"), &reviewer).await;
    let marked = events_of_kind(&events, "marked_repeat");
    assert_eq!(marked.len(), 1, "{events}");

    // An unknown fact-check is a 404, not a 500.
    let (status, _) = browser
        .submit(&format!("/claims/{covid}/matches/999999/repeat"), &[])
        .await;
    assert_eq!(status, 404);

    // The unrelated claim has no close match: its panel shows no earlier check above the bar.
    let (_, page) = browser.get(&format!("/claims/{bridge}")).await;
    assert!(!page.contains("id=\"repeat-of\""));
}

#[tokio::test]
async fn the_queue_marks_and_filters_claims_checked_before() {
    let app = TestApp::spawn().await;
    let (editor, browser) = app.person("ed", Role::Editor).await;
    import_fact_checks(&app, &editor).await;
    let (covid, bridge) = import_article(&app, &editor).await;
    matching_settles(&app).await;

    let ids = |list: &Value| -> Vec<i64> {
        list["claims"]
            .as_array()
            .map(|c| c.iter().filter_map(|c| c["id"].as_i64()).collect())
            .unwrap_or_default()
    };
    let all = api_get_ok(&app, "/api/v1/claims", &editor).await;
    assert!(ids(&all).contains(&covid) && ids(&all).contains(&bridge));
    let checked = api_get_ok(&app, "/api/v1/claims?checked_before=true", &editor).await;
    assert_eq!(ids(&checked), vec![covid], "{checked}");
    let (status, _) =
        crate::helpers::api_get(&app, "/api/v1/claims?checked_before=perhaps", &editor).await;
    assert_eq!(status, 400);

    // The queue page: the mark on the row, and the filter kept in the form.
    let (status, page) = browser.get("/?checked_before=1").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("href=\"/claims/{covid}\"")),
        "{page}"
    );
    assert!(!page.contains(&format!("href=\"/claims/{bridge}\"")));
    assert!(page.contains("class=\"badge checked-before\""));
    assert!(page.contains("name=\"checked_before\" value=\"1\" checked"));

    // Marking the other claim as a repeat puts it in the filter too, model or not.
    let (_, unrelated) = fact_check_ids(&app).await;
    let (status, _) = browser
        .submit(&format!("/claims/{bridge}/matches/{unrelated}/repeat"), &[])
        .await;
    assert_eq!(status, 303);
    let checked = api_get_ok(&app, "/api/v1/claims?checked_before=1", &editor).await;
    let mut found = ids(&checked);
    found.sort();
    assert_eq!(found, vec![covid, bridge]);
}

/// The ids of the paraphrased and the unrelated fact-check.
async fn fact_check_ids(app: &TestApp) -> (i64, i64) {
    use diesel::QueryableByName;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let mut conn = app.conn().await;
    let mut id = async |url: &str| -> i64 {
        let row: Row = diesel::sql_query("SELECT id FROM fact_checks WHERE review_url = $1")
            .bind::<diesel::sql_types::Text, _>(url)
            .get_result(&mut conn)
            .await
            .expect("fact-check");
        row.id
    };
    let paraphrased = id(PARAPHRASED).await;
    let unrelated = id(UNRELATED).await;
    (paraphrased, unrelated)
}

async fn best_match(app: &TestApp, token: &str, text: &str) -> Value {
    let (status, body) = api_post(app, "/api/v1/match", token, json!({"text": text})).await;
    assert_eq!(status, 200, "{body}");
    body["matches"][0].clone()
}

#[tokio::test]
async fn an_approved_verdict_is_matchable_and_follows_its_correction() {
    let app = TestApp::spawn().await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    let editor = app.token("eddie", Role::Editor).await;
    let (_, bridge) = import_article(&app, &editor).await;
    let source_id = format!("claimdesk:claim:{bridge}");
    let query = "The bridge across the river cost 40 million euros";
    assert_ne!(
        best_match(&app, &reviewer, query).await["source_id"],
        source_id.as_str()
    );

    let mut version = transition(
        &app,
        &reviewer,
        bridge,
        json!({"to": "in_review", "version": 0}),
    )
    .await;
    let res = api(&app.address)
        .post(app.url(&format!("/api/v1/claims/{bridge}/evidence")))
        .bearer_auth(&reviewer)
        .json(&json!({"url": "https://council.example/budget", "stance": "refutes"}))
        .send()
        .await
        .expect("evidence");
    assert_eq!(res.status(), 201);
    version = transition(&app, &reviewer, bridge, json!({"to": "disputed", "version": version, "rating": 1, "rationale": "It cost 60 million."})).await;
    // Not approved yet: not a fact-check.
    assert_ne!(
        best_match(&app, &reviewer, query).await["source_id"],
        source_id.as_str()
    );
    version = transition(
        &app,
        &editor,
        bridge,
        json!({"to": "approved", "version": version}),
    )
    .await;
    let best = best_match(&app, &reviewer, query).await;
    assert_eq!(best["source_id"], source_id.as_str(), "{best}");
    assert_eq!(best["rating"], "False");
    matching_settles(&app).await;

    // Reopened: it leaves the index until a verdict is approved again.
    version = transition(
        &app,
        &editor,
        bridge,
        json!({"to": "in_review", "version": version, "note": "The final bill came in."}),
    )
    .await;
    assert_ne!(
        best_match(&app, &reviewer, query).await["source_id"],
        source_id.as_str()
    );
    version = transition(&app, &reviewer, bridge, json!({"to": "disputed", "version": version, "rating": 3, "label": "Half the story", "rationale": "It cost 48 million."})).await;
    transition(
        &app,
        &editor,
        bridge,
        json!({"to": "approved", "version": version}),
    )
    .await;
    let best = best_match(&app, &reviewer, query).await;
    assert_eq!(best["source_id"], source_id.as_str(), "{best}");
    assert_eq!(best["rating"], "Half the story");
    matching_settles(&app).await;

    // One row follows the claim, and the job has embedded it.
    use diesel::QueryableByName;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        embedded: i64,
    }
    let mut conn = app.conn().await;
    let row: Row = diesel::sql_query(
        "SELECT count(*) AS n, count(embedding) AS embedded FROM fact_checks WHERE claim_id = $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(bridge)
    .get_result(&mut conn)
    .await
    .expect("count");
    assert_eq!((row.n, row.embedded), (1, 1));
}
