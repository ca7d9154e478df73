//! Known fact-checks and claim matching: importing fact-checks with their embeddings, and
//! ranking them against a text or a claim. The web app and `claimdesk match` both rank here.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use diesel_async::AsyncPgConnection;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::claim_embeddings;
use crate::db::fact_checks::{self as store, Embeddings, FactCheckRow};
use crate::domain::ClaimId;
use crate::embed::index::{TermIndex, VectorIndex, quantise};
use crate::embed::{Embedder, MODEL_ID};
use crate::error::AppError;
use crate::factcheck::{FactCheckItem, ItemError};
use crate::ranking::{self, Signals, Weights};
use crate::services::table_cache::{self, LOAD_PAGE, PerDatabase, TableCache};

/// Best fact-checks by BM25 re-ranked per query: enough to hold the right one nearly always.
pub const CANDIDATES: usize = 100;
/// Nearest fact-checks by embedding re-ranked per query, beside the BM25 ones: they find
/// paraphrases that share no rare word.
pub const NEAREST: usize = 100;
/// Most matches the API returns for one text (the command line may ask for every candidate).
pub const MAX_LIMIT: usize = 50;
/// Longest text matched, in bytes.
pub const MAX_TEXT_BYTES: usize = 10_000;
/// Items written per statement during an import.
const IMPORT_CHUNK: usize = 256;
/// Texts (fact-checks at import, claims lacking embeddings) embedded per call: the embedder
/// sorts them by length into batches (the more it sorts, the less padding it computes) and
/// encodes them a turn at a time.
const EMBED_WINDOW: usize = 1024;

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

/// Ranking given the query's embedding (if any). Candidates come from two sources, both in
/// the in-memory index: the best fact-checks by BM25 over the query's full-text terms, and the
/// nearest by embedding; every candidate is scored on both signals.
async fn rank_with(
    conn: &mut AsyncPgConnection,
    query: &str,
    query_embedding: Option<&[f32]>,
    limit: usize,
    weights: Weights,
) -> Result<Vec<Match>, AppError> {
    let probe = store::probe(conn, query).await?;
    let index = fresh_index(conn, &probe).await?;
    let quantised = query_embedding.map(quantise);
    let candidates: Vec<i64> = {
        let data = index.read();
        let mut ids: Vec<i64> = data
            .terms
            .search(&probe.terms, CANDIDATES)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        if let Some(q) = &quantised {
            let seen: HashSet<i64> = ids.iter().copied().collect();
            let nearest = data.vectors.nearest(q, NEAREST);
            ids.extend(
                nearest
                    .into_iter()
                    .map(|(id, _)| id)
                    .filter(|id| !seen.contains(id)),
            );
        }
        ids
    };
    let mut rows: HashMap<i64, FactCheckRow> = store::by_ids(conn, &candidates)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    // The index learns of writes, not of deletions (a reopened claim's own verdict leaves the
    // table): a candidate whose row is gone leaves the index here, before it can be ranked or
    // set the scale of the lexical scores.
    let (ids, gone): (Vec<i64>, Vec<i64>) =
        candidates.into_iter().partition(|id| rows.contains_key(id));
    if !gone.is_empty() {
        let mut data = index.write();
        for id in gone {
            data.vectors.remove(id);
            data.terms.remove(id);
        }
    }
    let signals: Vec<Signals> = {
        let data = index.read();
        let lexical = data.terms.scores(&probe.terms, &ids);
        ids.iter()
            .zip(lexical)
            .map(|(&id, lexical)| Signals {
                lexical,
                claim: quantised.as_ref().and_then(|q| data.vectors.cosine(q, id)),
            })
            .collect()
    };
    Ok(ranking::rank(&signals, weights)
        .into_iter()
        .take(limit)
        .filter_map(|(i, score)| {
            rows.remove(&ids[i])
                .map(|row| Match::new(row, (score * 1e4).round() / 1e4))
        })
        .collect())
}

/// One database's fact-checks in memory: their embeddings (int8) for nearest neighbours and
/// their full-text terms (PostgreSQL's lexemes of claim and title) for BM25. A table cache
/// (`services::table_cache`), so writes by any process show at once; deleted rows leave it
/// when a match meets them.
#[derive(Default)]
struct IndexData {
    vectors: VectorIndex,
    terms: TermIndex,
}

