//! The route table and the handlers, one module per resource. Handlers parse, authorise, make
//! one database call or transaction, and render or redirect.

pub mod admin;
pub mod api;
pub mod articles;
pub mod auth;
pub mod claim_edits;
pub mod claim_matches;
pub mod claims;
pub mod desk;
pub mod error_pages;
pub mod health;
pub mod inbox;
pub mod public;
pub mod queue;
pub mod reports;
pub mod sources;
pub mod statics;

use actix_web::http::Method;
use actix_web::http::header::{
    CONTENT_DISPOSITION, ContentDisposition, DispositionParam, DispositionType, LOCATION,
};
use actix_web::{FromRequest, Handler, HttpRequest, HttpResponse, Responder, guard, web};
use chrono::Utc;

use crate::error::AppError;
use crate::export::ExportFormat;
use crate::services::AppState;
use crate::services::reports::{ExportRequest, download_name, start_export};

/// Who may use a route, as the authorisation test checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Reviewer,
    Editor,
    Admin,
}

/// Registers routes with actix and records them, so tests can list every route the app serves.
pub struct Routes<'a> {
    cfg: Option<&'a mut web::ServiceConfig>,
    table: Vec<(Method, &'static str)>,
}

impl Routes<'_> {
    fn add<F, Args>(&mut self, method: Method, path: &'static str, handler: F)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.table.push((method.clone(), path));
        if let Some(cfg) = self.cfg.as_deref_mut() {
            // HEAD is answered wherever GET is (the server sends the head without the body).
            let route = if method == Method::GET {
                web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
            } else {
                web::method(method)
            };
            cfg.route(path, route.to(handler));
        }
    }

    fn get<F, Args>(&mut self, path: &'static str, handler: F)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, handler);
    }

    fn post<F, Args>(&mut self, path: &'static str, handler: F)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, handler);
    }

    fn patch<F, Args>(&mut self, path: &'static str, handler: F)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::PATCH, path, handler);
    }
}

