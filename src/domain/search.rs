//! Limits on free-text search. Full-text search time grows with the number of terms (each one
//! is a lookup in the index and a condition on every candidate), so a query is bounded before
//! it reaches the database.

/// Longest search text, in characters.
pub const MAX_CHARS: usize = 200;
/// Most words (terms) in one search.
pub const MAX_TERMS: usize = 10;
/// Longest a text search may run in the database, in milliseconds. Some searches cannot be
/// answered from the full-text index alone (a quoted phrase needs word positions, which the
/// index does not hold, so every claim holding all its words is read and checked); past this
/// budget the search is stopped and refused with [`TOO_BROAD`].
pub const MAX_SEARCH_MS: u64 = 300;
/// Why a search that ran out of time was refused.
pub const TOO_BROAD: &str = "this search would read too many claims to answer quickly (its \
     words are common and a quoted phrase must be checked claim by claim); add a rarer word, \
     a filter, or drop the quotes";

/// The search text if it is within the limits, else a message saying which one it breaks.
pub fn checked(text: &str) -> Result<&str, String> {
    let chars = text.chars().count();
    if chars > MAX_CHARS {
        return Err(format!(
            "the search text has {chars} characters; at most {MAX_CHARS} are allowed"
        ));
    }
    let terms = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .count();
    if terms > MAX_TERMS {
        return Err(format!(
            "the search has {terms} words; at most {MAX_TERMS} are allowed"
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_beyond_the_limits_are_refused_with_the_reason() {
        assert_eq!(
            checked("S-300 missiles Eastland"),
            Ok("S-300 missiles Eastland")
        );
        assert!(checked(&"a ".repeat(MAX_TERMS)).is_ok());
        let many = checked(&"oil ".repeat(MAX_TERMS + 1)).unwrap_err();
        assert!(many.contains("11 words"), "{many}");
        let long = checked(&"x".repeat(MAX_CHARS + 1)).unwrap_err();
        assert!(long.contains("201 characters"), "{long}");
        // Punctuation does not hide terms from the count.
        assert!(checked(&"oil,".repeat(MAX_TERMS + 1)).is_err());
    }
}
