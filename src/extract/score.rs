//! Check-worthiness scoring: hashed-feature logistic regression plus news rules.

// The feature definition mirrors `scripts/train_checkworthy.py` exactly; any
// change here must be made there too and the weights retrained.

use std::sync::LazyLock;

const FNV_OFFSET: u32 = 0x811C_9DC5;
const FNV_PRIME: u32 = 0x0100_0193;
const HEADER_LEN: usize = 36;

static MODEL_BYTES: &[u8] = include_bytes!("../../data/extract/checkworthy.bin");

/// Parsed weights; `None` only if the shipped file is corrupt, in which case
/// every sentence scores 0 rather than panicking.
static MODEL: LazyLock<Option<Model>> = LazyLock::new(|| Model::parse(MODEL_BYTES));

fn is_question_word(t: &str) -> bool {
    matches!(
        t,
        "what"
            | "why"
            | "how"
            | "who"
            | "whom"
            | "whose"
            | "which"
            | "when"
            | "where"
            | "is"
            | "are"
            | "was"
            | "were"
            | "do"
            | "does"
            | "did"
            | "can"
            | "could"
            | "would"
            | "should"
            | "will"
            | "has"
            | "have"
            | "had"
            | "hasn't"
            | "isn't"
            | "don't"
            | "doesn't"
            | "didn't"
            | "won't"
            | "shouldn't"
            | "aren't"
    )
}
fn is_opinion_word(t: &str) -> bool {
    matches!(
        t,
        "think"
            | "believe"
            | "feel"
            | "hope"
            | "guess"
            | "suppose"
            | "wish"
            | "want"
            | "should"
            | "must"
            | "ought"
            | "going"
            | "will"
            | "opinion"
            | "agree"
    )
}
fn is_first_person(t: &str) -> bool {
    matches!(
        t,
        "i" | "i'm"
            | "i've"
            | "i'll"
            | "i'd"
            | "we"
            | "we're"
            | "we'll"
            | "we've"
            | "my"
            | "our"
            | "me"
            | "us"
    )
}
fn is_money_word(t: &str) -> bool {
    matches!(
        t,
        "dollar"
            | "dollars"
            | "billion"
            | "billions"
            | "million"
            | "millions"
            | "trillion"
            | "trillions"
            | "cents"
    )
}

struct Model {
    mask: u32,
    cmin: usize,
    cmax: usize,
    bias: f32,
    scale: f32,
    slope: f32,
    offset: f32,
    weights: Vec<i16>,
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn le_f32(b: &[u8], at: usize) -> Option<f32> {
    le_u32(b, at).map(f32::from_bits)
}

impl Model {
    fn parse(b: &[u8]) -> Option<Model> {
        if b.get(0..4)? != b"CWLR" || le_u32(b, 4)? != 1 {
            return None;
        }
        let bits = le_u32(b, 8)?;
        if !(8..=24).contains(&bits) {
            return None;
        }
        let n = 1usize << bits;
        let body = b.get(HEADER_LEN..)?;
        if body.len() != n * 2 {
            return None;
        }
        let weights = body
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        Some(Model {
            mask: (n - 1) as u32,
            cmin: le_u32(b, 12)? as usize,
            cmax: le_u32(b, 16)? as usize,
            bias: le_f32(b, 20)?,
            scale: le_f32(b, 24)?,
            slope: le_f32(b, 28)?,
            offset: le_f32(b, 32)?,
            weights,
        })
    }

    fn quantised(&self, hash: u32) -> i64 {
        let i = (hash & self.mask) as usize;
        i64::from(self.weights.get(i).copied().unwrap_or(0))
    }

    fn weight(&self, hash: u32) -> f32 {
        self.quantised(hash) as f32 * self.scale
    }
}

/// Incremental FNV-1a so feature strings never need to be allocated.
#[derive(Clone, Copy)]
struct Fnv(u32);

impl Fnv {
    fn new() -> Self {
        Fnv(FNV_OFFSET)
    }
    fn bytes(mut self, data: &[u8]) -> Self {
        for &b in data {
            self = self.byte(b);
        }
        self
    }
    fn byte(self, b: u8) -> Self {
        Fnv((self.0 ^ u32::from(b)).wrapping_mul(FNV_PRIME))
    }
}

fn has_year(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let run = &b[start..i];
            // Any 4-digit window 18xx-20xx inside the run counts only when the
            // run itself is exactly 4 digits (matches the Python lookarounds).
            if run.len() == 4 && (run[..2] == *b"18" || run[..2] == *b"19" || run[..2] == *b"20") {
                return true;
            }
        } else {
            i += 1;
        }
    }
    false
}

