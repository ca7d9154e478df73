//! Prints one check-worthiness score per input line (reproduces the eval).

// `cargo run --release --example score_lines -- FILE [--tsv]`: with `--tsv`
// the file is a CheckThat!-style TSV (header, id, text, label) and the text
// column is scored; otherwise every line is one text.

use std::io::Write;
use std::time::Instant;

fn tsv_text(line: &str) -> String {
    // Second tab-separated field, with CSV-style double quoting undone.
    let field = line.split('\t').nth(1).unwrap_or("");
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => field.to_string(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .ok_or("usage: score_lines FILE [--tsv]")?;
    let tsv = args.iter().any(|a| a == "--tsv");
    let data = std::fs::read_to_string(path)?;
    let texts: Vec<String> = if tsv {
        data.lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(tsv_text)
            .collect()
    } else {
        data.lines().map(str::to_string).collect()
    };
    let t0 = Instant::now();
    let scores: Vec<f32> = texts
        .iter()
        .map(|t| claimdesk::extract::score_sentence(t))
        .collect();
    let dt = t0.elapsed().as_secs_f64();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for s in &scores {
        writeln!(out, "{s:.6}")?;
    }
    eprintln!(
        "scored {} texts in {:.3}s ({:.0} sentences/s)",
        scores.len(),
        dt,
        scores.len() as f64 / dt.max(1e-9)
    );
    Ok(())
}
