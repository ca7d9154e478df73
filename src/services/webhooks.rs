//! Signed webhooks: registering endpoints, writing deliveries into the outbox in the
//! transaction of their event, and the worker loop that sends them.
//!
//! Every process runs [`run_deliveries`]. A worker takes the lease of due deliveries
//! (`FOR UPDATE SKIP LOCKED`, so two processes never take the same one), lets go of its
//! database connection, sends them with a timeout shorter than the lease, and records each
//! outcome only while it still holds the lease. A process that dies mid-delivery leaves a lease
//! that runs out; the delivery is then taken again by whoever looks next.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, watch};

use crate::config::WebhookSettings;
use crate::db::DbPool;
use crate::db::articles::Article;
use crate::db::claims::Claim;
use crate::db::verdicts::VerdictRow;
use crate::db::webhooks::{ClaimedDelivery, Delivery, Endpoint, LOG_LIMIT, NewEndpoint, Outcome};
use crate::domain::UserId;
use crate::domain::webhooks::{self as rules, WebhookEvent};
use crate::error::AppError;
use crate::services::claim_json;

/// Registers an endpoint after checking its address as URL imports are checked: http(s), and
/// every address its host resolves to public (loopback only when `allow_loopback`). Returns
/// the endpoint; its secret is in it, for the caller to show this once. The address is checked
/// (which waits on DNS) before a database connection is taken, for the insert alone.
pub async fn register(
    pool: &DbPool,
    url: &str,
    events: &[String],
    admin: UserId,
    allow_loopback: bool,
    now: DateTime<Utc>,
) -> Result<Endpoint, AppError> {
    let url = url.trim();
    if !crate::domain::urls::is_web_url(url) {
        return Err(AppError::BadRequest(
            "the endpoint address must be an http or https URL".into(),
        ));
    }
    let parsed = url::Url::parse(url)
        .map_err(|_| AppError::BadRequest("the endpoint address is not a URL".into()))?;
    crate::fetch::vet(&parsed, allow_loopback)
        .await
        .map_err(|e| AppError::BadRequest(format!("the endpoint address is refused: {e}")))?;
    let events = rules::parse_events(events).map_err(AppError::Validation)?;
    let secret = crate::auth::secrets::new_webhook_secret();
    let mut conn = pool.get().await?;
    let endpoint = Endpoint::insert(
        &mut conn,
        NewEndpoint {
            url,
            secret: &secret,
            events: events.iter().map(|e| e.as_str()).collect(),
            created_by: Some(admin.0),
            created_at: now,
        },
    )
    .await?;
    Ok(endpoint)
}

pub async fn list(conn: &mut AsyncPgConnection) -> Result<Vec<Endpoint>, AppError> {
    Ok(Endpoint::list(conn).await?)
}

/// An endpoint's latest deliveries, newest first.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    endpoint_id: i64,
) -> Result<(Endpoint, Vec<Delivery>), AppError> {
    let endpoint = Endpoint::by_id(conn, endpoint_id)
        .await?
        .ok_or(AppError::NotFound("webhook endpoint"))?;
    let log = Delivery::for_endpoint(conn, endpoint_id, LOG_LIMIT).await?;
    Ok((endpoint, log))
}

/// The log of every endpoint, for the admin page.
pub async fn endpoints_with_logs(
    conn: &mut AsyncPgConnection,
    per_endpoint: i64,
) -> Result<Vec<(Endpoint, Vec<Delivery>)>, AppError> {
    let endpoints = Endpoint::list(conn).await?;
    let mut logs: HashMap<i64, Vec<Delivery>> = HashMap::new();
    for delivery in Delivery::latest_per_endpoint(conn, per_endpoint).await? {
        logs.entry(delivery.endpoint_id).or_default().push(delivery);
    }
    Ok(endpoints
        .into_iter()
        .map(|endpoint| {
            let log = logs.remove(&endpoint.id).unwrap_or_default();
            (endpoint, log)
        })
        .collect())
}

