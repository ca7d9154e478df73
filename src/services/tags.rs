//! Tags: editors create and recolour them; the claim's reviewer or an editor puts them on a
//! claim and takes them off. A tag change is a change to the claim: the version the person saw
//! is checked, the version bumps, and one `tagged` or `untagged` event records it.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::db::claims::{Claim, ClaimCorrection};
use crate::db::events::{ClaimEvent, EventKind, NewClaimChange};
use crate::db::tags::Tag;
use crate::domain::claims::may_edit;
use crate::domain::tags::{checked_colour, checked_name};
use crate::domain::{Actor, ClaimId};
use crate::error::AppError;
use crate::services::review::conflict;

fn require_editor(actor: Actor) -> Result<(), AppError> {
    if actor.role.is_editor() {
        Ok(())
    } else {
        Err(AppError::Forbidden("only an editor can manage tags".into()))
    }
}

/// A new tag with its colour.
pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    name: &str,
    colour: &str,
    now: DateTime<Utc>,
) -> Result<Tag, AppError> {
    require_editor(actor)?;
    let name = checked_name(name).map_err(AppError::Validation)?;
    let colour = checked_colour(colour).map_err(AppError::Validation)?;
    Tag::create(conn, &name, &colour, actor.id.0, now)
        .await?
        .ok_or_else(|| AppError::Conflict {
            message: format!("a tag called {name:?} exists already"),
            current: None,
        })
}

/// Gives a tag another colour.
pub async fn recolour(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    tag_id: i64,
    colour: &str,
) -> Result<Tag, AppError> {
    require_editor(actor)?;
    let colour = checked_colour(colour).map_err(AppError::Validation)?;
    Tag::set_colour(conn, tag_id, &colour)
        .await?
        .ok_or(AppError::NotFound("tag"))
}

/// The tag called `name`; a name no tag has is refused with the name.
pub(crate) async fn tag_called(conn: &mut AsyncPgConnection, name: &str) -> Result<Tag, AppError> {
    Tag::by_name(conn, name.trim()).await?.ok_or_else(|| {
        AppError::Validation(format!(
            "no tag called {:?}; an editor creates tags on the tags page",
            name.trim()
        ))
    })
}

/// Whether `actor` may change this claim's tags (locked by the caller), having seen it at
/// `seen_version`. Reads and writes nothing.
pub(crate) fn may_tag(claim: &Claim, seen_version: i32, actor: Actor) -> Result<(), AppError> {
    if claim.version != seen_version {
        return Err(conflict(claim));
    }
    if !may_edit(actor, claim.assignee()) {
        return Err(AppError::Forbidden(
            "only the reviewer assigned to this claim, or an editor, may tag it".into(),
        ));
    }
    Ok(())
}

/// The refusal for a tag already on the claim (`add`), or not on it.
pub(crate) fn unchanged(tag: &Tag, add: bool) -> AppError {
    AppError::Validation(if add {
        format!("the claim is already tagged {:?}", tag.name)
    } else {
        format!("the claim is not tagged {:?}", tag.name)
    })
}

/// The audit event of a tag put on (`add`) or taken off a claim.
pub(crate) fn tag_event(
    claim: ClaimId,
    actor: Actor,
    tag: &Tag,
    add: bool,
    now: DateTime<Utc>,
) -> NewClaimChange {
    let (kind, old, new) = if add {
        (EventKind::Tagged, None, Some(tag.name.clone()))
    } else {
        (EventKind::Untagged, Some(tag.name.clone()), None)
    };
    NewClaimChange {
        claim_id: claim.0,
        actor_id: actor.id.0,
        kind,
        field: Some("tag".into()),
        old_value: old,
        new_value: new,
        note: None,
        created_at: now,
    }
}

/// Puts the tag called `name` on the claim (`add`) or takes it off, if the claim is still at
/// `seen_version`. A tag already there (or already absent) is refused, so a bulk result says
/// exactly which claims changed.
pub async fn set_tag(
    conn: &mut AsyncPgConnection,
    id: ClaimId,
    seen_version: i32,
    actor: Actor,
    name: &str,
    add: bool,
    now: DateTime<Utc>,
) -> Result<Claim, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let tag = tag_called(conn, name).await?;
        let claim = Claim::lock(conn, id)
            .await?
            .ok_or(AppError::NotFound("claim"))?;
        may_tag(&claim, seen_version, actor)?;
        let changed = if add {
            Tag::add_to(conn, tag.id, claim.id, actor.id.0, now).await?
        } else {
            Tag::remove_from(conn, tag.id, claim.id).await?
        };
        if !changed {
            return Err(unchanged(&tag, add));
        }
        let updated = Claim::correct(conn, id, seen_version, &ClaimCorrection::default(), now)
            .await?
            .ok_or_else(|| conflict(&claim))?;
        ClaimEvent::insert_change(conn, &[tag_event(id, actor, &tag, add, now)]).await?;
        Ok(updated)
    })
    .await
}
