//! Input handling: format sniffing and HTML/Markdown to plain-text conversion.

use ego_tree::iter::Edge;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use scraper::{Html, Node};
use serde::{Deserialize, Serialize};

/// The format of an uploaded article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    Text,
    Markdown,
    Html,
}

impl InputFormat {
    /// Guesses the format: an explicit content type wins, then the file
    /// extension, then a look at the first bytes. Defaults to `Text`.
    pub fn detect(bytes: &[u8], content_type: Option<&str>, file_name: Option<&str>) -> Self {
        if let Some(ct) = content_type {
            let ct = ct.to_ascii_lowercase();
            if ct.contains("html") {
                return InputFormat::Html;
            }
            if ct.contains("markdown") {
                return InputFormat::Markdown;
            }
            if ct.starts_with("text/plain") {
                return InputFormat::Text;
            }
        }
        if let Some(name) = file_name {
            let ext = name
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase())
                .unwrap_or_default();
            match ext.as_str() {
                "html" | "htm" | "xhtml" => return InputFormat::Html,
                "md" | "markdown" | "mdown" | "mkd" => return InputFormat::Markdown,
                "txt" | "text" => return InputFormat::Text,
                _ => {}
            }
        }
        sniff(bytes)
    }
}

fn sniff(bytes: &[u8]) -> InputFormat {
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let trimmed = head.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with("<!doctype html")
        || trimmed.starts_with("<html")
        || trimmed.starts_with("<?xml") && head.contains("<html")
    {
        return InputFormat::Html;
    }
    let tags = [
        "<p>", "<p ", "<div", "<body", "<article", "<br", "<span", "<a href",
    ];
    if tags.iter().filter(|t| head.contains(*t)).count() >= 2 {
        return InputFormat::Html;
    }
    let mut md = 0;
    for line in head.lines() {
        let l = line.trim_start();
        if l.starts_with("# ") || l.starts_with("## ") || l.starts_with("### ") {
            md += 2;
        } else if l.starts_with("```")
            || l.starts_with("> ")
            || ((l.starts_with("- ") || l.starts_with("* ")) && l.len() > 2)
        {
            md += 1;
        }
        if l.contains("](") && l.contains('[') {
            md += 1;
        }
        if l.contains("**") {
            md += 1;
        }
    }
    if md >= 2 {
        InputFormat::Markdown
    } else {
        InputFormat::Text
    }
}

/// Elements whose whole subtree is page furniture or not text at all. (`form` is not here:
/// some sites wrap the whole page in one; `figure` is not, for its caption.)
const SKIP: &[&str] = &[
    "script", "style", "nav", "header", "footer", "aside", "noscript", "template", "iframe", "svg",
    "button", "select", "textarea", "head", "title", "meta", "link", "object", "canvas",
];

/// Inside the article itself a `<header>` holds its headline and standfirst, not the site's
/// masthead, so it is kept there.
const KEPT_INSIDE_ARTICLE: &[&str] = &["header"];

/// The chosen `<article>`/`<main>` must hold at least this share of the page's text;
/// otherwise it is a teaser or a sidebar item and the whole page is used.
const MIN_CONTAINER_SHARE: f64 = 1.0 / 3.0;

/// Elements that start a new line in the extracted text.
const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "table",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "hr",
    "figcaption",
    "details",
    "summary",
    "address",
];

/// Converts HTML to the stored article text: one paragraph per line, inner whitespace
/// collapsed. Uses the page's main `<article>`/`<main>` (see [`main_containers`]) when it
/// holds a fair share of the page's text.
pub fn html_to_text(html: &str) -> String {
    // The HTML5 tree builder scans the open-element stack per tag, which is
    // quadratic for deeply nested input; such input gets a plain tag strip.
    if unclosed_tags(html) > MAX_UNCLOSED {
        return strip_tags(html);
    }
    let doc = Html::parse_document(html);
    let root = doc.tree.root();
    let ([article, main], page_len) = main_containers(root);
    let fair_share = |len: usize| len as f64 >= page_len as f64 * MIN_CONTAINER_SHARE;
    // An article is narrower than the main column (which may hold comments), so it wins.
    match article
        .filter(|c| fair_share(c.1))
        .or(main.filter(|c| fair_share(c.1)))
    {
        Some((node, _)) => text_of(node, KEPT_INSIDE_ARTICLE),
        None => text_of(root, &[]),
    }
}

