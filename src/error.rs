//! AppError: the one error type. One status mapping; JSON for /api, an HTML page for browsers.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::TransitionError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The input is malformed or incomplete (400).
    #[error("{0}")]
    BadRequest(String),
    /// The input is well-formed but breaks a rule (422).
    #[error("{0}")]
    Validation(String),
    #[error(transparent)]
    InvalidTransition(#[from] TransitionError),
    /// Someone else changed the thing first, or it already exists (409).
    #[error("{message}")]
    Conflict {
        message: String,
        current: Option<serde_json::Value>,
    },
    #[error("{0}")]
    Forbidden(String),
    /// The address exists but not for this method; `allow` lists the ones it takes (405).
    #[error("this address does not take that request method; it takes {allow}")]
    MethodNotAllowed { allow: String },
    #[error("sign in first")]
    Unauthenticated,
    #[error("too many failed attempts; try again in {retry_after_secs} seconds")]
    TooManyRequests { retry_after_secs: i64 },
    #[error("the body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The database cannot be reached (503).
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    /// Anything else: logged in full, shown as a bare 500.
    #[error("something went wrong on our side")]
    Unexpected(#[source] anyhow::Error),
}

impl AppError {
    pub fn unexpected(err: impl Into<anyhow::Error>) -> AppError {
        AppError::Unexpected(err.into())
    }

    /// The message for the log: an unexpected error's whole cause chain on one line (no
    /// backtrace, which `Debug` would print when RUST_BACKTRACE is set).
    pub fn log_detail(&self) -> String {
        match self {
            AppError::Unexpected(cause) => format!("{cause:#}"),
            other => other.to_string(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
            AppError::BadRequest(_) => "bad_request",
            AppError::Validation(_) => "validation_failed",
            AppError::InvalidTransition(TransitionError::Forbidden(_)) => "forbidden",
            AppError::InvalidTransition(_) => "invalid_transition",
            AppError::Conflict { .. } => "conflict",
            AppError::Forbidden(_) => "forbidden",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::Unauthenticated => "unauthenticated",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::Unavailable => "unavailable",
            AppError::Unexpected(_) => "internal",
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<&'a serde_json::Value>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::InvalidTransition(TransitionError::Forbidden(_)) => StatusCode::FORBIDDEN,
            AppError::InvalidTransition(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON face. Browser routes get an HTML page instead: see `routes::error_pages`.
    fn error_response(&self) -> HttpResponse {
        if let AppError::Unexpected(cause) = self {
            tracing::error!(error = %format!("{cause:#}"), "unexpected error");
        }
        let current = match self {
            AppError::Conflict { current, .. } => current.as_ref(),
            _ => None,
        };
        let mut response = HttpResponse::build(self.status_code());
        if let AppError::TooManyRequests { retry_after_secs } = self {
            response.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        if let AppError::MethodNotAllowed { allow } = self {
            response.insert_header((actix_web::http::header::ALLOW, allow.as_str()));
        }
        if matches!(self, AppError::Unauthenticated) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                current,
            },
        })
    }
}

/// The JSON error shape for a status that did not come from an `AppError` (actix's own
/// refusals before a handler runs, or a response built without a body).
pub fn json_error(status: StatusCode, code: &str, message: String) -> HttpResponse {
    HttpResponse::build(status).json(ErrorBody {
        error: ErrorDetail {
            code,
            message,
            current: None,
        },
    })
}

/// The code an error status carries in the JSON shape when no `AppError` named it.
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        422 => "validation_failed",
        429 => "too_many_requests",
        431 => "headers_too_large",
        503 => "unavailable",
        500..=599 => "internal",
        _ => "bad_request",
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => AppError::NotFound("record"),
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => AppError::Unavailable,
            // The server ended the session (restart, pg_terminate_backend), or a statement
            // hit the session's lock or statement timeout (see db::pool): busy, not broken.
            Error::DatabaseError(_, info)
                if info.message().starts_with("terminating connection")
                    || info.message().starts_with("canceling statement due to") =>
            {
                AppError::Unavailable
            }
            // PostgreSQL text cannot hold U+0000, the one character Rust strings allow that
            // it rejects; whichever field or filter carried it, that is the client's input.
            Error::DatabaseError(_, info)
                if info
                    .message()
                    .starts_with("invalid byte sequence for encoding") =>
            {
                AppError::Validation("text may not contain NUL (U+0000) characters".into())
            }
            other => AppError::Unexpected(other.into()),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        AppError::Unexpected(anyhow::anyhow!("blocking task failed: {err}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;
