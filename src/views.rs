//! Page structs: one askama template each, all sharing the base layout.

use askama::Template;
use askama_web::WebTemplate;

use crate::auth::CurrentUser;
use crate::db::article_events::ArticleEvent;
use crate::db::articles::{Article, ArticleSummary};
use crate::db::claims::Claim;
use crate::db::events::ClaimEvent;
use crate::db::evidence::EvidenceWithAuthor;
use crate::db::tokens::ApiToken;
use crate::db::users::User;
use crate::db::webhooks::{Delivery, Endpoint};
use crate::domain::{ReviewState, Role};
use crate::extract::{Category, ClaimantKind};
use crate::services::saved_views::ViewSummary;

/// Renders a page with a status other than 200 (a form shown again with its errors).
pub fn render_with_status<T: Template>(
    page: &T,
    status: actix_web::http::StatusCode,
) -> Result<actix_web::HttpResponse, crate::error::AppError> {
    let html = page.render().map_err(crate::error::AppError::unexpected)?;
    Ok(actix_web::HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// What the base layout shows: who is signed in (with the token their forms carry).
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub user: Option<NavUser>,
    pub notice: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NavUser {
    pub username: String,
    pub role: Role,
    pub is_admin: bool,
    pub csrf_token: String,
    /// Unread notifications.
    pub unread: i64,
    pub views: Vec<ViewSummary>,
}

impl Layout {
    pub fn for_user(user: &CurrentUser) -> Layout {
        Layout {
            user: Some(NavUser {
                username: user.username.clone(),
                role: user.role,
                is_admin: user.role.is_admin(),
                csrf_token: user.csrf_token.clone().unwrap_or_default(),
                unread: user.nav.as_ref().map_or(0, |n| n.unread),
                views: user
                    .nav
                    .as_ref()
                    .map(|n| n.views.clone())
                    .unwrap_or_default(),
            }),
            notice: None,
        }
    }

    pub fn with_notice(mut self, notice: impl Into<String>) -> Layout {
        self.notice = Some(notice.into());
        self
    }

    pub fn csrf(&self) -> &str {
        self.user
            .as_ref()
            .map(|u| u.csrf_token.as_str())
            .unwrap_or_default()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub title: String,
    pub message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub next: String,
    pub username: String,
    pub error: Option<String>,
}

pub use crate::services::queue::QueueQuery;

pub struct QueueFilterView {
    pub state: String,
    pub category: String,
    pub article: String,
    pub assignee: String,
    pub mine: bool,
    pub q: String,
    pub contradicts: bool,
    pub awaiting_approval: bool,
    pub sent_back: bool,
    pub stale: bool,
    pub checked_before: bool,
    /// Tag names, comma-separated.
    pub tags: String,
    pub sort: String,
}

pub struct QueueRow {
    pub id: i64,
    pub version: i32,
    pub text: String,
    pub claimant: Option<String>,
    pub category: Category,
    pub state: ReviewState,
    /// The verdict's label and rating, when there is one.
    pub verdict: Option<String>,
    pub score: f32,
    /// "3 d", "5 h": since the claim was extracted.
    pub age: String,
    /// Since the last change, and who made it.
    pub changed: String,
    pub changed_by: Option<String>,
    pub assignee: Option<String>,
    pub tags: Vec<crate::db::tags::Tag>,
    /// Claims merged into this one, shown through this row.
    pub merged: i64,
    /// Marked as a repeat of a known fact-check, or closely matching one.
    pub checked_before: bool,
}

/// Consecutive rows from one article: its title is shown once, above them.
pub struct QueueGroup {
    pub article_id: i64,
    pub article_title: String,
    pub rows: Vec<QueueRow>,
}

/// A state tab: its count under the current filters and the link that keeps them.
pub struct StateCount {
    pub state: ReviewState,
    pub count: i64,
    pub link: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "queue.html")]
pub struct QueuePage {
    pub layout: Layout,
    pub filter: QueueFilterView,
    pub error: Option<String>,
    pub counts: Vec<StateCount>,
    pub total: i64,
    pub all_link: String,
    /// Claims the current filters select, all pages together.
    pub matching: i64,
    /// The current filters as a query string, for "select all matching".
    pub filter_query: String,
    pub states: &'static [ReviewState],
    pub categories: &'static [Category],
    pub tags: Vec<crate::db::tags::Tag>,
    pub is_editor: bool,
    pub groups: Vec<QueueGroup>,
    pub next_page: Option<String>,
    /// Saving the current filters as a view.
    pub save: SaveViewForm,
}

/// One claim's line in a bulk action's report.
pub struct BulkLine {
    pub id: i64,
    pub ok: bool,
    pub message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "bulk.html")]
pub struct BulkPage {
    pub layout: Layout,
    pub done: usize,
    pub refused: usize,
    pub lines: Vec<BulkLine>,
    pub back: String,
}

/// The import form as typed, re-shown with its error when an import fails.
#[derive(Debug, Clone, Default)]
pub struct ImportFormView {
    pub title: String,
    pub url: String,
    pub publisher: String,
    pub published: String,
    pub body: String,
    pub error: Option<String>,
    /// The field the error concerns (`title`, `url`, `publisher`, `published`, `body`,
    /// `file`), or `""` to show it above the form.
    pub error_field: &'static str,
}

impl ImportFormView {
    /// The error, when it belongs beside `field`.
    pub fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_deref().filter(|_| self.error_field == field)
    }

    /// The error, when it concerns no one field.
    pub fn general_error(&self) -> Option<&str> {
        self.error_at("")
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "articles.html")]
pub struct ArticlesPage {
    pub layout: Layout,
    pub form: ImportFormView,
    pub articles: Vec<ArticleSummary>,
    /// Kept and restorable, but out of the queue, lists and exports.
    pub archived: Vec<ArticleSummary>,
}

