//! /api/v1/sources and /api/v1/jobs: watched feeds and sitemaps, and the background jobs.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{CurrentUser, RequireEditor};
use crate::db::jobs::{Job, JobCounts};
use crate::db::sources::Source;
use crate::error::AppError;
use crate::routes::parse_id;
use crate::services::jobs as job_service;
use crate::services::sources::{self as source_service, SourceRequest};
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceJson {
    id: i64,
    url: String,
    name: String,
    interval_minutes: i32,
    tags: Vec<String>,
    enabled: bool,
    last_polled_at: Option<DateTime<Utc>>,
    /// What the last poll found, in words ("RSS: 12 entries, 3 new, …", "not modified", "failed").
    last_status: Option<String>,
    last_error: Option<String>,
    /// Articles imported from it, their claims, and entries or polls that failed.
    articles: i64,
    claims: i64,
    errors: i64,
    created_at: DateTime<Utc>,
}

impl From<Source> for SourceJson {
    fn from(s: Source) -> Self {
        SourceJson {
            id: s.id,
            url: s.url,
            name: s.name,
            interval_minutes: s.interval_minutes,
            tags: s.tags,
            enabled: s.enabled,
            last_polled_at: s.last_polled_at,
            last_status: s.last_status,
            last_error: s.last_error,
            articles: s.articles,
            claims: s.claims,
            errors: s.errors,
            created_at: s.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceList {
    sources: Vec<SourceJson>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSourceJson {
    /// An RSS 2.0 or Atom feed, or a sitemap / news sitemap.
    url: String,
    name: String,
    /// Minutes between polls (1–10080); 30 when left out.
    interval_minutes: Option<i32>,
    /// Names of existing tags given to the claims of its articles.
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobList {
    jobs: Vec<Job>,
    counts: JobCounts,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct JobQuery {
    /// queued, running, done or failed
    state: Option<String>,
    /// At most this many jobs, newest first (1–500, default 100).
    limit: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/sources", request_body = NewSourceJson, tag = "sources",
    responses((status = 201, body = SourceJson, description = "Added; its first poll is queued"),
              (status = 403, body = super::ErrorJson, description = "Editors only"),
              (status = 409, body = super::ErrorJson, description = "Already a source"),
              (status = 422, body = super::ErrorJson)))]
pub async fn create_source(
    state: web::Data<AppState>,
    RequireEditor(user): RequireEditor,
    body: web::Json<NewSourceJson>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let request = SourceRequest {
        url: body.url,
        name: body.name,
        interval_minutes: body.interval_minutes,
        tags: body.tags,
    };
    let source = source_service::create(&state.pool, request, user.id, &state.jobs()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/sources/{}", source.id)))
        .json(SourceJson::from(source)))
}

#[utoipa::path(get, path = "/api/v1/sources", tag = "sources", responses((status = 200, body = SourceList)))]
pub async fn list_sources(
    state: web::Data<AppState>,
    _user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let sources = source_service::list(&state.pool)
        .await?
        .into_iter()
        .map(SourceJson::from)
        .collect();
    Ok(HttpResponse::Ok().json(SourceList { sources }))
}

#[utoipa::path(get, path = "/api/v1/sources/{id}", tag = "sources", params(("id" = i64, Path)),
    responses((status = 200, body = SourceJson), (status = 404, body = super::ErrorJson)))]
pub async fn get_source(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "source")?;
    let source = source_service::find(&state.pool, id).await?;
    Ok(HttpResponse::Ok().json(SourceJson::from(source)))
}

#[utoipa::path(post, path = "/api/v1/sources/{id}/poll", tag = "sources", params(("id" = i64, Path)),
    responses((status = 202, body = SourceJson, description = "A poll is queued"),
              (status = 403, body = super::ErrorJson, description = "Editors only"),
              (status = 404, body = super::ErrorJson)))]
pub async fn poll_source(
    state: web::Data<AppState>,
    _user: RequireEditor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "source")?;
    let source = source_service::poll_now(&state.pool, id, state.config.jobs.job_attempts).await?;
    Ok(HttpResponse::Accepted().json(SourceJson::from(source)))
}

#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", params(
        ("state" = Option<String>, Query, description = "queued, running, done or failed"),
        ("limit" = Option<i64>, Query, description = "1–500, default 100")),
    responses((status = 200, body = JobList), (status = 400, body = super::ErrorJson)))]
pub async fn list_jobs(
    state: web::Data<AppState>,
    _user: CurrentUser,
    query: web::Query<JobQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let wanted = query.state.as_deref().filter(|s| !s.is_empty());
    let (jobs, counts) = job_service::overview(&state.pool, wanted, limit).await?;
    Ok(HttpResponse::Ok().json(JobList { jobs, counts }))
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", params(("id" = i64, Path)),
    responses((status = 200, body = Job), (status = 404, body = super::ErrorJson)))]
pub async fn get_job(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "job")?;
    Ok(HttpResponse::Ok().json(job_service::find(&state.pool, id).await?))
}

#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "jobs", params(("id" = i64, Path)),
    responses((status = 200, body = Job), (status = 403, body = super::ErrorJson, description = "Editors only"),
              (status = 422, body = super::ErrorJson, description = "Not a failed job")))]
pub async fn retry_job(
    state: web::Data<AppState>,
    _user: RequireEditor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "job")?;
    Ok(HttpResponse::Ok().json(job_service::retry(&state.pool, id).await?))
}