type Container<'a> = Option<(ego_tree::NodeRef<'a, Node>, usize)>;

/// The `<article>` and the `<main>` outside page furniture with the most text, each with
/// that amount (bytes of text outside furniture), and the whole page's amount. One pass,
/// so pages with thousands of (nested) candidates stay linear.
fn main_containers(root: ego_tree::NodeRef<'_, Node>) -> ([Container<'_>; 2], usize) {
    let mut best: [Container<'_>; 2] = [None, None];
    // Text bytes so far under each open element, innermost last; the first entry is the
    // whole page, which no element closes.
    let mut open: Vec<usize> = vec![0];
    let mut skip_depth = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    if skip_depth > 0 || SKIP.contains(&e.name()) {
                        skip_depth += 1;
                    } else {
                        open.push(0);
                    }
                }
                Node::Text(t) if skip_depth == 0 => {
                    if let Some(len) = open.last_mut() {
                        *len += t.len();
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                let Node::Element(e) = node.value() else {
                    continue;
                };
                if skip_depth > 0 {
                    skip_depth -= 1;
                    continue;
                }
                let len = open.pop().unwrap_or(0);
                if let Some(parent) = open.last_mut() {
                    *parent += len;
                }
                let kind = match e.name() {
                    "article" => 0,
                    "main" => 1,
                    _ => continue,
                };
                if let Some(slot) = best.get_mut(kind)
                    && slot.is_none_or(|(_, most)| len > most)
                {
                    *slot = Some((node, len));
                }
            }
        }
    }
    (best, open.first().copied().unwrap_or(0))
}

/// The text under `start`, skipping furniture except the elements in `keep`.
fn text_of(start: ego_tree::NodeRef<'_, Node>, keep: &[&str]) -> String {
    let mut raw = String::new();
    let mut skip_depth = 0usize;
    // `traverse` is iterative, so deeply nested input cannot overflow the stack.
    for edge in start.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    let name = e.name();
                    if skip_depth > 0 || (SKIP.contains(&name) && !keep.contains(&name)) {
                        skip_depth += 1;
                    } else if BLOCK.contains(&name) {
                        raw.push('\n');
                    }
                }
                Node::Text(t) if skip_depth == 0 => raw.push_str(t),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    if skip_depth > 0 {
                        skip_depth -= 1;
                    } else if BLOCK.contains(&e.name()) {
                        raw.push('\n');
                    }
                }
            }
        }
    }
    tidy_lines(&raw)
}

/// Above this many more start tags than end tags the page is treated as
/// hostile and stripped without building a DOM.
const MAX_UNCLOSED: usize = 4096;

/// Void elements never nest, so they do not count towards depth.
const VOID: &[&[u8]] = &[
    b"br", b"img", b"hr", b"meta", b"link", b"input", b"wbr", b"source", b"area", b"col", b"embed",
    b"param", b"track", b"base",
];

/// Running (start tags − end tags) maximum: an upper bound on how deep the
/// element stack can get while parsing. Comments and the bodies of raw-text
/// elements (`for(i=0;i<n;i++)` in a script) are not markup and are skipped.
fn unclosed_tags(html: &str) -> usize {
    let b = html.as_bytes();
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut i = 0;
    while let Some(off) = b
        .get(i..)
        .and_then(|rest| rest.iter().position(|&c| c == b'<'))
    {
        i += off;
        let rest = b.get(i + 1..).unwrap_or(&[]);
        if rest.starts_with(b"!--") {
            i = html
                .get(i + 4..)
                .and_then(|r| r.find("-->"))
                .map_or(b.len(), |e| i + 4 + e + 3);
            continue;
        }
        if rest.first() == Some(&b'/') {
            depth = depth.saturating_sub(1);
            i += 1;
            continue;
        }
        if !rest.first().is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        let name: &[u8] = rest
            .split(|c| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or(&[]);
        if RAW_TEXT
            .iter()
            .any(|r| r.as_bytes().eq_ignore_ascii_case(name))
        {
            let close = format!("</{}", String::from_utf8_lossy(name).to_ascii_lowercase());
            i = find_ascii_ci(html.get(i + 1..).unwrap_or(""), &close)
                .map_or(b.len(), |e| i + 1 + e);
            continue;
        }
        if !VOID.iter().any(|v| v.eq_ignore_ascii_case(name)) {
            depth += 1;
            max = max.max(depth);
        }
        i += 1;
    }
    max
}

/// Elements whose content is text, not markup, up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "noscript", "template",
];

