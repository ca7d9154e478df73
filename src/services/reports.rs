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
use crate::db::reports::{BATCH_SIZE, BatchCursor, Related, ReportQuery};
use crate::error::AppError;
use crate::export::{
    ExportError, ExportFilters, ExportFormat, ReportMeta, ReportSummary, ReportWriter, writer_with,
};

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

/// Report-wide facts for a writer's `begin`, except the summary, which is counted later.
fn meta_for(filters: &ExportFilters, settings: &ReportSettings, now: DateTime<Utc>) -> ReportMeta {
    ReportMeta {
        generated_at: now,
        filters: filters.to_json(),
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

/// Validates `filters` and starts producing the report.
///
/// Everything that can fail before the first byte (bad filters, an unknown reviewer, no
/// database) fails here, while an HTTP caller can still answer with an error status.
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

/// Counts what `filters` select and finds the articles to choose from by `title`.
pub async fn preview(
    pool: &DbPool,
    filters: &ExportFilters,
    title: &str,
) -> Result<ExportPreview, AppError> {
    let mut conn = pool.get().await?;
    let chosen = Article::summaries(&mut conn, &filters.articles).await?;
    let matches = match title.trim() {
        "" => Vec::new(),
        term => Article::search_titles(&mut conn, term, MATCHES_LISTED)
            .await?
            .into_iter()
            .filter(|a| !filters.articles.contains(&a.id))
            .collect(),
    };
    let titles = Article::list(&mut conn, TITLES_OFFERED).await?;
    let selected = match ReportQuery::resolve(&mut conn, filters).await {
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

pub async fn start_export(
    pool: &DbPool,
    filters: &ExportFilters,
    format: ExportFormat,
    settings: &ReportSettings,
    now: DateTime<Utc>,
) -> Result<ReportStream, AppError> {
    let mut conn = pool.get().await?;
    let query = ReportQuery::resolve(&mut conn, filters).await?;
    let meta = meta_for(filters, settings, now);
    let (tx, mut rx) = mpsc::channel(CHUNKS_AHEAD);
    let bom = filters.bom;
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
