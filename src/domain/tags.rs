//! Tags as plain rules: what a tag name and a colour may be.

/// Longest tag name, in characters.
pub const MAX_TAG_CHARS: usize = 60;

/// A tag name: trimmed, one line, no commas (lists of tags are comma-separated in query
/// strings), at most [`MAX_TAG_CHARS`] characters.
pub fn checked_name(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() {
        return Err("give the tag a name".into());
    }
    if name.chars().count() > MAX_TAG_CHARS {
        return Err(format!("a tag name is at most {MAX_TAG_CHARS} characters"));
    }
    if name.contains([',', '\n', '\r', '\0']) {
        return Err("a tag name is one line without commas".into());
    }
    Ok(name.to_owned())
}

/// A colour as `#rrggbb` in lower case; `#RGB` and upper case are accepted and normalised.
pub fn checked_colour(text: &str) -> Result<String, String> {
    let hex = text.trim().strip_prefix('#').unwrap_or(text.trim());
    let refuse = || {
        format!(
            "{:?} is not a colour; use #rrggbb, for example #1f77b4",
            text.trim()
        )
    };
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(refuse());
    }
    let hex = hex.to_ascii_lowercase();
    match hex.len() {
        6 => Ok(format!("#{hex}")),
        3 => Ok(format!(
            "#{}",
            hex.chars().flat_map(|c| [c, c]).collect::<String>()
        )),
        _ => Err(refuse()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_are_trimmed_single_lines_without_commas() {
        assert_eq!(checked_name("  Élection 2026 "), Ok("Élection 2026".into()));
        assert!(checked_name("   ").is_err());
        assert!(checked_name("a,b").is_err());
        assert!(checked_name("a\nb").is_err());
        assert!(checked_name(&"x".repeat(MAX_TAG_CHARS + 1)).is_err());
        assert!(checked_name(&"é".repeat(MAX_TAG_CHARS)).is_ok());
    }

    #[test]
    fn colours_are_normalised_hex() {
        assert_eq!(checked_colour("#1F77B4"), Ok("#1f77b4".into()));
        assert_eq!(checked_colour("abc"), Ok("#aabbcc".into()));
        assert!(checked_colour("red").is_err());
        assert!(checked_colour("#12345").is_err());
        assert!(checked_colour("#12345g").is_err());
        assert!(checked_colour("").is_err());
    }
}
