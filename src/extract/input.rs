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

/// Elements whose whole subtree is page furniture, not article text.
const SKIP: &[&str] = &[
    "script", "style", "nav", "header", "footer", "aside", "noscript", "template", "iframe", "svg",
    "form", "button", "select", "textarea", "head", "title", "meta", "link", "object", "canvas",
    "figure",
];

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

/// Converts HTML to the stored article text: one paragraph per line, inner
/// whitespace collapsed. Uses `<article>`/`<main>` when present.
pub fn html_to_text(html: &str) -> String {
    // The HTML5 tree builder scans the open-element stack per tag, which is
    // quadratic for deeply nested input; such input gets a plain tag strip.
    if unclosed_tags(html) > MAX_UNCLOSED {
        return strip_tags(html);
    }
    let doc = Html::parse_document(html);
    let root = doc.tree.root();
    // Prefer the main content container when the page has one.
    let mut start = root;
    for name in ["article", "main"] {
        if let Some(n) = root.descendants().find(|n| {
            n.value()
                .as_element()
                .is_some_and(|e| e.name().eq_ignore_ascii_case(name))
        }) {
            start = n;
            break;
        }
    }
    let mut raw = String::new();
    let mut skip_depth = 0usize;
    // `traverse` is iterative, so deeply nested input cannot overflow the stack.
    for edge in start.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    let name = e.name();
                    if skip_depth > 0 || SKIP.contains(&name) {
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
/// element stack can get while parsing.
fn unclosed_tags(html: &str) -> usize {
    let b = html.as_bytes();
    let mut depth = 0usize;
    let mut max = 0usize;
    for (i, w) in b.windows(2).enumerate() {
        match w {
            [b'<', b'/'] => depth = depth.saturating_sub(1),
            [b'<', n] if n.is_ascii_alphabetic() => {
                let name: &[u8] = b
                    .get(i + 1..)
                    .unwrap_or(&[])
                    .split(|c| !c.is_ascii_alphanumeric())
                    .next()
                    .unwrap_or(&[]);
                if !VOID.iter().any(|v| v.eq_ignore_ascii_case(name)) {
                    depth += 1;
                    max = max.max(depth);
                }
            }
            _ => {}
        }
    }
    max
}

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
        if !tag.starts_with('/') && (name == "script" || name == "style") {
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
    let decoded = raw
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    tidy_lines(&decoded)
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
