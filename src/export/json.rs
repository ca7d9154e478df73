//! Streaming JSON writer for the `claimdesk.report/1` document.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{
    ExportError, Phase, ReportArticle, ReportClaim, ReportEvent, ReportEvidence, ReportMeta,
    ReportVerdict, ReportWriter,
};

/// Value of the top-level `schema` field; bump it on incompatible shape changes.
pub const JSON_SCHEMA: &str = "claimdesk.report/1";

/// Streams a JSON object whose `claims` array grows one claim per `write_claim`.
#[derive(Debug, Default)]
pub struct JsonWriter {
    phase: Phase,
    wrote_claim: bool,
}

impl JsonWriter {
    pub fn new() -> Self {
        Self::default()
    }
}

// Borrowing views keep the published shape independent of the data model's field names.

#[derive(Serialize)]
struct Header<'a> {
    schema: &'static str,
    generated_at: &'a DateTime<Utc>,
    organization: Organization<'a>,
    filters: &'a serde_json::Value,
    summary: Summary<'a>,
}

#[derive(Serialize)]
struct Organization<'a> {
    name: &'a str,
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct Summary<'a> {
    total: i64,
    by_state: Vec<Count<'a>>,
    by_category: Vec<Count<'a>>,
}

#[derive(Serialize)]
struct Count<'a> {
    name: &'a str,
    count: i64,
}

#[derive(Serialize)]
struct ClaimView<'a> {
    id: i64,
    article: ArticleView<'a>,
    text: &'a str,
    claimant: Option<&'a str>,
    /// person, organization, publication, government_body, …; null when not known.
    claimant_kind: Option<&'a str>,
    /// The claim this one was merged into: its verdict fields are that claim's.
    merged_into: Option<i64>,
    category: &'a str,
    state: &'a str,
    verdict: Option<&'a str>,
    rating: Option<i16>,
    label: Option<&'a str>,
    rationale: Option<&'a str>,
    reviewer: Option<&'a str>,
    approver: Option<&'a str>,
    decided_at: Option<&'a DateTime<Utc>>,
    approved_at: Option<&'a DateTime<Utc>>,
    draft: bool,
    correction: bool,
    /// "Corrected on DATE: was …, now …, because …" when the verdict is a published correction.
    correction_note: Option<String>,
    evidence: Vec<EvidenceView<'a>>,
    events: Vec<EventView<'a>>,
    /// Every verdict given, oldest first; the last is the current one.
    verdicts: Vec<VerdictView<'a>>,
    tags: &'a [String],
}

#[derive(Serialize)]
struct VerdictView<'a> {
    verdict: &'a str,
    rating: Option<i16>,
    label: Option<&'a str>,
    rationale: Option<&'a str>,
    author: Option<&'a str>,
    created_at: &'a DateTime<Utc>,
    approved_by: Option<&'a str>,
    approved_at: Option<&'a DateTime<Utc>>,
    correction_reason: Option<&'a str>,
}

impl<'a> From<&'a ReportVerdict> for VerdictView<'a> {
    fn from(v: &'a ReportVerdict) -> Self {
        Self {
            verdict: &v.verdict,
            rating: v.rating,
            label: v.label.as_deref(),
            rationale: v.rationale.as_deref(),
            author: v.author.as_deref(),
            created_at: &v.created_at,
            approved_by: v.approved_by.as_deref(),
            approved_at: v.approved_at.as_ref(),
            correction_reason: v.correction_reason.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct ArticleView<'a> {
    id: i64,
    title: &'a str,
    url: Option<&'a str>,
    publisher: Option<&'a str>,
    published_on: Option<NaiveDate>,
}

#[derive(Serialize)]
struct EvidenceView<'a> {
    id: i64,
    url: &'a str,
    title: Option<&'a str>,
    excerpt: Option<&'a str>,
    stance: &'a str,
    added_by: &'a str,
    added_at: &'a DateTime<Utc>,
    retracted: bool,
}

