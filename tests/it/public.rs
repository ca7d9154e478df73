//! The public face: only approved verdicts are shown (every other state is 404 on every
//! public route), the page carries valid ClaimReview JSON-LD and the correction notice, the
//! feed updates a corrected entry, answers set no cookie and revalidate with 304, the
//! per-address limit answers 429, and only the embeddable card may be framed.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, api, api_post, serve, test_config, transition as step};
use claimdesk::domain::Role;

/// Adds evidence titled "The public register" to a claim.
pub(crate) async fn add_evidence(app: &TestApp, token: &str, id: i64, url: &str, stance: &str) {
    let path = format!("/api/v1/claims/{id}/evidence");
    let body = json!({"url": url, "stance": stance, "title": "The public register"});
    let (status, evidence) = api_post(app, &path, token, body).await;
    assert_eq!(status, 201, "{evidence}");
}

/// Takes a claim into review with refuting evidence and gives it the verdict "False".
async fn disputed(app: &TestApp, reviewer: &str, id: i64) -> i64 {
    let v = step(app, reviewer, id, json!({"to": "in_review", "version": 0})).await;
    add_evidence(
        app,
        reviewer,
        id,
        "https://register.example/entry/7",
        "refutes",
    )
    .await;
    step(
        app,
        reviewer,
        id,
        json!({"to": "disputed", "version": v, "rationale": "The register shows no such delivery.", "rating": 1}),
    )
    .await
}

/// A claim approved as "False"; returns its version.
async fn approved(app: &TestApp, reviewer: &str, editor: &str, id: i64) -> i64 {
    let v = disputed(app, reviewer, id).await;
    step(app, editor, id, json!({"to": "approved", "version": v})).await
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    api(&app.address)
        .get(app.url(path))
        .send()
        .await
        .expect("GET")
}

/// Follows the one redirect `/checks/{id}` gives, to the slug form; `None` for a 404.
async fn page_path(app: &TestApp, id: i64) -> Option<String> {
    let res = get(app, &format!("/checks/{id}")).await;
    match res.status().as_u16() {
        404 => None,
        301 => Some(
            res.headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .expect("location")
                .to_owned(),
        ),
        other => panic!("/checks/{id}: {other}"),
    }
}

/// Every public answer about claim `id`: each of its routes and whether the lists name it.
async fn public_view(app: &TestApp, id: i64, article: i64) -> Vec<(String, bool)> {
    let mut seen = Vec::new();
    for path in [
        format!("/checks/{id}"),
        format!("/checks/{id}-any-slug"),
        format!("/checks/{id}/embed"),
    ] {
        let status = get(app, &path).await.status().as_u16();
        assert!(
            status == 404 || status == 301 || status == 200,
            "{path}: {status}"
        );
        seen.push((path, status != 404));
    }
    let needle = format!("/checks/{id}-");
    for path in [
        "/checks".to_owned(),
        "/checks/feed.atom".to_owned(),
        "/sitemap.xml".to_owned(),
        format!("/checks/articles/{article}"),
    ] {
        let res = get(app, &path).await;
        let status = res.status().as_u16();
        let body = res.text().await.unwrap_or_default();
        seen.push((path, status == 200 && body.contains(&needle)));
    }
    seen
}

/// Sets a claim's rating behind the API's back, as old rows can have it.
async fn set_rating(app: &TestApp, id: i64, rating: Option<i16>) {
    use diesel_async::RunQueryDsl;
    let mut conn = app.conn().await;
    diesel::sql_query("UPDATE claims SET rating = $2 WHERE id = $1")
        .bind::<diesel::sql_types::BigInt, _>(id)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::SmallInt>, _>(rating)
        .execute(&mut conn)
        .await
        .expect("rating set");
}

