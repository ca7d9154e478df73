//! What readers may see: published verdicts (approved, not merged, of an article that is not
//! archived), listed newest first in keyset pages, with the few columns the sitemap needs.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_full_text_search::configuration::TsConfigurationByName;
use diesel_full_text_search::{TsVectorExtensions, websearch_to_tsquery_with_search_config};

use super::claims::Claim;
use super::reports::{ARTICLE_COLUMNS, ArticleRow, report_article};
use super::schema::{articles, claim_tags, claims, tags};
use crate::domain::{ReviewState, Verdict};
use crate::extract::Category;

/// A rating readers filter by: a step of the scale, or "unverifiable" (no step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingFilter {
    Step(i16),
    Unverifiable,
}

/// Where a page of the index starts: after the verdict approved at `at` with this id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicCursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

/// The index's filters, already checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicFilter {
    pub rating: Option<RatingFilter>,
    pub category: Option<Category>,
    /// A tag name, matched whatever its case.
    pub tag: Option<String>,
    /// Words to search for (web search syntax).
    pub text: Option<String>,
    pub article: Option<i64>,
    pub after: Option<PublicCursor>,
}

/// A published verdict's place in lists: its id and when its current verdict was approved.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct PublishedRef {
    pub id: i64,
    pub approved_at: DateTime<Utc>,
}

/// One address of the sitemap.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct SitemapRow {
    pub id: i64,
    pub text: String,
    pub normalized_text: Option<String>,
    pub approved_at: DateTime<Utc>,
}

type Condition = Box<dyn BoxableExpression<claims::table, Pg, SqlType = Nullable<Bool>>>;

/// The claims readers may see.
fn published() -> Condition {
    Box::new(
        claims::state
            .eq(ReviewState::Approved)
            .and(claims::merged_into.is_null())
            .and(claims::approved_at.is_not_null())
            .and(claims::article_id.eq_any(Claim::live_articles()))
            .nullable(),
    )
}

impl PublicFilter {
    fn condition(&self) -> Condition {
        let mut cond = published();
        match self.rating {
            Some(RatingFilter::Step(step)) => {
                cond = Box::new(cond.and(claims::rating.eq(step)));
            }
            Some(RatingFilter::Unverifiable) => {
                cond = Box::new(
                    cond.and(
                        claims::verdict
                            .eq(Verdict::Unverifiable)
                            .and(claims::rating.is_null()),
                    ),
                );
            }
            None => {}
        }
        if let Some(category) = self.category {
            cond = Box::new(cond.and(claims::category.eq(category)).nullable());
        }
        if let Some(article) = self.article {
            cond = Box::new(cond.and(claims::article_id.eq(article)).nullable());
        }
        if let Some(tag) = &self.tag {
            let tagged = claim_tags::table
                .inner_join(tags::table)
                .filter(super::tags::lower(tags::name).eq(tag.to_lowercase()))
                .select(claim_tags::claim_id);
            cond = Box::new(cond.and(claims::id.eq_any(tagged)).nullable());
        }
        if let Some(text) = &self.text {
            cond = Box::new(cond.and(claims::search.matches(
                websearch_to_tsquery_with_search_config(
                    TsConfigurationByName("english"),
                    text.clone(),
                ),
            )));
        }
        if let Some(c) = self.after {
            cond = Box::new(
                cond.and(
                    claims::approved_at
                        .lt(c.at)
                        .or(claims::approved_at.eq(c.at).and(claims::id.lt(c.id))),
                ),
            );
        }
        cond
    }
}

/// Newest first: up to `limit` published verdicts the filter selects. A text search runs
/// under `search_budget_ms`, like the queue's.
pub async fn page(
    conn: &mut AsyncPgConnection,
    filter: &PublicFilter,
    limit: i64,
    search_budget_ms: u64,
) -> QueryResult<Vec<PublishedRef>> {
    let query = claims::table
        .filter(filter.condition())
        .order((claims::approved_at.desc(), claims::id.desc()))
        .limit(limit.clamp(1, 500))
        .select((claims::id, claims::approved_at.assume_not_null()));
    if filter.text.is_none() {
        return query.load(conn).await;
    }
    conn.transaction(async |conn| {
        Claim::limit_search(conn, search_budget_ms).await?;
        query.load(conn).await
    })
    .await
}

/// The newest `limit` published verdicts, for the sitemap.
pub async fn sitemap(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<SitemapRow>> {
    claims::table
        .filter(published())
        .order((claims::approved_at.desc(), claims::id.desc()))
        .limit(limit)
        .select((
            claims::id,
            claims::text,
            claims::normalized_text,
            claims::approved_at.assume_not_null(),
        ))
        .load(conn)
        .await
}

/// An article that is not archived, with the fields its public page shows.
pub async fn live_article(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> QueryResult<Option<crate::export::ReportArticle>> {
    let row = articles::table
        .filter(articles::id.eq(id))
        .filter(articles::archived_at.is_null())
        .select(ARTICLE_COLUMNS)
        .first::<ArticleRow>(conn)
        .await
        .optional()?;
    Ok(row.map(report_article))
}
