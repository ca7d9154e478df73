//! The team's desk: bulk actions (mixed outcomes, four-eyes, one event per claim, stale
//! versions), assignment, tags in filters and exports, the queue's filters and counts, and the
//! CSV byte-order mark.

use serde_json::{Value, json};

use crate::helpers::{TestApp, api_export, api_get, api_get_ok as get, api_post as post};
use claimdesk::domain::Role;

async fn version(app: &TestApp, token: &str, id: i64) -> i64 {
    get(app, &format!("/api/v1/claims/{id}"), token).await["version"]
        .as_i64()
        .expect("version")
}

async fn events(app: &TestApp, token: &str, id: i64) -> Vec<Value> {
    get(app, &format!("/api/v1/claims/{id}/events"), token).await["events"]
        .as_array()
        .expect("events")
        .clone()
}

async fn bulk(app: &TestApp, token: &str, body: Value) -> Vec<Value> {
    let (status, res) = post(app, "/api/v1/claims/bulk", token, body).await;
    assert_eq!(status, 200, "{res}");
    res["results"].as_array().expect("results").clone()
}

fn claim_ids(article: &Value) -> Vec<i64> {
    article["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect()
}

/// Takes the claim as `token`, adds refuting evidence and gives a disputed verdict.
async fn decide(app: &TestApp, token: &str, id: i64) {
    let v = version(app, token, id).await;
    let path = format!("/api/v1/claims/{id}/transitions");
    let (s, b) = post(app, &path, token, json!({"to": "in_review", "version": v})).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = post(
        app,
        &format!("/api/v1/claims/{id}/evidence"),
        token,
        json!({"url": "https://register.example/7", "stance": "refutes"}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let v = version(app, token, id).await;
    let (s, b) = post(
        app,
        &path,
        token,
        json!({"to": "disputed", "version": v, "rating": 2, "rationale": "The register differs."}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn a_bulk_take_reports_each_claim_and_applies_only_the_allowed_ones() {
    let app = TestApp::spawn().await;
    let editor = app.token("eddie", Role::Editor).await;
    let rita = app.token("rita", Role::Reviewer).await;
    let ids = claim_ids(&app.import_seed(&editor).await);
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    // `a` is already in review: taking it again is not a move that exists.
    let (s, _) = post(
        &app,
        &format!("/api/v1/claims/{a}/transitions"),
        &editor,
        json!({"to": "in_review", "version": 0}),
    )
    .await;
    assert_eq!(s, 200);
    let before_a = events(&app, &editor, a).await.len();
    let results = bulk(
        &app,
        &rita,
        json!({"action": "take", "claims": [
            {"id": c, "version": 7},
            {"id": a, "version": 1},
            {"id": b, "version": 0},
            {"id": 999_999, "version": 0},
        ]}),
    )
    .await;
    let summary: Vec<(i64, bool, i64)> = results
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().expect("id"),
                r["ok"].as_bool().expect("ok"),
                r["status"].as_i64().expect("status"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (c, false, 409),
            (a, false, 422),
            (b, true, 200),
            (999_999, false, 404)
        ],
        "in request order: {results:?}"
    );
    assert!(
        results[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("changed by someone else"))
    );
    let claim_b = get(&app, &format!("/api/v1/claims/{b}"), &rita).await;
    assert_eq!(
        (claim_b["state"].as_str(), claim_b["assignee"].as_str()),
        (Some("in_review"), Some("rita"))
    );
    assert!(claim_b["assigned_at"].is_string());
    // One event for the claim that moved, none for the refused ones.
    let eb = events(&app, &rita, b).await;
    assert_eq!(eb.len(), 1);
    assert_eq!(
        (eb[0]["kind"].as_str(), eb[0]["actor"].as_str()),
        (Some("transition"), Some("rita"))
    );
    assert!(events(&app, &rita, c).await.is_empty());
    assert_eq!(events(&app, &rita, a).await.len(), before_a);
    // A claim listed twice moves once; a selection longer than one batch (1,000 claims) keeps
    // request order, and the claim after the unknown ones in the second batch still moves.
    let (d, e) = (ids[3], ids[4]);
    let mut claims = vec![
        json!({"id": d, "version": 0}),
        json!({"id": d, "version": 0}),
    ];
    claims.extend((0..1_200).map(|n| json!({"id": 2_000_000 + n, "version": 0})));
    claims.push(json!({"id": e, "version": 0}));
    let results = bulk(&app, &rita, json!({"action": "take", "claims": claims})).await;
    assert_eq!(results.len(), 1_203);
    assert_eq!(
        (&results[0]["ok"], &results[1]["status"]),
        (&json!(true), &json!(422)),
        "{:?}",
        &results[..2]
    );
    assert!(results[2..1_202].iter().all(|r| r["status"] == 404));
    assert_eq!(
        (&results[1_202]["id"], &results[1_202]["ok"]),
        (&json!(e), &json!(true))
    );
    assert_eq!(events(&app, &rita, d).await.len(), 1);
    assert_eq!(events(&app, &rita, e).await.len(), 1);
    // A malformed request is refused whole.
    let (s, _) = post(
        &app,
        "/api/v1/claims/bulk",
        &rita,
        json!({"action": "shred", "claims": [{"id": b, "version": 1}]}),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = post(
        &app,
        "/api/v1/claims/bulk",
        &editor,
        json!({"action": "dismiss", "claims": [{"id": c, "version": 0}]}),
    )
    .await;
    assert_eq!(s, 422, "dismiss needs a reason");
    let (s, _) = post(
        &app,
        "/api/v1/claims/bulk",
        &rita,
        json!({"action": "take", "claims": []}),
    )
    .await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn bulk_approval_keeps_four_eyes_and_bulk_dismiss_needs_an_editor() {
    let app = TestApp::spawn().await;
    let editor = app.token("eddie", Role::Editor).await;
    let rita = app.token("rita", Role::Reviewer).await;
    let ids = claim_ids(&app.import_seed(&editor).await);
    let (own, theirs, waiting) = (ids[0], ids[1], ids[2]);
    decide(&app, &editor, own).await;
    decide(&app, &rita, theirs).await;
    let v_own = version(&app, &editor, own).await;
    let v_theirs = version(&app, &editor, theirs).await;
    let results = bulk(
        &app,
        &editor,
        json!({"action": "approve", "claims": [{"id": own, "version": v_own}, {"id": theirs, "version": v_theirs}]}),
    )
    .await;
    assert_eq!(
        (results[0]["ok"].as_bool(), results[0]["status"].as_i64()),
        (Some(false), Some(403))
    );
    assert!(
        results[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("second person"))
    );
    assert_eq!(
        (results[1]["ok"].as_bool(), results[1]["status"].as_i64()),
        (Some(true), Some(200))
    );
    assert_eq!(
        get(&app, &format!("/api/v1/claims/{own}"), &editor).await["state"],
        "disputed"
    );
    assert_eq!(
        get(&app, &format!("/api/v1/claims/{theirs}"), &editor).await["state"],
        "approved"
    );
    // A reviewer's bulk dismissal is refused claim by claim, with the reason.
    let results = bulk(&app, &rita, json!({"action": "dismiss", "reason": "opinion", "claims": [{"id": waiting, "version": 0}]})).await;
    assert_eq!(results[0]["status"], 403);
    let results = bulk(&app, &editor, json!({"action": "dismiss", "reason": "opinion", "claims": [{"id": waiting, "version": 0}]})).await;
    assert_eq!(results[0]["ok"], true);
    let last = events(&app, &editor, waiting).await.pop().expect("event");
    assert_eq!(
        (last["to"].as_str(), last["note"].as_str()),
        (Some("dismissed"), Some("opinion"))
    );
}

#[tokio::test]
async fn editors_assign_and_reassign_claims_and_reviewers_find_them_assigned_to_them() {
    let app = TestApp::spawn().await;
    let editor = app.token("eddie", Role::Editor).await;
    let rita = app.token("rita", Role::Reviewer).await;
    app.user("sam", Role::Reviewer).await;
    let ids = claim_ids(&app.import_seed(&editor).await);
    let picked = [ids[0], ids[2], ids[4]];
    let claims: Vec<Value> = picked
        .iter()
        .map(|id| json!({"id": id, "version": 0}))
        .collect();
    // Reviewers cannot hand claims out.
    let refused = bulk(
        &app,
        &rita,
        json!({"action": "assign", "assignee": "rita", "claims": claims}),
    )
    .await;
    assert!(refused.iter().all(|r| r["status"] == 403), "{refused:?}");
    let results = bulk(
        &app,
        &editor,
        json!({"action": "assign", "assignee": "rita", "claims": claims}),
    )
    .await;
    assert!(results.iter().all(|r| r["ok"] == true), "{results:?}");
    let mine = get(&app, "/api/v1/claims?assignee=rita&sort=oldest", &rita).await;
    let listed: Vec<i64> = mine["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(listed, picked);
    // A name or id no user has is refused with it, not a filter that matches nothing; the
    // queue page says so above the queue.
    for (query, named) in [("nobody", "nobody"), ("987654", "987654")] {
        let (status, refused) =
            api_get(&app, &format!("/api/v1/claims?assignee={query}"), &rita).await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["error"]["code"], "validation_failed", "{refused}");
        assert!(
            refused["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(&format!("no such user: {named}"))),
            "{refused}"
        );
    }
    let reviewer_page = app.browser("rita2", Role::Reviewer).await;
    let (status, page) = reviewer_page.get("/?assignee=nobody").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(r#"<p class="form-error" role="alert">no such user: nobody</p>"#),
        "{page}"
    );
    for c in mine["claims"].as_array().expect("claims") {
        assert_eq!(c["state"], "in_review");
        assert!(c["assigned_at"].is_string());
    }
    let ev = events(&app, &editor, picked[0]).await;
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (
            ev[0]["kind"].as_str(),
            ev[0]["from"].as_str(),
            ev[0]["to"].as_str(),
            ev[0]["old"].as_str(),
            ev[0]["new"].as_str(),
            ev[0]["actor"].as_str()
        ),
        (
            Some("assigned"),
            Some("extracted"),
            Some("in_review"),
            None,
            Some("rita"),
            Some("eddie")
        )
    );
    // Reassigning: the event names both people; an unknown person is refused.
    let v = version(&app, &editor, picked[0]).await;
    let results = bulk(
        &app,
        &editor,
        json!({"action": "assign", "assignee": "sam", "claims": [{"id": picked[0], "version": v}]}),
    )
    .await;
    assert_eq!(results[0]["ok"], true, "{results:?}");
    let last = events(&app, &editor, picked[0]).await.pop().expect("event");
    assert_eq!(
        (last["old"].as_str(), last["new"].as_str()),
        (Some("rita"), Some("sam"))
    );
    let v = version(&app, &editor, picked[1]).await;
    let results = bulk(&app, &editor, json!({"action": "assign", "assignee": "nobody", "claims": [{"id": picked[1], "version": v}]})).await;
    assert_eq!(results[0]["status"], 422);
    // The claim page shows who has it and since when; the reviewer's queue view lists it.
    let browser = app.browser("ed2", Role::Editor).await;
    let (status, page) = browser.get(&format!("/claims/{}", picked[0])).await;
    assert_eq!(status, 200);
    assert!(page.contains("Assigned to <b>sam</b> since "), "{page}");
    let (status, form) = browser
        .submit(
            &format!("/claims/{}/assign", picked[1]),
            &[
                (
                    "version",
                    &version(&app, &editor, picked[1]).await.to_string(),
                ),
                ("assignee", "sam"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{form}");
    assert_eq!(
        get(&app, &format!("/api/v1/claims/{}", picked[1]), &editor).await["assignee"],
        "sam"
    );
}

/// Creates a tag through the tags page as an editor.
async fn create_tag(app: &TestApp, browser: &crate::helpers::Browser, name: &str, colour: &str) {
    let (status, body) = browser
        .submit("/tags", &[("name", name), ("colour", colour)])
        .await;
    assert_eq!(status, 303, "{body}");
    let _ = app;
}

#[tokio::test]
async fn tags_are_managed_by_editors_and_filter_the_api_the_queue_and_exports() {
    let app = TestApp::spawn().await;
    let editor = app.token("eddie", Role::Editor).await;
    let rita = app.token("rita", Role::Reviewer).await;
    let ids = claim_ids(&app.import_seed(&editor).await);
    let desk = app.browser("ed2", Role::Editor).await;
    create_tag(&app, &desk, "Élection", "#1F77B4").await;
    create_tag(&app, &desk, "budget", "#d62728").await;
    let (status, page) = desk
        .submit("/tags", &[("name", "élection"), ("colour", "#000000")])
        .await;
    assert_eq!(status, 409, "names are unique whatever their case");
    assert!(page.contains("exists already"));
    let reviewer = app.browser("rev", Role::Reviewer).await;
    let (status, _) = reviewer
        .submit("/tags", &[("name", "mine"), ("colour", "#000000")])
        .await;
    assert_eq!(status, 403);
    let (status, page) = desk.get("/tags").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("#1f77b4") && page.contains("Élection"),
        "colour normalised, name shown"
    );

    let both = [ids[0], ids[1]];
    let claims: Vec<Value> = both
        .iter()
        .map(|id| json!({"id": id, "version": 0}))
        .collect();
    let results = bulk(
        &app,
        &editor,
        json!({"action": "tag", "tag": "élection", "claims": claims}),
    )
    .await;
    assert!(results.iter().all(|r| r["ok"] == true), "{results:?}");
    let v = version(&app, &editor, ids[1]).await;
    let results = bulk(&app, &editor, json!({"action": "tag", "tag": "budget", "claims": [{"id": ids[1], "version": v}, {"id": ids[2], "version": 0}]})).await;
    assert!(results.iter().all(|r| r["ok"] == true), "{results:?}");
    // Tagging again is refused for that claim and says why; an unassigned reviewer may not tag.
    let v = version(&app, &editor, ids[0]).await;
    let again = bulk(
        &app,
        &editor,
        json!({"action": "tag", "tag": "Élection", "claims": [{"id": ids[0], "version": v}]}),
    )
    .await;
    assert_eq!(again[0]["status"], 422);
    let not_theirs = bulk(
        &app,
        &rita,
        json!({"action": "tag", "tag": "budget", "claims": [{"id": ids[0], "version": v}]}),
    )
    .await;
    assert_eq!(not_theirs[0]["status"], 403);

    let tagged = |body: &Value| -> Vec<i64> {
        let mut ids: Vec<i64> = body["claims"]
            .as_array()
            .expect("claims")
            .iter()
            .map(|c| c["id"].as_i64().expect("id"))
            .collect();
        ids.sort_unstable();
        ids
    };
    assert_eq!(
        tagged(&get(&app, "/api/v1/claims?tag=%C3%89lection", &rita).await),
        both
    );
    assert_eq!(
        tagged(&get(&app, "/api/v1/claims?tag=%C3%A9lection&tag=budget", &rita).await),
        [ids[1]]
    );
    assert_eq!(
        tagged(&get(&app, "/api/v1/claims?tag=budget,%C3%A9lection", &rita).await),
        [ids[1]]
    );
    let one = get(&app, &format!("/api/v1/claims/{}", ids[1]), &rita).await;
    assert_eq!(one["tags"], json!(["budget", "Élection"]));
    let ev = events(&app, &rita, ids[1]).await;
    let kinds: Vec<(&str, Option<&str>)> = ev
        .iter()
        .map(|e| (e["kind"].as_str().unwrap_or_default(), e["new"].as_str()))
        .collect();
    assert_eq!(
        kinds,
        [("tagged", Some("Élection")), ("tagged", Some("budget"))]
    );

    let (_, queue) = desk.get("/?tag=budget").await;
    assert!(
        queue.contains(&format!("/claims/{}\"", ids[1]))
            && queue.contains(&format!("/claims/{}\"", ids[2]))
    );
    assert!(!queue.contains(&format!("/claims/{}\"", ids[0])));
    assert!(queue.contains("Select all 2 matching claims"));

    // Exports filter by tag (all drafts, so unapproved claims are in).
    let (status, _, _, csv) = api_export(
        &app,
        &rita,
        "format=csv&states=extracted,in_review&tags=budget",
    )
    .await;
    assert_eq!(status, 200);
    let rows = csv.lines().filter(|l| !l.is_empty()).count();
    assert_eq!(rows, 3, "a header and two claims: {csv}");
    let (status, _, _, _) = api_export(&app, &rita, "format=csv&tags=nothing").await;
    assert_eq!(status, 422);

    // Untag on the claim page, with the version the page showed.
    let v = version(&app, &editor, ids[2]).await.to_string();
    let (status, _) = desk
        .submit(
            &format!("/claims/{}/tags", ids[2]),
            &[("version", &v), ("op", "remove"), ("tag", "budget")],
        )
        .await;
    assert_eq!(status, 303);
    let (status, _) = desk
        .submit(
            &format!("/claims/{}/tags", ids[2]),
            &[("version", &v), ("op", "add"), ("tag", "budget")],
        )
        .await;
    assert_eq!(status, 409, "the page's version is stale now");
    assert_eq!(
        tagged(&get(&app, "/api/v1/claims?tag=budget", &rita).await),
        [ids[1]]
    );
}

#[tokio::test]
async fn queue_filters_combine_and_counts_follow_them_without_archived_articles() {
    let app = TestApp::spawn().await;
    let editor = app.token("eddie", Role::Editor).await;
    let rita = app.token("rita", Role::Reviewer).await;
    let article = app.import_seed(&editor).await;
    let ids = claim_ids(&article);
    let total = ids.len();
    decide(&app, &rita, ids[0]).await;
    decide(&app, &rita, ids[1]).await;
    // The editor sends ids[1] back: it is "sent back" to rita until she decides again.
    let v = version(&app, &editor, ids[1]).await;
    let (s, b) = post(
        &app,
        &format!("/api/v1/claims/{}/transitions", ids[1]),
        &editor,
        json!({"to": "in_review", "version": v, "note": "cite the register"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let listed = |body: Value| -> Vec<i64> {
        body["claims"]
            .as_array()
            .expect("claims")
            .iter()
            .map(|c| c["id"].as_i64().expect("id"))
            .collect()
    };
    assert_eq!(
        listed(get(&app, "/api/v1/claims?awaiting_approval=true", &rita).await),
        [ids[0]]
    );
    assert_eq!(
        listed(get(&app, "/api/v1/claims?sent_back=true", &rita).await),
        [ids[1]]
    );
    assert!(
        listed(get(&app, "/api/v1/claims?sent_back=true", &editor).await).is_empty(),
        "sent back to rita, not to the editor"
    );
    assert!(listed(get(&app, "/api/v1/claims?stale=true", &rita).await).is_empty());
    assert_eq!(
        listed(
            get(
                &app,
                "/api/v1/claims?awaiting_approval=true&assignee=rita",
                &rita
            )
            .await
        ),
        [ids[0]]
    );
    assert!(
        listed(
            get(
                &app,
                "/api/v1/claims?awaiting_approval=true&assignee=eddie",
                &rita
            )
            .await
        )
        .is_empty()
    );
    // Stale: in review with no change for more than the configured 7 days.
    {
        use claimdesk::db::schema::claims;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = app.conn().await;
        diesel::update(claims::table.find(ids[1]))
            .set(claims::updated_at.eq(chrono::Utc::now() - chrono::Duration::days(8)))
            .execute(&mut conn)
            .await
            .expect("age the claim");
    }
    assert_eq!(
        listed(get(&app, "/api/v1/claims?stale=true", &rita).await),
        [ids[1]]
    );
    let (s, body) = api_get(&app, "/api/v1/claims?stale=maybe", &rita).await;
    assert_eq!(s, 400, "{body}");
    // Last change first.
    let order = listed(get(&app, "/api/v1/claims?sort=last_change&limit=2", &rita).await);
    assert_eq!(order[0], ids[0]);

    // Counts: each state under the other filters; "All" is their sum.
    let browser = app.browser("ed2", Role::Editor).await;
    let (_, page) = browser.get("/").await;
    assert!(page.contains(&format!("All <b>{total}</b>")), "all claims");
    let (_, page) = browser.get("/?awaiting_approval=1").await;
    assert!(
        page.contains(&format!("All <b>{total}</b>")),
        "state filters leave the tabs alone"
    );
    assert!(page.contains("Select all 1 matching claims"));
    let (_, page) = browser.get("/?assignee=rita").await;
    assert!(
        page.contains("All <b>2</b>"),
        "counts follow the assignee filter: {page}"
    );
    assert!(
        page.contains("href=\"/?state=disputed&#38;assignee=rita\""),
        "tabs keep the filters: {page}"
    );
    // Archiving the article takes its claims out of the counts.
    let (s, _) = post(
        &app,
        &format!("/api/v1/articles/{}/archive", article["id"]),
        &editor,
        Value::Null,
    )
    .await;
    assert_eq!(s, 200);
    let (_, page) = browser.get("/").await;
    assert!(
        page.contains("All <b>0</b>"),
        "archived claims are not counted"
    );
}

#[tokio::test]
async fn a_csv_export_starts_with_a_byte_order_mark_only_when_asked() {
    let app = TestApp::spawn().await;
    let editor = app.token("eddie", Role::Editor).await;
    app.import_seed(&editor).await;
    let (status, content_type, _, with) =
        api_export(&app, &editor, "format=csv&states=extracted&bom=true").await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/csv; charset=utf-8")
    );
    assert!(
        with.as_bytes().starts_with(b"\xEF\xBB\xBF"),
        "{:?}",
        &with.as_bytes()[..8]
    );
    let (_, _, _, without) = api_export(&app, &editor, "format=csv&states=extracted").await;
    assert!(!without.as_bytes().starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(&with.as_bytes()[3..], without.as_bytes());
}

#[tokio::test]
async fn every_export_format_carries_the_tags() {
    let app = TestApp::spawn().await;
    let editor = app.token("eddie", Role::Editor).await;
    let rita = app.token("rita", Role::Reviewer).await;
    let ids = claim_ids(&app.import_seed(&editor).await);
    let desk = app.browser("ed2", Role::Editor).await;
    create_tag(&app, &desk, "Élection", "#1f77b4").await;
    create_tag(&app, &desk, "budget", "#d62728").await;
    decide(&app, &rita, ids[0]).await;
    for tag in ["budget", "Élection"] {
        let v = version(&app, &editor, ids[0]).await;
        let r = bulk(
            &app,
            &editor,
            json!({"action": "tag", "tag": tag, "claims": [{"id": ids[0], "version": v}]}),
        )
        .await;
        assert_eq!(r[0]["ok"], true, "{r:?}");
    }
    let v = version(&app, &editor, ids[0]).await;
    let r = bulk(
        &app,
        &editor,
        json!({"action": "approve", "claims": [{"id": ids[0], "version": v}]}),
    )
    .await;
    assert_eq!(r[0]["ok"], true, "{r:?}");
    let (_, _, _, csv) = api_export(&app, &rita, "format=csv&tags=budget").await;
    let header = csv.lines().next().expect("header");
    assert!(
        header.ends_with(",correction,tags,claimant_kind,merged_into"),
        "{header}"
    );
    let row = csv.lines().nth(1).expect("row");
    assert!(row.contains(",\"budget, Élection\","), "{csv}");
    let (_, _, _, json_text) = api_export(&app, &rita, "format=json&tags=budget").await;
    let report: Value = serde_json::from_str(&json_text).expect("json");
    assert_eq!(report["claims"][0]["tags"], json!(["budget", "Élection"]));
    assert_eq!(report["filters"]["tags"], json!(["budget"]));
    let (_, _, _, ld) = api_export(&app, &rita, "format=claimreview&tags=budget").await;
    let reviews: Value = serde_json::from_str(&ld).expect("json-ld");
    assert_eq!(reviews[0]["keywords"], "budget, Élection");
    let (_, _, _, html) = api_export(&app, &rita, "format=html&tags=budget").await;
    assert!(html.contains("Tags: budget, Élection"), "{html}");
}

/// The rows of `sql` as one sorted text, to compare two queries' answers.
async fn rows_text(app: &TestApp, sql: &str) -> String {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        s: String,
    }
    let mut conn = app.conn().await;
    let query = format!(
        "SELECT coalesce(string_agg(r::text, ';' ORDER BY r::text), '') AS s FROM ({sql}) r"
    );
    diesel::sql_query(query)
        .get_result::<Text>(&mut conn)
        .await
        .expect(sql)
        .s
}

/// A transition through the API at the claim's current version.
async fn move_claim(app: &TestApp, token: &str, id: i64, body: Value) {
    let mut body = body;
    body["version"] = version(app, token, id).await.into();
    let (s, b) = post(
        app,
        &format!("/api/v1/claims/{id}/transitions"),
        token,
        body,
    )
    .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn the_dashboards_summary_tables_agree_with_grouping_every_row_after_a_mixed_workflow() {
    let app = TestApp::spawn().await;
    let editor = app.token("eddie", Role::Editor).await;
    let rita = app.token("rita", Role::Reviewer).await;
    let rob = app.token("rob", Role::Reviewer).await;
    let ids = claim_ids(&app.import_seed(&editor).await);
    let (s, other) = post(
        &app,
        "/api/v1/articles",
        &editor,
        json!({"title": "Second", "body": format!("An opening line. {}", crate::helpers::seed_article())}),
    )
    .await;
    assert_eq!(s, 201, "{other}");
    let other_id = other["id"].as_i64().expect("article id");
    let others = claim_ids(&other);
    assert!(ids.len() >= 7 && others.len() >= 3, "{ids:?} {others:?}");

    // Verdicts by two reviewers; a bulk approval; one sent back; one reopened and corrected.
    for id in &ids[0..4] {
        decide(&app, &rita, *id).await;
    }
    decide(&app, &rob, ids[4]).await;
    decide(&app, &rob, others[0]).await;
    let mut approve = Vec::new();
    for id in [ids[0], ids[1], ids[4], others[0]] {
        approve.push(json!({"id": id, "version": version(&app, &editor, id).await}));
    }
    let results = bulk(
        &app,
        &editor,
        json!({"action": "approve", "claims": approve}),
    )
    .await;
    assert!(results.iter().all(|r| r["ok"] == true), "{results:?}");
    move_claim(
        &app,
        &editor,
        ids[2],
        json!({"to": "in_review", "note": "Check the date"}),
    )
    .await;
    move_claim(
        &app,
        &editor,
        ids[0],
        json!({"to": "in_review", "note": "Amended"}),
    )
    .await;
    move_claim(
        &app,
        &rita,
        ids[0],
        json!({"to": "disputed", "rating": 1, "rationale": "Worse."}),
    )
    .await;
    move_claim(&app, &editor, ids[0], json!({"to": "approved"})).await;
    // Bulk take and dismiss; a merge; the second article archived with claims still open.
    let take: Vec<Value> = [ids[5], others[1]]
        .iter()
        .map(|&id| json!({"id": id, "version": 0}))
        .collect();
    let results = bulk(&app, &rob, json!({"action": "take", "claims": take})).await;
    assert!(results.iter().all(|r| r["ok"] == true), "{results:?}");
    let dismiss =
        json!({"action": "dismiss", "reason": "opinion", "claims": [{"id": ids[6], "version": 0}]});
    assert!(bulk(&app, &editor, dismiss).await[0]["ok"] == true);
    let (s, b) = post(
        &app,
        &format!("/api/v1/claims/{}/merge", ids[3]),
        &editor,
        json!({"into": ids[1], "version": version(&app, &editor, ids[3]).await}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let open_states = "('extracted', 'in_review', 'verified', 'disputed', 'unverifiable')";
    let archived_open = rows_text(
        &app,
        &format!(
            "SELECT count(*) FROM claims WHERE article_id = {other_id} AND state IN {open_states}"
        ),
    )
    .await;
    assert_ne!(archived_open, "(0)", "the archived article has open claims");
    let (s, b) = post(
        &app,
        &format!("/api/v1/articles/{other_id}/archive"),
        &editor,
        Value::Null,
    )
    .await;
    assert_eq!(s, 200, "{b}");

    // Each summary against the same numbers grouped from every row.
    let pairs = [
        (
            "SELECT state, category, step, claims FROM claim_tallies WHERE claims <> 0",
            "SELECT c.state, c.category, claim_step(c.verdict, c.rating), count(*) \
             FROM claims c JOIN articles a ON a.id = c.article_id \
             WHERE c.merged_into IS NULL AND a.archived_at IS NULL GROUP BY 1, 2, 3",
        ),
        (
            "SELECT state, claims FROM claim_state_counts WHERE claims <> 0",
            "SELECT state, count(*) FROM claims GROUP BY 1",
        ),
        (
            "SELECT week, author_id, hours, claims FROM approval_hours WHERE claims <> 0",
            "SELECT date_trunc('week', approved_at AT TIME ZONE 'UTC')::date, verdict_by, \
                    floor(extract(epoch FROM approved_at - created_at) / 3600)::int, count(*) \
             FROM claims WHERE approved_at IS NOT NULL GROUP BY 1, 2, 3",
        ),
        (
            "SELECT week, author_id, verdicts, approvals, unapproved - pending, corrected \
             FROM verdict_weeks WHERE (verdicts, approvals, unapproved, pending, corrected) \
                   <> (0, 0, 0, 0, 0)",
            "SELECT week, author, sum(given), sum(approved), sum(sent_back), sum(corrected) FROM ( \
               SELECT date_trunc('week', v.created_at AT TIME ZONE 'UTC')::date AS week, \
                      v.author_id AS author, 1 AS given, 0 AS approved, \
                      (v.approved_at IS NULL AND NOT EXISTS (SELECT 1 FROM claims c \
                         WHERE c.verdict_id = v.id \
                           AND c.state IN ('verified', 'disputed', 'unverifiable')))::int AS sent_back, \
                      EXISTS (SELECT 1 FROM verdicts k WHERE k.corrects_id = v.id)::int AS corrected \
               FROM verdicts v \
               UNION ALL \
               SELECT date_trunc('week', approved_at AT TIME ZONE 'UTC')::date, author_id, 0, 1, 0, 0 \
               FROM verdicts WHERE approved_at IS NOT NULL) t GROUP BY 1, 2",
        ),
    ];
    for (kept, grouped) in pairs {
        let (kept_rows, grouped_rows) =
            (rows_text(&app, kept).await, rows_text(&app, grouped).await);
        assert!(!kept_rows.is_empty(), "{kept}");
        assert_eq!(kept_rows, grouped_rows, "{kept}");
    }
    // The workflow did what the comparison relies on: a correction, a verdict sent back, a
    // merged claim and open claims in an archived article.
    assert_eq!(
        rows_text(
            &app,
            "SELECT sum(corrected), sum(unapproved - pending) FROM verdict_weeks"
        )
        .await,
        "(1,1)"
    );

    // The dashboard's backlog leaves out the merged claim and the archived article's claims.
    let stats = get(&app, "/api/v1/stats", &editor).await;
    let backlog: i64 = stats["backlog"]
        .as_array()
        .expect("backlog")
        .iter()
        .filter_map(|c| c["claims"].as_i64())
        .sum();
    let live = rows_text(
        &app,
        &format!(
            "SELECT count(*) FROM claims c JOIN articles a ON a.id = c.article_id \
             WHERE c.state IN {open_states} AND c.merged_into IS NULL AND a.archived_at IS NULL"
        ),
    )
    .await;
    let all = rows_text(
        &app,
        &format!("SELECT count(*) FROM claims WHERE state IN {open_states}"),
    )
    .await;
    assert_eq!(format!("({backlog})"), live);
    assert_ne!(live, all);
    // The mix counts approved claims of live articles only: of the four, others[0] is in the
    // archive.
    let mix: i64 = stats["verdict_mix"]
        .as_array()
        .expect("mix")
        .iter()
        .filter_map(|c| c["claims"].as_i64())
        .sum();
    assert_eq!(mix, 3, "{stats}");

    // Restoring the article puts its claims back, as a rebuild from scratch would.
    let (s, b) = post(
        &app,
        &format!("/api/v1/articles/{other_id}/restore"),
        &editor,
        Value::Null,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let kept = rows_text(&app, pairs[0].0).await;
    assert_eq!(kept, rows_text(&app, pairs[0].1).await);
    let stats = get(&app, "/api/v1/stats", &editor).await;
    assert_eq!(stats["time_to_approval"]["approvals"], 4, "{stats}");
    let mix: i64 = stats["verdict_mix"]
        .as_array()
        .expect("mix")
        .iter()
        .filter_map(|c| c["claims"].as_i64())
        .sum();
    assert_eq!(mix, 4, "{stats}");
}

#[tokio::test]
async fn the_queue_groups_by_article_in_the_page_the_api_and_saved_views() {
    let app = TestApp::spawn().await;
    let (editor, browser) = app.person("eddie", Role::Editor).await;
    let first = app.import_seed(&editor).await;
    let (s, second) = post(
        &app,
        "/api/v1/articles",
        &editor,
        json!({"title": "The later article", "body": format!("A first line. {}", crate::helpers::seed_article())}),
    )
    .await;
    assert_eq!(s, 201, "{second}");
    let (first_id, second_id) = (
        first["id"].as_i64().expect("id"),
        second["id"].as_i64().expect("id"),
    );

    // The API pages through every claim, the newest article's first, by score within one.
    let mut seen: Vec<(i64, f64, i64)> = Vec::new();
    let mut path = "/api/v1/claims?sort=article&limit=3".to_owned();
    loop {
        let page = get(&app, &path, &editor).await;
        for c in page["claims"].as_array().expect("claims") {
            seen.push((
                c["article_id"].as_i64().expect("article_id"),
                c["score"].as_f64().expect("score"),
                c["id"].as_i64().expect("id"),
            ));
        }
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/claims?sort=article&limit=3&after={next}"),
            None => break,
        }
    }
    let total = claim_ids(&first).len() + claim_ids(&second).len();
    assert_eq!(seen.len(), total);
    let mut expected = seen.clone();
    expected.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(b.2.cmp(&a.2)));
    assert_eq!(seen, expected);
    assert_eq!(seen.first().map(|c| c.0), Some(second_id));
    assert_eq!(seen.last().map(|c| c.0), Some(first_id));
    // A cursor of another order is refused rather than starting again.
    let (s, _) = api_get(&app, "/api/v1/claims?sort=score&after=a1_0.5_3", &editor).await;
    assert_eq!(s, 400);

    // The page: each article's title once, heading its group, the newest article first.
    let (s, html) = browser.get("/?sort=article").await;
    assert_eq!(s, 200);
    let header = |id: i64| {
        format!(
            "<tr class=\"group\"><th scope=\"rowgroup\" colspan=\"9\"><a href=\"/articles/{id}\">"
        )
    };
    assert_eq!(html.matches(&header(second_id)).count(), 1, "{html}");
    assert_eq!(html.matches(&header(first_id)).count(), 1, "{html}");
    assert!(html.find(&header(second_id)) < html.find(&header(first_id)));
    assert!(html.contains("<option value=\"article\" selected>"));

    // A saved view keeps the grouping: its link in the navigation carries it.
    let (s, view) = post(
        &app,
        "/api/v1/views",
        &editor,
        json!({"name": "By article", "query": "state=extracted&sort=article"}),
    )
    .await;
    assert_eq!(s, 201, "{view}");
    let (_, html) = browser.get("/").await;
    assert!(
        html.contains("<a href=\"/?state=extracted&#38;sort=article\""),
        "{html}"
    );
    let (_, html) = browser.get("/?state=extracted&sort=article").await;
    assert_eq!(html.matches(&header(second_id)).count(), 1);
    assert!(html.contains("<option value=\"article\" selected>"));
}
