//! Exports end to end: claims moved through the real review rules, then every format read back
//! over HTTP and from the CLI and compared with the database.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use claimdesk::db::claims::Claim;
use claimdesk::db::events::ClaimEvent;
use claimdesk::db::evidence::{Evidence, NewEvidence};
use claimdesk::db::users::User;
use claimdesk::domain::{Actor, ClaimId, ReviewState, Role, Stance, TransitionRequest, UserId};
use claimdesk::services::{evidence, review};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::Value;

use crate::helpers::{TestApp, api, api_export, header};

const EVIL: &str = "=HYPERLINK(\"http://evil\")";

/// One claim in each situation a report must handle.
struct Fixture {
    reviewer_token: String,
    article_id: i64,
    verified: i64,
    disputed: i64,
    unverifiable: i64,
    dismissed: i64,
    draft: i64,
    correction: i64,
    untouched: i64,
}

impl Fixture {
    /// Claims an export shows by default: the approved ones.
    fn approved(&self) -> BTreeSet<i64> {
        BTreeSet::from([
            self.verified,
            self.disputed,
            self.unverifiable,
            self.correction,
        ])
    }
}

struct Mover<'a> {
    app: &'a TestApp,
}

impl Mover<'_> {
    async fn go(&self, id: i64, actor: Actor, request: TransitionRequest) {
        let mut conn = self.app.conn().await;
        let claim = Claim::by_id(&mut conn, ClaimId(id))
            .await
            .expect("load claim")
            .expect("claim exists");
        let target = request.to;
        review::transition(
            &mut conn,
            ClaimId(id),
            claim.version,
            actor,
            &request,
            Utc::now(),
        )
        .await
        .unwrap_or_else(|e| panic!("claim {id} to {target:?}: {e}"));
    }

    async fn to(&self, id: i64, actor: Actor, to: ReviewState, note: Option<&str>) {
        let request = TransitionRequest {
            to: Some(to),
            note: note.map(str::to_owned),
            ..Default::default()
        };
        self.go(id, actor, request).await;
    }

    async fn verdict(&self, id: i64, actor: Actor, to: ReviewState, rating: i16, rationale: &str) {
        let request = TransitionRequest {
            to: Some(to),
            rationale: Some(rationale.to_owned()),
            // On the scale an unverifiable verdict has no rating.
            rating: (to != ReviewState::Unverifiable).then_some(rating),
            label: Some(format!("{to} label")),
            ..Default::default()
        };
        self.go(id, actor, request).await;
    }

    async fn evidence(&self, id: i64, actor: Actor, stance: Stance) {
        let mut conn = self.app.conn().await;
        let new = NewEvidence {
            url: format!("https://sources.example/{id}/{stance}"),
            title: Some(format!("Source for {id}")),
            excerpt: Some("quoted passage".into()),
            stance,
        };
        evidence::add(&mut conn, ClaimId(id), actor, &new, Utc::now())
            .await
            .expect("add evidence");
    }

    /// Takes a claim, adds evidence and gives a verdict.
    async fn decide(
        &self,
        id: i64,
        reviewer: Actor,
        to: ReviewState,
        stance: Stance,
        rating: i16,
        rationale: &str,
    ) {
        self.to(id, reviewer, ReviewState::InReview, None).await;
        self.evidence(id, reviewer, stance).await;
        self.verdict(id, reviewer, to, rating, rationale).await;
    }
}

