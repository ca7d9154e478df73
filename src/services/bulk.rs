//! Bulk actions on selected claims. Each claim is checked as if it were moved alone (the same
//! rules as a single move: role, state, the version it was seen at, four-eyes) and gets its
//! own audit event; a refused claim is left untouched and never stops the others. The allowed
//! changes are stored together: claims are locked and read in batches, each batch in one
//! transaction with one UPDATE per kind of move, one INSERT of events and one of
//! notifications, so 10,000 claims cost a few dozen statements rather than 60,000. The
//! outcome of each claim comes back in request order.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::db::DbPool;
use crate::db::claims::Claim;
use crate::db::events::{ClaimEvent, EventKind, NewClaimEvent, NewClaimMoveChange};
use crate::db::evidence::Evidence;
use crate::db::tags::Tag;
use crate::db::users::User;
use crate::db::verdicts::VerdictRow;
use crate::domain::review::{ClaimChange, Transition, TransitionRequest};
use crate::domain::{Actor, ClaimId, ReviewState, UserId, VerdictId};
use crate::error::AppError;
use crate::services::{assignment, notifications, review, tags, verdict_fact_checks, webhooks};

/// Most claims one bulk request may hold.
pub const MAX_BULK_CLAIMS: usize = 10_000;

/// Claims one transaction locks and changes: bounds its locks and statements' sizes (every
/// batched INSERT stays well under PostgreSQL's 65,535 parameters), and a database failure
/// costs at most this many claims their move, each reported as failed.
const BATCH: usize = 1_000;

/// What to do with every selected claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    Take,
    Assign { assignee: String },
    Release,
    Dismiss { reason: String },
    Approve,
    Tag { tag: String },
    Untag { tag: String },
}

impl BulkAction {
    /// The action named `action` with the one value it needs; a missing value is a message.
    pub fn parse(
        action: &str,
        assignee: Option<&str>,
        tag: Option<&str>,
        reason: Option<&str>,
    ) -> Result<BulkAction, String> {
        let needed = |value: Option<&str>, what: &str| {
            value
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| format!("the {action} action needs {what}"))
        };
        Ok(match action.trim() {
            "take" => BulkAction::Take,
            "assign" => BulkAction::Assign {
                assignee: needed(assignee, "an assignee")?,
            },
            "release" => BulkAction::Release,
            "dismiss" => BulkAction::Dismiss {
                reason: needed(reason, "a reason")?,
            },
            "approve" => BulkAction::Approve,
            "tag" => BulkAction::Tag {
                tag: needed(tag, "a tag")?,
            },
            "untag" => BulkAction::Untag {
                tag: needed(tag, "a tag")?,
            },
            other => {
                return Err(format!(
                    "unknown action {other:?}; use take, assign, release, dismiss, approve, tag or untag"
                ));
            }
        })
    }

    /// What was done to a claim, for the page's report.
    pub fn done(&self) -> String {
        match self {
            BulkAction::Take => "taken".into(),
            BulkAction::Assign { assignee } => format!("assigned to {assignee}"),
            BulkAction::Release => "released".into(),
            BulkAction::Dismiss { .. } => "dismissed".into(),
            BulkAction::Approve => "approved".into(),
            BulkAction::Tag { tag } => format!("tagged {tag}"),
            BulkAction::Untag { tag } => format!("untagged {tag}"),
        }
    }
}

/// One selected claim and the version it was seen at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkItem {
    pub id: ClaimId,
    pub version: i32,
}

/// What happened to one claim: `Ok` with its new version, or why it was refused.
#[derive(Debug)]
pub struct BulkOutcome {
    pub id: ClaimId,
    pub result: Result<i32, AppError>,
}

