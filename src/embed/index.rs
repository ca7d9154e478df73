//! Nearest neighbours over unit embeddings held as int8: 384 bytes and one scale per vector,
//! a quarter of the f32 size, so 100,000 fact-checks take about 40 MB. Search is exhaustive
//! (integer dot products over contiguous memory), exact up to the rounding of each component
//! to 1/127 of the vector's largest one, which moves a cosine by well under 0.01. Beside it,
//! a BM25 term index for the lexical side of matching.
//!
//! Pure: the caller loads vectors and terms from the database and keeps the indexes fresh.

use std::collections::HashMap;

use super::DIMENSIONS;

/// A vector rounded to int8 with its scale: component ≈ `values[i] * scale`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantised {
    pub values: Vec<i8>,
    pub scale: f32,
}

/// Rounds a vector to int8 so its largest component becomes ±127.
pub fn quantise(v: &[f32]) -> Quantised {
    let top = v.iter().map(|x| x.abs()).fold(0.0_f32, f32::max);
    let scale = if top > 0.0 { top / 127.0 } else { 1.0 };
    Quantised {
        values: v
            .iter()
            .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8)
            .collect(),
        scale,
    }
}

/// Lanes of the dot product: 384 dimensions are 12 blocks of them.
const LANES: usize = 32;

fn dot(a: &[i8], b: &[i8]) -> i32 {
    // Each i8 × i8 product fits an i16; summing them lane by lane into i32 accumulators is a
    // shape the compiler turns into packed multiply-adds (1.6–1.9× the plain iterator's speed
    // over 100,000 vectors, measured). No overflow at 384 dimensions.
    let mut lanes = [0_i32; LANES];
    let blocks = a.chunks_exact(LANES).zip(b.chunks_exact(LANES));
    for (x, y) in blocks {
        for i in 0..LANES {
            lanes[i] += i32::from(i16::from(x[i]) * i16::from(y[i]));
        }
    }
    let tail = a.len().min(b.len()) / LANES * LANES;
    let rest: i32 = a[tail..]
        .iter()
        .zip(&b[tail..])
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum();
    lanes.iter().sum::<i32>() + rest
}

/// Vectors keyed by a row id; insertion replaces, removal swaps the last vector in.
#[derive(Debug, Default)]
pub struct VectorIndex {
    ids: Vec<i64>,
    scales: Vec<f32>,
    values: Vec<i8>,
    slots: HashMap<i64, usize>,
}

impl VectorIndex {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Stores `vector` for `id`; a vector of the wrong length removes it instead.
    pub fn insert(&mut self, id: i64, vector: &[f32]) {
        if vector.len() != DIMENSIONS {
            self.remove(id);
            return;
        }
        let q = quantise(vector);
        match self.slots.get(&id) {
            Some(&slot) => {
                self.scales[slot] = q.scale;
                self.values[slot * DIMENSIONS..(slot + 1) * DIMENSIONS].copy_from_slice(&q.values);
            }
            None => {
                self.slots.insert(id, self.ids.len());
                self.ids.push(id);
                self.scales.push(q.scale);
                self.values.extend_from_slice(&q.values);
            }
        }
    }

    pub fn remove(&mut self, id: i64) {
        let Some(slot) = self.slots.remove(&id) else {
            return;
        };
        let last = self.ids.len() - 1;
        if slot != last {
            let moved = self.ids[last];
            self.ids[slot] = moved;
            self.scales[slot] = self.scales[last];
            self.values.copy_within(
                last * DIMENSIONS..(last + 1) * DIMENSIONS,
                slot * DIMENSIONS,
            );
            self.slots.insert(moved, slot);
        }
        self.ids.pop();
        self.scales.pop();
        self.values.truncate(last * DIMENSIONS);
    }

    fn score(&self, query: &Quantised, slot: usize) -> f32 {
        let v = &self.values[slot * DIMENSIONS..(slot + 1) * DIMENSIONS];
        dot(&query.values, v) as f32 * query.scale * self.scales[slot]
    }

