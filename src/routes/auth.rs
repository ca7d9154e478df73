//! Sign-in and sign-out pages. The sign-in form is protected by a double-submit cookie, since
//! there is no session yet to hold its CSRF token.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use serde::Deserialize;

use super::{client_address, see_other};
use crate::auth::csrf::{self, ProtectedForm};
use crate::auth::login::{LoginError, sign_in};
use crate::auth::secrets::{random_token, token_hash};
use crate::db::sessions::Session;
use crate::error::AppError;
use crate::startup::AppState;
use crate::views::{Layout, LoginPage};

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only same-site paths are followed after sign-in (no open redirects). Browsers drop tabs
/// and line breaks and read `\\` as `/`, so "/\t/evil.example" would leave the site: anything
/// but printable ASCII is refused (a browser percent-encodes the rest anyway).
fn safe_next(next: &str) -> &str {
    let same_site_path = next.starts_with('/')
        && !next.starts_with("//")
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if same_site_path { next } else { "/" }
}

fn cookie<'a>(state: &AppState, name: &'a str, value: String) -> Cookie<'a> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.server.secure_cookies)
        .finish()
}

fn login_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    username: &str,
    next: &str,
    error: Option<String>,
) -> HttpResponse {
    let name = state.config.login_cookie_name();
    let token = req
        .cookie(name)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 64)
        .unwrap_or_else(random_token);
    let page = LoginPage {
        layout: Layout::default(),
        csrf_token: token.clone(),
        next: safe_next(next).to_owned(),
        username: username.to_owned(),
        error,
    };
    let mut login_cookie = cookie(state, name, token);
    login_cookie.set_max_age(CookieDuration::hours(1));
    match askama::Template::render(&page) {
        Ok(html) => HttpResponse::build(status)
            .cookie(login_cookie)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => actix_web::ResponseError::error_response(&AppError::unexpected(e)),
    }
}

pub async fn login_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LoginQuery>,
) -> HttpResponse {
    login_page(&state, &req, StatusCode::OK, "", &query.next, None)
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let expected = req
        .cookie(state.config.login_cookie_name())
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let client = client_address(&req, state.config.server.trust_proxy);
    csrf::verify(&body, &expected).inspect_err(|_| {
        tracing::warn!(path = %req.path(), %client, "refused: sign-in form without a valid CSRF token");
    })?;
    let form: LoginForm = csrf::parse(&body)?;
    let max = Duration::hours(state.config.server.session_max_hours);
    match sign_in(
        &state.pool,
        form.username.trim(),
        &form.password,
        &client,
        max,
        Utc::now(),
    )
    .await
    {
        Ok(login) => {
            let mut session = cookie(
                &state,
                state.config.session_cookie_name(),
                login.cookie_value,
            );
            session.set_max_age(CookieDuration::hours(state.config.server.session_max_hours));
            let mut response = see_other(safe_next(&form.next));
            response
                .add_cookie(&session)
                .map_err(AppError::unexpected)?;
            Ok(response)
        }
        Err(LoginError::BadCredentials) => Ok(login_page(
            &state,
            &req,
            StatusCode::UNAUTHORIZED,
            &form.username,
            &form.next,
            Some("Wrong username or password.".into()),
        )),
        Err(LoginError::Throttled { retry_after_secs }) => {
            let mut page = login_page(
                &state,
                &req,
                StatusCode::TOO_MANY_REQUESTS,
                &form.username,
                &form.next,
                Some(format!(
                    "Too many failed attempts. Try again in {} minutes.",
                    (retry_after_secs + 59) / 60
                )),
            );
            if let Ok(value) = retry_after_secs.to_string().parse() {
                page.headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, value);
            }
            Ok(page)
        }
        Err(LoginError::Other(e)) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: ProtectedForm<LogoutForm>,
) -> Result<HttpResponse, AppError> {
    let name = state.config.session_cookie_name();
    if let Some(c) = req.cookie(name) {
        let mut conn = state.pool.get().await?;
        Session::delete_by_hash(&mut conn, &token_hash(c.value())).await?;
    }
    tracing::info!(user = %form.user.username, "logout");
    let mut response = see_other("/login");
    let mut gone = cookie(&state, name, String::new());
    gone.make_removal();
    response.add_cookie(&gone).map_err(AppError::unexpected)?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed() {
        for (next, followed) in [
            ("/claims/7", "/claims/7"),
            ("/?state=extracted&q=oil", "/?state=extracted&q=oil"),
            ("", "/"),
            ("https://evil.example/", "/"),
            ("//evil.example/", "/"),
            ("/\\evil.example/", "/"),
            ("/\t/evil.example/phish", "/"),
            ("/\n/evil.example", "/"),
            ("/\r\nSet-Cookie: x=1", "/"),
            ("/ /evil.example", "/"),
            ("/caf\u{e9}", "/"),
        ] {
            assert_eq!(safe_next(next), followed, "{next:?}");
        }
    }
}
