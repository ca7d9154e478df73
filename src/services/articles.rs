//! Correcting articles: title, address, publisher and date, and archiving. Each change is one
//! `article_events` row, written in the same transaction as the change.

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::db::article_events::{ArticleEvent, ArticleEventKind, NewArticleEvent};
use crate::db::articles::{Article, ArticleFields};
use crate::domain::claims::checked_text;
use crate::domain::{ArticleId, UserId};
use crate::error::AppError;
use crate::services::import::MAX_TITLE_CHARS;

/// Longest publisher name accepted.
pub const MAX_PUBLISHER_CHARS: usize = 200;

/// An article edit as asked for: `None` leaves a field alone, `Some(None)` clears it (the
/// title cannot be cleared).
#[derive(Debug, Clone, Default)]
pub struct ArticleEdit {
    pub title: Option<String>,
    pub source_url: Option<Option<String>>,
    pub publisher: Option<Option<String>>,
    pub published_on: Option<Option<NaiveDate>>,
}

impl ArticleEdit {
    /// The fields after the edit, or why it is refused.
    fn apply(&self, current: &ArticleFields) -> Result<ArticleFields, String> {
        let mut next = current.clone();
        if let Some(title) = &self.title {
            next.title = checked_text(Some(title), "title", MAX_TITLE_CHARS)?
                .ok_or("the title cannot be empty")?;
        }
        if let Some(url) = &self.source_url {
            next.source_url = checked_text(url.as_deref(), "address", 2000)?;
            if let Some(u) = &next.source_url
                && !crate::domain::urls::is_web_url(u)
            {
                return Err("the source address must be an http or https URL".into());
            }
        }
        if let Some(publisher) = &self.publisher {
            next.publisher = checked_text(publisher.as_deref(), "publisher", MAX_PUBLISHER_CHARS)?;
        }
        if let Some(day) = self.published_on {
            next.published_on = day;
        }
        Ok(next)
    }
}

fn changes(
    old: &ArticleFields,
    new: &ArticleFields,
) -> Vec<(&'static str, Option<String>, Option<String>)> {
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    [
        ("title", Some(old.title.clone()), Some(new.title.clone())),
        ("url", old.source_url.clone(), new.source_url.clone()),
        ("publisher", old.publisher.clone(), new.publisher.clone()),
        ("published_at", day(old.published_on), day(new.published_on)),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .collect()
}

/// Edits an article's details; one event per changed field.
pub async fn edit(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
    actor: UserId,
    edit: &ArticleEdit,
    now: DateTime<Utc>,
) -> Result<Article, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let article = Article::locked(conn, id).await?;
        let current = article.fields();
        let next = edit.apply(&current).map_err(AppError::Validation)?;
        let changed = changes(&current, &next);
        if changed.is_empty() {
            return Ok(article);
        }
        let updated = Article::update_fields(conn, id, &next).await?;
        for (field, old, new) in changed {
            let event = NewArticleEvent {
                field: Some(field.to_owned()),
                old_value: old,
                new_value: new,
                ..NewArticleEvent::new(id, actor, ArticleEventKind::Edited, now)
            };
            ArticleEvent::insert(conn, &event).await?;
        }
        Ok(updated)
    })
    .await
}

/// Archives (`archive = true`) or restores an article; asking for the state it is already in
/// is refused with 422, so every event is a real change.
pub async fn set_archived(
    conn: &mut AsyncPgConnection,
    id: ArticleId,
    actor: UserId,
    archive: bool,
    now: DateTime<Utc>,
) -> Result<Article, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let article = Article::locked(conn, id).await?;
        if article.archived_at.is_some() == archive {
            return Err(AppError::Validation(
                if archive {
                    "this article is already archived"
                } else {
                    "this article is not archived"
                }
                .into(),
            ));
        }
        let updated = Article::set_archived(conn, id, archive.then_some(actor), now).await?;
        let kind = if archive {
            ArticleEventKind::Archived
        } else {
            ArticleEventKind::Restored
        };
        ArticleEvent::insert(conn, &NewArticleEvent::new(id, actor, kind, now)).await?;
        Ok(updated)
    })
    .await
}