/// A run of article text, inside a claim or not.
pub struct Segment {
    pub text: String,
    pub claim: Option<SegmentClaim>,
}

pub struct SegmentClaim {
    pub id: i64,
    pub state: ReviewState,
    pub category: Category,
}

#[derive(Template, WebTemplate)]
#[template(path = "article.html")]
pub struct ArticlePage {
    pub layout: Layout,
    pub article: Article,
    pub source_link: Option<String>,
    pub claim_count: usize,
    pub states: &'static [ReviewState],
    pub paragraphs: Vec<Vec<Segment>>,
    pub is_editor: bool,
    pub edit: ArticleEditView,
    pub add_claim: AddClaimView,
    pub events: Vec<ArticleEvent>,
}

/// The article-details form: as stored, or as typed when refused, with the reason.
#[derive(Debug, Clone, Default)]
pub struct ArticleEditView {
    pub title: String,
    pub url: String,
    pub publisher: String,
    pub published: String,
    pub error: Option<String>,
}

impl ArticleEditView {
    pub fn for_article(article: &Article) -> ArticleEditView {
        ArticleEditView {
            title: article.title.clone(),
            url: article.source_url.clone().unwrap_or_default(),
            publisher: article.publisher.clone().unwrap_or_default(),
            published: article
                .published_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            error: None,
        }
    }
}

/// The "add a missed claim" form: the pasted (or selected) sentence, and why it was refused.
#[derive(Debug, Clone, Default)]
pub struct AddClaimView {
    pub text: String,
    pub error: Option<String>,
}

/// The claim-correction forms (`claim_edit.html`): the values as stored or as typed when a
/// form was refused, the reason, and the choices.
#[derive(Debug, Clone)]
pub struct ClaimEditView {
    /// The reviewer assigned to the claim, or an editor.
    pub can_edit: bool,
    pub category: String,
    pub claimant: String,
    pub claimant_kind: String,
    pub normalized_text: String,
    pub merge_into: String,
    pub split_before: String,
    pub error: Option<String>,
    pub categories: &'static [Category],
    pub kinds: &'static [ClaimantKind],
}

impl ClaimEditView {
    pub fn for_claim(claim: &Claim, can_edit: bool) -> ClaimEditView {
        ClaimEditView {
            can_edit,
            category: claim.category.as_str().to_owned(),
            claimant: claim.claimant.clone().unwrap_or_default(),
            claimant_kind: claim
                .claimant_kind
                .map(|k| k.as_str().to_owned())
                .unwrap_or_default(),
            normalized_text: claim.normalized_text.clone().unwrap_or_default(),
            merge_into: String::new(),
            split_before: String::new(),
            error: None,
            categories: &Category::ALL,
            kinds: ClaimantKind::ALL,
        }
    }
}

pub struct MoveView {
    pub to: ReviewState,
    pub label: &'static str,
    pub verdict: bool,
    pub needs_note: bool,
}

pub struct EntityView {
    pub kind: String,
    pub text: String,
    pub value: Option<String>,
}

pub struct EvidenceView {
    pub evidence: crate::db::evidence::Evidence,
    pub added_by_name: String,
    /// Only http(s) addresses become links.
    pub safe_url: bool,
}

