//! Typed settings, read once from flags and environment variables. Secrets are never printed.

use actix_web::http::header::HeaderValue;
use clap::Args;

/// Settings shared by every command that talks to the database.
#[derive(Debug, Clone, Args)]
pub struct DatabaseSettings {
    /// PostgreSQL URL. Without it claimdesk uses postgres://localhost/claimdesk (created if
    /// missing), or starts a private cluster under ./var/postgres when no server answers.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Connections in the pool of each process.
    #[arg(long, env = "CLAIMDESK_POOL_SIZE", default_value_t = 16, global = true)]
    pub pool_size: usize,
}

/// Settings of the extractor, shared by `serve`, `import` and `extract`.
#[derive(Debug, Clone, Args)]
pub struct ExtractSettings {
    /// Sentences scoring at or above this check-worthiness become claims.
    #[arg(
        long,
        env = "CLAIMDESK_CLAIM_THRESHOLD",
        default_value_t = 0.5,
        global = true,
        value_parser = unit_interval
    )]
    pub claim_threshold: f32,

    /// Largest article accepted, in bytes.
    #[arg(long, env = "CLAIMDESK_MAX_ARTICLE_BYTES", default_value_t = 2 * 1024 * 1024, global = true)]
    pub max_article_bytes: usize,

    /// pg_trgm similarity at or above which a stored claim from another article counts as a duplicate.
    #[arg(
        long,
        env = "CLAIMDESK_DUPLICATE_THRESHOLD",
        default_value_t = 0.6,
        global = true,
        value_parser = unit_interval
    )]
    pub duplicate_threshold: f32,

    /// Let URL imports reach loopback addresses (for tests; private and link-local stay refused).
    #[arg(
        long,
        env = "CLAIMDESK_FETCH_ALLOW_LOOPBACK",
        default_value_t = false,
        global = true
    )]
    pub fetch_allow_loopback: bool,
}

/// A score or similarity setting: a number from 0 to 1 (NaN would make every
/// comparison false and silently turn a feature off).
fn unit_interval(text: &str) -> Result<f32, String> {
    let value: f32 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{text} is not between 0 and 1"))
    }
}

/// An http(s) address; reports put it into links, so nothing else may pass.
fn web_address(text: &str) -> Result<String, String> {
    if crate::domain::urls::is_web_url(text) {
        Ok(text.to_owned())
    } else {
        Err(format!("{text:?} is not an http or https address"))
    }
}

impl ExtractSettings {
    pub fn extract_config(&self) -> crate::extract::ExtractConfig {
        crate::extract::ExtractConfig {
            threshold: self.claim_threshold,
            max_bytes: self.max_article_bytes,
            ..crate::extract::ExtractConfig::default()
        }
    }
}

/// Settings of reports.
#[derive(Debug, Clone, Args)]
pub struct ReportSettings {
    /// Name of the fact-checking organisation, the author of ClaimReview items.
    #[arg(
        long,
        env = "CLAIMDESK_ORG_NAME",
        default_value = "claimdesk",
        global = true
    )]
    pub org_name: String,

    /// Home page of the fact-checking organisation.
    #[arg(long, env = "CLAIMDESK_ORG_URL", global = true, value_parser = web_address)]
    pub org_url: Option<String>,

    /// Public base URL of the verdict pages ({base}/checks/{id}-{slug}), used in every
    /// absolute link: ClaimReview, the feed, the sitemap, reports. `serve` defaults it to
    /// http://{bind}; set it in production to the address readers use.
    #[arg(long, env = "CLAIMDESK_PUBLIC_URL", global = true, value_parser = web_address)]
    pub public_url: Option<String>,
}

/// Where the web server listens by default; also the public address of commands that do not
/// serve (an export run from the shell) when `--public-url` is not given.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

impl ReportSettings {
    /// The public base URL, without a trailing slash.
    pub fn public_base(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{DEFAULT_BIND}"),
        }
    }

    /// Fills in the public URL from the address `serve` binds to, when none was given.
    pub fn defaulting_to_bind(mut self, bind: &str) -> Self {
        if self.public_url.is_none() {
            self.public_url = Some(format!("http://{bind}"));
        }
        self
    }
}

