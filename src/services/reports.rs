//! Drives a report writer from the database: batches of claims in, one chunk of output per
//! batch out, with memory bounded by a couple of batches whatever the size of the export.

use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use futures_util::Stream;
use tokio::sync::mpsc;

use crate::config::ReportSettings;
use crate::db::DbPool;
use crate::db::articles::{Article, ArticleSummary};
use crate::db::claims::{
    ClaimFilter, ClaimFilterText, FilterError, flag, present, report_default_states,
};
use crate::db::reports::{BATCH_SIZE, BatchCursor, Related, ReportQuery};
use crate::error::AppError;
use crate::export::{
    ExportError, ExportFormat, ReportMeta, ReportSummary, ReportWriter, writer_with,
};
use crate::extract::Category;
use crate::services::queue::assignee_named;

/// Batches produced ahead of the consumer. One in flight while the previous one is written
/// out lets the database and the client work at the same time without piling up output.
const CHUNKS_AHEAD: usize = 2;

/// What each format shows besides the claims themselves: CSV lists evidence URLs,
/// ClaimReview neither evidence nor history.
fn related_for(format: ExportFormat) -> Related {
    match format {
        ExportFormat::Csv => Related {
            evidence: true,
            events: false,
        },
        ExportFormat::ClaimReview => Related {
            evidence: false,
            events: false,
        },
        ExportFormat::Json | ExportFormat::Html => Related::ALL,
    }
}

/// A piece of a report: the output of `begin`, of one batch of claims, or of `finish`.
#[derive(Debug, Clone)]
pub struct ReportChunk {
    pub bytes: Bytes,
    /// Claims written into this chunk.
    pub claims: usize,
}

enum Message {
    Begin { total: i64, bytes: Bytes },
    Chunk(ReportChunk),
}

/// A report being produced in the background; read it with [`ReportStream::next_chunk`]
/// or hand it to an HTTP response with [`ReportStream::into_body`].
pub struct ReportStream {
    /// How many claims the report holds, from the summary counted before the first row.
    pub total: i64,
    first: Option<ReportChunk>,
    rx: mpsc::Receiver<Result<Message, AppError>>,
}

/// An export's query as typed: the export page's or the API's query string, or the CLI's
/// flags. Lists are comma-separated; [`ExportRequest::parse`] reads it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ExportQuery {
    pub articles: String,
    pub states: String,
    pub include_drafts: String,
    pub category: String,
    pub claimant: String,
    pub reviewer: String,
    pub decided_from: String,
    pub decided_to: String,
    pub tags: String,
    pub bom: String,
}

/// What an export asks for: the claims (one [`ClaimFilter`], as the queue and the API use)
/// and how they were asked for, which the report records.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRequest {
    /// Its `verdict_by` is looked up from `reviewer` when the export starts.
    pub filter: ClaimFilter,
    pub include_drafts: bool,
    /// Username of whoever gave the verdict.
    pub reviewer: Option<String>,
    /// CSV only: start with the UTF-8 byte order mark, so that Excel reads the names right.
    pub bom: bool,
}

impl Default for ExportRequest {
    /// Every approved verdict.
    fn default() -> Self {
        ExportRequest {
            filter: ClaimFilter {
                states: report_default_states(false),
                ..ClaimFilter::default()
            },
            include_drafts: false,
            reviewer: None,
            bom: false,
        }
    }
}

impl ExportRequest {
    /// A malformed value (a list item that is not an id, a date that is not one, a flag that
    /// is neither yes nor no) is [`FilterError::Malformed`]; an unknown state or category or
    /// an inverted date range is [`FilterError::Unknown`].
    pub fn parse(query: &ExportQuery) -> Result<ExportRequest, FilterError> {
        let yes = |value: &str, what: &str| flag(Some(value), what).map_err(FilterError::Malformed);
        let include_drafts = yes(&query.include_drafts, "include_drafts")?;
        let text = ClaimFilterText {
            articles: Some(&query.articles),
            states: Some(&query.states),
            category: Some(&query.category),
            claimant: Some(&query.claimant),
            decided_from: Some(&query.decided_from),
            decided_to: Some(&query.decided_to),
            tags: std::slice::from_ref(&query.tags),
            ..ClaimFilterText::default()
        };
        let filter = ClaimFilter::parse_report(text, include_drafts)?;
        Ok(ExportRequest {
            filter,
            include_drafts,
            reviewer: present(Some(&query.reviewer)).map(str::to_owned),
            bom: yes(&query.bom, "bom")?,
        })
    }