/// Applies `action` to each claim; the outcomes in request order.
pub async fn apply(
    pool: &DbPool,
    actor: Actor,
    action: &BulkAction,
    items: &[BulkItem],
    now: DateTime<Utc>,
) -> Result<Vec<BulkOutcome>, AppError> {
    if items.is_empty() {
        return Err(AppError::Validation("select at least one claim".into()));
    }
    if items.len() > MAX_BULK_CLAIMS {
        return Err(AppError::Validation(format!(
            "at most {MAX_BULK_CLAIMS} claims in one bulk action; narrow the selection"
        )));
    }
    let mut conn = pool.get().await?;
    // A claim listed twice is moved once, as two single moves from one version would be.
    let mut listed = HashSet::with_capacity(items.len());
    let twice: Vec<bool> = items.iter().map(|item| !listed.insert(item.id)).collect();
    let mut outcomes = Vec::with_capacity(items.len());
    for (batch, twice) in items.chunks(BATCH).zip(twice.chunks(BATCH)) {
        let results = conn
            .transaction::<_, AppError, _>(async |conn| {
                apply_batch(conn, actor, action, batch, twice, now).await
            })
            .await;
        match results {
            Ok(results) => {
                outcomes.extend(batch.iter().zip(results).map(|(item, result)| BulkOutcome {
                    id: item.id,
                    result,
                }))
            }
            Err(err) => {
                if matches!(err, AppError::Unexpected(_)) {
                    tracing::error!(error = %err, claims = batch.len(), "a bulk batch failed");
                }
                outcomes.extend(batch.iter().map(|item| BulkOutcome {
                    id: item.id,
                    result: Err(for_every_claim(&err)),
                }));
            }
        }
    }
    Ok(outcomes)
}

/// The refusal each claim of a batch gets when the batch failed as a whole: an unknown tag or
/// assignee, or a database error that rolled the batch back (nothing of it was stored).
fn for_every_claim(err: &AppError) -> AppError {
    match err {
        AppError::Validation(message) => AppError::Validation(message.clone()),
        AppError::Unavailable => AppError::Unavailable,
        other => AppError::unexpected(anyhow::anyhow!("the batch of this claim failed: {other}")),
    }
}

/// Each claim's new version, or why it was refused: one batch, in the caller's transaction.
async fn apply_batch(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    action: &BulkAction,
    items: &[BulkItem],
    twice: &[bool],
    now: DateTime<Utc>,
) -> Result<Vec<Result<i32, AppError>>, AppError> {
    let ids: Vec<ClaimId> = items.iter().map(|item| item.id).collect();
    let locked: HashMap<ClaimId, Claim> = Claim::lock_many(conn, &ids)
        .await?
        .into_iter()
        .map(|claim| (ClaimId(claim.id), claim))
        .collect();
    let batch = Batch {
        items,
        twice,
        locked: &locked,
        actor,
        now,
    };
    let request = |state: ReviewState, note: Option<&str>| TransitionRequest {
        to: Some(state),
        note: note.map(str::to_owned),
        ..TransitionRequest::default()
    };
    match action {
        BulkAction::Take => {
            batch
                .moves(conn, &request(ReviewState::InReview, None))
                .await
        }
        BulkAction::Release => {
            batch
                .moves(conn, &request(ReviewState::Extracted, None))
                .await
        }
        BulkAction::Dismiss { reason } => {
            batch
                .moves(conn, &request(ReviewState::Dismissed, Some(reason)))
                .await
        }
        BulkAction::Approve => {
            batch
                .moves(conn, &request(ReviewState::Approved, None))
                .await
        }
        BulkAction::Assign { assignee } => batch.assignments(conn, assignee).await,
        BulkAction::Tag { tag } => batch.tagging(conn, tag, true).await,
        BulkAction::Untag { tag } => batch.tagging(conn, tag, false).await,
    }
}

/// One batch of selected claims, locked by the caller's transaction.
struct Batch<'a> {
    items: &'a [BulkItem],
    /// Whether the item at this position names a claim listed earlier in the request.
    twice: &'a [bool],
    locked: &'a HashMap<ClaimId, Claim>,
    actor: Actor,
    now: DateTime<Utc>,
}