/// Byte offset of `needle` (ASCII, lowercase) in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    hay.as_bytes()
        .windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
}

/// Linear fallback: drops comments, script/style bodies and tags; block
/// tags become line breaks; a few common entities are decoded.
fn strip_tags(html: &str) -> String {
    let mut raw = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        raw.push_str(rest.get(..lt).unwrap_or(""));
        let after = rest.get(lt..).unwrap_or("");
        if let Some(body) = after.strip_prefix("<!--") {
            rest = body
                .find("-->")
                .and_then(|e| body.get(e + 3..))
                .unwrap_or("");
            continue;
        }
        // A '<' not followed by a tag name ("5 < 6") is text.
        if !after
            .as_bytes()
            .get(1)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'/' || *c == b'!')
        {
            raw.push('<');
            rest = after.get(1..).unwrap_or("");
            continue;
        }
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after.get(1..gt).unwrap_or("");
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = after.get(gt + 1..).unwrap_or("");
        if !tag.starts_with('/') && RAW_TEXT.contains(&name.as_str()) {
            let end = format!("</{name}");
            rest = find_ascii_ci(rest, &end)
                .and_then(|e| rest.get(e..))
                .and_then(|r| r.find('>').and_then(|g| r.get(g + 1..)))
                .unwrap_or("");
            continue;
        }
        if BLOCK.contains(&name.as_str()) {
            raw.push('\n');
        }
    }
    raw.push_str(rest);
    tidy_lines(&decode_entities(&raw))
}

