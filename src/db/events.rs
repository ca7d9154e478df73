//! The append-only audit trail of each claim. The database refuses UPDATE, DELETE and TRUNCATE.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::{claim_events, users};
use crate::domain::{ClaimId, ReviewState};

crate::domain::named_enum! {
    /// What an audit event records.
    pub enum EventKind ("event kind") {
        Transition => "transition",
        EvidenceAdded => "evidence_added",
        EvidenceRetracted => "evidence_retracted",
        ClaimEdited => "claim_edited",
        ClaimAdded => "claim_added",
        ClaimMerged => "claim_merged",
        ClaimUnmerged => "claim_unmerged",
        ClaimSplit => "claim_split",
        Assigned => "assigned",
        Tagged => "tagged",
        Untagged => "untagged",
        MarkedRepeat => "marked_repeat",
    }
}

impl EventKind {
    /// What happened, for the history timeline.
    pub fn describe(self) -> &'static str {
        match self {
            EventKind::Transition => "moved it",
            EventKind::EvidenceAdded => "added evidence",
            EventKind::EvidenceRetracted => "retracted evidence",
            EventKind::ClaimEdited => "corrected the claim",
            EventKind::ClaimAdded => "added the claim",
            EventKind::ClaimMerged => "merged it into another claim",
            EventKind::ClaimUnmerged => "un-merged it",
            EventKind::ClaimSplit => "split it",
            EventKind::Assigned => "assigned it",
            EventKind::Tagged => "tagged it",
            EventKind::Untagged => "removed a tag",
            EventKind::MarkedRepeat => "marked it as a repeat of an earlier check",
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = claim_events)]
pub struct NewClaimEvent {
    pub claim_id: i64,
    pub actor_id: i64,
    pub kind: EventKind,
    pub from_state: Option<ReviewState>,
    pub to_state: Option<ReviewState>,
    pub note: Option<String>,
    pub evidence_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// An event that changed the claim itself (an edit, a merge, a split, a manual addition):
/// the field, and its old and new values as text. The hash chain covers them.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = claim_events)]
pub struct NewClaimChange {
    pub claim_id: i64,
    pub actor_id: i64,
    pub kind: EventKind,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An event that both moves the claim and changes one of its fields (an assignment: the
/// claim may go into review, and the assignee changes).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = claim_events)]
pub struct NewClaimMoveChange {
    pub claim_id: i64,
    pub actor_id: i64,
    pub kind: EventKind,
    pub from_state: Option<ReviewState>,
    pub to_state: Option<ReviewState>,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An event with the name of whoever caused it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = claim_events)]
pub struct ClaimEvent {
    pub id: i64,
    pub claim_id: i64,
    pub kind: EventKind,
    pub from_state: Option<ReviewState>,
    pub to_state: Option<ReviewState>,
    pub note: Option<String>,
    pub evidence_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    #[diesel(select_expression = users::username)]
    pub actor: String,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

impl ClaimEvent {
    // Each takes the rows of one statement (many in a bulk action, never none); the trigger
    // links every row into its claim's chain all the same.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        rows: &[NewClaimEvent],
    ) -> QueryResult<usize> {
        diesel::insert_into(claim_events::table)
            .values(rows)
            .execute(conn)
            .await
    }

    pub async fn insert_change(
        conn: &mut AsyncPgConnection,
        rows: &[NewClaimChange],
    ) -> QueryResult<usize> {
        diesel::insert_into(claim_events::table)
            .values(rows)
            .execute(conn)
            .await
    }

    pub async fn insert_move_change(
        conn: &mut AsyncPgConnection,
        rows: &[NewClaimMoveChange],
    ) -> QueryResult<usize> {
        diesel::insert_into(claim_events::table)
            .values(rows)
            .execute(conn)
            .await
    }

    /// Who made the last recorded change of each of these claims.
    pub async fn last_actors(
        conn: &mut AsyncPgConnection,
        claim_ids: &[i64],
    ) -> QueryResult<std::collections::HashMap<i64, String>> {
        let rows: Vec<(i64, String)> = claim_events::table
            .inner_join(users::table)
            .filter(claim_events::claim_id.eq_any(claim_ids))
            .distinct_on(claim_events::claim_id)
            .order((claim_events::claim_id.asc(), claim_events::id.desc()))
            .select((claim_events::claim_id, users::username))
            .load(conn)
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// The history of one claim, oldest first.
    pub async fn for_claim(
        conn: &mut AsyncPgConnection,
        claim_id: ClaimId,
    ) -> QueryResult<Vec<ClaimEvent>> {
        claim_events::table
            .inner_join(users::table)
            .filter(claim_events::claim_id.eq(claim_id))
            .order(claim_events::id.asc())
            .select(ClaimEvent::as_select())
            .load(conn)
            .await
    }
}
