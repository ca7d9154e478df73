//! The claim page and its forms: transitions, evidence, retractions.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;

use super::parse_id;
use crate::auth::CurrentUser;
use crate::auth::csrf::ProtectedForm;
use crate::db::articles::Article;
use crate::db::claims::{Claim, ClaimWithNames};
use crate::db::events::ClaimEvent;
use crate::db::evidence::{Evidence, NewEvidence, retraction_reason};
use crate::db::verdicts::{NamedVerdict, VerdictRow};
use crate::domain::claims::may_edit;
use crate::domain::review::{self, MoveRequest, TransitionRequest};
use crate::domain::verdict::{public_name, step_name};
use crate::domain::{ArticleId, ClaimId, EvidenceId, Rating, ReviewState, Verdict};
use crate::error::AppError;
use crate::export::ReportCorrection;
use crate::services::{claim_matches, evidence, notifications, review as review_service};
use crate::startup::AppState;
use crate::views::{
    ClaimEditView, ClaimPage, EntityView, KeptValues, Layout, MoveView, ScaleStep,
    VerdictVersionView, render_with_status,
};

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

/// The rating scale as the verdict form offers it, best first, then "unverifiable".
fn scale() -> Vec<ScaleStep> {
    let mut steps: Vec<ScaleStep> = Rating::scale()
        .rev()
        .map(|r| ScaleStep {
            value: r.value().to_string(),
            name: r.name(),
            state: review::verdict_state(Some(r)),
        })
        .collect();
    steps.push(ScaleStep {
        value: "unverifiable".into(),
        name: step_name(None),
        state: ReviewState::Unverifiable,
    });
    steps
}

/// The claim's verdict versions for its history, with each approved correction spelled out.
fn verdict_versions(versions: Vec<NamedVerdict>) -> Vec<VerdictVersionView> {
    let public: std::collections::HashMap<i64, String> = versions
        .iter()
        .map(|v| (v.row.id, public_name(v.row.label.as_deref(), v.row.rating)))
        .collect();
    let last = versions.last().map(|v| v.row.id);
    versions
        .into_iter()
        .map(|v| {
            let row = v.row;
            let was = row.corrects_id.and_then(|id| public.get(&id).cloned());
            let now = public_name(row.label.as_deref(), row.rating);
            let reason = row.correction_reason.clone().unwrap_or_default();
            let correction = match (row.approved_at, &was) {
                (Some(at), Some(was)) => Some(
                    ReportCorrection {
                        on: at.date_naive(),
                        was: was.clone(),
                        now: now.clone(),
                        reason: reason.trim_end_matches('.').to_owned(),
                    }
                    .to_string(),
                ),
                _ => None,
            };
            let correction_pending = match (row.approved_at, &was) {
                (None, Some(was)) => Some(format!(
                    "Corrects the published verdict ({was}), because {reason}; not approved yet"
                )),
                _ => None,
            };
            VerdictVersionView {
                created_at: row.created_at,
                author: v.author.unwrap_or_else(|| "someone".into()),
                outcome: ReviewState::from_verdict(row.verdict),
                rating: match row.rating.and_then(Rating::new) {
                    Some(r) => format!("{} of 5 · {}", r.value(), r.name()),
                    None => "no rating".into(),
                },
                label: row.label,
                rationale: row.rationale,
                approved: v.approver.zip(row.approved_at).map(|(by, at)| {
                    format!("approved by {by} on {}", at.format("%Y-%m-%d %H:%M UTC"))
                }),
                correction,
                correction_pending,
                current: Some(row.id) == last,
            }
        })
        .collect()
}

