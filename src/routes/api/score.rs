//! /api/v1/score: check-worthiness scores for raw texts, for integrations.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::AppError;

/// Most texts scored in one request.
pub const MAX_TEXTS: usize = 1_000;
/// Longest text scored, in bytes.
pub const MAX_TEXT_BYTES: usize = 10_000;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ScoreRequest {
    texts: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreResponse {
    /// One score in [0, 1] per text, in order; 0.5 is the default claim threshold.
    scores: Vec<f32>,
}

#[utoipa::path(post, path = "/api/v1/score", request_body = ScoreRequest, tag = "extraction",
    responses((status = 200, body = ScoreResponse), (status = 422, body = super::ErrorJson)))]
pub async fn score_texts(
    _user: CurrentUser,
    body: web::Json<ScoreRequest>,
) -> Result<HttpResponse, AppError> {
    let texts = body.into_inner().texts;
    if texts.len() > MAX_TEXTS {
        return Err(AppError::Validation(format!(
            "score at most {MAX_TEXTS} texts per request"
        )));
    }
    if texts.iter().any(|t| t.len() > MAX_TEXT_BYTES) {
        return Err(AppError::Validation(format!(
            "each text must be at most {MAX_TEXT_BYTES} bytes"
        )));
    }
    let scores = actix_web::web::block(move || {
        texts
            .iter()
            .map(|t| crate::extract::score_sentence(t))
            .collect()
    })
    .await?;
    Ok(HttpResponse::Ok().json(ScoreResponse { scores }))
}
