//! The desk: saved views, the inbox and its notifications, following claims, the dashboard.

use chrono::{DateTime, Duration, Utc};
use claimdesk::domain::Role;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use serde_json::{Value, json};

use crate::helpers::{TestApp, api_get as get, api_post as post, transition};

/// Starts or stops following a claim through the API.
async fn follow(app: &TestApp, token: &str, claim: i64, on: bool) {
    let path = format!("/api/v1/claims/{claim}/follow");
    let (status, body) = post(app, &path, token, json!({ "follow": on })).await;
    assert_eq!(status, 200, "{body}");
}

async fn add_evidence(app: &TestApp, token: &str, claim: i64, url: &str, stance: &str) {
    let path = format!("/api/v1/claims/{claim}/evidence");
    let (status, body) = post(app, &path, token, json!({ "url": url, "stance": stance })).await;
    assert_eq!(status, 201, "{body}");
}

/// Moves a claim from `version` through the API; returns the new version.
async fn step(app: &TestApp, token: &str, claim: i64, version: i64, mut body: Value) -> i64 {
    body["version"] = version.into();
    transition(app, token, claim, body).await
}

#[derive(Debug, diesel::QueryableByName, PartialEq)]
struct Sent {
    #[diesel(sql_type = diesel::sql_types::Text)]
    username: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    note: Option<String>,
}

/// Every notification about a claim as (recipient, kind, note), oldest first.
async fn sent(app: &TestApp, claim: i64) -> Vec<(String, String, Option<String>)> {
    let rows: Vec<Sent> = diesel::sql_query(
        "SELECT u.username, n.kind, n.note FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.claim_id = $1 ORDER BY n.id",
    )
    .bind::<diesel::sql_types::BigInt, _>(claim)
    .load(&mut *app.conn().await)
    .await
    .expect("notifications");
    rows.into_iter()
        .map(|r| (r.username, r.kind, r.note))
        .collect()
}

fn kinds(list: &[(String, String, Option<String>)], who: &str) -> Vec<String> {
    list.iter()
        .filter(|(u, _, _)| u == who)
        .map(|(_, k, _)| k.clone())
        .collect()
}

