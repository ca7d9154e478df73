//! Reading what a source publishes: RSS 2.0 and Atom (feed-rs), sitemaps and news sitemaps
//! (roxmltree), and robots.txt (texting_robots). Pure: bytes in, entries out.

/// One entry of a feed or sitemap: the article's normalised address, or why it cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub link: Result<String, String>,
    pub title: Option<String>,
}

/// What a source's document holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub kind: &'static str,
    pub entries: Vec<Entry>,
}

/// Parses a feed or sitemap fetched from `base` (relative links are resolved against it).
pub fn parse(bytes: &[u8], base: &str) -> Result<Listing, String> {
    let base = url::Url::parse(base).map_err(|_| "the source address is not valid".to_owned())?;
    let text = std::str::from_utf8(bytes).ok();
    if let Some(listing) = text.and_then(|t| parse_sitemap(t, &base)) {
        return Ok(listing);
    }
    let feed = feed_rs::parser::parse(bytes)
        .map_err(|e| format!("not an RSS, Atom or sitemap document: {e}"))?;
    let kind = match feed.feed_type {
        feed_rs::model::FeedType::Atom => "Atom",
        feed_rs::model::FeedType::JSON => "JSON Feed",
        _ => "RSS",
    };
    let entries = feed
        .entries
        .into_iter()
        .map(|entry| {
            let title = entry.title.map(|t| t.content.trim().to_owned());
            // Atom entries may carry several links; the article is the "alternate" one.
            let href = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(entry.links.first())
                .map(|l| l.href.clone());
            let link = match href {
                Some(href) => resolve(&base, &href),
                None => Err(format!(
                    "entry {:?} has no link",
                    title.clone().unwrap_or_default()
                )),
            };
            Entry { link, title }
        })
        .collect();
    Ok(Listing { kind, entries })
}

/// A sitemap (`<urlset>`) or news sitemap; `None` when the document is not one.
fn parse_sitemap(text: &str, base: &url::Url) -> Option<Listing> {
    let doc = roxmltree::Document::parse(text).ok()?;
    let root = doc.root_element();
    let kind = match root.tag_name().name() {
        "urlset" => "sitemap",
        "sitemapindex" => "sitemap index",
        _ => return None,
    };
    let item = if kind == "sitemap" { "url" } else { "sitemap" };
    let entries = root
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() == item)
        .map(|node| {
            let child_text = |name: &str| {
                node.descendants()
                    .find(|d| d.is_element() && d.tag_name().name() == name)
                    .and_then(|d| d.text())
                    .map(|t| t.trim().to_owned())
            };
            let title = child_text("title");
            let link = match (kind, child_text("loc")) {
                ("sitemap index", Some(loc)) => Err(format!(
                    "{loc} is a nested sitemap; add it as a source of its own"
                )),
                (_, Some(loc)) => resolve(base, &loc),
                (_, None) => Err("a sitemap entry has no <loc>".to_owned()),
            };
            Entry { link, title }
        })
        .collect();
    Some(Listing { kind, entries })
}

fn resolve(base: &url::Url, href: &str) -> Result<String, String> {
    let href = href.trim();
    let url = base
        .join(href)
        .map_err(|_| format!("{href:?} is not a web address"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{href:?} is not an http or https address"));
    }
    Ok(normalise(&url))
}

/// Query parameters that only say where a reader came from, never which article it is.
const TRACKING: &[&str] = &["fbclid", "gclid", "mc_cid", "mc_eid", "ref", "cmpid"];

/// One address per article: lower-case scheme and host, no default port, no fragment, no
/// tracking parameters, no trailing slash on a path.
pub fn normalise(url: &url::Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.starts_with("utm_") && !TRACKING.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let path = url.path().to_owned();
    if path.len() > 1 && path.ends_with('/') {
        url.set_path(path.trim_end_matches('/'));
    }
    url.to_string()
}

/// Normalises an address given as text; `None` when it is not an http(s) address.
pub fn normalise_str(address: &str) -> Option<String> {
    let url = url::Url::parse(address.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| normalise(&url))
}

/// Whether robots.txt lets `agent` fetch `url`, and the crawl delay it asks for, in ms.
/// An unreadable robots.txt forbids nothing, as crawlers commonly treat it.
pub fn robots_allow(robots_txt: &str, agent: &str, url: &str) -> (bool, Option<u64>) {
    match texting_robots::Robot::new(agent, robots_txt.as_bytes()) {
        Ok(robot) => (
            robot.allowed(url),
            robot.delay.map(|d| (d.max(0.0) * 1000.0) as u64),
        ),
        Err(_) => (true, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_entries_with_and_without_links() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <item><title>One</title><link>https://News.example/a/1/?utm_source=x#top</link></item>
            <item><title>Two</title><link>/a/2</link></item>
            <item><title>Broken</title></item>
            <item><title>Script</title><link>javascript:alert(1)</link></item>
            </channel></rss>"#;
        let listing = parse(rss, "https://news.example/feed.xml").expect("parsed");
        assert_eq!(listing.kind, "RSS");
        let links: Vec<_> = listing.entries.iter().map(|e| e.link.clone()).collect();
        assert_eq!(links[0], Ok("https://news.example/a/1".to_owned()));
        assert_eq!(links[1], Ok("https://news.example/a/2".to_owned()));
        assert!(links[2].is_err() && links[3].is_err(), "{links:?}");
    }

    #[test]
    fn atom_and_sitemaps() {
        let atom = br#"<?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:x</id>
            <updated>2026-01-01T00:00:00Z</updated>
            <entry><title>E</title><id>urn:e</id><updated>2026-01-01T00:00:00Z</updated>
            <link rel="alternate" href="https://news.example/e"/></entry></feed>"#;
        let listing = parse(atom, "https://news.example/atom").expect("atom");
        assert_eq!(listing.kind, "Atom");
        assert_eq!(
            listing.entries[0].link,
            Ok("https://news.example/e".to_owned())
        );
        let sitemap = br#"<?xml version="1.0"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
                    xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
            <url><loc>https://news.example/s?id=1&amp;utm_medium=rss</loc>
              <news:news><news:title>Loans</news:title></news:news></url>
            <url><lastmod>2026-01-01</lastmod></url></urlset>"#;
        let listing = parse(sitemap, "https://news.example/sitemap.xml").expect("sitemap");
        assert_eq!(listing.kind, "sitemap");
        assert_eq!(
            listing.entries[0].link,
            Ok("https://news.example/s?id=1".to_owned())
        );
        assert_eq!(listing.entries[0].title.as_deref(), Some("Loans"));
        assert!(listing.entries[1].link.is_err());
        assert!(parse(b"<html><body>no</body></html>", "https://x.example/").is_err());
    }

    #[test]
    fn robots_rules() {
        let robots = "User-agent: *\nDisallow: /private\nCrawl-delay: 2\n";
        assert_eq!(
            robots_allow(robots, "claimdesk", "https://x.example/private/1"),
            (false, Some(2000))
        );
        assert!(robots_allow(robots, "claimdesk", "https://x.example/public").0);
        assert!(robots_allow("", "claimdesk", "https://x.example/any").0);
    }
}
