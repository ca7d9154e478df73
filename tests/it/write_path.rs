//! The write path under concurrency: transitions from many connections at once keep every
//! kept count exact, although each transaction adds to its own shard of the counts.

use diesel_async::{AsyncConnection, RunQueryDsl};
use serde_json::{Value, json};

use crate::helpers::{TestApp, api_post};
use claimdesk::domain::Role;

const CLAIMS: usize = 48;
const REVIEWERS: usize = 8;

/// The rows of a query as text, sorted, for comparing two queries.
async fn rows_text(app: &TestApp, sql: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        s: String,
    }
    let mut conn = app.conn().await;
    let query = format!(
        "SELECT coalesce(string_agg(r::text, ';' ORDER BY r::text), '') AS s FROM ({sql}) r"
    );
    diesel::sql_query(query)
        .get_result::<Text>(&mut conn)
        .await
        .expect(sql)
        .s
}

/// Claims in one new article, inserted in one statement; their ids.
async fn bulk_claims(app: &TestApp, n: usize) -> Vec<i64> {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let mut conn = diesel_async::AsyncPgConnection::establish(&app.db.url)
        .await
        .expect("connection");
    diesel::sql_query(
        "INSERT INTO articles (title, body, content_hash) \
         VALUES ('Busy desk', 'Busy body', sha256('busy'::bytea))",
    )
    .execute(&mut conn)
    .await
    .expect("article");
    let ids: Vec<Id> = diesel::sql_query(format!(
        "INSERT INTO claims (article_id, text, span_start, span_end, category, score, entities) \
         SELECT (SELECT id FROM articles WHERE title = 'Busy desk'), 'Claim ' || g, 0, 5, \
                (ARRAY['arms','finance','energy'])[1 + g % 3]::claim_category, 0.9, '[]' \
         FROM generate_series(1, {n}) g RETURNING id"
    ))
    .load(&mut conn)
    .await
    .expect("claims");
    ids.into_iter().map(|i| i.id).collect()
}

/// One reviewer's round: try to take every claim (in an order of its own, so the reviewers
/// collide), then gather evidence for and give a verdict on every other claim it won.
async fn reviewer_round(app: &TestApp, token: &str, ids: &[i64], offset: usize) -> Vec<i64> {
    let mut won = Vec::new();
    for k in 0..ids.len() {
        let id = ids[(k * 7 + offset * 5) % ids.len()];
        let (status, body) = api_post(
            app,
            &format!("/api/v1/claims/{id}/transitions"),
            token,
            json!({"to": "in_review", "version": 0}),
        )
        .await;
        match status {
            200 => won.push(id),
            // Another reviewer took it first.
            409 => {}
            other => panic!("taking claim {id}: {other} {body}"),
        }
    }
    for (n, &id) in won.iter().enumerate().filter(|(n, _)| n % 2 == 0) {
        // A verified verdict needs supporting evidence, a disputed one refuting evidence.
        let stance = if n % 4 == 0 { "supports" } else { "refutes" };
        let (status, body) = api_post(
            app,
            &format!("/api/v1/claims/{id}/evidence"),
            token,
            json!({"url": format!("https://example.org/e/{id}"), "stance": stance}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let verdict = if n % 4 == 0 {
            json!({"to": "verified", "version": 1, "rationale": "Delivered.", "rating": 5})
        } else {
            json!({"to": "disputed", "version": 1, "rationale": "Not so.", "rating": 2})
        };
        let (status, body): (u16, Value) = api_post(
            app,
            &format!("/api/v1/claims/{id}/transitions"),
            token,
            verdict,
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    won
}

#[tokio::test]
async fn concurrent_transitions_keep_every_count_exact() {
    let app = TestApp::spawn().await;
    let ids = bulk_claims(&app, CLAIMS).await;
    let mut tokens = Vec::new();
    for r in 0..REVIEWERS {
        tokens.push(app.token(&format!("busy{r}"), Role::Reviewer).await);
    }
    let rounds = tokens
        .iter()
        .enumerate()
        .map(|(r, token)| reviewer_round(&app, token, &ids, r));
    let won: Vec<Vec<i64>> = futures_util::future::join_all(rounds).await;

    // Every claim was taken exactly once.
    let mut taken: Vec<i64> = won.concat();
    taken.sort_unstable();
    let mut expected = ids.clone();
    expected.sort_unstable();
    assert_eq!(taken, expected);

    // The kept counts, summed over their shards, against the same numbers grouped from rows.
    for (kept, grouped) in [
        (
            "SELECT state, claims FROM claim_state_counts WHERE claims <> 0",
            "SELECT state, count(*) FROM claims GROUP BY 1",
        ),
        (
            "SELECT state, category, step, claims FROM claim_tallies WHERE claims <> 0",
            "SELECT state, category, claim_step(verdict, rating), count(*) FROM claims \
             WHERE merged_into IS NULL GROUP BY 1, 2, 3",
        ),
        (
            "SELECT author_id, verdicts, pending FROM verdict_weeks",
            "SELECT verdict_by, count(*), count(*) FROM claims WHERE verdict_by IS NOT NULL \
             GROUP BY 1",
        ),
    ] {
        let (kept_rows, grouped_rows) =
            (rows_text(&app, kept).await, rows_text(&app, grouped).await);
        assert!(!kept_rows.is_empty(), "{kept}");
        assert_eq!(kept_rows, grouped_rows, "{kept}");
    }
    // The state counts are spread: no one row took every transition.
    let shards = rows_text(
        &app,
        "SELECT count(DISTINCT shard) > 4 FROM claim_state_count_shards WHERE claims <> 0",
    )
    .await;
    assert_eq!(shards, "(t)");
}
