//! End to end in a real headless Chromium, a reviewer's day on the seed article: add the claim
//! the extractor missed by selecting it, correct its claimant, give a verdict that is refused
//! once (what was typed stays), have it approved by an editor, then correct it after approval.
//! axe-core checks every page visited and fails on serious or critical violations; the claim
//! page is photographed at 1400 and 400 px into `target/test-output/`. Needs chromium and
//! chromedriver (Debian's packages) and `npm ci` (axe-core); without them the test is skipped,
//! unless CLAIMDESK_REQUIRE_BROWSER=1.

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

/// Waits for the browser to reach an address containing `part` (a form sent by GET).
async fn wait_for_address(c: &Client, part: &str) {
    for _ in 0..100 {
        if c.current_url().await.expect("url").as_str().contains(part) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the browser never reached an address with {part}");
}

/// Signs out from any page of the app (the printable report has no navigation).
async fn sign_out_from(c: &Client, base: &str) {
    c.goto(&format!("{base}/")).await.expect("queue");
    sign_out(c).await;
}

/// axe-core as `npm ci` installs it from package-lock.json.
pub(crate) fn axe_source() -> Option<String> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(e) => {
            assert!(
                std::env::var("CLAIMDESK_REQUIRE_BROWSER").is_err(),
                "axe-core is required here: run `npm ci` ({}: {e})",
                path.display()
            );
            eprintln!("skipping the browser test: run `npm ci` to install axe-core");
            None
        }
    }
}

/// Runs axe-core on the page shown and fails on any serious or critical violation, listing
/// each with the elements it concerns.
pub(crate) async fn assert_accessible(c: &Client, axe: &str, what: &str) {
    c.execute(axe, vec![]).await.expect("load axe-core");
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']})
               .then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' +
                      v.nodes.slice(0, 5).map(n => n.target.join(' ')).join(', '))))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("run axe-core");
    let problems: Vec<String> = serde_json::from_value(found).expect("a list");
    assert!(
        problems.is_empty(),
        "accessibility of {what}:\n{}",
        problems.join("\n")
    );
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(c: &Client, id: &str, text: &str) {
    let field = c
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"));
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

async fn value_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

async fn wait_for(c: &Client, css: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
}

pub(crate) async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Selects `target` inside the article body, as a reader dragging over it would.
pub(crate) async fn select_in_article(c: &Client, target: &str) {
    let selected = c
        .execute(
            "const target = arguments[0];
             const walker = document.createTreeWalker(
                 document.getElementById('article-body'), NodeFilter.SHOW_TEXT);
             for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                 const at = node.data.indexOf(target);
                 if (at >= 0) {
                     const range = document.createRange();
                     range.setStart(node, at);
                     range.setEnd(node, at + target.length);
                     window.getSelection().removeAllRanges();
                     window.getSelection().addRange(range);
                     return true;
                 }
             }
             return false;",
            vec![serde_json::json!(target)],
        )
        .await
        .expect("select");
    assert_eq!(selected, serde_json::Value::Bool(true), "{target}");
}

/// The sentence of the seed article that the extractor leaves out.
const MISSED: &str = "By the next day, the invader announces it will rule indefinitely.";

