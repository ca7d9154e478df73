//! Sources: a feed served on loopback is polled by the app's background workers; new entries
//! are imported once each, bad ones reported, a 304 imports nothing, robots.txt is obeyed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use claimdesk::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, api, api_get_ok};

/// A news site on loopback: a feed, robots.txt, articles; it counts every request per path.
#[derive(Clone)]
pub struct Site {
    pub base: String,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    /// Answer 403 for robots.txt instead of its rules.
    robots_forbidden: bool,
}

impl Site {
    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .map(|h| h.get(path).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    pub fn article_hits(&self) -> usize {
        self.hits
            .lock()
            .map(|h| {
                h.iter()
                    .filter(|(p, _)| p.starts_with("/a/") || p.starts_with("/slow/"))
                    .map(|(_, n)| n)
                    .sum()
            })
            .unwrap_or(0)
    }
}

pub fn article_html(n: &str) -> String {
    format!(
        "<!doctype html><html><head><title>Report {n}</title></head><body><article>\
         <h1>Report {n}</h1>\
         <p>The ministry said it received {n} coastal batteries from Eastland in March 2024.</p>\
         <p>Eastland's bank has lent the country ${n} billion since 2019, the finance minister said.</p>\
         </article></body></html>"
    )
}

const FEED: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>One</title><link>/a/1</link></item>
<item><title>Two</title><link>/a/2</link></item>
<item><title>One again</title><link>/a/1?utm_source=rss#top</link></item>
<item><title>No link at all</title></item>
<item><title>Script</title><link>javascript:alert(1)</link></item>
<item><title>Private</title><link>/private/3</link></item>
</channel></rss>"#;

/// A sitemap index: two monthly sitemaps (the newer one listed second), an index nested in
/// it, one that is missing, and an entry without an address.
const SITEMAP_INDEX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>/sitemaps/2026-10.xml</loc><lastmod>2026-10-31</lastmod></sitemap>
<sitemap><loc>/sitemaps/2026-11.xml</loc><lastmod>2026-11-30T09:00:00Z</lastmod></sitemap>
<sitemap><loc>/sitemaps/deeper.xml</loc><lastmod>2026-09-30</lastmod></sitemap>
<sitemap><loc>/sitemaps/gone.xml</loc><lastmod>2026-08-31</lastmod></sitemap>
<sitemap><lastmod>2026-12-01</lastmod></sitemap>
</sitemapindex>"#;

fn urlset(paths: &[&str]) -> String {
    let urls: String = paths
        .iter()
        .map(|p| format!("<url><loc>{p}</loc></url>"))
        .collect();
    format!(
        r#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>"#
    )
}

async fn answer(req: HttpRequest, site: web::Data<Site>) -> HttpResponse {
    let path = req.path().to_owned();
    if let Ok(mut hits) = site.hits.lock() {
        *hits.entry(path.clone()).or_default() += 1;
    }
    let html = |n: &str| {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(article_html(n))
    };
    match path.as_str() {
        "/robots.txt" if site.robots_forbidden => HttpResponse::Forbidden().finish(),
        "/robots.txt" => HttpResponse::Ok()
            .content_type("text/plain")
            .body("User-agent: *\nDisallow: /private\nDisallow: /blocked-feed.xml\n"),
        "/feed.xml" | "/blocked-feed.xml" => {
            let etag = "\"v1\"";
            if req
                .headers()
                .get("If-None-Match")
                .is_some_and(|v| v.as_bytes() == etag.as_bytes())
            {
                return HttpResponse::NotModified().finish();
            }
            HttpResponse::Ok()
                .content_type("application/rss+xml")
                .insert_header(("ETag", etag))
                .body(FEED)
        }
        "/sitemap-index.xml" | "/sitemaps/deeper.xml" => HttpResponse::Ok()
            .content_type("application/xml")
            .body(SITEMAP_INDEX),
        // The October sitemap names an article the November one names too.
        "/sitemaps/2026-10.xml" => HttpResponse::Ok()
            .content_type("application/xml")
            .body(urlset(&["/a/31", "/a/32"])),
        "/sitemaps/2026-11.xml" => HttpResponse::Ok()
            .content_type("application/xml")
            .body(urlset(&["/a/32", "/a/33"])),
        "/fail" => HttpResponse::InternalServerError().body("down"),
        p if p.starts_with("/slow/") => {
            tokio::time::sleep(Duration::from_secs(4)).await;
            html(&p["/slow/".len()..])
        }
        p if p.starts_with("/a/") => html(&p["/a/".len()..]),
        p if p.starts_with("/private/") => html(&p["/private/".len()..]),
        _ => HttpResponse::NotFound().finish(),
    }
}

/// Starts the site on its own thread.
pub fn site() -> Site {
    start_site(false)
}

fn start_site(robots_forbidden: bool) -> Site {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let site = Site {
        base: format!("http://127.0.0.1:{port}"),
        hits: Arc::default(),
        robots_forbidden,
    };
    let data = web::Data::new(site.clone());
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .app_data(data.clone())
                    .default_service(web::to(answer))
            })
            .workers(2)
            .listen(listener)
            .expect("listen")
            .run();
            let _ = server.await;
        })
    });
    site
}

