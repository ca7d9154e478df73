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

    /// The step's name on the scale, also the public label when the reviewer gives none.
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "False",
            2 => "Mostly false",
            3 => "Mixed",
            4 => "Mostly true",
            _ => "True",
        }
    }

    /// The outcome the rating stands for: 4–5 verified, 1–3 disputed.
    pub fn verdict(self) -> Verdict {
        if self.0 >= 4 {
            Verdict::Verified
        } else {
            Verdict::Disputed
        }
    }

    /// Every step, worst first, for forms.
    pub fn scale() -> impl DoubleEndedIterator<Item = Rating> {
        (Self::WORST..=Self::BEST).map(Rating)
    }
}

impl std::fmt::Display for Rating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.0, self.name().to_lowercase())
    }
}

/// The outcome a rating (or its absence) stands for: no rating is "unverifiable".
pub fn verdict_for(rating: Option<Rating>) -> Verdict {
    rating.map_or(Verdict::Unverifiable, Rating::verdict)
}

/// The public name of a verdict's step: the rating's name, or "Unverifiable" without one.
pub fn step_name(rating: Option<Rating>) -> &'static str {
    rating.map_or("Unverifiable", Rating::name)
}

/// The public name of a stored verdict: its label, or its step on the scale without one.
pub fn public_name(label: Option<&str>, rating: Option<i16>) -> String {
    label
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| step_name(rating.and_then(Rating::new)).to_owned())
}

/// Why `verdict` and `rating` cannot stand together, naming both; `None` when they agree.
/// A rating outside the scale is reported as such.
pub fn contradiction(verdict: Verdict, rating: Option<i16>) -> Option<String> {
    let Some(value) = rating else {
        return (verdict != Verdict::Unverifiable).then(|| {
            format!("a {verdict} verdict needs a rating: 4 or 5 for verified, 1 to 3 for disputed")
        });
    };
    let Some(rating) = Rating::new(value) else {
        return Some(format!(
            "the rating {value} is not on the scale from 1 (false) to 5 (true)"
        ));
    };
    let follows = rating.verdict();
    (follows != verdict).then(|| match verdict {
        Verdict::Unverifiable => format!(
            "the rating {rating} contradicts unverifiable: an unverifiable verdict takes no rating, and {rating} means {follows}"
        ),
        _ => format!(
            "the rating {rating} contradicts {verdict}: ratings 4 and 5 mean verified, 1 to 3 disputed, and {rating} means {follows}"
        ),
    })
}

/// The longest public label accepted; it is shown as one line in reports and rich results.
pub const MAX_LABEL_CHARS: usize = 100;

/// Everything a verdict records besides its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictDetails {
    pub verdict: Verdict,
    /// None for an unverifiable verdict, which has no place on the scale.
    pub rating: Option<Rating>,
    pub label: String,
    pub rationale: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rating_decides_the_outcome() {
        let table = [
            (Some(1), Verdict::Disputed, "False"),
            (Some(2), Verdict::Disputed, "Mostly false"),
            (Some(3), Verdict::Disputed, "Mixed"),
            (Some(4), Verdict::Verified, "Mostly true"),
            (Some(5), Verdict::Verified, "True"),
            (None, Verdict::Unverifiable, "Unverifiable"),
        ];
        for (value, verdict, name) in table {
            let rating = value.and_then(Rating::new);
            assert_eq!(verdict_for(rating), verdict, "{value:?}");
            assert_eq!(step_name(rating), name);
            assert_eq!(contradiction(verdict, value), None);
        }
        assert_eq!(Rating::scale().count(), 5);
    }

    #[test]
    fn contradictions_name_both_values() {
        let m = contradiction(Verdict::Verified, Some(1)).expect("verified at 1");
        assert!(m.contains("verified") && m.contains("1 (false)"), "{m}");
        let m = contradiction(Verdict::Disputed, Some(5)).expect("disputed at 5");
        assert!(m.contains("disputed") && m.contains("5 (true)"), "{m}");
        let m = contradiction(Verdict::Unverifiable, Some(3)).expect("unverifiable at 3");
        assert!(m.contains("unverifiable") && m.contains("3 (mixed)"), "{m}");
        assert!(contradiction(Verdict::Verified, None).is_some());
        assert!(contradiction(Verdict::Disputed, Some(9)).is_some());
    }
}
