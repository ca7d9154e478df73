//! The claim page and its forms: transitions, evidence, retractions.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;

use super::{parse_id, see_other};
use crate::auth::CurrentUser;
use crate::auth::csrf::ProtectedForm;
use crate::db::articles::Article;
use crate::db::claims::{Claim, ClaimWithNames};
use crate::db::events::ClaimEvent;
use crate::db::evidence::{Evidence, NewEvidence, retraction_reason};
use crate::domain::review::{self, MoveRequest, TransitionRequest};
use crate::domain::{ArticleId, ClaimId, EvidenceId, ReviewState};
use crate::error::AppError;
use crate::services::{evidence, review as review_service};
use crate::startup::AppState;
use crate::views::{ClaimPage, EntityView, Layout, MoveView, render_with_status};

/// How many similar claims from other articles the page lists, and how similar (pg_trgm) they
/// must be: a looser bar than duplicate linking, since these are only suggestions.
const SIMILAR_LIMIT: i64 = 5;
const SIMILAR_THRESHOLD: f32 = 0.3;

/// The sentence's paragraph, split around the claim.
fn context(body: &str, start: usize, end: usize) -> (String, String) {
    if !(start < end
        && end <= body.len()
        && body.is_char_boundary(start)
        && body.is_char_boundary(end))
    {
        return (String::new(), String::new());
    }
    let para_start = body[..start].rfind('\n').map_or(0, |i| i + 1);
    let para_end = body[end..].find('\n').map_or(body.len(), |i| end + i);
    (
        body[para_start..start].to_owned(),
        body[end..para_end].to_owned(),
    )
}

