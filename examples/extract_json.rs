//! Prints the claims of one article file as a JSON array.

// `cargo run --release --example extract_json -- FILE`; the format is
// detected from the file name and contents.

use claimdesk::extract::{ExtractConfig, InputFormat, extract_bytes};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: extract_json FILE")?;
    let bytes = std::fs::read(&path)?;
    let format = InputFormat::detect(&bytes, None, Some(&path));
    let doc = extract_bytes(&bytes, format, &ExtractConfig::default())?;
    println!("{}", serde_json::to_string_pretty(&doc.claims)?);
    Ok(())
}
