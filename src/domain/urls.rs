//! Web addresses: which text may become a link, be fetched or be stored as a source. Pages,
//! reports, evidence, imports and settings all ask here, so they never disagree.

/// Whether `text` starts with `http://` or `https://`, in any case (as the URL parser treats
/// schemes). Tells a command-line address from a file name.
pub fn has_web_scheme(text: &str) -> bool {
    ["http://", "https://"].iter().any(|scheme| {
        text.as_bytes()
            .get(..scheme.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(scheme.as_bytes()))
    })
}

/// Only http and https addresses may become links or be fetched. The text is stored as
/// given, and the URL parser quietly drops tabs, line breaks and leading control
/// characters, so those are refused here rather than accepted and stored.
pub fn is_web_url(text: &str) -> bool {
    !text.chars().any(|c| c.is_control() || c.is_whitespace())
        && url::Url::parse(text)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// Returns the URL (trimmed) only when it is a plain `http(s)://` URL, so that nothing else
/// (`javascript:`, `data:`, relative paths, obfuscated schemes) can become a link in a report.
pub fn http_url(raw: &str) -> Option<&str> {
    let url = raw.trim();
    if !has_web_scheme(url) {
        return None;
    }
    let rest = &url[url.find("//").map_or(url.len(), |i| i + 2)..];
    // Browsers drop tabs/newlines inside URLs, which is how scheme checks get bypassed;
    // refuse anything with whitespace or control characters outright.
    if rest.is_empty()
        || rest.starts_with('/')
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_addresses_are_told_from_file_names() {
        for address in [
            "http://example.org/",
            "https://example.org/a",
            "HTTP://example.org/",
            "Https://example.org/",
            "hTtPs://example.org/",
        ] {
            assert!(has_web_scheme(address), "{address}");
        }
        for file in [
            "article.html",
            "-",
            "http.txt",
            "./http://x",
            "ftp://example.org/",
            "http:",
            "httpé://x",
            "",
        ] {
            assert!(!has_web_scheme(file), "{file}");
        }
    }

    #[test]
    fn only_http_urls_become_links() {
        assert_eq!(
            http_url(" https://a.example/x?y=1 "),
            Some("https://a.example/x?y=1")
        );
        assert_eq!(http_url("HTTP://A.example"), Some("HTTP://A.example"));
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>",
            "//evil.example",
            "/claims/1",
            "https://",
            "https:///path",
            "https://a.example/\nx",
            "ftp://a.example",
            "",
        ] {
            assert_eq!(http_url(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn stored_addresses_are_parsed_web_urls() {
        assert!(is_web_url("https://example.org/a?b=c"));
        for bad in [
            "javascript:alert(1)",
            "https://exa\tmple.org/",
            " https://example.org/",
            "mailto:a@example.org",
            "https://",
        ] {
            assert!(!is_web_url(bad), "{bad:?}");
        }
    }
}

/// The readable part of a public verdict address: the first words of a text in lower-case
/// ASCII letters and digits joined by `-` (other letters are dropped, so addresses need no
/// escaping), at most 60 characters; `claim` when nothing is left.
pub fn slug(text: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let extra = word.len() + usize::from(!out.is_empty());
        if out.len() + extra > MAX {
            if out.is_empty() {
                out.push_str(&word[..MAX].to_ascii_lowercase());
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    if out.is_empty() {
        out.push_str("claim");
    }
    out
}

#[cfg(test)]
mod slug_tests {
    use super::slug;

    #[test]
    fn slugs_are_short_lower_case_ascii_words() {
        assert_eq!(
            slug("The army received 40 new T-90M tanks in 2024."),
            "the-army-received-40-new-t-90m-tanks-in-2024"
        );
        assert_eq!(slug("Армия получила 40 танков"), "40");
        assert_eq!(slug("¿?"), "claim");
        assert!(slug(&"word ".repeat(40)).len() <= 60);
        assert_eq!(slug(&"x".repeat(80)).len(), 60);
    }
}