/// Who public verdict pages name as the people behind a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PublicCredit {
    /// The reviewer and the approver by name.
    People,
    /// Only the organisation (`--org-name`).
    Organisation,
}

/// Settings of the public face: verdict pages, the feed, the sitemap and the embeddable card.
#[derive(Debug, Clone, Args)]
pub struct PublicSettings {
    /// Whether public pages name the reviewer and approver, or only the organisation.
    #[arg(long, env = "CLAIMDESK_PUBLIC_CREDIT", value_enum, default_value_t = PublicCredit::Organisation)]
    pub public_credit: PublicCredit,

    /// Public requests one client address may make per minute (0: no limit).
    #[arg(long, env = "CLAIMDESK_PUBLIC_RATE_LIMIT", default_value_t = 300)]
    pub public_rate_limit: i32,

    /// Seconds browsers and CDNs may keep a public page before revalidating it.
    #[arg(long, env = "CLAIMDESK_PUBLIC_MAX_AGE", default_value_t = 300)]
    pub public_max_age: u32,

    /// The sites that may frame the embeddable verdict card (a CSP frame-ancestors source
    /// list, e.g. "https://news.example https://*.partner.example"; "*" for any site). Every
    /// other page refuses to be framed.
    #[arg(long, env = "CLAIMDESK_EMBED_FRAME_ANCESTORS", default_value = "*", value_parser = frame_sources)]
    pub embed_frame_ancestors: EmbedPolicy,
}

impl Default for PublicSettings {
    fn default() -> Self {
        PublicSettings {
            public_credit: PublicCredit::Organisation,
            public_rate_limit: 300,
            public_max_age: 300,
            embed_frame_ancestors: EmbedPolicy::any_site(),
        }
    }
}

/// The embeddable card's Content-Security-Policy, up to its `frame-ancestors` sources.
macro_rules! embed_policy {
    () => {
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; \
         form-action 'none'; frame-ancestors "
    };
}

/// The embeddable card's Content-Security-Policy header, built once from the sites that may
/// frame it (checked at start-up, so no request can find it unusable).
#[derive(Debug, Clone)]
pub struct EmbedPolicy {
    sources: String,
    header: HeaderValue,
}

impl EmbedPolicy {
    /// Any site may frame the card.
    fn any_site() -> EmbedPolicy {
        EmbedPolicy {
            sources: "*".into(),
            header: HeaderValue::from_static(concat!(embed_policy!(), "*")),
        }
    }

    /// The source list, as given (whitespace runs made one space).
    pub fn sources(&self) -> &str {
        &self.sources
    }

    /// The whole `Content-Security-Policy` value of the card.
    pub fn header(&self) -> &HeaderValue {
        &self.header
    }
}

/// A CSP source list: visible ASCII words without `;`, `,` or `"`, which could end the
/// directive and add others; anything else (control or non-ASCII characters) could not be sent
/// in a header.
fn frame_sources(text: &str) -> Result<EmbedPolicy, String> {
    let text = text.trim();
    let refused = |why: &str| format!("{text:?} is not a frame-ancestors source list: {why}");
    if text.is_empty() {
        return Err(refused("it is empty"));
    }
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_ascii_graphic() || *c == ' ') || matches!(*c, ';' | ',' | '"'))
    {
        return Err(refused(&format!(
            "{c:?} is not allowed (only visible ASCII, without ; , or \")"
        )));
    }
    let sources = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let header = HeaderValue::from_str(&format!(concat!(embed_policy!(), "{}"), sources))
        .map_err(|_| refused("it cannot be sent in a header"))?;
    Ok(EmbedPolicy { sources, header })
}

/// Settings of the web server.
#[derive(Debug, Clone, Args)]
pub struct ServerSettings {
    /// Address to listen on.
    #[arg(long, env = "CLAIMDESK_BIND", default_value = DEFAULT_BIND)]
    pub bind: String,

    /// Set when served over HTTPS: cookies get Secure and the __Host- prefix.
    #[arg(long, env = "CLAIMDESK_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Sessions end after this many minutes without a request.
    #[arg(long, env = "CLAIMDESK_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: i64,

