//! Word scanning for the per-sentence rules, byte by byte.

// `str::split` with a character predicate decodes every character; these scan
// ASCII bytes directly and decode only the bytes of other characters, which
// are rare in English news. Results are the same as the `split` forms named
// in each function's documentation (property tests below).

/// The ASCII characters `lo..=hi` as a bit set (bit `c` for character `c`).
const fn span(lo: u8, hi: u8) -> u128 {
    (u128::MAX >> (127 - hi as u32)) & (u128::MAX << lo)
}

const ALPHANUMERIC: u128 = span(b'0', b'9') | span(b'A', b'Z') | span(b'a', b'z');
const LETTER_WORD: u128 = ALPHANUMERIC | 1 << b'\'';
const HYPHENATED: u128 = ALPHANUMERIC | 1 << b'-';
// `char::is_whitespace` for ASCII: tab, line feed, vertical tab, form feed, carriage return, space.
const NOT_SPACE: u128 = !(span(b'\t', b'\r') | 1 << b' ');

/// A bit set of ASCII characters as a lookup table.
const fn table(set: u128) -> [bool; 128] {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        t[c] = (set >> c) & 1 == 1;
        c += 1;
    }
    t
}

static ALPHANUMERIC_TABLE: [bool; 128] = table(ALPHANUMERIC);
static LETTER_WORD_TABLE: [bool; 128] = table(LETTER_WORD);
static NOT_SPACE_TABLE: [bool; 128] = table(NOT_SPACE);
static HYPHENATED_TABLE: [bool; 128] = table(HYPHENATED);

/// Maximal runs of characters in a word: ASCII ones are looked up in `ascii`,
/// others given to `other`. The same words as
/// `s.split(|c| !part(c)).filter(|w| !w.is_empty())` where `part` agrees with both.
fn runs_of<'s>(
    s: &'s str,
    ascii: &'static [bool; 128],
    other: fn(char) -> bool,
) -> impl Iterator<Item = &'s str> {
    let b = s.as_bytes();
    let mut pos = 0;
    // Whether the character at byte `i` (a character boundary, inside `s`) is
    // part of a word, and its width in bytes.
    let class = move |i: usize, c: u8| -> (bool, usize) {
        match ascii.get(usize::from(c)) {
            Some(&inside) => (inside, 1),
            None => s
                .get(i..)
                .and_then(|r| r.chars().next())
                .map_or((false, 1), |c| (other(c), c.len_utf8())),
        }
    };
    std::iter::from_fn(move || {
        while let Some(&c) = b.get(pos) {
            let (inside, width) = class(pos, c);
            if inside {
                break;
            }
            pos += width;
        }
        let start = pos;
        while let Some(&c) = b.get(pos) {
            let (inside, width) = class(pos, c);
            if !inside {
                break;
            }
            pos += width;
        }
        (pos > start).then(|| s.get(start..pos)).flatten()
    })
}

/// Unicode's General Punctuation block: typographic quotes, dashes and spaces,
/// none of them a letter or digit (checked by a test), and common enough in
/// news text that skipping the property tables for them pays.
const GENERAL_PUNCTUATION: std::ops::RangeInclusive<char> = '\u{2000}'..='\u{206f}';

/// `char::is_alphanumeric`, answering for quotes and dashes without a table lookup.
pub fn alphanumeric(c: char) -> bool {
    !GENERAL_PUNCTUATION.contains(&c) && c.is_alphanumeric()
}

/// Runs of letters and digits, as `s.split(|c: char| !c.is_alphanumeric())` without the
/// empty pieces.
pub fn alphanumeric_words(s: &str) -> impl Iterator<Item = &str> {
    runs_of(s, &ALPHANUMERIC_TABLE, alphanumeric)
}

/// Runs of letters, digits and hyphens, as `s.split(|c: char| !(c.is_alphanumeric() || c == '-'))`
/// without the empty pieces.
pub fn hyphenated_words(s: &str) -> impl Iterator<Item = &str> {
    runs_of(s, &HYPHENATED_TABLE, alphanumeric)
}

/// Whitespace-separated words, as `s.split_whitespace()`.
pub fn whitespace_words(s: &str) -> impl Iterator<Item = &str> {
    runs_of(s, &NOT_SPACE_TABLE, |c| !c.is_whitespace())
}

/// Letters, digits and either apostrophe (' and ’): the words the sentence
/// rules compare with their ASCII lists.
pub fn letter_words(s: &str) -> impl Iterator<Item = &str> {
    runs_of(s, &LETTER_WORD_TABLE, |c| {
        c == '\u{2019}' || alphanumeric(c)
    })
}

/// `w` without the characters other than letters and digits at either end, as
/// `w.trim_matches(|c: char| !c.is_alphanumeric())`.
pub fn trim_to_alphanumeric(w: &str) -> &str {
    let b = w.as_bytes();
    let kept = |c: &u8| !c.is_ascii() || c.is_ascii_alphanumeric();
    let start = b.iter().position(kept).unwrap_or(b.len());
    let end = b.iter().rposition(kept).map_or(start, |e| e + 1).max(start);
    let core = w.get(start..end).unwrap_or("");
    // A character other than ASCII at either end may or may not be a letter.
    let edges = [core.as_bytes().first(), core.as_bytes().last()];
    if edges.into_iter().flatten().any(|c| !c.is_ascii()) {
        core.trim_matches(|c: char| !c.is_alphanumeric())
    } else {
        core
    }
}

