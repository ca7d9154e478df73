//! Sources: feeds and sitemaps an editor asks claimdesk to watch. A poll fetches the document
//! politely (robots.txt, one rate limit per host shared by every process, conditional GET),
//! and turns each new entry into an import job; an address is imported once.

use crate::domain::UserId;
use std::time::Duration;

use chrono::Utc;

use super::jobs::{IMPORT_URL, JobContext, JobDone, JobFailure, POLL_SOURCE};
use crate::db::fetch_hosts;
use crate::db::jobs::{Job, NewJob};
use crate::db::sources::{NewSource, PollOutcome, Source};
use crate::db::{DbConn, DbPool};
use crate::error::AppError;
use crate::fetch::{self, Answer, Request};
use crate::services::import::{ArticleInput, import_article};

/// How long a stored robots.txt is trusted.
const ROBOTS_MAX_AGE_SECS: i64 = 3600;
/// Feeds are XML (or JSON Feed); servers label them in many ways.
const FEED_ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
     application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5";

/// A source as asked for, before checks.
#[derive(Debug, Clone)]
pub struct SourceRequest {
    pub url: String,
    pub name: String,
    pub interval_minutes: Option<i32>,
    pub tags: Vec<String>,
}

pub const DEFAULT_INTERVAL_MINUTES: i32 = 30;

/// Adds a source and queues its first poll.
pub async fn create(
    pool: &DbPool,
    request: SourceRequest,
    user: UserId,
    settings: &JobContext,
) -> Result<Source, AppError> {
    let url = crate::feeds::normalise_str(&request.url).ok_or_else(|| {
        AppError::Validation("the source address must be an http or https URL".into())
    })?;
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::Validation(
            "give the source a name of 1 to 200 characters".into(),
        ));
    }
    let interval = request.interval_minutes.unwrap_or(DEFAULT_INTERVAL_MINUTES);
    if !(1..=10080).contains(&interval) {
        return Err(AppError::Validation(
            "the poll interval must be between 1 and 10080 minutes (a week)".into(),
        ));
    }
    let tags = crate::db::claims::tag_names(&request.tags);
    let mut conn = pool.get().await?;
    for tag in &tags {
        if crate::db::tags::Tag::by_name(&mut conn, tag)
            .await?
            .is_none()
        {
            return Err(AppError::Validation(format!(
                "no tag called {tag:?}; an editor creates tags on the tags page"
            )));
        }
    }
    let new = NewSource {
        url,
        name,
        interval_minutes: interval,
        tags,
        created_by: Some(user.0),
    };
    let source = match Source::insert(&mut conn, &new).await? {
        Some(source) => source,
        None => {
            let existing = Source::by_url(&mut conn, &new.url).await?;
            return Err(AppError::Conflict {
                message: "this address is already a source".into(),
                current: existing.map(|s| serde_json::json!({ "id": s.id, "name": s.name })),
            });
        }
    };
    enqueue_poll(&mut conn, source.id, settings.jobs.job_attempts).await?;
    Ok(source)
}

/// Queues a poll of a source; `None` when one is already waiting or running.
async fn enqueue_poll(
    conn: &mut DbConn,
    source_id: i64,
    attempts: i32,
) -> Result<Option<Job>, AppError> {
    let new = NewJob {
        kind: POLL_SOURCE,
        payload: serde_json::json!({ "source_id": source_id }),
        max_attempts: attempts,
        source_id: Some(source_id),
        dedupe_key: None,
        created_by: None,
    };
    Ok(Job::enqueue(conn, &new).await?)
}

pub async fn list(pool: &DbPool) -> Result<Vec<Source>, AppError> {
    let mut conn = pool.get().await?;
    Ok(Source::list(&mut conn).await?)
}

pub async fn find(pool: &DbPool, id: i64) -> Result<Source, AppError> {
    let mut conn = pool.get().await?;
    Source::by_id(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("source"))
}

/// Queues a poll now (a poll already waiting counts as the one asked for).
pub async fn poll_now(pool: &DbPool, id: i64, attempts: i32) -> Result<Source, AppError> {
    let mut conn = pool.get().await?;
    let source = Source::by_id(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("source"))?;
    enqueue_poll(&mut conn, source.id, attempts).await?;
    Ok(source)
}