/// Switches an endpoint on or off; the endpoint as it is now.
pub async fn set_enabled(
    conn: &mut AsyncPgConnection,
    endpoint_id: i64,
    enabled: bool,
) -> Result<Endpoint, AppError> {
    Endpoint::set_enabled(conn, endpoint_id, enabled)
        .await?
        .ok_or(AppError::NotFound("webhook endpoint"))
}

/// Queues a `webhook.test` message to one endpoint, whatever it subscribes to.
pub async fn send_test(
    conn: &mut AsyncPgConnection,
    endpoint_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let endpoint = Endpoint::by_id(conn, endpoint_id)
        .await?
        .ok_or(AppError::NotFound("webhook endpoint"))?;
    if !endpoint.enabled {
        return Err(AppError::Validation(
            "this endpoint is disabled; enable it to send a test".into(),
        ));
    }
    let body = envelope(
        WebhookEvent::Test,
        now,
        json!({ "endpoint_id": endpoint.id }),
    );
    Delivery::enqueue(
        conn,
        WebhookEvent::Test.as_str(),
        &body,
        Some(endpoint.id),
        now,
    )
    .await?;
    Ok(())
}

/// Queues a delivery again, with the same message id and body.
pub async fn redeliver(
    conn: &mut AsyncPgConnection,
    endpoint_id: i64,
    delivery_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    Delivery::redeliver(conn, endpoint_id, delivery_id, now)
        .await?
        .ok_or(AppError::NotFound("delivery"))
}

/// The Standard Webhooks body: the event's type, when it happened, and its data.
fn envelope(event: WebhookEvent, now: DateTime<Utc>, data: Value) -> String {
    json!({
        "type": event.as_str(),
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": data,
    })
    .to_string()
}

/// Claims in the API's shape (`GET /api/v1/claims/{id}`), as JSON values.
async fn claims_data(
    conn: &mut AsyncPgConnection,
    claims: &[Claim],
) -> Result<Vec<Value>, AppError> {
    claim_json::claims_json(conn, claims.to_vec())
        .await?
        .iter()
        .map(|c| serde_json::to_value(c).map_err(AppError::unexpected))
        .collect()
}

/// Writes one delivery of `event` with `data` for every endpoint subscribed to it, in the
/// caller's transaction.
async fn enqueue(
    conn: &mut AsyncPgConnection,
    event: WebhookEvent,
    now: DateTime<Utc>,
    data: Value,
) -> Result<(), AppError> {
    let body = envelope(event, now, data);
    Delivery::enqueue(conn, event.as_str(), &body, None, now).await?;
    Ok(())
}

/// `claim.created` for each claim, in the caller's transaction; the bodies are only built
/// when some endpoint wants them.
pub async fn claims_created(
    conn: &mut AsyncPgConnection,
    claims: &[Claim],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let event = WebhookEvent::ClaimCreated;
    if claims.is_empty() || !Endpoint::any_subscribed(conn, event.as_str()).await? {
        return Ok(());
    }
    for data in claims_data(conn, claims).await? {
        enqueue(conn, event, now, data).await?;
    }
    Ok(())
}

/// `article.imported` (with its claims in the API's shape) and `claim.created` for each claim,
/// in the caller's transaction.
pub async fn article_imported(
    conn: &mut AsyncPgConnection,
    article: &Article,
    claims: &[Claim],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let event = WebhookEvent::ArticleImported;
    if Endpoint::any_subscribed(conn, event.as_str()).await? {
        let data = json!({
            "id": article.id,
            "title": article.title,
            "url": article.source_url,
            "publisher": article.publisher,
            "published_at": article.published_on,
            "created_at": article.created_at,
            "archived_at": article.archived_at,
            "claims": claims_data(conn, claims).await?,
        });
        enqueue(conn, event, now, data).await?;
    }
    claims_created(conn, claims, now).await
}

