//! Writes the sentence encoder's embedding of every input line, for training the
//! check-worthiness head with exactly the encoder claimdesk runs.
//!
//! `cargo run --release --example embed_lines -- LINES OUT`: LINES holds one text per line;
//! OUT receives 384 little-endian f32 per line, in order. The model comes from
//! `CLAIMDESK_MODEL_DIR` (default `var/models/all-MiniLM-L6-v2`).

use std::io::Write;
use std::time::Instant;

use claimdesk::embed::{self, Encoder};

/// Lines handed to the encoder at once: it sorts them by length into batches.
const CHUNK: usize = 2048;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [lines, out] = args.as_slice() else {
        return Err("usage: embed_lines LINES OUT".into());
    };
    let text = std::fs::read_to_string(lines)?;
    let texts: Vec<&str> = text.lines().collect();
    let encoder = Encoder::load(&embed::model_dir())?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    let started = Instant::now();
    for (n, chunk) in texts.chunks(CHUNK).enumerate() {
        for vector in encoder.encode(chunk)? {
            for x in vector {
                file.write_all(&x.to_le_bytes())?;
            }
        }
        eprintln!("{} of {} lines", (n * CHUNK + chunk.len()), texts.len());
    }
    file.flush()?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "embedded {} lines in {secs:.1}s ({:.0} lines/s)",
        texts.len(),
        texts.len() as f64 / secs.max(1e-9)
    );
    Ok(())
}