    /// The cosine of `query` with the vector stored for `id`, if one is.
    pub fn cosine(&self, query: &Quantised, id: i64) -> Option<f32> {
        let &slot = self.slots.get(&id)?;
        (query.values.len() == DIMENSIONS).then(|| self.score(query, slot))
    }

    /// The vector stored for `id`, as stored.
    pub fn get(&self, id: i64) -> Option<Quantised> {
        let &slot = self.slots.get(&id)?;
        Some(Quantised {
            values: self.values[slot * DIMENSIONS..(slot + 1) * DIMENSIONS].to_vec(),
            scale: self.scales[slot],
        })
    }

    /// The `k` ids nearest to `query` by cosine, best first (ties by id).
    pub fn nearest(&self, query: &Quantised, k: usize) -> Vec<(i64, f32)> {
        self.nearest_where(query, k, |_| true)
    }

    /// The `k` ids nearest to `query` among those `keep` accepts, best first (ties by id).
    pub fn nearest_where(
        &self,
        query: &Quantised,
        k: usize,
        keep: impl Fn(i64) -> bool,
    ) -> Vec<(i64, f32)> {
        if query.values.len() != DIMENSIONS || k == 0 {
            return Vec::new();
        }
        let mut scored: Vec<(f32, i64)> = (0..self.ids.len())
            .filter(|&slot| keep(self.ids[slot]))
            .map(|slot| (self.score(query, slot), self.ids[slot]))
            .collect();
        top_k(&mut scored, k);
        scored.into_iter().map(|(s, id)| (id, s)).collect()
    }
}

/// Okapi BM25's constants, the usual ones (term saturation and length normalisation); not
/// tuned (see BENCHMARKS.md, claim matching).
const BM25_K1: f32 = 1.2;
const BM25_B: f32 = 0.75;

/// A document's terms in a [`TermIndex`].
#[derive(Debug)]
struct Document {
    slot: u32,
    terms: Box<[(u32, u32)]>,
    length: u32,
}

/// Full-text search by Okapi BM25 over documents given as (term, count) lists: an inverted
/// index with term document counts. The terms are whatever the caller's text analysis makes
/// (claimdesk gives PostgreSQL's English lexemes, so a query and its documents are stemmed
/// alike). Removal only marks a document's postings dead; they are swept once the dead ones
/// outnumber the live ones, so updates cost about as much as inserts.
#[derive(Debug, Default)]
pub struct TermIndex {
    term_ids: HashMap<String, u32>,
    /// Live documents holding each term.
    counts: Vec<u32>,
    /// Per term: (slot, count in that document); slots of removed documents linger.
    postings: Vec<Vec<(u32, u32)>>,
    documents: HashMap<i64, Document>,
    /// Per slot: the document's id while it is live.
    slots: Vec<Option<i64>>,
    /// Per slot: the document's length in term occurrences.
    lengths: Vec<u32>,
    total_length: u64,
    dead_postings: usize,
    live_postings: usize,
}

impl TermIndex {
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    /// Records document `id`'s terms with their counts, replacing what it held before.
    /// `terms` and `counts` pair up; a count of 0 counts as 1.
    pub fn set(&mut self, id: i64, terms: &[String], counts: &[u32]) {
        self.remove(id);
        let mut held: Vec<(u32, u32)> = terms
            .iter()
            .zip(counts.iter().chain(std::iter::repeat(&1)))
            .map(|(t, &n)| (self.term_id(t), n.max(1)))
            .collect();
        held.sort_unstable();
        held.dedup_by(|next, kept| {
            let same = next.0 == kept.0;
            if same {
                kept.1 += next.1;
            }
            same
        });
        if held.is_empty() {
            // Nothing to find it by: a document without terms is not held at all.
            return;
        }
        let slot = self.slots.len() as u32;
        let length: u32 = held.iter().map(|&(_, n)| n).sum();
        for &(term, n) in &held {
            self.counts[term as usize] += 1;
            self.postings[term as usize].push((slot, n));
        }
        self.live_postings += held.len();
        self.slots.push(Some(id));
        self.lengths.push(length);
        self.total_length += u64::from(length);
        self.documents.insert(
            id,
            Document {
                slot,
                terms: held.into_boxed_slice(),
                length,
            },
        );
    }

