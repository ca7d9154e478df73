//! The queue: claims with filters, counts per state, keyset pagination.

use std::collections::HashMap;

use actix_web::web;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::auth::CurrentUser;
use crate::db::claims::{Claim, ClaimFilter, ClaimSort, Cursor};
use crate::db::schema::articles;
use crate::db::users::User;
use crate::domain::ReviewState;
use crate::error::AppError;
use crate::extract::Category;
use crate::startup::AppState;
use crate::views::{Layout, QueueFilterView, QueuePage, QueueQuery, QueueRow};

pub const PAGE_SIZE: i64 = 50;

/// Turns the typed filters into a query filter; a bad value becomes a message, not a failure.
fn parse_filter(
    q: &QueueQuery,
    user: &CurrentUser,
    assignee_id: Option<i64>,
) -> Result<ClaimFilter, String> {
    let blank = |s: &str| s.trim().is_empty();
    let sort = if blank(&q.sort) {
        ClaimSort::Score
    } else {
        ClaimSort::parse(&q.sort).ok_or("unknown sort order")?
    };
    Ok(ClaimFilter {
        state: if blank(&q.state) {
            None
        } else {
            Some(q.state.parse::<ReviewState>().map_err(|e| e.to_string())?)
        },
        category: if blank(&q.category) {
            None
        } else {
            Some(q.category.parse::<Category>().map_err(|e| e.to_string())?)
        },
        article: if blank(&q.article) {
            None
        } else {
            Some(
                q.article
                    .trim()
                    .parse()
                    .map_err(|_| "the article must be a number")?,
            )
        },
        assignee: if q.mine.is_some() {
            Some(user.id)
        } else {
            assignee_id
        },
        text: Some(crate::search::checked(&q.q)?.to_owned()).filter(|t| !blank(t)),
        sort,
        after: if blank(&q.after) {
            None
        } else {
            Some(Cursor::decode_for(&q.after, sort).ok_or("that page link is broken")?)
        },
        limit: PAGE_SIZE,
    })
}

fn next_link(q: &QueueQuery, cursor: Cursor) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("state", &q.state),
        ("category", &q.category),
        ("article", &q.article),
        ("assignee", &q.assignee),
        ("q", &q.q),
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
) -> Result<QueuePage, AppError> {
    let q = query.into_inner();
    let mut conn = state.pool.get().await?;
    let mut error = None;
    let assignee_id = match q.assignee.trim() {
        "" => None,
        name => match User::by_username(&mut conn, name).await? {
            Some(u) => Some(u.id),
            None => {
                error = Some(format!("no user called {name}"));
                Some(-1)
            }
        },
    };
    let filter = parse_filter(&q, &user, assignee_id).unwrap_or_else(|message| {
        error = Some(message);
        ClaimFilter {
            limit: PAGE_SIZE,
            ..ClaimFilter::default()
        }
    });
    let (claims, next) = Claim::list(&mut conn, &filter).await?;
    let mut counts = Claim::counts_by_state(&mut conn).await?;
    counts.sort_by_key(|(s, _)| ReviewState::ALL.iter().position(|x| x == s));
    let article_ids: Vec<i64> = claims.iter().map(|c| c.article_id).collect();
    let titles: HashMap<i64, String> = articles::table
        .filter(articles::id.eq_any(&article_ids))
        .select((articles::id, articles::title))
        .load::<(i64, String)>(&mut conn)
        .await?
        .into_iter()
        .collect();
    let assignee_ids: Vec<i64> = claims.iter().filter_map(|c| c.assignee_id).collect();
    let names: HashMap<i64, String> = User::names(&mut conn, &assignee_ids)
        .await?
        .into_iter()
        .collect();
    let rows = claims
        .into_iter()
        .map(|c| QueueRow {
            id: c.id,
            article_id: c.article_id,
            article_title: titles.get(&c.article_id).cloned().unwrap_or_default(),
            text: c.text,
            claimant: c.claimant,
            category: c.category,
            state: c.state,
            score: c.score,
            assignee: c.assignee_id.and_then(|id| names.get(&id).cloned()),
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
    })
}
