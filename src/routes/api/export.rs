//! /api/v1/export: the same streamed reports as the export page.

use actix_web::{HttpResponse, web};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::startup::AppState;

#[utoipa::path(get, path = "/api/v1/export", tag = "reports",
    params(("format" = String, Query, description = "csv | json | claimreview | html")),
    responses((status = 200, description = "The report, streamed")))]
pub async fn export_report(
    _state: web::Data<AppState>,
    _user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    Err(AppError::Validation("exports are not available yet".into()))
}
