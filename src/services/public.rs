//! The public face's use cases: published verdicts for readers (one page, the index, an
//! article's page, the feed, the sitemap) and the per-address request throttle in front of them.

use std::time::Instant;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

use crate::config::ReportSettings;
use crate::db::DbPool;
use crate::db::public::{self, PublicCursor, PublicFilter, RatingFilter};
use crate::db::reports::{Related, ReportQuery};
use crate::db::throttle;
use crate::domain::search;
use crate::error::AppError;
use crate::export::{ReportArticle, ReportClaim, ReportMeta};
use crate::extract::Category;
use crate::services::claims::search_failure;

/// Verdicts on one page of the index and of an article's page.
pub const PAGE_SIZE: i64 = 20;
/// Entries of the feed.
pub const FEED_SIZE: i64 = 50;
/// Addresses in the sitemap (the protocol's limit for one file).
pub const SITEMAP_SIZE: i64 = 50_000;

/// Report-wide facts for the writers behind the public documents.
pub fn meta(settings: &ReportSettings, now: DateTime<Utc>) -> ReportMeta {
    ReportMeta {
        generated_at: now,
        filters: serde_json::Value::Null,
        organization: settings.org_name.clone(),
        organization_url: settings.org_url.clone(),
        public_base_url: settings.public_base(),
        summary: Default::default(),
    }
}

/// Counts a public request from `address`; refused with 429 beyond `per_minute` (0: no limit).
pub async fn admit(pool: &DbPool, address: &str, per_minute: i32) -> Result<(), AppError> {
    if per_minute <= 0 {
        return Ok(());
    }
    let mut conn = pool.get().await?;
    match public::count_request(&mut conn, address, per_minute, Utc::now()).await? {
        throttle::Verdict::Allow { .. } => Ok(()),
        throttle::Verdict::Refuse { retry_after_secs } => {
            Err(AppError::TooManyRequests { retry_after_secs })
        }
    }
}

/// Reads these published claims with their evidence and verdict versions, in the order of
/// `ids`; retracted evidence is left out (readers see what the verdict stands on).
async fn load(conn: &mut AsyncPgConnection, ids: &[i64]) -> Result<Vec<ReportClaim>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = ReportQuery::published(ids.to_vec());
    let related = Related {
        evidence: true,
        events: false,
    };
    let mut claims = query
        .batch(conn, None, ids.len() as i64, related, &mut None)
        .await?;
    claims.retain(ReportClaim::has_public_page);
    for claim in &mut claims {
        claim.evidence.retain(|e| !e.retracted);
    }
    claims.sort_by_key(|c| ids.iter().position(|id| *id == c.id));
    Ok(claims)
}

/// One published verdict; 404 for a claim in any other state, whatever the id.
pub async fn check(pool: &DbPool, id: i64) -> Result<ReportClaim, AppError> {
    let mut conn = pool.get().await?;
    load(&mut conn, &[id])
        .await?
        .pop()
        .ok_or(AppError::NotFound("fact check"))
}

/// The index's filters as a query string gives them; a bad value is a 400 naming it.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct IndexQuery {
    pub rating: Option<String>,
    pub category: Option<String>,
    pub tag: Option<String>,
    pub q: Option<String>,
    pub after: Option<String>,
}

