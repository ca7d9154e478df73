//! The claim page's correction forms: edit, merge, un-merge, split. A refused form shows the
//! claim page again with what was typed and the reason beside the form.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use super::claims::claim_page;
use super::{form_refusal, parse_id, see_other};
use crate::auth::CurrentUser;
use crate::auth::csrf::ProtectedForm;
use crate::db::claims::Claim;
use crate::domain::ClaimId;
use crate::domain::claims::ClaimEdit;
use crate::error::AppError;
use crate::extract::{Category, ClaimantKind};
use crate::services::claims as service;
use crate::startup::AppState;
use crate::views::{KeptValues, render_with_status};

fn version(text: &str) -> Result<i32, AppError> {
    text.trim().parse().map_err(|_| {
        AppError::BadRequest("the form lost the claim's version; reload the page".into())
    })
}

/// What was typed into one of the forms, to show again when it is refused.
#[derive(Debug, Default)]
struct Typed {
    category: Option<String>,
    claimant: Option<String>,
    claimant_kind: Option<String>,
    normalized_text: Option<String>,
    merge_into: Option<String>,
    split_before: Option<String>,
}

/// After a correction form: a 303 to `next`, or the claim page again with the reason beside
/// the correction forms and the typed values kept.
async fn respond(
    state: &AppState,
    user: &CurrentUser,
    id: ClaimId,
    result: Result<String, AppError>,
    typed: Typed,
) -> Result<HttpResponse, AppError> {
    let err = match result {
        Ok(next) => return Ok(see_other(&next)),
        Err(err) => err,
    };
    let Some(status) = form_refusal(&err) else {
        return Err(err);
    };
    let mut conn = state.pool.get().await?;
    let mut page = claim_page(&mut conn, user, id, None, KeptValues::default()).await?;
    let edit = &mut page.edit;
    edit.error = Some(err.to_string());
    let keep = |field: &mut String, value: Option<String>| {
        if let Some(v) = value {
            *field = v;
        }
    };
    keep(&mut edit.category, typed.category);
    keep(&mut edit.claimant, typed.claimant);
    keep(&mut edit.claimant_kind, typed.claimant_kind);
    keep(&mut edit.normalized_text, typed.normalized_text);
    keep(&mut edit.merge_into, typed.merge_into);
    keep(&mut edit.split_before, typed.split_before);
    // Someone who may not edit sees the reason even though the forms are hidden.
    if !edit.can_edit {
        page.error = edit.error.take();
    }
    render_with_status(&page, status)
}

#[derive(Debug, Deserialize)]
pub struct ClaimEditForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    claimant: String,
    #[serde(default)]
    claimant_kind: String,
    #[serde(default)]
    normalized_text: String,
}

impl TryFrom<&ClaimEditForm> for (i32, ClaimEdit) {
    type Error = AppError;

    /// The form sends every field: a blank claimant, kind or wording clears it.
    fn try_from(form: &ClaimEditForm) -> Result<(i32, ClaimEdit), AppError> {
        let category = form
            .category
            .parse::<Category>()
            .map_err(|e| AppError::Validation(e.to_string()))?;
        let kind = match form.claimant_kind.trim() {
            "" => None,
            k => Some(
                k.parse::<ClaimantKind>()
                    .map_err(|e| AppError::Validation(e.to_string()))?,
            ),
        };
        Ok((
            version(&form.version)?,
            ClaimEdit {
                category: Some(category),
                claimant: Some(Some(form.claimant.clone())),
                claimant_kind: Some(kind),
                normalized_text: Some(Some(form.normalized_text.clone())),
            },
        ))
    }
}

pub async fn edit_claim(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<ClaimEditForm>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    edit(&state, &post.user, id, post.form).await
}

async fn edit(
    state: &AppState,
    user: &CurrentUser,
    id: ClaimId,
    form: ClaimEditForm,
) -> Result<HttpResponse, AppError> {
    let result = async {
        let (version, edit) = <(i32, ClaimEdit)>::try_from(&form)?;
        let mut conn = state.pool.get().await?;
        service::edit(&mut conn, id, version, user.actor(), &edit, Utc::now()).await
    }
    .await;
    let typed = Typed {
        category: Some(form.category),
        claimant: Some(form.claimant),
        claimant_kind: Some(form.claimant_kind),
        normalized_text: Some(form.normalized_text),
        ..Typed::default()
    };
    let result = result.map(|_| format!("/claims/{id}?done=edited"));
    respond(state, user, id, result, typed).await
}

