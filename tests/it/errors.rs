//! Every error has its body: actix's own refusals before a handler runs answer with the JSON
//! error shape under /api and the HTML error page elsewhere (with the navigation bar when the
//! user is known). What the HTTP/1 codec refuses before the app sees a request has no body;
//! the raw-socket probes below pin exactly which (README "Statuses" and SECURITY.md say so).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use claimdesk::domain::Role;
use serde_json::Value;

use crate::helpers::{TestApp, api, header};

/// Sends raw bytes and returns whatever the server answered before closing.
fn raw(address: &str, request: &[u8]) -> String {
    let host = address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let _ = stream.write_all(request);
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

async fn json_error(res: reqwest::Response, status: u16, context: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "{context}");
    assert!(
        header(&res, "content-type").starts_with("application/json"),
        "{context}: {}",
        header(&res, "content-type")
    );
    let body: Value = res.json().await.expect("a JSON body");
    assert!(body["error"]["code"].is_string(), "{context}: {body}");
    assert!(body["error"]["message"].is_string(), "{context}: {body}");
    body
}

#[tokio::test]
async fn errors_raised_before_a_handler_answer_with_the_json_shape_under_api() {
    let app = TestApp::spawn().await;
    let token = app.token("ed", Role::Editor).await;
    let client = api(&app.address);
    let score = app.url("/api/v1/score");
    for content_type in [";;;", "text/plain", "application/json; charset"] {
        let res = client
            .post(&score)
            .bearer_auth(&token)
            .header("Content-Type", content_type)
            .body(r#"{"texts": ["a"]}"#)
            .send()
            .await
            .expect("post");
        // The README's status table: a JSON Content-Type missing or unparsable is 400, never 415.
        let body = json_error(res, 400, content_type).await;
        assert_eq!(body["error"]["code"], "bad_request", "{content_type}");
    }
    let res = client
        .post(&score)
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    json_error(res, 400, "bad JSON").await;
    let big = vec![b' '; claimdesk::routes::api::JSON_LIMIT + 1];
    let res = client
        .post(&score)
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .expect("post");
    let body = json_error(res, 413, "payload too large").await;
    assert_eq!(body["error"]["code"], "payload_too_large");
    let res = client
        .get(app.url("/api/v1/claims?limit=abc"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    json_error(res, 400, "query").await;
    let res = client
        .get(app.url("/api/v1/claims/abc"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    json_error(res, 404, "path").await;
    let res = client
        .get(app.url("/api/v1/no-such-thing"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    json_error(res, 404, "unknown route").await;
    let res = client
        .delete(app.url("/api/v1/claims"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(header(&res, "allow"), "GET, HEAD");
    let body = json_error(res, 405, "method").await;
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let res = client
        .post(app.url("/api/v1/claims/1/transitions"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .body("this is not gzip")
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    assert!((400..500).contains(&status), "bad encoding: {status}");
    json_error(res, status, "bad content encoding").await;
}

/// An HTML error page: the layout, and the navigation bar exactly when someone is signed in.
async fn html_error(res: reqwest::Response, status: u16, signed_in: bool, context: &str) {
    assert_eq!(res.status().as_u16(), status, "{context}");
    assert!(
        header(&res, "content-type").starts_with("text/html"),
        "{context}: {}",
        header(&res, "content-type")
    );
    let page = res.text().await.expect("body");
    assert!(
        page.contains("class=\"error-page\"") && page.contains(&format!("{status}")),
        "{context}: {page}"
    );
    assert_eq!(
        page.contains("aria-label=\"Main\""),
        signed_in,
        "{context}: the navigation bar: {page}"
    );
}

#[tokio::test]
async fn errors_raised_before_a_handler_answer_with_the_html_page_and_its_navigation() {
    let app = TestApp::spawn().await;
    let rita = app.browser("rita", Role::Reviewer).await;
    let stranger = crate::helpers::Browser::new(&app.address);
    for (browser, signed_in) in [(&rita, true), (&stranger, false)] {
        let who = if signed_in { "rita" } else { "a stranger" };
        let res = browser
            .client
            .get(app.url("/no-such-page"))
            .send()
            .await
            .expect("get");
        html_error(res, 404, signed_in, &format!("unknown page as {who}")).await;
        let res = browser
            .client
            .put(app.url("/login"))
            .send()
            .await
            .expect("put");
        assert_eq!(header(&res, "allow"), "GET, POST, HEAD");
        html_error(res, 405, signed_in, &format!("method as {who}")).await;
    }
    let res = rita
        .client
        .get(app.url("/claims/abc"))
        .send()
        .await
        .expect("get");
    html_error(res, 404, true, "path").await;
    let res = rita
        .client
        .get(app.url("/export/download?format=bogus"))
        .send()
        .await
        .expect("get");
    let status = res.status().as_u16();
    assert_eq!(status, 400);
    html_error(res, status, true, "query").await;
    let res = rita
        .client
        .post(app.url("/articles"))
        .header("Content-Type", ";;;")
        .body("title=a")
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    assert!((400..500).contains(&status), "{status}");
    html_error(res, status, true, "content type").await;
    let big = vec![b'a'; claimdesk::auth::csrf::FORM_LIMIT + 1];
    let res = rita
        .client
        .post(app.url("/claims/1/evidence"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .expect("post");
    html_error(res, 413, true, "payload too large").await;
}

#[tokio::test]
async fn what_the_http_codec_refuses_before_the_app_has_no_body() {
    // actix-http answers these from its HTTP/1 decoder, before any middleware or handler:
    // there is no hook to give them a body. This pins the statuses the README documents.
    let app = TestApp::spawn().await;
    let head = |response: &str| -> (String, String) {
        let lower = response.to_lowercase();
        (
            response.lines().next().unwrap_or_default().to_owned(),
            lower,
        )
    };
    // More than 96 headers: 431.
    let mut request = String::from("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for i in 0..100 {
        request.push_str(&format!("X-Filler-{i}: a\r\n"));
    }
    request.push_str("\r\n");
    let (status, all) = head(&raw(&app.address, request.as_bytes()));
    assert!(status.starts_with("HTTP/1.1 431"), "{status}");
    assert!(all.contains("content-length: 0"), "{all}");
    // A request line that is not HTTP: 400.
    let (status, all) = head(&raw(&app.address, b"GARBAGE\r\n\r\n"));
    assert!(status.starts_with("HTTP/1.1 400"), "{status}");
    assert!(all.contains("content-length: 0"), "{all}");
    // A URI longer than 65,534 bytes cannot be parsed: 400 (there is no 414).
    let request = format!("GET /?q={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let (status, all) = head(&raw(&app.address, request.as_bytes()));
    assert!(status.starts_with("HTTP/1.1 400"), "{status}");
    assert!(all.contains("content-length: 0"), "{all}");
    // A long URI the decoder accepts reaches the app and gets a page like any other.
    let request = format!(
        "GET /no-such-page?q={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(30_000)
    );
    let (status, all) = head(&raw(&app.address, request.as_bytes()));
    assert!(status.starts_with("HTTP/1.1 404"), "{status}");
    assert!(all.contains("class=\"error-page\""), "{all}");
}