/// `w` lowercased into `buf`, with a typographic apostrophe made plain, when
/// it is ASCII apart from those apostrophes and has at most 16 characters; the
/// word lists it is compared with are ASCII, so any other word cannot match.
pub fn lower_ascii<'b>(w: &str, buf: &'b mut [u8; 16]) -> Option<&'b [u8]> {
    let mut n = 0;
    let mut bytes = w.bytes();
    while let Some(c) = bytes.next() {
        let lowered = if c.is_ascii() {
            c.to_ascii_lowercase()
        } else if c == 0xE2 && bytes.next() == Some(0x80) && bytes.next() == Some(0x99) {
            // U+2019 is E2 80 99; any other non-ASCII character ends the word's chances.
            b'\''
        } else {
            return None;
        };
        *buf.get_mut(n)? = lowered;
        n += 1;
    }
    buf.get(..n)
}

/// The number of characters of `w` (counting character starts, not bytes).
pub fn char_count(w: &str) -> usize {
    w.bytes().filter(|&b| (b as i8) >= -0x40).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower_reference(w: &str) -> Option<String> {
        let mut out = String::new();
        for c in w.chars() {
            match c {
                '\u{2019}' => out.push('\''),
                c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
                _ => return None,
            }
        }
        (out.chars().count() <= 16).then_some(out)
    }

    #[test]
    fn words_of_news_prose() {
        let s = "“Don’t,” said\u{a0}Ms. O'Neill — 4.5% of Ürümqi's 2,000 jets!";
        assert_eq!(
            letter_words(s).collect::<Vec<_>>(),
            [
                "Don’t",
                "said",
                "Ms",
                "O'Neill",
                "4",
                "5",
                "of",
                "Ürümqi's",
                "2",
                "000",
                "jets"
            ]
        );
        assert_eq!(
            whitespace_words(s).collect::<Vec<_>>(),
            s.split_whitespace().collect::<Vec<_>>()
        );
        let mut buf = [0u8; 16];
        assert_eq!(lower_ascii("Don’t", &mut buf), Some(&b"don't"[..]));
        assert_eq!(lower_ascii("Ürümqi", &mut buf), None);
        assert_eq!(lower_ascii("abcdefghijklmnopq", &mut buf), None);
        assert_eq!(char_count("Ürümqi"), 6);
    }

    #[test]
    fn ascii_sets_agree_with_char_predicates() {
        for c in 0u8..128 {
            let ch = char::from(c);
            assert_eq!((ALPHANUMERIC >> c) & 1 == 1, ch.is_alphanumeric(), "{c}");
            assert_eq!(
                (LETTER_WORD >> c) & 1 == 1,
                ch.is_alphanumeric() || ch == '\'',
                "{c}"
            );
            assert_eq!((NOT_SPACE >> c) & 1 == 1, !ch.is_whitespace(), "{c}");
            assert_eq!(
                (HYPHENATED >> c) & 1 == 1,
                ch.is_alphanumeric() || ch == '-',
                "{c}"
            );
        }
    }

    #[test]
    fn general_punctuation_holds_no_letter_or_digit() {
        for c in GENERAL_PUNCTUATION {
            assert!(!c.is_alphanumeric(), "{:?}", c);
            assert_eq!(alphanumeric(c), c.is_alphanumeric());
        }
    }

    proptest::proptest! {
        #[test]
        fn runs_split_like_str_split(s in "[ a-cA-C0-9'.,\u{2019}\u{201c}\u{a0}\u{2003}\n\té\u{1F600}-]{0,40}") {
            let part = |c: char| c.is_alphanumeric() || c == '\'' || c == '\u{2019}';
            let expected: Vec<&str> = s.split(|c: char| !part(c)).filter(|w| !w.is_empty()).collect();
            proptest::prop_assert_eq!(letter_words(&s).collect::<Vec<_>>(), expected);
            proptest::prop_assert_eq!(
                whitespace_words(&s).collect::<Vec<_>>(),
                s.split_whitespace().collect::<Vec<_>>()
            );
            let alnum: Vec<&str> = s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
            proptest::prop_assert_eq!(alphanumeric_words(&s).collect::<Vec<_>>(), alnum);
            let hyphenated: Vec<&str> = s
                .split(|c: char| !(c.is_alphanumeric() || c == '-'))
                .filter(|w| !w.is_empty())
                .collect();
            proptest::prop_assert_eq!(hyphenated_words(&s).collect::<Vec<_>>(), hyphenated);
            for w in s.split_whitespace() {
                let mut buf = [0u8; 16];
                let got = lower_ascii(w, &mut buf).map(|b| String::from_utf8_lossy(b).into_owned());
                proptest::prop_assert_eq!(got, lower_reference(w));
                proptest::prop_assert_eq!(char_count(w), w.chars().count());
                proptest::prop_assert_eq!(
                    trim_to_alphanumeric(w),
                    w.trim_matches(|c: char| !c.is_alphanumeric())
                );
            }
        }
    }
}
