//! Article pages: the list with the import form, and one article with its claims highlighted.

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;

use super::{Done, done, form_refusal, parse_id};
use crate::auth::CurrentUser;
use crate::auth::EditorOnly;
use crate::auth::csrf;
use crate::auth::csrf::ProtectedForm;
use crate::auth::extractors::peer_ip;
use crate::db::article_events::ArticleEvent;
use crate::db::articles::Article;
use crate::db::claims::Claim;
use crate::domain::Role;
use crate::domain::text::optional;
use crate::domain::urls::is_web_url;
use crate::domain::{ArticleId, ReviewState};
use crate::error::AppError;
use crate::extract::InputFormat;
use crate::services::articles::{self as article_service, ArticleEdit};
use crate::services::claims::{self as claim_service, SpanRequest};
use crate::services::import::{
    ArticleInput, check_source_url, check_title, import_article as import, parse_date,
};
use crate::startup::AppState;
use crate::views::{
    AddClaimView, ArticleEditView, ArticlePage, ArticlesPage, ImportFormView, Layout, Segment,
    SegmentClaim, render_with_status,
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
        archived: Article::list_archived(&mut conn, LIST_LIMIT).await?,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ImportForm {
    csrf_token: String,
    title: String,
    url: String,
    publisher: String,
    published: String,
    body: String,
}

/// An uploaded article file.
struct Upload {
    bytes: Vec<u8>,
    file_name: Option<String>,
    content_type: Option<String>,
}

/// An import refused before its form was read whole: what had been read, the field the
/// reason concerns (`""` for none in particular), and the reason.
struct ReadRefusal {
    form: ImportForm,
    field: &'static str,
    err: AppError,
}

/// The import form from a signed-in user, urlencoded (paste or address) or multipart (with a
/// file), read within limits and with its CSRF token checked: one parse step, like
/// `ProtectedForm` for the other forms.
pub struct ImportPost {
    user: CurrentUser,
    /// What was read of the form (all of it, unless `read` says why it stopped).
    form: ImportForm,
    /// The uploaded file, if any; or the field and the reason the reading stopped short.
    read: Result<Option<Upload>, (&'static str, AppError)>,
}

impl FromRequest for ImportPost {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let body = web::Payload::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let user = user.await?;
            let body = body
                .await
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            let limit = req
                .app_data::<web::Data<AppState>>()
                .map(|state| state.config.extract.max_article_bytes)
                .ok_or_else(|| AppError::unexpected(anyhow::anyhow!("the app state is missing")))?;
            let (form, read) = match read_import(&req, body, limit).await {
                Ok((form, upload)) => (form, Ok(upload)),
                // Nothing read, not even the token: nothing to give back.
                Err(ReadRefusal { form, err, .. }) if form.csrf_token.is_empty() => {
                    return Err(err);
                }
                // What was read goes back (below, once the token is checked) with the reason.
                Err(ReadRefusal { form, field, err }) => (form, Err((field, err))),
            };
            csrf::check(
                Some(&form.csrf_token),
                user.csrf_token.as_deref().unwrap_or_default(),
            )
            .inspect_err(|_| {
                tracing::warn!(user = %user.username, path = %req.path(), client = %peer_ip(&req), "refused: form without a valid CSRF token");
            })?;
            Ok(ImportPost { user, form, read })
        })
    }
}

