//! Claims: the queue's queries, the row lock and the guarded UPDATE that stores a transition.

use chrono::{DateTime, Days, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_full_text_search::configuration::TsConfigurationByName;
use diesel_full_text_search::{TsVectorExtensions, websearch_to_tsquery_with_search_config};

use std::collections::HashMap;

use super::evidence::Evidence;
use super::schema::{articles, claim_state_counts, claim_tags, claims, tags};
use super::tags::lower;
use super::users::Names;
use crate::domain::claims::{ClaimFields, ClaimOrigin};
use crate::domain::review::{ClaimChange, ClaimSnapshot, ReviewState, Transition};
use crate::domain::{ArticleId, ClaimId, UserId, Verdict, VerdictId};
use crate::extract::{Category, ClaimantKind, ExtractedClaim};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = claims)]
pub struct Claim {
    pub id: i64,
    pub article_id: i64,
    pub text: String,
    pub span_start: i32,
    pub span_end: i32,
    pub category: Category,
    pub claimant: Option<String>,
    pub score: f32,
    pub entities: serde_json::Value,
    pub state: ReviewState,
    pub assignee_id: Option<i64>,
    pub verdict: Option<Verdict>,
    pub rating: Option<i16>,
    pub label: Option<String>,
    pub rationale: Option<String>,
    pub verdict_by: Option<i64>,
    pub verdict_at: Option<DateTime<Utc>>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<DateTime<Utc>>,
    pub reopen_count: i32,
    pub version: i32,
    pub duplicate_of: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The current verdict version (`verdicts`); the verdict columns above copy it.
    pub verdict_id: Option<i64>,
    pub claimant_kind: Option<ClaimantKind>,
    /// A reviewer's wording of the claim for publication; the article span stays the source.
    pub normalized_text: Option<String>,
    pub origin: ClaimOrigin,
    /// The claim this one was merged into (always one that is not merged itself): this one
    /// follows its verdict in the queue and in reports.
    pub merged_into: Option<i64>,
    /// When the current assignee took the claim or had it assigned; `None` with no assignee.
    pub assigned_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = claims)]
pub struct NewClaim {
    pub article_id: i64,
    pub text: String,
    pub span_start: i32,
    pub span_end: i32,
    pub category: Category,
    pub claimant: Option<String>,
    pub score: f32,
    pub entities: serde_json::Value,
    pub duplicate_of: Option<i64>,
    pub claimant_kind: Option<ClaimantKind>,
    pub origin: ClaimOrigin,
}

impl NewClaim {
    /// The row for a claim the extractor found, or a person marked (`origin`).
    pub fn from_extracted(
        article_id: ArticleId,
        claim: &ExtractedClaim,
        duplicate_of: Option<ClaimId>,
    ) -> NewClaim {
        NewClaim::from_annotated(article_id, claim, duplicate_of, ClaimOrigin::Extracted)
    }

    pub fn from_annotated(
        article_id: ArticleId,
        claim: &ExtractedClaim,
        duplicate_of: Option<ClaimId>,
        origin: ClaimOrigin,
    ) -> NewClaim {
        NewClaim {
            article_id: article_id.0,
            text: claim.text.clone(),
            // Articles are capped far below 2 GiB, so offsets fit.
            span_start: i32::try_from(claim.start).unwrap_or(i32::MAX),
            span_end: i32::try_from(claim.end).unwrap_or(i32::MAX),
            category: claim.category,
            claimant: claim.claimant.clone(),
            score: claim.score.clamp(0.0, 1.0),
            entities: serde_json::to_value(&claim.entities)
                .unwrap_or_else(|_| serde_json::json!([])),
            duplicate_of: duplicate_of.map(|id| id.0),
            claimant_kind: claim.claimant.as_ref().and(claim.claimant_kind),
            origin,
        }
    }
}

/// What a correction changes (an edit, a merge or un-merge, a split); `None` leaves a column
/// alone, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = claims)]
pub struct ClaimCorrection {
    pub category: Option<Category>,
    pub claimant: Option<Option<String>>,
    pub claimant_kind: Option<Option<ClaimantKind>>,
    pub normalized_text: Option<Option<String>>,
    pub merged_into: Option<Option<i64>>,
    pub span_start: Option<i32>,
    pub span_end: Option<i32>,
    pub text: Option<String>,
}

impl ClaimCorrection {
    /// The editable fields, all of them.
    pub fn fields(fields: &ClaimFields) -> ClaimCorrection {
        ClaimCorrection {
            category: Some(fields.category),
            claimant: Some(fields.claimant.clone()),
            claimant_kind: Some(fields.claimant_kind),
            normalized_text: Some(fields.normalized_text.clone()),
            ..ClaimCorrection::default()
        }
    }
}

/// The fields a transition may change; `None` leaves a column alone, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = claims)]
struct ClaimChangeset {
    state: Option<ReviewState>,
    assignee_id: Option<Option<i64>>,
    verdict: Option<Option<Verdict>>,
    rating: Option<Option<i16>>,
    label: Option<Option<String>>,
    rationale: Option<Option<String>>,
    verdict_by: Option<Option<i64>>,
    verdict_at: Option<Option<DateTime<Utc>>>,
    approved_by: Option<Option<i64>>,
    approved_at: Option<Option<DateTime<Utc>>>,
    verdict_id: Option<Option<i64>>,
    assigned_at: Option<Option<DateTime<Utc>>>,
}

impl ClaimChangeset {
    fn for_change(
        to: ReviewState,
        change: &ClaimChange,
        actor: UserId,
        verdict_id: Option<VerdictId>,
        now: DateTime<Utc>,
    ) -> ClaimChangeset {
        let base = ClaimChangeset {
            state: Some(to),
            ..Default::default()
        };
        match change {
            ClaimChange::Take { assignee } | ClaimChange::Assign { assignee } => ClaimChangeset {
                assignee_id: Some(Some(assignee.0)),
                assigned_at: Some(Some(now)),
                ..base
            },
            ClaimChange::Release => ClaimChangeset {
                assignee_id: Some(None),
                assigned_at: Some(None),
                ..base
            },
            ClaimChange::Dismiss | ClaimChange::Restore | ClaimChange::SendBack => base,
            ClaimChange::GiveVerdict(details) => ClaimChangeset {
                verdict: Some(Some(details.verdict)),
                rating: Some(details.rating.map(|r| r.value())),
                label: Some(Some(details.label.clone())),
                rationale: Some(Some(details.rationale.clone())),
                verdict_by: Some(Some(actor.0)),
                verdict_at: Some(Some(now)),
                approved_by: Some(None),
                approved_at: Some(None),
                verdict_id: Some(verdict_id.map(|v| v.0)),
                ..base
            },
            ClaimChange::Approve { approver } => ClaimChangeset {
                approved_by: Some(Some(approver.0)),
                approved_at: Some(Some(now)),
                ..base
            },
            ClaimChange::Reopen => ClaimChangeset {
                approved_by: Some(None),
                approved_at: Some(None),
                ..base
            },
        }
    }
}