#[tokio::test]
async fn every_state_but_approved_is_404_on_every_public_route() {
    let app = TestApp::spawn().await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    let editor = app.token("eddie", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let article_id = article["id"].as_i64().expect("article id");
    let ids: Vec<i64> = article["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert!(ids.len() >= 9, "the seed article has {} claims", ids.len());

    // Before anything is approved, the article has no public page either.
    assert_eq!(
        get(&app, &format!("/checks/articles/{article_id}"))
            .await
            .status(),
        404
    );

    let mut states: Vec<(&str, i64)> = vec![("extracted", ids[0])];
    step(
        &app,
        &reviewer,
        ids[1],
        json!({"to": "in_review", "version": 0}),
    )
    .await;
    states.push(("in_review", ids[1]));
    let v = step(
        &app,
        &reviewer,
        ids[2],
        json!({"to": "in_review", "version": 0}),
    )
    .await;
    add_evidence(
        &app,
        &reviewer,
        ids[2],
        "https://register.example/ok",
        "supports",
    )
    .await;
    step(
        &app,
        &reviewer,
        ids[2],
        json!({"to": "verified", "version": v, "rationale": "Delivered.", "rating": 5}),
    )
    .await;
    states.push(("verified", ids[2]));
    disputed(&app, &reviewer, ids[3]).await;
    states.push(("disputed", ids[3]));
    let v = step(
        &app,
        &reviewer,
        ids[4],
        json!({"to": "in_review", "version": 0}),
    )
    .await;
    add_evidence(
        &app,
        &reviewer,
        ids[4],
        "https://register.example/x",
        "context",
    )
    .await;
    step(
        &app,
        &reviewer,
        ids[4],
        json!({"to": "unverifiable", "version": v, "rationale": "No record either way."}),
    )
    .await;
    states.push(("unverifiable", ids[4]));
    let published = ids[5];
    approved(&app, &reviewer, &editor, published).await;
    let v = approved(&app, &reviewer, &editor, ids[6]).await;
    step(
        &app,
        &editor,
        ids[6],
        json!({"to": "in_review", "version": v, "note": "New figures came in."}),
    )
    .await;
    states.push(("reopened", ids[6]));
    step(
        &app,
        &editor,
        ids[7],
        json!({"to": "dismissed", "version": 0, "note": "Not a claim."}),
    )
    .await;
    states.push(("dismissed", ids[7]));
    let res = api(&app.address)
        .post(app.url(&format!("/api/v1/claims/{}/merge", ids[8])))
        .bearer_auth(&editor)
        .json(&json!({"into": published, "version": 0}))
        .send()
        .await
        .expect("merge");
    assert_eq!(res.status(), 200, "merge");
    states.push(("merged into an approved claim", ids[8]));

    // The approved claim is everywhere readers look.
    let seen = public_view(&app, published, article_id).await;
    assert!(seen.iter().all(|(_, shown)| *shown), "approved: {seen:?}");
    // Every other state is nowhere, whatever the route.
    for (state, id) in &states {
        let seen = public_view(&app, *id, article_id).await;
        assert!(
            seen.iter().all(|(_, shown)| !*shown),
            "{state} claim {id} is public: {seen:?}"
        );
    }
    // Ids that never existed, and ids that are not numbers.
    for path in [
        "/checks/999999",
        "/checks/999999-x",
        "/checks/0",
        "/checks/x-1",
        "/checks/999999/embed",
        "/checks/articles/999999",
    ] {
        assert_eq!(get(&app, path).await.status(), 404, "{path}");
    }

    // An approved verdict with nothing public to say (disputed without a step on the scale,
    // as verdicts approved before ratings existed are) is nowhere either, the sitemap included:
    // every route asks the same rule.
    set_rating(&app, published, None).await;
    let seen = public_view(&app, published, article_id).await;
    assert!(seen.iter().all(|(_, shown)| !*shown), "no rating: {seen:?}");
    set_rating(&app, published, Some(1)).await;
    let seen = public_view(&app, published, article_id).await;
    assert!(
        seen.iter().all(|(_, shown)| *shown),
        "rated again: {seen:?}"
    );

    // Archiving the article takes its verdicts off the public face too.
    let res = api(&app.address)
        .post(app.url(&format!("/api/v1/articles/{article_id}/archive")))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("archive");
    assert_eq!(res.status(), 200);
    let seen = public_view(&app, published, article_id).await;
    assert!(seen.iter().all(|(_, shown)| !*shown), "archived: {seen:?}");
}

/// The ClaimReview JSON-LD embedded in a page.
fn json_ld(page: &str) -> Value {
    let start = page
        .find("<script type=\"application/ld+json\">")
        .expect("a JSON-LD script")
        + "<script type=\"application/ld+json\">".len();
    let end = start + page[start..].find("</script>").expect("its end");
    serde_json::from_str(&page[start..end]).expect("the JSON-LD parses as JSON")
}

#[tokio::test]
async fn the_page_shows_the_verdict_with_valid_claim_review_and_a_correction_everywhere() {
    let db = TestDb::new();
    let mut config = test_config();
    config.public.public_credit = claimdesk::config::PublicCredit::People;
    let address = serve(&db, config);
    let app = TestApp {
        pool: db.pool(),
        address,
        db,
    };
    let reviewer = app.token("rita", Role::Reviewer).await;
    let editor = app.token("eddie", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let id = article["claims"][0]["id"].as_i64().expect("claim");
    let wording = article["claims"][0]["text"]
        .as_str()
        .expect("text")
        .to_owned();
    let v = approved(&app, &reviewer, &editor, id).await;

    let path = page_path(&app, id).await.expect("a public page");
    assert!(path.starts_with(&format!("/checks/{id}-")), "{path}");
    let res = get(&app, &path).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.expect("page");
    for expected in [
        "The register shows no such delivery.",
        "https://register.example/entry/7",
        "Example News",
        "https://example.org/seed",
        "Reviewed by rita, approved by eddie",
        "og:title",
        "twitter:card",
        "class=\"step current\"",
        &format!("/checks/{id}/embed"),
    ] {
        assert!(page.contains(expected), "the page lacks {expected:?}");
    }
    let doc = json_ld(&page);
    let review = &doc[0];
    assert_eq!(review["@type"], "ClaimReview");
    assert_eq!(review["url"], format!("https://claims.example{path}"));
    assert_eq!(review["claimReviewed"], wording.as_str());
    assert_eq!(review["reviewRating"]["ratingValue"], 1);
    assert_eq!(review["reviewRating"]["alternateName"], "False");
    assert_eq!(review["author"]["name"], "Test Fact Desk");
    assert!(review["datePublished"].is_string());
    assert_eq!(
        review["itemReviewed"]["appearance"]["url"],
        "https://example.org/seed"
    );

    // A standard JSON-LD processor finds every field search engines require.
    let file =
        std::env::temp_dir().join(format!("claimdesk-public-{id}-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(&doc).expect("json")).expect("write");
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/check_claimreview_jsonld.py"
        ))
        .arg(&file)
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_file(&file);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let feed_before = get(&app, "/checks/feed.atom")
        .await
        .text()
        .await
        .expect("feed");
    assert!(feed_before.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    assert!(feed_before.contains(&format!("<id>https://claims.example{path}</id>")));
    let updated_before = entry_updated(&feed_before);

    // Reopen and approve a new verdict: a correction.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let v = step(
        &app,
        &editor,
        id,
        json!({"to": "in_review", "version": v, "note": "The register was amended"}),
    )
    .await;
    let v = step(
        &app,
        &reviewer,
        id,
        json!({"to": "disputed", "version": v, "rationale": "Delivered, but a year late.", "rating": 2}),
    )
    .await;
    step(&app, &editor, id, json!({"to": "approved", "version": v})).await;

    let page = get(&app, &path).await.text().await.expect("page");
    assert!(
        page.contains(": was False, now Mostly false, because The register was amended"),
        "{page}"
    );
    let review = &json_ld(&page)[0];
    assert_eq!(review["reviewRating"]["ratingValue"], 2);
    assert_eq!(review["correction"]["@type"], "CorrectionComment");
    assert!(
        review["correction"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("was False, now Mostly false")),
        "{review}"
    );
    let feed = get(&app, "/checks/feed.atom")
        .await
        .text()
        .await
        .expect("feed");
    assert_eq!(
        feed.matches("<entry>").count(),
        1,
        "the same entry, updated: {feed}"
    );
    assert!(feed.contains("was False, now Mostly false"), "{feed}");
    assert!(entry_updated(&feed) > updated_before, "{feed}");
    assert!(feed.contains("<published>"), "{feed}");
}

/// The `<updated>` of the feed's first entry.
fn entry_updated(feed: &str) -> String {
    let entry = &feed[feed.find("<entry>").expect("an entry")..];
    let start = entry.find("<updated>").expect("updated") + "<updated>".len();
    let end = entry.find("</updated>").expect("end");
    entry[start..end].to_owned()
}

#[tokio::test]
async fn public_answers_set_no_cookie_revalidate_with_304_and_only_the_card_may_be_framed() {
    let app = TestApp::spawn().await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    let editor = app.token("eddie", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let id = article["claims"][0]["id"].as_i64().expect("claim");
    approved(&app, &reviewer, &editor, id).await;
    let path = page_path(&app, id).await.expect("public");
    let article_id = article["id"].as_i64().expect("id");

    // Even a signed-in reviewer's cookie is neither read nor refreshed here.
    app.user("sam", Role::Reviewer).await;
    let session = crate::helpers::cookie_header(&app, "sam").await;
    for url in [
        path.clone(),
        "/checks".into(),
        "/checks?rating=1&category=military".into(),
        format!("/checks/articles/{article_id}"),
        "/checks/feed.atom".into(),
        "/sitemap.xml".into(),
        "/robots.txt".into(),
        format!("/checks/{id}/embed"),
        "/checks/999999-nothing".into(),
    ] {
        for cookie in [None, Some(session.as_str())] {
            let mut req = api(&app.address).get(app.url(&url));
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            let res = req.send().await.expect("GET");
            assert!(
                res.headers().get("set-cookie").is_none(),
                "{url} sets a cookie"
            );
            let status = res.status().as_u16();
            let body = res.text().await.unwrap_or_default();
            assert!(!body.contains("csrf_token"), "{url}");
            assert!(!body.contains("/logout"), "{url} shows the desk");
            if url.contains("999999") {
                assert_eq!(status, 404);
                continue;
            }
            assert_eq!(status, 200, "{url}");
        }
        if url.contains("999999") {
            continue;
        }
        let res = get(&app, &url).await;
        let etag = crate::helpers::header(&res, "etag");
        assert!(etag.starts_with('"'), "{url}: {etag}");
        assert!(crate::helpers::header(&res, "cache-control").starts_with("public, max-age="));
        let again = api(&app.address)
            .get(app.url(&url))
            .header("if-none-match", &etag)
            .send()
            .await
            .expect("revalidate");
        assert_eq!(again.status(), 304, "{url}");
        assert_eq!(crate::helpers::header(&again, "etag"), etag);
        assert!(again.bytes().await.expect("body").is_empty());
        let stale = api(&app.address)
            .get(app.url(&url))
            .header("if-none-match", "\"something-else\"")
            .send()
            .await
            .expect("stale");
        assert_eq!(stale.status(), 200, "{url}");
    }

    // Framing: refused everywhere but the card, which names who may frame it.
    let page = get(&app, &path).await;
    assert_eq!(crate::helpers::header(&page, "x-frame-options"), "DENY");
    assert!(
        crate::helpers::header(&page, "content-security-policy").contains("frame-ancestors 'none'")
    );
    let card = get(&app, &format!("/checks/{id}/embed")).await;
    assert!(card.headers().get("x-frame-options").is_none());
    let csp = crate::helpers::header(&card, "content-security-policy");
    assert!(
        csp.contains("frame-ancestors *") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(
        crate::helpers::header(&card, "x-content-type-options"),
        "nosniff"
    );
    let body = card.text().await.expect("card");
    assert!(
        body.contains("False") && body.contains("Read the fact check"),
        "{body}"
    );
}

#[tokio::test]
async fn the_public_pages_answer_429_beyond_the_per_address_limit() {
    let db = TestDb::new();
    let mut config = test_config();
    config.public.public_rate_limit = 5;
    let address = serve(&db, config);
    let app = TestApp {
        pool: db.pool(),
        address,
        db,
    };
    for n in 1..=5 {
        assert_eq!(get(&app, "/checks").await.status(), 200, "request {n}");
    }
    let res = get(&app, "/checks/feed.atom").await;
    assert_eq!(res.status(), 429);
    let retry: i64 = crate::helpers::header(&res, "retry-after")
        .parse()
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(res.headers().get("set-cookie").is_none());
    // The desk is not rationed by the public allowance.
    assert_eq!(get(&app, "/login").await.status(), 200);
    assert_eq!(get(&app, "/healthz").await.status(), 200);
}

/// A merged claim has no page of its own: its ClaimReview in an export points at the page of
/// the claim it was merged into, and that address answers (through its one redirect).
#[tokio::test]
async fn a_merged_claims_claim_review_links_to_its_primarys_page() {
    let app = TestApp::spawn().await;
    let reviewer = app.token("rita", Role::Reviewer).await;
    let editor = app.token("eddie", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let ids: Vec<i64> = article["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    let (primary, merged) = (ids[0], ids[1]);
    approved(&app, &reviewer, &editor, primary).await;
    let res = api(&app.address)
        .post(app.url(&format!("/api/v1/claims/{merged}/merge")))
        .bearer_auth(&editor)
        .json(&json!({"into": primary, "version": 0}))
        .send()
        .await
        .expect("merge");
    assert_eq!(res.status(), 200, "merge");
    let primary_page = page_path(&app, primary)
        .await
        .expect("the primary is public");
    assert_eq!(
        page_path(&app, merged).await,
        None,
        "the merged claim has no page"
    );

    let (status, _, _, body) =
        crate::helpers::api_export(&app, &editor, "format=claimreview").await;
    assert_eq!(status, 200, "{body}");
    let reviews: Vec<Value> = serde_json::from_str(&body).expect("ClaimReview JSON");
    assert_eq!(
        reviews.len(),
        2,
        "the primary and the claim merged into it: {body}"
    );
    for review in &reviews {
        let url = review["url"].as_str().expect("url");
        let path = &url[url.find("/checks/").expect("a public page")..];
        let res = get(&app, path).await;
        let landing = match res.status().as_u16() {
            200 => path.to_owned(),
            301 => crate::helpers::header(&res, "location"),
            other => panic!("{url} answers {other}"),
        };
        assert_eq!(landing, primary_page, "{url}");
        assert_eq!(get(&app, &landing).await.status(), 200, "{landing}");
    }
}

/// The public counters have their own table, and requests prune the counters whose minute is
/// over (a few per request), so it holds about the addresses of the last minute.
#[tokio::test]
async fn finished_public_counters_are_pruned_by_later_requests() {
    use claimdesk::db::public::{count_request, throttle_rows};
    let db = TestDb::new();
    let pool = db.pool();
    let mut conn = pool.get().await.expect("connection");
    let now = chrono::Utc::now();
    let earlier = now - chrono::Duration::minutes(2);
    for n in 0..20 {
        count_request(&mut conn, &format!("198.51.100.{n}"), 300, earlier)
            .await
            .expect("counted");
    }
    // The same address within its minute is counted on, not pruned.
    count_request(
        &mut conn,
        "198.51.100.0",
        300,
        earlier + chrono::Duration::seconds(5),
    )
    .await
    .expect("counted");
    assert_eq!(throttle_rows(&mut conn).await.expect("rows"), 20);
    // Each later request deletes up to four finished counters of other addresses.
    for n in 1..=4 {
        count_request(&mut conn, "203.0.113.9", 300, now)
            .await
            .expect("counted");
        assert_eq!(
            throttle_rows(&mut conn).await.expect("rows"),
            20 - 4 * n + 1,
            "after request {n}"
        );
    }
    count_request(&mut conn, "203.0.113.9", 300, now)
        .await
        .expect("counted");
    assert_eq!(throttle_rows(&mut conn).await.expect("rows"), 1);
    // A pruned address starts a new minute from one.
    let verdict = count_request(&mut conn, "198.51.100.0", 1, now)
        .await
        .expect("counted");
    assert_eq!(
        verdict,
        claimdesk::db::throttle::Verdict::Allow { delay_ms: 0 }
    );
}

/// The published rule is stated twice, as a pure function (pages, the card) and as the SQL
/// filter every list starts from: over a grid of states, verdicts, ratings, approvals, merges
/// and archived articles, they pick the same claims.
#[tokio::test]
async fn the_pure_rule_and_the_sql_filter_publish_the_same_claims() {
    use claimdesk::domain::publishing::{Standing, is_published};
    use claimdesk::domain::{ReviewState, Verdict};
    use diesel::sql_types::{BigInt, Bool, Nullable, SmallInt, Text};
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let editor = app.token("eddie", Role::Editor).await;
    let article = app.import_seed(&editor).await;
    let archived_article = article["id"].as_i64().expect("article");
    let claims: Vec<(i64, i64)> = article["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .map(|id| (id, archived_article))
        .collect();
    let ((primary, _), claims) = claims.split_first().expect("claims");
    let mut grid = Vec::new();
    for state in [
        "approved",
        "disputed",
        "verified",
        "unverifiable",
        "in_review",
    ] {
        for verdict in [
            Some("disputed"),
            Some("verified"),
            Some("unverifiable"),
            None,
        ] {
            for rating in [Some(1i16), Some(5), None] {
                for (approved, merged) in [(true, false), (false, false), (true, true)] {
                    grid.push((state, verdict, rating, approved, merged));
                }
            }
        }
    }
    let mut conn = app.conn().await;
    let mut published_cases = 0;
    for archived in [false, true] {
        diesel::sql_query(
            "UPDATE articles SET archived_at = CASE WHEN $2 THEN now() END WHERE id = $1",
        )
        .bind::<BigInt, _>(archived_article)
        .bind::<Bool, _>(archived)
        .execute(&mut conn)
        .await
        .expect("article set");
        for chunk in grid.chunks(claims.len()) {
            let mut expected = Vec::new();
            for (&(id, article), &(state, verdict, rating, approved, merged)) in
                claims.iter().zip(chunk)
            {
                diesel::sql_query(
                    "UPDATE claims SET state = $2::review_state, verdict = $3::verdict_kind, \
                     rating = $4, approved_at = CASE WHEN $5 THEN now() END, \
                     merged_into = CASE WHEN $6 THEN $7 END WHERE id = $1",
                )
                .bind::<BigInt, _>(id)
                .bind::<Text, _>(state)
                .bind::<Nullable<Text>, _>(verdict)
                .bind::<Nullable<SmallInt>, _>(rating)
                .bind::<Bool, _>(approved)
                .bind::<Bool, _>(merged)
                .bind::<BigInt, _>(*primary)
                .execute(&mut conn)
                .await
                .expect("claim set");
                let standing = Standing {
                    state: state.parse::<ReviewState>().expect("state"),
                    merged,
                    approved,
                    article_archived: archived && article == archived_article,
                    verdict: verdict.map(|v| v.parse::<Verdict>().expect("verdict")),
                    rating,
                };
                if is_published(standing) {
                    expected.push(id);
                }
            }
            published_cases += expected.len();
            let ids: Vec<i64> = claims.iter().take(chunk.len()).map(|(id, _)| *id).collect();
            let mut found = claimdesk::db::public::published_among(&mut conn, &ids)
                .await
                .expect("published");
            found.sort_unstable();
            expected.sort_unstable();
            assert_eq!(found, expected, "archived: {archived}, cases {chunk:?}");
        }
    }
    assert!(
        published_cases >= 4,
        "the grid publishes some: {published_cases}"
    );
}
