//! ClaimReview JSON-LD: objects, arrays, `@graph`s, data feeds, and HTML pages' JSON-LD blocks.

use serde_json::Value;

use super::{FactCheckItem, ItemError, ParseError, Parsed, check, clean, date};

/// Reads every ClaimReview in a JSON document or in the JSON-LD blocks of an HTML page.
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let mut out = Parsed::default();
    let mut index = 0;
    if text.trim_start().starts_with('<') {
        let page = scraper::Html::parse_document(text);
        let selector = scraper::Selector::parse(r#"script[type="application/ld+json"]"#)
            .map_err(|e| ParseError::Json(e.to_string()))?;
        for (block, script) in page.select(&selector).enumerate() {
            let body: String = script.text().collect();
            match serde_json::from_str::<Value>(&body) {
                Ok(value) => walk(&value, &mut index, &mut out),
                Err(e) => out.errors.push(ItemError {
                    location: format!("JSON-LD block {}", block + 1),
                    reason: format!("not valid JSON: {e}"),
                }),
            }
        }
        return Ok(out);
    }
    let value: Value = serde_json::from_str(text).map_err(|e| ParseError::Json(e.to_string()))?;
    walk(&value, &mut index, &mut out);
    Ok(out)
}

/// Whether a node's `@type` is (or includes) `name`.
fn has_type(node: &Value, name: &str) -> bool {
    match node.get("@type") {
        Some(Value::String(t)) => t.rsplit('/').next() == Some(name),
        Some(Value::Array(ts)) => ts
            .iter()
            .any(|t| t.as_str().and_then(|t| t.rsplit('/').next()) == Some(name)),
        _ => false,
    }
}

/// Finds ClaimReviews: at the top, in arrays, `@graph`s, and data feeds' items. Each one
/// (readable or not) takes the next index.
fn walk(value: &Value, index: &mut usize, out: &mut Parsed) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| walk(v, index, out)),
        Value::Object(map) => {
            if has_type(value, "ClaimReview") {
                *index += 1;
                match read_review(value) {
                    Ok(item) => out.items.push(item),
                    Err(reason) => out.errors.push(ItemError {
                        location: format!("item {index}"),
                        reason,
                    }),
                }
                return;
            }
            for key in ["@graph", "dataFeedElement", "item", "mainEntity"] {
                if let Some(inner) = map.get(key) {
                    walk(inner, index, out);
                }
            }
        }
        _ => {}
    }
}

/// A text value, or the `name` of an object, or the first of an array.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => clean(Some(s)),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => items.iter().find_map(|v| text(Some(v))),
        obj @ Value::Object(_) => text(obj.get("name")),
        _ => None,
    }
}

fn number(value: Option<&Value>) -> Option<f32> {
    match value? {
        Value::Number(n) => n.as_f64().map(|n| n as f32),
        Value::String(s) => s.trim().parse::<f32>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())
}