/// Which word lists a token belongs to (bit flags; one match per token).
const MONEY_WORD: u8 = 1;
const FIRST_PERSON: u8 = 2;
const OPINION: u8 = 4;
const PERCENT_WORD: u8 = 8;

fn word_flags(t: &str) -> u8 {
    let mut flags = 0;
    if is_money_word(t) {
        flags |= MONEY_WORD;
    }
    if is_first_person(t) {
        flags |= FIRST_PERSON;
    }
    if is_opinion_word(t) {
        flags |= OPINION;
    }
    if t == "percent" {
        flags |= PERCENT_WORD;
    }
    flags
}

/// Whitespace-separated words after the first whose first character, past
/// any opening quotes or brackets, is an ASCII capital; counting stops at 3.
fn capitalised_words(text: &str) -> usize {
    let opener = |c: char| matches!(c, '"' | '\'' | '(' | '\u{201c}' | '\u{2018}' | '[');
    // Between words, inside a word's opening quotes, or past its first letter.
    #[derive(PartialEq)]
    enum At {
        Gap,
        Openers,
        Body,
    }
    let (mut at, mut words, mut caps) = (At::Gap, 0usize, 0usize);
    for c in text.chars() {
        if c.is_whitespace() {
            at = At::Gap;
            continue;
        }
        if at == At::Gap {
            words += 1;
            at = At::Openers;
        }
        if at == At::Openers && !opener(c) {
            at = At::Body;
            if words > 1 && c.is_ascii_uppercase() {
                caps += 1;
                if caps == 3 {
                    break;
                }
            }
        }
    }
    caps
}

/// Calls `f` with each hand feature name, in the order the training script
/// sums them (float addition order matters for identical scores).
fn hand_features(text: &str, toks: &[&str], mut f: impl FnMut(&'static str)) {
    let flags = toks.iter().fold(0, |acc, t| acc | word_flags(t));
    if text.bytes().any(|b| b.is_ascii_digit()) {
        f("h:digit");
    }
    if has_year(text) {
        f("h:year");
    }
    // Single-character `contains` is a memchr; a char-set pattern is not.
    let currency_sign = text.contains('$') || text.contains('\u{20ac}') || text.contains('\u{a3}');
    if currency_sign || flags & MONEY_WORD != 0 {
        f("h:money");
    }
    if text.contains('%') || flags & PERCENT_WORD != 0 {
        f("h:percent");
    }
    if text.trim_end().ends_with('?') {
        f("h:qmark");
    }
    if toks.first().is_some_and(|t| is_question_word(t)) {
        f("h:qword");
    }
    if flags & FIRST_PERSON != 0 {
        f("h:first");
    }
    if flags & OPINION != 0 {
        f("h:opinion");
    }
    f(["h:caps0", "h:caps1", "h:caps2", "h:caps3"][capitalised_words(text).min(3)]);
    const LEN: [&str; 9] = [
        "h:len0", "h:len1", "h:len2", "h:len3", "h:len4", "h:len5", "h:len6", "h:len7", "h:len8",
    ];
    f(LEN[(toks.len() / 5).min(8)]);
}

/// ASCII-lowercased alphanumeric runs, digits mapped to `0`, apostrophes kept
/// between alphanumerics (so "don't" is one token).
///
/// Tokens laid out as `" tok1 tok2 … "` in one buffer (the character n-gram
/// text) with each token's byte range, so scoring allocates twice per sentence.
fn token_layout(text: &str) -> (String, Vec<(usize, usize)>) {
    let src = text.as_bytes();
    let mut buf: Vec<u8> = Vec::with_capacity(text.len() + 2);
    let mut spans = Vec::with_capacity(text.len() / 6 + 1);
    buf.push(b' ');
    let mut start: Option<usize> = None;
    // Byte-wise rather than char-wise: every kept character is ASCII, and any
    // byte of a multi-byte character is >= 0x80, so it acts as a separator
    // exactly like the whole character would (apart from U+2019, checked below).
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        let (keep, width) = if c.is_ascii_alphanumeric() {
            let k = if c.is_ascii_digit() {
                b'0'
            } else {
                c.to_ascii_lowercase()
            };
            (Some(k), 1)
        } else {
            let width = if c == b'\'' {
                1
            } else if src.get(i..i + 3) == Some("\u{2019}".as_bytes()) {
                3
            } else {
                0
            };
            let joins = width > 0
                && start.is_some()
                && src.get(i + width).is_some_and(u8::is_ascii_alphanumeric);
            (joins.then_some(b'\''), width.max(1))
        };
        match (keep, start) {
            (Some(k), None) => {
                start = Some(buf.len());
                buf.push(k);
            }
            (Some(k), Some(_)) => buf.push(k),
            (None, Some(st)) => {
                spans.push((st, buf.len()));
                buf.push(b' ');
                start = None;
            }
            (None, None) => {}
        }
        i += width;
    }
    if let Some(st) = start {
        spans.push((st, buf.len()));
        buf.push(b' ');
    }
    if spans.is_empty() {
        buf.push(b' ');
    }
    // Only ASCII bytes were pushed, so this never fails.
    (String::from_utf8(buf).unwrap_or_default(), spans)
}

