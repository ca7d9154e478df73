//! Gathering evidence for a claim: adding and retracting it, each with its audit event, while
//! the claim is open.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::db::claims::Claim;
use crate::db::events::{ClaimEvent, EventKind, NewClaimEvent};
use crate::db::evidence::{Evidence, NewEvidence};
use crate::domain::review;
use crate::domain::{Actor, ClaimId, EvidenceId, UserId};
use crate::error::AppError;
use crate::services::notifications;

/// Locks the claim for an evidence change, and refuses the change unless the claim is open
/// (see `review::accepts_evidence`). The lock means a verdict being given at the same moment
/// sees either all of the evidence or none of it. A claim another reviewer holds is theirs
/// (see `review::may_change_evidence`).
async fn lock_open_claim(
    conn: &mut AsyncPgConnection,
    id: ClaimId,
    actor: Actor,
) -> Result<(), AppError> {
    let claim = Claim::lock(conn, id)
        .await?
        .ok_or(AppError::NotFound("claim"))?;
    super::review::follows_primary(&claim)?;
    review::may_change_evidence(claim.assignee_id.map(UserId), actor)?;
    let state = claim.state;
    if review::accepts_evidence(state) {
        Ok(())
    } else {
        Err(AppError::Validation(format!(
            "the claim is {}; reopen or restore it before changing its evidence",
            state.title().to_lowercase()
        )))
    }
}

/// Adds evidence and its audit event.
pub async fn add(
    conn: &mut AsyncPgConnection,
    claim_id: ClaimId,
    actor: Actor,
    new: &NewEvidence,
    now: DateTime<Utc>,
) -> Result<Evidence, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        lock_open_claim(conn, claim_id, actor).await?;
        let added = Evidence::insert(conn, claim_id, actor.id, new, now).await?;
        ClaimEvent::insert(
            conn,
            &[NewClaimEvent {
                claim_id: claim_id.0,
                actor_id: actor.id.0,
                kind: EventKind::EvidenceAdded,
                from_state: None,
                to_state: None,
                note: Some(format!("{} evidence: {}", new.stance, new.url)),
                evidence_id: Some(added.id),
                created_at: now,
            }],
        )
        .await?;
        let what = format!("{} evidence added", new.stance);
        notifications::claim_changed(conn, claim_id, actor.id, &what, now).await?;
        Ok(added)
    })
    .await
}

/// Retracts evidence with a reason; the row stays, marked, and the audit trail says why.
pub async fn retract(
    conn: &mut AsyncPgConnection,
    claim_id: ClaimId,
    evidence_id: EvidenceId,
    actor: Actor,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        lock_open_claim(conn, claim_id, actor).await?;
        let changed =
            Evidence::mark_retracted(conn, claim_id, evidence_id, actor.id, reason, now).await?;
        if changed == 0 {
            return Err(AppError::NotFound("evidence that is not yet retracted"));
        }
        ClaimEvent::insert(
            conn,
            &[NewClaimEvent {
                claim_id: claim_id.0,
                actor_id: actor.id.0,
                kind: EventKind::EvidenceRetracted,
                from_state: None,
                to_state: None,
                note: Some(reason.to_owned()),
                evidence_id: Some(evidence_id.0),
                created_at: now,
            }],
        )
        .await?;
        notifications::claim_changed(conn, claim_id, actor.id, "evidence retracted", now).await?;
        Ok(())
    })
    .await
}
