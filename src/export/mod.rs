//! Report data model and the streaming writer interface shared by every format.

pub mod claimreview;
pub mod csv;
pub mod html;
pub mod json;
pub mod public;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, de};

pub(crate) use crate::domain::urls::http_url;
use crate::domain::{ReviewState, Stance};
use crate::extract::{Category, ClaimantKind};

/// The article a claim was extracted from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportArticle {
    pub id: i64,
    pub title: String,
    pub url: Option<String>,
    pub publisher: Option<String>,
    pub published_on: Option<NaiveDate>,
}

/// One piece of evidence attached to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportEvidence {
    pub id: i64,
    pub url: String,
    pub title: Option<String>,
    pub excerpt: Option<String>,
    pub stance: Stance,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
    pub retracted: bool,
}

/// One state transition in a claim's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportEvent {
    pub id: i64,
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// One version of a claim's verdict, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportVerdict {
    /// `verified`, `disputed` or `unverifiable`.
    pub verdict: String,
    pub rating: Option<i16>,
    pub label: Option<String>,
    pub rationale: Option<String>,
    pub author: Option<String>,
    pub created_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    /// Set on a correction: why the approved verdict before it was replaced.
    pub correction_reason: Option<String>,
}

impl ReportVerdict {
    /// The public name of the verdict: its label, or its step on the scale.
    pub fn public_name(&self) -> String {
        self.label
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| {
                crate::domain::verdict::step_name(self.rating.and_then(crate::domain::Rating::new))
                    .to_owned()
            })
    }
}

/// A published correction: an approved verdict replaced by another approved one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCorrection {
    pub on: NaiveDate,
    pub was: String,
    pub now: String,
    pub reason: String,
}

impl fmt::Display for ReportCorrection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Corrected on {}: was {}, now {}, because {}",
            self.on, self.was, self.now, self.reason
        )
    }
}

/// A claim with everything a report shows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportClaim {
    pub id: i64,
    /// Shared so that the many claims of one article do not each copy it.
    pub article: Arc<ReportArticle>,
    pub text: String,
    /// The wording as published, when an editor normalised the extracted text.
    pub normalized_text: Option<String>,
    pub claimant: Option<String>,
    /// What sort of source the claimant is, when known; decides ClaimReview's author type.
    pub claimant_kind: Option<ClaimantKind>,
    /// Merged into this claim: the verdict fields below are that claim's.
    pub merged_into: Option<i64>,
    pub category: Category,
    pub state: ReviewState,
    /// `verified`, `disputed` or `unverifiable`.
    pub verdict: Option<String>,
    /// 1 (false) ..= 5 (true).
    pub rating: Option<i16>,
    pub label: Option<String>,
    pub rationale: Option<String>,
    /// Who gave the verdict.
    pub reviewer: Option<String>,
    pub approver: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    /// The verdict has not been approved yet.
    pub is_draft: bool,
    /// Approved after being reopened.
    pub is_correction: bool,
    pub evidence: Vec<ReportEvidence>,
    pub events: Vec<ReportEvent>,
    /// Every verdict given, oldest first; the last is the current one.
    pub verdicts: Vec<ReportVerdict>,
    /// Tag names, alphabetical.
    pub tags: Vec<String>,
}

impl ReportClaim {
    /// The claim as readers see it: the normalised wording, or the text as extracted.
    pub fn published_wording(&self) -> &str {
        self.normalized_text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or(&self.text)
    }

    /// Whether readers can open the claim's public page: its verdict is published and the
    /// claim stands on its own (a merged claim is shown by the claim it was merged into).
    pub fn has_public_page(&self) -> bool {
        crate::domain::publishing::is_published(crate::domain::publishing::Standing {
            state: self.state,
            merged: self.merged_into.is_some(),
            approved: !self.is_draft && self.approved_at.is_some(),
            // Reports never select claims of archived articles.
            article_archived: false,
            verdict: self.verdict.as_deref().and_then(|v| v.parse().ok()),
            rating: self.rating,
        })
    }

