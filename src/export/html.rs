//! Printable, self-contained HTML report rendered piecewise through askama templates.

use askama::Template;

use super::{
    ExportError, Phase, ReportArticle, ReportClaim, ReportMeta, ReportWriter, http_url, rfc3339,
};

/// Width in SVG units of the longest bar of a summary chart.
const BAR_MAX_WIDTH: f64 = 320.0;
/// Where bars start; the label column sits to the left of it.
const BAR_X: f64 = 130.0;
const ROW_HEIGHT: u32 = 22;
const BAR_HEIGHT: u32 = 14;

/// Streams the report: head and summary, then an article header whenever the article
/// changes, one block per claim, and the closing markup.
#[derive(Debug, Default)]
pub struct HtmlWriter {
    phase: Phase,
    current_article: Option<i64>,
    claims_written: u64,
    organization: String,
    generated_at: String,
    public_base_url: String,
}

impl HtmlWriter {
    pub fn new() -> Self {
        Self::default()
    }
}

/// One bar of a horizontal bar chart, positions precomputed so the template only prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub count: i64,
    pub bar_y: u32,
    pub text_y: u32,
    /// Formatted with one decimal, e.g. `"213.3"`.
    pub width: String,
    pub count_x: String,
}

/// A horizontal bar chart drawn as inline SVG.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: &'static str,
    pub width: u32,
    pub height: u32,
    pub bars: Vec<Bar>,
}

impl Chart {
    /// Bars scale to the largest count; negative counts are drawn as empty bars and any
    /// non-zero count gets at least a sliver so it stays visible.
    pub fn new(title: &'static str, rows: &[(String, i64)]) -> Self {
        let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(0);
        let bars = rows
            .iter()
            .enumerate()
            .map(|(i, (label, count))| {
                let i = u32::try_from(i).unwrap_or(u32::MAX);
                let width = if max == 0 || *count <= 0 {
                    0.0
                } else {
                    (*count as f64 / max as f64 * BAR_MAX_WIDTH).max(1.0)
                };
                let bar_y = i
                    .saturating_mul(ROW_HEIGHT)
                    .saturating_add((ROW_HEIGHT - BAR_HEIGHT) / 2);
                Bar {
                    label: chart_label(label),
                    count: *count,
                    bar_y,
                    text_y: bar_y.saturating_add(BAR_HEIGHT - 3),
                    width: format!("{width:.1}"),
                    count_x: format!("{:.1}", BAR_X + width + 6.0),
                }
            })
            .collect::<Vec<_>>();
        let rows_len = u32::try_from(bars.len()).unwrap_or(u32::MAX / ROW_HEIGHT);
        Self {
            title,
            width: (BAR_X + BAR_MAX_WIDTH + 60.0) as u32,
            height: rows_len.saturating_mul(ROW_HEIGHT).max(ROW_HEIGHT),
            bars,
        }
    }

    pub fn bar_x(&self) -> f64 {
        BAR_X
    }
}

/// Long names would run into the bars; the counts table below the chart has them in full.
fn chart_label(name: &str) -> String {
    const MAX: usize = 20;
    if name.chars().count() <= MAX {
        name.to_owned()
    } else {
        let mut short: String = name.chars().take(MAX - 1).collect();
        short.push('…');
        short
    }
}

#[derive(Template)]
#[template(path = "report/head.html")]
struct HeadTemplate<'a> {
    organization: &'a str,
    organization_link: Option<&'a str>,
    generated_at: String,
    filters: Vec<(String, String)>,
    total: i64,
    by_state: &'a [(String, i64)],
    by_category: &'a [(String, i64)],
    charts: [Chart; 2],
}

#[derive(Template)]
#[template(path = "report/article.html")]
struct ArticleTemplate<'a> {
    close_previous: bool,
    article_id: i64,
    title: &'a str,
    link: Option<&'a str>,
    /// Shown as plain text when the URL is not http(s).
    unlinked_url: Option<&'a str>,
    publisher: Option<&'a str>,
    published_on: Option<String>,
}