fn raw_logit(m: &Model, text: &str) -> f32 {
    let (buf, spans) = token_layout(text);
    let bytes = buf.as_bytes();
    let toks: Vec<&str> = spans
        .iter()
        .map(|&(a, b)| buf.get(a..b).unwrap_or(""))
        .collect();
    let mut z = m.bias;

    // Quantised weights are summed as integers and scaled once: exact, and
    // free of the serial float-add chain that dominated scoring time.
    let n_word = toks.len() * 2 + 1;
    let u = Fnv::new().bytes(b"u:");
    let mut word_sum: i64 = toks
        .iter()
        .map(|t| m.quantised(u.bytes(t.as_bytes()).0))
        .sum();
    let b = Fnv::new().bytes(b"b:");
    let mut prev: &[u8] = b"<s>";
    for t in toks
        .iter()
        .map(|t| t.as_bytes())
        .chain(std::iter::once(&b"</s>"[..]))
    {
        word_sum += m.quantised(b.bytes(prev).bytes(b" ").bytes(t).0);
        prev = t;
    }
    z += word_sum as f32 * m.scale / (n_word as f32).sqrt();

    if m.cmax >= m.cmin && m.cmin > 0 {
        let (sum, n_grams) = char_grams(m, bytes);
        if n_grams > 0 {
            z += sum as f32 * m.scale / (n_grams as f32).sqrt();
        }
    }

    hand_features(text, &toks, |h| {
        z += m.weight(Fnv::new().bytes(h.as_bytes()).0);
    });
    z
}

/// Sum of the quantised weights of every character n-gram of `bytes` with
/// length in `cmin..=cmax`, and how many there are. Tokens are ASCII, so
/// byte windows are character windows.
fn char_grams(m: &Model, bytes: &[u8]) -> (i64, usize) {
    // The shipped model's lengths get a copy with the bounds known at compile
    // time, so each start's hashing is unrolled straight-line code.
    match (m.cmin, m.cmax) {
        (3, 4) => char_grams_sized::<3, 4>(m, bytes),
        (3, 5) => char_grams_sized::<3, 5>(m, bytes),
        (2, 4) => char_grams_sized::<2, 4>(m, bytes),
        _ => char_grams_any(m, bytes),
    }
}

/// [`char_grams`] for n-gram lengths `MIN..=MAX`.
fn char_grams_sized<const MIN: usize, const MAX: usize>(m: &Model, bytes: &[u8]) -> (i64, usize) {
    let c = Fnv::new().bytes(b"c:");
    let mut sum: i64 = 0;
    let mut n_grams = 0usize;
    let mut rest = bytes;
    while let Some(head) = rest.first_chunk::<MIN>() {
        let mut h = c.bytes(head);
        sum += m.quantised(h.0);
        let longer = rest.get(MIN..).unwrap_or(&[]);
        let tail = longer.get(..MAX - MIN).unwrap_or(longer);
        for &byte in tail {
            h = h.byte(byte);
            sum += m.quantised(h.0);
        }
        n_grams += 1 + tail.len();
        rest = rest.get(1..).unwrap_or(&[]);
    }
    (sum, n_grams)
}

