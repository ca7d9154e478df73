//! Known fact-checks and claim matching: importing fact-checks with their embeddings, and
//! ranking them against a text or a claim. The web app and `claimdesk match` both rank here.

use std::collections::HashSet;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::fact_checks::{self as store, Candidate, Embeddings, FactCheckRow};
use crate::domain::ClaimId;
use crate::embed::{Embedder, MODEL_ID};
use crate::error::AppError;
use crate::factcheck::{FactCheckItem, ItemError};
use crate::ranking::{self, Signals, Weights};

/// Lexical candidates re-ranked per query: enough to hold the right fact-check nearly always.
pub const CANDIDATES: i64 = 100;
/// Most matches the API returns for one text (the command line may ask for every candidate).
pub const MAX_LIMIT: usize = 50;
/// Longest text matched, in bytes.
pub const MAX_TEXT_BYTES: usize = 10_000;
/// Items written per transaction (and embedded per model call) during an import.
const IMPORT_CHUNK: usize = 256;

/// One ranked fact-check, as the API and the claim page show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Match {
    pub fact_check_id: i64,
    pub source_id: String,
    pub claim_reviewed: String,
    /// The rating's label, or its value out of the best rating.
    pub rating: Option<String>,
    pub publisher: Option<String>,
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub review_date: Option<chrono::NaiveDate>,
    pub score: f32,
}

impl Match {
    pub fn new(row: FactCheckRow, score: f32) -> Match {
        let rating = row.rating_label.clone().or_else(|| {
            row.rating_value.map(|v| match row.rating_best {
                Some(best) => format!("{v}/{best}"),
                None => v.to_string(),
            })
        });
        Match {
            fact_check_id: row.id,
            source_id: row.source_id,
            claim_reviewed: row.claim_reviewed,
            rating,
            publisher: row.publisher_name,
            url: row.review_url,
            review_date: row.review_date,
            score,
        }
    }
}

/// How an import went.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    /// Items refused, each with its place and reason.
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<ItemError>,
    /// Whether embeddings were computed (false: the model is unavailable).
    pub embedded: bool,
}

/// Ranks the stored fact-checks against `text`; at most `limit` matches, best first.
pub async fn match_text(
    conn: &mut AsyncPgConnection,
    embedder: &Embedder,
    text: &str,
    limit: usize,
    weights: Weights,
) -> Result<Vec<Match>, AppError> {
    let text = check_text(text)?;
    let limit = limit.min(MAX_LIMIT);
    let query = ranking::claim_text(text);
    let query_embedding = embedder
        .embed_one(&query)
        .await
        .map_err(AppError::unexpected)?;
    rank_with(conn, &query, query_embedding.as_deref(), limit, weights).await
}

/// Ranking given the query's embedding (if any): candidates from full-text search, re-ranked.
async fn rank_with(
    conn: &mut AsyncPgConnection,
    query: &str,
    query_embedding: Option<&[f32]>,
    limit: usize,
    weights: Weights,
) -> Result<Vec<Match>, AppError> {
    let candidates = store::lexical_candidates(conn, query, CANDIDATES).await?;
    let signals: Vec<Signals> = candidates
        .iter()
        .map(|c| signals(c, query_embedding))
        .collect();
    let mut candidates: Vec<Option<Candidate>> = candidates.into_iter().map(Some).collect();
    Ok(ranking::rank(&signals, weights)
        .into_iter()
        .take(limit)
        .filter_map(|(i, score)| {
            candidates[i]
                .take()
                .map(|c| Match::new(c.fact_check, (score * 1e4).round() / 1e4))
        })
        .collect())
}

fn signals(c: &Candidate, query: Option<&[f32]>) -> Signals {
    let current = c.embedding_model.as_deref() == Some(MODEL_ID);
    let cos = |e: &Option<Vec<f32>>| match (query, e) {
        (Some(q), Some(e)) if current => Some(crate::embed::cosine(q, e)),
        _ => None,
    };
    Signals {
        lexical: c.lexical,
        claim: cos(&c.embedding),
    }
}

fn check_text(text: &str) -> Result<&str, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::Validation("the text to match is empty".into()));
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(AppError::Validation(format!(
            "the text to match must be at most {MAX_TEXT_BYTES} bytes"
        )));
    }
    if text.contains('\0') {
        return Err(AppError::Validation(
            "text may not contain NUL (U+0000) characters".into(),
        ));
    }
    Ok(text)
}

