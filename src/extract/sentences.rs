//! Sentence segmentation with exact byte spans into the source text.

/// Titles and ranks: a full stop after them never ends a sentence
/// ("Lt. Col. Andrei Vos", "Maj. Gen. Ilya Park", "St. Petersburg").
/// Compared case-insensitively against the word before the dot.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "messrs", "mme", "dr", "prof", "gen", "col", "lt", "maj", "capt", "cmdr",
    "cdr", "adm", "sgt", "cpl", "pvt", "brig", "gov", "sen", "rep", "pres", "st", "rev", "hon",
    "mt", "ft", "fr", "supt", "insp", "amb", "sec", "dep",
];

/// Words that only abbreviate before a number: "No. 217", "Art. 5", "Jan. 9".
const BEFORE_NUMBER: &[&str] = &[
    "no", "nos", "art", "fig", "vol", "p", "pp", "para", "ch", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec",
];

/// Abbreviations that can also end a sentence ("… Orinoco Trading Corp. The
/// company …"): they end it only when a sentence opener follows.
const ENDABLE: &[&str] = &[
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "vs",
    "etc", "approx", "inc", "ltd", "corp", "co", "bros", "plc", "llc", "dept", "univ", "al", "e.g",
    "i.e", "jr", "sr", "a.m", "p.m",
];

/// Words that open sentences and never continue a name or a title, so an
/// abbreviation or dotted acronym ("U.S.") before them ends the sentence.
const OPENERS: &[&str] = &[
    "The",
    "A",
    "An",
    "It",
    "Its",
    "He",
    "His",
    "She",
    "Her",
    "They",
    "Their",
    "We",
    "Our",
    "I",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "But",
    "And",
    "Yet",
    "So",
    "However",
    "Meanwhile",
    "In",
    "On",
    "At",
    "By",
    "For",
    "From",
    "With",
    "As",
    "When",
    "While",
    "After",
    "Before",
    "Since",
    "Some",
    "Many",
    "Most",
    "All",
    "No",
    "Not",
    "If",
    "Although",
    "Still",
    "Such",
    "What",
    "Why",
    "How",
    "Who",
    "Earlier",
    "Later",
    "Last",
    "Next",
    "According",
    "Officials",
    "Analysts",
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
        // Footnote markers ("….[8] Next") stay with the sentence they mark.
        while let Some(after) = footnote_end(chars, k) {
            k = after;
            while k < chars.len() && CLOSERS.contains(&chars[k].1) {
                k += 1;
            }
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
                    let mut e = m;
                    while e < chars.len() && chars[e].1.is_alphanumeric() {
                        e += 1;
                    }
                    let next_word = match (chars.get(m), chars.get(e)) {
                        (Some(&(a, _)), Some(&(b, _))) => line.get(a..b).unwrap_or(""),
                        (Some(&(a, _)), None) => line.get(a..).unwrap_or(""),
                        _ => "",
                    };
                    !is_abbreviation(chars, i, follow, next_word)
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

/// Where a footnote marker such as `[8]` or `[12]` starting at `chars[k]`
/// ends, if one starts there.
fn footnote_end(chars: &[(usize, char)], k: usize) -> Option<usize> {
    if chars.get(k)?.1 != '[' {
        return None;
    }
    let mut e = k + 1;
    while e < chars.len() && e - k <= 3 && chars[e].1.is_ascii_digit() {
        e += 1;
    }
    (e > k + 1 && chars.get(e)?.1 == ']').then_some(e + 1)
}

/// Decides whether the single `.` at `chars[dot]` belongs to an abbreviation
/// or initial rather than ending the sentence. `follow` is the first
/// character of the next word and `next_word` that word.
fn is_abbreviation(
    chars: &[(usize, char)],
    dot: usize,
    follow: Option<char>,
    next_word: &str,
) -> bool {
    // Collect the word before the dot, including inner dots ("U.S").
    let mut w = dot;
    while w > 0 && (chars[w - 1].1.is_alphanumeric() || chars[w - 1].1 == '.') {
        w -= 1;
    }
    if w == dot {
        return false;
    }
    let mut word = String::with_capacity(dot - w);
    word.extend(chars[w..dot].iter().map(|&(_, c)| c.to_ascii_lowercase()));
    let quote_follows = follow.is_some_and(|f| f == '\u{201c}' || f == '"');
    let opener_follows = quote_follows || OPENERS.contains(&next_word);
    if TITLES.contains(&word.as_str()) {
        return true;
    }
    if BEFORE_NUMBER.contains(&word.as_str()) && follow.is_some_and(|f| f.is_ascii_digit()) {
        return true;
    }
    if ENDABLE.contains(&word.as_str()) {
        return !opener_follows;
    }
    let letters: Vec<char> = chars[w..dot]
        .iter()
        .map(|&(_, c)| c)
        .filter(|c| *c != '.')
        .collect();
    // Single uppercase initial ("J. Smith"): a lone capital before an
    // opener is still an initial only if nothing says otherwise.
    if letters.len() == 1 && letters.iter().all(|c| c.is_uppercase()) {
        return true;
    }
    // Dotted acronym or initials ("U.S.", "U.N.", "R.J."): part of the
    // sentence unless a sentence opener follows.
    if word.contains('.') && letters.iter().all(|c| c.is_uppercase()) && letters.len() <= 4 {
        return !opener_follows;
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

    #[test]
    fn news_titles_and_ranks() {
        assert_eq!(
            sents(
                "Lt. Col. Ana Vos and Maj. Gen. Ilya Park met Dr. Lee in St. Petersburg. Sen. Ruiz agreed."
            ),
            vec![
                "Lt. Col. Ana Vos and Maj. Gen. Ilya Park met Dr. Lee in St. Petersburg.",
                "Sen. Ruiz agreed."
            ]
        );
        assert_eq!(sents("ST. PETERSBURG, May 2 - Talks began.").len(), 1);
    }

    #[test]
    fn numbers_after_abbreviations() {
        assert_eq!(
            sents("Order No. 55 took effect on Feb. 3 under Art. 12. No one objected."),
            vec![
                "Order No. 55 took effect on Feb. 3 under Art. 12.",
                "No one objected."
            ]
        );
    }

    #[test]
    fn company_suffixes_and_acronyms_end_sentences_only_before_an_opener() {
        assert_eq!(
            sents("Shares of Harbor Tools Inc. rose. The deal with Kestrel Corp. Holdings closed."),
            vec![
                "Shares of Harbor Tools Inc. rose.",
                "The deal with Kestrel Corp. Holdings closed."
            ]
        );
        assert_eq!(
            sents("Aid came from the U.S. The shipment was late. U.K. officials said so."),
            vec![
                "Aid came from the U.S.",
                "The shipment was late.",
                "U.K. officials said so."
            ]
        );
        assert_eq!(
            sents("A founder, M.K. Osei, said so. Then A.B. Rahman left."),
            vec!["A founder, M.K. Osei, said so.", "Then A.B. Rahman left."]
        );
    }

    #[test]
    fn footnote_markers_stay_with_their_sentence() {
        assert_eq!(
            sents("Output fell 4.5%.[8] Exports rose.[12][13] Prices held."),
            vec![
                "Output fell 4.5%.[8]",
                "Exports rose.[12][13]",
                "Prices held."
            ]
        );
    }
}