impl From<EvidenceWithAuthor> for EvidenceView {
    fn from(e: EvidenceWithAuthor) -> Self {
        let safe_url = crate::domain::urls::is_web_url(&e.evidence.url);
        EvidenceView {
            evidence: e.evidence,
            added_by_name: e.added_by_name,
            safe_url,
        }
    }
}

/// What was typed into the claim page's forms, shown again when a form is refused (and the
/// current verdict, when a reopened claim's verdict form starts from it).
#[derive(Debug, Clone, Default)]
pub struct KeptValues {
    /// The move asked for: a state, or "verdict" for the verdict form.
    pub to: String,
    /// "1" … "5" or "unverifiable".
    pub rating: String,
    pub label: String,
    pub rationale: String,
    pub note: String,
    pub url: String,
    pub title: String,
    pub excerpt: String,
    pub stance: String,
}

impl KeptValues {
    pub fn stance_is(&self, stance: &str) -> bool {
        self.stance == stance
    }

    /// Whether the typed values are for the move to `to` (so its note is shown again).
    pub fn note_for(&self, to: &ReviewState) -> &str {
        if self.to == to.as_str() {
            &self.note
        } else {
            ""
        }
    }
}

/// One step of the rating scale as the verdict form offers it.
pub struct ScaleStep {
    /// "1" … "5" or "unverifiable".
    pub value: String,
    pub name: &'static str,
    /// What the step means for the claim's state.
    pub state: ReviewState,
}

/// One verdict version in the claim's history.
pub struct VerdictVersionView {
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub author: String,
    pub outcome: ReviewState,
    /// "2 of 5 · Mostly false", or "no rating" for unverifiable.
    pub rating: String,
    pub label: Option<String>,
    pub rationale: Option<String>,
    pub approved: Option<String>,
    /// "Corrected on DATE: was …, now …, because …", once the correction is approved.
    pub correction: Option<String>,
    /// A correction given but not yet approved, with its reason.
    pub correction_pending: Option<String>,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "claim.html")]
pub struct ClaimPage {
    pub layout: Layout,
    pub claim: Claim,
    /// Whether the person follows the claim (told in their inbox when it changes).
    pub following: bool,
    pub article_id: i64,
    pub article_title: String,
    pub context_before: String,
    pub context_after: String,
    pub assignee: Option<String>,
    pub verdict_by: Option<String>,
    pub approved_by: Option<String>,
    pub entities: Vec<EntityView>,
    pub error: Option<String>,
    /// Which form the error belongs to: a move's target state, "verdict", "evidence",
    /// "retract", or empty for the top of the page.
    pub error_place: String,
    /// After a stale refusal: what the other person did meanwhile.
    pub stale_move: Option<String>,
    /// The moves other than giving a verdict.
    pub moves: Vec<MoveView>,
    /// Whether the verdict form is offered.
    pub verdict_form: bool,
    pub scale: Vec<ScaleStep>,
    pub kept: KeptValues,
    pub evidence: Vec<EvidenceView>,
    pub can_edit_evidence: bool,
    pub duplicates: Vec<Claim>,
    pub similar: Vec<(Claim, String)>,
    pub events: Vec<ClaimEvent>,
    pub verdicts: Vec<VerdictVersionView>,
    pub edit: ClaimEditView,
    pub desk: ClaimDeskView,
    /// Known fact-checks matching the claim, and the one it repeats if marked.
    pub matches: crate::services::claim_matches::MatchPanel,
}

/// The claim page's desk part: since when the assignee has it, its tags, and the assign and
/// tag forms for those allowed to use them.
pub struct ClaimDeskView {
    pub assigned_since: Option<String>,
    pub tags: Vec<crate::db::tags::Tag>,
    /// Tags not on the claim, offered in the add form.
    pub other_tags: Vec<crate::db::tags::Tag>,
    pub can_tag: bool,
    pub can_assign: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "tags.html")]
pub struct TagsPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub tags: Vec<crate::db::tags::Tag>,
    pub is_editor: bool,
}

/// A refused admin form: `place` names it (`create`, `user-ID`, `token-ID`), `error` is the
/// reason shown beside it, and the create form's username and role are kept (never a password).
#[derive(Debug, Clone, Default)]
pub struct AdminFormView {
    pub place: String,
    pub error: Option<String>,
    pub username: String,
    pub role: String,
    /// The webhook form's address and events, as typed.
    pub url: String,
    pub events: Vec<String>,
}

