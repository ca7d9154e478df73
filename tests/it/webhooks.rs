//! Signed webhooks: registration guards, signatures checked by an independent implementation,
//! retries, and delivery by several real processes (one of them killed mid-delivery), all to
//! receivers on loopback.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use claimdesk::config::WebhookSettings;
use claimdesk::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, api, serve, test_config};
use crate::process::ServerProcess;

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    content_type: String,
    body: Vec<u8>,
}

/// What the receiver answers, request by request; 200 once the plan runs out.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Status(u16),
    /// Holds the request this long before answering 200.
    Stall(Duration),
}

#[derive(Default)]
struct ReceiverState {
    got: Mutex<Vec<Received>>,
    plan: Mutex<VecDeque<Reply>>,
}

/// A webhook receiver on loopback.
struct Receiver {
    url: String,
    state: Arc<ReceiverState>,
}

impl Receiver {
    fn start(plan: &[Reply]) -> Receiver {
        let state = Arc::new(ReceiverState::default());
        state
            .plan
            .lock()
            .expect("plan")
            .extend(plan.iter().copied());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let shared = state.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(web::Data::from(shared.clone()))
                        .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
                        .route("/hook", web::post().to(receive))
                })
                .workers(2)
                .listen(listener)
                .expect("listen")
                .run();
                let _ = server.await;
            })
        });
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            state,
        }
    }

    fn got(&self) -> Vec<Received> {
        self.state.got.lock().expect("got").clone()
    }

    /// Waits until the receiver has had `n` requests, at most `limit`.
    async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.got();
            if got.len() >= n || start.elapsed() > limit {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

async fn receive(
    state: web::Data<ReceiverState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    state.got.lock().expect("got").push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body: body.to_vec(),
    });
    let reply = state.plan.lock().expect("plan").pop_front();
    match reply {
        Some(Reply::Status(code)) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(code).expect("status"))
                .finish()
        }
        Some(Reply::Stall(time)) => {
            tokio::time::sleep(time).await;
            HttpResponse::Ok().finish()
        }
        None => HttpResponse::Ok().finish(),
    }
}

/// Checks a signature with Python's own `hmac`, as a receiver would, knowing nothing of
/// claimdesk's code: true when some `v1,` signature in the header matches.
fn python_verifies(secret: &str, got: &Received, body: &[u8]) -> bool {
    use std::io::Write;
    let script = r#"
import base64, hashlib, hmac, os, sys
secret = os.environ["WH_SECRET"]
key = base64.b64decode(secret[len("whsec_"):])
signed = (os.environ["WH_ID"] + "." + os.environ["WH_TS"] + ".").encode() + sys.stdin.buffer.read()
expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
given = [s.split(",", 1)[1] for s in os.environ["WH_SIG"].split() if s.startswith("v1,")]
print("valid" if any(hmac.compare_digest(expected, s) for s in given) else "invalid")
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .env("WH_SECRET", secret)
        .env("WH_ID", &got.id)
        .env("WH_TS", &got.timestamp)
        .env("WH_SIG", &got.signature)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body)
        .expect("write body");
    let out = child.wait_with_output().expect("python3 output");
    assert!(out.status.success(), "python3 failed");
    match String::from_utf8_lossy(&out.stdout).trim() {
        "valid" => true,
        "invalid" => false,
        other => panic!("python3 said {other:?}"),
    }
}

/// Settings that make a test quick: frequent polls, short retries.
fn quick() -> WebhookSettings {
    WebhookSettings {
        webhook_timeout: 5,
        webhook_lease: 10,
        webhook_retry_base_ms: 50,
        webhook_poll_ms: 20,
        webhook_concurrency: 8,
        webhook_abandon_after: 86_400,
    }
}

/// Runs the delivery worker of this test's database until the returned sender is dropped.
fn worker(app: &TestApp, settings: WebhookSettings) -> tokio::sync::watch::Sender<bool> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(claimdesk::services::webhooks::run_deliveries(
        app.pool.clone(),
        settings,
        true,
        stopped,
    ));
    stop
}

