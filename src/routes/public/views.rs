//! Page structs of the public face (templates/public/).

use askama::Template;

use crate::config::PublicCredit;
use crate::domain::Rating;
use crate::domain::verdict::step_name;
use crate::export::public::{first_published, rating_name};
use crate::export::{ReportArticle, ReportClaim, http_url};
use crate::services::AppState;
use crate::services::public::{IndexQuery, Page};

/// What every public page knows about the site.
#[derive(Debug, Clone, Default)]
pub struct Site {
    pub org_name: String,
    pub org_url: Option<String>,
    /// The public base URL, without a trailing slash.
    pub base: String,
}

impl Site {
    pub fn of(state: &AppState) -> Site {
        let reports = &state.config.reports;
        Site {
            org_name: reports.org_name.clone(),
            org_url: reports.org_url.clone(),
            base: reports.public_base(),
        }
    }
}

/// One step of the rating scale as the page draws it.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: &'static str,
    pub current: bool,
}

/// A published verdict as the public templates show it.
#[derive(Debug, Clone)]
pub struct CheckView {
    pub id: i64,
    pub path: String,
    pub url: String,
    pub wording: String,
    pub claimant: Option<String>,
    pub article_id: i64,
    pub article_title: String,
    pub article_url: Option<String>,
    pub publisher: Option<String>,
    pub article_date: Option<String>,
    pub rating_name: String,
    /// `1` … `5`, or `unverifiable`: the colour of the rating.
    pub rating_class: String,
    /// Empty for an unverifiable verdict, which has no place on the scale.
    pub scale: Vec<Step>,
    pub corrected: bool,
    pub published_on: String,
    pub published_iso: String,
    pub updated_on: String,
    pub updated_iso: String,
}

fn day(at: Option<chrono::DateTime<chrono::Utc>>) -> (String, String) {
    at.map_or_else(Default::default, |at| {
        (at.format("%-d %B %Y").to_string(), at.to_rfc3339())
    })
}

