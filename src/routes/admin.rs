//! The admin page: users (create, re-role, disable, enable, set password) and API tokens.
//! Every form of the page posts to the page's own address (`POST /admin`, `form` naming it),
//! so a refusal shows the page again there, with the reason beside the form and what was
//! typed (passwords excepted: they are never sent back); a success redirects to `/admin` with
//! a one-line confirmation. The older per-action addresses stay for scripts.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{Done, form_refusal, parse_id};
use crate::auth::csrf::ProtectedForm;
use crate::auth::{AdminOnly, CurrentUser, RequireAdmin};
use crate::db::tokens::ApiToken;
use crate::db::users::User;
use crate::domain::webhooks::WebhookEvent;
use crate::domain::{Role, TokenId, UserId};
use crate::error::AppError;
use crate::services::webhooks;
use crate::startup::AppState;
use crate::views::{AdminFormView, AdminPage, Layout, render_with_status};

/// The confirmations a redirect to `/admin?done=…` may show.
const CONFIRMATIONS: &[(&str, &str)] = &[
    ("created", "User created."),
    ("role", "Role changed."),
    (
        "disabled",
        "Account disabled; its sessions and tokens no longer work.",
    ),
    ("enabled", "Account enabled."),
    ("password", "Password set."),
    ("sessions", "Signed out everywhere."),
    ("revoked", "API token revoked."),
    ("webhook_enabled", "Webhook endpoint enabled."),
    (
        "webhook_disabled",
        "Webhook endpoint disabled; its deliveries wait until it is enabled.",
    ),
    ("webhook_test", "Test message queued."),
    ("webhook_redeliver", "Delivery queued again."),
];

/// Deliveries the admin page shows per endpoint; the API lists more.
const LOG_ON_PAGE: i64 = 10;

async fn admin_page(
    state: &AppState,
    user: &CurrentUser,
    form: AdminFormView,
    new_token: Option<(String, String)>,
) -> Result<AdminPage, AppError> {
    let mut conn = state.pool.get().await?;
    Ok(AdminPage {
        layout: Layout::for_user(user),
        form,
        new_token,
        users: User::list(&mut conn).await?,
        roles: Role::ALL,
        tokens: ApiToken::list(&mut conn).await?,
        webhooks: webhooks::endpoints_with_logs(&mut conn, LOG_ON_PAGE).await?,
        new_secret: None,
        webhook_events: WebhookEvent::SUBSCRIBABLE
            .iter()
            .map(|e| e.as_str())
            .collect(),
    })
}

pub async fn show_admin(
    state: web::Data<AppState>,
    admin: RequireAdmin,
    query: web::Query<Done>,
) -> Result<AdminPage, AppError> {
    let mut page = admin_page(&state, &admin.0, AdminFormView::default(), None).await?;
    if let Some(notice) = query.notice(CONFIRMATIONS) {
        page.layout = page.layout.with_notice(notice);
    }
    Ok(page)
}

/// After an admin form: a 303 to the page with its confirmation, or the page again with the
/// reason beside the form (`kept.place`) and what was typed.
async fn respond(
    state: &AppState,
    user: &CurrentUser,
    result: Result<&'static str, AppError>,
    mut kept: AdminFormView,
) -> Result<HttpResponse, AppError> {
    let err = match result {
        Ok(done) => return Ok(super::done("/admin", done)),
        Err(err) => err,
    };
    let status = match (&err, form_refusal(&err)) {
        (_, Some(status)) => status,
        (AppError::NotFound(_), None) => StatusCode::NOT_FOUND,
        (_, None) => return Err(err),
    };
    kept.error = Some(err.to_string());
    let page = admin_page(state, user, kept, None).await?;
    render_with_status(&page, status)
}

/// Any form of the admin page, posted to the page's own address: `form` says which one and
/// `id` which user or token it concerns.
#[derive(Debug)]
pub struct AdminPageForm {
    form: String,
    fields: HashMap<String, String>,
    /// The webhook form's ticked events: the one field that repeats.
    events: Vec<String>,
}

impl<'de> Deserialize<'de> for AdminPageForm {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(String, String)>::deserialize(deserializer)?;
        let mut form = AdminPageForm {
            form: String::new(),
            fields: HashMap::new(),
            events: Vec::new(),
        };
        for (name, value) in pairs {
            match name.as_str() {
                "form" => form.form = value,
                "event" => form.events.push(value),
                _ => {
                    form.fields.insert(name, value);
                }
            }
        }
        Ok(form)
    }
}

