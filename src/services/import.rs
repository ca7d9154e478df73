//! Importing an article: validate, extract claims (pure), store article and claims together.

use chrono::NaiveDate;
use diesel_async::AsyncConnection;

use crate::config::ExtractSettings;
use crate::db::articles::{Article, NewArticle, content_hash};
use crate::db::claims::Claim;
use crate::error::AppError;
use crate::extract::{self, ExtractError, InputFormat};
use crate::services::checkworthy;

/// An article as submitted, before extraction.
#[derive(Debug, Clone)]
pub struct ArticleInput {
    pub title: String,
    pub body: Vec<u8>,
    pub format: InputFormat,
    pub source_url: Option<String>,
    pub publisher: Option<String>,
    pub published_on: Option<NaiveDate>,
    pub imported_by: Option<i64>,
}

pub const MAX_TITLE_CHARS: usize = 500;

impl From<ExtractError> for AppError {
    fn from(err: ExtractError) -> Self {
        match err {
            ExtractError::TooLarge { limit, .. } => AppError::PayloadTooLarge { limit },
            other => AppError::Validation(other.to_string()),
        }
    }
}

/// Parses an optional `YYYY-MM-DD` date.
pub fn parse_date(text: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => crate::domain::dates::parse_day(t)
            .map(Some)
            .map_err(AppError::Validation),
    }
}

/// Refuses a title over `MAX_TITLE_CHARS`.
pub fn check_title(title: &str) -> Result<(), AppError> {
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::Validation(format!(
            "the title is longer than {MAX_TITLE_CHARS} characters"
        )));
    }
    Ok(())
}

/// Refuses a source address that is not an http or https URL.
pub fn check_source_url(url: Option<&str>) -> Result<(), AppError> {
    match url {
        Some(url) if !crate::domain::urls::is_web_url(url) => Err(AppError::Validation(
            "the source address must be an http or https URL".into(),
        )),
        _ => Ok(()),
    }
}

/// Extracts and stores an article. Extraction runs on a blocking thread: it is CPU work.
pub async fn import_article(
    conn: &mut diesel_async::AsyncPgConnection,
    input: ArticleInput,
    settings: &ExtractSettings,
) -> Result<(Article, Vec<Claim>), AppError> {
    check_source_url(input.source_url.as_deref())?;
    let config = settings.extract_config();
    let ArticleInput {
        title,
        mut body,
        format,
        source_url,
        publisher,
        published_on,
        imported_by,
    } = input;
    // A byte-order mark is an encoding detail, not part of the article: without this the
    // same text saved by another editor would not be recognised as the same article.
    if body.starts_with("\u{feff}".as_bytes()) {
        body.drain(..3);
    }
    // An article without a title takes its page's own (`<title>`, else the first heading),
    // else its first sentence cut near 80 characters.
    // With the sentence encoder, the fast model proposes candidates and the blend decides.
    let (embedder, head) = match checkworthy::trained_head() {
        Some(_) => {
            let embedder = crate::embed::shared_async().await;
            (Some(embedder), checkworthy::blender(embedder))
        }
        None => (None, None),
    };
    let candidates = match head {
        Some(head) => checkworthy::candidate_config(head, &config),
        None => config.clone(),
    };
    let (mut document, page_title) = actix_web::web::block(move || {
        let page_title = match format {
            InputFormat::Html => std::str::from_utf8(&body)
                .ok()
                .and_then(extract::html_title),
            _ => None,
        };
        extract::extract_bytes(&body, format, &candidates).map(|d| (d, page_title))
    })
    .await??;
    if let (Some(embedder), Some(head)) = (embedder, head) {
        document.claims =
            checkworthy::refine_claims(embedder, head, document.claims, &config).await;
    }
    let title = match title.trim() {
        "" => page_title.unwrap_or_else(|| extract::default_title(&document.text)),
        t => t.to_owned(),
    };
    check_title(&title)?;
    let new = NewArticle {
        title,
        source_url,
        publisher,
        published_on,
        content_hash: content_hash(&document.text),
        body: document.text,
        imported_by,
    };
    // The webhook deliveries announcing the import are written with it, or not at all.
    conn.transaction::<_, AppError, _>(async |conn| {
        let (article, claims) = Article::import(conn, new, &document.claims).await?;
        crate::services::webhooks::article_imported(conn, &article, &claims, article.created_at)
            .await?;
        crate::services::claim_matches::after_article_import(conn, article.id).await?;
        Ok((article, claims))
    })
    .await
}