async fn fixture(app: &TestApp) -> Fixture {
    let reviewer_token = app.token("rita", Role::Reviewer).await;
    let editor_token = app.token("eddie", Role::Editor).await;
    let article = app.import_seed(&editor_token).await;
    let article_id = article["id"].as_i64().expect("article id");
    let ids: Vec<i64> = article["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .map(|c| c["id"].as_i64().expect("claim id"))
        .collect();
    assert!(
        ids.len() >= 7,
        "the seed article yields {} claims, want 7",
        ids.len()
    );

    let mut conn = app.conn().await;
    // One known category for every fixture claim, so the category filter has a fixed answer
    // whatever the extractor decides about the seed's sentences.
    diesel::update(
        claimdesk::db::schema::claims::table.filter(claimdesk::db::schema::claims::id.eq_any(&ids)),
    )
    .set(claimdesk::db::schema::claims::category.eq(claimdesk::extract::Category::Other))
    .execute(&mut conn)
    .await
    .expect("set categories");
    let rita = User::by_username(&mut conn, "rita")
        .await
        .expect("query")
        .expect("rita");
    let eddie = User::by_username(&mut conn, "eddie")
        .await
        .expect("query")
        .expect("eddie");
    drop(conn);
    let reviewer = Actor {
        id: UserId(rita.id),
        role: Role::Reviewer,
    };
    let editor = Actor {
        id: UserId(eddie.id),
        role: Role::Editor,
    };
    let m = Mover { app };
    let f = Fixture {
        reviewer_token,
        article_id,
        verified: ids[0],
        disputed: ids[1],
        unverifiable: ids[2],
        dismissed: ids[3],
        draft: ids[4],
        correction: ids[5],
        untouched: ids[6],
    };

    m.decide(
        f.verified,
        reviewer,
        ReviewState::Verified,
        Stance::Supports,
        5,
        EVIL,
    )
    .await;
    m.to(f.verified, editor, ReviewState::Approved, None).await;
    m.decide(
        f.disputed,
        reviewer,
        ReviewState::Disputed,
        Stance::Refutes,
        1,
        "The register says otherwise.",
    )
    .await;
    m.to(f.disputed, editor, ReviewState::Approved, None).await;
    m.decide(
        f.unverifiable,
        reviewer,
        ReviewState::Unverifiable,
        Stance::Context,
        3,
        "No public record either way.",
    )
    .await;
    m.to(f.unverifiable, editor, ReviewState::Approved, None)
        .await;
    m.to(
        f.dismissed,
        editor,
        ReviewState::Dismissed,
        Some("opinion, not a claim"),
    )
    .await;
    m.decide(
        f.draft,
        reviewer,
        ReviewState::Verified,
        Stance::Supports,
        4,
        "Awaiting approval.",
    )
    .await;
    m.decide(
        f.correction,
        reviewer,
        ReviewState::Verified,
        Stance::Supports,
        5,
        "First take.",
    )
    .await;
    m.to(f.correction, editor, ReviewState::Approved, None)
        .await;
    m.to(
        f.correction,
        editor,
        ReviewState::InReview,
        Some("a newer figure was published"),
    )
    .await;
    m.verdict(
        f.correction,
        reviewer,
        ReviewState::Verified,
        4,
        "Corrected after the new figure.",
    )
    .await;
    m.to(f.correction, editor, ReviewState::Approved, None)
        .await;
    f
}

async fn json_export(app: &TestApp, token: &str, query: &str) -> Value {
    let (status, _, _, body) = api_export(app, token, &format!("format=json&{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    serde_json::from_str(&body).expect("the JSON report parses")
}

fn claim_ids(report: &Value) -> BTreeSet<i64> {
    report["claims"]
        .as_array()
        .expect("claims array")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect()
}

async fn username(app: &TestApp, id: Option<i64>) -> String {
    let Some(id) = id else { return String::new() };
    let mut conn = app.conn().await;
    let users = User::list(&mut conn).await.expect("users");
    users
        .into_iter()
        .find(|u| u.id == id)
        .map(|u| u.username)
        .expect("user exists")
}

fn today() -> String {
    Utc::now().format("%Y%m%d").to_string()
}

#[tokio::test]
async fn csv_export_matches_the_database() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let (status, content_type, disposition, body) =
        api_export(&app, &f.reviewer_token, "format=csv").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "text/csv; charset=utf-8");
    assert_eq!(
        disposition,
        format!("attachment; filename=\"claimdesk-report-{}.csv\"", today())
    );

    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().expect("header row").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("CSV row")).collect();
    let by_id: BTreeMap<i64, &csv::StringRecord> = rows
        .iter()
        .map(|r| (r[column("claim_id")].parse().expect("numeric id"), r))
        .collect();
    assert_eq!(
        by_id.keys().copied().collect::<BTreeSet<_>>(),
        f.approved(),
        "only approved claims, once each"
    );
    assert_eq!(rows.len(), 4);

    let mut conn = app.conn().await;
    for (id, row) in &by_id {
        let claim = Claim::by_id(&mut conn, ClaimId(*id))
            .await
            .expect("query")
            .expect("claim");
        assert_eq!(&row[column("state")], "approved");
        assert_eq!(&row[column("claim_text")], claim.text);
        assert_eq!(
            row[column("rating")].parse::<i16>().ok(),
            claim.rating,
            "rating of {id}"
        );
        assert_eq!(
            &row[column("verdict")],
            claim.verdict.map(|v| v.as_str()).unwrap_or_default()
        );
        assert_eq!(
            row[column("reviewer")],
            username(&app, claim.verdict_by).await
        );
        assert_eq!(
            row[column("approver")],
            username(&app, claim.approved_by).await
        );
        assert_eq!(&row[column("reviewer")], "rita");
        assert_eq!(&row[column("approver")], "eddie");
        let urls: BTreeSet<String> = Evidence::for_claim(&mut conn, ClaimId(*id))
            .await
            .expect("evidence")
            .into_iter()
            .map(|e| e.url)
            .collect();
        let cell: BTreeSet<String> = row[column("evidence_urls")]
            .split('\n')
            .map(str::to_owned)
            .collect();
        assert_eq!(cell, urls, "evidence of {id}");
        assert_eq!(&row[column("draft")], "no");
        let correction = if *id == f.correction { "yes" } else { "no" };
        assert_eq!(
            &row[column("correction")],
            correction,
            "correction flag of {id}"
        );
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "formula-like cell {cell:?} in row {id}"
            );
        }
    }
    let rationale = &by_id[&f.verified][column("rationale")];
    assert_eq!(
        rationale,
        format!("'{EVIL}"),
        "the injected formula is neutralised, not dropped"
    );
}

