//! The desk's forms on the claim page (assign, tag and untag) and the tags page.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;

use super::claims::refused;
use super::{form_refusal, parse_id, see_other};
use crate::auth::CurrentUser;
use crate::auth::csrf::ProtectedForm;
use crate::auth::extractors::EditorOnly;
use crate::db::claims::Claim;
use crate::db::tags::Tag;
use crate::domain::ClaimId;
use crate::domain::claims::may_edit;
use crate::error::AppError;
use crate::services::{assignment, tags as tag_service};
use crate::startup::AppState;
use crate::views::{ClaimDeskView, KeptValues, Layout, TagsPage, render_with_status};

/// The desk part of a claim page.
pub(crate) async fn claim_desk(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    claim: &Claim,
) -> Result<ClaimDeskView, AppError> {
    let tags = Tag::for_claims(conn, &[claim.id])
        .await?
        .remove(&claim.id)
        .unwrap_or_default();
    let other_tags = Tag::all(conn)
        .await?
        .into_iter()
        .filter(|t| !tags.iter().any(|x| x.id == t.id))
        .collect();
    Ok(ClaimDeskView {
        assigned_since: claim
            .assigned_at
            .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()),
        tags,
        other_tags,
        can_tag: may_edit(user.actor(), claim.assignee()),
        can_assign: user.role.is_editor(),
    })
}

/// A version as typed in a form; anything else is a 400.
fn form_version(text: &str) -> Result<i32, AppError> {
    text.trim()
        .parse()
        .map_err(|_| AppError::BadRequest("the form has no claim version; reload the page".into()))
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    assignee: String,
}

pub async fn assign_claim(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<AssignForm, EditorOnly>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let ProtectedForm { user, form, .. } = post;
    let result = async {
        let version = form_version(&form.version)?;
        let mut conn = state.pool.get().await?;
        assignment::assign(
            &mut conn,
            id,
            version,
            user.actor(),
            &form.assignee,
            Utc::now(),
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/claims/{id}?done=assigned"))),
        Err(err) => refused(&state, &user, id, err, "", KeptValues::default()).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct TagForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    tag: String,
    /// "add" or "remove".
    #[serde(default)]
    op: String,
}

pub async fn tag_claim(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<TagForm>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let ProtectedForm { user, form, .. } = post;
    let result = async {
        let version = form_version(&form.version)?;
        let add = match form.op.as_str() {
            "add" => true,
            "remove" => false,
            other => {
                return Err(AppError::BadRequest(format!(
                    "unknown tag operation {other:?}"
                )));
            }
        };
        let mut conn = state.pool.get().await?;
        tag_service::set_tag(
            &mut conn,
            id,
            version,
            user.actor(),
            &form.tag,
            add,
            Utc::now(),
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/claims/{id}?done=tagged"))),
        Err(err) => refused(&state, &user, id, err, "", KeptValues::default()).await,
    }
}

async fn tags_page(
    state: &AppState,
    user: &CurrentUser,
    error: Option<String>,
) -> Result<TagsPage, AppError> {
    let mut conn = state.pool.get().await?;
    Ok(TagsPage {
        layout: Layout::for_user(user),
        error,
        tags: Tag::all(&mut conn).await?,
        is_editor: user.role.is_editor(),
    })
}

pub async fn list_tags(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<TagsPage, AppError> {
    tags_page(&state, &user, None).await
}

/// After a tag form: the tags page (303), or the page again with the refusal.
async fn tags_answer(
    state: &AppState,
    user: &CurrentUser,
    result: Result<Tag, AppError>,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(_) => Ok(see_other("/tags")),
        Err(err) => {
            let Some(status) = form_refusal(&err) else {
                return Err(err);
            };
            render_with_status(
                &tags_page(state, user, Some(err.to_string())).await?,
                status,
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct NewTagForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    colour: String,
}

pub async fn create_tag(
    state: web::Data<AppState>,
    post: ProtectedForm<NewTagForm, EditorOnly>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form, .. } = post;
    let result = async {
        let mut conn = state.pool.get().await?;
        tag_service::create(
            &mut conn,
            user.actor(),
            &form.name,
            &form.colour,
            Utc::now(),
        )
        .await
    }
    .await;
    tags_answer(&state, &user, result).await
}

#[derive(Debug, Deserialize)]
pub struct ColourForm {
    #[serde(default)]
    colour: String,
}

pub async fn recolour_tag(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<ColourForm, EditorOnly>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = parse_id::<i64>(&path, "tag")?;
    let ProtectedForm { user, form, .. } = post;
    let result = async {
        let mut conn = state.pool.get().await?;
        tag_service::recolour(&mut conn, user.actor(), id, &form.colour).await
    }
    .await;
    tags_answer(&state, &user, result).await
}
