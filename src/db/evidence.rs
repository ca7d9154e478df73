//! Evidence gathered for a claim. Never deleted: a retraction keeps the row and says why.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::events::{ClaimEvent, EventKind, NewClaimEvent};
use super::schema::{claims, evidence, users};
use crate::domain::{Stance, UserId};
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
        claim_id: i64,
    ) -> QueryResult<Vec<Evidence>> {
        evidence::table
            .filter(evidence::claim_id.eq(claim_id))
            .order(evidence::id.asc())
            .select(Evidence::as_select())
            .load(conn)
            .await
    }

    pub async fn for_claim_with_authors(
        conn: &mut AsyncPgConnection,
        claim_id: i64,
    ) -> QueryResult<Vec<EvidenceWithAuthor>> {
        evidence::table
            .inner_join(users::table.on(users::id.eq(evidence::added_by)))
            .filter(evidence::claim_id.eq(claim_id))
            .order(evidence::id.asc())
            .select(EvidenceWithAuthor::as_select())
            .load(conn)
            .await
    }

    /// Adds evidence and its audit event. The claim row is locked so a verdict being given at
    /// the same moment sees either all of the evidence or none of it.
    pub async fn add(
        conn: &mut AsyncPgConnection,
        claim_id: i64,
        actor: UserId,
        new: &NewEvidence,
        now: DateTime<Utc>,
    ) -> Result<Evidence, AppError> {
        conn.transaction::<_, AppError, _>(async |conn| {
            lock_claim(conn, claim_id).await?;
            let added: Evidence = diesel::insert_into(evidence::table)
                .values(EvidenceRow {
                    claim_id,
                    url: &new.url,
                    title: new.title.as_deref(),
                    excerpt: new.excerpt.as_deref(),
                    stance: new.stance,
                    added_by: actor.0,
                    added_at: now,
                })
                .returning(Evidence::as_returning())
                .get_result(conn)
                .await?;
            ClaimEvent::insert(
                conn,
                NewClaimEvent {
                    claim_id,
                    actor_id: actor.0,
                    kind: EventKind::EvidenceAdded,
                    from_state: None,
                    to_state: None,
                    note: Some(format!("{} evidence: {}", new.stance, new.url)),
                    evidence_id: Some(added.id),
                    created_at: now,
                },
            )
            .await?;
            Ok(added)
        })
        .await
    }

    /// Retracts evidence with a reason; the row stays, marked, and the audit trail says why.
    pub async fn retract(
        conn: &mut AsyncPgConnection,
        claim_id: i64,
        evidence_id: i64,
        actor: UserId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        conn.transaction::<_, AppError, _>(async |conn| {
            lock_claim(conn, claim_id).await?;
            let changed = diesel::update(
                evidence::table
                    .filter(evidence::id.eq(evidence_id))
                    .filter(evidence::claim_id.eq(claim_id))
                    .filter(evidence::retracted_at.is_null()),
            )
            .set((
                evidence::retracted_at.eq(now),
                evidence::retracted_by.eq(actor.0),
                evidence::retraction_reason.eq(reason),
            ))
            .execute(conn)
            .await?;
            if changed == 0 {
                return Err(AppError::NotFound("evidence that is not yet retracted"));
            }
            ClaimEvent::insert(
                conn,
                NewClaimEvent {
                    claim_id,
                    actor_id: actor.0,
                    kind: EventKind::EvidenceRetracted,
                    from_state: None,
                    to_state: None,
                    note: Some(reason.to_owned()),
                    evidence_id: Some(evidence_id),
                    created_at: now,
                },
            )
            .await?;
            Ok(())
        })
        .await
    }
}

async fn lock_claim(conn: &mut AsyncPgConnection, claim_id: i64) -> Result<(), AppError> {
    claims::table
        .find(claim_id)
        .select(claims::id)
        .for_update()
        .first::<i64>(conn)
        .await
        .optional()?
        .map(|_| ())
        .ok_or(AppError::NotFound("claim"))
}
