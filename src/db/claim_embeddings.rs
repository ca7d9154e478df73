//! Claims' stored embeddings: one per claim, with the model that made it and a hash of the text
//! it was made from, so a changed text or model shows as stale and a page view never runs the
//! model. Each row remembers the transaction that last wrote it, for the in-memory claim index.

use std::collections::HashMap;

use diesel::sql_types::{Array, BigInt, Bytea, Float4, Integer, Nullable, Text};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::ClaimId;

/// A claim's stored embedding when it was made by `model` from text with this hash.
pub async fn stored(
    conn: &mut AsyncPgConnection,
    claim_id: ClaimId,
    model: &str,
    text_hash: &[u8],
) -> diesel::QueryResult<Option<Vec<f32>>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Array<Float4>)]
        embedding: Vec<f32>,
    }
    let rows: Vec<Row> = sql_query(
        "SELECT embedding FROM claim_embeddings WHERE claim_id = $1 AND model = $2 AND text_hash = $3",
    )
    .bind::<BigInt, _>(claim_id.0)
    .bind::<Text, _>(model)
    .bind::<Bytea, _>(text_hash)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next().map(|r| r.embedding))
}

/// Stores (or replaces) a claim's embedding.
pub async fn store(
    conn: &mut AsyncPgConnection,
    claim_id: ClaimId,
    embedding: &[f32],
    model: &str,
    text_hash: &[u8],
) -> diesel::QueryResult<()> {
    store_many(conn, &[(claim_id, embedding, text_hash)], model).await
}

/// Stores (or replaces) many claims' embeddings in one statement; the ids must be distinct.
pub async fn store_many(
    conn: &mut AsyncPgConnection,
    rows: &[(ClaimId, &[f32], &[u8])],
    model: &str,
) -> diesel::QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // Vectors travel as one flat array (unnest would flatten a 2-D one), sliced per row.
    let dims = rows[0].1.len();
    let mut flat = Vec::with_capacity(rows.len() * dims);
    for (_, v, _) in rows {
        if v.len() != dims {
            return Err(diesel::result::Error::SerializationError(
                format!(
                    "embeddings of {} and {dims} dimensions in one batch",
                    v.len()
                )
                .into(),
            ));
        }
        flat.extend_from_slice(v);
    }
    sql_query(
        "INSERT INTO claim_embeddings (claim_id, embedding, model, text_hash) \
         SELECT u.claim_id, ($2::real[])[(u.n - 1) * $4 + 1 : u.n * $4], $5, u.text_hash \
         FROM unnest($1::bigint[], $3::bytea[]) WITH ORDINALITY AS u(claim_id, text_hash, n) \
         ORDER BY u.n \
         ON CONFLICT (claim_id) DO UPDATE SET embedding = EXCLUDED.embedding, model = EXCLUDED.model, \
            text_hash = EXCLUDED.text_hash, updated_at = now()",
    )
    .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.0.0).collect::<Vec<_>>())
    .bind::<Array<Float4>, _>(flat)
    .bind::<Array<Bytea>, _>(rows.iter().map(|r| r.2).collect::<Vec<_>>())
    .bind::<Integer, _>(dims as i32)
    .bind::<Text, _>(model)
    .execute(conn)
    .await?;
    Ok(())
}

/// The text hashes of these claims' embeddings made by `model` (claims without one are absent).
pub async fn hashes(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
    model: &str,
) -> diesel::QueryResult<HashMap<i64, Vec<u8>>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        claim_id: i64,
        #[diesel(sql_type = Bytea)]
        text_hash: Vec<u8>,
    }
    let rows: Vec<Row> = sql_query(
        "SELECT claim_id, text_hash FROM claim_embeddings WHERE claim_id = ANY($1) AND model = $2",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Text, _>(model)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.claim_id, r.text_hash))
        .collect())
}

/// A claim as the in-memory claim index holds it.
#[derive(Debug, Clone, QueryableByName)]
pub struct IndexRow {
    #[diesel(sql_type = BigInt)]
    pub claim_id: i64,
    /// The embedding when it was made by the current model.
    #[diesel(sql_type = Nullable<Array<Float4>>)]
    pub embedding: Option<Vec<f32>>,
}

/// Embeddings written by transactions from `xmin` on (every one when `xmin` is 0), `limit` at a
/// time in claim order after `after_id`.
pub async fn changed_since(
    conn: &mut AsyncPgConnection,
    xmin: u64,
    model: &str,
    after_id: i64,
    limit: i64,
) -> diesel::QueryResult<Vec<IndexRow>> {
    sql_query(
        "SELECT claim_id, CASE WHEN model = $2 THEN embedding END AS embedding \
         FROM claim_embeddings \
         WHERE change_xid >= $1::text::xid8 AND claim_id > $3 ORDER BY claim_id LIMIT $4",
    )
    .bind::<Text, _>(xmin.to_string())
    .bind::<Text, _>(model)
    .bind::<BigInt, _>(after_id)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}
