//! Test harness: a fresh PostgreSQL database per test, cloned from a template migrated once,
//! and the real app served on a free port through the same startup code as production.

use std::net::TcpListener;
use std::sync::OnceLock;

use claimdesk::config::{
    AppConfig, ExtractSettings, JobSettings, PublicSettings, ReportSettings, ServerSettings,
};
use claimdesk::db::{self, DbPool};
use claimdesk::domain::Role;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// The server to create test databases on; PostgreSQL at localhost by default.
fn admin_url() -> String {
    std::env::var("CLAIMDESK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://localhost/postgres".into())
}

fn url_for(database: &str) -> String {
    let mut url = url::Url::parse(&admin_url()).expect("CLAIMDESK_TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{database}"));
    url.to_string()
}

/// Runs a future to completion on a private runtime (for setup and for Drop).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

async fn admin_conn() -> AsyncPgConnection {
    AsyncPgConnection::establish(&admin_url())
        .await
        .unwrap_or_else(|e| panic!("tests need PostgreSQL at {}: {e}", admin_url()))
}

/// The template's name changes whenever a migration does, so a stale template is never used.
fn template_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        let mut dirs: Vec<_> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
                .expect("migrations dir")
                .filter_map(Result::ok)
                .map(|e| e.path())
                .collect();
        dirs.sort();
        for dir in dirs {
            hash.update(dir.to_string_lossy().as_bytes());
            hash.update(std::fs::read(dir.join("up.sql")).unwrap_or_default());
        }
        format!("claimdesk_test_tpl_{}", &hex::encode(hash.finalize())[..12])
    })
}

fn ensure_template() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        // Its own thread: the caller may already be inside a runtime.
        std::thread::spawn(|| {
            block_on(async {
                let mut conn = admin_conn().await;
                // Several test processes may race to build it; the lock makes one do it.
                diesel::sql_query("SELECT pg_advisory_lock(727274)")
                    .execute(&mut conn)
                    .await
                    .expect("lock");
                let exists: i64 = diesel::sql_query(format!(
                    "SELECT 1 AS n FROM pg_database WHERE datname = '{}'",
                    template_name()
                ))
                .load::<One>(&mut conn)
                .await
                .expect("query")
                .len() as i64;
                if exists == 0 {
                    let building = format!("{}_building", template_name());
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS {building}"))
                        .execute(&mut conn)
                        .await
                        .expect("drop");
                    diesel::sql_query(format!("CREATE DATABASE {building}"))
                        .execute(&mut conn)
                        .await
                        .expect("create template");
                    db::run_migrations(&url_for(&building))
                        .await
                        .expect("migrate template");
                    diesel::sql_query(format!(
                        "ALTER DATABASE {building} RENAME TO {}",
                        template_name()
                    ))
                    .execute(&mut conn)
                    .await
                    .expect("rename template");
                }
                diesel::sql_query("SELECT pg_advisory_unlock(727274)")
                    .execute(&mut conn)
                    .await
                    .expect("unlock");
            })
        })
        .join()
        .expect("template setup");
    });
}

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    #[allow(dead_code)]
    n: i32,
}

/// A database of its own, dropped when the test ends.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub fn new() -> TestDb {
        ensure_template();
        let name = format!(
            "claimdesk_test_{}",
            claimdesk::auth::secrets::random_token()[..16].to_owned()
        );
        let create = format!("CREATE DATABASE {name} TEMPLATE {}", template_name());
        std::thread::spawn(move || {
            block_on(async move {
                let mut conn = admin_conn().await;
                diesel::sql_query(create)
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
            })
        })
        .join()
        .expect("create");
        let url = url_for(&name);
        TestDb { name, url }
    }

    pub fn pool(&self) -> DbPool {
        db::pool(&self.url, 8).expect("pool")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = std::thread::spawn(move || {
            block_on(async move {
                let mut conn = admin_conn().await;
                let _ = diesel::sql_query(drop).execute(&mut conn).await;
            })
        })
        .join();
    }
}

