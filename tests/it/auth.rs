//! Accounts and access: every route for every role, CSRF, sessions, throttling, escaping, headers.

use std::collections::BTreeMap;

use claimdesk::domain::Role;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::helpers::{Browser, PASSWORD, TestApp, api, cookie_header, hidden_value};
use crate::process::ServerProcess;

/// What a role gets from a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Anyone, signed in or not.
    Open,
    /// Signed-in users of this role or above; others get 403; strangers are sent to sign in (401 on /api).
    Needs(Role),
}

/// The authorisation table: every route the app serves, and who may use it.
fn expected_access() -> BTreeMap<(&'static str, &'static str), Expect> {
    use Expect::*;
    let reviewer = Needs(Role::Reviewer);
    let admin = Needs(Role::Admin);
    [
        (("GET", "/healthz"), Open),
        (("GET", "/readyz"), Open),
        (("GET", "/static/claimdesk.css"), Open),
        (("GET", "/static/claimdesk.js"), Open),
        (("GET", "/static/select-claim.js"), Open),
        (("GET", "/login"), Open),
        (("POST", "/login"), Open),
        (("POST", "/logout"), reviewer),
        (("GET", "/"), reviewer),
        (("GET", "/articles"), reviewer),
        (("POST", "/articles"), reviewer),
        (("GET", "/articles/{id}"), reviewer),
        (("POST", "/articles/{id}"), reviewer),
        (("POST", "/articles/{id}/edit"), reviewer),
        (("POST", "/articles/{id}/claims"), reviewer),
        (("POST", "/articles/{id}/archive"), Needs(Role::Editor)),
        (("POST", "/articles/{id}/restore"), Needs(Role::Editor)),
        (("GET", "/claims/{id}"), reviewer),
        (("POST", "/claims/{id}"), reviewer),
        (("POST", "/claims/{id}/transition"), reviewer),
        (("POST", "/claims/{id}/evidence"), reviewer),
        (("POST", "/claims/{id}/edit"), reviewer),
        (("POST", "/claims/{id}/merge"), reviewer),
        (("POST", "/claims/{id}/unmerge"), reviewer),
        (("POST", "/claims/{id}/split"), reviewer),
        (("POST", "/claims/bulk"), reviewer),
        (("POST", "/claims/{id}/assign"), Needs(Role::Editor)),
        (("POST", "/claims/{id}/tags"), reviewer),
        (("GET", "/tags"), reviewer),
        (("POST", "/tags"), Needs(Role::Editor)),
        (("POST", "/tags/{id}"), Needs(Role::Editor)),
        (
            ("POST", "/claims/{id}/evidence/{evidence_id}/retract"),
            reviewer,
        ),
        (("POST", "/claims/{id}/matches"), reviewer),
        (
            ("POST", "/claims/{id}/matches/{fact_check_id}/evidence"),
            reviewer,
        ),
        (
            ("POST", "/claims/{id}/matches/{fact_check_id}/repeat"),
            reviewer,
        ),
        (("POST", "/claims/{id}/follow"), reviewer),
        (("POST", "/claims/{id}/unfollow"), reviewer),
        (("GET", "/inbox"), reviewer),
        (("POST", "/inbox/read"), reviewer),
        (("GET", "/views"), reviewer),
        (("POST", "/views"), reviewer),
        (("POST", "/views/{id}/delete"), reviewer),
        (("GET", "/dashboard"), reviewer),
        (("GET", "/dashboard/csv/{chart}"), reviewer),
        (("GET", "/export"), reviewer),
        (("GET", "/export/download"), reviewer),
        (("GET", "/export/report"), reviewer),
        (("GET", "/admin"), admin),
        (("POST", "/admin"), admin),
        (("POST", "/admin/users"), admin),
        (("POST", "/admin/users/{id}/role"), admin),
        (("POST", "/admin/users/{id}/disable"), admin),
        (("POST", "/admin/users/{id}/enable"), admin),
        (("POST", "/admin/users/{id}/password"), admin),
        (("POST", "/admin/users/{id}/sessions/end"), admin),
        (("POST", "/admin/tokens"), admin),
        (("POST", "/admin/tokens/{id}/revoke"), admin),
        (("GET", "/api/v1/openapi.json"), Open),
        (("GET", "/api/v1/articles"), reviewer),
        (("POST", "/api/v1/articles"), reviewer),
        (("GET", "/api/v1/articles/{id}"), reviewer),
        (("PATCH", "/api/v1/articles/{id}"), reviewer),
        (("POST", "/api/v1/articles/{id}/claims"), reviewer),
        (
            ("POST", "/api/v1/articles/{id}/archive"),
            Needs(Role::Editor),
        ),
        (
            ("POST", "/api/v1/articles/{id}/restore"),
            Needs(Role::Editor),
        ),
        (("GET", "/api/v1/claims"), reviewer),
        (("POST", "/api/v1/claims/bulk"), reviewer),
        (("GET", "/api/v1/tags"), reviewer),
        (("POST", "/api/v1/tags"), reviewer),
        (("GET", "/api/v1/claims/{id}"), reviewer),
        (("PATCH", "/api/v1/claims/{id}"), reviewer),
        (("POST", "/api/v1/claims/{id}/merge"), reviewer),
        (("POST", "/api/v1/claims/{id}/unmerge"), reviewer),
        (("POST", "/api/v1/claims/{id}/split"), reviewer),
        (("POST", "/api/v1/claims/{id}/transitions"), reviewer),
        (("POST", "/api/v1/claims/{id}/evidence"), reviewer),
        (
            ("POST", "/api/v1/claims/{id}/evidence/{evidence_id}/retract"),
            reviewer,
        ),
        (("GET", "/api/v1/claims/{id}/events"), reviewer),
        (("POST", "/api/v1/score"), reviewer),
        (("POST", "/api/v1/match"), reviewer),
        (("GET", "/api/v1/claims/{id}/matches"), reviewer),
        (("POST", "/api/v1/fact-checks"), Needs(Role::Editor)),
        (("GET", "/api/v1/export"), reviewer),
        (("GET", "/api/v1/notifications"), reviewer),
        (("POST", "/api/v1/notifications/read"), reviewer),
        (("GET", "/api/v1/views"), reviewer),
        (("POST", "/api/v1/views"), reviewer),
        (("POST", "/api/v1/views/{id}/delete"), reviewer),
        (("POST", "/api/v1/claims/{id}/follow"), reviewer),
        (("GET", "/api/v1/stats"), reviewer),
        (("GET", "/robots.txt"), Open),
        (("GET", "/sitemap.xml"), Open),
        (("GET", "/static/public.css"), Open),
        (("GET", "/checks"), Open),
        (("GET", "/checks/feed.atom"), Open),
        (("GET", "/checks/articles/{id}"), Open),
        (("GET", "/checks/{id}/embed"), Open),
        (("GET", "/checks/{key}"), Open),
        (("GET", "/sources"), reviewer),
        (("POST", "/sources"), Needs(Role::Editor)),
        (("POST", "/sources/{id}/poll"), Needs(Role::Editor)),
        (("POST", "/sources/{id}/pause"), Needs(Role::Editor)),
        (("POST", "/sources/{id}/resume"), Needs(Role::Editor)),
        (("GET", "/jobs"), reviewer),
        (("GET", "/jobs/{id}"), reviewer),
        (("POST", "/jobs/{id}/retry"), Needs(Role::Editor)),
        (("GET", "/api/v1/sources"), reviewer),
        (("POST", "/api/v1/sources"), Needs(Role::Editor)),
        (("GET", "/api/v1/sources/{id}"), reviewer),
        (("POST", "/api/v1/sources/{id}/poll"), Needs(Role::Editor)),
        (("GET", "/api/v1/jobs"), reviewer),
        (("GET", "/api/v1/jobs/{id}"), reviewer),
        (("POST", "/api/v1/jobs/{id}/retry"), Needs(Role::Editor)),
        (("GET", "/api/v1/webhooks"), admin),
        (("POST", "/api/v1/webhooks"), admin),
        (("PATCH", "/api/v1/webhooks/{id}"), admin),
        (("GET", "/api/v1/webhooks/{id}/deliveries"), admin),
        (("POST", "/api/v1/webhooks/{id}/test"), admin),
        (
            (
                "POST",
                "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
            ),
            admin,
        ),
    ]
    .into_iter()
    .collect()
}

