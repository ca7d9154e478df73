//! Articles and their import: the article and its extracted claims are stored in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

use super::claims::{Claim, NewClaim};
use super::schema::{articles, claims};
use crate::domain::{ArticleId, ClaimId, UserId};
use crate::error::AppError;
use crate::extract::ExtractedClaim;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct Article {
    pub id: i64,
    pub title: String,
    pub source_url: Option<String>,
    pub publisher: Option<String>,
    pub published_on: Option<NaiveDate>,
    pub body: String,
    pub imported_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// Archived articles are kept but left out of the queue, lists and exports.
    pub archived_at: Option<DateTime<Utc>>,
}

/// An article as listed, without its body.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct ArticleSummary {
    pub id: i64,
    pub title: String,
    pub source_url: Option<String>,
    pub publisher: Option<String>,
    pub published_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

impl Article {
    /// The article as listed, and its body.
    pub fn into_summary(self) -> (ArticleSummary, String) {
        let summary = ArticleSummary {
            id: self.id,
            title: self.title,
            source_url: self.source_url,
            publisher: self.publisher,
            published_on: self.published_on,
            created_at: self.created_at,
            archived_at: self.archived_at,
        };
        (summary, self.body)
    }
}

/// The fields of an article a person may edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleFields {
    pub title: String,
    pub source_url: Option<String>,
    pub publisher: Option<String>,
    pub published_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = articles)]
pub struct NewArticle {
    pub title: String,
    pub source_url: Option<String>,
    pub publisher: Option<String>,
    pub published_on: Option<NaiveDate>,
    pub body: String,
    pub content_hash: Vec<u8>,
    pub imported_by: Option<i64>,
}

/// The hash that stops the same text being imported twice: line endings and surrounding
/// whitespace do not make a text new.
pub fn content_hash(body: &str) -> Vec<u8> {
    let normalised = body.replace("\r\n", "\n");
    Sha256::digest(normalised.trim().as_bytes()).to_vec()
}

impl Article {
    /// The article and its claims in text order, for its page and the API; 404 when absent.
    pub async fn with_claims(
        conn: &mut AsyncPgConnection,
        id: ArticleId,
    ) -> Result<(Article, Vec<Claim>), AppError> {
        let article = Article::by_id(conn, id)
            .await?
            .ok_or(AppError::NotFound("article"))?;
        Ok((article, Claim::for_article(conn, id).await?))
    }

