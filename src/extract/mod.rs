//! Placeholder extractor (replaced by the real module).

use serde::Serialize;

crate::domain::named_enum! {
    /// What a claim is about.
    pub enum Category ("category") {
        Arms => "arms",
        Finance => "finance",
        Energy => "energy",
        Military => "military",
        Diplomacy => "diplomacy",
        Politics => "politics",
        Economy => "economy",
        Other => "other",
    }
}

#[derive(Debug, Clone, Copy)]
pub enum InputFormat {
    Text,
    Markdown,
    Html,
}

#[derive(Debug, Clone)]
pub struct ExtractConfig {
    pub threshold: f32,
    pub max_bytes: usize,
    pub duplicate_threshold: f32,
}
impl Default for ExtractConfig {
    fn default() -> Self {
        ExtractConfig {
            threshold: 0.5,
            max_bytes: 2 * 1024 * 1024,
            duplicate_threshold: 0.5,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("not UTF-8")]
    NotUtf8 { valid_up_to: usize },
    #[error("too large")]
    TooLarge { size: usize, limit: usize },
    #[error("empty")]
    Empty,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entity {
    pub kind: String,
    pub text: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExtractedClaim {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub score: f32,
    pub category: Category,
    pub claimant: Option<String>,
    pub entities: Vec<Entity>,
    pub duplicate_of: Option<usize>,
}

pub struct Document {
    pub text: String,
    pub claims: Vec<ExtractedClaim>,
}

pub fn extract_bytes(
    input: &[u8],
    _format: InputFormat,
    cfg: &ExtractConfig,
) -> Result<Document, ExtractError> {
    if input.len() > cfg.max_bytes {
        return Err(ExtractError::TooLarge {
            size: input.len(),
            limit: cfg.max_bytes,
        });
    }
    let text = std::str::from_utf8(input).map_err(|e| ExtractError::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    Ok(Document {
        text: text.to_owned(),
        claims: extract_text(text, cfg),
    })
}

pub fn extract_text(text: &str, _cfg: &ExtractConfig) -> Vec<ExtractedClaim> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '.' || c == '\n' {
            let s = text[start..i + c.len_utf8()].trim();
            if s.len() > 30 && s.chars().any(|c| c.is_ascii_digit()) {
                let off = start + text[start..].find(s).unwrap_or(0);
                out.push(ExtractedClaim {
                    text: s.to_owned(),
                    start: off,
                    end: off + s.len(),
                    score: 0.8,
                    category: Category::Other,
                    claimant: None,
                    entities: vec![],
                    duplicate_of: None,
                });
            }
            start = i + c.len_utf8();
        }
    }
    out
}

pub fn score_sentence(text: &str) -> f32 {
    if text.chars().any(|c| c.is_ascii_digit()) {
        0.8
    } else {
        0.2
    }
}
pub fn similarity(_a: &str, _b: &str) -> f32 {
    0.0
}
impl InputFormat {
    pub fn detect(_b: &[u8], _c: Option<&str>, _f: Option<&str>) -> InputFormat {
        InputFormat::Text
    }
}
