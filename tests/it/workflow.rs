//! The review workflow through the JSON API: transitions, evidence rules, stale versions, races.

use claimdesk::domain::Role;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{TestApp, api};

struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    fn new(app: &TestApp) -> Api {
        Api {
            client: api(&app.address),
            base: app.address.clone(),
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "GET" => self.client.get(url),
            _ => self.client.post(url),
        };
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        self.call("POST", path, token, body).await
    }

    async fn get(&self, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        self.call("GET", path, token, body).await
    }

    async fn claim(&self, token: &str, id: i64) -> Value {
        let (status, claim) = self
            .get(&format!("/api/v1/claims/{id}"), Some(token), None)
            .await;
        assert_eq!(status, 200, "{claim}");
        claim
    }

    async fn moves(&self, token: &str, id: i64) -> Vec<String> {
        let (status, events) = self
            .get(&format!("/api/v1/claims/{id}/events"), Some(token), None)
            .await;
        assert_eq!(status, 200);
        events["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|e| e["to"].as_str().map(str::to_owned))
            .collect()
    }
}

fn claim_with<'a>(article: &'a Value, needle: &str) -> &'a Value {
    article["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .find(|c| c["text"].as_str().is_some_and(|t| t.contains(needle)))
        .expect(needle)
}

#[tokio::test]
async fn a_claim_goes_from_extracted_to_approved_with_evidence_and_a_second_person() {
    let app = TestApp::spawn().await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let editor = app.token("ed", Role::Editor).await;
    let api = Api::new(&app);
    let article = app.import_seed(&editor).await;
    let id = claim_with(&article, "S-300VM")["id"].as_i64().expect("id");
    let v = api.claim(&reviewer, id).await["version"]
        .as_i64()
        .expect("version");

    let (status, body) = api
        .post(
            &format!("/api/v1/claims/{id}/transitions"),
            Some(&reviewer),
            Some(json!({"to": "verified", "version": v, "rationale": "x"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_transition");

    let (status, taken) = api
        .post(
            &format!("/api/v1/claims/{id}/transitions"),
            Some(&reviewer),
            Some(json!({"to": "in_review", "version": v})),
        )
        .await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["state"], "in_review");
    assert_eq!(taken["assignee"], "rev");
    let v = taken["version"].as_i64().expect("version");

    let verdict = json!({"to": "disputed", "version": v, "rationale": "The register shows another year.", "rating": 2, "label": "Misleading"});
    let (status, body) = api
        .post(
            &format!("/api/v1/claims/{id}/transitions"),
            Some(&reviewer),
            Some(verdict.clone()),
        )
        .await;
    assert_eq!(status, 422, "a verdict without evidence: {body}");

    let (status, _) = api
        .post(
            &format!("/api/v1/claims/{id}/evidence"),
            Some(&reviewer),
            Some(json!({"url": "https://example.org/register", "stance": "supports"})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = api
        .post(
            &format!("/api/v1/claims/{id}/transitions"),
            Some(&reviewer),
            Some(verdict.clone()),
        )
        .await;
    assert_eq!(status, 422, "disputed needs refuting evidence: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("refutes")
    );
    let (status, _) = api.post(&format!("/api/v1/claims/{id}/evidence"), Some(&reviewer), Some(json!({"url": "https://example.org/sipri", "title": "Transfers", "excerpt": "<script>alert(1)</script>", "stance": "refutes"}))).await;
    assert_eq!(status, 201);

    let stale = json!({"to": "disputed", "version": v - 1, "rationale": "r", "rating": 2, "label": "Misleading"});
    let (status, body) = api
        .post(
            &format!("/api/v1/claims/{id}/transitions"),
            Some(&reviewer),
            Some(stale),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["current"]["state"], "in_review");
    // Stale is checked first: a stale request for an impossible move is still a 409.
    let (status, _) = api
        .post(
            &format!("/api/v1/claims/{id}/transitions"),
            Some(&reviewer),
            Some(json!({"to": "approved", "version": v + 7})),
        )
        .await;
    assert_eq!(status, 409);

    let (status, disputed) = api
        .post(
            &format!("/api/v1/claims/{id}/transitions"),
            Some(&reviewer),
            Some(verdict),
        )
        .await;
    assert_eq!(status, 200, "{disputed}");
    assert_eq!(disputed["verdict"], "disputed");
    assert_eq!(disputed["rating"], 2);
    assert_eq!(disputed["verdict_by"], "rev");
    let v = disputed["version"].as_i64().expect("version");

    let (status, body) = api
        .post(
            &format!("/api/v1/claims/{id}/transitions"),
            Some(&reviewer),
            Some(json!({"to": "approved", "version": v})),
        )
        .await;
    assert_eq!(status, 403, "a reviewer cannot approve: {body}");
    let (status, approved) = api
        .post(
            &format!("/api/v1/claims/{id}/transitions"),
            Some(&editor),
            Some(json!({"to": "approved", "version": v})),
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["approved_by"], "ed");
    assert_eq!(approved["evidence"].as_array().expect("evidence").len(), 2);

    assert_eq!(
        api.moves(&reviewer, id).await,
        ["in_review", "disputed", "approved"]
    );
    let (_, events) = api
        .get(
            &format!("/api/v1/claims/{id}/events"),
            Some(&reviewer),
            None,
        )
        .await;
    let kinds: Vec<&str> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "transition",
            "evidence_added",
            "evidence_added",
            "transition",
            "transition"
        ]
    );

    // Approved verdicts keep their evidence until reopened; reopening needs a reason.
    let (status, _) = api
        .post(
            &format!("/api/v1/claims/{id}/evidence"),
            Some(&reviewer),
            Some(json!({"url": "https://example.org/late", "stance": "context"})),
        )
        .await;
    assert_eq!(status, 422);
    let v = approved["version"].as_i64().expect("version");
    let (status, _) = api
        .post(
            &format!("/api/v1/claims/{id}/transitions"),
            Some(&editor),
            Some(json!({"to": "in_review", "version": v})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, reopened) = api
        .post(
            &format!("/api/v1/claims/{id}/transitions"),
            Some(&editor),
            Some(json!({"to": "in_review", "version": v, "note": "New register entry"})),
        )
        .await;
    assert_eq!(status, 200, "{reopened}");
    assert_eq!(reopened["state"], "in_review");
}

#[tokio::test]
async fn concurrent_moves_from_one_version_have_exactly_one_winner() {
    let app = TestApp::spawn().await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let article = app.import_seed(&reviewer).await;
    let id = article["claims"][1]["id"].as_i64().expect("id");
    let v = article["claims"][1]["version"].as_i64().expect("version");
    let mut handles = Vec::new();
    for _ in 0..16 {
        let client = api(&app.address);
        let url = app.url(&format!("/api/v1/claims/{id}/transitions"));
        let token = reviewer.clone();
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"to": "in_review", "version": v}))
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        }));
    }
    let mut codes = Vec::new();
    for h in handles {
        codes.push(h.await.expect("join"));
    }
    codes.sort_unstable();
    assert_eq!(codes.iter().filter(|&&c| c == 200).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|&&c| c == 409).count(), 15, "{codes:?}");
    assert_eq!(Api::new(&app).moves(&reviewer, id).await, ["in_review"]);
}