impl AdminFormView {
    /// The reason, when it belongs beside the form at `place`.
    pub fn error_at(&self, place: &str) -> Option<&str> {
        self.error.as_deref().filter(|_| self.place == place)
    }

    /// The reason for the row of user `id`.
    pub fn user_error(&self, id: &i64) -> Option<&str> {
        self.error_at(&format!("user-{id}"))
    }

    /// The reason for the row of token `id`.
    pub fn token_error(&self, id: &i64) -> Option<&str> {
        self.error_at(&format!("token-{id}"))
    }

    /// The reason for the row of webhook endpoint `id`.
    pub fn webhook_error(&self, id: &i64) -> Option<&str> {
        self.error_at(&format!("webhook-{id}"))
    }

    /// Whether the webhook form shows `event` ticked.
    pub fn event_is(&self, event: &&str) -> bool {
        self.events.iter().any(|e| e == event)
    }

    /// A refusal whose form is not on the page (a row that no longer exists): shown at the top.
    pub fn unplaced(
        &self,
        users: &[User],
        tokens: &[(ApiToken, String)],
        webhooks: &[(Endpoint, Vec<Delivery>)],
    ) -> Option<&str> {
        let placed = self.place == "create"
            || self.place == "webhook-create"
            || users.iter().any(|u| self.place == format!("user-{}", u.id))
            || tokens
                .iter()
                .any(|(t, _)| self.place == format!("token-{}", t.id))
            || webhooks
                .iter()
                .any(|(e, _)| self.place == format!("webhook-{}", e.id));
        self.error.as_deref().filter(|_| !placed)
    }

    /// The role the create form shows selected.
    pub fn role_is(&self, role: &Role) -> bool {
        self.role == role.as_str()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
pub struct AdminPage {
    pub layout: Layout,
    /// A refused form: where its reason goes and what was typed.
    pub form: AdminFormView,
    pub new_token: Option<(String, String)>,
    pub users: Vec<User>,
    pub roles: &'static [Role],
    pub tokens: Vec<(ApiToken, String)>,
    /// Webhook endpoints, each with its latest deliveries.
    pub webhooks: Vec<(Endpoint, Vec<Delivery>)>,
    /// A just-registered endpoint's id and secret, shown on this response only.
    pub new_secret: Option<(i64, String)>,
    pub webhook_events: Vec<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "export.html")]
pub struct ExportPage {
    pub layout: Layout,
    pub categories: &'static [Category],
    pub formats: &'static [crate::export::ExportFormat],
    /// The format chosen last, kept across a count.
    pub format: String,
    /// The search for articles by title, as typed.
    pub title: String,
    /// Articles ticked (they stay ticked across a search).
    pub chosen: Vec<ArticleSummary>,
    /// Articles whose title matches the search, to tick.
    pub matches: Vec<ArticleSummary>,
    /// Recent titles, offered as the search field is typed into.
    pub titles: Vec<ArticleSummary>,
    /// How many claims the filters select, by state; `None` when the filters are refused.
    pub selected: Option<crate::export::ReportSummary>,
    pub error: Option<String>,
    /// The filters shown in the form: those asked for, or the defaults when refused.
    pub request: crate::services::reports::ExportRequest,
}

impl ExportPage {
    /// The category option to show selected.
    pub fn category_is(&self, category: &Category) -> bool {
        self.request.filter.category == Some(*category)
    }

    pub fn text(value: &Option<String>) -> &str {
        value.as_deref().unwrap_or_default()
    }

