//! Corrections through the real app and PostgreSQL: claim edits with their audit trail,
//! claims added by hand, merges, splits, article edits and archives.

use claimdesk::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, api, api_call, api_export, api_get_ok, claim_events as events};

async fn claim(app: &TestApp, token: &str, id: i64) -> Value {
    api_get_ok(app, &format!("/api/v1/claims/{id}"), token).await
}

fn version(claim: &Value) -> i64 {
    claim["version"].as_i64().expect("a version")
}

/// Takes a claim, adds refuting evidence, disputes it (rating 2) and has an editor approve it.
async fn approve(app: &TestApp, id: i64, reviewer: &str, editor: &str) {
    let steps = [
        (reviewer, "transitions", json!({"to": "in_review"})),
        (
            reviewer,
            "evidence",
            json!({"url": "https://records.example/1", "stance": "refutes"}),
        ),
        (
            reviewer,
            "transitions",
            json!({"to": "disputed", "rationale": "The register differs.", "rating": 2, "label": "Misleading"}),
        ),
        (editor, "transitions", json!({"to": "approved"})),
    ];
    for (token, what, mut body) in steps {
        if what == "transitions" {
            body["version"] = version(&claim(app, token, id).await).into();
        }
        let path = format!("/api/v1/claims/{id}/{what}");
        let (s, j) = api_call(app, Method::POST, &path, token, Some(body)).await;
        let expected = if what == "evidence" { 201 } else { 200 };
        assert_eq!(s, expected, "{what}: {j}");
    }
}

/// Imports a short article of our own and returns its JSON.
async fn import(app: &TestApp, token: &str, title: Option<&str>, body: &str) -> Value {
    let mut article = json!({"body": body, "publisher": "Example Courier"});
    if let Some(t) = title {
        article["title"] = t.into();
    }
    let (status, json) =
        api_call(app, Method::POST, "/api/v1/articles", token, Some(article)).await;
    assert_eq!(status, 201, "{json}");
    json
}

const BODY: &str = "Árbol Agency reported that 300 mm of rain fell in May, a record for the month. \
Some people enjoyed the weather a great deal.\nThe defence ministry said on Tuesday it had \
delivered 12 Su-30 fighters worth $1.2 billion to the air force in 2024. It was a quiet week \
otherwise.";

#[tokio::test]
async fn the_claimant_kind_is_stored_at_import_and_every_claim_says_where_it_came_from() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let article = import(&app, &editor, Some("Deliveries"), BODY).await;
    let claims = article["claims"].as_array().expect("claims");
    let ministry = claims
        .iter()
        .find(|c| c["text"].as_str().is_some_and(|t| t.contains("Su-30")))
        .expect("the delivery is a claim");
    let one = claim(&app, &editor, ministry["id"].as_i64().expect("id")).await;
    assert_eq!(one["claimant_kind"], "government_body", "{one}");
    assert_eq!(one["origin"], "extracted");
    assert_eq!(one["normalized_text"], Value::Null);
    assert_eq!(one["merged_into"], Value::Null);
}

