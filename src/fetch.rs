//! Fetching an article from a web address (placeholder until the fetcher lands).

use crate::config::ExtractSettings;
use crate::error::AppError;
use crate::extract::InputFormat;

pub struct FetchedArticle {
    pub body: Vec<u8>,
    pub format: InputFormat,
}

pub async fn fetch_article(
    _url: &str,
    _settings: &ExtractSettings,
) -> Result<FetchedArticle, AppError> {
    Err(AppError::Validation(
        "fetching from a web address is not available yet; paste the text".into(),
    ))
}
