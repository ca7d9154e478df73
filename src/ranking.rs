//! Ranking known fact-checks against a text: a blend of the lexical score (BM25 over the
//! full-text terms of claim and title) and the sentence-embedding cosine, computed over the
//! candidates of both.
//! Pure: no database, no model.

use std::sync::LazyLock;

use regex::Regex;

/// How much each signal counts. The lexical score is scaled to [0, 1] by the best candidate's,
/// the cosine is in [-1, 1]. Tuned on the training split only (see BENCHMARKS.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub lexical: f32,
    pub claim: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            lexical: 0.25,
            claim: 0.75,
        }
    }
}

/// What is known about one candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signals {
    pub lexical: f32,
    /// Cosine with the fact-check's claim, when both embeddings exist.
    pub claim: Option<f32>,
}

/// Scores candidates and returns (index, score), best first; ties keep the input order.
/// A candidate without an embedding is scored on its lexical part alone, as if its cosine
/// matched the lexical score, so a missing model never reorders by accident.
pub fn rank(candidates: &[Signals], weights: Weights) -> Vec<(usize, f32)> {
    let top = candidates.iter().map(|c| c.lexical).fold(0.0_f32, f32::max);
    let mut scored: Vec<(usize, f32)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let lexical = if top > 0.0 { c.lexical / top } else { 0.0 };
            let claim = c.claim.unwrap_or(lexical);
            let total = weights.lexical + weights.claim;
            let score = weights.lexical * lexical + weights.claim * claim;
            (i, if total > 0.0 { score / total } else { 0.0 })
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored
}

static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:https?://|www\.|pic\.twitter\.com/)\S*").expect("static regex")
});
/// A quoted post's signature: `— Name (@handle) January 6, 2020`.
static SIGNATURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s*[—–-]\s*[^—–\n]{0,80}\(@\w+\)\s*\w+ \d{1,2}, \d{4}\s*$").expect("static regex")
});

/// A hashtag or handle: `#ConfirmKavanaugh`, `@BarackObama`.
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|\B)[#@](\w+)").expect("static regex"));
/// A lower-case letter or digit followed by an upper-case one, inside a tag.
static CAMEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([a-z0-9])([A-Z])").expect("static regex"));

/// The part of a text that carries the claim: links, and the signature a quoted social-media
/// post ends with, are dropped; hashtags and handles become their words (`#ConfirmKavanaugh`
/// reads "Confirm Kavanaugh"); whitespace is collapsed.
pub fn claim_text(text: &str) -> String {
    let text = SIGNATURE.replace(text, "");
    let text = LINK.replace_all(&text, " ");
    let text = TAG.replace_all(&text, |c: &regex::Captures| {
        CAMEL.replace_all(&c[1], "$1 $2").into_owned()
    });
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_and_links_are_dropped() {
        let t = "Iran could threaten hotels https://t.co/x pic.twitter.com/abc — Ilhan Omar (@IlhanMN) January 6, 2020";
        assert_eq!(claim_text(t), "Iran could threaten hotels");
        assert_eq!(claim_text("  plain   text "), "plain text");
        assert_eq!(
            claim_text(
                "Paid protesters #ConfirmKavanaugh via .@BarackObama and @potus, mail a@b.c"
            ),
            "Paid protesters Confirm Kavanaugh via .Barack Obama and potus, mail a@b.c"
        );
    }

    #[test]
    fn embeddings_outweigh_word_overlap() {
        let w = Weights::default();
        let decoy = Signals {
            lexical: 1.0,
            claim: Some(0.2),
        };
        let paraphrase = Signals {
            lexical: 0.3,
            claim: Some(0.9),
        };
        let ranked = rank(&[decoy, paraphrase], w);
        assert_eq!(ranked[0].0, 1);
        assert!(ranked[0].1 > ranked[1].1);
    }

    #[test]
    fn lexical_alone_without_embeddings() {
        let a = Signals {
            lexical: 0.2,
            claim: None,
        };
        let b = Signals {
            lexical: 0.4,
            claim: None,
        };
        let ranked = rank(&[a, b], Weights::default());
        assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 0]);
        assert!((ranked[0].1 - 1.0).abs() < 1e-6);
        assert!(rank(&[], Weights::default()).is_empty());
    }
}