/// Reads the import form, urlencoded (paste or address) or multipart (with a file), within limits.
async fn read_import(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<(ImportForm, Option<Upload>), ReadRefusal> {
    let is_multipart = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut form = ImportForm::default();
    if !is_multipart {
        let read = async {
            let body = payload
                .to_bytes_limited(csrf::FORM_LIMIT)
                .await
                .map_err(|_| AppError::PayloadTooLarge {
                    limit: csrf::FORM_LIMIT,
                })?
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            csrf::parse::<ImportForm>(&body)
        };
        return match read.await {
            Ok(form) => Ok((form, None)),
            Err(err) => Err(ReadRefusal {
                form,
                field: "body",
                err,
            }),
        };
    }
    let mut upload = None;
    // Each field has its cap, and so has the whole body: a form of many fields (each under
    // its cap) must not be read without end.
    let overall = limit + csrf::FORM_LIMIT;
    let mut received = 0usize;
    let mut multipart = actix_multipart::Multipart::new(req.headers(), payload);
    while let Some(field) = multipart.next().await {
        let refuse =
            |form: ImportForm, field: &'static str, err: AppError| ReadRefusal { form, field, err };
        let mut field = match field {
            Ok(field) => field,
            Err(e) => {
                let err = AppError::BadRequest(format!("the upload broke off: {e}"));
                return Err(refuse(form, "", err));
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        // Where a refusal about this field is shown.
        let place = match name.as_str() {
            "file" => "file",
            "body" => "body",
            _ => "",
        };
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let cap = if name == "file" {
            limit
        } else {
            csrf::FORM_LIMIT
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    let err = AppError::BadRequest(format!("the upload broke off: {e}"));
                    return Err(refuse(form, place, err));
                }
            };
            received += chunk.len();
            if received > overall {
                let err = AppError::PayloadTooLarge { limit: overall };
                return Err(refuse(form, place, err));
            }
            if bytes.len() + chunk.len() > cap {
                let err = AppError::PayloadTooLarge { limit: cap };
                return Err(refuse(form, place, err));
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == "file" {
            if !bytes.is_empty() {
                upload = Some(Upload {
                    bytes,
                    file_name,
                    content_type,
                });
            }
            continue;
        }
        let Ok(text) = String::from_utf8(bytes) else {
            let err = AppError::BadRequest(format!("the field {name} is not UTF-8"));
            return Err(refuse(form, place, err));
        };
        match name.as_str() {
            "csrf_token" => form.csrf_token = text,
            "title" => form.title = text,
            "url" => form.url = text,
            "publisher" => form.publisher = text,
            "published" => form.published = text,
            "body" => form.body = text,
            _ => {}
        }
    }
    Ok((form, upload))
}

/// The article's text and format: an uploaded file, else the pasted text, else the address fetched.
async fn article_source(
    state: &AppState,
    form: &ImportForm,
    upload: Option<Upload>,
) -> Result<(Vec<u8>, InputFormat), AppError> {
    if let Some(file) = upload {
        let format = InputFormat::detect(
            &file.bytes,
            file.content_type.as_deref(),
            file.file_name.as_deref(),
        );
        return Ok((file.bytes, format));
    }
    if !form.body.trim().is_empty() {
        return Ok((
            form.body.clone().into_bytes(),
            InputFormat::detect(form.body.as_bytes(), None, None),
        ));
    }
    let url = optional(Some(form.url.clone())).ok_or_else(|| {
        AppError::Validation("paste the text, choose a file or give a web address".into())
    })?;
    let fetched = crate::fetch::fetch_article(&url, &state.config.extract).await?;
    Ok((fetched.body, fetched.format))
}

pub async fn import_article(
    state: web::Data<AppState>,
    post: ImportPost,
) -> Result<HttpResponse, AppError> {
    let ImportPost { user, form, read } = post;
    let upload = match read {
        Ok(upload) => upload,
        Err((field, err)) => return refuse_import(&state, &user, form, field, err).await,
    };
    // The field a refusal of the article's text concerns: where the text came from.
    let source_field = if upload.is_some() {
        "file"
    } else if form.body.trim().is_empty() {
        "url"
    } else {
        "body"
    };
    if upload.is_none() && form.body.trim().is_empty() && !form.url.trim().is_empty() {
        return import_by_job(&state, &user, form).await;
    }
    let result = async {
        let at = |field: &'static str| move |err: AppError| (field, err);
        let published_on = parse_date(Some(&form.published)).map_err(at("published"))?;
        check_title(&form.title).map_err(at("title"))?;
        let source_url = optional(Some(form.url.clone()));
        check_source_url(source_url.as_deref()).map_err(at("url"))?;
        let (body, format) = article_source(&state, &form, upload)
            .await
            .map_err(at(source_field))?;
        let input = ArticleInput {
            title: form.title.clone(),
            body,
            format,
            source_url,
            publisher: optional(Some(form.publisher.clone())),
            published_on,
            imported_by: Some(user.id.0),
        };
        // Taken only once the page is fetched: a slow site must not hold a pooled connection.
        let mut conn = state.pool.get().await.map_err(|e| ("", e.into()))?;
        import(&mut conn, input, &state.config.extract)
            .await
            .map_err(at(source_field))
    }
    .await;
    match result {
        Ok((article, _)) => Ok(super::done(
            &format!("/articles/{}", article.id),
            "imported",
        )),
        Err((field, err)) => refuse_import(&state, &user, form, field, err).await,
    }
}

/// How long the import form waits for its job before showing the job's page instead.
const IMPORT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// An import from a web address runs as a background job. The form waits a little for it: a
/// quick import lands on the article as before, a refusal comes back beside the address, and a
/// slow one goes to the job's page, which follows it and links the article when it is done.
async fn import_by_job(
    state: &AppState,
    user: &CurrentUser,
    form: ImportForm,
) -> Result<HttpResponse, AppError> {
    let checked = parse_date(Some(&form.published))
        .map_err(|e| ("published", e))
        .and_then(|_| check_title(&form.title).map_err(|e| ("title", e)));
    if let Err((field, err)) = checked {
        return refuse_import(state, user, form, field, err).await;
    }
    let job = crate::services::jobs::enqueue_url_import(
        &state.pool,
        &form.url,
        optional(Some(form.title.clone())),
        optional(Some(form.publisher.clone())),
        optional(Some(form.published.clone())),
        user.id,
    )
    .await;
    let job = match job {
        Ok(job) => job,
        Err(err) => return refuse_import(state, user, form, "url", err).await,
    };
    let job = crate::services::jobs::wait_for(&state.pool, job.id, IMPORT_WAIT).await?;
    match (job.state.as_str(), job.article_id) {
        ("done", Some(article)) => Ok(super::done(&format!("/articles/{article}"), "imported")),
        ("failed", _) => {
            let reason = job
                .last_error
                .unwrap_or_else(|| "the import failed".to_owned());
            refuse_import(state, user, form, "url", AppError::Validation(reason)).await
        }
        _ => Ok(super::see_other(&format!("/jobs/{}", job.id))),
    }
}

/// A refused import: the article list again, at its own address, with everything typed and
/// the reason beside the field it concerns (a file cannot be sent back: it is chosen again).
/// Errors that are not the person's to fix get the error page.
async fn refuse_import(
    state: &AppState,
    user: &CurrentUser,
    form: ImportForm,
    field: &'static str,
    err: AppError,
) -> Result<HttpResponse, AppError> {
    let status = match (&err, form_refusal(&err)) {
        (_, Some(status)) => status,
        (AppError::PayloadTooLarge { .. }, None) => StatusCode::PAYLOAD_TOO_LARGE,
        (_, None) => return Err(err),
    };
    let mut conn = state.pool.get().await?;
    let page = ArticlesPage {
        layout: Layout::for_user(user),
        form: ImportFormView {
            title: form.title,
            url: form.url,
            publisher: form.publisher,
            published: form.published,
            body: form.body,
            error: Some(err.to_string()),
            error_field: field,
        },
        articles: Article::list(&mut conn, LIST_LIMIT).await?,
        archived: Article::list_archived(&mut conn, LIST_LIMIT).await?,
    };
    render_with_status(&page, status)
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

async fn article_page(
    state: &AppState,
    user: &CurrentUser,
    id: ArticleId,
) -> Result<ArticlePage, AppError> {
    let mut conn = state.pool.get().await?;
    let (article, claims) = Article::with_claims(&mut conn, id).await?;
    Ok(ArticlePage {
        layout: Layout::for_user(user),
        source_link: article.source_url.clone().filter(|u| is_web_url(u)),
        claim_count: claims.len(),
        states: ReviewState::ALL,
        paragraphs: segments(&article.body, &claims),
        is_editor: user.role.includes(Role::Editor),
        edit: ArticleEditView::for_article(&article),
        add_claim: AddClaimView::default(),
        events: ArticleEvent::for_article(&mut conn, id).await?,
        article,
    })
}

/// The confirmations a redirect to an article page may show.
const CONFIRMATIONS: &[(&str, &str)] = &[
    (
        "imported",
        "Article imported: the claims found are highlighted below.",
    ),
    ("saved", "Article details saved."),
    ("archived", "Article archived."),
    ("restored", "Article restored."),
];

pub async fn show_article(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<Done>,
) -> Result<ArticlePage, AppError> {
    let id: ArticleId = parse_id(&path, "article")?;
    let mut page = article_page(&state, &user, id).await?;
    if let Some(notice) = query.notice(CONFIRMATIONS) {
        page.layout = page.layout.with_notice(notice);
    }
    Ok(page)
}

#[derive(Debug, Deserialize)]
pub struct ArticleEditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    publisher: String,
    #[serde(default)]
    published: String,
}

impl TryFrom<&ArticleEditForm> for ArticleEdit {
    type Error = AppError;

    /// The form sends every field: blank clears the address, publisher and date.
    fn try_from(form: &ArticleEditForm) -> Result<ArticleEdit, AppError> {
        Ok(ArticleEdit {
            title: Some(form.title.clone()),
            source_url: Some(Some(form.url.clone())),
            publisher: Some(Some(form.publisher.clone())),
            published_on: Some(parse_date(Some(&form.published))?),
        })
    }
}

pub async fn edit_article(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<ArticleEditForm>,
) -> Result<HttpResponse, AppError> {
    let id: ArticleId = parse_id(&path, "article")?;
    edit_details(&state, &post.user, id, post.form).await
}

async fn edit_details(
    state: &AppState,
    user: &CurrentUser,
    id: ArticleId,
    form: ArticleEditForm,
) -> Result<HttpResponse, AppError> {
    let result = async {
        let edit = ArticleEdit::try_from(&form)?;
        let mut conn = state.pool.get().await?;
        article_service::edit(&mut conn, id, user.id, &edit, chrono::Utc::now()).await
    }
    .await;
    match result {
        Ok(_) => Ok(done(&format!("/articles/{id}"), "saved")),
        Err(err) => {
            let Some(status) = form_refusal(&err) else {
                return Err(err);
            };
            let mut page = article_page(state, user, id).await?;
            page.edit = ArticleEditView {
                title: form.title,
                url: form.url,
                publisher: form.publisher,
                published: form.published,
                error: Some(err.to_string()),
            };
            render_with_status(&page, status)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct AddClaimForm {
    #[serde(default)]
    text: String,
}

pub async fn add_claim(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<AddClaimForm>,
) -> Result<HttpResponse, AppError> {
    let id: ArticleId = parse_id(&path, "article")?;
    add_missed_claim(&state, &post.user, id, post.form).await
}

async fn add_missed_claim(
    state: &AppState,
    user: &CurrentUser,
    id: ArticleId,
    form: AddClaimForm,
) -> Result<HttpResponse, AppError> {
    let result = async {
        if form.text.trim().is_empty() {
            return Err(AppError::Validation(
                "paste the sentence from the article, or select it in the text".into(),
            ));
        }
        let request = SpanRequest::Text(form.text.clone());
        let who = user.actor();
        let mut conn = state.pool.get().await?;
        claim_service::add_manual(&mut conn, id, &request, who, chrono::Utc::now()).await
    }
    .await;
    match result {
        Ok(claim) => Ok(done(&format!("/claims/{}", claim.id), "added")),
        Err(err) => {
            let Some(status) = form_refusal(&err) else {
                return Err(err);
            };
            let mut page = article_page(state, user, id).await?;
            page.add_claim = AddClaimView {
                text: form.text,
                error: Some(err.to_string()),
            };
            render_with_status(&page, status)
        }
    }
}

/// A form of the article page posted to the page's own address, so a refusal is shown again
/// there: `form` says which ("edit" the details, "add_claim").
#[derive(Debug, Deserialize)]
pub struct ArticlePageForm {
    #[serde(default)]
    form: String,
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

pub async fn post_article_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<ArticlePageForm>,
) -> Result<HttpResponse, AppError> {
    let id: ArticleId = parse_id(&path, "article")?;
    let ProtectedForm { user, mut form, .. } = post;
    let mut take = |name: &str| form.fields.remove(name).unwrap_or_default();
    match form.form.as_str() {
        "edit" => {
            let typed = ArticleEditForm {
                title: take("title"),
                url: take("url"),
                publisher: take("publisher"),
                published: take("published"),
            };
            edit_details(&state, &user, id, typed).await
        }
        "add_claim" => {
            let typed = AddClaimForm { text: take("text") };
            add_missed_claim(&state, &user, id, typed).await
        }
        other => Err(AppError::BadRequest(format!(
            "unknown form {other:?}; reload the page"
        ))),
    }
}

/// The archive and restore buttons send nothing but their token.
#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

pub async fn archive_article(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EmptyForm, EditorOnly>,
) -> Result<HttpResponse, AppError> {
    set_archived(state, path, post.user, true).await
}

pub async fn restore_article(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: ProtectedForm<EmptyForm, EditorOnly>,
) -> Result<HttpResponse, AppError> {
    set_archived(state, path, post.user, false).await
}

async fn set_archived(
    state: web::Data<AppState>,
    path: web::Path<String>,
    user: CurrentUser,
    archive: bool,
) -> Result<HttpResponse, AppError> {
    let id: ArticleId = parse_id(&path, "article")?;
    let mut conn = state.pool.get().await?;
    article_service::set_archived(&mut conn, id, user.id, archive, chrono::Utc::now()).await?;
    let what = if archive { "archived" } else { "restored" };
    Ok(done(&format!("/articles/{id}"), what))
}