    /// Sessions end this many hours after login, however active.
    #[arg(long, env = "CLAIMDESK_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: i64,

    /// Trust the client address in X-Forwarded-For (only behind a proxy that sets it).
    #[arg(long, env = "CLAIMDESK_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// Worker threads (default: one per core).
    #[arg(long, env = "CLAIMDESK_WORKERS")]
    pub workers: Option<usize>,

    /// Password hashes computed at once (19 MiB each); the rest wait (default: one per core).
    #[arg(long, env = "CLAIMDESK_HASH_CONCURRENCY")]
    pub hash_concurrency: Option<usize>,

    /// Load the matching model at start instead of on the first match (it keeps ~90 MB
    /// resident once loaded, so a process that never matches is better off without it).
    #[arg(long, env = "CLAIMDESK_PRELOAD_MODEL", default_value_t = false)]
    pub preload_model: bool,

    /// A claim in review with no change for this many days counts as stale in the queue.
    #[arg(long, env = "CLAIMDESK_STALE_DAYS", default_value_t = 7, value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub stale_days: i64,

    /// On SIGINT or SIGTERM, seconds to let requests in flight finish before cutting them.
    #[arg(long, env = "CLAIMDESK_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,
}

/// Settings of the background workers (in `serve` and in `claimdesk worker`) and of fetching
/// from sources.
#[derive(Debug, Clone, Args)]
pub struct JobSettings {
    /// Background job workers in this process; 0 runs none (then run `claimdesk worker`).
    #[arg(
        long,
        env = "CLAIMDESK_JOB_WORKERS",
        default_value_t = 2,
        global = true
    )]
    pub job_workers: usize,

    /// Seconds a worker holds a job before another may take it; renewed while the job runs,
    /// so it only runs out when the worker died.
    #[arg(long, env = "CLAIMDESK_JOB_LEASE_SECONDS", default_value_t = 60, global = true,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub job_lease_seconds: u64,

    /// Attempts a job from a source gets before it fails for good.
    #[arg(long, env = "CLAIMDESK_JOB_ATTEMPTS", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(i32).range(1..=100))]
    pub job_attempts: i32,

    /// Wait before the second attempt, in seconds; doubled for each one after, up to an hour.
    #[arg(
        long,
        env = "CLAIMDESK_JOB_BACKOFF_SECONDS",
        default_value_t = 10.0,
        global = true
    )]
    pub job_backoff_seconds: f64,

    /// How often an idle worker looks for work, in milliseconds.
    #[arg(long, env = "CLAIMDESK_JOB_POLL_MS", default_value_t = 500, global = true,
          value_parser = clap::value_parser!(u64).range(10..=60000))]
    pub job_poll_ms: u64,

    /// Least time between two fetches from one host, in milliseconds, across all processes
    /// (a longer Crawl-delay in the site's robots.txt wins).
    #[arg(
        long,
        env = "CLAIMDESK_FETCH_HOST_INTERVAL_MS",
        default_value_t = 1000,
        global = true
    )]
    pub fetch_host_interval_ms: u64,

    /// Days a finished job (done or failed) stays on the jobs page before the housekeeping
    /// deletes it; imports from sources keep their row, the record that the address was seen.
    #[arg(long, env = "CLAIMDESK_JOB_RETENTION_DAYS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(i32).range(1..=36500))]
    pub job_retention_days: i32,
}

impl JobSettings {
    /// The wait before the attempt after `attempts` failed ones.
    pub fn backoff_secs(&self, attempts: i32) -> f64 {
        let doublings = attempts.clamp(1, 20) - 1;
        (self.job_backoff_seconds.max(0.0) * f64::from(1u32 << doublings)).min(3600.0)
    }
}

/// Settings of webhook deliveries, shared by every process that sends them.
#[derive(Debug, Clone, Args)]
pub struct WebhookSettings {
    /// Seconds a receiver has to answer a delivery (connecting included).
    #[arg(long, env = "CLAIMDESK_WEBHOOK_TIMEOUT", default_value_t = 10, global = true, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub webhook_timeout: u64,