#[tokio::test]
async fn drafts_appear_only_when_asked_for() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let default = json_export(&app, &f.reviewer_token, "").await;
    assert_eq!(claim_ids(&default), f.approved());
    assert_eq!(default["summary"]["total"], 4);
    assert!(
        default["claims"]
            .as_array()
            .expect("claims")
            .iter()
            .all(|c| c["draft"] == false)
    );

    let with_drafts = json_export(&app, &f.reviewer_token, "include_drafts=true").await;
    let mut expected = f.approved();
    expected.insert(f.draft);
    assert_eq!(claim_ids(&with_drafts), expected);
    assert_eq!(with_drafts["summary"]["total"], 5);
    for claim in with_drafts["claims"].as_array().expect("claims") {
        let is_draft = claim["id"] == f.draft;
        assert_eq!(claim["draft"], is_draft, "draft flag of {}", claim["id"]);
        if is_draft {
            assert_eq!(claim["state"], "verified");
            assert_eq!(claim["approver"], Value::Null);
        }
    }
    let ids = claim_ids(&with_drafts);
    assert!(!ids.contains(&f.dismissed) && !ids.contains(&f.untouched));

    let explicit = json_export(&app, &f.reviewer_token, "states=dismissed").await;
    assert_eq!(claim_ids(&explicit), BTreeSet::from([f.dismissed]));

    let csv = api_export(&app, &f.reviewer_token, "format=csv").await.3;
    assert!(
        !csv.contains("Awaiting approval."),
        "a draft's rationale leaked into the default CSV"
    );
}

