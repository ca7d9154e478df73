//! Moving a claim through review: lock, check the version, let `domain::review` decide, store
//! the change and its audit event, all in one transaction.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::db::claims::Claim;
use crate::db::events::{ClaimEvent, EventKind, NewClaimEvent};
use crate::db::evidence::Evidence;
use crate::domain::review::{self, TransitionRequest};
use crate::domain::{Actor, ClaimId};
use crate::error::AppError;

/// "This claim was changed by someone else", with the state and version it has now.
fn conflict(claim: &Claim) -> AppError {
    AppError::Conflict {
        message: format!(
            "this claim was changed by someone else; it is now {} (version {})",
            claim.state.title().to_lowercase(),
            claim.version
        ),
        current: Some(serde_json::json!({ "state": claim.state, "version": claim.version })),
    }
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
        if claim.version != seen_version {
            return Err(conflict(&claim));
        }
        let evidence = Evidence::for_claim(conn, id).await?;
        let transition = review::apply(&claim.snapshot(&evidence), actor, request)?;
        let Some(updated) =
            Claim::apply_transition(conn, id, seen_version, &transition, actor.id, now).await?
        else {
            return Err(conflict(&claim));
        };
        ClaimEvent::insert(
            conn,
            NewClaimEvent {
                claim_id: id.0,
                actor_id: actor.id.0,
                kind: EventKind::Transition,
                from_state: Some(transition.from),
                to_state: Some(transition.to),
                note: transition.note,
                evidence_id: None,
                created_at: now,
            },
        )
        .await?;
        Ok(updated)
    })
    .await
}
