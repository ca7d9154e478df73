//! Claimant attribution: who a sentence's assertion belongs to.

// Works over the whole article because quotes span sentences and
// paragraphs, and because "it added" / "she wrote" refer back to the last
// named speaker.

use super::attribution::{self, Claimant, ClaimantKind, Found, Pronoun};
use super::lexicon::SPEECH_VERBS;
use super::sentences::Span;
use super::words::{trim_to_alphanumeric, whitespace_words};

#[derive(Debug, Clone)]
struct Quote {
    /// Byte offset of the opening mark.
    start: usize,
    /// Byte offset just past the closing mark (or end of paragraph).
    end: usize,
    paragraph: usize,
    speaker: Option<Claimant>,
}

/// Finds double-quoted spans. A quote left open at the end of a paragraph
/// ends there (the next paragraph re-opens it in news style).
fn find_quotes(text: &str) -> Vec<Quote> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    let mut paragraph = 0;
    for (i, c) in text.char_indices() {
        match c {
            '\n' => {
                if let Some(s) = open.take() {
                    out.push(Quote {
                        start: s,
                        end: i,
                        paragraph,
                        speaker: None,
                    });
                }
                paragraph += 1;
            }
            '\u{201c}' if open.is_none() => open = Some(i),
            '\u{201d}' => {
                if let Some(s) = open.take() {
                    out.push(Quote {
                        start: s,
                        end: i + c.len_utf8(),
                        paragraph,
                        speaker: None,
                    });
                }
            }
            '"' => match open.take() {
                Some(s) => out.push(Quote {
                    start: s,
                    end: i + 1,
                    paragraph,
                    speaker: None,
                }),
                None => open = Some(i),
            },
            _ => {}
        }
    }
    if let Some(s) = open {
        out.push(Quote {
            start: s,
            end: text.len(),
            paragraph,
            speaker: None,
        });
    }
    out
}

/// Expands a bare surname to a full name written earlier in the article
/// ("Lukyanov" to "Fyodor Lukyanov").
fn expand(name: String, seen: &[String], before: &str) -> String {
    if name.contains(' ') || !name.chars().next().is_some_and(char::is_uppercase) {
        return name;
    }
    if let Some(full) = seen.iter().rev().find(|full| {
        full.strip_suffix(name.as_str())
            .is_some_and(|head| head.ends_with(' '))
    }) {
        return full.clone();
    }
    // "Oleg Rudnev" named earlier without being quoted.
    let mut at = before.len();
    while let Some(p) = before.get(..at).and_then(|b| b.rfind(name.as_str())) {
        at = p;
        let after_ok = before
            .get(p + name.len()..)
            .and_then(|r| r.chars().next())
            .is_none_or(|c| !c.is_alphanumeric());
        let head = before.get(..p).unwrap_or("");
        let Some(prev) = head.strip_suffix(' ') else {
            continue;
        };
        let first = prev
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("");
        let cap = first.chars().next().is_some_and(char::is_uppercase);
        if after_ok && cap && first.chars().all(char::is_alphabetic) && first.len() > 1 {
            return format!("{first} {name}");
        }
    }
    name
}

/// One resolved claimant with the paragraph it was found in.
struct Recent {
    paragraph: usize,
    who: Claimant,
}

/// Claimants seen so far, for pronouns ("He also said", "…, it said").
#[derive(Default)]
struct History {
    recent: Vec<Recent>,
}

impl History {
    fn push(&mut self, paragraph: usize, who: &Claimant) {
        if self.recent.len() >= 64 {
            self.recent.remove(0);
        }
        self.recent.push(Recent {
            paragraph,
            who: who.clone(),
        });
    }

    /// The latest fitting claimant of this paragraph, else of the one before.
    fn resolve(&self, p: Pronoun, paragraph: usize) -> Option<Claimant> {
        let here = self
            .recent
            .iter()
            .rev()
            .take_while(|r| r.paragraph == paragraph);
        if let Some(r) = here.clone().find(|r| p.fits(&r.who)) {
            return Some(r.who.clone());
        }
        if let Some(r) = here.clone().next() {
            return Some(r.who.clone());
        }
        let last_para = self.recent.last()?.paragraph;
        if last_para + 1 != paragraph {
            return None;
        }
        self.recent
            .iter()
            .rev()
            .take_while(|r| r.paragraph == last_para)
            .find(|r| p.fits(&r.who))
            .map(|r| r.who.clone())
    }
}

