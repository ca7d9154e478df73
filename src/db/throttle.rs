//! Failed-login counters in PostgreSQL, so throttling holds across every claimdesk process.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::login_throttle;

/// Failures are counted within this window.
pub const WINDOW: Duration = Duration::minutes(15);
/// After this many failures in the window, the key is refused outright for `LOCKOUT`.
pub const MAX_FAILURES: i32 = 10;
pub const LOCKOUT: Duration = Duration::minutes(15);
/// Failures below this count cost nothing; above it each try is slowed a little more.
pub const FREE_FAILURES: i32 = 3;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_throttle)]
pub struct ThrottleRow {
    pub key: String,
    pub failures: i32,
    pub window_started_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

/// What the throttle says about the next attempt for a set of keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow { delay_ms: u64 },
    Refuse { retry_after_secs: i64 },
}

/// Decides from the stored rows; pure so it can be tested without a database.
pub fn judge(rows: &[ThrottleRow], now: DateTime<Utc>) -> Verdict {
    let mut worst_failures = 0;
    for row in rows {
        if let Some(until) = row.locked_until
            && until > now
        {
            return Verdict::Refuse {
                retry_after_secs: (until - now).num_seconds().max(1),
            };
        }
        if now - row.window_started_at < WINDOW {
            worst_failures = worst_failures.max(row.failures);
        }
    }
    let extra = (worst_failures - FREE_FAILURES).max(0) as u64;
    Verdict::Allow {
        delay_ms: (extra * 250).min(2_000),
    }
}

pub async fn load(conn: &mut AsyncPgConnection, keys: &[String]) -> QueryResult<Vec<ThrottleRow>> {
    login_throttle::table
        .filter(login_throttle::key.eq_any(keys))
        .select(ThrottleRow::as_select())
        .load(conn)
        .await
}

/// Counts one failure against each key, atomically, locking keys that reach the limit.
pub async fn record_failure(
    conn: &mut AsyncPgConnection,
    keys: &[String],
    now: DateTime<Utc>,
) -> QueryResult<()> {
    use diesel::dsl::case_when;
    for key in keys {
        let window_expired = login_throttle::window_started_at.lt(now - WINDOW);
        diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::key.eq(key),
                login_throttle::failures.eq(1),
                login_throttle::window_started_at.eq(now),
            ))
            .on_conflict(login_throttle::key)
            .do_update()
            .set((
                login_throttle::failures.eq(case_when(
                    window_expired,
                    1.into_sql::<diesel::sql_types::Integer>(),
                )
                .otherwise(login_throttle::failures + excluded(login_throttle::failures))),
                login_throttle::window_started_at.eq(case_when(
                    login_throttle::window_started_at.lt(now - WINDOW),
                    excluded(login_throttle::window_started_at),
                )
                .otherwise(login_throttle::window_started_at)),
            ))
            .execute(conn)
            .await?;
        diesel::update(
            login_throttle::table
                .filter(login_throttle::key.eq(key))
                .filter(login_throttle::failures.ge(MAX_FAILURES)),
        )
        .set((
            login_throttle::locked_until.eq(now + LOCKOUT),
            login_throttle::failures.eq(0),
            login_throttle::window_started_at.eq(now),
        ))
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// A successful login clears the account's counter (not the address's: one good password
/// must not unlock guessing at other accounts from the same place).
pub async fn clear(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<usize> {
    diesel::delete(login_throttle::table.filter(login_throttle::key.eq(key)))
        .execute(conn)
        .await
}
