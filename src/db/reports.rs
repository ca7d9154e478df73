//! Report queries: the claims an export selects, read in keyset batches with their evidence,
//! history and people, plus the summary counts shown at the top of a report.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub(crate) use super::claims::like_pattern;
use super::claims::{Claim, ClaimFilter};
use super::events::EventKind;
use super::schema::{articles, claim_events, claim_tags, claims, evidence};
use super::tags::Tag;
use super::users::Names;
use super::verdicts::VerdictRow;
use crate::domain::{ClaimId, ReviewState, Stance, UserId};
use crate::error::AppError;
use crate::export::{
    ReportArticle, ReportClaim, ReportEvent, ReportEvidence, ReportSummary, ReportVerdict,
};
use crate::extract::Category;

/// Claims read per round trip: large enough to amortise the four queries of a batch, small
/// enough that a batch with all its evidence and events stays a few megabytes.
pub const BATCH_SIZE: i64 = 2_000;

/// An export's [`ClaimFilter`] resolved against the database: tag names became ids, and the
/// conditions on merged claims and archived articles are kept only when there are any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub articles: Vec<i64>,
    /// Only these claims, when not empty (a public page reads its one claim this way).
    pub claim_ids: Vec<i64>,
    /// Leave out merged claims (public pages show only the claim they were merged into).
    pub standalone: bool,
    pub states: Vec<ReviewState>,
    pub category: Option<Category>,
    /// Matched case-insensitively anywhere in the claimant.
    pub claimant: Option<String>,
    /// Who gave the verdict.
    pub reviewer_id: Option<UserId>,
    /// Inclusive lower bound on `verdict_at`.
    pub decided_from: Option<DateTime<Utc>>,
    /// Exclusive upper bound on `verdict_at` (the day after `decided_to`).
    pub decided_before: Option<DateTime<Utc>>,
    /// Claims carrying every one of these tags (ids).
    pub tag_ids: Vec<i64>,
    /// Whether any claim is merged and any article archived: the conditions for them are
    /// left out of the SQL when there are none, so the common export reads as it always did.
    pub any_merged: bool,
    pub any_archived: bool,
}

/// A filter on claims built from optional parts.
type Condition = Box<dyn BoxableExpression<claims::table, Pg, SqlType = Nullable<Bool>>>;

/// Which side tables a batch loads: formats that never show events (or evidence) skip
/// reading them, which is most of the rows an export touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Related {
    pub evidence: bool,
    pub events: bool,
}

impl Related {
    pub const ALL: Related = Related {
        evidence: true,
        events: true,
    };
}

/// The article columns a report shows.
pub(crate) const ARTICLE_COLUMNS: (
    articles::id,
    articles::title,
    articles::source_url,
    articles::publisher,
    articles::published_on,
) = (
    articles::id,
    articles::title,
    articles::source_url,
    articles::publisher,
    articles::published_on,
);

/// A row of [`ARTICLE_COLUMNS`].
pub(crate) type ArticleRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<NaiveDate>,
);

pub(crate) fn report_article(
    (id, title, url, publisher, published_on): ArticleRow,
) -> ReportArticle {
    ReportArticle {
        id,
        title,
        url,
        publisher,
        published_on,
    }
}

/// Where the next batch starts: the sort key of the last claim read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchCursor {
    pub article_id: i64,
    pub claim_id: i64,
}

impl ReportQuery {
    /// The query for the claims `filter` selects: its states (every state when it names
    /// none), articles, category, claimant, verdict author, decided range and tags. An
    /// unknown tag is refused (422), so a typo never turns into a silently empty report.
    /// The queue's own parts (text search, assignee, flags, page) are not export filters.
    pub async fn resolve(
        conn: &mut AsyncPgConnection,
        filter: &ClaimFilter,
    ) -> Result<ReportQuery, AppError> {
        let states = match (filter.state, filter.states.is_empty()) {
            (Some(state), true) => vec![state],
            (Some(state), false) => filter
                .states
                .iter()
                .copied()
                .filter(|s| *s == state)
                .collect(),
            (None, false) => filter.states.clone(),
            (None, true) => ReviewState::ALL.to_vec(),
        };
        let articles = match filter.article {
            None => filter.articles.clone(),
            Some(one) if filter.articles.is_empty() || filter.articles.contains(&one) => {
                vec![one]
            }
            // Two article conditions no claim meets: an id no article has (ids start at 1).
            Some(_) => vec![0],
        };
        let (decided_from, decided_before) = filter.decided_bounds();
        let mut tag_ids = Vec::new();
        for name in &filter.tags {
            let tag = Tag::by_name(conn, name)
                .await?
                .ok_or_else(|| AppError::Validation(format!("no tag called {name:?}")))?;
            tag_ids.push(tag.id);
        }
        let any_merged = diesel::select(diesel::dsl::exists(
            claims::table.filter(claims::merged_into.is_not_null()),
        ))
        .get_result(conn)
        .await?;
        let any_archived = diesel::select(diesel::dsl::exists(
            articles::table.filter(articles::archived_at.is_not_null()),
        ))
        .get_result(conn)
        .await?;
        Ok(ReportQuery {
            any_merged,
            any_archived,
            articles,
            claim_ids: Vec::new(),
            standalone: false,
            states,
            category: filter.category,
            claimant: filter.claimant.clone(),
            reviewer_id: filter.verdict_by,
            decided_from,
            decided_before,
            tag_ids,
        })
    }

