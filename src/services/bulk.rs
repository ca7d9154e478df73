//! Bulk actions on selected claims. Each claim goes through the same use case as a single move
//! (role, state, the version it was seen at, four-eyes), in its own transaction with its own
//! audit event, so a refusal for one claim never half-applies it nor stops the others. The
//! outcome of each claim comes back in request order.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use futures_util::future::join_all;

use crate::db::DbPool;
use crate::domain::review::TransitionRequest;
use crate::domain::{Actor, ClaimId, ReviewState};
use crate::error::AppError;
use crate::services::{assignment, review, tags};

/// Most claims one bulk request may hold.
pub const MAX_BULK_CLAIMS: usize = 10_000;

/// Connections a bulk request uses at once: claims are independent rows, so spreading them
/// over a few connections overlaps their commits without holding the whole pool.
const CONNECTIONS: usize = 4;

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

/// Applies `action` to each claim, each in its own transaction; the outcomes in request order.
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
    let chunk = items.len().div_ceil(CONNECTIONS);
    let runs = items.chunks(chunk).map(|part| async move {
        let mut conn = pool.get().await?;
        let mut outcomes = Vec::with_capacity(part.len());
        for item in part {
            let result = apply_one(&mut conn, actor, action, *item, now)
                .await
                .map(|claim| claim.version);
            outcomes.push(BulkOutcome {
                id: item.id,
                result,
            });
        }
        Ok::<_, AppError>(outcomes)
    });
    let mut all = Vec::with_capacity(items.len());
    for part in join_all(runs).await {
        all.extend(part?);
    }
    Ok(all)
}

/// One claim, through the use case a single move of it goes through.
async fn apply_one(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    action: &BulkAction,
    item: BulkItem,
    now: DateTime<Utc>,
) -> Result<crate::db::claims::Claim, AppError> {
    let BulkItem { id, version } = item;
    let to = |state: ReviewState, note: Option<&str>| TransitionRequest {
        to: Some(state),
        note: note.map(str::to_owned),
        ..TransitionRequest::default()
    };
    match action {
        BulkAction::Take => {
            review::transition(
                conn,
                id,
                version,
                actor,
                &to(ReviewState::InReview, None),
                now,
            )
            .await
        }
        BulkAction::Release => {
            review::transition(
                conn,
                id,
                version,
                actor,
                &to(ReviewState::Extracted, None),
                now,
            )
            .await
        }
        BulkAction::Dismiss { reason } => {
            let request = to(ReviewState::Dismissed, Some(reason));
            review::transition(conn, id, version, actor, &request, now).await
        }
        BulkAction::Approve => {
            review::transition(
                conn,
                id,
                version,
                actor,
                &to(ReviewState::Approved, None),
                now,
            )
            .await
        }
        BulkAction::Assign { assignee } => {
            assignment::assign(conn, id, version, actor, assignee, now).await
        }
        BulkAction::Tag { tag } => tags::set_tag(conn, id, version, actor, tag, true, now).await,
        BulkAction::Untag { tag } => tags::set_tag(conn, id, version, actor, tag, false, now).await,
    }
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
