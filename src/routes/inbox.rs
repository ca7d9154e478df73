//! The desk's pages: the inbox, saved views, the dashboard, and following a claim.

use actix_web::http::header::{
    CONTENT_DISPOSITION, ContentDisposition, DispositionParam, DispositionType,
};
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use super::{form_refusal, parse_id, see_other};
use crate::auth::CurrentUser;
use crate::auth::csrf::ProtectedForm;
use crate::domain::ClaimId;
use crate::error::AppError;
use crate::services::dashboard::{self, Chart};
use crate::services::notifications::{self, MarkRead};
use crate::services::saved_views;
use crate::startup::AppState;
use crate::views::{
    DashboardPage, InboxPage, Layout, SaveViewForm, SavedViewsPage, render_with_status,
};

#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    unread: String,
    #[serde(default)]
    before: String,
    #[serde(default)]
    done: String,
}

pub async fn show_inbox(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<InboxQuery>,
) -> Result<InboxPage, AppError> {
    let unread_only = !query.unread.is_empty();
    let before = match query.before.trim() {
        "" => None,
        id => Some(
            id.parse::<i64>()
                .map_err(|_| AppError::BadRequest("before must be a notification id".into()))?,
        ),
    };
    let mut conn = state.pool.get().await?;
    let inbox = notifications::inbox(&mut conn, user.id, unread_only, before).await?;
    let older = (inbox.notifications.len() as i64 == notifications::PAGE)
        .then(|| inbox.notifications.last().map(|n| n.id))
        .flatten()
        .map(|id| {
            format!(
                "/inbox?{}before={id}",
                if unread_only { "unread=1&" } else { "" }
            )
        });
    let mut layout = Layout::for_user(&user);
    if let Some(nav) = layout.user.as_mut() {
        // The count as of this page, after any mark-read that sent the browser here.
        nav.unread = inbox.unread;
    }
    if query.done == "read" {
        layout = layout.with_notice("Marked read.");
    }
    Ok(InboxPage {
        layout,
        inbox,
        unread_only,
        older,
    })
}

/// One notification (`id`) or all of them (`all=1`).
#[derive(Debug, Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    all: Option<String>,
}

impl TryFrom<ReadForm> for MarkRead {
    type Error = AppError;

    fn try_from(form: ReadForm) -> Result<MarkRead, AppError> {
        match (form.all.as_deref(), form.id.as_deref().map(str::trim)) {
            (Some(_), _) => Ok(MarkRead::All),
            (None, Some(id)) => id
                .parse::<i64>()
                .map(|id| MarkRead::These(vec![id]))
                .map_err(|_| AppError::BadRequest("id must be a notification id".into())),
            (None, None) => Err(AppError::BadRequest(
                "say which notification to mark read, or all".into(),
            )),
        }
    }
}

pub async fn mark_read(
    state: web::Data<AppState>,
    post: ProtectedForm<ReadForm>,
) -> Result<HttpResponse, AppError> {
    let which = MarkRead::try_from(post.form)?;
    let mut conn = state.pool.get().await?;
    notifications::mark_read(&mut conn, post.user.id, &which, Utc::now()).await?;
    Ok(see_other("/inbox?done=read"))
}

async fn views_page(
    state: &AppState,
    user: &CurrentUser,
    save: SaveViewForm,
) -> Result<SavedViewsPage, AppError> {
    let mut conn = state.pool.get().await?;
    Ok(SavedViewsPage {
        layout: Layout::for_user(user),
        views: saved_views::visible(
            &mut conn,
            crate::routes::queue::context(user, state, Utc::now()),
            usize::MAX,
            None,
            None,
        )
        .await?,
        save,
    })
}

pub async fn show_views(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<SavedViewsPage, AppError> {
    views_page(&state, &user, SaveViewForm::default()).await
}

#[derive(Debug, Deserialize)]
pub struct SaveViewFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
    #[serde(default)]
    shared: Option<String>,
}

impl From<SaveViewFields> for SaveViewForm {
    fn from(form: SaveViewFields) -> SaveViewForm {
        SaveViewForm {
            query: form.query,
            name: form.name,
            shared: form.shared.is_some(),
            error: None,
        }
    }
}

pub async fn save_view(
    state: web::Data<AppState>,
    post: ProtectedForm<SaveViewFields>,
) -> Result<HttpResponse, AppError> {
    let user = post.user;
    let mut form = SaveViewForm::from(post.form);
    let mut conn = state.pool.get().await?;
    let result = saved_views::save(
        &mut conn,
        crate::routes::queue::context(&user, &state, Utc::now()),
        &form.name,
        &form.query,
        form.shared,
    )
    .await;
    drop(conn);
    match result {
        Ok(view) => Ok(see_other(&format!("/?{}", view.query))),
        Err(err) => {
            let Some(status) = form_refusal(&err) else {
                return Err(err);
            };
            form.error = Some(err.to_string());
            render_with_status(&views_page(&state, &user, form).await?, status)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

pub async fn delete_view(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id(&path, "saved view")?;
    let mut conn = state.pool.get().await?;
    saved_views::delete(&mut conn, id, post.user.id).await?;
    Ok(see_other("/views"))
}

pub async fn show_dashboard(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<DashboardPage, AppError> {
    let mut conn = state.pool.get().await?;
    let d = dashboard::dashboard(&mut conn, user.id, user.role, Utc::now()).await?;
    Ok(DashboardPage::new(Layout::for_user(&user), d))
}

/// One chart's numbers as a CSV attachment.
pub async fn dashboard_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let chart = Chart::parse(&path).ok_or(AppError::NotFound("chart"))?;
    let mut conn = state.pool.get().await?;
    let d = dashboard::dashboard(&mut conn, user.id, user.role, Utc::now()).await?;
    let body = dashboard::chart_csv(&d, chart)?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(format!(
            "claimdesk-{}-{}.csv",
            path.as_str(),
            Utc::now().format("%Y-%m-%d")
        ))],
    };
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((CONTENT_DISPOSITION, disposition))
        .body(body))
}

pub async fn follow_claim(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    set_following(state, path, post.user, true).await
}

pub async fn unfollow_claim(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    set_following(state, path, post.user, false).await
}

async fn set_following(
    state: web::Data<AppState>,
    path: web::Path<String>,
    user: CurrentUser,
    follow: bool,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let mut conn = state.pool.get().await?;
    notifications::set_following(&mut conn, id, user.id, follow, Utc::now()).await?;
    Ok(see_other(&format!("/claims/{id}")))
}
