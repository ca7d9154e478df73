//! CSRF protection for forms: each session has a token; every state-changing form posts it back.
//! The token is checked before the form is parsed, so a forged POST is refused (403) even when
//! the rest of its fields are missing.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use super::extractors::{Access, AnyUser, CurrentUser, peer_ip};
use super::secrets::constant_time_eq;
use crate::error::AppError;

/// The name of the hidden field in every form.
pub const FIELD: &str = "csrf_token";
/// Largest form body accepted (articles are pasted through forms).
pub const FORM_LIMIT: usize = 4 * 1024 * 1024;

/// A form posted by a signed-in user whom `A` allows (checked first: a reader posting an admin
/// form is told so, whatever the form holds), with its CSRF token verified before the fields
/// are read. Each form turns its fields into typed values with one `TryFrom`.
pub struct ProtectedForm<T, A: Access = AnyUser> {
    pub user: CurrentUser,
    pub form: T,
    access: PhantomData<A>,
}

/// Finds the CSRF field in an urlencoded body and compares it with the expected token.
pub fn verify(body: &[u8], expected: &str) -> Result<(), AppError> {
    let submitted = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()
        .and_then(|fields| fields.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v));
    check(submitted.as_deref(), expected)
}

/// Compares a submitted token (from any kind of form) with the expected one.
pub fn check(submitted: Option<&str>, expected: &str) -> Result<(), AppError> {
    match submitted {
        Some(token)
            if !expected.is_empty() && constant_time_eq(token.as_bytes(), expected.as_bytes()) =>
        {
            Ok(())
        }
        // The caller logs the refusal with who sent it and where to.
        _ => Err(AppError::Forbidden(
            "this form has expired or did not come from claimdesk; reload the page and try again"
                .into(),
        )),
    }
}

/// Parses an urlencoded body into a form struct, with a readable error.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    // The decoder replaces bytes that are not UTF-8 with U+FFFD, which would store
    // something other than what was sent; such a form is refused instead.
    let utf8 = body
        .split(|b| *b == b'&')
        .all(|pair| percent_encoding::percent_decode(pair).decode_utf8().is_ok());
    if !utf8 {
        return Err(AppError::BadRequest(
            "the form holds text that is not UTF-8".into(),
        ));
    }
    serde_urlencoded::from_bytes(body)
        .map_err(|e| AppError::BadRequest(format!("the form is incomplete: {e}")))
}

impl<T: DeserializeOwned + 'static, A: Access> FromRequest for ProtectedForm<T, A> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let body = web::Bytes::from_request(req, payload);
        let path = req.path().to_owned();
        let peer = peer_ip(req);
        Box::pin(async move {
            let user = user.await?;
            A::allow(&user, &path, &peer)?;
            let body = body.await.map_err(|e| {
                use actix_web::error::PayloadError;
                match e.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) | None => {
                        AppError::PayloadTooLarge { limit: FORM_LIMIT }
                    }
                    Some(other) => {
                        AppError::BadRequest(format!("the form could not be read: {other}"))
                    }
                }
            })?;
            verify(&body, user.csrf_token.as_deref().unwrap_or_default()).inspect_err(|_| {
                tracing::warn!(user = %user.username, %path, client = %peer, "refused: form without a valid CSRF token");
            })?;
            let form = parse(&body)?;
            Ok(ProtectedForm {
                user,
                form,
                access: PhantomData,
            })
        })
    }
}
