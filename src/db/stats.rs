//! The dashboard's reads. Counts over every claim come from `claim_tallies`, the weekly and
//! per-reviewer numbers from `verdict_weeks` and the time to approval from the histogram in
//! `approval_hours` (all kept by statement-level triggers); a reviewer's backlog, verdict mix
//! and the oldest waiting claims read their few rows through indexes.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{BigInt, Date, Int2, Integer, Text, Timestamptz};
use diesel::{QueryResult, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::UserId;

/// States a claim is still waiting in, as SQL text for `concat!` (every value is bound).
macro_rules! open_states {
    () => {
        "('extracted', 'in_review', 'verified', 'disputed', 'unverifiable')"
    };
}

/// A claim `c` the desk works on: not merged into another, its article not archived. The
/// trigger-kept `claim_tallies` count the same claims.
macro_rules! live_claim {
    () => {
        "c.merged_into IS NULL AND NOT EXISTS (SELECT 1 FROM articles a \
         WHERE a.id = c.article_id AND a.archived_at IS NOT NULL)"
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
pub struct WeekCounts {
    #[diesel(sql_type = Date)]
    pub week: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub verdicts: i64,
    #[diesel(sql_type = BigInt)]
    pub approvals: i64,
}

/// Claims approved after `hours` (a bucket's lower bound) hours from extraction.
#[derive(Debug, Clone, QueryableByName)]
pub struct HoursBucket {
    #[diesel(sql_type = Integer)]
    pub hours: i32,
    #[diesel(sql_type = BigInt)]
    pub claims: i64,
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
                 FROM claims c WHERE assignee_id = $1 AND state IN ",
                open_states!(),
                " AND ",
                live_claim!(),
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

    /// Verdicts given and approvals per week from the week of `start`, weeks with neither
    /// left out (a reviewer: their own verdicts and the approvals of them).
    pub async fn per_week(
        conn: &mut AsyncPgConnection,
        scope: Scope,
        start: DateTime<Utc>,
    ) -> QueryResult<Vec<WeekCounts>> {
        diesel::sql_query(
            "SELECT week, sum(verdicts)::bigint AS verdicts, sum(approvals)::bigint AS approvals \
             FROM verdict_weeks \
             WHERE week >= utc_week($1) AND ($2 < 0 OR author_id = $2) \
             GROUP BY week HAVING sum(verdicts) <> 0 OR sum(approvals) <> 0 ORDER BY week",
        )
        .bind::<Timestamptz, _>(start)
        .bind::<BigInt, _>(scope.person())
        .load(conn)
        .await
    }

    /// The histogram of hours from extraction to approval of the claims approved from the
    /// week of `start` (a reviewer: claims with their verdict), shortest first.
    pub async fn approval_hours(
        conn: &mut AsyncPgConnection,
        scope: Scope,
        start: DateTime<Utc>,
    ) -> QueryResult<Vec<HoursBucket>> {
        diesel::sql_query(
            "SELECT hours, sum(claims)::bigint AS claims FROM approval_hours \
             WHERE week >= utc_week($1) AND ($2 < 0 OR author_id = $2) \
             GROUP BY hours HAVING sum(claims) > 0 ORDER BY hours",
        )
        .bind::<Timestamptz, _>(start)
        .bind::<BigInt, _>(scope.person())
        .load(conn)
        .await
    }

    /// Per reviewer, for verdicts given from the week of `start`: how many, how many an editor
    /// sent back (never approved, and no longer the claim's pending verdict), and how many a
    /// later verdict corrected.
    pub async fn reviewers(
        conn: &mut AsyncPgConnection,
        scope: Scope,
        start: DateTime<Utc>,
    ) -> QueryResult<Vec<ReviewerCounts>> {
        diesel::sql_query(
            "SELECT u.username, sum(w.verdicts)::bigint AS verdicts, \
                    sum(w.unapproved - w.pending)::bigint AS sent_back, \
                    sum(w.corrected)::bigint AS corrected \
             FROM verdict_weeks w JOIN users u ON u.id = w.author_id \
             WHERE w.week >= utc_week($1) AND ($2 < 0 OR w.author_id = $2) \
             GROUP BY u.username HAVING sum(w.verdicts) > 0 \
             ORDER BY sum(w.verdicts) DESC, u.username",
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
            " AND ($1 < 0 OR c.assignee_id = $1) AND ",
            live_claim!(),
            " ORDER BY c.created_at, c.id LIMIT $2"
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
                diesel::sql_query(concat!(
                    "SELECT category::text AS category, claim_step(verdict, rating) AS step, \
                                count(*) AS claims FROM claims c \
                         WHERE state = 'approved' AND verdict_by = $1 AND ",
                    live_claim!(),
                    " GROUP BY 1, 2 ORDER BY 1, 2"
                ))
                .bind::<BigInt, _>(user.0)
                .load(conn)
                .await
            }
        }
    }
}
