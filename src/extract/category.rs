//! Claim categories and the lexicon-weighted rule that assigns them.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::entities::{Entity, EntityKind};
use super::lexicon::{CATEGORY_TERMS, FastMap, Term};
use super::words::hyphenated_words;

/// Topic of a claim; serialised in lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Arms,
    Finance,
    Energy,
    Military,
    Diplomacy,
    Politics,
    Economy,
    Other,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::Arms,
        Category::Finance,
        Category::Energy,
        Category::Military,
        Category::Diplomacy,
        Category::Politics,
        Category::Economy,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Arms => "arms",
            Category::Finance => "finance",
            Category::Energy => "energy",
            Category::Military => "military",
            Category::Diplomacy => "diplomacy",
            Category::Politics => "politics",
            Category::Economy => "economy",
            Category::Other => "other",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown category name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCategory(pub String);

impl fmt::Display for UnknownCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown category {:?}", self.0)
    }
}

impl std::error::Error for UnknownCategory {}

impl FromStr for Category {
    type Err = UnknownCategory;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| UnknownCategory(s.to_string()))
    }
}

/// Lowercased words; hyphens stay inside words so "air-defense" and
/// "s-300vm" survive as single tokens.
fn words(lower: &str) -> Vec<&str> {
    let mut out = Vec::with_capacity(lower.len() / 6 + 1);
    out.extend(
        hyphenated_words(lower)
            .map(|w| w.trim_matches('-'))
            .filter(|w| !w.is_empty()),
    );
    out
}

