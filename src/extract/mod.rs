//! Claim extraction: article text in, scored and annotated claims out.

// Pipeline: decode and convert the input (`InputFormat`), split sentences,
// score each for check-worthiness, and annotate those at or above the
// threshold with category, claimant, entities and in-article duplicates.
// Everything here is pure computation; data files are compiled in.

mod attribution;
mod category;
mod claimant;
mod dedup;
mod entities;
mod input;
mod lexicon;
mod markers;
mod notclaim;
mod score;
mod sentences;
mod words;

use std::fmt;

use serde::Serialize;

pub use attribution::ClaimantKind;
pub use category::{Category, UnknownCategory};
pub use dedup::{link as duplicate_links, similarity};
pub use entities::{Entity, EntityKind, NormalizedValue, Qualifier};
pub use input::{InputFormat, html_to_text, markdown_to_text};
pub use score::{adjust, model_score, score_sentence};
pub use sentences::{Span, split as split_sentences};

/// Default upper bound on accepted input size (2 MiB).
pub const DEFAULT_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Default claim threshold on the calibrated check-worthiness score.
pub const DEFAULT_THRESHOLD: f32 = 0.5;
/// Default bigram-overlap similarity at which a later claim is a duplicate.
pub const DEFAULT_DUPLICATE_THRESHOLD: f32 = 0.6;
/// Score cap for sentences inside an FAQ block appended to an article.
const FAQ_SCORE_CAP: f32 = 0.25;

/// Extraction settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractConfig {
    /// Sentences scoring at or above this are claims.
    pub threshold: f32,
    /// Inputs larger than this many bytes are rejected.
    pub max_bytes: usize,
    /// [`similarity`] at or above this links a claim to an earlier one.
    pub duplicate_threshold: f32,
    /// Drop sentences that are not claims whatever their score (bylines,
    /// captions, headings, speculation, rhetoric; see `notclaim.rs`).
    pub not_claim_rules: bool,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        ExtractConfig {
            threshold: DEFAULT_THRESHOLD,
            max_bytes: DEFAULT_MAX_BYTES,
            duplicate_threshold: DEFAULT_DUPLICATE_THRESHOLD,
            not_claim_rules: true,
        }
    }
}

/// Why an input was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtractError {
    /// The bytes are not UTF-8; `valid_up_to` is the length of the valid prefix.
    NotUtf8 { valid_up_to: usize },
    /// The input is larger than the configured limit.
    TooLarge { size: usize, limit: usize },
    /// The input (or its converted text) has no content.
    Empty,
    /// The text holds U+0000, which no stored text may contain; `at` is its byte offset.
    NulCharacter { at: usize },
}

impl fmt::Display for ExtractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtractError::NotUtf8 { valid_up_to } => write!(
                f,
                "input is not valid UTF-8 (first invalid byte at offset {valid_up_to})"
            ),
            ExtractError::TooLarge { size, limit } => {
                write!(
                    f,
                    "input is {size} bytes, larger than the {limit}-byte limit"
                )
            }
            ExtractError::Empty => f.write_str("input has no text"),
            ExtractError::NulCharacter { at } => write!(
                f,
                "input contains a NUL character (byte {at}); only plain text can be stored"
            ),
        }
    }
}

impl std::error::Error for ExtractError {}

/// The stored article body and the claims found in it.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Plain text; claim and entity offsets index into this.
    pub text: String,
    pub claims: Vec<ExtractedClaim>,
}

/// One check-worthy sentence. `text == doc.text[start..end]`.
#[derive(Debug, Clone, Serialize)]
pub struct ExtractedClaim {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub score: f32,
    pub category: Category,
    pub claimant: Option<String>,
    /// What sort of source the claimant is; absent when there is none.
    pub claimant_kind: Option<ClaimantKind>,
    pub entities: Vec<Entity>,
    /// Index (into the returned claims) of an earlier claim saying the same.
    pub duplicate_of: Option<usize>,
    /// A rule's ceiling on the score (a sentence of an appended FAQ block), which a later
    /// rescoring must keep.
    #[serde(skip)]
    pub score_cap: Option<f32>,
}

