//! PostgreSQL through diesel-async: the pool, the embedded migrations, enum mappings, and one
//! module of queries per table.

pub mod article_events;
pub mod articles;
pub mod bootstrap;
pub mod claim_embeddings;
pub mod claim_matches;
pub mod claims;
pub mod events;
pub mod evidence;
pub mod fact_checks;
pub mod fetch_hosts;
pub mod follows;
pub mod jobs;
pub mod notifications;
pub mod public;
pub mod reports;
pub mod runtime_role;
pub mod saved_views;
pub mod schema;
pub mod sessions;
pub mod sources;
pub mod stats;
pub mod tags;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod verdicts;
pub mod webhooks;

use std::time::Duration;

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use diesel_async::pooled_connection::deadpool::PoolError;

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Longest any one statement may run, and longest it may wait for a row or table lock.
/// Without these a locked table holds requests (and their pooled connections) forever while
/// the service still looks healthy; with them the request gets a 503 and the connection
/// returns to the pool. Export batches and queue pages take milliseconds.
pub const STATEMENT_TIMEOUT: &str = "30s";
pub const LOCK_TIMEOUT: &str = "5s";

/// Opens a connection with the session limits above.
fn establish_with_limits(
    url: &str,
) -> futures_util::future::BoxFuture<'_, diesel::ConnectionResult<AsyncPgConnection>> {
    use diesel_async::{AsyncConnection, SimpleAsyncConnection};
    Box::pin(async move {
        let mut conn = AsyncPgConnection::establish(url).await?;
        conn.batch_execute(&format!(
            "SET statement_timeout = '{STATEMENT_TIMEOUT}'; SET lock_timeout = '{LOCK_TIMEOUT}'"
        ))
        .await
        .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
        Ok(conn)
    })
}

/// Builds the connection pool. Connections open lazily; waits are bounded so an unreachable
/// database turns into a 503, not a hung request.
///
/// A checkout runs no test query (`RecyclingMethod::Fast`): it was a round trip to the database
/// on every checkout, and a connection the server closed is still noticed without it (its
/// socket is closed, and the pool drops it instead of handing it out).
pub fn pool(database_url: &str, max_size: usize) -> anyhow::Result<DbPool> {
    let mut config = diesel_async::pooled_connection::ManagerConfig::default();
    config.custom_setup = Box::new(establish_with_limits);
    config.recycling_method = diesel_async::pooled_connection::RecyclingMethod::Fast;
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    let pool = Pool::builder(manager)
        .max_size(max_size.max(1))
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()?;
    Ok(pool)
}

/// Applies every pending migration; returns the versions applied.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let url = database_url.to_owned();
    // The migration harness is synchronous; keep it off the async executor.
    tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        use diesel::Connection;
        let mut conn = diesel_async::async_connection_wrapper::AsyncConnectionWrapper::<
            AsyncPgConnection,
        >::establish(&url)?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    })
    .await?
}

/// Maps a domain enum to its PostgreSQL enum type through its text form, keeping diesel out of
/// the domain module.
macro_rules! pg_enum {
    ($rust:ty, $sql:ty) => {
        impl diesel::expression::AsExpression<$sql> for $rust {
            type Expression = diesel::internal::derives::as_expression::Bound<$sql, Self>;
            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }
        impl<'a> diesel::expression::AsExpression<$sql> for &'a $rust {
            type Expression = diesel::internal::derives::as_expression::Bound<$sql, Self>;
            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }
        impl diesel::expression::AsExpression<diesel::sql_types::Nullable<$sql>> for $rust {
            type Expression = diesel::internal::derives::as_expression::Bound<
                diesel::sql_types::Nullable<$sql>,
                Self,
            >;
            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }
        impl<'a> diesel::expression::AsExpression<diesel::sql_types::Nullable<$sql>> for &'a $rust {
            type Expression = diesel::internal::derives::as_expression::Bound<
                diesel::sql_types::Nullable<$sql>,
                Self,
            >;
            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }
        impl diesel::serialize::ToSql<$sql, diesel::pg::Pg> for $rust {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                use std::io::Write;
                out.write_all(self.as_str().as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }
        impl diesel::serialize::ToSql<diesel::sql_types::Nullable<$sql>, diesel::pg::Pg> for $rust {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <Self as diesel::serialize::ToSql<$sql, diesel::pg::Pg>>::to_sql(self, out)
            }
        }
        impl diesel::deserialize::FromSql<$sql, diesel::pg::Pg> for $rust {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                Ok(std::str::from_utf8(bytes.as_bytes())?.parse::<$rust>()?)
            }
        }
        impl diesel::deserialize::Queryable<$sql, diesel::pg::Pg> for $rust {
            type Row = Self;
            fn build(row: Self) -> diesel::deserialize::Result<Self> {
                Ok(row)
            }
        }
    };
}