/// Returns the claimant for each sentence span, in order, and whether the
/// sentence is mostly a direct quotation.
pub fn attribute(text: &str, spans: &[Span]) -> Vec<(Option<Claimant>, bool)> {
    let mut quotes = find_quotes(text);
    let mut seen: Vec<String> = Vec::new();
    let mut history = History::default();
    let mut reported: Vec<Option<Claimant>> = vec![None; spans.len()];
    let mut qi = 0;
    let mut prev_quote: Option<(usize, Option<Claimant>)> = None;
    // Paragraphs are lines with text; blank lines do not count.
    let mut paragraph = 0usize;
    let mut line_end = 0usize;

    for (si, sp) in spans.iter().enumerate() {
        if sp.start >= line_end {
            if si > 0 {
                paragraph += 1;
            }
            line_end = text
                .get(sp.start..)
                .and_then(|r| r.find('\n'))
                .map_or(text.len(), |p| sp.start + p);
        }
        let sent = window_after(text, sp.start, sp.end.min(sp.start + 2 * WINDOW));
        let quoted = quote_for(&quotes, sp).is_some();
        if !quoted && may_report(sent) {
            // Reported speech outside quotes; scare quotes inside are fine.
            let outside = strip_quotes(sent);
            let who = resolve(
                attribution::find(&outside),
                &history,
                paragraph,
                &seen,
                text.get(..sp.start).unwrap_or(""),
            );
            if let Some(c) = &who {
                remember(&mut seen, c);
                history.push(paragraph, c);
            }
            if let Some(slot) = reported.get_mut(si) {
                *slot = who;
            }
        }
        // Resolve every quote that closes inside this sentence.
        while let Some(q) = quotes.get(qi) {
            if q.end > sp.end {
                break;
            }
            // Attribution sits right next to the quote; bounded windows keep
            // pathological inputs (thousands of quotes per line) linear.
            let next_open = quotes
                .get(qi + 1)
                .map_or(sp.end, |n| n.start.min(sp.end))
                .max(q.end);
            let after = window_after(text, q.end, next_open);
            let before_start = quotes
                .get(qi.wrapping_sub(1))
                .map_or(sp.start, |p| p.end.max(sp.start));
            let before = window_before(text, before_start.min(q.start), q.start);
            let found = attribution::around_quote(after, before);
            let speaker = match found {
                Some(f) => resolve(
                    Some(f),
                    &history,
                    paragraph,
                    &seen,
                    text.get(..sp.start).unwrap_or(""),
                ),
                // Unattributed quote continuing a speaker from this or the
                // previous paragraph.
                None => prev_quote
                    .as_ref()
                    .filter(|(p, _)| q.paragraph <= p + 1)
                    .and_then(|(_, s)| s.clone()),
            };
            if let Some(c) = &speaker {
                remember(&mut seen, c);
                history.push(paragraph, c);
            }
            prev_quote = Some((q.paragraph, speaker.clone()));
            if let Some(qm) = quotes.get_mut(qi) {
                qm.speaker = speaker;
            }
            qi += 1;
        }
    }
    // Quotes that never closed inside a sentence (trailing text) keep None.
    spans
        .iter()
        .zip(reported)
        .map(|(sp, rep)| match quote_for(&quotes, sp) {
            Some(q) => (q.speaker.clone(), true),
            None => (rep, false),
        })
        .collect()
}

/// Cheap test for a reporting verb or "according to" before parsing.
fn may_report(sent: &str) -> bool {
    let verbs = &*SPEECH_VERBS;
    sent.contains("ccording to ")
        || whitespace_words(sent).any(|w| {
            let w = trim_to_alphanumeric(w);
            verbs.contains(w)
                || matches!(
                    w,
                    "show"
                        | "shows"
                        | "showed"
                        | "calculated"
                        | "estimated"
                        | "estimate"
                        | "estimates"
                        | "found"
                        | "confirmed"
                        | "indicate"
                        | "indicates"
                        | "announced"
                        | "disclosed"
                        | "revealed"
                        | "asked"
                        | "asks"
                        | "urged"
                        | "urges"
                )
        })
}

