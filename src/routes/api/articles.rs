//! /api/v1/articles: import (with extraction), list, fetch one with its claims.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::claims::{ClaimJson, claim_json, claims_json};
use crate::auth::{CurrentUser, RequireEditor};
use crate::db::articles::{Article, ArticleSummary};
use crate::domain::ArticleId;
use crate::domain::text::optional;
use crate::error::AppError;
use crate::routes::parse_id;
use crate::services::articles::{self as article_service, ArticleEdit};
use crate::services::claims::{self as claim_service, SpanRequest};
use crate::services::import::{ArticleInput, import_article, parse_date};
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleJson {
    id: i64,
    title: String,
    url: Option<String>,
    publisher: Option<String>,
    published_at: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    /// When it was archived (hidden from the queue, lists and exports), or null.
    archived_at: Option<DateTime<Utc>>,
    /// Present on single-article responses.
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    claims: Option<Vec<ClaimJson>>,
}

impl From<ArticleSummary> for ArticleJson {
    fn from(a: ArticleSummary) -> Self {
        ArticleJson {
            id: a.id,
            title: a.title,
            url: a.source_url,
            publisher: a.publisher,
            published_at: a.published_on,
            created_at: a.created_at,
            archived_at: a.archived_at,
            body: None,
            claims: None,
        }
    }
}

impl ArticleJson {
    fn full(a: Article, claims: Vec<ClaimJson>) -> ArticleJson {
        let (summary, body) = a.into_summary();
        ArticleJson {
            body: Some(body),
            claims: Some(claims),
            ..ArticleJson::from(summary)
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    articles: Vec<ArticleJson>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewArticleJson {
    title: Option<String>,
    /// Plain text, Markdown or HTML. Without it, `url` is fetched by a background job.
    #[serde(default)]
    body: Option<String>,
    url: Option<String>,
    publisher: Option<String>,
    /// YYYY-MM-DD
    published_at: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportQuery {
    /// For an import from `url`: seconds (0–60) to wait for the job; when it is done by then
    /// the answer is 201 with the article, else 202 with the job.
    wait: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportJobJson {
    job: crate::db::jobs::Job,
}

#[utoipa::path(post, path = "/api/v1/articles", request_body = NewArticleJson, tag = "articles",
    params(("wait" = Option<u64>, Query, description = "URL imports: seconds to wait for the job (0–60)")),
    responses((status = 201, body = ArticleJson, description = "Imported; claims extracted"),
              (status = 202, body = ImportJobJson, description = "A URL import is queued as a job (Location: the job)"),
              (status = 409, body = super::ErrorJson, description = "The same text was already imported"),
              (status = 422, body = super::ErrorJson)))]
pub async fn create_article(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ImportQuery>,
    body: web::Json<NewArticleJson>,
) -> Result<HttpResponse, AppError> {
    let new = body.into_inner();
    let Some(text) = new.body.filter(|b| !b.trim().is_empty()) else {
        return import_by_job(
            &state,
            &user,
            new.title,
            new.url,
            new.publisher,
            new.published_at,
            query.wait,
        )
        .await;
    };
    let format = crate::extract::InputFormat::detect(text.as_bytes(), None, None);
    let input = ArticleInput {
        title: new.title.unwrap_or_default(),
        body: text.into_bytes(),
        format,
        source_url: optional(new.url),
        publisher: optional(new.publisher),
        published_on: parse_date(new.published_at.as_deref())?,
        imported_by: Some(user.id.0),
    };
    let mut conn = state.pool.get().await?;
    let (article, claims) = import_article(&mut conn, input, &state.config.extract).await?;
    let claims = claims_json(&mut conn, claims).await?;
    Ok(created(article, claims))
}

fn created(article: Article, claims: Vec<ClaimJson>) -> HttpResponse {
    HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/articles/{}", article.id)))
        .json(ArticleJson::full(article, claims))
}

/// An article fetched from `url` by a background job; waits up to `wait` seconds for it.
async fn import_by_job(
    state: &AppState,
    user: &CurrentUser,
    title: Option<String>,
    url: Option<String>,
    publisher: Option<String>,
    published_at: Option<String>,
    wait: Option<u64>,
) -> Result<HttpResponse, AppError> {
    let url = optional(url).ok_or_else(|| {
        AppError::Validation("give the article's text as body, or a url to fetch it from".into())
    })?;
    parse_date(published_at.as_deref())?;
    let job = crate::services::jobs::enqueue_url_import(
        &state.pool,
        &url,
        optional(title),
        optional(publisher),
        optional(published_at),
        user.id,
    )
    .await?;
    let wait = std::time::Duration::from_secs(wait.unwrap_or(0).min(60));
    let job = crate::services::jobs::wait_for(&state.pool, job.id, wait).await?;
    if let ("done", Some(id)) = (job.state.as_str(), job.article_id) {
        let mut conn = state.pool.get().await?;
        let article = article_json(&mut conn, ArticleId(id)).await?;
        return Ok(HttpResponse::Created()
            .insert_header(("Location", format!("/api/v1/articles/{id}")))
            .json(article));
    }
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", format!("/api/v1/jobs/{}", job.id)))
        .json(ImportJobJson { job }))
}

#[utoipa::path(get, path = "/api/v1/articles", tag = "articles", responses((status = 200, body = ArticleList)))]
pub async fn list_articles(
    state: web::Data<AppState>,
    _user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let articles = Article::list(&mut conn, 500)
        .await?
        .into_iter()
        .map(ArticleJson::from)
        .collect();
    Ok(HttpResponse::Ok().json(ArticleList { articles }))
}

#[utoipa::path(get, path = "/api/v1/articles/{id}", tag = "articles",
    params(("id" = i64, Path)), responses((status = 200, body = ArticleJson), (status = 404, body = super::ErrorJson)))]