/// Waits until no job is queued or running, at most `limit`.
pub async fn settle(app: &TestApp, token: &str, limit: Duration) -> Value {
    let start = std::time::Instant::now();
    loop {
        let jobs = api_get_ok(app, "/api/v1/jobs", token).await;
        let counts = &jobs["counts"];
        if counts["queued"] == 0 && counts["running"] == 0 && counts["done"] != 0 {
            return jobs;
        }
        assert!(start.elapsed() < limit, "jobs did not settle: {jobs}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Adds a source through the API as `token`: the answer's status and body.
async fn add_source(app: &TestApp, token: &str, source: Value) -> (u16, Value) {
    let res = api(&app.address)
        .post(app.url("/api/v1/sources"))
        .bearer_auth(token)
        .json(&source)
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Adds a source as an editor (it must be created) and returns its id.
async fn created_source(app: &TestApp, token: &str, source: Value) -> i64 {
    let (status, body) = add_source(app, token, source).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().expect("id")
}

/// The source once its first poll is recorded, waiting at most 30 s.
async fn first_poll(app: &TestApp, token: &str, id: i64) -> Value {
    let start = std::time::Instant::now();
    loop {
        let source = api_get_ok(app, &format!("/api/v1/sources/{id}"), token).await;
        if !source["last_polled_at"].is_null() {
            return source;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{source}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_feed_imports_new_entries_once_reports_bad_ones_and_a_304_imports_nothing() {
    let site = site();
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let reviewer = app.token("rev", Role::Reviewer).await;
    let client = api(&app.address);

    // Reviewers cannot add sources.
    let feed = format!("{}/feed.xml", site.base);
    let (status, _) = add_source(&app, &reviewer, json!({"url": feed, "name": "Wire"})).await;
    assert_eq!(status, 403);

    let id = created_source(
        &app,
        &editor,
        json!({"url": feed, "name": "Wire", "interval_minutes": 60}),
    )
    .await;
    settle(&app, &editor, Duration::from_secs(60)).await;

    let polled = api_get_ok(&app, &format!("/api/v1/sources/{id}"), &editor).await;
    assert_eq!(polled["articles"], 2, "{polled}");
    assert!(polled["claims"].as_i64().unwrap_or(0) >= 2, "{polled}");
    // Two entries without a usable link, and one that robots.txt keeps out.
    assert_eq!(polled["errors"], 3, "{polled}");
    assert!(
        polled["last_status"]
            .as_str()
            .is_some_and(|s| s.contains("6 entries") && s.contains("2 unusable")),
        "{polled}"
    );
    assert!(!polled["last_polled_at"].is_null());
    let articles = api_get_ok(&app, "/api/v1/articles", &editor).await;
    assert_eq!(articles["articles"].as_array().map(Vec::len), Some(2));
    assert_eq!(site.hits("/a/1"), 1, "the repeated entry is fetched once");
    assert_eq!(site.hits("/a/2"), 1);
    assert_eq!(site.hits("/private/3"), 0, "robots.txt is obeyed");
    let failed = api_get_ok(&app, "/api/v1/jobs?state=failed", &editor).await;
    assert!(
        failed["jobs"][0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("robots.txt")),
        "{failed}"
    );

    // Polled again: the feed answers 304 to its ETag, and nothing more is fetched.
    let res = client
        .post(app.url(&format!("/api/v1/sources/{id}/poll")))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("poll");
    assert_eq!(res.status(), 202);
    let start = std::time::Instant::now();
    loop {
        let again = api_get_ok(&app, &format!("/api/v1/sources/{id}"), &editor).await;
        if again["last_status"] == "not modified" {
            assert_eq!(again["articles"], 2);
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{again}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(site.hits("/feed.xml"), 2);
    assert_eq!(site.article_hits(), 2, "a 304 imports nothing");

    // The sources page shows it all to an editor, with a poll button.
    let browser = app.browser("eda", Role::Editor).await;
    let (status, page) = browser.get("/sources").await;
    assert_eq!(status, 200);
    assert!(page.contains("Wire") && page.contains("not modified") && page.contains("Poll now"));
}

#[tokio::test]
async fn a_sitemap_index_is_read_one_level_deep_and_each_article_imported_once() {
    let site = site();
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let index = format!("{}/sitemap-index.xml", site.base);
    let id = created_source(&app, &editor, json!({"url": index, "name": "Archive"})).await;
    settle(&app, &editor, Duration::from_secs(60)).await;

    let polled = api_get_ok(&app, &format!("/api/v1/sources/{id}"), &editor).await;
    assert_eq!(polled["articles"], 3, "{polled}");
    assert_eq!(
        polled["last_status"],
        "sitemap index (2 of its 5 sitemaps read): 4 entries, 3 new, 1 already seen, 3 unusable"
    );
    // The entry without an address, the nested index, the sitemap that is not there.
    assert_eq!(polled["errors"], 3, "{polled}");
    let errors = polled["last_error"].as_str().unwrap_or_default();
    assert!(errors.contains("no <loc>"), "{errors}");
    assert!(
        errors.contains("/sitemaps/deeper.xml is a sitemap index itself"),
        "{errors}"
    );
    assert!(errors.contains("/sitemaps/gone.xml"), "{errors}");
    for n in [31, 32, 33] {
        assert_eq!(site.hits(&format!("/a/{n}")), 1, "article {n} fetched once");
    }
    for sitemap in ["2026-10", "2026-11", "deeper", "gone"] {
        assert_eq!(
            site.hits(&format!("/sitemaps/{sitemap}.xml")),
            1,
            "{sitemap}"
        );
    }
    assert_eq!(site.hits("/sitemap-index.xml"), 1);
}

#[tokio::test]
async fn a_feed_that_robots_txt_disallows_is_never_fetched() {
    let site = site();
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let feed = format!("{}/blocked-feed.xml", site.base);
    let id = created_source(&app, &editor, json!({"url": feed, "name": "Blocked"})).await;
    let source = first_poll(&app, &editor, id).await;
    assert_eq!(source["last_status"], "failed");
    assert!(
        source["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("robots.txt")),
        "{source}"
    );
    assert_eq!(site.hits("/robots.txt"), 1);
    assert_eq!(site.hits("/blocked-feed.xml"), 0);
}

#[tokio::test]
async fn a_url_import_is_a_job_and_can_be_waited_for() {
    let site = site();
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let client = api(&app.address);
    let res = client
        .post(app.url("/api/v1/articles?wait=30"))
        .bearer_auth(&editor)
        .json(&json!({"url": format!("{}/a/7", site.base)}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 201, "waited for: the article as before");
    let article: Value = res.json().await.expect("json");
    assert_eq!(article["title"], "Report 7");
    assert_eq!(article["url"], format!("{}/a/7", site.base));
    // The claims are the fetched page's own sentences, stored under this article.
    let body = article["body"].as_str().expect("body");
    let claims = article["claims"].as_array().expect("claims");
    assert!(!claims.is_empty(), "{article}");
    for claim in claims {
        assert_eq!(claim["article_id"], article["id"], "{claim}");
        assert!(
            body.contains(claim["text"].as_str().expect("text")),
            "{claim}"
        );
    }

    let res = client
        .post(app.url("/api/v1/articles"))
        .bearer_auth(&editor)
        .json(&json!({"url": format!("{}/a/8", site.base)}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 202, "not waited for: the job");
    let job: Value = res.json().await.expect("json");
    let path = format!("/api/v1/jobs/{}", job["job"]["id"]);
    let start = std::time::Instant::now();
    loop {
        let job = api_get_ok(&app, &path, &editor).await;
        if job["state"] == "done" {
            let imported = api_get_ok(
                &app,
                &format!("/api/v1/articles/{}", job["article_id"]),
                &editor,
            )
            .await;
            assert_eq!(imported["url"], format!("{}/a/8", site.base), "{job}");
            assert_eq!(imported["title"], "Report 8", "{job}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{job}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_url_typed_with_surrounding_spaces_is_imported() {
    let site = site();
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let res = api(&app.address)
        .post(app.url("/api/v1/articles"))
        .bearer_auth(&editor)
        .json(&json!({"url": format!("  {}/a/9 \n", site.base)}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 202);
    let job: Value = res.json().await.expect("json");
    assert_eq!(job["job"]["payload"]["url"], format!("{}/a/9", site.base));
}

#[tokio::test]
async fn a_robots_txt_answered_with_a_4xx_means_no_rules() {
    let site = start_site(true);
    let app = TestApp::spawn().await;
    let editor = app.token("ed", Role::Editor).await;
    let feed = format!("{}/feed.xml", site.base);
    let id = created_source(&app, &editor, json!({"url": feed, "name": "Wire"})).await;
    let source = first_poll(&app, &editor, id).await;
    assert_ne!(source["last_status"], "failed", "{source}");
    // No rules: the /private entry is taken, so only the two unusable links are errors.
    assert_eq!(source["errors"], 2, "{source}");
    assert_eq!(site.hits("/robots.txt"), 1);
    assert_eq!(site.hits("/feed.xml"), 1);
}
