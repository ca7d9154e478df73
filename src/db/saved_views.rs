//! Saved views: a queue query string under a name, private to its owner or shared.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::{saved_views, users};
use crate::domain::UserId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = saved_views)]
pub struct SavedView {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    pub query: String,
    pub shared: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = saved_views)]
pub struct NewSavedView<'a> {
    pub owner_id: i64,
    pub name: &'a str,
    pub query: &'a str,
    pub shared: bool,
    pub created_at: DateTime<Utc>,
}

impl SavedView {
    /// Stores a view; `None` when the owner already has one by that name (any case).
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        new: &NewSavedView<'_>,
    ) -> QueryResult<Option<SavedView>> {
        match diesel::insert_into(saved_views::table)
            .values(new)
            .returning(SavedView::as_returning())
            .get_result(conn)
            .await
        {
            Ok(view) => Ok(Some(view)),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The views a person sees: their own and everyone's shared ones, with the owner's name,
    /// own first, then by name.
    pub async fn visible_to(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> QueryResult<Vec<(SavedView, String)>> {
        saved_views::table
            .inner_join(users::table)
            .filter(saved_views::owner_id.eq(user.0).or(saved_views::shared))
            .order((
                saved_views::owner_id.ne(user.0),
                saved_views::name.asc(),
                saved_views::id.asc(),
            ))
            .select((SavedView::as_select(), users::username))
            .load(conn)
            .await
    }

    /// Removes a view; only its owner can. Returns whether one was removed.
    pub async fn delete_own(
        conn: &mut AsyncPgConnection,
        id: i64,
        owner: UserId,
    ) -> QueryResult<bool> {
        diesel::delete(
            saved_views::table
                .filter(saved_views::id.eq(id))
                .filter(saved_views::owner_id.eq(owner.0)),
        )
        .execute(conn)
        .await
        .map(|n| n > 0)
    }
}