/// Decodes, converts and extracts. For HTML and Markdown the returned
/// `Document::text` is the converted plain text; for plain text it is the
/// input unchanged.
pub fn extract_bytes(
    input: &[u8],
    format: InputFormat,
    cfg: &ExtractConfig,
) -> Result<Document, ExtractError> {
    if input.len() > cfg.max_bytes {
        return Err(ExtractError::TooLarge {
            size: input.len(),
            limit: cfg.max_bytes,
        });
    }
    let raw = std::str::from_utf8(input).map_err(|e| ExtractError::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    if let Some(at) = raw.find('\0') {
        return Err(ExtractError::NulCharacter { at });
    }
    let text = match format {
        InputFormat::Text => raw.to_string(),
        InputFormat::Markdown => markdown_to_text(raw),
        InputFormat::Html => html_to_text(raw),
    };
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    let claims = extract_text(&text, cfg);
    Ok(Document { text, claims })
}

/// A "sentence" longer than this (bytes) is text the splitter could not segment (a table, a
/// list without stops, filler), not one checkable claim: it would top the queue with a
/// score near 1 and turn every page that shows it into megabytes.
pub const MAX_CLAIM_BYTES: usize = 2000;
/// Sentences below this base score are never claims, whatever the context.
const EVIDENCE_FLOOR: f32 = 0.2;
/// Logit bonus for a concrete figure (amount, percentage, dated event,
/// weapon system) and for a named claimant. The debate-trained model has never
/// seen attributed news quotes; these are what make such sentences checkable.
const FIGURE_EVIDENCE: f32 = 0.8;
const CLAIMANT_EVIDENCE: f32 = 0.4;

fn evidence(has_claimant: bool, ents: &[Entity]) -> f32 {
    let figure = ents.iter().any(|e| {
        matches!(
            e.kind,
            EntityKind::Money | EntityKind::Percent | EntityKind::WeaponSystem
        ) || (matches!(e.kind, EntityKind::Date | EntityKind::Quantity) && e.value.is_some())
    });
    let mut ev = 0.0;
    if figure {
        ev += FIGURE_EVIDENCE;
    }
    if has_claimant {
        ev += CLAIMANT_EVIDENCE;
    }
    ev
}

/// A line such as "Frequently Asked Questions" or "FAQ".
fn is_faq_heading(s: &str) -> bool {
    let t = s.trim().trim_end_matches([':', '.']);
    // Only 'F' and 'f' lowercase to 'f'; skip the allocation for other lines.
    if !t.starts_with(['f', 'F']) {
        return false;
    }
    let t = t.to_lowercase();
    t == "faq" || t == "faqs" || t.starts_with("frequently asked question")
}

/// The line (paragraph) holding byte `at`, as a byte range.
fn line_around(text: &str, at: usize) -> (usize, usize) {
    let start = text
        .get(..at)
        .and_then(|h| h.rfind('\n'))
        .map_or(0, |p| p + 1);
    let end = text
        .get(at..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |p| at + p);
    (start, end)
}

/// A claim from its sentence and what was found in it. The claimant's own name ("the Economic
/// Times said") is not what the claim is about; a claim with no evidence of its own continues
/// the topic of the claim before it (`previous`).
fn build_claim(
    sent: &str,
    start: usize,
    end: usize,
    score: f32,
    who: Option<attribution::Claimant>,
    ents: Vec<Entity>,
    previous: Option<Category>,
) -> ExtractedClaim {
    let topic = match &who {
        Some(c) if c.name.len() > 3 => {
            category::categorize_evidence(&sent.replace(c.name.as_str(), " "), &ents)
        }
        _ => category::categorize_evidence(sent, &ents),
    };
    let category = topic.or(previous).unwrap_or(Category::Other);
    ExtractedClaim {
        text: sent.to_string(),
        start,
        end,
        score,
        category,
        claimant_kind: who.as_ref().map(|c| c.kind),
        claimant: who.map(|c| c.name),
        entities: ents,
        duplicate_of: None,
        score_cap: None,
    }
}

/// A claim a person marked in `text` (byte offsets, on character boundaries, `start < end`):
/// scored, categorised and attributed by the same code as extracted claims, but kept whatever
/// its score. The claimant is the one of the sentence the span starts in. `None` when the
/// offsets do not fit the text.
pub fn annotate(text: &str, start: usize, end: usize) -> Option<ExtractedClaim> {
    let sent = text.get(start..end).filter(|s| !s.trim().is_empty())?;
    let spans = sentences::split(text);
    let attributed = claimant::attribute(text, &spans);
    let mut who = None;
    let mut previous = None;
    for (sp, (found, _)) in spans.iter().zip(attributed) {
        if sp.start > start {
            break;
        }
        if sp.end > start {
            who = found;
            break;
        }
        // The category of the sentence before, for a span with no evidence of its own.
        if let Some(before) = text.get(sp.start..sp.end) {
            previous = category::categorize_evidence(before, &[]).or(previous);
        }
    }
    let ents = entities::find(
        sent,
        start,
        &lexicon::FastSet::default(),
        notclaim::is_title_case(sent),
    );
    let score = score::adjust(sent, model_score(sent), evidence(who.is_some(), &ents));
    Some(build_claim(sent, start, end, score, who, ents, previous))
}

/// About how long a title made from an article's first sentence may be.
const DEFAULT_TITLE_CHARS: usize = 80;

/// A title for an article imported without one: its first sentence, cut at a word boundary
/// near 80 characters with an ellipsis when longer.
pub fn default_title(text: &str) -> String {
    let first = sentences::split(text)
        .into_iter()
        .filter_map(|sp| text.get(sp.start..sp.end))
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "Untitled article".to_owned());
    shorten(&first, DEFAULT_TITLE_CHARS)
}