type MatchIndex = TableCache<IndexData>;

static INDEXES: LazyLock<PerDatabase<IndexData>> = LazyLock::new(Default::default);

async fn fresh_index(
    conn: &mut AsyncPgConnection,
    probe: &store::Probe,
) -> Result<Arc<MatchIndex>, AppError> {
    let index = table_cache::of_database(&INDEXES, &probe.database);
    let xmin: u64 = probe.xmin.parse().map_err(|e| {
        AppError::unexpected(anyhow::anyhow!("snapshot xmin {:?}: {e}", probe.xmin))
    })?;
    let mut refresh = index.refresh(xmin).await;
    loop {
        let (from, after) = (refresh.look_from(), refresh.after());
        let rows = store::changed_since(conn, from, MODEL_ID, after, LOAD_PAGE).await?;
        let more = refresh.apply(
            rows,
            |row| row.id,
            |data, row| {
                match &row.embedding {
                    Some(v) => data.vectors.insert(row.id, v),
                    None => data.vectors.remove(row.id),
                }
                let counts: Vec<u32> = row
                    .term_counts
                    .iter()
                    .map(|&n| u32::try_from(n).unwrap_or(1))
                    .collect();
                data.terms.set(row.id, &row.terms, &counts);
            },
        );
        if !more {
            break;
        }
    }
    refresh.finish();
    Ok(index)
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
    for window in items.chunks(EMBED_WINDOW) {
        let embeddings = embed_items(conn, embedder, window).await?;
        for (chunk, embeddings) in window
            .chunks(IMPORT_CHUNK)
            .zip(embeddings.chunks(IMPORT_CHUNK))
        {
            let inserted = store::upsert_many(conn, chunk, source, embeddings).await?;
            report.inserted += inserted;
            report.updated += chunk.len() - inserted;
            done += chunk.len();
            progress(done);
        }
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

/// Embeds, in batches, the claims (id, text) whose stored embeddings are missing or stale,
/// and stores them, so ranking each claim or looking for its duplicates finds it stored.
pub async fn embed_claims(
    conn: &mut AsyncPgConnection,
    embedder: &Embedder,
    claims: &[(i64, String)],
) -> Result<(), AppError> {
    if !embedder.is_ready() || claims.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = claims.iter().map(|c| c.0).collect();
    let stored = claim_embeddings::hashes(conn, &ids, MODEL_ID).await?;
    let todo: Vec<(ClaimId, String, Vec<u8>)> = claims
        .iter()
        .filter_map(|(id, text)| {
            let query = ranking::claim_text(text);
            let hash = text_hash(&query);
            (stored.get(id) != Some(&hash)).then_some((ClaimId(*id), query, hash))
        })
        .collect();
    for chunk in todo.chunks(EMBED_WINDOW) {
        let texts = chunk.iter().map(|c| c.1.clone()).collect();
        let Some(vectors) = embedder.embed(texts).await.map_err(AppError::unexpected)? else {
            return Ok(());
        };
        let rows: Vec<(ClaimId, &[f32], &[u8])> = chunk
            .iter()
            .zip(&vectors)
            .map(|((id, _, hash), v)| (*id, v.as_slice(), hash.as_slice()))
            .collect();
        claim_embeddings::store_many(conn, &rows, MODEL_ID).await?;
    }
    Ok(())
}

/// The stored embedding of a claim's text, computed and stored when missing or stale.
async fn claim_embedding(
    conn: &mut AsyncPgConnection,
    embedder: &Embedder,
    claim_id: ClaimId,
    query: &str,
) -> Result<Option<Vec<f32>>, AppError> {
    let hash = text_hash(query);
    if let Some(stored) = claim_embeddings::stored(conn, claim_id, MODEL_ID, &hash).await? {
        return Ok(Some(stored));
    }
    let Some(embedding) = embedder
        .embed_one(query)
        .await
        .map_err(AppError::unexpected)?
    else {
        return Ok(None);
    };
    claim_embeddings::store(conn, claim_id, &embedding, MODEL_ID, &hash).await?;
    Ok(Some(embedding))
}
