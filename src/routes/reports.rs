//! Export pages: the filter form and the streamed download.

use actix_web::{HttpResponse, web};

use super::{FormatParam, streamed_report};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::export::{ExportFilters, ExportFormat};
use crate::extract::Category;
use crate::startup::AppState;
use crate::views::{ExportPage, Layout};

pub async fn export_form(user: CurrentUser) -> ExportPage {
    ExportPage {
        layout: Layout::for_user(&user),
        categories: &Category::ALL,
        formats: &ExportFormat::ALL,
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
