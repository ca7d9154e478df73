//! `claimdesk export`: a report to standard output or to a file that appears only once complete.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};

use super::stream::{ReportStream, start_export};
use super::{ExportFilters, ExportFormat};
use crate::cli::ExportArgs;
use crate::config::ReportSettings;
use crate::db::DbPool;

fn parse_day(flag: &str, value: Option<&str>) -> anyhow::Result<Option<NaiveDate>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|e| anyhow::anyhow!("--{flag} {v:?} is not a YYYY-MM-DD date: {e}")),
    }
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The format and filters the flags ask for; the same validation as the web form follows.
pub fn request_from_args(args: &ExportArgs) -> anyhow::Result<(ExportFormat, ExportFilters)> {
    let format: ExportFormat = args.format.parse()?;
    let filters = ExportFilters {
        articles: args.articles.clone(),
        states: args.states.clone(),
        include_drafts: args.include_drafts,
        category: non_blank(args.category.clone()),
        claimant: non_blank(args.claimant.clone()),
        reviewer: non_blank(args.reviewer.clone()),
        decided_from: parse_day("decided-from", args.decided_from.as_deref())?,
        decided_to: parse_day("decided-to", args.decided_to.as_deref())?,
    };
    Ok((format, filters))
}

/// Runs an export as the flags say.
pub async fn run_export(
    pool: &DbPool,
    args: ExportArgs,
    settings: &ReportSettings,
) -> anyhow::Result<()> {
    let (format, filters) = request_from_args(&args)?;
    let stream = start_export(pool, &filters, format, settings, Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut progress = Progress::new(stream.total);
    match args.output {
        None => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            copy(stream, &mut out, &mut progress).await?;
            out.flush()?;
        }
        Some(path) => write_file(&path, stream, &mut progress).await?,
    }
    progress.done();
    Ok(())
}

async fn copy(
    mut stream: ReportStream,
    out: &mut impl Write,
    progress: &mut Progress,
) -> anyhow::Result<()> {
    while let Some(chunk) = stream.next_chunk().await {
        let chunk = chunk.map_err(|e| anyhow::anyhow!("the export failed part-way: {e}"))?;
        out.write_all(&chunk.bytes)?;
        progress.advance(chunk.claims);
    }
    Ok(())
}

/// Writes beside `path` and renames at the end, so a failed export never leaves half a report
/// where a complete one is expected. Devices and pipes (`-o /dev/null`) are written directly.
async fn write_file(
    path: &Path,
    stream: ReportStream,
    progress: &mut Progress,
) -> anyhow::Result<()> {
    let is_special = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
    if is_special {
        let mut out = BufWriter::new(
            File::options()
                .write(true)
                .open(path)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        );
        copy(stream, &mut out, progress).await?;
        out.flush()?;
        return Ok(());
    }
    let partial = partial_path(path)?;
    let file = File::create(&partial)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", partial.display()))?;
    let mut out = BufWriter::new(file);
    let written = async {
        copy(stream, &mut out, progress).await?;
        out.flush()?;
        out.get_ref().sync_all()?;
        std::fs::rename(&partial, path)
            .map_err(|e| anyhow::anyhow!("cannot move the report to {}: {e}", path.display()))
    }
    .await;
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// A hidden name in the target's own directory, so the final rename never crosses devices.
fn partial_path(path: &Path) -> anyhow::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| anyhow::anyhow!("{} is not a file name", path.display()))?;
    let mut partial = std::ffi::OsString::from(".");
    partial.push(name);
    partial.push(format!(".partial-{}", std::process::id()));
    Ok(path.with_file_name(partial))
}

/// A one-line counter on standard error, shown only to a person watching a terminal.
struct Progress {
    total: i64,
    written: i64,
    last_drawn: Option<Instant>,
    enabled: bool,
}

impl Progress {
    fn new(total: i64) -> Progress {
        Progress {
            total,
            written: 0,
            last_drawn: None,
            enabled: std::io::stderr().is_terminal(),
        }
    }

    fn advance(&mut self, claims: usize) {
        self.written += claims as i64;
        if !self.enabled {
            return;
        }
        // Redrawing on every batch would flood a slow terminal.
        if self
            .last_drawn
            .is_some_and(|at| at.elapsed() < Duration::from_millis(200))
        {
            return;
        }
        self.last_drawn = Some(Instant::now());
        self.draw();
    }

    fn draw(&self) {
        let percent = if self.total > 0 {
            self.written * 100 / self.total
        } else {
            100
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\rexported {}/{} claims ({percent}%)",
            self.written, self.total
        );
        let _ = err.flush();
    }

    fn done(&mut self) {
        if self.enabled {
            self.draw();
            let _ = writeln!(std::io::stderr().lock());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_files_sit_beside_the_target() {
        let partial = partial_path(Path::new("/tmp/out/report.csv")).ok();
        let expected = format!("/tmp/out/.report.csv.partial-{}", std::process::id());
        assert_eq!(partial, Some(PathBuf::from(expected)));
        assert!(partial_path(Path::new("/")).is_err());
    }

    #[test]
    fn bad_dates_name_the_flag() {
        let err = parse_day("decided-from", Some("01/02/2026")).err();
        assert!(err.is_some_and(|e| e.to_string().contains("--decided-from")));
        assert_eq!(parse_day("decided-to", Some(" ")).ok(), Some(None));
    }
}
