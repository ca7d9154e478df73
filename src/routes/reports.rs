//! Export pages: the filter form and the streamed download.

use actix_web::http::header::{
    CONTENT_DISPOSITION, ContentDisposition, DispositionParam, DispositionType,
};
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::export::stream::{download_name, start_export};
use crate::export::{ExportFilters, ExportFormat};
use crate::extract::Category;
use crate::startup::AppState;
use crate::views::{ExportPage, Layout};

/// The `format` parameter; the filters are read from the same query string separately.
#[derive(Debug, Deserialize)]
pub struct FormatParam {
    pub format: ExportFormat,
}

pub async fn export_form(user: CurrentUser) -> ExportPage {
    ExportPage {
        layout: Layout::for_user(&user),
        categories: &Category::ALL,
    }
}

/// The query string is parsed after the user is known, so strangers are sent to sign in
/// whatever they ask for.
pub async fn download_export(
    state: web::Data<AppState>,
    _user: CurrentUser,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let bad = |e: actix_web::error::QueryPayloadError| {
        AppError::BadRequest(format!("bad export request: {e}"))
    };
    let format = web::Query::<FormatParam>::from_query(req.query_string()).map_err(bad)?;
    let filters = web::Query::<ExportFilters>::from_query(req.query_string()).map_err(bad)?;
    streamed_report(&state, format.format, &filters).await
}

/// Starts the export and streams it as an attachment; shared by the page and the API.
/// Bad filters fail here, before any byte of the body.
pub async fn streamed_report(
    state: &AppState,
    format: ExportFormat,
    filters: &ExportFilters,
) -> Result<HttpResponse, AppError> {
    let now = Utc::now();
    let report = start_export(&state.pool, filters, format, &state.config.reports, now).await?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(download_name(format, now))],
    };
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((CONTENT_DISPOSITION, disposition))
        .streaming(report.into_body()))
}
