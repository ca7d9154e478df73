//! Claimant attribution: who a sentence's assertion belongs to.

// Works over the whole article because quotes span sentences and
// paragraphs, and because "it added" / "she wrote" refer back to the last
// named speaker.

use super::lexicon::SPEECH_VERBS;
use super::sentences::Span;

const PRONOUNS: &[&str] = &["he", "she", "it", "they", "He", "She", "It", "They"];

/// Capitalised words that cannot start a speaker's name.
const NOT_NAME_START: &[&str] = &[
    "The", "A", "An", "And", "But", "Or", "If", "In", "On", "At", "For", "This", "That", "It",
    "He", "She", "They", "We", "I", "Yet", "Still", "Such", "Despite", "Instead", "However",
    "There", "Most", "Some", "Many", "As", "When", "While", "After",
];

#[derive(Debug, Clone)]
struct Quote {
    /// Byte offset of the opening mark.
    start: usize,
    /// Byte offset just past the closing mark (or end of paragraph).
    end: usize,
    paragraph: usize,
    speaker: Option<String>,
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

fn clean(w: &str) -> &str {
    w.trim_matches(|c: char| !(c.is_alphanumeric() || c == '-'))
}

fn is_cap(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// Capitalised word runs in `s` (brackets and possessives end a run).
fn cap_runs(s: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for raw in s.split_whitespace() {
        let w = clean(raw);
        let possessive = raw.ends_with("\u{2019}s") || raw.ends_with("'s");
        if !w.is_empty() && is_cap(w) && !possessive {
            cur.push(w);
            if raw.ends_with([',', '.', ';', ':']) {
                runs.push(cur.join(" "));
                cur.clear();
            }
        } else if !cur.is_empty() {
            runs.push(cur.join(" "));
            cur.clear();
        }
    }
    if !cur.is_empty() {
        runs.push(cur.join(" "));
    }
    runs
}

fn is_speech_verb(w: &str) -> bool {
    SPEECH_VERBS.contains(clean(w))
}

enum Attribution {
    Name(String),
    Pronoun,
}

/// Attribution in the text right after a closing quote:
/// `wrote Oleg Deripaska, a …` / `Lukyanov said.` / `it added`.
fn after_quote(s: &str) -> Option<Attribution> {
    let clause = s
        .split(['.', ';', '\u{201c}', '"', '\n'])
        .next()
        .unwrap_or("")
        .trim_start_matches([',', ' ']);
    let words: Vec<&str> = clause.split_whitespace().collect();
    let first = words.first()?;
    if is_speech_verb(first) {
        // Name phrase runs to the first comma: take its last capitalised run
        // ("the pro-Kremlin Telegram channel Dva Mayora" gives "Dva Mayora").
        let rest = clause.split_once(first).map(|(_, r)| r).unwrap_or("");
        let phrase = rest.split(',').next().unwrap_or("");
        if let Some(w) = phrase.split_whitespace().next()
            && PRONOUNS.contains(&clean(w))
        {
            return Some(Attribution::Pronoun);
        }
        return cap_runs(phrase).pop().map(Attribution::Name);
    }
    // "<Name …> said" within the first few words.
    let verb_at = words.iter().take(6).position(|w| is_speech_verb(w))?;
    let before = words.get(..verb_at)?.join(" ");
    let before = before.trim();
    if PRONOUNS.contains(&clean(before)) {
        return Some(Attribution::Pronoun);
    }
    cap_runs(before)
        .into_iter()
        .find(|r| !NOT_NAME_START.contains(&r.as_str()))
        .map(Attribution::Name)
}

/// Attribution before an opening quote: `Lavrov said: “…`.
fn before_quote(s: &str) -> Option<Attribution> {
    let t = s.trim_end().trim_end_matches([':', ',']).trim_end();
    let last = t.split_whitespace().next_back()?;
    if !is_speech_verb(last) {
        return None;
    }
    reported_subject(t)
}

/// The subject of a sentence that opens with a name and contains a speech
/// verb: "Olga Uskova, a tech entrepreneur, said …".
fn reported_subject(s: &str) -> Option<Attribution> {
    let words: Vec<&str> = s.split_whitespace().collect();
    let first = words.first()?;
    if PRONOUNS.contains(&clean(first)) && words.iter().take(3).any(|w| is_speech_verb(w)) {
        return Some(Attribution::Pronoun);
    }
    let mut name = Vec::new();
    let mut ended_by_comma = false;
    for raw in &words {
        let w = clean(raw);
        if raw.ends_with("\u{2019}s") || raw.ends_with("'s") || !is_cap(w) {
            break;
        }
        if name.is_empty() && NOT_NAME_START.contains(&w) {
            return None;
        }
        name.push(w);
        if raw.ends_with(',') {
            ended_by_comma = true;
            break;
        }
    }
    if name.is_empty() {
        return None;
    }
    let next = words.get(name.len()).map(|w| clean(w)).unwrap_or("");
    let verb_follows = is_speech_verb(next)
        || (matches!(next, "also" | "then" | "later" | "previously")
            && words.get(name.len() + 1).is_some_and(|w| is_speech_verb(w)));
    let verb_later = ended_by_comma && words.iter().skip(name.len()).any(|w| is_speech_verb(w));
    (verb_follows || verb_later).then(|| Attribution::Name(name.join(" ")))
}

/// "according to X", "said X", "X said that".
fn reported_speech(s: &str) -> Option<Attribution> {
    let marker = s.find("according to ").or_else(|| s.find("According to "));
    if let Some(pos) = marker {
        let rest = s.get(pos + "according to ".len()..).unwrap_or("");
        let phrase = rest.split([',', '.', ';']).next().unwrap_or("");
        if let Some(r) = cap_runs(phrase).into_iter().next() {
            return Some(Attribution::Name(r));
        }
    }
    if let Some(a) = reported_subject(s) {
        return Some(a);
    }
    // ", said Fyodor Lukyanov" anywhere in the sentence.
    let words: Vec<&str> = s.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        if i > 0 && is_speech_verb(w) && words.get(i - 1).is_some_and(|p| p.ends_with(',')) {
            let rest = words.get(i + 1..).unwrap_or(&[]).join(" ");
            let phrase = rest.split(',').next().unwrap_or("");
            if let Some(r) = cap_runs(phrase).pop() {
                return Some(Attribution::Name(r));
            }
        }
    }
    None
}

/// Expands a bare surname to a full name seen earlier ("Lukyanov" to
/// "Fyodor Lukyanov").
fn expand(name: String, seen: &[String]) -> String {
    if name.contains(' ') {
        return name;
    }
    seen.iter()
        .rev()
        .find(|full| {
            full.strip_suffix(name.as_str())
                .is_some_and(|head| head.ends_with(' '))
        })
        .cloned()
        .unwrap_or(name)
}

/// Returns the claimant for each sentence span, in order.
pub fn attribute(text: &str, spans: &[Span]) -> Vec<Option<String>> {
    let mut quotes = find_quotes(text);
    let mut seen: Vec<String> = Vec::new();
    let mut last_speaker: Option<String> = None;
    let mut reported: Vec<Option<String>> = vec![None; spans.len()];
    let mut qi = 0;
    let mut prev_quote: Option<(usize, Option<String>)> = None;

    for (si, sp) in spans.iter().enumerate() {
        let sent = window_after(text, sp.start, sp.end.min(sp.start + 2 * WINDOW));
        let quoted = quote_for(&quotes, sp).is_some();
        // Reported speech needs a speech verb or "according to"; checking
        // that first skips the parsing for most sentences.
        let may_report =
            || sent.contains("ccording to ") || sent.split_whitespace().any(is_speech_verb);
        if !quoted && may_report() {
            // Reported speech outside quotes; scare quotes inside are fine.
            let outside = strip_quotes(sent);
            let who = match reported_speech(&outside) {
                Some(Attribution::Name(n)) => Some(expand(n, &seen)),
                Some(Attribution::Pronoun) => last_speaker.clone(),
                None => None,
            };
            if let Some(n) = &who {
                remember(&mut seen, n);
                last_speaker = Some(n.clone());
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
            let after = window_after(text, q.end, sp.end);
            let before_start = quotes
                .get(qi.wrapping_sub(1))
                .map_or(sp.start, |p| p.end.max(sp.start));
            let before = window_before(text, before_start.min(q.start), q.start);
            let attr = after_quote(after).or_else(|| before_quote(before));
            let speaker = match attr {
                Some(Attribution::Name(n)) => Some(expand(n, &seen)),
                Some(Attribution::Pronoun) => last_speaker.clone(),
                // Unattributed quote continuing a speaker from this or the
                // previous paragraph.
                None => prev_quote
                    .as_ref()
                    .filter(|(p, _)| q.paragraph <= p + 1)
                    .and_then(|(_, s)| s.clone()),
            };
            if let Some(n) = &speaker {
                remember(&mut seen, n);
                last_speaker = Some(n.clone());
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
            Some(q) => q.speaker.clone(),
            None => rep,
        })
        .collect()
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

fn remember(seen: &mut Vec<String>, n: &str) {
    if n.contains(' ') && seen.len() < MAX_SEEN && !seen.iter().any(|s| s == n) {
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
            .map(|(s, w)| (t[s.start..s.end].to_string(), w))
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
}