async fn register(base: &str, admin: &str, url: &str, events: &[&str]) -> (u16, Value) {
    let res = api(base)
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(admin)
        .json(&json!({"url": url, "events": events}))
        .send()
        .await
        .expect("register");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

async fn get(base: &str, token: &str, path: &str) -> (u16, String) {
    let res = api(base)
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

async fn deliveries(base: &str, admin: &str, endpoint: i64) -> Vec<Value> {
    let (status, text) = get(
        base,
        admin,
        &format!("/api/v1/webhooks/{endpoint}/deliveries"),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let json: Value = serde_json::from_str(&text).expect("deliveries json");
    json["deliveries"].as_array().cloned().unwrap_or_default()
}

/// Waits until every delivery of the endpoint has the status `status`, at most `limit`.
async fn wait_until_all(
    base: &str,
    admin: &str,
    endpoint: i64,
    status: &str,
    limit: Duration,
) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let log = deliveries(base, admin, endpoint).await;
        if (!log.is_empty() && log.iter().all(|d| d["status"] == status)) || start.elapsed() > limit
        {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_import_is_announced_signed_and_the_signature_verifies_in_python() {
    let receiver = Receiver::start(&[]);
    let app = TestApp::spawn().await;
    let admin = app.token("ada", Role::Admin).await;
    let editor = app.token("eddie", Role::Editor).await;
    let (status, created) =
        register(&app.address, &admin, &receiver.url, &["article.imported"]).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let _worker = worker(&app, quick());

    let article = app.import_seed(&editor).await;
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1, "one article.imported delivery");
    let hit = &got[0];
    assert!(hit.id.starts_with("msg_"), "{hit:?}");
    assert_eq!(hit.content_type, "application/json", "{hit:?}");
    let sent_at: i64 = hit.timestamp.parse().expect("a Unix timestamp");
    assert!((chrono::Utc::now().timestamp() - sent_at).abs() < 60);
    let body: Value = serde_json::from_slice(&hit.body).expect("a JSON body");
    assert_eq!(body["type"], "article.imported");
    assert_eq!(body["data"]["id"], article["id"]);
    assert_eq!(body["data"]["title"], "Seed article");
    assert_eq!(
        body["data"]["claims"].as_array().map(Vec::len),
        article["claims"].as_array().map(Vec::len)
    );
    assert_eq!(body["data"]["claims"][0]["id"], article["claims"][0]["id"]);

    assert!(python_verifies(&secret, hit, &hit.body));
    // The same check refuses a body changed on the way, and another secret.
    let mut tampered = hit.body.clone();
    tampered.push(b' ');
    assert!(!python_verifies(&secret, hit, &tampered));
    assert!(!python_verifies(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        hit,
        &hit.body
    ));

    // The log says it was delivered, at the first attempt, with the receiver's code.
    let endpoint = created["id"].as_i64().expect("id");
    let log = wait_until_all(
        &app.address,
        &admin,
        endpoint,
        "delivered",
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["event"], "article.imported");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["response_code"], 200);
    assert_eq!(log[0]["message_id"], hit.id.as_str());
}

#[tokio::test]
async fn a_delivery_answered_500_is_retried_and_then_delivered() {
    let receiver = Receiver::start(&[Reply::Status(500), Reply::Status(503)]);
    let app = TestApp::spawn().await;
    let admin = app.token("ada", Role::Admin).await;
    let (status, created) = register(&app.address, &admin, &receiver.url, &["claim.created"]).await;
    assert_eq!(status, 201, "{created}");
    let endpoint = created["id"].as_i64().expect("id");
    let res = api(&app.address)
        .post(app.url(&format!("/api/v1/webhooks/{endpoint}/test")))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("test");
    assert_eq!(res.status(), 202);
    let _worker = worker(&app, quick());

    let got = receiver.wait_for(3, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 3, "two failures, then the delivery: {got:?}");
    assert!(
        got.iter().all(|g| g.id == got[0].id),
        "one message, retried"
    );
    let body: Value = serde_json::from_slice(&got[2].body).expect("json");
    assert_eq!(body["type"], "webhook.test");
    let log = wait_until_all(
        &app.address,
        &admin,
        endpoint,
        "delivered",
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["attempts"], 3, "{log:?}");
    assert_eq!(log[0]["response_code"], 200);
    assert_eq!(log[0]["last_error"], Value::Null);

    // Redelivery queues the same message again, as a new row of the log.
    let delivery = log[0]["id"].as_i64().expect("delivery id");
    let res = api(&app.address)
        .post(app.url(&format!(
            "/api/v1/webhooks/{endpoint}/deliveries/{delivery}/redeliver"
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("redeliver");
    assert_eq!(res.status(), 202);
    let got = receiver.wait_for(4, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 4);
    assert_eq!(got[3].id, got[0].id, "a redelivery keeps the message id");
    assert_eq!(got[3].body, got[0].body);
}

#[tokio::test]
async fn a_receiver_that_keeps_failing_gets_backed_off_retries_recorded() {
    let receiver = Receiver::start(&[Reply::Status(500); 50]);
    let app = TestApp::spawn().await;
    let admin = app.token("ada", Role::Admin).await;
    let (_, created) = register(&app.address, &admin, &receiver.url, &["claim.created"]).await;
    let endpoint = created["id"].as_i64().expect("id");
    api(&app.address)
        .post(app.url(&format!("/api/v1/webhooks/{endpoint}/test")))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("test");
    let _worker = worker(
        &app,
        WebhookSettings {
            webhook_retry_base_ms: 200,
            ..quick()
        },
    );
    let got = receiver.wait_for(3, Duration::from_secs(20)).await;
    assert!(got.len() >= 3);
    let log = deliveries(&app.address, &admin, endpoint).await;
    assert_eq!(log[0]["status"], "pending", "still retried: {log:?}");
    assert_eq!(log[0]["response_code"], 500);
    assert!(
        log[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("500")),
        "{log:?}"
    );
    // Backed off: the next try is due after the last one, not at once.
    let at = |field: &str| {
        let text = log[0][field].as_str().unwrap_or_default();
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap_or_else(|e| panic!("{field} {text:?}: {e}; {log:?}"))
    };
    assert!(at("next_attempt_at") > at("last_attempt_at"), "{log:?}");
}

#[tokio::test]
async fn two_processes_deliver_each_event_exactly_once() {
    let receiver = Receiver::start(&[]);
    let app = TestApp::spawn().await;
    let admin = app.token("ada", Role::Admin).await;
    let editor = app.token("eddie", Role::Editor).await;
    let args = [
        "--fetch-allow-loopback",
        "--webhook-poll-ms",
        "10",
        "--webhook-concurrency",
        "4",
    ];
    let one = ServerProcess::start_with(&app.db.url, "webhooks-one", &args).await;
    let two = ServerProcess::start_with(&app.db.url, "webhooks-two", &args).await;
    let (status, created) = register(
        &one.base,
        &admin,
        &receiver.url,
        &["article.imported", "claim.created"],
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let endpoint = created["id"].as_i64().expect("id");
    // An import (one article.imported and a claim.created per claim) and forty tests, queued
    // through both processes.
    let article = api(&two.base)
        .post(format!("{}/api/v1/articles", two.base))
        .bearer_auth(&editor)
        .json(&json!({"title": "Seed", "body": crate::helpers::seed_article()}))
        .send()
        .await
        .expect("import");
    assert_eq!(article.status(), 201);
    let article: Value = article.json().await.expect("json");
    let claims = article["claims"].as_array().map_or(0, Vec::len);
    assert!(
        claims > 0,
        "the seed article yields claims to announce: {article}"
    );
    for i in 0..40 {
        let base = if i % 2 == 0 { &one.base } else { &two.base };
        let res = api(base)
            .post(format!("{base}/api/v1/webhooks/{endpoint}/test"))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("test");
        assert_eq!(res.status(), 202);
    }
    let expected = 1 + claims + 40;
    let log = wait_until_all(
        &one.base,
        &admin,
        endpoint,
        "delivered",
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(log.len(), expected);
    assert!(
        log.iter()
            .all(|d| d["status"] == "delivered" && d["attempts"] == 1),
        "{log:?}"
    );
    // Each kind as often as it was queued: the import, a claim.created per claim, the tests.
    let mut per_event: HashMap<&str, usize> = HashMap::new();
    for delivery in &log {
        *per_event
            .entry(delivery["event"].as_str().unwrap_or_default())
            .or_default() += 1;
    }
    assert_eq!(
        per_event,
        HashMap::from([
            ("article.imported", 1),
            ("claim.created", claims),
            ("webhook.test", 40),
        ]),
        "{log:?}"
    );
    // Let any second send of a message arrive before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = receiver.got();
    let mut times: HashMap<String, usize> = HashMap::new();
    for g in &got {
        *times.entry(g.id.clone()).or_default() += 1;
    }
    assert_eq!(times.len(), expected, "every message arrived");
    assert!(
        times.values().all(|n| *n == 1),
        "no message arrived twice: {times:?}"
    );
    // Both processes took part.
    for process in [&one, &two] {
        assert!(
            process.log_text().contains("webhook delivered"),
            "{}",
            process.log_text()
        );
    }
}

#[tokio::test]
async fn a_process_killed_mid_delivery_leaves_the_delivery_to_another() {
    let receiver = Receiver::start(&[Reply::Stall(Duration::from_secs(60))]);
    let app = TestApp::spawn().await;
    let admin = app.token("ada", Role::Admin).await;
    let args = [
        "--fetch-allow-loopback",
        "--webhook-poll-ms",
        "20",
        "--webhook-timeout",
        "4",
        "--webhook-lease",
        "5",
    ];
    let mut first = ServerProcess::start_with(&app.db.url, "webhooks-killed", &args).await;
    let (status, created) = register(&first.base, &admin, &receiver.url, &["claim.created"]).await;
    assert_eq!(status, 201, "{created}");
    let endpoint = created["id"].as_i64().expect("id");
    let res = api(&first.base)
        .post(format!("{}/api/v1/webhooks/{endpoint}/test", first.base))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("test");
    assert_eq!(res.status(), 202);
    // The receiver holds the first attempt; the process dies while it waits.
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1);
    first.signal("KILL");
    assert!(first.exit_status(Duration::from_secs(5)).await.is_some());
    let log = deliveries(&app.address, &admin, endpoint).await;
    assert_eq!(log[0]["status"], "pending", "{log:?}");
    assert_eq!(
        log[0]["attempts"], 0,
        "the killed attempt was never recorded"
    );

    let second = ServerProcess::start_with(&app.db.url, "webhooks-survivor", &args).await;
    let got = receiver.wait_for(2, Duration::from_secs(30)).await;
    assert_eq!(got.len(), 2, "sent again once the lease ran out");
    assert_eq!(got[1].id, got[0].id);
    let log = wait_until_all(
        &second.base,
        &admin,
        endpoint,
        "delivered",
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(log[0]["status"], "delivered", "{log:?}");
    assert_eq!(log[0]["attempts"], 1);
}

#[tokio::test]
async fn endpoint_addresses_pass_the_import_guards_at_registration() {
    let db = TestDb::new();
    let mut config = test_config();
    config.extract.fetch_allow_loopback = false;
    let address = serve(&db, config);
    let app = TestApp {
        address,
        pool: db.pool(),
        db,
    };
    let admin = app.token("ada", Role::Admin).await;
    for (url, reason) in [
        ("http://10.0.0.7/hook", "not a public address"),
        ("http://192.168.1.1/hook", "not a public address"),
        ("http://169.254.169.254/latest", "not a public address"),
        ("http://[::1]:8080/hook", "not a public address"),
        ("http://127.0.0.1:9/hook", "not a public address"),
        ("http://localhost:9/hook", "not a public address"),
        ("ftp://example.org/hook", "http or https"),
        ("javascript:alert(1)", "http or https"),
        ("https://exa mple.org/", "http or https"),
    ] {
        let (status, body) = register(&app.address, &admin, url, &["claim.created"]).await;
        assert_eq!(status, 400, "{url}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{url}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{url}: {message}");
    }
    // Events must be known; the list must not be empty.
    let public = "http://93.184.216.34/hook";
    let (status, body) = register(&app.address, &admin, public, &["verdict.deleted"]).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("verdict.approved"))
    );
    let (status, _) = register(&app.address, &admin, public, &[]).await;
    assert_eq!(status, 422);
    // Only admins register.
    let editor = app.token("eddie", Role::Editor).await;
    let (status, _) = register(&app.address, &editor, public, &["claim.created"]).await;
    assert_eq!(status, 403);
    let (status, _) = get(&app.address, &admin, "/api/v1/webhooks").await;
    assert_eq!(status, 200);
    let (_, list) = get(&app.address, &admin, "/api/v1/webhooks").await;
    assert_eq!(
        serde_json::from_str::<Value>(&list).expect("json")["webhooks"],
        json!([]),
        "nothing refused was stored"
    );
}

#[tokio::test]
async fn the_secret_is_shown_once_and_never_again() {
    let receiver = Receiver::start(&[]);
    let app = TestApp::spawn().await;
    let (admin_token, admin) = app.person("ada", Role::Admin).await;
    let (status, created) = register(
        &app.address,
        &admin_token,
        &receiver.url,
        &["verdict.approved", "verdict.corrected"],
    )
    .await;
    assert_eq!(status, 201);
    let secret = created["secret"].as_str().expect("secret").to_owned();
    let id = created["id"].as_i64().expect("id");
    assert_eq!(
        created["events"],
        json!(["verdict.approved", "verdict.corrected"])
    );
    assert_eq!(created["enabled"], true);

    for path in [
        "/api/v1/webhooks".to_owned(),
        format!("/api/v1/webhooks/{id}/deliveries"),
    ] {
        let (status, text) = get(&app.address, &admin_token, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(text.contains(&receiver.url), "{path}: {text}");
        assert!(
            !text.contains(&secret) && !text.contains("whsec_"),
            "{path}: {text}"
        );
    }
    let (status, page) = admin.get("/admin").await;
    assert_eq!(status, 200);
    assert!(page.contains(&receiver.url));
    assert!(!page.contains(&secret) && !page.contains("whsec_"));

    // The admin page's form registers another, shows its secret on that response only, and
    // its buttons disable the endpoint and queue a test.
    let (status, shown) = admin
        .submit(
            "/admin",
            &[
                ("form", "webhook_create"),
                ("url", &receiver.url),
                ("event", "claim.created"),
                ("event", "article.imported"),
            ],
        )
        .await;
    assert_eq!(status, 201, "{shown}");
    let shown_secret = shown
        .split("<pre id=\"new-webhook-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the new secret on the page")
        .to_owned();
    assert!(shown_secret.starts_with("whsec_"));
    let (_, again) = admin.get("/admin").await;
    assert!(!again.contains(&shown_secret));

    let (status, _) = admin
        .submit(
            "/admin",
            &[("form", "webhook_disable"), ("id", &id.to_string())],
        )
        .await;
    assert_eq!(status, 303);
    let (status, refused) = admin
        .submit(
            "/admin",
            &[("form", "webhook_test"), ("id", &id.to_string())],
        )
        .await;
    assert_eq!(status, 422, "no test to a disabled endpoint");
    assert!(refused.contains("disabled"));
    let (status, _) = admin
        .submit(
            "/admin",
            &[("form", "webhook_enable"), ("id", &id.to_string())],
        )
        .await;
    assert_eq!(status, 303);
    let (status, _) = admin
        .submit(
            "/admin",
            &[("form", "webhook_test"), ("id", &id.to_string())],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = admin.get("/admin").await;
    assert!(
        page.contains("webhook.test"),
        "the log shows the queued test"
    );
    // A private address typed into the form is refused beside it, with what was typed kept.
    let (status, refused) = admin
        .submit(
            "/admin",
            &[
                ("form", "webhook_create"),
                ("url", "http://10.1.2.3/hook"),
                ("event", "claim.created"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert!(refused.contains("id=\"create-webhook-error\""));
    assert!(refused.contains("http://10.1.2.3/hook"));
}

#[tokio::test]
async fn approvals_and_corrections_are_announced_with_their_verdict() {
    let receiver = Receiver::start(&[]);
    let app = TestApp::spawn().await;
    let admin = app.token("ada", Role::Admin).await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    let editor = app.token("eddie", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let (status, created) = register(
        &app.address,
        &admin,
        &receiver.url,
        &["verdict.approved", "verdict.corrected"],
    )
    .await;
    assert_eq!(status, 201);
    let _worker = worker(&app, quick());
    let id = article["claims"][0]["id"].as_i64().expect("claim");
    let client = api(&app.address);
    let mut version = 0;
    for (token, body) in [
        (&reviewer, json!({"to": "in_review"})),
        (
            &reviewer,
            json!({"to": "disputed", "rationale": "The record differs.", "rating": 2, "label": "Misleading"}),
        ),
        (&editor, json!({"to": "approved"})),
        (
            &editor,
            json!({"to": "in_review", "note": "The register was amended"}),
        ),
        (
            &reviewer,
            json!({"to": "disputed", "rationale": "The amended record differs more.", "rating": 1, "label": "False"}),
        ),
        (&editor, json!({"to": "approved"})),
    ] {
        let mut body = body;
        body["version"] = version.into();
        if body["to"] == "disputed" {
            let res = client
                .post(app.url(&format!("/api/v1/claims/{id}/evidence")))
                .bearer_auth(&reviewer)
                .json(&json!({"url": "https://example.org/a", "stance": "refutes"}))
                .send()
                .await
                .expect("evidence");
            assert_eq!(res.status(), 201);
        }
        let res = client
            .post(app.url(&format!("/api/v1/claims/{id}/transitions")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("transition");
        let status = res.status();
        let json: Value = res.json().await.expect("json");
        assert_eq!(status, 200, "{body}: {json}");
        version = json["version"].as_i64().expect("version");
    }
    let got = receiver.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 2, "{got:?}");
    let bodies: Vec<Value> = got
        .iter()
        .map(|g| serde_json::from_slice(&g.body).expect("json"))
        .collect();
    let approved = bodies
        .iter()
        .find(|b| b["type"] == "verdict.approved")
        .expect("verdict.approved");
    let corrected = bodies
        .iter()
        .find(|b| b["type"] == "verdict.corrected")
        .expect("verdict.corrected");
    assert_eq!(approved["data"]["id"], id);
    assert_eq!(approved["data"]["rating"], 2);
    assert_eq!(approved["data"]["state"], "approved");
    assert_eq!(corrected["data"]["rating"], 1);
    assert_eq!(corrected["data"]["correction"], true);
    let versions = corrected["data"]["verdicts"].as_array().expect("verdicts");
    assert_eq!(
        versions.last().map(|v| v["correction_reason"].clone()),
        Some(json!("The register was amended"))
    );
    // The body carries the claim exactly as the API shows it (names, evidence, versions).
    let (status, text) = get(&app.address, &admin, &format!("/api/v1/claims/{id}")).await;
    assert_eq!(status, 200, "{text}");
    let mut api_claim: Value = serde_json::from_str(&text).expect("claim json");
    // The stored body keeps the score as a double; the API prints the f32 it reads.
    let mut delivered = corrected["data"].clone();
    let (sent, shown) = (
        delivered["score"].take().as_f64().expect("score"),
        api_claim["score"].take().as_f64().expect("score"),
    );
    assert!((sent - shown).abs() < 1e-6, "{sent} vs {shown}");
    assert_eq!(delivered, api_claim);
    assert_eq!(
        corrected["data"]["evidence"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(corrected["data"]["approved_by"], "eddie");
    let _ = created;
}

#[tokio::test]
async fn an_address_is_checked_again_at_delivery() {
    // Registered while loopback was allowed; the worker that delivers does not allow it (as
    // when a host's DNS now points somewhere private): nothing is sent, and the log says why.
    let receiver = Receiver::start(&[]);
    let app = TestApp::spawn().await;
    let admin = app.token("ada", Role::Admin).await;
    let (status, created) = register(&app.address, &admin, &receiver.url, &["claim.created"]).await;
    assert_eq!(status, 201);
    let endpoint = created["id"].as_i64().expect("id");
    api(&app.address)
        .post(app.url(&format!("/api/v1/webhooks/{endpoint}/test")))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("test");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(claimdesk::services::webhooks::run_deliveries(
        app.pool.clone(),
        quick(),
        false,
        stopped,
    ));
    let start = Instant::now();
    let log = loop {
        let log = deliveries(&app.address, &admin, endpoint).await;
        if log[0]["attempts"].as_i64() > Some(0) || start.elapsed() > Duration::from_secs(10) {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(log[0]["status"], "pending", "{log:?}");
    assert_eq!(log[0]["response_code"], Value::Null);
    assert!(
        log[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("not a public address")),
        "{log:?}"
    );
    assert!(receiver.got().is_empty(), "nothing reached the receiver");
    // The worker stops when told.
    stop.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("the worker stopped")
        .expect("joined");
}

/// Switching an endpoint on or off answers the endpoint as it now is (404 for none); the admin
/// page's logs are each endpoint's own newest deliveries, up to the limit, newest first.
#[tokio::test]
async fn switching_an_endpoint_answers_it_and_each_log_keeps_to_its_endpoint() {
    let receiver = Receiver::start(&[]);
    let app = TestApp::spawn().await;
    let admin = app.token("ada", Role::Admin).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (status, created) =
            register(&app.address, &admin, &receiver.url, &["claim.created"]).await;
        assert_eq!(status, 201, "{created}");
        ids.push(created["id"].as_i64().expect("id"));
    }
    let patch = |id: i64, enabled: bool| {
        api(&app.address)
            .patch(format!("{}/api/v1/webhooks/{id}", app.address))
            .bearer_auth(&admin)
            .json(&json!({ "enabled": enabled }))
            .send()
    };
    let res = patch(ids[0], false).await.expect("patch");
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["id"], ids[0]);
    assert_eq!(body["enabled"], false);
    assert_eq!(body["url"], receiver.url.as_str());
    assert!(body.get("secret").is_none(), "{body}");
    let res = patch(ids[0], true).await.expect("patch");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.json::<Value>().await.expect("json")["enabled"], true);
    let res = patch(999_999, false).await.expect("patch");
    assert_eq!(res.status().as_u16(), 404);

    // Three tests to the first endpoint, one to the second, none to the third.
    let mut conn = app.pool.get().await.expect("connection");
    let now = chrono::Utc::now();
    for id in [ids[0], ids[0], ids[0], ids[1]] {
        claimdesk::services::webhooks::send_test(&mut conn, id, now)
            .await
            .expect("test queued");
    }
    let logs = claimdesk::services::webhooks::endpoints_with_logs(&mut conn, 2)
        .await
        .expect("logs");
    let shown: Vec<(i64, Vec<i64>)> = logs
        .iter()
        .map(|(e, log)| {
            assert!(log.iter().all(|d| d.endpoint_id == e.id), "{log:?}");
            (e.id, log.iter().map(|d| d.id).collect())
        })
        .collect();
    assert_eq!(shown.iter().map(|(id, _)| *id).collect::<Vec<_>>(), ids);
    assert_eq!(shown[0].1.len(), 2, "the limit holds per endpoint");
    assert!(shown[0].1[0] > shown[0].1[1], "newest first");
    assert_eq!(shown[1].1.len(), 1);
    assert!(shown[2].1.is_empty());
    let all = claimdesk::services::webhooks::deliveries(&mut conn, ids[0])
        .await
        .expect("log")
        .1;
    assert_eq!(
        shown[0].1,
        all[..2].iter().map(|d| d.id).collect::<Vec<_>>()
    );
}

/// A delivery to an endpoint that stays disabled ends: past the configured age it is marked
/// abandoned (in the API's log, and the admin page's), younger ones keep waiting, and
/// enabled endpoints' deliveries are untouched.
#[tokio::test]
async fn deliveries_to_a_disabled_endpoint_are_abandoned_after_the_configured_age() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let admin = app.token("ada", Role::Admin).await;
    // Nothing listens on the discard port: an enabled endpoint's delivery stays pending.
    let (_, disabled) = register(
        &app.address,
        &admin,
        "http://127.0.0.1:9/off",
        &["claim.created"],
    )
    .await;
    let (_, enabled) = register(
        &app.address,
        &admin,
        "http://127.0.0.1:9/on",
        &["claim.created"],
    )
    .await;
    let (disabled, enabled) = (
        disabled["id"].as_i64().expect("id"),
        enabled["id"].as_i64().expect("id"),
    );
    let mut conn = app.pool.get().await.expect("connection");
    let now = chrono::Utc::now();
    for id in [disabled, disabled, enabled] {
        claimdesk::services::webhooks::send_test(&mut conn, id, now)
            .await
            .expect("queued");
    }
    claimdesk::services::webhooks::set_enabled(&mut conn, disabled, false)
        .await
        .expect("disabled");
    // One delivery of each endpoint is two hours old; the limit is one hour.
    let old = |endpoint: i64| {
        diesel::sql_query(
            "UPDATE webhook_deliveries SET created_at = now() - interval '2 hours' \
             WHERE id = (SELECT min(id) FROM webhook_deliveries WHERE endpoint_id = $1)",
        )
        .bind::<diesel::sql_types::BigInt, _>(endpoint)
    };
    old(disabled).execute(&mut conn).await.expect("aged");
    old(enabled).execute(&mut conn).await.expect("aged");
    let _worker = worker(
        &app,
        WebhookSettings {
            webhook_abandon_after: 3600,
            webhook_retry_base_ms: 60_000,
            ..quick()
        },
    );
    let start = Instant::now();
    let log = loop {
        let log = deliveries(&app.address, &admin, disabled).await;
        if log.iter().any(|d| d["status"] == "abandoned")
            || start.elapsed() > Duration::from_secs(10)
        {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Newest first: the young one waits, the old one is abandoned, neither was attempted.
    let statuses: Vec<&str> = log.iter().filter_map(|d| d["status"].as_str()).collect();
    assert_eq!(statuses, ["pending", "abandoned"], "{log:?}");
    assert_eq!(log[1]["attempts"], 0);
    assert_eq!(log[1]["next_attempt_at"], Value::Null, "{log:?}");
    assert!(
        log[1]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("disabled")),
        "{log:?}"
    );
    let other = deliveries(&app.address, &admin, enabled).await;
    assert!(other.iter().all(|d| d["status"] == "pending"), "{other:?}");
    // The admin page shows it so.
    let (status, page) = {
        let browser = app.browser("adele", Role::Admin).await;
        browser.get("/admin").await
    };
    assert_eq!(status, 200);
    assert!(
        page.contains("<td>abandoned"),
        "the admin page shows the status"
    );
}
