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
use crate::domain::{Rating, ReviewState, Verdict};
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

/// The claims readers may see: [`crate::domain::publishing::is_published`] as SQL, the one
/// filter every public list starts from. (A NULL rating or verdict makes its half NULL, which
/// selects nothing, as the pure rule's `Option`s do.)
fn published() -> Condition {
    let public_verdict = claims::rating
        .between(Rating::WORST, Rating::BEST)
        .and(claims::verdict.is_not_null())
        .or(claims::rating
            .is_null()
            .and(claims::verdict.eq(Verdict::Unverifiable)));
    Box::new(
        claims::state
            .eq(ReviewState::Approved)
            .and(claims::merged_into.is_null())
            .and(claims::approved_at.is_not_null())
            .and(claims::article_id.eq_any(Claim::live_articles()))
            .nullable()
            .and(public_verdict),
    )
}

/// Which of these claims are published, by the filter of every public list.
pub async fn published_among(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
    claims::table
        .filter(published())
        .filter(claims::id.eq_any(ids))
        .select(claims::id)
        .load(conn)
        .await
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

/// The window of the public pages' per-address request counter.
pub const THROTTLE_WINDOW: chrono::Duration = chrono::Duration::minutes(1);
/// Finished counters of other addresses each request deletes: more than one, so the table
/// shrinks back after a burst of addresses, and few, so a request's work stays small.
const PRUNE_PER_REQUEST: i64 = 4;

#[derive(QueryableByName)]
struct CounterRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    requests: i32,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    window_started_at: DateTime<Utc>,
}

/// Counts one public request from `address` (in one statement, so concurrent requests are
/// ordered by the row lock) and says whether it may be served: at most `per_minute` per
/// address and minute, shared by every process. The same statement deletes a few counters of
/// other addresses whose minute is over (rows another request holds are skipped, not waited
/// for), so the table never grows with every address ever seen.
pub async fn count_request(
    conn: &mut AsyncPgConnection,
    address: &str,
    per_minute: i32,
    now: DateTime<Utc>,
) -> QueryResult<super::throttle::Verdict> {
    use diesel::sql_types::{BigInt, Text, Timestamptz};
    let row: CounterRow = diesel::sql_query(
        "WITH pruned AS ( \
             DELETE FROM public_throttle WHERE address IN ( \
                 SELECT address FROM public_throttle \
                 WHERE window_started_at < $3 AND address <> $1 \
                 ORDER BY window_started_at LIMIT $4 FOR UPDATE SKIP LOCKED)) \
         INSERT INTO public_throttle AS t (address, requests, window_started_at) \
         VALUES ($1, 1, $2) \
         ON CONFLICT (address) DO UPDATE SET \
             requests = CASE WHEN t.window_started_at < $3 THEN 1 ELSE t.requests + 1 END, \
             window_started_at = CASE WHEN t.window_started_at < $3 \
                 THEN excluded.window_started_at ELSE t.window_started_at END \
         RETURNING t.requests, t.window_started_at",
    )
    .bind::<Text, _>(address)
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(now - THROTTLE_WINDOW)
    .bind::<BigInt, _>(PRUNE_PER_REQUEST)
    .get_result(conn)
    .await?;
    Ok(judge_request(
        super::throttle::Count {
            attempts: row.requests,
            window_started_at: row.window_started_at,
        },
        per_minute,
        now,
    ))
}

/// Pure half of [`count_request`]: refused beyond the limit until the minute is over.
pub fn judge_request(
    count: super::throttle::Count,
    per_minute: i32,
    now: DateTime<Utc>,
) -> super::throttle::Verdict {
    if count.attempts > per_minute {
        super::throttle::Verdict::Refuse {
            retry_after_secs: (count.window_started_at + THROTTLE_WINDOW - now)
                .num_seconds()
                .max(1),
        }
    } else {
        super::throttle::Verdict::Allow { delay_ms: 0 }
    }
}

/// How many per-address counters the public pages hold now.
pub async fn throttle_rows(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Rows {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let rows: Rows = diesel::sql_query("SELECT count(*) AS n FROM public_throttle")
        .get_result(conn)
        .await?;
    Ok(rows.n)
}

#[cfg(test)]
mod tests {
    use super::super::throttle::{Count, Verdict};
    use super::*;

    #[test]
    fn public_requests_are_refused_beyond_the_limit_until_the_minute_ends() {
        let now = Utc::now();
        let count = |attempts, secs_ago| Count {
            attempts,
            window_started_at: now - chrono::Duration::seconds(secs_ago),
        };
        assert_eq!(
            judge_request(count(5, 10), 5, now),
            Verdict::Allow { delay_ms: 0 }
        );
        assert_eq!(
            judge_request(count(6, 10), 5, now),
            Verdict::Refuse {
                retry_after_secs: 50
            }
        );
    }
}
