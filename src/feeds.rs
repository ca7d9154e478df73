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
    /// A sitemap index's sitemaps (an index lists sitemaps, not articles).
    pub sitemaps: Vec<NestedSitemap>,
}

/// One sitemap named by a sitemap index.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedSitemap {
    pub link: Result<String, String>,
    /// `<lastmod>` as written (W3C datetime: a date, or a date and time).
    pub lastmod: Option<String>,
}

/// How many sitemaps of an index one poll reads. News sites keep an index of daily or monthly
/// sitemaps going back years; the newest few hold what is new.
pub const NESTED_SITEMAPS_PER_POLL: usize = 10;

impl Listing {
    /// The sitemaps of an index worth reading on a poll, at most `limit`, each once: dated
    /// ones newest `<lastmod>` first, then undated ones from the end of the index (indexes
    /// list their sitemaps oldest first, so its end is where the new ones are); and the
    /// reasons the unusable ones were passed over.
    pub fn newest_sitemaps(&self, limit: usize) -> (Vec<String>, Vec<String>) {
        let mut dated = Vec::new();
        let mut undated = Vec::new();
        let mut unusable = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for sitemap in &self.sitemaps {
            match &sitemap.link {
                Ok(link) if !seen.insert(link.as_str()) => {}
                Ok(link) => match sitemap.lastmod.as_deref().and_then(w3c_datetime) {
                    Some(when) => dated.push((when, link.as_str())),
                    None => undated.push(link.as_str()),
                },
                Err(reason) => unusable.push(reason.clone()),
            }
        }
        // Stable: among equal dates the index's order stands.
        dated.sort_by_key(|d| std::cmp::Reverse(d.0));
        let newest = dated
            .into_iter()
            .map(|(_, link)| link)
            .chain(undated.into_iter().rev())
            .take(limit)
            .map(str::to_owned)
            .collect();
        (newest, unusable)
    }
}