    pub async fn by_id(
        conn: &mut AsyncPgConnection,
        id: ArticleId,
    ) -> QueryResult<Option<Article>> {
        articles::table
            .find(id)
            .select(Article::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// The article, locked until the end of the transaction; 404 when absent.
    pub async fn locked(conn: &mut AsyncPgConnection, id: ArticleId) -> Result<Article, AppError> {
        articles::table
            .find(id)
            .select(Article::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or(AppError::NotFound("article"))
    }

    pub fn fields(&self) -> ArticleFields {
        ArticleFields {
            title: self.title.clone(),
            source_url: self.source_url.clone(),
            publisher: self.publisher.clone(),
            published_on: self.published_on,
        }
    }

    pub async fn update_fields(
        conn: &mut AsyncPgConnection,
        id: ArticleId,
        fields: &ArticleFields,
    ) -> QueryResult<Article> {
        diesel::update(articles::table.find(id))
            .set((
                articles::title.eq(&fields.title),
                articles::source_url.eq(fields.source_url.as_deref()),
                articles::publisher.eq(fields.publisher.as_deref()),
                articles::published_on.eq(fields.published_on),
            ))
            .returning(Article::as_returning())
            .get_result(conn)
            .await
    }

    /// Archives (`Some(who)`) or restores (`None`) the article.
    pub async fn set_archived(
        conn: &mut AsyncPgConnection,
        id: ArticleId,
        by: Option<UserId>,
        now: DateTime<Utc>,
    ) -> QueryResult<Article> {
        diesel::update(articles::table.find(id))
            .set((
                articles::archived_at.eq(by.map(|_| now)),
                articles::archived_by.eq(by.map(|id| id.0)),
            ))
            .returning(Article::as_returning())
            .get_result(conn)
            .await
    }

    /// Archived articles, most recently imported first.
    pub async fn list_archived(
        conn: &mut AsyncPgConnection,
        limit: i64,
    ) -> QueryResult<Vec<ArticleSummary>> {
        articles::table
            .filter(articles::archived_at.is_not_null())
            .order(articles::id.desc())
            .limit(limit)
            .select(ArticleSummary::as_select())
            .load(conn)
            .await
    }

    /// Articles that are not archived, most recently imported first.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        limit: i64,
    ) -> QueryResult<Vec<ArticleSummary>> {
        articles::table
            .filter(articles::archived_at.is_null())
            .order(articles::id.desc())
            .limit(limit)
            .select(ArticleSummary::as_select())
            .load(conn)
            .await
    }

    /// Articles not archived whose title contains `term` (any case, wildcards literal),
    /// newest first.
    pub async fn search_titles(
        conn: &mut AsyncPgConnection,
        term: &str,
        limit: i64,
    ) -> QueryResult<Vec<ArticleSummary>> {
        articles::table
            .filter(articles::archived_at.is_null())
            .filter(articles::title.ilike(super::reports::like_pattern(term)))
            .order(articles::id.desc())
            .limit(limit)
            .select(ArticleSummary::as_select())
            .load(conn)
            .await
    }

    /// The articles with these ids, archived or not, newest first.
    pub async fn summaries(
        conn: &mut AsyncPgConnection,
        ids: &[i64],
    ) -> QueryResult<Vec<ArticleSummary>> {
        articles::table
            .filter(articles::id.eq_any(ids))
            .order(articles::id.desc())
            .select(ArticleSummary::as_select())
            .load(conn)
            .await
    }

    /// Stores an article and its claims. The same text again is a 409 naming the stored article.
    /// Duplicates inside the article come from the extractor; those across articles are linked
    /// afterwards by the article's job (`services::duplicates`).
    pub async fn import(
        conn: &mut AsyncPgConnection,
        new: NewArticle,
        extracted: &[ExtractedClaim],
    ) -> Result<(Article, Vec<Claim>), AppError> {
        let result = conn
            .transaction::<_, AppError, _>(async |conn| {
                let existing: Option<(i64, String)> = articles::table
                    .filter(articles::content_hash.eq(&new.content_hash))
                    .select((articles::id, articles::title))
                    .first(conn)
                    .await
                    .optional()?;
                if let Some((id, title)) = existing {
                    return Err(already_imported(id, &title));
                }
                let article: Article = diesel::insert_into(articles::table)
                    .values(&new)
                    .returning(Article::as_returning())
                    .get_result(conn)
                    .await?;
                let mut stored: Vec<Claim> = Vec::with_capacity(extracted.len());
                for claim in extracted {
                    let duplicate_of = claim
                        .duplicate_of
                        .and_then(|i| stored.get(i))
                        .map(|earlier| ClaimId(earlier.id));
                    let row = NewClaim::from_extracted(ArticleId(article.id), claim, duplicate_of);
                    let inserted = diesel::insert_into(claims::table)
                        .values(&row)
                        .returning(Claim::as_returning())
                        .get_result(conn)
                        .await?;
                    stored.push(inserted);
                }
                Ok((article, stored))
            })
            .await;
        match result {
            // Two imports of the same text at once: the loser hits the unique index.
            Err(AppError::Unexpected(e))
                if e.downcast_ref().is_some_and(super::is_unique_violation) =>
            {
                let (id, title): (i64, String) = articles::table
                    .filter(articles::content_hash.eq(&new.content_hash))
                    .select((articles::id, articles::title))
                    .first(conn)
                    .await?;
                Err(already_imported(id, &title))
            }
            other => other,
        }
    }
}

fn already_imported(id: i64, title: &str) -> AppError {
    AppError::Conflict {
        message: format!("this text was already imported as article {id} ({title})"),
        current: Some(serde_json::json!({ "article_id": id, "title": title })),
    }
}