impl Batch<'_> {
    /// Asks `check` about each item's claim, as a single move would: an unknown claim or one
    /// listed twice is refused before the rules are asked.
    fn check_each<T>(
        &self,
        mut check: impl FnMut(&Claim, i32) -> Result<T, AppError>,
    ) -> Vec<Result<T, AppError>> {
        self.items
            .iter()
            .zip(self.twice)
            .map(|(item, twice)| {
                let claim = self
                    .locked
                    .get(&item.id)
                    .ok_or(AppError::NotFound("claim"))?;
                if *twice {
                    return Err(AppError::Validation(
                        "this claim is selected more than once; it is changed once".into(),
                    ));
                }
                check(claim, item.version)
            })
            .collect()
    }

    fn claim(&self, index: usize) -> &Claim {
        &self.locked[&self.items[index].id]
    }

    /// Stores the allowed moves: one UPDATE per kind of move (the same from, to and change),
    /// and the new claims by id.
    async fn store_moves(
        &self,
        conn: &mut AsyncPgConnection,
        decided: &[Result<Transition, AppError>],
    ) -> Result<HashMap<ClaimId, Claim>, AppError> {
        let mut kinds: Vec<(&Transition, Vec<ClaimId>)> = Vec::new();
        for (item, transition) in self.items.iter().zip(decided) {
            let Ok(transition) = transition else { continue };
            match kinds.iter_mut().find(|(kind, _)| *kind == transition) {
                Some((_, ids)) => ids.push(item.id),
                None => kinds.push((transition, vec![item.id])),
            }
        }
        let mut moved = HashMap::new();
        for (transition, ids) in kinds {
            if matches!(transition.change, ClaimChange::GiveVerdict(_)) {
                // A verdict carries its own text and evidence: never given in bulk.
                return Err(AppError::Validation(
                    "a verdict is given one claim at a time".into(),
                ));
            }
            let rows =
                Claim::apply_transition_to_many(conn, &ids, transition, self.actor.id, self.now)
                    .await?;
            if rows.len() != ids.len() {
                return Err(AppError::unexpected(anyhow::anyhow!(
                    "a bulk move changed {} of {} locked claims",
                    rows.len(),
                    ids.len()
                )));
            }
            moved.extend(rows.into_iter().map(|claim| (ClaimId(claim.id), claim)));
        }
        Ok(moved)
    }

    /// Take, release, dismiss or approve: each claim through `review::decide`, the allowed
    /// ones stored together with what a single move stores besides (verdict approvals,
    /// notifications, webhooks, our fact-check index).
    async fn moves(
        &self,
        conn: &mut AsyncPgConnection,
        request: &TransitionRequest,
    ) -> Result<Vec<Result<i32, AppError>>, AppError> {
        let ids: Vec<ClaimId> = self.locked.keys().copied().collect();
        let mut evidence: HashMap<i64, Vec<Evidence>> = HashMap::new();
        for row in Evidence::for_claims(conn, &ids).await? {
            evidence.entry(row.claim_id).or_default().push(row);
        }
        let decided = self.check_each(|claim, seen| {
            let cited = evidence.get(&claim.id).map_or(&[][..], Vec::as_slice);
            review::decide(claim, cited, seen, self.actor, request)
        });
        let moved = self.store_moves(conn, &decided).await?;
        let mut events = Vec::with_capacity(moved.len());
        let mut told = Vec::with_capacity(moved.len());
        for (index, transition) in decided.iter().enumerate() {
            let Ok(transition) = transition else { continue };
            let before = self.claim(index);
            if let (ClaimChange::Approve { approver }, Some(verdict)) =
                (&transition.change, before.verdict_id)
            {
                VerdictRow::approve(conn, VerdictId(verdict), *approver, self.now).await?;
            }
            events.push(NewClaimEvent {
                claim_id: before.id,
                actor_id: self.actor.id.0,
                kind: EventKind::Transition,
                from_state: Some(transition.from),
                to_state: Some(transition.to),
                note: transition.note.clone(),
                evidence_id: None,
                created_at: self.now,
            });
            told.push((before, transition));
        }
        if !events.is_empty() {
            ClaimEvent::insert(conn, &events).await?;
        }
        notifications::after_moves(conn, &told, self.actor.id, self.now).await?;
        for (before, transition) in &told {
            let Some(after) = moved.get(&ClaimId(before.id)) else {
                continue;
            };
            if transition.to == ReviewState::Approved {
                webhooks::verdict_published(conn, after, self.now).await?;
                verdict_fact_checks::approved(conn, after).await?;
            } else if transition.from == ReviewState::Approved {
                verdict_fact_checks::reopened(conn, ClaimId(before.id)).await?;
            }
        }
        Ok(new_versions(decided, &moved, self.items))
    }

    /// Assign: each claim through `assignment::decide`, one `assigned` event each with who had
    /// it before, the new assignee and the followers told.
    async fn assignments(
        &self,
        conn: &mut AsyncPgConnection,
        assignee: &str,
    ) -> Result<Vec<Result<i32, AppError>>, AppError> {
        let person = assignment::assignee_called(conn, assignee).await?;
        let decided =
            self.check_each(|claim, seen| assignment::decide(claim, seen, self.actor, &person));
        let moved = self.store_moves(conn, &decided).await?;
        let mut before_ids: Vec<UserId> = self
            .locked
            .values()
            .filter_map(|claim| claim.assignee_id.map(UserId))
            .collect();
        before_ids.sort_unstable();
        before_ids.dedup();
        let names: HashMap<UserId, String> =
            User::names(conn, &before_ids).await?.into_iter().collect();
        let mut events = Vec::with_capacity(moved.len());
        let mut assigned = Vec::with_capacity(moved.len());
        for (index, transition) in decided.iter().enumerate() {
            let Ok(transition) = transition else { continue };
            let before = self.claim(index);
            events.push(NewClaimMoveChange {
                claim_id: before.id,
                actor_id: self.actor.id.0,
                kind: EventKind::Assigned,
                from_state: Some(transition.from),
                to_state: Some(transition.to),
                field: Some("assignee".into()),
                old_value: before
                    .assignee_id
                    .and_then(|id| names.get(&UserId(id)).cloned()),
                new_value: Some(person.username.clone()),
                created_at: self.now,
            });
            assigned.push(ClaimId(before.id));
        }
        if !events.is_empty() {
            ClaimEvent::insert_move_change(conn, &events).await?;
        }
        notifications::assigned_many(conn, &assigned, UserId(person.id), self.actor.id, self.now)
            .await?;
        Ok(new_versions(decided, &moved, self.items))
    }

    /// Tag (`add`) or untag: each claim through `tags::may_tag`; a claim that already has the
    /// tag (or lacks it) is refused and left as it was.
    async fn tagging(
        &self,
        conn: &mut AsyncPgConnection,
        name: &str,
        add: bool,
    ) -> Result<Vec<Result<i32, AppError>>, AppError> {
        let tag = tags::tag_called(conn, name).await?;
        let allowed = self.check_each(|claim, seen| tags::may_tag(claim, seen, self.actor));
        let candidates: Vec<ClaimId> = self
            .items
            .iter()
            .zip(&allowed)
            .filter(|(_, ok)| ok.is_ok())
            .map(|(item, _)| item.id)
            .collect();
        let changed: HashSet<ClaimId> = if add {
            Tag::add_to_many(conn, tag.id, &candidates, self.actor.id.0, self.now).await?
        } else {
            Tag::remove_from_many(conn, tag.id, &candidates).await?
        }
        .into_iter()
        .collect();
        let changed_ids: Vec<ClaimId> = changed.iter().copied().collect();
        Claim::touch_many(conn, &changed_ids, self.now).await?;
        let events: Vec<_> = candidates
            .iter()
            .filter(|id| changed.contains(id))
            .map(|id| tags::tag_event(*id, self.actor, &tag, add, self.now))
            .collect();
        if !events.is_empty() {
            ClaimEvent::insert_change(conn, &events).await?;
        }
        Ok(self
            .items
            .iter()
            .zip(allowed)
            .map(|(item, allowed)| {
                allowed?;
                if changed.contains(&item.id) {
                    Ok(self.locked[&item.id].version + 1)
                } else {
                    Err(tags::unchanged(&tag, add))
                }
            })
            .collect())
    }
}

/// Each item's new version, or its refusal.
fn new_versions(
    decided: Vec<Result<Transition, AppError>>,
    moved: &HashMap<ClaimId, Claim>,
    items: &[BulkItem],
) -> Vec<Result<i32, AppError>> {
    items
        .iter()
        .zip(decided)
        .map(|(item, decided)| {
            decided?;
            moved
                .get(&item.id)
                .map(|claim| claim.version)
                .ok_or_else(|| {
                    AppError::unexpected(anyhow::anyhow!(
                        "claim {} was allowed but not moved",
                        item.id
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_need_their_one_value() {
        assert_eq!(
            BulkAction::parse("take", None, None, None),
            Ok(BulkAction::Take)
        );
        assert!(BulkAction::parse("assign", None, None, None).is_err());
        assert!(BulkAction::parse("dismiss", None, None, Some("  ")).is_err());
        assert_eq!(
            BulkAction::parse("tag", None, Some(" budget "), None),
            Ok(BulkAction::Tag {
                tag: "budget".into()
            })
        );
        assert!(BulkAction::parse("delete", None, None, None).is_err());
    }
}
