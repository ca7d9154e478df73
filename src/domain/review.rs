//! The review state machine: which moves exist, who may make them, and what each one needs.

use super::named_enum;
use super::verdict::{
    MAX_LABEL_CHARS, Rating, Verdict, VerdictDetails, contradiction, step_name, verdict_for,
};
use super::{Role, UserId};

named_enum! {
    /// Where a claim is in its review.
    pub enum ReviewState ("state") {
        Extracted => "extracted",
        InReview => "in_review",
        Verified => "verified",
        Disputed => "disputed",
        Unverifiable => "unverifiable",
        Approved => "approved",
        Dismissed => "dismissed",
    }
}

impl ReviewState {
    /// The verdict a state stands for, if it is one of the three verdict states.
    pub fn verdict(self) -> Option<Verdict> {
        match self {
            ReviewState::Verified => Some(Verdict::Verified),
            ReviewState::Disputed => Some(Verdict::Disputed),
            ReviewState::Unverifiable => Some(Verdict::Unverifiable),
            _ => None,
        }
    }

    pub fn from_verdict(verdict: Verdict) -> ReviewState {
        match verdict {
            Verdict::Verified => ReviewState::Verified,
            Verdict::Disputed => ReviewState::Disputed,
            Verdict::Unverifiable => ReviewState::Unverifiable,
        }
    }

    /// A human name for pages and messages.
    pub fn title(self) -> &'static str {
        match self {
            ReviewState::Extracted => "Extracted",
            ReviewState::InReview => "In review",
            ReviewState::Verified => "Verified",
            ReviewState::Disputed => "Disputed",
            ReviewState::Unverifiable => "Unverifiable",
            ReviewState::Approved => "Approved",
            ReviewState::Dismissed => "Dismissed",
        }
    }
}

/// The person asking for a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: UserId,
    pub role: Role,
}

/// What the rules need to know about a claim before moving it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimSnapshot {
    pub state: ReviewState,
    pub assignee: Option<UserId>,
    /// Who gave the current verdict, if any.
    pub verdict_by: Option<UserId>,
    /// Evidence items not retracted.
    pub active_evidence: usize,
    /// Of those, how many refute the claim.
    pub refuting_evidence: usize,
}

/// A request to move a claim, as it arrives from a form or the API (already trimmed of nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransitionRequest {
    pub to: Option<ReviewState>,
    pub note: Option<String>,
    pub rationale: Option<String>,
    pub rating: Option<i16>,
    pub label: Option<String>,
}

/// A move as a form or the API asks for it: the claim's version the asker saw, and the move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveRequest {
    pub version: i32,
    pub request: TransitionRequest,
}

/// The change a permitted move makes to the claim, for the storage layer to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimChange {
    /// A reviewer takes the claim; they become its assignee.
    Take {
        assignee: UserId,
    },
    /// An editor hands the claim to a reviewer (or to another one).
    Assign {
        assignee: UserId,
    },
    /// The assignee gives the claim back to the queue.
    Release,
    /// Not check-worthy.
    Dismiss,
    Restore,
    GiveVerdict(VerdictDetails),
    Approve {
        approver: UserId,
    },
    /// An editor returns a verdict to its reviewer.
    SendBack,
    /// An editor reopens an approved verdict; a later approval is a correction.
    Reopen,
}

/// A permitted move, ready to be stored with its audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: ReviewState,
    pub to: ReviewState,
    pub note: Option<String>,
    pub change: ClaimChange,
}

/// Why a move was refused. Each variant maps to one HTTP status at the edge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// No such move from this state (422).
    #[error("a claim that is {} cannot be moved to {}", from.title().to_lowercase(), to.title().to_lowercase())]
    NotAllowed { from: ReviewState, to: ReviewState },
    /// The move exists, but its requirements are unmet (422).
    #[error("{0}")]
    Unmet(String),
    /// The move exists, but not for this person (403).
    #[error("{0}")]
    Forbidden(String),
}

/// Longest note or rationale accepted, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;

/// The moves a claim in `state` can make, whoever asks.
pub fn moves_from(state: ReviewState) -> &'static [ReviewState] {
    use ReviewState::*;
    match state {
        Extracted => &[InReview, Dismissed],
        InReview => &[Verified, Disputed, Unverifiable, Extracted],
        Verified | Disputed | Unverifiable => &[Approved, InReview],
        Approved => &[InReview],
        Dismissed => &[Extracted],
    }
}