/// The current verdict as the verdict form's starting values, for a claim back in review.
fn current_verdict_values(claim: &Claim, kept: &mut KeptValues) {
    let typed_verdict = !kept.rating.is_empty() || !kept.rationale.is_empty();
    if typed_verdict || claim.state != ReviewState::InReview {
        return;
    }
    let Some(verdict) = claim.verdict else {
        return;
    };
    kept.rating = match claim.rating {
        Some(r) => r.to_string(),
        None if verdict == Verdict::Unverifiable => "unverifiable".into(),
        None => String::new(),
    };
    kept.label = claim.label.clone().unwrap_or_default();
    kept.rationale = claim.rationale.clone().unwrap_or_default();
}

/// The latest move on the claim in words, for a stale refusal: what the other person did.
fn latest_move(events: &[ClaimEvent]) -> Option<String> {
    let e = events.iter().rev().find(|e| e.to_state.is_some())?;
    let to = e.to_state?.title();
    let from = e
        .from_state
        .map(|f| format!(" from {}", f.title()))
        .unwrap_or_default();
    let note = e
        .note
        .as_deref()
        .map(|n| format!(" (“{n}”)"))
        .unwrap_or_default();
    Some(format!(
        "Meanwhile {} moved it{from} to {to} at {}{note}. Your input is kept below; check it and send it again.",
        e.actor,
        e.created_at.format("%H:%M UTC")
    ))
}