pg_enum!(crate::domain::ReviewState, schema::sql_types::ReviewState);
pg_enum!(crate::domain::Verdict, schema::sql_types::VerdictKind);
pg_enum!(crate::domain::Stance, schema::sql_types::EvidenceStance);
pg_enum!(crate::domain::Role, schema::sql_types::UserRole);
pg_enum!(crate::extract::Category, schema::sql_types::ClaimCategory);
pg_enum!(events::EventKind, schema::sql_types::EventKind);
pg_enum!(
    crate::extract::ClaimantKind,
    schema::sql_types::ClaimantKind
);
pg_enum!(crate::domain::ClaimOrigin, schema::sql_types::ClaimOrigin);

/// Lets a domain id stand where its column's `BIGINT` is compared or found, so queries take
/// the typed id and a claim id cannot be passed for a user's.
macro_rules! pg_id {
    ($rust:ty) => {
        impl diesel::expression::AsExpression<diesel::sql_types::BigInt> for $rust {
            type Expression =
                <i64 as diesel::expression::AsExpression<diesel::sql_types::BigInt>>::Expression;
            fn as_expression(self) -> Self::Expression {
                diesel::expression::AsExpression::<diesel::sql_types::BigInt>::as_expression(self.0)
            }
        }
        impl
            diesel::expression::AsExpression<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>
            for $rust
        {
            type Expression = <i64 as diesel::expression::AsExpression<
                diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
            >>::Expression;
            fn as_expression(self) -> Self::Expression {
                diesel::expression::AsExpression::<
                    diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
                >::as_expression(self.0)
            }
        }
    };
}

pg_id!(crate::domain::ArticleId);
pg_id!(crate::domain::ClaimId);
pg_id!(crate::domain::UserId);
pg_id!(crate::domain::EvidenceId);
pg_id!(crate::domain::VerdictId);
pg_id!(crate::domain::TokenId);

impl From<PoolError> for crate::error::AppError {
    fn from(err: PoolError) -> Self {
        tracing::warn!(error = %err, "no database connection");
        crate::error::AppError::Unavailable
    }
}

/// Whether a database error is a unique-constraint violation (a duplicate).
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Which database a connection is on and the oldest transaction still running there: what a
/// process's in-memory cache of a table needs to know which rows to look at again.
pub struct Snapshot {
    /// Names the database (an in-memory index belongs to one).
    pub database: String,
    /// Rows written by transactions from this one on may not be visible yet.
    pub xmin: u64,
}

pub async fn snapshot(conn: &mut diesel_async::AsyncPgConnection) -> anyhow::Result<Snapshot> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        database: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        xmin: String,
    }
    let row: Row = diesel::sql_query(
        "SELECT current_database() || ':' || coalesce(inet_server_port()::text, 'socket') AS database, \
                pg_snapshot_xmin(pg_current_snapshot())::text AS xmin",
    )
    .get_result(conn)
    .await?;
    let xmin = row
        .xmin
        .parse()
        .map_err(|e| anyhow::anyhow!("snapshot xmin {:?}: {e}", row.xmin))?;
    Ok(Snapshot {
        database: row.database,
        xmin,
    })
}