/// A claim with the names shown beside it: its article's title and the people who took it,
/// gave its verdict and approved it. The one read model of the queue, the API and the claim page.
#[derive(Debug, Clone)]
pub struct ClaimWithNames {
    pub claim: Claim,
    pub article_title: String,
    pub assignee: Option<String>,
    pub verdict_by: Option<String>,
    pub approved_by: Option<String>,
}

impl ClaimWithNames {
    /// Names for any number of claims in two queries, claims kept in order.
    pub async fn load(
        conn: &mut AsyncPgConnection,
        claims: Vec<Claim>,
    ) -> QueryResult<Vec<ClaimWithNames>> {
        let mut article_ids: Vec<i64> = claims.iter().map(|c| c.article_id).collect();
        article_ids.sort_unstable();
        article_ids.dedup();
        let titles: HashMap<i64, String> = articles::table
            .filter(articles::id.eq_any(&article_ids))
            .select((articles::id, articles::title))
            .load::<(i64, String)>(conn)
            .await?
            .into_iter()
            .collect();
        let names = Names::of(
            conn,
            claims
                .iter()
                .flat_map(|c| [c.assignee_id, c.verdict_by, c.approved_by]),
        )
        .await?;
        let name = |id: Option<i64>| names.get(id);
        Ok(claims
            .into_iter()
            .map(|claim| ClaimWithNames {
                article_title: titles.get(&claim.article_id).cloned().unwrap_or_default(),
                assignee: name(claim.assignee_id),
                verdict_by: name(claim.verdict_by),
                approved_by: name(claim.approved_by),
                claim,
            })
            .collect())
    }
}

/// Which claims to show: the one filter of the queue page, the API's claim list and exports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaimFilter {
    pub state: Option<ReviewState>,
    /// Any of these states (exports name several); empty puts no condition.
    pub states: Vec<ReviewState>,
    pub category: Option<Category>,
    pub article: Option<i64>,
    /// Any of these articles; empty puts no condition.
    pub articles: Vec<i64>,
    pub assignee: Option<UserId>,
    /// The claimant contains this text, whatever its case.
    pub claimant: Option<String>,
    /// The verdict was given by this user.
    pub verdict_by: Option<UserId>,
    /// The verdict was given on or after this day (UTC).
    pub decided_from: Option<NaiveDate>,
    /// The verdict was given on or before this day (UTC).
    pub decided_to: Option<NaiveDate>,
    pub text: Option<String>,
    /// Only claims whose stored verdict contradicts the rating scale (stored before the
    /// scale decided the outcome), for an editor to decide on.
    pub contradicts: bool,
    /// Every decided state an editor has yet to approve (verified, disputed, unverifiable).
    pub awaiting_approval: bool,
    /// Claims in review assigned to this user whose verdict an editor sent back to them.
    pub sent_back_to: Option<UserId>,
    /// Claims in review with no change since this moment.
    pub stale_before: Option<DateTime<Utc>>,
    /// Claims carrying every one of these tags (names, matched whatever their case).
    pub tags: Vec<String>,
    /// Only claims checked before: marked as a repeat, or with a close known fact-check.
    pub checked_before: bool,
    /// Leave merged claims out: each shows as its primary's row, with their count.
    pub clusters: bool,
    pub sort: ClaimSort,
    pub after: Option<Cursor>,
    pub limit: i64,
}

/// What a filter's text needs besides itself: the resolved assignee, who is asking (for
/// "sent back to me"), the clock and the configured stale age, and the page size.
#[derive(Debug, Clone, Copy)]
pub struct FilterContext {
    pub assignee: Option<UserId>,
    pub me: UserId,
    pub now: DateTime<Utc>,
    pub stale_days: i64,
    pub default_limit: i64,
}

/// A claim filter as text, from the queue page's query string, the API's, an export's or the
/// export command's flags: blank values are `None`, lists are comma-separated.
/// [`ClaimFilter::parse`] (the queue and the API) and [`ClaimFilter::parse_report`] (exports)
/// are the one place they become a filter.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClaimFilterText<'a> {
    pub state: Option<&'a str>,
    /// Several states, any case.
    pub states: Option<&'a str>,
    pub category: Option<&'a str>,
    pub article: Option<&'a str>,
    /// Several article ids.
    pub articles: Option<&'a str>,
    pub claimant: Option<&'a str>,
    /// Days, `YYYY-MM-DD`.
    pub decided_from: Option<&'a str>,
    pub decided_to: Option<&'a str>,
    pub text: Option<&'a str>,
    /// "1", "true", "yes" or "on" asks for contradicting verdicts only.
    pub contradicts: Option<&'a str>,
    /// Flags, "1", "true", "yes" or "on" to ask for them.
    pub awaiting_approval: Option<&'a str>,
    pub sent_back: Option<&'a str>,
    pub stale: Option<&'a str>,
    pub checked_before: Option<&'a str>,
    /// Tag names; each value may also hold several, comma-separated.
    pub tags: &'a [String],
    pub sort: Option<&'a str>,
    pub after: Option<&'a str>,
    pub limit: Option<&'a str>,
}

/// Trims a text value; blank means absent.
pub fn present(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// Why a filter's text was refused: a value that is not of its kind (400), or a name of
/// the right kind that nothing is called (422).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterError {
    Malformed(String),
    Unknown(String),
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(m) | Self::Unknown(m) => f.write_str(m),
        }
    }
}

impl From<FilterError> for crate::error::AppError {
    fn from(e: FilterError) -> Self {
        match e {
            FilterError::Malformed(m) => Self::BadRequest(m),
            FilterError::Unknown(m) => Self::Validation(m),
        }
    }
}

/// The states a report selects when none are named: approved verdicts, and with `drafts` the
/// decided ones not yet approved too, in workflow order.
pub fn report_default_states(drafts: bool) -> Vec<ReviewState> {
    ReviewState::ALL
        .iter()
        .copied()
        .filter(|s| *s == ReviewState::Approved || (drafts && s.verdict().is_some()))
        .collect()
}

/// The items of a comma-separated list, trimmed, blanks dropped.
fn list_items(text: Option<&str>) -> impl Iterator<Item = &str> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// Article ids, comma-separated.
fn article_ids(text: Option<&str>) -> Result<Vec<i64>, FilterError> {
    list_items(text)
        .map(|item| {
            item.parse::<i64>().map_err(|_| {
                FilterError::Malformed(format!("articles: {item:?} is not an article id"))
            })
        })
        .collect()
}