    /// The claim's public page under `public_base_url`.
    pub fn page_url(&self, public_base_url: &str) -> String {
        check_page_url(public_base_url, self.id, self.published_wording())
    }

    /// The correction the current verdict publishes: it is approved, replaced an approved
    /// verdict, and says why. `None` for a first verdict or a correction not yet approved.
    pub fn correction(&self) -> Option<ReportCorrection> {
        let (now, earlier) = self.verdicts.split_last()?;
        let reason = now.correction_reason.as_deref()?;
        let on = now.approved_at?.date_naive();
        let was = earlier.iter().rev().find(|v| v.approved_at.is_some())?;
        Some(ReportCorrection {
            on,
            was: was.public_name(),
            now: now.public_name(),
            reason: reason.trim_end_matches('.').to_owned(),
        })
    }
}

/// Counts over the whole export, computed by the caller before streaming starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportSummary {
    pub total: i64,
    pub by_state: Vec<(String, i64)>,
    pub by_category: Vec<(String, i64)>,
}

/// Report-wide information passed to [`ReportWriter::begin`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReportMeta {
    pub generated_at: DateTime<Utc>,
    /// What the export asked for, as the report records it.
    pub filters: serde_json::Value,
    /// The fact-checking organisation's name.
    pub organization: String,
    pub organization_url: Option<String>,
    /// e.g. `https://claims.example.org`; a claim's public page is
    /// `{base}/checks/{id}-{slug}`.
    pub public_base_url: String,
    pub summary: ReportSummary,
}

/// The path of a published verdict's page: its id, then a slug of its wording for readers.
pub fn check_path(claim_id: i64, wording: &str) -> String {
    format!(
        "/checks/{}-{}",
        claim_id,
        crate::domain::urls::slug(wording)
    )
}

/// The absolute address of a published verdict's page.
pub fn check_page_url(public_base_url: &str, claim_id: i64, wording: &str) -> String {
    format!(
        "{}{}",
        public_base_url.trim_end_matches('/'),
        check_path(claim_id, wording)
    )
}

/// Output formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    Csv,
    Json,
    ClaimReview,
    Html,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 4] = [Self::Csv, Self::Json, Self::ClaimReview, Self::Html];

    /// The name accepted by [`FromStr`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
            Self::ClaimReview => "claimreview",
            Self::Html => "html",
        }
    }

    /// What the export page calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Csv => "CSV (spreadsheet)",
            Self::Json => "JSON (claimdesk.report/1)",
            Self::ClaimReview => "schema.org ClaimReview (JSON-LD)",
            Self::Html => "Printable report (HTML)",
        }
    }

    /// Value for the `Content-Type` header.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
            Self::ClaimReview => "application/ld+json",
            Self::Html => "text/html; charset=utf-8",
        }
    }

    /// Extension (without dot) for a downloaded file.
    pub fn file_extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
            Self::ClaimReview => "jsonld",
            Self::Html => "html",
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExportFormat {
    type Err = ExportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| ExportError::UnknownFormat(wanted.to_owned()))
    }
}

impl<'de> Deserialize<'de> for ExportFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(de::Error::custom)
    }
}

/// Everything that can go wrong while validating a request or writing a report.
#[derive(Debug)]
pub enum ExportError {
    UnknownFormat(String),
    /// Writer methods called out of order (e.g. `write_claim` before `begin`).
    Sequence(&'static str),
    Csv(::csv::Error),
    Json(serde_json::Error),
    Io(std::io::Error),
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownFormat(s) => write!(
                f,
                "unknown export format {s:?}; expected one of: csv, json, claimreview, html"
            ),
            Self::Sequence(what) => write!(f, "report writer misuse: {what}"),
            Self::Csv(e) => write!(f, "CSV output failed: {e}"),
            Self::Json(e) => write!(f, "JSON output failed: {e}"),
            Self::Io(e) => write!(f, "report output failed: {e}"),
        }
    }
}

