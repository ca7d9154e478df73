//! Importing from a web address: the page's main text is kept; private addresses are refused.

use actix_web::{App, HttpResponse, HttpServer, web};
use claimdesk::domain::Role;

use crate::helpers::{Browser, PASSWORD, TestApp, TestDb, serve, test_config};

const PAGE: &str = r#"<!doctype html><html><head><title>Harbour deal</title><style>body{color:red}</style>
<script>var tracking = "do not import me";</script></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Harbour deal</h1>
<p>The ministry said it received 12 coastal batteries from Eastland in March 2024.</p>
<p>Eastland's bank has lent the country $2.4 billion since 2019, the finance minister said.</p>
</article><footer>Copyright notice</footer></body></html>"#;

/// A small web server on loopback standing in for a news site.
fn news_site() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(|| {
                App::new()
                    .route(
                        "/article.html",
                        web::get().to(|| async {
                            HttpResponse::Ok()
                                .content_type("text/html; charset=utf-8")
                                .body(PAGE)
                        }),
                    )
                    .route(
                        "/moved",
                        web::get().to(|| async {
                            HttpResponse::Found()
                                .insert_header(("Location", "/article.html"))
                                .finish()
                        }),
                    )
                    .route(
                        "/report.pdf",
                        web::get().to(|| async {
                            HttpResponse::Ok()
                                .content_type("application/pdf")
                                .body("%PDF-1.4")
                        }),
                    )
            })
            .workers(1)
            .listen(listener)
            .expect("listen")
            .run();
            let _ = server.await;
        })
    });
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn an_article_is_imported_from_a_web_address() {
    let site = news_site();
    let app = TestApp::spawn().await;
    let browser = app.browser("rita", Role::Reviewer).await;
    let (status, _) = browser
        .submit(
            "/articles",
            &[
                ("title", "Harbour deal"),
                ("url", &format!("{site}/moved")),
                ("body", ""),
            ],
        )
        .await;
    assert_eq!(status, 303, "imported after following the redirect");
    let (_, list) = browser.get("/articles").await;
    let id: String = list
        .split("href=\"/articles/")
        .nth(1)
        .expect("a listed article")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let (status, page) = browser.get(&format!("/articles/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("12 coastal batteries"),
        "the main text is kept"
    );
    assert!(
        !page.contains("do not import me") && !page.contains("color:red"),
        "scripts and styles are dropped"
    );

    let (status, page) = browser
        .submit("/articles", &[("url", &format!("{site}/report.pdf"))])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("not an HTML or text page"));

    let shouted = site.replacen("http://", "HTTP://", 1);
    let (status, page) = browser
        .submit("/articles", &[("url", &format!("{shouted}/report.pdf"))])
        .await;
    assert_eq!(status, 422, "the scheme is case-insensitive");
    assert!(page.contains("not an HTML or text page"), "fetched");

    let nowhere = format!("http://127.0.0.1:{}/", closed_port());
    let (status, page) = browser.submit("/articles", &[("url", &nowhere)]).await;
    assert_eq!(status, 422);
    assert!(
        page.contains(&format!("could not fetch {nowhere}: connection refused")),
        "the cause is given"
    );
}

#[tokio::test]
async fn private_and_loopback_addresses_are_refused_by_default() {
    let site = news_site();
    let db = TestDb::new();
    let mut config = test_config();
    config.extract.fetch_allow_loopback = false;
    let address = serve(&db, config);
    let app = TestApp {
        address: address.clone(),
        pool: db.pool(),
        db,
    };
    app.user("rita", Role::Reviewer).await;
    let browser = Browser::new(&address);
    assert_eq!(browser.login("rita", PASSWORD).await, 303);
    for target in [
        format!("{site}/article.html"),
        "http://10.0.0.1/x".into(),
        "http://169.254.169.254/latest/meta-data".into(),
        "http://[::1]/".into(),
        "http://[::127.0.0.1]/".into(),
        "http://[::ffff:10.0.0.1]/".into(),
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data".into(),
        "http://[2002:a9fe:a9fe::1]/".into(),
        "http://[fec0::1]/".into(),
        "http://[2001::1]/".into(),
        "file:///etc/passwd".into(),
        "javascript:alert(1)".into(),
    ] {
        let (status, page) = browser.submit("/articles", &[("url", &target)]).await;
        assert_eq!(status, 422, "{target}");
        assert!(
            page.contains("public") || page.contains("http"),
            "{target}: a clear reason"
        );
    }
}

/// Runs `claimdesk import ADDRESS` on a test database, with loopback fetching allowed.
fn cli_import(db: &TestDb, address: &str, env: &[(&str, &str)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_claimdesk"));
    command
        .args(["import", address, "--title", "Harbour deal"])
        .env("DATABASE_URL", &db.url)
        .env("CLAIMDESK_FETCH_ALLOW_LOOPBACK", "true")
        // Proxy settings are ignored in CGI mode; the tests must not depend on that.
        .env_remove("REQUEST_METHOD");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run claimdesk")
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

#[test]
fn the_cli_fetches_directly_even_with_a_proxy_configured() {
    let site = news_site();
    let db = TestDb::new();
    let proxy = format!("http://127.0.0.1:{}", closed_port());
    let out = cli_import(
        &db,
        &format!("{site}/article.html"),
        &[
            ("http_proxy", &proxy),
            ("HTTP_PROXY", &proxy),
            ("https_proxy", &proxy),
            ("HTTPS_PROXY", &proxy),
            ("ALL_PROXY", &proxy),
            ("all_proxy", &proxy),
            ("NO_PROXY", ""),
            ("no_proxy", ""),
        ],
    );
    assert!(
        out.status.success(),
        "a proxy would bypass the vetted address: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported article"));
}

#[test]
fn the_cli_takes_schemes_in_any_case() {
    let site = news_site();
    let db = TestDb::new();
    let address = format!("{}/article.html", site.replacen("http://", "HTTP://", 1));
    let out = cli_import(&db, &address, &[]);
    assert!(
        out.status.success(),
        "{address} is a web address, not a file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported article"));
}
