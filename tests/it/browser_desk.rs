//! The desk in a real headless Chromium: an editor selects three claims in the queue, assigns
//! them to a reviewer in one bulk action, and the reviewer sees the inbox count in the
//! navigation and finds them under "assigned to me".

use claimdesk::domain::Role;
use fantoccini::{Client, Locator};

use crate::browser::{browser, sign_in, start_driver};
use crate::helpers::TestApp;

async fn ticked_ids(c: &Client) -> Vec<String> {
    let mut ids = Vec::new();
    for row in c
        .find_all(Locator::Css("table.claims input[name='claim']"))
        .await
        .expect("rows")
        .into_iter()
        .take(3)
    {
        row.click().await.expect("tick");
        let value = row.attr("value").await.expect("value").unwrap_or_default();
        ids.push(value.split(':').next().unwrap_or_default().to_owned());
    }
    ids
}

#[tokio::test]
async fn an_editor_assigns_three_claims_and_the_reviewer_sees_them_as_theirs_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let token = app.token("importer", Role::Editor).await;
    app.import_seed(&token).await;
    app.user("rita", Role::Reviewer).await;
    app.user("eddie", Role::Editor).await;
    let c = browser(&driver).await;
    let base = app.address.clone();

    sign_in(&c, &base, "eddie").await;
    c.goto(&format!("{base}/")).await.expect("queue");
    let ids = ticked_ids(&c).await;
    assert_eq!(ids.len(), 3);
    c.find(Locator::Css("#bulk-action option[value='assign']"))
        .await
        .expect("assign action")
        .click()
        .await
        .expect("choose");
    c.find(Locator::Id("bulk-assignee"))
        .await
        .expect("assignee")
        .send_keys("rita")
        .await
        .expect("type");
    c.find(Locator::Id("bulk-apply"))
        .await
        .expect("apply")
        .click()
        .await
        .expect("submit");
    let status = c
        .wait()
        .for_element(Locator::Css("p[role='status']"))
        .await
        .expect("the bulk report")
        .text()
        .await
        .expect("text");
    assert_eq!(status, "3 done, 0 refused.");
    assert_eq!(
        c.find_all(Locator::Css("tr.bulk-done"))
            .await
            .expect("lines")
            .len(),
        3
    );
    c.delete_all_cookies().await.expect("sign out");

    sign_in(&c, &base, "rita").await;
    c.goto(&format!("{base}/")).await.expect("queue");
    // One notification per claim assigned to her, counted in the navigation.
    let unread = c
        .find(Locator::Css("#nav-inbox #unread-count"))
        .await
        .expect("the inbox count in the navigation");
    assert_eq!(unread.text().await.expect("count"), "3");
    assert_eq!(
        unread.attr("aria-label").await.expect("label").as_deref(),
        Some("3 unread")
    );
    c.find(Locator::Id("f-mine"))
        .await
        .expect("assigned to me")
        .click()
        .await
        .expect("tick");
    c.find(Locator::Id("f-apply"))
        .await
        .expect("filter")
        .click()
        .await
        .expect("submit");
    // The box is ticked on the old page too: wait for the filtered page's address first.
    for _ in 0..200 {
        let url = c.current_url().await.expect("url");
        if url.query().is_some_and(|q| q.contains("mine=")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    c.wait()
        .for_element(Locator::Css("#f-mine:checked"))
        .await
        .expect("filtered page");
    let mut shown = Vec::new();
    for input in c
        .find_all(Locator::Css("table.claims input[name='claim']"))
        .await
        .expect("rows")
    {
        let value = input
            .attr("value")
            .await
            .expect("value")
            .unwrap_or_default();
        shown.push(value.split(':').next().unwrap_or_default().to_owned());
    }
    shown.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(shown, expected, "exactly the three assigned claims");
    // The inbox lists the three assignments, each linking to its claim.
    c.find(Locator::Id("nav-inbox"))
        .await
        .expect("inbox link")
        .click()
        .await
        .expect("open the inbox");
    c.wait()
        .for_url(&url::Url::parse(&format!("{base}/inbox")).expect("url"))
        .await
        .expect("the inbox");
    let html = c.source().await.expect("source");
    for id in &ids {
        assert!(
            html.contains(&format!("/claims/{id}")),
            "claim {id} in the inbox"
        );
    }
    c.close().await.expect("close");
}
