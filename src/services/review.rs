//! Moving a claim through review: lock, check the version, let `domain::review` decide, store
//! the change and its audit event, all in one transaction.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::db::claims::Claim;
use crate::db::events::{ClaimEvent, EventKind, NewClaimEvent};
use crate::db::evidence::Evidence;
use crate::db::verdicts::{Corrects, VerdictRow};
use crate::domain::review::{self, ClaimChange, Transition, TransitionRequest};
use crate::domain::{Actor, ClaimId, EvidenceId, ReviewState, VerdictId};
use crate::error::AppError;
use crate::services::{notifications, verdict_fact_checks, webhooks};

/// "This claim was changed by someone else", with the state and version it has now.
pub(crate) fn conflict(claim: &Claim) -> AppError {
    AppError::Conflict {
        message: format!(
            "this claim was changed by someone else while you were working on it; it is now {}",
            claim.state.title().to_lowercase(),
        ),
        current: Some(serde_json::json!({ "state": claim.state, "version": claim.version })),
    }
}

/// A claim merged into another follows that claim's verdict: it is not reviewed on its own,
/// and its evidence is the primary's to gather, until it is un-merged.
pub(crate) fn follows_primary(claim: &Claim) -> Result<(), AppError> {
    match claim.merged_into {
        Some(primary) => Err(AppError::Validation(format!(
            "this claim is merged into claim {primary} and follows its verdict; review claim \
             {primary}, or un-merge this one first"
        ))),
        None => Ok(()),
    }
}

/// Whether `actor` may move this claim (locked by the caller, with its evidence) as `request`
/// asks, having seen it at `seen_version`; the move to store if so. Reads and writes nothing,
/// so a bulk action asks it of each claim before storing the allowed moves together.
pub(crate) fn decide(
    claim: &Claim,
    evidence: &[Evidence],
    seen_version: i32,
    actor: Actor,
    request: &TransitionRequest,
) -> Result<Transition, AppError> {
    if claim.version != seen_version {
        return Err(conflict(claim));
    }
    follows_primary(claim)?;
    Ok(review::apply(&claim.snapshot(evidence), actor, request)?)
}

/// Moves a claim as `request` asks, if `seen_version` is still current and the rules allow it.
/// The row is locked first, so the version check, the evidence the rules look at, the
/// guarded UPDATE and the audit event all see one consistent claim.
pub async fn transition(
    conn: &mut AsyncPgConnection,
    id: ClaimId,
    seen_version: i32,
    actor: Actor,
    request: &TransitionRequest,
    now: DateTime<Utc>,
) -> Result<Claim, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let claim = Claim::lock(conn, id)
            .await?
            .ok_or(AppError::NotFound("claim"))?;
        let evidence = Evidence::for_claim(conn, id).await?;
        let transition = decide(&claim, &evidence, seen_version, actor, request)?;
        let verdict_id = match &transition.change {
            ClaimChange::GiveVerdict(details) => {
                let cited: Vec<EvidenceId> = evidence
                    .iter()
                    .filter(|e| e.retracted_at.is_none())
                    .map(|e| EvidenceId(e.id))
                    .collect();
                let corrects = correction_of(conn, &claim).await?;
                Some(
                    VerdictRow::insert(conn, id, details, actor.id, &cited, corrects.as_ref(), now)
                        .await?,
                )
            }
            ClaimChange::Approve { approver } => {
                if let Some(current) = claim.verdict_id {
                    VerdictRow::approve(conn, VerdictId(current), *approver, now).await?;
                }
                None
            }
            _ => None,
        };
        let Some(updated) = Claim::apply_transition(
            conn,
            id,
            seen_version,
            &transition,
            actor.id,
            verdict_id,
            now,
        )
        .await?
        else {
            return Err(conflict(&claim));
        };
        ClaimEvent::insert(
            conn,
            &[NewClaimEvent {
                claim_id: id.0,
                actor_id: actor.id.0,
                kind: EventKind::Transition,
                from_state: Some(transition.from),
                to_state: Some(transition.to),
                note: transition.note.clone(),
                evidence_id: None,
                created_at: now,
            }],
        )
        .await?;
        notifications::after_move(conn, &claim, &transition, actor.id, now).await?;
        if transition.to == ReviewState::Approved {
            webhooks::verdict_published(conn, &updated, now).await?;
            verdict_fact_checks::approved(conn, &updated).await?;
        } else if transition.from == ReviewState::Approved {
            verdict_fact_checks::reopened(conn, id).await?;
        }
        Ok(updated)
    })
    .await
}

/// A new verdict corrects the current one when that one was approved (the claim was reopened
/// after publication); the reopening's reason is the correction's reason. A correction sent
/// back and given again still corrects the same published verdict, for the same reason.
async fn correction_of(
    conn: &mut AsyncPgConnection,
    claim: &Claim,
) -> Result<Option<Corrects>, AppError> {
    let Some(current_id) = claim.verdict_id else {
        return Ok(None);
    };
    let Some((verdict_id, carried_reason)) =
        VerdictRow::corrected_by_next(conn, VerdictId(current_id)).await?
    else {
        return Ok(None);
    };
    let reason = match carried_reason {
        Some(reason) => reason,
        None => VerdictRow::last_reopen_reason(conn, ClaimId(claim.id))
            .await?
            .unwrap_or_else(|| "reopened after approval".to_owned()),
    };
    Ok(Some(Corrects { verdict_id, reason }))
}