#[derive(Debug, Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    into: String,
}

pub async fn merge_claim(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<MergeForm>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    merge(&state, &post.user, id, post.form).await
}

async fn merge(
    state: &AppState,
    user: &CurrentUser,
    id: ClaimId,
    form: MergeForm,
) -> Result<HttpResponse, AppError> {
    let result = async {
        let version = version(&form.version)?;
        let into: ClaimId = form
            .into
            .trim()
            .trim_start_matches('#')
            .parse::<i64>()
            .map(ClaimId)
            .map_err(|_| {
                AppError::Validation("give the number of the claim to merge into".into())
            })?;
        let mut conn = state.pool.get().await?;
        service::merge(&mut conn, id, version, into, user.actor(), Utc::now()).await
    }
    .await;
    let typed = Typed {
        merge_into: Some(form.into),
        ..Typed::default()
    };
    let result = result.map(|_| format!("/claims/{id}?done=merged"));
    respond(state, user, id, result, typed).await
}

#[derive(Debug, Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: String,
}

pub async fn unmerge_claim(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<VersionForm>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    unmerge(&state, &post.user, id, post.form).await
}

async fn unmerge(
    state: &AppState,
    user: &CurrentUser,
    id: ClaimId,
    form: VersionForm,
) -> Result<HttpResponse, AppError> {
    let result = async {
        let version = version(&form.version)?;
        let mut conn = state.pool.get().await?;
        service::unmerge(&mut conn, id, version, user.actor(), Utc::now()).await
    }
    .await;
    let result = result.map(|_| format!("/claims/{id}?done=unmerged"));
    respond(state, user, id, result, Typed::default()).await
}

#[derive(Debug, Deserialize)]
pub struct SplitForm {
    #[serde(default)]
    version: String,
    /// The words the second claim starts with, as they appear in this claim.
    #[serde(default)]
    split_before: String,
}

/// The byte offset in the article body where `before` starts inside the claim's text (not
/// at its very start).
fn split_offset(claim: &Claim, before: &str) -> Result<usize, AppError> {
    let before = before.trim();
    let start = usize::try_from(claim.span_start).unwrap_or(0);
    let not_found = || {
        AppError::Validation(
            "type the words the second part starts with, exactly as they appear in the claim"
                .into(),
        )
    };
    if before.is_empty() {
        return Err(not_found());
    }
    let first = claim.text.chars().next().map_or(0, char::len_utf8);
    claim
        .text
        .get(first..)
        .and_then(|rest| rest.find(before))
        .map(|at| start + first + at)
        .ok_or_else(not_found)
}

pub async fn split_claim(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<SplitForm>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    split(&state, &post.user, id, post.form).await
}

async fn split(
    state: &AppState,
    user: &CurrentUser,
    id: ClaimId,
    form: SplitForm,
) -> Result<HttpResponse, AppError> {
    let result = async {
        let version = version(&form.version)?;
        let mut conn = state.pool.get().await?;
        // The claim's text is its span of the body, so offsets within it map straight over.
        let claim = Claim::found(&mut conn, id).await?;
        let at = split_offset(&claim, &form.split_before)?;
        service::split(&mut conn, id, version, at, user.actor(), Utc::now()).await
    }
    .await;
    let typed = Typed {
        split_before: Some(form.split_before),
        ..Typed::default()
    };
    let result = result.map(|(_, added)| format!("/claims/{}?done=split", added.id));
    respond(state, user, id, result, typed).await
}

/// A correction form posted to the claim page's own address (`POST /claims/{id}`, `form`
/// naming it: "edit", "merge", "unmerge" or "split"); `None` for a form that is not one.
pub async fn correction_form(
    state: &AppState,
    user: &CurrentUser,
    id: ClaimId,
    name: &str,
    mut take: impl FnMut(&str) -> String,
) -> Option<Result<HttpResponse, AppError>> {
    let version = take("version");
    Some(match name {
        "edit" => {
            let form = ClaimEditForm {
                version,
                category: take("category"),
                claimant: take("claimant"),
                claimant_kind: take("claimant_kind"),
                normalized_text: take("normalized_text"),
            };
            edit(state, user, id, form).await
        }
        "merge" => {
            let form = MergeForm {
                version,
                into: take("into"),
            };
            merge(state, user, id, form).await
        }
        "unmerge" => unmerge(state, user, id, VersionForm { version }).await,
        "split" => {
            let form = SplitForm {
                version,
                split_before: take("split_before"),
            };
            split(state, user, id, form).await
        }
        _ => return None,
    })
}
