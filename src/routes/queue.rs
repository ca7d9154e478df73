//! The queue: claims with filters, counts per state under the same filters, keyset
//! pagination, and bulk actions on the claims selected in it.

use actix_web::{HttpRequest, ResponseError, web};
use chrono::{DateTime, Utc};

use crate::auth::CurrentUser;
use crate::auth::csrf::ProtectedForm;
use crate::db::claims::{Claim, Cursor, tag_names};
use crate::db::tags::Tag;
use crate::domain::{ClaimId, ReviewState};
use crate::error::AppError;
use crate::extract::Category;
use crate::routes::query_values;
use crate::services::bulk::{self, BulkAction, BulkItem, MAX_BULK_CLAIMS};
use crate::services::queue::{self, QueueContext};
use crate::services::saved_views;
use crate::startup::AppState;
use crate::views::{
    BulkLine, BulkPage, Layout, QueueFilterView, QueueGroup, QueuePage, QueueQuery, QueueRow,
    SaveViewForm, StateCount,
};

pub const PAGE_SIZE: i64 = 50;

fn on(value: &str) -> bool {
    matches!(value.trim(), "1" | "true" | "yes" | "on")
}

/// The query string of these filters (without the page cursor), `state` replaced when given.
fn filter_query(q: &QueueQuery, tags: &[String], state: Option<&str>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let state = state.unwrap_or(&q.state);
    for (k, v) in [
        ("state", state),
        ("category", &q.category),
        ("article", &q.article),
        ("assignee", &q.assignee),
        ("q", &q.q),
        ("contradicts", &q.contradicts),
        ("awaiting_approval", &q.awaiting_approval),
        ("sent_back", &q.sent_back),
        ("stale", &q.stale),
        ("checked_before", &q.checked_before),
        ("sort", &q.sort),
    ] {
        if !v.trim().is_empty() {
            query.append_pair(k, v);
        }
    }
    for tag in tags {
        query.append_pair("tag", tag);
    }
    if q.mine.is_some() {
        query.append_pair("mine", "1");
    }
    query.finish()
}

/// Who asks and when, for the queue's filters.
pub fn context(user: &CurrentUser, state: &AppState, now: DateTime<Utc>) -> QueueContext {
    QueueContext {
        user: user.id,
        now,
        stale_days: state.config.server.stale_days,
    }
}

/// "5 min", "3 h", "12 d": how long ago, compactly.
fn since(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let minutes = (now - then).num_minutes().max(0);
    match minutes {
        0..60 => format!("{minutes} min"),
        60..1440 => format!("{} h", minutes / 60),
        _ => format!("{} d", minutes / 1440),
    }
}

pub async fn show_queue(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    query: web::Query<QueueQuery>,
) -> Result<QueuePage, AppError> {
    let q = query.into_inner();
    let tags = tag_names(&query_values(&req, "tag"));
    let now = Utc::now();
    let mut conn = state.pool.get().await?;
    let (filter, error) =
        queue::filter_for(&mut conn, &q, &tags, context(&user, &state, now), PAGE_SIZE).await?;
    // A search refused for its cost shows its reason instead of the results, like one refused
    // for its length.
    let (data, error) = match queue::page(&mut conn, &filter).await {
        Err(AppError::BadRequest(message)) => (queue::QueueData::default(), Some(message)),
        page => (page?, error),
    };
    let all_tags = Tag::all(&mut conn).await?;
    let mut groups: Vec<QueueGroup> = Vec::new();
    for entry in data.entries {
        let c = &entry.claim.claim;
        let row = QueueRow {
            id: c.id,
            version: c.version,
            text: c.text.clone(),
            claimant: c.claimant.clone(),
            category: c.category,
            state: c.state,
            verdict: c.label.as_ref().map(|label| match c.rating {
                Some(r) => format!("{label} ({r}/5)"),
                None => label.clone(),
            }),
            score: c.score,
            age: since(now, c.created_at),
            changed: since(now, c.updated_at),
            changed_by: entry.changed_by,
            assignee: entry.claim.assignee,
            tags: entry.tags,
            merged: entry.merged,
            checked_before: entry.checked_before,
        };
        match groups.last_mut() {
            Some(group) if group.article_id == c.article_id => group.rows.push(row),
            _ => groups.push(QueueGroup {
                article_id: c.article_id,
                article_title: entry.claim.article_title,
                rows: vec![row],
            }),
        }
    }
    let counts = data
        .counts
        .iter()
        .map(|&(s, count)| StateCount {
            state: s,
            count,
            link: format!("/?{}", filter_query(&q, &tags, Some(s.as_str()))),
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
            contradicts: on(&q.contradicts),
            awaiting_approval: on(&q.awaiting_approval),
            sent_back: on(&q.sent_back),
            stale: on(&q.stale),
            checked_before: on(&q.checked_before),
            tags: tags.join(", "),
            sort: if q.sort.is_empty() {
                "score".into()
            } else {
                q.sort.clone()
            },
        },
        error,
        total: data.counts.iter().map(|(_, n)| n).sum(),
        all_link: format!("/?{}", filter_query(&q, &tags, Some(""))),
        counts,
        matching: data.matching,
        filter_query: filter_query(&q, &tags, None),
        states: ReviewState::ALL,
        categories: &Category::ALL,
        tags: all_tags,
        is_editor: user.role.is_editor(),
        groups,
        next_page: data.next.map(|cursor: Cursor| {
            format!(
                "/?{}&after={}",
                filter_query(&q, &tags, None),
                cursor.encode()
            )
        }),
        save: SaveViewForm {
            query: saved_views::stored_query(req.query_string()).unwrap_or_default(),
            ..SaveViewForm::default()
        },
    })
}

