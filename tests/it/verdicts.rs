//! Verdicts on one scale and as versions: contradicting pairs refused by the API and the form,
//! refused forms shown again with everything typed, corrections in the page, API and exports,
//! and the queue filter that finds verdicts stored before the scale decided the state.

use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, api, api_export, api_get_ok, api_post, hidden_value};
use claimdesk::domain::Role;

/// A claim of the seed article taken by the reviewer, with one refuting piece of evidence.
/// Returns its id and version.
async fn taken_claim(app: &TestApp, reviewer: &str, editor: &str) -> (i64, i64) {
    let article = app.import_seed(editor).await;
    let id = article["claims"][0]["id"].as_i64().expect("a claim");
    let (status, claim) = call(
        app,
        reviewer,
        "transitions",
        id,
        json!({"to": "in_review", "version": 0}),
    )
    .await;
    assert_eq!(status, 200, "{claim}");
    let (status, body) = call(
        app,
        reviewer,
        "evidence",
        id,
        json!({"url": "https://register.example/entry/7", "stance": "refutes"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (id, claim["version"].as_i64().expect("version"))
}

/// POSTs to one of a claim's API actions (`transitions`, `evidence`, …).
async fn call(app: &TestApp, token: &str, what: &str, id: i64, body: Value) -> (u16, Value) {
    api_post(app, &format!("/api/v1/claims/{id}/{what}"), token, body).await
}

async fn get_claim(app: &TestApp, token: &str, id: i64) -> Value {
    api_get_ok(app, &format!("/api/v1/claims/{id}"), token).await
}

/// POSTs a claim page form and returns the status, the Location header and the body.
async fn post_page(browser: &Browser, id: i64, form: &[(&str, &str)]) -> (u16, String, String) {
    let token = browser.csrf().await;
    let mut fields = form.to_vec();
    fields.push(("csrf_token", &token));
    let res = browser
        .client
        .post(format!("{}/claims/{id}", browser.address))
        .form(&fields)
        .send()
        .await
        .expect("POST");
    let status = res.status().as_u16();
    let location = crate::helpers::header(&res, "location");
    (status, location, res.text().await.unwrap_or_default())
}

/// The HTML of the form with this class on a page.
fn form_with_class<'a>(page: &'a str, class: &str) -> &'a str {
    page.split(&format!("class=\"{class}"))
        .nth(1)
        .unwrap_or_else(|| panic!("a form of class {class}"))
        .split("</form>")
        .next()
        .unwrap_or_default()
}

#[tokio::test]
async fn contradictory_verdicts_are_refused_by_the_api_and_by_the_form() {
    let app = TestApp::spawn().await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    let editor = app.token("eddie", Role::Editor).await;
    let (id, version) = taken_claim(&app, &reviewer, &editor).await;

    for (to, rating, names) in [
        ("verified", json!(2), ["verified", "2 (mostly false)"]),
        ("disputed", json!(5), ["disputed", "5 (true)"]),
        ("unverifiable", json!(3), ["unverifiable", "3 (mixed)"]),
    ] {
        let (status, body) = call(
            &app,
            &reviewer,
            "transitions",
            id,
            json!({"to": to, "version": version, "rationale": "r", "rating": rating}),
        )
        .await;
        assert_eq!(status, 422, "{to} at {rating}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            names.iter().all(|n| message.contains(n)),
            "the refusal names both values: {message}"
        );
    }
    assert_eq!(get_claim(&app, &reviewer, id).await["state"], "in_review");

    // The form refuses the same pair, beside the verdict form, at the page's own address.
    let browser = Browser::new(&app.address);
    browser.login("rita", crate::helpers::PASSWORD).await;
    let version = version.to_string();
    let (status, _, page) = post_page(
        &browser,
        id,
        &[
            ("form", "move"),
            ("to", "verified"),
            ("version", &version),
            ("rating", "2"),
            ("rationale", "The register says otherwise."),
        ],
    )
    .await;
    assert_eq!(status, 422);
    let form = form_with_class(&page, "move move-verdict");
    assert!(
        form.contains("id=\"verdict-error\"")
            && form.contains("contradicts verified")
            && form.contains("2 (mostly false)"),
        "{form}"
    );

    // The one verdict form asks only for the rating; the state follows from it, and the
    // label defaults to the step's name.
    let (status, location, _) = post_page(
        &browser,
        id,
        &[
            ("form", "move"),
            ("to", "verdict"),
            ("version", &version),
            ("rating", "2"),
            ("label", ""),
            ("rationale", "The register says otherwise."),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, format!("/claims/{id}?done=disputed"));
    let claim = get_claim(&app, &reviewer, id).await;
    assert_eq!(claim["state"], "disputed");
    assert_eq!(claim["rating"], 2);
    assert_eq!(claim["label"], "Mostly false");
    let (_, page) = browser.get(&location).await;
    assert!(
        page.contains("class=\"notice\" role=\"status\">Done: the claim is now disputed."),
        "a one-line confirmation"
    );
    let jargon = (0..10).any(|n| page.contains(&format!("version {n}")));
    assert!(!jargon, "no internal version numbers shown");
}

#[tokio::test]
async fn a_refused_form_renders_again_with_every_typed_value_and_a_stale_one_shows_the_other_move()
{
    let app = TestApp::spawn().await;
    let editor = app.token("eddie", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let id = article["claims"][0]["id"].as_i64().expect("a claim");
    let browser = app.browser("rita", Role::Reviewer).await;
    let (status, location, _) = post_page(
        &browser,
        id,
        &[("form", "move"), ("to", "in_review"), ("version", "0")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, &*format!("/claims/{id}?done=in_review"))
    );

    // A verdict with no evidence yet: refused, and every typed value is back in the form.
    let rationale = "The register lists the delivery in 2019 <not 2021> & says so.";
    let (status, _, page) = post_page(
        &browser,
        id,
        &[
            ("form", "move"),
            ("to", "verdict"),
            ("version", "1"),
            ("rating", "4"),
            ("label", "Largely right"),
            ("rationale", rationale),
        ],
    )
    .await;
    assert_eq!(status, 422);
    let form = form_with_class(&page, "move move-verdict");
    assert!(
        form.contains("id=\"verdict-error\"") && form.contains("evidence"),
        "{form}"
    );
    assert!(
        form.contains("value=\"4\" data-name=\"Mostly true\" checked"),
        "{form}"
    );
    assert!(form.contains("value=\"Largely right\""), "{form}");
    assert!(
        form.contains("The register lists the delivery in 2019 &#60;not 2021&#62; &#38; says so.")
            || form.contains(
                "The register lists the delivery in 2019 &lt;not 2021&gt; &amp; says so."
            ),
        "{form}"
    );
    assert!(page.contains(&format!(
        "action=\"/claims/{id}\" class=\"move move-verdict"
    )));

    // A refused evidence form keeps its address, title, excerpt and stance.
    let (status, _, page) = post_page(
        &browser,
        id,
        &[
            ("form", "evidence"),
            ("url", "ftp://register.example/entry"),
            ("title", "Arms register"),
            ("excerpt", "Delivered in 2019."),
            ("stance", "refutes"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    let form = form_with_class(&page, "add-evidence");
    assert!(form.contains("http or https"), "{form}");
    for kept in [
        "value=\"ftp://register.example/entry\"",
        "value=\"Arms register\"",
        ">Delivered in 2019.</textarea>",
        "value=\"refutes\" selected",
    ] {
        assert!(form.contains(kept), "{kept} in {form}");
    }

    // Someone else moves the claim meanwhile: the stale form shows their move above the kept input.
    let (status, body) = call(
        &app,
        &editor,
        "transitions",
        id,
        json!({"to": "extracted", "version": 1}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, page) = post_page(
        &browser,
        id,
        &[
            ("form", "move"),
            ("to", "verdict"),
            ("version", "1"),
            ("rating", "2"),
            ("rationale", rationale),
        ],
    )
    .await;
    assert_eq!(status, 409);
    let top = page
        .split("id=\"claim-error\"")
        .nth(1)
        .expect("the refusal at the top");
    let stale = top.split("</p>").next().unwrap_or_default();
    assert!(
        stale.contains("Meanwhile eddie moved it from In review to Extracted"),
        "{stale}"
    );
    assert!(top.contains("changed by someone else"), "{top}");
    assert_eq!(hidden_value(&page, "version").as_deref(), Some("2"));
}

#[tokio::test]
async fn a_correction_shows_the_old_and_new_verdict_on_the_page_in_the_api_and_the_exports() {
    let app = TestApp::spawn().await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    let editor = app.token("eddie", Role::Editor).await;
    let (id, version) = taken_claim(&app, &reviewer, &editor).await;
    let mut version = version;
    let step = |token: String, body: Value| {
        let app = &app;
        async move {
            let (status, claim) = call(app, &token, "transitions", id, body).await;
            assert_eq!(status, 200, "{claim}");
            claim
        }
    };
    let claim = step(
        reviewer.clone(),
        json!({"to": "disputed", "version": version, "rationale": "Delivered in another year.", "rating": 1}),
    )
    .await;
    version = claim["version"].as_i64().expect("version");
    let claim = step(
        editor.clone(),
        json!({"to": "approved", "version": version}),
    )
    .await;
    version = claim["version"].as_i64().expect("version");
    let claim = step(
        editor.clone(),
        json!({"to": "in_review", "version": version, "note": "The register was amended."}),
    )
    .await;
    version = claim["version"].as_i64().expect("version");

    // The reopened claim's verdict form starts from the current verdict.
    let browser = app.browser("rosa", Role::Editor).await;
    let (_, page) = browser.get(&format!("/claims/{id}")).await;
    let form = form_with_class(&page, "move move-verdict");
    assert!(
        form.contains("value=\"1\" data-name=\"False\" checked"),
        "{form}"
    );
    assert!(
        form.contains(">Delivered in another year.</textarea>"),
        "{form}"
    );
    assert!(form.contains("value=\"False\""), "{form}");

    // A first try at the correction is sent back; the second one still corrects the
    // published verdict, for the reopening's reason.
    let claim = step(
        reviewer.clone(),
        json!({"to": "disputed", "version": version, "rationale": "Late, it seems.", "rating": 3}),
    )
    .await;
    version = claim["version"].as_i64().expect("version");
    let claim = step(
        editor.clone(),
        json!({"to": "in_review", "version": version, "note": "Say by how much."}),
    )
    .await;
    version = claim["version"].as_i64().expect("version");
    let claim = step(
        reviewer.clone(),
        json!({"to": "disputed", "version": version, "rationale": "Delivered, but a year late.", "rating": 2}),
    )
    .await;
    version = claim["version"].as_i64().expect("version");
    step(
        editor.clone(),
        json!({"to": "approved", "version": version}),
    )
    .await;

    let claim = get_claim(&app, &reviewer, id).await;
    let mut versions = claim["verdicts"]
        .as_array()
        .expect("verdict versions")
        .clone();
    assert_eq!(versions.len(), 3, "{claim}");
    let sent_back = versions.remove(1);
    assert_eq!(sent_back["rating"], 3);
    assert_eq!(sent_back["approved_at"], Value::Null);
    assert_eq!(sent_back["correction_reason"], "The register was amended.");
    for (v, (rating, label, rationale)) in versions.iter().zip([
        (1, "False", "Delivered in another year."),
        (2, "Mostly false", "Delivered, but a year late."),
    ]) {
        assert_eq!(v["rating"], rating);
        assert_eq!(v["label"], label);
        assert_eq!(v["rationale"], rationale);
        assert_eq!(v["author"], "rita");
        assert_eq!(v["approved_by"], "eddie");
        for key in ["created_at", "approved_at"] {
            assert!(v[key].is_string(), "{key} in {v}");
        }
    }
    assert_eq!(
        versions[1]["correction_reason"],
        "The register was amended."
    );
    assert_eq!(claim["rating"], 2, "the claim shows the current verdict");

    let today = chrono::Utc::now().date_naive();
    let note = format!(
        "Corrected on {today}: was False, now Mostly false, because The register was amended"
    );
    let (_, page) = browser.get(&format!("/claims/{id}")).await;
    let history = page.split("class=\"history\"").nth(1).expect("history");
    assert!(history.contains(&note), "{history}");
    assert!(
        history.contains("Delivered in another year.")
            && history.contains("Delivered, but a year late.")
    );

    let (status, _, _, body) = api_export(&app, &reviewer, "format=json").await;
    assert_eq!(status, 200);
    let report: Value = serde_json::from_str(&body).expect("json");
    let exported = report["claims"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .expect("the claim in the export");
    assert_eq!(exported["correction_note"], note.as_str());
    let exported_versions = exported["verdicts"].as_array().expect("verdicts");
    assert_eq!(exported_versions.len(), 3);
    assert_eq!(exported_versions[0]["label"], "False");
    assert_eq!(exported_versions[1]["approved_by"], Value::Null);
    assert_eq!(exported_versions[2]["label"], "Mostly false");
    assert_eq!(exported_versions[2]["approved_by"], "eddie");

    let (status, _, _, body) = api_export(&app, &reviewer, "format=claimreview").await;
    assert_eq!(status, 200);
    let reviews: Vec<Value> = serde_json::from_str(&body).expect("json");
    let review = reviews
        .iter()
        .find(|r| {
            r["url"]
                .as_str()
                .is_some_and(|u| u.contains(&format!("/checks/{id}-")))
        })
        .expect("the claim's review");
    assert_eq!(review["reviewRating"]["ratingValue"], 2);
    assert_eq!(review["correction"]["@type"], "CorrectionComment");
    assert_eq!(review["correction"]["text"], note.as_str());

    let (status, _, _, body) = api_export(&app, &reviewer, "format=html").await;
    assert_eq!(status, 200);
    assert!(body.contains(&note), "the HTML report shows the correction");
}

#[tokio::test]
async fn the_queue_finds_stored_verdicts_that_contradict_the_scale() {
    use claimdesk::db::schema::claims;
    use claimdesk::domain::{ReviewState, Verdict};
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;

    let app = TestApp::spawn().await;
    let editor = app.token("eddie", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let ids: Vec<i64> = article["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    // Verdicts as they could be stored before the scale decided the state.
    let mut conn = app.conn().await;
    for (id, verdict, rating) in [
        (ids[0], Verdict::Verified, Some(1)),
        (ids[1], Verdict::Disputed, Some(2)),
        (ids[2], Verdict::Unverifiable, Some(4)),
        (ids[3], Verdict::Verified, Some(5)),
    ] {
        diesel::update(claims::table.find(id))
            .set((
                claims::state.eq(ReviewState::from_verdict(verdict)),
                claims::verdict.eq(verdict),
                claims::rating.eq(rating),
            ))
            .execute(&mut conn)
            .await
            .expect("store a verdict");
    }
    drop(conn);
    let res = api(&app.address)
        .get(app.url("/api/v1/claims?contradicts=1&sort=oldest"))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 200);
    let list: Value = res.json().await.expect("json");
    let found: Vec<i64> = list["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(found, vec![ids[0], ids[2]]);
    let res = api(&app.address)
        .get(app.url("/api/v1/claims?contradicts=maybe"))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 400);

    let browser = app.browser("rosa", Role::Editor).await;
    let (status, page) = browser.get("/?contradicts=1").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("href=\"/claims/{}\"", ids[0])));
    assert!(page.contains(&format!("href=\"/claims/{}\"", ids[2])));
    assert!(!page.contains(&format!("href=\"/claims/{}\"", ids[3])));
    assert!(page.contains("name=\"contradicts\" value=\"1\" checked"));
}