/// `verdict.approved`, or `verdict.corrected` when the approved verdict corrects a published
/// one, for a claim just approved, in the caller's transaction. The data is the claim as the
/// API shows it: its `verdicts` end with the one approved, and a correction's reason.
pub async fn verdict_published(
    conn: &mut AsyncPgConnection,
    claim: &Claim,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let verdict = match claim.verdict_id {
        Some(id) => VerdictRow::by_id(conn, id).await?,
        None => None,
    };
    let event = match verdict.and_then(|v| v.corrects_id) {
        Some(_) => WebhookEvent::VerdictCorrected,
        None => WebhookEvent::VerdictApproved,
    };
    if !Endpoint::any_subscribed(conn, event.as_str()).await? {
        return Ok(());
    }
    let data = claims_data(conn, std::slice::from_ref(claim))
        .await?
        .pop()
        .ok_or(AppError::NotFound("claim"))?;
    enqueue(conn, event, now, data).await
}

/// Sends due deliveries until `stop` turns true, then lets the ones in flight finish (they are
/// bounded by the timeout). Runs in every process that serves, and in workers.
pub async fn run_deliveries(
    pool: DbPool,
    settings: WebhookSettings,
    allow_loopback: bool,
    mut stop: watch::Receiver<bool>,
) {
    let concurrency = settings.webhook_concurrency.max(1) as usize;
    let slots = Arc::new(Semaphore::new(concurrency));
    let poll = Duration::from_millis(settings.webhook_poll_ms);
    // One client for every delivery, so connections to a receiver are kept and reused.
    let client = match crate::fetch::public_client(
        Duration::from_secs(settings.webhook_timeout),
        allow_loopback,
    ) {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "webhook worker cannot start: no HTTP client");
            return;
        }
    };
    let settings = Arc::new(settings);
    let mut last_sweep: Option<tokio::time::Instant> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        if last_sweep.is_none_or(|at| at.elapsed() >= SWEEP_EVERY) {
            last_sweep = Some(tokio::time::Instant::now());
            abandon_disabled(&pool, settings.webhook_abandon_after).await;
        }
        // Wait for a free slot before claiming: a claimed delivery's lease is already running.
        let first = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            _ = stop.changed() => break,
        };
        let free = slots.available_permits() + 1;
        let token = crate::auth::secrets::random_token();
        let claimed = match pool.get().await {
            Ok(mut conn) => {
                Delivery::claim(
                    &mut conn,
                    free as i64,
                    settings.webhook_lease as i64,
                    &token,
                )
                .await
            }
            Err(e) => {
                tracing::warn!(error = %e, "webhook worker: no database connection");
                Ok(Vec::new())
            }
        };
        let claimed = claimed.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "webhook worker: claiming deliveries failed");
            Vec::new()
        });
        let full = claimed.len() == free;
        let mut first = Some(first);
        for delivery in claimed {
            let slot = match first.take() {
                Some(slot) => slot,
                None => match slots.clone().acquire_owned().await {
                    Ok(slot) => slot,
                    Err(_) => break,
                },
            };
            let (pool, settings, token) = (pool.clone(), settings.clone(), token.clone());
            let client = client.clone();
            tokio::spawn(async move {
                deliver(&client, &pool, &settings, allow_loopback, &token, delivery).await;
                drop(slot);
            });
        }
        drop(first);
        if !full {
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = stop.changed() => {}
            }
        }
    }
    // Let deliveries in flight finish and record their outcome.
    let _ = tokio::time::timeout(
        Duration::from_secs(settings.webhook_timeout + 5),
        slots.acquire_many(concurrency as u32),
    )
    .await;
}

/// How often a worker looks for deliveries of disabled endpoints to abandon.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Marks abandoned the deliveries that waited more than `after_secs` for their disabled
/// endpoint. Every worker does it; the UPDATE is the same whoever runs it.
async fn abandon_disabled(pool: &DbPool, after_secs: u64) {
    let now = Utc::now();
    let before = now - chrono::Duration::seconds(after_secs.min(i64::MAX as u64) as i64);
    let swept = match pool.get().await {
        Ok(mut conn) => Delivery::abandon_disabled(&mut conn, before, now).await,
        Err(e) => {
            tracing::warn!(error = %e, "webhook worker: no database connection to sweep");
            return;
        }
    };
    match swept {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            deliveries = n,
            "webhook deliveries abandoned: their endpoint stayed disabled"
        ),
        Err(e) => tracing::warn!(error = %e, "webhook worker: abandoning deliveries failed"),
    }
}

