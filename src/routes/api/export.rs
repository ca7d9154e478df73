//! /api/v1/export: the same streamed reports as the export page.

use actix_web::{HttpResponse, web};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::routes::{FormatParam, streamed_report};
use crate::services::reports::{ExportQuery, ExportRequest};
use crate::startup::AppState;

#[utoipa::path(get, path = "/api/v1/export", tag = "reports",
    params(
        ("format" = String, Query, description = "csv | json | claimreview | html"),
        ("articles" = Option<String>, Query, description = "Only these article ids, comma-separated"),
        ("states" = Option<String>, Query, description = "Only these states, comma-separated (default: approved)"),
        ("include_drafts" = Option<bool>, Query, description = "Add verdicts not yet approved, marked as drafts"),
        ("category" = Option<String>, Query, description = "Only this category"),
        ("claimant" = Option<String>, Query, description = "Claimant contains this text (case-insensitive)"),
        ("reviewer" = Option<String>, Query, description = "Username of the reviewer who gave the verdict"),
        ("decided_from" = Option<String>, Query, description = "Verdict given on or after this day (YYYY-MM-DD, UTC)"),
        ("decided_to" = Option<String>, Query, description = "Verdict given on or before this day (YYYY-MM-DD, UTC)"),
        ("tags" = Option<String>, Query, description = "Only claims carrying every one of these tags, comma-separated"),
        ("bom" = Option<bool>, Query, description = "CSV: start with the UTF-8 byte order mark, for Excel"),
    ),
    responses(
        (status = 200, description = "The report, streamed as an attachment named claimdesk-report-YYYYMMDD.<ext>: \
            text/csv, application/json (claimdesk.report/1), application/ld+json (ClaimReview) or text/html"),
        (status = 400, description = "Malformed format or filter", body = super::ErrorJson),
        (status = 401, description = "No valid token", body = super::ErrorJson),
        (status = 422, description = "Unknown state, category, reviewer or tag, or an inverted date range", body = super::ErrorJson),
    ))]
pub async fn export_report(
    state: web::Data<AppState>,
    _user: CurrentUser,
    format: web::Query<FormatParam>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let request = ExportRequest::parse(&query)?;
    streamed_report(&state, format.format, &request).await
}
