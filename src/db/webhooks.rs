//! Webhook endpoints and the outbox of their deliveries.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::{webhook_deliveries, webhook_endpoints};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct NewEndpoint<'a> {
    pub url: &'a str,
    pub secret: &'a str,
    pub events: Vec<&'static str>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl Endpoint {
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        new: NewEndpoint<'_>,
    ) -> QueryResult<Endpoint> {
        diesel::insert_into(webhook_endpoints::table)
            .values(&new)
            .returning(Endpoint::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Endpoint>> {
        webhook_endpoints::table
            .order(webhook_endpoints::id)
            .select(Endpoint::as_select())
            .load(conn)
            .await
    }

    pub async fn by_id(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Endpoint>> {
        webhook_endpoints::table
            .find(id)
            .select(Endpoint::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Whether any enabled endpoint subscribes to `event`: when none does, the event's body
    /// need not even be written.
    pub async fn any_subscribed(conn: &mut AsyncPgConnection, event: &str) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            webhook_endpoints::table
                .filter(webhook_endpoints::enabled)
                .filter(webhook_endpoints::events.contains(vec![event.to_owned()])),
        ))
        .get_result(conn)
        .await
    }

    /// Switches an endpoint on or off; the endpoint as it is now (`None`: no such endpoint).
    pub async fn set_enabled(
        conn: &mut AsyncPgConnection,
        id: i64,
        enabled: bool,
    ) -> QueryResult<Option<Endpoint>> {
        diesel::update(webhook_endpoints::table.find(id))
            .set(webhook_endpoints::enabled.eq(enabled))
            .returning(Endpoint::as_returning())
            .get_result(conn)
            .await
            .optional()
    }
}

/// One delivery as the log shows it.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: i64,
    pub endpoint_id: i64,
    pub message_id: String,
    pub event: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub response_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A delivery a worker holds the lease of, with what it needs to send it.
#[derive(Debug, Clone, QueryableByName)]
pub struct ClaimedDelivery {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub message_id: String,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Text)]
    pub secret: String,
}

/// The last attempt of a delivery, as the worker that made it records it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub response_code: Option<i32>,
    pub error: Option<String>,
    /// Delivered, or when to try again; `None` for neither: the delivery failed for good.
    pub delivered: bool,
    pub retry_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

/// How many log rows an endpoint's page and the API show.
pub const LOG_LIMIT: i64 = 100;

impl Delivery {
    /// Writes one pending delivery of `event` for each enabled endpoint subscribed to it (or
    /// for `only` alone, whatever it subscribes to), in the caller's transaction. Returns how
    /// many were written.
    pub async fn enqueue(
        conn: &mut AsyncPgConnection,
        event: &str,
        body: &str,
        only: Option<i64>,
        now: DateTime<Utc>,
    ) -> QueryResult<usize> {
        diesel::sql_query(
            "INSERT INTO webhook_deliveries (endpoint_id, message_id, event, body, next_attempt_at, created_at) \
             SELECT e.id, 'msg_' || replace(gen_random_uuid()::text, '-', ''), $1, $2, $3, $3 \
             FROM webhook_endpoints e \
             WHERE CASE WHEN $4::bigint IS NULL THEN e.enabled AND $1 = ANY (e.events) ELSE e.id = $4 END",
        )
        .bind::<Text, _>(event)
        .bind::<Text, _>(body)
        .bind::<Timestamptz, _>(now)
        .bind::<diesel::sql_types::Nullable<BigInt>, _>(only)
        .execute(conn)
        .await
    }

    /// Takes the lease of up to `limit` due deliveries of enabled endpoints for `lease_secs`
    /// seconds. Rows another worker is claiming right now are skipped, not waited for, and a
    /// row whose lease ran out (its worker died) is due again.
    pub async fn claim(
        conn: &mut AsyncPgConnection,
        limit: i64,
        lease_secs: i64,
        token: &str,
    ) -> QueryResult<Vec<ClaimedDelivery>> {
        diesel::sql_query(
            "UPDATE webhook_deliveries d \
             SET lease_until = now() + make_interval(secs => $2), lease_token = $3 \
             FROM webhook_endpoints e \
             WHERE e.id = d.endpoint_id AND d.id IN ( \
                 SELECT d2.id FROM webhook_deliveries d2 \
                 JOIN webhook_endpoints e2 ON e2.id = d2.endpoint_id \
                 WHERE d2.status = 'pending' AND d2.next_attempt_at <= now() \
                   AND (d2.lease_until IS NULL OR d2.lease_until < now()) AND e2.enabled \
                 ORDER BY d2.next_attempt_at, d2.id \
                 LIMIT $1 \
                 FOR UPDATE OF d2 SKIP LOCKED) \
             RETURNING d.id, d.message_id, d.body, d.attempts, d.created_at, e.url, e.secret",
        )
        .bind::<BigInt, _>(limit)
        .bind::<diesel::sql_types::Double, _>(lease_secs as f64)
        .bind::<Text, _>(token)
        .load(conn)
        .await
    }