#[tokio::test]
async fn each_edit_is_one_event_per_field_with_old_and_new_values_and_the_chain_holds() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let article = app.import_seed(&editor).await;
    let id = article["claims"][0]["id"].as_i64().expect("a claim");
    let before = claim(&app, &editor, id).await;
    let path = format!("/api/v1/claims/{id}");
    let patch = |body: Value| api_call(&app, Method::PATCH, &path, &editor, Some(body));

    let (s, edited) = patch(json!({"version": version(&before), "category": "arms", "claimant": "Dva Mayora",
               "claimant_kind": "publication", "normalized_text": "Dva Mayora says jets were sent."}))
    .await;
    assert_eq!(s, 200, "{edited}");
    assert_eq!(edited["category"], "arms");
    assert_eq!(edited["claimant"], "Dva Mayora");
    assert_eq!(edited["claimant_kind"], "publication");
    assert_eq!(edited["normalized_text"], "Dva Mayora says jets were sent.");
    assert_eq!(version(&edited), version(&before) + 1);
    assert_eq!(
        edited["text"], before["text"],
        "the article's words stay the source"
    );

    let trail = events(&app, &editor, id).await;
    let edits: Vec<&Value> = trail
        .iter()
        .filter(|e| e["kind"] == "claim_edited")
        .collect();
    let fields: Vec<&str> = edits.iter().filter_map(|e| e["field"].as_str()).collect();
    let mut expected = vec!["claimant", "claimant_kind", "normalized_text"];
    if before["category"] != "arms" {
        expected.insert(0, "category");
    }
    assert_eq!(fields, expected, "{trail:?}");
    let claimant = edits
        .iter()
        .find(|e| e["field"] == "claimant")
        .expect("claimant event");
    assert_eq!(claimant["old"], before["claimant"]);
    assert_eq!(claimant["new"], "Dva Mayora");
    assert_eq!(claimant["actor"], "ed");

    // The same values again change nothing: no event, no new version.
    let (s, same) = patch(json!({"version": version(&edited), "claimant": "Dva Mayora"})).await;
    assert_eq!(s, 200, "{same}");
    assert_eq!(version(&same), version(&edited));
    assert_eq!(events(&app, &editor, id).await.len(), trail.len());

    // Clearing with null: the claimant and its kind go, one event each.
    let (s, cleared) = patch(json!({"version": version(&same), "claimant": null})).await;
    assert_eq!(s, 200, "{cleared}");
    assert_eq!(
        (
            cleared["claimant"].clone(),
            cleared["claimant_kind"].clone()
        ),
        (Value::Null, Value::Null)
    );
    assert_eq!(events(&app, &editor, id).await.len(), trail.len() + 2);

    // Invalid input is a 422 naming the problem; nothing changes.
    for bad in [
        json!({"version": version(&cleared), "category": "weather"}),
        json!({"version": version(&cleared), "claimant_kind": "person"}),
        json!({"version": version(&cleared), "normalized_text": "x".repeat(2001)}),
        json!({"category": "arms"}),
    ] {
        let (s, j) = patch(bad.clone()).await;
        assert_eq!(s, 422, "{bad}: {j}");
    }
    assert_eq!(version(&claim(&app, &editor, id).await), version(&cleared));

    // The hash chain covers the edits' values and still verifies.
    let mut conn = app.conn().await;
    let report = claimdesk::services::audit::verify(&mut conn)
        .await
        .expect("verify");
    assert_eq!(report.first_break, None);
    assert!(report.events >= 6, "{report:?}");
    let _ = reviewer;
}

#[tokio::test]
async fn a_stale_version_is_409_and_only_the_assigned_reviewer_or_an_editor_may_edit() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let rita = app.token("rita", Role::Reviewer).await;
    let otto = app.token("otto", Role::Reviewer).await;
    let article = app.import_seed(&editor).await;
    let id = article["claims"][1]["id"].as_i64().expect("a claim");
    let path = format!("/api/v1/claims/{id}");
    let v = version(&claim(&app, &rita, id).await);
    let body = |v: i64| json!({"version": v, "category": "finance"});

    // Nobody has taken it: a reviewer may not edit it.
    assert_eq!(
        api_call(&app, Method::PATCH, &path, &rita, Some(body(v)))
            .await
            .0,
        403
    );
    let (s, _) = api_call(
        &app,
        Method::POST,
        &format!("{path}/transitions"),
        &rita,
        Some(json!({"to": "in_review", "version": v})),
    )
    .await;
    assert_eq!(s, 200);
    let v = v + 1;
    let (s, j) = api_call(&app, Method::PATCH, &path, &otto, Some(body(v))).await;
    assert_eq!(s, 403, "{j}");
    assert_eq!(j["error"]["code"], "forbidden");
    let (s, j) = api_call(&app, Method::PATCH, &path, &rita, Some(body(v - 1))).await;
    assert_eq!(s, 409, "{j}");
    let (s, j) = api_call(&app, Method::PATCH, &path, &rita, Some(body(v))).await;
    assert_eq!(s, 200, "{j}");
    assert_eq!(j["category"], "finance");
    // An editor may edit any claim.
    let (s, _) = api_call(
        &app,
        Method::PATCH,
        &path,
        &editor,
        Some(json!({"version": v + 1, "category": "energy"})),
    )
    .await;
    assert_eq!(s, 200);
    let kinds: Vec<Value> = events(&app, &editor, id)
        .await
        .into_iter()
        .map(|e| e["kind"].clone())
        .collect();
    assert_eq!(kinds, ["transition", "claim_edited", "claim_edited"]);
}

