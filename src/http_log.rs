//! The access log: one line per response, written when its body has been sent in full or
//! dropped. A response cut short (the client went away, or shutdown's deadline passed) is
//! logged as incomplete with the bytes actually sent, never as a plain success.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Bytes;

use crate::auth::extractors::CurrentUser;

/// Responses whose body is still being sent, in this process.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// Responses cut after shutdown began.
static CUT_AT_SHUTDOWN: AtomicUsize = AtomicUsize::new(0);
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

/// Responses still being sent.
pub fn in_flight() -> usize {
    IN_FLIGHT.load(Ordering::SeqCst)
}

/// From now on a cut response counts against a clean shutdown.
pub fn begin_shutdown() {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
}

/// Responses cut since shutdown began.
pub fn cut_at_shutdown() -> usize {
    CUT_AT_SHUTDOWN.load(Ordering::SeqCst)
}

pub async fn log_response(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let line = RequestLine {
        peer: req
            .peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_default(),
        // The path only: query strings may carry search text.
        request: format!("{} {}", req.method(), req.path()),
        quiet: req.path() == "/healthz",
        head: req.method() == actix_web::http::Method::HEAD,
        user: String::new(),
    };
    let res = next.call(req).await?;
    let status = res.status().as_u16();
    // Who: the user the request was authenticated as, if it got that far.
    let user = res
        .request()
        .extensions()
        .get::<CurrentUser>()
        .map_or_else(|| "-".to_owned(), |u| u.username.clone());
    let line = RequestLine { user, ..line };
    Ok(res.map_body(move |_, body| {
        let body = body.boxed();
        // A body of no or zero length is never polled; it is complete as it is.
        let done = line.head || matches!(body.size(), BodySize::None | BodySize::Sized(0));
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        LoggedBody {
            body,
            line,
            status,
            started,
            sent: 0,
            done,
        }
    }))
}

struct RequestLine {
    peer: String,
    request: String,
    quiet: bool,
    head: bool,
    user: String,
}

/// A response body that logs itself when dropped.
pub struct LoggedBody {
    body: BoxBody,
    line: RequestLine,
    status: u16,
    started: Instant,
    sent: u64,
    done: bool,
}

impl MessageBody for LoggedBody {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let polled = Pin::new(&mut self.body).poll_next(cx);
        match &polled {
            Poll::Ready(Some(Ok(chunk))) => self.sent += chunk.len() as u64,
            Poll::Ready(None) => self.done = true,
            _ => {}
        }
        polled
    }
}

impl Drop for LoggedBody {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        let ms = self.started.elapsed().as_millis() as u64;
        let RequestLine {
            peer,
            request,
            user,
            ..
        } = &self.line;
        let (status, bytes) = (self.status, self.sent);
        if self.done {
            if !self.line.quiet {
                tracing::info!(%peer, %user, %request, status, bytes, ms, "response sent");
            }
        } else {
            if SHUTTING_DOWN.load(Ordering::SeqCst) {
                CUT_AT_SHUTDOWN.fetch_add(1, Ordering::SeqCst);
            }
            tracing::warn!(%peer, %user, %request, status, bytes, ms, "response incomplete: cut after {bytes} bytes");
        }
    }
}
