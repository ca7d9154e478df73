//! Evidence gathered for a claim. Never deleted: a retraction keeps the row and says why.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::{evidence, users};
use crate::domain::{ClaimId, EvidenceId, Stance, UserId};
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evidence)]
pub struct Evidence {
    pub id: i64,
    pub claim_id: i64,
    pub url: String,
    pub title: Option<String>,
    pub excerpt: Option<String>,
    pub stance: Stance,
    pub added_by: i64,
    pub added_at: DateTime<Utc>,
    pub retracted_at: Option<DateTime<Utc>>,
    pub retraction_reason: Option<String>,
}

/// Evidence with the name of who added it, for pages and reports.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evidence)]
pub struct EvidenceWithAuthor {
    #[diesel(embed)]
    pub evidence: Evidence,
    #[diesel(select_expression = users::username)]
    pub added_by_name: String,
}

/// Evidence checked at the edge: the URL is http(s), texts are bounded.
#[derive(Debug, Clone)]
pub struct NewEvidence {
    pub url: String,
    pub title: Option<String>,
    pub excerpt: Option<String>,
    pub stance: Stance,
}

/// Longest evidence title and excerpt, in characters, and address, in bytes.
pub const MAX_TITLE_CHARS: usize = 500;
pub const MAX_EXCERPT_CHARS: usize = 5_000;
pub const MAX_URL_BYTES: usize = 2_000;

fn bounded(text: Option<String>, max: usize, what: &str) -> Result<Option<String>, AppError> {
    match crate::domain::text::optional(text) {
        Some(t) if t.chars().count() > max => Err(AppError::Validation(format!(
            "the {what} is longer than {max} characters"
        ))),
        other => Ok(other),
    }
}

impl NewEvidence {
    /// Checks evidence as it arrives from a form or the API: web addresses only, bounded
    /// texts, a known stance.
    pub fn parse(
        url: &str,
        title: Option<String>,
        excerpt: Option<String>,
        stance: &str,
    ) -> Result<NewEvidence, AppError> {
        let url = url.trim();
        if url.len() > MAX_URL_BYTES || !crate::domain::urls::is_web_url(url) {
            return Err(AppError::Validation(
                "evidence needs an http or https address".into(),
            ));
        }
        Ok(NewEvidence {
            url: url.to_owned(),
            title: bounded(title, MAX_TITLE_CHARS, "title")?,
            excerpt: bounded(excerpt, MAX_EXCERPT_CHARS, "excerpt")?,
            stance: stance
                .trim()
                .parse::<Stance>()
                .map_err(|e| AppError::Validation(e.to_string()))?,
        })
    }
}

/// The reason for a retraction: required, bounded like a note.
pub fn retraction_reason(text: &str) -> Result<String, AppError> {
    bounded(
        Some(text.to_owned()),
        crate::domain::review::MAX_NOTE_CHARS,
        "reason",
    )?
    .ok_or_else(|| AppError::Validation("give a reason for the retraction".into()))
}

#[derive(Insertable)]
#[diesel(table_name = evidence)]
struct EvidenceRow<'a> {
    claim_id: i64,
    url: &'a str,
    title: Option<&'a str>,
    excerpt: Option<&'a str>,
    stance: Stance,
    added_by: i64,
    added_at: DateTime<Utc>,
}

impl Evidence {
    pub async fn for_claim(
        conn: &mut AsyncPgConnection,
        claim_id: ClaimId,
    ) -> QueryResult<Vec<Evidence>> {
        evidence::table
            .filter(evidence::claim_id.eq(claim_id))
            .order(evidence::id.asc())
            .select(Evidence::as_select())
            .load(conn)
            .await
    }

    /// The evidence of several claims, in one query, in order of addition.
    pub async fn for_claims(
        conn: &mut AsyncPgConnection,
        claim_ids: &[ClaimId],
    ) -> QueryResult<Vec<Evidence>> {
        let claim_ids: Vec<i64> = claim_ids.iter().map(|id| id.0).collect();
        evidence::table
            .filter(evidence::claim_id.eq_any(claim_ids))
            .order(evidence::id.asc())
            .select(Evidence::as_select())
            .load(conn)
            .await
    }

    /// The evidence of several claims with who added it, in one query, in order of addition.
    pub async fn for_claims_with_authors(
        conn: &mut AsyncPgConnection,
        claim_ids: &[ClaimId],
    ) -> QueryResult<Vec<EvidenceWithAuthor>> {
        let claim_ids: Vec<i64> = claim_ids.iter().map(|id| id.0).collect();
        evidence::table
            .inner_join(users::table.on(users::id.eq(evidence::added_by)))
            .filter(evidence::claim_id.eq_any(claim_ids))
            .order(evidence::id.asc())
            .select(EvidenceWithAuthor::as_select())
            .load(conn)
            .await
    }

    pub async fn for_claim_with_authors(
        conn: &mut AsyncPgConnection,
        claim_id: ClaimId,
    ) -> QueryResult<Vec<EvidenceWithAuthor>> {
        Self::for_claims_with_authors(conn, &[claim_id]).await
    }

    /// Stores new evidence; the caller holds the claim's lock (see `services::evidence`).
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        claim_id: ClaimId,
        actor: UserId,
        new: &NewEvidence,
        now: DateTime<Utc>,
    ) -> QueryResult<Evidence> {
        diesel::insert_into(evidence::table)
            .values(EvidenceRow {
                claim_id: claim_id.0,
                url: &new.url,
                title: new.title.as_deref(),
                excerpt: new.excerpt.as_deref(),
                stance: new.stance,
                added_by: actor.0,
                added_at: now,
            })
            .returning(Evidence::as_returning())
            .get_result(conn)
            .await
    }

    /// Marks evidence of this claim retracted, unless it already is; how many rows changed.
    pub async fn mark_retracted(
        conn: &mut AsyncPgConnection,
        claim_id: ClaimId,
        evidence_id: EvidenceId,
        actor: UserId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> QueryResult<usize> {
        diesel::update(
            evidence::table
                .filter(evidence::id.eq(evidence_id.0))
                .filter(evidence::claim_id.eq(claim_id.0))
                .filter(evidence::retracted_at.is_null()),
        )
        .set((
            evidence::retracted_at.eq(now),
            evidence::retracted_by.eq(actor.0),
            evidence::retraction_reason.eq(reason),
        ))
        .execute(conn)
        .await
    }
}
