//! Known fact-checks: upserts keyed by source id, the rows the in-memory matching index loads,
//! and the fact-checks' stored embeddings.

use chrono::NaiveDate;
use diesel::sql_types::{Array, BigInt, Bool, Date, Float4, Integer, Nullable, Text};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::ClaimId;
use crate::factcheck::FactCheckItem;

/// A fact-check as matching shows it.
#[derive(Debug, Clone, QueryableByName)]
pub struct FactCheckRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub source_id: String,
    #[diesel(sql_type = Text)]
    pub claim_reviewed: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub title: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub rating_label: Option<String>,
    #[diesel(sql_type = Nullable<Float4>)]
    pub rating_value: Option<f32>,
    #[diesel(sql_type = Nullable<Float4>)]
    pub rating_best: Option<f32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub publisher_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub review_url: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    pub review_date: Option<NaiveDate>,
}

/// The columns of a [`FactCheckRow`], as a literal so every statement stays one fixed text.
macro_rules! row_columns {
    () => {
        "f.id, f.source_id, f.claim_reviewed, f.title, f.rating_label, \
         f.rating_value, f.rating_best, f.publisher_name, f.review_url, f.review_date"
    };
}

/// Fact-checks by id, in no particular order.
pub async fn by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> diesel::QueryResult<Vec<FactCheckRow>> {
    sql_query(concat!(
        "SELECT ",
        row_columns!(),
        " FROM fact_checks f WHERE f.id = ANY($1)"
    ))
    .bind::<Array<BigInt>, _>(ids)
    .load(conn)
    .await
}

#[derive(QueryableByName)]
struct Existing {
    #[diesel(sql_type = Text)]
    source_id: String,
    #[diesel(sql_type = Text)]
    claim_reviewed: String,
    #[diesel(sql_type = Nullable<Text>)]
    title: Option<String>,
}

/// The source ids among `ids` whose stored texts equal the given ones and whose embeddings
/// came from `model`: those need no new embedding.
pub async fn unchanged(
    conn: &mut AsyncPgConnection,
    items: &[FactCheckItem],
    model: &str,
) -> diesel::QueryResult<std::collections::HashSet<String>> {
    let ids: Vec<&str> = items.iter().map(|i| i.source_id.as_str()).collect();
    let rows: Vec<Existing> = sql_query(
        "SELECT source_id, claim_reviewed, title FROM fact_checks \
         WHERE source_id = ANY($1) AND embedding_model = $2",
    )
    .bind::<Array<Text>, _>(&ids)
    .bind::<Text, _>(model)
    .load(conn)
    .await?;
    let stored: std::collections::HashMap<String, (String, Option<String>)> = rows
        .into_iter()
        .map(|r| (r.source_id, (r.claim_reviewed, r.title)))
        .collect();
    Ok(items
        .iter()
        .filter(|i| {
            stored
                .get(&i.source_id)
                .is_some_and(|(c, t)| *c == i.claim_reviewed && *t == i.title)
        })
        .map(|i| i.source_id.clone())
        .collect())
}

/// A fact-check's claim embedding and its model; `None` keeps what is stored when the texts
/// did not change.
#[derive(Debug, Clone, Default)]
pub struct Embeddings {
    pub claim: Option<Vec<f32>>,
    pub model: Option<String>,
}

#[derive(QueryableByName)]
struct Upserted {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Bool)]
    inserted: bool,
}

/// How [`upsert`] and [`upsert_many`] update a fact-check already stored under its source id,
/// written once so both keep the same embedding rule. A literal ending in a space, so each
/// statement stays one fixed text.
macro_rules! updated_fact_check {
    () => {
        "claim_reviewed = EXCLUDED.claim_reviewed, title = EXCLUDED.title, \
         claimant = EXCLUDED.claimant, claim_date = EXCLUDED.claim_date, \
         rating_value = EXCLUDED.rating_value, rating_best = EXCLUDED.rating_best, \
         rating_worst = EXCLUDED.rating_worst, rating_label = EXCLUDED.rating_label, \
         publisher_name = EXCLUDED.publisher_name, publisher_site = EXCLUDED.publisher_site, \
         review_url = EXCLUDED.review_url, review_date = EXCLUDED.review_date, \
         language = EXCLUDED.language, source = EXCLUDED.source, \
         embedding = CASE WHEN EXCLUDED.embedding_model IS NOT NULL THEN EXCLUDED.embedding \
             WHEN fact_checks.claim_reviewed = EXCLUDED.claim_reviewed \
              AND fact_checks.title IS NOT DISTINCT FROM EXCLUDED.title THEN fact_checks.embedding END, \
         embedding_model = CASE WHEN EXCLUDED.embedding_model IS NOT NULL THEN EXCLUDED.embedding_model \
             WHEN fact_checks.claim_reviewed = EXCLUDED.claim_reviewed \
              AND fact_checks.title IS NOT DISTINCT FROM EXCLUDED.title THEN fact_checks.embedding_model END, \
         updated_at = now() "
    };
}

