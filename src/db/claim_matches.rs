//! Stored matches of claims against known fact-checks, the claims marked as repeats of one,
//! and our own verdicts as fact-checks (`fact_checks.claim_id`).

use diesel::sql_types::{Array, BigInt, Float4, Nullable, SmallInt, Text};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::fact_checks::FactCheckRow;
use crate::domain::{ClaimId, UserId};

/// What `model` says when no embedding model ranked the matches.
pub const LEXICAL: &str = "lexical";
/// The blended score at or above which a match ranked with embeddings means the claim was
/// checked before (a paraphrase scores about 0.8 and more, a topical neighbour under 0.7).
pub const CHECKED_BEFORE: f32 = 0.75;

/// A stored match with its fact-check.
#[derive(Debug, Clone, QueryableByName)]
pub struct StoredMatch {
    #[diesel(embed)]
    pub fact_check: FactCheckRow,
    #[diesel(sql_type = Float4)]
    pub score: f32,
    #[diesel(sql_type = SmallInt)]
    pub rank: i16,
    #[diesel(sql_type = Text)]
    pub model: String,
    /// Set when the fact-check is our own verdict on that claim.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub verdict_claim_id: Option<i64>,
}

/// The fact-check a claim was marked as a repeat of.
#[derive(Debug, Clone, QueryableByName)]
pub struct Repeat {
    #[diesel(embed)]
    pub fact_check: FactCheckRow,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub verdict_claim_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub marked_by: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub marked_at: chrono::DateTime<chrono::Utc>,
}

/// The columns of a [`FactCheckRow`] (the same list `db::fact_checks` selects).
macro_rules! fact_check_columns {
    () => {
        "f.id, f.source_id, f.claim_reviewed, f.title, f.rating_label, \
         f.rating_value, f.rating_best, f.publisher_name, f.review_url, \
         f.review_date, f.claim_id AS verdict_claim_id"
    };
}

/// Replaces a claim's stored matches with `ranked` (fact-check id, score), best first.
pub async fn replace(
    conn: &mut AsyncPgConnection,
    claim: ClaimId,
    ranked: &[(i64, f32)],
    model: &str,
) -> diesel::QueryResult<()> {
    sql_query("DELETE FROM claim_matches WHERE claim_id = $1")
        .bind::<BigInt, _>(claim.0)
        .execute(conn)
        .await?;
    if ranked.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = ranked.iter().map(|r| r.0).collect();
    let scores: Vec<f32> = ranked.iter().map(|r| r.1).collect();
    // A fact-check deleted since it was ranked (a verdict reopened) is skipped, not an error.
    sql_query(
        "INSERT INTO claim_matches (claim_id, fact_check_id, score, rank, model) \
         SELECT $1, m.id, m.score, m.ord, $4 \
         FROM unnest($2::bigint[], $3::real[]) WITH ORDINALITY AS m(id, score, ord) \
         WHERE EXISTS (SELECT 1 FROM fact_checks f WHERE f.id = m.id) \
         ON CONFLICT DO NOTHING",
    )
    .bind::<BigInt, _>(claim.0)
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<Float4>, _>(&scores)
    .bind::<Text, _>(model)
    .execute(conn)
    .await?;
    Ok(())
}

/// A claim's best stored matches, best first.
pub async fn top(
    conn: &mut AsyncPgConnection,
    claim: ClaimId,
    limit: i64,
) -> diesel::QueryResult<Vec<StoredMatch>> {
    sql_query(concat!(
        "SELECT ",
        fact_check_columns!(),
        ", m.score, m.rank, m.model FROM claim_matches m JOIN fact_checks f ON f.id = m.fact_check_id \
         WHERE m.claim_id = $1 ORDER BY m.rank LIMIT $2"
    ))
    .bind::<BigInt, _>(claim.0)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// Whether matches were ever stored for a claim (an empty list then means "none found").
pub async fn has_run(conn: &mut AsyncPgConnection, claim: ClaimId) -> diesel::QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let row: Row = sql_query(
        "SELECT EXISTS (SELECT 1 FROM claim_matches WHERE claim_id = $1) \
             OR EXISTS (SELECT 1 FROM claim_embeddings WHERE claim_id = $1) AS found",
    )
    .bind::<BigInt, _>(claim.0)
    .get_result(conn)
    .await?;
    Ok(row.found)
}

/// One fact-check with our verdict's claim, if it is ours.
pub async fn fact_check(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> diesel::QueryResult<Option<(FactCheckRow, Option<i64>)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(embed)]
        fact_check: FactCheckRow,
        #[diesel(sql_type = Nullable<BigInt>)]
        verdict_claim_id: Option<i64>,
    }
    let rows: Vec<Row> = sql_query(concat!(
        "SELECT ",
        fact_check_columns!(),
        " FROM fact_checks f WHERE f.id = $1"
    ))
    .bind::<BigInt, _>(id)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .next()
        .map(|r| (r.fact_check, r.verdict_claim_id)))
}

