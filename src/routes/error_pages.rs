//! The two faces of errors at the edge: JSON for /api (also for actix's own errors, such as a
//! body that is not JSON), and for browsers an HTML page, or a redirect to sign in.

use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, RETRY_AFTER};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use crate::error::AppError;
use crate::views::{ErrorPage, Layout};

pub fn render<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Responses a handler built on purpose (a 503 from /readyz, a form shown again with 422)
    // carry no error and pass through untouched.
    let Some(error) = res.response().error() else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    let status = res.status();
    let ours = error.as_error::<AppError>();
    let replacement = if res.request().path().starts_with("/api/") {
        match ours {
            // Already in the JSON shape.
            Some(_) => return Ok(ErrorHandlerResponse::Response(res.map_into_left_body())),
            None => api_json(status, error.to_string()),
        }
    } else if matches!(ours, Some(AppError::Unauthenticated)) {
        sign_in_redirect(res.request())
    } else {
        let message = ours.map_or_else(|| error.to_string(), ToString::to_string);
        let mut page = html_page(status, message);
        for name in [RETRY_AFTER, ALLOW] {
            if let Some(value) = res.headers().get(&name) {
                page.headers_mut().insert(name, value.clone());
            }
        }
        page
    };
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, replacement).map_into_right_body(),
    ))
}

fn api_json(status: StatusCode, message: String) -> HttpResponse {
    let error = if status == StatusCode::NOT_FOUND {
        AppError::NotFound("route")
    } else {
        AppError::BadRequest(message)
    };
    let mut response = error.error_response();
    *response.status_mut() = status;
    response
}

fn sign_in_redirect(req: &HttpRequest) -> HttpResponse {
    let next = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    super::see_other(&format!("/login?next={next}"))
}

fn html_page(status: StatusCode, message: String) -> HttpResponse {
    let page = ErrorPage {
        layout: Layout::default(),
        status: status.as_u16(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        message,
    };
    // The page has no user data in it; if it cannot render, a bare page still says what failed.
    let html = page.render().unwrap_or_else(|_| {
        format!(
            "<!doctype html><title>Error</title><p>Error {}</p>",
            status.as_u16()
        )
    });
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html)
}