/// Decides whether `actor` may move `claim` as `request` asks, and what the move changes.
pub fn apply(
    claim: &ClaimSnapshot,
    actor: Actor,
    request: &TransitionRequest,
) -> Result<Transition, TransitionError> {
    use ReviewState::*;
    let from = claim.state;
    let to = request
        .to
        .ok_or_else(|| TransitionError::Unmet("say which state to move the claim to".into()))?;
    if !moves_from(from).contains(&to) {
        return Err(TransitionError::NotAllowed { from, to });
    }
    let note = cleaned(request.note.as_deref(), "note")?;
    let is_assignee = claim.assignee == Some(actor.id);
    let change = match (from, to) {
        (Extracted, InReview) => ClaimChange::Take { assignee: actor.id },
        (Extracted, Dismissed) => {
            require_editor(actor, "dismiss a claim")?;
            require(
                note.is_some(),
                "give the reason this claim is not check-worthy",
            )?;
            ClaimChange::Dismiss
        }
        (Dismissed, Extracted) => {
            require_editor(actor, "restore a dismissed claim")?;
            ClaimChange::Restore
        }
        (InReview, Extracted) => {
            require_assignee_or_editor(actor, is_assignee, "release")?;
            ClaimChange::Release
        }
        (InReview, Verified | Disputed | Unverifiable) => {
            require_assignee_or_editor(actor, is_assignee, "give a verdict on")?;
            ClaimChange::GiveVerdict(verdict_details(claim, to, request)?)
        }
        (Verified | Disputed | Unverifiable, Approved) => {
            require_editor(actor, "approve a verdict")?;
            if claim.verdict_by == Some(actor.id) {
                return Err(TransitionError::Forbidden(
                    "you gave this verdict; a second person must approve it".into(),
                ));
            }
            ClaimChange::Approve { approver: actor.id }
        }
        (Verified | Disputed | Unverifiable, InReview) => {
            require_editor(actor, "send a verdict back")?;
            require(note.is_some(), "say why the verdict is sent back")?;
            ClaimChange::SendBack
        }
        (Approved, InReview) => {
            require_editor(actor, "reopen an approved verdict")?;
            require(
                note.is_some(),
                "give the reason for reopening; the report marks it as a correction",
            )?;
            ClaimChange::Reopen
        }
        // moves_from lists exactly the pairs handled above.
        _ => return Err(TransitionError::NotAllowed { from, to }),
    };
    Ok(Transition {
        from,
        to,
        note,
        change,
    })
}

/// Decides whether `actor` may hand the claim to `assignee` (whose role is `assignee_role`):
/// editors only; a claim waiting in the queue goes into review with them, one in review
/// changes hands; a decided, approved or dismissed claim is not assigned.
pub fn assign(
    claim: &ClaimSnapshot,
    actor: Actor,
    assignee: UserId,
    assignee_active: bool,
) -> Result<Transition, TransitionError> {
    use ReviewState::*;
    require_editor(actor, "assign a claim")?;
    require(
        assignee_active,
        "that account is disabled; assign the claim to someone active",
    )?;
    let to = match claim.state {
        Extracted | InReview => InReview,
        from => {
            return Err(TransitionError::Unmet(format!(
                "a claim that is {} cannot be assigned; only claims waiting or in review can",
                from.title().to_lowercase()
            )));
        }
    };
    if claim.assignee == Some(assignee) {
        return Err(TransitionError::Unmet(
            "the claim is already assigned to that person".into(),
        ));
    }
    Ok(Transition {
        from: claim.state,
        to,
        note: None,
        change: ClaimChange::Assign { assignee },
    })
}

/// The moves `actor` could make now, for showing exactly the right buttons.
/// Requirements that depend on what the person types (notes, rationale) are not checked here.
pub fn available_moves(claim: &ClaimSnapshot, actor: Actor) -> Vec<ReviewState> {
    moves_from(claim.state)
        .iter()
        .copied()
        .filter(|&to| {
            let request = TransitionRequest {
                to: Some(to),
                note: Some("-".into()),
                rationale: Some("-".into()),
                rating: match to {
                    ReviewState::Verified => Some(Rating::BEST),
                    ReviewState::Disputed => Some(Rating::WORST),
                    _ => None,
                },
                label: Some("-".into()),
            };
            match apply(claim, actor, &request) {
                Ok(_) => true,
                // Missing evidence is worth showing the form for: the page explains what is missing.
                Err(TransitionError::Unmet(_)) => true,
                Err(_) => false,
            }
        })
        .collect()
}

