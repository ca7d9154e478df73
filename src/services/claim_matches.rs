//! "Has this been checked before?": each claim's best matches among known fact-checks, stored
//! by a background job (at import, when fact-checks arrive, on demand) so a page view runs no
//! model; the claim page's panel; attaching a match as evidence; marking a claim as a repeat.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::db::DbPool;
use crate::db::claim_matches::{self as store, CHECKED_BEFORE, LEXICAL};
use crate::db::claims::Claim;
use crate::db::events::{ClaimEvent, EventKind, NewClaimEvent};
use crate::db::evidence::NewEvidence;
use crate::db::fact_checks::{self as fact_checks, FactCheckRow};
use crate::db::jobs::{Job, NewJob};
use crate::domain::{Actor, ClaimId, UserId, review};
use crate::embed::{Embedder, MODEL_ID};
use crate::error::AppError;
use crate::services::duplicates;
use crate::services::jobs::{JobContext, JobDone, JobFailure};
use crate::services::matching::{self, ImportReport, Match};

/// The job kind that (re)computes stored matches.
pub const MATCH_CLAIMS: &str = "match_claims";
/// Matches kept per claim, and shown on the claim page.
pub const STORED: usize = 10;
pub const SHOWN: i64 = 5;
/// Claims matched per step of a job over every claim; the next step is its own job.
const BATCH: i64 = 200;
/// Our own verdicts given an embedding per job, when approval stored them without one.
const EMBED_CHUNK: usize = 64;

/// Which claims a job matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Claim(ClaimId),
    Article(i64),
    /// Every claim with an id above this one, in batches.
    After(i64),
}

impl Scope {
    fn payload(self) -> serde_json::Value {
        match self {
            Scope::Claim(id) => serde_json::json!({ "claim_id": id.0 }),
            Scope::Article(id) => serde_json::json!({ "article_id": id }),
            Scope::After(id) => serde_json::json!({ "after": id }),
        }
    }

    fn from_payload(payload: &serde_json::Value) -> Option<Scope> {
        let field = |name: &str| payload.get(name).and_then(serde_json::Value::as_i64);
        field("claim_id")
            .map(|id| Scope::Claim(ClaimId(id)))
            .or_else(|| field("article_id").map(Scope::Article))
            .or_else(|| field("after").map(Scope::After))
    }
}

/// Queues a matching job on `conn` (inside the caller's transaction, when it has one).
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    created_by: Option<UserId>,
) -> Result<Job, AppError> {
    let new = NewJob {
        kind: MATCH_CLAIMS,
        payload: scope.payload(),
        max_attempts: 3,
        source_id: None,
        dedupe_key: None,
        created_by: created_by.map(|u| u.0),
    };
    Job::enqueue(conn, &new)
        .await?
        .ok_or_else(|| AppError::unexpected(anyhow::anyhow!("a job without a key conflicted")))
}

/// After an article's claims are stored: queue the job that embeds them, links their
/// duplicates in other articles and matches them against known fact-checks.
pub async fn after_article_import(
    conn: &mut AsyncPgConnection,
    article_id: i64,
) -> Result<(), AppError> {
    enqueue(conn, Scope::Article(article_id), None).await?;
    Ok(())
}

/// After fact-checks arrive: every claim is matched again, in the background.
pub async fn after_fact_check_import(
    pool: &DbPool,
    report: &ImportReport,
    by: Option<UserId>,
) -> Result<(), AppError> {
    if report.inserted + report.updated == 0 {
        return Ok(());
    }
    let mut conn = pool.get().await?;
    if !store::claims_after(&mut conn, 0, 1).await?.is_empty() {
        enqueue(&mut conn, Scope::After(0), by).await?;
    }
    Ok(())
}