    fn term_id(&mut self, term: &str) -> u32 {
        if let Some(&i) = self.term_ids.get(term) {
            return i;
        }
        let i = self.counts.len() as u32;
        self.term_ids.insert(term.to_owned(), i);
        self.counts.push(0);
        self.postings.push(Vec::new());
        i
    }

    pub fn remove(&mut self, id: i64) {
        let Some(doc) = self.documents.remove(&id) else {
            return;
        };
        for &(term, _) in doc.terms.iter() {
            self.counts[term as usize] -= 1;
        }
        self.slots[doc.slot as usize] = None;
        self.total_length -= u64::from(doc.length);
        self.live_postings -= doc.terms.len();
        self.dead_postings += doc.terms.len();
        if self.dead_postings > self.live_postings.max(1024) {
            self.sweep();
        }
    }

    /// Drops dead postings and renumbers the live documents' slots densely.
    fn sweep(&mut self) {
        let mut renumbered = vec![u32::MAX; self.slots.len()];
        let mut slots = Vec::with_capacity(self.documents.len());
        let mut lengths = Vec::with_capacity(self.documents.len());
        for (old, id) in self.slots.iter().enumerate() {
            if let Some(id) = id {
                renumbered[old] = slots.len() as u32;
                slots.push(Some(*id));
                lengths.push(self.lengths[old]);
            }
        }
        for list in &mut self.postings {
            list.retain_mut(|(slot, _)| {
                *slot = renumbered[*slot as usize];
                *slot != u32::MAX
            });
        }
        for doc in self.documents.values_mut() {
            doc.slot = renumbered[doc.slot as usize];
        }
        self.slots = slots;
        self.lengths = lengths;
        self.dead_postings = 0;
    }

    /// Documents holding `term`.
    pub fn count(&self, term: &str) -> u32 {
        self.term_ids
            .get(term)
            .map_or(0, |&i| self.counts[i as usize])
    }

    /// What scoring a query needs once, not per document: its known terms (each once) with
    /// their inverse document frequencies, and the average document length.
    fn prepare(&self, query: &[String]) -> PreparedQuery {
        let live = self.documents.len() as f32;
        let mut terms: Vec<u32> = query
            .iter()
            .filter_map(|t| self.term_ids.get(t).copied())
            .filter(|&i| self.counts[i as usize] > 0)
            .collect();
        terms.sort_unstable();
        terms.dedup();
        let terms = terms
            .into_iter()
            .map(|i| {
                let n = self.counts[i as usize] as f32;
                (i, (1.0 + (live - n + 0.5) / (n + 0.5)).ln())
            })
            .collect();
        let average = self.total_length as f32 / self.documents.len().max(1) as f32;
        PreparedQuery {
            terms,
            average: average.max(1.0),
        }
    }

    /// The `k` documents with the highest BM25 score for `query`'s terms, best first (ties
    /// by id); documents sharing no term are not returned.
    pub fn search(&self, query: &[String], k: usize) -> Vec<(i64, f32)> {
        let query = self.prepare(query);
        let mut scores: HashMap<u32, f32> = HashMap::new();
        for &(term, idf) in &query.terms {
            for &(slot, count) in &self.postings[term as usize] {
                if self.slots[slot as usize].is_some() {
                    *scores.entry(slot).or_default() +=
                        query.term_score(idf, count, self.lengths[slot as usize]);
                }
            }
        }
        let mut scored: Vec<(f32, i64)> = scores
            .into_iter()
            .filter_map(|(slot, s)| self.slots[slot as usize].map(|id| (s, id)))
            .collect();
        top_k(&mut scored, k);
        scored.into_iter().map(|(s, id)| (id, s)).collect()
    }

