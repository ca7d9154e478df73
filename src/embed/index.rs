//! Nearest neighbours over unit embeddings held as int8: 384 bytes and one scale per vector,
//! a quarter of the f32 size, so 100,000 fact-checks take about 40 MB. Search is exhaustive
//! (integer dot products over contiguous memory), exact up to the rounding of each component
//! to 1/127 of the vector's largest one, which moves a cosine by well under 0.01.
//!
//! Pure: the caller loads vectors from the database and keeps the index fresh.

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

fn dot(a: &[i8], b: &[i8]) -> i32 {
    // i8 × i8 products summed in i32 vectorise well and cannot overflow at 384 dimensions.
    a.iter()
        .zip(b)
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum()
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

    /// The `k` ids nearest to `query` by cosine, best first (ties by id).
    pub fn nearest(&self, query: &Quantised, k: usize) -> Vec<(i64, f32)> {
        if query.values.len() != DIMENSIONS || k == 0 {
            return Vec::new();
        }
        let mut scored: Vec<(f32, i64)> = (0..self.ids.len())
            .map(|slot| (self.score(query, slot), self.ids[slot]))
            .collect();
        let order = |a: &(f32, i64), b: &(f32, i64)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if scored.len() > k {
            scored.select_nth_unstable_by(k - 1, order);
            scored.truncate(k);
        }
        scored.sort_by(order);
        scored.into_iter().map(|(s, id)| (id, s)).collect()
    }
}

/// How many documents hold each term, to pick a query's rarest terms: full-text candidates
/// from those stay few however common the query's other words are.
#[derive(Debug, Default)]
pub struct TermCounts {
    term_ids: HashMap<String, u32>,
    counts: Vec<u32>,
    documents: HashMap<i64, Box<[u32]>>,
}

impl TermCounts {
    /// Records the distinct terms of document `id`, replacing what it held before.
    pub fn set(&mut self, id: i64, terms: &[String]) {
        self.remove(id);
        let mut ids: Vec<u32> = terms
            .iter()
            .map(|t| match self.term_ids.get(t) {
                Some(&i) => i,
                None => {
                    let i = self.counts.len() as u32;
                    self.term_ids.insert(t.clone(), i);
                    self.counts.push(0);
                    i
                }
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for &i in &ids {
            self.counts[i as usize] += 1;
        }
        self.documents.insert(id, ids.into_boxed_slice());
    }

    pub fn remove(&mut self, id: i64) {
        if let Some(old) = self.documents.remove(&id) {
            for &i in old.iter() {
                self.counts[i as usize] -= 1;
            }
        }
    }

    /// Documents holding `term`.
    pub fn count(&self, term: &str) -> u32 {
        self.term_ids
            .get(term)
            .map_or(0, |&i| self.counts[i as usize])
    }

    /// The query terms to search by: the rarest first while their documents add up to at
    /// most `budget` (always at least the rarest term found anywhere). Terms no document
    /// holds are left out; they cannot find anything.
    pub fn rarest<'t>(&self, terms: &'t [String], budget: u64) -> Vec<&'t str> {
        let mut counted: Vec<(u32, &str)> = terms
            .iter()
            .map(|t| (self.count(t), t.as_str()))
            .filter(|(n, _)| *n > 0)
            .collect();
        counted.sort_unstable();
        counted.dedup();
        let mut total = 0_u64;
        let mut picked = Vec::new();
        for (n, term) in counted {
            total += u64::from(n);
            if total > budget && !picked.is_empty() {
                break;
            }
            picked.push(term);
        }
        picked
    }
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
    fn rarest_terms_fit_the_budget() {
        let mut counts = TermCounts::default();
        let s = |v: &[&str]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        for id in 0..100 {
            let mut terms = s(&["common"]);
            if id < 10 {
                terms.push("fewer".into());
            }
            if id == 0 {
                terms.push("rare".into());
            }
            counts.set(id, &terms);
        }
        let query = s(&["common", "rare", "fewer", "absent"]);
        assert_eq!(counts.rarest(&query, 20), vec!["rare", "fewer"]);
        assert_eq!(counts.rarest(&query, 1000), vec!["rare", "fewer", "common"]);
        assert_eq!(counts.rarest(&s(&["common"]), 5), vec!["common"]);
        counts.set(0, &s(&["common"]));
        assert_eq!(counts.count("rare"), 0);
        assert_eq!(counts.count("fewer"), 9);
        counts.remove(1);
        assert_eq!(counts.count("common"), 99);
    }
}