/// A sitemap `<lastmod>` in the W3C datetime forms sitemaps use: `YYYY`, `YYYY-MM`,
/// `YYYY-MM-DD`, or a date and time (with or without seconds; a missing zone read as UTC).
fn w3c_datetime(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    let text = text.trim();
    if let Ok(when) = DateTime::parse_from_rfc3339(text) {
        return Some(when.with_timezone(&Utc));
    }
    // Minutes without seconds, with a zone ("Z" or "+01:00").
    let zoned = text
        .strip_suffix('Z')
        .map_or(text.to_owned(), |t| format!("{t}+00:00"));
    if let Ok(when) = DateTime::parse_from_str(&zoned, "%Y-%m-%dT%H:%M%:z") {
        return Some(when.with_timezone(&Utc));
    }
    for form in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(when) = NaiveDateTime::parse_from_str(text, form) {
            return Some(when.and_utc());
        }
    }
    let date = match text.len() {
        4 => NaiveDate::from_ymd_opt(text.parse().ok()?, 1, 1),
        7 => NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok(),
        _ => NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
    }?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
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
    Ok(Listing {
        kind,
        entries,
        sitemaps: Vec::new(),
    })
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
    let child_text = |node: roxmltree::Node, name: &str| {
        node.descendants()
            .find(|d| d.is_element() && d.tag_name().name() == name)
            .and_then(|d| d.text())
            .map(|t| t.trim().to_owned())
    };
    let loc = |node: roxmltree::Node, missing: &str| match child_text(node, "loc") {
        Some(loc) => resolve(base, &loc),
        None => Err(missing.to_owned()),
    };
    let items = |item: &'static str| {
        root.children()
            .filter(move |n| n.is_element() && n.tag_name().name() == item)
    };
    if kind == "sitemap index" {
        let sitemaps = items("sitemap")
            .map(|node| NestedSitemap {
                link: loc(node, "a sitemap index entry has no <loc>"),
                lastmod: child_text(node, "lastmod"),
            })
            .collect();
        return Some(Listing {
            kind,
            entries: Vec::new(),
            sitemaps,
        });
    }
    let entries = items("url")
        .map(|node| Entry {
            link: loc(node, "a sitemap entry has no <loc>"),
            title: child_text(node, "title"),
        })
        .collect();
    Some(Listing {
        kind,
        entries,
        sitemaps: Vec::new(),
    })
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
    fn a_sitemap_index_lists_its_sitemaps_newest_first() {
        let index = br#"<?xml version="1.0" encoding="UTF-8"?>
            <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <sitemap><loc>/sitemaps/2026-10.xml</loc><lastmod>2026-10-31</lastmod></sitemap>
            <sitemap><loc>https://news.example/sitemaps/undated-1.xml</loc></sitemap>
            <sitemap><loc>https://news.example/sitemaps/2026-11.xml</loc>
              <lastmod>2026-11-30T18:05:00+01:00</lastmod></sitemap>
            <sitemap><lastmod>2026-12-01</lastmod></sitemap>
            <sitemap><loc>ftp://news.example/old.xml</loc></sitemap>
            <sitemap><loc>https://news.example/sitemaps/2026-09.xml</loc>
              <lastmod>2026-09-30</lastmod></sitemap>
            <sitemap><loc>https://news.example/sitemaps/2026-10.xml</loc></sitemap>
            <sitemap><loc>https://news.example/sitemaps/undated-2.xml</loc></sitemap>
            </sitemapindex>"#;
        let listing = parse(index, "https://news.example/sitemap-index.xml").expect("index");
        assert_eq!(listing.kind, "sitemap index");
        assert!(listing.entries.is_empty());
        assert_eq!(listing.sitemaps.len(), 8);
        let (newest, unusable) = listing.newest_sitemaps(3);
        assert_eq!(
            newest,
            [
                "https://news.example/sitemaps/2026-11.xml",
                "https://news.example/sitemaps/2026-10.xml",
                "https://news.example/sitemaps/2026-09.xml",
            ]
        );
        assert_eq!(unusable.len(), 2, "{unusable:?}");
        // Each once (2026-10 is listed twice); the undated ones last, the index's end first.
        let (all, _) = listing.newest_sitemaps(10);
        assert_eq!(
            all[3..],
            [
                "https://news.example/sitemaps/undated-2.xml",
                "https://news.example/sitemaps/undated-1.xml",
            ]
        );
    }

    #[test]
    fn lastmod_in_every_w3c_datetime_form() {
        let utc = |y, m, d, h, min| {
            chrono::NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|date| date.and_hms_opt(h, min, 0))
                .map(|t| t.and_utc())
        };
        assert_eq!(w3c_datetime("2026"), utc(2026, 1, 1, 0, 0));
        assert_eq!(w3c_datetime("2026-11"), utc(2026, 11, 1, 0, 0));
        assert_eq!(w3c_datetime(" 2026-11-30 "), utc(2026, 11, 30, 0, 0));
        assert_eq!(
            w3c_datetime("2026-11-30T18:05+01:00"),
            utc(2026, 11, 30, 17, 5)
        );
        assert_eq!(w3c_datetime("2026-11-30T18:05Z"), utc(2026, 11, 30, 18, 5));
        assert_eq!(
            w3c_datetime("2026-11-30T18:05:00.5Z").map(|t| t.timestamp()),
            utc(2026, 11, 30, 18, 5).map(|t| t.timestamp())
        );
        assert_eq!(
            w3c_datetime("2026-11-30T18:05:00"),
            utc(2026, 11, 30, 18, 5)
        );
        assert_eq!(w3c_datetime("2026-11-30T18:05"), utc(2026, 11, 30, 18, 5));
        for bad in ["", "yesterday", "2026-13", "20261", "2026-11-31"] {
            assert_eq!(w3c_datetime(bad), None, "{bad:?}");
        }
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
