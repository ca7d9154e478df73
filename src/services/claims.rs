//! Correcting claims: edits, claims a person adds, merges, un-merges and splits. Each is one
//! transaction: the claim row is locked, the version the person saw is checked (409 when
//! stale), the pure rules in `domain::claims` decide, a guarded UPDATE bumps the version, and
//! each change is one `claim_events` row with its old and new values. Listing them (the queue
//! and the API's list) is here too, for its time budget on text searches.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::db::articles::Article;
use crate::db::claims::{Claim, ClaimCorrection, ClaimFilter, Cursor, NewClaim};
use crate::db::events::{ClaimEvent, EventKind, NewClaimChange};
use crate::domain::claims::{self as rules, ClaimEdit, ClaimOrigin};
use crate::domain::search;
use crate::domain::{Actor, ArticleId, ClaimId, UserId};
use crate::error::AppError;
use crate::extract;
use crate::services::claim_matches::{self, Scope};
use crate::services::{notifications, webhooks};

/// Where a person's new claim is in the article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpanRequest {
    /// The sentence as pasted; the server finds it in the body.
    Text(String),
    /// Byte offsets into the body.
    Offsets { start: usize, end: usize },
}

fn stale(claim: &Claim) -> AppError {
    AppError::Conflict {
        message: format!(
            "this claim was changed by someone else; reload it to see the change (version {})",
            claim.version
        ),
        current: Some(serde_json::json!({ "state": claim.state, "version": claim.version })),
    }
}

/// Locks the claim and checks the version the person saw.
async fn lock_current(
    conn: &mut AsyncPgConnection,
    id: ClaimId,
    seen_version: i32,
) -> Result<Claim, AppError> {
    let claim = Claim::lock(conn, id)
        .await?
        .ok_or(AppError::NotFound("claim"))?;
    if claim.version != seen_version {
        return Err(stale(&claim));
    }
    Ok(claim)
}

/// Locks the claim, checks the version, and that this person may correct it.
async fn lock_editable(
    conn: &mut AsyncPgConnection,
    id: ClaimId,
    seen_version: i32,
    who: Actor,
) -> Result<Claim, AppError> {
    let claim = lock_current(conn, id, seen_version).await?;
    if rules::may_edit(who, claim.assignee()) {
        Ok(claim)
    } else {
        Err(AppError::Forbidden(
            "only the reviewer assigned to this claim, or an editor, may change it".into(),
        ))
    }
}

/// One audit event for a change to the claim itself.
fn change_event(
    claim_id: i64,
    who: Actor,
    kind: EventKind,
    field: &str,
    (old, new): (Option<String>, Option<String>),
    note: Option<String>,
    now: DateTime<Utc>,
) -> NewClaimChange {
    NewClaimChange {
        claim_id,
        actor_id: who.id.0,
        kind,
        field: Some(field.to_owned()),
        old_value: old,
        new_value: new,
        note,
        created_at: now,
    }
}

/// Stores a correction the rules allowed and its audit events, in the caller's transaction.
async fn store(
    conn: &mut AsyncPgConnection,
    claim: &Claim,
    correction: &ClaimCorrection,
    events: Vec<NewClaimChange>,
    now: DateTime<Utc>,
) -> Result<Claim, AppError> {
    let updated = Claim::correct(conn, ClaimId(claim.id), claim.version, correction, now)
        .await?
        .ok_or_else(|| stale(claim))?;
    let actor = events.first().map(|e| UserId(e.actor_id));
    let mut fields: Vec<String> = Vec::new();
    for event in events {
        if let Some(field) = &event.field
            && !fields.contains(field)
        {
            fields.push(field.clone());
        }
        ClaimEvent::insert_change(conn, &[event]).await?;
    }
    if let Some(actor) = actor {
        let what = format!("corrected: {}", fields.join(", "));
        notifications::claim_changed(conn, ClaimId(claim.id), actor, &what, now).await?;
    }
    Ok(updated)
}

/// One page of the queue (or the API's claim list) for `filter`. A text search the database
/// cannot answer within [`search::MAX_SEARCH_MS`] is stopped there and refused with 400.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ClaimFilter,
) -> Result<(Vec<Claim>, Option<Cursor>), AppError> {
    list_within(conn, filter, search::MAX_SEARCH_MS).await
}

/// [`list`] with the text search's time budget given.
pub async fn list_within(
    conn: &mut AsyncPgConnection,
    filter: &ClaimFilter,
    budget_ms: u64,
) -> Result<(Vec<Claim>, Option<Cursor>), AppError> {
    let started = Instant::now();
    Claim::list(conn, filter, budget_ms)
        .await
        .map_err(|e| search_failure(e, filter.text.is_some(), started, budget_ms))
}