    /// The filters as a report's `filters` field records them (states resolved).
    pub fn describe(&self) -> serde_json::Value {
        let f = &self.filter;
        let mut json = serde_json::json!({
            "articles": f.articles,
            "states": f.states,
            "include_drafts": self.include_drafts,
            "category": f.category.map(Category::as_str),
            "claimant": f.claimant,
            "reviewer": self.reviewer,
            "decided_from": f.decided_from.map(|d| d.to_string()),
            "decided_to": f.decided_to.map(|d| d.to_string()),
        });
        // Only when asked for, so reports without tags describe their filters as before.
        if !f.tags.is_empty() {
            json["tags"] = serde_json::json!(f.tags);
        }
        json
    }
}

/// The report query for a request: the reviewer looked up (an unknown name is refused,
/// 422), then the filter resolved.
async fn report_query(
    conn: &mut AsyncPgConnection,
    request: &ExportRequest,
) -> Result<ReportQuery, AppError> {
    let mut filter = request.filter.clone();
    if let Some(name) = &request.reviewer {
        filter.verdict_by = assignee_named(conn, name, false)
            .await?
            .map_err(|_| AppError::Validation(format!("no reviewer called {name:?}")))?;
    }
    ReportQuery::resolve(conn, &filter).await
}

/// Report-wide facts for a writer's `begin`, except the summary, which is counted later.
fn meta_for(request: &ExportRequest, settings: &ReportSettings, now: DateTime<Utc>) -> ReportMeta {
    ReportMeta {
        generated_at: now,
        filters: request.describe(),
        organization: settings.org_name.clone(),
        organization_url: settings.org_url.clone(),
        public_base_url: settings.public_base(),
        summary: Default::default(),
    }
}

/// The name a downloaded report gets, e.g. `claimdesk-report-20260301.csv`.
pub fn download_name(format: ExportFormat, now: DateTime<Utc>) -> String {
    format!(
        "claimdesk-report-{}.{}",
        now.format("%Y%m%d"),
        format.file_extension()
    )
}

/// What the export page shows before a download: the articles chosen, those whose title
/// matches the search, recent titles to pick from, and how many claims the filters select
/// (or why the filters are refused).
pub struct ExportPreview {
    pub chosen: Vec<ArticleSummary>,
    pub matches: Vec<ArticleSummary>,
    pub titles: Vec<ArticleSummary>,
    pub selected: Result<ReportSummary, AppError>,
}

/// How many titles the export page offers, and how many search matches it lists.
const TITLES_OFFERED: i64 = 200;
const MATCHES_LISTED: i64 = 50;

/// Counts what the request selects and finds the articles to choose from by `title`.
pub async fn preview(
    pool: &DbPool,
    request: &ExportRequest,
    title: &str,
) -> Result<ExportPreview, AppError> {
    let mut conn = pool.get().await?;
    let articles = &request.filter.articles;
    let chosen = Article::summaries(&mut conn, articles).await?;
    let matches = match title.trim() {
        "" => Vec::new(),
        term => Article::search_titles(&mut conn, term, MATCHES_LISTED)
            .await?
            .into_iter()
            .filter(|a| !articles.contains(&a.id))
            .collect(),
    };
    let titles = Article::list(&mut conn, TITLES_OFFERED).await?;
    let selected = match report_query(&mut conn, request).await {
        Ok(query) => Ok(query.summary(&mut conn).await?),
        Err(err @ AppError::Validation(_)) => Err(err),
        Err(other) => return Err(other),
    };
    Ok(ExportPreview {
        chosen,
        matches,
        titles,
        selected,
    })
}

