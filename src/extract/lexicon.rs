//! Lexicon data files compiled into the binary and parsed once on first use.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use super::category::Category;

static CATEGORIES_TXT: &str = include_str!("../../data/extract/categories.txt");
static WEAPONS_TXT: &str = include_str!("../../data/extract/weapons.txt");
static PLACES_TXT: &str = include_str!("../../data/extract/places.txt");
static ORGS_TXT: &str = include_str!("../../data/extract/organizations.txt");
static SPEECH_TXT: &str = include_str!("../../data/extract/speech_verbs.txt");
static UNITS_TXT: &str = include_str!("../../data/extract/units.txt");
static PERSONS_TXT: &str = include_str!("../../data/extract/persons.txt");
static PUBLICATIONS_TXT: &str = include_str!("../../data/extract/publications.txt");

/// Words that end an organisation's name ("Harbour Capital", "Volta Energy"): claimants
/// and entities alike are organisations when their name ends so.
pub const ORG_NAME_ENDINGS: &[&str] = &[
    "Capital",
    "Institution",
    "Institute",
    "Corp",
    "Corporation",
    "Inc",
    "Ltd",
    "LLC",
    "PLC",
    "plc",
    "Group",
    "Bank",
    "Agency",
    "Fund",
    "Forum",
    "Company",
    "Co",
    "Holdings",
    "Partners",
    "Association",
    "Foundation",
    "University",
    "Centre",
    "Center",
    "Trading",
    "Refining",
    "Energy",
    "Petroleum",
    "Oil",
    "Gas",
    "Airlines",
    "Industries",
    "Systems",
    "Aerospace",
    "Avionics",
    "Securities",
    "Investments",
    "Advisors",
    "Advisers",
    "Consulting",
    "Research",
    "Analytics",
    "Exchange",
    "Union",
    "Organization",
    "Organisation",
    "Council",
    "Board",
];

/// Word-at-a-time multiplicative hasher for short, trusted-shape keys.
/// SipHash's flooding resistance is not needed for lookups into fixed
/// lexicons and per-article tables, and it dominated extraction time.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            for (d, s) in w.iter_mut().zip(rest) {
                *d = *s;
            }
            self.add(u64::from_le_bytes(w) ^ (rest.len() as u64) << 56);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FastHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

pub type FastBuild = BuildHasherDefault<FastHasher>;
pub type FastSet<T> = HashSet<T, FastBuild>;
pub type FastMap<K, V> = HashMap<K, V, FastBuild>;

/// Non-comment, non-blank trimmed lines.
fn lines(src: &str) -> impl Iterator<Item = &str> {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// One category term: a word sequence, the last word optionally a prefix.
#[derive(Debug)]
pub struct Term {
    pub words: Vec<String>,
    pub prefix: bool,
    pub weight: f32,
}

pub static CATEGORY_TERMS: LazyLock<Vec<(Category, Vec<Term>)>> = LazyLock::new(|| {
    let mut out: Vec<(Category, Vec<Term>)> = Vec::new();
    for l in lines(CATEGORIES_TXT) {
        if let Some(name) = l.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            if let Ok(cat) = name.parse::<Category>() {
                out.push((cat, Vec::new()));
            }
            continue;
        }
        let (term, weight) = match l.split_once('=') {
            Some((t, w)) => (t.trim(), w.trim().parse().unwrap_or(1.0)),
            None => (l, 1.0),
        };
        let prefix = term.ends_with('*');
        let words: Vec<String> = term
            .trim_end_matches('*')
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        if let (false, Some(last)) = (words.is_empty(), out.last_mut()) {
            last.1.push(Term {
                words,
                prefix,
                weight,
            });
        }
    }
    out
});

pub static WEAPON_STEMS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut v: Vec<&str> = lines(WEAPONS_TXT).collect();
    // Longest first so "S-300" wins over a shorter overlapping stem.
    v.sort_by_key(|s| std::cmp::Reverse(s.len()));
    v
});

/// Multi-word entries are kept whole; matching is on capitalised word runs.
pub static PLACES: LazyLock<FastSet<&'static str>> = LazyLock::new(|| lines(PLACES_TXT).collect());
pub static ORGANIZATIONS: LazyLock<FastSet<&'static str>> =
    LazyLock::new(|| lines(ORGS_TXT).collect());
pub static PERSONS: LazyLock<FastSet<&'static str>> =
    LazyLock::new(|| lines(PERSONS_TXT).collect());
pub static PUBLICATIONS: LazyLock<FastSet<&'static str>> =
    LazyLock::new(|| lines(PUBLICATIONS_TXT).collect());
pub static SPEECH_VERBS: LazyLock<FastSet<&'static str>> =
    LazyLock::new(|| lines(SPEECH_TXT).collect());

/// Unit surface form (singular or plural) to its singular name.
pub static UNITS: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    let mut v = Vec::new();
    for l in lines(UNITS_TXT) {
        let mut it = l.split_whitespace();
        if let Some(sing) = it.next() {
            v.push((sing, sing));
            for p in it {
                v.push((p, sing));
            }
        }
    }
    v
});

pub fn unit_of(word: &str) -> Option<&'static str> {
    let w = word.to_lowercase();
    UNITS.iter().find(|(s, _)| *s == w).map(|(_, u)| *u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicons_parse() {
        assert_eq!(CATEGORY_TERMS.len(), 8);
        assert!(CATEGORY_TERMS.iter().all(|(_, t)| !t.is_empty()));
        assert!(WEAPON_STEMS.contains(&"Pantsir"));
        assert!(PLACES.contains("Venezuela"));
        assert!(SPEECH_VERBS.contains("wrote"));
        assert_eq!(unit_of("years"), Some("year"));
    }
}
