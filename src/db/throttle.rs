//! Sign-in attempt counters in PostgreSQL, so throttling holds across every claimdesk process
//! (the public pages' request counters have their own table: `db::public`).
//!
//! An attempt is counted *before* its password is checked, by one atomic upsert per counter,
//! so however many requests arrive at once, no more than the limit are ever checked. Three
//! counters per attempt:
//! - account and address together: refused beyond `PAIR_LIMIT` (brute force from one place);
//! - address alone: refused beyond `ADDRESS_LIMIT` (one place guessing at many accounts);
//! - account alone: only slowed down, never refused, so a stranger failing someone's
//!   password from elsewhere cannot lock the owner out.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::login_throttle;

/// Attempts are counted within this window, which starts at the first attempt.
pub const WINDOW: Duration = Duration::minutes(15);
/// Password checks one address may make at one account per window.
pub const PAIR_LIMIT: i32 = 10;
/// Password checks one address may make at all accounts together per window.
pub const ADDRESS_LIMIT: i32 = 100;
/// Attempts at one account that cost nothing; each one beyond waits 250 ms more, up to 2 s.
pub const FREE_ATTEMPTS: i32 = 3;
const STEP_MS: u64 = 250;
const MAX_DELAY_MS: u64 = 2_000;

/// The counters one sign-in attempt is charged to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    pub pair: String,
    pub address: String,
    pub account: String,
}

impl Keys {
    /// `account` is already normalised (lower-case name, or a hash for impossible names).
    pub fn new(account: &str, address: &str) -> Keys {
        Keys {
            pair: format!("pair:{account}|{address}"),
            address: format!("ip:{address}"),
            account: format!("user:{account}"),
        }
    }
}

/// A counter after this attempt was added to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub attempts: i32,
    pub window_started_at: DateTime<Utc>,
}

/// What the throttle says about an attempt that has just been counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow { delay_ms: u64 },
    Refuse { retry_after_secs: i64 },
}

/// Decides from the counters (this attempt included); pure so it can be tested alone.
pub fn judge(pair: Count, address: Count, account: Count, now: DateTime<Utc>) -> Verdict {
    let over = [(pair, PAIR_LIMIT), (address, ADDRESS_LIMIT)]
        .into_iter()
        .filter(|(count, limit)| count.attempts > *limit)
        .map(|(count, _)| {
            (count.window_started_at + WINDOW - now)
                .num_seconds()
                .max(1)
        })
        .max();
    if let Some(retry_after_secs) = over {
        return Verdict::Refuse { retry_after_secs };
    }
    let extra = (account.attempts - FREE_ATTEMPTS).max(0) as u64;
    Verdict::Allow {
        delay_ms: (extra * STEP_MS).min(MAX_DELAY_MS),
    }
}

/// Adds one attempt to a counter in a single statement (the row lock of the upsert orders
/// concurrent attempts) and returns the counter as it now stands.
async fn add_attempt(
    conn: &mut AsyncPgConnection,
    key: &str,
    now: DateTime<Utc>,
) -> QueryResult<Count> {
    add_in_window(conn, key, WINDOW, now).await
}

/// Adds one to the counter `key`, whose window lasts `window` from its first count.
async fn add_in_window(
    conn: &mut AsyncPgConnection,
    key: &str,
    window: Duration,
    now: DateTime<Utc>,
) -> QueryResult<Count> {
    use diesel::dsl::case_when;
    let expired = login_throttle::window_started_at.lt(now - window);
    let (attempts, window_started_at) = diesel::insert_into(login_throttle::table)
        .values((
            login_throttle::key.eq(key),
            login_throttle::failures.eq(1),
            login_throttle::window_started_at.eq(now),
        ))
        .on_conflict(login_throttle::key)
        .do_update()
        .set((
            login_throttle::failures.eq(case_when(
                expired,
                1.into_sql::<diesel::sql_types::Integer>(),
            )
            .otherwise(login_throttle::failures + 1)),
            login_throttle::window_started_at.eq(case_when(
                login_throttle::window_started_at.lt(now - window),
                excluded(login_throttle::window_started_at),
            )
            .otherwise(login_throttle::window_started_at)),
        ))
        .returning((login_throttle::failures, login_throttle::window_started_at))
        .get_result::<(i32, DateTime<Utc>)>(conn)
        .await?;
    Ok(Count {
        attempts,
        window_started_at,
    })
}

/// Counts an attempt against all its keys and says whether its password may be checked.
pub async fn reserve(
    conn: &mut AsyncPgConnection,
    keys: &Keys,
    now: DateTime<Utc>,
) -> QueryResult<Verdict> {
    let pair = add_attempt(conn, &keys.pair, now).await?;
    let address = add_attempt(conn, &keys.address, now).await?;
    let account = add_attempt(conn, &keys.account, now).await?;
    Ok(judge(pair, address, account, now))
}

/// A right password: the account's counters start again, and the address gets back the
/// attempt it spent (its other failures stand: one good password must not unlock guessing
/// at other accounts from the same place).
pub async fn succeeded(conn: &mut AsyncPgConnection, keys: &Keys) -> QueryResult<()> {
    diesel::delete(
        login_throttle::table.filter(login_throttle::key.eq_any([&keys.pair, &keys.account])),
    )
    .execute(conn)
    .await?;
    diesel::update(
        login_throttle::table
            .filter(login_throttle::key.eq(&keys.address))
            .filter(login_throttle::failures.gt(0)),
    )
    .set(login_throttle::failures.eq(login_throttle::failures - 1))
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes the counters whose window has ended (and that lock nothing out): they would start
/// again at the next attempt anyway. Returns how many went.
pub async fn prune(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        login_throttle::table
            .filter(login_throttle::window_started_at.lt(now - WINDOW))
            .filter(
                login_throttle::locked_until
                    .is_null()
                    .or(login_throttle::locked_until.lt(now)),
            ),
    )
    .execute(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(attempts: i32, started_secs_ago: i64, now: DateTime<Utc>) -> Count {
        Count {
            attempts,
            window_started_at: now - Duration::seconds(started_secs_ago),
        }
    }

    #[test]
    fn the_pair_and_the_address_are_refused_beyond_their_limits() {
        let now = Utc::now();
        let fresh = count(1, 0, now);
        assert_eq!(
            judge(count(PAIR_LIMIT, 60, now), fresh, fresh, now),
            Verdict::Allow { delay_ms: 0 }
        );
        assert_eq!(
            judge(count(PAIR_LIMIT + 1, 60, now), fresh, fresh, now),
            Verdict::Refuse {
                retry_after_secs: WINDOW.num_seconds() - 60
            }
        );
        assert!(matches!(
            judge(fresh, count(ADDRESS_LIMIT + 1, 0, now), fresh, now),
            Verdict::Refuse { .. }
        ));
    }

    #[test]
    fn the_account_alone_is_only_slowed() {
        let now = Utc::now();
        let fresh = count(1, 0, now);
        assert_eq!(
            judge(fresh, fresh, count(FREE_ATTEMPTS + 2, 0, now), now),
            Verdict::Allow { delay_ms: 500 }
        );
        assert_eq!(
            judge(fresh, fresh, count(10_000, 0, now), now),
            Verdict::Allow {
                delay_ms: MAX_DELAY_MS
            }
        );
    }
}
