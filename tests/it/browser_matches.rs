//! In a real headless Chromium: a reviewer opens a claim that a known fact-check already
//! covers, sees it in the "Checked before?" panel, and attaches it as evidence in one click.

use claimdesk::domain::Role;
use fantoccini::Locator;

use crate::browser::{assert_accessible, axe_source, browser, sign_in, start_driver, text_of};
use crate::claim_matches::{import_article, import_fact_checks, matching_settles};
use crate::helpers::TestApp;

#[tokio::test]
async fn a_reviewer_attaches_an_earlier_fact_check_as_evidence_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let Some(axe) = axe_source() else {
        return;
    };
    let app = TestApp::spawn().await;
    let editor = app.token("eddie", Role::Editor).await;
    app.user("rita", Role::Reviewer).await;
    import_fact_checks(&app, &editor).await;
    let (covid, _) = import_article(&app, &editor).await;
    matching_settles(&app).await;

    let c = browser(&driver).await;
    let base = app.address.clone();
    sign_in(&c, &base, "rita").await;
    c.goto(&format!("{base}/claims/{covid}"))
        .await
        .expect("claim page");
    let first = text_of(&c, "#matches li.match").await;
    assert!(
        first.contains("Example Checks") && first.contains("False"),
        "{first}"
    );
    assert_accessible(&c, &axe, "the claim page with its matches").await;

    c.find(Locator::Css("#matches li.match form.attach-match button"))
        .await
        .expect("the attach button")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("#evidence ol li a"))
        .await
        .expect("the evidence list");
    let cited = c
        .find(Locator::Css("#evidence ol li a"))
        .await
        .expect("evidence link")
        .attr("href")
        .await
        .expect("href");
    assert_eq!(cited.as_deref(), Some("https://checks.example/warm-drinks"));
    let evidence = text_of(&c, "#evidence ol li").await;
    assert!(evidence.contains("Example Checks: False"), "{evidence}");
    assert!(evidence.contains("added by rita"), "{evidence}");
    c.close().await.expect("close");
}
