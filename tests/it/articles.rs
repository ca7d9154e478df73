//! Article pages: importing by paste and by file upload, the highlighted article, duplicates.

use claimdesk::domain::Role;

use crate::helpers::{TestApp, hidden_value, seed_article};

#[tokio::test]
async fn an_uploaded_html_file_is_imported_and_its_claims_highlighted() {
    let app = TestApp::spawn().await;
    let browser = app.browser("rita", Role::Reviewer).await;
    let upload = async |form: reqwest::multipart::Form| {
        browser
            .client
            .post(app.url("/articles"))
            .multipart(form)
            .send()
            .await
            .expect("upload")
    };
    let (_, page) = browser.get("/articles").await;
    let csrf = hidden_value(&page, "csrf_token").expect("csrf");
    let html = "<html><body><nav>Menu</nav><article><p>The ministry said it received 12 coastal batteries from Eastland in March 2024.</p>\
                <p>Eastland's bank has lent the country $2.4 billion since 2019, the finance minister said.</p></article></body></html>";
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf.clone())
        .text("title", "Uploaded report")
        .part(
            "file",
            reqwest::multipart::Part::bytes(html.as_bytes().to_vec())
                .file_name("report.html")
                .mime_str("text/html")
                .expect("mime"),
        );
    let res = upload(form).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let (status, page) = browser.get(&location).await;
    assert_eq!(status, 200);
    assert!(page.contains("Uploaded report"));
    assert!(!page.contains("Menu"), "navigation is dropped");
    assert!(
        page.contains("class=\"claim-mark state-extracted\""),
        "claims are highlighted in place"
    );

    // Without the token an upload changes nothing.
    let form = reqwest::multipart::Form::new()
        .text("title", "Forged")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"A text of 12 words about 2024.".to_vec())
                .file_name("x.txt"),
        );
    let res = upload(form).await;
    assert_eq!(res.status(), 403);

    // A file that is not UTF-8 is refused with a reason, and the form keeps what was typed.
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf)
        .text("title", "Binary")
        .part(
            "file",
            reqwest::multipart::Part::bytes(vec![0xff, 0xfe, 0x00, 0x41]).file_name("x.txt"),
        );
    let res = upload(form).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.expect("page");
    assert!(
        page.contains("UTF-8") && page.contains("value=\"Binary\""),
        "clear error, input kept"
    );

    // Many fields, each under its own cap, still make a body too large to read.
    let mut form = reqwest::multipart::Form::new().text(
        "csrf_token",
        hidden_value(&page, "csrf_token").expect("csrf"),
    );
    for i in 0..3 {
        form = form.text(format!("extra{i}"), "x".repeat(3 * 1024 * 1024));
    }
    let res = upload(form).await;
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn pasting_the_same_text_twice_names_the_first_import_and_duplicates_link_across_articles() {
    let app = TestApp::spawn().await;
    let browser = app.browser("rita", Role::Reviewer).await;
    let text = seed_article();
    let (status, _) = browser
        .submit("/articles", &[("title", "Seed"), ("body", &text)])
        .await;
    assert_eq!(status, 303);
    let (status, page) = browser
        .submit("/articles", &[("title", "Seed again"), ("body", &text)])
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("already imported"));

    // A second article repeating one claim almost word for word links to the first one's claim.
    let echo = "Moscow has also provided Venezuela with billions of dollars in loans, much of which it is unlikely to ever recover, officials said in 2024.";
    let token = app.token("ed", Role::Editor).await;
    let res = crate::helpers::api(&app.address)
        .post(app.url("/api/v1/articles"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"title": "Echo", "body": echo}))
        .send()
        .await
        .expect("import");
    assert_eq!(res.status(), 201);
    let article: serde_json::Value = res.json().await.expect("json");
    // Links across articles are the article job's work, just after the import.
    let id = article["claims"][0]["id"].as_i64().expect("claim id");
    crate::claim_matches::matching_settles(&app).await;
    let claim = crate::helpers::api_get_ok(&app, &format!("/api/v1/claims/{id}"), &token).await;
    assert!(
        claim["duplicate_of"].as_i64().is_some(),
        "linked across articles: {claim}"
    );
    let (_, page) = browser.get(&format!("/claims/{id}")).await;
    assert!(page.contains("Duplicate of"));
}

