//! /api/v1/match, /api/v1/claims/{id}/matches and /api/v1/fact-checks: has this been checked
//! before?

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::auth::extractors::RequireEditor;
use crate::db::claims::Claim;
use crate::error::AppError;
use crate::factcheck::{self, Format};
use crate::ranking::Weights;
use crate::routes::parse_id;
use crate::services::matching::{self, ImportReport, Match};
use crate::startup::AppState;

/// Matches returned when the request names no limit.
pub const DEFAULT_LIMIT: usize = 5;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    text: String,
    /// 1 to 50; 5 when omitted.
    limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchList {
    matches: Vec<Match>,
}

fn limit(requested: Option<usize>) -> Result<usize, AppError> {
    match requested.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=matching::MAX_LIMIT => Ok(n),
        _ => Err(AppError::Validation(format!(
            "limit must be between 1 and {}",
            matching::MAX_LIMIT
        ))),
    }
}

#[utoipa::path(post, path = "/api/v1/match", request_body = MatchRequest, tag = "matching",
    responses((status = 200, body = MatchList), (status = 422, body = super::ErrorJson)))]
pub async fn match_text(
    state: web::Data<AppState>,
    _user: CurrentUser,
    body: web::Json<MatchRequest>,
) -> Result<HttpResponse, AppError> {
    let MatchRequest { text, limit: n } = body.into_inner();
    let n = limit(n)?;
    let embedder = crate::embed::shared_async().await;
    let mut conn = state.pool.get().await?;
    let matches = matching::match_text(&mut conn, embedder, &text, n, Weights::default()).await?;
    Ok(HttpResponse::Ok().json(MatchList { matches }))
}

#[derive(Debug, Deserialize)]
pub struct LimitQuery {
    limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/claims/{id}/matches", tag = "matching",
    params(("id" = i64, Path), ("limit" = Option<usize>, Query)),
    responses((status = 200, body = MatchList), (status = 404, body = super::ErrorJson)))]
pub async fn claim_matches(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<LimitQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path, "claim")?;
    let n = limit(query.limit)?;
    let mut conn = state.pool.get().await?;
    let claim = Claim::by_id(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("claim"))?;
    let embedder = crate::embed::shared_async().await;
    let matches = matching::matches_for_claim(&mut conn, embedder, id, &claim.text, n).await?;
    Ok(HttpResponse::Ok().json(MatchList { matches }))
}

#[derive(Debug, Deserialize)]
pub struct FormatQuery {
    format: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/fact-checks", tag = "matching",
    request_body(content = Object, description = "ClaimReview JSON-LD (object, array or @graph) or a ClaimReview DataFeed", content_type = "application/json"),
    params(("format" = Option<String>, Query, description = "jsonld or feed; guessed when omitted")),
    responses((status = 200, body = ImportReport), (status = 403, body = super::ErrorJson),
              (status = 422, body = super::ErrorJson)))]
pub async fn import_fact_checks(
    state: web::Data<AppState>,
    editor: RequireEditor,
    query: web::Query<FormatQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let format = match query.format.as_deref() {
        None => None,
        Some(f) => match f.parse::<Format>().map_err(AppError::Validation)? {
            f @ (Format::Jsonld | Format::Feed) => Some(f),
            _ => {
                return Err(AppError::Validation(
                    "the API takes ClaimReview JSON-LD or a data feed".into(),
                ));
            }
        },
    };
    let parsed = web::block(move || factcheck::parse(&body, format.or(Some(Format::Jsonld))))
        .await?
        .map_err(|e| AppError::Validation(e.to_string()))?;
    if parsed.items.is_empty() {
        let reasons: Vec<String> = parsed.errors.iter().map(ToString::to_string).collect();
        return Err(AppError::Validation(format!(
            "no fact-check could be read: {}",
            reasons.join("; ")
        )));
    }
    let embedder = crate::embed::shared_async().await;
    let mut conn = state.pool.get().await?;
    let source = format!("api:{}", editor.0.username);
    let report = matching::import_fact_checks(
        &mut conn,
        embedder,
        parsed.items,
        parsed.errors,
        &source,
        |_| {},
    )
    .await?;
    crate::services::claim_matches::after_fact_check_import(
        &state.pool,
        &report,
        Some(editor.0.id),
    )
    .await?;
    Ok(HttpResponse::Ok().json(report))
}
