//! The queue: claims with filters, counts per state, keyset pagination.

use actix_web::web;

use crate::auth::CurrentUser;
use crate::db::claims::{Claim, ClaimWithNames, Cursor};
use crate::domain::{ClaimId, ReviewState};
use crate::error::AppError;
use crate::extract::Category;
use crate::services::{queue, saved_views};
use crate::startup::AppState;
use crate::views::{Layout, QueueFilterView, QueuePage, QueueQuery, QueueRow, SaveViewForm};

pub const PAGE_SIZE: i64 = 50;

fn next_link(q: &QueueQuery, cursor: Cursor) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("state", &q.state),
        ("category", &q.category),
        ("article", &q.article),
        ("assignee", &q.assignee),
        ("q", &q.q),
        ("contradicts", &q.contradicts),
        ("sort", &q.sort),
    ] {
        if !v.is_empty() {
            query.append_pair(k, v);
        }
    }
    if q.mine.is_some() {
        query.append_pair("mine", "1");
    }
    query.append_pair("after", &cursor.encode());
    format!("/?{}", query.finish())
}

pub async fn show_queue(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<QueueQuery>,
    req: actix_web::HttpRequest,
) -> Result<QueuePage, AppError> {
    let q = query.into_inner();
    let mut conn = state.pool.get().await?;
    let (filter, error) = queue::filter_for(&mut conn, &q, user.user_id(), PAGE_SIZE).await?;
    let (claims, next) = Claim::list(&mut conn, &filter).await?;
    let mut counts = Claim::counts_by_state(&mut conn).await?;
    counts.sort_by_key(|(s, _)| ReviewState::ALL.iter().position(|x| x == s));
    // Merged claims follow the claim they were merged into: show its state.
    let mut primary_ids: Vec<ClaimId> = claims
        .iter()
        .filter_map(|c| c.merged_into.map(ClaimId))
        .collect();
    primary_ids.sort_unstable();
    primary_ids.dedup();
    let primaries = Claim::by_ids(&mut conn, &primary_ids).await?;
    let rows = ClaimWithNames::load(&mut conn, claims)
        .await?
        .into_iter()
        .map(QueueRow::from)
        .map(|mut row| {
            if let Some(primary) = primaries.iter().find(|p| Some(p.id) == row.merged_into) {
                row.state = primary.state;
            }
            row
        })
        .collect();
    Ok(QueuePage {
        layout: Layout::for_user(&user),
        filter: QueueFilterView {
            state: q.state.clone(),
            category: q.category.clone(),
            article: q.article.clone(),
            assignee: q.assignee.clone(),
            mine: q.mine.is_some(),
            q: q.q.clone(),
            contradicts: matches!(q.contradicts.trim(), "1" | "true" | "yes" | "on"),
            sort: if q.sort.is_empty() {
                "score".into()
            } else {
                q.sort.clone()
            },
        },
        error,
        total: counts.iter().map(|(_, n)| n).sum(),
        counts,
        states: ReviewState::ALL,
        categories: &Category::ALL,
        rows,
        next_page: next.map(|cursor| next_link(&q, cursor)),
        save: SaveViewForm {
            query: saved_views::stored_query(req.query_string()).unwrap_or_default(),
            ..SaveViewForm::default()
        },
    })
}
