//! Assigning claims: an editor hands a claim to a reviewer, or to another one. One
//! transaction: the claim is locked, the version checked, `domain::review::assign` decides, a
//! guarded UPDATE stores the assignee and since when, and one `assigned` event records who
//! had it before and who has it now; the new assignee (unless they assigned themselves) and
//! the claim's followers are notified in the same transaction.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::db::claims::Claim;
use crate::db::events::{ClaimEvent, EventKind, NewClaimMoveChange};
use crate::db::users::User;
use crate::domain::review::{self, Transition};
use crate::domain::{Actor, ClaimId, UserId};
use crate::error::AppError;
use crate::services::notifications;
use crate::services::review::conflict;

/// Whether `actor` may give this claim (locked by the caller) to `person`, having seen it at
/// `seen_version`; the move to store if so. Reads and writes nothing.
pub(crate) fn decide(
    claim: &Claim,
    seen_version: i32,
    actor: Actor,
    person: &User,
) -> Result<Transition, AppError> {
    if claim.version != seen_version {
        return Err(conflict(claim));
    }
    Ok(review::assign(
        &claim.snapshot(&[]),
        actor,
        UserId(person.id),
        person.is_active(),
    )?)
}

/// The user a claim is given to, by name; a name nobody has is refused with the name.
pub(crate) async fn assignee_called(
    conn: &mut AsyncPgConnection,
    name: &str,
) -> Result<User, AppError> {
    User::by_username(conn, name.trim())
        .await?
        .ok_or_else(|| AppError::Validation(format!("no user called {:?}", name.trim())))
}

/// Assigns the claim to the user called `assignee`, if the claim is still at `seen_version`.
/// This is the one place an assignment happens: whatever else must follow from one (a
/// notification to the new assignee) belongs here, inside the same transaction.
pub async fn assign(
    conn: &mut AsyncPgConnection,
    id: ClaimId,
    seen_version: i32,
    actor: Actor,
    assignee: &str,
    now: DateTime<Utc>,
) -> Result<Claim, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let person = assignee_called(conn, assignee).await?;
        let claim = Claim::lock(conn, id)
            .await?
            .ok_or(AppError::NotFound("claim"))?;
        let transition = decide(&claim, seen_version, actor, &person)?;
        let previous = match claim.assignee_id {
            Some(before) => User::names(conn, &[UserId(before)])
                .await?
                .into_iter()
                .next()
                .map(|(_, name)| name),
            None => None,
        };
        let updated =
            Claim::apply_transition(conn, id, seen_version, &transition, actor.id, None, now)
                .await?
                .ok_or_else(|| conflict(&claim))?;
        ClaimEvent::insert_move_change(
            conn,
            &[NewClaimMoveChange {
                claim_id: id.0,
                actor_id: actor.id.0,
                kind: EventKind::Assigned,
                from_state: Some(transition.from),
                to_state: Some(transition.to),
                field: Some("assignee".into()),
                old_value: previous,
                new_value: Some(person.username),
                created_at: now,
            }],
        )
        .await?;
        notifications::assigned(conn, id, UserId(person.id), actor.id, now).await?;
        Ok(updated)
    })
    .await
}
