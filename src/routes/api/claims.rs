//! /api/v1/claims: the queue, one claim, transitions, evidence and the audit trail.

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::auth::extractors::RequestDb;
use crate::db::claims::{Claim, ClaimFilter, ClaimFilterText, Cursor, FilterContext};
use crate::db::events::ClaimEvent;
use crate::db::evidence::{NewEvidence, retraction_reason};
use crate::db::tags::Tag;
use crate::domain::claims::ClaimEdit;
use crate::domain::review::{MoveRequest, TransitionRequest};
use crate::domain::{ClaimId, EvidenceId, ReviewState};
use crate::error::AppError;
use crate::extract::{Category, ClaimantKind};
use crate::routes::{parse_id, query_values};
use crate::services::bulk::{self, BulkAction, BulkItem};
use crate::services::queue::assignee_named;
use crate::services::{claims as claim_service, evidence, review};
use crate::startup::AppState;

// The claim's API shape lives with the services: webhook bodies carry the same JSON.
pub use crate::services::claim_json::{
    ClaimJson, EvidenceJson, VerdictJson, claim_json, claims_json,
};

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimList {
    claims: Vec<ClaimJson>,
    /// Pass as `after` for the next page; null on the last page.
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ClaimQuery {
    state: Option<String>,
    category: Option<String>,
    article: Option<String>,
    /// A username or user id; one no user has is a 422 naming it.
    assignee: Option<String>,
    /// Full-text search (websearch syntax).
    q: Option<String>,
    /// 1: only claims whose stored verdict contradicts the rating scale.
    contradicts: Option<String>,
    /// true: every decided state not yet approved (verified, disputed, unverifiable).
    awaiting_approval: Option<String>,
    /// true: claims in review assigned to you whose verdict an editor sent back.
    sent_back: Option<String>,
    /// true: claims in review with no change for the configured number of days.
    stale: Option<String>,
    /// true: only claims checked before (marked as a repeat of a known fact-check, or with a
    /// close match among them).
    checked_before: Option<String>,
    /// score (default), newest, oldest, last_change, article (grouped by article, newest
    /// article first, most check-worthy first within one)
    sort: Option<String>,
    /// 1–200, default 50.
    limit: Option<String>,
    after: Option<String>,
}

/// Claims per page when the query does not say.
const DEFAULT_LIMIT: i64 = 50;

#[utoipa::path(get, path = "/api/v1/claims", tag = "claims",
    params(ClaimQuery, ("tag" = Option<String>, Query, description = "Only claims with this tag; repeat it (or separate names with commas) for claims with all of them")),
    responses((status = 200, body = ClaimList), (status = 400, body = super::ErrorJson), (status = 422, body = super::ErrorJson)))]
pub async fn list_claims(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    query: web::Query<ClaimQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let mut conn = state.pool.get().await?;
    let assignee = assignee_named(&mut conn, q.assignee.as_deref().unwrap_or_default(), true)
        .await?
        .map_err(AppError::Validation)?;
    let text = ClaimFilterText {
        state: q.state.as_deref(),
        category: q.category.as_deref(),
        article: q.article.as_deref(),
        text: q.q.as_deref(),
        contradicts: q.contradicts.as_deref(),
        awaiting_approval: q.awaiting_approval.as_deref(),
        sent_back: q.sent_back.as_deref(),
        stale: q.stale.as_deref(),
        checked_before: q.checked_before.as_deref(),
        tags: &query_values(&req, "tag"),
        sort: q.sort.as_deref(),
        after: q.after.as_deref(),
        limit: q.limit.as_deref(),
        ..ClaimFilterText::default()
    };
    let context = FilterContext {
        assignee,
        me: user.id,
        now: Utc::now(),
        stale_days: state.config.server.stale_days,
        default_limit: DEFAULT_LIMIT,
    };
    let filter = ClaimFilter::parse(text, context).map_err(AppError::BadRequest)?;
    let (claims, next) = claim_service::list(&mut conn, &filter).await?;
    let claims = claims_json(&mut conn, claims).await?;
    Ok(HttpResponse::Ok().json(ClaimList {
        claims,
        next: next.map(Cursor::encode),
    }))
}

#[utoipa::path(get, path = "/api/v1/claims/{id}", tag = "claims", params(("id" = i64, Path)),
    responses((status = 200, body = ClaimJson), (status = 404, body = super::ErrorJson)))]