    /// What readers may see of these claims: approved, standing on their own (not merged),
    /// from articles that are not archived.
    pub fn published(claim_ids: Vec<i64>) -> ReportQuery {
        ReportQuery {
            articles: Vec::new(),
            claim_ids,
            standalone: true,
            states: vec![ReviewState::Approved],
            category: None,
            claimant: None,
            reviewer_id: None,
            decided_from: None,
            decided_before: None,
            tag_ids: Vec::new(),
            // Merged claims are left out below; archived articles always.
            any_merged: false,
            any_archived: true,
        }
    }

    /// The condition these filters put on claims, shared by the batch and summary queries.
    /// Nullable because the date and claimant tests are: a claim without them never matches.
    ///
    /// A merged claim is selected by the state of the claim it was merged into, and claims of
    /// archived articles are never selected.
    fn condition(&self) -> Condition {
        let mut cond: Condition = if self.any_merged {
            let primary = diesel::alias!(claims as primary);
            let primaries_in_states = primary
                .filter(primary.field(claims::state).eq_any(self.states.clone()))
                .select(primary.field(claims::id).nullable());
            Box::new(
                claims::merged_into
                    .is_null()
                    .and(claims::state.eq_any(self.states.clone()))
                    .or(claims::merged_into.eq_any(primaries_in_states))
                    .nullable(),
            )
        } else {
            Box::new(claims::state.eq_any(self.states.clone()).nullable())
        };
        if self.any_archived {
            cond = Box::new(cond.and(claims::article_id.eq_any(Claim::live_articles()).nullable()));
        }
        if !self.articles.is_empty() {
            cond = Box::new(cond.and(claims::article_id.eq_any(self.articles.clone()).nullable()));
        }
        if self.standalone {
            cond = Box::new(cond.and(claims::merged_into.is_null()).nullable());
        }
        if !self.claim_ids.is_empty() {
            cond = Box::new(cond.and(claims::id.eq_any(self.claim_ids.clone()).nullable()));
        }
        if let Some(category) = self.category {
            cond = Box::new(cond.and(claims::category.eq(category).nullable()));
        }
        if let Some(claimant) = &self.claimant {
            cond = Box::new(cond.and(claims::claimant.ilike(like_pattern(claimant))));
        }
        if let Some(reviewer) = self.reviewer_id {
            cond = Box::new(cond.and(claims::verdict_by.eq(reviewer)));
        }
        if let Some(from) = self.decided_from {
            cond = Box::new(cond.and(claims::verdict_at.ge(from)));
        }
        if let Some(before) = self.decided_before {
            cond = Box::new(cond.and(claims::verdict_at.lt(before)));
        }
        for &tag_id in &self.tag_ids {
            let tagged = claim_tags::table
                .filter(claim_tags::tag_id.eq(tag_id))
                .select(claim_tags::claim_id);
            cond = Box::new(cond.and(claims::id.eq_any(tagged).nullable()));
        }
        cond
    }

    /// Counts by state and by category over everything the filters select.
    pub async fn summary(&self, conn: &mut AsyncPgConnection) -> QueryResult<ReportSummary> {
        let rows: Vec<(ReviewState, Category, i64)> = claims::table
            .filter(self.condition())
            .group_by((claims::state, claims::category))
            .select((claims::state, claims::category, diesel::dsl::count_star()))
            .load(conn)
            .await?;
        let mut summary = ReportSummary::default();
        // Workflow order for states and extractor order for categories, so reports are stable.
        for state in ReviewState::ALL {
            let n: i64 = rows.iter().filter(|r| r.0 == *state).map(|r| r.2).sum();
            if n > 0 {
                summary.by_state.push((state.as_str().to_owned(), n));
            }
        }
        for category in Category::ALL {
            let n: i64 = rows.iter().filter(|r| r.1 == category).map(|r| r.2).sum();
            if n > 0 {
                summary.by_category.push((category.as_str().to_owned(), n));
            }
        }
        summary.total = rows.iter().map(|r| r.2).sum();
        Ok(summary)
    }