fn present(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// `{microseconds}.{id}` of the last verdict of a page.
pub fn encode_cursor(cursor: PublicCursor) -> String {
    format!("{}.{}", cursor.at.timestamp_micros(), cursor.id)
}

fn decode_cursor(text: &str) -> Option<PublicCursor> {
    let (micros, id) = text.split_once('.')?;
    Some(PublicCursor {
        at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        id: id.parse().ok()?,
    })
}

impl IndexQuery {
    pub fn parse(&self) -> Result<PublicFilter, AppError> {
        let bad = |what: &str, value: &str| {
            AppError::BadRequest(format!("{what} {value:?} is not one this page knows"))
        };
        let rating = match present(&self.rating) {
            None => None,
            Some("unverifiable") => Some(RatingFilter::Unverifiable),
            Some(step) => Some(RatingFilter::Step(
                step.parse::<i16>()
                    .ok()
                    .filter(|s| (1..=5).contains(s))
                    .ok_or_else(|| bad("rating", step))?,
            )),
        };
        let category = match present(&self.category) {
            None => None,
            Some(c) => Some(c.parse::<Category>().map_err(|_| bad("category", c))?),
        };
        let text = match present(&self.q) {
            None => None,
            Some(q) => Some(search::checked(q).map_err(AppError::BadRequest)?.to_owned()),
        };
        let after = match present(&self.after) {
            None => None,
            Some(a) => Some(decode_cursor(a).ok_or_else(|| bad("page", a))?),
        };
        Ok(PublicFilter {
            rating,
            category,
            tag: present(&self.tag).map(str::to_owned),
            text,
            article: None,
            after,
        })
    }
}

/// A page of published verdicts and where the next one starts, if there is one.
pub struct Page {
    pub claims: Vec<ReportClaim>,
    pub next: Option<String>,
}

/// One page of published verdicts the filter selects (the index's, or an article's), newest
/// first.
pub async fn page(pool: &DbPool, filter: &PublicFilter) -> Result<Page, AppError> {
    let mut conn = pool.get().await?;
    let started = Instant::now();
    let mut refs = public::page(&mut conn, filter, PAGE_SIZE + 1, search::MAX_SEARCH_MS)
        .await
        .map_err(|e| search_failure(e, filter.text.is_some(), started, search::MAX_SEARCH_MS))?;
    let more = refs.len() as i64 > PAGE_SIZE;
    refs.truncate(PAGE_SIZE as usize);
    let next = more.then(|| refs.last()).flatten().map(|r| {
        encode_cursor(PublicCursor {
            at: r.approved_at,
            id: r.id,
        })
    });
    let ids: Vec<i64> = refs.iter().map(|r| r.id).collect();
    Ok(Page {
        claims: load(&mut conn, &ids).await?,
        next,
    })
}

/// An article's published verdicts; 404 when it is archived or has none.
pub async fn article(
    pool: &DbPool,
    id: i64,
    after: &IndexQuery,
) -> Result<(ReportArticle, Page), AppError> {
    let mut filter = after.parse()?;
    filter.article = Some(id);
    let article = {
        let mut conn = pool.get().await?;
        public::live_article(&mut conn, id)
            .await?
            .ok_or(AppError::NotFound("article"))?
    };
    let page = page(pool, &filter).await?;
    if page.claims.is_empty() && filter.after.is_none() {
        return Err(AppError::NotFound("article"));
    }
    Ok((article, page))
}

/// The newest published verdicts for the feed (a correction moves its verdict up).
pub async fn feed(pool: &DbPool) -> Result<Vec<ReportClaim>, AppError> {
    let mut conn = pool.get().await?;
    let refs = public::page(
        &mut conn,
        &PublicFilter::default(),
        FEED_SIZE,
        search::MAX_SEARCH_MS,
    )
    .await?;
    let ids: Vec<i64> = refs.iter().map(|r| r.id).collect();
    load(&mut conn, &ids).await
}

/// Every published page's address and last change, newest first, for the sitemap.
pub async fn sitemap(pool: &DbPool, base: &str) -> Result<Vec<(String, DateTime<Utc>)>, AppError> {
    let mut conn = pool.get().await?;
    Ok(public::sitemap(&mut conn, SITEMAP_SIZE)
        .await?
        .into_iter()
        .map(|row| {
            let wording = row
                .normalized_text
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .unwrap_or(&row.text);
            (
                crate::export::check_page_url(base, row.id, wording),
                row.approved_at,
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_filters_are_refused() {
        let cursor = PublicCursor {
            at: DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap_or_default(),
            id: 42,
        };
        assert_eq!(decode_cursor(&encode_cursor(cursor)), Some(cursor));
        assert_eq!(decode_cursor("x.1"), None);
        for (rating, category) in [("6", ""), ("x", ""), ("", "cooking")] {
            let q = IndexQuery {
                rating: Some(rating.into()),
                category: Some(category.into()),
                ..IndexQuery::default()
            };
            assert!(matches!(q.parse(), Err(AppError::BadRequest(_))), "{q:?}");
        }
        let q = IndexQuery {
            rating: Some("unverifiable".into()),
            category: Some("energy".into()),
            ..IndexQuery::default()
        };
        let filter = q.parse().unwrap_or_default();
        assert_eq!(filter.rating, Some(RatingFilter::Unverifiable));
        assert_eq!(filter.category, Some(Category::Energy));
    }
}
