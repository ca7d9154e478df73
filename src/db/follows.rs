//! Who follows which claim, to be told when it changes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::claim_follows;
use crate::domain::{ClaimId, UserId};

pub struct ClaimFollow;

impl ClaimFollow {
    /// Starts following; following twice is one follow.
    pub async fn follow(
        conn: &mut AsyncPgConnection,
        claim: ClaimId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> QueryResult<()> {
        diesel::insert_into(claim_follows::table)
            .values((
                claim_follows::claim_id.eq(claim.0),
                claim_follows::user_id.eq(user.0),
                claim_follows::created_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await
            .map(drop)
    }

    pub async fn unfollow(
        conn: &mut AsyncPgConnection,
        claim: ClaimId,
        user: UserId,
    ) -> QueryResult<()> {
        diesel::delete(
            claim_follows::table
                .filter(claim_follows::claim_id.eq(claim.0))
                .filter(claim_follows::user_id.eq(user.0)),
        )
        .execute(conn)
        .await
        .map(drop)
    }

    pub async fn followers(
        conn: &mut AsyncPgConnection,
        claim: ClaimId,
    ) -> QueryResult<Vec<UserId>> {
        Ok(claim_follows::table
            .filter(claim_follows::claim_id.eq(claim.0))
            .order(claim_follows::user_id.asc())
            .select(claim_follows::user_id)
            .load::<i64>(conn)
            .await?
            .into_iter()
            .map(UserId)
            .collect())
    }

    /// The followers of each of these claims, in one query; claims nobody follows are absent.
    pub async fn followers_of(
        conn: &mut AsyncPgConnection,
        claims: &[ClaimId],
    ) -> QueryResult<HashMap<ClaimId, Vec<UserId>>> {
        let ids: Vec<i64> = claims.iter().map(|c| c.0).collect();
        let rows: Vec<(i64, i64)> = claim_follows::table
            .filter(claim_follows::claim_id.eq_any(ids))
            .order((claim_follows::claim_id.asc(), claim_follows::user_id.asc()))
            .select((claim_follows::claim_id, claim_follows::user_id))
            .load(conn)
            .await?;
        let mut out: HashMap<ClaimId, Vec<UserId>> = HashMap::new();
        for (claim, user) in rows {
            out.entry(ClaimId(claim)).or_default().push(UserId(user));
        }
        Ok(out)
    }

    pub async fn is_following(
        conn: &mut AsyncPgConnection,
        claim: ClaimId,
        user: UserId,
    ) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            claim_follows::table
                .filter(claim_follows::claim_id.eq(claim.0))
                .filter(claim_follows::user_id.eq(user.0)),
        ))
        .get_result(conn)
        .await
    }
}
