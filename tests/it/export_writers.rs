//! End-to-end checks of every report writer against one hostile fixture.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use claimdesk::db::claims::FilterError;
use claimdesk::domain::ReviewState;
use claimdesk::export::{
    ExportError, ExportFormat, ReportArticle, ReportClaim, ReportEvent, ReportEvidence, ReportMeta,
    ReportSummary, ReportWriter, export_to_vec, writer_for,
};
use claimdesk::extract::{Category, ClaimantKind};
use claimdesk::services::reports::{ExportQuery, ExportRequest};
use serde_json::Value;

const SCRIPT: &str = "<script>alert(1)</script>";

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 15, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

fn meta() -> ReportMeta {
    let request = ExportRequest::parse(&ExportQuery {
        include_drafts: "true".into(),
        category: "energy".into(),
        ..ExportQuery::default()
    })
    .expect("the filters parse");
    ReportMeta {
        generated_at: at(20, 12),
        filters: request.describe(),
        organization: "Checkers <Org> & Co".into(),
        organization_url: Some("https://checkers.example.org".into()),
        public_base_url: "https://claims.example.org/".into(),
        summary: ReportSummary {
            total: 6,
            by_state: vec![
                ("approved".into(), 4),
                ("verified".into(), 1),
                ("disputed".into(), 1),
            ],
            by_category: vec![
                ("energy".into(), 3),
                ("finance".into(), 2),
                (SCRIPT.into(), 1),
            ],
        },
    }
}

fn evidence(id: i64, url: &str, stance: &str, retracted: bool) -> ReportEvidence {
    ReportEvidence {
        id,
        url: url.into(),
        title: Some(format!("Source {id} {SCRIPT}")),
        excerpt: Some("“quoted”, with comma\nand newline".into()),
        stance: stance.parse().expect("a stance"),
        added_by: "Nicolás".into(),
        added_at: at(2, 9),
        retracted,
    }
}

#[allow(clippy::too_many_arguments)]
fn claim(
    id: i64,
    article: &Arc<ReportArticle>,
    text: &str,
    claimant: Option<&str>,
    state: &str,
    verdict: Option<&str>,
    rating: Option<i16>,
    label: Option<&str>,
    draft: bool,
    correction: bool,
) -> ReportClaim {
    ReportClaim {
        id,
        article: Arc::clone(article),
        text: text.into(),
        normalized_text: None,
        claimant: claimant.map(Into::into),
        claimant_kind: None,
        tags: Vec::new(),
        merged_into: None,
        category: Category::Energy,
        state: state.parse().expect("a state"),
        verdict: verdict.map(Into::into),
        rating,
        label: label.map(Into::into),
        rationale: Some(format!(
            "Because \"reasons\", commas, and\nnewlines. {SCRIPT}"
        )),
        reviewer: Some("=HYPERLINK(\"http://x\")".into()),
        approver: (!draft).then(|| "@SUM(A1)".into()),
        decided_at: Some(at(3, 10)),
        approved_at: (!draft).then(|| at(4, 11)),
        is_draft: draft,
        is_correction: correction,
        verdicts: Vec::new(),
        evidence: vec![
            evidence(
                id * 10,
                "https://source.example/a?x=1&y=2",
                "supports",
                false,
            ),
            evidence(id * 10 + 1, "javascript:alert(1)", "refutes", false),
            evidence(id * 10 + 2, "https://source.example/old", "context", true),
        ],
        events: vec![ReportEvent {
            id: id * 100,
            from: Some("in_review".into()),
            to: Some(state.into()),
            actor: "Zoë".into(),
            note: Some(SCRIPT.into()),
            at: at(3, 10),
        }],
    }
}

