//! What each command does. Commands that need the database resolve it first (see db::bootstrap).

pub mod matching;

use std::net::TcpListener;

use crate::cli::{self, Cli, Command, TokenCommand, UserCommand};
use crate::config::{DatabaseSettings, ExtractSettings, redact_url};
use crate::db::tokens::ApiToken;
use crate::db::users::User;
use crate::db::{self, DbPool};
use crate::domain::{Role, TokenId};
use crate::error::AppError;
use crate::extract::{self, InputFormat};
use crate::services::accounts;
use crate::services::import::{ArticleInput, import_article, parse_date};

/// Starts the job workers and webhook deliveries of `serve` and `worker`, once the webhook
/// settings are known to be usable.
fn start_background(
    pool: &DbPool,
    extract: &ExtractSettings,
    jobs: &crate::config::JobSettings,
    webhooks: &crate::config::WebhookSettings,
    timeout: u64,
) -> anyhow::Result<crate::services::worker::Background> {
    webhooks.check().map_err(anyhow::Error::msg)?;
    Ok(crate::startup::background(
        pool,
        extract,
        jobs,
        Some(webhooks),
        std::time::Duration::from_secs(timeout),
    ))
}

/// Stops the background loops, giving the jobs in hand the shutdown timeout to finish.
async fn stop_background(background: crate::services::worker::Background, timeout: u64) {
    if background.is_empty() {
        return;
    }
    tracing::info!("stopping background workers");
    // Each job gets `timeout` to finish before it is released; a moment more lets the
    // release itself be written.
    let late = background
        .stop(std::time::Duration::from_secs(timeout + 5))
        .await;
    if !late.is_empty() {
        tracing::warn!(?late, "background loops did not stop in time");
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let Cli {
        database,
        extract,
        reports,
        jobs,
        webhooks,
        command,
        ..
    } = cli;
    match command {
        Command::Extract {
            file,
            format: cli::OutputFormat::Json,
            no_claim_rules,
        } => {
            let input = cli::read_input(&file, extract.max_article_bytes)?;
            let format = InputFormat::detect(&input, None, file.to_str());
            let config = extract::ExtractConfig {
                not_claim_rules: !no_claim_rules,
                ..extract.extract_config()
            };
            let document = extract::extract_bytes(&input, format, &config)?;
            cli::print_line(&serde_json::to_string_pretty(&document.claims)?)
        }
        Command::Score { file } => score_lines(file, extract.max_article_bytes).await,
        Command::Migrate => {
            let url = resolve(&database).await?;
            let applied = db::run_migrations(&url).await?;
            tracing::info!(count = applied.len(), "migrations applied");
            Ok(())
        }
        Command::Serve {
            server,
            public,
            demo,
        } => {
            let pool = connect(&database).await?;
            // The matching model loads on its first use unless asked for now; either way
            // serving does not wait for it.
            if server.preload_model {
                tokio::task::spawn_blocking(crate::embed::shared);
            }
            if demo {
                load_demo(&pool, &extract).await?;
            }
            let listener = TcpListener::bind(&server.bind)
                .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", server.bind))?;
            tracing::info!(address = %server.bind, "claimdesk is listening: open http://{}/", server.bind);
            let timeout = server.shutdown_timeout;
            let background = start_background(&pool, &extract, &jobs, &webhooks, timeout)?;
            let config = cli::app_config(server, extract, reports, public, jobs, webhooks);
            let served = crate::shutdown::serve(
                crate::startup::run_server(listener, pool, config)?,
                timeout,
            )
            .await;
            stop_background(background, timeout).await;
            served
        }
        Command::Worker { shutdown_timeout } => {
            let pool = connect(&database).await?;
            let timeout = shutdown_timeout;
            if jobs.job_workers == 0 {
                anyhow::bail!("--job-workers is 0: this worker would run nothing");
            }
            let background = start_background(&pool, &extract, &jobs, &webhooks, timeout)?;
            tracing::info!(
                workers = jobs.job_workers,
                "claimdesk worker is running; SIGTERM or SIGINT stops it"
            );
            crate::shutdown::wait_for_signal().await?;
            stop_background(background, timeout).await;
            Ok(())
        }
        Command::Import {
            file,
            title,
            url,
            publisher,
            published,
        } => {
            let pool = connect(&database).await?;
            let address = file
                .to_str()
                .filter(|f| crate::domain::urls::has_web_scheme(f));
            let (body, format, url) = match address {
                Some(address) => {
                    let fetched = crate::fetch::fetch_article(address, &extract)
                        .await
                        .map_err(user_error)?;
                    (
                        fetched.body,
                        fetched.format,
                        url.or(Some(fetched.final_url)),
                    )
                }
                None => {
                    let body = cli::read_input(&file, extract.max_article_bytes)?;
                    let format = InputFormat::detect(&body, None, file.to_str());
                    (body, format, url)
                }
            };
            let input = ArticleInput {
                title: title.unwrap_or_default(),
                body,
                format,
                source_url: crate::domain::text::optional(url),
                publisher: crate::domain::text::optional(publisher),
                published_on: parse_date(published.as_deref()).map_err(user_error)?,
                imported_by: None,
            };
            let mut conn = pool.get().await?;
            let (article, claims) = import_article(&mut conn, input, &extract)
                .await
                .map_err(user_error)?;
            cli::print_line(&format!(
                "imported article {} ({}) with {} claims",
                article.id,
                article.title,
                claims.len()
            ))
        }
        Command::Export(args) => {
            crate::cli::export::run_export(&connect(&database).await?, args, &reports).await
        }
        Command::User(cmd) => user_command(&connect(&database).await?, cmd).await,
        Command::Token(cmd) => token_command(&connect(&database).await?, cmd).await,
        Command::Audit(cli::AuditCommand::Verify) => {
            let pool = connect(&database).await?;
            let report = crate::services::audit::verify(&mut *pool.get().await?).await?;
            match report.first_break {
                Some(found) => anyhow::bail!("audit trail broken at {found}"),
                None => cli::print_line(&format!(
                    "audit trail intact: {} events on {} claims",
                    report.events, report.claims
                )),
            }
        }
        Command::Db(cli::DbCommand::GrantRuntime { role, print }) => {
            if print {
                return cli::print_line(&crate::db::runtime_role::grant_sql(&role)?);
            }
            let pool = connect(&database).await?;
            crate::db::runtime_role::grant(&mut *pool.get().await?, &role).await?;
            cli::print_line(&format!("granted the runtime privileges to {role}"))
        }
        Command::Factchecks(cmd) => {
            matching::factchecks(&connect(&database).await?, cmd, &extract).await
        }
        Command::Match { file, top, weights } => {
            let pool = connect(&database).await?;
            matching::match_queries(&pool, file, top, weights.unwrap_or_default()).await
        }
        Command::Model(cmd) => matching::model(cmd),
    }
}

/// An application error as a command-line message.
fn user_error(err: AppError) -> anyhow::Error {
    anyhow::anyhow!("{err}")
}

async fn resolve(database: &DatabaseSettings) -> anyhow::Result<String> {
    let resolved = db::bootstrap::resolve(database.database_url.as_deref()).await?;
    tracing::debug!(url = %redact_url(&resolved.url), "database resolved");
    Ok(resolved.url)
}

/// Resolves the database, applies pending migrations and opens the pool. A role that does
/// not own the schema (the runtime role of a two-role setup) never migrates: it starts only
/// when the schema is current.
async fn connect(database: &DatabaseSettings) -> anyhow::Result<DbPool> {
    let url = resolve(database).await?;
    let pool = db::pool(&url, database.pool_size)?;
    let (pending, can_migrate) = {
        let mut conn = pool.get().await?;
        (
            crate::db::runtime_role::pending_migrations(&mut conn).await?,
            crate::db::runtime_role::can_migrate(&mut conn).await?,
        )
    };
    if pending.is_empty() {
        return Ok(pool);
    }
    if !can_migrate {
        anyhow::bail!(
            "the database schema is not current ({} migration(s) pending, first {}) and this role does not own it: run `claimdesk migrate` as the owner first",
            pending.len(),
            pending[0]
        );
    }
    db::run_migrations(&url)
        .await
        .map_err(|e| anyhow::anyhow!("{e:#} (database {})", redact_url(&url)))?;
    Ok(pool)
}

/// Lines scored together: one encoder call, then their scores are written.
const SCORE_BATCH: usize = 256;

/// Scores one text per line, streaming: any number of lines, each at most `max_line` bytes.
/// With the sentence encoder the score is the blend; without it, one warning line says why
/// and the fast model scores alone.
async fn score_lines(file: Option<std::path::PathBuf>, max_line: usize) -> anyhow::Result<()> {
    use std::io::{BufRead, Read, Write};
    let path = file.unwrap_or_else(|| "-".into());
    let mut input = std::io::BufReader::new(cli::open_input(&path)?);
    // The encoder is loaded only when the shipped head uses it.
    let embedder = match crate::services::checkworthy::trained_head() {
        Some(_) => Some(crate::embed::shared_async().await),
        None => None,
    };
    if let Some(why) = embedder.and_then(crate::services::checkworthy::unavailable_reason) {
        eprintln!("warning: {why}; scoring with the fast model alone");
    }
    // Not locked: the lock cannot be held across the encoder's await.
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let mut line = Vec::new();
    let mut batch = Vec::with_capacity(SCORE_BATCH);
    for number in 1.. {
        line.clear();
        (&mut input)
            .take(max_line as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| cli::cannot_read(&path, e))?;
        if !line.is_empty() {
            if line.len() > max_line && !line.ends_with(b"\n") {
                anyhow::bail!("line {number} is longer than the {max_line}-byte limit");
            }
            let text = std::str::from_utf8(&line).map_err(|e| {
                anyhow::anyhow!("line {number} is not UTF-8 (byte {})", e.valid_up_to() + 1)
            })?;
            batch.push(text.trim_end_matches(['\n', '\r']).to_owned());
        }
        if batch.len() == SCORE_BATCH || (line.is_empty() && !batch.is_empty()) {
            let texts = std::mem::take(&mut batch);
            for score in crate::services::checkworthy::score_texts(embedder, texts).await? {
                writeln!(out, "{score:.6}")?;
            }
            out.flush()?;
        }
        if line.is_empty() {
            break;
        }
    }
    out.flush()?;
    Ok(())
}

/// A user by name, for the account commands.
async fn find_user(conn: &mut diesel_async::AsyncPgConnection, name: &str) -> anyhow::Result<User> {
    User::by_username(conn, name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user called {name}"))
}

async fn user_command(pool: &DbPool, cmd: UserCommand) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    match cmd {
        UserCommand::Create { username, role } => {
            let role: Role = role.parse()?;
            let password = cli::read_password()?;
            let user = accounts::create_user(&mut conn, &username, role, &password)
                .await
                .map_err(user_error)?;
            cli::print_line(&format!("created {} ({})", user.username, user.role))
        }
        UserCommand::List => {
            for u in User::list(&mut conn).await? {
                let status = if u.is_active() { "active" } else { "disabled" };
                cli::print_line(&format!("{}\t{}\t{}", u.username, u.role, status))?;
            }
            Ok(())
        }
        UserCommand::Disable { username } => {
            let user = find_user(&mut conn, &username).await?;
            User::disable(&mut conn, user.user_id()).await?;
            cli::print_line(&format!(
                "disabled {}; their sessions have ended",
                user.username
            ))
        }
        UserCommand::Enable { username } => {
            let user = find_user(&mut conn, &username).await?;
            User::enable(&mut conn, user.user_id()).await?;
            cli::print_line(&format!("enabled {}", user.username))
        }
        UserCommand::SetRole { username, role } => {
            let role: Role = role.parse()?;
            let user = find_user(&mut conn, &username).await?;
            User::set_role(&mut conn, user.user_id(), role).await?;
            cli::print_line(&format!("{} is now {role}", user.username))
        }
        UserCommand::SetPassword { username } => {
            let user = find_user(&mut conn, &username).await?;
            let password = cli::read_password()?;
            accounts::set_password(&mut conn, user.user_id(), &password)
                .await
                .map_err(user_error)?;
            cli::print_line(&format!("password of {} changed", user.username))
        }
    }
}

async fn token_command(pool: &DbPool, cmd: TokenCommand) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    match cmd {
        TokenCommand::Create { user, label } => {
            let owner = find_user(&mut conn, &user).await?;
            let token = accounts::create_token(&mut conn, &owner, None, &label)
                .await
                .map_err(user_error)?;
            cli::print_line(&format!(
                "API token for {} (shown once; store it now):",
                owner.username
            ))?;
            cli::print_line(&token)
        }
        TokenCommand::List => {
            for (t, name) in ApiToken::list(&mut conn).await? {
                let status = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                cli::print_line(&format!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    name,
                    t.label,
                    t.created_at.format("%Y-%m-%d %H:%M"),
                    status
                ))?;
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => match ApiToken::revoke(&mut conn, TokenId(id)).await? {
            0 => anyhow::bail!("no active token {id}"),
            _ => cli::print_line(&format!("revoked token {id}")),
        },
    }
}

/// The demo: a sample article (in our own words) if there is none, and demo users with fresh
/// passwords, printed so a newcomer can sign in at once.
async fn load_demo(pool: &DbPool, settings: &ExtractSettings) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    if crate::db::articles::Article::list(&mut conn, 1)
        .await?
        .is_empty()
    {
        let input = ArticleInput {
            title: "Northern Harbour agrees arms, loan and oil package with Eastland (sample)"
                .into(),
            body: include_bytes!("../data/demo-article.txt").to_vec(),
            format: InputFormat::Text,
            source_url: Some("https://example.org/northern-harbour-eastland".into()),
            publisher: Some("Example Wire".into()),
            published_on: None,
            imported_by: None,
        };
        let (_, claims) = import_article(&mut conn, input, settings)
            .await
            .map_err(user_error)?;
        tracing::info!(claims = claims.len(), "demo article loaded");
    }
    let mut lines =
        vec!["Demo accounts (passwords are new on every start with --demo):".to_owned()];
    for (name, role) in [
        ("demo-admin", Role::Admin),
        ("demo-editor", Role::Editor),
        ("demo-reviewer", Role::Reviewer),
    ] {
        let password = format!("demo-{}", &crate::auth::secrets::random_token()[..12]);
        match User::by_username(&mut conn, name).await? {
            Some(user) => {
                accounts::set_password(&mut conn, user.user_id(), &password)
                    .await
                    .map_err(user_error)?;
                User::enable(&mut conn, user.user_id()).await?;
                User::set_role(&mut conn, user.user_id(), role).await?;
            }
            None => {
                accounts::create_user(&mut conn, name, role, &password)
                    .await
                    .map_err(user_error)?;
            }
        }
        lines.push(format!("  {name:<14} {role:<9} {password}"));
    }
    println!("{}", lines.join("\n"));
    Ok(())
}
