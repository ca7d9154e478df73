//! The public face's machine-readable documents: a verdict's ClaimReview JSON-LD (written by
//! the export's own ClaimReview writer), the Atom feed of published verdicts and the sitemap.

use atom_syndication::{Entry, Feed, Link, Person, Text};
use chrono::{DateTime, Utc};

use super::claimreview::ClaimReviewWriter;
use super::{ExportError, ReportClaim, ReportMeta, ReportWriter};

/// The ClaimReview JSON-LD of one published verdict, safe to put inside
/// `<script type="application/ld+json">` (the writer escapes `<`, `>` and `&`).
pub fn claim_review_json_ld(claim: &ReportClaim, meta: &ReportMeta) -> Result<String, ExportError> {
    let mut writer = ClaimReviewWriter::new();
    let mut out = Vec::new();
    writer.begin(meta, &mut out)?;
    writer.write_claim(claim, &mut out)?;
    writer.finish(&mut out)?;
    String::from_utf8(out).map_err(|e| ExportError::Io(std::io::Error::other(e)))
}

/// The page a ClaimReview of `claim` points readers at: its own, or for a merged claim (which
/// has no page of its own) the page of the claim it was merged into, by the short address that
/// redirects to that page's slug.
pub fn review_url(claim: &ReportClaim, public_base_url: &str) -> String {
    match claim.merged_into {
        Some(primary) => format!("{}/checks/{primary}", public_base_url.trim_end_matches('/')),
        None => claim.page_url(public_base_url),
    }
}

/// The headline a verdict gets in lists and the feed: "False: the claim".
pub fn headline(claim: &ReportClaim) -> String {
    format!("{}: {}", rating_name(claim), claim.published_wording())
}

/// The verdict's name on the scale: its label, or its step's name.
pub fn rating_name(claim: &ReportClaim) -> String {
    crate::domain::verdict::public_name(claim.label.as_deref(), claim.rating)
}

/// When the verdict was first published: the first approved version, or the current one.
pub fn first_published(claim: &ReportClaim) -> Option<DateTime<Utc>> {
    claim
        .verdicts
        .iter()
        .find_map(|v| v.approved_at)
        .or(claim.approved_at)
}

/// The Atom 1.0 feed of the newest published verdicts. An entry's id is its page, so a
/// corrected verdict comes back as the same entry with a later `updated` and the correction
/// in its summary.
pub fn atom_feed(claims: &[ReportClaim], meta: &ReportMeta) -> String {
    let base = meta.public_base_url.trim_end_matches('/');
    let author = Person {
        name: meta.organization.clone(),
        email: None,
        uri: meta.organization_url.clone(),
        ..Person::default()
    };
    let link = |href: String, rel: &str| Link {
        href,
        rel: rel.to_owned(),
        ..Link::default()
    };
    let entries: Vec<Entry> = claims
        .iter()
        .map(|claim| {
            let url = claim.page_url(base);
            let updated = claim.approved_at.unwrap_or(meta.generated_at);
            let mut summary = claim.rationale.clone().unwrap_or_default();
            if let Some(correction) = claim.correction() {
                summary = format!("{correction}. {summary}");
            }
            Entry {
                id: url.clone(),
                title: Text::plain(headline(claim)),
                updated: updated.fixed_offset(),
                published: first_published(claim).map(|at| at.fixed_offset()),
                authors: vec![author.clone()],
                links: vec![link(url, "alternate")],
                summary: Some(Text::plain(summary.trim().to_owned())),
                ..Entry::default()
            }
        })
        .collect();
    let updated = claims
        .iter()
        .filter_map(|c| c.approved_at)
        .max()
        .unwrap_or(meta.generated_at);
    let feed = Feed {
        id: format!("{base}/checks"),
        title: Text::plain(format!("{}: fact checks", meta.organization)),
        updated: updated.fixed_offset(),
        authors: vec![author],
        links: vec![
            link(format!("{base}/checks/feed.atom"), "self"),
            link(format!("{base}/checks"), "alternate"),
        ],
        entries,
        ..Feed::default()
    };
    feed.to_string()
}

/// Escapes text for an XML element's content.
fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A sitemap (sitemaps.org 0.9) of the index and the given pages with their last change.
pub fn sitemap(base: &str, pages: &[(String, DateTime<Utc>)]) -> String {
    let base = base.trim_end_matches('/');
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    out.push_str(&format!(
        "<url><loc>{}/checks</loc></url>\n",
        xml_text(base)
    ));
    for (url, at) in pages {
        out.push_str(&format!(
            "<url><loc>{}</loc><lastmod>{}</lastmod></url>\n",
            xml_text(url),
            at.format("%Y-%m-%d")
        ));
    }
    out.push_str("</urlset>\n");
    out
}

/// robots.txt: the public pages may be crawled, the desk may not.
pub fn robots_txt(base: &str) -> String {
    format!(
        "User-agent: *\nAllow: /checks\nAllow: /sitemap.xml\nDisallow: /\n\nSitemap: {}/sitemap.xml\n",
        base.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sitemap_escapes_addresses() {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let xml = sitemap(
            "https://x.example/?a=1&b=2",
            &[("https://x.example/checks/1-a".into(), at)],
        );
        assert!(xml.contains("https://x.example/?a=1&amp;b=2/checks"));
        assert!(xml.contains("<lastmod>1970-01-01</lastmod>"));
    }

    #[test]
    fn robots_allow_only_the_public_pages() {
        let robots = robots_txt("https://x.example/");
        assert!(robots.contains("Allow: /checks\n"));
        assert!(robots.contains("Disallow: /\n"));
        assert!(robots.ends_with("Sitemap: https://x.example/sitemap.xml\n"));
    }
}