#[derive(Template)]
#[template(path = "report/claim.html")]
struct ClaimTemplate<'a> {
    id: i64,
    public_link: Option<String>,
    text: &'a str,
    claimant: Option<&'a str>,
    category: &'a str,
    state: &'a str,
    verdict: Option<&'a str>,
    rating: Option<i16>,
    label: Option<&'a str>,
    rationale: Option<&'a str>,
    reviewer: Option<&'a str>,
    approver: Option<&'a str>,
    decided_at: Option<String>,
    approved_at: Option<String>,
    is_draft: bool,
    is_correction: bool,
    /// "Corrected on DATE: was …, now …, because …".
    correction_note: Option<String>,
    evidence: Vec<EvidenceRow<'a>>,
    events: Vec<EventRow<'a>>,
    tags: &'a [String],
}

struct EvidenceRow<'a> {
    link: Option<&'a str>,
    url: &'a str,
    title: Option<&'a str>,
    excerpt: Option<&'a str>,
    stance: &'a str,
    /// Fixed CSS class chosen from the stance, never the raw value.
    stance_class: &'static str,
    added_by: &'a str,
    added_at: String,
    retracted: bool,
}

struct EventRow<'a> {
    at: String,
    actor: &'a str,
    from: Option<&'a str>,
    to: Option<&'a str>,
    note: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "report/foot.html")]
struct FootTemplate<'a> {
    close_section: bool,
    empty: bool,
    organization: &'a str,
    generated_at: &'a str,
    claims_written: u64,
}

fn non_blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|v| !v.trim().is_empty())
}

/// Flattens the filters object into label/value pairs, leaving out unset values.
fn filter_rows(filters: &serde_json::Value) -> Vec<(String, String)> {
    use serde_json::Value;
    fn show(v: &Value) -> Option<String> {
        match v {
            Value::Null => None,
            Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_owned()),
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Array(items) if items.is_empty() => None,
            Value::Array(items) => {
                Some(items.iter().filter_map(show).collect::<Vec<_>>().join(", "))
            }
            other => Some(other.to_string()),
        }
    }
    match filters {
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| show(v).map(|s| (k.replace('_', " "), s)))
            .collect(),
        Value::Null => Vec::new(),
        other => show(other)
            .map(|s| vec![("filters".to_owned(), s)])
            .unwrap_or_default(),
    }
}

fn article_template(article: &ReportArticle, close_previous: bool) -> ArticleTemplate<'_> {
    let link = article.url.as_deref().and_then(http_url);
    ArticleTemplate {
        close_previous,
        article_id: article.id,
        title: &article.title,
        link,
        unlinked_url: if link.is_none() {
            non_blank(&article.url)
        } else {
            None
        },
        publisher: non_blank(&article.publisher),
        published_on: article.published_on.map(|d| d.to_string()),
    }
}

fn claim_template<'a>(claim: &'a ReportClaim, public_base_url: &str) -> ClaimTemplate<'a> {
    let public_url = claim.page_url(public_base_url);
    ClaimTemplate {
        id: claim.id,
        // Only a published verdict has a public page (a draft or a claim in review has none).
        public_link: claim
            .has_public_page()
            .then(|| http_url(&public_url).map(str::to_owned))
            .flatten(),
        text: &claim.text,
        claimant: non_blank(&claim.claimant),
        category: claim.category.as_str(),
        state: claim.state.as_str(),
        verdict: non_blank(&claim.verdict),
        rating: claim.rating,
        label: non_blank(&claim.label),
        rationale: non_blank(&claim.rationale),
        reviewer: non_blank(&claim.reviewer),
        approver: non_blank(&claim.approver),
        decided_at: claim.decided_at.as_ref().map(rfc3339),
        approved_at: claim.approved_at.as_ref().map(rfc3339),
        is_draft: claim.is_draft,
        is_correction: claim.is_correction,
        tags: &claim.tags,
        correction_note: claim.correction().map(|n| n.to_string()),
        evidence: claim
            .evidence
            .iter()
            .map(|e| EvidenceRow {
                link: http_url(&e.url),
                url: &e.url,
                title: non_blank(&e.title),
                excerpt: non_blank(&e.excerpt),
                stance: e.stance.as_str(),
                stance_class: e.stance.as_str(),
                added_by: &e.added_by,
                added_at: rfc3339(&e.added_at),
                retracted: e.retracted,
            })
            .collect(),
        events: claim
            .events
            .iter()
            .map(|e| EventRow {
                at: rfc3339(&e.at),
                actor: &e.actor,
                from: non_blank(&e.from),
                to: non_blank(&e.to),
                note: non_blank(&e.note),
            })
            .collect(),
    }
}

