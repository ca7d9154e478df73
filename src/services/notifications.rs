//! The inbox: who is told about what, written in the transaction of the change that causes
//! it (the caller's), and reading and marking one's own notifications.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

use crate::db::claims::Claim;
use crate::db::follows::ClaimFollow;
use crate::db::notifications::{NewNotification, NotificationRow};
use crate::db::users::User;
use crate::domain::inbox::{self, NotificationKind, Recipient};
use crate::domain::{ClaimId, Role, Transition, UserId};
use crate::error::AppError;

/// Most notifications one page or API call lists.
pub const PAGE: i64 = 100;

/// Who is told about one claim's change, and the note they read.
pub(crate) struct Tidings {
    claim: ClaimId,
    recipients: Vec<Recipient>,
    note: Option<String>,
}

/// Stores the notifications of one or many changes by `actor` (never to the actor), in one
/// statement.
async fn store(
    conn: &mut AsyncPgConnection,
    actor: UserId,
    tidings: &[Tidings],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let rows: Vec<NewNotification<'_>> = tidings
        .iter()
        .flat_map(|t| {
            t.recipients
                .iter()
                .filter(|r| r.user != actor)
                .map(move |r| NewNotification {
                    user_id: r.user.0,
                    kind: r.kind.as_str(),
                    claim_id: t.claim.0,
                    actor_id: actor.0,
                    note: t.note.as_deref(),
                    created_at: now,
                })
        })
        .collect();
    NotificationRow::insert_all(conn, &rows).await?;
    Ok(())
}

/// The notifications of one review move, from the people it concerns and the claim's followers.
fn move_tidings(
    before: &Claim,
    transition: &Transition,
    actor: UserId,
    editors: &[(UserId, Role)],
    followers: &[UserId],
) -> Tidings {
    let mut recipients = inbox::recipients_of_move(
        &transition.change,
        transition.to,
        actor,
        before.verdict_by.map(UserId),
        editors,
    );
    recipients.extend(inbox::followers_to_tell(followers, &recipients, actor));
    let note = transition
        .note
        .clone()
        .unwrap_or_else(|| format!("now {}", transition.to.title().to_lowercase()));
    Tidings {
        claim: ClaimId(before.id),
        recipients,
        note: Some(note),
    }
}

/// The notifications of one assignment: the new assignee (unless they assigned themselves)
/// and the claim's followers.
fn assigned_tidings(
    claim: ClaimId,
    assignee: UserId,
    actor: UserId,
    followers: &[UserId],
) -> Tidings {
    let mut recipients = vec![Recipient {
        user: assignee,
        kind: NotificationKind::Assigned,
    }];
    recipients.retain(|r| r.user != actor);
    recipients.extend(inbox::followers_to_tell(followers, &recipients, actor));
    Tidings {
        claim,
        recipients,
        note: None,
    }
}

/// Tells the people a review move concerns, in the caller's transaction: the verdict's author
/// when it is sent back or reopened (with the editor's note), the editors when a verdict waits
/// for approval, and the claim's followers. `before` is the claim as it was before the move.
pub async fn after_move(
    conn: &mut AsyncPgConnection,
    before: &Claim,
    transition: &Transition,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    after_moves(conn, &[(before, transition)], actor, now).await
}

/// `after_move` for many claims moved by one person in one transaction (a bulk action): the
/// editors and every claim's followers are read once, the notifications stored in one
/// statement.
pub async fn after_moves(
    conn: &mut AsyncPgConnection,
    moves: &[(&Claim, &Transition)],
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let editors = if moves.iter().any(|(_, t)| t.to.verdict().is_some()) {
        User::approvers(conn).await?
    } else {
        Vec::new()
    };
    let claims: Vec<ClaimId> = moves.iter().map(|(c, _)| ClaimId(c.id)).collect();
    let followers = ClaimFollow::followers_of(conn, &claims).await?;
    let tidings: Vec<Tidings> = moves
        .iter()
        .map(|(before, transition)| {
            let editors: &[(UserId, Role)] = if transition.to.verdict().is_some() {
                &editors
            } else {
                &[]
            };
            let followers = followers
                .get(&ClaimId(before.id))
                .map_or(&[][..], Vec::as_slice);
            move_tidings(before, transition, actor, editors, followers)
        })
        .collect();
    store(conn, actor, &tidings, now).await
}

/// Tells the claim's followers (not the actor) that it changed, in the caller's transaction.
pub async fn claim_changed(
    conn: &mut AsyncPgConnection,
    claim: ClaimId,
    actor: UserId,
    what: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let followers = ClaimFollow::followers(conn, claim).await?;
    let tidings = Tidings {
        claim,
        recipients: inbox::followers_to_tell(&followers, &[], actor),
        note: Some(what.to_owned()),
    };
    store(conn, actor, &[tidings], now).await
}

