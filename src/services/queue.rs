//! The queue for triage: one page of claims under a filter, with what an editor triages by
//! (verdict, age, last change and who made it, assignee, tags, merged claims), and the counts
//! per state under the same filters.

use std::collections::HashMap;
use std::time::Instant;

use diesel_async::AsyncPgConnection;

use crate::db::claims::{Claim, ClaimFilter, ClaimWithNames, Cursor, QueueRows};
use crate::db::events::ClaimEvent;
use crate::db::tags::Tag;
use crate::domain::{ReviewState, search};
use crate::error::AppError;
use crate::services::claims::search_failure;

/// One claim of the page with everything its row shows.
pub struct QueueEntry {
    pub claim: ClaimWithNames,
    pub tags: Vec<Tag>,
    /// Who made the last recorded change, if any.
    pub changed_by: Option<String>,
    /// How many claims are merged into this one.
    pub merged: i64,
}

#[derive(Default)]
pub struct QueueData {
    pub entries: Vec<QueueEntry>,
    pub next: Option<Cursor>,
    /// Claims per state under every filter but the state ones, in the states' order.
    pub counts: Vec<(ReviewState, i64)>,
    /// Claims the filter selects, all pages together ("select all matching").
    pub matching: i64,
}

/// The page the filter asks for. Merged claims are shown through their primary's row.
pub async fn page(
    conn: &mut AsyncPgConnection,
    filter: &ClaimFilter,
) -> Result<QueueData, AppError> {
    let filter = ClaimFilter {
        clusters: true,
        ..filter.clone()
    };
    let started = Instant::now();
    let QueueRows {
        claims,
        next,
        mut counts,
        matching,
    } = Claim::queue_page(conn, &filter, search::MAX_SEARCH_MS)
        .await
        .map_err(|e| search_failure(e, &filter, started, search::MAX_SEARCH_MS))?;
    counts.sort_by_key(|(s, _)| ReviewState::ALL.iter().position(|x| x == s));
    let ids: Vec<i64> = claims.iter().map(|c| c.id).collect();
    let mut tags = Tag::for_claims(conn, &ids).await?;
    let mut changed_by: HashMap<i64, String> = ClaimEvent::last_actors(conn, &ids).await?;
    let merged = Claim::merged_counts(conn, &ids).await?;
    let entries = ClaimWithNames::load(conn, claims)
        .await?
        .into_iter()
        .map(|claim| {
            let id = claim.claim.id;
            QueueEntry {
                tags: tags.remove(&id).unwrap_or_default(),
                changed_by: changed_by.remove(&id),
                merged: merged.get(&id).copied().unwrap_or(0),
                claim,
            }
        })
        .collect();
    Ok(QueueData {
        entries,
        next,
        counts,
        matching,
    })
}