#[tokio::test]
async fn an_edited_claimant_kind_changes_the_claimreview_author_type() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let article = app.import_seed(&editor).await;
    let id = article["claims"][0]["id"].as_i64().expect("a claim");
    approve(&app, id, &reviewer, &editor).await;
    let author_type = |report: &str| -> Value {
        let reviews: Value = serde_json::from_str(report).expect("json-ld");
        reviews
            .as_array()
            .and_then(|all| {
                all.iter().find(|r| {
                    r["url"]
                        .as_str()
                        .is_some_and(|u| u.contains(&format!("/checks/{id}-")))
                })
            })
            .map(|r| r["itemReviewed"]["author"]["@type"].clone())
            .expect("the claim's review")
    };
    for (kind, expected) in [
        ("person", "Person"),
        ("government_body", "Organization"),
        ("person", "Person"),
    ] {
        let v = version(&claim(&app, &editor, id).await);
        let (s, j) = api_call(
            &app,
            Method::PATCH,
            &format!("/api/v1/claims/{id}"),
            &editor,
            Some(json!({"version": v, "claimant": "Dva Mayora", "claimant_kind": kind})),
        )
        .await;
        assert_eq!(s, 200, "{j}");
        let (status, _, _, body) = api_export(&app, &editor, "format=claimreview").await;
        assert_eq!(status, 200);
        assert_eq!(author_type(&body), expected, "{kind}: {body}");
        // The JSON and CSV exports carry the kind as stored.
        let (_, _, _, body) = api_export(&app, &editor, "format=json").await;
        let report: Value = serde_json::from_str(&body).expect("json");
        let exported = report["claims"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["id"] == id))
            .cloned()
            .expect("the claim is exported");
        assert_eq!(exported["claimant_kind"], kind);
        assert_eq!(exported["merged_into"], Value::Null);
        let (_, _, _, csv) = api_export(&app, &editor, "format=csv").await;
        let row = csv
            .lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .expect("the claim's row");
        assert!(row.ends_with(&format!(",{kind},")), "{row}");
    }
}

#[tokio::test]
async fn a_missed_claim_is_added_by_text_or_by_offsets_and_refused_when_not_in_the_article() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let article = import(&app, &editor, Some("Rain"), BODY).await;
    let article_id = article["id"].as_i64().expect("id");
    let path = format!("/api/v1/articles/{article_id}/claims");
    let send = |body: Value| api_call(&app, Method::POST, &path, &editor, Some(body));
    let before = article["claims"].as_array().map_or(0, Vec::len);

    let (s, by_text) =
        send(json!({"text": "  Some people enjoyed the weather a great deal. "})).await;
    assert_eq!(s, 201, "{by_text}");
    assert_eq!(by_text["origin"], "manual");
    assert_eq!(
        by_text["text"],
        "Some people enjoyed the weather a great deal."
    );
    let start = BODY.find("Some people").expect("in the body");
    assert_eq!(by_text["start"].as_u64(), Some(start as u64));
    assert!(
        by_text["score"]
            .as_f64()
            .is_some_and(|s| (0.0..=1.0).contains(&s))
    );
    assert!(by_text["category"].is_string());
    let trail = events(&app, &editor, by_text["id"].as_i64().expect("id")).await;
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0]["kind"], "claim_added");

    // By byte offsets (the body starts with a two-byte letter).
    let quiet = BODY.find("It was a quiet week").expect("in the body");
    let (s, by_offsets) = send(json!({"start": quiet, "end": BODY.len()})).await;
    assert_eq!(s, 201, "{by_offsets}");
    assert_eq!(by_offsets["text"], "It was a quiet week otherwise.");
    assert_eq!(by_offsets["origin"], "manual");

    // The same span again is a conflict; text not in the article, broken offsets and
    // half-given bodies are 422.
    let (s, _) = send(json!({"start": quiet, "end": BODY.len()})).await;
    assert_eq!(s, 409);
    for bad in [
        json!({"text": "The navy said nothing at all."}),
        json!({"start": 1, "end": 20}),
        json!({"start": 0, "end": BODY.len() + 1}),
        json!({"start": 5, "end": 5}),
        json!({"start": 5}),
        json!({"text": "x", "start": 0, "end": 3}),
    ] {
        let (s, j) = send(bad.clone()).await;
        assert_eq!(s, 422, "{bad}: {j}");
    }
    let (_, now) = api_call(
        &app,
        Method::GET,
        &format!("/api/v1/articles/{article_id}"),
        &editor,
        None,
    )
    .await;
    assert_eq!(now["claims"].as_array().map_or(0, Vec::len), before + 2);

    // The article page's form, without script: the pasted sentence may lose its line break.
    let browser = app.browser("rita", Role::Reviewer).await;
    let (_, page) = browser.get(&format!("/articles/{article_id}")).await;
    assert!(
        page.contains("/static/select-claim.js"),
        "the selection script is offered"
    );
    assert!(!page.contains("<script>"), "no inline script");
    let (status, _) = browser
        .submit(
            &format!("/articles/{article_id}/claims"),
            &[("text", "a great deal. The defence ministry said on Tuesday")],
        )
        .await;
    assert_eq!(status, 303);
    // Sent from the page, the form posts to the page's own address.
    let (status, page) = browser
        .submit(
            &format!("/articles/{article_id}"),
            &[("form", "add_claim"), ("text", "The navy said nothing.")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("not in the article"), "{page}");
    assert!(
        page.contains(">The navy said nothing.</textarea>"),
        "the typed text is kept"
    );
}

