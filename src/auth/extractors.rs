//! The current user of a request: from the session cookie on pages, from a Bearer token on /api.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use chrono::{Duration, Utc};

use super::secrets::token_hash;
use crate::db::DbConn;
use crate::db::sessions::Session;
use crate::db::tokens::ApiToken;
use crate::db::users::User;
use crate::domain::{Actor, Role, UserId};
use crate::error::AppError;
use crate::services::AppState;
use crate::services::queue::QueueContext;
use crate::services::saved_views::{self, Nav};

/// A signed-in, active user.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    /// The session's CSRF token; `None` for API-token requests, which carry no cookies.
    pub csrf_token: Option<String>,
    /// The navigation's unread count and saved views, for pages (GET) only.
    pub nav: Option<Nav>,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.id,
            role: self.role,
        }
    }

    fn from_user(user: User, csrf_token: Option<String>) -> CurrentUser {
        CurrentUser {
            id: UserId(user.id),
            username: user.username,
            role: user.role,
            csrf_token,
            nav: None,
        }
    }
}

/// The peer's address without its port, for refusal log lines.
pub fn peer_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

pub fn is_api(req: &HttpRequest) -> bool {
    req.path().starts_with("/api/")
}

pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

fn app_state(req: &HttpRequest) -> Result<&web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::unexpected(anyhow::anyhow!("no app state")))
}

async fn authenticate(req: HttpRequest) -> Result<CurrentUser, AppError> {
    let mut conn = app_state(&req)?.pool.get().await?;
    authenticate_with(&req, &mut conn).await
}

async fn authenticate_with(req: &HttpRequest, conn: &mut DbConn) -> Result<CurrentUser, AppError> {
    let state = app_state(req)?;
    if is_api(req) {
        // The API takes tokens only: a cookie-authenticated API would need CSRF protection too.
        let token = bearer_token(req).ok_or(AppError::Unauthenticated)?;
        let user = ApiToken::authenticate(conn, &token_hash(token)).await?.ok_or_else(|| {
            tracing::warn!(path = %req.path(), client = %peer_ip(req), "refused: unknown or revoked API token");
            AppError::Unauthenticated
        })?;
        return Ok(CurrentUser::from_user(user, None));
    }
    let cookie = req
        .cookie(state.config.session_cookie_name())
        .ok_or(AppError::Unauthenticated)?;
    let idle = Duration::minutes(state.config.server.session_idle_minutes);
    let (session, user) =
        Session::authenticate(conn, &token_hash(cookie.value()), idle, Utc::now())
            .await?
            .ok_or(AppError::Unauthenticated)?;
    let mut current = CurrentUser::from_user(user, Some(session.csrf_token));
    if req.method() == actix_web::http::Method::GET {
        // The navigation is a convenience: a page still shows when it cannot be read.
        let cx = QueueContext {
            user: current.id,
            now: Utc::now(),
            stale_days: state.config.server.stale_days,
        };
        match saved_views::nav(conn, cx).await {
            Ok(nav) => current.nav = Some(nav),
            Err(err) => tracing::warn!(error = %err, "navigation counts unavailable"),
        }
    }
    Ok(current)
}

/// The signed-in user of a request if there is one, for pages that show the navigation bar
/// whatever happened (error pages); never an error.
pub async fn known_user(req: &HttpRequest) -> Option<CurrentUser> {
    if let Some(user) = req.extensions().get::<CurrentUser>() {
        return Some(user.clone());
    }
    authenticate(req.clone()).await.ok()
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        // A handler that did not take the connection the API middleware kept (with `RequestDb`
        // before this extractor) gives it back now, before it checks out one of its own.
        drop(req.extensions_mut().remove::<KeptConn>());
        Box::pin(async move {
            if let Some(user) = req.extensions().get::<CurrentUser>() {
                return Ok(user.clone());
            }
            let user = authenticate(req.clone()).await?;
            req.extensions_mut().insert(user.clone());
            Ok(user)
        })
    }
}