/// `text` cut to at most about `limit` characters at the last word boundary, with "…".
fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let cut: String = text.chars().take(limit).collect();
    let at_word = match cut.rfind(char::is_whitespace) {
        // A single word longer than the limit is cut inside it.
        Some(space) if space > limit / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    let trimmed = at_word.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—".contains(c));
    format!("{trimmed}…")
}

/// The title an HTML page gives itself: its `<title>`, else its first `<h1>`, whitespace
/// collapsed and tags removed; `None` when neither has text.
pub fn html_title(html: &str) -> Option<String> {
    ["title", "h1"].into_iter().find_map(|tag| {
        let lower = html.to_ascii_lowercase();
        let open = lower.find(&format!("<{tag}"))?;
        let content_start = open + lower[open..].find('>')? + 1;
        let content_end = content_start + lower[content_start..].find(&format!("</{tag}"))?;
        let inner = html.get(content_start..content_end)?;
        let text = html_to_text(inner);
        let title = text.split_whitespace().collect::<Vec<_>>().join(" ");
        (!title.is_empty()).then(|| shorten(&title, 500))
    })
}

/// Extracts claims from plain text (no size check). Offsets index `text`.
pub fn extract_text(text: &str, cfg: &ExtractConfig) -> Vec<ExtractedClaim> {
    let spans = sentences::split(text);
    let attributed = claimant::attribute(text, &spans);
    let page = notclaim::Page::of(text);
    // Phrase lists of the line, sentence and entity rules, found in one pass.
    let hits = markers::Hits::of(text);
    let mut surnames: lexicon::FastSet<String> = lexicon::FastSet::default();
    let mut in_faq = false;
    let mut claims = Vec::new();
    let mut line = (0usize, 0usize);
    let mut line_verdict = None;
    for (sp, (who, quoted)) in spans.iter().zip(attributed) {
        let Some(sent) = text.get(sp.start..sp.end) else {
            continue;
        };
        if is_faq_heading(sent) {
            in_faq = true;
        }
        if sent.len() > MAX_CLAIM_BYTES {
            continue;
        }
        if sp.start >= line.1 {
            line = line_around(text, sp.start);
            if cfg.not_claim_rules {
                let para = text.get(line.0..line.1).unwrap_or(sent);
                line_verdict = notclaim::line_reason_with(para, |lt| {
                    let found = hits.within_slice(text, lt);
                    (found & markers::CREDIT != 0, found & markers::CAPTION != 0)
                });
            }
        }
        if cfg.not_claim_rules
            && notclaim::before_scoring_with(sent, sp.start, line_verdict, &page, |t| {
                let found = hits.within_slice(text, t);
                (
                    found & markers::SPECULATION != 0,
                    found & markers::NO_COMMENT_PHRASE != 0,
                )
            })
            .is_some()
        {
            continue;
        }
        let model_p = model_score(sent);
        let base = score::adjust(sent, model_p, 0.0);
        // Entities are only worth finding for sentences that could still
        // reach the threshold with contextual evidence.
        // Written so a NaN threshold or score never yields a claim.
        if base
            .partial_cmp(&EVIDENCE_FLOOR.min(cfg.threshold))
            .is_none_or(|o| o.is_lt())
        {
            continue;
        }
        let title_case = notclaim::is_title_case(sent);
        let clue_groups = hits.within(sp.start, sp.end) >> markers::CLUE_SHIFT;
        let ents = entities::find_with(clue_groups, sent, sp.start, &surnames, title_case);
        if cfg.not_claim_rules && notclaim::after_entities(sent, &ents, quoted).is_some() {
            continue;
        }
        let mut score = score::adjust(sent, model_p, evidence(who.is_some(), &ents));
        // FAQ blocks appended to articles restate the article as generated
        // Q&A; they are not the article's own claims.
        if in_faq {
            score = score.min(FAQ_SCORE_CAP);
        }
        if score.partial_cmp(&cfg.threshold).is_none_or(|o| o.is_lt()) {
            continue;
        }
        for e in &ents {
            if e.kind == EntityKind::Person
                && let Some((_, last)) = e.text.rsplit_once(' ')
            {
                surnames.insert(last.to_string());
            }
        }
        let previous = claims.last().map(|c: &ExtractedClaim| c.category);
        let mut claim = build_claim(sent, sp.start, sp.end, score, who, ents, previous);
        claim.score_cap = in_faq.then_some(FAQ_SCORE_CAP);
        claims.push(claim);
    }
    let texts: Vec<&str> = claims.iter().map(|c| c.text.as_str()).collect();
    let links = dedup::link(&texts, cfg.duplicate_threshold);
    for (c, l) in claims.iter_mut().zip(links) {
        c.duplicate_of = l;
    }
    claims
}