#[tokio::test]
async fn a_merged_claim_follows_its_primary_in_exports_and_the_queue_until_unmerged() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let article = app.import_seed(&editor).await;
    let ids: Vec<i64> = article["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    let (primary, second, third) = (ids[0], ids[1], ids[2]);
    let merge = |id: i64, into: i64, v: i64| {
        let app = &app;
        let editor = editor.clone();
        async move {
            api_call(
                app,
                Method::POST,
                &format!("/api/v1/claims/{id}/merge"),
                &editor,
                Some(json!({"into": into, "version": v})),
            )
            .await
        }
    };

    let (s, j) = merge(second, primary, 0).await;
    assert_eq!(s, 200, "{j}");
    assert_eq!(j["merged_into"], primary);
    // Into a merged claim: resolved to its primary, the root.
    let (s, j) = merge(third, second, 0).await;
    assert_eq!(s, 200, "{j}");
    assert_eq!(j["merged_into"], primary);
    // A primary with claims merged into it, itself, or a stale version: refused.
    assert_eq!(merge(primary, third, 0).await.0, 422);
    assert_eq!(merge(second, second, 1).await.0, 422);
    assert_eq!(merge(ids[3], primary, 7).await.0, 409);
    assert_eq!(merge(ids[3], 999_999, 0).await.0, 422);

    approve(&app, primary, &reviewer, &editor).await;
    let (status, _, _, body) = api_export(&app, &editor, "format=json").await;
    assert_eq!(status, 200);
    let report: Value = serde_json::from_str(&body).expect("json");
    let exported = |report: &Value, id: i64| {
        report["claims"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["id"] == id))
            .cloned()
    };
    let follower =
        exported(&report, second).expect("the merged claim is exported with its primary");
    assert_eq!(follower["verdict"], "disputed");
    assert_eq!(follower["rating"], 2);
    assert_eq!(follower["label"], "Misleading");
    assert_eq!(follower["state"], "approved");
    assert_eq!(follower["merged_into"], primary);
    assert_eq!(
        exported(&report, primary).expect("the primary")["merged_into"],
        Value::Null
    );
    let third_exported = exported(&report, third).expect("the claim merged through second");
    assert_eq!(third_exported["merged_into"], primary);
    assert_eq!(third_exported["verdict"], "disputed");
    let (_, _, _, reviews) = api_export(&app, &editor, "format=claimreview").await;
    // A merged claim has no public page of its own: its review points at its primary's.
    assert!(
        reviews.contains(&format!("/checks/{primary}\"")),
        "{reviews}"
    );
    for own in [format!("/checks/{second}-"), format!("/checks/{second}\"")] {
        assert!(!reviews.contains(&own), "{reviews}");
    }
    let (s, queue) = api_call(
        &app,
        Method::GET,
        "/api/v1/claims?state=approved",
        &editor,
        None,
    )
    .await;
    assert_eq!(s, 200);
    let listed: Vec<i64> = queue["claims"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert!(
        listed.contains(&second) && listed.contains(&primary),
        "{listed:?}"
    );

    // The queue page shows the cluster as one row, the primary's, with its count.
    let browser = app.browser("rita", Role::Reviewer).await;
    let (_, page) = browser.get("/?state=approved").await;
    let row = page
        .split("<tr>")
        .find(|r| r.contains(&format!("href=\"/claims/{primary}\"")))
        .expect("the cluster is listed with the approved ones");
    assert!(
        row.contains("state-approved") && row.contains(" merged</span>"),
        "{row}"
    );
    assert!(!page.contains(&format!("href=\"/claims/{second}\"")));
    // Un-merging restores the claim's own (empty) verdict.
    let v = version(&claim(&app, &editor, second).await);
    let (s, j) = api_call(
        &app,
        Method::POST,
        &format!("/api/v1/claims/{second}/unmerge"),
        &editor,
        Some(json!({"version": v})),
    )
    .await;
    assert_eq!(s, 200, "{j}");
    assert_eq!(j["merged_into"], Value::Null);
    let (_, _, _, body) = api_export(&app, &editor, "format=json").await;
    let report: Value = serde_json::from_str(&body).expect("json");
    assert!(exported(&report, second).is_none());
    // Un-merging `second` leaves `third` merged into the primary, with its verdict.
    let third_exported = exported(&report, third).expect("still merged into the primary");
    assert_eq!(third_exported["merged_into"], primary);
    assert_eq!(third_exported["verdict"], "disputed");
    let (s, _) = api_call(
        &app,
        Method::POST,
        &format!("/api/v1/claims/{second}/unmerge"),
        &editor,
        Some(json!({"version": v + 1})),
    )
    .await;
    assert_eq!(s, 422, "not merged any more");

    let kinds: Vec<Value> = events(&app, &editor, second)
        .await
        .into_iter()
        .map(|e| e["kind"].clone())
        .collect();
    assert_eq!(kinds, ["claim_merged", "claim_unmerged"]);
    let merged = &events(&app, &editor, third).await[0];
    assert_eq!(
        (merged["field"].clone(), merged["new"].clone()),
        (json!("merged_into"), json!(primary.to_string()))
    );
}

