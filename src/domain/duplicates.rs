//! When two claims from different articles are the same claim. Sentence embeddings see a
//! paraphrase ("Russia lent Venezuela $17 billion" and "Venezuela received 17 billion dollars
//! in loans from Russia") but hardly see a changed figure: "$12 billion" scores higher than the
//! paraphrase. So the embedding proposes and the figures decide: two claims are duplicates when
//! their cosine reaches the threshold and neither states a number the other contradicts.

use std::collections::BTreeSet;

/// Whether two claims are the same claim: similar enough, and their numbers agree.
pub fn same_claim(cosine: f32, threshold: f32, a: &str, b: &str) -> bool {
    cosine >= threshold && numbers_agree(a, b)
}

/// Whether the numbers in two texts agree: one text's numbers are all in the other's (a claim
/// may give fewer details than its repeat, but no different ones). Text without numbers
/// agrees with any.
pub fn numbers_agree(a: &str, b: &str) -> bool {
    let (a, b) = (numbers(a), numbers(b));
    a.is_subset(&b) || b.is_subset(&a)
}

/// The numbers written in digits, thousands separators dropped ("700,000" is "700000"); a
/// decimal point between digits stays ("2.5").
fn numbers(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            current.push(c);
            continue;
        }
        let joins = matches!(c, ',' | '.')
            && !current.is_empty()
            && chars.peek().is_some_and(char::is_ascii_digit);
        if joins {
            if c == '.' {
                current.push('.');
            }
            continue;
        }
        if !current.is_empty() {
            found.insert(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        found.insert(current);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_with_separators_and_decimals() {
        let found: Vec<String> =
            numbers("Output fell to 700,000 barrels, down 2.5% in 2020. Then 3.")
                .into_iter()
                .collect();
        assert_eq!(found, vec!["2.5", "2020", "3", "700000"]);
        assert!(numbers("no figures here").is_empty());
    }

    #[test]
    fn a_changed_figure_is_another_claim_and_fewer_details_are_the_same_one() {
        let first = "Russia lent Venezuela $17 billion between 2006 and 2017.";
        assert!(numbers_agree(
            first,
            "Venezuela received 17 billion dollars in loans from Russia from 2006 to 2017."
        ));
        assert!(numbers_agree(
            first,
            "Russian loans to Venezuela reached $17bn by 2017."
        ));
        assert!(numbers_agree(first, "Russia lent Venezuela billions."));
        assert!(!numbers_agree(
            first,
            "Russia lent Venezuela $12 billion between 2006 and 2017."
        ));
        assert!(!numbers_agree(
            "Prices rose in 2023.",
            "Prices rose in 2024."
        ));
    }

    #[test]
    fn the_threshold_and_the_numbers_both_decide() {
        let a = "Oil output fell to 700,000 barrels a day.";
        let b = "Daily oil production dropped to 700000 barrels.";
        assert!(same_claim(0.85, 0.8, a, b));
        assert!(!same_claim(0.75, 0.8, a, b));
        assert!(!same_claim(
            0.95,
            0.8,
            a,
            "Oil output fell to 600,000 barrels a day."
        ));
    }
}