impl ReportWriter for HtmlWriter {
    fn begin(&mut self, meta: &ReportMeta, out: &mut Vec<u8>) -> Result<(), ExportError> {
        self.phase.start()?;
        self.organization = meta.organization.clone();
        self.generated_at = rfc3339(&meta.generated_at);
        self.public_base_url = meta.public_base_url.clone();
        let head = HeadTemplate {
            organization: &meta.organization,
            organization_link: meta.organization_url.as_deref().and_then(http_url),
            generated_at: self.generated_at.clone(),
            filters: filter_rows(&meta.filters),
            total: meta.summary.total,
            by_state: &meta.summary.by_state,
            by_category: &meta.summary.by_category,
            charts: [
                Chart::new("Claims by state", &meta.summary.by_state),
                Chart::new("Claims by category", &meta.summary.by_category),
            ],
        };
        head.write_into(out)?;
        Ok(())
    }

    fn write_claim(&mut self, claim: &ReportClaim, out: &mut Vec<u8>) -> Result<(), ExportError> {
        self.phase.check_writing()?;
        if self.current_article != Some(claim.article.id) {
            article_template(&claim.article, self.current_article.is_some()).write_into(out)?;
            self.current_article = Some(claim.article.id);
        }
        claim_template(claim, &self.public_base_url).write_into(out)?;
        self.claims_written = self.claims_written.saturating_add(1);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), ExportError> {
        self.phase.end()?;
        FootTemplate {
            close_section: self.current_article.is_some(),
            empty: self.claims_written == 0,
            organization: &self.organization,
            generated_at: &self.generated_at,
            claims_written: self.claims_written,
        }
        .write_into(out)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_scales_to_largest_count() {
        let rows = vec![
            ("approved".to_owned(), 10),
            ("disputed".to_owned(), 5),
            ("dismissed".to_owned(), 0),
            ("odd".to_owned(), -3),
        ];
        let chart = Chart::new("t", &rows);
        let widths: Vec<&str> = chart.bars.iter().map(|b| b.width.as_str()).collect();
        assert_eq!(widths, vec!["320.0", "160.0", "0.0", "0.0"]);
        assert_eq!(chart.height, 4 * ROW_HEIGHT);
        assert_eq!(chart.bars[1].bar_y, ROW_HEIGHT + 4);
    }

    #[test]
    fn long_chart_labels_are_shortened() {
        assert_eq!(chart_label("energy"), "energy");
        let long = chart_label("an extremely long category name");
        assert_eq!(long.chars().count(), 20);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn empty_chart_has_no_bars_and_a_height() {
        let chart = Chart::new("t", &[]);
        assert!(chart.bars.is_empty());
        assert_eq!(chart.height, ROW_HEIGHT);
    }

    #[test]
    fn tiny_counts_stay_visible() {
        let rows = vec![("a".to_owned(), 100_000), ("b".to_owned(), 1)];
        let chart = Chart::new("t", &rows);
        assert_eq!(chart.bars[1].width, "1.0");
    }

    #[test]
    fn filter_rows_skip_unset_values() {
        let rows = filter_rows(&serde_json::json!({
            "states": ["approved", "disputed"],
            "category": null,
            "include_drafts": false,
            "articles": [],
        }));
        assert_eq!(
            rows,
            vec![
                ("include drafts".to_owned(), "no".to_owned()),
                ("states".to_owned(), "approved, disputed".to_owned()),
            ]
        );
    }
}