#[tokio::test]
async fn review_moves_tell_the_people_they_concern_and_never_the_actor() {
    let app = TestApp::spawn().await;
    let ed = app.token("ed", Role::Editor).await;
    let ed2 = app.token("ed2", Role::Editor).await;
    app.user("ada", Role::Admin).await;
    let rita = app.token("rita", Role::Reviewer).await;
    let rob = app.token("rob", Role::Reviewer).await;
    let article = app.import_seed(&ed).await;
    let claim = article["claims"][0]["id"].as_i64().expect("claim");
    follow(&app, &rob, claim, true).await;
    // Rita follows too: her own moves must still not reach her.
    follow(&app, &rita, claim, true).await;

    let mut v = step(&app, &rita, claim, 0, json!({"to": "in_review"})).await;
    add_evidence(
        &app,
        &rita,
        claim,
        "https://example.org/register",
        "refutes",
    )
    .await;
    v = step(
        &app,
        &rita,
        claim,
        v,
        json!({"to": "disputed", "rationale": "The register differs.", "rating": 2}),
    )
    .await;
    let list = sent(&app, claim).await;
    assert_eq!(kinds(&list, "rob"), ["followed_changed"; 3]);
    assert!(kinds(&list, "rita").is_empty(), "{list:?}");
    for editor in ["ed", "ed2", "ada"] {
        assert_eq!(
            kinds(&list, editor),
            ["awaiting_approval"],
            "{editor}: {list:?}"
        );
    }

    // A stale move is refused and tells nobody.
    let before = sent(&app, claim).await.len();
    let (status, _) = post(
        &app,
        &format!("/api/v1/claims/{claim}/transitions"),
        &ed,
        json!({"to": "approved", "version": v - 1}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(sent(&app, claim).await.len(), before);

    v = step(
        &app,
        &ed,
        claim,
        v,
        json!({"to": "in_review", "note": "Cite the 2024 register"}),
    )
    .await;
    let list = sent(&app, claim).await;
    let back = list.last().expect("a notification");
    assert_eq!(
        list[list.len() - 2..]
            .iter()
            .map(|(u, k, _)| (u.as_str(), k.as_str()))
            .collect::<Vec<_>>(),
        [("rita", "sent_back"), ("rob", "followed_changed")]
    );
    assert_eq!(
        list[list.len() - 2].2.as_deref(),
        Some("Cite the 2024 register")
    );
    assert_eq!(back.2.as_deref(), Some("Cite the 2024 register"));
    assert!(kinds(&list, "ed").iter().all(|k| k == "awaiting_approval"));

    v = step(
        &app,
        &rita,
        claim,
        v,
        json!({"to": "disputed", "rationale": "The 2024 register differs.", "rating": 1}),
    )
    .await;
    v = step(&app, &ed2, claim, v, json!({"to": "approved"})).await;
    step(
        &app,
        &ed,
        claim,
        v,
        json!({"to": "in_review", "note": "A newer register"}),
    )
    .await;
    let list = sent(&app, claim).await;
    // She follows the claim: the approval, not her move, reaches her as a change.
    assert_eq!(
        kinds(&list, "rita"),
        ["sent_back", "followed_changed", "reopened"]
    );
    assert_eq!(
        list.iter()
            .find(|(_, k, _)| k == "reopened")
            .and_then(|(_, _, n)| n.clone())
            .as_deref(),
        Some("A newer register")
    );
    // ed2 approved: told of the second verdict only as an editor, never of her own approval.
    assert_eq!(
        kinds(&list, "ed2"),
        ["awaiting_approval", "awaiting_approval"]
    );
    let own: i64 = {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query("SELECT count(*) AS n FROM notifications WHERE user_id = actor_id")
            .get_result::<N>(&mut *app.conn().await)
            .await
            .expect("count")
            .n
    };
    assert_eq!(own, 0);

    // Rob stops following: no more news for him.
    follow(&app, &rob, claim, false).await;
    let robs = kinds(&sent(&app, claim).await, "rob").len();
    add_evidence(&app, &rita, claim, "https://example.org/newer", "context").await;
    assert_eq!(kinds(&sent(&app, claim).await, "rob").len(), robs);
    let (status, _) = post(
        &app,
        "/api/v1/claims/999999/follow",
        &rob,
        json!({"follow": true}),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_notification_that_cannot_be_written_undoes_the_move_that_caused_it() {
    let app = TestApp::spawn().await;
    let ed = app.token("ed", Role::Editor).await;
    let rita = app.token("rita", Role::Reviewer).await;
    let article = app.import_seed(&ed).await;
    let claim = article["claims"][0]["id"].as_i64().expect("claim");
    let mut v = step(&app, &rita, claim, 0, json!({"to": "in_review"})).await;
    add_evidence(
        &app,
        &rita,
        claim,
        "https://example.org/register",
        "refutes",
    )
    .await;
    v = step(
        &app,
        &rita,
        claim,
        v,
        json!({"to": "disputed", "rationale": "Differs.", "rating": 2}),
    )
    .await;
    let events_before = get(&app, &format!("/api/v1/claims/{claim}/events"), &ed)
        .await
        .1;
    // The inbox refuses every write from now on.
    app.conn()
        .await
        .batch_execute(
            "CREATE FUNCTION refuse_notification() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'inbox unavailable'; END $$; \
             CREATE TRIGGER refuse_notification BEFORE INSERT ON notifications \
             FOR EACH ROW EXECUTE FUNCTION refuse_notification();",
        )
        .await
        .expect("trigger");
    let (status, _) = post(
        &app,
        &format!("/api/v1/claims/{claim}/transitions"),
        &ed,
        json!({"to": "in_review", "note": "Cite it", "version": v}),
    )
    .await;
    assert!(status >= 500, "{status}");
    let (_, now) = get(&app, &format!("/api/v1/claims/{claim}"), &ed).await;
    assert_eq!(now["state"], "disputed");
    assert_eq!(now["version"].as_i64(), Some(v));
    let events_after = get(&app, &format!("/api/v1/claims/{claim}/events"), &ed)
        .await
        .1;
    assert_eq!(
        events_after, events_before,
        "no audit event without its notification"
    );
}

#[tokio::test]
async fn the_inbox_lists_counts_and_marks_only_ones_own_notifications() {
    let app = TestApp::spawn().await;
    let ed = app.token("ed", Role::Editor).await;
    let (rita, rita_browser) = app.person("rita", Role::Reviewer).await;
    let rob = app.token("rob", Role::Reviewer).await;
    let article = app.import_seed(&ed).await;
    let claims: Vec<i64> = article["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .take(3)
        .filter_map(|c| c["id"].as_i64())
        .collect();
    for claim in &claims {
        follow(&app, &rita, *claim, true).await;
        follow(&app, &rob, *claim, true).await;
        step(&app, &ed, *claim, 0, json!({"to": "in_review"})).await;
    }
    let (status, inbox) = get(&app, "/api/v1/notifications", &rita).await;
    assert_eq!(status, 200);
    assert_eq!(inbox["unread"], 3);
    let list = inbox["notifications"].as_array().expect("list");
    assert_eq!(list.len(), 3);
    assert_eq!(
        list[0]["claim_id"].as_i64(),
        claims.last().copied(),
        "newest first"
    );
    for n in list {
        assert_eq!(n["kind"], "followed_changed");
        assert_eq!(n["read"], false);
        assert!(n["id"].is_i64() && n["created_at"].is_string());
    }
    let (_, html) = rita_browser.get("/").await;
    assert!(
        html.contains("id=\"unread-count\""),
        "the navigation shows the count"
    );
    assert!(html.contains(">3</b>"), "{html}");

    let first = list[0]["id"].as_i64().expect("id");
    let (status, marked) = post(
        &app,
        "/api/v1/notifications/read",
        &rita,
        json!({"ids": [first]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (marked["marked"].as_i64(), marked["unread"].as_i64()),
        (Some(1), Some(2))
    );
    // Rob cannot mark Rita's, nor she his.
    let (_, marked) = post(
        &app,
        "/api/v1/notifications/read",
        &rob,
        json!({"ids": [list[1]["id"]]}),
    )
    .await;
    assert_eq!(marked["marked"], 0);
    let (_, robs) = get(&app, "/api/v1/notifications?unread=true", &rob).await;
    assert_eq!(robs["unread"], 3);
    let (status, _) = post(
        &app,
        "/api/v1/notifications/read",
        &rita,
        json!({"all": true, "ids": [1]}),
    )
    .await;
    assert_eq!(status, 422);
    let (_, unread) = get(&app, "/api/v1/notifications?unread=true", &rita).await;
    assert_eq!(unread["notifications"].as_array().map(Vec::len), Some(2));

    // The inbox page: mark all read with its button.
    let (status, page) = rita_browser.get("/inbox").await;
    assert_eq!(status, 200);
    assert!(page.contains("A claim you follow changed"));
    assert!(page.contains(&format!("href=\"/claims/{}\"", claims[0])));
    let (status, _) = rita_browser.submit("/inbox/read", &[("all", "1")]).await;
    assert_eq!(status, 303);
    let (_, inbox) = get(&app, "/api/v1/notifications", &rita).await;
    assert_eq!(inbox["unread"], 0);
    let (_, robs) = get(&app, "/api/v1/notifications", &rob).await;
    assert_eq!(robs["unread"], 3, "untouched");
    let (_, html) = rita_browser.get("/").await;
    assert!(!html.contains("id=\"unread-count\""));
}

#[tokio::test]
async fn saved_views_show_live_counts_and_private_ones_only_to_their_owner() {
    let app = TestApp::spawn().await;
    let (ed, ed_browser) = app.person("ed", Role::Editor).await;
    let (rita, rita_browser) = app.person("rita", Role::Reviewer).await;
    let (rob, rob_browser) = app.person("rob", Role::Reviewer).await;
    let article = app.import_seed(&ed).await;
    let claims: Vec<i64> = article["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert!(claims.len() >= 3);
    let total = claims.len() as i64;

    // Rita saves her own filters from the queue page's form, privately.
    let (status, _) = rita_browser
        .submit(
            "/views",
            &[
                ("name", "My desk"),
                ("query", "mine=1&state=in_review&after=s0.5_9"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (status, shared) = post(
        &app,
        "/api/v1/views",
        &ed,
        json!({"name": "Waiting", "query": "state=extracted&sort=oldest", "shared": true}),
    )
    .await;
    assert_eq!(status, 201, "{shared}");
    assert_eq!(shared["query"], "state=extracted&sort=oldest");

    let names = |list: &Value| -> Vec<(String, Option<i64>)> {
        list["views"]
            .as_array()
            .expect("views")
            .iter()
            .map(|v| {
                (
                    v["name"].as_str().unwrap_or_default().to_owned(),
                    v["count"].as_i64(),
                )
            })
            .collect()
    };
    let (_, mine) = get(&app, "/api/v1/views", &rita).await;
    assert_eq!(
        names(&mine),
        [
            ("My desk".to_owned(), Some(0)),
            ("Waiting".to_owned(), Some(total))
        ]
    );
    assert_eq!(
        mine["views"][0]["query"], "mine=1&state=in_review",
        "the page cursor is dropped"
    );
    let (_, robs) = get(&app, "/api/v1/views", &rob).await;
    assert_eq!(names(&robs), [("Waiting".to_owned(), Some(total))]);
    let (_, eds) = get(&app, "/api/v1/views", &ed).await;
    assert_eq!(names(&eds), [("Waiting".to_owned(), Some(total))]);
    let (_, page) = rob_browser.get("/").await;
    assert!(!page.contains("My desk"), "a private view stays private");

    // Counts are live: Rita takes two claims.
    for claim in &claims[..2] {
        step(&app, &rita, *claim, 0, json!({"to": "in_review"})).await;
    }
    let (_, mine) = get(&app, "/api/v1/views", &rita).await;
    assert_eq!(
        names(&mine),
        [
            ("My desk".to_owned(), Some(2)),
            ("Waiting".to_owned(), Some(total - 2))
        ]
    );
    let (_, page) = rita_browser.get("/").await;
    assert!(page.contains("aria-label=\"Saved views\""));
    assert!(
        page.contains("href=\"/?mine=1&#38;state=in_review\""),
        "{page}"
    );
    assert!(page.contains("My desk <b>2</b>"), "{page}");
    // "mine" in a shared view means whoever looks: Rob's count of the same filters is 0.
    post(
        &app,
        "/api/v1/views",
        &ed,
        json!({"name": "Mine", "query": "mine=1", "shared": true}),
    )
    .await;
    let (_, robs) = get(&app, "/api/v1/views", &rob).await;
    assert!(names(&robs).contains(&("Mine".to_owned(), Some(0))));
    // A view reads the queue's filters with the queue's own parser: tags (repeatable) and a
    // text search, whose count runs under the search budget.
    let (status, tag) = post(
        &app,
        "/api/v1/tags",
        &ed,
        json!({"name": "budget", "colour": "#1f77b4"}),
    )
    .await;
    assert_eq!(status, 201, "{tag}");
    let (status, tagged) = post(
        &app,
        "/api/v1/claims/bulk",
        &ed,
        json!({"action": "tag", "tag": "budget", "claims": [{"id": claims[2], "version": 0}]}),
    )
    .await;
    assert_eq!(status, 200, "{tagged}");
    assert_eq!(tagged["results"][0]["ok"], true, "{tagged}");
    let word = article["claims"][2]["text"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
        .max_by_key(|w| w.len())
        .expect("a word of the claim")
        .to_owned();
    let query = format!("tag=budget&q={word}");
    let (status, view) = post(
        &app,
        "/api/v1/views",
        &ed,
        json!({"name": "Budget", "query": query}),
    )
    .await;
    assert_eq!(status, 201, "{view}");
    let (_, eds) = get(&app, "/api/v1/views", &ed).await;
    let budget_count = names(&eds)
        .into_iter()
        .find(|(n, _)| n == "Budget")
        .and_then(|(_, count)| count);
    let (_, queue) = get(&app, &format!("/api/v1/claims?{query}"), &ed).await;
    assert_eq!(
        budget_count,
        Some(queue["claims"].as_array().map_or(0, |c| c.len() as i64)),
        "{eds} {queue}"
    );
    assert_eq!(budget_count, Some(1), "{eds}");

    // Refusals: bad filters, a blank or repeated name; someone else's view cannot be deleted.
    for (body, words) in [
        (
            json!({"name": "Bad", "query": "state=bogus"}),
            "unknown state",
        ),
        (json!({"name": "  ", "query": "state=extracted"}), "name"),
        (
            json!({"name": "my DESK", "query": "state=extracted"}),
            "already",
        ),
    ] {
        let (status, err) = post(&app, "/api/v1/views", &rita, body).await;
        assert_eq!(status, 422, "{err}");
        assert!(
            err["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(words),
            "{err}"
        );
    }
    let (status, page) = ed_browser
        .submit(
            "/views",
            &[("name", "<script>x</script>"), ("query", "state=nope")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("&#60;script&#62;x&#60;/script&#62;") && !page.contains("<script>x"),
        "typed input kept, escaped"
    );
    let rita_view = mine["views"][0]["id"].as_i64().expect("id");
    let (status, _) = post(
        &app,
        &format!("/api/v1/views/{rita_view}/delete"),
        &ed,
        json!({}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = rita_browser
        .submit(&format!("/views/{rita_view}/delete"), &[])
        .await;
    assert_eq!(status, 303);
    let (_, mine) = get(&app, "/api/v1/views", &rita).await;
    assert!(!names(&mine).iter().any(|(n, _)| n == "My desk"));
}

/// name, category, state, verdict, rating, created (days ago), verdict by, approved after
/// (hours), assignee.
type FixtureClaim = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<i16>,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// Inserts the dashboard fixture: three people, nine claims with known times, verdicts and
/// states. Returns the ids of the claims by name.
async fn dashboard_fixture(
    app: &TestApp,
    now: DateTime<Utc>,
) -> std::collections::HashMap<&'static str, i64> {
    let rev1 = app.user("rev1", Role::Reviewer).await.id;
    let rev2 = app.user("rev2", Role::Reviewer).await.id;
    let ed = app.user("ed", Role::Editor).await.id;
    let at =
        |days: i64, hours: i64| (now - Duration::days(days) + Duration::hours(hours)).to_rfc3339();
    let mut conn = app.conn().await;
    conn.batch_execute(
        "INSERT INTO articles (id, title, body, content_hash) \
         VALUES (900, 'Fixture', 'One. Two. Three.', '\\x00')",
    )
    .await
    .expect("article");
    // name, category, state, verdict, rating, created (days ago), verdict_by, approved after
    // (hours), assignee
    let claims: [FixtureClaim; 9] = [
        (
            "c1",
            "finance",
            "approved",
            Some("disputed"),
            Some(1),
            10,
            Some(rev1),
            Some(20),
            None,
        ),
        (
            "c2",
            "finance",
            "approved",
            Some("verified"),
            Some(5),
            9,
            Some(rev1),
            Some(30),
            None,
        ),
        (
            "c3",
            "energy",
            "approved",
            Some("unverifiable"),
            None,
            8,
            Some(rev2),
            Some(40),
            None,
        ),
        (
            "c4",
            "energy",
            "approved",
            Some("disputed"),
            Some(2),
            7,
            Some(rev2),
            Some(100),
            None,
        ),
        (
            "c5",
            "politics",
            "in_review",
            None,
            None,
            200,
            None,
            None,
            Some(rev1),
        ),
        (
            "c6",
            "politics",
            "extracted",
            None,
            None,
            100,
            None,
            None,
            None,
        ),
        (
            "c7",
            "finance",
            "disputed",
            Some("disputed"),
            Some(2),
            5,
            Some(rev1),
            None,
            Some(rev1),
        ),
        ("c8", "other", "dismissed", None, None, 3, None, None, None),
        (
            "c9",
            "economy",
            "in_review",
            Some("disputed"),
            Some(3),
            2,
            Some(rev1),
            None,
            Some(rev1),
        ),
    ];
    let mut ids = std::collections::HashMap::new();
    for (i, (name, category, state, verdict, rating, days, by, approved, assignee)) in
        claims.iter().enumerate()
    {
        let id = 900 + i as i64;
        let opt = |v: Option<String>| v.map_or("NULL".to_owned(), |v| format!("'{v}'"));
        let num = |v: Option<i64>| v.map_or("NULL".to_owned(), |v| v.to_string());
        conn.batch_execute(&format!(
            "INSERT INTO claims (id, article_id, text, span_start, span_end, category, score, state, \
             verdict, rating, verdict_by, verdict_at, approved_by, approved_at, assignee_id, assigned_at, \
             created_at) VALUES ({id}, 900, 'Claim {name}', 0, 4, '{category}', 0.5, '{state}', {}, {}, \
             {}, {}, {}, {}, {}, {}, '{}')",
            opt(verdict.map(str::to_owned)),
            num(rating.map(i64::from)),
            num(*by),
            opt(by.map(|_| at(*days, 10))),
            num(approved.map(|_| ed)),
            opt(approved.map(|h| at(*days, h))),
            num(*assignee),
            opt(assignee.map(|_| at(*days, 0))),
            at(*days, 0),
        ))
        .await
        .expect("claim");
        ids.insert(*name, id);
    }
    // Verdict versions: the current one of each claim with a verdict; c4 corrects rev1's
    // approved verdict; c9's verdict was sent back (never approved, claim back in review).
    let verdict = |id: i64,
                   claim: &str,
                   kind: &str,
                   rating: &str,
                   by: i64,
                   days: i64,
                   approved: Option<i64>,
                   corrects: Option<i64>| {
        format!(
            "INSERT INTO verdicts (id, claim_id, verdict, rating, author_id, created_at, approved_by, approved_at, corrects_id, correction_reason) \
             VALUES ({id}, {}, '{kind}', {rating}, {by}, '{}', {}, {}, {}, {});",
            ids[claim],
            at(days, 10),
            approved.map_or("NULL".to_owned(), |_| ed.to_string()),
            approved.map_or("NULL".to_owned(), |h| format!("'{}'", at(days, h))),
            corrects.map_or("NULL".to_owned(), |c| c.to_string()),
            corrects.map_or("NULL".to_owned(), |_| "'reopened'".to_owned()),
        )
    };
    let sql = [
        verdict(1, "c1", "disputed", "1", rev1, 10, Some(20), None),
        verdict(2, "c2", "verified", "5", rev1, 9, Some(30), None),
        verdict(3, "c3", "unverifiable", "NULL", rev2, 8, Some(40), None),
        verdict(40, "c4", "disputed", "3", rev1, 7, Some(12), None),
        verdict(4, "c4", "disputed", "2", rev2, 7, Some(100), Some(40)),
        verdict(7, "c7", "disputed", "2", rev1, 5, None, None),
        verdict(9, "c9", "disputed", "3", rev1, 2, None, None),
        "UPDATE claims SET verdict_id = CASE id WHEN 900 THEN 1 WHEN 901 THEN 2 WHEN 902 THEN 3 \
         WHEN 903 THEN 4 WHEN 906 THEN 7 WHEN 908 THEN 9 END WHERE verdict IS NOT NULL;"
            .to_owned(),
    ]
    .join("\n");
    conn.batch_execute(&sql).await.expect("verdicts");
    ids
}

fn rows(v: &Value, key: &str, fields: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = v[key]
        .as_array()
        .expect("array")
        .iter()
        .map(|r| {
            fields
                .iter()
                .map(|f| r[*f].to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_dashboard_gives_the_fixtures_known_numbers_to_editors_and_own_numbers_to_reviewers() {
    let app = TestApp::spawn().await;
    let now = Utc::now();
    let ids = dashboard_fixture(&app, now).await;
    let mut conn = app.conn().await;
    let editor = {
        let user = claimdesk::db::users::User::by_username(&mut conn, "ed")
            .await
            .expect("q")
            .expect("ed");
        claimdesk::services::accounts::create_token(&mut conn, &user, None, "t")
            .await
            .expect("token")
    };
    let rev1 = {
        let user = claimdesk::db::users::User::by_username(&mut conn, "rev1")
            .await
            .expect("q")
            .expect("rev1");
        claimdesk::services::accounts::create_token(&mut conn, &user, None, "t")
            .await
            .expect("token")
    };
    drop(conn);

    let (status, team) = get(&app, "/api/v1/stats", &editor).await;
    assert_eq!(status, 200, "{team}");
    assert_eq!(team["scope"], "team");
    assert_eq!(
        rows(&team, "backlog", &["state", "category", "claims"]),
        [
            "\"disputed\" \"finance\" 1",
            "\"extracted\" \"politics\" 1",
            "\"in_review\" \"economy\" 1",
            "\"in_review\" \"politics\" 1"
        ]
    );
    let verdicts: i64 = team["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .filter_map(|w| w["verdicts"].as_i64())
        .sum();
    let approvals: i64 = team["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .filter_map(|w| w["approvals"].as_i64())
        .sum();
    assert_eq!((verdicts, approvals), (7, 5));
    assert_eq!(team["weeks"].as_array().map(Vec::len), Some(12));
    // The week two days ago holds c9's verdict.
    let week = claimdesk::domain::stats::week_of(now - Duration::days(2) + Duration::hours(10))
        .to_string();
    let that_week = team["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .find(|w| w["week"] == week.as_str())
        .expect("week");
    assert!(that_week["verdicts"].as_i64() >= Some(1));
    // Hours to approval 20, 30, 40, 100: median 35, 90th percentile 82 (interpolated).
    let t = &team["time_to_approval"];
    assert_eq!(t["approvals"], 4);
    assert!(
        (t["median_hours"].as_f64().unwrap_or(0.0) - 35.0).abs() < 1e-6,
        "{t}"
    );
    assert!(
        (t["p90_hours"].as_f64().unwrap_or(0.0) - 82.0).abs() < 1e-6,
        "{t}"
    );
    assert_eq!(
        rows(
            &team,
            "reviewers",
            &["username", "verdicts", "sent_back", "corrected"]
        ),
        ["\"rev1\" 5 1 1", "\"rev2\" 2 0 0"]
    );
    let oldest: Vec<i64> = team["oldest_waiting"]
        .as_array()
        .expect("oldest")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(oldest, [ids["c5"], ids["c6"], ids["c7"], ids["c9"]]);
    assert_eq!(team["oldest_waiting"][0]["waiting_days"], 200);
    assert_eq!(
        rows(&team, "verdict_mix", &["category", "step", "claims"]),
        [
            "\"energy\" 0 1",
            "\"energy\" 2 1",
            "\"finance\" 1 1",
            "\"finance\" 5 1"
        ]
    );

    // A reviewer sees only their own numbers.
    let (_, own) = get(&app, "/api/v1/stats", &rev1).await;
    assert_eq!(own["scope"], "own");
    assert_eq!(
        rows(&own, "backlog", &["state", "category", "claims"]),
        [
            "\"disputed\" \"finance\" 1",
            "\"in_review\" \"economy\" 1",
            "\"in_review\" \"politics\" 1"
        ]
    );
    assert_eq!(
        rows(
            &own,
            "reviewers",
            &["username", "verdicts", "sent_back", "corrected"]
        ),
        ["\"rev1\" 5 1 1"]
    );
    let t = &own["time_to_approval"];
    assert_eq!(t["approvals"], 2);
    assert!(
        (t["median_hours"].as_f64().unwrap_or(0.0) - 25.0).abs() < 1e-6,
        "{t}"
    );
    assert!(
        (t["p90_hours"].as_f64().unwrap_or(0.0) - 29.0).abs() < 1e-6,
        "{t}"
    );
    let oldest: Vec<i64> = own["oldest_waiting"]
        .as_array()
        .expect("oldest")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(oldest, [ids["c5"], ids["c7"], ids["c9"]]);
    assert_eq!(
        rows(&own, "verdict_mix", &["category", "step", "claims"]),
        ["\"finance\" 1 1", "\"finance\" 5 1"]
    );

    // The tallies follow the claims: approving c7 moves it out of the backlog into the mix.
    let (status, body) = post(
        &app,
        &format!("/api/v1/claims/{}/transitions", ids["c7"]),
        &editor,
        json!({"to": "approved", "version": 0}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, team) = get(&app, "/api/v1/stats", &editor).await;
    assert!(
        !rows(&team, "backlog", &["state", "category", "claims"])
            .contains(&"\"disputed\" \"finance\" 1".to_owned())
    );
    assert!(
        rows(&team, "verdict_mix", &["category", "step", "claims"])
            .contains(&"\"finance\" 2 1".to_owned())
    );
    assert_eq!(team["time_to_approval"]["approvals"], 5);

    // The page: charts as inline SVG, each with its table and CSV.
    let (_, browser) = app.person("eddie", Role::Editor).await;
    let (status, html) = browser.get("/dashboard").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("<svg role=\"img\"").count(), 4, "{html}");
    for table in [
        "backlog-table",
        "weeks-table",
        "time-table",
        "reviewers-table",
        "oldest-table",
        "mix-table",
    ] {
        assert!(html.contains(&format!("id=\"{table}\"")), "{table}");
    }
    assert!(
        html.contains("<td>rev1</td><td>5</td><td>1</td><td>1</td>"),
        "{html}"
    );
    let (status, csv) = browser.get("/dashboard/csv/reviewers").await;
    assert_eq!(status, 200);
    assert_eq!(
        csv,
        "reviewer,verdicts,sent_back,corrected\nrev1,5,1,1\nrev2,2,0,0\n"
    );
    let (status, _) = browser.get("/dashboard/csv/nothing").await;
    assert_eq!(status, 404);
    let (_, rbrowser) = app.person("rita", Role::Reviewer).await;
    let (status, html) = rbrowser.get("/dashboard").await;
    assert_eq!(status, 200);
    assert!(html.contains("Your own numbers"));
    assert!(
        !html.contains("<td>rev1</td>"),
        "a reviewer sees no one else's row"
    );
}

/// The assignment use case, as the claim page and bulk actions call it, at the claim's current
/// version.
async fn assign(
    c: &mut diesel_async::AsyncPgConnection,
    claim: i64,
    assignee: &str,
    editor: i64,
) -> Result<(), claimdesk::error::AppError> {
    use claimdesk::domain::{Actor, ClaimId, UserId};
    let version = claimdesk::db::claims::Claim::by_id(c, ClaimId(claim))
        .await?
        .ok_or(claimdesk::error::AppError::NotFound("claim"))?
        .version;
    let actor = Actor {
        id: UserId(editor),
        role: Role::Editor,
    };
    claimdesk::services::assignment::assign(c, ClaimId(claim), version, actor, assignee, Utc::now())
        .await
        .map(|_| ())
}

#[tokio::test]
async fn an_assignment_tells_the_assignee_within_the_callers_transaction_unless_self_assigned() {
    use claimdesk::error::AppError;
    use diesel_async::AsyncConnection;
    let app = TestApp::spawn().await;
    let ed = app.token("ed", Role::Editor).await;
    app.user("rita", Role::Reviewer).await;
    let rob = app.token("rob", Role::Reviewer).await;
    let article = app.import_seed(&ed).await;
    let claim = article["claims"][0]["id"].as_i64().expect("claim");
    follow(&app, &rob, claim, true).await;
    let mut conn = app.conn().await;
    let editor = claimdesk::db::users::User::by_username(&mut conn, "ed")
        .await
        .expect("query")
        .expect("ed")
        .id;
    // The caller's transaction fails after the call: nobody is told.
    let failed = conn
        .transaction::<(), AppError, _>(async |c| {
            assign(c, claim, "rita", editor).await?;
            Err(AppError::NotFound("the rest of the assignment"))
        })
        .await;
    assert!(failed.is_err());
    assert!(sent(&app, claim).await.is_empty());
    conn.transaction::<(), AppError, _>(async |c| assign(c, claim, "rita", editor).await)
        .await
        .expect("assign");
    let list = sent(&app, claim).await;
    assert_eq!(kinds(&list, "rita"), ["assigned"]);
    assert_eq!(kinds(&list, "rob"), ["followed_changed"]);
    // An editor taking a claim for themselves is told nothing.
    conn.transaction::<(), AppError, _>(async |c| assign(c, claim, "ed", editor).await)
        .await
        .expect("self");
    assert_eq!(kinds(&sent(&app, claim).await, "ed"), Vec::<String>::new());
}
