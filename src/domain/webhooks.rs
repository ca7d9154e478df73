//! Webhooks as plain rules: the events an endpoint may subscribe to, the Standard Webhooks
//! signature, and when a failed delivery is tried again. No clock: times are passed in.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a webhook announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookEvent {
    /// A verdict was approved for the first time: it is published.
    VerdictApproved,
    /// A verdict that corrects a published one was approved.
    VerdictCorrected,
    /// A claim was stored (extracted from an import, or added by hand).
    ClaimCreated,
    /// An article was imported, with its claims.
    ArticleImported,
    /// Sent by an admin's "send test"; no endpoint subscribes to it.
    Test,
}

impl WebhookEvent {
    /// The events an endpoint may subscribe to.
    pub const SUBSCRIBABLE: [WebhookEvent; 4] = [
        WebhookEvent::VerdictApproved,
        WebhookEvent::VerdictCorrected,
        WebhookEvent::ClaimCreated,
        WebhookEvent::ArticleImported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::VerdictApproved => "verdict.approved",
            WebhookEvent::VerdictCorrected => "verdict.corrected",
            WebhookEvent::ClaimCreated => "claim.created",
            WebhookEvent::ArticleImported => "article.imported",
            WebhookEvent::Test => "webhook.test",
        }
    }
}

impl std::fmt::Display for WebhookEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses the events an endpoint subscribes to: at least one, each known, repeats dropped,
/// in the order of [`WebhookEvent::SUBSCRIBABLE`].
pub fn parse_events<S: AsRef<str>>(names: &[S]) -> Result<Vec<WebhookEvent>, String> {
    let known = || {
        WebhookEvent::SUBSCRIBABLE
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if names.is_empty() {
        return Err(format!("name at least one event: {}", known()));
    }
    let mut chosen = Vec::new();
    for name in names {
        let name = name.as_ref().trim();
        let event = WebhookEvent::SUBSCRIBABLE
            .into_iter()
            .find(|e| e.as_str() == name)
            .ok_or_else(|| format!("unknown event {name:?}; expected one of: {}", known()))?;
        if !chosen.contains(&event) {
            chosen.push(event);
        }
    }
    chosen.sort_by_key(|e| WebhookEvent::SUBSCRIBABLE.iter().position(|k| k == e));
    Ok(chosen)
}

/// Secrets are `whsec_` and the base64 of the key bytes, as Standard Webhooks writes them.
pub const SECRET_PREFIX: &str = "whsec_";

/// The secret for `key` bytes.
pub fn secret_from_key(key: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256, keyed with the secret's
/// decoded bytes, of `{id}.{timestamp}.{body}`. `None` for a secret not in our format.
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{message_id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// How long failed deliveries keep being retried, counted from the event.
pub const GIVE_UP_AFTER: Duration = Duration::hours(24);

/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::hours(2);

/// When to try again after failed attempt number `attempts` (1 for the first), or `None` when
/// the next try would fall beyond [`GIVE_UP_AFTER`] from `created_at`: the delivery failed.
/// The wait doubles from `base` up to [`MAX_BACKOFF`], and `jitter` (0 to 1, drawn by the
/// caller) spreads it between half and all of that, so endpoints coming back from an outage
/// are not hit by every retry at once.
pub fn next_attempt(
    attempts: i32,
    base: Duration,
    jitter: f64,
    now: DateTime<Utc>,
    created_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
    let full = base
        .checked_mul(1 << doublings.min(20))
        .unwrap_or(MAX_BACKOFF)
        .min(MAX_BACKOFF);
    let spread = 0.5 + 0.5 * jitter.clamp(0.0, 1.0);
    let wait = Duration::milliseconds((full.num_milliseconds() as f64 * spread) as i64);
    let at = now + wait;
    (at <= created_at + GIVE_UP_AFTER).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_parsed_and_ordered() {
        assert_eq!(
            parse_events(&["claim.created", "verdict.approved", "claim.created"]),
            Ok(vec![
                WebhookEvent::VerdictApproved,
                WebhookEvent::ClaimCreated
            ])
        );
        assert!(parse_events::<&str>(&[]).is_err());
        let err = parse_events(&["verdict.deleted"]).unwrap_err();
        assert!(err.contains("verdict.deleted") && err.contains("article.imported"));
        assert!(parse_events(&["webhook.test"]).is_err());
    }

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The example from the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(sign("not-a-secret", "m", 1, body), None);
        assert_eq!(sign("whsec_***", "m", 1, body), None);
    }

    #[test]
    fn retries_back_off_with_jitter_and_stop_after_a_day() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let base = Duration::seconds(10);
        // Full jitter at 1: exactly the doubled wait; at 0: half of it.
        assert_eq!(next_attempt(1, base, 1.0, t0, t0), Some(t0 + base));
        assert_eq!(
            next_attempt(3, base, 1.0, t0, t0),
            Some(t0 + Duration::seconds(40))
        );
        assert_eq!(
            next_attempt(3, base, 0.0, t0, t0),
            Some(t0 + Duration::seconds(20))
        );
        // The wait never exceeds the cap, however many attempts.
        assert_eq!(next_attempt(40, base, 1.0, t0, t0), Some(t0 + MAX_BACKOFF));
        // Past a day from the event, the delivery fails instead.
        let late = t0 + GIVE_UP_AFTER - Duration::minutes(1);
        assert_eq!(next_attempt(12, base, 1.0, late, t0), None);
    }
}