fn entity_views(entities: &serde_json::Value) -> Vec<EntityView> {
    entities
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|e| {
                    Some(EntityView {
                        kind: e.get("kind")?.as_str()?.replace('_', " "),
                        text: e.get("text")?.as_str()?.to_owned(),
                        value: e.get("value").filter(|v| !v.is_null()).map(describe_value),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A normalised entity value in words ("more than 50%", "2025-09 to 2025-12").
fn describe_value(value: &serde_json::Value) -> String {
    let text = |key: &str| {
        value.get(key).map(|v| {
            v.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string())
        })
    };
    let qualifier = text("qualifier")
        .map(|q| format!("{} ", q.replace('_', " ")))
        .unwrap_or_default();
    let described = match value.get("type").and_then(|t| t.as_str()) {
        Some("year") => text("year").map(|y| format!("year {y}")),
        Some("date") => text("date"),
        Some("period") => text("start")
            .zip(text("end"))
            .map(|(s, e)| format!("{s} to {e}")),
        Some("money") => text("amount").map(|a| {
            let per = text("per").map(|p| format!(" per {p}")).unwrap_or_default();
            format!(
                "{qualifier}{a} {}{per}",
                text("currency").unwrap_or_default()
            )
        }),
        Some("percent") => text("value").map(|v| format!("{qualifier}{v}%")),
        Some("quantity") => text("value").map(|v| {
            format!("{qualifier}{v} {}", text("unit").unwrap_or_default())
                .trim_end()
                .to_owned()
        }),
        _ => None,
    };
    described.unwrap_or_else(|| value.to_string())
}

async fn claim_page(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: ClaimId,
    error: Option<String>,
) -> Result<ClaimPage, AppError> {
    let claim = Claim::found(conn, id).await?;
    let article = Article::by_id(conn, ArticleId(claim.article_id))
        .await?
        .ok_or(AppError::NotFound("article"))?;
    let evidence = Evidence::for_claim_with_authors(conn, id).await?;
    let plain: Vec<Evidence> = evidence.iter().map(|e| e.evidence.clone()).collect();
    let snapshot = claim.snapshot(&plain);
    let moves = review::available_moves(&snapshot, user.actor())
        .into_iter()
        .map(|to| MoveView {
            to,
            label: review::move_label(claim.state, to),
            verdict: to.verdict().is_some(),
            needs_note: review::move_needs_note(claim.state, to),
        })
        .collect();
    let names = ClaimWithNames::load(conn, vec![claim.clone()])
        .await?
        .pop()
        .ok_or(AppError::NotFound("claim"))?;
    let (before, after) = context(
        &article.body,
        usize::try_from(claim.span_start).unwrap_or(0),
        usize::try_from(claim.span_end).unwrap_or(0),
    );
    Ok(ClaimPage {
        layout: Layout::for_user(user),
        article_id: article.id,
        article_title: article.title,
        context_before: before,
        context_after: after,
        assignee: names.assignee,
        verdict_by: names.verdict_by,
        approved_by: names.approved_by,
        entities: entity_views(&claim.entities),
        error,
        error_place: String::new(),
        moves,
        can_edit_evidence: review::accepts_evidence(claim.state),
        evidence: evidence.into_iter().map(Into::into).collect(),
        duplicates: Claim::duplicates_of(conn, id).await?,
        similar: Claim::similar_in_other_articles(
            conn,
            &claim.text,
            ArticleId(claim.article_id),
            SIMILAR_THRESHOLD,
            SIMILAR_LIMIT,
        )
        .await?,
        events: ClaimEvent::for_claim(conn, id).await?,
        claim,
    })
}

pub async fn show_claim(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<ClaimPage, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let mut conn = state.pool.get().await?;
    claim_page(&mut conn, &user, id, None).await
}

/// After a refused form: the claim page again, with the reason beside the form that was sent
/// (`place` names it: a move's target state, "evidence" or "retract"), or at the top when the
/// claim itself changed.
async fn refused(
    state: &AppState,
    user: &CurrentUser,
    id: ClaimId,
    err: AppError,
    place: &str,
) -> Result<HttpResponse, AppError> {
    let status = err.status_code();
    if !matches!(
        status,
        StatusCode::CONFLICT
            | StatusCode::UNPROCESSABLE_ENTITY
            | StatusCode::FORBIDDEN
            | StatusCode::BAD_REQUEST
    ) {
        return Err(err);
    }
    let place = if status == StatusCode::CONFLICT {
        ""
    } else {
        place
    };
    let mut conn = state.pool.get().await?;
    let mut page = claim_page(&mut conn, user, id, Some(err.to_string())).await?;
    // An error for a form the page no longer shows goes to the top, where it is seen.
    let shown = match place {
        "evidence" | "retract" => page.can_edit_evidence,
        to => page.moves.iter().any(|m| m.to.as_str() == to),
    };
    page.error_place = if shown {
        place.to_owned()
    } else {
        String::new()
    };
    render_with_status(&page, status)
}

#[derive(Debug, Deserialize)]
pub struct TransitionForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    version: String,
    note: Option<String>,
    rationale: Option<String>,
    rating: Option<String>,
    label: Option<String>,
}

impl TryFrom<TransitionForm> for MoveRequest {
    type Error = AppError;

    fn try_from(form: TransitionForm) -> Result<MoveRequest, AppError> {
        let version: i32 = form.version.trim().parse().map_err(|_| {
            AppError::BadRequest("the form lost the claim's version; reload the page".into())
        })?;
        let to = form
            .to
            .parse::<ReviewState>()
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        let rating = match form
            .rating
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(r) => Some(r.parse::<i16>().map_err(|_| {
                AppError::Validation("the rating must be a number from 1 to 5".into())
            })?),
            None => None,
        };
        Ok(MoveRequest {
            version,
            request: TransitionRequest {
                to: Some(to),
                note: form.note,
                rationale: form.rationale,
                rating,
                label: form.label,
            },
        })
    }
}

pub async fn transition_claim(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<TransitionForm>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let ProtectedForm { user, form, .. } = post;
    // The form the reason goes beside: the move that was asked for, even when it did not parse.
    let place = form.to.trim().to_owned();
    let result = async {
        let MoveRequest { version, request } = MoveRequest::try_from(form)?;
        let mut conn = state.pool.get().await?;
        review_service::transition(&mut conn, id, version, user.actor(), &request, Utc::now()).await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/claims/{id}"))),
        Err(err) => refused(&state, &user, id, err, &place).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct EvidenceForm {
    #[serde(default)]
    url: String,
    title: Option<String>,
    excerpt: Option<String>,
    #[serde(default)]
    stance: String,
}

impl TryFrom<EvidenceForm> for NewEvidence {
    type Error = AppError;

    fn try_from(form: EvidenceForm) -> Result<NewEvidence, AppError> {
        NewEvidence::parse(&form.url, form.title, form.excerpt, &form.stance)
    }
}

pub async fn add_evidence(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EvidenceForm>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let ProtectedForm { user, form, .. } = post;
    let result = async {
        let new = NewEvidence::try_from(form)?;
        let mut conn = state.pool.get().await?;
        evidence::add(&mut conn, id, user.actor(), &new, Utc::now()).await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/claims/{id}"))),
        Err(err) => refused(&state, &user, id, err, "evidence").await,
    }
}

#[derive(Debug, Deserialize)]
pub struct RetractForm {
    #[serde(default)]
    reason: String,
}

/// Why an evidence item is withdrawn: required and bounded.
struct Retraction(String);

impl TryFrom<RetractForm> for Retraction {
    type Error = AppError;

    fn try_from(form: RetractForm) -> Result<Retraction, AppError> {
        retraction_reason(&form.reason).map(Retraction)
    }
}

pub async fn retract_evidence(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    post: ProtectedForm<RetractForm>,
) -> Result<HttpResponse, AppError> {
    let (id, evidence_id): (ClaimId, EvidenceId) =
        (parse_id(&path.0, "claim")?, parse_id(&path.1, "evidence")?);
    let ProtectedForm { user, form, .. } = post;
    let result = async {
        let Retraction(reason) = Retraction::try_from(form)?;
        let mut conn = state.pool.get().await?;
        evidence::retract(
            &mut conn,
            id,
            evidence_id,
            user.actor(),
            &reason,
            Utc::now(),
        )
        .await
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/claims/{id}"))),
        Err(err) => refused(&state, &user, id, err, "retract").await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(to: &str, version: &str, rating: Option<&str>) -> TransitionForm {
        TransitionForm {
            to: to.into(),
            version: version.into(),
            note: None,
            rationale: Some("the register says otherwise".into()),
            rating: rating.map(Into::into),
            label: None,
        }
    }

    #[test]
    fn a_transition_form_becomes_a_typed_move_or_names_what_is_wrong() {
        let parsed = MoveRequest::try_from(form("disputed", " 4 ", Some(" 2 "))).ok();
        let request = parsed.expect("a valid form parses");
        assert_eq!(request.version, 4);
        assert_eq!(request.request.to, Some(ReviewState::Disputed));
        assert_eq!(request.request.rating, Some(2));
        // A blank rating is no rating, not a wrong one.
        let blank = MoveRequest::try_from(form("in_review", "1", Some("  "))).ok();
        assert_eq!(blank.and_then(|m| m.request.rating), None);
        assert!(matches!(
            MoveRequest::try_from(form("disputed", "four", None)),
            Err(AppError::BadRequest(m)) if m.contains("version")
        ));
        assert!(matches!(
            MoveRequest::try_from(form("published", "4", None)),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            MoveRequest::try_from(form("disputed", "4", Some("five"))),
            Err(AppError::Validation(m)) if m.contains("1 to 5")
        ));
    }
}
