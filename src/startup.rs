//! Builds the web app: shared state, middleware and the route table; binds and runs the server.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{App, HttpServer, web};

use crate::config::{AppConfig, ExtractSettings, JobSettings, WebhookSettings};
use crate::db::DbPool;
use crate::routes;
pub use crate::services::AppState;
use crate::services::jobs::JobContext;
use crate::services::worker::{self, Background};

/// HSTS lifetime when served over HTTPS: two years (ASVS asks for at least one).
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Headers on every response, error pages included; HSTS too when served over HTTPS
/// (`--secure-cookies`), since a browser must only be pinned to HTTPS when HTTPS is there.
pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = if https {
        DefaultHeaders::new().add(("Strict-Transport-Security", HSTS))
    } else {
        DefaultHeaders::new()
    };
    headers
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
}

/// `X-Frame-Options: DENY` on every response but the embeddable verdict card, which its
/// handler marks [`routes::public::Frameable`] (its CSP `frame-ancestors` says who may frame
/// it). Everything else refuses framing twice: this header and the CSP's `frame-ancestors 'none'`.
pub async fn refuse_framing(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let frameable = res
        .response()
        .extensions()
        .get::<routes::public::Frameable>()
        .is_some();
    if !frameable {
        res.headers_mut().insert(
            actix_web::http::header::X_FRAME_OPTIONS,
            actix_web::http::header::HeaderValue::from_static("DENY"),
        );
    }
    Ok(res)
}

/// Every loop this process runs in the background, started together and stopped by one
/// signal: `serve` and `claimdesk worker` both start this list. A feature with a loop of its
/// own adds it here.
/// `grace` is how long a job in hand may run on after the shutdown signal.
pub fn background(
    pool: &DbPool,
    extract: &ExtractSettings,
    jobs: &JobSettings,
    webhooks: Option<&WebhookSettings>,
    grace: Duration,
) -> Background {
    let mut background = Background::new();
    let context = JobContext {
        pool: pool.clone(),
        extract: extract.clone(),
        jobs: jobs.clone(),
    };
    worker::start_job_workers(&mut background, context, jobs.job_workers, grace);
    // Every process sends webhook deliveries too: the outbox is claimed row by row, so any
    // number of them share it.
    if let Some(webhooks) = webhooks {
        let (pool, settings, allow_loopback) =
            (pool.clone(), webhooks.clone(), extract.fetch_allow_loopback);
        background.spawn("webhook deliveries", move |stop| {
            crate::services::webhooks::run_deliveries(
                pool,
                settings,
                allow_loopback,
                stop.into_receiver(),
            )
        });
    }
    background
}

/// Starts the server on an already-bound listener (tests bind port 0 and read the port back),
/// with the job workers running for as long as the runtime does.
pub fn run(listener: TcpListener, pool: DbPool, config: AppConfig) -> std::io::Result<Server> {
    let background = background(
        &pool,
        &config.extract,
        &config.jobs,
        // Webhook deliveries are started by `serve` and `claimdesk worker`, not here: the
        // tests that embed the app run their own deliverer with the settings under test.
        None,
        Duration::from_secs(config.server.shutdown_timeout),
    );
    tokio::spawn(async move {
        let _running = background;
        std::future::pending::<()>().await
    });
    run_server(listener, pool, config)
}

/// Starts the server alone; the caller runs [`background`] and stops it.
pub fn run_server(
    listener: TcpListener,
    pool: DbPool,
    config: AppConfig,
) -> std::io::Result<Server> {
    let workers = config.server.workers;
    let https = config.server.secure_cookies;
    let shutdown_timeout = config.server.shutdown_timeout;
    crate::auth::password::limit_concurrency(
        config
            .server
            .hash_concurrency
            .unwrap_or_else(crate::auth::password::default_hash_concurrency),
    );
    let state = web::Data::new(AppState { pool, config });
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(crate::auth::csrf::FORM_LIMIT))
            .app_data(routes::api::json_config())
            .app_data(routes::api::query_config())
            .app_data(routes::api::path_config())
            .wrap(actix_web::middleware::from_fn(
                crate::auth::extractors::authenticate_api,
            ))
            .wrap(ErrorHandlers::new().default_handler(routes::error_pages::render))
            .wrap(security_headers(https))
            .wrap(actix_web::middleware::from_fn(refuse_framing))
            .wrap(actix_web::middleware::from_fn(
                crate::http_log::log_response,
            ))
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
    })
    // Signals are handled by the caller (see shutdown.rs): the first one drains, a second forces.
    .disable_signals()
    .shutdown_timeout(shutdown_timeout)
    .listen(listener)?;
    if let Some(n) = workers {
        server = server.workers(n.max(1));
    }
    Ok(server.run())
}