pub async fn post_admin_page(
    state: web::Data<AppState>,
    post: ProtectedForm<AdminPageForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, mut form, .. } = post;
    let mut take = |name: &str| form.fields.remove(name).unwrap_or_default();
    let id = take("id");
    match form.form.as_str() {
        "create_user" => {
            let typed = CreateUserForm {
                username: take("username"),
                role: take("role"),
                password: take("password"),
            };
            create(&state, &user, typed).await
        }
        "role" => change_role(&state, &user, &id, RoleForm { role: take("role") }).await,
        "password" => {
            let typed = PasswordForm {
                password: take("password"),
            };
            change_password(&state, &user, &id, typed).await
        }
        "disable" => disable(&state, &user, &id).await,
        "enable" => enable(&state, &user, &id).await,
        "sessions" => sign_out_everywhere(&state, &user, &id).await,
        "token" => new_token(&state, &user, &id).await,
        "revoke" => revoke(&state, &user, &id).await,
        "webhook_create" => {
            let events = form.events.iter().map(|e| e.to_owned()).collect::<Vec<_>>();
            create_webhook(&state, &user, take("url"), events).await
        }
        "webhook_enable" => webhook_action(&state, &user, &id, WebhookAction::Enable).await,
        "webhook_disable" => webhook_action(&state, &user, &id, WebhookAction::Disable).await,
        "webhook_test" => webhook_action(&state, &user, &id, WebhookAction::Test).await,
        "webhook_redeliver" => {
            let delivery = take("delivery");
            webhook_action(&state, &user, &id, WebhookAction::Redeliver(delivery)).await
        }
        other => Err(AppError::BadRequest(format!(
            "unknown form {other:?}; reload the page"
        ))),
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

async fn create(
    state: &AppState,
    user: &CurrentUser,
    form: CreateUserForm,
) -> Result<HttpResponse, AppError> {
    let kept = AdminFormView {
        place: "create".into(),
        username: form.username.clone(),
        role: form.role.clone(),
        ..AdminFormView::default()
    };
    let result = async {
        let new = NewAccount::try_from(form)?;
        let mut conn = state.pool.get().await?;
        let created = crate::services::accounts::create_user(
            &mut conn,
            &new.username,
            new.role,
            &new.password,
        )
        .await?;
        tracing::info!(admin = %user.username, user = %created.username, role = %created.role, "user created");
        Ok("created")
    }
    .await;
    respond(state, user, result, kept).await
}

pub async fn create_user(
    state: web::Data<AppState>,
    post: ProtectedForm<CreateUserForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    create(&state, &post.user, post.form).await
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

/// Where a refusal about one user's row is shown.
fn user_place(id: &str) -> AdminFormView {
    AdminFormView {
        place: format!("user-{}", id.trim()),
        ..AdminFormView::default()
    }
}

async fn change_role(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    form: RoleForm,
) -> Result<HttpResponse, AppError> {
    let kept = AdminFormView {
        role: form.role.clone(),
        ..user_place(id)
    };
    let result = async {
        let id: UserId = parse_id(id, "user")?;
        let role = Role::try_from(form)?;
        // As with disabling: an admin cannot lock themselves out, so the last admin stays one.
        if id == user.id && role != Role::Admin {
            return Err(AppError::Validation(
                "you cannot take away your own admin role; ask another admin".into(),
            ));
        }
        let mut conn = state.pool.get().await?;
        match User::set_role(&mut conn, id, role).await? {
            0 => Err(AppError::NotFound("user")),
            _ => {
                tracing::info!(admin = %user.username, user_id = %id, %role, "role changed");
                Ok("role")
            }
        }
    }
    .await;
    respond(state, user, result, kept).await
}

pub async fn set_role(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<RoleForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    change_role(&state, &post.user, &path, post.form).await
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// The user a row's button concerns, who must exist.
async fn existing_user(state: &AppState, id: &str) -> Result<UserId, AppError> {
    let id: UserId = parse_id(id, "user")?;
    let mut conn = state.pool.get().await?;
    User::by_id(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    Ok(id)
}

async fn disable(state: &AppState, user: &CurrentUser, id: &str) -> Result<HttpResponse, AppError> {
    let result = async {
        let id = existing_user(state, id).await?;
        if id == user.id {
            return Err(AppError::Validation(
                "you cannot disable your own account".into(),
            ));
        }
        let mut conn = state.pool.get().await?;
        User::disable(&mut conn, id).await?;
        tracing::info!(admin = %user.username, user_id = %id, "user disabled; sessions ended");
        Ok("disabled")
    }
    .await;
    respond(state, user, result, user_place(id)).await
}

pub async fn disable_user(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EmptyForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    disable(&state, &post.user, &path).await
}

async fn enable(state: &AppState, user: &CurrentUser, id: &str) -> Result<HttpResponse, AppError> {
    let result = async {
        let id = existing_user(state, id).await?;
        let mut conn = state.pool.get().await?;
        User::enable(&mut conn, id).await?;
        tracing::info!(admin = %user.username, user_id = %id, "user enabled");
        Ok("enabled")
    }
    .await;
    respond(state, user, result, user_place(id)).await
}

pub async fn enable_user(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EmptyForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    enable(&state, &post.user, &path).await
}

/// Signs a user out everywhere without disabling the account.
async fn sign_out_everywhere(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<HttpResponse, AppError> {
    let result = async {
        let id = existing_user(state, id).await?;
        let mut conn = state.pool.get().await?;
        let ended = User::end_sessions(&mut conn, id).await?;
        tracing::info!(admin = %user.username, user_id = %id, ended, "sessions ended");
        Ok("sessions")
    }
    .await;
    respond(state, user, result, user_place(id)).await
}

pub async fn end_sessions(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EmptyForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    sign_out_everywhere(&state, &post.user, &path).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

async fn change_password(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    form: PasswordForm,
) -> Result<HttpResponse, AppError> {
    let result = async {
        let id: UserId = parse_id(id, "user")?;
        let mut conn = state.pool.get().await?;
        crate::services::accounts::set_password(&mut conn, id, &form.password).await?;
        tracing::info!(admin = %user.username, user_id = %id, "password set");
        Ok("password")
    }
    .await;
    respond(state, user, result, user_place(id)).await
}

pub async fn set_password(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<PasswordForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    change_password(&state, &post.user, &path, post.form).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    user_id: String,
}

/// Creates a token and shows it once, on this response only.
async fn new_token(
    state: &AppState,
    user: &CurrentUser,
    owner_id: &str,
) -> Result<HttpResponse, AppError> {
    let result = async {
        let owner_id = existing_user(state, owner_id).await?;
        let mut conn = state.pool.get().await?;
        let owner = User::by_id(&mut conn, owner_id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let token =
            crate::services::accounts::create_token(&mut conn, &owner, Some(user.id), "admin page")
                .await?;
        tracing::info!(admin = %user.username, user = %owner.username, "API token created");
        Ok((owner.username, token))
    }
    .await;
    match result {
        Ok(shown) => {
            let page = admin_page(state, user, AdminFormView::default(), Some(shown)).await?;
            render_with_status(&page, StatusCode::CREATED)
        }
        Err(err) => respond(state, user, Err(err), user_place(owner_id)).await,
    }
}

pub async fn create_token(
    state: web::Data<AppState>,
    post: ProtectedForm<TokenForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    new_token(&state, &post.user, &post.form.user_id).await
}

async fn revoke(state: &AppState, user: &CurrentUser, id: &str) -> Result<HttpResponse, AppError> {
    let kept = AdminFormView {
        place: format!("token-{}", id.trim()),
        ..AdminFormView::default()
    };
    let result = async {
        let id: TokenId = parse_id(id, "token")?;
        let mut conn = state.pool.get().await?;
        if ApiToken::revoke(&mut conn, id).await? == 0 && !ApiToken::exists(&mut conn, id).await? {
            return Err(AppError::NotFound("token"));
        }
        tracing::info!(admin = %user.username, token_id = id.0, "API token revoked");
        Ok("revoked")
    }
    .await;
    respond(state, user, result, kept).await
}

pub async fn revoke_token(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EmptyForm, AdminOnly>,
) -> Result<HttpResponse, AppError> {
    revoke(&state, &post.user, &path).await
}

/// Registers a webhook endpoint and shows its secret once, on this response only.
async fn create_webhook(
    state: &AppState,
    user: &CurrentUser,
    url: String,
    events: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let result = webhooks::register(
        &state.pool,
        &url,
        &events,
        user.id,
        state.config.extract.fetch_allow_loopback,
        chrono::Utc::now(),
    )
    .await;
    match result {
        Ok(endpoint) => {
            tracing::info!(admin = %user.username, endpoint = endpoint.id, "webhook endpoint registered");
            let mut page = admin_page(state, user, AdminFormView::default(), None).await?;
            page.new_secret = Some((endpoint.id, endpoint.secret));
            render_with_status(&page, StatusCode::CREATED)
        }
        Err(err) => {
            let kept = AdminFormView {
                place: "webhook-create".into(),
                url,
                events,
                ..AdminFormView::default()
            };
            respond(state, user, Err(err), kept).await
        }
    }
}

enum WebhookAction {
    Enable,
    Disable,
    Test,
    Redeliver(String),
}

/// A button of an endpoint's row.
async fn webhook_action(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    action: WebhookAction,
) -> Result<HttpResponse, AppError> {
    let kept = AdminFormView {
        place: format!("webhook-{}", id.trim()),
        ..AdminFormView::default()
    };
    let result = async {
        let id: i64 = parse_id(id, "webhook endpoint")?;
        let mut conn = state.pool.get().await?;
        let now = chrono::Utc::now();
        let done = match action {
            WebhookAction::Enable => {
                webhooks::set_enabled(&mut conn, id, true).await?;
                "webhook_enabled"
            }
            WebhookAction::Disable => {
                webhooks::set_enabled(&mut conn, id, false).await?;
                "webhook_disabled"
            }
            WebhookAction::Test => {
                webhooks::send_test(&mut conn, id, now).await?;
                "webhook_test"
            }
            WebhookAction::Redeliver(delivery) => {
                let delivery: i64 = parse_id(&delivery, "delivery")?;
                webhooks::redeliver(&mut conn, id, delivery, now).await?;
                "webhook_redeliver"
            }
        };
        tracing::info!(admin = %user.username, endpoint = id, action = done, "webhook endpoint changed");
        Ok(done)
    }
    .await;
    respond(state, user, result, kept).await
}