/// Every route of the app. Adding one here without adding it to the authorisation test's
/// table fails that test.
fn register(r: &mut Routes<'_>) {
    r.get("/healthz", health::healthz);
    r.get("/readyz", health::readyz);
    r.get("/static/claimdesk.css", statics::stylesheet);
    r.get("/static/claimdesk.js", statics::script);
    r.get("/static/select-claim.js", statics::select_claim_script);

    // The public face (no sign-in). The fixed paths come before `/checks/{key}`, which
    // would otherwise take them.
    r.get("/robots.txt", public::robots);
    r.get("/sitemap.xml", public::sitemap);
    r.get("/static/public.css", public::stylesheet);
    r.get("/checks", public::list_checks);
    r.get("/checks/feed.atom", public::feed);
    r.get("/checks/articles/{id}", public::show_article);
    r.get("/checks/{id}/embed", public::embed_check);
    r.get("/checks/{key}", public::show_check);

    r.get("/login", auth::login_form);
    r.post("/login", auth::login);
    r.post("/logout", auth::logout);

    r.get("/", queue::show_queue);
    r.post("/claims/bulk", queue::bulk_claims);
    r.get("/articles", articles::list_articles);
    r.post("/articles", articles::import_article);
    r.get("/articles/{id}", articles::show_article);
    r.post("/articles/{id}", articles::post_article_page);
    r.post("/articles/{id}/edit", articles::edit_article);
    r.post("/articles/{id}/claims", articles::add_claim);
    r.post("/articles/{id}/archive", articles::archive_article);
    r.post("/articles/{id}/restore", articles::restore_article);
    r.get("/claims/{id}", claims::show_claim);
    r.post("/claims/{id}", claims::post_claim_page);
    r.post("/claims/{id}/transition", claims::transition_claim);
    r.post("/claims/{id}/evidence", claims::add_evidence);
    r.post("/claims/{id}/matches", claim_matches::find_matches);
    r.post(
        "/claims/{id}/matches/{fact_check_id}/evidence",
        claim_matches::attach_match,
    );
    r.post(
        "/claims/{id}/matches/{fact_check_id}/repeat",
        claim_matches::mark_repeat,
    );
    r.post("/claims/{id}/edit", claim_edits::edit_claim);
    r.post("/claims/{id}/merge", claim_edits::merge_claim);
    r.post("/claims/{id}/unmerge", claim_edits::unmerge_claim);
    r.post("/claims/{id}/split", claim_edits::split_claim);
    r.post("/claims/{id}/assign", desk::assign_claim);
    r.post("/claims/{id}/tags", desk::tag_claim);
    r.get("/tags", desk::list_tags);
    r.post("/tags", desk::create_tag);
    r.post("/tags/{id}", desk::recolour_tag);
    r.post(
        "/claims/{id}/evidence/{evidence_id}/retract",
        claims::retract_evidence,
    );
    r.post("/claims/{id}/follow", inbox::follow_claim);
    r.post("/claims/{id}/unfollow", inbox::unfollow_claim);
    r.get("/inbox", inbox::show_inbox);
    r.post("/inbox/read", inbox::mark_read);
    r.get("/views", inbox::show_views);
    r.post("/views", inbox::save_view);
    r.post("/views/{id}/delete", inbox::delete_view);
    r.get("/dashboard", inbox::show_dashboard);
    r.get("/sources", sources::show_sources);
    r.post("/sources", sources::create_source);
    r.post("/sources/{id}/poll", sources::poll_source);
    r.post("/sources/{id}/pause", sources::pause_source);
    r.post("/sources/{id}/resume", sources::resume_source);
    r.get("/jobs", sources::show_jobs);
    r.get("/jobs/{id}", sources::show_job);
    r.post("/jobs/{id}/retry", sources::retry_job);
    r.get("/dashboard/csv/{chart}", inbox::dashboard_csv);
    r.get("/export", reports::export_form);
    r.get("/export/download", reports::download_export);
    r.get("/export/report", reports::open_report);

    r.get("/admin", admin::show_admin);
    r.post("/admin", admin::post_admin_page);
    r.post("/admin/users", admin::create_user);
    r.post("/admin/users/{id}/role", admin::set_role);
    r.post("/admin/users/{id}/disable", admin::disable_user);
    r.post("/admin/users/{id}/enable", admin::enable_user);
    r.post("/admin/users/{id}/password", admin::set_password);
    r.post("/admin/users/{id}/sessions/end", admin::end_sessions);
    r.post("/admin/tokens", admin::create_token);
    r.post("/admin/tokens/{id}/revoke", admin::revoke_token);

    r.get("/api/v1/openapi.json", api::openapi_json);
    r.get("/api/v1/articles", api::articles::list_articles);
    r.post("/api/v1/articles", api::articles::create_article);
    r.get("/api/v1/articles/{id}", api::articles::get_article);
    r.patch("/api/v1/articles/{id}", api::articles::edit_article);
    r.post("/api/v1/articles/{id}/claims", api::articles::add_claim);
    r.post(
        "/api/v1/articles/{id}/archive",
        api::articles::archive_article,
    );
    r.post(
        "/api/v1/articles/{id}/restore",
        api::articles::restore_article,
    );
    r.get("/api/v1/claims", api::claims::list_claims);
    r.post("/api/v1/claims/bulk", api::claims::bulk_claims);
    r.get("/api/v1/tags", api::claims::list_tags);
    r.post("/api/v1/tags", api::claims::create_tag);
    r.get("/api/v1/claims/{id}", api::claims::get_claim);
    r.patch("/api/v1/claims/{id}", api::claims::edit_claim);
    r.post("/api/v1/claims/{id}/merge", api::claims::merge_claim);
    r.post("/api/v1/claims/{id}/unmerge", api::claims::unmerge_claim);
    r.post("/api/v1/claims/{id}/split", api::claims::split_claim);
    r.post(
        "/api/v1/claims/{id}/transitions",
        api::claims::transition_claim,
    );
    r.post("/api/v1/claims/{id}/evidence", api::claims::add_evidence);
    r.post(
        "/api/v1/claims/{id}/evidence/{evidence_id}/retract",
        api::claims::retract_evidence,
    );
    r.get("/api/v1/claims/{id}/events", api::claims::list_events);
    r.post("/api/v1/score", api::score::score_texts);
    r.get("/api/v1/export", api::export::export_report);
    r.post("/api/v1/match", api::matching::match_text);
    r.get("/api/v1/claims/{id}/matches", api::matching::claim_matches);
    r.post("/api/v1/fact-checks", api::matching::import_fact_checks);
    r.get("/api/v1/notifications", api::desk::list_notifications);
    r.post("/api/v1/notifications/read", api::desk::mark_read);
    r.get("/api/v1/views", api::desk::list_views);
    r.post("/api/v1/views", api::desk::save_view);
    r.post("/api/v1/views/{id}/delete", api::desk::delete_view);
    r.post("/api/v1/claims/{id}/follow", api::desk::follow_claim);
    r.get("/api/v1/stats", api::desk::stats);
    r.get("/api/v1/sources", api::sources::list_sources);
    r.post("/api/v1/sources", api::sources::create_source);
    r.get("/api/v1/sources/{id}", api::sources::get_source);
    r.post("/api/v1/sources/{id}/poll", api::sources::poll_source);
    r.get("/api/v1/jobs", api::sources::list_jobs);
    r.get("/api/v1/jobs/{id}", api::sources::get_job);
    r.post("/api/v1/jobs/{id}/retry", api::sources::retry_job);
    r.get("/api/v1/webhooks", api::webhooks::list_webhooks);
    r.post("/api/v1/webhooks", api::webhooks::create_webhook);
    r.patch("/api/v1/webhooks/{id}", api::webhooks::edit_webhook);
    r.get(
        "/api/v1/webhooks/{id}/deliveries",
        api::webhooks::list_deliveries,
    );
    r.post("/api/v1/webhooks/{id}/test", api::webhooks::test_webhook);
    r.post(
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
        api::webhooks::redeliver,
    );
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut routes = Routes {
        cfg: Some(cfg),
        table: Vec::new(),
    };
    register(&mut routes);
    // Registered last, so they only see requests no route above took: a known address
    // asked with another method gets 405 and the methods it takes, not "not found".
    let mut allowed: Vec<(&'static str, Vec<String>)> = Vec::new();
    for (method, path) in &routes.table {
        match allowed.iter_mut().find(|(p, _)| p == path) {
            Some((_, methods)) => methods.push(method.to_string()),
            None => allowed.push((path, vec![method.to_string()])),
        }
    }
    if let Some(cfg) = routes.cfg {
        for (path, mut methods) in allowed {
            if methods.iter().any(|m| m == "GET") {
                methods.push("HEAD".into());
            }
            let allow = methods.join(", ");
            cfg.route(
                path,
                web::route().to(move || {
                    let allow = allow.clone();
                    async move { Err::<HttpResponse, _>(AppError::MethodNotAllowed { allow }) }
                }),
            );
        }
    }
}

/// Every (method, path pattern) the app serves.
pub fn table() -> Vec<(Method, &'static str)> {
    let mut routes = Routes {
        cfg: None,
        table: Vec::new(),
    };
    register(&mut routes);
    routes.table
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound("page"))
}

