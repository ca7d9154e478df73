//! The `sources` table: feeds and sitemaps watched for new articles, with what their last
//! poll found and the tallies shown on the sources page.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Source {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Integer)]
    pub interval_minutes: i32,
    #[diesel(sql_type = Array<Text>)]
    pub tags: Vec<String>,
    #[diesel(sql_type = Bool)]
    pub enabled: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub etag: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_modified: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub next_poll_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_polled_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_status: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_error: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub articles: i64,
    #[diesel(sql_type = BigInt)]
    pub claims: i64,
    #[diesel(sql_type = BigInt)]
    pub errors: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub created_by: Option<i64>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

/// The columns every query returns (a macro so that `concat!` builds whole statements).
macro_rules! source_columns {
    () => {
        "id, url, name, interval_minutes, tags, enabled, etag, last_modified, \
     next_poll_at, last_polled_at, last_status, last_error, articles, claims, errors, \
     created_by, created_at"
    };
}

#[derive(Debug, Clone)]
pub struct NewSource {
    pub url: String,
    pub name: String,
    pub interval_minutes: i32,
    pub tags: Vec<String>,
    pub created_by: Option<i64>,
}

/// What one poll found, written back on the source.
#[derive(Debug, Clone)]
pub struct PollOutcome {
    pub status: String,
    /// Entries that could not be used, with their reasons; `None` when the poll itself failed.
    pub error: Option<String>,
    pub errors: i64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Keep the validators of the previous answer (a 304, or a failure).
    pub keep_validators: bool,
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

impl Source {
    /// Adds a source; `None` when one with the same address exists.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        new: &NewSource,
    ) -> diesel::QueryResult<Option<Source>> {
        diesel::sql_query(concat!(
            "INSERT INTO sources (url, name, interval_minutes, tags, created_by, next_poll_at) \
             VALUES ($1, $2, $3, $4, $5, now() + make_interval(mins => $3)) \
             ON CONFLICT (url) DO NOTHING RETURNING ",
            source_columns!(),
            ""
        ))
        .bind::<Text, _>(&new.url)
        .bind::<Text, _>(&new.name)
        .bind::<Integer, _>(new.interval_minutes)
        .bind::<Array<Text>, _>(&new.tags)
        .bind::<Nullable<BigInt>, _>(new.created_by)
        .get_result(conn)
        .await
        .optional()
    }

    pub async fn by_id(
        conn: &mut AsyncPgConnection,
        id: i64,
    ) -> diesel::QueryResult<Option<Source>> {
        diesel::sql_query(concat!(
            "SELECT ",
            source_columns!(),
            " FROM sources WHERE id = $1"
        ))
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .await
        .optional()
    }

    pub async fn by_url(
        conn: &mut AsyncPgConnection,
        url: &str,
    ) -> diesel::QueryResult<Option<Source>> {
        diesel::sql_query(concat!(
            "SELECT ",
            source_columns!(),
            " FROM sources WHERE url = $1"
        ))
        .bind::<Text, _>(url)
        .get_result(conn)
        .await
        .optional()
    }

    pub async fn list(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<Source>> {
        diesel::sql_query(concat!(
            "SELECT ",
            source_columns!(),
            " FROM sources ORDER BY name, id"
        ))
        .load(conn)
        .await
    }

    /// Pauses or resumes a source; `None` when there is none with this id.
    pub async fn set_enabled(
        conn: &mut AsyncPgConnection,
        id: i64,
        enabled: bool,
    ) -> diesel::QueryResult<Option<Source>> {
        diesel::sql_query(concat!(
            "UPDATE sources SET enabled = $2 WHERE id = $1 RETURNING ",
            source_columns!(),
            ""
        ))
        .bind::<BigInt, _>(id)
        .bind::<Bool, _>(enabled)
        .get_result(conn)
        .await
        .optional()
    }

    /// The enabled sources whose poll is due, moved to their next poll time in the same
    /// statement, so two schedulers never both take one.
    pub async fn take_due(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<i64>> {
        let rows: Vec<Id> = diesel::sql_query(
            "UPDATE sources SET next_poll_at = now() + make_interval(mins => interval_minutes) \
             WHERE id IN (SELECT id FROM sources WHERE enabled AND next_poll_at <= now() \
                          FOR UPDATE SKIP LOCKED) \
             RETURNING id",
        )
        .load(conn)
        .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    pub async fn record_poll(
        conn: &mut AsyncPgConnection,
        id: i64,
        outcome: &PollOutcome,
    ) -> diesel::QueryResult<usize> {
        diesel::sql_query(
            "UPDATE sources SET last_polled_at = now(), last_status = $2, \
                 last_error = coalesce($3, last_error), errors = errors + $4, \
                 etag = CASE WHEN $7 THEN etag ELSE $5 END, \
                 last_modified = CASE WHEN $7 THEN last_modified ELSE $6 END \
             WHERE id = $1",
        )
        .bind::<BigInt, _>(id)
        .bind::<Text, _>(&outcome.status)
        .bind::<Nullable<Text>, _>(outcome.error.as_deref())
        .bind::<BigInt, _>(outcome.errors)
        .bind::<Nullable<Text>, _>(outcome.etag.as_deref())
        .bind::<Nullable<Text>, _>(outcome.last_modified.as_deref())
        .bind::<Bool, _>(outcome.keep_validators)
        .execute(conn)
        .await
    }

    /// Counts an article imported from this source and its claims.
    pub async fn count_import(
        conn: &mut AsyncPgConnection,
        id: i64,
        claims: i64,
    ) -> diesel::QueryResult<usize> {
        diesel::sql_query(
            "UPDATE sources SET articles = articles + 1, claims = claims + $2 WHERE id = $1",
        )
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(claims)
        .execute(conn)
        .await
    }

    /// Counts an entry of this source that could not be imported, with its reason.
    pub async fn count_error(
        conn: &mut AsyncPgConnection,
        id: i64,
        error: &str,
    ) -> diesel::QueryResult<usize> {
        diesel::sql_query("UPDATE sources SET errors = errors + 1, last_error = $2 WHERE id = $1")
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(error)
            .execute(conn)
            .await
    }
}