#[test]
fn every_route_is_in_the_authorisation_table() {
    let served: Vec<(String, &str)> = claimdesk::routes::table()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p))
        .collect();
    let table = expected_access();
    for (method, path) in &served {
        assert!(
            table.contains_key(&(method.as_str(), *path)),
            "{method} {path} is served but missing from the authorisation table"
        );
    }
    assert_eq!(
        served.len(),
        table.len(),
        "the table lists routes the app does not serve"
    );
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_table_says() {
    let app = TestApp::spawn().await;
    let editor_token = app.token("importer", Role::Editor).await;
    let article = app.import_seed(&editor_token).await;
    let claim_id = article["claims"][0]["id"].as_i64().expect("claim");
    let ev = api(&app.address)
        .post(app.url(&format!("/api/v1/claims/{claim_id}/evidence")))
        .bearer_auth(&editor_token)
        .json(&json!({"url": "https://example.org/e", "stance": "context"}))
        .send()
        .await
        .expect("evidence");
    let evidence_id: serde_json::Value = ev.json().await.expect("json");
    let target = app.user("target", Role::Reviewer).await;
    let ids = [
        ("/articles/{id}", article["id"].as_i64().expect("id")),
        ("/claims/{id}", claim_id),
        ("/admin/users/{id}", target.id),
        ("/admin/tokens/{id}", 1),
    ];
    let concrete = |path: &str| -> String {
        let mut p = path.replace("{evidence_id}", &evidence_id["id"].to_string());
        for (prefix, id) in ids {
            let (pre, _) = prefix.split_once("{id}").expect("pattern");
            if p.contains(&format!("{pre}{{id}}")) {
                p = p.replacen("{id}", &id.to_string(), 1);
            }
        }
        p
    };

    let mut browsers = vec![("anonymous", None, Browser::new(&app.address), None)];
    for (name, role) in [
        ("rita", Role::Reviewer),
        ("eddie", Role::Editor),
        ("ada", Role::Admin),
    ] {
        let browser = app.browser(name, role).await;
        let token = app.token(&format!("{name}-api"), role).await;
        browsers.push((name, Some(role), browser, Some(token)));
    }
    for ((method, path), expect) in expected_access() {
        if path == "/logout" || path == "/login" && method == "POST" {
            // Signing out would end the sessions the rest of the walk needs, and signing in
            // needs the login form's own token: both are covered by the tests below.
            continue;
        }
        let url = concrete(path);
        for (who, role, browser, token) in &browsers {
            let is_api = path.starts_with("/api/");
            let mut req = match method {
                "GET" => browser.client.get(app.url(&url)),
                "PATCH" => browser.client.patch(app.url(&url)),
                _ => browser.client.post(app.url(&url)),
            };
            if is_api {
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                if method != "GET" {
                    req = req.json(&json!({}));
                }
            } else if method == "POST" {
                let csrf = if role.is_some() {
                    browser.csrf().await
                } else {
                    String::new()
                };
                req = req.form(&[("csrf_token", csrf.as_str())]);
            }
            let res = req.send().await.expect("request");
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let context = format!("{method} {url} as {who}: {status} {location}");
            assert!(status < 500, "{context}");
            match (expect, role) {
                (Expect::Open, _) => assert!(
                    status != 401 && status != 403 && !location.starts_with("/login"),
                    "{context}"
                ),
                (Expect::Needs(_), None) if is_api => assert_eq!(status, 401, "{context}"),
                (Expect::Needs(_), None) => {
                    assert!(status == 303 && location.starts_with("/login"), "{context}")
                }
                (Expect::Needs(needed), Some(r)) if r.includes(needed) => {
                    assert!(
                        status != 401 && status != 403 && !location.starts_with("/login"),
                        "{context}"
                    )
                }
                (Expect::Needs(_), Some(_)) => assert_eq!(status, 403, "{context}"),
            }
        }
    }
}