    /// The next batch of claims after `after` (from the start when `None`), ordered by
    /// (article id, claim id), with everything a report shows about them.
    ///
    /// `articles_seen` carries the last article between batches, so an article whose claims
    /// span two batches is shared rather than loaded twice.
    pub async fn batch(
        &self,
        conn: &mut AsyncPgConnection,
        after: Option<BatchCursor>,
        limit: i64,
        related: Related,
        last_article: &mut Option<Arc<ReportArticle>>,
    ) -> QueryResult<Vec<ReportClaim>> {
        let mut query = claims::table.into_boxed().filter(self.condition());
        if let Some(c) = after {
            // The redundant `article_id >= last` bounds the index scan, so each batch starts
            // where the previous one stopped instead of rescanning from the first article.
            query = query.filter(claims::article_id.ge(c.article_id)).filter(
                claims::article_id
                    .gt(c.article_id)
                    .or(claims::id.gt(c.claim_id)),
            );
        }
        let rows: Vec<Claim> = query
            .order((claims::article_id.asc(), claims::id.asc()))
            .limit(limit.max(1))
            .select(Claim::as_select())
            .load(conn)
            .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let claim_ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        let mut tags = Tag::for_claims(conn, &claim_ids).await?;
        // Merged claims report the verdict of the claim they were merged into.
        let mut primary_ids: Vec<ClaimId> = rows
            .iter()
            .filter_map(|c| c.merged_into.map(ClaimId))
            .collect();
        primary_ids.sort_unstable();
        primary_ids.dedup();
        let primaries: HashMap<i64, Claim> = if primary_ids.is_empty() {
            HashMap::new()
        } else {
            Claim::by_ids(conn, &primary_ids)
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect()
        };

        let evidence_rows: Vec<EvidenceRow> = if related.evidence {
            evidence::table
                .filter(evidence::claim_id.eq_any(&claim_ids))
                .order((evidence::claim_id.asc(), evidence::id.asc()))
                .select(EvidenceRow::as_select())
                .load(conn)
                .await?
        } else {
            Vec::new()
        };
        let event_rows: Vec<EventRow> = if related.events {
            claim_events::table
                .filter(claim_events::claim_id.eq_any(&claim_ids))
                .order((claim_events::claim_id.asc(), claim_events::id.asc()))
                .select(EventRow::as_select())
                .load(conn)
                .await?
        } else {
            Vec::new()
        };

        // Verdict versions are few (claims with a verdict, one more per correction) and every
        // format shows a correction, so they are always read.
        let verdict_ids: Vec<ClaimId> = claim_ids.iter().copied().map(ClaimId).collect();
        let verdict_rows = VerdictRow::for_claims(conn, &verdict_ids).await?;

        let user_ids = rows
            .iter()
            .chain(primaries.values())
            .flat_map(|c| [c.verdict_by, c.approved_by])
            .chain(
                verdict_rows
                    .iter()
                    .flat_map(|v| [v.author_id, v.approved_by]),
            )
            .chain(evidence_rows.iter().map(|e| Some(e.added_by)))
            .chain(event_rows.iter().map(|e| Some(e.actor_id)));
        let names = Names::of(conn, user_ids).await?;

        let mut article_ids: Vec<i64> = rows.iter().map(|c| c.article_id).collect();
        article_ids.dedup();
        let carried = last_article.as_ref().map(|a| a.id);
        article_ids.retain(|id| Some(*id) != carried);
        let mut article_map: HashMap<i64, Arc<ReportArticle>> = articles::table
            .filter(articles::id.eq_any(&article_ids))
            .select(ARTICLE_COLUMNS)
            .load::<ArticleRow>(conn)
            .await?
            .into_iter()
            .map(|row| (row.0, Arc::new(report_article(row))))
            .collect();
        if let Some(article) = last_article.take() {
            article_map.insert(article.id, article);
        }

        let name = |id: i64| names.get(Some(id)).unwrap_or_else(|| format!("user #{id}"));
        let mut evidence_iter = evidence_rows.into_iter().peekable();
        let mut event_iter = event_rows.into_iter().peekable();
        let mut verdict_iter = verdict_rows.into_iter().peekable();
        let mut out = Vec::with_capacity(rows.len());
        for claim in rows {
            // Both side tables are ordered by claim id like the claims themselves, so one merge
            // pass hands each claim its rows without a map per batch.
            let mut claim_evidence = Vec::new();
            while let Some(e) = evidence_iter.next_if(|e| e.claim_id <= claim.id) {
                if e.claim_id == claim.id {
                    claim_evidence.push(ReportEvidence {
                        id: e.id,
                        url: e.url,
                        title: e.title,
                        excerpt: e.excerpt,
                        stance: e.stance,
                        added_by: name(e.added_by),
                        added_at: e.added_at,
                        retracted: e.retracted_at.is_some(),
                    });
                }
            }
            let mut claim_events = Vec::new();
            while let Some(e) = event_iter.next_if(|e| e.claim_id <= claim.id) {
                if e.claim_id == claim.id {
                    claim_events.push(ReportEvent {
                        id: e.id,
                        from: e.from_state.map(|s| s.as_str().to_owned()),
                        to: e.to_state.map(|s| s.as_str().to_owned()),
                        actor: name(e.actor_id),
                        note: event_note(
                            e.kind,
                            e.note,
                            describe_change(
                                e.field.as_deref(),
                                e.old_value.as_deref(),
                                e.new_value.as_deref(),
                            ),
                        ),
                        at: e.created_at,
                    });
                }
            }
            let mut claim_verdicts = Vec::new();
            while let Some(v) = verdict_iter.next_if(|v| v.claim_id <= claim.id) {
                if v.claim_id == claim.id {
                    claim_verdicts.push(ReportVerdict {
                        verdict: v.verdict.as_str().to_owned(),
                        rating: v.rating,
                        label: v.label,
                        rationale: v.rationale,
                        author: v.author_id.map(name),
                        created_at: v.created_at,
                        approved_by: v.approved_by.map(name),
                        approved_at: v.approved_at,
                        correction_reason: v.correction_reason,
                    });
                }
            }
            let article = match article_map.get(&claim.article_id) {
                Some(a) => Arc::clone(a),
                // The foreign key makes this unreachable; a stub keeps the export going.
                None => Arc::new(ReportArticle {
                    id: claim.article_id,
                    title: format!("article #{}", claim.article_id),
                    url: None,
                    publisher: None,
                    published_on: None,
                }),
            };
            let judged = claim
                .merged_into
                .and_then(|p| primaries.get(&p))
                .unwrap_or(&claim);
            let state = judged.state;
            out.push(ReportClaim {
                id: claim.id,
                article,
                claimant_kind: claim.claimant.as_ref().and(claim.claimant_kind),
                merged_into: claim.merged_into,
                verdict: judged.verdict.map(|v| v.as_str().to_owned()),
                rating: judged.rating,
                label: judged.label.clone(),
                rationale: judged.rationale.clone(),
                reviewer: judged.verdict_by.map(name),
                approver: judged.approved_by.map(name),
                decided_at: judged.verdict_at,
                approved_at: judged.approved_at,
                is_draft: state.verdict().is_some(),
                is_correction: state == ReviewState::Approved && judged.reopen_count > 0,
                state,
                text: claim.text,
                normalized_text: claim.normalized_text,
                claimant: claim.claimant,
                category: claim.category,
                evidence: claim_evidence,
                events: claim_events,
                verdicts: claim_verdicts,
                tags: tags
                    .remove(&claim.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|t| t.name)
                    .collect(),
            });
        }
        *last_article = out.last().map(|c| Arc::clone(&c.article));
        Ok(out)
    }
}

