//! Tags and the tags on claims: queries as associated functions.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::{claim_tags, tags};
use crate::domain::ClaimId;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = tags)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    /// `#rrggbb`; always shown with the name, never alone.
    pub colour: String,
}

impl Tag {
    /// Every tag, by name.
    pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Tag>> {
        tags::table
            .order(lower(tags::name).asc())
            .select(Tag::as_select())
            .load(conn)
            .await
    }

    /// The tag with this name, whatever its case.
    pub async fn by_name(conn: &mut AsyncPgConnection, name: &str) -> QueryResult<Option<Tag>> {
        tags::table
            .filter(lower(tags::name).eq(name.to_lowercase()))
            .select(Tag::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// A new tag; `None` when one with that name (in any case) exists already.
    pub async fn create(
        conn: &mut AsyncPgConnection,
        name: &str,
        colour: &str,
        by: i64,
        now: DateTime<Utc>,
    ) -> QueryResult<Option<Tag>> {
        diesel::insert_into(tags::table)
            .values((
                tags::name.eq(name),
                tags::colour.eq(colour),
                tags::created_by.eq(by),
                tags::created_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .returning(Tag::as_returning())
            .get_result(conn)
            .await
            .optional()
    }

    /// Changes a tag's colour; `None` when there is no such tag.
    pub async fn set_colour(
        conn: &mut AsyncPgConnection,
        id: i64,
        colour: &str,
    ) -> QueryResult<Option<Tag>> {
        diesel::update(tags::table.find(id))
            .set(tags::colour.eq(colour))
            .returning(Tag::as_returning())
            .get_result(conn)
            .await
            .optional()
    }

    /// The tags of each of these claims, by name; claims without tags are absent.
    pub async fn for_claims(
        conn: &mut AsyncPgConnection,
        claim_ids: &[i64],
    ) -> QueryResult<HashMap<i64, Vec<Tag>>> {
        let rows: Vec<(i64, Tag)> = claim_tags::table
            .inner_join(tags::table)
            .filter(claim_tags::claim_id.eq_any(claim_ids))
            .order((claim_tags::claim_id.asc(), lower(tags::name).asc()))
            .select((claim_tags::claim_id, Tag::as_select()))
            .load(conn)
            .await?;
        let mut by_claim: HashMap<i64, Vec<Tag>> = HashMap::new();
        for (claim_id, tag) in rows {
            by_claim.entry(claim_id).or_default().push(tag);
        }
        Ok(by_claim)
    }

    /// Puts this tag on a claim; false when it was there already.
    pub async fn add_to(
        conn: &mut AsyncPgConnection,
        tag_id: i64,
        claim_id: i64,
        by: i64,
        now: DateTime<Utc>,
    ) -> QueryResult<bool> {
        Ok(
            !Tag::add_to_many(conn, tag_id, &[ClaimId(claim_id)], by, now)
                .await?
                .is_empty(),
        )
    }

    /// Puts this tag on each of these claims in one statement; the claims that did not have it.
    pub async fn add_to_many(
        conn: &mut AsyncPgConnection,
        tag_id: i64,
        claims: &[ClaimId],
        by: i64,
        now: DateTime<Utc>,
    ) -> QueryResult<Vec<ClaimId>> {
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<_> = claims
            .iter()
            .map(|claim| {
                (
                    claim_tags::claim_id.eq(claim.0),
                    claim_tags::tag_id.eq(tag_id),
                    claim_tags::added_by.eq(by),
                    claim_tags::added_at.eq(now),
                )
            })
            .collect();
        let added: Vec<i64> = diesel::insert_into(claim_tags::table)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(claim_tags::claim_id)
            .get_results(conn)
            .await?;
        Ok(added.into_iter().map(ClaimId).collect())
    }

    /// Takes this tag off a claim; false when it was not there.
    pub async fn remove_from(
        conn: &mut AsyncPgConnection,
        tag_id: i64,
        claim_id: i64,
    ) -> QueryResult<bool> {
        Ok(!Tag::remove_from_many(conn, tag_id, &[ClaimId(claim_id)])
            .await?
            .is_empty())
    }

    /// Takes this tag off each of these claims in one statement; the claims that had it.
    pub async fn remove_from_many(
        conn: &mut AsyncPgConnection,
        tag_id: i64,
        claims: &[ClaimId],
    ) -> QueryResult<Vec<ClaimId>> {
        let ids: Vec<i64> = claims.iter().map(|c| c.0).collect();
        let removed: Vec<i64> = diesel::delete(
            claim_tags::table
                .filter(claim_tags::claim_id.eq_any(ids))
                .filter(claim_tags::tag_id.eq(tag_id)),
        )
        .returning(claim_tags::claim_id)
        .get_results(conn)
        .await?;
        Ok(removed.into_iter().map(ClaimId).collect())
    }
}
