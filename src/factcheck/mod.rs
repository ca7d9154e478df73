//! Known fact-checks from outside: pure parsers for schema.org ClaimReview JSON-LD (an object,
//! an array, an `@graph`, or the JSON-LD blocks of an HTML page), the ClaimReview data feed
//! (`DataFeed` → `dataFeedElement` → `item`), and CSV/TSV files with a header.
//!
//! A bad item never sinks the file: it is reported with its place (line or index) and reason,
//! and the good ones are kept.

mod csv_input;
mod jsonld;

use chrono::NaiveDate;
use serde::Serialize;

/// Longest claim text kept, in characters; longer ones are reported, not truncated.
pub const MAX_CLAIM_CHARS: usize = 5_000;

/// One fact-check as read from a source, before it is stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FactCheckItem {
    /// The source's own id for it: the id column of a file, or the review URL.
    pub source_id: String,
    pub claim_reviewed: String,
    pub title: Option<String>,
    pub claimant: Option<String>,
    pub claim_date: Option<NaiveDate>,
    pub rating_value: Option<f32>,
    pub rating_best: Option<f32>,
    pub rating_worst: Option<f32>,
    pub rating_label: Option<String>,
    pub publisher_name: Option<String>,
    pub publisher_site: Option<String>,
    pub review_url: Option<String>,
    pub review_date: Option<NaiveDate>,
    pub language: Option<String>,
}

/// An item that could not be read, and where it was.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemError {
    /// `line 7` for files with lines, `item 3` (1-based, in document order) for JSON.
    pub location: String,
    pub reason: String,
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.reason)
    }
}

/// What a source held: the readable items and the reasons for the rest.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Parsed {
    pub items: Vec<FactCheckItem>,
    pub errors: Vec<ItemError>,
}

/// The shapes a fact-check source can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonld,
    Feed,
    Csv,
    Tsv,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "jsonld" | "json-ld" | "json" | "html" => Ok(Format::Jsonld),
            "feed" => Ok(Format::Feed),
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            other => Err(format!(
                "unknown fact-check format {other:?}: use jsonld, feed, csv or tsv"
            )),
        }
    }
}

/// The whole source could not be read (nothing in it is usable).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error("the input is not UTF-8 (byte {0})")]
    NotUtf8(usize),
    #[error("the input is not valid JSON: {0}")]
    Json(String),
    #[error("{0}")]
    Table(String),
    #[error("no ClaimReview found in the input")]
    NothingFound,
}

/// Guesses the format from the content: markup or JSON is JSON-LD (a feed when it says
/// `DataFeed`), otherwise a table whose header line holds a tab is TSV, else CSV.
pub fn guess(text: &str) -> Format {
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if start.starts_with('<') {
        return Format::Jsonld;
    }
    if start.starts_with('{') || start.starts_with('[') {
        return if start.contains("DataFeed") {
            Format::Feed
        } else {
            Format::Jsonld
        };
    }
    match start.lines().next() {
        Some(header) if header.contains('\t') => Format::Tsv,
        _ => Format::Csv,
    }
}

/// Reads fact-checks from bytes in the given (or guessed) format.
pub fn parse(bytes: &[u8], format: Option<Format>) -> Result<Parsed, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ParseError::NotUtf8(e.valid_up_to() + 1))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed = match format.unwrap_or_else(|| guess(text)) {
        // The walker finds ClaimReviews wherever they sit, feeds included.
        Format::Jsonld | Format::Feed => jsonld::parse(text)?,
        Format::Csv => csv_input::parse(text, b',')?,
        Format::Tsv => csv_input::parse(text, b'\t')?,
    };
    if parsed.items.is_empty() && parsed.errors.is_empty() {
        return Err(ParseError::NothingFound);
    }
    Ok(parsed)
}

/// Trims a text field; blank means absent.
fn clean(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// A date from an ISO date or date-time (`2020-01-31`, `2020-01-31T10:00:00Z`).
fn date(text: Option<&str>) -> Option<NaiveDate> {
    let t = text?.trim();
    let day = t.get(..10).unwrap_or(t);
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// Checks the claim text of an item; the reason when it cannot be kept.
fn check(item: &FactCheckItem) -> Result<(), String> {
    if item.claim_reviewed.is_empty() {
        return Err("no claim text".into());
    }
    if item.claim_reviewed.chars().count() > MAX_CLAIM_CHARS {
        return Err(format!(
            "the claim is longer than {MAX_CLAIM_CHARS} characters"
        ));
    }
    if item.claim_reviewed.contains('\0') || item.source_id.contains('\0') {
        return Err("the item contains a NUL character".into());
    }
    if item.source_id.is_empty() {
        return Err("no id and no review URL".into());
    }
    if let Some(url) = &item.review_url
        && !is_web_url(url)
    {
        return Err(format!("the review URL {url:?} is not an http(s) address"));
    }
    Ok(())
}

/// An http(s) address with a host and nothing the URL parser would silently drop.
fn is_web_url(text: &str) -> bool {
    !text.chars().any(|c| c.is_control() || c.is_whitespace())
        && url::Url::parse(text)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_formats() {
        assert_eq!(guess("<html>"), Format::Jsonld);
        assert_eq!(guess(" {\"@type\":\"ClaimReview\"}"), Format::Jsonld);
        assert_eq!(guess("{\"@type\":\"DataFeed\"}"), Format::Feed);
        assert_eq!(guess("\tvclaim\ttitle\n0\ta\tb"), Format::Tsv);
        assert_eq!(guess("id,claim\n1,x"), Format::Csv);
    }

    #[test]
    fn dates_from_date_times() {
        assert_eq!(
            date(Some("2020-01-31T10:00:00Z")),
            NaiveDate::from_ymd_opt(2020, 1, 31)
        );
        assert_eq!(date(Some("31/01/2020")), None);
        assert_eq!(date(Some("2020-0")), None);
    }

    #[test]
    fn empty_input_is_an_error() {
        assert_eq!(parse(b"[]", None), Err(ParseError::NothingFound));
        assert!(matches!(parse(b"\xff", None), Err(ParseError::NotUtf8(1))));
    }
}