/// The bulk form: the action and its value, the claims ticked (`claim` = "id:version"), or
/// every claim the queue's filters select (`all_matching` with the filters in `filter`).
struct BulkForm {
    action: BulkAction,
    claims: Vec<BulkItem>,
    all_matching: Option<String>,
}

impl TryFrom<Vec<(String, String)>> for BulkForm {
    type Error = AppError;

    fn try_from(fields: Vec<(String, String)>) -> Result<BulkForm, AppError> {
        let value = |key: &str| {
            fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let action = BulkAction::parse(
            value("action").unwrap_or_default(),
            value("assignee"),
            value("tag"),
            value("reason"),
        )
        .map_err(AppError::Validation)?;
        let claims = fields
            .iter()
            .filter(|(k, _)| k == "claim")
            .map(|(_, v)| {
                let (id, version) = v.split_once(':').unwrap_or((v, ""));
                match (id.parse::<i64>(), version.parse::<i32>()) {
                    (Ok(id), Ok(version)) => Ok(BulkItem {
                        id: ClaimId(id),
                        version,
                    }),
                    _ => Err(AppError::BadRequest(format!(
                        "{v:?} is not a claim selection (id:version)"
                    ))),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let all_matching = value("all_matching")
            .filter(|v| on(v))
            .map(|_| value("filter").unwrap_or_default().to_owned());
        Ok(BulkForm {
            action,
            claims,
            all_matching,
        })
    }
}

pub async fn bulk_claims(
    state: web::Data<AppState>,
    form: ProtectedForm<Vec<(String, String)>>,
) -> Result<BulkPage, AppError> {
    let user = form.user;
    let form = BulkForm::try_from(form.form)?;
    let now = Utc::now();
    let mut conn = state.pool.get().await?;
    let (items, back) = match &form.all_matching {
        Some(filter_text) => {
            let (q, tags) = queue::parse_query(filter_text).map_err(AppError::BadRequest)?;
            let filter =
                queue::queue_filter(&mut conn, &q, &tags, context(&user, &state, now), PAGE_SIZE)
                    .await?
                    .map_err(AppError::Validation)?;
            let limit = i64::try_from(MAX_BULK_CLAIMS).unwrap_or(i64::MAX) + 1;
            let items = Claim::matching_versions(&mut conn, &filter, limit)
                .await?
                .into_iter()
                .map(|(id, version)| BulkItem {
                    id: ClaimId(id),
                    version,
                })
                .collect();
            (items, format!("/?{filter_text}"))
        }
        None => (form.claims, "/".to_owned()),
    };
    drop(conn);
    let outcomes = bulk::apply(&state.pool, user.actor(), &form.action, &items, now).await?;
    let done_text = form.action.done();
    let lines: Vec<BulkLine> = outcomes
        .into_iter()
        .map(|o| BulkLine {
            id: o.id.0,
            ok: o.result.is_ok(),
            message: match o.result {
                Ok(_) => done_text.clone(),
                Err(e) => format!("refused ({}): {e}", e.status_code().as_u16()),
            },
        })
        .collect();
    let done = lines.iter().filter(|l| l.ok).count();
    Ok(BulkPage {
        layout: Layout::for_user(&user),
        refused: lines.len() - done,
        done,
        lines,
        back,
    })
}
