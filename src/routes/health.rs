//! Liveness and readiness probes for load balancers.

use actix_web::{HttpResponse, web};
use diesel_async::SimpleAsyncConnection;

use crate::startup::AppState;

/// The process is alive.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok\n")
}

/// The database answers: 503 with a short reason when it does not.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ready = async {
        let mut conn = state.pool.get().await.map_err(|_| "database unreachable")?;
        conn.batch_execute("SELECT 1")
            .await
            .map_err(|_| "database not answering")?;
        Ok::<_, &str>(())
    };
    match tokio::time::timeout(std::time::Duration::from_secs(3), ready).await {
        // The model never makes the service unready (matching falls back to lexical
        // ranking), but its state is said here.
        Ok(Ok(())) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(format!("ready\n{}\n", model_line())),
        Ok(Err(reason)) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body(format!("{reason}\n")),
        Err(_) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("database timed out\n"),
    }
}

fn model_line() -> String {
    // Readiness probes must not pull ~90 MB into a process that has not needed the model.
    let Some(embedder) = crate::embed::loaded() else {
        return "model: not loaded yet (it loads on the first match)".into();
    };
    match embedder.state() {
        crate::embed::ModelState::Ready => format!("model: ready ({})", crate::embed::MODEL_ID),
        crate::embed::ModelState::Unavailable(why) => {
            format!("model: unavailable, lexical matching only ({why})")
        }
    }
}