pub(crate) async fn claim_page(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: ClaimId,
    error: Option<String>,
    mut kept: KeptValues,
) -> Result<ClaimPage, AppError> {
    let claim = Claim::found(conn, id).await?;
    let article = Article::by_id(conn, ArticleId(claim.article_id))
        .await?
        .ok_or(AppError::NotFound("article"))?;
    let evidence = Evidence::for_claim_with_authors(conn, id).await?;
    let plain: Vec<Evidence> = evidence.iter().map(|e| e.evidence.clone()).collect();
    let snapshot = claim.snapshot(&plain);
    // A merged claim follows its primary: no moves, verdicts or evidence of its own.
    let available = match claim.merged_into {
        Some(_) => Vec::new(),
        None => review::available_moves(&snapshot, user.actor()),
    };
    let verdict_form = available.iter().any(|to| to.verdict().is_some());
    let moves = available
        .into_iter()
        .filter(|to| to.verdict().is_none())
        .map(|to| MoveView {
            to,
            label: review::move_label(claim.state, to),
            verdict: false,
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
    current_verdict_values(&claim, &mut kept);
    let versions = VerdictRow::named_for_claims(conn, &[ClaimId(claim.id)])
        .await?
        .remove(&ClaimId(claim.id))
        .unwrap_or_default();
    Ok(ClaimPage {
        layout: Layout::for_user(user),
        following: notifications::is_following(conn, id, user.id).await?,
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
        stale_move: None,
        moves,
        verdict_form,
        scale: scale(),
        kept,
        can_edit_evidence: claim.merged_into.is_none() && review::accepts_evidence(claim.state),
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
        verdicts: verdict_versions(versions),
        edit: ClaimEditView::for_claim(&claim, may_edit(user.actor(), claim.assignee())),
        desk: super::desk::claim_desk(conn, user, &claim).await?,
        matches: claim_matches::panel(conn, id).await?,
        claim,
    })
}

fn confirmation(done: &str) -> Option<String> {
    match done {
        "evidence" => Some("Evidence added.".into()),
        "added" => Some("Claim added: it is scored and categorised like the others.".into()),
        "edited" => Some("Corrections saved.".into()),
        "merged" => Some("Merged: this claim now follows its primary's verdict.".into()),
        "unmerged" => Some("Un-merged: this claim is reviewed on its own again.".into()),
        "split" => Some("Split: this is the new claim with the second part.".into()),
        "retracted" => Some("Evidence retracted.".into()),
        "assigned" => Some("Assigned.".into()),
        "tagged" => Some("Tags changed.".into()),
        "match_evidence" => Some("The fact-check is attached as evidence.".into()),
        "repeat" => Some("Marked as a repeat of an earlier fact-check.".into()),
        "matching" => Some("Looking for earlier fact-checks; reload in a moment.".into()),
        state => state
            .parse::<ReviewState>()
            .ok()
            .map(|s| format!("Done: the claim is now {}.", s.title().to_lowercase())),
    }
}

pub async fn show_claim(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<super::Done>,
) -> Result<ClaimPage, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let mut conn = state.pool.get().await?;
    let mut page = claim_page(&mut conn, &user, id, None, KeptValues::default()).await?;
    if let Some(notice) = confirmation(&query.done) {
        page.layout = page.layout.with_notice(notice);
    }
    Ok(page)
}

/// The claim page again after a success: POST-redirect-GET with a confirmation flag.
fn done(id: ClaimId, what: &str) -> HttpResponse {
    super::done(&format!("/claims/{id}"), what)
}

/// After a refused form: the claim page again, with everything typed kept, the reason beside
/// the form that was sent (`place` names it: a move's target state, "verdict", "evidence" or
/// "retract"), or at the top, after the other person's move, when the claim itself changed.
pub(crate) async fn refused(
    state: &AppState,
    user: &CurrentUser,
    id: ClaimId,
    err: AppError,
    place: &str,
    kept: KeptValues,
) -> Result<HttpResponse, AppError> {
    let Some(status) = super::form_refusal(&err) else {
        return Err(err);
    };
    let stale = status == StatusCode::CONFLICT;
    let place = if stale { "" } else { place };
    let mut conn = state.pool.get().await?;
    let mut page = claim_page(&mut conn, user, id, Some(err.to_string()), kept).await?;
    if stale {
        page.stale_move = latest_move(&page.events);
    }
    // An error for a form the page no longer shows goes to the top, where it is seen.
    let shown = match place {
        "evidence" | "retract" | "matches" => page.can_edit_evidence,
        "verdict" => page.verdict_form,
        to => page.moves.iter().any(|m| m.to.as_str() == to),
    };
    page.error_place = if shown {
        place.to_owned()
    } else {
        String::new()
    };
    render_with_status(&page, status)
}

/// The target of the one verdict form: the state follows from the rating.
const VERDICT_FORM: &str = "verdict";

#[derive(Debug, Clone, Deserialize)]
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

impl TransitionForm {
    /// Where a refusal is shown: the verdict form for any verdict, else the move's own form.
    fn place(&self) -> String {
        let to = self.to.trim();
        match to.parse::<ReviewState>() {
            Ok(state) if state.verdict().is_some() => VERDICT_FORM.into(),
            _ => to.to_owned(),
        }
    }

    fn kept(&self) -> KeptValues {
        let text = |t: &Option<String>| t.clone().unwrap_or_default();
        KeptValues {
            to: self.place(),
            rating: text(&self.rating).trim().to_owned(),
            label: text(&self.label),
            rationale: text(&self.rationale),
            note: text(&self.note),
            ..KeptValues::default()
        }
    }
}

impl TryFrom<TransitionForm> for MoveRequest {
    type Error = AppError;

    fn try_from(form: TransitionForm) -> Result<MoveRequest, AppError> {
        let version: i32 = form.version.trim().parse().map_err(|_| {
            AppError::BadRequest("the form lost the claim's version; reload the page".into())
        })?;
        let rating_text = form
            .rating
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        // "unverifiable" on the scale is the absence of a rating.
        let rating = match rating_text {
            None | Some("unverifiable") => None,
            Some(r) => Some(r.parse::<i16>().map_err(|_| {
                AppError::Validation(
                    "the rating must be a number from 1 to 5, or unverifiable".into(),
                )
            })?),
        };
        let to = if form.to.trim() == VERDICT_FORM {
            match (rating_text, rating) {
                (None, _) => {
                    return Err(AppError::Validation(
                        "choose a rating from 1 (false) to 5 (true), or unverifiable".into(),
                    ));
                }
                (_, None) => ReviewState::Unverifiable,
                (_, Some(value)) => {
                    let step = Rating::new(value).ok_or_else(|| {
                        AppError::Validation(format!(
                            "the rating {value} is not on the scale from 1 (false) to 5 (true)"
                        ))
                    })?;
                    review::verdict_state(Some(step))
                }
            }
        } else {
            form.to
                .trim()
                .parse::<ReviewState>()
                .map_err(|e| AppError::BadRequest(e.to_string()))?
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

async fn move_claim(
    state: &AppState,
    id: ClaimId,
    user: CurrentUser,
    form: TransitionForm,
) -> Result<HttpResponse, AppError> {
    let place = form.place();
    let kept = form.kept();
    let result = async {
        let MoveRequest { version, request } = MoveRequest::try_from(form)?;
        let mut conn = state.pool.get().await?;
        review_service::transition(&mut conn, id, version, user.actor(), &request, Utc::now()).await
    }
    .await;
    match result {
        Ok(claim) => Ok(done(id, claim.state.as_str())),
        Err(err) => refused(state, &user, id, err, &place, kept).await,
    }
}

pub async fn transition_claim(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<TransitionForm>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let ProtectedForm { user, form, .. } = post;
    move_claim(&state, id, user, form).await
}

/// Any form of the claim page, posted to the page's own address, so a refusal is shown
/// again at that address: `form` says which one ("move" or "evidence").
#[derive(Debug, Deserialize)]
pub struct ClaimPageForm {
    #[serde(default)]
    form: String,
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

impl ClaimPageForm {
    fn take(&mut self, name: &str) -> Option<String> {
        self.fields.remove(name)
    }
}

pub async fn post_claim_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<ClaimPageForm>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let ProtectedForm { user, mut form, .. } = post;
    let which = std::mem::take(&mut form.form);
    match which.as_str() {
        "move" => {
            let move_form = TransitionForm {
                to: form.take("to").unwrap_or_default(),
                version: form.take("version").unwrap_or_default(),
                note: form.take("note"),
                rationale: form.take("rationale"),
                rating: form.take("rating"),
                label: form.take("label"),
            };
            move_claim(&state, id, user, move_form).await
        }
        "evidence" => {
            let evidence_form = EvidenceForm {
                url: form.take("url").unwrap_or_default(),
                title: form.take("title"),
                excerpt: form.take("excerpt"),
                stance: form.take("stance").unwrap_or_default(),
            };
            add_claim_evidence(&state, id, user, evidence_form).await
        }
        other => {
            let take = |name: &str| form.take(name).unwrap_or_default();
            match super::claim_edits::correction_form(&state, &user, id, other, take).await {
                Some(result) => result,
                None => Err(AppError::BadRequest(format!(
                    "unknown form {other:?}; reload the page"
                ))),
            }
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
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

impl EvidenceForm {
    fn kept(&self) -> KeptValues {
        KeptValues {
            url: self.url.clone(),
            title: self.title.clone().unwrap_or_default(),
            excerpt: self.excerpt.clone().unwrap_or_default(),
            stance: self.stance.clone(),
            ..KeptValues::default()
        }
    }
}

async fn add_claim_evidence(
    state: &AppState,
    id: ClaimId,
    user: CurrentUser,
    form: EvidenceForm,
) -> Result<HttpResponse, AppError> {
    let kept = form.kept();
    let result = async {
        let new = NewEvidence::try_from(form)?;
        let mut conn = state.pool.get().await?;
        evidence::add(&mut conn, id, user.actor(), &new, Utc::now()).await
    }
    .await;
    match result {
        Ok(_) => Ok(done(id, "evidence")),
        Err(err) => refused(state, &user, id, err, "evidence", kept).await,
    }
}

pub async fn add_evidence(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EvidenceForm>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let ProtectedForm { user, form, .. } = post;
    add_claim_evidence(&state, id, user, form).await
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
        Ok(()) => Ok(done(id, "retracted")),
        Err(err) => refused(&state, &user, id, err, "retract", KeptValues::default()).await,
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
