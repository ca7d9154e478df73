//! RFC 4180 CSV writer: one row per claim, cells neutralised against spreadsheet formula injection.

use std::borrow::Cow;

use super::{ExportError, Phase, ReportClaim, ReportMeta, ReportWriter, rfc3339};

/// Column names, in order.
pub const CSV_COLUMNS: [&str; 21] = [
    "claim_id",
    "article_title",
    "article_url",
    "claim_text",
    "claimant",
    "category",
    "state",
    "verdict",
    "rating",
    "label",
    "rationale",
    "evidence_urls",
    "reviewer",
    "approver",
    "decided_at",
    "approved_at",
    "draft",
    "correction",
    "tags",
    "claimant_kind",
    "merged_into",
];

/// Separator between the URLs in the `evidence_urls` cell; a raw line feed cannot occur
/// inside a valid URL, so splitting on it is unambiguous.
pub const EVIDENCE_URL_SEPARATOR: &str = "\n";

/// Streams claims as CSV rows.
pub struct CsvWriter {
    phase: Phase,
    excel_bom: bool,
    /// A csv writer borrows its sink, so one is made per call over that call's `out`.
    builder: ::csv::WriterBuilder,
}

impl Default for CsvWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvWriter {
    pub fn new() -> Self {
        let mut builder = ::csv::WriterBuilder::new();
        builder
            .has_headers(false)
            .terminator(::csv::Terminator::CRLF)
            .quote_style(::csv::QuoteStyle::Necessary)
            .buffer_capacity(1024);
        Self {
            phase: Phase::New,
            excel_bom: false,
            builder,
        }
    }

    /// Prefix the output with a UTF-8 byte order mark, which Excel needs to detect UTF-8.
    pub fn with_excel_bom(mut self, on: bool) -> Self {
        self.excel_bom = on;
        self
    }

    fn row<I>(&self, cells: I, out: &mut Vec<u8>) -> Result<(), ExportError>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut w = self.builder.from_writer(out);
        w.write_record(cells)?;
        w.flush()?;
        Ok(())
    }
}

/// Prefixes `'` to a cell a spreadsheet would treat as a formula (OWASP CSV injection advice).
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\0') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

impl ReportWriter for CsvWriter {
    fn begin(&mut self, _meta: &ReportMeta, out: &mut Vec<u8>) -> Result<(), ExportError> {
        self.phase.start()?;
        if self.excel_bom {
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        self.row(CSV_COLUMNS, out)
    }

    fn write_claim(&mut self, claim: &ReportClaim, out: &mut Vec<u8>) -> Result<(), ExportError> {
        self.phase.check_writing()?;
        fn opt(v: &Option<String>) -> Cow<'_, str> {
            Cow::Borrowed(v.as_deref().unwrap_or_default())
        }
        let evidence_urls = claim
            .evidence
            .iter()
            .filter(|e| !e.retracted)
            .map(|e| e.url.as_str())
            .collect::<Vec<_>>()
            .join(EVIDENCE_URL_SEPARATOR);
        let cells: [Cow<'_, str>; 21] = [
            Cow::Owned(claim.id.to_string()),
            Cow::Borrowed(&claim.article.title),
            opt(&claim.article.url),
            Cow::Borrowed(&claim.text),
            opt(&claim.claimant),
            Cow::Borrowed(claim.category.as_str()),
            Cow::Borrowed(claim.state.as_str()),
            opt(&claim.verdict),
            Cow::Owned(claim.rating.map(|r| r.to_string()).unwrap_or_default()),
            opt(&claim.label),
            opt(&claim.rationale),
            Cow::Owned(evidence_urls),
            opt(&claim.reviewer),
            opt(&claim.approver),
            Cow::Owned(claim.decided_at.as_ref().map(rfc3339).unwrap_or_default()),
            Cow::Owned(claim.approved_at.as_ref().map(rfc3339).unwrap_or_default()),
            Cow::Borrowed(yes_no(claim.is_draft)),
            Cow::Borrowed(yes_no(claim.is_correction)),
            // Tag names hold no commas, so one cell lists them all.
            Cow::Owned(claim.tags.join(", ")),
            Cow::Borrowed(claim.claimant_kind.map_or("", |k| k.as_str())),
            Cow::Owned(claim.merged_into.map(|m| m.to_string()).unwrap_or_default()),
        ];
        let mut w = self.builder.from_writer(&mut *out);
        for cell in &cells {
            w.write_field(neutralise(cell).as_bytes())?;
        }
        // An empty record ends the row started by the write_field calls.
        w.write_record(None::<&[u8]>)?;
        w.flush()?;
        Ok(())
    }

    fn finish(&mut self, _out: &mut Vec<u8>) -> Result<(), ExportError> {
        // Every row was flushed as it was written; nothing trails the last one.
        self.phase.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_formula_starts_only() {
        for (input, want) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("\0=1", "'\0=1"),
            ("a=b", "a=b"),
            ("", ""),
            ("Nicolás", "Nicolás"),
        ] {
            assert_eq!(neutralise(input), want);
        }
    }

    #[test]
    fn writer_refuses_rows_before_begin() {
        let mut w = CsvWriter::new();
        let mut out = Vec::new();
        assert!(matches!(w.finish(&mut out), Err(ExportError::Sequence(_))));
    }
}
