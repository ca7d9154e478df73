//! The queue for triage: one page of claims under a filter, with what an editor triages by
//! (verdict, age, last change and who made it, assignee, tags, merged claims), and the counts
//! per state under the same filters. The queue's query string becomes a filter here, once:
//! the queue page, its bulk actions and saved views read it the same way.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

use crate::db::claim_matches;
use crate::db::claims::{
    Claim, ClaimFilter, ClaimFilterText, ClaimWithNames, Cursor, FilterContext, QueueRows,
    tag_names,
};
use crate::db::events::ClaimEvent;
use crate::db::tags::Tag;
use crate::db::users::User;
use crate::domain::{ReviewState, UserId, search};
use crate::error::AppError;
use crate::services::claims::search_failure;

/// The queue's filters as typed, echoed back into the form. Tags (`tag`, repeatable) are read
/// from the query string separately.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    pub state: String,
    pub category: String,
    pub article: String,
    pub assignee: String,
    pub mine: Option<String>,
    pub q: String,
    /// "1": only verdicts that contradict the rating scale.
    pub contradicts: String,
    pub awaiting_approval: String,
    pub sent_back: String,
    pub stale: String,
    /// "1": only claims checked before (see `services::claim_matches`).
    pub checked_before: String,
    pub sort: String,
    pub after: String,
}

/// What a queue query needs besides itself: who asks ("mine", "sent back to me"), the clock
/// and the configured stale age.
#[derive(Debug, Clone, Copy)]
pub struct QueueContext {
    pub user: UserId,
    pub now: DateTime<Utc>,
    pub stale_days: i64,
}

/// Reads a queue query string (with or without the `?`) into its filters and tag names.
pub fn parse_query(query: &str) -> Result<(QueueQuery, Vec<String>), String> {
    let query = query.trim().trim_start_matches('?');
    let q: QueueQuery =
        serde_urlencoded::from_str(query).map_err(|e| format!("the filters are malformed: {e}"))?;
    let tags: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "tag")
        .map(|(_, v)| v.into_owned())
        .collect();
    Ok((q, tag_names(&tags)))
}

/// The user a filter's `assignee` names: a username, or (`ids` true, as the API allows) a
/// user id. Blank is no assignee filter; a name or id no user has is a message naming it,
/// never a filter that silently matches nothing.
pub async fn assignee_named(
    conn: &mut AsyncPgConnection,
    text: &str,
    ids: bool,
) -> Result<Result<Option<UserId>, String>, AppError> {
    let name = text.trim();
    if name.is_empty() {
        return Ok(Ok(None));
    }
    let user = match name.parse::<i64>() {
        Ok(id) if ids => User::by_id(conn, UserId(id)).await?,
        _ => User::by_username(conn, name).await?,
    };
    Ok(match user {
        Some(u) => Ok(Some(UserId(u.id))),
        None => Err(format!("no such user: {name}")),
    })
}

/// Turns the queue's query into a filter, pages of `page_size`, merged claims shown through
/// their primary; a bad value or an unknown assignee is a message.
pub async fn queue_filter(
    conn: &mut AsyncPgConnection,
    q: &QueueQuery,
    tags: &[String],
    cx: QueueContext,
    page_size: i64,
) -> Result<Result<ClaimFilter, String>, AppError> {
    let assignee = if q.mine.is_some() {
        Some(cx.user)
    } else {
        match assignee_named(conn, &q.assignee, false).await? {
            Ok(assignee) => assignee,
            Err(message) => return Ok(Err(message)),
        }
    };
    let text = ClaimFilterText {
        state: Some(&q.state),
        category: Some(&q.category),
        article: Some(&q.article),
        text: Some(&q.q),
        contradicts: Some(&q.contradicts),
        awaiting_approval: Some(&q.awaiting_approval),
        sent_back: Some(&q.sent_back),
        stale: Some(&q.stale),
        checked_before: Some(&q.checked_before),
        tags,
        sort: Some(&q.sort),
        after: Some(&q.after),
        limit: None,
        ..ClaimFilterText::default()
    };
    let context = FilterContext {
        assignee,
        me: cx.user,
        now: cx.now,
        stale_days: cx.stale_days,
        default_limit: page_size,
    };
    Ok(ClaimFilter::parse(text, context).map(|mut f| {
        f.clusters = true;
        f
    }))
}

/// The filter a queue query asks for; a bad value gives the unfiltered queue and a message
/// naming the problem, not a failure.
pub async fn filter_for(
    conn: &mut AsyncPgConnection,
    q: &QueueQuery,
    tags: &[String],
    cx: QueueContext,
    page_size: i64,
) -> Result<(ClaimFilter, Option<String>), AppError> {
    Ok(match queue_filter(conn, q, tags, cx, page_size).await? {
        Ok(filter) => (filter, None),
        Err(message) => (
            ClaimFilter {
                limit: page_size,
                clusters: true,
                ..ClaimFilter::default()
            },
            Some(message),
        ),
    })
}

/// One claim of the page with everything its row shows.
pub struct QueueEntry {
    pub claim: ClaimWithNames,
    pub tags: Vec<Tag>,
    /// Who made the last recorded change, if any.
    pub changed_by: Option<String>,
    /// How many claims are merged into this one.
    pub merged: i64,
    /// Whether it was checked before (see `services::claim_matches`).
    pub checked_before: bool,
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
        .map_err(|e| search_failure(e, filter.text.is_some(), started, search::MAX_SEARCH_MS))?;
    counts.sort_by_key(|(s, _)| ReviewState::ALL.iter().position(|x| x == s));
    let ids: Vec<i64> = claims.iter().map(|c| c.id).collect();
    let mut tags = Tag::for_claims(conn, &ids).await?;
    let mut changed_by: HashMap<i64, String> = ClaimEvent::last_actors(conn, &ids).await?;
    let merged = Claim::merged_counts(conn, &ids).await?;
    let checked = claim_matches::checked_before(conn, &ids).await?;
    let entries = ClaimWithNames::load(conn, claims)
        .await?
        .into_iter()
        .map(|claim| {
            let id = claim.claim.id;
            QueueEntry {
                tags: tags.remove(&id).unwrap_or_default(),
                changed_by: changed_by.remove(&id),
                merged: merged.get(&id).copied().unwrap_or(0),
                checked_before: checked.contains(&id),
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