fn resolve(
    found: Option<Found>,
    history: &History,
    paragraph: usize,
    seen: &[String],
    before: &str,
) -> Option<Claimant> {
    match found? {
        Found::Named(mut c) => {
            if c.kind == ClaimantKind::Person {
                c.name = expand(c.name, seen, before);
            }
            Some(c)
        }
        Found::Pronoun(p) => history.resolve(p, paragraph),
    }
}

const WINDOW: usize = 300;
const MAX_SEEN: usize = 256;

/// Up to `WINDOW` bytes of `text[from..to]`, cut on a char boundary.
fn window_after(text: &str, from: usize, to: usize) -> &str {
    let mut end = to.min(from.saturating_add(WINDOW)).min(text.len());
    while end > from && !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(from..end).unwrap_or("")
}

/// The last `WINDOW` bytes of `text[from..to]`, cut on a char boundary.
fn window_before(text: &str, from: usize, to: usize) -> &str {
    let mut start = from.max(to.saturating_sub(WINDOW));
    while start < to && !text.is_char_boundary(start) {
        start += 1;
    }
    text.get(start..to).unwrap_or("")
}

fn remember(seen: &mut Vec<String>, c: &Claimant) {
    let n = c.name.as_str();
    if c.kind == ClaimantKind::Person
        && n.contains(' ')
        && seen.len() < MAX_SEEN
        && !seen.iter().any(|s| s == n)
    {
        seen.push(n.to_string());
    }
}

/// The quote that a sentence belongs to: it starts inside the quote, or the
/// quote covers most of it. Short scare quotes do not count.
fn quote_for<'q>(quotes: &'q [Quote], sp: &Span) -> Option<&'q Quote> {
    let len = sp.end.saturating_sub(sp.start).max(1);
    // Quotes are sorted and disjoint, so skip those ending before the span.
    let first = quotes.partition_point(|q| q.end <= sp.start);
    let rest = quotes.get(first..).unwrap_or(&[]);
    rest.iter().take_while(|q| q.start < sp.end).find(|q| {
        let overlap = q.end.min(sp.end).saturating_sub(q.start.max(sp.start));
        (q.start <= sp.start && sp.start < q.end && overlap * 4 >= len) || overlap * 2 >= len
    })
}