fn verdict_details(
    claim: &ClaimSnapshot,
    to: ReviewState,
    request: &TransitionRequest,
) -> Result<VerdictDetails, TransitionError> {
    let verdict = to
        .verdict()
        .ok_or_else(|| TransitionError::Unmet("not a verdict".into()))?;
    // The scale decides the outcome; a pair that disagrees is refused before anything else,
    // so the answer names exactly the two values that were sent.
    if let Some(message) = contradiction(verdict, request.rating) {
        return Err(TransitionError::Unmet(message));
    }
    let rating = request.rating.and_then(Rating::new);
    let rationale = cleaned(request.rationale.as_deref(), "rationale")?
        .ok_or_else(|| TransitionError::Unmet("a verdict needs a rationale".into()))?;
    require(
        claim.active_evidence > 0,
        "a verdict needs at least one piece of evidence",
    )?;
    if verdict == Verdict::Disputed {
        require(
            claim.refuting_evidence > 0,
            "a disputed verdict needs at least one piece of evidence that refutes the claim",
        )?;
    }
    let label =
        cleaned(request.label.as_deref(), "label")?.unwrap_or_else(|| step_name(rating).to_owned());
    if label.contains(['\n', '\r']) || label.chars().count() > MAX_LABEL_CHARS {
        return Err(TransitionError::Unmet(format!(
            "the label must be one line of at most {MAX_LABEL_CHARS} characters"
        )));
    }
    Ok(VerdictDetails {
        verdict,
        rating,
        label,
        rationale,
    })
}

/// The verdict state a rating (or "unverifiable", no rating) leads to: the one verdict form
/// asks only for the rating, and the state follows from it.
pub fn verdict_state(rating: Option<Rating>) -> ReviewState {
    ReviewState::from_verdict(verdict_for(rating))
}

/// Trims a free-text field; blank means absent. Refuses text too long to be a note.
fn cleaned(text: Option<&str>, what: &str) -> Result<Option<String>, TransitionError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(TransitionError::Unmet(format!(
            "the {what} is longer than {MAX_NOTE_CHARS} characters"
        )));
    }
    Ok(Some(text.to_owned()))
}

fn require(condition: bool, message: &str) -> Result<(), TransitionError> {
    if condition {
        Ok(())
    } else {
        Err(TransitionError::Unmet(message.to_owned()))
    }
}

fn require_editor(actor: Actor, what: &str) -> Result<(), TransitionError> {
    if actor.role.is_editor() {
        Ok(())
    } else {
        Err(TransitionError::Forbidden(format!(
            "only an editor can {what}"
        )))
    }
}

fn require_assignee_or_editor(
    actor: Actor,
    is_assignee: bool,
    what: &str,
) -> Result<(), TransitionError> {
    if is_assignee || actor.role.is_editor() {
        Ok(())
    } else {
        Err(TransitionError::Forbidden(format!(
            "only the reviewer who took this claim, or an editor, can {what} it"
        )))
    }
}

/// Who may change a claim's evidence: while a reviewer holds the claim, that reviewer or an
/// editor; evidence on a claim nobody has taken is open to every signed-in user.
pub fn may_change_evidence(assignee: Option<UserId>, actor: Actor) -> Result<(), TransitionError> {
    match assignee {
        Some(holder) if holder != actor.id => {
            require_assignee_or_editor(actor, false, "change the evidence of")
        }
        _ => Ok(()),
    }
}

/// Evidence can be added or retracted until a verdict is approved (or the claim dismissed);
/// changing the evidence of an approved verdict needs a reopen, which the report shows.
pub fn accepts_evidence(state: ReviewState) -> bool {
    !matches!(state, ReviewState::Approved | ReviewState::Dismissed)
}

/// The button label of a move, for pages.
pub fn move_label(from: ReviewState, to: ReviewState) -> &'static str {
    use ReviewState::*;
    match (from, to) {
        (Extracted, InReview) => "Take this claim",
        (Extracted, Dismissed) => "Dismiss as not check-worthy",
        (InReview, Extracted) => "Release back to the queue",
        (InReview, Verified) => "Mark verified",
        (InReview, Disputed) => "Mark disputed",
        (InReview, Unverifiable) => "Mark unverifiable",
        (_, Approved) => "Approve this verdict",
        (Approved, InReview) => "Reopen (correction)",
        (_, InReview) => "Send back to review",
        (Dismissed, Extracted) => "Restore to the queue",
        _ => "Move",
    }
}

