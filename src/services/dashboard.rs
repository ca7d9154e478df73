//! The dashboard: the desk's numbers for editors and admins, and a reviewer's own numbers,
//! as one model the page draws, the API returns and each chart's CSV writes.

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::stats::{Scope, Stats, WeekCounts};
use crate::domain::stats::{self, STEPS};
use crate::domain::{Role, UserId};
use crate::error::AppError;
use crate::export::csv::neutralise;

/// How many of the oldest waiting claims are listed.
pub const OLDEST: i64 = 10;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacklogJson {
    pub state: String,
    pub category: String,
    pub claims: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeekJson {
    /// The Monday (UTC) the week starts.
    pub week: NaiveDate,
    pub verdicts: i64,
    pub approvals: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovalTimeJson {
    /// Claims approved in the window.
    pub approvals: i64,
    /// Hours from extraction to approval; null without approvals. Read from a histogram of
    /// whole hours up to a week, whole days up to 90 days and whole weeks beyond, each
    /// approval counted at its bucket's start.
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewerJson {
    pub username: String,
    pub verdicts: i64,
    pub sent_back: i64,
    pub corrected: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingJson {
    pub id: i64,
    pub text: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub waiting_days: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MixJson {
    pub category: String,
    /// The rating 1 (false) … 5 (true); 0 for unverifiable.
    pub step: i16,
    pub label: &'static str,
    pub claims: i64,
}

/// Every number of the dashboard.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    /// "team" for editors and admins; "own" for a reviewer, whose numbers are only theirs.
    pub scope: &'static str,
    /// The first day of the weekly window (12 weeks, the current one last).
    pub window_start: NaiveDate,
    /// Open claims by state and category (a reviewer: assigned to them).
    pub backlog: Vec<BacklogJson>,
    pub weeks: Vec<WeekJson>,
    /// For claims approved in the window.
    pub time_to_approval: ApprovalTimeJson,
    /// Verdicts given in the window, per reviewer.
    pub reviewers: Vec<ReviewerJson>,
    pub oldest_waiting: Vec<WaitingJson>,
    /// Approved verdicts by category and step.
    pub verdict_mix: Vec<MixJson>,
}

/// The week's verdicts and approvals; a week without either has no row.
fn per_week(counts: &[WeekCounts], week: NaiveDate) -> (i64, i64) {
    counts
        .iter()
        .find(|c| c.week == week)
        .map_or((0, 0), |c| (c.verdicts, c.approvals))
}

/// The numbers for `user`: the team's for editors and admins, a reviewer's own otherwise.
pub async fn dashboard(
    conn: &mut AsyncPgConnection,
    user: UserId,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Dashboard, AppError> {
    let scope = if role.includes(Role::Editor) {
        Scope::Team
    } else {
        Scope::Own(user)
    };
    let start = stats::window_start(now);
    let weeks = stats::last_weeks(now);
    let counts = Stats::per_week(conn, scope, start).await?;
    let hours: Vec<(f64, i64)> = Stats::approval_hours(conn, scope, start)
        .await?
        .into_iter()
        .map(|b| (f64::from(b.hours), b.claims))
        .collect();
    Ok(Dashboard {
        scope: match scope {
            Scope::Team => "team",
            Scope::Own(_) => "own",
        },
        window_start: start.date_naive(),
        backlog: Stats::backlog(conn, scope)
            .await?
            .into_iter()
            .map(|c| BacklogJson {
                state: c.state,
                category: c.category,
                claims: c.claims,
            })
            .collect(),
        weeks: weeks
            .iter()
            .map(|&week| {
                let (verdicts, approvals) = per_week(&counts, week);
                WeekJson {
                    week,
                    verdicts,
                    approvals,
                }
            })
            .collect(),
        time_to_approval: ApprovalTimeJson {
            approvals: hours.iter().map(|(_, n)| n).sum(),
            median_hours: stats::percentile(&hours, 0.5),
            p90_hours: stats::percentile(&hours, 0.9),
        },
        reviewers: Stats::reviewers(conn, scope, start)
            .await?
            .into_iter()
            .map(|r| ReviewerJson {
                username: r.username,
                verdicts: r.verdicts,
                sent_back: r.sent_back,
                corrected: r.corrected,
            })
            .collect(),
        oldest_waiting: Stats::oldest_waiting(conn, scope, OLDEST)
            .await?
            .into_iter()
            .map(|c| WaitingJson {
                waiting_days: (now - c.created_at).num_days().max(0),
                id: c.id,
                text: c.text,
                state: c.state,
                created_at: c.created_at,
            })
            .collect(),
        verdict_mix: Stats::verdict_mix(conn, scope)
            .await?
            .into_iter()
            .filter(|m| STEPS.contains(&m.step))
            .map(|m| MixJson {
                label: stats::step_name(m.step),
                category: m.category,
                step: m.step,
                claims: m.claims,
            })
            .collect(),
    })
}

/// The dashboard's charts, each downloadable as CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    Backlog,
    Weeks,
    ApprovalTime,
    Reviewers,
    Oldest,
    Mix,
}

impl Chart {
    pub fn parse(name: &str) -> Option<Chart> {
        Some(match name {
            "backlog" => Chart::Backlog,
            "weeks" => Chart::Weeks,
            "approval-time" => Chart::ApprovalTime,
            "reviewers" => Chart::Reviewers,
            "oldest" => Chart::Oldest,
            "mix" => Chart::Mix,
            _ => return None,
        })
    }
}

/// One chart's numbers as CSV (RFC 4180, formula characters neutralised).
pub fn chart_csv(dashboard: &Dashboard, chart: Chart) -> Result<Vec<u8>, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut row = |cells: &[&str]| -> Result<(), AppError> {
        out.write_record(cells.iter().map(|c| neutralise(c).into_owned()))
            .map_err(AppError::unexpected)
    };
    match chart {
        Chart::Backlog => {
            row(&["state", "category", "claims"])?;
            for c in &dashboard.backlog {
                row(&[&c.state, &c.category, &c.claims.to_string()])?;
            }
        }
        Chart::Weeks => {
            row(&["week", "verdicts", "approvals"])?;
            for w in &dashboard.weeks {
                row(&[
                    &w.week.to_string(),
                    &w.verdicts.to_string(),
                    &w.approvals.to_string(),
                ])?;
            }
        }
        Chart::ApprovalTime => {
            let t = &dashboard.time_to_approval;
            let hours = |h: Option<f64>| h.map(|h| format!("{h:.1}")).unwrap_or_default();
            row(&["approvals", "median_hours", "p90_hours"])?;
            row(&[
                &t.approvals.to_string(),
                &hours(t.median_hours),
                &hours(t.p90_hours),
            ])?;
        }
        Chart::Reviewers => {
            row(&["reviewer", "verdicts", "sent_back", "corrected"])?;
            for r in &dashboard.reviewers {
                row(&[
                    &r.username,
                    &r.verdicts.to_string(),
                    &r.sent_back.to_string(),
                    &r.corrected.to_string(),
                ])?;
            }
        }
        Chart::Oldest => {
            row(&["claim", "state", "created_at", "waiting_days", "text"])?;
            for c in &dashboard.oldest_waiting {
                row(&[
                    &c.id.to_string(),
                    &c.state,
                    &c.created_at.to_rfc3339(),
                    &c.waiting_days.to_string(),
                    &c.text,
                ])?;
            }
        }
        Chart::Mix => {
            row(&["category", "rating", "verdict", "claims"])?;
            for m in &dashboard.verdict_mix {
                row(&[
                    &m.category,
                    &m.step.to_string(),
                    m.label,
                    &m.claims.to_string(),
                ])?;
            }
        }
    }
    out.into_inner()
        .map_err(|e| AppError::unexpected(e.into_error()))
}
