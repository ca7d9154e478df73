//! Sentence segmentation with exact byte spans into the source text.

/// Words that end with a full stop without ending the sentence. Compared
/// case-insensitively against the word before the dot.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "maj", "capt", "cmdr", "adm", "sgt",
    "gov", "sen", "rep", "pres", "st", "jr", "sr", "rev", "hon", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "vs", "etc", "approx", "inc", "ltd", "corp",
    "dept", "univ", "fig", "vol", "al", "e.g", "i.e", "u.s", "u.k", "u.n", "u.s.a", "a.m", "p.m",
    "mt", "ft", "cf",
];

const CLOSERS: &[char] = &['"', '\'', '\u{201d}', '\u{2019}', ')', ']', '\u{bb}'];

/// A half-open byte range `[start, end)` into the segmented text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// Splits `text` into trimmed sentence spans in text order.
///
/// Line breaks always end a sentence (article paragraphs and headings are
/// lines); within a line `.`, `!`, `?` and ellipses end a sentence unless the
/// context says otherwise (abbreviation, initial, decimal, domain, lowercase
/// continuation).
pub fn split(text: &str) -> Vec<Span> {
    let mut out = Vec::with_capacity(text.len() / 64);
    // One character buffer for all lines: paragraphs can be long, and
    // regrowing a fresh buffer per line showed up in profiles.
    let mut chars = Vec::new();
    let mut line_start = 0;
    // Byte scan: '\n' never occurs inside a multi-byte character.
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if b == b'\n' {
            split_line(text, line_start, i, &mut chars, &mut out);
            line_start = i + 1;
        }
    }
    split_line(text, line_start, text.len(), &mut chars, &mut out);
    out
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<Span>) {
    let Some(seg) = text.get(start..end) else {
        return;
    };
    // A byte-order mark at the start of a file is not text either.
    let blank = |c: char| c.is_whitespace() || c == '\u{feff}';
    let lead = seg.len() - seg.trim_start_matches(blank).len();
    let trimmed = seg.trim_matches(blank);
    if !trimmed.is_empty() {
        let s = start + lead;
        out.push(Span {
            start: s,
            end: s + trimmed.len(),
        });
    }
}

fn split_line(
    text: &str,
    start: usize,
    end: usize,
    chars: &mut Vec<(usize, char)>,
    out: &mut Vec<Span>,
) {
    let Some(line) = text.get(start..end) else {
        return;
    };
    chars.clear();
    chars.extend(line.char_indices());
    let chars = &chars[..];
    let mut sent_start = 0usize;
    let mut i = 0usize;
    while i < chars.len() {
        let (_, c) = chars[i];
        let is_term = matches!(c, '.' | '!' | '?' | '\u{2026}');
        if !is_term {
            i += 1;
            continue;
        }
        // Collapse runs like "?!" or "..." into one terminator.
        let mut j = i + 1;
        while j < chars.len() && matches!(chars[j].1, '.' | '!' | '?' | '\u{2026}') {
            j += 1;
        }
        let run_len = j - i;
        let ellipsis = c == '\u{2026}' || (c == '.' && run_len >= 3);
        // Closing quotes / brackets belong to the sentence they close.
        let mut k = j;
        while k < chars.len() && CLOSERS.contains(&chars[k].1) {
            k += 1;
        }
        let boundary_end = chars.get(k).map_or(line.len(), |&(b, _)| b);
        let next = chars.get(k).map(|&(_, ch)| ch);
        let split_here = match next {
            None => true,
            Some(n) if n.is_whitespace() => {
                // Look at the first character of the next word.
                let mut m = k;
                while m < chars.len() && chars[m].1.is_whitespace() {
                    m += 1;
                }
                let follow = chars.get(m).map(|&(_, ch)| ch);
                let lower_next = follow.is_some_and(|f| f.is_lowercase());
                if lower_next {
                    false
                } else if c == '.' && run_len == 1 {
                    !is_abbreviation(chars, i, follow)
                } else {
                    !(ellipsis && follow.is_some_and(|f| f.is_ascii_digit()))
                }
            }
            Some(n) => {
                // No space after the stop: split only on "word.Word" where the
                // left side is a lowercase word (catches "income.Specialists"
                // but not "U.S", "3.5" or "example.org").
                c == '.'
                    && run_len == 1
                    && k == j
                    && n.is_uppercase()
                    && chars.get(k + 1).is_some_and(|&(_, ch)| ch.is_lowercase())
                    && i >= 2
                    && chars[i - 1].1.is_lowercase()
                    && chars[i - 2].1.is_lowercase()
            }
        };
        if split_here {
            push_trimmed(text, start + sent_start, start + boundary_end, out);
            sent_start = boundary_end;
            i = k.max(i + 1);
        } else {
            i = j;
        }
    }
    push_trimmed(text, start + sent_start, end, out);
}