/// Inserts a fact-check, or updates the one with the same source id. Returns its id and
/// whether it is new. Stored embeddings survive when the texts are unchanged and none are
/// given; a changed text without a new embedding clears the stale one.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    item: &FactCheckItem,
    source: &str,
    claim_id: Option<ClaimId>,
    embeddings: &Embeddings,
) -> diesel::QueryResult<(i64, bool)> {
    let row: Upserted = sql_query(concat!(
        "INSERT INTO fact_checks (source_id, claim_reviewed, title, claimant, claim_date, \
            rating_value, rating_best, rating_worst, rating_label, publisher_name, publisher_site, \
            review_url, review_date, language, source, claim_id, embedding, embedding_model) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (source_id) DO UPDATE SET \
            claim_id = COALESCE(EXCLUDED.claim_id, fact_checks.claim_id), ",
        updated_fact_check!(),
        "RETURNING id, (xmax = 0) AS inserted"
    ))
    .bind::<Text, _>(&item.source_id)
    .bind::<Text, _>(&item.claim_reviewed)
    .bind::<Nullable<Text>, _>(&item.title)
    .bind::<Nullable<Text>, _>(&item.claimant)
    .bind::<Nullable<Date>, _>(item.claim_date)
    .bind::<Nullable<Float4>, _>(item.rating_value)
    .bind::<Nullable<Float4>, _>(item.rating_best)
    .bind::<Nullable<Float4>, _>(item.rating_worst)
    .bind::<Nullable<Text>, _>(&item.rating_label)
    .bind::<Nullable<Text>, _>(&item.publisher_name)
    .bind::<Nullable<Text>, _>(&item.publisher_site)
    .bind::<Nullable<Text>, _>(&item.review_url)
    .bind::<Nullable<Date>, _>(item.review_date)
    .bind::<Nullable<Text>, _>(&item.language)
    .bind::<Text, _>(source)
    .bind::<Nullable<BigInt>, _>(claim_id.map(|id| id.0))
    .bind::<Nullable<Array<Float4>>, _>(&embeddings.claim)
    .bind::<Nullable<Text>, _>(&embeddings.model)
    .get_result(conn)
    .await?;
    Ok((row.id, row.inserted))
}

/// How many fact-checks are stored.
pub async fn count(conn: &mut AsyncPgConnection) -> diesel::QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let row: Row = sql_query("SELECT count(*) AS n FROM fact_checks")
        .get_result(conn)
        .await?;
    Ok(row.n)
}

/// What a match needs from the database before it can look at its index: which database
/// this is (an index belongs to one), the oldest transaction still running (rows written
/// from it on may not be visible yet) and the query's full-text terms.
#[derive(Debug, Clone, QueryableByName)]
pub struct Probe {
    #[diesel(sql_type = Text)]
    pub database: String,
    #[diesel(sql_type = Text)]
    pub xmin: String,
    #[diesel(sql_type = Array<Text>)]
    pub terms: Vec<String>,
}

/// One statement, so the three answers come from the same moment.
pub async fn probe(conn: &mut AsyncPgConnection, text: &str) -> diesel::QueryResult<Probe> {
    sql_query(
        "SELECT current_database() || ':' || coalesce(inet_server_port()::text, 'socket') AS database, \
                pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, \
                tsvector_to_array(to_tsvector('english', $1)) AS terms",
    )
    .bind::<Text, _>(text)
    .get_result(conn)
    .await
}

/// A fact-check as the in-memory index holds it.
#[derive(Debug, Clone, QueryableByName)]
pub struct IndexRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// The claim's embedding when it was made by the current model.
    #[diesel(sql_type = Nullable<Array<Float4>>)]
    pub embedding: Option<Vec<f32>>,
    /// Full-text terms of claim and title, and how often each occurs (pairing up).
    #[diesel(sql_type = Array<Text>)]
    pub terms: Vec<String>,
    #[diesel(sql_type = Array<Integer>)]
    pub term_counts: Vec<i32>,
}

