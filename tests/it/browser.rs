//! End to end in a real headless Chromium: take a claim, add evidence, dispute it, approve it as
//! a second person, and see the state on the article page. Needs chromium and chromedriver
//! (Debian's packages); without them the test is skipped, unless CLAIMDESK_REQUIRE_BROWSER=1.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use claimdesk::domain::Role;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{PASSWORD, TestApp};

pub(crate) struct Driver {
    process: Child,
    port: u16,
    profile: std::path::PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn find(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

pub(crate) async fn start_driver() -> Option<Driver> {
    let (Some(driver), Some(_)) = (find("chromedriver"), find("chromium")) else {
        assert!(
            std::env::var("CLAIMDESK_REQUIRE_BROWSER").is_err(),
            "chromium and chromedriver are required here (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipping the browser test: install chromium and chromium-driver to run it");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    #[allow(clippy::zombie_processes)] // Drop kills and waits for it
    let process = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = std::env::temp_dir().join(format!("claimdesk-chromium-{port}"));
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(Driver {
                process,
                port,
                profile,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

pub(crate) async fn browser(driver: &Driver) -> Client {
    // Both rustls back ends are linked into the tests; pick one for the WebDriver connection.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": find("chromium").expect("chromium"),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,1600", format!("--user-data-dir={}", driver.profile.display())]
        }),
    );
    ClientBuilder::rustls()
        .expect("tls")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

pub(crate) async fn sign_in(c: &Client, base: &str, username: &str) {
    c.goto(&format!("{base}/login")).await.expect("login page");
    c.find(Locator::Id("username"))
        .await
        .expect("username")
        .send_keys(username)
        .await
        .expect("type");
    c.find(Locator::Id("password"))
        .await
        .expect("password")
        .send_keys(PASSWORD)
        .await
        .expect("type");
    c.find(Locator::Css("section.login button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("submit");
    c.wait()
        .for_element(Locator::Css("header.site .logout"))
        .await
        .expect("signed in");
}

async fn sign_out(c: &Client) {
    c.find(Locator::Css("header.site .logout button"))
        .await
        .expect("sign out")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Id("password"))
        .await
        .expect("back at the login page");
}

async fn state_on_page(c: &Client) -> String {
    c.find(Locator::Id("claim-state"))
        .await
        .expect("state")
        .attr("data-state")
        .await
        .expect("attr")
        .unwrap_or_default()
}

#[tokio::test]
async fn a_reviewer_disputes_a_claim_and_an_editor_approves_it_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let token = app.token("importer", Role::Editor).await;
    let article = app.import_seed(&token).await;
    let article_id = article["id"].as_i64().expect("id");
    app.user("rita", Role::Reviewer).await;
    app.user("eddie", Role::Editor).await;
    let c = browser(&driver).await;
    let base = app.address.clone();

    sign_in(&c, &base, "rita").await;
    c.goto(&format!("{base}/")).await.expect("queue");
    let link = c
        .find(Locator::XPath(
            "//table[@class='claims']//a[contains(., 'S-300VM')]",
        ))
        .await
        .expect("the S-300VM claim in the queue");
    link.click().await.expect("open claim");
    c.wait()
        .for_element(Locator::Id("claim-state"))
        .await
        .expect("claim page");
    assert_eq!(state_on_page(&c).await, "extracted");
    let claim_url = c.current_url().await.expect("url");

    c.find(Locator::Css("form.move-in_review button"))
        .await
        .expect("take")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("#claim-state[data-state='in_review']"))
        .await
        .expect("taken");

    c.find(Locator::Id("ev-url"))
        .await
        .expect("url field")
        .send_keys("https://example.org/arms-register")
        .await
        .expect("type");
    c.find(Locator::Id("ev-title"))
        .await
        .expect("title field")
        .send_keys("Arms transfers register")
        .await
        .expect("type");
    c.find(Locator::Id("ev-excerpt"))
        .await
        .expect("excerpt")
        .send_keys("Delivery recorded in a different year.")
        .await
        .expect("type");
    c.find(Locator::Css("#ev-stance option[value='refutes']"))
        .await
        .expect("refutes")
        .click()
        .await
        .expect("select");
    c.find(Locator::Css("form.add-evidence button"))
        .await
        .expect("add")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css(".evidence li.stance-refutes"))
        .await
        .expect("evidence listed");

    // One verdict form: the rating decides the state; the label follows the rating's name
    // until the reviewer writes her own.
    c.find(Locator::Id("verdict-rationale"))
        .await
        .expect("rationale")
        .send_keys("The register records the delivery in another year.")
        .await
        .expect("type");
    c.find(Locator::Id("rating-2"))
        .await
        .expect("rating 2")
        .click()
        .await
        .expect("choose");
    let label = c.find(Locator::Id("verdict-label")).await.expect("label");
    assert_eq!(
        label.prop("value").await.expect("value").as_deref(),
        Some("Mostly false"),
        "the label starts as the rating's name"
    );
    label.clear().await.expect("clear");
    label.send_keys("Misleading").await.expect("type");
    c.find(Locator::Css("form.move-verdict button[type=submit]"))
        .await
        .expect("give verdict")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("#claim-state[data-state='disputed']"))
        .await
        .expect("disputed");
    let approve_buttons = c
        .find_all(Locator::Css("form.move-approved"))
        .await
        .expect("query");
    assert!(
        approve_buttons.is_empty(),
        "the reviewer is not offered approval of her own verdict"
    );
    sign_out(&c).await;

    sign_in(&c, &base, "eddie").await;
    c.goto(claim_url.as_str()).await.expect("claim page");
    c.find(Locator::Css("form.move-approved button"))
        .await
        .expect("approve")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("#claim-state[data-state='approved']"))
        .await
        .expect("approved");
    let history = c
        .find(Locator::Css("ol.timeline"))
        .await
        .expect("history")
        .text()
        .await
        .expect("text");
    assert!(
        history.contains("rita") && history.contains("eddie"),
        "{history}"
    );

    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output");
    std::fs::create_dir_all(&out).expect("output folder");
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(out.join("claim-page.png"), &png).expect("save screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");

    // At 400 px nothing scrolls sideways, and "?" opens the list of shortcuts.
    c.set_window_size(400, 1200).await.expect("narrow window");
    c.goto(claim_url.as_str()).await.expect("claim page");
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .expect("measure");
    assert_eq!(
        fits,
        serde_json::Value::Bool(true),
        "no sideways scrolling at 400 px"
    );
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(out.join("claim-page-400.png"), &png).expect("save screenshot");
    c.find(Locator::Css("body"))
        .await
        .expect("body")
        .send_keys("?")
        .await
        .expect("press ?");
    let open = c
        .execute("return document.getElementById('shortcuts').open;", vec![])
        .await
        .expect("shortcuts");
    assert_eq!(open, serde_json::Value::Bool(true), "? shows the shortcuts");
    c.set_window_size(1280, 1600).await.expect("wide window");

    c.goto(&format!("{base}/articles/{article_id}"))
        .await
        .expect("article page");
    let mark = c
        .find(Locator::XPath(
            "//a[contains(@class,'claim-mark') and contains(., 'S-300VM')]",
        ))
        .await
        .expect("highlighted claim");
    let class = mark.attr("class").await.expect("class").unwrap_or_default();
    assert!(class.contains("state-approved"), "{class}");
    c.close().await.expect("close");
}
