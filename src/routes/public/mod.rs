//! The public face: published verdicts for readers, with no sign-in. Its own templates and
//! stylesheet; no session or CSRF cookie is read or set; every answer is cacheable (ETag, 304
//! on revalidation) and counted against the client address's per-minute allowance.

pub mod views;

use std::sync::LazyLock;

use actix_web::body::MessageBody;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION,
};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::export::public as docs;
use crate::export::{ReportClaim, check_path};
use crate::services::AppState;
use crate::services::public::{self as service, IndexQuery};
use views::{CheckPage, CheckView, EmbedPage, IndexPage, Site};

/// Paths served by the public face: their error pages are public too (no session is read).
pub fn is_public_path(path: &str) -> bool {
    path == "/checks"
        || path.starts_with("/checks/")
        || path == "/sitemap.xml"
        || path == "/robots.txt"
        || path == "/static/public.css"
}

/// Marks a response that may be shown inside another site's frame (the embeddable card):
/// the framing guard in `startup` leaves its `X-Frame-Options` off.
#[derive(Debug, Clone, Copy)]
pub struct Frameable;

/// Counts the request against its address's allowance (429 beyond it).
async fn admit(state: &AppState, req: &HttpRequest) -> Result<(), AppError> {
    let address = super::client_address(req, state.config.server.trust_proxy);
    service::admit(&state.pool, &address, state.config.public.public_rate_limit).await
}

/// A strong `ETag` over a body.
fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// A cacheable answer: `Cache-Control`, a strong `ETag` over the body, and 304 without the
/// body when the client already holds this version.
fn cacheable(
    req: &HttpRequest,
    state: &AppState,
    content_type: &str,
    body: String,
) -> HttpResponse {
    let etag = etag_of(body.as_bytes());
    cached(req, state, content_type, etag, body)
}

