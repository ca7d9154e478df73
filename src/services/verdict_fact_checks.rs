//! Our approved verdicts are fact-checks too: approval puts the verdict in `fact_checks`
//! (in the approval's transaction), an approved correction updates it, and a reopening takes
//! it out until a verdict is approved again.

use diesel_async::AsyncPgConnection;

use crate::db::claim_embeddings;
use crate::db::claim_matches as store;
use crate::db::claims::Claim;
use crate::db::fact_checks::{self as fact_checks, Embeddings};
use crate::domain::ClaimId;
use crate::domain::verdict::{Rating, public_name};
use crate::embed::MODEL_ID;
use crate::error::AppError;
use crate::factcheck::FactCheckItem;
use crate::ranking;
use crate::services::claim_matches::{self, Scope};
use crate::services::matching::text_hash;

/// What `fact_checks.source` says for our own verdicts.
pub const SOURCE: &str = "claimdesk";

/// The source id of our verdict on a claim: stable across corrections, so one row follows it.
pub fn source_id(claim: ClaimId) -> String {
    format!("claimdesk:claim:{}", claim.0)
}

/// The fact-check our approved verdict on `claim` makes.
pub fn item_of(claim: &Claim) -> FactCheckItem {
    let reviewed = claim
        .normalized_text
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| claim.text.clone());
    let rated = claim.rating.and_then(Rating::new);
    FactCheckItem {
        source_id: source_id(ClaimId(claim.id)),
        claim_reviewed: reviewed,
        title: None,
        claimant: claim.claimant.clone(),
        claim_date: None,
        rating_value: rated.map(|r| f32::from(r.value())),
        rating_best: rated.map(|_| f32::from(Rating::BEST)),
        rating_worst: rated.map(|_| f32::from(Rating::WORST)),
        rating_label: Some(public_name(claim.label.as_deref(), claim.rating)),
        publisher_name: None,
        publisher_site: None,
        review_url: None,
        review_date: claim.approved_at.map(|at| at.date_naive()),
        language: None,
    }
}

/// Called in the approval's transaction: stores (or updates, for a correction) our verdict as
/// a fact-check. The claim's stored embedding is reused when it is of the same text; else the
/// matching job queued here embeds it. Claims imported from now on are matched against it;
/// older ones when their matches are next refreshed.
pub async fn approved(conn: &mut AsyncPgConnection, claim: &Claim) -> Result<(), AppError> {
    let item = item_of(claim);
    let hash = text_hash(&ranking::claim_text(&item.claim_reviewed));
    let embeddings =
        match claim_embeddings::stored(conn, ClaimId(claim.id), MODEL_ID, &hash).await? {
            Some(vector) => Embeddings {
                claim: Some(vector),
                model: Some(MODEL_ID.to_owned()),
            },
            None => Embeddings::default(),
        };
    fact_checks::upsert(conn, &item, SOURCE, Some(ClaimId(claim.id)), &embeddings).await?;
    claim_matches::enqueue(conn, Scope::Claim(ClaimId(claim.id)), None).await?;
    Ok(())
}

/// Called in the reopening's transaction: the verdict is no longer ours to stand by.
pub async fn reopened(conn: &mut AsyncPgConnection, claim: ClaimId) -> Result<(), AppError> {
    store::remove_own_fact_check(conn, claim).await?;
    Ok(())
}
