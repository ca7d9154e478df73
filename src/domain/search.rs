//! Limits on free-text search. Full-text search time grows with the number of terms (each one
//! is a lookup in the index and a condition on every candidate), so a query is bounded before
//! it reaches the database.

/// Longest search text, in characters.
pub const MAX_CHARS: usize = 200;
/// Most words (terms) in one search.
pub const MAX_TERMS: usize = 10;

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
