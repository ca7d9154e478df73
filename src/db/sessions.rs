//! Browser sessions: only the SHA-256 of the cookie value is stored, with idle and absolute expiry.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::{sessions, users};
use super::users::User;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: i64,
    pub token_hash: Vec<u8>,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub token_hash: &'a [u8],
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// Touching last_seen_at on every request would turn reads into writes; once a minute is enough.
const TOUCH_EVERY: Duration = Duration::minutes(1);

impl Session {
    pub async fn create(conn: &mut AsyncPgConnection, new: NewSession<'_>) -> QueryResult<Session> {
        diesel::insert_into(sessions::table)
            .values(new)
            .returning(Session::as_returning())
            .get_result(conn)
            .await
    }

    /// The live session with this token hash and its active user, refreshing its idle clock.
    pub async fn authenticate(
        conn: &mut AsyncPgConnection,
        token_hash: &[u8],
        idle: Duration,
        now: DateTime<Utc>,
    ) -> QueryResult<Option<(Session, User)>> {
        let found: Option<(Session, User)> = sessions::table
            .inner_join(users::table)
            .filter(sessions::token_hash.eq(token_hash))
            .filter(sessions::expires_at.gt(now))
            .filter(sessions::last_seen_at.gt(now - idle))
            .filter(users::disabled_at.is_null())
            .select((Session::as_select(), User::as_select()))
            .first(conn)
            .await
            .optional()?;
        if let Some((session, _)) = &found
            && now - session.last_seen_at > TOUCH_EVERY
        {
            diesel::update(sessions::table.find(session.id))
                .set(sessions::last_seen_at.eq(now))
                .execute(conn)
                .await?;
        }
        Ok(found)
    }

    pub async fn delete_by_hash(
        conn: &mut AsyncPgConnection,
        token_hash: &[u8],
    ) -> QueryResult<usize> {
        diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash)))
            .execute(conn)
            .await
    }

    /// Removes sessions past their absolute expiry; called at login so the table stays small.
    pub async fn delete_expired(
        conn: &mut AsyncPgConnection,
        now: DateTime<Utc>,
    ) -> QueryResult<usize> {
        diesel::delete(sessions::table.filter(sessions::expires_at.le(now)))
            .execute(conn)
            .await
    }
}
