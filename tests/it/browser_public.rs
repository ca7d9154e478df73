//! A reader in a real headless Chromium, never signed in: opens a published verdict by its
//! short address, lands on the slug form, reads the rating and finds the ClaimReview JSON-LD;
//! the index and the embeddable card pass axe-core too. The page is photographed into
//! `target/test-output/public-check.png`.

use claimdesk::domain::Role;
use fantoccini::Locator;
use serde_json::json;

use crate::browser::{assert_accessible, axe_source, browser, start_driver, text_of};
use crate::helpers::{TestApp, transition as step};
use crate::public::add_evidence;

#[tokio::test]
async fn a_reader_opens_a_public_verdict_without_signing_in_and_finds_its_json_ld() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let Some(axe) = axe_source() else {
        return;
    };
    let app = TestApp::spawn().await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    let editor = app.token("eddie", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let id = article["claims"][0]["id"].as_i64().expect("claim");
    let v = step(
        &app,
        &reviewer,
        id,
        json!({"to": "in_review", "version": 0}),
    )
    .await;
    add_evidence(
        &app,
        &reviewer,
        id,
        "https://register.example/entry/7",
        "refutes",
    )
    .await;
    let v = step(
        &app,
        &reviewer,
        id,
        json!({"to": "disputed", "version": v, "rationale": "The register shows no such delivery.", "rating": 1}),
    )
    .await;
    step(&app, &editor, id, json!({"to": "approved", "version": v})).await;

    let c = browser(&driver).await;
    let base = app.address.clone();
    c.goto(&format!("{base}/checks/{id}"))
        .await
        .expect("public page");
    let url = c.current_url().await.expect("url");
    assert!(
        url.path().starts_with(&format!("/checks/{id}-")),
        "redirected to the slug form: {url}"
    );
    assert_eq!(text_of(&c, ".rating-name .label").await, "False");
    assert!(text_of(&c, ".rationale").await.contains("no such delivery"));
    assert_eq!(text_of(&c, ".scale .current").await, "False");
    let review = c
        .execute(
            "return JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)[0];",
            vec![],
        )
        .await
        .expect("the JSON-LD parses in the page");
    assert_eq!(review["@type"], "ClaimReview");
    assert_eq!(review["reviewRating"]["alternateName"], "False");
    assert!(
        review["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(url.path()))
    );
    // No sign-in form, no desk: the reader was never asked to sign in.
    assert!(c.find(Locator::Css("input[name=password]")).await.is_err());
    let cookies = c.get_all_cookies().await.expect("cookies");
    assert!(cookies.is_empty(), "{cookies:?}");
    assert_accessible(&c, &axe, "a public verdict").await;
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output");
    std::fs::create_dir_all(&out).expect("output directory");
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(out.join("public-check.png"), &png).expect("save screenshot");

    c.goto(&format!("{base}/checks")).await.expect("index");
    assert!(text_of(&c, ".checks").await.contains("False"));
    assert_accessible(&c, &axe, "the public index").await;
    c.goto(&format!("{base}/checks/{id}/embed"))
        .await
        .expect("card");
    assert_accessible(&c, &axe, "the embeddable card").await;
    c.close().await.expect("close");
}