/// States named in any case, comma-separated, in workflow order and each once; an unknown
/// name is refused with the name as given.
fn states_named(text: Option<&str>) -> Result<Vec<ReviewState>, FilterError> {
    let mut named = Vec::new();
    for item in list_items(text) {
        let state = item
            .to_ascii_lowercase()
            .parse::<ReviewState>()
            .map_err(|e| {
                let as_given = crate::domain::UnknownValue {
                    value: item.to_owned(),
                    ..e
                };
                FilterError::Unknown(as_given.to_string())
            })?;
        named.push(state);
    }
    Ok(ReviewState::ALL
        .iter()
        .copied()
        .filter(|s| named.contains(s))
        .collect())
}

/// The decided-date range: each a day; refused when inverted or past the last day there is.
fn decided_range(
    text: ClaimFilterText<'_>,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>), FilterError> {
    let day = |value: Option<&str>, what: &str| {
        present(value)
            .map(crate::domain::dates::parse_day)
            .transpose()
            .map_err(|e| FilterError::Malformed(format!("{what}: {e}")))
    };
    let from = day(text.decided_from, "decided_from")?;
    let to = day(text.decided_to, "decided_to")?;
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(FilterError::Unknown(format!(
            "decided_from ({from}) is after decided_to ({to})"
        )));
    }
    if let Some(to) = to
        && to.checked_add_days(Days::new(1)).is_none()
    {
        return Err(FilterError::Unknown(format!(
            "decided_to {to} is out of range"
        )));
    }
    Ok((from, to))
}

impl ClaimFilter {
    /// The filter the text asks for, with `assignee` already resolved to a user id; a bad
    /// value is a message naming it.
    pub fn parse(text: ClaimFilterText<'_>, cx: FilterContext) -> Result<ClaimFilter, String> {
        let sort = match present(text.sort) {
            None => ClaimSort::Score,
            Some(s) => ClaimSort::parse(s).ok_or_else(|| {
                format!("unknown sort {s:?}; use score, newest, oldest, last_change or article")
            })?,
        };
        let number = |value: Option<&str>, what: &str| {
            present(value)
                .map(|s| s.parse::<i64>())
                .transpose()
                .map_err(|_| format!("{what} must be a number"))
        };
        let (decided_from, decided_to) = decided_range(text).map_err(|e| e.to_string())?;
        Ok(ClaimFilter {
            states: states_named(text.states).map_err(|e| e.to_string())?,
            articles: article_ids(text.articles).map_err(|e| e.to_string())?,
            claimant: present(text.claimant).map(str::to_owned),
            verdict_by: None,
            decided_from,
            decided_to,
            state: present(text.state)
                .map(str::parse::<ReviewState>)
                .transpose()
                .map_err(|e| e.to_string())?,
            category: present(text.category)
                .map(str::parse::<Category>)
                .transpose()
                .map_err(|e| e.to_string())?,
            article: number(text.article, "the article")?,
            assignee: cx.assignee,
            text: present(text.text)
                .map(crate::domain::search::checked)
                .transpose()?
                .map(str::to_owned),
            contradicts: flag(text.contradicts, "contradicts")?,
            awaiting_approval: flag(text.awaiting_approval, "awaiting_approval")?,
            sent_back_to: flag(text.sent_back, "sent_back")?.then_some(cx.me),
            stale_before: flag(text.stale, "stale")?
                .then(|| cx.now - chrono::Duration::days(cx.stale_days)),
            tags: tag_names(text.tags),
            checked_before: flag(text.checked_before, "checked_before")?,
            clusters: false,
            sort,
            after: present(text.after)
                .map(|s| {
                    Cursor::decode_for(s, sort).ok_or_else(|| {
                        "that page link is broken, or is for another sort order".to_owned()
                    })
                })
                .transpose()?,
            limit: number(text.limit, "the limit")?.unwrap_or(cx.default_limit),
        })
    }

    /// The filter an export's text asks for: every claim in the states it names, or approved
    /// ones (with `drafts`, decided ones not yet approved too); `verdict_by` is left for the
    /// caller to resolve from a name. Only the export's fields of `text` are read.
    pub fn parse_report(
        text: ClaimFilterText<'_>,
        drafts: bool,
    ) -> Result<ClaimFilter, FilterError> {
        let mut states = states_named(text.states)?;
        if states.is_empty() {
            states = report_default_states(drafts);
        }
        let category = present(text.category)
            .map(str::parse::<Category>)
            .transpose()
            .map_err(|e| {
                FilterError::Unknown(format!(
                    "{e}; expected one of: {}",
                    Category::ALL.map(Category::as_str).join(", ")
                ))
            })?;
        let (decided_from, decided_to) = decided_range(text)?;
        Ok(ClaimFilter {
            states,
            articles: article_ids(text.articles)?,
            category,
            claimant: present(text.claimant).map(str::to_owned),
            decided_from,
            decided_to,
            tags: tag_names(text.tags),
            ..ClaimFilter::default()
        })
    }

