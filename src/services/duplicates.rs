//! Duplicate claims across articles: the same claim, reworded or not, arriving with another
//! article. Linked by the article's background job, after import, through an in-memory index of
//! claim embeddings (nearest neighbours, then a cosine threshold), so paraphrases are caught as
//! well as copies; without the model, by pg_trgm similarity as before. The later claim points
//! to the earlier one, and a link already made (the extractor's, inside one article) is kept.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use diesel_async::AsyncPgConnection;

use crate::db::claim_embeddings as store;
use crate::db::claims::Claim;
use crate::domain::ArticleId;
use crate::domain::duplicates::same_claim;
use crate::embed::index::VectorIndex;
use crate::embed::{Embedder, MODEL_ID};
use crate::error::AppError;
use crate::services::matching;
use crate::services::table_cache::{self, LOAD_PAGE, PerDatabase, TableCache};

/// Cosine of two claims' embeddings from which they may be the same claim (their figures must
/// agree as well). Chosen on the claim-matching training pairs (BENCHMARKS.md, "Duplicates
/// across articles").
pub const DUPLICATE_COSINE: f32 = 0.75;
/// Nearest claims of other articles looked at per claim.
const NEIGHBOURS: usize = 8;

/// Links the claims of one article (id, text) to duplicates in other articles, both ways: a
/// claim to an earlier one it repeats, and later claims that repeat it (whichever article's job
/// runs second sees both embeddings). Returns how many links were made.
pub async fn link_article(
    conn: &mut AsyncPgConnection,
    embedder: &Embedder,
    article_id: i64,
    claims: &[(i64, String)],
    trigram_threshold: f32,
) -> Result<usize, AppError> {
    let own: HashSet<i64> = claims.iter().map(|c| c.0).collect();
    link(conn, embedder, article_id, claims, own, trigram_threshold).await
}

/// [`link_article`] for one claim added to an article or changed after its import (added by
/// hand, split): its duplicates in other articles.
pub async fn link_claim(
    conn: &mut AsyncPgConnection,
    embedder: &Embedder,
    claim: &Claim,
    trigram_threshold: f32,
) -> Result<usize, AppError> {
    let own: HashSet<i64> = Claim::texts_of_article(conn, claim.article_id)
        .await?
        .into_iter()
        .map(|c| c.0)
        .collect();
    let claims = [(claim.id, claim.text.clone())];
    link(
        conn,
        embedder,
        claim.article_id,
        &claims,
        own,
        trigram_threshold,
    )
    .await
}

/// Links `claims` of an article to claims outside `own` (the article's).
async fn link(
    conn: &mut AsyncPgConnection,
    embedder: &Embedder,
    article_id: i64,
    claims: &[(i64, String)],
    own: HashSet<i64>,
    trigram_threshold: f32,
) -> Result<usize, AppError> {
    if claims.is_empty() {
        return Ok(0);
    }
    if !embedder.is_ready() {
        return link_lexically(conn, article_id, claims, trigram_threshold).await;
    }
    matching::embed_claims(conn, embedder, claims).await?;
    let index = fresh_index(conn).await?;
    // Candidates by embedding alone, off the executor: a scan of every stored claim per claim.
    let ids: Vec<i64> = claims.iter().map(|c| c.0).collect();
    let candidates = tokio::task::spawn_blocking(move || nearest_pairs(&index, &ids, &own))
        .await
        .map_err(AppError::unexpected)?;
    // Then the figures of both texts decide, on the other claim's text as it is now: an
    // embedding made from an earlier text (before a split) is not evidence.
    let others: Vec<i64> = candidates.iter().map(|p| p.1).collect();
    let texts: HashMap<i64, String> = Claim::texts(conn, &others).await?.into_iter().collect();
    let hashes = store::hashes(conn, &others, MODEL_ID).await?;
    let current = |id: &i64, text: &str| {
        hashes.get(id) == Some(&matching::text_hash(&crate::ranking::claim_text(text)))
    };
    let own_texts: HashMap<i64, &str> = claims.iter().map(|(id, t)| (*id, t.as_str())).collect();
    let pairs: Vec<(i64, i64, f32)> = candidates
        .into_iter()
        .filter(
            |(id, other, cosine)| match (own_texts.get(id), texts.get(other)) {
                (Some(a), Some(b)) => {
                    current(other, b) && same_claim(*cosine, DUPLICATE_COSINE, a, b)
                }
                _ => false,
            },
        )
        .collect();
    Ok(Claim::link_duplicates(conn, &later_to_earlier(&pairs)).await?)
}

