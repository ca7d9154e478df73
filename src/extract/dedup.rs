//! Within-article near-duplicate detection over word bigram shingles.

use super::lexicon::FastMap;
use super::words::alphanumeric_words;

/// Word bigrams as 64-bit FNV-1a hashes of the lowercased words; apostrophes
/// split words so "Venezuela’s" and "Venezuela's" shingle identically.
///
/// Returned sorted and deduplicated: merging two short sorted lists is
/// cheaper than hashing one set's members into the other.
fn shingles(s: &str) -> Vec<u64> {
    // About one word per six bytes of news text.
    let mut out = Vec::with_capacity(s.len() / 6 + 1);
    let mut prev: Option<u64> = None;
    for w in alphanumeric_words(s) {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut add = |b: u8| {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        };
        if w.is_ascii() {
            w.bytes().map(|b| b.to_ascii_lowercase()).for_each(&mut add);
        } else {
            for c in w.chars().flat_map(char::to_lowercase) {
                let mut buf = [0u8; 4];
                c.encode_utf8(&mut buf).bytes().for_each(&mut add);
            }
        }
        if let Some(p) = prev {
            out.push(p.rotate_left(17) ^ h);
        }
        prev = Some(h);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Size of the intersection of two sorted, deduplicated lists.
fn common(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

fn overlap(a: &[u64], b: &[u64]) -> f32 {
    let min = a.len().min(b.len());
    if min < MIN_SHINGLES {
        return 0.0;
    }
    common(a, b) as f32 / min as f32
}

const MIN_SHINGLES: usize = 4;
/// Shingles shared by more texts than this are boilerplate and ignored when
/// looking for candidates, which keeps linking near-linear on huge inputs.
const MAX_POSTINGS: usize = 64;

/// Overlap (Szymkiewicz–Simpson) coefficient of the two texts' word-bigram
/// sets: |A ∩ B| / min(|A|, |B|), in [0,1].
///
/// Overlap rather than Jaccard because a restatement often wraps the same
/// core clause in a different lead-in ("More immediately, …" vs "A more
/// immediate concern …, however, is oil: …"). Texts with fewer than four
/// bigrams score 0 so short fragments never match by accident.
pub fn similarity(a: &str, b: &str) -> f32 {
    overlap(&shingles(a), &shingles(b))
}

/// For each text, the index of the earliest earlier text at or above
/// `threshold` similarity. Candidates come from an inverted shingle index.
pub fn link(texts: &[&str], threshold: f32) -> Vec<Option<usize>> {
    let sets: Vec<Vec<u64>> = texts.iter().map(|t| shingles(t)).collect();
    let mut index = Postings::with_capacity(sets.iter().map(Vec::len).sum());
    let mut out = Vec::with_capacity(texts.len());
    // Candidate marks and list reused across texts: a flag per earlier text
    // is cheaper than hashing every posting into a fresh map.
    let mut marked = vec![false; texts.len()];
    let mut cands: Vec<usize> = Vec::new();
    for (i, si) in sets.iter().enumerate() {
        cands.clear();
        for sh in si {
            for j in index.texts_with(*sh) {
                if let Some(m) = marked.get_mut(j)
                    && !*m
                {
                    *m = true;
                    cands.push(j);
                }
            }
        }
        for &j in &cands {
            if let Some(m) = marked.get_mut(j) {
                *m = false;
            }
        }
        cands.sort_unstable();
        let found = cands
            .iter()
            .copied()
            .find(|&j| sets.get(j).is_some_and(|sj| overlap(si, sj) >= threshold));
        out.push(found);
        for sh in si {
            index.add(*sh, i);
        }
    }
    out
}

/// Shingle to the texts containing it, as linked lists in one arena so a
/// new shingle costs no allocation of its own.
struct Postings {
    /// Shingle to (latest entry in `entries`, list length).
    heads: FastMap<u64, (usize, usize)>,
    /// (text index, previous entry for the same shingle).
    entries: Vec<(usize, Option<usize>)>,
}

impl Postings {
    fn with_capacity(n: usize) -> Self {
        let mut heads = FastMap::default();
        heads.reserve(n);
        Postings {
            heads,
            entries: Vec::with_capacity(n),
        }
    }

    fn add(&mut self, shingle: u64, text: usize) {
        let slot = self.heads.entry(shingle).or_insert((usize::MAX, 0));
        if slot.1 < MAX_POSTINGS {
            let prev = (slot.1 > 0).then_some(slot.0);
            *slot = (self.entries.len(), slot.1 + 1);
            self.entries.push((text, prev));
        }
    }

    fn texts_with(&self, shingle: u64) -> impl Iterator<Item = usize> + '_ {
        let mut next = self.heads.get(&shingle).map(|&(head, _)| head);
        std::iter::from_fn(move || {
            let (text, prev) = *self.entries.get(next?)?;
            next = prev;
            Some(text)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restatement_is_similar() {
        let a = "More immediately, U.S. access to Venezuela’s vast oil reserves could drive down global prices, threatening one of Russia’s most vital sources of income.";
        let b = "A more immediate concern for Russia, however, is oil: U.S. access to Venezuela’s vast reserves could drive down global prices, threatening one of Russia’s key sources of income.";
        assert!(similarity(a, b) >= 0.6, "{}", similarity(a, b));
        assert!(
            similarity(
                a,
                "Moscow has also provided Venezuela with billions of dollars in loans."
            ) < 0.3
        );
        assert_eq!(link(&[a, "x y z w v", b], 0.6), vec![None, None, Some(0)]);
    }

    #[test]
    fn identical_and_empty() {
        assert_eq!(similarity("", ""), 0.0);
        let s = "the cat sat on the mat today";
        assert!((similarity(s, s) - 1.0).abs() < 1e-6);
    }
}
