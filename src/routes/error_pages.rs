//! The two faces of errors at the edge: JSON for /api (also for actix's own errors, such as a
//! body that is not JSON), and for browsers an HTML page, or a redirect to sign in.

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, RETRY_AFTER};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use askama::Template;

use crate::auth::extractors::{CurrentUser, known_user};
use crate::error::{AppError, code_for_status, json_error};
use crate::views::{ErrorPage, Layout};

pub fn render<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let status = res.status();
    let failed = status.is_client_error() || status.is_server_error();
    let empty = matches!(
        res.response().body().size(),
        BodySize::None | BodySize::Sized(0)
    );
    // Responses a handler built on purpose (a 503 from /readyz, a form shown again with 422)
    // carry no error and pass through untouched; an error status with nothing in its body
    // (a response built bare) gets the page or the JSON shape like any other error.
    let (message, ours) = match res.response().error() {
        Some(error) => match error.as_error::<AppError>() {
            Some(app) => (app.to_string(), Some(app)),
            None if status.is_server_error() => (GENERIC_500.to_owned(), None),
            None => (error.to_string(), None),
        },
        None if failed && empty => (
            status.canonical_reason().unwrap_or("Error").to_owned(),
            None,
        ),
        None => return Ok(ErrorHandlerResponse::Response(res.map_into_left_body())),
    };
    if res.request().path().starts_with("/api/") {
        if ours.is_some() {
            // Already in the JSON shape.
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let replacement = json_error(status, code_for_status(status), message);
        return Ok(replace(res, replacement));
    }
    if super::public::is_public_path(res.request().path()) {
        // Readers get the public face's page; no session is looked up for them.
        let state = res
            .request()
            .app_data::<actix_web::web::Data<crate::services::AppState>>()
            .cloned();
        let mut page =
            super::public::error_page(state.as_ref().map(|s| s.get_ref()), status, message);
        if let Some(value) = res.headers().get(RETRY_AFTER) {
            page.headers_mut().insert(RETRY_AFTER, value.clone());
        }
        return Ok(replace(res, page));
    }
    if matches!(ours, Some(AppError::Unauthenticated)) {
        let replacement = sign_in_redirect(res.request());
        return Ok(replace(res, replacement));
    }
    Ok(ErrorHandlerResponse::Future(Box::pin(async move {
        // The page keeps the navigation bar when the user is known. A 5xx may come from the
        // database being away, so it uses only a user the request already authenticated.
        let user = if status.is_server_error() {
            res.request().extensions().get::<CurrentUser>().cloned()
        } else {
            known_user(res.request()).await
        };
        let layout = user.as_ref().map_or_else(Layout::default, Layout::for_user);
        let mut page = html_page(layout, status, message);
        for name in [RETRY_AFTER, ALLOW] {
            if let Some(value) = res.headers().get(&name) {
                page.headers_mut().insert(name, value.clone());
            }
        }
        let (req, _) = res.into_parts();
        Ok(ServiceResponse::new(req, page).map_into_right_body())
    })))
}

/// What a 500 that did not come from an `AppError` says: nothing of its cause.
const GENERIC_500: &str = "something went wrong on our side";

fn replace<B>(res: ServiceResponse<B>, replacement: HttpResponse) -> ErrorHandlerResponse<B> {
    let (req, _) = res.into_parts();
    ErrorHandlerResponse::Response(ServiceResponse::new(req, replacement).map_into_right_body())
}

fn sign_in_redirect(req: &HttpRequest) -> HttpResponse {
    let next = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    super::see_other(&format!("/login?next={next}"))
}

fn html_page(layout: Layout, status: StatusCode, message: String) -> HttpResponse {
    let page = ErrorPage {
        layout,
        status: status.as_u16(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        message,
    };
    error_response(status, page.render())
}

/// An error page as rendered; the page has no user data in it, so if it cannot render, a bare
/// page still says what failed.
pub(crate) fn error_response(
    status: StatusCode,
    rendered: Result<String, askama::Error>,
) -> HttpResponse {
    let html = rendered.unwrap_or_else(|_| {
        format!(
            "<!doctype html><title>Error</title><p>Error {}</p>",
            status.as_u16()
        )
    });
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html)
}