/// Marks a claim as a repeat of a fact-check (replacing an earlier mark).
pub async fn mark_repeat(
    conn: &mut AsyncPgConnection,
    claim: ClaimId,
    fact_check_id: i64,
    by: UserId,
    at: chrono::DateTime<chrono::Utc>,
) -> diesel::QueryResult<()> {
    sql_query(
        "INSERT INTO claim_repeats (claim_id, fact_check_id, marked_by, marked_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (claim_id) DO UPDATE SET \
            fact_check_id = EXCLUDED.fact_check_id, marked_by = EXCLUDED.marked_by, \
            marked_at = EXCLUDED.marked_at",
    )
    .bind::<BigInt, _>(claim.0)
    .bind::<BigInt, _>(fact_check_id)
    .bind::<BigInt, _>(by.0)
    .bind::<diesel::sql_types::Timestamptz, _>(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The fact-check a claim repeats, if it was marked as one.
pub async fn repeat_of(
    conn: &mut AsyncPgConnection,
    claim: ClaimId,
) -> diesel::QueryResult<Option<Repeat>> {
    let rows: Vec<Repeat> = sql_query(concat!(
        "SELECT ",
        fact_check_columns!(),
        ", u.username AS marked_by, r.marked_at FROM claim_repeats r \
         JOIN fact_checks f ON f.id = r.fact_check_id LEFT JOIN users u ON u.id = r.marked_by \
         WHERE r.claim_id = $1"
    ))
    .bind::<BigInt, _>(claim.0)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

/// The review URLs of the fact-checks the given claims repeat, by claim, for exports.
pub async fn repeat_urls(
    conn: &mut AsyncPgConnection,
    claims: &[i64],
) -> diesel::QueryResult<Vec<(i64, i64, Option<String>)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        claim_id: i64,
        #[diesel(sql_type = BigInt)]
        fact_check_id: i64,
        #[diesel(sql_type = Nullable<Text>)]
        review_url: Option<String>,
    }
    let rows: Vec<Row> = sql_query(
        "SELECT r.claim_id, r.fact_check_id, f.review_url FROM claim_repeats r \
         JOIN fact_checks f ON f.id = r.fact_check_id WHERE r.claim_id = ANY($1)",
    )
    .bind::<Array<BigInt>, _>(claims)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.claim_id, r.fact_check_id, r.review_url))
        .collect())
}

/// The SQL condition "this claim was checked before": marked as a repeat, or a stored match
/// ranked by an embedding model at or above [`CHECKED_BEFORE`]. A lexical-only score is relative
/// to the best candidate (the best is always 1), so it says nothing here. `claims.id` is the
/// claim in the enclosing query. A literal (the constants written out, checked by a unit test),
/// so no SQL text is ever formatted.
macro_rules! checked_before_condition {
    () => {
        "(EXISTS (SELECT 1 FROM claim_repeats r WHERE r.claim_id = claims.id) \
          OR EXISTS (SELECT 1 FROM claim_matches m WHERE m.claim_id = claims.id \
                     AND m.model <> 'lexical' AND m.score >= 0.75))"
    };
}

/// See [`checked_before_condition`].
pub const CHECKED_BEFORE_SQL: &str = checked_before_condition!();

/// Which of `claims` were checked before (see [`CHECKED_BEFORE_SQL`]).
pub async fn checked_before(
    conn: &mut AsyncPgConnection,
    claims: &[i64],
) -> diesel::QueryResult<std::collections::HashSet<i64>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let rows: Vec<Row> = sql_query(concat!(
        "SELECT claims.id FROM claims WHERE claims.id = ANY($1) AND ",
        checked_before_condition!()
    ))
    .bind::<Array<BigInt>, _>(claims)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Claims after `after` (by id), with their texts, for matching every claim in batches.
pub async fn claims_after(
    conn: &mut AsyncPgConnection,
    after: i64,
    limit: i64,
) -> diesel::QueryResult<Vec<(i64, String)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Text)]
        text: String,
    }
    let rows: Vec<Row> =
        sql_query("SELECT id, text FROM claims WHERE id > $1 ORDER BY id LIMIT $2")
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(limit)
            .load(conn)
            .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.text)).collect())
}

/// The fact-check that is our own verdict on `claim`, if any.
pub async fn own_fact_check(
    conn: &mut AsyncPgConnection,
    claim: ClaimId,
) -> diesel::QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let rows: Vec<Row> = sql_query("SELECT id FROM fact_checks WHERE claim_id = $1")
        .bind::<BigInt, _>(claim.0)
        .load(conn)
        .await?;
    Ok(rows.into_iter().next().map(|r| r.id))
}

/// Removes our verdict on `claim` from the fact-checks (it was reopened); its stored matches
/// and repeat marks go with it.
pub async fn remove_own_fact_check(
    conn: &mut AsyncPgConnection,
    claim: ClaimId,
) -> diesel::QueryResult<usize> {
    sql_query("DELETE FROM fact_checks WHERE claim_id = $1")
        .bind::<BigInt, _>(claim.0)
        .execute(conn)
        .await
}

/// Our own verdicts among the fact-checks that have no current embedding yet.
pub async fn own_unembedded(
    conn: &mut AsyncPgConnection,
    model: &str,
    limit: i64,
) -> diesel::QueryResult<Vec<(i64, String)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Text)]
        claim_reviewed: String,
    }
    let rows: Vec<Row> = sql_query(
        "SELECT id, claim_reviewed FROM fact_checks WHERE claim_id IS NOT NULL \
         AND embedding_model IS DISTINCT FROM $1 ORDER BY id LIMIT $2",
    )
    .bind::<Text, _>(model)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.claim_reviewed)).collect())
}

/// Stores a fact-check's embedding, unless its text changed since it was read.
pub async fn store_fact_check_embedding(
    conn: &mut AsyncPgConnection,
    id: i64,
    text: &str,
    embedding: &[f32],
    model: &str,
) -> diesel::QueryResult<()> {
    sql_query(
        "UPDATE fact_checks SET embedding = $3, embedding_model = $4 \
         WHERE id = $1 AND claim_reviewed = $2",
    )
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(text)
    .bind::<Array<Float4>, _>(embedding)
    .bind::<Text, _>(model)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checked_before_condition_spells_out_the_constants() {
        assert!(CHECKED_BEFORE_SQL.contains(&format!("m.model <> '{LEXICAL}'")));
        assert!(CHECKED_BEFORE_SQL.contains(&format!("m.score >= {CHECKED_BEFORE}")));
    }
}
