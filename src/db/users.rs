//! Accounts: users are created, re-roled, re-passworded and disabled, never deleted.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::{sessions, users};
use crate::domain::{Role, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

impl User {
    pub fn user_id(&self) -> UserId {
        UserId(self.id)
    }

    pub fn is_active(&self) -> bool {
        self.disabled_at.is_none()
    }

    pub async fn create(conn: &mut AsyncPgConnection, new: NewUser<'_>) -> QueryResult<User> {
        diesel::insert_into(users::table)
            .values(new)
            .returning(User::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn by_id(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<User>> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Usernames are matched case-insensitively, as the unique index does.
    pub async fn by_username(
        conn: &mut AsyncPgConnection,
        username: &str,
    ) -> QueryResult<Option<User>> {
        users::table
            .filter(lower(users::username).eq(username.to_lowercase()))
            .select(User::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<User>> {
        users::table
            .order(users::username.asc())
            .select(User::as_select())
            .load(conn)
            .await
    }

    /// Active users who may approve verdicts (editors and admins), with their roles.
    pub async fn approvers(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(UserId, Role)>> {
        Ok(users::table
            .filter(users::role.eq_any([Role::Editor, Role::Admin]))
            .filter(users::disabled_at.is_null())
            .order(users::id.asc())
            .select((users::id, users::role))
            .load::<(i64, Role)>(conn)
            .await?
            .into_iter()
            .map(|(id, role)| (UserId(id), role))
            .collect())
    }

    pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
        users::table.count().get_result(conn).await
    }

    pub async fn set_role(
        conn: &mut AsyncPgConnection,
        id: UserId,
        role: Role,
    ) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set(users::role.eq(role))
            .execute(conn)
            .await
    }

    pub async fn set_password_hash(
        conn: &mut AsyncPgConnection,
        id: UserId,
        hash: &str,
    ) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set(users::password_hash.eq(hash))
            .execute(conn)
            .await
    }

    /// Disables the account and ends every session it has, in one transaction.
    pub async fn disable(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<usize> {
        use diesel_async::AsyncConnection;
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            let changed =
                diesel::update(users::table.find(id).filter(users::disabled_at.is_null()))
                    .set(users::disabled_at.eq(diesel::dsl::now))
                    .execute(conn)
                    .await?;
            diesel::delete(sessions::table.filter(sessions::user_id.eq(id)))
                .execute(conn)
                .await?;
            Ok(changed)
        })
        .await
    }

    /// Ends every session of a user (the account stays as it is).
    pub async fn end_sessions(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<usize> {
        diesel::delete(sessions::table.filter(sessions::user_id.eq(id)))
            .execute(conn)
            .await
    }

    pub async fn enable(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set(users::disabled_at.eq(None::<DateTime<Utc>>))
            .execute(conn)
            .await
    }

    /// Names of the given users, for showing who did what.
    pub async fn names(
        conn: &mut AsyncPgConnection,
        ids: &[UserId],
    ) -> QueryResult<Vec<(UserId, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        let rows: Vec<(i64, String)> = users::table
            .filter(users::id.eq_any(ids))
            .select((users::id, users::username))
            .load(conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| (UserId(id), name))
            .collect())
    }
}

/// Usernames of the people some rows mention, read in one query.
pub struct Names(HashMap<UserId, String>);

impl Names {
    /// Looks up every user id given (absent ones are skipped, repeats read once).
    pub async fn of(
        conn: &mut AsyncPgConnection,
        ids: impl IntoIterator<Item = Option<i64>>,
    ) -> QueryResult<Names> {
        let mut people: Vec<UserId> = ids.into_iter().flatten().map(UserId).collect();
        people.sort_unstable();
        people.dedup();
        Ok(Names(
            User::names(conn, &people).await?.into_iter().collect(),
        ))
    }

    /// The name of a user id, if it is given and known.
    pub fn get(&self, id: Option<i64>) -> Option<String> {
        id.and_then(|id| self.0.get(&UserId(id)).cloned())
    }
}
