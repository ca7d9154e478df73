//! The API's shape of a claim (what `GET /api/v1/claims/{id}` answers), with its evidence and
//! verdict versions: shared by the API and by webhook bodies, which carry the same JSON.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::claims::{Claim, ClaimWithNames};
use crate::db::evidence::{Evidence, EvidenceWithAuthor};
use crate::db::tags::Tag;
use crate::db::verdicts::{NamedVerdict, VerdictRow};
use crate::domain::{ClaimId, ClaimOrigin, ReviewState, Stance, Verdict};
use crate::error::AppError;
use crate::extract::{Category, ClaimantKind};

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceJson {
    pub id: i64,
    pub url: String,
    pub title: Option<String>,
    pub excerpt: Option<String>,
    pub stance: Stance,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
    pub retracted_at: Option<DateTime<Utc>>,
    pub retraction_reason: Option<String>,
}

/// One version of a claim's verdict; a claim's list runs oldest first, the current one last.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerdictJson {
    verdict: Verdict,
    /// 1 (false) … 5 (true); null for unverifiable.
    rating: Option<i16>,
    label: Option<String>,
    rationale: Option<String>,
    author: Option<String>,
    created_at: DateTime<Utc>,
    /// The evidence items (ids) not retracted when the verdict was given.
    evidence: Vec<i64>,
    approved_by: Option<String>,
    approved_at: Option<DateTime<Utc>>,
    /// Set on a correction: why the approved verdict before it was replaced.
    correction_reason: Option<String>,
}

impl From<NamedVerdict> for VerdictJson {
    fn from(v: NamedVerdict) -> VerdictJson {
        let row = v.row;
        VerdictJson {
            verdict: row.verdict,
            rating: row.rating,
            label: row.label,
            rationale: row.rationale,
            author: v.author,
            created_at: row.created_at,
            evidence: row.evidence_ids,
            approved_by: v.approver,
            approved_at: row.approved_at,
            correction_reason: row.correction_reason,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimJson {
    id: i64,
    article_id: i64,
    text: String,
    /// Byte offsets into the article body.
    start: i32,
    end: i32,
    /// arms, finance, energy, military, diplomacy, politics, economy or other.
    #[schema(value_type = String)]
    category: Category,
    claimant: Option<String>,
    /// person, organization, publication, government_body, anonymous_source, document or
    /// unknown; null when there is no claimant.
    #[schema(value_type = Option<String>)]
    claimant_kind: Option<ClaimantKind>,
    /// A reviewer's wording for publication; `text` stays the article's own words.
    normalized_text: Option<String>,
    /// extracted or manual.
    origin: ClaimOrigin,
    /// The claim this one was merged into (it follows that claim's verdict in the queue and
    /// reports), or null.
    merged_into: Option<i64>,
    score: f32,
    #[schema(value_type = Vec<Object>)]
    entities: serde_json::Value,
    state: ReviewState,
    version: i32,
    assignee: Option<String>,
    verdict: Option<Verdict>,
    rating: Option<i16>,
    label: Option<String>,
    rationale: Option<String>,
    verdict_by: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    approved_by: Option<String>,
    approved_at: Option<DateTime<Utc>>,
    /// Approved after a reopen: the report marks it as a correction.
    correction: bool,
    /// Every verdict given, oldest first; the last is the current one.
    verdicts: Vec<VerdictJson>,
    evidence: Vec<EvidenceJson>,
    duplicate_of: Option<i64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// When the current assignee took the claim or had it assigned.
    assigned_at: Option<DateTime<Utc>>,
    /// Tag names, alphabetical.
    tags: Vec<String>,
}

/// Turns claims into their JSON form with evidence and names, in three queries whatever the count.
pub async fn claims_json(
    conn: &mut AsyncPgConnection,
    claims: Vec<Claim>,
) -> Result<Vec<ClaimJson>, AppError> {
    let ids: Vec<ClaimId> = claims.iter().map(|c| ClaimId(c.id)).collect();
    let evidence = Evidence::for_claims_with_authors(conn, &ids).await?;
    let mut by_claim: HashMap<i64, Vec<EvidenceJson>> = HashMap::new();
    for EvidenceWithAuthor {
        evidence: e,
        added_by_name,
    } in evidence
    {
        by_claim.entry(e.claim_id).or_default().push(EvidenceJson {
            id: e.id,
            added_by: added_by_name,
            url: e.url,
            title: e.title,
            excerpt: e.excerpt,
            stance: e.stance,
            added_at: e.added_at,
            retracted_at: e.retracted_at,
            retraction_reason: e.retraction_reason,
        });
    }
    let mut verdicts = VerdictRow::named_for_claims(conn, &ids).await?;
    let raw_ids: Vec<i64> = ids.iter().map(|c| c.0).collect();
    let mut tags = Tag::for_claims(conn, &raw_ids).await?;
    Ok(ClaimWithNames::load(conn, claims)
        .await?
        .into_iter()
        .map(|named| {
            (
                named.claim,
                named.assignee,
                named.verdict_by,
                named.approved_by,
            )
        })
        .map(|(c, assignee, verdict_by, approved_by)| ClaimJson {
            evidence: by_claim.remove(&c.id).unwrap_or_default(),
            verdicts: verdicts
                .remove(&ClaimId(c.id))
                .unwrap_or_default()
                .into_iter()
                .map(VerdictJson::from)
                .collect(),
            tags: tags
                .remove(&c.id)
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.name)
                .collect(),
            assigned_at: c.assigned_at,
            assignee,
            verdict_by,
            approved_by,
            correction: c.reopen_count > 0 && c.state == ReviewState::Approved,
            id: c.id,
            article_id: c.article_id,
            text: c.text,
            start: c.span_start,
            end: c.span_end,
            category: c.category,
            claimant: c.claimant,
            claimant_kind: c.claimant_kind,
            normalized_text: c.normalized_text,
            origin: c.origin,
            merged_into: c.merged_into,
            score: c.score,
            entities: c.entities,
            state: c.state,
            version: c.version,
            verdict: c.verdict,
            rating: c.rating,
            label: c.label,
            rationale: c.rationale,
            decided_at: c.verdict_at,
            approved_at: c.approved_at,
            duplicate_of: c.duplicate_of,
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
        .collect())
}

pub async fn claim_json(conn: &mut AsyncPgConnection, claim: Claim) -> Result<ClaimJson, AppError> {
    claims_json(conn, vec![claim])
        .await?
        .pop()
        .ok_or(AppError::NotFound("claim"))
}