/// Fact-checks written by transactions from `xmin` on (every one when `xmin` is 0), `limit`
/// at a time in id order after `after_id`.
pub async fn changed_since(
    conn: &mut AsyncPgConnection,
    xmin: u64,
    model: &str,
    after_id: i64,
    limit: i64,
) -> diesel::QueryResult<Vec<IndexRow>> {
    sql_query(
        "SELECT f.id, CASE WHEN f.embedding_model = $2 THEN f.embedding END AS embedding, \
                coalesce(t.terms, '{}') AS terms, coalesce(t.term_counts, '{}') AS term_counts \
         FROM fact_checks f \
         CROSS JOIN LATERAL ( \
             SELECT array_agg(lexeme) AS terms, \
                    array_agg(coalesce(array_length(positions, 1), 1)) AS term_counts \
             FROM unnest(f.search)) t \
         WHERE f.change_xid >= $1::text::xid8 AND f.id > $3 ORDER BY f.id LIMIT $4",
    )
    .bind::<Text, _>(xmin.to_string())
    .bind::<Text, _>(model)
    .bind::<BigInt, _>(after_id)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// [`upsert`] for many items in one statement (no claim link; the items' source ids must be
/// distinct). `embeddings` pairs with `items`. Returns how many were new.
pub async fn upsert_many(
    conn: &mut AsyncPgConnection,
    items: &[FactCheckItem],
    source: &str,
    embeddings: &[Embeddings],
) -> diesel::QueryResult<usize> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Bool)]
        inserted: bool,
    }
    let col = |f: fn(&FactCheckItem) -> Option<String>| items.iter().map(f).collect::<Vec<_>>();
    let num = |f: fn(&FactCheckItem) -> Option<f32>| items.iter().map(f).collect::<Vec<_>>();
    let date = |f: fn(&FactCheckItem) -> Option<NaiveDate>| items.iter().map(f).collect::<Vec<_>>();
    // Vectors travel as one flat array: PostgreSQL's unnest would flatten a 2-D one.
    let dims = crate::embed::DIMENSIONS;
    let mut flat = Vec::with_capacity(items.len() * dims);
    let mut models = Vec::with_capacity(items.len());
    for e in embeddings {
        match &e.claim {
            Some(v) if v.len() == dims => {
                flat.extend_from_slice(v);
                models.push(e.model.clone());
            }
            _ => {
                flat.extend(std::iter::repeat_n(0.0, dims));
                models.push(None);
            }
        }
    }
    let rows: Vec<Row> = sql_query(concat!(
        "INSERT INTO fact_checks (source_id, claim_reviewed, title, claimant, claim_date, \
            rating_value, rating_best, rating_worst, rating_label, publisher_name, publisher_site, \
            review_url, review_date, language, source, embedding, embedding_model) \
         SELECT u.source_id, u.claim_reviewed, u.title, u.claimant, u.claim_date, u.rating_value, \
            u.rating_best, u.rating_worst, u.rating_label, u.publisher_name, u.publisher_site, \
            u.review_url, u.review_date, u.language, $15, \
            CASE WHEN u.model IS NOT NULL THEN ($16::real[])[(u.n - 1) * $18 + 1 : u.n * $18] END, \
            u.model \
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::real[], \
            $7::real[], $8::real[], $9::text[], $10::text[], $11::text[], $12::text[], \
            $13::date[], $14::text[], $17::text[]) WITH ORDINALITY \
            AS u(source_id, claim_reviewed, title, claimant, claim_date, rating_value, rating_best, \
                 rating_worst, rating_label, publisher_name, publisher_site, review_url, \
                 review_date, language, model, n) \
         ORDER BY u.n \
         ON CONFLICT (source_id) DO UPDATE SET ",
        updated_fact_check!(),
        "RETURNING (xmax = 0) AS inserted"
    ))
    .bind::<Array<Text>, _>(items.iter().map(|i| i.source_id.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(items.iter().map(|i| i.claim_reviewed.as_str()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(col(|i| i.title.clone()))
    .bind::<Array<Nullable<Text>>, _>(col(|i| i.claimant.clone()))
    .bind::<Array<Nullable<Date>>, _>(date(|i| i.claim_date))
    .bind::<Array<Nullable<Float4>>, _>(num(|i| i.rating_value))
    .bind::<Array<Nullable<Float4>>, _>(num(|i| i.rating_best))
    .bind::<Array<Nullable<Float4>>, _>(num(|i| i.rating_worst))
    .bind::<Array<Nullable<Text>>, _>(col(|i| i.rating_label.clone()))
    .bind::<Array<Nullable<Text>>, _>(col(|i| i.publisher_name.clone()))
    .bind::<Array<Nullable<Text>>, _>(col(|i| i.publisher_site.clone()))
    .bind::<Array<Nullable<Text>>, _>(col(|i| i.review_url.clone()))
    .bind::<Array<Nullable<Date>>, _>(date(|i| i.review_date))
    .bind::<Array<Nullable<Text>>, _>(col(|i| i.language.clone()))
    .bind::<Text, _>(source)
    .bind::<Array<Float4>, _>(flat)
    .bind::<Array<Nullable<Text>>, _>(models)
    .bind::<Integer, _>(dims as i32)
    .load(conn)
    .await?;
    Ok(rows.iter().filter(|r| r.inserted).count())
}