#[tokio::test]
async fn a_claim_splits_into_two_spans_with_one_event_each() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let article = import(&app, &editor, Some("Rain"), BODY).await;
    let article_id = article["id"].as_i64().expect("id");
    let (s, both) = api_call(
        &app,
        Method::POST,
        &format!("/api/v1/articles/{article_id}/claims"),
        &editor,
        Some(json!({"text": "Some people enjoyed the weather a great deal."})),
    )
    .await;
    assert_eq!(s, 201, "{both}");
    let id = both["id"].as_i64().expect("id");
    let start = both["start"].as_u64().expect("start") as usize;
    let at = start + "Some people enjoyed the weather".len();
    let path = format!("/api/v1/claims/{id}/split");
    let split = |body: Value| api_call(&app, Method::POST, &path, &editor, Some(body));
    assert_eq!(split(json!({"at": start, "version": 0})).await.0, 422);
    assert_eq!(split(json!({"at": at, "version": 3})).await.0, 409);
    let (s, j) = split(json!({"at": at, "version": 0})).await;
    assert_eq!(s, 201, "{j}");
    assert_eq!(j["claims"][0]["text"], "Some people enjoyed the weather");
    assert_eq!(j["claims"][1]["text"], "a great deal.");
    assert_eq!(j["claims"][1]["origin"], "manual");
    let new_id = j["claims"][1]["id"].as_i64().expect("id");
    let kinds: Vec<Value> = events(&app, &editor, id)
        .await
        .into_iter()
        .map(|e| e["kind"].clone())
        .collect();
    assert_eq!(kinds, ["claim_added", "claim_split"]);
    let added = events(&app, &editor, new_id).await;
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["note"], format!("split off claim {id}"));
}