/// The pooled connection the API middleware authenticated with, kept for the handler.
struct KeptConn(DbConn);

/// The request's database connection: the one the API middleware authenticated with when
/// there is one, so an API request checks out one connection, not two; otherwise one from
/// the pool. List it before `CurrentUser` (or a role extractor) in a handler's arguments:
/// those give a kept connection back to the pool, so that a handler that checks out its own
/// never holds two.
pub struct RequestDb(pub DbConn);

impl FromRequest for RequestDb {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let kept = req.extensions_mut().remove::<KeptConn>();
        let req = req.clone();
        Box::pin(async move {
            match kept {
                Some(KeptConn(conn)) => Ok(RequestDb(conn)),
                None => Ok(RequestDb(app_state(&req)?.pool.get().await?)),
            }
        })
    }
}

/// Authenticates every /api request before its body is read, so a stranger gets 401 whatever
/// they send. The user is kept in the request for the `CurrentUser` extractor, and the
/// connection for `RequestDb`. Only a signed-in client can hold that connection while it sends
/// its body, and the pool's bounded wait turns any shortage into a 503 for others.
pub async fn authenticate_api(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if is_api(req.request()) && req.path() != PUBLIC_API_DOC {
        let authenticated = match app_state(req.request()) {
            Ok(state) => match state.pool.get().await {
                Ok(mut conn) => authenticate_with(req.request(), &mut conn)
                    .await
                    .map(|user| (user, conn)),
                Err(err) => Err(AppError::from(err)),
            },
            Err(err) => Err(err),
        };
        match authenticated {
            Ok((user, conn)) => {
                let mut extensions = req.extensions_mut();
                extensions.insert(user);
                extensions.insert(KeptConn(conn));
            }
            // A response, not an Err, so the outer middleware still adds its headers.
            Err(err) => return Ok(req.error_response(err).map_into_right_body()),
        }
    }
    next.call(req)
        .await
        .map(actix_web::dev::ServiceResponse::map_into_left_body)
}

/// The API description is public: it holds no data.
pub const PUBLIC_API_DOC: &str = "/api/v1/openapi.json";

/// Who may make a request: the role extractors and `ProtectedForm` check it before anything else.
pub trait Access: 'static {
    /// The least role needed, with its name for the refusal; `None` lets every signed-in user in.
    const NEEDS: Option<(Role, &'static str)>;

    fn allow(user: &CurrentUser, path: &str, client: &str) -> Result<(), AppError> {
        match Self::NEEDS {
            Some((role, what)) if !user.role.includes(role) => {
                tracing::warn!(user = %user.username, role = %user.role, %path, %client, "refused: needs {what} rights");
                Err(AppError::Forbidden(format!("this needs {what} rights")))
            }
            _ => Ok(()),
        }
    }
}

/// Any signed-in user.
pub struct AnyUser;
/// An editor or an admin.
pub struct EditorOnly;
/// An admin.
pub struct AdminOnly;

impl Access for AnyUser {
    const NEEDS: Option<(Role, &'static str)> = None;
}
impl Access for EditorOnly {
    const NEEDS: Option<(Role, &'static str)> = Some((Role::Editor, "an editor's"));
}
impl Access for AdminOnly {
    const NEEDS: Option<(Role, &'static str)> = Some((Role::Admin, "an admin's"));
}

macro_rules! role_extractor {
    ($name:ident, $access:ty) => {
        #[doc = concat!("A signed-in user allowed by [`", stringify!($access), "`].")]
        #[derive(Debug, Clone)]
        pub struct $name(pub CurrentUser);

        impl FromRequest for $name {
            type Error = AppError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let user = CurrentUser::from_request(req, payload);
                let path = req.path().to_owned();
                let peer = peer_ip(req);
                Box::pin(async move {
                    let user = user.await?;
                    <$access>::allow(&user, &path, &peer)?;
                    Ok($name(user))
                })
            }
        }
    };
}

role_extractor!(RequireEditor, EditorOnly);
role_extractor!(RequireAdmin, AdminOnly);