#[tokio::test]
async fn posts_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token("importer", Role::Editor).await;
    let article = app.import_seed(&token).await;
    let claim_id = article["claims"][0]["id"].as_i64().expect("claim");
    let browser = app.browser("rita", Role::Reviewer).await;
    let forged = [("to", "in_review"), ("version", "0")];
    let (status, _) = browser
        .post(&format!("/claims/{claim_id}/transition"), &forged)
        .await;
    assert_eq!(status, 403);
    let (status, _) = browser
        .post(
            &format!("/claims/{claim_id}/transition"),
            &[
                ("to", "in_review"),
                ("version", "0"),
                ("csrf_token", "0000"),
            ],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = browser
        .post(
            "/articles",
            &[
                ("title", "Forged"),
                ("body", "A forged article said 3 things in 2024."),
            ],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = browser.post("/logout", &[]).await;
    assert_eq!(status, 403);
    let (status, page) = browser.get(&format!("/claims/{claim_id}")).await;
    assert_eq!(status, 200, "still signed in");
    assert!(
        page.contains("data-state=\"extracted\""),
        "the claim did not move"
    );
    let mut conn = app.conn().await;
    let events: i64 = claimdesk::db::schema::claim_events::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    let articles: i64 = claimdesk::db::schema::articles::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!((events, articles), (0, 1));
    // With the token the same form works.
    let (status, _) = browser
        .submit(&format!("/claims/{claim_id}/transition"), &forged)
        .await;
    assert_eq!(status, 303);
    // The login form has its own token, bound to a cookie.
    let stranger = Browser::new(&app.address);
    let (status, _) = stranger
        .post("/login", &[("username", "rita"), ("password", PASSWORD)])
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn sessions_end_at_logout_and_when_the_user_is_disabled() {
    let app = TestApp::spawn().await;
    let browser = app.browser("rita", Role::Reviewer).await;
    // A second sign-in, whose cookie we hold directly, as an attacker replaying it would.
    let cookie = cookie_header(&app, "rita").await;
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let get = |path: &'static str| raw.get(app.url(path)).header("Cookie", &cookie).send();
    let res = get("/").await.expect("get");
    assert_eq!(res.status(), 200);
    let csrf = hidden_value(&res.text().await.expect("page"), "csrf_token").expect("csrf");
    let res = raw
        .post(app.url("/logout"))
        .header("Cookie", &cookie)
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), 303);
    assert_eq!(
        get("/").await.expect("get").status(),
        303,
        "the old cookie no longer works"
    );
    assert_eq!(
        browser.get("/").await.0,
        200,
        "other sessions of the same user live on"
    );

    let admin = app.browser("ada", Role::Admin).await;
    let victim = app.browser("victor", Role::Reviewer).await;
    assert_eq!(victim.get("/").await.0, 200);
    let mut conn = app.conn().await;
    let victor = claimdesk::db::users::User::by_username(&mut conn, "victor")
        .await
        .expect("query")
        .expect("victor");
    let (status, _) = admin
        .submit(&format!("/admin/users/{}/disable", victor.id), &[])
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        victim.get("/").await.0,
        303,
        "a disabled user's session is gone"
    );
    assert_eq!(
        victim.login("victor", PASSWORD).await,
        401,
        "and they cannot sign in again"
    );
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled() {
    let app = TestApp::spawn().await;
    app.user("rita", Role::Reviewer).await;
    let mut codes = Vec::new();
    for _ in 0..12 {
        codes.push(
            Browser::new(&app.address)
                .login("rita", "wrong password here")
                .await,
        );
    }
    assert_eq!(codes[0], 401);
    assert!(codes.contains(&429), "{codes:?}");
    // Locked out even with the right password, until the lock expires.
    assert_eq!(
        Browser::new(&app.address).login("rita", PASSWORD).await,
        429
    );
    // The lock is on this account from this address: another name is still only checked.
    assert_eq!(
        Browser::new(&app.address)
            .login("nobody-here", "wrong password here")
            .await,
        401,
        "the address alone is not locked after a dozen failures"
    );
}

