//! API tokens: created by an admin for a user, shown once, stored as a SHA-256 hash, revocable.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::{api_tokens, users};
use super::users::User;
use crate::domain::TokenId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken<'a> {
    pub token_hash: &'a [u8],
    pub user_id: i64,
    pub label: &'a str,
    pub created_by: Option<i64>,
}

impl ApiToken {
    pub async fn create(
        conn: &mut AsyncPgConnection,
        new: NewApiToken<'_>,
    ) -> QueryResult<ApiToken> {
        diesel::insert_into(api_tokens::table)
            .values(new)
            .returning(ApiToken::as_returning())
            .get_result(conn)
            .await
    }

    /// The active user behind an unrevoked token.
    pub async fn authenticate(
        conn: &mut AsyncPgConnection,
        token_hash: &[u8],
    ) -> QueryResult<Option<User>> {
        let found: Option<(i64, User)> = api_tokens::table
            .inner_join(users::table.on(users::id.eq(api_tokens::user_id)))
            .filter(api_tokens::token_hash.eq(token_hash))
            .filter(api_tokens::revoked_at.is_null())
            .filter(users::disabled_at.is_null())
            .select((api_tokens::id, User::as_select()))
            .first(conn)
            .await
            .optional()?;
        Ok(found.map(|(_, user)| user))
    }

    pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(ApiToken, String)>> {
        api_tokens::table
            .inner_join(users::table.on(users::id.eq(api_tokens::user_id)))
            .order(api_tokens::id.desc())
            .select((ApiToken::as_select(), users::username))
            .load(conn)
            .await
    }

    pub async fn exists(conn: &mut AsyncPgConnection, id: TokenId) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(api_tokens::table.find(id)))
            .get_result(conn)
            .await
    }

    pub async fn revoke(conn: &mut AsyncPgConnection, id: TokenId) -> QueryResult<usize> {
        diesel::update(
            api_tokens::table
                .find(id)
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
    }
}