#[cfg(test)]
mod title_tests {
    use super::*;

    #[test]
    fn a_default_title_is_the_first_sentence_cut_near_80_characters_on_a_word() {
        assert_eq!(
            default_title("Oil output rose.\nIt fell later."),
            "Oil output rose."
        );
        let long = "The finance ministry said on Tuesday that the state lender would extend \
                    a further loan of 450 million euros to the refinery. Then more.";
        let title = default_title(long);
        assert!(title.ends_with('…'), "{title}");
        assert!(title.chars().count() <= 81, "{title}");
        assert_eq!(
            title,
            "The finance ministry said on Tuesday that the state lender would extend a…"
        );
        assert!(long.starts_with(title.trim_end_matches('…')));
        assert_eq!(default_title("   \n "), "Untitled article");
        let word = "x".repeat(200);
        assert_eq!(default_title(&word).chars().count(), 81);
    }

    #[test]
    fn an_html_title_comes_from_the_title_element_or_the_first_heading() {
        assert_eq!(
            html_title("<html><head><TITLE> Loans &amp;\n debts </TITLE></head></html>"),
            Some("Loans & debts".into())
        );
        assert_eq!(
            html_title("<body><h1 class=x>Arms <b>deal</b></h1><p>t</p></body>"),
            Some("Arms deal".into())
        );
        assert_eq!(html_title("<title>  </title><p>text</p>"), None);
        assert_eq!(html_title("plain text"), None);
    }

    #[test]
    fn a_marked_span_is_scored_categorised_and_attributed_like_an_extracted_claim() {
        let text = "Intro line.\nThe ministry said it delivered 12 Su-30 fighters in 2024. Weather was fine.";
        let start = text.find("The ministry").unwrap_or(0);
        let end = text.find(" Weather").unwrap_or(0);
        let claim = annotate(text, start, end).expect("a claim");
        assert_eq!(claim.text, &text[start..end]);
        assert_eq!(claim.category, Category::Arms);
        assert_eq!(claim.claimant_kind, Some(ClaimantKind::GovernmentBody));
        assert!(claim.score > 0.0 && claim.score <= 1.0);
        assert!(annotate(text, 3, 2).is_none());
        assert!(annotate(text, 0, text.len() + 1).is_none());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(text: &str) -> Vec<String> {
        extract_text(text, &ExtractConfig::default())
            .into_iter()
            .map(|c| c.text)
            .collect()
    }

    #[test]
    fn questions_forecasts_and_speculation_are_not_claims() {
        let text = "Will the port reopen before the harvest?\n\
            Freight volumes are expected to rise next year as new berths open.\n\
            It remains unclear whether the lenders will agree to new terms.\n\
            Traders say the cut could push prices higher.\n\
            Grain exports fell 14% to 2.1 million tonnes in May, the ministry said.";
        let got = claimed(text);
        assert_eq!(
            got,
            ["Grain exports fell 14% to 2.1 million tonnes in May, the ministry said."]
        );
    }

    #[test]
    fn a_title_case_headline_and_its_repeat_are_not_claims_nor_names() {
        let text = "TITLE: Minister Seeks Fresh Loans As Currency Slides\n\n\
            Minister Seeks Fresh Loans As Currency Slides\n\
            The finance minister asked lenders for $600 million on Monday, the ministry said.";
        let claims = extract_text(text, &ExtractConfig::default());
        assert_eq!(claims.len(), 1, "{claims:?}");
        assert!(claims[0].text.starts_with("The finance minister asked"));
        assert!(
            claims[0]
                .entities
                .iter()
                .all(|e| e.kind != EntityKind::Person)
        );
    }

    #[test]
    fn the_rule_stage_can_be_switched_off() {
        let text = "The port authority declined to comment on reports that 40 cranes stood idle in May.\n\
            Grain exports fell 14% to 2.1 million tonnes in May, the ministry said.";
        let off = ExtractConfig {
            not_claim_rules: false,
            ..ExtractConfig::default()
        };
        let without: Vec<String> = extract_text(text, &off)
            .into_iter()
            .map(|c| c.text)
            .collect();
        assert_eq!(without.len(), 2, "{without:?}");
        assert_eq!(
            claimed(text),
            ["Grain exports fell 14% to 2.1 million tonnes in May, the ministry said."]
        );
    }
}
