//! Saved views: a person names the queue's current filters and sort, privately or for the
//! team; the navigation lists them with live counts, each parsed by the queue's own filter.

use std::time::Instant;

use diesel_async::AsyncPgConnection;

use crate::db::claims::Claim;
use crate::db::saved_views::{NewSavedView, SavedView};
use crate::domain::{UserId, search};
use crate::error::AppError;
use crate::services::claims::search_failure;
use crate::services::notifications;
use crate::services::queue::{self, QueueContext};

/// Most views the navigation shows (each one is a count query).
pub const NAV_VIEWS: usize = 12;
/// The navigation counts up to this many claims per view and shows "1000+" beyond, so a page
/// never counts every claim once per view.
pub const NAV_COUNT_CAP: i64 = 1_000;
/// Time the navigation spends counting on one page; views after it is spent show no count
/// (a filter matching few claims among many can need a scan of the table).
pub const NAV_COUNT_BUDGET: std::time::Duration = std::time::Duration::from_millis(40);
pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_QUERY_CHARS: usize = 2_000;

/// A view as the navigation and the API show it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ViewSummary {
    pub id: i64,
    pub name: String,
    /// The queue's query string, without `?`; open it at `/?{query}`.
    pub query: String,
    pub shared: bool,
    pub owner: String,
    /// Whether the person asking owns it (and may delete it).
    pub own: bool,
    /// Claims matching it now; `None` if the query no longer parses, or the navigation's
    /// time for counting ran out before this view.
    pub count: Option<i64>,
    /// The count stopped at the navigation's cap: there are more than `count`.
    pub more: bool,
}

/// What every page's navigation shows beyond the links.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    pub unread: i64,
    pub views: Vec<ViewSummary>,
}

/// The query string to store: the queue's filters and sort, without the page cursor.
pub fn stored_query(query: &str) -> Result<String, AppError> {
    let query = query.trim().trim_start_matches('?');
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::Validation(format!(
            "a view's filters are at most {MAX_QUERY_CHARS} characters"
        )));
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, v)| k != "after" && !v.trim().is_empty())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        out.append_pair(k, v);
    }
    Ok(out.finish())
}

/// Saves the current filters under a name. 422 for a blank or long name, filters the queue
/// refuses, or a name the person already uses.
pub async fn save(
    conn: &mut AsyncPgConnection,
    owner: QueueContext,
    name: &str,
    query: &str,
    shared: bool,
) -> Result<SavedView, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::Validation(format!(
            "give the view a name of 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    let query = stored_query(query)?;
    let (parsed, tags) = queue::parse_query(&query)
        .map_err(|_| AppError::Validation("those are not the queue's filters".into()))?;
    if let Err(problem) = queue::queue_filter(conn, &parsed, &tags, owner, 1).await? {
        return Err(AppError::Validation(format!(
            "the filters cannot be saved: {problem}"
        )));
    }
    SavedView::insert(
        conn,
        &NewSavedView {
            owner_id: owner.user.0,
            name,
            query: &query,
            shared,
            created_at: owner.now,
        },
    )
    .await?
    .ok_or_else(|| AppError::Validation(format!("you already have a view called {name:?}")))
}

/// The views a person sees (their own and shared ones), each with its live count. `cap` and
/// `budget` bound the counting for the navigation; `None` counts every view fully.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    cx: QueueContext,
    limit: usize,
    cap: Option<i64>,
    budget: Option<std::time::Duration>,
) -> Result<Vec<ViewSummary>, AppError> {
    let user = cx.user;
    let started = Instant::now();
    let mut out = Vec::new();
    for (view, owner) in SavedView::visible_to(conn, user)
        .await?
        .into_iter()
        .take(limit)
    {
        let in_time = budget.is_none_or(|b| started.elapsed() < b);
        let count = match queue::parse_query(&view.query).ok().filter(|_| in_time) {
            Some((q, tags)) => match queue::queue_filter(conn, &q, &tags, cx, 1).await? {
                Ok(filter) => count(conn, &filter, cap).await?,
                Err(_) => None,
            },
            None => None,
        };
        let more = matches!((count, cap), (Some(n), Some(cap)) if n > cap);
        out.push(ViewSummary {
            more,
            count: if more { cap } else { count },
            id: view.id,
            own: view.owner_id == user.0,
            name: view.name,
            query: view.query,
            shared: view.shared,
            owner,
        });
    }
    Ok(out)
}

/// How many claims a view's filter selects, up to `cap + 1`; a text search runs under the
/// search budget and one refused for its cost has no count rather than failing the page.
async fn count(
    conn: &mut AsyncPgConnection,
    filter: &crate::db::claims::ClaimFilter,
    cap: Option<i64>,
) -> Result<Option<i64>, AppError> {
    let started = Instant::now();
    match Claim::count_up_to(conn, filter, cap, search::MAX_SEARCH_MS).await {
        Ok(n) => Ok(Some(n)),
        Err(e) => match search_failure(e, filter.text.is_some(), started, search::MAX_SEARCH_MS) {
            AppError::BadRequest(_) => Ok(None),
            e => Err(e),
        },
    }
}

/// Deletes one of the person's own views; someone else's is "not found".
pub async fn delete(conn: &mut AsyncPgConnection, id: i64, owner: UserId) -> Result<(), AppError> {
    if SavedView::delete_own(conn, id, owner).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("saved view"))
    }
}

/// The navigation's unread count and views.
pub async fn nav(conn: &mut AsyncPgConnection, cx: QueueContext) -> Result<Nav, AppError> {
    Ok(Nav {
        unread: notifications::unread_count(conn, cx.user).await?,
        views: visible(
            conn,
            cx,
            NAV_VIEWS,
            Some(NAV_COUNT_CAP),
            Some(NAV_COUNT_BUDGET),
        )
        .await?,
    })
}