/// Runs one matching job.
pub async fn run_job(ctx: &JobContext, job: &Job) -> Result<JobDone, JobFailure> {
    let scope = Scope::from_payload(&job.payload).ok_or_else(|| JobFailure {
        message: "the job names no claims to match".into(),
        permanent: true,
    })?;
    let embedder = crate::embed::shared_async().await;
    let mut conn = ctx.pool.get().await?;
    embed_own_verdicts(&mut conn, embedder).await?;
    // Claims of an article, or one claim added or changed, first find their duplicates in
    // other articles (which embeds them).
    let threshold = ctx.extract.duplicate_threshold;
    let (claims, article_id, linked) = match scope {
        Scope::Claim(id) => {
            let claim = Claim::found(&mut conn, id).await?;
            let linked = duplicates::link_claim(&mut conn, embedder, &claim, threshold).await?;
            (
                vec![(claim.id, claim.text)],
                Some(claim.article_id),
                Some(linked),
            )
        }
        Scope::Article(id) => {
            let claims = Claim::texts_of_article(&mut conn, id).await?;
            let linked =
                duplicates::link_article(&mut conn, embedder, id, &claims, threshold).await?;
            (claims, Some(id), Some(linked))
        }
        Scope::After(after) => (
            store::claims_after(&mut conn, after, BATCH).await?,
            None,
            None,
        ),
    };
    // With no fact-checks stored there is nothing to match against.
    let mut result = if fact_checks::count(&mut conn).await? > 0 {
        let matched = refresh(&mut conn, embedder, &claims).await?;
        format!("{} claims matched, {matched} matches stored", claims.len())
    } else {
        format!("{} claims, no fact-checks to match", claims.len())
    };
    if let (Scope::After(_), Some(last)) = (scope, claims.last())
        && claims.len() as i64 == BATCH
    {
        enqueue(&mut conn, Scope::After(last.0), None).await?;
    }
    if let Some(linked) = linked {
        result.push_str(&format!(", {linked} duplicates linked"));
    }
    Ok(JobDone { result, article_id })
}

/// Recomputes and stores the matches of `claims` (id, text); returns how many were stored.
pub async fn refresh(
    conn: &mut AsyncPgConnection,
    embedder: &Embedder,
    claims: &[(i64, String)],
) -> Result<usize, AppError> {
    matching::embed_claims(conn, embedder, claims).await?;
    let model = if embedder.is_ready() {
        MODEL_ID
    } else {
        LEXICAL
    };
    let mut stored = 0;
    for (id, text) in claims {
        let id = ClaimId(*id);
        // A claim's own approved verdict is a fact-check too; it is no match for itself.
        let own = store::own_fact_check(conn, id).await?;
        let found = matching::matches_for_claim(
            conn,
            embedder,
            id,
            text,
            STORED + usize::from(own.is_some()),
        )
        .await?;
        let ranked: Vec<(i64, f32)> = found
            .iter()
            .filter(|m| Some(m.fact_check_id) != own)
            .take(STORED)
            .map(|m| (m.fact_check_id, m.score))
            .collect();
        store::replace(conn, id, &ranked, model).await?;
        stored += ranked.len();
    }
    Ok(stored)
}

/// Gives our own approved verdicts that lack one an embedding (approval stores the verdict
/// without running the model when the claim had none).
async fn embed_own_verdicts(
    conn: &mut AsyncPgConnection,
    embedder: &Embedder,
) -> Result<(), AppError> {
    if !embedder.is_ready() {
        return Ok(());
    }
    let missing = store::own_unembedded(conn, MODEL_ID, EMBED_CHUNK as i64).await?;
    let texts = missing.iter().map(|m| m.1.clone()).collect();
    let Some(vectors) = embedder.embed(texts).await.map_err(AppError::unexpected)? else {
        return Ok(());
    };
    for ((id, text), vector) in missing.iter().zip(vectors) {
        store::store_fact_check_embedding(conn, *id, text, &vector, MODEL_ID).await?;
    }
    Ok(())
}

/// One match as the claim page shows it.
#[derive(Debug, Clone)]
pub struct MatchView {
    pub found: Match,
    /// Set when the fact-check is our own verdict on that claim.
    pub verdict_claim_id: Option<i64>,
}

impl MatchView {
    fn new(row: FactCheckRow, score: f32, verdict_claim_id: Option<i64>) -> MatchView {
        MatchView {
            found: Match::new(row, score),
            verdict_claim_id,
        }
    }

    /// Who published it: the publisher's name, "our verdict", or nothing known.
    pub fn publisher(&self) -> String {
        match (&self.found.publisher, self.verdict_claim_id) {
            (Some(name), _) => name.clone(),
            (None, Some(_)) => "Our verdict".into(),
            (None, None) => "Unknown publisher".into(),
        }
    }

    pub fn score_text(&self) -> String {
        format!("{:.2}", self.found.score)
    }

    pub fn date_text(&self) -> String {
        self.found
            .review_date
            .map(|d| d.to_string())
            .unwrap_or_default()
    }
}

/// The claim page's "checked before?" panel.
#[derive(Debug, Clone, Default)]
pub struct MatchPanel {
    pub matches: Vec<MatchView>,
    /// Whether matching ever ran for this claim (otherwise the panel offers to run it).
    pub computed: bool,
    pub repeat: Option<RepeatView>,
}

