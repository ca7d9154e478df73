//! Every phrase list the line, sentence and entity rules look for, found in one
//! Aho-Corasick pass over the whole document instead of one pass per line and
//! two per sentence. A rule then asks which lists occur inside its own range.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use super::entities::CLUE_GROUPS;
use super::notclaim::{CAPTION_MARKERS, CREDIT_MARKERS, NO_COMMENT, UNCLEAR};

/// A credit marker (case-sensitive).
pub const CREDIT: u32 = 1;
/// A caption marker (case-sensitive).
pub const CAPTION: u32 = 1 << 1;
/// A speculation phrase (any ASCII case).
pub const SPECULATION: u32 = 1 << 2;
/// A no-comment phrase (any ASCII case).
pub const NO_COMMENT_PHRASE: u32 = 1 << 3;
/// Bit of entity clue group `g` (any ASCII case) is `CLUE_SHIFT + g`.
pub const CLUE_SHIFT: u32 = 4;

/// One distinct pattern of the merged automaton, lowercased: the lists that
/// match it in any case, and the case-sensitive markers that match only their
/// exact spelling.
struct Entry {
    any_case: u32,
    exact: Vec<(&'static str, u32)>,
}

struct Merged {
    ac: AhoCorasick,
    entries: Vec<Entry>,
}

static MERGED: LazyLock<Option<Merged>> = LazyLock::new(|| {
    let mut keys: Vec<String> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut add = |p: &'static str, bit: u32, exact: bool| {
        let key = p.to_ascii_lowercase();
        let at = match keys.iter().position(|k| *k == key) {
            Some(at) => at,
            None => {
                keys.push(key);
                entries.push(Entry {
                    any_case: 0,
                    exact: Vec::new(),
                });
                entries.len() - 1
            }
        };
        if let Some(e) = entries.get_mut(at) {
            if exact {
                e.exact.push((p, bit));
            } else {
                e.any_case |= bit;
            }
        }
    };
    for p in CREDIT_MARKERS {
        add(p, CREDIT, true);
    }
    for p in CAPTION_MARKERS {
        add(p, CAPTION, true);
    }
    for p in UNCLEAR {
        add(p, SPECULATION, false);
    }
    for p in NO_COMMENT {
        add(p, NO_COMMENT_PHRASE, false);
    }
    for (g, words) in CLUE_GROUPS.iter().enumerate() {
        for w in *words {
            add(w, 1 << (CLUE_SHIFT + g as u32), false);
        }
    }
    let ac = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&keys)
        .ok()?;
    Some(Merged { ac, entries })
});

/// Occurrences of the lists in one document, ordered by where they end.
pub struct Hits {
    /// `(start, end, bits)`; `bits` is never 0.
    hits: Vec<(usize, usize, u32)>,
}

impl Hits {
    /// Scans `text` once. Patterns can overlap ("thousands" holds "thousands of"'s
    /// "housands of" and "sand"), so every occurrence of every pattern is recorded.
    pub fn of(text: &str) -> Hits {
        let mut hits = Vec::new();
        if let Some(m) = MERGED.as_ref() {
            for found in m.ac.find_overlapping_iter(text) {
                let Some(e) = m.entries.get(found.pattern().as_usize()) else {
                    continue;
                };
                let mut bits = e.any_case;
                if !e.exact.is_empty() {
                    let seen = text.as_bytes().get(found.start()..found.end());
                    for (p, bit) in &e.exact {
                        if seen == Some(p.as_bytes()) {
                            bits |= bit;
                        }
                    }
                }
                if bits != 0 {
                    hits.push((found.start(), found.end(), bits));
                }
            }
        }
        // Overlapping search reports matches in the order they end; make sure.
        hits.sort_by_key(|h| h.1);
        Hits { hits }
    }

    /// The lists with an occurrence wholly inside `start..end`.
    pub fn within(&self, start: usize, end: usize) -> u32 {
        let first = self.hits.partition_point(|h| h.1 <= start);
        self.hits
            .get(first..)
            .unwrap_or(&[])
            .iter()
            .take_while(|h| h.1 <= end)
            .filter(|h| h.0 >= start)
            .fold(0, |acc, h| acc | h.2)
    }

    /// [`Hits::within`] for `part`, a slice of the scanned `text`.
    pub fn within_slice(&self, text: &str, part: &str) -> u32 {
        let start = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
        if start > text.len() || start + part.len() > text.len() {
            return 0;
        }
        self.within(start, start + part.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_found_in_their_range_only_and_markers_keep_their_case() {
        let text = "Reporting by Ann Lee. It remains unclear why.\nreporting by nobody \
                    reuters/ was here. Two thousands of euros. He declined to comment.";
        let h = Hits::of(text);
        let part = |s: &str| {
            let at = text.find(s).unwrap_or(usize::MAX);
            h.within(at, at + s.len())
        };
        assert_eq!(part("Reporting by Ann Lee."), CREDIT);
        assert_eq!(part("It remains unclear why."), SPECULATION);
        // "reporting by " is a marker too, in its own spelling.
        assert_eq!(part("reporting by nobody") & CREDIT, CREDIT);
        // "reuters/" is neither "Reuters/" nor "REUTERS/", the list's spellings.
        let caps = part("reuters/ was here.");
        assert_eq!(caps & CAPTION, 0, "{caps:b}");
        assert_eq!(
            part("He declined to comment.") & NO_COMMENT_PHRASE,
            NO_COMMENT_PHRASE
        );
        let amounts = part("Two thousands of euros.");
        assert_ne!(amounts & (1 << (CLUE_SHIFT + 1)), 0, "currency name");
        assert_ne!(amounts & (1 << (CLUE_SHIFT + 2)), 0, "vague amount");
        assert_ne!(amounts & (1 << (CLUE_SHIFT + 6)), 0, "number word");
        // A phrase cut by the range's edge does not count.
        let at = text.find("unclear").unwrap_or(0);
        assert_eq!(h.within(at, text.len()) & SPECULATION, 0);
    }
}