pub fn test_config() -> AppConfig {
    AppConfig {
        server: ServerSettings {
            bind: "127.0.0.1:0".into(),
            secure_cookies: false,
            session_idle_minutes: 120,
            session_max_hours: 12,
            trust_proxy: false,
            workers: Some(2),
            hash_concurrency: None,
            preload_model: false,
            shutdown_timeout: 30,
            stale_days: 7,
        },
        extract: ExtractSettings {
            claim_threshold: 0.5,
            max_article_bytes: 2 * 1024 * 1024,
            duplicate_threshold: 0.6,
            fetch_allow_loopback: true,
        },
        reports: ReportSettings {
            org_name: "Test Fact Desk".into(),
            org_url: Some("https://factdesk.example".into()),
            public_url: Some("https://claims.example".into()),
        },
        public: PublicSettings::default(),
        jobs: JobSettings {
            job_workers: 2,
            job_lease_seconds: 30,
            job_attempts: 3,
            job_backoff_seconds: 0.2,
            job_poll_ms: 200,
            fetch_host_interval_ms: 0,
            job_retention_days: 30,
        },
        webhooks: claimdesk::config::WebhookSettings::default(),
    }
}

/// The real app on a free port of its own database.
pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    pub pool: DbPool,
}

pub const PASSWORD: &str = "correct horse battery staple 7";

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_on(TestDb::new()).await
    }

    pub async fn spawn_on(db: TestDb) -> TestApp {
        let pool = db.pool();
        let address = serve(&db, test_config());
        TestApp { address, db, pool }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn conn(&self) -> db::DbConn {
        self.pool.get().await.expect("connection")
    }

    /// Creates a user with the test password.
    pub async fn user(&self, username: &str, role: Role) -> claimdesk::db::users::User {
        let mut conn = self.conn().await;
        claimdesk::services::accounts::create_user(&mut conn, username, role, PASSWORD)
            .await
            .expect("create user")
    }

    /// An API token for a new user of this role.
    pub async fn token(&self, username: &str, role: Role) -> String {
        let user = self.user(username, role).await;
        let mut conn = self.conn().await;
        claimdesk::services::accounts::create_token(&mut conn, &user, None, "test")
            .await
            .expect("token")
    }

    /// A browser-like client (cookies, no redirects followed), signed in as a new user.
    pub async fn browser(&self, username: &str, role: Role) -> Browser {
        self.user(username, role).await;
        let browser = Browser::new(&self.address);
        browser.login(username, PASSWORD).await;
        browser
    }

    /// A new user of this role with both an API token and a signed-in browser.
    pub async fn person(&self, username: &str, role: Role) -> (String, Browser) {
        let user = self.user(username, role).await;
        let mut conn = self.conn().await;
        let token = claimdesk::services::accounts::create_token(&mut conn, &user, None, "test")
            .await
            .expect("token");
        let browser = Browser::new(&self.address);
        assert_eq!(browser.login(username, PASSWORD).await, 303);
        (token, browser)
    }

    /// Imports the seed article through the API and returns its JSON.
    pub async fn import_seed(&self, token: &str) -> serde_json::Value {
        let res = api(&self.address)
            .post(self.url("/api/v1/articles"))
            .bearer_auth(token)
            .json(&serde_json::json!({"title": "Seed article", "body": seed_article(), "url": "https://example.org/seed", "publisher": "Example News"}))
            .send()
            .await
            .expect("import");
        assert_eq!(res.status(), 201, "import of the seed article");
        res.json().await.expect("article json")
    }
}

/// Starts a server for a database on its own thread and runtime; returns its base URL.
pub fn serve(db: &TestDb, config: AppConfig) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let pool = db.pool();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = claimdesk::startup::run(listener, pool, config).expect("server");
            let _ = server.await;
        })
    });
    format!("http://127.0.0.1:{port}")
}

pub fn api(_address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub fn seed_article() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/seeds/000_e58c59db4a0c293f.txt"
    ))
    .expect("the seed article at ../shared/seeds")
}

/// A cookie-keeping HTTP client that acts like a browser without JavaScript.
pub struct Browser {
    pub client: reqwest::Client,
    pub address: String,
}

