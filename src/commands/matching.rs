//! The commands for known fact-checks: `factchecks import`, `match`, `model install`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::cli::{self, FactchecksCommand, ModelCommand};
use crate::config::ExtractSettings;
use crate::db::DbPool;
use crate::factcheck;
use crate::ranking::Weights;
use crate::services::matching;

/// Largest fact-check file read.
pub const MAX_FACT_CHECK_BYTES: usize = 256 * 1024 * 1024;

pub async fn factchecks(
    pool: &DbPool,
    cmd: FactchecksCommand,
    extract: &ExtractSettings,
) -> anyhow::Result<()> {
    let FactchecksCommand::Import { file, format } = cmd;
    let (body, source) = read_source(&file, extract).await?;
    let parsed = tokio::task::spawn_blocking(move || factcheck::parse(&body, format)).await??;
    for error in &parsed.errors {
        eprintln!("claimdesk: skipped {error}");
    }
    let embedder = crate::embed::shared_async().await;
    let total = parsed.items.len() as u64;
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} importing fact-checks {bar:40} {pos}/{len} ({eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut conn = pool.get().await?;
    let report = matching::import_fact_checks(
        &mut conn,
        embedder,
        parsed.items,
        parsed.errors,
        &source,
        |done| bar.set_position(done as u64),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    crate::services::claim_matches::after_fact_check_import(pool, &report, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    cli::print_line(&format!(
        "imported {} fact-checks ({} new, {} updated, {} skipped){}",
        report.inserted + report.updated,
        report.inserted,
        report.updated,
        report.errors.len(),
        if report.embedded {
            ""
        } else {
            "; without embeddings (the model is unavailable)"
        }
    ))
}

/// The bytes of a file, standard input or a web address, and the name recorded as source.
async fn read_source(file: &Path, extract: &ExtractSettings) -> anyhow::Result<(Vec<u8>, String)> {
    if let Some(address) = file
        .to_str()
        .filter(|f| crate::domain::urls::has_web_scheme(f))
    {
        let fetched = crate::fetch::fetch_article(address, extract)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        return Ok((fetched.body, fetched.final_url));
    }
    let body = cli::read_input(file, MAX_FACT_CHECK_BYTES)?;
    let source = match file.as_os_str() == "-" {
        true => "stdin".to_owned(),
        false => file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
    };
    Ok((body, source))
}

/// Ranks stored fact-checks for every query of a TSV (`id<TAB>text`, with a header) and
/// prints `query_id<TAB>source_id<TAB>rank<TAB>score` per candidate.
pub async fn match_queries(
    pool: &DbPool,
    file: Option<PathBuf>,
    top: usize,
    weights: Weights,
) -> anyhow::Result<()> {
    let path = file.unwrap_or_else(|| "-".into());
    let body = cli::read_input(&path, MAX_FACT_CHECK_BYTES)?;
    let queries = read_queries(&body)?;
    let embedder = crate::embed::shared_async().await;
    let mut conn = pool.get().await?;
    let texts: Vec<String> = queries.iter().map(|q| q.1.clone()).collect();
    let ranked = matching::match_many(&mut conn, embedder, texts, top, weights)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for ((id, _), matches) in queries.iter().zip(ranked) {
        for (rank, m) in matches.iter().enumerate() {
            writeln!(out, "{id}\t{}\t{}\t{:.4}", m.source_id, rank + 1, m.score)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Queries from a TSV with a header: the first column is the id, the second the text.
fn read_queries(body: &[u8]) -> anyhow::Result<Vec<(String, String)>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quote(b'"')
        .flexible(true)
        .from_reader(body);
    let mut queries = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| anyhow::anyhow!("cannot read the queries: {e}"))?;
        let line = record.position().map_or(0, |p| p.line());
        match (record.get(0), record.get(1)) {
            (Some(id), Some(text)) if !id.trim().is_empty() => {
                queries.push((id.trim().to_owned(), text.to_owned()))
            }
            _ => anyhow::bail!("line {line}: expected id<TAB>text"),
        }
    }
    Ok(queries)
}

pub fn model(cmd: ModelCommand) -> anyhow::Result<()> {
    let dir = crate::embed::model_dir();
    match cmd {
        ModelCommand::Install => {
            crate::embed::install::install(&dir)?;
            crate::embed::verify(&dir)?;
            cli::print_line(&format!("model ready in {}", dir.display()))
        }
        ModelCommand::Status => match crate::embed::verify(&dir) {
            Ok(()) => cli::print_line(&format!("model ready in {}", dir.display())),
            Err(e) => anyhow::bail!("{e}"),
        },
    }
}

/// Parses `--weights lexical,claim`.
pub fn parse_weights(text: &str) -> Result<Weights, String> {
    let parts: Vec<f32> = text
        .split(',')
        .map(|p| p.trim().parse::<f32>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("weights must be two numbers: {e}"))?;
    match parts[..] {
        [lexical, claim] if parts.iter().all(|w| w.is_finite() && *w >= 0.0) => {
            Ok(Weights { lexical, claim })
        }
        _ => Err("weights are two non-negative numbers: lexical,claim".into()),
    }
}