/// The status a refused form is shown again with, next to what was typed (the person's
/// mistake: 400, 403, 409, 422); `None` when the error gets an error page instead.
pub fn form_refusal(err: &AppError) -> Option<actix_web::http::StatusCode> {
    use actix_web::ResponseError;
    use actix_web::http::StatusCode;
    let status = err.status_code();
    matches!(
        status,
        StatusCode::CONFLICT
            | StatusCode::UNPROCESSABLE_ENTITY
            | StatusCode::FORBIDDEN
            | StatusCode::BAD_REQUEST
    )
    .then_some(status)
}

/// `?done=…` after a successful form: which one-line confirmation the next page shows. Only
/// the fixed keys a page lists are understood, so the address cannot put words on the page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Done {
    #[serde(default)]
    pub done: String,
}

impl Done {
    /// The confirmation `known` gives for this key, if any.
    pub fn notice(&self, known: &[(&str, &'static str)]) -> Option<&'static str> {
        known
            .iter()
            .find(|(key, _)| *key == self.done)
            .map(|(_, notice)| *notice)
    }
}

/// POST-redirect-GET after a successful form: a 303 to `path` with its confirmation key.
pub fn done(path: &str, what: &str) -> HttpResponse {
    see_other(&format!("{path}?done={what}"))
}

/// 303 See Other: where a successful form POST sends the browser.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .finish()
}

/// The client address used for throttling: the peer, or X-Forwarded-For behind a trusted proxy.
pub fn client_address(req: &HttpRequest, trust_proxy: bool) -> String {
    let info = req.connection_info();
    let address = if trust_proxy {
        info.realip_remote_addr()
    } else {
        info.peer_addr()
    };
    let address = address.unwrap_or("unknown");
    // Strip the port: attempts from one host count together.
    match address.parse::<std::net::SocketAddr>() {
        Ok(sock) => sock.ip().to_string(),
        Err(_) => address.to_owned(),
    }
}

/// Every value of `key` in the query string, in order (`tag=a&tag=b`); typed query structs
/// take a key once, so repeated ones are read here.
pub fn query_values(req: &HttpRequest, key: &str) -> Vec<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// Reads an id from the path, with a 404 (not a 400) for anything that is not one.
pub fn parse_id<Id: From<i64>>(text: &str, what: &'static str) -> Result<Id, AppError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(Id::from)
        .ok_or(AppError::NotFound(what))
}

/// The `format` parameter of a report download; the filters are read from the same query
/// string separately.
#[derive(Debug, serde::Deserialize)]
pub struct FormatParam {
    pub format: ExportFormat,
}

/// Starts the export and streams it as an attachment; shared by the export page and the API.
/// Bad filters fail here, before any byte of the body.
pub async fn streamed_report(
    state: &AppState,
    format: ExportFormat,
    request: &ExportRequest,
) -> Result<HttpResponse, AppError> {
    report_response(state, format, request, DispositionType::Attachment).await
}

/// The policy of a report opened in the browser: its own inline stylesheet and nothing else
/// (no script, no outside resource, no form), so the page can be read and printed as it is.
pub const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Streams the printable report to be shown in the browser rather than saved.
pub async fn inline_report(
    state: &AppState,
    request: &ExportRequest,
) -> Result<HttpResponse, AppError> {
    let mut res =
        report_response(state, ExportFormat::Html, request, DispositionType::Inline).await?;
    res.headers_mut().insert(
        actix_web::http::header::CONTENT_SECURITY_POLICY,
        actix_web::http::header::HeaderValue::from_static(REPORT_CSP),
    );
    Ok(res)
}

async fn report_response(
    state: &AppState,
    format: ExportFormat,
    request: &ExportRequest,
    disposition: DispositionType,
) -> Result<HttpResponse, AppError> {
    let now = Utc::now();
    let report = start_export(&state.pool, request, format, &state.config.reports, now).await?;
    let disposition = ContentDisposition {
        disposition,
        parameters: vec![DispositionParam::Filename(download_name(format, now))],
    };
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((CONTENT_DISPOSITION, disposition))
        .streaming(report.into_body()))
}
