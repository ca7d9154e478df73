//! The one rule of what readers may see. Every public route (a verdict's page, its card, the
//! index, an article's page, the feed, the sitemap) and the ClaimReview export ask it, and the
//! SQL filter in `db::public` states the same rule for lists (a test checks they agree).

use super::{Rating, ReviewState, Verdict};

/// What decides whether a claim is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub state: ReviewState,
    /// Merged into another claim: that claim's page shows it.
    pub merged: bool,
    /// Its current verdict has an approval time.
    pub approved: bool,
    pub article_archived: bool,
    pub verdict: Option<Verdict>,
    pub rating: Option<i16>,
}

/// A claim is published when it is approved, stands on its own, is on an article that is not
/// archived, and its verdict is one readers can be shown.
pub fn is_published(claim: Standing) -> bool {
    claim.state == ReviewState::Approved
        && !claim.merged
        && claim.approved
        && !claim.article_archived
        && has_public_verdict(claim.verdict, claim.rating)
}

/// A verdict readers can be shown (and ClaimReview can mark up): a step of the scale with a
/// verdict, or unverifiable with no step. An approved verdict from before ratings existed has
/// no step, and nothing public to say.
pub fn has_public_verdict(verdict: Option<Verdict>, rating: Option<i16>) -> bool {
    match rating {
        Some(step) => verdict.is_some() && Rating::new(step).is_some(),
        None => verdict == Some(Verdict::Unverifiable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_approved_standalone_live_verdict_with_a_public_rating_is_published() {
        let published = Standing {
            state: ReviewState::Approved,
            merged: false,
            approved: true,
            article_archived: false,
            verdict: Some(Verdict::Disputed),
            rating: Some(1),
        };
        assert!(is_published(published));
        let unverifiable = Standing {
            verdict: Some(Verdict::Unverifiable),
            rating: None,
            ..published
        };
        assert!(is_published(unverifiable));
        let not_published = [
            Standing {
                state: ReviewState::Disputed,
                ..published
            },
            Standing {
                state: ReviewState::InReview,
                ..published
            },
            Standing {
                merged: true,
                ..published
            },
            Standing {
                approved: false,
                ..published
            },
            Standing {
                article_archived: true,
                ..published
            },
            Standing {
                rating: None,
                ..published
            },
            Standing {
                rating: Some(6),
                ..published
            },
            Standing {
                verdict: None,
                ..published
            },
            Standing {
                verdict: None,
                rating: None,
                ..published
            },
        ];
        for standing in not_published {
            assert!(!is_published(standing), "{standing:?}");
        }
        for &state in ReviewState::ALL {
            let standing = Standing { state, ..published };
            assert_eq!(is_published(standing), state == ReviewState::Approved);
        }
    }
}