    /// The BM25 score of each document of `ids` for `query`'s terms, in order (0 for an
    /// unknown document).
    pub fn scores(&self, query: &[String], ids: &[i64]) -> Vec<f32> {
        let query = self.prepare(query);
        ids.iter()
            .map(|id| {
                let Some(doc) = self.documents.get(id) else {
                    return 0.0;
                };
                query
                    .terms
                    .iter()
                    .filter_map(|&(term, idf)| {
                        let at = doc.terms.binary_search_by_key(&term, |&(t, _)| t).ok()?;
                        Some(query.term_score(idf, doc.terms[at].1, doc.length))
                    })
                    .sum()
            })
            .collect()
    }
}

/// A query prepared for BM25 scoring against one state of a [`TermIndex`].
struct PreparedQuery {
    terms: Vec<(u32, f32)>,
    /// Average document length (at least 1).
    average: f32,
}

impl PreparedQuery {
    fn term_score(&self, idf: f32, count: u32, length: u32) -> f32 {
        let count = count as f32;
        let norm = BM25_K1 * (1.0 - BM25_B + BM25_B * length as f32 / self.average);
        idf * count * (BM25_K1 + 1.0) / (count + norm)
    }
}

/// Keeps the `k` best of (score, id) pairs, best first, ties by id.
fn top_k(scored: &mut Vec<(f32, i64)>, k: usize) {
    let order = |a: &(f32, i64), b: &(f32, i64)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if k == 0 {
        scored.clear();
        return;
    }
    if scored.len() > k {
        scored.select_nth_unstable_by(k - 1, order);
        scored.truncate(k);
    }
    scored.sort_by(order);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(seed: u32) -> Vec<f32> {
        // A deterministic spread of components, normalised.
        let mut v: Vec<f32> = (0..DIMENSIONS as u32)
            .map(|i| (((i * 7919 + seed * 104_729) % 1000) as f32 / 500.0) - 1.0)
            .collect();
        crate::embed::normalise(&mut v);
        v
    }

    #[test]
    fn quantised_cosines_are_close_to_exact_ones() {
        let mut index = VectorIndex::default();
        for seed in 0..50 {
            index.insert(i64::from(seed), &unit(seed));
        }
        let query = unit(7);
        let q = quantise(&query);
        for seed in 0..50 {
            let exact = crate::embed::cosine(&query, &unit(seed));
            let approx = index.cosine(&q, i64::from(seed)).unwrap();
            assert!((exact - approx).abs() < 0.01, "{exact} vs {approx}");
        }
        let best = index.nearest(&q, 3);
        assert_eq!(best.len(), 3);
        assert_eq!(best[0].0, 7);
        assert!(best[0].1 >= best[1].1 && best[1].1 >= best[2].1);
    }

    #[test]
    fn the_blocked_dot_product_equals_the_plain_one() {
        let a: Vec<i8> = (0..DIMENSIONS + 7)
            .map(|i| (i as i32 % 255 - 127) as i8)
            .collect();
        let b: Vec<i8> = (0..DIMENSIONS + 7)
            .map(|i| (127 - i as i32 * 7 % 255) as i8)
            .collect();
        for len in [0, 5, LANES, DIMENSIONS, DIMENSIONS + 7] {
            let plain: i32 = a[..len]
                .iter()
                .zip(&b[..len])
                .map(|(&x, &y)| i32::from(x) * i32::from(y))
                .sum();
            assert_eq!(dot(&a[..len], &b[..len]), plain, "{len}");
        }
        let extreme = vec![-127_i8; DIMENSIONS];
        assert_eq!(dot(&extreme, &extreme), 127 * 127 * DIMENSIONS as i32);
    }

    #[test]
    fn replacing_and_removing_keep_slots_consistent() {
        let mut index = VectorIndex::default();
        for seed in 0..5 {
            index.insert(i64::from(seed), &unit(seed));
        }
        index.remove(1);
        index.insert(3, &unit(40));
        index.insert(4, &[0.5]); // the wrong length removes
        assert_eq!(index.len(), 3);
        let q = quantise(&unit(40));
        assert_eq!(index.nearest(&q, 1)[0].0, 3);
        assert!(index.cosine(&q, 1).is_none() && index.cosine(&q, 4).is_none());
        let q0 = quantise(&unit(0));
        assert!(index.cosine(&q0, 0).unwrap() > 0.99);
    }

    #[test]
    fn a_filtered_search_skips_what_it_excludes_and_get_returns_the_stored_vector() {
        let mut index = VectorIndex::default();
        for seed in 0..20 {
            index.insert(i64::from(seed), &unit(seed));
        }
        let q = index.get(7).expect("stored");
        assert_eq!(q, quantise(&unit(7)));
        assert_eq!(index.nearest(&q, 1)[0].0, 7);
        let others = index.nearest_where(&q, 5, |id| id != 7);
        assert_eq!(others.len(), 5);
        assert!(others.iter().all(|(id, _)| *id != 7));
        assert_eq!(others, index.nearest(&q, 6)[1..].to_vec());
        assert!(index.get(99).is_none());
    }

    fn terms(v: &[&str]) -> Vec<String> {
        v.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn bm25_prefers_rare_terms_repeated_terms_and_short_documents() {
        let mut index = TermIndex::default();
        for id in 0..20 {
            index.set(id, &terms(&["common", "filler"]), &[1, 3]);
        }
        index.set(100, &terms(&["common", "rare"]), &[1, 1]);
        index.set(101, &terms(&["common", "rare", "filler"]), &[1, 1, 8]);
        index.set(102, &terms(&["rare"]), &[3]);
        let query = terms(&["rare", "common", "absent"]);
        let found = index.search(&query, 10);
        let ids: Vec<i64> = found.iter().map(|f| f.0).collect();
        // The rare word three times; then once in a short document; then once in a long one.
        assert_eq!(&ids[..3], &[102, 100, 101]);
        assert_eq!(found.len(), 10);
        let scores = index.scores(&query, &[102, 999]);
        assert!((scores[0] - found[0].1).abs() < 1e-6);
        assert_eq!(scores[1], 0.0);
        assert!(index.search(&terms(&["absent"]), 5).is_empty());
        assert_eq!(index.count("rare"), 3);
    }

    #[test]
    fn replaced_and_removed_documents_leave_the_term_index() {
        let mut index = TermIndex::default();
        for id in 0..3000 {
            index.set(id, &terms(&["word", &format!("t{id}")]), &[1, 1]);
        }
        // Replacing and removing thousands sweeps the dead postings along the way.
        for id in 0..2500 {
            index.set(id, &terms(&["other"]), &[2]);
        }
        for id in 0..1000 {
            index.remove(id);
        }
        assert_eq!(index.len(), 2000);
        assert_eq!(index.count("word"), 500);
        assert_eq!(index.count("other"), 1500);
        assert_eq!(index.count("t5"), 0);
        assert!(index.search(&terms(&["t5"]), 3).is_empty());
        assert_eq!(index.search(&terms(&["t2999"]), 3)[0].0, 2999);
        let others = index.search(&terms(&["other"]), 5000);
        assert_eq!(others.len(), 1500);
        assert!(others.iter().all(|&(id, _)| (1000..2500).contains(&id)));
        // A count of zero counts once; a repeated term adds up.
        index.set(7, &terms(&["x", "x"]), &[0, 2]);
        assert_eq!(index.documents[&7].terms.len(), 1);
        assert_eq!(index.documents[&7].length, 3);
        // A document without terms is not held.
        index.set(7, &[], &[]);
        assert!(!index.documents.contains_key(&7));
    }
}
