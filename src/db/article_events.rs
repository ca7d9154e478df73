//! The append-only audit trail of article edits, archives and restores. The database refuses
//! UPDATE, DELETE and TRUNCATE.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::{article_events, users};
use crate::domain::{ArticleId, UserId};

crate::domain::named_enum! {
    /// What an article event records.
    pub enum ArticleEventKind ("article event kind") {
        Edited => "edited",
        Archived => "archived",
        Restored => "restored",
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = article_events)]
pub struct NewArticleEvent {
    pub article_id: i64,
    pub actor_id: i64,
    pub kind: String,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl NewArticleEvent {
    pub fn new(
        article_id: ArticleId,
        actor_id: UserId,
        kind: ArticleEventKind,
        now: DateTime<Utc>,
    ) -> NewArticleEvent {
        NewArticleEvent {
            article_id: article_id.0,
            actor_id: actor_id.0,
            kind: kind.as_str().to_owned(),
            field: None,
            old_value: None,
            new_value: None,
            created_at: now,
        }
    }
}

/// An event with the name of whoever caused it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = article_events)]
pub struct ArticleEvent {
    pub id: i64,
    pub kind: String,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub created_at: DateTime<Utc>,
    #[diesel(select_expression = users::username)]
    pub actor: String,
}

impl ArticleEvent {
    pub async fn insert(conn: &mut AsyncPgConnection, new: &NewArticleEvent) -> QueryResult<usize> {
        diesel::insert_into(article_events::table)
            .values(new)
            .execute(conn)
            .await
    }

    /// The history of one article, oldest first.
    pub async fn for_article(
        conn: &mut AsyncPgConnection,
        article_id: ArticleId,
    ) -> QueryResult<Vec<ArticleEvent>> {
        article_events::table
            .inner_join(users::table)
            .filter(article_events::article_id.eq(article_id))
            .order(article_events::id.asc())
            .select(ArticleEvent::as_select())
            .load(conn)
            .await
    }
}