fn read_review(node: &Value) -> Result<FactCheckItem, String> {
    let claim_reviewed = text(node.get("claimReviewed")).ok_or("no claimReviewed")?;
    let review_url = text(node.get("url"));
    let reviewed = node.get("itemReviewed");
    let rating = node.get("reviewRating");
    let author = node.get("author").or_else(|| node.get("publisher"));
    let author = match author {
        Some(Value::Array(a)) => a.first(),
        other => other,
    };
    let claim_author = reviewed.and_then(|r| r.get("author"));
    let id = text(node.get("@id")).or_else(|| review_url.clone());
    let item = FactCheckItem {
        source_id: id.unwrap_or_default(),
        claim_reviewed,
        title: text(node.get("headline")).or_else(|| text(node.get("name"))),
        claimant: text(claim_author),
        claim_date: date(
            reviewed
                .and_then(|r| r.get("datePublished"))
                .and_then(Value::as_str),
        ),
        rating_value: number(rating.and_then(|r| r.get("ratingValue"))),
        rating_best: number(rating.and_then(|r| r.get("bestRating"))),
        rating_worst: number(rating.and_then(|r| r.get("worstRating"))),
        rating_label: text(rating.and_then(|r| r.get("alternateName")))
            .or_else(|| text(rating.and_then(|r| r.get("name")))),
        publisher_name: text(author.and_then(|a| a.get("name")))
            .or_else(|| author.and_then(Value::as_str).and_then(|s| clean(Some(s)))),
        publisher_site: text(author.and_then(|a| a.get("url"))),
        review_url,
        review_date: date(node.get("datePublished").and_then(Value::as_str)),
        language: text(node.get("inLanguage")),
    };
    check(&item)?;
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::super::parse as parse_any;
    use super::*;

    const REVIEW: &str = r#"{"@context":"https://schema.org","@type":"ClaimReview",
        "url":"https://checks.example/moon","claimReviewed":"The moon is made of cheese.",
        "datePublished":"2024-05-02","author":{"@type":"Organization","name":"Checks","url":"https://checks.example"},
        "itemReviewed":{"@type":"Claim","author":{"@type":"Person","name":"A. Baker"},"datePublished":"2024-04-30"},
        "reviewRating":{"@type":"Rating","ratingValue":"1","bestRating":5,"worstRating":1,"alternateName":"False"},
        "inLanguage":"en"}"#;

    #[test]
    fn reads_every_field() {
        let parsed = parse(REVIEW).unwrap();
        assert!(parsed.errors.is_empty());
        let item = &parsed.items[0];
        assert_eq!(item.source_id, "https://checks.example/moon");
        assert_eq!(item.claim_reviewed, "The moon is made of cheese.");
        assert_eq!(item.claimant.as_deref(), Some("A. Baker"));
        assert_eq!(item.rating_value, Some(1.0));
        assert_eq!(item.rating_best, Some(5.0));
        assert_eq!(item.rating_label.as_deref(), Some("False"));
        assert_eq!(item.publisher_name.as_deref(), Some("Checks"));
        assert_eq!(
            item.publisher_site.as_deref(),
            Some("https://checks.example")
        );
        assert_eq!(
            item.review_date.map(|d| d.to_string()).as_deref(),
            Some("2024-05-02")
        );
        assert_eq!(
            item.claim_date.map(|d| d.to_string()).as_deref(),
            Some("2024-04-30")
        );
        assert_eq!(item.language.as_deref(), Some("en"));
    }

    #[test]
    fn arrays_graphs_and_feeds() {
        let array =
            format!("[{REVIEW}, {{\"@type\":\"ClaimReview\",\"url\":\"https://c.example/2\"}}]");
        let parsed = parse(&array).unwrap();
        assert_eq!(parsed.items.len(), 1);
        assert_eq!(parsed.errors[0].location, "item 2");
        assert!(parsed.errors[0].reason.contains("claimReviewed"));

        let graph = format!(
            "{{\"@context\":\"https://schema.org\",\"@graph\":[{{\"@type\":\"WebPage\"}},{REVIEW}]}}"
        );
        assert_eq!(parse(&graph).unwrap().items.len(), 1);

        let feed = format!(
            "{{\"@type\":\"DataFeed\",\"dataFeedElement\":[{{\"@type\":\"DataFeedItem\",\"item\":[{REVIEW}]}},{{\"@type\":\"DataFeedItem\",\"item\":{REVIEW}}}]}}"
        );
        let parsed = parse_any(feed.as_bytes(), None).unwrap();
        assert_eq!(parsed.items.len(), 2);
    }

    #[test]
    fn html_blocks() {
        let page = format!(
            "<html><head><script type=\"application/ld+json\">{REVIEW}</script></head><body>\
             <script type=\"application/ld+json\">{{broken</script>\
             <script type=\"application/ld+json\">{}</script></body></html>",
            REVIEW.replace("moon", "sun")
        );
        let parsed = parse(&page).unwrap();
        assert_eq!(parsed.items.len(), 2);
        assert_eq!(parsed.items[1].source_id, "https://checks.example/sun");
        assert_eq!(parsed.errors[0].location, "JSON-LD block 2");
    }

    #[test]
    fn a_review_without_address_or_id_is_refused() {
        let parsed = parse(r#"{"@type":"ClaimReview","claimReviewed":"x"}"#).unwrap();
        assert!(parsed.errors[0].reason.contains("no id"));
        let parsed =
            parse(r#"{"@type":"ClaimReview","claimReviewed":"x","url":"javascript:alert(1)"}"#)
                .unwrap();
        assert!(parsed.errors[0].reason.contains("not an http"));
    }
}