    /// Seconds a process holds a delivery it claimed; a process that dies mid-delivery leaves
    /// it to others after this. Must exceed the timeout.
    #[arg(long, env = "CLAIMDESK_WEBHOOK_LEASE", default_value_t = 60, global = true, value_parser = clap::value_parser!(u64).range(2..=3600))]
    pub webhook_lease: u64,

    /// Milliseconds before the first retry of a failed delivery; each retry doubles it (up to
    /// two hours, with jitter) until a day has passed, then the delivery is marked failed.
    #[arg(long, env = "CLAIMDESK_WEBHOOK_RETRY_BASE_MS", default_value_t = 5000, global = true, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub webhook_retry_base_ms: u64,

    /// Milliseconds between two looks for due deliveries when there were none.
    #[arg(long, env = "CLAIMDESK_WEBHOOK_POLL_MS", default_value_t = 500, global = true, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub webhook_poll_ms: u64,

    /// Deliveries each process sends at once.
    #[arg(long, env = "CLAIMDESK_WEBHOOK_CONCURRENCY", default_value_t = 16, global = true, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub webhook_concurrency: u64,

    /// Seconds a delivery to a disabled endpoint waits for it to be enabled again; older ones
    /// are marked abandoned (the log shows them so; "redeliver" still sends one).
    #[arg(long, env = "CLAIMDESK_WEBHOOK_ABANDON_AFTER", default_value_t = 86_400, global = true, value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub webhook_abandon_after: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            webhook_timeout: 10,
            webhook_lease: 60,
            webhook_retry_base_ms: 5000,
            webhook_poll_ms: 500,
            webhook_concurrency: 16,
            webhook_abandon_after: 86_400,
        }
    }
}

impl WebhookSettings {
    /// Refuses a lease no longer than the timeout: a slow receiver would then see a delivery
    /// sent twice, by this process and by the one that took over the lease.
    pub fn check(&self) -> Result<(), String> {
        if self.webhook_lease <= self.webhook_timeout {
            return Err(format!(
                "--webhook-lease ({} s) must be longer than --webhook-timeout ({} s)",
                self.webhook_lease, self.webhook_timeout
            ));
        }
        Ok(())
    }
}

/// Everything the running web app needs to know, assembled from the groups above.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub server: ServerSettings,
    pub extract: ExtractSettings,
    pub reports: ReportSettings,
    pub public: PublicSettings,
    pub jobs: JobSettings,
    pub webhooks: WebhookSettings,
}

impl AppConfig {
    pub fn session_cookie_name(&self) -> &'static str {
        if self.server.secure_cookies {
            "__Host-claimdesk_session"
        } else {
            "claimdesk_session"
        }
    }

    pub fn login_cookie_name(&self) -> &'static str {
        if self.server.secure_cookies {
            "__Host-claimdesk_login"
        } else {
            "claimdesk_login"
        }
    }
}

/// Removes the password from a database URL so it can be logged or shown.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                // Setting a password only fails for URLs that cannot have one, which this has.
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "(unparseable URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{EmbedPolicy, frame_sources, redact_url};

    #[test]
    fn frame_sources_are_visible_ascii_and_build_the_card_policy_once() {
        let policy = frame_sources("  https://news.example   https://*.partner.example ");
        let policy = policy.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            policy.sources(),
            "https://news.example https://*.partner.example"
        );
        assert_eq!(
            policy.header().to_str().ok(),
            Some(
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; \
                 form-action 'none'; frame-ancestors https://news.example https://*.partner.example"
            )
        );
        let any = frame_sources("*").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(any.header(), EmbedPolicy::any_site().header());
        for bad in [
            "",
            "https://a.example; script-src *",
            "https://a, https://b",
            "\"x\"",
            "https://a\tb",
            "https://bücher.example",
            "https://a.example\u{a0}https://b.example",
        ] {
            assert!(frame_sources(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://bob:secret@db:5432/x"),
            "postgres://bob:***@db:5432/x"
        );
        assert_eq!(
            redact_url("postgres://localhost/claimdesk"),
            "postgres://localhost/claimdesk"
        );
        assert_eq!(redact_url("not a url"), "(unparseable URL)");
    }
}