#[tokio::test]
async fn evidence_must_be_a_web_address_and_retractions_are_recorded() {
    let app = TestApp::spawn().await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let api = Api::new(&app);
    let article = app.import_seed(&reviewer).await;
    let id = article["claims"][0]["id"].as_i64().expect("id");
    for url in [
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "ftp://example.org/x",
        "not a url",
        "",
    ] {
        let (status, body) = api
            .post(
                &format!("/api/v1/claims/{id}/evidence"),
                Some(&reviewer),
                Some(json!({"url": url, "stance": "supports"})),
            )
            .await;
        assert_eq!(status, 422, "{url}: {body}");
    }
    let (status, _) = api
        .post(
            &format!("/api/v1/claims/{id}/evidence"),
            Some(&reviewer),
            Some(json!({"url": "https://example.org/a", "stance": "sideways"})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, ev) = api
        .post(
            &format!("/api/v1/claims/{id}/evidence"),
            Some(&reviewer),
            Some(json!({"url": "https://example.org/a", "stance": "supports"})),
        )
        .await;
    assert_eq!(status, 201);
    let eid = ev["id"].as_i64().expect("id");
    // A blank reason is refused, a real one retracts, and a second retraction finds nothing.
    for (reason, expected) in [(" ", 422), ("Wrong document", 204), ("again", 404)] {
        let path = format!("/api/v1/claims/{id}/evidence/{eid}/retract");
        let (status, _) = api
            .post(&path, Some(&reviewer), Some(json!({"reason": reason})))
            .await;
        assert_eq!(status, expected, "{reason:?}");
    }
    let claim = api.claim(&reviewer, id).await;
    assert_eq!(
        claim["evidence"][0]["retraction_reason"], "Wrong document",
        "retracted evidence is kept"
    );
    // Retracted evidence does not count toward a verdict.
    let taken = api
        .post(
            &format!("/api/v1/claims/{id}/transitions"),
            Some(&reviewer),
            Some(json!({"to": "in_review", "version": claim["version"]})),
        )
        .await
        .1;
    let (status, _) = api.post(&format!("/api/v1/claims/{id}/transitions"), Some(&reviewer), Some(json!({"to": "verified", "version": taken["version"], "rationale": "r", "rating": 5, "label": "True"}))).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn bad_requests_get_clear_errors_not_500s() {
    let app = TestApp::spawn().await;
    let token = app.token("ed", Role::Editor).await;
    let api_client = api(&app.address);
    let send = |path: &str, body: reqwest::Body, content_type: &str| {
        api_client
            .post(app.url(path))
            .bearer_auth(&token)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    let res = send("/api/v1/articles", "{not json".into(), "application/json")
        .await
        .expect("send");
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.expect("json error");
    assert_eq!(body["error"]["code"], "bad_request");
    let res = send(
        "/api/v1/articles",
        r#"{"title": "no body"}"#.into(),
        "application/json",
    )
    .await
    .expect("send");
    assert_eq!(res.status(), 422);
    let res = send(
        "/api/v1/articles",
        vec![b'{', b'"', 0xff, 0xfe, b'"', b'}'].into(),
        "application/json",
    )
    .await
    .expect("send");
    assert_eq!(res.status(), 400, "invalid UTF-8");
    let huge = format!(
        r#"{{"title": "big", "body": "{}"}}"#,
        "a".repeat(9 * 1024 * 1024)
    );
    let res = send("/api/v1/articles", huge.into(), "application/json")
        .await
        .expect("send");
    assert_eq!(res.status(), 413);
    let too_big_article = format!(
        r#"{{"title": "big", "body": "{}"}}"#,
        "word ".repeat(500_000)
    );
    let res = send(
        "/api/v1/articles",
        too_big_article.into(),
        "application/json",
    )
    .await
    .expect("send");
    assert_eq!(res.status(), 413, "over the article limit");
    for path in [
        "/api/v1/claims/999999",
        "/api/v1/claims/abc",
        "/api/v1/articles/0",
        "/api/v1/nowhere",
    ] {
        let res = api_client
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), 404, "{path}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let res = api_client
        .get(app.url("/api/v1/claims?state=bogus"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 400);
    let res = send(
        "/api/v1/claims/1/transitions",
        r#"{"to": "in_review"}"#.into(),
        "application/json",
    )
    .await
    .expect("send");
    assert_eq!(res.status(), 422, "missing version");

    app.import_seed(&token).await;
    let res = api_client
        .post(app.url("/api/v1/articles"))
        .bearer_auth(&token)
        .json(&json!({"title": "Again", "body": crate::helpers::seed_article()}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("Seed article")
    );
}

/// Text the database cannot store or the rules refuse, in any field or filter, is the
/// client's mistake: a 4xx with a message, never a 500.
#[tokio::test]
async fn hostile_text_in_fields_and_filters_gets_a_4xx() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let id = article["claims"][0]["id"].as_i64().expect("id");
    let api = Api::new(&app);
    let article_with = |field: &str, value: &str| {
        let mut body = json!({"title": "Hostile", "body": "The ministry said it delivered 310 tanks in March 2024."});
        body[field] = json!(value);
        body
    };
    let evidence = format!("/api/v1/claims/{id}/evidence");
    let posts = [
        ("/api/v1/articles", article_with("title", "a\u{0}b")),
        (
            "/api/v1/articles",
            article_with("body", "310 tanks\u{0} in 2024."),
        ),
        ("/api/v1/articles", article_with("publisher", "\u{0}")),
        (
            "/api/v1/articles",
            article_with("url", "\u{1}https://example.org/a"),
        ),
        (
            "/api/v1/articles",
            article_with("published_at", "-4800-01-01"),
        ),
        (
            evidence.as_str(),
            json!({"url": "https://example.org", "title": "a\u{0}b", "stance": "supports"}),
        ),
        (
            evidence.as_str(),
            json!({"url": "ht\ttps://example.org/a", "stance": "supports"}),
        ),
        (
            evidence.as_str(),
            json!({"url": "\u{1}https://example.org/a", "stance": "supports"}),
        ),
    ];
    for (path, body) in posts {
        let (status, answer) = api.post(path, Some(&editor), Some(body.clone())).await;
        assert!(
            (400..500).contains(&status) && answer["error"]["message"].is_string(),
            "{path} {body}: {status} {answer}"
        );
    }
    for path in [
        "/api/v1/claims?q=a%00b",
        "/api/v1/claims?assignee=%00",
        "/api/v1/export?format=csv&claimant=a%00b",
        "/api/v1/export?format=csv&decided_from=-4800-01-01",
    ] {
        let (status, answer) = api.get(path, Some(&editor), None).await;
        assert!((400..500).contains(&status), "{path}: {status} {answer}");
    }
    // Nothing half-stored: the seed is still the only article.
    let (_, articles) = api.get("/api/v1/articles", Some(&editor), None).await;
    assert_eq!(
        articles["articles"].as_array().map(Vec::len),
        Some(1),
        "{articles}"
    );
}

#[tokio::test]
async fn the_audit_trail_cannot_be_rewritten() {
    let app = TestApp::spawn().await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let article = app.import_seed(&reviewer).await;
    let id = article["claims"][0]["id"].as_i64().expect("id");
    let (status, _) = Api::new(&app)
        .post(
            &format!("/api/v1/claims/{id}/transitions"),
            Some(&reviewer),
            Some(json!({"to": "in_review", "version": 0})),
        )
        .await;
    assert_eq!(status, 200);
    let mut conn = app.conn().await;
    for statement in [
        "UPDATE claim_events SET note = 'rewritten'",
        "DELETE FROM claim_events",
        "TRUNCATE claim_events",
    ] {
        let err = diesel::sql_query(statement)
            .execute(&mut conn)
            .await
            .expect_err(statement);
        assert!(
            err.to_string().contains("append-only"),
            "{statement}: {err}"
        );
    }
}

#[tokio::test]
async fn the_queue_filters_and_pages_through_the_api() {
    let app = TestApp::spawn().await;
    let token = app.token("rev", Role::Reviewer).await;
    let article = app.import_seed(&token).await;
    let total = article["claims"].as_array().expect("claims").len();
    assert!(total >= 5);
    let api = Api::new(&app);
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let (status, page) = api
            .get(
                &format!("/api/v1/claims?limit=2&after={after}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(status, 200);
        let scores: Vec<f64> = page["claims"]
            .as_array()
            .expect("claims")
            .iter()
            .map(|c| c["score"].as_f64().expect("score"))
            .collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "sorted by score");
        seen.extend(
            page["claims"]
                .as_array()
                .expect("claims")
                .iter()
                .map(|c| c["id"].as_i64().expect("id")),
        );
        match page["next"].as_str() {
            Some(next) => after = next.to_owned(),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        (seen.len(), unique.len()),
        (total, total),
        "every claim exactly once"
    );
    // A cursor made for another order would quietly restart at page one.
    let (status, _) = api
        .get("/api/v1/claims?sort=score&after=i5", Some(&token), None)
        .await;
    assert_eq!(status, 400);

    // Full-text search stems: "system" finds "systems".
    let (_, found) = api.get("/api/v1/claims?q=system", Some(&token), None).await;
    let texts: Vec<&str> = found["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .filter_map(|c| c["text"].as_str())
        .collect();
    assert!(
        !texts.is_empty() && texts.iter().all(|t| t.contains("systems")),
        "{texts:?}"
    );
    let (_, arms) = api
        .get("/api/v1/claims?category=arms", Some(&token), None)
        .await;
    assert!(
        arms["claims"]
            .as_array()
            .expect("claims")
            .iter()
            .all(|c| c["category"] == "arms")
    );
}

#[tokio::test]
async fn state_counts_follow_every_move() {
    use diesel::QueryDsl;
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let api = Api::new(&app);
    for (i, to) in [(0, "in_review"), (1, "in_review"), (2, "dismissed")] {
        let id = article["claims"][i]["id"].as_i64().expect("id");
        let body = json!({"to": to, "version": 0, "note": "not check-worthy"});
        assert_eq!(
            api.post(
                &format!("/api/v1/claims/{id}/transitions"),
                Some(&editor),
                Some(body)
            )
            .await
            .0,
            200
        );
    }
    let mut conn = app.conn().await;
    let mut kept = claimdesk::db::claims::Claim::counts_by_state(&mut conn)
        .await
        .expect("counts");
    let mut counted: Vec<(claimdesk::domain::ReviewState, i64)> =
        claimdesk::db::schema::claims::table
            .group_by(claimdesk::db::schema::claims::state)
            .select((
                claimdesk::db::schema::claims::state,
                diesel::dsl::count_star(),
            ))
            .load(&mut conn)
            .await
            .expect("group by");
    kept.sort_by_key(|(s, _)| s.as_str());
    counted.sort_by_key(|(s, _)| s.as_str());
    assert_eq!(kept, counted);
    assert!(
        kept.iter()
            .any(|(s, n)| s.as_str() == "dismissed" && *n == 1)
    );
}
