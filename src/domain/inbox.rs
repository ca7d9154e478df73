//! What the inbox tells people: the kinds of notification and who receives one for a move.

use super::named_enum;
use super::review::{ClaimChange, ReviewState};
use super::{Role, UserId};

named_enum! {
    /// Why someone is told about a claim.
    pub enum NotificationKind ("notification kind") {
        /// An editor handed the claim to you.
        Assigned => "assigned",
        /// An editor returned your verdict, with a note.
        SentBack => "sent_back",
        /// An editor reopened your approved verdict.
        Reopened => "reopened",
        /// A verdict waits for an editor's approval (editors, never for their own verdict).
        AwaitingApproval => "awaiting_approval",
        /// A claim you follow changed.
        FollowedChanged => "followed_changed",
    }
}

impl NotificationKind {
    /// A short line for the inbox.
    pub fn title(self) -> &'static str {
        match self {
            NotificationKind::Assigned => "Assigned to you",
            NotificationKind::SentBack => "Your verdict was sent back",
            NotificationKind::Reopened => "Your approved verdict was reopened",
            NotificationKind::AwaitingApproval => "A verdict waits for approval",
            NotificationKind::FollowedChanged => "A claim you follow changed",
        }
    }
}

/// One person to tell, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub user: UserId,
    pub kind: NotificationKind,
}

/// Who is told about a review move, besides the claim's followers: the author of a verdict
/// sent back or reopened; every editor (not the verdict's author) when a verdict waits for
/// approval. Never the person who made the move.
pub fn recipients_of_move(
    change: &ClaimChange,
    to: ReviewState,
    actor: UserId,
    verdict_author: Option<UserId>,
    editors: &[(UserId, Role)],
) -> Vec<Recipient> {
    let mut out: Vec<Recipient> = match change {
        ClaimChange::SendBack => verdict_author
            .map(|user| Recipient {
                user,
                kind: NotificationKind::SentBack,
            })
            .into_iter()
            .collect(),
        ClaimChange::Reopen => verdict_author
            .map(|user| Recipient {
                user,
                kind: NotificationKind::Reopened,
            })
            .into_iter()
            .collect(),
        ClaimChange::GiveVerdict(_) if to.verdict().is_some() => editors
            .iter()
            .filter(|(_, role)| role.includes(Role::Editor))
            .map(|(user, _)| Recipient {
                user: *user,
                kind: NotificationKind::AwaitingApproval,
            })
            .collect(),
        _ => Vec::new(),
    };
    // Nobody is told of their own move; for a verdict the actor is its author, so no editor
    // is asked to approve their own verdict.
    out.retain(|r| r.user != actor);
    out
}

/// The followers still to tell once the specific recipients are known: everyone following
/// the claim except the actor and those already told about this change.
pub fn followers_to_tell(
    followers: &[UserId],
    already: &[Recipient],
    actor: UserId,
) -> Vec<Recipient> {
    followers
        .iter()
        .filter(|f| **f != actor && !already.iter().any(|r| r.user == **f))
        .map(|user| Recipient {
            user: *user,
            kind: NotificationKind::FollowedChanged,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Rating, Verdict, VerdictDetails};

    const ACTOR: UserId = UserId(1);
    const AUTHOR: UserId = UserId(2);

    fn editors() -> Vec<(UserId, Role)> {
        vec![
            (UserId(1), Role::Editor),
            (UserId(3), Role::Editor),
            (UserId(4), Role::Admin),
            (UserId(5), Role::Reviewer),
        ]
    }

    fn users(list: &[Recipient]) -> Vec<(i64, NotificationKind)> {
        list.iter().map(|r| (r.user.0, r.kind)).collect()
    }

    #[test]
    fn a_verdict_asks_every_other_editor_for_approval() {
        let details = VerdictDetails {
            verdict: Verdict::Disputed,
            rating: Rating::new(2),
            label: "Mostly false".into(),
            rationale: "why".into(),
        };
        let out = recipients_of_move(
            &ClaimChange::GiveVerdict(details),
            ReviewState::Disputed,
            ACTOR,
            None,
            &editors(),
        );
        assert_eq!(
            users(&out),
            vec![
                (3, NotificationKind::AwaitingApproval),
                (4, NotificationKind::AwaitingApproval)
            ]
        );
    }

    #[test]
    fn a_send_back_or_reopening_tells_the_author_but_never_the_actor() {
        for (change, kind) in [
            (ClaimChange::SendBack, NotificationKind::SentBack),
            (ClaimChange::Reopen, NotificationKind::Reopened),
        ] {
            let out = recipients_of_move(
                &change,
                ReviewState::InReview,
                ACTOR,
                Some(AUTHOR),
                &editors(),
            );
            assert_eq!(users(&out), vec![(2, kind)]);
            let own = recipients_of_move(&change, ReviewState::InReview, ACTOR, Some(ACTOR), &[]);
            assert!(own.is_empty());
        }
        let take = ClaimChange::Take { assignee: ACTOR };
        assert!(
            recipients_of_move(&take, ReviewState::InReview, ACTOR, None, &editors()).is_empty()
        );
    }

    #[test]
    fn followers_are_told_once_and_never_of_their_own_move() {
        let already = vec![Recipient {
            user: AUTHOR,
            kind: NotificationKind::SentBack,
        }];
        let out = followers_to_tell(&[ACTOR, AUTHOR, UserId(7)], &already, ACTOR);
        assert_eq!(users(&out), vec![(7, NotificationKind::FollowedChanged)]);
    }
}