pub async fn set_enabled(pool: &DbPool, id: i64, enabled: bool) -> Result<Source, AppError> {
    let mut conn = pool.get().await?;
    Source::set_enabled(&mut conn, id, enabled)
        .await?
        .ok_or(AppError::NotFound("source"))
}

/// Queues a poll of every enabled source that is due. Run by each worker process now and
/// then; the sources' rows are taken with SKIP LOCKED, so two processes never both queue one.
pub async fn schedule_due(ctx: &JobContext) -> Result<usize, AppError> {
    let mut conn = ctx.pool.get().await?;
    let due = Source::take_due(&mut conn).await?;
    let mut queued = 0;
    for id in due {
        if enqueue_poll(&mut conn, id, ctx.jobs.job_attempts)
            .await?
            .is_some()
        {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Checks robots.txt for `url` and waits for this host's next fetch slot. No connection is
/// held while waiting.
async fn polite(ctx: &JobContext, url: &str) -> Result<(), JobFailure> {
    let (host, robots_url) = fetch::origin_of(url).ok_or_else(|| JobFailure {
        message: format!("{url} is not a web address"),
        permanent: true,
    })?;
    let cached = {
        let mut conn = ctx.pool.get().await?;
        fetch_hosts::cached_robots(&mut conn, &host, ROBOTS_MAX_AGE_SECS).await?
    };
    let robots = match cached {
        Some(robots) => robots,
        None => {
            wait_for_slot(ctx, &host, 0).await?;
            let request = Request {
                accept: "text/plain",
                missing_is_empty: true,
                ..Request::default()
            };
            let robots = match fetch::fetch_document(&robots_url, &ctx.extract, &request).await {
                Ok(Answer::Body(resource)) => {
                    Some(String::from_utf8_lossy(&resource.body).into_owned())
                }
                Ok(Answer::NotModified) => None,
                // An unreachable robots.txt means the site is unreachable: that is the error.
                Err(err) => return Err(err.into()),
            };
            let mut conn = ctx.pool.get().await?;
            fetch_hosts::store_robots(&mut conn, &host, robots.as_deref()).await?;
            robots
        }
    };
    let mut delay_ms = 0;
    if let Some(robots) = robots.as_deref() {
        let (allowed, crawl_delay) = crate::feeds::robots_allow(robots, "claimdesk", url);
        if !allowed {
            return Err(JobFailure {
                message: format!("robots.txt of {host} disallows {url}"),
                permanent: true,
            });
        }
        delay_ms = crawl_delay.unwrap_or(0);
    }
    wait_for_slot(ctx, &host, delay_ms).await
}

async fn wait_for_slot(ctx: &JobContext, host: &str, at_least_ms: u64) -> Result<(), JobFailure> {
    let interval = ctx.jobs.fetch_host_interval_ms.max(at_least_ms);
    let starts_at = {
        let mut conn = ctx.pool.get().await?;
        fetch_hosts::reserve_slot(&mut conn, host, interval as i64).await?
    };
    if let Ok(wait) = (starts_at - Utc::now()).to_std() {
        tokio::time::sleep(wait.min(Duration::from_secs(3600))).await;
    }
    Ok(())
}

fn source_id_of(job: &Job) -> Result<i64, JobFailure> {
    job.source_id
        .or_else(|| job.payload.get("source_id").and_then(|v| v.as_i64()))
        .ok_or_else(|| JobFailure {
            message: "the job names no source".into(),
            permanent: true,
        })
}

/// A poll: fetch the feed (conditionally), queue an import job per new entry, record the
/// outcome on the source.
pub async fn poll(ctx: &JobContext, job: &Job) -> Result<JobDone, JobFailure> {
    let id = source_id_of(job)?;
    let source = {
        let mut conn = ctx.pool.get().await?;
        Source::by_id(&mut conn, id)
            .await?
            .ok_or_else(|| JobFailure {
                message: format!("source {id} no longer exists"),
                permanent: true,
            })?
    };
    match poll_source(ctx, &source).await {
        Ok(done) => Ok(done),
        Err(failure) => {
            let outcome = PollOutcome {
                status: "failed".into(),
                error: Some(failure.message.clone()),
                errors: 1,
                etag: None,
                last_modified: None,
                keep_validators: true,
            };
            let mut conn = ctx.pool.get().await?;
            Source::record_poll(&mut conn, id, &outcome).await?;
            Err(failure)
        }
    }
}

async fn poll_source(ctx: &JobContext, source: &Source) -> Result<JobDone, JobFailure> {
    polite(ctx, &source.url).await?;
    let request = Request {
        accept: FEED_ACCEPT,
        etag: source.etag.as_deref(),
        last_modified: source.last_modified.as_deref(),
        ..Request::default()
    };
    let answer = fetch::fetch_document(&source.url, &ctx.extract, &request).await?;
    let resource = match answer {
        Answer::NotModified => {
            let outcome = PollOutcome {
                status: "not modified".into(),
                error: None,
                errors: 0,
                etag: None,
                last_modified: None,
                keep_validators: true,
            };
            let mut conn = ctx.pool.get().await?;
            Source::record_poll(&mut conn, source.id, &outcome).await?;
            return Ok(JobDone {
                result: "not modified since the last poll".into(),
                article_id: None,
            });
        }
        Answer::Body(resource) => resource,
    };
    let (etag, last_modified) = (resource.etag.clone(), resource.last_modified.clone());
    let mut listing = parse_listing(resource).await?;
    let mut bad = Vec::new();
    let read = if listing.sitemaps.is_empty() {
        None
    } else {
        Some(read_nested_sitemaps(ctx, &mut listing, &mut bad).await)
    };
    let mut queued = 0;
    let mut known = 0;
    let mut conn = ctx.pool.get().await?;
    for entry in &listing.entries {
        let link = match &entry.link {
            Ok(link) => link,
            Err(reason) => {
                bad.push(reason.clone());
                continue;
            }
        };
        let new = NewJob {
            kind: IMPORT_URL,
            payload: serde_json::json!({
                "url": link,
                "title": entry.title,
                "source_id": source.id,
            }),
            max_attempts: ctx.jobs.job_attempts,
            source_id: Some(source.id),
            // The normalised address: a second entry, poll or source naming it adds nothing.
            dedupe_key: Some(format!("article:{link}")),
            created_by: source.created_by,
        };
        match Job::enqueue(&mut conn, &new).await? {
            Some(_) => queued += 1,
            None => known += 1,
        }
    }
    let nested = match read {
        None => String::new(),
        Some(read) => format!(" ({read} of its {} sitemaps read)", listing.sitemaps.len()),
    };
    let status = format!(
        "{}{nested}: {} entries, {queued} new, {known} already seen, {} unusable",
        listing.kind,
        listing.entries.len(),
        bad.len()
    );
    // An index's validators are not kept: it may stay the same while its newest sitemap
    // grows, and a 304 for it would skip the sitemaps.
    let (etag, last_modified) = match read {
        Some(_) => (None, None),
        None => (etag, last_modified),
    };
    let outcome = PollOutcome {
        status: status.clone(),
        error: (!bad.is_empty()).then(|| bad.join("; ")),
        errors: bad.len() as i64,
        etag,
        last_modified,
        keep_validators: false,
    };
    Source::record_poll(&mut conn, source.id, &outcome).await?;
    Ok(JobDone {
        result: status,
        article_id: None,
    })
}

/// Parses a fetched feed or sitemap off the async threads.
async fn parse_listing(resource: fetch::Resource) -> Result<crate::feeds::Listing, JobFailure> {
    let base = resource.final_url.clone();
    actix_web::web::block(move || crate::feeds::parse(&resource.body, &base))
        .await
        .map_err(AppError::unexpected)?
        .map_err(|message| JobFailure {
            message,
            permanent: false,
        })
}

/// A sitemap index: reads its newest sitemaps (politely, each once per poll) and adds their
/// entries to the listing. One level is followed; a sitemap that cannot be read, or that is an
/// index itself, is reported and the others are still read. Returns how many were read.
async fn read_nested_sitemaps(
    ctx: &JobContext,
    listing: &mut crate::feeds::Listing,
    bad: &mut Vec<String>,
) -> usize {
    let (newest, unusable) = listing.newest_sitemaps(crate::feeds::NESTED_SITEMAPS_PER_POLL);
    bad.extend(unusable);
    let mut read = 0;
    let request = Request {
        accept: FEED_ACCEPT,
        ..Request::default()
    };
    for url in newest {
        let nested = async {
            polite(ctx, &url).await?;
            match fetch::fetch_document(&url, &ctx.extract, &request).await? {
                Answer::Body(resource) => parse_listing(resource).await,
                Answer::NotModified => Ok(crate::feeds::Listing {
                    kind: "sitemap",
                    entries: Vec::new(),
                    sitemaps: Vec::new(),
                }),
            }
        }
        .await;
        match nested {
            Ok(nested) if !nested.sitemaps.is_empty() => bad.push(format!(
                "{url} is a sitemap index itself; one level of nesting is followed"
            )),
            Ok(nested) => {
                read += 1;
                listing.entries.extend(nested.entries);
            }
            // Fetch and robots errors name the address already; parse errors do not.
            Err(failure) if failure.message.contains(url.as_str()) => bad.push(failure.message),
            Err(failure) => bad.push(format!("{url}: {}", failure.message)),
        }
    }
    read
}

/// An import job: fetch the article (politely when it comes from a source), extract and
/// store it, tag its claims with the source's tags, count it on the source.
pub async fn import_entry(ctx: &JobContext, job: &Job) -> Result<JobDone, JobFailure> {
    let text = |name: &str| {
        job.payload
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let url = text("url").ok_or_else(|| JobFailure {
        message: "the job names no address".into(),
        permanent: true,
    })?;
    let source = match job.source_id {
        Some(id) => {
            let mut conn = ctx.pool.get().await?;
            Source::by_id(&mut conn, id).await?
        }
        None => None,
    };
    let result = import_from(ctx, job, &url, source.as_ref()).await;
    if let (Some(source), Err(failure)) = (&source, &result) {
        // Counted once, when the job gives up, so a retried hiccup is not an error.
        if failure.permanent || job.attempts >= job.max_attempts {
            let mut conn = ctx.pool.get().await?;
            Source::count_error(&mut conn, source.id, &format!("{url}: {}", failure.message))
                .await?;
        }
    }
    result
}

async fn import_from(
    ctx: &JobContext,
    job: &Job,
    url: &str,
    source: Option<&Source>,
) -> Result<JobDone, JobFailure> {
    let text = |name: &str| {
        job.payload
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    if source.is_some() {
        polite(ctx, url).await?;
    }
    let fetched = fetch::fetch_article(url, &ctx.extract).await?;
    let published_on = crate::services::import::parse_date(text("published").as_deref())?;
    let input = ArticleInput {
        title: text("title").unwrap_or_default(),
        body: fetched.body,
        format: fetched.format,
        source_url: Some(url.to_owned()),
        publisher: text("publisher").filter(|p| !p.trim().is_empty()),
        published_on,
        imported_by: job.created_by,
    };
    let mut conn = ctx.pool.get().await?;
    let (article, claims) = match import_article(&mut conn, input, &ctx.extract).await {
        Ok(imported) => imported,
        // The same text under another address: nothing to do, and not an error.
        Err(AppError::Conflict { message, current }) => {
            let article_id = current
                .as_ref()
                .and_then(|c| c.get("article_id"))
                .and_then(serde_json::Value::as_i64);
            if source.is_none() {
                return Err(JobFailure {
                    message,
                    permanent: true,
                });
            }
            return Ok(JobDone {
                result: message,
                article_id,
            });
        }
        Err(err) => return Err(err.into()),
    };
    if let Some(source) = source {
        if let Some(editor) = source.created_by {
            tag_claims(&mut conn, &claims, &source.tags, editor).await?;
        }
        Source::count_import(&mut conn, source.id, claims.len() as i64).await?;
    }
    Ok(JobDone {
        result: format!("imported with {} claims", claims.len()),
        article_id: Some(article.id),
    })
}

/// Gives the source's tags to freshly imported claims, on the source owner's behalf, each as
/// an event on the claim's audit trail.
async fn tag_claims(
    conn: &mut DbConn,
    claims: &[crate::db::claims::Claim],
    tags: &[String],
    editor: i64,
) -> Result<(), JobFailure> {
    let actor = crate::domain::review::Actor {
        id: crate::domain::UserId(editor),
        role: crate::domain::Role::Editor,
    };
    for claim in claims {
        let mut version = claim.version;
        for tag in tags {
            match crate::services::tags::set_tag(
                conn,
                crate::domain::ClaimId(claim.id),
                version,
                actor,
                tag,
                true,
                Utc::now(),
            )
            .await
            {
                Ok(updated) => version = updated.version,
                // A tag deleted since the source was added: the claim is imported untagged.
                Err(AppError::Validation(reason)) => {
                    tracing::warn!(claim = claim.id, %reason, "source tag not given")
                }
                Err(err) => return Err(err.into()),
            }
        }
    }
    Ok(())
}