#[tokio::test]
async fn a_reworded_claim_in_another_article_links_to_the_earlier_one_and_another_figure_does_not()
{
    let embedder = claimdesk::embed::shared_async().await;
    assert!(embedder.is_ready(), "the tests run with the model");
    let app = TestApp::spawn().await;
    let token = app.token("ed", Role::Editor).await;
    let import = |title: &'static str, body: &'static str| {
        let app = &app;
        let token = &token;
        async move {
            let (status, article) = crate::helpers::api_post(
                app,
                "/api/v1/articles",
                token,
                serde_json::json!({"title": title, "body": body}),
            )
            .await;
            assert_eq!(status, 201, "{article}");
            article["claims"].as_array().expect("claims").clone()
        }
    };
    let first = import(
        "Loans",
        "Russia lent Venezuela $17 billion between 2006 and 2017, the finance ministry said on Monday.",
    )
    .await;
    assert_eq!(first.len(), 1, "{first:?}");
    crate::claim_matches::matching_settles(&app).await;
    // Few words in common (trigram similarity 0.47, under the lexical threshold), same claim.
    let second = import(
        "Debts",
        "Venezuela received 17 billion dollars in loans from Russia from 2006 to 2017, according to the finance ministry.",
    )
    .await;
    // Nearly the same words with another figure (cosine 0.96), and another subject.
    let third = import(
        "Oil",
        "Russia lent Venezuela $12 billion between 2006 and 2017, the finance ministry said on Monday. \
         Venezuela's oil output fell to 700,000 barrels a day in 2020, OPEC figures showed on Tuesday.",
    )
    .await;
    assert_eq!(third.len(), 2, "{third:?}");
    crate::claim_matches::matching_settles(&app).await;
    let linked = |claim: &serde_json::Value| {
        let app = &app;
        let token = &token;
        let id = claim["id"].as_i64().expect("id");
        async move {
            crate::helpers::api_get_ok(app, &format!("/api/v1/claims/{id}"), token).await
                ["duplicate_of"]
                .as_i64()
        }
    };
    assert_eq!(linked(&second[0]).await, first[0]["id"].as_i64());
    assert_eq!(
        linked(&third[0]).await,
        None,
        "another figure, another claim"
    );
    assert_eq!(linked(&third[1]).await, None);
    assert_eq!(
        linked(&first[0]).await,
        None,
        "the earlier claim points nowhere"
    );
}

#[tokio::test]
async fn an_imported_seed_keeps_its_faq_block_out_of_the_claims() {
    // With the sentence encoder the blend rescores candidates; an FAQ sentence stays capped.
    let app = TestApp::spawn().await;
    let token = app.token("ed", Role::Editor).await;
    let article = app.import_seed(&token).await;
    let text = seed_article();
    let faq = text
        .find("Frequently Asked Questions")
        .expect("the seed has an FAQ block");
    let claims = article["claims"].as_array().expect("claims");
    assert!(claims.len() >= 10, "{}", claims.len());
    for c in claims {
        let claim = c["text"].as_str().expect("text");
        assert!(
            text[..faq].contains(claim),
            "FAQ text became a claim: {claim}"
        );
    }
}

