//! The JSON API under /api/v1: Bearer-token authentication, JSON errors, an OpenAPI document
//! generated from the handlers.

pub mod articles;
pub mod claims;
pub mod desk;
pub mod export;
pub mod matching;
pub mod score;
pub mod sources;
pub mod webhooks;

use actix_web::{HttpResponse, web};
use utoipa::OpenApi;

use crate::error::AppError;

/// For optional JSON fields that may also be null: an absent field is `None`, a present one
/// (null included) is `Some`, so `null` can clear a value while leaving the field out keeps it.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Largest JSON body accepted: an article of the largest size, escaped, with room to spare.
pub const JSON_LIMIT: usize = 8 * 1024 * 1024;

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _| {
            use actix_web::error::JsonPayloadError;
            let app = match &err {
                JsonPayloadError::OverflowKnownLength { limit, .. }
                | JsonPayloadError::Overflow { limit } => {
                    AppError::PayloadTooLarge { limit: *limit }
                }
                JsonPayloadError::ContentType => {
                    AppError::BadRequest("send JSON with Content-Type: application/json".into())
                }
                JsonPayloadError::Deserialize(e) if e.is_data() => {
                    AppError::Validation(format!("the JSON body does not fit: {e}"))
                }
                other => AppError::BadRequest(format!("the body is not valid JSON: {other}")),
            };
            app.into()
        })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _| AppError::BadRequest(format!("bad query string: {err}")).into())
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| AppError::NotFound("resource").into())
}

#[derive(OpenApi)]
#[openapi(
    info(title = "claimdesk API", version = "1", description = "Claims extracted from news articles, their review, evidence and verdicts. Authenticate with `Authorization: Bearer <token>` (`claimdesk token create --user U`)."),
    paths(
        articles::list_articles, articles::create_article, articles::get_article,
        claims::list_claims, claims::get_claim, claims::transition_claim, claims::add_evidence,
        claims::retract_evidence, claims::list_events, claims::edit_claim, claims::merge_claim,
        claims::unmerge_claim, claims::split_claim, claims::bulk_claims, claims::list_tags, claims::create_tag, articles::add_claim, articles::edit_article,
        articles::archive_article, articles::restore_article,
        score::score_texts, export::export_report,
        matching::match_text, matching::claim_matches, matching::import_fact_checks,
        desk::list_notifications, desk::mark_read, desk::list_views, desk::save_view,
        desk::delete_view, desk::follow_claim, desk::stats,
        sources::list_sources, sources::create_source, sources::get_source, sources::poll_source,
        sources::list_jobs, sources::get_job, sources::retry_job,
        webhooks::create_webhook, webhooks::list_webhooks, webhooks::edit_webhook,
        webhooks::list_deliveries, webhooks::test_webhook, webhooks::redeliver,
    ),
    components(schemas(
        articles::ArticleJson, articles::NewArticleJson, articles::ArticleList, articles::ImportJobJson,
        sources::SourceJson, sources::SourceList, sources::NewSourceJson, sources::JobList,
        crate::db::jobs::Job, crate::db::jobs::JobCounts,
        claims::ClaimJson, claims::ClaimList, claims::EvidenceJson, claims::VerdictJson, claims::NewEvidenceJson,
        claims::TransitionJson, claims::EventJson, claims::EventList, claims::RetractJson,
        claims::ClaimEditJson, claims::MergeJson, claims::VersionJson, claims::SplitJson,
        claims::SplitResultJson, claims::BulkJson, claims::BulkClaimJson, claims::BulkResultJson,
        claims::BulkResultsJson, claims::TagJson, claims::TagList, claims::NewTagJson,
        articles::NewClaimJson, articles::ArticleEditJson,
        crate::domain::ClaimOrigin,
        score::ScoreRequest, score::ScoreResponse, ErrorJson, ErrorDetailJson,
        matching::MatchRequest, matching::MatchList, crate::services::matching::Match,
        crate::services::matching::ImportReport,
        crate::services::notifications::Inbox, crate::services::notifications::Notification,
        crate::domain::inbox::NotificationKind, desk::MarkReadJson, desk::MarkedJson,
        desk::ViewList, desk::NewViewJson, desk::SavedViewJson, desk::FollowJson,
        crate::services::saved_views::ViewSummary, crate::services::dashboard::Dashboard,
        crate::services::dashboard::BacklogJson, crate::services::dashboard::WeekJson,
        crate::services::dashboard::ApprovalTimeJson, crate::services::dashboard::ReviewerJson,
        crate::services::dashboard::WaitingJson, crate::services::dashboard::MixJson,
        crate::domain::ReviewState, crate::domain::Verdict, crate::domain::Stance,
        webhooks::NewWebhookJson, webhooks::WebhookJson, webhooks::NewWebhookSecretJson,
        webhooks::WebhookList, webhooks::DeliveryJson, webhooks::DeliveryList,
        webhooks::WebhookEditJson, webhooks::QueuedJson,
    )),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The error shape of every API failure.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorJson {
    error: ErrorDetailJson,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetailJson {
    /// Machine-readable: not_found, bad_request, validation_failed, invalid_transition, conflict, forbidden, unauthenticated, …
    code: String,
    message: String,
}

/// The OpenAPI 3 document, generated from the handlers' annotations.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