    /// Records an attempt, if `token` still holds the lease (a worker whose lease ran out and
    /// was taken over records nothing). Returns whether it was recorded.
    pub async fn record(
        conn: &mut AsyncPgConnection,
        id: i64,
        token: &str,
        outcome: &Outcome,
    ) -> QueryResult<bool> {
        let status = match (outcome.delivered, outcome.retry_at) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        let changed = diesel::update(
            webhook_deliveries::table
                .find(id)
                .filter(webhook_deliveries::lease_token.eq(token)),
        )
        .set((
            webhook_deliveries::status.eq(status),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::last_attempt_at.eq(outcome.at),
            webhook_deliveries::response_code.eq(outcome.response_code),
            webhook_deliveries::last_error.eq(outcome.error.as_deref()),
            webhook_deliveries::delivered_at.eq(outcome.delivered.then_some(outcome.at)),
            webhook_deliveries::next_attempt_at.eq(outcome.retry_at.unwrap_or(outcome.at)),
            webhook_deliveries::lease_until.eq(None::<DateTime<Utc>>),
            webhook_deliveries::lease_token.eq(None::<String>),
        ))
        .execute(conn)
        .await?;
        Ok(changed == 1)
    }

    /// Marks abandoned the pending deliveries of disabled endpoints written before
    /// `written_before`: nobody is going to send them. Returns how many.
    pub async fn abandon_disabled(
        conn: &mut AsyncPgConnection,
        written_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> QueryResult<usize> {
        diesel::sql_query(
            "UPDATE webhook_deliveries d \
             SET status = 'abandoned', lease_until = NULL, lease_token = NULL, \
                 next_attempt_at = $2, \
                 last_error = 'the endpoint stayed disabled; abandoned without being sent' \
             FROM webhook_endpoints e \
             WHERE e.id = d.endpoint_id AND NOT e.enabled \
               AND d.status = 'pending' AND d.created_at < $1",
        )
        .bind::<Timestamptz, _>(written_before)
        .bind::<Timestamptz, _>(now)
        .execute(conn)
        .await
    }

    /// An endpoint's latest deliveries, newest first.
    pub async fn for_endpoint(
        conn: &mut AsyncPgConnection,
        endpoint_id: i64,
        limit: i64,
    ) -> QueryResult<Vec<Delivery>> {
        webhook_deliveries::table
            .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
            .order(webhook_deliveries::id.desc())
            .limit(limit)
            .select(Delivery::as_select())
            .load(conn)
            .await
    }

    /// The latest `per_endpoint` deliveries of every endpoint, newest first, in one query.
    pub async fn latest_per_endpoint(
        conn: &mut AsyncPgConnection,
        per_endpoint: i64,
    ) -> QueryResult<Vec<Delivery>> {
        diesel::sql_query(
            "SELECT id, endpoint_id, message_id, event, status, attempts, next_attempt_at, \
                    last_attempt_at, response_code, last_error, delivered_at, created_at \
             FROM (SELECT id, endpoint_id, message_id, event, status, attempts, next_attempt_at, \
                          last_attempt_at, response_code, last_error, delivered_at, created_at, \
                          ROW_NUMBER() OVER (PARTITION BY endpoint_id ORDER BY id DESC) AS n \
                   FROM webhook_deliveries) ranked \
             WHERE n <= $1 \
             ORDER BY endpoint_id, id DESC",
        )
        .bind::<BigInt, _>(per_endpoint)
        .load(conn)
        .await
    }

    /// Queues a delivery again as a new row (the log keeps the old one), with the same
    /// message id and body, so receivers can tell it is the same message. `None` when there is
    /// no such delivery of that endpoint.
    pub async fn redeliver(
        conn: &mut AsyncPgConnection,
        endpoint_id: i64,
        id: i64,
        now: DateTime<Utc>,
    ) -> QueryResult<Option<i64>> {
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        let row: Option<Id> = diesel::sql_query(
            "INSERT INTO webhook_deliveries (endpoint_id, message_id, event, body, next_attempt_at, created_at) \
             SELECT endpoint_id, message_id, event, body, $3, $3 FROM webhook_deliveries \
             WHERE id = $1 AND endpoint_id = $2 RETURNING id",
        )
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(endpoint_id)
        .bind::<Timestamptz, _>(now)
        .get_result(conn)
        .await
        .optional()?;
        Ok(row.map(|r| r.id))
    }
}