#[derive(Serialize)]
struct EventView<'a> {
    id: i64,
    from: Option<&'a str>,
    to: Option<&'a str>,
    actor: &'a str,
    note: Option<&'a str>,
    at: &'a DateTime<Utc>,
}

fn counts(rows: &[(String, i64)]) -> Vec<Count<'_>> {
    rows.iter()
        .map(|(name, count)| Count {
            name,
            count: *count,
        })
        .collect()
}

impl<'a> From<&'a ReportArticle> for ArticleView<'a> {
    fn from(a: &'a ReportArticle) -> Self {
        Self {
            id: a.id,
            title: &a.title,
            url: a.url.as_deref(),
            publisher: a.publisher.as_deref(),
            published_on: a.published_on,
        }
    }
}

impl<'a> From<&'a ReportEvidence> for EvidenceView<'a> {
    fn from(e: &'a ReportEvidence) -> Self {
        Self {
            id: e.id,
            url: &e.url,
            title: e.title.as_deref(),
            excerpt: e.excerpt.as_deref(),
            stance: e.stance.as_str(),
            added_by: &e.added_by,
            added_at: &e.added_at,
            retracted: e.retracted,
        }
    }
}

impl<'a> From<&'a ReportEvent> for EventView<'a> {
    fn from(e: &'a ReportEvent) -> Self {
        Self {
            id: e.id,
            from: e.from.as_deref(),
            to: e.to.as_deref(),
            actor: &e.actor,
            note: e.note.as_deref(),
            at: &e.at,
        }
    }
}

impl<'a> From<&'a ReportClaim> for ClaimView<'a> {
    fn from(c: &'a ReportClaim) -> Self {
        Self {
            id: c.id,
            article: ArticleView::from(c.article.as_ref()),
            text: &c.text,
            claimant: c.claimant.as_deref(),
            claimant_kind: c.claimant_kind.map(|k| k.as_str()),
            merged_into: c.merged_into,
            category: c.category.as_str(),
            state: c.state.as_str(),
            verdict: c.verdict.as_deref(),
            rating: c.rating,
            label: c.label.as_deref(),
            rationale: c.rationale.as_deref(),
            reviewer: c.reviewer.as_deref(),
            approver: c.approver.as_deref(),
            decided_at: c.decided_at.as_ref(),
            approved_at: c.approved_at.as_ref(),
            draft: c.is_draft,
            correction: c.is_correction,
            correction_note: c.correction().map(|n| n.to_string()),
            evidence: c.evidence.iter().map(EvidenceView::from).collect(),
            events: c.events.iter().map(EventView::from).collect(),
            verdicts: c.verdicts.iter().map(VerdictView::from).collect(),
            tags: &c.tags,
        }
    }
}

impl ReportWriter for JsonWriter {
    fn begin(&mut self, meta: &ReportMeta, out: &mut Vec<u8>) -> Result<(), ExportError> {
        self.phase.start()?;
        let header = Header {
            schema: JSON_SCHEMA,
            generated_at: &meta.generated_at,
            organization: Organization {
                name: &meta.organization,
                url: meta.organization_url.as_deref(),
            },
            filters: &meta.filters,
            summary: Summary {
                total: meta.summary.total,
                by_state: counts(&meta.summary.by_state),
                by_category: counts(&meta.summary.by_category),
            },
        };
        serde_json::to_writer(&mut *out, &header)?;
        // Reopen the finished header object so `claims` can be appended piece by piece.
        if out.last() == Some(&b'}') {
            out.pop();
        }
        out.extend_from_slice(b",\"claims\":[");
        Ok(())
    }

    fn write_claim(&mut self, claim: &ReportClaim, out: &mut Vec<u8>) -> Result<(), ExportError> {
        self.phase.check_writing()?;
        out.extend_from_slice(if self.wrote_claim { b",\n" } else { b"\n" });
        self.wrote_claim = true;
        serde_json::to_writer(&mut *out, &ClaimView::from(claim))?;
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), ExportError> {
        self.phase.end()?;
        out.extend_from_slice(if self.wrote_claim { b"\n]}\n" } else { b"]}\n" });
        Ok(())
    }
}