pub async fn get_article(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: ArticleId = parse_id(&path, "article")?;
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Ok().json(article_json(&mut conn, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewClaimJson {
    /// The sentence as it appears in the article (line breaks and spacing may differ) …
    text: Option<String>,
    /// … or its byte offsets into the article body (on character boundaries).
    start: Option<usize>,
    end: Option<usize>,
}

impl TryFrom<NewClaimJson> for SpanRequest {
    type Error = AppError;

    fn try_from(b: NewClaimJson) -> Result<SpanRequest, AppError> {
        match (b.text, b.start, b.end) {
            (Some(text), None, None) => Ok(SpanRequest::Text(text)),
            (None, Some(start), Some(end)) => Ok(SpanRequest::Offsets { start, end }),
            _ => Err(AppError::Validation(
                "send either {\"text\"} or {\"start\", \"end\"}".into(),
            )),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/articles/{id}/claims", tag = "articles", params(("id" = i64, Path)), request_body = NewClaimJson,
    responses((status = 201, body = ClaimJson, description = "Added with origin manual, scored and categorised by the extractor"),
              (status = 409, body = super::ErrorJson, description = "That span is already a claim"),
              (status = 422, body = super::ErrorJson, description = "The text is not in the article, or the offsets do not fit it")))]
pub async fn add_claim(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<NewClaimJson>,
) -> Result<HttpResponse, AppError> {
    let id: ArticleId = parse_id(&path, "article")?;
    let request = SpanRequest::try_from(body.into_inner())?;
    let who = user.actor();
    let mut conn = state.pool.get().await?;
    let claim = claim_service::add_manual(&mut conn, id, &request, who, Utc::now()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/claims/{}", claim.id)))
        .json(claim_json(&mut conn, claim).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ArticleEditJson {
    title: Option<String>,
    /// http(s); null or "" clears it.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    url: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    publisher: Option<Option<String>>,
    /// YYYY-MM-DD; null or "" clears it.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    published_at: Option<Option<String>>,
}

impl TryFrom<ArticleEditJson> for ArticleEdit {
    type Error = AppError;

    fn try_from(b: ArticleEditJson) -> Result<ArticleEdit, AppError> {
        Ok(ArticleEdit {
            title: b.title,
            source_url: b.url,
            publisher: b.publisher,
            published_on: b
                .published_at
                .map(|d| parse_date(d.as_deref()))
                .transpose()?,
        })
    }
}

async fn article_json(
    conn: &mut diesel_async::AsyncPgConnection,
    id: ArticleId,
) -> Result<ArticleJson, AppError> {
    let (article, claims) = Article::with_claims(conn, id).await?;
    let claims = claims_json(conn, claims).await?;
    Ok(ArticleJson::full(article, claims))
}

#[utoipa::path(patch, path = "/api/v1/articles/{id}", tag = "articles", params(("id" = i64, Path)), request_body = ArticleEditJson,
    responses((status = 200, body = ArticleJson), (status = 404, body = super::ErrorJson), (status = 422, body = super::ErrorJson)))]
pub async fn edit_article(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<ArticleEditJson>,
) -> Result<HttpResponse, AppError> {
    let id: ArticleId = parse_id(&path, "article")?;
    let edit = ArticleEdit::try_from(body.into_inner())?;
    let mut conn = state.pool.get().await?;
    article_service::edit(&mut conn, id, user.id, &edit, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(article_json(&mut conn, id).await?))
}

#[utoipa::path(post, path = "/api/v1/articles/{id}/archive", tag = "articles", params(("id" = i64, Path)),
    responses((status = 200, body = ArticleJson), (status = 403, body = super::ErrorJson, description = "Editors only"), (status = 422, body = super::ErrorJson, description = "Already archived")))]
pub async fn archive_article(
    state: web::Data<AppState>,
    user: RequireEditor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_archived(state, user, path, true).await
}

#[utoipa::path(post, path = "/api/v1/articles/{id}/restore", tag = "articles", params(("id" = i64, Path)),
    responses((status = 200, body = ArticleJson), (status = 403, body = super::ErrorJson, description = "Editors only"), (status = 422, body = super::ErrorJson, description = "Not archived")))]
pub async fn restore_article(
    state: web::Data<AppState>,
    user: RequireEditor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_archived(state, user, path, false).await
}

async fn set_archived(
    state: web::Data<AppState>,
    RequireEditor(user): RequireEditor,
    path: web::Path<String>,
    archive: bool,
) -> Result<HttpResponse, AppError> {
    let id: ArticleId = parse_id(&path, "article")?;
    let mut conn = state.pool.get().await?;
    article_service::set_archived(&mut conn, id, user.id, archive, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(article_json(&mut conn, id).await?))
}
