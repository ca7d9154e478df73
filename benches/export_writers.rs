//! Throughput of each report writer over 100k claims, streamed chunk by chunk.

use std::hint::black_box;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use claimdesk::domain::{ReviewState, Stance};
use claimdesk::export::{
    ExportFormat, ReportArticle, ReportClaim, ReportEvent, ReportEvidence, ReportMeta,
    ReportSummary, writer_for,
};
use claimdesk::extract::Category;
use claimdesk::services::reports::ExportRequest;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CLAIMS: usize = 100_000;
const CLAIMS_PER_ARTICLE: usize = 8;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_770_000_000 + secs, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

fn meta() -> ReportMeta {
    ReportMeta {
        generated_at: at(0),
        filters: ExportRequest::default().describe(),
        organization: "Bench Checkers".into(),
        organization_url: Some("https://checkers.example.org".into()),
        public_base_url: "https://claims.example.org".into(),
        summary: ReportSummary {
            total: CLAIMS as i64,
            by_state: vec![("approved".into(), CLAIMS as i64)],
            by_category: vec![("energy".into(), 60_000), ("finance".into(), 40_000)],
        },
    }
}

/// Realistic-size claims: two evidence items and two events each.
fn claims() -> Vec<ReportClaim> {
    let mut article = Arc::new(ReportArticle {
        id: 0,
        title: String::new(),
        url: None,
        publisher: None,
        published_on: None,
    });
    (0..CLAIMS)
        .map(|i| {
            let id = i as i64;
            if i % CLAIMS_PER_ARTICLE == 0 {
                article = Arc::new(ReportArticle {
                    id: id / CLAIMS_PER_ARTICLE as i64,
                    title: format!("Article {i}: officials say output rose, “sharply”"),
                    url: Some(format!("https://news.example.com/a/{i}")),
                    publisher: Some("Example News".into()),
                    published_on: at(id).date_naive().into(),
                });
            }
            ReportClaim {
                id,
                article: Arc::clone(&article),
                text: format!("Exports grew by {i} percent in the last quarter, said the minister"),
                normalized_text: None,
                claimant: Some(
                    if i % 2 == 0 {
                        "Nicolás Pérez"
                    } else {
                        "Ministry of Energy"
                    }
                    .into(),
                ),
                claimant_kind: None,
                tags: Vec::new(),
                merged_into: None,
                category: Category::Energy,
                state: ReviewState::Approved,
                verdict: Some("disputed".into()),
                rating: Some((i % 5) as i16 + 1),
                label: Some("Mostly false".into()),
                rationale: Some(
                    "Customs data for the same quarter show a smaller rise; the figure \
                     quoted appears to be year-on-year, not quarter-on-quarter."
                        .into(),
                ),
                reviewer: Some("reviewer@example.org".into()),
                approver: Some("editor@example.org".into()),
                decided_at: Some(at(id)),
                approved_at: Some(at(id + 3600)),
                is_draft: false,
                is_correction: i % 50 == 0,
                verdicts: Vec::new(),
                evidence: (0..2)
                    .map(|k| ReportEvidence {
                        id: id * 2 + k,
                        url: format!("https://stats.example.gov/table/{i}/{k}"),
                        title: Some("Quarterly trade statistics".into()),
                        excerpt: Some("Exports rose 1.2% q/q <seasonally adjusted>".into()),
                        stance: if k == 0 {
                            Stance::Refutes
                        } else {
                            Stance::Context
                        },
                        added_by: "reviewer@example.org".into(),
                        added_at: at(id),
                        retracted: false,
                    })
                    .collect(),
                events: (0..2)
                    .map(|k| ReportEvent {
                        id: id * 2 + k,
                        from: Some("in_review".into()),
                        to: Some("approved".into()),
                        actor: "editor@example.org".into(),
                        note: None,
                        at: at(id + k),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn bench_writers(c: &mut Criterion) {
    let claims = claims();
    let meta = meta();
    let mut group = c.benchmark_group("write_100k_claims");
    group.sample_size(10);
    group.throughput(Throughput::Elements(CLAIMS as u64));
    for format in ExportFormat::ALL {
        group.bench_function(format.as_str(), |b| {
            b.iter(|| {
                // Mirrors the HTTP path: one reused chunk buffer, drained after every call.
                let mut writer = writer_for(format);
                let mut chunk = Vec::with_capacity(8 * 1024);
                let mut total = 0usize;
                if writer.begin(&meta, &mut chunk).is_err() {
                    return 0;
                }
                total += chunk.len();
                chunk.clear();
                for claim in &claims {
                    if writer.write_claim(claim, &mut chunk).is_err() {
                        return 0;
                    }
                    total += chunk.len();
                    chunk.clear();
                }
                if writer.finish(&mut chunk).is_err() {
                    return 0;
                }
                black_box(total + chunk.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_writers);
criterion_main!(benches);
