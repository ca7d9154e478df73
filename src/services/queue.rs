//! The queue's query string as one filter: the queue page and saved views read it the same
//! way, so a filter the queue learns works in saved views too.

use diesel_async::AsyncPgConnection;

use crate::db::claims::{ClaimFilter, ClaimFilterText};
use crate::db::users::User;
use crate::domain::UserId;
use crate::error::AppError;

/// The queue's filters as typed, echoed back into the form.
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
    pub sort: String,
    pub after: String,
}

/// The filter a queue query asks for, for `user` ("mine"), pages of `page_size`; a bad value
/// gives the unfiltered queue and a message naming the problem, not a failure.
pub async fn filter_for(
    conn: &mut AsyncPgConnection,
    q: &QueueQuery,
    user: UserId,
    page_size: i64,
) -> Result<(ClaimFilter, Option<String>), AppError> {
    let mut error = None;
    let assignee_id = match q.assignee.trim() {
        "" => None,
        name => match User::by_username(conn, name).await? {
            Some(u) => Some(UserId(u.id)),
            None => {
                error = Some(format!("no user called {name}"));
                Some(UserId(-1))
            }
        },
    };
    let text = ClaimFilterText {
        state: Some(&q.state),
        category: Some(&q.category),
        article: Some(&q.article),
        text: Some(&q.q),
        contradicts: Some(&q.contradicts),
        sort: Some(&q.sort),
        after: Some(&q.after),
        limit: None,
    };
    let assignee = if q.mine.is_some() {
        Some(user)
    } else {
        assignee_id
    };
    let filter = match ClaimFilter::parse(text, assignee, page_size) {
        Ok(filter) => filter,
        Err(message) => {
            error = Some(message);
            ClaimFilter {
                limit: page_size,
                ..ClaimFilter::default()
            }
        }
    };
    Ok((filter, error))
}

/// Reads a queue query string (without the `?`); `None` when it is not one.
pub fn parse_query(query: &str) -> Option<QueueQuery> {
    serde_urlencoded::from_str(query.trim_start_matches('?')).ok()
}
