//! The `fetch_hosts` table: per host, the next moment a fetch may start (so every worker
//! process shares one rate limit per site) and the site's robots.txt, kept for a while.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(diesel::QueryableByName)]
struct Slot {
    #[diesel(sql_type = Timestamptz)]
    starts_at: DateTime<Utc>,
}

#[derive(diesel::QueryableByName)]
struct Robots {
    #[diesel(sql_type = Nullable<Text>)]
    robots_txt: Option<String>,
}

/// Reserves the next fetch slot of `host`, `interval_ms` after the one before it: returns
/// when this fetch may start. One atomic upsert, so concurrent workers get distinct slots.
pub async fn reserve_slot(
    conn: &mut AsyncPgConnection,
    host: &str,
    interval_ms: i64,
) -> diesel::QueryResult<DateTime<Utc>> {
    let slot: Slot = diesel::sql_query(
        "INSERT INTO fetch_hosts AS h (host, next_fetch_at) \
         VALUES ($1, now() + make_interval(secs => $2 / 1000.0)) \
         ON CONFLICT (host) DO UPDATE \
             SET next_fetch_at = greatest(h.next_fetch_at, now()) \
                                 + make_interval(secs => $2 / 1000.0) \
         RETURNING next_fetch_at - make_interval(secs => $2 / 1000.0) AS starts_at",
    )
    .bind::<Text, _>(host)
    .bind::<BigInt, _>(interval_ms)
    .get_result(conn)
    .await?;
    Ok(slot.starts_at)
}

/// The stored robots.txt of a host when fetched less than `max_age_secs` ago: `Some(None)`
/// means the site has none (everything allowed); `None` means it must be fetched again.
pub async fn cached_robots(
    conn: &mut AsyncPgConnection,
    host: &str,
    max_age_secs: i64,
) -> diesel::QueryResult<Option<Option<String>>> {
    let rows: Vec<Robots> = diesel::sql_query(
        "SELECT robots_txt FROM fetch_hosts WHERE host = $1 \
         AND robots_fetched_at > now() - make_interval(secs => $2)",
    )
    .bind::<Text, _>(host)
    .bind::<BigInt, _>(max_age_secs)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next().map(|r| r.robots_txt))
}

pub async fn store_robots(
    conn: &mut AsyncPgConnection,
    host: &str,
    robots_txt: Option<&str>,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO fetch_hosts (host, robots_txt, robots_fetched_at) VALUES ($1, $2, now()) \
         ON CONFLICT (host) DO UPDATE SET robots_txt = $2, robots_fetched_at = now()",
    )
    .bind::<Text, _>(host)
    .bind::<Nullable<Text>, _>(robots_txt)
    .execute(conn)
    .await
}