fn strip_quotes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '\u{201c}' => depth += 1,
            '\u{201d}' => depth = 0,
            '"' => depth = if depth == 0 { 1 } else { 0 },
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::sentences::split;
    use super::*;

    fn run(t: &str) -> Vec<(String, Option<String>)> {
        let spans = split(t);
        let who = attribute(t, &spans);
        spans
            .iter()
            .zip(who)
            .map(|(s, (w, _))| (t[s.start..s.end].to_string(), w.map(|c| c.name)))
            .collect()
    }

    #[test]
    fn quote_then_unattributed_quote() {
        let t = "“Prices will fall,” wrote Oleg Deripaska, a billionaire, on Telegram. “And oil stays below $50 a barrel.”";
        let r = run(t);
        assert_eq!(r[0].1.as_deref(), Some("Oleg Deripaska"));
        assert_eq!(r[1].1.as_deref(), Some("Oleg Deripaska"));
    }

    #[test]
    fn multi_sentence_quote_attributed_at_end() {
        let t = "“Ukraine matters most. And it will not change,” Lukyanov said.";
        let r = run(t);
        assert_eq!(r[0].1.as_deref(), Some("Lukyanov"));
        assert_eq!(r[1].1.as_deref(), Some("Lukyanov"));
    }

    #[test]
    fn reported_speech_forms() {
        assert_eq!(
            run("Growth slowed, according to Elvira Nabiullina, the bank chief.")[0]
                .1
                .as_deref(),
            Some("Elvira Nabiullina")
        );
        assert_eq!(
            run("Olga Uskova, a tech entrepreneur, said she felt “shame” for Russia.")[0]
                .1
                .as_deref(),
            Some("Olga Uskova")
        );
        assert_eq!(run("The sky is blue.")[0].1, None);
    }

    #[test]
    fn pronoun_follows_last_speaker() {
        let t = "“It was competent,” wrote the channel Dva Mayora. “It was fast,” it added.";
        let r = run(t);
        assert_eq!(r[1].1.as_deref(), Some("Dva Mayora"));
    }

    fn kinds(t: &str) -> Vec<(String, Option<(String, ClaimantKind)>)> {
        let spans = split(t);
        attribute(t, &spans)
            .into_iter()
            .zip(&spans)
            .map(|((w, _), s)| (t[s.start..s.end].to_string(), w.map(|c| (c.name, c.kind))))
            .collect()
    }

    #[test]
    fn two_sentence_quote_with_the_speaker_after_the_second() {
        let t = "\"We moved 300 tonnes in May. Another 200 left in June,\" said Col. Ines Barros, a logistics officer.";
        let r = run(t);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].1.as_deref(), Some("Ines Barros"));
        assert_eq!(r[1].1.as_deref(), Some("Ines Barros"));
    }

    #[test]
    fn carry_over_within_and_into_the_next_paragraph() {
        let t = "Grain exports rose 6% in May, said Dr. Kofi Mensah, an economist at the Volta Institute. She added that prices fell.\n\nHe also said 40 ships had docked.\n\nThe port reopened in 2020, the harbour authority said. It also said fees rose 3%. Rail traffic doubled, it said.";
        let r = kinds(t);
        let who = |i: usize| r[i].1.as_ref().map(|(n, _)| n.as_str());
        assert_eq!(who(0), Some("Kofi Mensah"));
        // Gender is not known: any person fits "she".
        assert_eq!(who(1), Some("Kofi Mensah"));
        assert_eq!(who(2), Some("Kofi Mensah"));
        assert_eq!(who(3), Some("harbour authority"));
        assert_eq!(
            r[3].1.as_ref().map(|w| w.1),
            Some(ClaimantKind::GovernmentBody)
        );
        assert_eq!(who(4), Some("harbour authority"));
        assert_eq!(who(5), Some("harbour authority"));
    }

    #[test]
    fn a_pronoun_does_not_reach_past_an_unrelated_paragraph() {
        let t = "Output fell 4%, the ministry said.\n\nThe storm closed two ports.\n\nIt said repairs would take a month.";
        let r = run(t);
        assert_eq!(r[0].1.as_deref(), Some("ministry"));
        assert_eq!(r[1].1, None);
        assert_eq!(r[2].1, None);
    }

    #[test]
    fn a_claimant_is_not_carried_onto_someone_else_s_sentence() {
        let t = "Output rose 3% in April, the ministry said. Exports fell 2%, said Orla Finch, an analyst at Kestrel Capital. Earlier, the port handled 40 ships. He also asked for a review of fees.";
        let r = run(t);
        assert_eq!(r[0].1.as_deref(), Some("ministry"));
        assert_eq!(r[1].1.as_deref(), Some("Orla Finch"));
        // A sentence with no reporting verb of its own has no claimant.
        assert_eq!(r[2].1, None);
        // "He" follows the last person named, not the ministry.
        assert_eq!(r[3].1.as_deref(), Some("Orla Finch"));
    }

    #[test]
    fn a_quote_split_over_sentences_keeps_its_speaker_and_extent() {
        let t = "“The fleet is ready. Forty ships sailed in May. The rest follow in June,” Adm. Rui Pinto said on Friday. Fuel prices rose 4%.";
        let spans = split(t);
        let who = attribute(t, &spans);
        assert_eq!(who.len(), 4);
        for (w, quoted) in &who[..3] {
            assert_eq!(w.as_ref().map(|c| c.name.as_str()), Some("Rui Pinto"));
            assert!(quoted);
        }
        assert_eq!(who[3].0, None);
        assert!(!who[3].1);
    }

    #[test]
    fn a_later_surname_expands_to_the_full_name() {
        let t = "The accord was signed by Deputy Minister Ana Okafor. \"Trade doubled to $2 billion,\" Ms. Okafor said.";
        let r = run(t);
        assert_eq!(r[1].1.as_deref(), Some("Ana Okafor"));
    }
}
