//! Use cases: each public function is one thing a person or a command asks for. Services own
//! their transactions and call `db` and the pure modules; handlers and the CLI call exactly one
//! of them and only parse, authorise and render around it.

pub mod accounts;
pub mod articles;
pub mod assignment;
pub mod audit;
pub mod bulk;
pub mod checkworthy;
pub mod claim_json;
pub mod claim_matches;
pub mod claims;
pub mod dashboard;
pub mod duplicates;
pub mod evidence;
pub mod import;
pub mod jobs;
pub mod matching;
pub mod notifications;
pub mod public;
pub mod queue;
pub mod reports;
pub mod review;
pub mod saved_views;
pub mod sources;
pub mod table_cache;
pub mod tags;
pub mod verdict_fact_checks;
pub mod webhooks;
pub mod worker;

use crate::config::AppConfig;
use crate::db::DbPool;

/// What every request can reach. Nothing in here is per-user or mutable: sessions, throttles
/// and jobs live in PostgreSQL, so any number of processes can serve the same database.
pub struct AppState {
    pub pool: DbPool,
    pub config: AppConfig,
}

impl AppState {
    /// What background jobs need, for the requests that enqueue them.
    pub fn jobs(&self) -> jobs::JobContext {
        jobs::JobContext {
            pool: self.pool.clone(),
            extract: self.config.extract.clone(),
            jobs: self.config.jobs.clone(),
        }
    }
}
