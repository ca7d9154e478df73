//! Verdict versions: one row per verdict given, appended and never rewritten (the database
//! refuses anything but a first approval). The claim's `verdict_id` names the current one.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::{claim_events, verdicts};
use super::users::Names;
use crate::domain::{ClaimId, EvidenceId, ReviewState, UserId, Verdict, VerdictDetails, VerdictId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = verdicts)]
pub struct VerdictRow {
    pub id: i64,
    pub claim_id: i64,
    pub verdict: Verdict,
    pub rating: Option<i16>,
    pub label: Option<String>,
    pub rationale: Option<String>,
    pub author_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub evidence_ids: Vec<i64>,
    pub corrects_id: Option<i64>,
    pub correction_reason: Option<String>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = verdicts)]
struct NewVerdict<'a> {
    claim_id: i64,
    verdict: Verdict,
    rating: Option<i16>,
    label: Option<&'a str>,
    rationale: Option<&'a str>,
    author_id: Option<i64>,
    created_at: DateTime<Utc>,
    evidence_ids: &'a [i64],
    corrects_id: Option<i64>,
    correction_reason: Option<&'a str>,
}

/// A verdict version with the names of its author and approver, for pages and the API.
#[derive(Debug, Clone)]
pub struct NamedVerdict {
    pub row: VerdictRow,
    pub author: Option<String>,
    pub approver: Option<String>,
}

/// What a new verdict replaces when it corrects an approved one.
#[derive(Debug, Clone)]
pub struct Corrects {
    pub verdict_id: VerdictId,
    pub reason: String,
}

impl VerdictRow {
    /// Appends a verdict version and returns its id.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        claim: ClaimId,
        details: &VerdictDetails,
        author: UserId,
        evidence_ids: &[EvidenceId],
        corrects: Option<&Corrects>,
        now: DateTime<Utc>,
    ) -> QueryResult<VerdictId> {
        let evidence_ids: Vec<i64> = evidence_ids.iter().map(|id| id.0).collect();
        diesel::insert_into(verdicts::table)
            .values(NewVerdict {
                claim_id: claim.0,
                verdict: details.verdict,
                rating: details.rating.map(|r| r.value()),
                label: Some(&details.label),
                rationale: Some(&details.rationale),
                author_id: Some(author.0),
                created_at: now,
                evidence_ids: &evidence_ids,
                corrects_id: corrects.map(|c| c.verdict_id.0),
                correction_reason: corrects.map(|c| c.reason.as_str()),
            })
            .returning(verdicts::id)
            .get_result(conn)
            .await
            .map(VerdictId)
    }

    /// What a verdict given after this one corrects, if anything: this one when it was
    /// approved (published); else whatever this one was itself correcting (a correction sent
    /// back and given again still corrects the published verdict).
    pub async fn corrected_by_next(
        conn: &mut AsyncPgConnection,
        id: VerdictId,
    ) -> QueryResult<Option<(VerdictId, Option<String>)>> {
        let row: Option<(bool, Option<i64>, Option<String>)> = verdicts::table
            .filter(verdicts::id.eq(id))
            .select((
                verdicts::approved_at.is_not_null(),
                verdicts::corrects_id,
                verdicts::correction_reason,
            ))
            .first(conn)
            .await
            .optional()?;
        Ok(match row {
            Some((true, _, _)) => Some((id, None)),
            Some((false, Some(corrects), reason)) => Some((VerdictId(corrects), reason)),
            _ => None,
        })
    }

    /// Records the approval of a verdict not yet approved; false when there is none to approve.
    pub async fn approve(
        conn: &mut AsyncPgConnection,
        id: VerdictId,
        approver: UserId,
        now: DateTime<Utc>,
    ) -> QueryResult<bool> {
        let updated = diesel::update(
            verdicts::table
                .filter(verdicts::id.eq(id))
                .filter(verdicts::approved_at.is_null()),
        )
        .set((
            verdicts::approved_by.eq(approver.0),
            verdicts::approved_at.eq(now),
        ))
        .execute(conn)
        .await?;
        Ok(updated == 1)
    }

    pub async fn by_id(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<VerdictRow>> {
        verdicts::table
            .find(id)
            .select(VerdictRow::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Every version of the given claims' verdicts, by claim and oldest first.
    pub async fn for_claims(
        conn: &mut AsyncPgConnection,
        claim_ids: &[ClaimId],
    ) -> QueryResult<Vec<VerdictRow>> {
        let claim_ids: Vec<i64> = claim_ids.iter().map(|id| id.0).collect();
        verdicts::table
            .filter(verdicts::claim_id.eq_any(claim_ids))
            .order((verdicts::claim_id.asc(), verdicts::id.asc()))
            .select(VerdictRow::as_select())
            .load(conn)
            .await
    }

    /// The claims' verdict versions with names, grouped by claim, oldest first.
    pub async fn named_for_claims(
        conn: &mut AsyncPgConnection,
        claim_ids: &[ClaimId],
    ) -> QueryResult<HashMap<ClaimId, Vec<NamedVerdict>>> {
        let rows = VerdictRow::for_claims(conn, claim_ids).await?;
        let names = Names::of(conn, rows.iter().flat_map(|v| [v.author_id, v.approved_by])).await?;
        let name = |id: Option<i64>| names.get(id);
        let mut out: HashMap<ClaimId, Vec<NamedVerdict>> = HashMap::new();
        for row in rows {
            out.entry(ClaimId(row.claim_id))
                .or_default()
                .push(NamedVerdict {
                    author: name(row.author_id),
                    approver: name(row.approved_by),
                    row,
                });
        }
        Ok(out)
    }

    /// The reason given when the claim was last reopened after approval: what a correction is for.
    pub async fn last_reopen_reason(
        conn: &mut AsyncPgConnection,
        claim: ClaimId,
    ) -> QueryResult<Option<String>> {
        Ok(claim_events::table
            .filter(claim_events::claim_id.eq(claim.0))
            .filter(claim_events::from_state.eq(ReviewState::Approved))
            .filter(claim_events::to_state.eq(ReviewState::InReview))
            .order(claim_events::id.desc())
            .select(claim_events::note)
            .first::<Option<String>>(conn)
            .await
            .optional()?
            .flatten())
    }
}