    /// The decided-date range as instants: from the start of `decided_from` (inclusive) to
    /// the start of the day after `decided_to` (exclusive).
    pub fn decided_bounds(&self) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        (
            self.decided_from.map(start_of_day),
            self.decided_to
                .and_then(|day| day.checked_add_days(Days::new(1)))
                .map(start_of_day),
        )
    }

    /// Whether the filter holds a text search (which runs under a time budget).
    fn searches(&self) -> bool {
        self.text.as_deref().is_some_and(|t| !t.trim().is_empty())
    }

    /// Whether anything but the state filters narrows the claims.
    fn narrows(&self) -> bool {
        self.category.is_some()
            || self.article.is_some()
            || !self.articles.is_empty()
            || self.assignee.is_some()
            || self.claimant.is_some()
            || self.verdict_by.is_some()
            || self.decided_from.is_some()
            || self.decided_to.is_some()
            || self.text.is_some()
            || self.contradicts
            || self.sent_back_to.is_some()
            || self.stale_before.is_some()
            || !self.tags.is_empty()
            || self.checked_before
    }

    /// The queue as a whole: merged claims folded into their clusters and nothing but states
    /// narrowing it, so the trigger-kept counts per state answer its counts and its total.
    fn whole_queue(&self) -> bool {
        self.clusters && !self.narrows()
    }

    /// The states the filter selects (`state`, `awaiting_approval` and `states` together);
    /// `None` for every state.
    fn selected_states(&self) -> Option<Vec<ReviewState>> {
        let decided = [
            ReviewState::Verified,
            ReviewState::Disputed,
            ReviewState::Unverifiable,
        ];
        let wanted: Option<Vec<ReviewState>> = match (self.state, self.awaiting_approval) {
            (Some(state), false) => Some(vec![state]),
            (None, true) => Some(decided.to_vec()),
            (Some(state), true) => Some(decided.into_iter().filter(|s| *s == state).collect()),
            (None, false) => None,
        };
        if self.states.is_empty() {
            return wanted;
        }
        let any_of = wanted.unwrap_or_else(|| ReviewState::ALL.to_vec());
        Some(
            any_of
                .into_iter()
                .filter(|s| self.states.contains(s))
                .collect(),
        )
    }

    /// The condition on claims every filter but the page (sort, cursor, limit) puts; with
    /// `states` false the state filters are left out (for counts per state).
    fn condition(&self, states: bool) -> Condition {
        let mut cond: Condition =
            Box::new(claims::article_id.eq_any(Claim::live_articles()).nullable());
        let wanted = if states { self.selected_states() } else { None };
        if self.clusters {
            cond = Box::new(cond.and(claims::merged_into.is_null()));
            if let Some(wanted) = wanted {
                cond = Box::new(cond.and(claims::state.eq_any(wanted)));
            }
        } else if let Some(wanted) = wanted {
            // A merged claim is in the state of the claim it was merged into. The correlated
            // EXISTS lets PostgreSQL combine the state and merged_into indexes; an IN over
            // every claim in the state hashed all of them first (65 ms at 100,000 claims).
            let primary = diesel::alias!(claims as primary);
            let primary_in_state = diesel::dsl::exists(
                primary
                    .filter(primary.field(claims::id).nullable().eq(claims::merged_into))
                    .filter(primary.field(claims::state).eq_any(wanted.clone())),
            );
            cond = Box::new(
                cond.and(
                    claims::merged_into
                        .is_null()
                        .and(claims::state.eq_any(wanted))
                        .or(claims::merged_into.is_not_null().and(primary_in_state)),
                ),
            );
        }
        if let Some(category) = self.category {
            cond = Box::new(cond.and(claims::category.eq(category)));
        }
        if let Some(article) = self.article {
            cond = Box::new(cond.and(claims::article_id.eq(article)));
        }
        if let Some(assignee) = self.assignee {
            cond = Box::new(cond.and(claims::assignee_id.eq(assignee)));
        }
        if !self.articles.is_empty() {
            cond = Box::new(cond.and(claims::article_id.eq_any(self.articles.clone())));
        }
        if let Some(claimant) = &self.claimant {
            cond = Box::new(cond.and(claims::claimant.ilike(like_pattern(claimant))));
        }
        if let Some(user) = self.verdict_by {
            cond = Box::new(cond.and(claims::verdict_by.eq(user)));
        }
        let (decided_from, decided_before) = self.decided_bounds();
        if let Some(from) = decided_from {
            cond = Box::new(cond.and(claims::verdict_at.ge(from)));
        }
        if let Some(before) = decided_before {
            cond = Box::new(cond.and(claims::verdict_at.lt(before)));
        }
        if self.checked_before {
            cond = Box::new(cond.and(diesel::dsl::sql::<diesel::sql_types::Bool>(
                super::claim_matches::CHECKED_BEFORE_SQL,
            )));
        }
        if self.contradicts {
            // The scale (domain::verdict): 4–5 verified, 1–3 disputed, no rating unverifiable.
            cond = Box::new(
                cond.and(
                    claims::verdict
                        .eq(Verdict::Verified)
                        .and(claims::rating.is_null().or(claims::rating.lt(4)))
                        .or(claims::verdict
                            .eq(Verdict::Disputed)
                            .and(claims::rating.is_null().or(claims::rating.gt(3))))
                        .or(claims::verdict
                            .eq(Verdict::Unverifiable)
                            .and(claims::rating.is_not_null())),
                ),
            );
        }
        if let Some(me) = self.sent_back_to {
            // The last move into review came from a decided state: an editor sent it back.
            cond = Box::new(
                cond.and(claims::state.eq(ReviewState::InReview))
                    .and(claims::assignee_id.eq(me))
                    .and(diesel::dsl::sql::<diesel::sql_types::Bool>(
                        "(SELECT e.from_state FROM claim_events e \
                          WHERE e.claim_id = claims.id AND e.kind = 'transition' \
                          AND e.to_state = 'in_review' ORDER BY e.id DESC LIMIT 1) \
                          IN ('verified', 'disputed', 'unverifiable')",
                    )),
            );
        }
        if let Some(before) = self.stale_before {
            cond = Box::new(
                cond.and(claims::state.eq(ReviewState::InReview))
                    .and(claims::updated_at.lt(before)),
            );
        }
        for tag in &self.tags {
            let tagged = claim_tags::table
                .inner_join(tags::table)
                .filter(lower(tags::name).eq(tag.to_lowercase()))
                .select(claim_tags::claim_id);
            cond = Box::new(cond.and(claims::id.eq_any(tagged)));
        }
        if let Some(text) = self
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            cond = Box::new(cond.and(claims::search.matches(
                websearch_to_tsquery_with_search_config(
                    TsConfigurationByName("english"),
                    text.to_owned(),
                ),
            )));
        }
        cond
    }
}

/// A filter on claims built from optional parts.
type Condition = Box<
    dyn BoxableExpression<
            claims::table,
            Pg,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
        >,
>;

/// Midnight UTC at the start of `day`.
pub(crate) fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Escapes LIKE wildcards so a claimant such as `50%` matches literally.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A yes/no query value: blank is no.
pub fn flag(value: Option<&str>, what: &str) -> Result<bool, String> {
    match present(value) {
        None | Some("0" | "false" | "no" | "off") => Ok(false),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some(other) => Err(format!("{what} must be 1 or 0, not {other:?}")),
    }
}

/// Tag names from repeated and comma-separated values, trimmed, blanks dropped, each once.
pub fn tag_names(values: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in values.iter().flat_map(|v| v.split(',')).map(str::trim) {
        if !name.is_empty()
            && !names
                .iter()
                .any(|n| n.to_lowercase() == name.to_lowercase())
        {
            names.push(name.to_owned());
        }
    }
    names
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ClaimSort {
    /// Most check-worthy first.
    #[default]
    Score,
    Newest,
    Oldest,
    /// Most recently changed first.
    LastChange,
    /// Grouped by article (the newest article first), most check-worthy first within one.
    Article,
}

impl ClaimSort {
    pub fn parse(text: &str) -> Option<ClaimSort> {
        match text {
            "score" => Some(ClaimSort::Score),
            "newest" => Some(ClaimSort::Newest),
            "oldest" => Some(ClaimSort::Oldest),
            "last_change" => Some(ClaimSort::LastChange),
            "article" => Some(ClaimSort::Article),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimSort::Score => "score",
            ClaimSort::Newest => "newest",
            ClaimSort::Oldest => "oldest",
            ClaimSort::LastChange => "last_change",
            ClaimSort::Article => "article",
        }
    }
}

/// Where the next page starts: the sort key of the last row shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cursor {
    Score {
        score: f32,
        id: i64,
    },
    Id(i64),
    /// `updated_at` in microseconds since the epoch, and the id.
    Changed {
        micros: i64,
        id: i64,
    },
    /// The article, the score and the id.
    Article {
        article: i64,
        score: f32,
        id: i64,
    },
}

