//! schema.org ClaimReview JSON-LD writer: a JSON array with one ClaimReview per approved, rated claim.

use serde::Serialize;

use super::{ExportError, Phase, ReportClaim, ReportMeta, ReportWriter, http_url};
use crate::extract::ClaimantKind;

pub const BEST_RATING: i16 = 5;
pub const WORST_RATING: i16 = 1;

/// Streams a JSON array of ClaimReview objects.
#[derive(Debug, Default)]
pub struct ClaimReviewWriter {
    phase: Phase,
    wrote_review: bool,
    // Copied from the meta in `begin`: small, and needed for every review.
    organization: String,
    organization_url: Option<String>,
    public_base_url: String,
}

impl ClaimReviewWriter {
    pub fn new() -> Self {
        Self::default()
    }
}

#[derive(Serialize)]
struct ClaimReview<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    url: String,
    #[serde(rename = "claimReviewed")]
    claim_reviewed: &'a str,
    #[serde(rename = "reviewRating")]
    review_rating: Rating<'a>,
    #[serde(rename = "itemReviewed")]
    item_reviewed: Claim<'a>,
    author: Party<'a>,
    #[serde(rename = "datePublished", skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    /// A published correction, as schema.org's `correction` (a CorrectionComment).
    #[serde(skip_serializing_if = "Option::is_none")]
    correction: Option<CorrectionComment>,
    /// The claim's tags, as schema.org `keywords` (a comma-separated text).
    #[serde(skip_serializing_if = "Option::is_none")]
    keywords: Option<String>,
}

#[derive(Serialize)]
struct CorrectionComment {
    #[serde(rename = "@type")]
    kind: &'static str,
    /// "Corrected on DATE: was …, now …, because …".
    text: String,
    #[serde(rename = "datePublished")]
    date_published: String,
}

#[derive(Serialize)]
struct Rating<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    /// Absent for an unverifiable verdict, which has no place on the scale: its review
    /// carries only the `alternateName`.
    #[serde(rename = "ratingValue", skip_serializing_if = "Option::is_none")]
    rating_value: Option<i16>,
    #[serde(rename = "bestRating", skip_serializing_if = "Option::is_none")]
    best_rating: Option<i16>,
    #[serde(rename = "worstRating", skip_serializing_if = "Option::is_none")]
    worst_rating: Option<i16>,
    #[serde(rename = "alternateName")]
    alternate_name: &'a str,
}

#[derive(Serialize)]
struct Claim<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<Party<'a>>,
    #[serde(rename = "datePublished", skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    appearance: CreativeWork<'a>,
}

#[derive(Serialize)]
struct CreativeWork<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    headline: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<Party<'a>>,
}

#[derive(Serialize)]
struct Party<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

impl<'a> Party<'a> {
    fn organization(name: &'a str, url: Option<&'a str>) -> Self {
        Self {
            kind: "Organization",
            name,
            url,
        }
    }

    /// A claimant is a `Person` or an `Organization` as its stored kind says; when the kind
    /// does not say (unknown, anonymous, a document), a `Person` unless the name reads like
    /// an institution or channel.
    fn claimant(name: &'a str, kind: Option<ClaimantKind>) -> Self {
        let person = kind
            .and_then(ClaimantKind::is_person)
            .unwrap_or_else(|| !looks_like_organization(name));
        Self {
            kind: if person { "Person" } else { "Organization" },
            name,
            url: None,
        }
    }
}

/// Words that mark a name as an institution, outlet or channel rather than a person.
const ORGANIZATION_WORDS: &[&str] = &[
    "agency",
    "association",
    "authority",
    "bank",
    "board",
    "broadcasting",
    "bureau",
    "cabinet",
    "channel",
    "command",
    "commission",
    "committee",
    "company",
    "corp",
    "corporation",
    "council",
    "department",
    "embassy",
    "federation",
    "forces",
    "foundation",
    "government",
    "group",
    "inc",
    "institute",
    "kremlin",
    "league",
    "llc",
    "ltd",
    "media",
    "ministry",
    "navy",
    "network",
    "news",
    "office",
    "organisation",
    "organization",
    "parliament",
    "party",
    "press",
    "radio",
    "service",
    "telegram",
    "times",
    "tv",
    "union",
    "university",
];

/// Two-word names that are institutions although neither word is a keyword.
const ORGANIZATION_PHRASES: &[[&str; 2]] = &[["white", "house"], ["state", "duma"]];

/// Heuristic: organisation keywords (whole words, any case), `@handles`, or short all-caps
/// acronyms such as `NATO` or `IMF`.
pub fn looks_like_organization(name: &str) -> bool {
    let name = name.trim();
    if name.starts_with('@') {
        return true;
    }
    let letters = name.chars().filter(|c| c.is_alphabetic()).count();
    if (2..=6).contains(&letters)
        && !name.contains(char::is_whitespace)
        && name
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase)
    {
        return true;
    }
    let lower = name.to_lowercase();
    let mut previous = "";
    for word in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if ORGANIZATION_WORDS.contains(&word) || ORGANIZATION_PHRASES.contains(&[previous, word]) {
            return true;
        }
        previous = word;
    }
    false
}

