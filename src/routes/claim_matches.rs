//! The claim page's "checked before?" forms: find matches now, attach a match as evidence,
//! mark the claim as a repeat of a fact-check.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use super::claims::refused;
use super::parse_id;
use crate::auth::csrf::ProtectedForm;
use crate::domain::ClaimId;
use crate::error::AppError;
use crate::services::claim_matches;
use crate::startup::AppState;
use crate::views::KeptValues;

/// The claim and fact-check a match form names.
fn ids(path: &(String, String)) -> Result<(ClaimId, i64), AppError> {
    Ok((
        parse_id(&path.0, "claim")?,
        parse_id::<i64>(&path.1, "fact-check")?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct AttachForm {
    #[serde(default)]
    stance: String,
}

#[derive(Debug, Deserialize)]
pub struct NoFields {}

/// Queues the claim's matching (the model runs in a worker, not in this request).
pub async fn find_matches(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    claim_matches::request(&state.pool, id, post.user.id).await?;
    Ok(super::done(&format!("/claims/{id}"), "matching"))
}

pub async fn attach_match(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    post: ProtectedForm<AttachForm>,
) -> Result<HttpResponse, AppError> {
    let (id, fact_check) = ids(&path)?;
    let ProtectedForm { user, form, .. } = post;
    let result = async {
        let mut conn = state.pool.get().await?;
        claim_matches::attach_as_evidence(
            &mut conn,
            id,
            fact_check,
            &form.stance,
            user.actor(),
            Utc::now(),
        )
        .await
    }
    .await;
    match result {
        Ok(()) => Ok(super::done(&format!("/claims/{id}"), "match_evidence")),
        Err(err) => refused(&state, &user, id, err, "matches", KeptValues::default()).await,
    }
}

pub async fn mark_repeat(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    post: ProtectedForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let (id, fact_check) = ids(&path)?;
    let ProtectedForm { user, .. } = post;
    let result = async {
        let mut conn = state.pool.get().await?;
        claim_matches::mark_repeat(&mut conn, id, fact_check, user.actor(), Utc::now()).await
    }
    .await;
    match result {
        Ok(()) => Ok(super::done(&format!("/claims/{id}"), "repeat")),
        Err(err) => refused(&state, &user, id, err, "matches", KeptValues::default()).await,
    }
}