#[tokio::test]
async fn json_export_carries_evidence_events_and_corrections() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let report = json_export(&app, &f.reviewer_token, "").await;
    assert!(
        report["schema"]
            .as_str()
            .is_some_and(|s| s.starts_with("claimdesk.report/"))
    );
    assert_eq!(report["organization"]["name"], "Test Fact Desk");
    let by_state = &report["summary"]["by_state"];
    assert_eq!(
        by_state,
        &serde_json::json!([{"name": "approved", "count": 4}])
    );

    let mut conn = app.conn().await;
    let claims = report["claims"].as_array().expect("claims");
    let order: Vec<i64> = claims
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(order, sorted, "claims of one article come in id order");
    for claim in claims {
        let id = claim["id"].as_i64().expect("id");
        assert_eq!(claim["article"]["id"], f.article_id);
        assert_eq!(claim["article"]["url"], "https://example.org/seed");
        let events = ClaimEvent::for_claim(&mut conn, ClaimId(id))
            .await
            .expect("events");
        let got: Vec<(i64, String)> = claim["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| {
                (
                    e["id"].as_i64().expect("event id"),
                    e["actor"].as_str().expect("actor").to_owned(),
                )
            })
            .collect();
        let want: Vec<(i64, String)> = events.iter().map(|e| (e.id, e.actor.clone())).collect();
        assert_eq!(got, want, "history of {id}");
        let last = claim["events"]
            .as_array()
            .and_then(|e| e.last())
            .expect("a last event");
        assert_eq!(last["to"], "approved");
        let evidence = Evidence::for_claim(&mut conn, ClaimId(id))
            .await
            .expect("evidence");
        let urls: Vec<&str> = claim["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .map(|e| e["url"].as_str().expect("url"))
            .collect();
        assert_eq!(
            urls,
            evidence.iter().map(|e| e.url.as_str()).collect::<Vec<_>>()
        );
        assert_eq!(claim["evidence"][0]["added_by"], "rita");
        assert_eq!(
            claim["correction"],
            id == f.correction,
            "correction flag of {id}"
        );
    }
    let correction = claims
        .iter()
        .find(|c| c["id"] == f.correction)
        .expect("the correction");
    assert_eq!(
        correction["rating"], 4,
        "the re-approved verdict, not the first one"
    );
    assert_eq!(correction["rationale"], "Corrected after the new figure.");
    // Both verdict versions, oldest first, each approved; the note spells out the correction.
    let versions = correction["verdicts"].as_array().expect("verdict versions");
    let ratings: Vec<&Value> = versions.iter().map(|v| &v["rating"]).collect();
    assert_eq!(ratings, [&Value::from(5), &Value::from(4)]);
    assert!(versions.iter().all(|v| v["approved_by"] == "eddie"));
    assert_eq!(versions[0]["rationale"], "First take.");
    assert_eq!(
        versions[1]["correction_reason"],
        "a newer figure was published"
    );
    let note = correction["correction_note"]
        .as_str()
        .expect("a correction note");
    assert!(
        note.starts_with("Corrected on ")
            && note.ends_with(
                ": was verified label, now verified label, because a newer figure was published"
            ),
        "{note}"
    );
    let reopened = correction["events"]
        .as_array()
        .expect("events")
        .iter()
        .any(|e| {
            e["from"] == "approved"
                && e["to"] == "in_review"
                && e["note"] == "a newer figure was published"
        });
    assert!(reopened, "the reopening is in the history");
}

