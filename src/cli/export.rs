//! `claimdesk export`: a report to standard output or to a file that appears only once complete.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::cli::ExportArgs;
use crate::config::ReportSettings;
use crate::db::DbPool;
use crate::export::ExportFormat;
use crate::services::reports::{ExportQuery, ExportRequest, ReportStream, start_export};

/// The format and request the flags ask for, read by the same parse as the web form's.
pub fn request_from_args(args: &ExportArgs) -> anyhow::Result<(ExportFormat, ExportRequest)> {
    let format: ExportFormat = args.format.parse()?;
    let join = |items: &[String]| items.join(",");
    let yes = |set: bool| if set { "true" } else { "" }.to_owned();
    let query = ExportQuery {
        articles: args
            .articles
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(","),
        states: join(&args.states),
        include_drafts: yes(args.include_drafts),
        category: args.category.clone().unwrap_or_default(),
        claimant: args.claimant.clone().unwrap_or_default(),
        reviewer: args.reviewer.clone().unwrap_or_default(),
        decided_from: args.decided_from.clone().unwrap_or_default(),
        decided_to: args.decided_to.clone().unwrap_or_default(),
        tags: join(&args.tags),
        bom: yes(args.bom),
    };
    let request =
        ExportRequest::parse(&query).map_err(|e| anyhow::anyhow!(flag_names(&e.to_string())))?;
    Ok((format, request))
}

/// A refusal as the command line reads: the query's parameter names spelled as its flags.
fn flag_names(message: &str) -> String {
    ["decided_from", "decided_to"]
        .into_iter()
        .fold(message.to_owned(), |m, name| {
            m.replace(
                &format!("{name}:"),
                &format!("--{}:", name.replace('_', "-")),
            )
        })
}

/// Runs an export as the flags say.
pub async fn run_export(
    pool: &DbPool,
    args: ExportArgs,
    settings: &ReportSettings,
) -> anyhow::Result<()> {
    let (format, request) = request_from_args(&args)?;
    let stream = start_export(pool, &request, format, settings, Utc::now())
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

/// Writes beside `path` and renames at the end, so a failed or interrupted export never
/// leaves half a report where a complete one is expected. Devices and pipes
/// (`-o /dev/null`) are written directly.
async fn write_file(
    path: &Path,
    stream: ReportStream,
    progress: &mut Progress,
) -> anyhow::Result<()> {
    let cannot_write =
        |e: &dyn std::fmt::Display| anyhow::anyhow!("cannot write {}: {e}", path.display());
    let target = std::fs::metadata(path).ok();
    if target.as_ref().is_some_and(|m| !m.is_file() && !m.is_dir()) {
        let file = File::options()
            .write(true)
            .open(path)
            .map_err(|e| cannot_write(&e))?;
        let mut out = BufWriter::new(file);
        copy(stream, &mut out, progress).await?;
        out.flush()?;
        return Ok(());
    }
    // tempfile appends its own hidden path (` at path "…"`) to errors; the message names the
    // target instead.
    let mut partial = partial_file(path).map_err(|e| {
        let text = e.to_string();
        let cause = text.split(" at path \"").next().unwrap_or_default();
        cannot_write(&cause)
    })?;
    // A replaced report keeps the permissions it had (a private draft stays private).
    if let Some(existing) = target.filter(|m| m.is_file()) {
        partial
            .as_file()
            .set_permissions(existing.permissions())
            .map_err(|e| cannot_write(&e))?;
    }
    let written = async {
        let mut out = BufWriter::new(partial.as_file_mut());
        copy(stream, &mut out, progress).await?;
        out.flush()?;
        drop(out);
        partial.as_file().sync_all()?;
        anyhow::Ok(())
    };
    // Ctrl-C or a stop signal ends the export here, so the partial file is removed (when
    // `partial` drops) instead of being left behind.
    tokio::select! {
        result = written => result?,
        () = interrupted() => anyhow::bail!("interrupted; {} was not written", path.display()),
    }
    partial.persist(path).map_err(|e| {
        anyhow::anyhow!("cannot move the report to {}: {}", path.display(), e.error)
    })?;
    Ok(())
}

/// A new file with an unpredictable hidden name in the target's own directory (so the final
/// rename never crosses devices), created exclusively (a planted file or symlink is never
/// followed) with the permissions a normally created file would get.
fn partial_file(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "that is not a file name")
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".partial");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Masked by the umask at creation, exactly like File::create.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
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
    fn partial_files_are_new_hidden_files_beside_the_target() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let target = dir.path().join("report.csv");
        let a = partial_file(&target).expect("partial file");
        let b = partial_file(&target).expect("partial file");
        assert_eq!(a.path().parent(), Some(dir.path()));
        assert_ne!(
            a.path(),
            b.path(),
            "names are unpredictable, not per process"
        );
        let name = a
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        assert!(name.is_some_and(|n| n.starts_with(".report.csv.") && n.ends_with(".partial")));
        assert!(partial_file(Path::new("/")).is_err());
    }

    #[test]
    fn bad_dates_name_the_flag() {
        let err = ExportRequest::parse(&ExportQuery {
            decided_from: "01/02/2026".into(),
            ..ExportQuery::default()
        })
        .err()
        .map(|e| flag_names(&e.to_string()));
        assert!(
            err.as_deref()
                .is_some_and(|e| e.starts_with("--decided-from: ")),
            "{err:?}"
        );
        assert_eq!(
            flag_names("decided_to: not a day"),
            "--decided-to: not a day"
        );
    }
}
