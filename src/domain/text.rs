//! Free text as it arrives from forms, flags and JSON: trimmed, and blank means absent.

/// Trims an optional text field; blank means absent.
pub fn optional(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_text_is_absent() {
        assert_eq!(optional(Some("  a b ".into())), Some("a b".into()));
        assert_eq!(optional(Some(" \t\n".into())), None);
        assert_eq!(optional(None), None);
    }
}