impl Browser {
    pub fn new(address: &str) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser {
            client,
            address: address.to_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let res = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("GET");
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let res = self
            .client
            .post(format!("{}{path}", self.address))
            .form(form)
            .send()
            .await
            .expect("POST");
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }

    /// The CSRF token of the signed-in session, read from a page's hidden field.
    pub async fn csrf(&self) -> String {
        let (_, page) = self.get("/articles").await;
        hidden_value(&page, "csrf_token").expect("a csrf_token field on /articles")
    }

    pub async fn login(&self, username: &str, password: &str) -> u16 {
        let (_, page) = self.get("/login").await;
        let token = hidden_value(&page, "csrf_token").expect("csrf field on /login");
        let (status, _) = self
            .post(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("username", username),
                    ("password", password),
                ],
            )
            .await;
        status
    }

    /// POSTs a form with the session's CSRF token added.
    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let token = self.csrf().await;
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf_token", &token));
        self.post(path, &fields).await
    }
}

/// The value of the first hidden input with this name.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// A response header as text; empty when absent.
pub fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Sends an API request with a token and an optional JSON body; returns the status and the
/// JSON answer (null when there is none).
pub async fn api_call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut req = api(&app.address)
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

/// GETs an API path with a token: the status and the JSON answer.
pub async fn api_get(app: &TestApp, path: &str, token: &str) -> (u16, serde_json::Value) {
    api_call(app, reqwest::Method::GET, path, token, None).await
}

/// GETs an API path with a token, expecting 200: the JSON answer.
pub async fn api_get_ok(app: &TestApp, path: &str, token: &str) -> serde_json::Value {
    let (status, body) = api_get(app, path, token).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// POSTs a JSON body to an API path with a token: the status and the JSON answer.
pub async fn api_post(
    app: &TestApp,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    api_call(app, reqwest::Method::POST, path, token, Some(body)).await
}

/// GETs an API export; returns status, content type, content disposition and body.
pub async fn api_export(app: &TestApp, token: &str, query: &str) -> (u16, String, String, String) {
    let res = api(&app.address)
        .get(app.url(&format!("/api/v1/export?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET /api/v1/export");
    let header = |name: &str| header(&res, name);
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let status = res.status().as_u16();
    (
        status,
        content_type,
        disposition,
        res.text().await.expect("body"),
    )
}

/// Signs `username` in on a fresh client and returns the session cookie as a header value.
pub async fn cookie_header(app: &TestApp, username: &str) -> String {
    let client = api(&app.address);
    let res = client
        .get(app.url("/login"))
        .send()
        .await
        .expect("login page");
    let login_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find(|c| c.starts_with("claimdesk_login="))
        .expect("login cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let page = res.text().await.expect("page");
    let csrf = hidden_value(&page, "csrf_token").expect("csrf");
    let res = client
        .post(app.url("/login"))
        .header("Cookie", &login_cookie)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", username),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303);
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find(|c| c.starts_with("claimdesk_session="))
        .expect("session cookie")
        .to_owned();
    let lower = session.to_lowercase();
    assert!(
        lower.contains("httponly") && lower.contains("samesite=lax"),
        "{session}"
    );
    session.split(';').next().expect("pair").to_owned()
}

/// A claim's events through the API, oldest first.
pub async fn claim_events(app: &TestApp, token: &str, id: i64) -> Vec<serde_json::Value> {
    let body = api_get_ok(app, &format!("/api/v1/claims/{id}/events"), token).await;
    body["events"].as_array().expect("events").clone()
}

/// Moves a claim through the API (`body` holds `to`, `version` and any verdict fields),
/// expecting 200: the claim's new version.
pub async fn transition(app: &TestApp, token: &str, id: i64, body: serde_json::Value) -> i64 {
    let path = format!("/api/v1/claims/{id}/transitions");
    let (status, claim) = api_post(app, &path, token, body.clone()).await;
    assert_eq!(status, 200, "{body} → {claim}");
    claim["version"].as_i64().expect("version")
}