/// Only published verdicts are marked up: approved, not a draft, with a verdict and a
/// rating inside the scale, or unverifiable (no rating). Everything else has nothing public
/// to review.
pub fn is_publishable(claim: &ReportClaim) -> bool {
    !claim.is_draft
        && claim.state == crate::domain::ReviewState::Approved
        && crate::domain::publishing::has_public_verdict(
            claim.verdict.as_deref().and_then(|v| v.parse().ok()),
            claim.rating,
        )
}

/// Copies JSON, escaping `<`, `>` and `&` as `\u00XX` so the markup can be pasted into a
/// `<script type="application/ld+json">` block without a `</script>` in a claim ending it.
/// Those bytes only ever occur inside JSON strings, where the escape means the same text.
fn push_script_safe(json: &[u8], out: &mut Vec<u8>) {
    out.reserve(json.len());
    for &b in json {
        match b {
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            _ => out.push(b),
        }
    }
}

impl ReportWriter for ClaimReviewWriter {
    fn begin(&mut self, meta: &ReportMeta, out: &mut Vec<u8>) -> Result<(), ExportError> {
        self.phase.start()?;
        self.organization = meta.organization.clone();
        self.organization_url = meta.organization_url.clone();
        self.public_base_url = meta.public_base_url.clone();
        out.push(b'[');
        Ok(())
    }

    fn write_claim(&mut self, claim: &ReportClaim, out: &mut Vec<u8>) -> Result<(), ExportError> {
        self.phase.check_writing()?;
        if !is_publishable(claim) {
            return Ok(());
        }
        let rating = claim.rating;
        let article = claim.article.as_ref();
        let label = claim
            .label
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| {
                crate::domain::verdict::step_name(rating.and_then(crate::domain::Rating::new))
            });
        let publisher = article
            .publisher
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(|p| Party::organization(p, None));
        let claim_author = match claim.claimant.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(name) => Some(Party::claimant(name, claim.claimant_kind)),
            None => article
                .publisher
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .map(|p| Party::organization(p, None)),
        };
        let review = ClaimReview {
            context: "https://schema.org",
            kind: "ClaimReview",
            url: super::public::review_url(claim, &self.public_base_url),
            claim_reviewed: claim.published_wording(),
            review_rating: Rating {
                kind: "Rating",
                rating_value: rating,
                best_rating: rating.map(|_| BEST_RATING),
                worst_rating: rating.map(|_| WORST_RATING),
                alternate_name: label,
            },
            item_reviewed: Claim {
                kind: "Claim",
                author: claim_author,
                date_published: article.published_on.map(|d| d.to_string()),
                appearance: CreativeWork {
                    kind: "CreativeWork",
                    url: article.url.as_deref().and_then(http_url),
                    headline: &article.title,
                    publisher,
                },
            },
            author: Party::organization(
                &self.organization,
                self.organization_url.as_deref().and_then(http_url),
            ),
            date_published: claim
                .approved_at
                .or(claim.decided_at)
                .map(|at| at.date_naive().to_string()),
            correction: claim.correction().map(|c| CorrectionComment {
                kind: "CorrectionComment",
                date_published: c.on.to_string(),
                text: c.to_string(),
            }),
            keywords: (!claim.tags.is_empty()).then(|| claim.tags.join(", ")),
        };
        let json = serde_json::to_vec(&review)?;
        if self.wrote_review {
            out.push(b',');
        }
        out.push(b'\n');
        self.wrote_review = true;
        push_script_safe(&json, out);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), ExportError> {
        self.phase.end()?;
        out.extend_from_slice(if self.wrote_review { b"\n]\n" } else { b"]\n" });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_heuristic() {
        for org in [
            "Ministry of Defence",
            "NATO",
            "IMF",
            "@rybar",
            "Rossiya 24 TV",
            "Central Bank of Russia",
            "The White House",
            "Kremlin press service",
            "the State Duma",
        ] {
            assert!(looks_like_organization(org), "{org}");
        }
        for person in ["Nicolás Maduro", "Jane O'Neil", "Li", "Bankole Adeyemi"] {
            assert!(!looks_like_organization(person), "{person}");
        }
    }

    #[test]
    fn script_safe_escaping_keeps_the_json_value() {
        let value = serde_json::json!({"t": "</script><b>&amp;"});
        let raw = serde_json::to_vec(&value).unwrap_or_default();
        let mut out = Vec::new();
        push_script_safe(&raw, &mut out);
        assert!(!out.contains(&b'<') && !out.contains(&b'>') && !out.contains(&b'&'));
        let back: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
        assert_eq!(back, value);
    }

    #[test]
    fn default_labels_cover_the_scale() {
        use crate::domain::{Rating, verdict::step_name};
        assert_eq!(step_name(Rating::new(1)), "False");
        assert_eq!(step_name(Rating::new(5)), "True");
    }
}
