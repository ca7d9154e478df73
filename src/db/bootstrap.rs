//! Finds a database with zero configuration: DATABASE_URL, else the local server, else a
//! private cluster under ./var/postgres, else one clear message saying what to do.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::config::redact_url;

/// The database used when none is configured.
pub const DEFAULT_URL: &str = "postgres://localhost/claimdesk";
const DEFAULT_NAME: &str = "claimdesk";
/// A literal statement: no SQL text is ever built with `format!`.
const CREATE_DEFAULT: &str = "CREATE DATABASE \"claimdesk\"";
const MAINTENANCE_URL: &str = "postgres://localhost/postgres";
/// Port of the private cluster, away from the standard one.
const PRIVATE_PORT: u16 = 54329;
const PRIVATE_DIR: &str = "var/postgres";

diesel::table! {
    pg_catalog.pg_database (oid) {
        oid -> Oid,
        datname -> Text,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("cannot connect to the database at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error(
        "no PostgreSQL server answers at localhost:5432 and no PostgreSQL server binaries were found. \
         Install PostgreSQL (Debian/Ubuntu: apt-get install postgresql) or set DATABASE_URL=postgres://user:password@host/db"
    )]
    NothingFound,
    #[error("could not start a private PostgreSQL cluster under {dir}: {reason}")]
    PrivateCluster { dir: String, reason: String },
}

/// Where the database is, and whether claimdesk started it.
#[derive(Debug, Clone)]
pub struct ResolvedDatabase {
    pub url: String,
    pub private_cluster: Option<PathBuf>,
}

/// Resolves the database to use, creating the default database or a private cluster if needed.
pub async fn resolve(explicit: Option<&str>) -> Result<ResolvedDatabase, BootstrapError> {
    if let Some(url) = explicit {
        connect(url).await?;
        return Ok(ResolvedDatabase {
            url: url.to_owned(),
            private_cluster: None,
        });
    }
    match connect(MAINTENANCE_URL).await {
        Ok(mut conn) => {
            ensure_database(&mut conn, DEFAULT_URL).await?;
            Ok(ResolvedDatabase {
                url: DEFAULT_URL.to_owned(),
                private_cluster: None,
            })
        }
        Err(_) => start_private_cluster().await,
    }
}

async fn connect(url: &str) -> Result<AsyncPgConnection, BootstrapError> {
    let unreachable = |reason: String| BootstrapError::Unreachable {
        url: redact_url(url),
        reason,
    };
    match tokio::time::timeout(Duration::from_secs(10), AsyncPgConnection::establish(url)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(unreachable(first_line(&e.to_string()))),
        Err(_) => Err(unreachable("timed out after 10 s".into())),
    }
}

async fn ensure_database(conn: &mut AsyncPgConnection, url: &str) -> Result<(), BootstrapError> {
    let fail = |e: diesel::result::Error| BootstrapError::Unreachable {
        url: redact_url(url),
        reason: first_line(&e.to_string()),
    };
    let exists: i64 = pg_database::table
        .filter(pg_database::datname.eq(DEFAULT_NAME))
        .count()
        .get_result(conn)
        .await
        .map_err(fail)?;
    if exists == 0 {
        // A fixed identifier: nothing user-supplied reaches this statement.
        diesel::sql_query(CREATE_DEFAULT)
            .execute(conn)
            .await
            .map_err(fail)?;
        tracing::info!(database = DEFAULT_NAME, "created database");
    }
    Ok(())
}

async fn start_private_cluster() -> Result<ResolvedDatabase, BootstrapError> {
    let bin = server_binaries().ok_or(BootstrapError::NothingFound)?;
    let dir = std::env::current_dir()
        .map(|d| d.join(PRIVATE_DIR))
        .unwrap_or_else(|_| PathBuf::from(PRIVATE_DIR));
    let fail = |reason: String| BootstrapError::PrivateCluster {
        dir: dir.display().to_string(),
        reason,
    };
    let as_root = is_root();
    let dir_for_task = dir.clone();
    tokio::task::spawn_blocking(move || init_and_start(&bin, &dir_for_task, as_root))
        .await
        .map_err(|e| fail(e.to_string()))?
        .map_err(fail)?;
    let maintenance = format!("postgres://claimdesk@127.0.0.1:{PRIVATE_PORT}/postgres");
    let url = format!("postgres://claimdesk@127.0.0.1:{PRIVATE_PORT}/{DEFAULT_NAME}");
    let mut conn = connect(&maintenance).await?;
    ensure_database(&mut conn, &url).await?;
    tracing::info!(dir = %dir.display(), url = %url, "using a private PostgreSQL cluster");
    Ok(ResolvedDatabase {
        url,
        private_cluster: Some(dir),
    })
}

/// The directory holding `initdb` and `pg_ctl`: on PATH, or the newest under /usr/lib/postgresql.
fn server_binaries() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|p| p.join("initdb").is_file() && p.join("pg_ctl").is_file())
    });
    on_path.or_else(|| {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
            .collect();
        // Version directories are numbers; the longest, then greatest, name is the newest.
        found.sort_by_key(|p| {
            let v = p
                .parent()
                .and_then(|v| v.file_name())
                .map(|n| n.to_string_lossy().into_owned());
            v.map(|s| (s.len(), s))
        });
        found.pop()
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

fn init_and_start(bin: &Path, dir: &Path, as_root: bool) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the directory: {e}"))?;
    // PostgreSQL refuses to run as root, so the cluster belongs to the postgres system user.
    let run = |program: &str, args: &[&str]| -> Result<(), String> {
        let program_path = bin.join(program);
        let mut cmd = if as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program_path);
            c
        } else {
            Command::new(&program_path)
        };
        let out = cmd
            .args(args)
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} failed: {}",
                first_line(&String::from_utf8_lossy(&out.stderr))
            ))
        }
    };
    if as_root {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir)
            .status()
            .map_err(|e| format!("chown: {e}"))?;
        if !status.success() {
            return Err("cannot give the directory to the postgres user".into());
        }
    }
    let data = dir.join("data");
    let data_s = data.to_string_lossy().into_owned();
    if !data.join("PG_VERSION").exists() {
        run(
            "initdb",
            &[
                "-D",
                &data_s,
                "-U",
                "claimdesk",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        )?;
    }
    let log = dir.join("server.log").to_string_lossy().into_owned();
    let options = format!(
        "-p {PRIVATE_PORT} -c listen_addresses=127.0.0.1 -k {}",
        dir.to_string_lossy()
    );
    // Already running is fine: `status` succeeds and we skip the start.
    if run("pg_ctl", &["-D", &data_s, "status"]).is_err() {
        run(
            "pg_ctl",
            &["-D", &data_s, "-l", &log, "-o", &options, "-w", "start"],
        )?;
    }
    Ok(())
}

fn first_line(text: &str) -> String {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("unknown error")
        .trim()
        .to_owned()
}