/// Decodes numeric character references and the common named entities; anything else
/// is left as written.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or(""));
        let after = rest.get(amp..).unwrap_or("");
        let entity = after.get(1..).and_then(|a| {
            a.find(';')
                .filter(|&semi| semi <= 10)
                .and_then(|semi| a.get(..semi))
        });
        let decoded = entity.and_then(|name| match name {
            "nbsp" => Some(' '),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "amp" => Some('&'),
            _ => {
                let number = name.strip_prefix('#')?;
                let code = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => number.parse().ok()?,
                };
                char::from_u32(code).filter(|c| *c != '\0')
            }
        });
        match (entity, decoded) {
            (Some(name), Some(c)) => {
                out.push(c);
                rest = after.get(name.len() + 2..).unwrap_or("");
            }
            _ => {
                out.push('&');
                rest = after.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

/// Converts Markdown to plain text: block elements become lines, inline
/// markup and raw HTML are dropped, link text is kept.
pub fn markdown_to_text(md: &str) -> String {
    let mut raw = String::new();
    for ev in Parser::new(md) {
        match ev {
            Event::Text(t) | Event::Code(t) => raw.push_str(&t),
            Event::SoftBreak => raw.push(' '),
            Event::HardBreak | Event::Rule => raw.push('\n'),
            Event::Start(Tag::Item) => raw.push('\n'),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::TableCell,
            ) => raw.push('\n'),
            _ => {}
        }
    }
    tidy_lines(&raw)
}

/// Collapses whitespace inside lines and drops empty lines.
fn tidy_lines(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for line in raw.split('\n') {
        let mut first = true;
        for w in line.split_whitespace() {
            if first {
                if !out.is_empty() {
                    out.push('\n');
                }
                first = false;
            } else {
                out.push(' ');
            }
            out.push_str(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_drops_furniture() {
        let h = "<html><head><style>p{}</style></head><body><nav>Menu</nav><header>Site</header>\
                 <p>First <b>para</b>.</p><!-- hidden --><script>x()</script><p>Second.</p>\
                 <aside>Ad</aside><footer>(c)</footer></body></html>";
        assert_eq!(html_to_text(h), "First para.\nSecond.");
    }

    #[test]
    fn html_prefers_article() {
        let h = "<body><div>Teaser</div><article><h1>Title</h1><p>Body text.</p></article></body>";
        assert_eq!(html_to_text(h), "Title\nBody text.");
    }

    #[test]
    fn html_finds_the_real_article() {
        let body = "<p>The ministry said it delivered 300 tanks worth $4 billion in 2024.</p>\
                    <p>Officials confirmed the figure on Monday.</p>";
        // A teaser article inside the site header, and a short one before the real one.
        let h = format!(
            "<header><nav><article>Top story: markets rally.</article></nav></header>\
             <article>Short teaser.</article><main><article>{body}</article></main>"
        );
        assert_eq!(
            html_to_text(&h),
            "The ministry said it delivered 300 tanks worth $4 billion in 2024.\n\
             Officials confirmed the figure on Monday."
        );
        // Pages wrapped in one big form keep their text.
        let h = format!("<body><form id=\"f\"><div>{body}</div></form></body>");
        assert!(html_to_text(&h).starts_with("The ministry said"));
        // The article's own header and figure captions are article text.
        let h = format!(
            "<header>Site</header><article><header><h1>Tanks delivered</h1></header>{body}\
             <figure><img src=\"x.jpg\"><figcaption>40% of the tanks arrived in May.</figcaption></figure></article>"
        );
        let text = html_to_text(&h);
        assert!(text.starts_with("Tanks delivered\n"), "{text}");
        assert!(text.ends_with("40% of the tanks arrived in May."), "{text}");
        assert!(!text.contains("Site"), "{text}");
    }

    #[test]
    fn scripts_full_of_comparisons_are_not_deep_markup() {
        let script = "for(var i=0;i<n;i++){}".repeat(MAX_UNCLOSED + 10);
        let h = format!("<script>{script}</script><!-- <div><div> --><p>Text.</p>");
        assert!(unclosed_tags(&h) < 5);
        assert_eq!(html_to_text(&h), "Text.");
    }

    #[test]
    fn the_fallback_keeps_text_comparisons_and_decodes_references() {
        let h = format!(
            "{}<p>Prices rose when 5 &lt; 6 &#8212; or 5 < 6.</p><noscript>Enable JS</noscript>\
             <textarea>typed</textarea><p>Caf&#xE9; &amp; bar &bogus; &#0;</p>",
            "<div>".repeat(MAX_UNCLOSED + 10)
        );
        assert_eq!(
            html_to_text(&h),
            "Prices rose when 5 < 6 \u{2014} or 5 < 6.\nCaf\u{e9} & bar &bogus; &#0;"
        );
    }

    #[test]
    fn deep_nesting_falls_back_to_stripping() {
        let h = format!(
            "{}<p>Deep text.</p><script>bad()</script><!-- c -->&amp; more",
            "<div>".repeat(MAX_UNCLOSED + 10)
        );
        assert_eq!(html_to_text(&h), "Deep text.\n& more");
    }

    #[test]
    fn markdown_to_lines() {
        let m = "# Head\n\nSome *bold* [link](http://x) text\nwrapped.\n\n- item one\n- item two\n";
        assert_eq!(
            markdown_to_text(m),
            "Head\nSome bold link text wrapped.\nitem one\nitem two"
        );
    }

    #[test]
    fn detect_formats() {
        assert_eq!(
            InputFormat::detect(b"x", Some("text/html; charset=utf-8"), None),
            InputFormat::Html
        );
        assert_eq!(
            InputFormat::detect(b"x", None, Some("a.MD")),
            InputFormat::Markdown
        );
        assert_eq!(
            InputFormat::detect(b"<!DOCTYPE html><p>x", None, None),
            InputFormat::Html
        );
        assert_eq!(
            InputFormat::detect(b"# T\n\n## U\n", None, None),
            InputFormat::Markdown
        );
        assert_eq!(
            InputFormat::detect(b"Plain words.", None, None),
            InputFormat::Text
        );
    }
}