/// Whether a move needs a note (a reason) from the person making it.
pub fn move_needs_note(from: ReviewState, to: ReviewState) -> bool {
    use ReviewState::*;
    matches!(
        (from, to),
        (Extracted, Dismissed) | (Verified | Disputed | Unverifiable | Approved, InReview)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_editors_assign_and_only_waiting_or_in_review_claims() {
        let reviewer = Actor {
            id: UserId(1),
            role: Role::Reviewer,
        };
        let editor = Actor {
            id: UserId(2),
            role: Role::Editor,
        };
        let mut claim = ClaimSnapshot {
            state: ReviewState::Extracted,
            assignee: None,
            verdict_by: None,
            active_evidence: 0,
            refuting_evidence: 0,
        };
        assert!(matches!(
            assign(&claim, reviewer, UserId(1), true),
            Err(TransitionError::Forbidden(_))
        ));
        let t = assign(&claim, editor, UserId(1), true).expect("assigned");
        assert_eq!(
            (t.from, t.to),
            (ReviewState::Extracted, ReviewState::InReview)
        );
        assert_eq!(
            t.change,
            ClaimChange::Assign {
                assignee: UserId(1)
            }
        );
        assert!(
            assign(&claim, editor, UserId(1), false).is_err(),
            "disabled"
        );
        claim.state = ReviewState::InReview;
        claim.assignee = Some(UserId(1));
        assert!(
            assign(&claim, editor, UserId(1), true).is_err(),
            "same person"
        );
        let t = assign(&claim, editor, UserId(3), true).expect("reassigned");
        assert_eq!(
            (t.from, t.to),
            (ReviewState::InReview, ReviewState::InReview)
        );
        for state in [
            ReviewState::Verified,
            ReviewState::Approved,
            ReviewState::Dismissed,
        ] {
            claim.state = state;
            assert!(matches!(
                assign(&claim, editor, UserId(3), true),
                Err(TransitionError::Unmet(_))
            ));
        }
    }
    use crate::domain::Stance;

    use ReviewState::*;

    const REVIEWER: Actor = Actor {
        id: UserId(1),
        role: Role::Reviewer,
    };
    const OTHER_REVIEWER: Actor = Actor {
        id: UserId(2),
        role: Role::Reviewer,
    };
    const EDITOR: Actor = Actor {
        id: UserId(3),
        role: Role::Editor,
    };
    const ADMIN: Actor = Actor {
        id: UserId(4),
        role: Role::Admin,
    };

    /// The moves the issue lists, written out independently of `moves_from`.
    const ALLOWED: &[(ReviewState, ReviewState)] = &[
        (Extracted, InReview),
        (Extracted, Dismissed),
        (InReview, Verified),
        (InReview, Disputed),
        (InReview, Unverifiable),
        (InReview, Extracted),
        (Verified, Approved),
        (Disputed, Approved),
        (Unverifiable, Approved),
        (Verified, InReview),
        (Disputed, InReview),
        (Unverifiable, InReview),
        (Approved, InReview),
        (Dismissed, Extracted),
    ];

    /// A claim taken by REVIEWER, whose verdict (if any) REVIEWER gave, with refuting evidence.
    fn claim(state: ReviewState) -> ClaimSnapshot {
        ClaimSnapshot {
            state,
            assignee: Some(REVIEWER.id),
            verdict_by: state
                .verdict()
                .or((state == Approved).then_some(Verdict::Verified))
                .map(|_| REVIEWER.id),
            active_evidence: 2,
            refuting_evidence: 1,
        }
    }

    fn full_request(to: ReviewState) -> TransitionRequest {
        TransitionRequest {
            to: Some(to),
            note: Some("because".into()),
            rationale: Some("The register lists a different year.".into()),
            rating: match to {
                Verified => Some(4),
                Disputed => Some(2),
                _ => None,
            },
            label: Some("Misleading".into()),
        }
    }

    #[test]
    fn every_state_pair_is_allowed_exactly_as_listed() {
        for &from in ReviewState::ALL {
            for &to in ReviewState::ALL {
                let listed = ALLOWED.contains(&(from, to));
                let result = apply(&claim(from), ADMIN, &full_request(to));
                match result {
                    Ok(t) => {
                        assert!(listed, "{from} -> {to} was allowed but is not listed");
                        assert_eq!((t.from, t.to), (from, to));
                    }
                    Err(TransitionError::NotAllowed { .. }) => {
                        assert!(!listed, "{from} -> {to} was refused but is listed")
                    }
                    Err(other) => panic!("{from} -> {to}: unexpected refusal {other:?}"),
                }
            }
        }
    }

    #[test]
    fn refused_moves_say_where_the_claim_is() {
        let err = apply(&claim(Extracted), REVIEWER, &full_request(Verified)).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "a claim that is extracted cannot be moved to verified"
        );
    }

    #[test]
    fn who_may_make_each_move() {
        // (from, to, reviewer who took it, another reviewer, editor)
        let table: &[(ReviewState, ReviewState, bool, bool, bool)] = &[
            (Extracted, InReview, true, true, true),
            (Extracted, Dismissed, false, false, true),
            (Dismissed, Extracted, false, false, true),
            (InReview, Extracted, true, false, true),
            (InReview, Verified, true, false, true),
            (InReview, Disputed, true, false, true),
            (InReview, Unverifiable, true, false, true),
            (Verified, InReview, false, false, true),
            (Approved, InReview, false, false, true),
        ];
        for &(from, to, assignee_ok, other_ok, editor_ok) in table {
            for (actor, expected) in [
                (REVIEWER, assignee_ok),
                (OTHER_REVIEWER, other_ok),
                (EDITOR, editor_ok),
            ] {
                let result = apply(&claim(from), actor, &full_request(to));
                match (expected, result) {
                    (true, Ok(_)) => {}
                    (false, Err(TransitionError::Forbidden(_))) => {}
                    (e, r) => panic!(
                        "{from} -> {to} by {:?}: expected allowed={e}, got {r:?}",
                        actor.role
                    ),
                }
            }
        }
    }

    #[test]
    fn approval_needs_an_editor_other_than_the_verdicts_author() {
        let mut c = claim(Disputed);
        assert!(matches!(
            apply(&c, REVIEWER, &full_request(Approved)),
            Err(TransitionError::Forbidden(_))
        ));
        let t = apply(&c, EDITOR, &full_request(Approved)).expect("another editor approves");
        assert_eq!(
            t.change,
            ClaimChange::Approve {
                approver: EDITOR.id
            }
        );
        c.verdict_by = Some(EDITOR.id);
        let err = apply(&c, EDITOR, &full_request(Approved)).expect_err("own verdict");
        assert_eq!(
            err,
            TransitionError::Forbidden(
                "you gave this verdict; a second person must approve it".into()
            )
        );
        assert!(apply(&c, ADMIN, &full_request(Approved)).is_ok());
    }

    #[test]
    fn a_verdict_needs_rationale_evidence_rating_and_label() {
        let base = claim(InReview);
        let no_rationale = TransitionRequest {
            rationale: Some("   ".into()),
            ..full_request(Verified)
        };
        assert!(
            matches!(apply(&base, REVIEWER, &no_rationale), Err(TransitionError::Unmet(m)) if m.contains("rationale"))
        );
        let no_evidence = ClaimSnapshot {
            active_evidence: 0,
            refuting_evidence: 0,
            ..base.clone()
        };
        assert!(
            matches!(apply(&no_evidence, REVIEWER, &full_request(Verified)), Err(TransitionError::Unmet(m)) if m.contains("evidence"))
        );
        assert!(matches!(
            apply(&no_evidence, REVIEWER, &full_request(Unverifiable)),
            Err(TransitionError::Unmet(_))
        ));
        for rating in [None, Some(0), Some(6), Some(-1), Some(2)] {
            let r = TransitionRequest {
                rating,
                ..full_request(Verified)
            };
            assert!(
                matches!(apply(&base, REVIEWER, &r), Err(TransitionError::Unmet(m)) if m.contains("rating"))
            );
        }
        let two_lines = TransitionRequest {
            label: Some("a\nb".into()),
            ..full_request(Verified)
        };
        assert!(
            matches!(apply(&base, REVIEWER, &two_lines), Err(TransitionError::Unmet(m)) if m.contains("label"))
        );
        let long = TransitionRequest {
            label: Some("x".repeat(MAX_LABEL_CHARS + 1)),
            ..full_request(Verified)
        };
        assert!(apply(&base, REVIEWER, &long).is_err());
        let no_label = TransitionRequest {
            label: None,
            ..full_request(Verified)
        };
        match apply(&base, REVIEWER, &no_label).map(|t| t.change) {
            Ok(ClaimChange::GiveVerdict(d)) => assert_eq!(d.label, "Mostly true"),
            other => panic!("a blank label takes the step's name, got {other:?}"),
        }
        let unverifiable = apply(&base, REVIEWER, &full_request(Unverifiable));
        match unverifiable.map(|t| t.change) {
            Ok(ClaimChange::GiveVerdict(d)) => assert_eq!(d.rating, None),
            other => panic!("unverifiable takes no rating, got {other:?}"),
        }
        let rated = TransitionRequest {
            rating: Some(3),
            ..full_request(Unverifiable)
        };
        assert!(
            matches!(apply(&base, REVIEWER, &rated), Err(TransitionError::Unmet(m)) if m.contains("unverifiable") && m.contains("3 (mixed)"))
        );
        assert_eq!(verdict_state(Rating::new(4)), Verified);
        assert_eq!(verdict_state(Rating::new(3)), Disputed);
        assert_eq!(verdict_state(None), Unverifiable);
        let t = apply(&base, REVIEWER, &full_request(Verified)).expect("complete verdict");
        match t.change {
            ClaimChange::GiveVerdict(d) => {
                assert_eq!(d.verdict, Verdict::Verified);
                assert_eq!(d.rating.map(Rating::value), Some(4));
                assert_eq!(d.label, "Misleading");
            }
            other => panic!("expected a verdict, got {other:?}"),
        }
    }

    #[test]
    fn disputed_needs_refuting_evidence() {
        let supporting_only = ClaimSnapshot {
            refuting_evidence: 0,
            ..claim(InReview)
        };
        let err =
            apply(&supporting_only, REVIEWER, &full_request(Disputed)).expect_err("no refutation");
        assert!(err.to_string().contains("refutes"));
        assert!(apply(&supporting_only, REVIEWER, &full_request(Verified)).is_ok());
        assert_eq!(Stance::Refutes.as_str(), "refutes");
    }

    #[test]
    fn reasons_are_required_for_dismiss_send_back_and_reopen() {
        for (from, to) in [
            (Extracted, Dismissed),
            (Verified, InReview),
            (Approved, InReview),
        ] {
            let no_note = TransitionRequest {
                note: None,
                ..full_request(to)
            };
            assert!(
                matches!(
                    apply(&claim(from), EDITOR, &no_note),
                    Err(TransitionError::Unmet(_))
                ),
                "{from} -> {to}"
            );
            assert!(apply(&claim(from), EDITOR, &full_request(to)).is_ok());
        }
        let reopen = apply(&claim(Approved), EDITOR, &full_request(InReview)).expect("reopen");
        assert_eq!(reopen.change, ClaimChange::Reopen);
        assert_eq!(reopen.note.as_deref(), Some("because"));
    }

    #[test]
    fn taking_sets_the_assignee_and_missing_target_is_explained() {
        let t = apply(&claim(Extracted), OTHER_REVIEWER, &full_request(InReview)).expect("take");
        assert_eq!(
            t.change,
            ClaimChange::Take {
                assignee: OTHER_REVIEWER.id
            }
        );
        let none = TransitionRequest {
            to: None,
            ..TransitionRequest::default()
        };
        assert!(matches!(
            apply(&claim(Extracted), REVIEWER, &none),
            Err(TransitionError::Unmet(_))
        ));
        let huge = TransitionRequest {
            note: Some("x".repeat(MAX_NOTE_CHARS + 1)),
            ..full_request(InReview)
        };
        assert!(apply(&claim(Extracted), REVIEWER, &huge).is_err());
    }

    #[test]
    fn available_moves_match_roles() {
        assert_eq!(available_moves(&claim(Extracted), REVIEWER), vec![InReview]);
        assert_eq!(
            available_moves(&claim(Extracted), EDITOR),
            vec![InReview, Dismissed]
        );
        assert_eq!(
            available_moves(&claim(InReview), OTHER_REVIEWER),
            Vec::<ReviewState>::new()
        );
        assert_eq!(
            available_moves(&claim(InReview), REVIEWER),
            vec![Verified, Disputed, Unverifiable, Extracted]
        );
        assert_eq!(
            available_moves(&claim(Disputed), REVIEWER),
            Vec::<ReviewState>::new()
        );
        assert_eq!(
            available_moves(&claim(Disputed), EDITOR),
            vec![Approved, InReview]
        );
        assert!(
            accepts_evidence(InReview)
                && !accepts_evidence(Approved)
                && !accepts_evidence(Dismissed)
        );
    }
}