/// Tells a reviewer a claim was assigned to them (and the claim's followers that it was), in
/// the caller's transaction. Nothing when people assign themselves.
pub async fn assigned(
    conn: &mut AsyncPgConnection,
    claim: ClaimId,
    assignee: UserId,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    assigned_many(conn, &[claim], assignee, actor, now).await
}

/// `assigned` for many claims given to one reviewer by one person in one transaction.
pub async fn assigned_many(
    conn: &mut AsyncPgConnection,
    claims: &[ClaimId],
    assignee: UserId,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let followers = ClaimFollow::followers_of(conn, claims).await?;
    let tidings: Vec<Tidings> = claims
        .iter()
        .map(|claim| {
            let followers = followers.get(claim).map_or(&[][..], Vec::as_slice);
            assigned_tidings(*claim, assignee, actor, followers)
        })
        .collect();
    store(conn, actor, &tidings, now).await
}

/// One notification as the inbox and the API show it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    pub claim_id: i64,
    pub created_at: DateTime<Utc>,
    pub read: bool,
    /// The editor's note, or what changed.
    pub note: Option<String>,
    /// Who caused it.
    pub actor: Option<String>,
    /// The claim's text, shortened.
    pub claim_text: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub notifications: Vec<Notification>,
    pub unread: i64,
}

/// A person's notifications, newest first, and how many are unread.
pub async fn inbox(
    conn: &mut AsyncPgConnection,
    user: UserId,
    unread_only: bool,
    before: Option<i64>,
) -> Result<Inbox, AppError> {
    let rows = NotificationRow::for_user(conn, user, unread_only, before, PAGE).await?;
    let mut claim_ids: Vec<i64> = rows.iter().map(|r| r.claim_id).collect();
    claim_ids.sort_unstable();
    claim_ids.dedup();
    let claim_ids: Vec<ClaimId> = claim_ids.into_iter().map(ClaimId).collect();
    let texts: HashMap<i64, String> = Claim::by_ids(conn, &claim_ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c.text.chars().take(140).collect()))
        .collect();
    let mut actor_ids: Vec<i64> = rows.iter().map(|r| r.actor_id).collect();
    actor_ids.sort_unstable();
    actor_ids.dedup();
    let actor_ids: Vec<UserId> = actor_ids.into_iter().map(UserId).collect();
    let names: HashMap<i64, String> = User::names(conn, &actor_ids)
        .await?
        .into_iter()
        .map(|(id, name)| (id.0, name))
        .collect();
    let notifications = rows
        .into_iter()
        .map(|r| Notification {
            id: r.id,
            kind: r.kind(),
            claim_id: r.claim_id,
            created_at: r.created_at,
            read: r.read_at.is_some(),
            actor: names.get(&r.actor_id).cloned(),
            claim_text: texts.get(&r.claim_id).cloned().unwrap_or_default(),
            note: r.note,
        })
        .collect();
    Ok(Inbox {
        notifications,
        unread: NotificationRow::unread_count(conn, user).await?,
    })
}

pub async fn unread_count(conn: &mut AsyncPgConnection, user: UserId) -> Result<i64, AppError> {
    Ok(NotificationRow::unread_count(conn, user).await?)
}

/// Which notifications to mark read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkRead {
    These(Vec<i64>),
    All,
}

/// Marks the person's own notifications read (others' ids are ignored); returns how many.
pub async fn mark_read(
    conn: &mut AsyncPgConnection,
    user: UserId,
    which: &MarkRead,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let ids = match which {
        MarkRead::These(ids) if ids.len() > 1_000 => {
            return Err(AppError::Validation(
                "mark at most 1000 notifications at once, or all".into(),
            ));
        }
        MarkRead::These(ids) => Some(ids.as_slice()),
        MarkRead::All => None,
    };
    Ok(NotificationRow::mark_read(conn, user, ids, now).await?)
}

/// Starts or stops following a claim (404 for a claim that does not exist).
pub async fn set_following(
    conn: &mut AsyncPgConnection,
    claim: ClaimId,
    user: UserId,
    follow: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    Claim::found(conn, claim).await?;
    if follow {
        ClaimFollow::follow(conn, claim, user, now).await?;
    } else {
        ClaimFollow::unfollow(conn, claim, user).await?;
    }
    Ok(())
}

pub async fn is_following(
    conn: &mut AsyncPgConnection,
    claim: ClaimId,
    user: UserId,
) -> Result<bool, AppError> {
    Ok(ClaimFollow::is_following(conn, claim, user).await?)
}
