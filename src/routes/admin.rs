//! The admin page: users (create, re-role, disable, enable, set password) and API tokens.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{parse_id, see_other};
use crate::auth::csrf::ProtectedForm;
use crate::auth::{AdminOnly, CurrentUser, RequireAdmin};
use crate::db::tokens::ApiToken;
use crate::db::users::User;
use crate::domain::{Role, UserId};
use crate::error::AppError;
use crate::startup::AppState;
use crate::views::{AdminPage, Layout, render_with_status};

async fn admin_page(
    state: &AppState,
    user: &CurrentUser,
    error: Option<String>,
    new_token: Option<(String, String)>,
) -> Result<AdminPage, AppError> {
    let mut conn = state.pool.get().await?;
    Ok(AdminPage {
        layout: Layout::for_user(user),
        error,
        new_token,
        users: User::list(&mut conn).await?,
        roles: Role::ALL,
        tokens: ApiToken::list(&mut conn).await?,
    })
}

pub async fn show_admin(
    state: web::Data<AppState>,
    admin: RequireAdmin,
) -> Result<AdminPage, AppError> {
    admin_page(&state, &admin.0, None, None).await
}

/// A refused admin form: the page again with the reason, or the error itself.
async fn refused(
    state: &AppState,
    user: &CurrentUser,
    err: AppError,
) -> Result<HttpResponse, AppError> {
    match err {
        AppError::Validation(_) | AppError::Conflict { .. } | AppError::NotFound(_) => {
            let status = actix_web::ResponseError::status_code(&err);
            let page = admin_page(state, user, Some(err.to_string()), None).await?;
            render_with_status(&page, status)
        }
        other => Err(other),
    }
}

#[derive(Deserialize)]
pub struct CreateUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

/// A new account as the form asks for it, with its role parsed.
struct NewAccount {
    username: String,
    role: Role,
    password: String,
}

impl TryFrom<CreateUserForm> for NewAccount {
    type Error = AppError;

    fn try_from(form: CreateUserForm) -> Result<NewAccount, AppError> {
        Ok(NewAccount {
            role: Role::try_from(RoleForm { role: form.role })?,
            username: form.username,
            password: form.password,
        })
    }
}

pub async fn create_user(
    state: web::Data<AppState>,
    post: ProtectedForm<CreateUserForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form, .. } = post;
    let result = async {
        let new = NewAccount::try_from(form)?;
        let mut conn = state.pool.get().await?;
        crate::services::accounts::create_user(&mut conn, &new.username, new.role, &new.password)
            .await
    }
    .await;
    match result {
        Ok(created) => {
            tracing::info!(admin = %user.username, user = %created.username, role = %created.role, "user created");
            Ok(see_other("/admin"))
        }
        Err(err) => refused(&state, &user, err).await,
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

impl TryFrom<RoleForm> for Role {
    type Error = AppError;

    fn try_from(form: RoleForm) -> Result<Role, AppError> {
        form.role
            .parse::<Role>()
            .map_err(|e| AppError::Validation(e.to_string()))
    }
}

pub async fn set_role(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<RoleForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form, .. } = post;
    let id: UserId = parse_id(&path, "user")?;
    let result = async {
        let role = Role::try_from(form)?;
        // As with disabling: an admin cannot lock themselves out, so the last admin stays one.
        if id == user.user_id() && role != Role::Admin {
            return Err(AppError::Validation(
                "you cannot take away your own admin role; ask another admin".into(),
            ));
        }
        let mut conn = state.pool.get().await?;
        match User::set_role(&mut conn, id, role).await? {
            0 => Err(AppError::NotFound("user")),
            _ => Ok(role),
        }
    }
    .await;
    match result {
        Ok(role) => {
            tracing::info!(admin = %user.username, user_id = %id, %role, "role changed");
            Ok(see_other("/admin"))
        }
        Err(err) => refused(&state, &user, err).await,
    }
}

#[derive(Deserialize)]
pub struct EmptyForm {}

pub async fn disable_user(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EmptyForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    let id: UserId = parse_id(&path, "user")?;
    if id == post.user.user_id() {
        return refused(
            &state,
            &post.user,
            AppError::Validation("you cannot disable your own account".into()),
        )
        .await;
    }
    let mut conn = state.pool.get().await?;
    User::by_id(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    User::disable(&mut conn, id).await?;
    tracing::info!(admin = %post.user.username, user_id = %id, "user disabled; sessions ended");
    Ok(see_other("/admin"))
}

pub async fn enable_user(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EmptyForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    let id: UserId = parse_id(&path, "user")?;
    let mut conn = state.pool.get().await?;
    User::by_id(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    User::enable(&mut conn, id).await?;
    tracing::info!(admin = %post.user.username, user_id = %id, "user enabled");
    Ok(see_other("/admin"))
}

/// Signs a user out everywhere without disabling the account.
pub async fn end_sessions(
    state: web::Data<AppState>,
    path: web::Path<String>,
    _admin: RequireAdmin,
    post: ProtectedForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path, "user")?;
    let mut conn = state.pool.get().await?;
    User::by_id(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let ended = User::end_sessions(&mut conn, id).await?;
    tracing::info!(admin = %post.user.username, user_id = %id, ended, "sessions ended");
    Ok(see_other("/admin"))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

pub async fn set_password(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<PasswordForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form, .. } = post;
    let id: UserId = parse_id(&path, "user")?;
    let result = async {
        let mut conn = state.pool.get().await?;
        crate::services::accounts::set_password(&mut conn, id, &form.password).await
    }
    .await;
    match result {
        Ok(()) => {
            tracing::info!(admin = %user.username, user_id = %id, "password set");
            Ok(see_other("/admin"))
        }
        Err(err) => refused(&state, &user, err).await,
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    user_id: String,
}

/// Creates a token and shows it once, on this response only.
pub async fn create_token(
    state: web::Data<AppState>,
    post: ProtectedForm<TokenForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form, .. } = post;
    let owner_id: UserId = parse_id(&form.user_id, "user")?;
    let mut conn = state.pool.get().await?;
    let owner = User::by_id(&mut conn, owner_id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let token = crate::services::accounts::create_token(
        &mut conn,
        &owner,
        Some(UserId(user.id)),
        "admin page",
    )
    .await?;
    tracing::info!(admin = %user.username, user = %owner.username, "API token created");
    let page = admin_page(&state, &user, None, Some((owner.username, token))).await?;
    render_with_status(&page, StatusCode::CREATED)
}

pub async fn revoke_token(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EmptyForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "token")?;
    let mut conn = state.pool.get().await?;
    if ApiToken::revoke(&mut conn, id).await? == 0 && !ApiToken::exists(&mut conn, id).await? {
        return Err(AppError::NotFound("token"));
    }
    tracing::info!(admin = %post.user.username, token_id = id, "API token revoked");
    Ok(see_other("/admin"))
}