#[tokio::test]
async fn claimreview_export_has_every_required_field() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let (status, content_type, disposition, body) = api_export(
        &app,
        &f.reviewer_token,
        "format=claimreview&include_drafts=true",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "application/ld+json");
    assert!(
        disposition.ends_with(&format!("claimdesk-report-{}.jsonld\"", today())),
        "{disposition}"
    );
    let reviews: Vec<Value> = serde_json::from_str(&body).expect("a JSON array");
    let ids: BTreeSet<i64> = reviews
        .iter()
        .map(|r| {
            let url = r["url"].as_str().expect("url");
            url.strip_prefix("https://claims.example/checks/")
                .and_then(|rest| rest.split_once('-'))
                .and_then(|(id, _)| id.parse().ok())
                .expect("a claim page URL")
        })
        .collect();
    assert_eq!(
        ids,
        f.approved(),
        "only approved verdicts are published, drafts never"
    );
    let mut conn = app.conn().await;
    for review in &reviews {
        assert!(
            review["@context"]
                .as_str()
                .is_some_and(|c| c.contains("schema.org"))
        );
        assert_eq!(review["@type"], "ClaimReview");
        for key in [
            "claimReviewed",
            "reviewRating",
            "itemReviewed",
            "author",
            "datePublished",
            "url",
        ] {
            assert!(!review[key].is_null(), "ClaimReview lacks {key}: {review}");
        }
        let rating = &review["reviewRating"];
        assert!(
            !rating["alternateName"].is_null(),
            "reviewRating lacks a name"
        );
        // An unverifiable verdict has no place on the scale: its review has only the name.
        let on_scale = !review["url"]
            .as_str()
            .is_some_and(|u| u.contains(&format!("/checks/{}-", f.unverifiable)));
        if on_scale {
            for key in ["ratingValue", "bestRating", "worstRating"] {
                assert!(!rating[key].is_null(), "reviewRating lacks {key}");
            }
            assert_eq!(rating["bestRating"], 5);
            assert_eq!(rating["worstRating"], 1);
        } else {
            assert!(rating["ratingValue"].is_null(), "{rating}");
            assert_eq!(rating["alternateName"], "unverifiable label");
        }
        // A published correction says what it was, what it is now and why.
        let correction = review["correction"]["text"].as_str();
        if review["url"]
            .as_str()
            .is_some_and(|u| u.contains(&format!("/checks/{}-", f.correction)))
        {
            assert_eq!(review["correction"]["@type"], "CorrectionComment");
            assert!(
                correction.is_some_and(|t| t.contains(
                    "was verified label, now verified label, because a newer figure was published"
                )),
                "{review}"
            );
        } else {
            assert_eq!(correction, None, "{review}");
        }
        assert_eq!(review["itemReviewed"]["@type"], "Claim");
        assert!(!review["itemReviewed"]["appearance"].is_null());
        assert_eq!(review["author"]["name"], "Test Fact Desk");
        let id = ids
            .iter()
            .copied()
            .find(|id| {
                review["url"]
                    .as_str()
                    .is_some_and(|u| u.contains(&format!("/checks/{id}-")))
            })
            .expect("id");
        let claim = Claim::by_id(&mut conn, ClaimId(id))
            .await
            .expect("query")
            .expect("claim");
        assert_eq!(review["claimReviewed"], claim.text);
        assert_eq!(rating["ratingValue"].as_i64(), claim.rating.map(i64::from));
    }
}

#[tokio::test]
async fn export_page_streams_a_printable_report() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let browser = app.browser("paula", Role::Reviewer).await;
    // Exactly what the export form sends when only the format and a category are chosen.
    let res = browser
        .client
        .get(app.url("/export/download?format=html&articles=&category=other&claimant=&reviewer=&decided_from=&decided_to="))
        .send()
        .await
        .expect("GET /export/download");
    assert_eq!(res.status(), 200);
    let header = |name: &str| header(&res, name);
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    assert_eq!(
        header("content-disposition"),
        format!("attachment; filename=\"claimdesk-report-{}.html\"", today())
    );
    let html = res.text().await.expect("body");
    assert!(html.contains("<svg") && html.contains("@media print"));
    let mut conn = app.conn().await;
    let verified = Claim::by_id(&mut conn, ClaimId(f.verified))
        .await
        .expect("query")
        .expect("claim");
    let draft = Claim::by_id(&mut conn, ClaimId(f.draft))
        .await
        .expect("query")
        .expect("claim");
    assert!(html.contains(&verified.text) || html.contains(&verified.text.replace('\'', "&#x27;")));
    assert!(
        !html.contains("Awaiting approval."),
        "a draft reached the default report"
    );
    assert_ne!(verified.text, draft.text);

    let (status, _) = browser
        .get("/export/download?format=html&include_drafts=true")
        .await;
    assert_eq!(status, 200);
    // Downloads change nothing, so only GET is routed; a posted form (even with its CSRF
    // token) is refused as the wrong method.
    let (status, _) = browser
        .submit("/export/download", &[("format", "csv")])
        .await;
    assert_eq!(status, 405);
    let anonymous = api(&app.address)
        .get(app.url("/export/download?format=csv"))
        .send()
        .await
        .expect("GET");
    assert_ne!(anonymous.status(), 200, "exports need a signed-in user");
}