#[tokio::test]
async fn archiving_hides_an_article_and_its_claims_and_restoring_brings_them_back() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let article = app.import_seed(&editor).await;
    let id = article["id"].as_i64().expect("id");
    let claim_id = article["claims"][0]["id"].as_i64().expect("claim");
    approve(&app, claim_id, &reviewer, &editor).await;
    let visible = |app: &TestApp| {
        let editor = editor.clone();
        let app_address = app.address.clone();
        async move {
            let get = |path: String| {
                let editor = editor.clone();
                let url = format!("{app_address}{path}");
                async move {
                    let res = api("")
                        .get(url)
                        .bearer_auth(editor)
                        .send()
                        .await
                        .expect("get");
                    res.text().await.expect("body")
                }
            };
            let list: Value =
                serde_json::from_str(&get("/api/v1/articles".into()).await).expect("json");
            let in_list = list["articles"]
                .as_array()
                .is_some_and(|a| a.iter().any(|a| a["id"] == id));
            let claims: Value =
                serde_json::from_str(&get(format!("/api/v1/claims?article={id}")).await)
                    .expect("json");
            let in_queue = claims["claims"].as_array().is_some_and(|c| !c.is_empty());
            let export = get("/api/v1/export?format=csv".into()).await;
            let in_export = export.contains("Misleading");
            (in_list, in_queue, in_export)
        }
    };
    assert_eq!(visible(&app).await, (true, true, true));
    let archive = format!("/api/v1/articles/{id}/archive");
    assert_eq!(
        api_call(&app, Method::POST, &archive, &reviewer, None)
            .await
            .0,
        403
    );
    let (s, j) = api_call(&app, Method::POST, &archive, &editor, None).await;
    assert_eq!(s, 200, "{j}");
    assert!(j["archived_at"].is_string());
    assert_eq!(visible(&app).await, (false, false, false));
    assert_eq!(
        api_call(&app, Method::POST, &archive, &editor, None)
            .await
            .0,
        422
    );
    // Kept: the article and its claims are still there by address.
    assert_eq!(
        api_call(
            &app,
            Method::GET,
            &format!("/api/v1/articles/{id}"),
            &reviewer,
            None
        )
        .await
        .0,
        200
    );
    let browser = app.browser("rita", Role::Reviewer).await;
    let (_, page) = browser.get("/").await;
    assert!(
        !page.contains(&format!("/claims/{claim_id}\"")),
        "hidden from the queue page"
    );
    let (_, page) = browser.get("/articles").await;
    assert!(page.contains("id=\"archived-articles\""));

    let (s, _) = api_call(
        &app,
        Method::POST,
        &format!("/api/v1/articles/{id}/restore"),
        &editor,
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(visible(&app).await, (true, true, true));

    // The web buttons are for editors too.
    let (status, _) = browser
        .submit(&format!("/articles/{id}/archive"), &[])
        .await;
    assert_eq!(status, 403);
    let eddie = app.browser("eddie", Role::Editor).await;
    assert_eq!(
        eddie
            .submit(&format!("/articles/{id}/archive"), &[])
            .await
            .0,
        303
    );
    let (_, page) = eddie.get(&format!("/articles/{id}")).await;
    assert!(
        page.contains("id=\"archived\""),
        "the page says it is archived"
    );
    assert_eq!(
        eddie
            .submit(&format!("/articles/{id}/restore"), &[])
            .await
            .0,
        303
    );

    let mut conn = app.conn().await;
    let kinds = claimdesk::db::article_events::ArticleEvent::for_article(
        &mut conn,
        claimdesk::domain::ArticleId(id),
    )
    .await
    .expect("events")
    .into_iter()
    .map(|e| e.kind)
    .collect::<Vec<_>>();
    assert_eq!(kinds, ["archived", "restored", "archived", "restored"]);
}