/// Stores fact-checks (new ones inserted, known source ids updated) with their embeddings,
/// in chunks; `progress` hears how many items are done after each chunk.
pub async fn import_fact_checks(
    conn: &mut AsyncPgConnection,
    embedder: &Embedder,
    items: Vec<FactCheckItem>,
    errors: Vec<ItemError>,
    source: &str,
    mut progress: impl FnMut(usize),
) -> Result<ImportReport, AppError> {
    let mut report = ImportReport {
        errors,
        embedded: embedder.is_ready(),
        ..ImportReport::default()
    };
    // The last of several items with one source id wins, as a re-import would.
    let mut seen = HashSet::new();
    let mut items: Vec<FactCheckItem> = items
        .into_iter()
        .rev()
        .filter(|i| seen.insert(i.source_id.clone()))
        .collect();
    items.reverse();
    let mut done = 0;
    for chunk in items.chunks(IMPORT_CHUNK) {
        let embeddings = embed_items(conn, embedder, chunk).await?;
        conn.transaction::<_, AppError, _>(async |conn| {
            for (item, embeddings) in chunk.iter().zip(&embeddings) {
                let (_, inserted) = store::upsert(conn, item, source, None, embeddings).await?;
                if inserted {
                    report.inserted += 1;
                } else {
                    report.updated += 1;
                }
            }
            Ok(())
        })
        .await?;
        done += chunk.len();
        progress(done);
    }
    Ok(report)
}

/// Embeddings for the items whose texts changed (or are new); empty ones keep what is stored.
async fn embed_items(
    conn: &mut AsyncPgConnection,
    embedder: &Embedder,
    items: &[FactCheckItem],
) -> Result<Vec<Embeddings>, AppError> {
    let mut out = vec![Embeddings::default(); items.len()];
    if !embedder.is_ready() {
        return Ok(out);
    }
    let unchanged = store::unchanged(conn, items, MODEL_ID).await?;
    let todo: Vec<usize> = (0..items.len())
        .filter(|&i| !unchanged.contains(&items[i].source_id))
        .collect();
    // The claim alone: embedding titles as well would double the import time.
    let texts: Vec<String> = todo
        .iter()
        .map(|&i| items[i].claim_reviewed.clone())
        .collect();
    let Some(vectors) = embedder.embed(texts).await.map_err(AppError::unexpected)? else {
        return Ok(out);
    };
    let mut vectors = vectors.into_iter();
    for &i in &todo {
        out[i] = Embeddings {
            claim: vectors.next(),
            model: Some(MODEL_ID.to_owned()),
        };
    }
    Ok(out)
}

/// SHA-256 of a text, to tell whether a stored embedding is still the text's.
pub fn text_hash(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

/// Ranks the stored fact-checks for many texts at once (embedded in batches), in order.
pub async fn match_many(
    conn: &mut AsyncPgConnection,
    embedder: &Embedder,
    texts: Vec<String>,
    limit: usize,
    weights: Weights,
) -> Result<Vec<Vec<Match>>, AppError> {
    let queries: Vec<String> = texts.iter().map(|t| ranking::claim_text(t)).collect();
    let embeddings = embedder
        .embed(queries.clone())
        .await
        .map_err(AppError::unexpected)?;
    let mut out = Vec::with_capacity(queries.len());
    for (i, query) in queries.iter().enumerate() {
        let embedding = embeddings
            .as_ref()
            .and_then(|e| e.get(i))
            .map(Vec::as_slice);
        out.push(rank_with(conn, query, embedding, limit, weights).await?);
    }
    Ok(out)
}

/// A claim's best matches. Its embedding is computed once and stored (again only when the
/// text or the model changes), so showing matches runs no model.
pub async fn matches_for_claim(
    conn: &mut AsyncPgConnection,
    embedder: &Embedder,
    claim_id: ClaimId,
    text: &str,
    limit: usize,
) -> Result<Vec<Match>, AppError> {
    let query = ranking::claim_text(text);
    let embedding = claim_embedding(conn, embedder, claim_id, &query).await?;
    rank_with(
        conn,
        &query,
        embedding.as_deref(),
        limit,
        Weights::default(),
    )
    .await
}

/// The stored embedding of a claim's text, computed and stored when missing or stale.
async fn claim_embedding(
    conn: &mut AsyncPgConnection,
    embedder: &Embedder,
    claim_id: ClaimId,
    query: &str,
) -> Result<Option<Vec<f32>>, AppError> {
    let hash = text_hash(query);
    if let Some(stored) = store::claim_embedding(conn, claim_id, MODEL_ID, &hash).await? {
        return Ok(Some(stored));
    }
    let Some(embedding) = embedder
        .embed_one(query)
        .await
        .map_err(AppError::unexpected)?
    else {
        return Ok(None);
    };
    store::store_claim_embedding(conn, claim_id, &embedding, MODEL_ID, &hash).await?;
    Ok(Some(embedding))
}
