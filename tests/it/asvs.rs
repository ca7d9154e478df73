//! Rows of the ASVS 5.0 level 2 checklist (../shared/security/asvs-checklist.md) that no
//! other test covers on its own; each test names its row. SECURITY.md maps every row.

use std::time::{Duration, Instant};

use actix_web::http::Method;
use claimdesk::domain::Role;
use diesel::QueryableByName;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use serde_json::{Value, json};

use crate::helpers::{
    Browser, PASSWORD, TestApp, TestDb, api, api_call, api_get_ok, api_post as call, hidden_value,
    serve, test_config,
};
use crate::process::ServerProcess;

/// Signs in with raw headers, sending `session` as a session cookie already held; returns
/// the session cookie value the server sets.
async fn sign_in_holding(app: &TestApp, session: &str) -> String {
    let token = claimdesk::auth::secrets::random_token();
    let res = crate::helpers::api(&app.address)
        .post(app.url("/login"))
        .header(
            "Cookie",
            format!("claimdesk_session={session}; claimdesk_login={token}"),
        )
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", "rita"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303);
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find_map(|c| c.strip_prefix("claimdesk_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

async fn page_status(app: &TestApp, session: &str) -> u16 {
    crate::helpers::api(&app.address)
        .get(app.url("/"))
        .header("Cookie", format!("claimdesk_session={session}"))
        .send()
        .await
        .expect("get")
        .status()
        .as_u16()
}

#[tokio::test]
async fn row_1_and_5_sign_in_issues_a_new_random_256_bit_session_id() {
    // Row 1, ASVS 7.2.4: a new session id at sign-in; the one held before is not accepted.
    // Row 5, ASVS 7.2.3: the token is random with at least 128 bits.
    let app = TestApp::spawn().await;
    app.user("rita", Role::Reviewer).await;
    let planted = "a".repeat(64);
    let first = sign_in_holding(&app, &planted).await;
    assert_ne!(first, planted);
    assert_eq!(
        page_status(&app, &planted).await,
        303,
        "the planted id is refused"
    );
    assert_eq!(page_status(&app, &first).await, 200);
    let second = sign_in_holding(&app, &first).await;
    assert_ne!(second, first, "a new id at every sign-in");
    for id in [&first, &second] {
        assert!(
            id.len() * 4 >= 128 && id.chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
    }
}

#[tokio::test]
async fn row_3_sessions_end_when_idle_and_at_their_absolute_lifetime() {
    // Row 3, ASVS 7.3.1 and 7.3.2.
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    app.user("rita", Role::Reviewer).await;
    let idle = sign_in_holding(&app, "").await;
    assert_eq!(page_status(&app, &idle).await, 200);
    app.conn()
        .await
        .batch_execute("UPDATE sessions SET last_seen_at = now() - interval '121 minutes'")
        .await
        .expect("age the session");
    assert_eq!(
        page_status(&app, &idle).await,
        303,
        "idle for longer than 120 minutes"
    );

    let old = sign_in_holding(&app, "").await;
    assert_eq!(page_status(&app, &old).await, 200);
    app.conn()
        .await
        .batch_execute("UPDATE sessions SET expires_at = now() - interval '1 second'")
        .await
        .expect("expire the session");
    assert_eq!(
        page_status(&app, &old).await,
        303,
        "past its absolute lifetime"
    );
}

#[test]
fn row_20_no_sql_text_is_built_with_format() {
    // Row 20, ASVS 1.2.4: every query binds its values; none is assembled with format!.
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                let squeezed: String = text.split_whitespace().collect();
                for pattern in ["sql_query(format!", "sql_query(&format!"] {
                    if squeezed.contains(pattern) {
                        found.push(format!("{}: {pattern}", path.display()));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        &mut found,
    );
    assert!(found.is_empty(), "{found:?}");
}

/// Every table's contents as one checksum each. Sessions and API tokens are counted instead:
/// using them stamps their last use, which is bookkeeping, not a change of state.
const DATABASE_STATE: &str = "\
    SELECT c.relname::text AS name, \
      (xpath('/row/sum/text()', query_to_xml(format( \
        'SELECT md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) AS sum FROM %I t', \
        ',', '', c.relname), false, true, '')))[1]::text AS sum \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = 'public' AND c.relkind = 'r' \
      AND c.relname NOT IN ('sessions', 'api_tokens', 'login_throttle', 'public_throttle') \
    UNION ALL SELECT 'sessions (rows)', count(*)::text FROM sessions \
    UNION ALL SELECT 'login_throttle (sign-in counters)', \
      md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) \
      FROM login_throttle t WHERE t.key NOT LIKE 'public:%' \
    UNION ALL SELECT 'api_tokens (rows)', count(*)::text FROM api_tokens \
    ORDER BY 1";

#[derive(QueryableByName, Debug, PartialEq)]
struct TableSum {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sum: String,
}

async fn database_state(app: &TestApp) -> Vec<TableSum> {
    let mut conn = app.conn().await;
    let sums = diesel::sql_query(DATABASE_STATE)
        .load::<TableSum>(&mut conn)
        .await
        .expect("checksums");
    assert!(sums.len() >= 8, "{sums:?}");
    sums
}

/// Ids that exist, to put into route patterns.
struct Ids {
    article: i64,
    claim: i64,
    evidence: i64,
    user: i64,
}

async fn fixture(app: &TestApp) -> Ids {
    let editor = app.token("importer", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let claim = article["claims"][0]["id"].as_i64().expect("claim");
    let res = api(&app.address)
        .post(app.url(&format!("/api/v1/claims/{claim}/evidence")))
        .bearer_auth(&editor)
        .json(&json!({"url": "https://example.org/e", "stance": "context"}))
        .send()
        .await
        .expect("evidence");
    assert_eq!(res.status(), 201);
    let evidence: Value = res.json().await.expect("json");
    let user = app.user("target", Role::Reviewer).await;
    // The import's background job (embeddings, duplicates) ends before a test compares tables.
    crate::claim_matches::matching_settles(app).await;
    Ids {
        article: article["id"].as_i64().expect("id"),
        claim,
        evidence: evidence["id"].as_i64().expect("id"),
        user: user.id,
    }
}

/// A route pattern with real ids in it (token ids: the first token, the importer's).
fn concrete(path: &str, ids: &Ids) -> String {
    let id = if path.contains("/articles/") {
        ids.article
    } else if path.contains("/claims/") {
        ids.claim
    } else if path.contains("/users/") {
        ids.user
    } else {
        1
    };
    path.replace("{evidence_id}", &ids.evidence.to_string())
        .replace("{id}", &id.to_string())
}

#[tokio::test]
async fn row_7_every_form_route_refuses_a_missing_or_wrong_csrf_token_and_changes_nothing() {
    // Row 7, ASVS 3.5.1: every state-changing route outside /api, taken from the router,
    // answers 403 without the session's CSRF token, for a user allowed to use it (an admin),
    // and the database is as it was. /api takes Bearer tokens only, never cookies, so a
    // request forged from another site carries no credential there.
    let app = TestApp::spawn().await;
    let ids = fixture(&app).await;
    let admin = app.browser("ada", Role::Admin).await;
    let before = database_state(&app).await;
    let fields = [
        ("to", "in_review"),
        ("version", "1"),
        ("url", "https://example.org/forged"),
        ("stance", "supports"),
        ("reason", "forged"),
        ("title", "Forged"),
        ("body", "A forged article said 3 things in 2024."),
        ("username", "mallory"),
        ("role", "admin"),
        ("password", "a long forged password 1"),
        ("label", "forged"),
    ];
    let mut checked = 0;
    for (method, path) in claimdesk::routes::table() {
        if method != Method::POST || path.starts_with("/api/") {
            continue;
        }
        let url = concrete(path, &ids);
        for token in [None, Some(""), Some("0000")] {
            let mut form = fields.to_vec();
            if let Some(t) = token {
                form.push(("csrf_token", t));
            }
            let (status, _) = admin.post(&url, &form).await;
            assert_eq!(status, 403, "POST {url} with token {token:?}");
        }
        checked += 1;
    }
    assert!(checked >= 14, "only {checked} form routes");
    assert_eq!(database_state(&app).await, before, "nothing changed");
    assert_eq!(admin.get("/admin").await.0, 200, "still signed in");
}

#[tokio::test]
async fn row_8_no_get_route_changes_state_for_any_role() {
    // Row 8, ASVS 3.5.3: every GET route from the router, as a stranger and as each role,
    // pages with the session cookie and /api with a token: every table is as it was.
    let app = TestApp::spawn().await;
    let ids = fixture(&app).await;
    let mut callers = vec![(Browser::new(&app.address), None)];
    for (name, role) in [
        ("rita", Role::Reviewer),
        ("eddie", Role::Editor),
        ("ada", Role::Admin),
    ] {
        let browser = app.browser(name, role).await;
        let token = app.token(&format!("{name}-api"), role).await;
        callers.push((browser, Some(token)));
    }
    let before = database_state(&app).await;
    let mut checked = 0;
    for (method, path) in claimdesk::routes::table() {
        if method != Method::GET {
            continue;
        }
        let mut url = concrete(path, &ids);
        if url.contains("export") {
            url.push_str("?format=csv");
        } else if url == "/api/v1/claims" || url == "/" {
            url.push_str("?q=tanks");
        }
        for (browser, token) in &callers {
            let mut req = browser.client.get(app.url(&url));
            if let (true, Some(t)) = (url.starts_with("/api/"), token) {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.expect("GET");
            let status = res.status().as_u16();
            let _ = res.bytes().await;
            assert!(status < 500, "GET {url}: {status}");
        }
        checked += 1;
    }
    assert!(checked >= 18, "only {checked} GET routes");
    // Showing a claim's matches stores the claim's sentence embedding the first time: a
    // cache of a value computed from the claim's text, which no page or answer tells apart.
    let without_cache = |sums: Vec<TableSum>| -> Vec<TableSum> {
        sums.into_iter()
            .filter(|t| t.name != "claim_embeddings")
            .collect()
    };
    assert_eq!(
        without_cache(database_state(&app).await),
        without_cache(before),
        "a GET changed state"
    );
}

#[tokio::test]
async fn row_6_cookies_are_httponly_samesite_and_over_https_secure_with_the_host_prefix() {
    // Row 6, ASVS 3.3.1-3.3.4, both settings: plain, and `--secure-cookies`.
    let app = TestApp::spawn().await;
    app.user("rita", Role::Reviewer).await;
    let plain = sign_in_cookies(&app.address, "claimdesk_login", "claimdesk_session").await;
    for cookie in &plain {
        let lower = cookie.to_lowercase();
        assert!(lower.contains("; httponly"), "{cookie}");
        assert!(
            lower.contains("samesite=lax") || lower.contains("samesite=strict"),
            "{cookie}"
        );
        assert!(!lower.contains("secure") && !cookie.starts_with("__Host-"));
    }
    let db = TestDb::new();
    let mut config = test_config();
    config.server.secure_cookies = true;
    let base = serve(&db, config);
    let pool = db.pool();
    let mut conn = pool.get().await.expect("connection");
    claimdesk::services::accounts::create_user(&mut conn, "rita", Role::Reviewer, PASSWORD)
        .await
        .expect("user");
    let secure = sign_in_cookies(&base, "__Host-claimdesk_login", "__Host-claimdesk_session").await;
    assert!(secure.len() >= 2, "{secure:?}");
    for cookie in &secure {
        let lower = cookie.to_lowercase();
        assert!(cookie.starts_with("__Host-"), "{cookie}");
        assert!(
            lower.contains("; secure") && lower.contains("; httponly"),
            "{cookie}"
        );
        assert!(
            lower.contains("samesite=lax") || lower.contains("samesite=strict"),
            "{cookie}"
        );
        // __Host- cookies must have Path=/ and no Domain, or browsers drop them.
        assert!(
            lower.contains("path=/") && !lower.contains("domain="),
            "{cookie}"
        );
    }
}

fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .map(ToOwned::to_owned)
        .collect()
}

/// Every Set-Cookie of showing the sign-in page and signing rita in.
async fn sign_in_cookies(base: &str, login_cookie: &str, session_cookie: &str) -> Vec<String> {
    let client = api(base);
    let res = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page");
    let mut cookies = set_cookies(&res);
    let pair = cookies
        .iter()
        .find(|c| c.starts_with(&format!("{login_cookie}=")))
        .unwrap_or_else(|| panic!("{login_cookie} in {cookies:?}"))
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let page = res.text().await.expect("page");
    let csrf = hidden_value(&page, "csrf_token").expect("csrf");
    let res = client
        .post(format!("{base}/login"))
        .header("Cookie", &pair)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", "rita"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303);
    let after = set_cookies(&res);
    assert!(
        after
            .iter()
            .any(|c| c.starts_with(&format!("{session_cookie}="))),
        "{after:?}"
    );
    cookies.extend(after);
    cookies
}

async fn claim_json(app: &TestApp, token: &str, id: i64) -> Value {
    api_get_ok(app, &format!("/api/v1/claims/{id}"), token).await
}

#[tokio::test]
async fn row_10_another_reviewers_claim_is_not_reachable_by_changing_ids() {
    // Row 10, ASVS 8.2.2: alice holds claim one. Bob (API) and bea (forms), reviewers too,
    // cannot move it, add or retract its evidence, nor reach its evidence through a claim
    // of their own; nothing changes. Alice still can.
    let app = TestApp::spawn().await;
    let editor = app.token("importer", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let claim = |i: usize| article["claims"][i]["id"].as_i64().expect("claim");
    let (one, two, three) = (claim(0), claim(1), claim(2));
    let alice = app.token("alice", Role::Reviewer).await;
    let bob = app.token("bob", Role::Reviewer).await;
    let bea = app.browser("bea", Role::Reviewer).await;
    let transitions = |id: i64| format!("/api/v1/claims/{id}/transitions");
    let (status, taken) = call(
        &app,
        &transitions(one),
        &alice,
        json!({"to": "in_review", "version": 0}),
    )
    .await;
    assert_eq!(status, 200, "{taken}");
    let version = taken["version"].as_i64().expect("version");
    let (status, _) = call(
        &app,
        &transitions(two),
        &bob,
        json!({"to": "in_review", "version": 0}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, evidence) = call(
        &app,
        &format!("/api/v1/claims/{one}/evidence"),
        &alice,
        json!({"url": "https://example.org/alice", "stance": "refutes"}),
    )
    .await;
    assert_eq!(status, 201, "{evidence}");
    let evidence = evidence["id"].as_i64().expect("evidence id");
    let before = database_state(&app).await;

    for body in [
        json!({"to": "extracted", "version": version}),
        json!({"to": "disputed", "version": version, "rationale": "mine", "rating": 2, "label": "Misleading"}),
    ] {
        let (status, answer) = call(&app, &transitions(one), &bob, body).await;
        assert_eq!(status, 403, "{answer}");
    }
    let (status, _) = call(
        &app,
        &format!("/api/v1/claims/{one}/evidence"),
        &bob,
        json!({"url": "https://example.org/bob", "stance": "supports"}),
    )
    .await;
    assert_eq!(status, 403, "adding evidence to alice's claim");
    let (status, _) = call(
        &app,
        &format!("/api/v1/claims/{one}/evidence/{evidence}/retract"),
        &bob,
        json!({"reason": "not hers"}),
    )
    .await;
    assert_eq!(status, 403, "retracting alice's evidence");
    let (status, _) = call(
        &app,
        &format!("/api/v1/claims/{two}/evidence/{evidence}/retract"),
        &bob,
        json!({"reason": "through my claim"}),
    )
    .await;
    assert_eq!(status, 404, "alice's evidence through bob's own claim");

    let version_text = version.to_string();
    let (status, _) = bea
        .submit(
            &format!("/claims/{one}/transition"),
            &[("to", "extracted"), ("version", &version_text)],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = bea
        .submit(
            &format!("/claims/{one}/evidence"),
            &[("url", "https://example.org/bea"), ("stance", "supports")],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = bea
        .submit(
            &format!("/claims/{one}/evidence/{evidence}/retract"),
            &[("reason", "not hers")],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = bea
        .submit(
            &format!("/claims/{three}/evidence/{evidence}/retract"),
            &[("reason", "through another claim")],
        )
        .await;
    assert_eq!(status, 404);

    assert_eq!(
        database_state(&app).await,
        before,
        "alice's claim is as she left it"
    );
    let now = claim_json(&app, &alice, one).await;
    assert_eq!(
        (now["state"].as_str(), now["assignee"].as_str()),
        (Some("in_review"), Some("alice"))
    );
    let (status, _) = call(
        &app,
        &format!("/api/v1/claims/{one}/evidence"),
        &alice,
        json!({"url": "https://example.org/alice2", "stance": "context"}),
    )
    .await;
    assert_eq!(status, 201, "the holder still can");
}

#[tokio::test]
async fn row_13_the_approver_differs_from_the_verifier_also_after_a_reopen() {
    // Row 13, ASVS 2.3.5: whoever gave the verdict cannot approve it, through the API or
    // the form, and after a reopen the new verdict's author is the one who cannot.
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let other = app.token("olga", Role::Editor).await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let article = app.import_seed(&editor).await;
    let id = article["claims"][0]["id"].as_i64().expect("claim");
    let path = format!("/api/v1/claims/{id}/transitions");
    let verdict = |v: i64| json!({"to": "disputed", "version": v, "rationale": "The register says otherwise.", "rating": 2, "label": "Misleading"});
    let (status, taken) = call(
        &app,
        &path,
        &reviewer,
        json!({"to": "in_review", "version": 0}),
    )
    .await;
    assert_eq!(status, 200, "{taken}");
    let (status, _) = call(
        &app,
        &format!("/api/v1/claims/{id}/evidence"),
        &reviewer,
        json!({"url": "https://example.org/r", "stance": "refutes"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, given) = call(
        &app,
        &path,
        &reviewer,
        verdict(taken["version"].as_i64().expect("v")),
    )
    .await;
    assert_eq!(status, 200, "{given}");
    let (status, approved) = call(
        &app,
        &path,
        &editor,
        json!({"to": "approved", "version": given["version"]}),
    )
    .await;
    assert_eq!(status, 200, "a second person approves: {approved}");
    let (status, reopened) = call(
        &app,
        &path,
        &editor,
        json!({"to": "in_review", "version": approved["version"], "note": "A correction came in"}),
    )
    .await;
    assert_eq!(status, 200, "{reopened}");
    // The editor who reopened gives the new verdict, and so may not approve it.
    let (status, again) = call(
        &app,
        &path,
        &editor,
        verdict(reopened["version"].as_i64().expect("v")),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["verdict_by"], "ed");
    let v = again["version"].as_i64().expect("v");
    let (status, refused) = call(
        &app,
        &path,
        &editor,
        json!({"to": "approved", "version": v}),
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    let browser = Browser::new(&app.address);
    assert_eq!(browser.login("ed", PASSWORD).await, 303);
    let (status, _) = browser
        .submit(
            &format!("/claims/{id}/transition"),
            &[("to", "approved"), ("version", &v.to_string())],
        )
        .await;
    assert_eq!(status, 403, "the form refuses the same");
    assert_eq!(claim_json(&app, &editor, id).await["state"], "disputed");
    let (status, done) = call(&app, &path, &other, json!({"to": "approved", "version": v})).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["approved_by"], "olga");
}

/// Makes every insert into the audit table fail, as a full disk or a broken trigger would.
const REFUSE_AUDIT_ROWS: &str = "\
    CREATE FUNCTION test_refuse_event() RETURNS trigger LANGUAGE plpgsql AS \
      $$ BEGIN RAISE EXCEPTION 'audit insert refused by the test'; END $$; \
    CREATE TRIGGER test_refuse_event BEFORE INSERT ON claim_events \
      FOR EACH ROW EXECUTE FUNCTION test_refuse_event();";

/// An app with the seed article, an editor's token, a claim's id, a signed-in reviewer, and
/// the audit insert failing.
async fn audit_inserts_failing() -> (TestApp, String, i64, Browser) {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let id = article["claims"][0]["id"].as_i64().expect("claim");
    let rita = app.browser("rita", Role::Reviewer).await;
    app.conn()
        .await
        .batch_execute(REFUSE_AUDIT_ROWS)
        .await
        .expect("trigger");
    (app, editor, id, rita)
}

#[tokio::test]
async fn row_12_a_state_change_and_its_audit_row_commit_together_or_not_at_all() {
    // Row 12, ASVS 2.3.3: with the audit insert failing, a move, an evidence item and a form
    // move all fail and leave the claim exactly as it was; once it works, both land.
    let (app, editor, id, rita) = audit_inserts_failing().await;
    let before = database_state(&app).await;
    let path = format!("/api/v1/claims/{id}/transitions");
    let (status, _) = call(
        &app,
        &path,
        &editor,
        json!({"to": "in_review", "version": 0}),
    )
    .await;
    assert_eq!(status, 500);
    let (status, _) = call(
        &app,
        &format!("/api/v1/claims/{id}/evidence"),
        &editor,
        json!({"url": "https://example.org/e", "stance": "context"}),
    )
    .await;
    assert_eq!(status, 500);
    let (status, _) = rita
        .submit(
            &format!("/claims/{id}/transition"),
            &[("to", "in_review"), ("version", "0")],
        )
        .await;
    assert_eq!(status, 500);
    assert_eq!(database_state(&app).await, before, "nothing half-done");
    let claim = claim_json(&app, &editor, id).await;
    assert_eq!(
        (claim["state"].as_str(), claim["version"].as_i64()),
        (Some("extracted"), Some(0))
    );
    app.conn()
        .await
        .batch_execute("DROP TRIGGER test_refuse_event ON claim_events")
        .await
        .expect("drop trigger");
    let (status, _) = call(
        &app,
        &path,
        &editor,
        json!({"to": "in_review", "version": 0}),
    )
    .await;
    assert_eq!(status, 200);
    let res = api(&app.address)
        .get(app.url(&format!("/api/v1/claims/{id}/events")))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("events");
    let events: Value = res.json().await.expect("json");
    assert_eq!(
        events["events"].as_array().map(Vec::len),
        Some(1),
        "{events}"
    );
}

#[tokio::test]
async fn row_25_a_500_says_nothing_of_its_cause() {
    // Row 25, ASVS 16.5.1: a database error the app does not map (the audit insert failing)
    // gives a 500 whose body has no stack trace, no SQL, no table or constraint names,
    // under /api and on pages; the cause goes to the log only.
    let (app, editor, id, rita) = audit_inserts_failing().await;
    let (status, body) = call(
        &app,
        &format!("/api/v1/claims/{id}/transitions"),
        &editor,
        json!({"to": "in_review", "version": 0}),
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(body["error"]["code"], "internal", "{body}");
    // Row 22 on a 500 too: the security headers are on it.
    let res = api(&app.address)
        .post(app.url(&format!("/api/v1/claims/{id}/transitions")))
        .bearer_auth(&editor)
        .json(&json!({"to": "in_review", "version": 0}))
        .send()
        .await
        .expect("transition");
    assert_eq!(res.status(), 500);
    let h = |name: &str| crate::helpers::header(&res, name);
    let csp = h("content-security-policy");
    for part in [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "a 500 without {part}: {csp}");
    }
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("referrer-policy"), "same-origin");
    assert_eq!(h("cross-origin-opener-policy"), "same-origin");
    let (status, page) = rita
        .submit(
            &format!("/claims/{id}/transition"),
            &[("to", "in_review"), ("version", "0")],
        )
        .await;
    assert_eq!(status, 500);
    assert!(page.contains("class=\"error-page\""), "{page}");
    for text in [body.to_string(), page] {
        let lower = text.to_lowercase();
        for leak in [
            "refused by the test",
            "claim_events",
            "test_refuse_event",
            "insert",
            "select ",
            "update ",
            "sql",
            "diesel",
            "postgres",
            "panicked",
            "backtrace",
            "src/",
            ".rs:",
            "stack",
        ] {
            assert!(!lower.contains(leak), "{leak:?} in {text}");
        }
    }
}

/// One sign-in attempt from its own address; status, body with the echoed name and the
/// form token taken out, and the time it took.
async fn timed_attempt(base: &str, username: &str, address: &str) -> (u16, String, Duration) {
    let token = claimdesk::auth::secrets::random_token();
    let started = Instant::now();
    let res = api(base)
        .post(format!("{base}/login"))
        .header("Cookie", format!("claimdesk_login={token}"))
        .header("X-Forwarded-For", address)
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", username),
            ("password", "not the password at all 9"),
        ])
        .send()
        .await
        .expect("POST /login");
    let status = res.status().as_u16();
    let mut body = res.text().await.expect("body");
    let elapsed = started.elapsed();
    if let Some(value) = hidden_value(&body, "csrf_token") {
        body = body.replace(&value, "TOKEN");
    }
    (status, body.replace(username, "NAME"), elapsed)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[tokio::test]
async fn row_15_unknown_users_and_wrong_passwords_look_alike_in_status_body_and_time() {
    // Row 15, ASVS 6.3.8: same status, same page, and the same time: an unknown name costs
    // a password check against a dummy hash, as a known one does.
    const N: usize = 7;
    let db = TestDb::new();
    let mut config = test_config();
    config.server.trust_proxy = true;
    let base = serve(&db, config);
    let pool = db.pool();
    let mut conn = pool.get().await.expect("connection");
    for i in 0..N {
        claimdesk::services::accounts::create_user(
            &mut conn,
            &format!("known{i}"),
            Role::Reviewer,
            PASSWORD,
        )
        .await
        .expect("user");
    }
    let (mut unknown, mut wrong, mut answers) = (Vec::new(), Vec::new(), Vec::new());
    // Interleaved, each from an address and to an account of its own, so no throttle and
    // no drift in the machine's load favours one side.
    for i in 0..N {
        let (status, body, time) =
            timed_attempt(&base, &format!("ghost{i}"), &format!("10.0.{i}.1")).await;
        unknown.push(time);
        answers.push((status, body));
        let (status, body, time) =
            timed_attempt(&base, &format!("known{i}"), &format!("10.1.{i}.1")).await;
        wrong.push(time);
        answers.push((status, body));
    }
    assert!(
        answers.iter().all(|(s, _)| *s == 401),
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(
        answers.windows(2).all(|w| w[0].1 == w[1].1),
        "the pages differ"
    );
    let (unknown, wrong) = (median(unknown), median(wrong));
    let (low, high) = (unknown.min(wrong), unknown.max(wrong));
    assert!(
        high.as_secs_f64() <= low.as_secs_f64() * 1.5 + 0.02,
        "medians: unknown user {unknown:?}, wrong password {wrong:?}"
    );
}

/// The first log line holding every one of `parts`, checked to start with a UTC time.
fn log_line<'a>(log: &'a str, parts: &[&str]) -> &'a str {
    let line = log
        .lines()
        .find(|l| parts.iter().all(|p| l.contains(p)))
        .unwrap_or_else(|| panic!("no log line with {parts:?} in:\n{log}"));
    let stamp = line.split_whitespace().next().unwrap_or_default();
    assert!(
        stamp.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(stamp).is_ok(),
        "not a UTC time: {line}"
    );
    line
}

#[tokio::test]
async fn row_23_security_events_are_logged_with_who_what_where_and_when() {
    // Row 23, ASVS 16.3.1-3, 16.2.1-2: from a real process's log: sign-in ok and failed, an
    // authorisation failure, a CSRF failure and a throttled sign-in, each with the user, the
    // address, what was asked and a UTC time; the access log names the user too.
    let app = TestApp::spawn().await;
    app.user("rita", Role::Reviewer).await;
    app.user("victim", Role::Reviewer).await;
    let server = ServerProcess::start(&app.db.url, "asvs-logs").await;
    let rita = Browser::new(&server.base);
    assert_eq!(rita.login("rita", "not the password 1234").await, 401);
    assert_eq!(rita.login("rita", PASSWORD).await, 303);
    assert_eq!(rita.get("/admin").await.0, 403);
    assert_eq!(
        rita.post("/claims/1/transition", &[("to", "in_review")])
            .await
            .0,
        403
    );
    let mut throttled = false;
    for _ in 0..=claimdesk::db::throttle::PAIR_LIMIT + 2 {
        if crate::security::sign_in(&server.base, "victim", "wrong wrong wrong 1", None).await
            == 429
        {
            throttled = true;
            break;
        }
    }
    assert!(throttled, "the throttle answered 429");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = server.log_text();
    let at = "127.0.0.1";
    log_line(&log, &["login failed", "user=rita", at]);
    log_line(&log, &["login succeeded", "user=rita", at]);
    log_line(
        &log,
        &[
            "refused: needs an admin's rights",
            "user=rita",
            "path=/admin",
            at,
        ],
    );
    log_line(
        &log,
        &[
            "refused: form without a valid CSRF token",
            "user=rita",
            "path=/claims/1/transition",
            at,
        ],
    );
    log_line(
        &log,
        &["login refused: too many failures", "user=victim", at],
    );
    log_line(
        &log,
        &["response sent", "user=rita", "GET /admin", "status=403", at],
    );
    log_line(&log, &["response sent", "POST /login", "status=429", at]);
}

/// Script, attribute-breaking and URL payloads for row 18. `M` becomes a marker naming the
/// field, so each page is shown to carry the field (escaped), not merely to leave it out.
const XSS_CORPUS: [&str; 8] = [
    "<script>alert('M')</script>",
    "\"><script>alert('M')</script>",
    "'><img src=x onerror=alert('M')>",
    "<svg/onload=alert('M')>",
    "\" onmouseover=\"alert('M')\" x=\"",
    "' onfocus='alert(1)' autofocus data-m='M",
    "javascript:alert('M')",
    "</textarea></title><iframe src=javascript:alert('M')>",
];

fn payload(i: usize, field: &str) -> String {
    XSS_CORPUS[i % XSS_CORPUS.len()].replace('M', &format!("xss{field}{i}"))
}

/// Every tag the page's markup really opens, with its attributes, read as a browser would
/// tokenize it (quoted and unquoted values; raw text inside script and style skipped).
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = html.get(i..).and_then(|r| r.find('<')) {
        i += off + 1;
        if html.get(i..).is_some_and(|r| r.starts_with("!--")) {
            i = html
                .get(i..)
                .and_then(|r| r.find("-->"))
                .map_or(b.len(), |e| i + e + 3);
            continue;
        }
        if !b.get(i).is_some_and(|c| c.is_ascii_alphabetic()) {
            continue;
        }
        let start = i;
        while b
            .get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-')
        {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while b
                .get(i)
                .is_some_and(|c| c.is_ascii_whitespace() || *c == b'/')
            {
                i += 1;
            }
            match b.get(i) {
                None => break,
                Some(b'>') => {
                    i += 1;
                    break;
                }
                _ => {}
            }
            let a = i;
            while b
                .get(i)
                .is_some_and(|c| !c.is_ascii_whitespace() && !b"=>/".contains(c))
            {
                i += 1;
            }
            let attr = html[a..i].to_ascii_lowercase();
            let mut value = String::new();
            let mut after = i;
            while b.get(after).is_some_and(u8::is_ascii_whitespace) {
                after += 1;
            }
            if b.get(after) == Some(&b'=') {
                i = after + 1;
                while b.get(i).is_some_and(u8::is_ascii_whitespace) {
                    i += 1;
                }
                match b.get(i) {
                    Some(&q) if q == b'"' || q == b'\'' => {
                        let end = html[i + 1..].find(q as char).map_or(b.len(), |e| i + 1 + e);
                        value = html[i + 1..end].to_owned();
                        i = (end + 1).min(b.len());
                    }
                    _ => {
                        let v = i;
                        while b
                            .get(i)
                            .is_some_and(|c| !c.is_ascii_whitespace() && *c != b'>')
                        {
                            i += 1;
                        }
                        value = format!("unquoted:{}", &html[v..i]);
                    }
                }
            }
            if attr.is_empty() {
                i += 1;
            } else {
                attrs.push((attr, value));
            }
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            i = html[i..].find(&close).map_or(b.len(), |e| i + e);
        }
        out.push((name, attrs));
    }
    out
}

/// What in `html` would run or leak script: a script that is not one of the app's own files,
/// an element only a payload brings, an event handler, a `javascript:` address, or an
/// attribute a payload broke out of its quotes to make.
fn live_script(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (name, attrs) in tags(html) {
        let src = attrs
            .iter()
            .find(|(a, _)| a == "src")
            .map(|(_, v)| v.as_str());
        // JSON-LD is data, not code; `tags` skipped its text up to `</script`, so a payload
        // that ended it early shows up as markup after it.
        let json_ld = attrs
            .iter()
            .any(|(a, v)| a == "type" && v == "application/ld+json");
        if name == "script" && !json_ld && !src.is_some_and(|s| s.starts_with("/static/")) {
            found.push(format!("<script> with src {src:?}"));
        }
        if ["img", "iframe", "object", "embed"].contains(&name.as_str()) {
            found.push(format!("a live <{name}>"));
        }
        for (attr, value) in &attrs {
            let v = value
                .trim_start_matches("unquoted:")
                .trim()
                .to_ascii_lowercase();
            if attr.starts_with("on")
                || attr.contains("xss")
                || attr == "autofocus" && name != "input"
            {
                found.push(format!("<{name} {attr}={value}>"));
            }
            if ["href", "src", "action", "formaction"].contains(&attr.as_str())
                && v.starts_with("javascript:")
            {
                found.push(format!("<{name} {attr}={value}>"));
            }
            if value.starts_with("unquoted:") && v.contains("xss") {
                found.push(format!("unquoted <{name} {attr}={value}>"));
            }
        }
    }
    found
}

/// Row 18 (1.2.1, 1.1.2): the payload corpus in every text field a person can set renders inert
/// on every page and export that shows it, and each page is shown to carry the fields.
#[tokio::test]
async fn row_18_an_xss_corpus_in_every_user_field_renders_inert_on_every_page_and_export() {
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let admin = app.browser("boss", Role::Admin).await;

    // Usernames are refused outright: only letters, digits and `_.-`.
    let csrf = admin.csrf().await;
    for i in 0..XSS_CORPUS.len() {
        let name = payload(i, "user");
        let (status, _) = admin
            .post(
                "/admin/users",
                &[
                    ("csrf_token", &csrf),
                    ("username", &name),
                    ("role", "reviewer"),
                    ("password", "a long enough passphrase 1"),
                ],
            )
            .await;
        assert_eq!(status, 422, "username {name}");
    }
    // A javascript: address is refused as an article's source and as evidence.
    let (status, _) = api_call(
        &app,
        reqwest::Method::POST,
        "/api/v1/articles",
        &editor,
        Some(json!({"title": "t", "body": "The ministry delivered 4 tanks in 2020, officials said.", "url": "javascript:alert(1)"})),
    )
    .await;
    assert_eq!(status, 422, "a javascript: source address");

    let mut articles = Vec::new();
    let mut claims = Vec::new();
    for i in 0..XSS_CORPUS.len() {
        let sentence = format!(
            "The ministry delivered {} tanks worth $3 billion to Eastland in 2023, officials said {}.",
            40 + i,
            payload(i, "claimtext")
        );
        let (status, article) = api_call(
            &app,
            reqwest::Method::POST,
            "/api/v1/articles",
            &editor,
            Some(json!({
                "title": payload(i, "title"),
                "publisher": payload(i, "publisher"),
                // Spaces would make it no address at all; quotes and angle brackets stay.
                "url": format!("https://example.org/{i}?{}", payload(i, "url").replace(' ', "+")),
                "body": format!("Report {i}\n\n{}\n\n{sentence}\n", payload(i, "body")),
            })),
        )
        .await;
        assert_eq!(status, 201, "import {i}: {article}");
        let article_id = article["id"].as_i64().expect("article id");
        articles.push(article_id);
        let (status, claim) = api_call(
            &app,
            reqwest::Method::POST,
            &format!("/api/v1/articles/{article_id}/claims"),
            &editor,
            Some(json!({"text": payload(i, "body")})),
        )
        .await;
        // The payload line may have been extracted as a claim already (the model decides);
        // either way the article then holds one claim with exactly that text.
        let claim = match status {
            201 => claim,
            409 => {
                let existing = claim["error"]["current"]["claim_id"]
                    .as_i64()
                    .expect("the existing claim");
                api_get_ok(&app, &format!("/api/v1/claims/{existing}"), &editor).await
            }
            _ => panic!("claim {i}: {status} {claim}"),
        };
        assert_eq!(claim["text"], payload(i, "body"), "claim {i}");
        let id = claim["id"].as_i64().expect("claim id");
        claims.push(id);
        let (status, edited) = api_call(
            &app,
            reqwest::Method::PATCH,
            &format!("/api/v1/claims/{id}"),
            &editor,
            Some(json!({"version": claim["version"], "claimant": payload(i, "claimant"), "claimant_kind": "person", "normalized_text": payload(i, "normalized")})),
        )
        .await;
        assert_eq!(status, 200, "edit {i}: {edited}");
        let (status, taken) = api_call(
            &app,
            reqwest::Method::POST,
            &format!("/api/v1/claims/{id}/transitions"),
            &reviewer,
            Some(json!({"to": "in_review", "version": edited["version"], "note": payload(i, "note")})),
        )
        .await;
        assert_eq!(status, 200, "take {i}: {taken}");
        for (field, stance) in [("evidence", "refutes"), ("retracted", "supports")] {
            let (status, evidence) = api_call(
                &app,
                reqwest::Method::POST,
                &format!("/api/v1/claims/{id}/evidence"),
                &reviewer,
                Some(json!({"url": format!("https://example.org/e{i}?{}", payload(i, &format!("{field}url")).replace(' ', "+")), "title": payload(i, &format!("{field}title")), "excerpt": payload(i, &format!("{field}excerpt")), "stance": stance})),
            )
            .await;
            assert_eq!(status, 201, "evidence {i}: {evidence}");
            if field == "retracted" {
                let (status, body) = api_call(
                    &app,
                    reqwest::Method::POST,
                    &format!("/api/v1/claims/{id}/evidence/{}/retract", evidence["id"]),
                    &reviewer,
                    Some(json!({"reason": payload(i, "reason")})),
                )
                .await;
                assert_eq!(status, 204, "retract {i}: {body}");
            }
            let (status, body) = api_call(
                &app,
                reqwest::Method::POST,
                &format!("/api/v1/claims/{id}/evidence"),
                &reviewer,
                Some(json!({"url": format!("javascript:alert({i})"), "stance": stance})),
            )
            .await;
            assert_eq!(status, 422, "javascript: evidence {i}: {body}");
        }
        let (_, now) = api_call(
            &app,
            reqwest::Method::GET,
            &format!("/api/v1/claims/{id}"),
            &reviewer,
            Some(Value::Null),
        )
        .await;
        let (status, verdict) = api_call(
            &app,
            reqwest::Method::POST,
            &format!("/api/v1/claims/{id}/transitions"),
            &reviewer,
            Some(json!({"to": "disputed", "version": now["version"], "rating": 2, "label": payload(i, "label"), "rationale": payload(i, "rationale"), "note": payload(i, "verdictnote")})),
        )
        .await;
        assert_eq!(status, 200, "verdict {i}: {verdict}");
        // Exports hold approved verdicts.
        let (status, approved) = api_call(
            &app,
            reqwest::Method::POST,
            &format!("/api/v1/claims/{id}/transitions"),
            &editor,
            Some(json!({"to": "approved", "version": verdict["version"], "note": payload(i, "approvalnote")})),
        )
        .await;
        assert_eq!(status, 200, "approval {i}: {approved}");
    }

    let reader = app.browser("rita", Role::Reviewer).await;
    let check = |path: &str, page: &str, fields: &[&str]| {
        let live = live_script(page);
        assert!(live.is_empty(), "{path} renders live markup: {live:?}");
        for field in fields {
            for i in 0..XSS_CORPUS.len() {
                let marker = format!("xss{field}{i}");
                assert!(page.contains(&marker), "{path} does not show {marker}");
            }
        }
    };
    let exported = [
        "title",
        "publisher",
        "url",
        "body",
        "claimant",
        "normalized",
        "note",
        "label",
        "rationale",
        "verdictnote",
        "approvalnote",
        "evidenceurl",
        "evidencetitle",
        "evidenceexcerpt",
        "retractedurl",
        "retractedtitle",
        "retractedexcerpt",
        "reason",
    ];
    for (path, fields) in [
        (
            "/".to_owned(),
            &["title", "body", "claimtext", "claimant"][..],
        ),
        (
            "/?q=ministry+OR+xss&sort=newest".to_owned(),
            &["title", "claimtext"][..],
        ),
        ("/articles".to_owned(), &["title", "publisher"][..]),
        ("/export/download?format=html".to_owned(), &exported[..]),
        ("/admin".to_owned(), &[][..]),
    ] {
        let who = if path == "/admin" { &admin } else { &reader };
        let (status, page) = who.get(&path).await;
        assert_eq!(status, 200, "{path}");
        check(&path, &page, fields);
    }
    for (i, (article, claim)) in articles.iter().zip(&claims).enumerate() {
        let path = format!("/articles/{article}");
        let (status, page) = reader.get(&path).await;
        assert_eq!(status, 200, "{path}");
        let live = live_script(&page);
        assert!(live.is_empty(), "{path}: {live:?}");
        for field in ["title", "publisher", "url", "body", "claimtext"] {
            assert!(
                page.contains(&format!("xss{field}{i}")),
                "{path} does not show {field}"
            );
        }
        let path = format!("/claims/{claim}");
        let (status, page) = reader.get(&path).await;
        assert_eq!(status, 200, "{path}");
        let live = live_script(&page);
        assert!(live.is_empty(), "{path}: {live:?}");
        for field in [
            "title",
            "body",
            "claimant",
            "normalized",
            "note",
            "evidenceurl",
            "evidencetitle",
            "evidenceexcerpt",
            "retractedurl",
            "retractedtitle",
            "reason",
            "label",
            "rationale",
        ] {
            assert!(
                page.contains(&format!("xss{field}{i}")),
                "{path} does not show {field}"
            );
        }
    }
    public_face_is_inert(&app, &editor, &reviewer, &claims, &articles).await;

    // The exports that are not HTML carry the text unchanged for their own format.
    let (status, _, _, json_export) =
        crate::helpers::api_export(&app, &editor, "format=json").await;
    assert_eq!(status, 200);
    let parsed: Value = serde_json::from_str(&json_export).expect("the JSON export parses");
    assert!(
        parsed.to_string().contains("xsslabel0"),
        "the JSON export carries the label"
    );
    let (status, _, _, html_export) =
        crate::helpers::api_export(&app, &editor, "format=html").await;
    assert_eq!(status, 200);
    check("/api/v1/export?format=html", &html_export, &exported);
}

#[test]
fn the_xss_check_sees_what_a_browser_would_run() {
    // The check itself must fail on the markup an unescaped field would produce.
    for broken in [
        "<p><script>alert(1)</script></p>",
        "<input value=\"\" onmouseover=\"alert(1)\" x=\"\">",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href= JaVaScRiPt:alert(1)>x</a>",
        "<input value='' onfocus='alert(1)' autofocus data-m='x'>",
        "<div title=xss1 x>",
        "<svg/onload=alert(1)>",
        "<img src=x onerror=alert(1)>",
        "<script type=\"application/ld+json\">{\"a\": \"</script><img src=x onerror=alert(1)>\"}</script>",
        "<script type=\"text/javascript\">alert(1)</script>",
    ] {
        assert!(!live_script(broken).is_empty(), "missed: {broken}");
    }
    for fine in [
        "<p>&#60;script&#62;alert(1)&#60;/script&#62;</p>",
        "<input value=\"&#34; onmouseover=&#34;alert(1)\">",
        "<a href=\"https://example.org/?&#34;&#62;\">x</a>",
        "<script src=\"/static/claimdesk.js\" defer></script>",
        "<!-- <script>x</script> -->",
        "<script type=\"application/ld+json\">{\"a\": \"\\u003cscript\\u003e\"}</script>",
    ] {
        assert_eq!(live_script(fine), Vec::<String>::new(), "{fine}");
    }
}

/// The JSON-LD blocks of a page: each must parse as JSON, whatever the fields held.
fn json_ld_blocks(path: &str, page: &str) -> Vec<Value> {
    let open = "<script type=\"application/ld+json\">";
    page.match_indices(open)
        .map(|(at, _)| {
            let text = &page[at + open.len()..];
            let text = &text[..text.find("</script>").expect("the JSON-LD ends")];
            assert!(!text.contains('<'), "{path}: a raw < inside JSON-LD");
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{path}: JSON-LD {e}: {text}"))
        })
        .collect()
}

/// An XML document of the public face: it parses, it has no element a payload would bring,
/// and its text (escapes undone) carries each marker.
fn inert_xml(path: &str, xml: &str, markers: &[String]) {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{path}: {e}"));
    let known = [
        "feed",
        "title",
        "id",
        "updated",
        "author",
        "name",
        "uri",
        "link",
        "entry",
        "published",
        "summary",
        "urlset",
        "url",
        "loc",
        "lastmod",
        "generator",
        "subtitle",
    ];
    let mut text = String::new();
    for node in doc.descendants() {
        if node.is_element() {
            let name = node.tag_name().name();
            assert!(known.contains(&name), "{path}: an element <{name}>");
            for attr in node.attributes() {
                assert!(!attr.name().starts_with("on"), "{path}: {}=", attr.name());
            }
        }
        if let Some(t) = node.text() {
            text.push_str(t);
            text.push('\n');
        }
    }
    for marker in markers {
        assert!(
            text.contains(marker.as_str()),
            "{path} does not show {marker}"
        );
    }
}

/// Row 18 over the public face: every published verdict's page, card, index, article page,
/// the Atom feed and the sitemap render the payloads inert, each shown to carry every field
/// that reaches it. Each verdict is corrected first, with a payload as the reason.
async fn public_face_is_inert(
    app: &TestApp,
    editor: &str,
    reviewer: &str,
    claims: &[i64],
    articles: &[i64],
) {
    let client = api(&app.address);
    for (i, id) in claims.iter().enumerate() {
        let (_, now) = crate::helpers::api_get(app, &format!("/api/v1/claims/{id}"), editor).await;
        let path = format!("/api/v1/claims/{id}/transitions");
        let (status, reopened) = call(
            app,
            &path,
            editor,
            json!({"to": "in_review", "version": now["version"], "note": payload(i, "correction")}),
        )
        .await;
        assert_eq!(status, 200, "reopen {i}: {reopened}");
        let (status, verdict) = call(
            app,
            &path,
            reviewer,
            json!({"to": "disputed", "version": reopened["version"], "rating": 1, "label": payload(i, "label"), "rationale": payload(i, "rationale")}),
        )
        .await;
        assert_eq!(status, 200, "new verdict {i}: {verdict}");
        let (status, approved) = call(
            app,
            &path,
            editor,
            json!({"to": "approved", "version": verdict["version"]}),
        )
        .await;
        assert_eq!(status, 200, "approval {i}: {approved}");
    }

    let get = |path: String| {
        let req = client.get(app.url(&path));
        async move {
            let res = req.send().await.expect("GET");
            let status = res.status().as_u16();
            let location = crate::helpers::header(&res, "location");
            (status, location, res.text().await.unwrap_or_default())
        }
    };
    let shows = |path: &str, page: &str, fields: &[&str], i: usize| {
        let live = live_script(page);
        assert!(live.is_empty(), "{path} renders live markup: {live:?}");
        for field in fields {
            let marker = format!("xss{field}{i}");
            assert!(page.contains(&marker), "{path} does not show {marker}");
        }
    };
    let every = |field: &str| {
        (0..XSS_CORPUS.len())
            .map(|i| format!("xss{field}{i}"))
            .collect::<Vec<_>>()
    };
    for (i, (id, article)) in claims.iter().zip(articles).enumerate() {
        let (status, page_path, _) = get(format!("/checks/{id}")).await;
        assert_eq!(status, 301, "/checks/{id}");
        let (status, _, page) = get(page_path.clone()).await;
        assert_eq!(status, 200, "{page_path}");
        shows(
            &page_path,
            &page,
            &[
                "title",
                "publisher",
                "url",
                "claimant",
                "normalized",
                "label",
                "rationale",
                "correction",
                "evidenceurl",
                "evidencetitle",
                "evidenceexcerpt",
            ],
            i,
        );
        // Retracted evidence is not what the verdict stands on: readers do not see it.
        for field in [
            "retractedurl",
            "retractedtitle",
            "retractedexcerpt",
            "reason",
        ] {
            let marker = format!("xss{field}{i}");
            assert!(!page.contains(&marker), "{page_path} shows {marker}");
        }
        let blocks = json_ld_blocks(&page_path, &page);
        assert_eq!(blocks.len(), 1, "{page_path}");
        let ld = blocks[0].to_string();
        for field in ["normalized", "label", "title", "claimant", "correction"] {
            let marker = format!("xss{field}{i}");
            assert!(
                ld.contains(&marker),
                "{page_path}'s JSON-LD does not carry {marker}"
            );
        }

        let path = format!("/checks/{id}/embed");
        let (status, _, card) = get(path.clone()).await;
        assert_eq!(status, 200, "{path}");
        shows(&path, &card, &["normalized", "label"], i);

        let path = format!("/checks/articles/{article}");
        let (status, _, page) = get(path.clone()).await;
        assert_eq!(status, 200, "{path}");
        shows(
            &path,
            &page,
            &["title", "publisher", "url", "normalized", "label"],
            i,
        );
    }
    let (status, _, index) = get("/checks".to_owned()).await;
    assert_eq!(status, 200);
    for i in 0..XSS_CORPUS.len() {
        shows("/checks", &index, &["title", "normalized", "label"], i);
    }
    // What the index echoes back of its query is escaped too.
    for i in 0..XSS_CORPUS.len() {
        for (key, field) in [("q", "search"), ("tag", "tag")] {
            let value = payload(i, field);
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair(key, &value)
                .finish();
            let path = format!("/checks?{query}");
            let (status, _, page) = get(path.clone()).await;
            assert_eq!(status, 200, "{path}");
            shows(&path, &page, &[field], i);
        }
    }

    let (status, _, feed) = get("/checks/feed.atom".to_owned()).await;
    assert_eq!(status, 200);
    let markers: Vec<String> = ["normalized", "label", "rationale", "correction"]
        .iter()
        .flat_map(|f| every(f))
        .collect();
    inert_xml("/checks/feed.atom", &feed, &markers);
    let (status, _, sitemap) = get("/sitemap.xml".to_owned()).await;
    assert_eq!(status, 200);
    // The sitemap names each page by its slug, made of the published wording.
    inert_xml("/sitemap.xml", &sitemap, &every("normalized"));
}