/// The fact-check a claim was marked as a repeat of.
#[derive(Debug, Clone)]
pub struct RepeatView {
    pub fact_check: MatchView,
    pub marked_by: String,
    pub marked_at: DateTime<Utc>,
}

impl MatchPanel {
    /// Whether a match counts as an earlier check of this claim.
    pub fn checked_before(&self) -> bool {
        self.repeat.is_some()
            || self
                .matches
                .iter()
                .any(|m| m.found.score >= CHECKED_BEFORE && m.verdict_claim_id.is_none())
    }
}

/// What the claim page shows about earlier checks: stored matches only, no model call.
pub async fn panel(conn: &mut AsyncPgConnection, claim: ClaimId) -> Result<MatchPanel, AppError> {
    let matches = store::top(conn, claim, SHOWN)
        .await?
        .into_iter()
        .map(|m| MatchView::new(m.fact_check, m.score, m.verdict_claim_id))
        .collect::<Vec<_>>();
    let computed = !matches.is_empty() || store::has_run(conn, claim).await?;
    let repeat = store::repeat_of(conn, claim).await?.map(|r| RepeatView {
        fact_check: MatchView::new(r.fact_check, 1.0, r.verdict_claim_id),
        marked_by: r.marked_by.unwrap_or_else(|| "someone".into()),
        marked_at: r.marked_at,
    });
    Ok(MatchPanel {
        matches,
        computed,
        repeat,
    })
}

/// The evidence a fact-check makes: its review page, titled by publisher and rating, with the
/// claim it reviewed as the excerpt.
fn evidence_of(row: &FactCheckRow, stance: &str) -> Result<NewEvidence, AppError> {
    let Some(url) = &row.review_url else {
        return Err(AppError::Validation(
            "this fact-check has no address to cite; mark the claim as a repeat instead".into(),
        ));
    };
    let found = Match::new(row.clone(), 0.0);
    let mut title = found.publisher.unwrap_or_else(|| "Fact-check".into());
    if let Some(rating) = found.rating {
        title = format!("{title}: {rating}");
    }
    NewEvidence::parse(url, Some(title), Some(row.claim_reviewed.clone()), stance)
}

/// Attaches a fact-check as evidence of a claim, audited like any evidence.
pub async fn attach_as_evidence(
    conn: &mut AsyncPgConnection,
    claim: ClaimId,
    fact_check_id: i64,
    stance: &str,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (row, _) = store::fact_check(conn, fact_check_id)
        .await?
        .ok_or(AppError::NotFound("fact-check"))?;
    let new = evidence_of(&row, stance)?;
    crate::services::evidence::add(conn, claim, actor, &new, now).await?;
    Ok(())
}

/// Marks a claim as a repeat of a fact-check, with its audit event.
pub async fn mark_repeat(
    conn: &mut AsyncPgConnection,
    claim: ClaimId,
    fact_check_id: i64,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let locked = Claim::lock(conn, claim)
            .await?
            .ok_or(AppError::NotFound("claim"))?;
        crate::services::review::follows_primary(&locked)?;
        review::may_change_evidence(locked.assignee_id.map(UserId), actor)?;
        let (row, verdict_claim) = store::fact_check(conn, fact_check_id)
            .await?
            .ok_or(AppError::NotFound("fact-check"))?;
        if verdict_claim == Some(claim.0) {
            return Err(AppError::Validation(
                "a claim cannot repeat its own verdict".into(),
            ));
        }
        store::mark_repeat(conn, claim, fact_check_id, actor.id, now).await?;
        let place = row.review_url.as_deref().unwrap_or(&row.source_id);
        ClaimEvent::insert(
            conn,
            &[NewClaimEvent {
                claim_id: claim.0,
                actor_id: actor.id.0,
                kind: EventKind::MarkedRepeat,
                from_state: None,
                to_state: None,
                note: Some(format!("repeat of a checked claim: {place}")),
                evidence_id: None,
                created_at: now,
            }],
        )
        .await?;
        Ok(())
    })
    .await
}

/// Queues the matching of one claim, asked for on its page.
pub async fn request(pool: &DbPool, claim: ClaimId, by: UserId) -> Result<Job, AppError> {
    let mut conn = pool.get().await?;
    Claim::found(&mut conn, claim).await?;
    enqueue(&mut conn, Scope::Claim(claim), Some(by)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_survives_its_payload() {
        for scope in [Scope::Claim(ClaimId(7)), Scope::Article(3), Scope::After(0)] {
            assert_eq!(Scope::from_payload(&scope.payload()), Some(scope));
        }
        assert_eq!(Scope::from_payload(&serde_json::json!({})), None);
    }
}
