//! Export pages: the filter form with its preview (articles chosen by title, how many claims
//! the filters select), the streamed download, and the printable report opened in the browser.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{FormatParam, inline_report, streamed_report};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::export::ExportFormat;
use crate::extract::Category;
use crate::services::reports::{ExportQuery, ExportRequest, preview};
use crate::startup::AppState;
use crate::views::{ExportPage, Layout, render_with_status};

/// The export form's query string as the filters read it: each ticked `article` box joins
/// the comma-separated `articles` list, and `title` (the search for articles) is left out.
fn export_query(query: &str) -> String {
    let mut articles: Vec<String> = Vec::new();
    let mut rest = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "article" | "articles" => {
                if !value.trim().is_empty() {
                    articles.push(value.trim().to_owned());
                }
            }
            "title" => {}
            _ => {
                rest.append_pair(&key, &value);
            }
        }
    }
    if !articles.is_empty() {
        rest.append_pair("articles", &articles.join(","));
    }
    rest.finish()
}

fn bad(e: actix_web::error::QueryPayloadError) -> AppError {
    AppError::BadRequest(format!("bad export request: {e}"))
}

fn request_of(req: &HttpRequest) -> Result<ExportRequest, AppError> {
    let query =
        web::Query::<ExportQuery>::from_query(&export_query(req.query_string())).map_err(bad)?;
    Ok(ExportRequest::parse(&query)?)
}

/// The typed search for articles by title.
#[derive(Debug, Default, serde::Deserialize)]
pub struct TitleSearch {
    #[serde(default)]
    title: String,
    #[serde(default)]
    format: String,
}

/// The form, with what the filters select: the same address shows the count for the filters
/// typed (the "Count" button), so nothing needs a script.
pub async fn export_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let search = web::Query::<TitleSearch>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default();
    let (request, error) = match request_of(&req) {
        Ok(request) => (request, None),
        Err(err) => (ExportRequest::default(), Some(err)),
    };
    let found = preview(&state.pool, &request, &search.title).await?;
    let (selected, error) = match (found.selected, error) {
        (_, Some(err)) | (Err(err), None) => (None, Some(err)),
        (Ok(summary), None) => (Some(summary), None),
    };
    let status = match &error {
        Some(err) => super::form_refusal(err).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
        None => StatusCode::OK,
    };
    let page = ExportPage {
        layout: Layout::for_user(&user),
        categories: &Category::ALL,
        formats: &ExportFormat::ALL,
        format: search.format,
        title: search.title,
        chosen: found.chosen,
        matches: found.matches,
        titles: found.titles,
        selected,
        error: error.map(|e| e.to_string()),
        request,
    };
    render_with_status(&page, status)
}

/// The query string is parsed after the user is known, so strangers are sent to sign in
/// whatever they ask for.
pub async fn download_export(
    state: web::Data<AppState>,
    _user: CurrentUser,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let format = web::Query::<FormatParam>::from_query(req.query_string()).map_err(bad)?;
    let request = request_of(&req)?;
    streamed_report(&state, format.format, &request).await
}

/// The printable report, shown in the browser (inline) instead of saved.
pub async fn open_report(
    state: web::Data<AppState>,
    _user: CurrentUser,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let request = request_of(&req)?;
    inline_report(&state, &request).await
}