#[tokio::test]
async fn a_reviewers_day_in_chromium_from_a_missed_claim_to_a_published_correction() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let Some(axe) = axe_source() else {
        return;
    };
    let app = TestApp::spawn().await;
    let token = app.token("importer", Role::Editor).await;
    let article = app.import_seed(&token).await;
    let article_id = article["id"].as_i64().expect("id");
    assert!(
        !article["claims"].to_string().contains(MISSED),
        "the extractor still misses the sentence this test adds"
    );
    app.user("rita", Role::Reviewer).await;
    app.user("eddie", Role::Editor).await;
    let c = browser(&driver).await;
    c.set_window_size(1400, 1600).await.expect("wide window");
    let base = app.address.clone();

    sign_in(&c, &base, "rita").await;
    assert_accessible(&c, &axe, "the queue").await;
    c.goto(&format!("{base}/articles")).await.expect("articles");
    assert_accessible(&c, &axe, "the article list").await;
    c.goto(&format!("{base}/export"))
        .await
        .expect("export page");
    assert_accessible(&c, &axe, "the export page").await;
    c.goto(&format!("{base}/claims/999999"))
        .await
        .expect("a missing claim");
    assert!(
        c.find(Locator::Css("header.site nav")).await.is_ok(),
        "the error page keeps the navigation"
    );
    assert_accessible(&c, &axe, "an error page").await;

    // Add the missed sentence by selecting it on the article page.
    c.goto(&format!("{base}/articles/{article_id}"))
        .await
        .expect("article page");
    assert_accessible(&c, &axe, "the article page").await;
    select_in_article(&c, MISSED).await;
    wait_for(&c, "#add-selection:not([hidden])").await;
    click(&c, "#add-selection").await;
    wait_for(&c, "#claim-origin").await;
    assert_eq!(text_of(&c, "#claim-origin").await, "added by hand");
    assert_eq!(text_of(&c, "h1.claim-text").await, MISSED);
    assert_eq!(
        text_of(&c, "p.notice").await,
        "Claim added: it is scored and categorised like the others."
    );
    let mut claim_url = c.current_url().await.expect("url");
    claim_url.set_query(None);
    assert_accessible(&c, &axe, "a new claim's page").await;

    // Take it, and correct its claimant.
    click(&c, "form.move-in_review button").await;
    wait_for(&c, "#claim-state[data-state='in_review']").await;
    type_into(&c, "edit-claimant", "Vladimir Putin").await;
    click(&c, "#edit-claimant-kind option[value='person']").await;
    click(&c, "form.edit-claim button[type=submit]").await;
    wait_for_address(&c, "done=edited").await;
    assert_eq!(text_of(&c, "p.notice").await, "Corrections saved.");
    assert_eq!(text_of(&c, "#claimant-kind").await, "person");
    assert!(text_of(&c, "dl.facts").await.contains("Vladimir Putin"));

    // A verdict without evidence is refused, and everything typed is still there.
    click(&c, "#rating-2").await;
    type_into(&c, "verdict-label", "Misleading").await;
    let rationale = "The raid described was never announced as permanent rule.";
    type_into(&c, "verdict-rationale", rationale).await;
    click(&c, "form.move-verdict button[type=submit]").await;
    wait_for(&c, "#verdict-error").await;
    assert!(
        text_of(&c, "#verdict-error").await.contains("evidence"),
        "the reason is beside the form"
    );
    assert_eq!(
        c.current_url().await.expect("url").path(),
        claim_url.path(),
        "the page's own address"
    );
    assert_eq!(value_of(&c, "verdict-rationale").await, rationale);
    assert_eq!(value_of(&c, "verdict-label").await, "Misleading");
    let checked = c
        .find(Locator::Id("rating-2"))
        .await
        .expect("rating 2")
        .prop("checked")
        .await
        .expect("checked");
    assert_eq!(checked.as_deref(), Some("true"), "the rating stays chosen");
    assert_accessible(&c, &axe, "a refused verdict").await;

    // Evidence, then the verdict again.
    type_into(&c, "ev-url", "https://example.org/statements/2022").await;
    type_into(&c, "ev-title", "Statements of February 2022").await;
    click(&c, "#ev-stance option[value='refutes']").await;
    click(&c, "form.add-evidence button").await;
    wait_for(&c, ".evidence li.stance-refutes").await;
    click(&c, "#rating-2").await;
    type_into(&c, "verdict-label", "Misleading").await;
    type_into(&c, "verdict-rationale", rationale).await;
    click(&c, "form.move-verdict button[type=submit]").await;
    wait_for(&c, "#claim-state[data-state='disputed']").await;
    assert!(
        c.find_all(Locator::Css("form.move-approved"))
            .await
            .expect("query")
            .is_empty(),
        "the reviewer is not offered approval of her own verdict"
    );
    sign_out(&c).await;

    // A second person approves it.
    sign_in(&c, &base, "eddie").await;
    c.goto(claim_url.as_str()).await.expect("claim page");
    click(&c, "form.move-approved button").await;
    wait_for(&c, "#claim-state[data-state='approved']").await;
    let history = text_of(&c, "ol.timeline").await;
    assert!(
        history.contains("rita") && history.contains("eddie"),
        "{history}"
    );
    assert_accessible(&c, &axe, "an approved claim").await;

    // A correction after approval: reopened by the editor, the form starts from the verdict.
    type_into(
        &c,
        "note-in_review",
        "The statement was made later than we said",
    )
    .await;
    click(&c, "form.move-in_review button").await;
    wait_for(&c, "#claim-state[data-state='in_review']").await;
    assert_eq!(
        value_of(&c, "verdict-rationale").await,
        rationale,
        "pre-filled"
    );
    sign_out(&c).await;
    sign_in(&c, &base, "rita").await;
    c.goto(claim_url.as_str()).await.expect("claim page");
    click(&c, "#rating-1").await;
    type_into(&c, "verdict-label", "False").await;
    type_into(&c, "verdict-rationale", "No such announcement was made.").await;
    click(&c, "form.move-verdict button[type=submit]").await;
    wait_for(&c, "#claim-state[data-state='disputed']").await;
    sign_out(&c).await;
    sign_in(&c, &base, "eddie").await;
    c.goto(claim_url.as_str()).await.expect("claim page");
    click(&c, "form.move-approved button").await;
    wait_for(&c, "#claim-state[data-state='approved']").await;
    let page = text_of(&c, "main").await;
    assert!(page.contains("was Misleading, now False"), "{page}");
    assert_accessible(&c, &axe, "a corrected claim").await;

    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output");
    std::fs::create_dir_all(&out).expect("output folder");
    let png = c.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(out.join("claim-page-1400.png"), &png).expect("save screenshot");

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
    assert_accessible(&c, &axe, "the claim page at 400 px").await;
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
    c.set_window_size(1400, 1600).await.expect("wide window");

    // The article page shows the claim approved, by text as well as colour.
    c.goto(&format!("{base}/articles/{article_id}"))
        .await
        .expect("article page");
    let mark = c
        .find(Locator::XPath(&format!(
            "//a[contains(@class,'claim-mark') and contains(., '{}')]",
            &MISSED[..20]
        )))
        .await
        .expect("highlighted claim");
    let class = mark.attr("class").await.expect("class").unwrap_or_default();
    assert!(class.contains("state-approved"), "{class}");
    assert_accessible(&c, &axe, "the article page after review").await;

    // The export page counts before download and opens the printable report in the browser.
    c.goto(&format!("{base}/export?title=Seed&find=1"))
        .await
        .expect("export page");
    click(&c, &format!("input[name=article][value='{article_id}']")).await;
    click(&c, "button[name=count]").await;
    wait_for_address(&c, "count=1").await;
    wait_for(&c, "#selected-count b").await;
    assert_eq!(
        text_of(&c, "#selected-count b").await,
        "1",
        "the one approved claim"
    );
    assert_accessible(&c, &axe, "the export page with a count").await;
    click(&c, "button[formaction='/export/report']").await;
    wait_for_address(&c, "/export/report").await;
    wait_for(&c, "footer.meta").await;
    assert!(text_of(&c, "main").await.contains(MISSED));
    assert_accessible(&c, &axe, "the printable report").await;
    sign_out_from(&c, &base).await;

    // The admin page.
    app.user("ada", Role::Admin).await;
    sign_in(&c, &base, "ada").await;
    c.goto(&format!("{base}/admin")).await.expect("admin page");
    assert_accessible(&c, &axe, "the admin page").await;
    c.close().await.expect("close");
}
