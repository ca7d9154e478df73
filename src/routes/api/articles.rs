//! /api/v1/articles: import (with extraction), list, fetch one with its claims.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::claims::{ClaimJson, claims_json};
use crate::auth::CurrentUser;
use crate::db::articles::{Article, ArticleSummary};
use crate::domain::ArticleId;
use crate::domain::text::optional;
use crate::error::AppError;
use crate::routes::parse_id;
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
            body: None,
            claims: None,
        }
    }
}

impl ArticleJson {
    fn full(a: Article, claims: Vec<ClaimJson>) -> ArticleJson {
        ArticleJson {
            id: a.id,
            title: a.title,
            url: a.source_url,
            publisher: a.publisher,
            published_at: a.published_on,
            created_at: a.created_at,
            body: Some(a.body),
            claims: Some(claims),
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
    /// Plain text, Markdown or HTML.
    body: String,
    url: Option<String>,
    publisher: Option<String>,
    /// YYYY-MM-DD
    published_at: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/articles", request_body = NewArticleJson, tag = "articles",
    responses((status = 201, body = ArticleJson, description = "Imported; claims extracted"),
              (status = 409, body = super::ErrorJson, description = "The same text was already imported"),
              (status = 422, body = super::ErrorJson)))]
pub async fn create_article(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<NewArticleJson>,
) -> Result<HttpResponse, AppError> {
    let new = body.into_inner();
    let format = crate::extract::InputFormat::detect(new.body.as_bytes(), None, None);
    let input = ArticleInput {
        title: new.title.unwrap_or_default(),
        body: new.body.into_bytes(),
        format,
        source_url: optional(new.url),
        publisher: optional(new.publisher),
        published_on: parse_date(new.published_at.as_deref())?,
        imported_by: Some(user.id),
    };
    let mut conn = state.pool.get().await?;
    let (article, claims) = import_article(&mut conn, input, &state.config.extract).await?;
    let claims = claims_json(&mut conn, claims).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/articles/{}", article.id)))
        .json(ArticleJson::full(article, claims)))
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
    let (article, claims) = Article::with_claims(&mut conn, id).await?;
    let claims = claims_json(&mut conn, claims).await?;
    Ok(HttpResponse::Ok().json(ArticleJson::full(article, claims)))
}