/// Evidence events carry no states; their kind goes into the note so histories stay readable.
/// A change to the claim itself is described with its field and old and new values.
fn event_note(kind: EventKind, note: Option<String>, change: Option<String>) -> Option<String> {
    let note = match (note, change) {
        (Some(n), Some(c)) => Some(format!("{c}; {n}")),
        (n, c) => n.or(c),
    };
    match kind {
        EventKind::Transition => note,
        other => Some(match note {
            Some(n) => format!("{other}: {n}"),
            None => other.to_string(),
        }),
    }
}

/// "claimant: (none) → Dva Mayora" for an event with a change.
pub fn describe_change(
    field: Option<&str>,
    old: Option<&str>,
    new: Option<&str>,
) -> Option<String> {
    field.map(|f| {
        format!(
            "{f}: {} → {}",
            old.unwrap_or("(none)"),
            new.unwrap_or("(none)")
        )
    })
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = evidence)]
struct EvidenceRow {
    id: i64,
    claim_id: i64,
    url: String,
    title: Option<String>,
    excerpt: Option<String>,
    stance: Stance,
    added_by: i64,
    added_at: DateTime<Utc>,
    retracted_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = claim_events)]
struct EventRow {
    id: i64,
    claim_id: i64,
    actor_id: i64,
    kind: EventKind,
    from_state: Option<ReviewState>,
    to_state: Option<ReviewState>,
    note: Option<String>,
    created_at: DateTime<Utc>,
    field: Option<String>,
    old_value: Option<String>,
    new_value: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_wildcards_are_literal() {
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