#[tokio::test]
async fn a_refused_form_shows_its_reason_beside_that_form() {
    let app = TestApp::spawn().await;
    let token = app.token("ed", Role::Editor).await;
    let article = app.import_seed(&token).await;
    let id = article["claims"][0]["id"].as_i64().expect("id");
    let browser = app.browser("rita", Role::Reviewer).await;
    let (status, _) = browser
        .submit(
            &format!("/claims/{id}/transition"),
            &[("to", "in_review"), ("version", "0")],
        )
        .await;
    assert_eq!(status, 303);
    // A verdict without evidence: the reason appears inside the verdict form.
    let (status, page) = browser
        .submit(
            &format!("/claims/{id}/transition"),
            &[
                ("to", "disputed"),
                ("version", "1"),
                ("rationale", "r"),
                ("rating", "2"),
                ("label", "Misleading"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    let form = page
        .split("class=\"move move-verdict")
        .nth(1)
        .expect("the verdict form")
        .split("</form>")
        .next()
        .expect("form");
    assert!(
        form.contains("form-error") && form.contains("evidence"),
        "{form}"
    );
    // A bad evidence address: the reason appears in the evidence form.
    let (status, page) = browser
        .submit(
            &format!("/claims/{id}/evidence"),
            &[("url", "javascript:alert(1)"), ("stance", "supports")],
        )
        .await;
    assert_eq!(status, 422);
    let form = page
        .split("class=\"add-evidence\"")
        .nth(1)
        .expect("the evidence form")
        .split("</form>")
        .next()
        .expect("form");
    assert!(form.contains("http or https"), "{form}");
    // A stale version: the claim changed, so the message goes to the top.
    let (status, page) = browser
        .submit(
            &format!("/claims/{id}/transition"),
            &[("to", "extracted"), ("version", "0")],
        )
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("id=\"claim-error\"") && page.contains("changed by someone else"));
}

/// The import form shows the typed title again, escaped.
fn kept_title(page: &str) -> bool {
    let Some(at) = page.find("<input id=\"title\"") else {
        return false;
    };
    let input = &page[at..at + page[at..].find('>').unwrap_or(0)];
    input.contains("value=\"Rain &") && input.contains("report&") && !page.contains("<b>report")
}

#[tokio::test]
async fn a_refused_import_keeps_what_was_typed_with_the_reason_beside_its_field() {
    let app = TestApp::spawn().await;
    let browser = app.browser("rita", Role::Reviewer).await;
    let (_, page) = browser.get("/articles").await;
    let csrf = hidden_value(&page, "csrf_token").expect("csrf");
    let upload = async |form: reqwest::multipart::Form| {
        let res = browser
            .client
            .post(app.url("/articles"))
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    };
    let typed = |form: reqwest::multipart::Form| {
        form.text("csrf_token", csrf.clone())
            .text("title", "Rain <b>report</b>")
            .text("publisher", "Example Courier")
    };
    let body =
        "Árbol Agency reported that 300 mm of rain fell in May 2024, a record for the month.";

    // 422, a date that does not exist: beside the date, everything else kept (and escaped).
    let form = typed(reqwest::multipart::Form::new())
        .text("published", "2026-02-30")
        .text("body", body);
    let (status, page) = upload(form).await;
    assert_eq!(status, 422);
    assert!(page.contains("id=\"published-error\""), "{page}");
    assert!(page.contains("aria-describedby=\"published-error\""));
    assert!(page.contains("value=\"2026-02-30\""));
    assert!(kept_title(&page), "{page}");
    assert!(page.contains("value=\"Example Courier\""));
    assert!(page.contains(&format!(">{body}</textarea>")));

    // 422, an address that is not a web address: beside the address.
    let form = typed(reqwest::multipart::Form::new())
        .text("url", "ftp://example.org/x")
        .text("body", body);
    let (status, page) = upload(form).await;
    assert_eq!(status, 422);
    assert!(page.contains("id=\"url-error\""), "{page}");
    assert!(page.contains("value=\"ftp://example.org/x\""));

    // 400, a field that is not UTF-8: above the form, the fields read before it kept.
    let form = typed(reqwest::multipart::Form::new()).part(
        "published",
        reqwest::multipart::Part::bytes(vec![0xff, 0xfe]),
    );
    let (status, page) = upload(form).await;
    assert_eq!(status, 400);
    assert!(page.contains("id=\"import-error\""), "{page}");
    assert!(page.contains("not UTF-8"));
    assert!(page.contains("value=\"Example Courier\""));

    // 413, a file over the limit: beside the file, the typed fields kept.
    let form = typed(reqwest::multipart::Form::new())
        .text("body", "")
        .part(
            "file",
            reqwest::multipart::Part::bytes(vec![b'a'; 2 * 1024 * 1024 + 1]).file_name("big.txt"),
        );
    let (status, page) = upload(form).await;
    assert_eq!(status, 413);
    assert!(page.contains("id=\"file-error\""), "{page}");
    assert!(page.contains("value=\"Example Courier\""));
    assert!(kept_title(&page), "{page}");

    // Nothing was stored by any of these; a good one redirects with a confirmation.
    let (_, list) = browser.get("/articles").await;
    assert!(list.contains("Nothing imported yet."));
    let form = typed(reqwest::multipart::Form::new()).text("body", body);
    let res = browser
        .client
        .post(app.url("/articles"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 303);
    let location = crate::helpers::header(&res, "location");
    assert!(location.ends_with("?done=imported"), "{location}");
    let (_, page) = browser.get(&location).await;
    assert!(
        page.contains("class=\"notice\" role=\"status\">Article imported"),
        "{page}"
    );
}

#[tokio::test]
async fn a_claim_split_off_by_hand_is_linked_to_its_duplicate_in_another_article() {
    let embedder = claimdesk::embed::shared_async().await;
    assert!(embedder.is_ready(), "the tests run with the model");
    let app = TestApp::spawn().await;
    let token = app.token("ed", Role::Editor).await;
    let post = |body: &'static str| {
        let app = &app;
        let token = &token;
        async move {
            let body = serde_json::json!({"title": "Loans", "body": body});
            let (status, article) =
                crate::helpers::api_post(app, "/api/v1/articles", token, body).await;
            assert_eq!(status, 201, "{article}");
            article["claims"][0].clone()
        }
    };
    let first = post(
        "Russia lent Venezuela $17 billion between 2006 and 2017, the finance ministry said on Monday.",
    )
    .await;
    crate::claim_matches::matching_settles(&app).await;
    // Two statements in one sentence: as a whole it is not the first claim (cosine 0.62).
    let joined = post(
        "Oil output fell to 700,000 barrels a day in 2020, and Venezuela received 17 billion dollars in loans from Russia from 2006 to 2017, according to the finance ministry.",
    )
    .await;
    crate::claim_matches::matching_settles(&app).await;
    let id = joined["id"].as_i64().expect("id");
    let path = format!("/api/v1/claims/{id}");
    assert_eq!(
        crate::helpers::api_get_ok(&app, &path, &token).await["duplicate_of"],
        serde_json::Value::Null
    );
    let text = joined["text"].as_str().expect("text");
    let at = joined["start"].as_i64().expect("start") as usize
        + text.find("and Venezuela").expect("the second statement");
    let (status, split) = crate::helpers::api_post(
        &app,
        &format!("{path}/split"),
        &token,
        serde_json::json!({"at": at, "version": joined["version"]}),
    )
    .await;
    assert_eq!(status, 201, "{split}");
    // The part split off says the first claim again (cosine 0.78): its job links it.
    let added = split["claims"][1]["id"].as_i64().expect("new claim");
    crate::claim_matches::matching_settles(&app).await;
    let claim = crate::helpers::api_get_ok(&app, &format!("/api/v1/claims/{added}"), &token).await;
    assert_eq!(claim["duplicate_of"], first["id"], "{claim}");
}