#[tokio::test]
async fn filters_narrow_the_export() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let t = &f.reviewer_token;
    let day = Utc::now().date_naive();
    let tomorrow = day.succ_opt().expect("a tomorrow");
    assert_eq!(
        claim_ids(&json_export(&app, t, "reviewer=RITA").await),
        f.approved()
    );
    assert!(
        claim_ids(&json_export(&app, t, "reviewer=eddie").await).is_empty(),
        "eddie gave no verdict"
    );
    assert_eq!(
        claim_ids(&json_export(&app, t, &format!("articles={}", f.article_id)).await),
        f.approved()
    );
    assert!(
        claim_ids(&json_export(&app, t, &format!("articles={}", f.article_id + 1000)).await)
            .is_empty()
    );
    assert_eq!(
        claim_ids(&json_export(&app, t, &format!("decided_from={day}&decided_to={day}")).await),
        f.approved()
    );
    assert!(claim_ids(&json_export(&app, t, &format!("decided_from={tomorrow}")).await).is_empty());
    assert!(claim_ids(&json_export(&app, t, "category=energy").await).is_empty());
    assert_eq!(
        claim_ids(&json_export(&app, t, "category=other").await),
        f.approved()
    );
    assert!(claim_ids(&json_export(&app, t, "claimant=nobody%25").await).is_empty());
}

