//! Builds the web app: shared state, middleware and the route table; binds and runs the server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{App, HttpServer, web};

use crate::config::AppConfig;
use crate::db::DbPool;
use crate::routes;
pub use crate::services::AppState;

/// Headers on every response, error pages included.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
}

/// Starts the server on an already-bound listener (tests bind port 0 and read the port back).
pub fn run(listener: TcpListener, pool: DbPool, config: AppConfig) -> std::io::Result<Server> {
    let workers = config.server.workers;
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
            .wrap(security_headers())
            .wrap(tracing_actix())
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
    })
    .listen(listener)?;
    if let Some(n) = workers {
        server = server.workers(n.max(1));
    }
    Ok(server.run())
}

fn tracing_actix() -> actix_web::middleware::Logger {
    // Paths only: query strings may carry search text, never secrets, but keep logs lean.
    actix_web::middleware::Logger::new("%a \"%r\" %s %b %Dms").exclude("/healthz")
}
