//! The sources page (feeds and sitemaps watched, with their last poll) and the jobs pages.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{form_refusal, parse_id, see_other};
use crate::auth::CurrentUser;
use crate::auth::csrf::ProtectedForm;
use crate::auth::extractors::EditorOnly;
use crate::error::AppError;
use crate::services::jobs as job_service;
use crate::services::sources::{self as source_service, SourceRequest};
use crate::startup::AppState;
use crate::views::{JobPage, JobsPage, Layout, SourceFormView, SourcesPage, render_with_status};

async fn sources_page(
    state: &AppState,
    user: &CurrentUser,
    error: Option<String>,
    form: SourceFormView,
) -> Result<SourcesPage, AppError> {
    Ok(SourcesPage {
        layout: Layout::for_user(user),
        error,
        sources: source_service::list(&state.pool).await?,
        is_editor: user.role.is_editor(),
        form,
    })
}

pub async fn show_sources(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<SourcesPage, AppError> {
    sources_page(&state, &user, None, SourceFormView::default()).await
}

#[derive(Debug, Deserialize)]
pub struct SourceForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    interval_minutes: String,
    #[serde(default)]
    tags: String,
}

pub async fn create_source(
    state: web::Data<AppState>,
    post: ProtectedForm<SourceForm, EditorOnly>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form, .. } = post;
    let result = async {
        let interval = match form.interval_minutes.trim() {
            "" => None,
            text => Some(text.parse::<i32>().map_err(|_| {
                AppError::Validation("the poll interval must be a whole number of minutes".into())
            })?),
        };
        let request = SourceRequest {
            url: form.url.clone(),
            name: form.name.clone(),
            interval_minutes: interval,
            tags: crate::db::claims::tag_names(std::slice::from_ref(&form.tags)),
        };
        source_service::create(&state.pool, request, user.id, &state.jobs()).await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/sources")),
        Err(err) => {
            let Some(status) = form_refusal(&err) else {
                return Err(err);
            };
            let kept = SourceFormView {
                url: form.url,
                name: form.name,
                interval: form.interval_minutes,
                tags: form.tags,
            };
            render_with_status(
                &sources_page(&state, &user, Some(err.to_string()), kept).await?,
                status,
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

pub async fn poll_source(
    state: web::Data<AppState>,
    path: web::Path<String>,
    _post: ProtectedForm<EmptyForm, EditorOnly>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "source")?;
    source_service::poll_now(&state.pool, id, state.config.jobs.job_attempts).await?;
    Ok(see_other(&format!("/sources#source-{id}")))
}

pub async fn pause_source(
    state: web::Data<AppState>,
    path: web::Path<String>,
    _post: ProtectedForm<EmptyForm, EditorOnly>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "source")?;
    source_service::set_enabled(&state.pool, id, false).await?;
    Ok(see_other(&format!("/sources#source-{id}")))
}

pub async fn resume_source(
    state: web::Data<AppState>,
    path: web::Path<String>,
    _post: ProtectedForm<EmptyForm, EditorOnly>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "source")?;
    source_service::set_enabled(&state.pool, id, true).await?;
    Ok(see_other(&format!("/sources#source-{id}")))
}

async fn jobs_page(
    state: &AppState,
    user: &CurrentUser,
    error: Option<String>,
) -> Result<JobsPage, AppError> {
    let board = job_service::board(&state.pool, 100, 50).await?;
    Ok(JobsPage {
        layout: Layout::for_user(user),
        error,
        counts: board.counts,
        failed: board.failed,
        recent: board.recent,
        is_editor: user.role.is_editor(),
    })
}

pub async fn show_jobs(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<JobsPage, AppError> {
    jobs_page(&state, &user, None).await
}

pub async fn show_job(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<JobPage, AppError> {
    let id: i64 = parse_id(&path, "job")?;
    let job = job_service::find(&state.pool, id).await?;
    let url = job
        .payload
        .get("url")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    Ok(JobPage {
        layout: Layout::for_user(&user),
        job,
        url,
        is_editor: user.role.is_editor(),
    })
}

pub async fn retry_job(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EmptyForm, EditorOnly>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "job")?;
    match job_service::retry(&state.pool, id).await {
        Ok(_) => Ok(see_other(&format!("/jobs/{id}"))),
        Err(err) => {
            let Some(status) = form_refusal(&err) else {
                return Err(err);
            };
            render_with_status(
                &jobs_page(&state, &post.user, Some(err.to_string())).await?,
                status,
            )
        }
    }
}