fn fixture() -> Vec<ReportClaim> {
    let a1 = Arc::new(ReportArticle {
        id: 1,
        title: format!("Energy “deal” {SCRIPT}"),
        url: Some("https://news.example.com/energy?a=1&b=2".into()),
        publisher: Some("Example News".into()),
        published_on: NaiveDate::from_ymd_opt(2026, 3, 1),
    });
    let a2 = Arc::new(ReportArticle {
        id: 2,
        title: "-2 percent, said the bank".into(),
        url: Some("javascript:alert(document.cookie)".into()),
        publisher: None,
        published_on: None,
    });
    let mut claims = vec![
        claim(
            11,
            &a1,
            "The pipeline carries 55 bcm a year",
            Some("Nicolás Maduro"),
            "approved",
            Some("verified"),
            Some(5),
            Some("True"),
            false,
            false,
        ),
        claim(
            12,
            &a1,
            &format!("{SCRIPT} prices fell, \"sharply\""),
            Some("Ministry of Energy"),
            "approved",
            Some("disputed"),
            Some(1),
            Some("False"),
            false,
            true,
        ),
        claim(
            13,
            &a1,
            "+1 percent growth",
            None,
            "approved",
            Some("unverifiable"),
            None,
            Some("Unverifiable"),
            false,
            false,
        ),
        claim(
            21,
            &a2,
            "=HYPERLINK(\"http://x\")",
            Some("@SUM(A1)"),
            "verified",
            Some("verified"),
            Some(4),
            Some("Mostly true"),
            true,
            false,
        ),
        claim(
            22,
            &a2,
            "\tTabbed\r\nand CR",
            Some("-2"),
            "approved",
            Some("disputed"),
            Some(2),
            None,
            false,
            false,
        ),
        claim(
            23,
            &a2,
            "\rCarriage return start with “curly quotes”",
            None,
            "disputed",
            Some("disputed"),
            Some(2),
            Some("Mostly false"),
            true,
            false,
        ),
    ];
    claims[1].claimant_kind = Some(ClaimantKind::GovernmentBody);
    claims[2].merged_into = Some(11);
    claims
}

fn render(format: ExportFormat) -> Vec<u8> {
    let claims = fixture();
    match export_to_vec(format, &meta(), &claims) {
        Ok(bytes) => bytes,
        Err(e) => panic!("{format} export failed: {e}"),
    }
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("output is not UTF-8: {e}"))
}

#[test]
fn csv_round_trips_and_is_neutralised() {
    let bytes = render(ExportFormat::Csv);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes.as_slice());
    let headers = reader.headers().cloned().expect("header row");
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        claimdesk::export::csv::CSV_COLUMNS.to_vec()
    );
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("missing column {name}"))
    };
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("rows parse");
    let claims = fixture();
    assert_eq!(rows.len(), claims.len());

    // Undo the neutralising quote to compare with the source values.
    let original = |cell: &str| -> String {
        match cell.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_owned(),
            _ => cell.to_owned(),
        }
    };
    for (row, c) in rows.iter().zip(&claims) {
        assert_eq!(row.len(), headers.len());
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {cell:?}"
            );
        }
        assert_eq!(row[col("claim_id")], c.id.to_string());
        assert_eq!(original(&row[col("claim_text")]), c.text);
        assert_eq!(original(&row[col("article_title")]), c.article.title);
        assert_eq!(
            original(&row[col("claimant")]),
            c.claimant.clone().unwrap_or_default()
        );
        assert_eq!(
            original(&row[col("rationale")]),
            c.rationale.clone().unwrap_or_default()
        );
        assert_eq!(
            original(&row[col("reviewer")]),
            c.reviewer.clone().unwrap_or_default()
        );
        assert_eq!(
            row[col("draft")].to_owned(),
            if c.is_draft { "yes" } else { "no" }
        );
        assert_eq!(
            row[col("correction")].to_owned(),
            if c.is_correction { "yes" } else { "no" }
        );
        assert_eq!(row[col("decided_at")].to_owned(), "2026-03-03T10:15:00Z");
        // Retracted evidence is left out; the rest is joined by newlines.
        assert_eq!(
            &row[col("evidence_urls")],
            "https://source.example/a?x=1&y=2\njavascript:alert(1)"
        );
    }
    assert_eq!(&rows[0][col("approved_at")], "2026-03-04T11:15:00Z");
    assert_eq!(&rows[3][col("approved_at")], "");
    assert_eq!(&rows[1][col("claimant")], "Ministry of Energy");
    assert_eq!(&rows[4][col("claimant")], "'-2");
    assert_eq!(&rows[3][col("claim_text")], "'=HYPERLINK(\"http://x\")");
    assert_eq!(&rows[0][col("claimant")], "Nicolás Maduro");
    assert_eq!(&rows[1][col("claimant_kind")], "government_body");
    assert_eq!(&rows[0][col("claimant_kind")], "");
    assert_eq!(&rows[2][col("merged_into")], "11");
    assert_eq!(&rows[1][col("merged_into")], "");
    // RFC 4180 line ends.
    assert!(text(bytes).starts_with("claim_id,article_title,"));
}

#[test]
fn csv_header_is_alone_when_no_claims() {
    let out = export_to_vec(ExportFormat::Csv, &meta(), []).expect("empty export");
    assert_eq!(text(out).matches("\r\n").count(), 1);
}