impl std::error::Error for ExportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Csv(e) => Some(e),
            Self::Json(e) => Some(e),
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<::csv::Error> for ExportError {
    fn from(e: ::csv::Error) -> Self {
        Self::Csv(e)
    }
}

impl From<serde_json::Error> for ExportError {
    fn from(e: serde_json::Error) -> Self {
        Self::Json(e)
    }
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// A streaming report writer. The caller invokes `begin` once, `write_claim` for each claim
/// (ordered by article id, then claim id) and `finish` once; every call appends to `out`,
/// which the caller may ship as one chunk and clear. Writers keep only O(1) state.
pub trait ReportWriter: Send {
    fn begin(&mut self, meta: &ReportMeta, out: &mut Vec<u8>) -> Result<(), ExportError>;
    fn write_claim(&mut self, claim: &ReportClaim, out: &mut Vec<u8>) -> Result<(), ExportError>;
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), ExportError>;
}

/// A fresh writer for `format`.
pub fn writer_for(format: ExportFormat) -> Box<dyn ReportWriter> {
    writer_with(format, false)
}

/// A fresh writer for `format`; a CSV one starts with the byte order mark when `bom` is set.
pub fn writer_with(format: ExportFormat, bom: bool) -> Box<dyn ReportWriter> {
    match format {
        ExportFormat::Csv => Box::new(csv::CsvWriter::new().with_excel_bom(bom)),
        ExportFormat::Json => Box::new(json::JsonWriter::new()),
        ExportFormat::ClaimReview => Box::new(claimreview::ClaimReviewWriter::new()),
        ExportFormat::Html => Box::new(html::HtmlWriter::new()),
    }
}

/// Writes a whole report into one buffer; handy for the CLI and tests.
pub fn export_to_vec<'a>(
    format: ExportFormat,
    meta: &ReportMeta,
    claims: impl IntoIterator<Item = &'a ReportClaim>,
) -> Result<Vec<u8>, ExportError> {
    let mut writer = writer_for(format);
    let mut out = Vec::new();
    writer.begin(meta, &mut out)?;
    for claim in claims {
        writer.write_claim(claim, &mut out)?;
    }
    writer.finish(&mut out)?;
    Ok(out)
}

/// Where a writer is in its begin / write_claim / finish sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Phase {
    #[default]
    New,
    Writing,
    Done,
}

impl Phase {
    pub(crate) fn start(&mut self) -> Result<(), ExportError> {
        match self {
            Self::New => {
                *self = Self::Writing;
                Ok(())
            }
            _ => Err(ExportError::Sequence("begin called twice")),
        }
    }

    pub(crate) fn check_writing(self) -> Result<(), ExportError> {
        match self {
            Self::Writing => Ok(()),
            Self::New => Err(ExportError::Sequence("write_claim before begin")),
            Self::Done => Err(ExportError::Sequence("write_claim after finish")),
        }
    }

    pub(crate) fn end(&mut self) -> Result<(), ExportError> {
        match self {
            Self::Writing => {
                *self = Self::Done;
                Ok(())
            }
            Self::New => Err(ExportError::Sequence("finish before begin")),
            Self::Done => Err(ExportError::Sequence("finish called twice")),
        }
    }
}

/// RFC 3339 in UTC with whole seconds, e.g. `2026-03-01T09:30:00Z`.
pub(crate) fn rfc3339(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in ExportFormat::ALL {
            assert_eq!(f.as_str().parse::<ExportFormat>().ok(), Some(f));
        }
        assert_eq!(
            " ClaimReview ".parse::<ExportFormat>().ok(),
            Some(ExportFormat::ClaimReview)
        );
        assert!(matches!(
            "pdf".parse::<ExportFormat>(),
            Err(ExportError::UnknownFormat(_))
        ));
    }

    #[test]
    fn claim_url_tolerates_trailing_slash() {
        assert_eq!(
            check_page_url("https://claims.example.org/", 42, "Tanks arrived in 2024."),
            "https://claims.example.org/checks/42-tanks-arrived-in-2024"
        );
    }
}