    pub fn day(value: &Option<chrono::NaiveDate>) -> String {
        value.map(|d| d.to_string()).unwrap_or_default()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    pub layout: Layout,
    pub inbox: crate::services::notifications::Inbox,
    pub unread_only: bool,
    /// The link to older notifications, when the page is full.
    pub older: Option<String>,
}

/// The save-a-view form: the queue's filters it will save, and what was typed.
#[derive(Debug, Clone, Default)]
pub struct SaveViewForm {
    pub query: String,
    pub name: String,
    pub shared: bool,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "views.html")]
pub struct SavedViewsPage {
    pub layout: Layout,
    pub views: Vec<ViewSummary>,
    pub save: SaveViewForm,
}

/// One category's row of the verdict mix: counts per step (true … false, unverifiable) and
/// its stacked bar.
pub struct MixRow {
    pub category: String,
    pub counts: Vec<i64>,
    pub segments: Vec<crate::domain::stats::Segment>,
    pub y: u32,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub own: bool,
    pub d: crate::services::dashboard::Dashboard,
    pub backlog_bars: Vec<crate::domain::stats::Bar>,
    pub backlog_width: u32,
    pub week_bars: Vec<crate::domain::stats::Bar>,
    pub weeks_width: u32,
    pub reviewer_bars: Vec<crate::domain::stats::Bar>,
    pub reviewers_width: u32,
    pub median: String,
    pub p90: String,
    pub mix_rows: Vec<MixRow>,
    pub mix_height: u32,
    pub step_names: Vec<&'static str>,
}

impl DashboardPage {
    /// The page for a dashboard's numbers: bars and stacked rows drawn from the same numbers
    /// its tables show.
    pub fn new(layout: Layout, d: crate::services::dashboard::Dashboard) -> DashboardPage {
        use crate::domain::stats::{SLOT, STEPS, bars, stacked, step_name};
        let mut per_state: Vec<(String, i64)> = Vec::new();
        for cell in &d.backlog {
            match per_state.iter_mut().find(|(s, _)| *s == cell.state) {
                Some((_, n)) => *n += cell.claims,
                None => per_state.push((cell.state.clone(), cell.claims)),
            }
        }
        let backlog_bars = bars(&per_state, 1);
        let week_values: Vec<(String, i64)> = d
            .weeks
            .iter()
            .flat_map(|w| {
                [
                    (format!("{} verdicts", w.week), w.verdicts),
                    (format!("{} approvals", w.week), w.approvals),
                ]
            })
            .collect();
        let reviewer_values: Vec<(String, i64)> = d
            .reviewers
            .iter()
            .flat_map(|r| {
                [
                    (format!("{} verdicts", r.username), r.verdicts),
                    (format!("{} sent back", r.username), r.sent_back),
                    (format!("{} corrected", r.username), r.corrected),
                ]
            })
            .collect();
        let mut categories: Vec<String> =
            d.verdict_mix.iter().map(|m| m.category.clone()).collect();
        categories.dedup();
        let mix_rows: Vec<MixRow> = categories
            .into_iter()
            .enumerate()
            .map(|(i, category)| {
                let counts: Vec<i64> = STEPS
                    .iter()
                    .map(|step| {
                        d.verdict_mix
                            .iter()
                            .filter(|m| m.category == category && m.step == *step)
                            .map(|m| m.claims)
                            .sum()
                    })
                    .collect();
                MixRow {
                    segments: stacked(&counts),
                    counts,
                    category,
                    y: i as u32 * 24,
                }
            })
            .collect();
        let hours = |h: Option<f64>| h.map_or_else(|| "–".to_owned(), |h| format!("{h:.1}"));
        let width = |slots: usize| (slots.max(1) as u32) * SLOT;
        DashboardPage {
            layout,
            own: d.scope == "own",
            backlog_width: width(per_state.len()),
            backlog_bars,
            weeks_width: width(d.weeks.len()),
            week_bars: bars(&week_values, 2),
            reviewers_width: width(d.reviewers.len()),
            reviewer_bars: bars(&reviewer_values, 3),
            median: hours(d.time_to_approval.median_hours),
            p90: hours(d.time_to_approval.p90_hours),
            mix_height: (mix_rows.len().max(1) as u32) * 24,
            mix_rows,
            step_names: STEPS.iter().map(|s| step_name(*s)).collect(),
            d,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "sources.html")]
pub struct SourcesPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub sources: Vec<crate::db::sources::Source>,
    pub is_editor: bool,
    /// The add form's values, kept after a refusal.
    pub form: SourceFormView,
}

#[derive(Debug, Clone, Default)]
pub struct SourceFormView {
    pub url: String,
    pub name: String,
    pub interval: String,
    pub tags: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "jobs.html")]
pub struct JobsPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub counts: crate::db::jobs::JobCounts,
    pub failed: Vec<crate::db::jobs::Job>,
    pub recent: Vec<crate::db::jobs::Job>,
    pub is_editor: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "job.html")]
pub struct JobPage {
    pub layout: Layout,
    pub job: crate::db::jobs::Job,
    /// The address the job imports, when it is an import.
    pub url: Option<String>,
    pub is_editor: bool,
}

impl JobPage {
    /// Whether the page should look again by itself.
    pub fn pending(&self) -> bool {
        matches!(self.job.state.as_str(), "queued" | "running")
    }
}

/// A moment as the pages show it.
pub fn when<T: std::borrow::Borrow<chrono::DateTime<chrono::Utc>>>(at: Option<T>) -> String {
    at.map(|t| t.borrow().format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "never".to_owned())
}