/// Sends one claimed delivery and records the outcome.
async fn deliver(
    client: &reqwest::Client,
    pool: &DbPool,
    settings: &WebhookSettings,
    allow_loopback: bool,
    token: &str,
    delivery: ClaimedDelivery,
) {
    let timeout = Duration::from_secs(settings.webhook_timeout);
    let sent = tokio::time::timeout(timeout, send(client, &delivery, timeout, allow_loopback))
        .await
        .unwrap_or_else(|_| {
            (
                None,
                Err(format!("no answer within {} s", timeout.as_secs())),
            )
        });
    let now = Utc::now();
    let (response_code, result) = sent;
    let attempt = delivery.attempts + 1;
    let outcome = match result {
        Ok(()) => Outcome {
            response_code,
            error: None,
            delivered: true,
            retry_at: None,
            at: now,
        },
        Err(error) => Outcome {
            response_code,
            retry_at: rules::next_attempt(
                attempt,
                chrono::Duration::milliseconds(settings.webhook_retry_base_ms as i64),
                rand::random::<f64>(),
                now,
                delivery.created_at,
            ),
            error: Some(error),
            delivered: false,
            at: now,
        },
    };
    match &outcome.error {
        None => {
            tracing::info!(delivery = delivery.id, attempt, code = ?response_code, "webhook delivered")
        }
        Some(error) => {
            tracing::warn!(delivery = delivery.id, attempt, code = ?response_code, %error, retry_at = ?outcome.retry_at, "webhook delivery failed")
        }
    }
    let recorded = match pool.get().await {
        Ok(mut conn) => Delivery::record(&mut conn, delivery.id, token, &outcome).await,
        Err(e) => {
            tracing::warn!(delivery = delivery.id, error = %e, "webhook outcome not recorded: no database connection; it will be retried when its lease runs out");
            return;
        }
    };
    match recorded {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            delivery = delivery.id,
            "webhook outcome not recorded: the lease ran out and another worker took it"
        ),
        Err(e) => {
            tracing::warn!(delivery = delivery.id, error = %e, "webhook outcome not recorded")
        }
    }
}

/// One signed POST; the response code (when there was one) and whether it counts as delivered.
async fn send(
    client: &reqwest::Client,
    delivery: &ClaimedDelivery,
    timeout: Duration,
    allow_loopback: bool,
) -> (Option<i32>, Result<(), String>) {
    let url = match url::Url::parse(&delivery.url) {
        Ok(url) => url,
        Err(_) => return (None, Err("the endpoint address is not a URL".into())),
    };
    // Checked again at each delivery: the host's addresses may have changed since it was
    // registered. A name is looked up once, by the client's resolver when it connects, which
    // refuses any address that is not public and connects only to those it checked (a kept
    // connection needs no lookup at all); an address written as an IP is checked here.
    if let Err(e) = crate::fetch::vet_without_lookup(&url, allow_loopback) {
        return (None, Err(e.to_string()));
    }
    let timestamp = Utc::now().timestamp();
    let Some(signature) = rules::sign(
        &delivery.secret,
        &delivery.message_id,
        timestamp,
        &delivery.body,
    ) else {
        return (None, Err("the endpoint's secret cannot sign".into()));
    };
    let response = client
        .post(url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &delivery.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(delivery.body.clone())
        .send()
        .await;
    match response {
        Ok(response) => {
            let status = response.status();
            let code = Some(i32::from(status.as_u16()));
            if status.is_success() {
                (code, Ok(()))
            } else {
                (
                    code,
                    Err(format!("{} answered {status}", crate::fetch::shown(&url))),
                )
            }
        }
        Err(e) => (None, Err(crate::fetch::failure(e, timeout))),
    }
}