#[test]
fn json_has_documented_shape() {
    let doc: Value = serde_json::from_slice(&render(ExportFormat::Json)).expect("valid JSON");
    assert_eq!(doc["schema"], "claimdesk.report/1");
    assert_eq!(doc["generated_at"], "2026-03-20T12:15:00Z");
    assert_eq!(doc["organization"]["name"], "Checkers <Org> & Co");
    assert_eq!(doc["filters"]["category"], "energy");
    assert_eq!(
        doc["filters"]["states"],
        serde_json::json!(["verified", "disputed", "unverifiable", "approved"])
    );
    assert_eq!(doc["summary"]["total"], 6);
    assert_eq!(doc["summary"]["by_state"][0]["name"], "approved");
    assert_eq!(doc["summary"]["by_state"][0]["count"], 4);
    let claims = doc["claims"].as_array().expect("claims array");
    assert_eq!(claims.len(), 6);
    let keys = [
        "id",
        "article",
        "text",
        "claimant",
        "claimant_kind",
        "merged_into",
        "category",
        "state",
        "verdict",
        "rating",
        "label",
        "rationale",
        "reviewer",
        "approver",
        "decided_at",
        "approved_at",
        "draft",
        "correction",
        "correction_note",
        "evidence",
        "events",
        "verdicts",
        "tags",
    ];
    for c in claims {
        let obj = c.as_object().expect("claim object");
        for k in keys {
            assert!(obj.contains_key(k), "claim lacks {k}");
        }
        assert_eq!(obj.len(), keys.len());
        for k in ["id", "title", "url", "publisher", "published_on"] {
            assert!(c["article"].get(k).is_some(), "article lacks {k}");
        }
        for k in [
            "id",
            "url",
            "title",
            "excerpt",
            "stance",
            "added_by",
            "added_at",
            "retracted",
        ] {
            assert!(c["evidence"][0].get(k).is_some(), "evidence lacks {k}");
        }
        for k in ["id", "from", "to", "actor", "note", "at"] {
            assert!(c["events"][0].get(k).is_some(), "event lacks {k}");
        }
    }
    assert_eq!(
        claims[1]["text"],
        format!("{SCRIPT} prices fell, \"sharply\"")
    );
    assert_eq!(claims[1]["correction"], true);
    assert_eq!(claims[1]["claimant_kind"], "government_body");
    assert_eq!(claims[0]["claimant_kind"], Value::Null);
    assert_eq!(claims[2]["merged_into"], 11);
    assert_eq!(claims[0]["merged_into"], Value::Null);
    assert_eq!(claims[3]["draft"], true);
    assert_eq!(claims[3]["approved_at"], Value::Null);
    assert_eq!(claims[2]["rating"], Value::Null);
    assert_eq!(claims[0]["article"]["published_on"], "2026-03-01");
    assert_eq!(claims[0]["evidence"][2]["retracted"], true);
}

#[test]
fn json_empty_report_is_valid() {
    let out = export_to_vec(ExportFormat::Json, &meta(), []).expect("empty export");
    let doc: Value = serde_json::from_slice(&out).expect("valid JSON");
    assert_eq!(doc["claims"], serde_json::json!([]));
}