/// Looks the request's names up and starts producing the report.
///
/// Everything that can fail before the first byte (an unknown reviewer or tag, no database)
/// fails here, while an HTTP caller can still answer with an error status.
pub async fn start_export(
    pool: &DbPool,
    request: &ExportRequest,
    format: ExportFormat,
    settings: &ReportSettings,
    now: DateTime<Utc>,
) -> Result<ReportStream, AppError> {
    let mut conn = pool.get().await?;
    let query = report_query(&mut conn, request).await?;
    let meta = meta_for(request, settings, now);
    let (tx, mut rx) = mpsc::channel(CHUNKS_AHEAD);
    let bom = request.bom;
    tokio::spawn(async move {
        let writer = writer_with(format, bom);
        // One read-only snapshot: the summary and every batch see the same claims, however
        // long the export takes and whatever reviewers do meanwhile.
        let result = conn
            .build_transaction()
            .read_only()
            .repeatable_read()
            .run(async |conn| produce(conn, &query, related_for(format), meta, writer, &tx).await)
            .await;
        if let Err(err) = result {
            if tx.is_closed() {
                tracing::info!(%format, "export abandoned by its reader");
            } else {
                // The status line has usually gone out already; the log is the only record.
                tracing::error!(error = %err.log_detail(), %format, "export failed part-way");
                let _ = tx.send(Err(err)).await;
            }
        }
    });
    match rx.recv().await {
        Some(Ok(Message::Begin { total, bytes })) => Ok(ReportStream {
            total,
            first: Some(ReportChunk { bytes, claims: 0 }),
            rx,
        }),
        Some(Ok(Message::Chunk(_))) => Err(AppError::unexpected(anyhow::anyhow!(
            "report started without its header"
        ))),
        Some(Err(err)) => Err(err),
        None => Err(AppError::unexpected(anyhow::anyhow!(
            "report producer stopped before starting"
        ))),
    }
}

fn write_failed(err: ExportError) -> AppError {
    AppError::unexpected(err)
}

async fn send(
    tx: &mpsc::Sender<Result<Message, AppError>>,
    message: Message,
) -> Result<(), AppError> {
    tx.send(Ok(message))
        .await
        .map_err(|_| AppError::unexpected(anyhow::anyhow!("the report's reader went away")))
}

/// Runs begin / write_claim per batch / finish, sending each piece as soon as it is ready.
async fn produce(
    conn: &mut AsyncPgConnection,
    query: &ReportQuery,
    related: Related,
    mut meta: ReportMeta,
    mut writer: Box<dyn ReportWriter>,
    tx: &mpsc::Sender<Result<Message, AppError>>,
) -> Result<(), AppError> {
    meta.summary = query.summary(conn).await?;
    let total = meta.summary.total;
    let mut out = Vec::new();
    writer.begin(&meta, &mut out).map_err(write_failed)?;
    send(
        tx,
        Message::Begin {
            total,
            bytes: Bytes::from(out),
        },
    )
    .await?;

    let mut cursor = None;
    let mut last_article = None;
    loop {
        let batch = query
            .batch(conn, cursor, BATCH_SIZE, related, &mut last_article)
            .await?;
        let Some(last) = batch.last() else { break };
        cursor = Some(BatchCursor {
            article_id: last.article.id,
            claim_id: last.id,
        });
        let mut out = Vec::with_capacity(batch.len() * 1024);
        for claim in &batch {
            writer.write_claim(claim, &mut out).map_err(write_failed)?;
        }
        let full = batch.len() as i64 == BATCH_SIZE;
        send(
            tx,
            Message::Chunk(ReportChunk {
                bytes: Bytes::from(out),
                claims: batch.len(),
            }),
        )
        .await?;
        if !full {
            break;
        }
    }

    let mut out = Vec::new();
    writer.finish(&mut out).map_err(write_failed)?;
    send(
        tx,
        Message::Chunk(ReportChunk {
            bytes: Bytes::from(out),
            claims: 0,
        }),
    )
    .await
}

impl ReportStream {
    /// The next piece of the report; `None` once it is complete. An error ends the report:
    /// whatever was read before it is incomplete.
    pub async fn next_chunk(&mut self) -> Option<Result<ReportChunk, AppError>> {
        if let Some(first) = self.first.take() {
            return Some(Ok(first));
        }
        match self.rx.recv().await? {
            Ok(Message::Chunk(chunk)) => Some(Ok(chunk)),
            Ok(Message::Begin { .. }) => Some(Err(AppError::unexpected(anyhow::anyhow!(
                "report header sent twice"
            )))),
            Err(err) => Some(Err(err)),
        }
    }

