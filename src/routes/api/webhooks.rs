//! /api/v1/webhooks: admins register endpoints, read their delivery logs, send tests and
//! redeliver.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::RequireAdmin;
use crate::db::webhooks::{Delivery, Endpoint};
use crate::error::AppError;
use crate::routes::parse_id;
use crate::services::webhooks;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookJson {
    /// http(s); its host must resolve to public addresses only.
    url: String,
    /// Any of verdict.approved, verdict.corrected, claim.created, article.imported.
    events: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookJson {
    id: i64,
    url: String,
    events: Vec<String>,
    enabled: bool,
    created_at: DateTime<Utc>,
}

impl From<Endpoint> for WebhookJson {
    fn from(e: Endpoint) -> WebhookJson {
        WebhookJson {
            id: e.id,
            url: e.url,
            events: e.events,
            enabled: e.enabled,
            created_at: e.created_at,
        }
    }
}

/// A new endpoint, with its signing secret: the only response that ever carries it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewWebhookSecretJson {
    /// `whsec_` + base64 of the key; shown once.
    secret: String,
    #[serde(flatten)]
    endpoint: WebhookJson,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    webhooks: Vec<WebhookJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryJson {
    id: i64,
    /// The `webhook-id` header; a redelivery keeps it.
    message_id: String,
    event: String,
    /// pending, delivered, failed (retried for a day in vain) or abandoned (its endpoint
    /// stayed disabled too long).
    status: String,
    /// Attempts made so far.
    attempts: i32,
    /// The receiver's status code at the last attempt, if it answered.
    response_code: Option<i32>,
    last_error: Option<String>,
    last_attempt_at: Option<DateTime<Utc>>,
    /// When a pending delivery is tried next.
    next_attempt_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<Delivery> for DeliveryJson {
    fn from(d: Delivery) -> DeliveryJson {
        DeliveryJson {
            next_attempt_at: (d.status == "pending").then_some(d.next_attempt_at),
            id: d.id,
            message_id: d.message_id,
            event: d.event,
            status: d.status,
            attempts: d.attempts,
            response_code: d.response_code,
            last_error: d.last_error,
            last_attempt_at: d.last_attempt_at,
            delivered_at: d.delivered_at,
            created_at: d.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    webhook: WebhookJson,
    /// The latest 100, newest first.
    deliveries: Vec<DeliveryJson>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookEditJson {
    enabled: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedJson {
    /// The new delivery.
    queued: bool,
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewWebhookJson,
    responses((status = 201, body = NewWebhookSecretJson),
        (status = 400, body = super::ErrorJson, description = "Not an http(s) address, or one that is not public"),
        (status = 403, body = super::ErrorJson), (status = 422, body = super::ErrorJson)))]
pub async fn create_webhook(
    state: web::Data<AppState>,
    admin: RequireAdmin,
    body: web::Json<NewWebhookJson>,
) -> Result<HttpResponse, AppError> {
    let NewWebhookJson { url, events } = body.into_inner();
    let endpoint = webhooks::register(
        &state.pool,
        &url,
        &events,
        admin.0.id,
        state.config.extract.fetch_allow_loopback,
        Utc::now(),
    )
    .await?;
    tracing::info!(admin = %admin.0.username, endpoint = endpoint.id, "webhook endpoint registered");
    let secret = endpoint.secret.clone();
    Ok(HttpResponse::Created().json(NewWebhookSecretJson {
        secret,
        endpoint: endpoint.into(),
    }))
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = WebhookList), (status = 403, body = super::ErrorJson)))]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    _admin: RequireAdmin,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let list = webhooks::list(&mut conn).await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        webhooks: list.into_iter().map(WebhookJson::from).collect(),
    }))
}

#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", request_body = WebhookEditJson,
    params(("id" = i64, Path)),
    responses((status = 200, body = WebhookJson), (status = 404, body = super::ErrorJson)))]
pub async fn edit_webhook(
    state: web::Data<AppState>,
    _admin: RequireAdmin,
    path: web::Path<String>,
    body: web::Json<WebhookEditJson>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "webhook endpoint")?;
    let mut conn = state.pool.get().await?;
    let endpoint = webhooks::set_enabled(&mut conn, id, body.enabled).await?;
    Ok(HttpResponse::Ok().json(WebhookJson::from(endpoint)))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path)),
    responses((status = 200, body = DeliveryList), (status = 404, body = super::ErrorJson)))]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    _admin: RequireAdmin,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "webhook endpoint")?;
    let mut conn = state.pool.get().await?;
    let (endpoint, log) = webhooks::deliveries(&mut conn, id).await?;
    Ok(HttpResponse::Ok().json(DeliveryList {
        webhook: endpoint.into(),
        deliveries: log.into_iter().map(DeliveryJson::from).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks",
    params(("id" = i64, Path)),
    responses((status = 202, body = QueuedJson), (status = 404, body = super::ErrorJson),
        (status = 422, body = super::ErrorJson, description = "The endpoint is disabled")))]
pub async fn test_webhook(
    state: web::Data<AppState>,
    _admin: RequireAdmin,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "webhook endpoint")?;
    let mut conn = state.pool.get().await?;
    webhooks::send_test(&mut conn, id, Utc::now()).await?;
    Ok(HttpResponse::Accepted().json(QueuedJson { queued: true }))
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    params(("id" = i64, Path), ("delivery_id" = i64, Path)),
    responses((status = 202, body = QueuedJson), (status = 404, body = super::ErrorJson)))]
pub async fn redeliver(
    state: web::Data<AppState>,
    _admin: RequireAdmin,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, delivery) = path.into_inner();
    let id: i64 = parse_id(&id, "webhook endpoint")?;
    let delivery: i64 = parse_id(&delivery, "delivery")?;
    let mut conn = state.pool.get().await?;
    webhooks::redeliver(&mut conn, id, delivery, Utc::now()).await?;
    Ok(HttpResponse::Accepted().json(QueuedJson { queued: true }))
}
