//! Article pages: the list with the import form, and one article with its claims highlighted.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{is_web_url, parse_id, see_other};
use crate::auth::CurrentUser;
use crate::auth::csrf::ProtectedForm;
use crate::db::articles::Article;
use crate::db::claims::Claim;
use crate::domain::ReviewState;
use crate::error::AppError;
use crate::import::{ArticleInput, import_article as import, optional, parse_date};
use crate::startup::AppState;
use crate::views::{
    ArticlePage, ArticlesPage, ImportFormView, Layout, Segment, SegmentClaim, render_with_status,
};

const LIST_LIMIT: i64 = 200;

pub async fn list_articles(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<ArticlesPage, AppError> {
    let mut conn = state.pool.get().await?;
    Ok(ArticlesPage {
        layout: Layout::for_user(&user),
        form: ImportFormView::default(),
        articles: Article::list(&mut conn, LIST_LIMIT).await?,
    })
}

#[derive(Debug, Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    publisher: String,
    #[serde(default)]
    published: String,
    #[serde(default)]
    body: String,
}

pub async fn import_article(
    state: web::Data<AppState>,
    post: ProtectedForm<ImportForm>,
) -> Result<HttpResponse, AppError> {
    let ProtectedForm { user, form } = post;
    let mut conn = state.pool.get().await?;
    let result = async {
        let url = optional(Some(form.url.clone()));
        let (body, format) = if form.body.trim().is_empty() {
            let url = url.as_deref().ok_or_else(|| {
                AppError::Validation("paste the text or give a web address".into())
            })?;
            let fetched = crate::fetch::fetch_article(url, &state.config.extract).await?;
            (fetched.body, fetched.format)
        } else {
            let format = crate::extract::InputFormat::detect(form.body.as_bytes(), None, None);
            (form.body.clone().into_bytes(), format)
        };
        let input = ArticleInput {
            title: form.title.clone(),
            body,
            format,
            source_url: url,
            publisher: optional(Some(form.publisher.clone())),
            published_on: parse_date(Some(&form.published))?,
            imported_by: Some(user.id),
        };
        import(&mut conn, input, &state.config.extract).await
    }
    .await;
    match result {
        Ok((article, _)) => Ok(see_other(&format!("/articles/{}", article.id))),
        Err(
            err @ (AppError::Validation(_)
            | AppError::Conflict { .. }
            | AppError::PayloadTooLarge { .. }
            | AppError::BadRequest(_)),
        ) => {
            let status = actix_web::ResponseError::status_code(&err);
            let articles = Article::list(&mut conn, LIST_LIMIT).await?;
            let page = ArticlesPage {
                layout: Layout::for_user(&user),
                form: ImportFormView {
                    title: form.title,
                    url: form.url,
                    publisher: form.publisher,
                    published: form.published,
                    body: form.body,
                    error: Some(err.to_string()),
                },
                articles,
            };
            let status = if status == StatusCode::CONFLICT {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            render_with_status(&page, status)
        }
        Err(other) => Err(other),
    }
}

/// Splits the body into paragraphs of plain and highlighted runs. Claims are byte spans into
/// the body; spans that overlap an earlier claim or break a character are shown unhighlighted.
pub fn segments(body: &str, claims: &[Claim]) -> Vec<Vec<Segment>> {
    let mut marks: Vec<(usize, usize, &Claim)> = claims
        .iter()
        .filter_map(|c| {
            let (s, e) = (
                usize::try_from(c.span_start).ok()?,
                usize::try_from(c.span_end).ok()?,
            );
            (s < e && e <= body.len() && body.is_char_boundary(s) && body.is_char_boundary(e))
                .then_some((s, e, c))
        })
        .collect();
    marks.sort_by_key(|(s, e, _)| (*s, *e));
    let mut paragraphs = Vec::new();
    let mut offset = 0;
    for line in body.split('\n') {
        let (start, end) = (offset, offset + line.len());
        offset = end + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut runs = Vec::new();
        let mut cursor = start;
        for &(s, e, claim) in &marks {
            let (s, e) = (s.max(start), e.min(end));
            if s >= e || s < cursor {
                continue;
            }
            if s > cursor {
                runs.push(Segment {
                    text: body[cursor..s].to_owned(),
                    claim: None,
                });
            }
            runs.push(Segment {
                text: body[s..e].to_owned(),
                claim: Some(SegmentClaim {
                    id: claim.id,
                    state: claim.state,
                    category: claim.category,
                }),
            });
            cursor = e;
        }
        if cursor < end {
            runs.push(Segment {
                text: body[cursor..end].to_owned(),
                claim: None,
            });
        }
        paragraphs.push(runs);
    }
    paragraphs
}

pub async fn show_article(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<ArticlePage, AppError> {
    let id = parse_id(&path, "article")?;
    let mut conn = state.pool.get().await?;
    let article = Article::by_id(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("article"))?;
    let claims = Claim::for_article(&mut conn, id).await?;
    Ok(ArticlePage {
        layout: Layout::for_user(&user),
        source_link: article.source_url.clone().filter(|u| is_web_url(u)),
        claim_count: claims.len(),
        states: ReviewState::ALL,
        paragraphs: segments(&article.body, &claims),
        article,
    })
}