/// PostgreSQL cancels a search at its budget (SQLSTATE 57014); the elapsed time tells it apart
/// from any other failure without reading its message, and the person gets the reason. Only a
/// query that searched text can have been cancelled so: `searched` says whether it did.
pub(crate) fn search_failure(
    e: diesel::result::Error,
    searched: bool,
    started: Instant,
    budget_ms: u64,
) -> AppError {
    match e {
        diesel::result::Error::DatabaseError(..)
            if searched && started.elapsed() >= Duration::from_millis(budget_ms) =>
        {
            AppError::BadRequest(search::TOO_BROAD.into())
        }
        e => AppError::from(e),
    }
}

/// Corrects the category, claimant, claimant kind or normalised wording. One event per field
/// that changed; an edit that changes nothing leaves the claim (and its version) alone.
pub async fn edit(
    conn: &mut AsyncPgConnection,
    id: ClaimId,
    seen_version: i32,
    who: Actor,
    edit: &ClaimEdit,
    now: DateTime<Utc>,
) -> Result<Claim, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let claim = lock_editable(conn, id, seen_version, who).await?;
        let (fields, changes) = edit.apply(&claim.fields()).map_err(AppError::Validation)?;
        if changes.is_empty() {
            return Ok(claim);
        }
        let events = changes
            .into_iter()
            .map(|c| {
                let values = (c.old, c.new);
                change_event(
                    id.0,
                    who,
                    EventKind::ClaimEdited,
                    c.field,
                    values,
                    None,
                    now,
                )
            })
            .collect();
        store(conn, &claim, &ClaimCorrection::fields(&fields), events, now).await
    })
    .await
}

/// The byte span a request names in `body`, trimmed; 422 when it is not there or not valid.
fn resolve_span(body: &str, request: &SpanRequest) -> Result<(usize, usize), AppError> {
    match request {
        SpanRequest::Text(text) => rules::find_span(body, text).ok_or_else(|| {
            AppError::Validation(
                "that text is not in the article; paste it exactly as it appears".into(),
            )
        }),
        SpanRequest::Offsets { start, end } => {
            rules::checked_span(body, *start, *end).map_err(AppError::Validation)
        }
    }
}

fn offset(n: usize) -> Result<i32, AppError> {
    i32::try_from(n).map_err(|_| AppError::Validation("the offset is too large".into()))
}

/// Stores a claim a person marked, scored and categorised by the extractor's own code.
async fn insert_marked(
    conn: &mut AsyncPgConnection,
    article: &Article,
    (start, end): (usize, usize),
    who: Actor,
    note: String,
    now: DateTime<Utc>,
) -> Result<Claim, AppError> {
    if extract::MAX_CLAIM_BYTES < end - start {
        return Err(AppError::Validation(format!(
            "a claim is one sentence or a few: at most {} bytes",
            extract::MAX_CLAIM_BYTES
        )));
    }
    let annotated = extract::annotate(&article.body, start, end)
        .ok_or_else(|| AppError::Validation("that span is not text of the article".into()))?;
    let (s, e) = (offset(start)?, offset(end)?);
    if let Some(existing) = Claim::at_span(conn, ArticleId(article.id), s, e).await? {
        return Err(AppError::Conflict {
            message: format!("that text is already claim {existing}"),
            current: Some(serde_json::json!({ "claim_id": existing })),
        });
    }
    let claim = Claim::insert(
        conn,
        &NewClaim::from_annotated(ArticleId(article.id), &annotated, None, ClaimOrigin::Manual),
    )
    .await?;
    ClaimEvent::insert_change(
        conn,
        &[change_event(
            claim.id,
            who,
            EventKind::ClaimAdded,
            "span",
            (None, Some(format!("{start}-{end}"))),
            Some(note),
            now,
        )],
    )
    .await?;
    webhooks::claims_created(conn, std::slice::from_ref(&claim), now).await?;
    // Embedded, linked to its duplicates in other articles and matched, in the background.
    claim_matches::enqueue(conn, Scope::Claim(ClaimId(claim.id)), Some(who.id)).await?;
    Ok(claim)
}

/// Adds a claim the extractor missed, with `origin = manual`.
pub async fn add_manual(
    conn: &mut AsyncPgConnection,
    article_id: ArticleId,
    request: &SpanRequest,
    who: Actor,
    now: DateTime<Utc>,
) -> Result<Claim, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let article = Article::by_id(conn, article_id)
            .await?
            .ok_or(AppError::NotFound("article"))?;
        let span = resolve_span(&article.body, request)?;
        insert_marked(conn, &article, span, who, "added by hand".into(), now).await
    })
    .await
}