/// Decides whether the single `.` at `chars[dot]` belongs to an abbreviation
/// or initial rather than ending the sentence.
fn is_abbreviation(chars: &[(usize, char)], dot: usize, follow: Option<char>) -> bool {
    // Collect the word before the dot, including inner dots ("U.S").
    let mut w = dot;
    while w > 0 && (chars[w - 1].1.is_alphanumeric() || chars[w - 1].1 == '.') {
        w -= 1;
    }
    let word: String = chars[w..dot].iter().map(|&(_, c)| c).collect();
    if word.is_empty() {
        return false;
    }
    let lower = word.to_lowercase();
    if ABBREVIATIONS.contains(&lower.as_str()) {
        // "in the U.S. The next..." is ambiguous; prefer not splitting only
        // when the next word is not obviously a sentence opener.
        return !follow.is_some_and(|f| f == '\u{201c}' || f == '"');
    }
    let letters: Vec<char> = word.chars().filter(|c| *c != '.').collect();
    // Single uppercase initial ("J. Smith") or dotted acronym ("U.N.", "D.C").
    if letters.len() == 1 && letters.iter().all(|c| c.is_uppercase()) {
        return true;
    }
    if word.contains('.') && letters.iter().all(|c| c.is_uppercase()) && letters.len() <= 4 {
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sents(t: &str) -> Vec<&str> {
        split(t).iter().map(|s| &t[s.start..s.end]).collect()
    }

    #[test]
    fn abbreviations_do_not_split() {
        assert_eq!(
            sents("Mr. Smith met Gen. Jones in Jan. 2020 in the U.S. capital. Then he left."),
            vec![
                "Mr. Smith met Gen. Jones in Jan. 2020 in the U.S. capital.",
                "Then he left."
            ]
        );
    }

    #[test]
    fn us_before_lowercase_and_capital() {
        assert_eq!(
            sents("The U.S. intervention appeared brazen. U.S. officials agreed."),
            vec![
                "The U.S. intervention appeared brazen.",
                "U.S. officials agreed."
            ]
        );
    }

    #[test]
    fn initials() {
        assert_eq!(
            sents("J. R. R. Tolkien wrote it. George W. Bush read it."),
            vec!["J. R. R. Tolkien wrote it.", "George W. Bush read it."]
        );
    }

    #[test]
    fn decimals_and_money() {
        assert_eq!(
            sents("It cost $50.5 million, or 1.2 billion rubles. Growth was 3.5%."),
            vec![
                "It cost $50.5 million, or 1.2 billion rubles.",
                "Growth was 3.5%."
            ]
        );
    }

    #[test]
    fn missing_space_after_stop() {
        assert_eq!(
            sents("sources of income.Specialists could gain access. See example.org for U.S.A."),
            vec![
                "sources of income.",
                "Specialists could gain access.",
                "See example.org for U.S.A."
            ]
        );
    }

    #[test]
    fn quotes_and_dashes() {
        let t = "“The operation was carried out competently,” wrote the channel. “It was fast—and decisive.” He agreed.";
        assert_eq!(
            sents(t),
            vec![
                "“The operation was carried out competently,” wrote the channel.",
                "“It was fast—and decisive.”",
                "He agreed."
            ]
        );
    }

    #[test]
    fn question_inside_quote_followed_by_attribution() {
        assert_eq!(
            sents("“Why now?” she asked. Nobody knew."),
            vec!["“Why now?” she asked.", "Nobody knew."]
        );
    }

    #[test]
    fn ellipses() {
        assert_eq!(
            sents("He paused... and went on. Then silence… The end."),
            vec!["He paused... and went on.", "Then silence…", "The end."]
        );
    }

    #[test]
    fn lines_split_and_spans_trimmed() {
        let t = "  Heading\nFirst line.  \n\nSecond";
        let s = split(t);
        assert_eq!(sents(t), vec!["Heading", "First line.", "Second"]);
        assert_eq!(s[0].start, 2);
    }

    #[test]
    fn multibyte_is_safe() {
        for t in ["é.É", "…", "a.\u{301}B", "日本.Ab", ".\u{2019}"] {
            for s in split(t) {
                assert!(t.is_char_boundary(s.start) && t.is_char_boundary(s.end));
            }
        }
    }
}
