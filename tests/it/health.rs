//! Health probes and the first page a newcomer sees.

use claimdesk::domain::Role;

use crate::helpers::{TestApp, TestDb, api, serve, test_config};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let client = api(&app.address);
    let res = client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(res.status(), 200);
    let res = client.get(app.url("/readyz")).send().await.expect("readyz");
    assert_eq!(res.status(), 200);
    let body = res.text().await.expect("body");
    assert!(body.starts_with("ready\nmodel: "), "{body}");
    // HEAD works wherever GET does, without a body.
    let res = client.head(app.url("/readyz")).send().await.expect("HEAD");
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.expect("body").is_empty());
    // A known address with the wrong method says which methods it takes.
    let token = app.token("rev", Role::Reviewer).await;
    let res = client
        .put(app.url("/api/v1/claims"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("PUT");
    assert_eq!(res.status(), 405);
    assert_eq!(
        res.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("GET, HEAD")
    );
    let body: serde_json::Value = res.json().await.expect("JSON error");
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let res = client.get(app.url("/logout")).send().await.expect("GET");
    assert_eq!(
        res.status(),
        405,
        "a browser address gets a page with the same status"
    );
    assert_eq!(
        res.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("POST")
    );
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let db = TestDb::new();
    let mut gone = TestDb {
        name: db.name.clone(),
        url: db.url.replace("/claimdesk_test_", "/claimdesk_missing_"),
    };
    let address = serve(&gone, test_config());
    let res = api(&address)
        .get(format!("{address}/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(res.status(), 503, "{:?}", res.headers());
    assert!(res.text().await.expect("body").contains("database"));
    // A database that never existed has nothing to drop.
    gone.name = format!("{}_never", gone.name);
}

#[tokio::test]
async fn signed_in_reviewer_sees_the_queue() {
    let app = TestApp::spawn().await;
    let token = app.token("importer", Role::Editor).await;
    app.import_seed(&token).await;
    let anonymous = crate::helpers::Browser::new(&app.address);
    let res = anonymous
        .client
        .get(app.url("/"))
        .send()
        .await
        .expect("GET /");
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .expect("location")
            .starts_with("/login")
    );

    let browser = app.browser("rita", Role::Reviewer).await;
    let (status, page) = browser.get("/").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("S-300VM"),
        "the queue lists the seed's claims"
    );
    assert!(page.contains("Sign out"));
}

/// A table locked by someone else (a long migration, a stuck transaction) gives a prompt 503,
/// and the connection goes back to the pool instead of hanging with the request.
#[tokio::test]
async fn a_locked_table_gives_a_prompt_503_not_a_hung_request() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let token = app.token("rev", Role::Reviewer).await;
    let mut holder = app.conn().await;
    holder
        .batch_execute("BEGIN; LOCK TABLE claims IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let started = std::time::Instant::now();
    let res = api(&app.address)
        .get(app.url("/api/v1/claims"))
        .bearer_auth(&token)
        .timeout(std::time::Duration::from_secs(20))
        .send()
        .await
        .expect("an answer, not a timeout");
    assert_eq!(res.status(), 503);
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    holder.batch_execute("ROLLBACK").await.expect("rollback");
    let res = api(&app.address)
        .get(app.url("/api/v1/claims"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("claims");
    assert_eq!(res.status(), 200, "served again once the lock is gone");
}