#[tokio::test]
async fn sign_in_follows_only_same_site_paths_and_odd_names_are_just_wrong() {
    let app = TestApp::spawn().await;
    app.user("rita", Role::Reviewer).await;
    for (next, expected) in [
        ("/claims/1", "/claims/1"),
        ("/\t/evil.example/phish", "/"),
        ("/\r\nX: y", "/"),
        ("//evil.example", "/"),
    ] {
        let browser = Browser::new(&app.address);
        let (_, page) = browser.get("/login").await;
        let token = hidden_value(&page, "csrf_token").expect("csrf");
        let res = browser
            .client
            .post(format!("{}/login", app.address))
            .form(&[
                ("csrf_token", token.as_str()),
                ("username", "rita"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .expect("POST /login");
        assert_eq!(res.status(), 303, "{next:?}");
        let location = res.headers().get("location").and_then(|l| l.to_str().ok());
        assert_eq!(location, Some(expected), "{next:?}");
    }
    // A name no account can have is a wrong login, not a server error.
    for name in ["x".repeat(3000), "a\u{0}b".to_owned()] {
        assert_eq!(
            Browser::new(&app.address)
                .login(&name, "not the password")
                .await,
            401,
            "{} characters",
            name.len()
        );
    }
}

#[tokio::test]
async fn forms_with_text_that_is_not_utf8_are_refused() {
    let app = TestApp::spawn().await;
    app.user("ed", Role::Editor).await;
    let browser = Browser::new(&app.address);
    assert_eq!(browser.login("ed", PASSWORD).await, 303);
    let token = browser.csrf().await;
    let res = browser
        .client
        .post(format!("{}/articles", app.address))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf_token={token}&title=T&body=The+ministry+paid+%A33+billion+caf%E9."
        ))
        .send()
        .await
        .expect("POST /articles");
    assert_eq!(res.status(), 400);
    let (_, articles) = browser.get("/articles").await;
    assert!(!articles.contains("ministry paid"), "nothing stored");
}

#[tokio::test]
async fn admin_actions_on_unknown_ids_say_not_found() {
    let app = TestApp::spawn().await;
    app.user("root", Role::Admin).await;
    let browser = Browser::new(&app.address);
    assert_eq!(browser.login("root", PASSWORD).await, 303);
    for path in [
        "/admin/users/999999/disable",
        "/admin/users/999999/enable",
        "/admin/tokens/999999/revoke",
    ] {
        let (status, _) = browser.submit(path, &[]).await;
        assert_eq!(status, 404, "{path}");
    }
    // Nor can the admin demote themselves and leave the install without one.
    let me = app.user("root2", Role::Admin).await;
    let second = Browser::new(&app.address);
    assert_eq!(second.login("root2", PASSWORD).await, 303);
    let (status, page) = second
        .submit(
            &format!("/admin/users/{}/role", me.id),
            &[("role", "reviewer")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("your own admin role"));
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_look_alike_and_passwords_are_hashed() {
    let app = TestApp::spawn().await;
    app.user("rita", Role::Reviewer).await;
    let (_, page) = Browser::new(&app.address).get("/login").await;
    assert!(page.contains("name=\"csrf_token\""));
    let a = Browser::new(&app.address);
    let b = Browser::new(&app.address);
    assert_eq!(a.login("rita", "not the password").await, 401);
    assert_eq!(b.login("ghost", "not the password").await, 401);
    let mut conn = app.conn().await;
    let hash: String = claimdesk::db::schema::users::table
        .filter(claimdesk::db::schema::users::username.eq("rita"))
        .select(claimdesk::db::schema::users::password_hash)
        .first(&mut conn)
        .await
        .expect("hash");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn script_in_any_text_renders_inert() {
    let app = TestApp::spawn().await;
    let token = app.token("importer", Role::Editor).await;
    let article = app.import_seed(&token).await;
    let article_id = article["id"].as_i64().expect("id");
    let hostile = "<script>alert('x')</script> claimed 5 deliveries";
    let mut conn = app.conn().await;
    let claim: claimdesk::db::claims::Claim =
        diesel::insert_into(claimdesk::db::schema::claims::table)
            .values(claimdesk::db::claims::NewClaim {
                article_id,
                text: hostile.into(),
                span_start: 0,
                span_end: 10,
                category: claimdesk::extract::Category::Arms,
                claimant: Some("<img src=x onerror=alert(1)>".into()),
                score: 0.99,
                entities: json!([{"kind": "person", "text": "<b>bold</b>", "start": 0, "end": 3}]),
                duplicate_of: None,
                claimant_kind: Some(claimdesk::extract::ClaimantKind::Person),
                origin: claimdesk::domain::ClaimOrigin::Manual,
            })
            .returning(claimdesk::db::claims::Claim::as_returning())
            .get_result(&mut conn)
            .await
            .expect("insert");
    let res = api(&app.address)
        .post(app.url(&format!("/api/v1/claims/{}/evidence", claim.id)))
        .bearer_auth(&token)
        .json(&json!({"url": "https://example.org/\"><script>x</script>", "title": "<script>t</script>", "excerpt": "<script>e</script>", "stance": "refutes"}))
        .send()
        .await
        .expect("evidence");
    assert_eq!(res.status(), 201);
    let browser = app.browser("rita", Role::Reviewer).await;
    for path in [
        "/".to_owned(),
        format!("/articles/{article_id}"),
        format!("/claims/{}", claim.id),
        "/?q=deliveries".to_owned(),
    ] {
        let (status, page) = browser.get(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!page.contains("<script>"), "{path} has a live script tag");
        assert!(!page.contains("<img src=x"), "{path} has a live img tag");
        assert!(!page.contains("<b>bold"), "{path}");
    }
    let (_, page) = browser.get(&format!("/claims/{}", claim.id)).await;
    assert!(
        page.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"),
        "escaped, still readable"
    );
}

#[tokio::test]
async fn security_headers_are_on_every_response_including_errors() {
    let app = TestApp::spawn().await;
    let client = api(&app.address);
    for path in [
        "/login",
        "/nowhere",
        "/api/v1/claims",
        "/api/v1/nowhere",
        "/healthz",
        "/static/claimdesk.css",
    ] {
        let res = client.get(app.url(path)).send().await.expect("get");
        let h = res.headers();
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            csp.contains("object-src 'none'")
                && csp.contains("base-uri 'none'")
                && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(
            h.get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff"),
            "{path}"
        );
        assert!(h.contains_key("referrer-policy"), "{path}");
        assert_eq!(
            h.get("cross-origin-opener-policy")
                .and_then(|v| v.to_str().ok()),
            Some("same-origin"),
            "{path}"
        );
    }
    let res = client
        .get(app.url("/nowhere-at-all"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
    assert!(
        res.text().await.expect("body").contains("<h1>404"),
        "an HTML error page for browsers"
    );
}

#[tokio::test]
async fn two_processes_share_sessions_and_neither_logs_passwords() {
    let app = TestApp::spawn().await;
    app.user("rita", Role::Reviewer).await;
    let one = ServerProcess::start(&app.db.url, "one").await;
    let two = ServerProcess::start(&app.db.url, "two").await;
    let browser = Browser::new(&one.base);
    assert_eq!(browser.login("rita", "a wrong password 123").await, 401);
    assert_eq!(browser.login("rita", PASSWORD).await, 303);
    assert_eq!(
        browser.get("/").await.0,
        200,
        "signed in on the first process"
    );
    // The same cookie jar, pointed at the second process.
    let on_two = Browser {
        client: browser.client.clone(),
        address: two.base.clone(),
    };
    let (status, page) = on_two.get("/").await;
    assert_eq!(
        status, 200,
        "the second process accepts the first one's session"
    );
    assert!(page.contains("rita"));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = std::fs::read_to_string(&one.log).expect("log");
    assert!(
        log.contains("login succeeded") && log.contains("login failed"),
        "logins are logged:\n{log}"
    );
    assert!(
        !log.contains(PASSWORD) && !log.contains("a wrong password 123"),
        "a password reached the log"
    );
}

#[tokio::test]
async fn admin_forms_are_refused_at_the_admin_page_with_what_was_typed_and_confirmed_after() {
    let app = TestApp::spawn().await;
    app.user("root", Role::Admin).await;
    let rita = app.user("rita", Role::Reviewer).await;
    let admin = Browser::new(&app.address);
    assert_eq!(admin.login("root", PASSWORD).await, 303);
    let (_, page) = admin.get("/admin").await;
    assert!(
        !page.contains("action=\"/admin/"),
        "every form posts to the page's own address"
    );

    // A password under the policy: the page again, at /admin, with the name and role kept
    // and the reason inside the create form; the password is not sent back.
    let (status, page) = admin
        .submit(
            "/admin",
            &[
                ("form", "create_user"),
                ("username", "newcomer"),
                ("role", "editor"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    let create = &page[page.find("id=\"create-user\"").expect("the create form")..];
    assert!(create.contains("id=\"create-user-error\""), "{create}");
    assert!(create.contains("password"), "the reason names the field");
    assert!(
        create.contains("value=\"newcomer\""),
        "the username is kept"
    );
    assert!(
        create.contains("value=\"editor\" selected"),
        "the role is kept"
    );
    assert!(
        !page.contains("value=\"short\""),
        "a password is never echoed"
    );
    // A name already taken: 409, same place.
    let (status, page) = admin
        .submit(
            "/admin",
            &[
                ("form", "create_user"),
                ("username", "rita"),
                ("role", "reviewer"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("id=\"create-user-error\""));
    assert!(page.contains("value=\"rita\""));

    // Success: POST-redirect-GET with a one-line confirmation.
    let res = admin
        .client
        .post(app.url("/admin"))
        .form(&[
            ("form", "create_user"),
            ("username", "newcomer"),
            ("role", "editor"),
            ("password", "a long enough password"),
            ("csrf_token", &admin.csrf().await),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 303);
    let location = crate::helpers::header(&res, "location");
    assert_eq!(location, "/admin?done=created");
    let (_, page) = admin.get(&location).await;
    assert!(
        page.contains("class=\"notice\" role=\"status\">User created."),
        "{page}"
    );
    // An unknown confirmation key shows nothing.
    let (_, page) = admin.get("/admin?done=%3Cscript%3E").await;
    assert!(!page.contains("class=\"notice\""));

    // A refused password reset: the reason in that user's row.
    let id = rita.id.to_string();
    let (status, page) = admin
        .submit(
            "/admin",
            &[("form", "password"), ("id", &id), ("password", "short")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains(&format!("id=\"user-{id}-error\"")), "{page}");
    let (status, _) = admin
        .submit(
            "/admin",
            &[
                ("form", "password"),
                ("id", &id),
                ("password", "another long password"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        Browser::new(&app.address)
            .login("rita", "another long password")
            .await,
        303
    );
    // A role change refused for the admin's own account keeps the role chosen.
    let me = app.user("root2", Role::Admin).await;
    let second = Browser::new(&app.address);
    assert_eq!(second.login("root2", PASSWORD).await, 303);
    let (status, page) = second
        .submit(
            "/admin",
            &[
                ("form", "role"),
                ("id", &me.id.to_string()),
                ("role", "reviewer"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains(&format!("id=\"user-{}-error\"", me.id)));
    let (status, _) = second
        .submit("/admin", &[("form", "disable"), ("id", &id)])
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        Browser::new(&app.address)
            .login("rita", "another long password")
            .await,
        401
    );
    let (status, _) = second.submit("/admin", &[("form", "nonsense")]).await;
    assert_eq!(status, 400);
}
