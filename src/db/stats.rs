//! The dashboard's reads. Counts over every claim come from `claim_tallies` (kept by
//! triggers); the rest read only the weekly window or one person's rows, through indexes.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{BigInt, Date, Double, Int2, Nullable, Text, Timestamptz};
use diesel::{QueryResult, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::UserId;

/// States a claim is still waiting in, as SQL text for `concat!` (every value is bound).
macro_rules! open_states {
    () => {
        "('extracted', 'in_review', 'verified', 'disputed', 'unverifiable')"
    };
}

#[derive(Debug, Clone, QueryableByName)]
pub struct BacklogCell {
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = BigInt)]
    pub claims: i64,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct WeekCount {
    #[diesel(sql_type = Date)]
    pub week: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ApprovalTimes {
    #[diesel(sql_type = BigInt)]
    pub approvals: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub median_hours: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub p90_hours: Option<f64>,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ReviewerCounts {
    #[diesel(sql_type = Text)]
    pub username: String,
    #[diesel(sql_type = BigInt)]
    pub verdicts: i64,
    #[diesel(sql_type = BigInt)]
    pub sent_back: i64,
    #[diesel(sql_type = BigInt)]
    pub corrected: i64,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct WaitingClaim {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub text: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct MixCell {
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Int2)]
    pub step: i16,
    #[diesel(sql_type = BigInt)]
    pub claims: i64,
}

/// Whose numbers: the whole team's, or one reviewer's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Team,
    Own(UserId),
}

impl Scope {
    /// The person, or -1 (no one) for the team; queries test `$1 < 0 OR column = $1`.
    fn person(self) -> i64 {
        match self {
            Scope::Team => -1,
            Scope::Own(user) => user.0,
        }
    }
}

pub struct Stats;

impl Stats {
    /// Open claims by state and category: the team's from the tallies, a reviewer's from the
    /// claims assigned to them.
    pub async fn backlog(
        conn: &mut AsyncPgConnection,
        scope: Scope,
    ) -> QueryResult<Vec<BacklogCell>> {
        let sql = match scope {
            Scope::Team => concat!(
                "SELECT state::text AS state, category::text AS category, sum(claims)::bigint AS claims \
                 FROM claim_tallies WHERE claims > 0 AND state IN ",
                open_states!(),
                " \
                 GROUP BY state, category ORDER BY state, category"
            ),
            Scope::Own(_) => concat!(
                "SELECT state::text AS state, category::text AS category, count(*) AS claims \
                 FROM claims WHERE assignee_id = $1 AND state IN ",
                open_states!(),
                " \
                 GROUP BY state, category ORDER BY state, category"
            ),
        };
        let query = diesel::sql_query(sql);
        match scope {
            Scope::Team => query.load(conn).await,
            Scope::Own(user) => query.bind::<BigInt, _>(user.0).load(conn).await,
        }
    }

    /// Verdicts given per week since `start` (a reviewer: their own).
    pub async fn verdicts_per_week(
        conn: &mut AsyncPgConnection,
        scope: Scope,
        start: DateTime<Utc>,
    ) -> QueryResult<Vec<WeekCount>> {
        diesel::sql_query(
            "SELECT date_trunc('week', created_at AT TIME ZONE 'UTC')::date AS week, count(*) AS n \
             FROM verdicts WHERE created_at >= $1 AND ($2 < 0 OR author_id = $2) \
             GROUP BY 1 ORDER BY 1",
        )
        .bind::<Timestamptz, _>(start)
        .bind::<BigInt, _>(scope.person())
        .load(conn)
        .await
    }

    /// Approvals per week since `start` (a reviewer: approvals of their verdicts).
    pub async fn approvals_per_week(
        conn: &mut AsyncPgConnection,
        scope: Scope,
        start: DateTime<Utc>,
    ) -> QueryResult<Vec<WeekCount>> {
        diesel::sql_query(
            "SELECT date_trunc('week', approved_at AT TIME ZONE 'UTC')::date AS week, count(*) AS n \
             FROM verdicts WHERE approved_at >= $1 AND ($2 < 0 OR author_id = $2) \
             GROUP BY 1 ORDER BY 1",
        )
        .bind::<Timestamptz, _>(start)
        .bind::<BigInt, _>(scope.person())
        .load(conn)
        .await
    }

    /// Hours from extraction to approval, median and 90th percentile, over the claims
    /// approved since `start` (a reviewer: claims with their verdict).
    pub async fn time_to_approval(
        conn: &mut AsyncPgConnection,
        scope: Scope,
        start: DateTime<Utc>,
    ) -> QueryResult<ApprovalTimes> {
        diesel::sql_query(
            "SELECT count(*) AS approvals, \
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS median_hours, \
                    percentile_cont(0.9) WITHIN GROUP (ORDER BY hours) AS p90_hours \
             FROM (SELECT extract(epoch FROM approved_at - created_at)::float8 / 3600 AS hours \
                   FROM claims WHERE approved_at >= $1 AND ($2 < 0 OR verdict_by = $2)) t",
        )
        .bind::<Timestamptz, _>(start)
        .bind::<BigInt, _>(scope.person())
        .get_result(conn)
        .await
    }

    /// Per reviewer, for verdicts given since `start`: how many, how many an editor sent back
    /// (never approved, and no longer the claim's pending verdict), and how many a later
    /// verdict corrected.
    pub async fn reviewers(
        conn: &mut AsyncPgConnection,
        scope: Scope,
        start: DateTime<Utc>,
    ) -> QueryResult<Vec<ReviewerCounts>> {
        // The window's verdicts are read once; only the unapproved ones are looked up in
        // claims (by primary key), and corrections are a small set joined by hash, so the
        // cost follows the window, not the table.
        diesel::sql_query(
            "WITH w AS (SELECT id, claim_id, author_id, approved_at FROM verdicts \
                        WHERE created_at >= $1 AND ($2 < 0 OR author_id = $2)) \
             SELECT u.username, count(*) AS verdicts, \
                    count(*) FILTER (WHERE w.approved_at IS NULL AND NOT EXISTS ( \
                        SELECT 1 FROM claims c WHERE c.id = w.claim_id AND c.verdict_id = w.id \
                        AND c.state IN ('verified', 'disputed', 'unverifiable'))) AS sent_back, \
                    count(k.corrects_id) AS corrected \
             FROM w JOIN users u ON u.id = w.author_id \
             LEFT JOIN (SELECT DISTINCT corrects_id FROM verdicts \
                        WHERE corrects_id IS NOT NULL AND created_at >= $1) k \
                    ON k.corrects_id = w.id \
             GROUP BY u.username ORDER BY count(*) DESC, u.username",
        )
        .bind::<Timestamptz, _>(start)
        .bind::<BigInt, _>(scope.person())
        .load(conn)
        .await
    }

    /// The claims waiting longest (not approved or dismissed, not merged, article not
    /// archived); a reviewer: those assigned to them.
    pub async fn oldest_waiting(
        conn: &mut AsyncPgConnection,
        scope: Scope,
        limit: i64,
    ) -> QueryResult<Vec<WaitingClaim>> {
        diesel::sql_query(concat!(
            "SELECT c.id, c.text, c.state::text AS state, c.created_at FROM claims c \
             WHERE c.state IN ",
            open_states!(),
            " AND c.merged_into IS NULL AND ($1 < 0 OR c.assignee_id = $1) \
               AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = c.article_id \
                               AND a.archived_at IS NOT NULL) \
             ORDER BY c.created_at, c.id LIMIT $2"
        ))
        .bind::<BigInt, _>(scope.person())
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await
    }

    /// Approved verdicts by category and step: the team's from the tallies, a reviewer's from
    /// the claims carrying their verdict.
    pub async fn verdict_mix(
        conn: &mut AsyncPgConnection,
        scope: Scope,
    ) -> QueryResult<Vec<MixCell>> {
        match scope {
            Scope::Team => {
                diesel::sql_query(
                    "SELECT category::text AS category, step, claims FROM claim_tallies \
                     WHERE state = 'approved' AND step >= 0 AND claims > 0 ORDER BY category, step",
                )
                .load(conn)
                .await
            }
            Scope::Own(user) => {
                diesel::sql_query(
                    "SELECT category::text AS category, claim_step(verdict, rating) AS step, \
                            count(*) AS claims FROM claims \
                     WHERE state = 'approved' AND verdict_by = $1 GROUP BY 1, 2 ORDER BY 1, 2",
                )
                .bind::<BigInt, _>(user.0)
                .load(conn)
                .await
            }
        }
    }
}