impl Cursor {
    pub fn encode(self) -> String {
        match self {
            Cursor::Score { score, id } => format!("s{score}_{id}"),
            Cursor::Id(id) => format!("i{id}"),
            Cursor::Changed { micros, id } => format!("c{micros}_{id}"),
            Cursor::Article { article, score, id } => format!("a{article}_{score}_{id}"),
        }
    }

    /// A cursor for a page in `sort` order; one made for another order is refused, since
    /// following it would silently start again at the first page.
    pub fn decode_for(text: &str, sort: ClaimSort) -> Option<Cursor> {
        let cursor = Cursor::decode(text)?;
        let fits = matches!(
            (sort, cursor),
            (ClaimSort::Score, Cursor::Score { .. })
                | (ClaimSort::Newest | ClaimSort::Oldest, Cursor::Id(_))
                | (ClaimSort::LastChange, Cursor::Changed { .. })
                | (ClaimSort::Article, Cursor::Article { .. })
        );
        fits.then_some(cursor)
    }

    fn decode(text: &str) -> Option<Cursor> {
        if let Some(rest) = text.strip_prefix('s') {
            let (score, id) = rest.split_once('_')?;
            let score: f32 = score.parse().ok()?;
            score.is_finite().then_some(Cursor::Score {
                score,
                id: id.parse().ok()?,
            })
        } else if let Some(rest) = text.strip_prefix('a') {
            let mut parts = rest.splitn(3, '_');
            let article = parts.next()?.parse().ok()?;
            let score: f32 = parts.next()?.parse().ok()?;
            let id = parts.next()?.parse().ok()?;
            score
                .is_finite()
                .then_some(Cursor::Article { article, score, id })
        } else if let Some(rest) = text.strip_prefix('c') {
            let (micros, id) = rest.split_once('_')?;
            Some(Cursor::Changed {
                micros: micros.parse().ok()?,
                id: id.parse().ok()?,
            })
        } else {
            text.strip_prefix('i')?.parse().ok().map(Cursor::Id)
        }
    }

    fn after(claim: &Claim, sort: ClaimSort) -> Cursor {
        match sort {
            ClaimSort::Score => Cursor::Score {
                score: claim.score,
                id: claim.id,
            },
            ClaimSort::Newest | ClaimSort::Oldest => Cursor::Id(claim.id),
            ClaimSort::LastChange => Cursor::Changed {
                micros: claim.updated_at.timestamp_micros(),
                id: claim.id,
            },
            ClaimSort::Article => Cursor::Article {
                article: claim.article_id,
                score: claim.score,
                id: claim.id,
            },
        }
    }
}

diesel::define_sql_function!(fn set_config(name: diesel::sql_types::Text, value: diesel::sql_types::Text, is_local: diesel::sql_types::Bool) -> diesel::sql_types::Text);

/// What one queue page reads: the page, the cursor of the next one, the counts per state under
/// the filter, and how many claims the filter selects in all.
pub struct QueueRows {
    pub claims: Vec<Claim>,
    pub next: Option<Cursor>,
    pub counts: Vec<(ReviewState, i64)>,
    pub matching: i64,
}
diesel::define_sql_function!(fn similarity(a: diesel::sql_types::Text, b: diesel::sql_types::Text) -> diesel::sql_types::Float);
diesel::infix_operator!(TrigramSimilar, " % ", diesel::sql_types::Bool, backend: diesel::pg::Pg);

impl Claim {
    /// The reviewer the claim is assigned to.
    pub fn assignee(&self) -> Option<UserId> {
        self.assignee_id.map(UserId)
    }

    /// The ids of articles that are not archived: their claims are the ones lists show.
    #[allow(clippy::type_complexity)]
    pub fn live_articles() -> diesel::dsl::Select<
        diesel::dsl::Filter<articles::table, diesel::dsl::IsNull<articles::archived_at>>,
        articles::id,
    > {
        articles::table
            .filter(articles::archived_at.is_null())
            .select(articles::id)
    }

    /// The fields an edit may change, as they are now.
    pub fn fields(&self) -> ClaimFields {
        ClaimFields {
            category: self.category,
            claimant: self.claimant.clone(),
            claimant_kind: self.claimant_kind,
            normalized_text: self.normalized_text.clone(),
        }
    }

    pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[ClaimId]) -> QueryResult<Vec<Claim>> {
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        claims::table
            .filter(claims::id.eq_any(ids))
            .order(claims::id.asc())
            .select(Claim::as_select())
            .load(conn)
            .await
    }

    pub async fn insert(conn: &mut AsyncPgConnection, new: &NewClaim) -> QueryResult<Claim> {
        diesel::insert_into(claims::table)
            .values(new)
            .returning(Claim::as_returning())
            .get_result(conn)
            .await
    }

    /// The claim already stored for exactly this span of the article, if any.
    pub async fn at_span(
        conn: &mut AsyncPgConnection,
        article_id: ArticleId,
        start: i32,
        end: i32,
    ) -> QueryResult<Option<ClaimId>> {
        let found: Option<i64> = claims::table
            .filter(claims::article_id.eq(article_id))
            .filter(claims::span_start.eq(start))
            .filter(claims::span_end.eq(end))
            .select(claims::id)
            .first(conn)
            .await
            .optional()?;
        Ok(found.map(ClaimId))
    }

    /// Claims merged into this one.
    pub async fn merged_into_this(
        conn: &mut AsyncPgConnection,
        id: ClaimId,
    ) -> QueryResult<Vec<ClaimId>> {
        let ids: Vec<i64> = claims::table
            .filter(claims::merged_into.eq(id))
            .order(claims::id.asc())
            .select(claims::id)
            .load(conn)
            .await?;
        Ok(ids.into_iter().map(ClaimId).collect())
    }

    /// Stores a correction, only if the claim is still at `seen_version`; bumps the version.
    /// `None` when someone else changed the claim first.
    pub async fn correct(
        conn: &mut AsyncPgConnection,
        id: ClaimId,
        seen_version: i32,
        correction: &ClaimCorrection,
        now: DateTime<Utc>,
    ) -> QueryResult<Option<Claim>> {
        diesel::update(
            claims::table
                .filter(claims::id.eq(id))
                .filter(claims::version.eq(seen_version)),
        )
        .set((
            correction,
            claims::version.eq(claims::version + 1),
            claims::updated_at.eq(now),
        ))
        .returning(Claim::as_returning())
        .get_result(conn)
        .await
        .optional()
    }

    pub async fn by_id(conn: &mut AsyncPgConnection, id: ClaimId) -> QueryResult<Option<Claim>> {
        claims::table
            .find(id)
            .select(Claim::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// The claim, or the 404 its pages and the API answer.
    pub async fn found(
        conn: &mut AsyncPgConnection,
        id: ClaimId,
    ) -> Result<Claim, crate::error::AppError> {
        Claim::by_id(conn, id)
            .await?
            .ok_or(crate::error::AppError::NotFound("claim"))
    }

    pub async fn for_article(
        conn: &mut AsyncPgConnection,
        article_id: ArticleId,
    ) -> QueryResult<Vec<Claim>> {
        claims::table
            .filter(claims::article_id.eq(article_id))
            .order((claims::span_start.asc(), claims::id.asc()))
            .select(Claim::as_select())
            .load(conn)
            .await
    }

    /// One page of the queue and the cursor of the next page, if there is one. A text search
    /// runs in its own transaction with `statement_timeout` set to `search_budget_ms`, so a
    /// search the index cannot narrow is stopped by the database instead of reading every claim.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        filter: &ClaimFilter,
        search_budget_ms: u64,
    ) -> QueryResult<(Vec<Claim>, Option<Cursor>)> {
        if !filter.searches() {
            return Self::page(conn, filter).await;
        }
        conn.transaction(async |conn| {
            Self::limit_search(conn, search_budget_ms).await?;
            Self::page(conn, filter).await
        })
        .await
    }

    /// The queue's page, its counts per state and the number of claims the filter selects,
    /// read together; a text search bounds all three with the one budget, like [`Claim::list`].
    pub async fn queue_page(
        conn: &mut AsyncPgConnection,
        filter: &ClaimFilter,
        search_budget_ms: u64,
    ) -> QueryResult<QueueRows> {
        conn.transaction(async |conn| {
            if filter.searches() {
                Self::limit_search(conn, search_budget_ms).await?;
            }
            let (claims, next) = Self::page(conn, filter).await?;
            let counts = Self::counts(conn, filter).await?;
            let matching = if filter.whole_queue() {
                // Nothing but states narrows: the counts per state already hold the answer,
                // without counting a million rows again.
                let selected = filter.selected_states();
                counts
                    .iter()
                    .filter(|(state, _)| selected.as_ref().is_none_or(|s| s.contains(state)))
                    .map(|(_, n)| n)
                    .sum()
            } else {
                Self::count_matching(conn, filter).await?
            };
            Ok(QueueRows {
                claims,
                next,
                counts,
                matching,
            })
        })
        .await
    }

    /// Sets `statement_timeout` for the rest of the caller's transaction.
    pub(crate) async fn limit_search(
        conn: &mut AsyncPgConnection,
        budget_ms: u64,
    ) -> QueryResult<()> {
        diesel::select(set_config("statement_timeout", budget_ms.to_string(), true))
            .execute(conn)
            .await
            .map(|_| ())
    }

    async fn page(
        conn: &mut AsyncPgConnection,
        filter: &ClaimFilter,
    ) -> QueryResult<(Vec<Claim>, Option<Cursor>)> {
        let limit = filter.limit.clamp(1, 200);
        let mut query = claims::table
            .select(Claim::as_select())
            .filter(filter.condition(true))
            .into_boxed();
        query = match (filter.sort, filter.after) {
            (ClaimSort::Score, Some(Cursor::Score { score, id })) => query.filter(
                claims::score
                    .lt(score)
                    .or(claims::score.eq(score).and(claims::id.lt(id))),
            ),
            (ClaimSort::Newest, Some(Cursor::Id(id))) => query.filter(claims::id.lt(id)),
            (ClaimSort::Oldest, Some(Cursor::Id(id))) => query.filter(claims::id.gt(id)),
            (ClaimSort::LastChange, Some(Cursor::Changed { micros, id })) => {
                let at = DateTime::from_timestamp_micros(micros).unwrap_or_default();
                query.filter(
                    claims::updated_at
                        .lt(at)
                        .or(claims::updated_at.eq(at).and(claims::id.lt(id))),
                )
            }
            (ClaimSort::Article, Some(Cursor::Article { article, score, id })) => query.filter(
                claims::article_id
                    .lt(article)
                    .or(claims::article_id.eq(article).and(
                        claims::score
                            .lt(score)
                            .or(claims::score.eq(score).and(claims::id.lt(id))),
                    )),
            ),
            _ => query,
        };
        query = match filter.sort {
            ClaimSort::Score => query.order((claims::score.desc(), claims::id.desc())),
            ClaimSort::Newest => query.order(claims::id.desc()),
            ClaimSort::Oldest => query.order(claims::id.asc()),
            ClaimSort::LastChange => query.order((claims::updated_at.desc(), claims::id.desc())),
            ClaimSort::Article => query.order((
                claims::article_id.desc(),
                claims::score.desc(),
                claims::id.desc(),
            )),
        };
        let mut rows: Vec<Claim> = query.limit(limit + 1).load(conn).await?;
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|c| Cursor::after(c, filter.sort))
        } else {
            None
        };
        Ok((rows, next))
    }

    /// How many claims the filter selects in each state, whatever state it asks for (states
    /// with none are left out): the queue's tabs, counted under the other filters.
    pub async fn counts(
        conn: &mut AsyncPgConnection,
        filter: &ClaimFilter,
    ) -> QueryResult<Vec<(ReviewState, i64)>> {
        if filter.whole_queue() {
            // The whole queue: the trigger-kept counts, less the few claims of archived
            // articles and merged claims, instead of a GROUP BY over every claim. Two reads
            // that indexes answer (the partial index of merged claims; the archived articles'
            // claims by article), where one `merged OR archived` condition read every claim
            // (150 ms at 1,000,000 claims).
            let mut counts = Claim::counts_by_state(conn).await?;
            let merged: Vec<(ReviewState, i64)> = claims::table
                .filter(claims::merged_into.is_not_null())
                .group_by(claims::state)
                .select((claims::state, diesel::dsl::count_star()))
                .load(conn)
                .await?;
            let archived: Vec<(ReviewState, i64)> = claims::table
                .inner_join(articles::table)
                .filter(articles::archived_at.is_not_null())
                .filter(claims::merged_into.is_null())
                .group_by(claims::state)
                .select((claims::state, diesel::dsl::count_star()))
                .load(conn)
                .await?;
            for (state, n) in merged.into_iter().chain(archived) {
                if let Some((_, count)) = counts.iter_mut().find(|(s, _)| *s == state) {
                    *count -= n;
                }
            }
            counts.retain(|(_, n)| *n > 0);
            return Ok(counts);
        }
        claims::table
            .filter(filter.condition(false))
            .group_by(claims::state)
            .select((claims::state, diesel::dsl::count_star()))
            .load(conn)
            .await
    }

    /// How many claims the filter selects, all pages together.
    pub async fn count_matching(
        conn: &mut AsyncPgConnection,
        filter: &ClaimFilter,
    ) -> QueryResult<i64> {
        claims::table
            .filter(filter.condition(true))
            .count()
            .get_result(conn)
            .await
    }

    /// How many claims the filter selects, counting no further than `cap + 1` when a cap is
    /// given (so a count over many claims stays cheap); a text search runs under
    /// `search_budget_ms`, like [`Claim::list`].
    pub async fn count_up_to(
        conn: &mut AsyncPgConnection,
        filter: &ClaimFilter,
        cap: Option<i64>,
        search_budget_ms: u64,
    ) -> QueryResult<i64> {
        conn.transaction(async |conn| {
            if filter.searches() {
                Self::limit_search(conn, search_budget_ms).await?;
            }
            match cap {
                None => Self::count_matching(conn, filter).await,
                Some(cap) => {
                    let ids: Vec<i64> = claims::table
                        .filter(filter.condition(true))
                        .select(claims::id)
                        .limit(cap.saturating_add(1))
                        .load(conn)
                        .await?;
                    Ok(ids.len() as i64)
                }
            }
        })
        .await
    }

    /// The id and version of every claim the filter selects, oldest first, at most `limit`
    /// (for "select all matching": each is then checked at the version read here).
    pub async fn matching_versions(
        conn: &mut AsyncPgConnection,
        filter: &ClaimFilter,
        limit: i64,
    ) -> QueryResult<Vec<(i64, i32)>> {
        claims::table
            .filter(filter.condition(true))
            .order(claims::id.asc())
            .limit(limit)
            .select((claims::id, claims::version))
            .load(conn)
            .await
    }

    /// How many claims are merged into each of these, for those that have any.
    pub async fn merged_counts(
        conn: &mut AsyncPgConnection,
        ids: &[i64],
    ) -> QueryResult<HashMap<i64, i64>> {
        let rows: Vec<(Option<i64>, i64)> = claims::table
            .filter(claims::merged_into.eq_any(ids))
            .group_by(claims::merged_into)
            .select((claims::merged_into, diesel::dsl::count_star()))
            .load(conn)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, n)| id.map(|id| (id, n)))
            .collect())
    }

    /// How many claims are in each state (states with none are left out). The counts are kept
    /// by triggers in per-transaction shards (migration `sharded_counts`) and summed by the
    /// `claim_state_counts` view, so this reads at most 7 x 16 rows, not every claim.
    pub async fn counts_by_state(
        conn: &mut AsyncPgConnection,
    ) -> QueryResult<Vec<(ReviewState, i64)>> {
        claim_state_counts::table
            .filter(claim_state_counts::claims.gt(0))
            .select((claim_state_counts::state, claim_state_counts::claims))
            .load(conn)
            .await
    }

    /// Claims from other articles whose text is trigram-similar (pg_trgm) at `threshold` or
    /// more, most similar first.
    ///
    /// In two steps, the trigram index first, under two settings local to the lookup's
    /// transaction (a savepoint inside an import's):
    /// - the `%` operator's own threshold is `threshold` (it defaults to 0.3), so the GIN index
    ///   rules out far more entries itself instead of handing over every claim similar at 0.3
    ///   to be scored and dropped (212,000 claims: a sentence with thousands of near-copies
    ///   3.9 s → 0.29 s, an unrelated one 0.51 → 0.18 s);
    /// - no sequential scan. The planner prices `%` like a cheap comparison, but a similarity
    ///   costs some 75 µs, so up to tens of thousands of claims it read every claim instead of
    ///   the index (6,600 claims: 488 ms against 48 ms). Asked in one statement with the
    ///   article condition, it walked the article index instead, as slowly; asked alone, the
    ///   trigram index is its only way.
    pub async fn similar_in_other_articles(
        conn: &mut AsyncPgConnection,
        text: &str,
        article_id: ArticleId,
        threshold: f32,
        limit: i64,
    ) -> QueryResult<Vec<(Claim, String)>> {
        let threshold = threshold.clamp(0.0, 1.0);
        conn.transaction(async |conn| {
            // Local to this transaction, so pooled connections keep the defaults.
            diesel::sql_query(
                "SELECT set_config('pg_trgm.similarity_threshold', $1, true), \
                        set_config('enable_seqscan', 'off', true)",
            )
            .bind::<diesel::sql_types::Text, _>(threshold.to_string())
            .execute(conn)
            .await?;
            let candidates: Vec<i64> = claims::table
                .filter(TrigramSimilar::new(
                    claims::text,
                    text.to_owned().into_sql::<diesel::sql_types::Text>(),
                ))
                .select(claims::id)
                .load(conn)
                .await?;
            let rows: Vec<(Claim, String, f32)> = if candidates.is_empty() {
                Vec::new()
            } else {
                claims::table
                    .inner_join(articles::table)
                    .filter(claims::id.eq_any(&candidates))
                    .filter(claims::article_id.ne(article_id))
                    .order(similarity(claims::text, text.to_owned()).desc())
                    .limit(limit)
                    .select((
                        Claim::as_select(),
                        articles::title,
                        similarity(claims::text, text.to_owned()),
                    ))
                    .load(conn)
                    .await?
            };
            // Inside an import the transaction is a savepoint, and released savepoints keep
            // their settings: put both back for the rest of the import.
            conn.batch_execute(
                "SET LOCAL enable_seqscan TO DEFAULT; \
                 SET LOCAL pg_trgm.similarity_threshold TO DEFAULT",
            )
            .await?;
            Ok(rows
                .into_iter()
                // pg_trgm's threshold and this one are both `>=`, but one is f64 arithmetic
                // and the other f32: keep the check.
                .filter(|(_, _, s)| *s >= threshold)
                .map(|(c, t, _)| (c, t))
                .collect())
        })
        .await
    }

    /// Links each claim (first) to the one it duplicates (second), unless it already has a
    /// link; returns how many were linked. Not a review step: no event, no new version.
    pub async fn link_duplicates(
        conn: &mut AsyncPgConnection,
        links: &[(i64, i64)],
    ) -> QueryResult<usize> {
        if links.is_empty() {
            return Ok(0);
        }
        diesel::sql_query(
            "UPDATE claims c SET duplicate_of = l.earlier \
             FROM unnest($1::bigint[], $2::bigint[]) AS l(id, earlier) \
             WHERE c.id = l.id AND c.duplicate_of IS NULL AND l.id <> l.earlier",
        )
        .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(
            links.iter().map(|l| l.0).collect::<Vec<_>>(),
        )
        .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(
            links.iter().map(|l| l.1).collect::<Vec<_>>(),
        )
        .execute(conn)
        .await
    }

    /// Claims that name this one as their duplicate.
    pub async fn duplicates_of(
        conn: &mut AsyncPgConnection,
        id: ClaimId,
    ) -> QueryResult<Vec<Claim>> {
        claims::table
            .filter(claims::duplicate_of.eq(id))
            .order(claims::id.asc())
            .select(Claim::as_select())
            .load(conn)
            .await
    }

    pub fn snapshot(&self, evidence: &[Evidence]) -> ClaimSnapshot {
        let active: Vec<&Evidence> = evidence
            .iter()
            .filter(|e| e.retracted_at.is_none())
            .collect();
        ClaimSnapshot {
            state: self.state,
            assignee: self.assignee_id.map(UserId),
            verdict_by: self.verdict_by.map(UserId),
            active_evidence: active.len(),
            refuting_evidence: active
                .iter()
                .filter(|e| e.stance == crate::domain::Stance::Refutes)
                .count(),
        }
    }

    /// The claim, locked until the end of the transaction, so every check made on it holds
    /// when it is written.
    pub async fn lock(conn: &mut AsyncPgConnection, id: ClaimId) -> QueryResult<Option<Claim>> {
        claims::table
            .find(id.0)
            .select(Claim::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()
    }

    /// These claims, locked until the end of the transaction, in id order (so two bulk
    /// actions over overlapping claims lock them in the same order and never deadlock).
    pub async fn lock_many(
        conn: &mut AsyncPgConnection,
        ids: &[ClaimId],
    ) -> QueryResult<Vec<Claim>> {
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        claims::table
            .filter(claims::id.eq_any(ids))
            .order(claims::id.asc())
            .select(Claim::as_select())
            .for_update()
            .load(conn)
            .await
    }

    /// The claim's state, its row locked until the end of the transaction.
    pub async fn lock_state(
        conn: &mut AsyncPgConnection,
        id: ClaimId,
    ) -> QueryResult<Option<ReviewState>> {
        claims::table
            .find(id.0)
            .select(claims::state)
            .for_update()
            .first(conn)
            .await
            .optional()
    }

    /// Stores a transition the rules allowed: a guarded UPDATE that bumps the version, and
    /// only if the claim is still at `seen_version` and in `transition.from`. `None` when
    /// someone else moved it first.
    pub async fn apply_transition(
        conn: &mut AsyncPgConnection,
        id: ClaimId,
        seen_version: i32,
        transition: &Transition,
        actor: UserId,
        verdict_id: Option<VerdictId>,
        now: DateTime<Utc>,
    ) -> QueryResult<Option<Claim>> {
        let mut updated = update_for_transition(
            conn,
            &[id],
            Some(seen_version),
            transition,
            actor,
            verdict_id,
            now,
        )
        .await?;
        Ok(updated.pop())
    }

    /// Stores one allowed transition for many claims at once (a bulk action): every claim
    /// must be locked by this transaction and checked already, and be in `transition.from`;
    /// one UPDATE, so the summary triggers run once. The updated claims, in no set order.
    pub async fn apply_transition_to_many(
        conn: &mut AsyncPgConnection,
        ids: &[ClaimId],
        transition: &Transition,
        actor: UserId,
        now: DateTime<Utc>,
    ) -> QueryResult<Vec<Claim>> {
        update_for_transition(conn, ids, None, transition, actor, None, now).await
    }

    /// Bumps the version of claims whose tags changed (locked and checked by this
    /// transaction), in one UPDATE; how many rows it touched.
    pub async fn touch_many(
        conn: &mut AsyncPgConnection,
        ids: &[ClaimId],
        now: DateTime<Utc>,
    ) -> QueryResult<usize> {
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        diesel::update(claims::table.filter(claims::id.eq_any(ids)))
            .set((
                claims::version.eq(claims::version + 1),
                claims::updated_at.eq(now),
            ))
            .execute(conn)
            .await
    }
}

