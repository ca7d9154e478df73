//! Rows of the ASVS 5.0 level 2 checklist (../shared/security/asvs-checklist.md) that no
//! other test covers on its own; each test names its row. SECURITY.md maps every row.

use claimdesk::domain::Role;

use crate::helpers::{PASSWORD, TestApp};

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
