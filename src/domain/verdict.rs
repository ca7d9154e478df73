//! Verdicts: the three outcomes of a review, the ClaimReview rating and the public label.

use super::named_enum;

named_enum! {
    /// The outcome a reviewer gives a claim.
    pub enum Verdict ("verdict") {
        Verified => "verified",
        Disputed => "disputed",
        Unverifiable => "unverifiable",
    }
}

named_enum! {
    /// How a piece of evidence bears on a claim.
    pub enum Stance ("stance") {
        Supports => "supports",
        Refutes => "refutes",
        Context => "context",
    }
}

/// A rating on the schema.org ClaimReview scale: 1 (false) … 5 (true).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating(i16);

impl Rating {
    pub const WORST: i16 = 1;
    pub const BEST: i16 = 5;

    pub fn new(value: i16) -> Option<Rating> {
        (Self::WORST..=Self::BEST)
            .contains(&value)
            .then_some(Rating(value))
    }

    pub fn value(self) -> i16 {
        self.0
    }
}

/// The longest public label accepted; it is shown as one line in reports and rich results.
pub const MAX_LABEL_CHARS: usize = 100;

/// Everything a verdict records besides its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictDetails {
    pub verdict: Verdict,
    pub rating: Rating,
    pub label: String,
    pub rationale: String,
}
