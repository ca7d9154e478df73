//! Who follows which claim, to be told when it changes.

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
