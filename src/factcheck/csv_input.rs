//! CSV and TSV fact-check files: a header names the columns, CSV-style quoting throughout.

use super::{FactCheckItem, ItemError, ParseError, Parsed, check, clean, date};

/// Header names for each field (compared lower-cased, with `-`/space read as `_`).
const ID: &[&str] = &["", "id", "source_id", "fact_check_id", "vclaim_id"];
const CLAIM: &[&str] = &["claim", "claim_reviewed", "claimreviewed", "vclaim", "text"];
const TITLE: &[&str] = &["title", "headline"];
const URL: &[&str] = &["url", "review_url", "link"];
const RATING: &[&str] = &["rating", "rating_label", "verdict", "label"];
const PUBLISHER: &[&str] = &["publisher", "publisher_name", "author"];
const DATE: &[&str] = &["date", "review_date", "date_published"];
const CLAIMANT: &[&str] = &["claimant"];
const LANGUAGE: &[&str] = &["language", "lang", "in_language"];

fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| names.contains(&h.as_str()))
}

/// Reads a table with a header; `delimiter` is `,` or a tab.
pub fn parse(text: &str, delimiter: u8) -> Result<Parsed, ParseError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quote(b'"')
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ParseError::Table(format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().to_lowercase().replace(['-', ' '], "_"))
        .collect();
    let claim = column(&header, CLAIM).ok_or_else(|| {
        ParseError::Table(format!(
            "the header has no claim column (one of {})",
            CLAIM.join(", ")
        ))
    })?;
    let id = column(&header, ID);
    let url = column(&header, URL);
    if id.is_none() && url.is_none() {
        return Err(ParseError::Table(
            "the header has neither an id nor a url column".into(),
        ));
    }
    let (title, rating, publisher, day, claimant, language) = (
        column(&header, TITLE),
        column(&header, RATING),
        column(&header, PUBLISHER),
        column(&header, DATE),
        column(&header, CLAIMANT),
        column(&header, LANGUAGE),
    );
    let mut out = Parsed::default();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                out.errors.push(ItemError {
                    location: format!("line {line}"),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let get = |i: Option<usize>| clean(i.and_then(|i| record.get(i)));
        let review_url = get(url);
        let item = FactCheckItem {
            source_id: get(id).or_else(|| review_url.clone()).unwrap_or_default(),
            claim_reviewed: get(Some(claim)).unwrap_or_default(),
            title: get(title),
            claimant: get(claimant),
            rating_label: get(rating),
            publisher_name: get(publisher),
            review_url,
            review_date: date(get(day).as_deref()),
            language: get(language),
            ..FactCheckItem::default()
        };
        match check(&item) {
            Ok(()) => out.items.push(item),
            Err(reason) => out.errors.push(ItemError {
                location: format!("line {line}"),
                reason,
            }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_layout_with_empty_first_header() {
        let text = "\tvclaim\ttitle\n0\tA claim.\tA title\n1\t\"Quoted \"\"claim\"\"\nover lines\"\tT\n2\t\tno claim\n";
        let parsed = parse(text, b'\t').unwrap();
        assert_eq!(parsed.items.len(), 2);
        assert_eq!(parsed.items[0].source_id, "0");
        assert_eq!(parsed.items[0].title.as_deref(), Some("A title"));
        assert_eq!(
            parsed.items[1].claim_reviewed,
            "Quoted \"claim\"\nover lines"
        );
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].location, "line 5");
        assert!(parsed.errors[0].reason.contains("no claim"));
    }

    #[test]
    fn csv_by_column_name() {
        let text = "URL,Rating,Claim,Publisher,Date\nhttps://c.example/1,False,Water is dry.,Checks,2021-03-04\n";
        let parsed = parse(text, b',').unwrap();
        let item = &parsed.items[0];
        assert_eq!(item.source_id, "https://c.example/1");
        assert_eq!(item.rating_label.as_deref(), Some("False"));
        assert_eq!(item.publisher_name.as_deref(), Some("Checks"));
        assert_eq!(
            item.review_date.map(|d| d.to_string()).as_deref(),
            Some("2021-03-04")
        );
    }

    #[test]
    fn header_without_claim_column_is_refused() {
        let err = parse("id,foo\n1,x\n", b',').unwrap_err();
        assert!(err.to_string().contains("claim column"), "{err}");
        let err = parse("claim\nx\n", b',').unwrap_err();
        assert!(err.to_string().contains("neither an id"), "{err}");
    }
}