#[test]
fn claimreview_has_required_fields_and_skips_unpublishable() {
    let bytes = render(ExportFormat::ClaimReview);
    // Safe to paste into <script type="application/ld+json">: no raw < > & anywhere.
    assert!(!bytes.iter().any(|b| matches!(b, b'<' | b'>' | b'&')));
    let doc: Value = serde_json::from_slice(&bytes).expect("valid JSON-LD");
    let reviews = doc.as_array().expect("array of ClaimReview");
    // 11, 12 and 22 are approved and rated; 13 is approved and unverifiable (no rating, so
    // its review carries only the name); 21 and 23 are drafts.
    // Each links to its public page, `/checks/{id}-{slug}`; 13 is merged into 11 and has no
    // page of its own, so its review links to 11's (`/checks/11` redirects to the slug).
    let paths: Vec<&str> = reviews
        .iter()
        .filter_map(|r| r["url"].as_str())
        .filter_map(|u| u.strip_prefix("https://claims.example.org/checks/"))
        .map(|rest| rest.split_once('-').map_or(rest, |(id, _)| id))
        .collect();
    assert_eq!(paths, vec!["11", "12", "11", "22"], "{reviews:?}");
    assert!(
        reviews[2]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/checks/11"))
    );
    for r in reviews {
        // Google: claimReviewed, reviewRating (with alternateName) and url are required.
        assert_eq!(r["@context"], "https://schema.org");
        assert_eq!(r["@type"], "ClaimReview");
        assert!(r["claimReviewed"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(
            r["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://claims.example.org/checks/"))
        );
        let rating = &r["reviewRating"];
        assert_eq!(rating["@type"], "Rating");
        assert!(
            rating["alternateName"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
        if r["url"].as_str().is_some_and(|u| u.ends_with("/checks/11")) {
            assert_eq!(rating["alternateName"], "Unverifiable");
            for key in ["ratingValue", "bestRating", "worstRating"] {
                assert!(rating.get(key).is_none(), "unverifiable has no {key}");
            }
        } else {
            let value = rating["ratingValue"].as_i64().expect("ratingValue");
            assert!((1..=5).contains(&value));
            assert_eq!(rating["bestRating"], 5);
            assert_eq!(rating["worstRating"], 1);
        }
        // Recommended: author, itemReviewed (Claim with appearance), datePublished.
        assert_eq!(r["author"]["@type"], "Organization");
        assert_eq!(r["author"]["name"], "Checkers <Org> & Co");
        assert_eq!(r["author"]["url"], "https://checkers.example.org");
        assert_eq!(r["datePublished"], "2026-03-04");
        assert_eq!(r["itemReviewed"]["@type"], "Claim");
        assert_eq!(r["itemReviewed"]["appearance"]["@type"], "CreativeWork");
        assert!(r["itemReviewed"]["appearance"]["headline"].is_string());
    }
    let first = &reviews[0];
    assert_eq!(first["claimReviewed"], "The pipeline carries 55 bcm a year");
    assert_eq!(first["itemReviewed"]["author"]["@type"], "Person");
    assert_eq!(first["itemReviewed"]["author"]["name"], "Nicolás Maduro");
    assert_eq!(first["itemReviewed"]["datePublished"], "2026-03-01");
    assert_eq!(
        first["itemReviewed"]["appearance"]["url"],
        "https://news.example.com/energy?a=1&b=2"
    );
    assert_eq!(
        first["itemReviewed"]["appearance"]["publisher"]["name"],
        "Example News"
    );
    assert_eq!(first["reviewRating"]["alternateName"], "True");
    let second = &reviews[1];
    assert_eq!(
        second["claimReviewed"],
        format!("{SCRIPT} prices fell, \"sharply\"")
    );
    assert_eq!(second["itemReviewed"]["author"]["@type"], "Organization");
    // No label given: a default text for the rating fills the required alternateName.
    let third = &reviews[3];
    assert_eq!(third["reviewRating"]["alternateName"], "Mostly false");
    // A javascript: article URL is not published as the appearance URL.
    assert!(third["itemReviewed"]["appearance"].get("url").is_none());
}

#[test]
fn claimreview_falls_back_to_publisher_as_claim_author() {
    let mut claims = fixture();
    claims.truncate(1);
    claims[0].claimant = None;
    let out = export_to_vec(ExportFormat::ClaimReview, &meta(), &claims).expect("export");
    let doc: Value = serde_json::from_slice(&out).expect("valid JSON-LD");
    assert_eq!(doc[0]["itemReviewed"]["author"]["@type"], "Organization");
    assert_eq!(doc[0]["itemReviewed"]["author"]["name"], "Example News");
}

#[test]
fn claimreview_empty_is_empty_array() {
    let out = export_to_vec(ExportFormat::ClaimReview, &meta(), []).expect("empty export");
    let doc: Value = serde_json::from_slice(&out).expect("valid JSON");
    assert_eq!(doc, serde_json::json!([]));
}

#[test]
fn html_is_escaped_self_contained_and_printable() {
    let html = text(render(ExportFormat::Html));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(html.contains("<svg"));
    assert!(html.contains("@media print"));
    assert!(html.contains("break-before: page"));
    assert!(html.contains("page-break-before: always"));
    // Hostile text is escaped everywhere, and there is no script at all.
    assert!(!html.to_lowercase().contains("<script"));
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
    assert!(html.contains("<span>javascript:alert(document.cookie)</span>"));
    for href in html.split("href=\"").skip(1) {
        let target = href.split('"').next().unwrap_or_default();
        assert!(
            target.starts_with("https://") || target.starts_with("http://"),
            "non-http href {target:?}"
        );
    }
    // No external resources.
    for needle in ["<link", "src=", "@import", "url("] {
        assert!(!html.contains(needle), "external resource marker {needle}");
    }
    // The javascript: evidence URL is still shown, as text.
    assert!(html.contains("<span>javascript:alert(1)</span>"));
    assert_eq!(html.matches("Draft — not approved").count(), 2);
    assert_eq!(
        html.matches("Correction: reopened and re-approved").count(),
        1
    );
    // One section per article, every section closed.
    assert_eq!(html.matches("<section class=\"article\"").count(), 2);
    assert_eq!(
        html.matches("<section").count(),
        html.matches("</section>").count()
    );
    assert_eq!(html.matches("<article").count(), 6);
    assert!(html.contains("Nicolás Maduro"));
    assert!(html.contains("(retracted)"));
    assert!(html.contains("https://claims.example.org/checks/11-"));
    // Drafts have no public page to link to.
    assert!(!html.contains("https://claims.example.org/checks/21-"));
}

#[test]
fn html_article_header_appears_only_on_change() {
    let claims = fixture();
    let mut writer = writer_for(ExportFormat::Html);
    let mut out = Vec::new();
    writer.begin(&meta(), &mut out).expect("begin");
    out.clear();
    writer.write_claim(&claims[0], &mut out).expect("claim 1");
    assert!(text(std::mem::take(&mut out)).contains("<section class=\"article\" id=\"article-1\""));
    writer.write_claim(&claims[1], &mut out).expect("claim 2");
    assert!(!text(std::mem::take(&mut out)).contains("<section"));
    writer.write_claim(&claims[3], &mut out).expect("claim 3");
    let chunk = text(std::mem::take(&mut out));
    assert!(chunk.starts_with("</section>"));
    assert!(chunk.contains("id=\"article-2\""));
    writer.finish(&mut out).expect("finish");
}

#[test]
fn html_empty_report_says_so() {
    let out = export_to_vec(ExportFormat::Html, &meta(), []).expect("empty export");
    let html = text(out);
    assert!(html.contains("No claims match"));
    assert!(!html.contains("<section class=\"article\""));
    assert_eq!(
        html.matches("<section").count(),
        html.matches("</section>").count()
    );
}

#[test]
fn writers_reject_misuse_instead_of_panicking() {
    for format in ExportFormat::ALL {
        let claims = fixture();
        let mut w: Box<dyn ReportWriter> = writer_for(format);
        let mut out = Vec::new();
        assert!(matches!(
            w.write_claim(&claims[0], &mut out),
            Err(ExportError::Sequence(_))
        ));
        assert!(matches!(w.finish(&mut out), Err(ExportError::Sequence(_))));
        assert!(w.begin(&meta(), &mut out).is_ok());
        assert!(matches!(
            w.begin(&meta(), &mut out),
            Err(ExportError::Sequence(_))
        ));
        assert!(w.finish(&mut out).is_ok());
        assert!(matches!(w.finish(&mut out), Err(ExportError::Sequence(_))));
    }
}

#[test]
fn chunked_output_equals_one_buffer() {
    for format in ExportFormat::ALL {
        let claims = fixture();
        let whole = render(format);
        let mut writer = writer_for(format);
        let mut joined = Vec::new();
        let mut chunk = Vec::new();
        writer.begin(&meta(), &mut chunk).expect("begin");
        joined.append(&mut chunk);
        for c in &claims {
            writer.write_claim(c, &mut chunk).expect("claim");
            joined.append(&mut chunk);
        }
        writer.finish(&mut chunk).expect("finish");
        joined.append(&mut chunk);
        assert_eq!(joined, whole, "{format}");
    }
}

#[test]
fn filters_deserialize_from_a_query_string() {
    let parse = |query: &str| {
        serde_urlencoded::from_str::<ExportQuery>(query)
            .map_err(|e| FilterError::Malformed(e.to_string()))
            .and_then(|q| ExportRequest::parse(&q))
    };
    let f = parse(
        "articles=4,9&states=approved,disputed&include_drafts=true&category=energy&claimant=&decided_from=2026-01-01",
    )
    .expect("query parses");
    assert_eq!(f.filter.articles, vec![4, 9]);
    assert_eq!(
        f.filter.states,
        vec![ReviewState::Disputed, ReviewState::Approved]
    );
    assert!(f.include_drafts);
    assert_eq!(f.filter.claimant, None);
    assert_eq!(f.filter.decided_from, NaiveDate::from_ymd_opt(2026, 1, 1));

    let empty = parse("").expect("empty query parses");
    assert_eq!(empty, ExportRequest::default());
    assert_eq!(empty.filter.states, vec![ReviewState::Approved]);

    assert!(matches!(
        parse("articles=1,x"),
        Err(FilterError::Malformed(_))
    ));
    assert!(matches!(
        parse("decided_to=31/01/2026"),
        Err(FilterError::Malformed(_))
    ));
    assert!(matches!(
        parse("states=approved,bogus"),
        Err(FilterError::Unknown(s)) if s.contains("\"bogus\"")
    ));
}