pub async fn get_claim(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let mut conn = state.pool.get().await?;
    let claim = Claim::found(&mut conn, id).await?;
    Ok(HttpResponse::Ok().json(claim_json(&mut conn, claim).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TransitionJson {
    to: ReviewState,
    /// The version you saw; a stale one is refused with 409.
    version: i32,
    note: Option<String>,
    rationale: Option<String>,
    /// For verdicts: 1 (false) … 5 (true); 4–5 go with `verified`, 1–3 with `disputed`, and
    /// `unverifiable` takes none. A pair that contradicts the scale is refused with 422.
    rating: Option<i16>,
    /// One-line public label, for verdicts; blank or absent: the rating step's name.
    label: Option<String>,
}

impl From<TransitionJson> for MoveRequest {
    fn from(t: TransitionJson) -> MoveRequest {
        MoveRequest {
            version: t.version,
            request: TransitionRequest {
                to: Some(t.to),
                note: t.note,
                rationale: t.rationale,
                rating: t.rating,
                label: t.label,
            },
        }
    }
}

#[utoipa::path(post, path = "/api/v1/claims/{id}/transitions", tag = "claims", params(("id" = i64, Path)), request_body = TransitionJson,
    responses((status = 200, body = ClaimJson), (status = 403, body = super::ErrorJson), (status = 409, body = super::ErrorJson, description = "Stale version"),
              (status = 422, body = super::ErrorJson, description = "Not allowed from the current state, requirements unmet, a rating that contradicts the state, or a merged claim (it follows the primary the message names)")))]
pub async fn transition_claim(
    RequestDb(mut conn): RequestDb,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<TransitionJson>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let MoveRequest { version, request } = body.into_inner().into();
    let claim =
        review::transition(&mut conn, id, version, user.actor(), &request, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(claim_json(&mut conn, claim).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEvidenceJson {
    /// http or https only.
    url: String,
    title: Option<String>,
    excerpt: Option<String>,
    stance: String,
}

impl TryFrom<NewEvidenceJson> for NewEvidence {
    type Error = AppError;

    fn try_from(b: NewEvidenceJson) -> Result<NewEvidence, AppError> {
        NewEvidence::parse(&b.url, b.title, b.excerpt, &b.stance)
    }
}

#[utoipa::path(post, path = "/api/v1/claims/{id}/evidence", tag = "claims", params(("id" = i64, Path)), request_body = NewEvidenceJson,
    responses((status = 201, body = EvidenceJson), (status = 404, body = super::ErrorJson), (status = 422, body = super::ErrorJson, description = "The claim is not open, or is merged into the primary the message names")))]
pub async fn add_evidence(
    RequestDb(mut conn): RequestDb,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<NewEvidenceJson>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let new = NewEvidence::try_from(body.into_inner())?;
    let e = evidence::add(&mut conn, id, user.actor(), &new, Utc::now()).await?;
    Ok(HttpResponse::Created().json(EvidenceJson {
        id: e.id,
        url: e.url,
        title: e.title,
        excerpt: e.excerpt,
        stance: e.stance,
        added_by: user.username,
        added_at: e.added_at,
        retracted_at: e.retracted_at,
        retraction_reason: e.retraction_reason,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RetractJson {
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/claims/{id}/evidence/{evidence_id}/retract", tag = "claims",
    params(("id" = i64, Path), ("evidence_id" = i64, Path)), request_body = RetractJson,
    responses((status = 204), (status = 404, body = super::ErrorJson), (status = 422, body = super::ErrorJson)))]
pub async fn retract_evidence(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    body: web::Json<RetractJson>,
) -> Result<HttpResponse, AppError> {
    let (id, evidence_id): (ClaimId, EvidenceId) =
        (parse_id(&path.0, "claim")?, parse_id(&path.1, "evidence")?);
    let reason = retraction_reason(&body.reason)?;
    let mut conn = state.pool.get().await?;
    evidence::retract(
        &mut conn,
        id,
        evidence_id,
        user.actor(),
        &reason,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventJson {
    id: i64,
    kind: String,
    from: Option<ReviewState>,
    /// Null for events that are not state changes (evidence added or retracted).
    to: Option<ReviewState>,
    actor: String,
    note: Option<String>,
    evidence_id: Option<i64>,
    at: DateTime<Utc>,
    /// For corrections (claim_edited, claim_added, claim_merged, claim_unmerged,
    /// claim_split): the field changed and its old and new values as text.
    field: Option<String>,
    old: Option<String>,
    new: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    events: Vec<EventJson>,
}

#[utoipa::path(get, path = "/api/v1/claims/{id}/events", tag = "claims", params(("id" = i64, Path)),
    responses((status = 200, body = EventList), (status = 404, body = super::ErrorJson)))]
pub async fn list_events(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let mut conn = state.pool.get().await?;
    Claim::found(&mut conn, id).await?;
    let events = ClaimEvent::for_claim(&mut conn, id)
        .await?
        .into_iter()
        .map(|e| EventJson {
            id: e.id,
            kind: e.kind.as_str().to_owned(),
            from: e.from_state,
            to: e.to_state,
            actor: e.actor,
            note: e.note,
            evidence_id: e.evidence_id,
            at: e.created_at,
            field: e.field,
            old: e.old_value,
            new: e.new_value,
        })
        .collect();
    Ok(HttpResponse::Ok().json(EventList { events }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ClaimEditJson {
    /// The version you saw; a stale one is refused with 409.
    version: i32,
    #[schema(value_type = Option<String>)]
    category: Option<Category>,
    /// null or "" clears the claimant (and its kind).
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    claimant: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    claimant_kind: Option<Option<ClaimantKind>>,
    /// null or "" clears it.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    normalized_text: Option<Option<String>>,
}

impl From<ClaimEditJson> for (i32, ClaimEdit) {
    fn from(b: ClaimEditJson) -> (i32, ClaimEdit) {
        (
            b.version,
            ClaimEdit {
                category: b.category,
                claimant: b.claimant,
                claimant_kind: b.claimant_kind,
                normalized_text: b.normalized_text,
            },
        )
    }
}

#[utoipa::path(patch, path = "/api/v1/claims/{id}", tag = "claims", params(("id" = i64, Path)), request_body = ClaimEditJson,
    responses((status = 200, body = ClaimJson), (status = 403, body = super::ErrorJson, description = "Not the assigned reviewer nor an editor"),
              (status = 409, body = super::ErrorJson, description = "Stale version"), (status = 422, body = super::ErrorJson)))]
pub async fn edit_claim(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<ClaimEditJson>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let (version, edit) = body.into_inner().into();
    let mut conn = state.pool.get().await?;
    let claim =
        claim_service::edit(&mut conn, id, version, user.actor(), &edit, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(claim_json(&mut conn, claim).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeJson {
    /// The claim this one is the same as (merging into a merged claim merges into its primary).
    into: i64,
    version: i32,
}

#[utoipa::path(post, path = "/api/v1/claims/{id}/merge", tag = "claims", params(("id" = i64, Path)), request_body = MergeJson,
    responses((status = 200, body = ClaimJson), (status = 403, body = super::ErrorJson), (status = 409, body = super::ErrorJson), (status = 422, body = super::ErrorJson)))]
pub async fn merge_claim(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<MergeJson>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let MergeJson { into, version } = body.into_inner();
    let mut conn = state.pool.get().await?;
    let claim = claim_service::merge(
        &mut conn,
        id,
        version,
        ClaimId(into),
        user.actor(),
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(claim_json(&mut conn, claim).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VersionJson {
    version: i32,
}

#[utoipa::path(post, path = "/api/v1/claims/{id}/unmerge", tag = "claims", params(("id" = i64, Path)), request_body = VersionJson,
    responses((status = 200, body = ClaimJson), (status = 403, body = super::ErrorJson), (status = 409, body = super::ErrorJson), (status = 422, body = super::ErrorJson)))]
pub async fn unmerge_claim(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<VersionJson>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let version = body.into_inner().version;
    let mut conn = state.pool.get().await?;
    let claim = claim_service::unmerge(&mut conn, id, version, user.actor(), Utc::now()).await?;
    Ok(HttpResponse::Ok().json(claim_json(&mut conn, claim).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SplitJson {
    /// A byte offset into the article body, strictly inside the claim's span: the claim keeps
    /// the text before it, a new claim gets the text from it on.
    at: usize,
    version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SplitResultJson {
    /// The claim as narrowed, then the new one.
    claims: Vec<ClaimJson>,
}

#[utoipa::path(post, path = "/api/v1/claims/{id}/split", tag = "claims", params(("id" = i64, Path)), request_body = SplitJson,
    responses((status = 201, body = SplitResultJson), (status = 403, body = super::ErrorJson), (status = 409, body = super::ErrorJson), (status = 422, body = super::ErrorJson)))]
pub async fn split_claim(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<SplitJson>,
) -> Result<HttpResponse, AppError> {
    let id: ClaimId = parse_id(&path, "claim")?;
    let SplitJson { at, version } = body.into_inner();
    let mut conn = state.pool.get().await?;
    let (kept, added) =
        claim_service::split(&mut conn, id, version, at, user.actor(), Utc::now()).await?;
    let claims = claims_json(&mut conn, vec![kept, added]).await?;
    Ok(HttpResponse::Created().json(SplitResultJson { claims }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkClaimJson {
    id: i64,
    /// The version you saw; a claim changed since is refused with 409, the others go ahead.
    version: i32,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkJson {
    /// take, assign, release, dismiss, approve, tag or untag.
    action: String,
    /// At most 10,000.
    claims: Vec<BulkClaimJson>,
    /// For assign: a username.
    assignee: Option<String>,
    /// For tag and untag: a tag name.
    tag: Option<String>,
    /// For dismiss: why the claims are not check-worthy.
    reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResultJson {
    id: i64,
    ok: bool,
    /// 200 when done; otherwise what the single request would have answered (403, 404, 409, 422).
    status: u16,
    error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResultsJson {
    /// One per claim, in request order.
    results: Vec<BulkResultJson>,
}

#[utoipa::path(post, path = "/api/v1/claims/bulk", tag = "claims", request_body = BulkJson,
    responses((status = 200, body = BulkResultsJson, description = "Each claim checked and applied on its own; see each result"),
              (status = 400, body = super::ErrorJson), (status = 422, body = super::ErrorJson, description = "Unknown action, a missing value, no claims or too many")))]
pub async fn bulk_claims(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<BulkJson>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let action = BulkAction::parse(
        &b.action,
        b.assignee.as_deref(),
        b.tag.as_deref(),
        b.reason.as_deref(),
    )
    .map_err(AppError::Validation)?;
    let items: Vec<BulkItem> = b
        .claims
        .iter()
        .map(|c| BulkItem {
            id: ClaimId(c.id),
            version: c.version,
        })
        .collect();
    let outcomes = bulk::apply(&state.pool, user.actor(), &action, &items, Utc::now()).await?;
    let results = outcomes
        .into_iter()
        .map(|o| match o.result {
            Ok(_) => BulkResultJson {
                id: o.id.0,
                ok: true,
                status: 200,
                error: None,
            },
            Err(e) => BulkResultJson {
                error: Some(if let AppError::Unexpected(cause) = &e {
                    tracing::error!(claim = o.id.0, error = %format!("{cause:#}"), "bulk action failed");
                    e.to_string()
                } else {
                    e.to_string()
                }),
                id: o.id.0,
                ok: false,
                status: e.status_code().as_u16(),
            },
        })
        .collect();
    Ok(HttpResponse::Ok().json(BulkResultsJson { results }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagJson {
    id: i64,
    name: String,
    /// `#rrggbb`.
    colour: String,
}

impl From<Tag> for TagJson {
    fn from(t: Tag) -> TagJson {
        TagJson {
            id: t.id,
            name: t.name,
            colour: t.colour,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    tags: Vec<TagJson>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTagJson {
    /// Up to 60 characters, one line, no commas; unique whatever its case.
    name: String,
    /// `#rrggbb` (or `#rgb`).
    colour: String,
}

#[utoipa::path(get, path = "/api/v1/tags", tag = "claims", responses((status = 200, body = TagList)))]
pub async fn list_tags(
    state: web::Data<AppState>,
    _user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let tags = Tag::all(&mut conn)
        .await?
        .into_iter()
        .map(TagJson::from)
        .collect();
    Ok(HttpResponse::Ok().json(TagList { tags }))
}

#[utoipa::path(post, path = "/api/v1/tags", tag = "claims", request_body = NewTagJson,
    responses((status = 201, body = TagJson), (status = 403, body = super::ErrorJson, description = "Not an editor"),
              (status = 409, body = super::ErrorJson, description = "The name exists"), (status = 422, body = super::ErrorJson)))]
pub async fn create_tag(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<NewTagJson>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let mut conn = state.pool.get().await?;
    let tag =
        crate::services::tags::create(&mut conn, user.actor(), &b.name, &b.colour, Utc::now())
            .await?;
    Ok(HttpResponse::Created().json(TagJson::from(tag)))
}