/// [`cacheable`] with the body's `ETag` already known.
fn cached(
    req: &HttpRequest,
    state: &AppState,
    content_type: &str,
    etag: String,
    body: impl MessageBody + 'static,
) -> HttpResponse {
    let held = req
        .headers()
        .get_all(IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag);
    let cache = format!("public, max-age={}", state.config.public.public_max_age);
    let mut res = if held {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((ETAG, etag))
        .insert_header((CACHE_CONTROL, cache));
    if held {
        res.finish()
    } else {
        res.insert_header((CONTENT_TYPE, content_type)).body(body)
    }
}

fn render(template: &impl Template) -> Result<String, AppError> {
    template.render().map_err(AppError::unexpected)
}

const HTML: &str = "text/html; charset=utf-8";

/// `{id}` or `{id}-{slug}`: the id, and whether the address is the canonical one.
fn parse_key(key: &str) -> Result<(i64, Option<&str>), AppError> {
    let (id, slug) = match key.split_once('-') {
        Some((id, slug)) => (id, Some(slug)),
        None => (key, None),
    };
    let id = super::parse_id::<i64>(id, "fact check")?;
    Ok((id, slug))
}

fn redirect(location: &str) -> HttpResponse {
    HttpResponse::build(StatusCode::MOVED_PERMANENTLY)
        .insert_header((LOCATION, location))
        .finish()
}

/// `/checks/{id}-{slug}`; `/checks/{id}` (or an outdated slug) redirects there.
pub async fn show_check(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    admit(&state, &req).await?;
    let (id, slug) = parse_key(&key)?;
    let claim = service::check(&state.pool, id).await?;
    let path = check_path(claim.id, claim.published_wording());
    if slug.is_none_or(|s| format!("/checks/{id}-{s}") != path) {
        return Ok(redirect(&path));
    }
    let meta = service::meta(&state.config.reports, Utc::now());
    let json_ld = docs::claim_review_json_ld(&claim, &meta).map_err(AppError::unexpected)?;
    let page = CheckPage::new(
        Site::of(&state),
        &claim,
        json_ld,
        state.config.public.public_credit,
    );
    Ok(cacheable(&req, &state, HTML, render(&page)?))
}

/// `/checks/{id}/embed`: the small card other sites may frame.
pub async fn embed_check(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    admit(&state, &req).await?;
    let id = super::parse_id::<i64>(&id, "fact check")?;
    let claim = service::check(&state.pool, id).await?;
    let site = Site::of(&state);
    let page = EmbedPage {
        check: CheckView::of(&claim, &site.base),
        site,
    };
    let mut res = cacheable(&req, &state, HTML, render(&page)?);
    res.headers_mut().insert(
        CONTENT_SECURITY_POLICY,
        state.config.public.embed_frame_ancestors.header().clone(),
    );
    res.extensions_mut().insert(Frameable);
    Ok(res)
}

/// `/checks`: newest first, filtered by rating, category, tag and search, in keyset pages.
pub async fn list_checks(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<IndexQuery>,
) -> Result<HttpResponse, AppError> {
    admit(&state, &req).await?;
    let filter = query.parse()?;
    let page = service::page(&state.pool, &filter).await?;
    let view = IndexPage::index(Site::of(&state), &query, &page);
    Ok(cacheable(&req, &state, HTML, render(&view)?))
}

/// `/checks/articles/{id}`: the published verdicts on one article.
pub async fn show_article(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<IndexQuery>,
) -> Result<HttpResponse, AppError> {
    admit(&state, &req).await?;
    let id = super::parse_id::<i64>(&id, "article")?;
    let after = IndexQuery {
        after: query.after.clone(),
        ..IndexQuery::default()
    };
    let (article, page) = service::article(&state.pool, id, &after).await?;
    let view = IndexPage::article(Site::of(&state), &article, &page);
    Ok(cacheable(&req, &state, HTML, render(&view)?))
}

/// `/checks/feed.atom`: the newest published verdicts; a correction updates its entry.
pub async fn feed(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    admit(&state, &req).await?;
    let claims: Vec<ReportClaim> = service::feed(&state.pool).await?;
    let meta = service::meta(&state.config.reports, Utc::now());
    let body = docs::atom_feed(&claims, &meta);
    Ok(cacheable(
        &req,
        &state,
        "application/atom+xml; charset=utf-8",
        body,
    ))
}

/// `/sitemap.xml`: the index and every published verdict's page.
pub async fn sitemap(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    admit(&state, &req).await?;
    let base = state.config.reports.public_base();
    let pages = service::sitemap(&state.pool, &base).await?;
    Ok(cacheable(
        &req,
        &state,
        "application/xml; charset=utf-8",
        docs::sitemap(&base, &pages),
    ))
}

/// `/robots.txt`: crawlers may read the public pages and nothing else.
pub async fn robots(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let body = docs::robots_txt(&state.config.reports.public_base());
    cacheable(&req, &state, "text/plain; charset=utf-8", body)
}

/// The public stylesheet, compiled into the binary.
const PUBLIC_CSS: &str = include_str!("../../../static/public.css");

/// The stylesheet's `ETag`, computed on first use.
static PUBLIC_CSS_ETAG: LazyLock<String> = LazyLock::new(|| etag_of(PUBLIC_CSS.as_bytes()));

/// The public stylesheet: its static body, and an `ETag` computed once.
pub async fn stylesheet(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    cached(
        &req,
        &state,
        "text/css; charset=utf-8",
        PUBLIC_CSS_ETAG.clone(),
        PUBLIC_CSS,
    )
}

/// The error page of the public face: no session is looked up, no desk navigation shown.
pub fn error_page(state: Option<&AppState>, status: StatusCode, message: String) -> HttpResponse {
    let site = state.map(Site::of).unwrap_or_default();
    let page = views::ErrorPage {
        site,
        status: status.as_u16(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        message,
    };
    super::error_pages::error_response(status, page.render())
}
