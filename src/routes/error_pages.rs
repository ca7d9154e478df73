//! The browser face of errors: an HTML page (or a redirect to sign in) for every failed
//! non-API request, whatever produced the error.

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::error::AppError;
use crate::views::{ErrorPage, Layout};

pub fn render<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let status = res.status();
    // Responses a handler built on purpose (a 503 from /readyz, a form shown again with 422)
    // carry no error and pass through untouched.
    if res.response().error().is_none() {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let is_api = res.request().path().starts_with("/api/");
    if is_api {
        // actix's own errors (bad JSON, unknown routes) get the same JSON shape as ours.
        if res
            .response()
            .error()
            .is_some_and(|e| e.as_error::<AppError>().is_none())
        {
            let err = AppError::BadRequest(
                res.response()
                    .error()
                    .map(|e| e.to_string())
                    .unwrap_or_default(),
            );
            let body = if status == StatusCode::NOT_FOUND {
                AppError::NotFound("route").error_response()
            } else {
                err.error_response()
            };
            let (req, _) = res.into_parts();
            let mut body = body;
            *body.status_mut() = status;
            return Ok(ErrorHandlerResponse::Response(
                ServiceResponse::new(req, body).map_into_right_body(),
            ));
        }
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    if status == StatusCode::UNAUTHORIZED
        && res
            .response()
            .error()
            .is_some_and(|e| matches!(e.as_error::<AppError>(), Some(AppError::Unauthenticated)))
    {
        let next = res
            .request()
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .to_owned();
        let location = format!("/login?next={}", urlencode(&next));
        let (req, _) = res.into_parts();
        let redirect = super::see_other(&location);
        return Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(req, redirect).map_into_right_body(),
        ));
    }
    let message = match res.response().error() {
        Some(e) => match e.as_error::<AppError>() {
            Some(app) => app.to_string(),
            None => e.to_string(),
        },
        None => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let page = ErrorPage {
        layout: Layout::default(),
        status: status.as_u16(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        message,
    };
    let html = page
        .render()
        .unwrap_or_else(|_| "<!doctype html><title>Error</title><p>Error</p>".to_owned());
    let mut response: HttpResponse<BoxBody> = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html);
    if let Some(retry) = res.headers().get("Retry-After").cloned() {
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, retry);
    }
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