    /// The report as a body stream for an HTTP response.
    pub fn into_body(self) -> impl Stream<Item = Result<Bytes, AppError>> + 'static {
        futures_util::stream::unfold(self, |mut stream| async move {
            let item = stream.next_chunk().await?;
            Some((item.map(|chunk| chunk.bytes), stream))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ReviewState;
    use chrono::NaiveDate;

    fn parse(query: &str) -> Result<ExportRequest, FilterError> {
        let query: ExportQuery = serde_urlencoded::from_str(query)
            .map_err(|e| FilterError::Malformed(format!("the query string does not parse: {e}")))?;
        ExportRequest::parse(&query)
    }

    fn states(query: &str) -> Vec<ReviewState> {
        parse(query).map(|r| r.filter.states).unwrap_or_default()
    }

    #[test]
    fn states_default_to_approved_and_drafts_when_asked() {
        assert_eq!(states(""), vec![ReviewState::Approved]);
        assert_eq!(parse("").ok(), Some(ExportRequest::default()));
        assert_eq!(
            states("include_drafts=true"),
            vec![
                ReviewState::Verified,
                ReviewState::Disputed,
                ReviewState::Unverifiable,
                ReviewState::Approved
            ]
        );
        // Named states win over the drafts flag, in workflow order, each once, any case.
        assert_eq!(
            states("states=Dismissed,extracted,dismissed&include_drafts=true"),
            vec![ReviewState::Extracted, ReviewState::Dismissed]
        );
    }

    #[test]
    fn malformed_values_are_bad_requests_and_unknown_names_are_named() {
        for query in [
            "articles=1,x",
            "decided_to=31/01/2026",
            "decided_from=2026-13-01",
            "include_drafts=maybe",
            "bom=perhaps",
        ] {
            assert!(
                matches!(parse(query), Err(FilterError::Malformed(_))),
                "{query}"
            );
        }
        let unknown = |query: &str| match parse(query) {
            Err(FilterError::Unknown(message)) => message,
            other => format!("not refused as unknown: {other:?}"),
        };
        let state = unknown("states=approved,Published");
        assert!(
            state.contains("\"Published\"") && state.contains("in_review"),
            "{state}"
        );
        let category = unknown("category=sports");
        assert!(
            category.contains("\"sports\"") && category.contains("energy"),
            "{category}"
        );
        let range = unknown("decided_from=2026-05-02&decided_to=2026-05-01");
        assert!(range.contains("2026-05-02"), "{range}");
    }

    #[test]
    fn the_report_records_the_filters_as_asked() {
        let request = parse(
            "articles=3,7&states=approved,%20disputed&category=Energy&claimant=%20%20\
             &reviewer=rita&decided_from=2026-01-31&tags=health,Health,%20budget&bom=true",
        )
        .expect("filters parse");
        assert_eq!(request.filter.articles, vec![3, 7]);
        assert_eq!(request.filter.category, Some(Category::Energy));
        assert_eq!(request.filter.claimant, None);
        assert_eq!(
            request.filter.decided_from,
            NaiveDate::from_ymd_opt(2026, 1, 31)
        );
        assert_eq!(request.reviewer.as_deref(), Some("rita"));
        assert!(request.bom);
        let json = request.describe();
        assert_eq!(json["articles"], serde_json::json!([3, 7]));
        assert_eq!(json["states"], serde_json::json!(["disputed", "approved"]));
        assert_eq!(json["category"], "energy");
        assert_eq!(json["claimant"], serde_json::Value::Null);
        assert_eq!(json["reviewer"], "rita");
        assert_eq!(json["include_drafts"], false);
        assert_eq!(json["decided_from"], "2026-01-31");
        assert_eq!(json["decided_to"], serde_json::Value::Null);
        assert_eq!(json["tags"], serde_json::json!(["health", "budget"]));
        let plain = ExportRequest::default().describe();
        assert!(plain.get("tags").is_none(), "{plain}");
    }

    #[test]
    fn download_names_carry_the_date_and_extension() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T23:59:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(
            download_name(ExportFormat::ClaimReview, at),
            "claimdesk-report-20260301.jsonld"
        );
        assert_eq!(
            download_name(ExportFormat::Csv, at),
            "claimdesk-report-20260301.csv"
        );
    }
}