#[tokio::test]
async fn bad_filters_are_client_errors() {
    let app = TestApp::spawn().await;
    let token = app.token("rita", Role::Reviewer).await;
    for (query, want) in [
        ("format=pdf", 400),
        ("", 400),
        ("format=csv&articles=1,x", 400),
        ("format=csv&decided_from=2026-13-01", 400),
        ("format=csv&include_drafts=maybe", 400),
        ("format=csv&states=published", 422),
        ("format=csv&category=sports", 422),
        ("format=csv&reviewer=nobody", 422),
        (
            "format=csv&decided_from=2026-05-02&decided_to=2026-05-01",
            422,
        ),
    ] {
        let (status, content_type, _, body) = api_export(&app, &token, query).await;
        assert_eq!(status, want, "{query}: {body}");
        assert!(
            content_type.starts_with("application/json"),
            "{query}: an API error is JSON"
        );
    }
    let (status, _, _, _) = api_export(&app, "not-a-token", "format=csv").await;
    assert_eq!(status, 401);
    let browser = app.browser("paula", Role::Editor).await;
    let (status, _) = browser
        .get("/export/download?format=csv&decided_to=yesterday")
        .await;
    assert_eq!(status, 400);
    let (status, _) = browser
        .get("/export/download?format=csv&category=sports")
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn cli_writes_a_complete_file() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let dir = std::env::temp_dir().join(format!("claimdesk-export-test-{}", app.db.name));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let target = dir.join("report.csv");
    let bin = env!("CARGO_BIN_EXE_claimdesk");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .env("DATABASE_URL", &app.db.url)
            .env("CLAIMDESK_PUBLIC_URL", "https://claims.example")
            .output()
            .expect("run claimdesk")
    };
    let target_arg = target.to_str().expect("utf-8 path");
    let out = run(&[
        "export",
        "--format",
        "csv",
        "--include-drafts",
        "-o",
        target_arg,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "with -o nothing goes to standard output"
    );
    let mut reader = csv::Reader::from_path(&target).expect("the file is CSV");
    let ids: BTreeSet<i64> = reader
        .records()
        .map(|r| r.expect("row")[0].parse().expect("id"))
        .collect();
    let mut expected = f.approved();
    expected.insert(f.draft);
    assert_eq!(ids, expected);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no partial file is left behind: {leftovers:?}"
    );
    #[cfg(unix)]
    {
        // Replacing a private report keeps it private.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let out = run(&["export", "--format", "csv", "-o", target_arg]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mode = std::fs::metadata(&target)
            .expect("report")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let missing = dir.join("no-such-dir").join("r.csv");
    let out = run(&[
        "export",
        "--format",
        "csv",
        "-o",
        missing.to_str().expect("utf-8"),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("no-such-dir/r.csv") && !err.contains("partial"),
        "{err}"
    );

    let out = run(&["export", "--format", "claimreview"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reviews: Vec<Value> =
        serde_json::from_slice(&out.stdout).expect("ClaimReview on standard output");
    assert_eq!(reviews.len(), 4);

    let failed = dir.join("failed.json");
    let out = run(&[
        "export",
        "--format",
        "json",
        "--reviewer",
        "nobody",
        "-o",
        failed.to_str().expect("utf-8"),
    ]);
    assert!(
        !out.status.success(),
        "an unknown reviewer fails the export"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody"));
    assert!(!failed.exists(), "a failed export leaves no file");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_export_page_chooses_articles_by_title_counts_before_download_and_opens_the_report() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let other = {
        let res = api(&app.address)
            .post(app.url("/api/v1/articles"))
            .bearer_auth(&f.reviewer_token)
            .json(&serde_json::json!({
                "title": "Rain in May 50%_",
                "body": "Árbol Agency reported that 300 mm of rain fell in May 2024, a record for the month."
            }))
            .send()
            .await
            .expect("import");
        assert_eq!(res.status(), 201);
        res.json::<Value>().await.expect("json")["id"]
            .as_i64()
            .expect("id")
    };
    let browser = app.browser("paula", Role::Reviewer).await;
    let approved = f.approved().len();

    // Without filters: titles offered to pick from, and the count of the default report.
    let (status, page) = browser.get("/export").await;
    assert_eq!(status, 200);
    assert!(page.contains("<datalist id=\"article-titles\">"));
    assert!(page.contains("<option value=\"Seed article\">"), "{page}");
    assert!(
        page.contains(&format!("<b>{approved}</b> claims match these filters")),
        "{page}"
    );
    assert!(page.contains("formaction=\"/export/report\""));
    assert!(!page.contains("Article ids"), "no raw ids to type");

    // A search by title lists the matching articles to tick; wildcards are literal.
    let (_, page) = browser.get("/export?title=SEED&find=1").await;
    let seed_box = format!("name=\"article\" value=\"{}\"", f.article_id);
    assert!(page.contains(&seed_box), "{page}");
    assert!(!page.contains(&format!("value=\"{other}\"")));
    let (_, page) = browser.get("/export?title=50%25_&find=1").await;
    assert!(page.contains(&format!("name=\"article\" value=\"{other}\"")));
    assert!(!page.contains(&seed_box));
    let (_, page) = browser.get("/export?title=nothing+like+it").await;
    assert!(page.contains("id=\"no-matches\""));

    // Ticked articles stay ticked, and the count follows every filter, as the export does.
    let query = format!("article={}&include_drafts=true&count=1", f.article_id);
    let (_, page) = browser.get(&format!("/export?{query}")).await;
    assert!(page.contains(&format!("{seed_box} checked")), "{page}");
    assert!(page.contains("name=\"include_drafts\" value=\"true\" checked"));
    let report = json_export(
        &app,
        &f.reviewer_token,
        &format!("articles={}&include_drafts=true", f.article_id),
    )
    .await;
    let total = report["summary"]["total"].as_i64().expect("total");
    assert!(total > approved as i64, "drafts counted too");
    assert!(
        page.contains(&format!("<b>{total}</b> claims match")),
        "{page}"
    );
    let (_, page) = browser
        .get(&format!("/export?article={other}&count=1"))
        .await;
    assert!(page.contains("<b>0</b> claims match"), "{page}");
    // Refused filters: the form again with the reason, nothing lost.
    let (status, page) = browser
        .get("/export?claimant=Maduro&decided_to=yesterday&count=1")
        .await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("id=\"export-error\""));
    let (status, page) = browser
        .get("/export?claimant=Maduro&reviewer=nobody&count=1")
        .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("no reviewer called"));
    assert!(page.contains("value=\"Maduro\""), "typed claimant kept");

    // The ticked boxes select the download too.
    let res = browser
        .client
        .get(app.url(&format!("/export/download?format=json&article={other}")))
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["summary"]["total"], 0);

    // The printable report opens in the browser, styled, with no script allowed.
    let res = browser
        .client
        .get(app.url(&format!(
            "/export/report?article={}&title=seed",
            f.article_id
        )))
        .send()
        .await
        .expect("report");
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "text/html; charset=utf-8");
    assert!(
        header(&res, "content-disposition").starts_with("inline"),
        "{}",
        header(&res, "content-disposition")
    );
    assert_eq!(
        header(&res, "content-security-policy"),
        claimdesk::routes::REPORT_CSP
    );
    let html = res.text().await.expect("html");
    assert!(html.contains("<style>") && html.contains("@media print"));
    let anonymous = api(&app.address)
        .get(app.url("/export/report"))
        .send()
        .await
        .expect("GET");
    assert_ne!(anonymous.status(), 200, "reports need a signed-in user");
}