/// Category terms indexed for one pass over the words: exact first words in
/// a map, single-word prefix terms ("loan*") in a list.
struct Index {
    by_first: FastMap<String, Vec<(usize, &'static Term)>>,
    /// Bucketed by first byte so each word checks only a few prefixes.
    prefixes: Vec<Vec<(usize, &'static Term)>>,
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut by_first: FastMap<String, Vec<(usize, &'static Term)>> = FastMap::default();
    let mut prefixes: Vec<Vec<(usize, &'static Term)>> = vec![Vec::new(); 256];
    for (ci, (_, terms)) in CATEGORY_TERMS.iter().enumerate() {
        for t in terms {
            match t.words.as_slice() {
                [only] if t.prefix => {
                    let b = only.bytes().next().map_or(0, usize::from);
                    if let Some(bucket) = prefixes.get_mut(b) {
                        bucket.push((ci, t));
                    }
                }
                [first, ..] => by_first.entry(first.clone()).or_default().push((ci, t)),
                [] => {}
            }
        }
    }
    Index { by_first, prefixes }
});

fn term_matches(t: &Term, ws: &[&str]) -> bool {
    let n = t.words.len();
    ws.len() >= n
        && ws.iter().zip(&t.words).enumerate().all(|(i, (w, tw))| {
            if t.prefix && i + 1 == n {
                w.starts_with(tw.as_str())
            } else {
                *w == tw
            }
        })
}

/// Weight of one weapon system for arms, and the most all of them add.
const WEAPON_WEIGHT: f32 = 2.0;
const WEAPON_CAP: f32 = 4.0;
/// A claim that something was paid for with a loan or credit is about the
/// loan, whatever it bought.
const PAID_WITH_LOAN: f32 = 6.0;

/// "paid for … with a loan", "financed with a credit", "funded by bonds".
fn paid_with_loan(ws: &[&str]) -> bool {
    let paid = ws
        .windows(2)
        .any(|p| matches!(p[0], "paid" | "pay" | "pays" | "paying") && p[1] == "for")
        || ws
            .iter()
            .any(|w| matches!(*w, "financed" | "funded" | "bankrolled"));
    paid && ws.iter().any(|w| {
        w.starts_with("loan")
            || w.starts_with("credit")
            || w.starts_with("borrow")
            || w.starts_with("bond")
    })
}

/// The category whose lexicon terms carry the most weight in the claim, with
/// entity kinds as evidence (a weapon system for arms, an amount for finance)
/// and one rule of precedence: a purchase paid for with a loan is finance.
/// Ties go to the earlier section of `data/extract/categories.txt` (arms,
/// military, finance, energy, economy, diplomacy, politics, other). `None`
/// when nothing in the claim points anywhere.
pub fn categorize_evidence(text: &str, entities: &[Entity]) -> Option<Category> {
    let lower = text.to_ascii_lowercase();
    let ws = words(&lower);
    let mut scores = vec![0.0f32; CATEGORY_TERMS.len()];
    let idx = &*INDEX;
    for i in 0..ws.len() {
        let rest = ws.get(i..).unwrap_or(&[]);
        let Some(w) = rest.first() else { break };
        if let Some(cands) = idx.by_first.get(*w) {
            for (ci, t) in cands {
                if term_matches(t, rest)
                    && let Some(s) = scores.get_mut(*ci)
                {
                    *s += t.weight;
                }
            }
        }
        let bucket = w
            .bytes()
            .next()
            .and_then(|b| idx.prefixes.get(usize::from(b)));
        for (ci, t) in bucket.into_iter().flatten() {
            if t.words.first().is_some_and(|p| w.starts_with(p.as_str()))
                && let Some(s) = scores.get_mut(*ci)
            {
                *s += t.weight;
            }
        }
    }
    let weapons = entities
        .iter()
        .filter(|e| e.kind == EntityKind::WeaponSystem)
        .count() as f32;
    let money = entities.iter().any(|e| e.kind == EntityKind::Money);
    let loan_paid = paid_with_loan(&ws);
    let mut best: Option<(Category, f32)> = None;
    for ((cat, _), mut score) in CATEGORY_TERMS.iter().zip(scores) {
        match cat {
            Category::Arms => score += (weapons * WEAPON_WEIGHT).min(WEAPON_CAP),
            Category::Finance if money => score += 0.5,
            _ => {}
        }
        if *cat == Category::Finance && loan_paid {
            score += PAID_WITH_LOAN;
        }
        if score > best.map_or(0.0, |b| b.1) {
            best = Some((*cat, score));
        }
    }
    best.map(|b| b.0)
}

/// [`categorize_evidence`], or `Other` when nothing points anywhere.
#[cfg(test)]
pub fn categorize(text: &str, entities: &[Entity]) -> Category {
    categorize_evidence(text, entities).unwrap_or(Category::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_names() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(c));
            assert_eq!(
                serde_json::to_string(&c).ok(),
                Some(format!("\"{}\"", c.as_str()))
            );
        }
        assert!("weapons".parse::<Category>().is_err());
    }

    #[test]
    fn simple_rules() {
        assert_eq!(
            categorize("Moscow provided billions of dollars in loans.", &[]),
            Category::Finance
        );
        assert_eq!(
            categorize("Oil output reached 2 million barrels a day.", &[]),
            Category::Energy
        );
        assert_eq!(
            categorize("Troops launched a raid on the capital.", &[]),
            Category::Military
        );
        assert_eq!(categorize("The weather was nice.", &[]), Category::Other);
    }

    fn cat(s: &str) -> Category {
        categorize(
            s,
            &crate::extract::entities::find(s, 0, &Default::default(), false),
        )
    }

    #[test]
    fn what_the_claim_asserts() {
        use Category::*;
        // A purchase paid for with a loan is about the loan …
        assert_eq!(
            cat("Ghana paid for the Mi-24 gunships with a $40 million credit from a state bank."),
            Finance
        );
        // … but the loan's money going into an overhaul is about the overhaul.
        assert_eq!(
            cat("Half of the credit will go toward repairing six Su-25 jets and their engines."),
            Arms
        );
        assert_eq!(
            cat("Reservists began a week of drills with 300 troops near the border."),
            Military
        );
        assert_eq!(
            cat("Public debt stood at 71 percent of gross domestic product in 2023."),
            Finance
        );
        assert_eq!(
            cat("The cedi has lost 9 percent against the dollar since March."),
            Economy
        );
        assert_eq!(
            cat("Crude exports averaged 1.1 million barrels per day in May."),
            Energy
        );
        assert_eq!(
            cat("The two countries agreed to drop visa requirements for diplomats."),
            Diplomacy
        );
        assert_eq!(
            cat("The senate committee voted 6-3 to hold a hearing on the bill."),
            Politics
        );
        assert_eq!(
            cat("A landslide killed 12 people in the north of the province."),
            Other
        );
    }

    /// The misfilings seen on real reporting, in sentences of our own.
    #[test]
    fn cases_that_used_to_be_misfiled() {
        use Category::*;
        assert_eq!(
            cat("Talks between the two foreign ministers in Hanoi produced a visa accord."),
            Diplomacy
        );
        assert_eq!(
            cat("About $9 billion poured into road and rail projects between 2010 and 2020."),
            Finance
        );
        assert_eq!(
            cat("The government restructured $2 billion of debt owed to Chinese lenders."),
            Finance
        );
        assert_eq!(
            cat("Foreign-exchange reserves fell to $1.1 billion in June."),
            Finance
        );
        assert_eq!(
            cat("The price of Brent crude rose to $84 a barrel on Thursday."),
            Energy
        );
        assert_eq!(
            cat("The contract covers overhauls of eight engines and five radars."),
            Arms
        );
    }
}