fn non_blank(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

impl CheckView {
    pub fn of(claim: &ReportClaim, base: &str) -> CheckView {
        let path = crate::export::check_path(claim.id, claim.published_wording());
        let (published_on, published_iso) = day(first_published(claim));
        let (updated_on, updated_iso) = day(claim.approved_at);
        let scale = match claim.rating.and_then(Rating::new) {
            None => Vec::new(),
            Some(current) => (Rating::WORST..=Rating::BEST)
                .filter_map(Rating::new)
                .map(|r| Step {
                    name: step_name(Some(r)),
                    current: r == current,
                })
                .collect(),
        };
        CheckView {
            id: claim.id,
            url: format!("{base}{path}"),
            path,
            wording: claim.published_wording().to_owned(),
            claimant: non_blank(&claim.claimant),
            article_id: claim.article.id,
            article_title: claim.article.title.clone(),
            article_url: claim
                .article
                .url
                .as_deref()
                .and_then(http_url)
                .map(str::to_owned),
            publisher: non_blank(&claim.article.publisher),
            article_date: claim
                .article
                .published_on
                .map(|d| d.format("%-d %B %Y").to_string()),
            rating_name: rating_name(claim),
            rating_class: claim
                .rating
                .map_or_else(|| "unverifiable".to_owned(), |r| r.to_string()),
            scale,
            corrected: claim.correction().is_some(),
            published_on,
            published_iso,
            updated_on,
            updated_iso,
        }
    }
}

/// A piece of evidence with a link readers can follow.
#[derive(Debug, Clone)]
pub struct EvidenceView {
    pub url: String,
    pub title: String,
    pub stance: &'static str,
    pub stance_name: &'static str,
    pub excerpt: Option<String>,
}

#[derive(Template)]
#[template(path = "public/check.html")]
pub struct CheckPage {
    pub site: Site,
    pub check: CheckView,
    /// "False: the claim", the page's title.
    pub title: String,
    pub description: String,
    pub rationale: Option<String>,
    pub correction: Option<String>,
    pub evidence: Vec<EvidenceView>,
    /// Named only when the configuration says so.
    pub reviewer: Option<String>,
    pub approver: Option<String>,
    pub json_ld: String,
    pub embed_snippet: String,
}

impl CheckPage {
    pub fn new(site: Site, claim: &ReportClaim, json_ld: String, credit: PublicCredit) -> Self {
        let check = CheckView::of(claim, &site.base);
        let rationale = non_blank(&claim.rationale);
        let description = match &rationale {
            Some(r) => format!("{}. {r}", check.rating_name),
            None => format!("{}: {}", check.rating_name, check.wording),
        };
        let evidence = claim
            .evidence
            .iter()
            .filter_map(|e| {
                let url = http_url(&e.url)?.to_owned();
                Some(EvidenceView {
                    title: non_blank(&e.title).unwrap_or_else(|| url.clone()),
                    url,
                    stance: e.stance.as_str(),
                    stance_name: match e.stance {
                        crate::domain::Stance::Supports => "supports the claim",
                        crate::domain::Stance::Refutes => "refutes the claim",
                        crate::domain::Stance::Context => "context",
                    },
                    excerpt: non_blank(&e.excerpt),
                })
            })
            .collect();
        let (reviewer, approver) = match credit {
            PublicCredit::People => (claim.reviewer.clone(), claim.approver.clone()),
            PublicCredit::Organisation => (None, None),
        };
        let embed_snippet = format!(
            "<iframe src=\"{}/checks/{}/embed\" title=\"Fact check: {}\" width=\"400\" height=\"240\" style=\"border:0\" loading=\"lazy\"></iframe>",
            site.base,
            claim.id,
            attribute_text(&check.rating_name)
        );
        CheckPage {
            title: format!("{}: {}", check.rating_name, check.wording),
            description,
            rationale,
            correction: claim.correction().map(|c| c.to_string()),
            evidence,
            reviewer,
            approver,
            json_ld,
            embed_snippet,
            check,
            site,
        }
    }
}

/// Text for a double-quoted HTML attribute in markup readers copy (the page then escapes
/// the whole snippet once more to show it).
fn attribute_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[derive(Template)]
#[template(path = "public/embed.html")]
pub struct EmbedPage {
    pub site: Site,
    pub check: CheckView,
}

/// The article a list belongs to, on an article's page.
#[derive(Debug, Clone)]
pub struct ArticleView {
    pub title: String,
    pub url: Option<String>,
    pub publisher: Option<String>,
    pub date: Option<String>,
}

#[derive(Template)]
#[template(path = "public/index.html")]
pub struct IndexPage {
    pub site: Site,
    pub heading: String,
    pub description: String,
    pub canonical_url: String,
    pub article: Option<ArticleView>,
    pub checks: Vec<CheckView>,
    pub next: Option<String>,
    pub q: String,
    pub rating: String,
    pub category: String,
    pub tag: String,
    pub ratings: Vec<(String, &'static str)>,
    pub categories: Vec<&'static str>,
}

impl IndexPage {
    fn with(site: Site, heading: String, canonical_path: String, page: &Page) -> Self {
        let checks = page
            .claims
            .iter()
            .map(|c| CheckView::of(c, &site.base))
            .collect();
        IndexPage {
            description: format!("{heading}: claims checked by {}", site.org_name),
            canonical_url: format!("{}{canonical_path}", site.base),
            heading,
            article: None,
            checks,
            next: None,
            q: String::new(),
            rating: String::new(),
            category: String::new(),
            tag: String::new(),
            ratings: (Rating::WORST..=Rating::BEST)
                .map(|r| (r.to_string(), step_name(Rating::new(r))))
                .chain([("unverifiable".to_owned(), "Unverifiable")])
                .collect(),
            categories: crate::extract::Category::ALL
                .iter()
                .map(|c| c.as_str())
                .collect(),
            site,
        }
    }

    pub fn index(site: Site, query: &IndexQuery, page: &Page) -> Self {
        let mut view = Self::with(site, "Fact checks".into(), "/checks".into(), page);
        let text = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_owned();
        view.q = text(&query.q);
        view.rating = text(&query.rating);
        view.category = text(&query.category);
        view.tag = text(&query.tag);
        view.next = page.next.as_ref().map(|after| {
            let mut pairs = url::form_urlencoded::Serializer::new(String::new());
            for (key, value) in [
                ("q", &view.q),
                ("rating", &view.rating),
                ("category", &view.category),
                ("tag", &view.tag),
            ] {
                if !value.is_empty() {
                    pairs.append_pair(key, value);
                }
            }
            pairs.append_pair("after", after);
            format!("/checks?{}", pairs.finish())
        });
        view
    }

    pub fn article(site: Site, article: &ReportArticle, page: &Page) -> Self {
        let path = format!("/checks/articles/{}", article.id);
        let mut view = Self::with(
            site,
            format!("Claims checked in “{}”", article.title),
            path.clone(),
            page,
        );
        view.next = page
            .next
            .as_ref()
            .map(|after| format!("{path}?after={after}"));
        view.article = Some(ArticleView {
            title: article.title.clone(),
            url: article.url.as_deref().and_then(http_url).map(str::to_owned),
            publisher: article.publisher.clone().filter(|p| !p.trim().is_empty()),
            date: article
                .published_on
                .map(|d| d.format("%-d %B %Y").to_string()),
        });
        view
    }
}

#[derive(Template)]
#[template(path = "public/error.html")]
pub struct ErrorPage {
    pub site: Site,
    pub status: u16,
    pub title: String,
    pub message: String,
}