/// [`char_grams`] for any lengths: one hash per start position, extended
/// through the n-gram lengths, instead of rehashing each window from scratch.
fn char_grams_any(m: &Model, bytes: &[u8]) -> (i64, usize) {
    let c = Fnv::new().bytes(b"c:");
    let mut sum: i64 = 0;
    let mut n_grams = 0usize;
    for start in 0..bytes.len() {
        let window = &bytes[start..(start + m.cmax).min(bytes.len())];
        let Some((head, tail)) = window.split_at_checked(m.cmin) else {
            break;
        };
        let mut h = c.bytes(head);
        sum += m.quantised(h.0);
        for &byte in tail {
            h = h.byte(byte);
            sum += m.quantised(h.0);
        }
        n_grams += 1 + tail.len();
    }
    (sum, n_grams)
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Pure model probability, calibrated on the CLEF dev split so that 0.5 is the
/// F1-optimal threshold. No news-specific rules.
pub fn model_score(text: &str) -> f32 {
    match MODEL.as_ref() {
        Some(m) => {
            let p = sigmoid(m.slope * raw_logit(m, text) + m.offset);
            if p.is_finite() {
                p.clamp(0.0, 1.0)
            } else {
                0.0
            }
        }
        None => 0.0,
    }
}

/// True for questions, including FAQ-style ones that lost their `?`
/// ("2 Why does Russia care about Venezuela").
pub(crate) fn is_question(text: &str) -> bool {
    let t = text.trim();
    if t.ends_with('?') {
        return true;
    }
    // Checked before the word parsing: most sentences end like statements.
    if t.ends_with(['.', '!', '"', '\u{201d}', ':', ';']) {
        return false;
    }
    let mut words = t.split_whitespace().skip_while(|w| {
        w.trim_end_matches(['.', ')'])
            .bytes()
            .all(|b| b.is_ascii_digit())
    });
    let first = words.next().unwrap_or("").to_ascii_lowercase();
    let first = first.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '\'');
    is_question_word(first) && t.split_whitespace().take(26).count() <= 25
}

/// Headings: short lines without sentence-final punctuation.
pub(crate) fn is_heading(text: &str) -> bool {
    let t = text.trim();
    let terminal = t.ends_with(['.', '!', '?', '"', '\u{201d}', '\u{2019}', ':', ';']);
    // Counting stops at 11 words: long paragraphs are never headings.
    !terminal && t.split_whitespace().take(11).count() <= 10
}

/// Check-worthiness in [0,1]; 0.5 is the default claim threshold.
///
/// The learned score is capped for questions and headings, which are never
/// claims in an article body however factual their wording.
pub fn score_sentence(text: &str) -> f32 {
    adjust(text, model_score(text), 0.0)
}

/// [`score_sentence`]'s rules applied to a model probability, with `evidence` added to the model's logit before
/// the question/heading caps. Article extraction uses this to credit
/// attribution and concrete figures found in context.
/// `p` is the sentence's [`model_score`], passed in so callers that already
/// have it do not pay for the model twice.
pub fn adjust(text: &str, model_p: f32, evidence: f32) -> f32 {
    let mut p = model_p;
    if evidence != 0.0 && p > 0.0 && p < 1.0 {
        let z = (p / (1.0 - p)).ln() + evidence;
        p = sigmoid(z).clamp(0.0, 1.0);
    }
    if is_question(text) {
        p.min(0.1)
    } else if is_heading(text) {
        p.min(0.2)
    } else {
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_loads() {
        assert!(MODEL.is_some());
    }

    #[test]
    fn factual_beats_opinion() {
        let a = score_sentence(
            "Unemployment fell to 4.1 percent in 2019, the lowest rate in 50 years.",
        );
        let b = score_sentence("I think we need to do better for our families.");
        assert!(a > 0.5, "{a}");
        assert!(b < 0.5, "{b}");
    }

    #[test]
    fn faq_questions_score_low() {
        assert!(score_sentence("2 Why does Russia care about Venezuela") < 0.5);
        assert!(score_sentence("Frequently Asked Questions") < 0.5);
    }

    /// The training script's definition, written the obvious way.
    fn capitalised_words_reference(text: &str) -> usize {
        text.split_whitespace()
            .skip(1)
            .filter(|w| {
                w.trim_start_matches(['"', '\'', '(', '\u{201c}', '\u{2018}', '['])
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_uppercase())
            })
            .count()
            .min(3)
    }

    proptest::proptest! {
        #[test]
        fn capitalised_words_match_reference(text in "[ \t\u{a0}\u{2003}a-cA-C\"'(\\[\u{201c}\u{2018}é]{0,40}") {
            proptest::prop_assert_eq!(capitalised_words(&text), capitalised_words_reference(&text));
        }
    }

    proptest::proptest! {
        /// The unrolled n-gram sums are the generic loop's, for every length pair they cover.
        #[test]
        fn sized_char_grams_match_the_generic_loop(text in "[ a-z0']{0,60}") {
            let mut m = Model::parse(MODEL_BYTES).expect("the shipped model parses");
            for (cmin, cmax) in [(3, 4), (3, 5), (2, 4)] {
                m.cmin = cmin;
                m.cmax = cmax;
                proptest::prop_assert_eq!(char_grams(&m, text.as_bytes()), char_grams_any(&m, text.as_bytes()));
            }
        }
    }

    #[test]
    fn tokens_match_training_definition() {
        let (buf, spans) = token_layout("Don’t pay $4.5 trillion!");
        assert_eq!(buf, " don't pay 0 0 trillion ");
        assert_eq!(spans.len(), 5);
        assert_eq!(token_layout("").0, "  ");
    }
}
