//! /api/v1 for the desk: the inbox, saved views, following claims, and the dashboard's numbers.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::domain::ClaimId;
use crate::error::AppError;
use crate::routes::parse_id;
use crate::services::dashboard::{self, Dashboard};
use crate::services::notifications::{self, Inbox, MarkRead};
use crate::services::saved_views::{self, ViewSummary};
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct NotificationQuery {
    /// `true`: unread ones only.
    #[serde(default)]
    unread: bool,
    /// Older than this notification id (the last one of the previous page).
    before: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "inbox", params(NotificationQuery),
    responses((status = 200, body = Inbox, description = "Newest first, at most 100; `unread` counts all unread")))]
pub async fn list_notifications(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<NotificationQuery>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let inbox = notifications::inbox(&mut conn, user.id, query.unread, query.before).await?;
    Ok(HttpResponse::Ok().json(inbox))
}

/// `{"ids": [...]}` or `{"all": true}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkReadJson {
    ids: Option<Vec<i64>>,
    all: Option<bool>,
}

impl TryFrom<MarkReadJson> for MarkRead {
    type Error = AppError;

    fn try_from(json: MarkReadJson) -> Result<MarkRead, AppError> {
        match (json.all, json.ids) {
            (Some(true), None) => Ok(MarkRead::All),
            (None | Some(false), Some(ids)) => Ok(MarkRead::These(ids)),
            _ => Err(AppError::Validation(
                "send {\"ids\": [...]} or {\"all\": true}".into(),
            )),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedJson {
    /// How many changed from unread to read.
    marked: usize,
    unread: i64,
}

#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "inbox", request_body = MarkReadJson,
    responses((status = 200, body = MarkedJson), (status = 422, body = super::ErrorJson)))]
pub async fn mark_read(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<MarkReadJson>,
) -> Result<HttpResponse, AppError> {
    let which = MarkRead::try_from(body.into_inner())?;
    let mut conn = state.pool.get().await?;
    let marked = notifications::mark_read(&mut conn, user.id, &which, Utc::now()).await?;
    let unread = notifications::unread_count(&mut conn, user.id).await?;
    Ok(HttpResponse::Ok().json(MarkedJson { marked, unread }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViewList {
    views: Vec<ViewSummary>,
}

#[utoipa::path(get, path = "/api/v1/views", tag = "views",
    responses((status = 200, body = ViewList, description = "Your views and the team's shared ones, with live counts")))]
pub async fn list_views(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let views = saved_views::visible(
        &mut conn,
        crate::routes::queue::context(&user, &state, Utc::now()),
        usize::MAX,
        None,
        None,
    )
    .await?;
    Ok(HttpResponse::Ok().json(ViewList { views }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewViewJson {
    name: String,
    /// The queue's query string, e.g. `state=in_review&sort=oldest`.
    query: String,
    #[serde(default)]
    shared: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SavedViewJson {
    id: i64,
    name: String,
    query: String,
    shared: bool,
}

#[utoipa::path(post, path = "/api/v1/views", tag = "views", request_body = NewViewJson,
    responses((status = 201, body = SavedViewJson), (status = 422, body = super::ErrorJson)))]
pub async fn save_view(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<NewViewJson>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let mut conn = state.pool.get().await?;
    let view = saved_views::save(
        &mut conn,
        crate::routes::queue::context(&user, &state, Utc::now()),
        &body.name,
        &body.query,
        body.shared,
    )
    .await?;
    Ok(HttpResponse::Created().json(SavedViewJson {
        id: view.id,
        name: view.name,
        query: view.query,
        shared: view.shared,
    }))
}

#[utoipa::path(post, path = "/api/v1/views/{id}/delete", tag = "views", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::ErrorJson, description = "No such view of yours")))]
pub async fn delete_view(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "saved view")?;
    let mut conn = state.pool.get().await?;
    saved_views::delete(&mut conn, id, user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct FollowJson {
    follow: bool,
}

#[utoipa::path(post, path = "/api/v1/claims/{id}/follow", tag = "inbox", params(("id" = i64, Path)), request_body = FollowJson,
    responses((status = 200, body = FollowJson), (status = 404, body = super::ErrorJson)))]
pub async fn follow_claim(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<FollowJson>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let follow = body.follow;
    let mut conn = state.pool.get().await?;
    notifications::set_following(&mut conn, id, user.id, follow, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(FollowJson { follow }))
}

#[utoipa::path(get, path = "/api/v1/stats", tag = "dashboard",
    responses((status = 200, body = Dashboard, description = "The dashboard's numbers: the desk's for editors and admins, a reviewer's own otherwise")))]
pub async fn stats(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let d = dashboard::dashboard(&mut conn, user.id, user.role, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(d))
}