#[tokio::test]
async fn article_details_are_edited_with_an_audit_trail_and_untitled_imports_get_a_short_title() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let article = import(&app, &editor, None, BODY).await;
    let id = article["id"].as_i64().expect("id");
    assert_eq!(
        article["title"],
        "Árbol Agency reported that 300 mm of rain fell in May, a record for the month."
    );
    let (s, html) = api_call(
        &app,
        Method::POST,
        "/api/v1/articles",
        &editor,
        Some(json!({"body": "<html><head><title>Loans to the refinery</title></head><body><p>The bank said it lent 450 million euros.</p></body></html>"})))
    .await;
    assert_eq!(s, 201, "{html}");
    assert_eq!(html["title"], "Loans to the refinery");

    let path = format!("/api/v1/articles/{id}");
    let patch = |body: Value| api_call(&app, Method::PATCH, &path, &editor, Some(body));
    let (s, j) = patch(json!({"title": "Record rain and jet deliveries", "url": "https://courier.example/rain", "publisher": null, "published_at": "2025-06-01"}))
    .await;
    assert_eq!(s, 200, "{j}");
    assert_eq!(j["title"], "Record rain and jet deliveries");
    assert_eq!(j["url"], "https://courier.example/rain");
    assert_eq!(j["publisher"], Value::Null);
    assert_eq!(j["published_at"], "2025-06-01");
    for bad in [
        json!({"title": "  "}),
        json!({"url": "javascript:alert(1)"}),
        json!({"published_at": "June 1st"}),
    ] {
        let (s, j) = patch(bad.clone()).await;
        assert_eq!(s, 422, "{bad}: {j}");
    }
    let mut conn = app.conn().await;
    let trail = claimdesk::db::article_events::ArticleEvent::for_article(
        &mut conn,
        claimdesk::domain::ArticleId(id),
    )
    .await
    .expect("events");
    let changes: Vec<(String, Option<String>, Option<String>)> = trail
        .into_iter()
        .map(|e| (e.field.unwrap_or_default(), e.old_value, e.new_value))
        .collect();
    assert_eq!(
        changes,
        [
            (
                "title".to_owned(),
                Some("Árbol Agency reported that 300 mm of rain fell in May, a record for the month.".to_owned()),
                Some("Record rain and jet deliveries".to_owned())
            ),
            ("url".to_owned(), None, Some("https://courier.example/rain".to_owned())),
            ("publisher".to_owned(), Some("Example Courier".to_owned()), None),
            ("published_at".to_owned(), None, Some("2025-06-01".to_owned())),
        ]
    );

    // The page's form: a refused edit keeps what was typed.
    let browser = app.browser("rita", Role::Reviewer).await;
    let (status, page) = browser
        .submit(
            &format!("/articles/{id}"),
            &[
                ("form", "edit"),
                ("title", "Kept title"),
                ("url", "ftp://x"),
                ("publisher", "P"),
                ("published", ""),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("value=\"ftp://x\"") && page.contains("value=\"Kept title\""),
        "{page}"
    );
    assert!(page.contains("id=\"edit-article-error\""));
    let (status, _) = browser
        .submit(
            &format!("/articles/{id}"),
            &[("form", "edit"), ("title", "Kept title"), ("url", "")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = browser.get(&format!("/articles/{id}?done=saved")).await;
    assert!(page.contains("Article details saved."));
}

#[tokio::test]
async fn the_claim_page_form_edits_a_claim_and_a_refused_edit_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let id = article["claims"][0]["id"].as_i64().expect("a claim");
    let rita = app.browser("rita", Role::Reviewer).await;
    let (_, page) = rita.get(&format!("/claims/{id}")).await;
    assert!(page.contains("id=\"correct\""));
    assert!(
        !page.contains("class=\"edit-claim\""),
        "not hers to edit yet"
    );
    let (status, _) = rita
        .submit(
            &format!("/claims/{id}/transition"),
            &[("to", "in_review"), ("version", "0")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = rita.get(&format!("/claims/{id}")).await;
    assert!(page.contains("class=\"edit-claim\""), "hers now");

    let (status, page) = rita
        .submit(
            &format!("/claims/{id}"),
            &[
                ("form", "edit"),
                ("version", "1"),
                ("category", "arms"),
                ("claimant", ""),
                ("claimant_kind", "person"),
                ("normalized_text", "My careful wording"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("needs a claimant"), "{page}");
    assert!(
        page.contains(">My careful wording</textarea>"),
        "the typed wording is kept"
    );
    let (status, _) = rita
        .submit(
            &format!("/claims/{id}"),
            &[
                ("form", "edit"),
                ("version", "1"),
                ("category", "arms"),
                ("claimant", "Dva Mayora"),
                ("claimant_kind", "publication"),
                ("normalized_text", "My careful wording"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = rita.get(&format!("/claims/{id}")).await;
    assert!(
        page.contains("<dd id=\"claimant-kind\">publication</dd>"),
        "{page}"
    );
    assert!(
        page.contains("→ publication</div>"),
        "history shows the change: {page}"
    );
    let (status, page) = rita
        .submit(
            &format!("/claims/{id}/edit"),
            &[
                ("version", "1"),
                ("category", "arms"),
                ("claimant", "X"),
                ("claimant_kind", ""),
                ("normalized_text", ""),
            ],
        )
        .await;
    assert_eq!(status, 409, "stale");
    assert!(page.contains("changed by someone else"));
}

#[tokio::test]
async fn selecting_text_in_a_real_browser_adds_it_as_a_claim() {
    use fantoccini::Locator;
    let Some(driver) = crate::browser::start_driver().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let article = import(&app, &editor, Some("Rain"), BODY).await;
    let id = article["id"].as_i64().expect("id");
    app.user("rita", Role::Reviewer).await;
    let c = crate::browser::browser(&driver).await;
    crate::browser::sign_in(&c, &app.address, "rita").await;
    c.goto(&format!("{}/articles/{id}", app.address))
        .await
        .expect("article page");
    let offer = c
        .find(Locator::Id("add-selection"))
        .await
        .expect("the script offers the button");
    assert!(
        !offer.is_displayed().await.expect("shown?"),
        "hidden without a selection"
    );
    crate::browser::select_in_article(&c, "Some people enjoyed the weather a great deal.").await;
    c.wait()
        .for_element(Locator::Css("#add-selection:not([hidden])"))
        .await
        .expect("the button appears for a selection");
    offer.click().await.expect("click");
    c.wait()
        .for_element(Locator::Id("claim-origin"))
        .await
        .expect("the new claim's page");
    let url = c.current_url().await.expect("url");
    assert!(url.path().starts_with("/claims/"), "{url}");
    let origin = c
        .find(Locator::Id("claim-origin"))
        .await
        .expect("origin")
        .text()
        .await
        .expect("text");
    assert_eq!(origin, "added by hand");
    let heading = c
        .find(Locator::Css("h1.claim-text"))
        .await
        .expect("heading")
        .text()
        .await
        .expect("text");
    assert_eq!(heading, "Some people enjoyed the weather a great deal.");
    c.close().await.expect("close");
}

#[tokio::test]
async fn a_merged_claim_is_not_reviewed_on_its_own_until_it_is_unmerged() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let primary = article["claims"][0]["id"].as_i64().expect("a claim");
    let follower = article["claims"][1]["id"].as_i64().expect("a second claim");
    let (s, j) = api_call(
        &app,
        Method::POST,
        &format!("/api/v1/claims/{follower}/merge"),
        &editor,
        Some(json!({"into": primary, "version": 0})),
    )
    .await;
    assert_eq!(s, 200, "{j}");
    let v = version(&j);

    // The API refuses a move and evidence, naming the primary.
    let (s, j) = api_call(
        &app,
        Method::POST,
        &format!("/api/v1/claims/{follower}/transitions"),
        &editor,
        Some(json!({"to": "in_review", "version": v})),
    )
    .await;
    assert_eq!(s, 422, "{j}");
    let named = format!("merged into claim {primary}");
    assert!(
        j["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&named),
        "{j}"
    );
    let (s, j) = api_call(
        &app,
        Method::POST,
        &format!("/api/v1/claims/{follower}/evidence"),
        &editor,
        Some(json!({"url": "https://records.example/2", "stance": "refutes"})),
    )
    .await;
    assert_eq!(s, 422, "{j}");
    assert!(
        j["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&named),
        "{j}"
    );
    assert_eq!(claim(&app, &editor, follower).await["state"], "extracted");

    // The page offers no move or evidence form, says why, and refuses a forged move too.
    let rita = app.browser("rita", Role::Editor).await;
    let (_, page) = rita.get(&format!("/claims/{follower}")).await;
    assert!(page.contains("id=\"follows-primary\""), "{page}");
    assert!(page.contains(&format!("href=\"/claims/{primary}\"")));
    assert!(!page.contains("name=\"to\""), "no move forms: {page}");
    assert!(!page.contains("class=\"add-evidence\""));
    let (status, page) = rita
        .submit(
            &format!("/claims/{follower}"),
            &[
                ("form", "move"),
                ("to", "in_review"),
                ("version", &v.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains(&named), "{page}");
    // The correction forms post to the page's own address too; a refused merge keeps its input.
    let (status, page) = rita
        .submit(
            &format!("/claims/{primary}"),
            &[("form", "merge"), ("version", "0"), ("into", "claim nine")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("value=\"claim nine\""), "{page}");
    assert!(page.contains("id=\"edit-error\""));

    // Un-merged, it is reviewed on its own again.
    let (s, j) = api_call(
        &app,
        Method::POST,
        &format!("/api/v1/claims/{follower}/unmerge"),
        &editor,
        Some(json!({"version": v})),
    )
    .await;
    assert_eq!(s, 200, "{j}");
    let (s, j) = api_call(
        &app,
        Method::POST,
        &format!("/api/v1/claims/{follower}/transitions"),
        &editor,
        Some(json!({"to": "in_review", "version": version(&j)})),
    )
    .await;
    assert_eq!(s, 200, "{j}");
    let (_, page) = rita.get(&format!("/claims/{follower}")).await;
    assert!(!page.contains("id=\"follows-primary\""));
    assert!(page.contains("class=\"add-evidence\""));
}