/// The UPDATE of a transition: the change's columns, the version bumped, guarded by the state
/// it moves from (and by the version seen, when given).
async fn update_for_transition(
    conn: &mut AsyncPgConnection,
    ids: &[ClaimId],
    seen_version: Option<i32>,
    transition: &Transition,
    actor: UserId,
    verdict_id: Option<VerdictId>,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Claim>> {
    let changes =
        ClaimChangeset::for_change(transition.to, &transition.change, actor, verdict_id, now);
    let reopened = i32::from(matches!(transition.change, ClaimChange::Reopen));
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let mut update = diesel::update(claims::table)
        .filter(claims::id.eq_any(ids))
        .filter(claims::state.eq(transition.from))
        .into_boxed();
    if let Some(seen) = seen_version {
        update = update.filter(claims::version.eq(seen));
    }
    update
        .set((
            changes,
            claims::version.eq(claims::version + 1),
            claims::reopen_count.eq(claims::reopen_count + reopened),
            claims::updated_at.eq(now),
        ))
        .returning(Claim::as_returning())
        .load(conn)
        .await
}

/// Scores, for re-scoring an article's claims in the background.
impl Claim {
    /// The id and text of every claim of an article.
    pub async fn texts_of_article(
        conn: &mut AsyncPgConnection,
        article_id: i64,
    ) -> QueryResult<Vec<(i64, String)>> {
        claims::table
            .filter(claims::article_id.eq(article_id))
            .select((claims::id, claims::text))
            .order(claims::id)
            .load(conn)
            .await
    }

    /// The texts of these claims (id, text), in no particular order.
    pub async fn texts(
        conn: &mut AsyncPgConnection,
        ids: &[i64],
    ) -> QueryResult<Vec<(i64, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        claims::table
            .filter(claims::id.eq_any(ids))
            .select((claims::id, claims::text))
            .load(conn)
            .await
    }

    /// Stores new scores; returns how many changed.
    pub async fn set_scores(
        conn: &mut AsyncPgConnection,
        scores: &[(i64, f32)],
    ) -> QueryResult<usize> {
        let mut changed = 0;
        for (id, score) in scores {
            changed += diesel::update(
                claims::table
                    .filter(claims::id.eq(id))
                    .filter(claims::score.ne(score)),
            )
            .set(claims::score.eq(score))
            .execute(conn)
            .await?;
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_come_from_repeated_and_comma_separated_values_each_once() {
        let values = vec!["budget, Élection".to_owned(), " BUDGET ".into(), ",".into()];
        assert_eq!(tag_names(&values), ["budget", "Élection"]);
        assert!(tag_names(&[]).is_empty());
    }

    #[test]
    fn a_last_change_cursor_round_trips_and_fits_only_its_sort() {
        let cursor = Cursor::Changed {
            micros: 1_764_000_000_123_456,
            id: 42,
        };
        let text = cursor.encode();
        assert_eq!(
            Cursor::decode_for(&text, ClaimSort::LastChange),
            Some(cursor)
        );
        assert_eq!(Cursor::decode_for(&text, ClaimSort::Score), None);
        assert_eq!(Cursor::decode_for("cx_1", ClaimSort::LastChange), None);
    }
}