/// Marks the claim as the same as `into`. A claim merged into one that is itself merged is
/// merged into that one's primary (the root), so every cluster has one verdict; a claim that
/// others are merged into must be un-merged from them first.
pub async fn merge(
    conn: &mut AsyncPgConnection,
    id: ClaimId,
    seen_version: i32,
    into: ClaimId,
    who: Actor,
    now: DateTime<Utc>,
) -> Result<Claim, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let claim = lock_editable(conn, id, seen_version, who).await?;
        let target = Claim::lock(conn, into).await?.ok_or_else(|| {
            AppError::Validation(format!("there is no claim {into} to merge into"))
        })?;
        let root = target.merged_into.unwrap_or(target.id);
        if root == claim.id {
            return Err(AppError::Validation(
                "a claim cannot be merged into itself".into(),
            ));
        }
        if claim.merged_into.is_some() {
            return Err(AppError::Validation(format!(
                "this claim is already merged into claim {}; un-merge it first",
                claim.merged_into.unwrap_or_default()
            )));
        }
        let followers = Claim::merged_into_this(conn, id).await?;
        if !followers.is_empty() {
            return Err(AppError::Validation(format!(
                "claims {followers:?} are merged into this one; un-merge them first"
            )));
        }
        let note = (root != target.id).then(|| {
            format!(
                "claim {} is merged into {root}, so this one is too",
                target.id
            )
        });
        store_merge(conn, &claim, who, Some(root), note, now).await
    })
    .await
}

/// Merges the claim into `into`, or un-merges it (`None`), with its one audit event.
async fn store_merge(
    conn: &mut AsyncPgConnection,
    claim: &Claim,
    who: Actor,
    into: Option<i64>,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<Claim, AppError> {
    let kind = match into {
        Some(_) => EventKind::ClaimMerged,
        None => EventKind::ClaimUnmerged,
    };
    let text = |id: Option<i64>| id.map(|i| i.to_string());
    let values = (text(claim.merged_into), text(into));
    let event = change_event(claim.id, who, kind, "merged_into", values, note, now);
    let correction = ClaimCorrection {
        merged_into: Some(into),
        ..ClaimCorrection::default()
    };
    store(conn, claim, &correction, vec![event], now).await
}

/// Un-merges the claim: it has its own verdict again.
pub async fn unmerge(
    conn: &mut AsyncPgConnection,
    id: ClaimId,
    seen_version: i32,
    who: Actor,
    now: DateTime<Utc>,
) -> Result<Claim, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let claim = lock_editable(conn, id, seen_version, who).await?;
        if claim.merged_into.is_none() {
            return Err(AppError::Validation("this claim is not merged".into()));
        }
        store_merge(conn, &claim, who, None, None, now).await
    })
    .await
}

/// Splits a claim at a byte offset of the article body: the claim keeps the first part and a
/// new claim (`origin = manual`, scored like any other) gets the second. Only before a verdict.
pub async fn split(
    conn: &mut AsyncPgConnection,
    id: ClaimId,
    seen_version: i32,
    at: usize,
    who: Actor,
    now: DateTime<Utc>,
) -> Result<(Claim, Claim), AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let claim = lock_editable(conn, id, seen_version, who).await?;
        if claim.state.verdict().is_some() || claim.verdict.is_some() {
            return Err(AppError::Validation(
                "a claim with a verdict cannot be split; reopen or send it back first".into(),
            ));
        }
        let article = Article::by_id(conn, ArticleId(claim.article_id))
            .await?
            .ok_or(AppError::NotFound("article"))?;
        let (start, end) = (
            usize::try_from(claim.span_start).unwrap_or(0),
            usize::try_from(claim.span_end).unwrap_or(0),
        );
        let (first, second) =
            rules::split_spans(&article.body, start, end, at).map_err(AppError::Validation)?;
        let note = format!("split off claim {id}");
        let added = insert_marked(conn, &article, second, who, note, now).await?;
        let correction = ClaimCorrection {
            span_start: Some(offset(first.0)?),
            span_end: Some(offset(first.1)?),
            text: article.body.get(first.0..first.1).map(str::to_owned),
            ..ClaimCorrection::default()
        };
        let values = (
            Some(format!("{start}-{end}")),
            Some(format!("{}-{}", first.0, first.1)),
        );
        let note = Some(format!("the rest is claim {}", added.id));
        let event = change_event(id.0, who, EventKind::ClaimSplit, "span", values, note, now);
        let kept = store(conn, &claim, &correction, vec![event], now).await?;
        // Its text changed: embedded and linked again, like the part split off.
        claim_matches::enqueue(conn, Scope::Claim(id), Some(who.id)).await?;
        Ok((kept, added))
    })
    .await
}
