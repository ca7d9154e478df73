//! The inbox: one row per person told about a change, written in the change's transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::notifications;
use crate::domain::inbox::NotificationKind;
use crate::domain::{ClaimId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub claim_id: i64,
    pub actor_id: i64,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl NotificationRow {
    /// The kind, or `FollowedChanged` for a value a newer version wrote (the CHECK constraint
    /// keeps the column to known kinds).
    pub fn kind(&self) -> NotificationKind {
        self.kind
            .parse()
            .unwrap_or(NotificationKind::FollowedChanged)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = notifications)]
pub struct NewNotification<'a> {
    pub user_id: i64,
    pub kind: &'static str,
    pub claim_id: i64,
    pub actor_id: i64,
    pub note: Option<&'a str>,
    pub created_at: DateTime<Utc>,
}

impl NotificationRow {
    pub async fn insert_all(
        conn: &mut AsyncPgConnection,
        rows: &[NewNotification<'_>],
    ) -> QueryResult<usize> {
        if rows.is_empty() {
            return Ok(0);
        }
        diesel::insert_into(notifications::table)
            .values(rows)
            .execute(conn)
            .await
    }

    /// A person's notifications, newest first; `before` pages back by id.
    pub async fn for_user(
        conn: &mut AsyncPgConnection,
        user: UserId,
        unread_only: bool,
        before: Option<i64>,
        limit: i64,
    ) -> QueryResult<Vec<NotificationRow>> {
        let mut query = notifications::table
            .filter(notifications::user_id.eq(user.0))
            .select(NotificationRow::as_select())
            .into_boxed();
        if unread_only {
            query = query.filter(notifications::read_at.is_null());
        }
        if let Some(before) = before {
            query = query.filter(notifications::id.lt(before));
        }
        query
            .order(notifications::id.desc())
            .limit(limit)
            .load(conn)
            .await
    }

    pub async fn unread_count(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<i64> {
        notifications::table
            .filter(notifications::user_id.eq(user.0))
            .filter(notifications::read_at.is_null())
            .count()
            .get_result(conn)
            .await
    }

    /// Marks the person's own notifications read: those listed, or all of them with `None`.
    /// Ids of other people's notifications are ignored. Returns how many changed.
    pub async fn mark_read(
        conn: &mut AsyncPgConnection,
        user: UserId,
        ids: Option<&[i64]>,
        now: DateTime<Utc>,
    ) -> QueryResult<usize> {
        let mut query = diesel::update(notifications::table)
            .filter(notifications::user_id.eq(user.0))
            .filter(notifications::read_at.is_null())
            .into_boxed();
        if let Some(ids) = ids {
            query = query.filter(notifications::id.eq_any(ids));
        }
        query
            .set(notifications::read_at.eq(now))
            .execute(conn)
            .await
    }

    /// Notifications about one claim, oldest first (for tests and the claim's history).
    pub async fn for_claim(
        conn: &mut AsyncPgConnection,
        claim: ClaimId,
    ) -> QueryResult<Vec<NotificationRow>> {
        notifications::table
            .filter(notifications::claim_id.eq(claim.0))
            .order(notifications::id.asc())
            .select(NotificationRow::as_select())
            .load(conn)
            .await
    }
}