/// Each of `ids` with its nearest claims outside `own` at [`DUPLICATE_COSINE`] or more.
fn nearest_pairs(index: &ClaimIndex, ids: &[i64], own: &HashSet<i64>) -> Vec<(i64, i64, f32)> {
    let vectors = index.read();
    let mut pairs = Vec::new();
    for &id in ids {
        let Some(query) = vectors.get(id) else {
            continue;
        };
        let nearest = vectors.nearest_where(&query, NEIGHBOURS, |o| !own.contains(&o));
        pairs.extend(
            nearest
                .into_iter()
                .filter(|(_, cosine)| *cosine >= DUPLICATE_COSINE)
                .map(|(other, cosine)| (id, other, cosine)),
        );
    }
    pairs
}

/// From pairs of similar claims (either order, with their cosine), each later claim's link to
/// its most similar earlier one.
fn later_to_earlier(pairs: &[(i64, i64, f32)]) -> Vec<(i64, i64)> {
    let mut best: HashMap<i64, (i64, f32)> = HashMap::new();
    for &(a, b, cosine) in pairs {
        let (later, earlier) = if a > b { (a, b) } else { (b, a) };
        let entry = best.entry(later).or_insert((earlier, cosine));
        if cosine > entry.1 || (cosine == entry.1 && earlier < entry.0) {
            *entry = (earlier, cosine);
        }
    }
    let mut links: Vec<(i64, i64)> = best.into_iter().map(|(l, (e, _))| (l, e)).collect();
    links.sort_unstable();
    links
}

/// Without the model: each claim to the most trigram-similar earlier claim of another article.
async fn link_lexically(
    conn: &mut AsyncPgConnection,
    article_id: i64,
    claims: &[(i64, String)],
    threshold: f32,
) -> Result<usize, AppError> {
    let mut links = Vec::new();
    for (id, text) in claims {
        let similar =
            Claim::similar_in_other_articles(conn, text, ArticleId(article_id), threshold, 5)
                .await?;
        if let Some((earlier, _)) = similar.into_iter().find(|(c, _)| c.id < *id) {
            links.push((*id, earlier.id));
        }
    }
    Ok(Claim::link_duplicates(conn, &links).await?)
}

/// One database's claim embeddings in memory (int8), a table cache (`services::table_cache`).
/// Held by the processes that run article jobs only; about 400 bytes a claim.
type ClaimIndex = TableCache<VectorIndex>;

static INDEXES: LazyLock<PerDatabase<VectorIndex>> = LazyLock::new(Default::default);

async fn fresh_index(conn: &mut AsyncPgConnection) -> Result<Arc<ClaimIndex>, AppError> {
    let snapshot = crate::db::snapshot(conn)
        .await
        .map_err(AppError::unexpected)?;
    let index = table_cache::of_database(&INDEXES, &snapshot.database);
    let mut refresh = index.refresh(snapshot.xmin).await;
    loop {
        let (from, after) = (refresh.look_from(), refresh.after());
        let rows = store::changed_since(conn, from, MODEL_ID, after, LOAD_PAGE).await?;
        let more = refresh.apply(
            rows,
            |row| row.claim_id,
            |vectors, row| match &row.embedding {
                Some(v) => vectors.insert(row.claim_id, v),
                None => vectors.remove(row.claim_id),
            },
        );
        if !more {
            break;
        }
    }
    refresh.finish();
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_later_claim_points_to_its_most_similar_earlier_one() {
        // Claim 10 (this article) is like 3 and 12; claim 11 like 3 and 20.
        let pairs = [
            (10, 3, 0.85),
            (10, 12, 0.95),
            (11, 3, 0.90),
            (11, 20, 0.81),
            (12, 10, 0.95),
        ];
        assert_eq!(
            later_to_earlier(&pairs),
            vec![(10, 3), (11, 3), (12, 10), (20, 11)]
        );
        assert!(later_to_earlier(&[]).is_empty());
    }
}
