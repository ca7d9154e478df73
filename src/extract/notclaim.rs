//! Rules that take sentences out before or after scoring because, whatever
//! their wording, they are not claims: page furniture (bylines, credits,
//! captions, "Advertisement", "Read more:"), headings, questions,
//! speculation without a factual core, promises and aims, rhetoric in
//! quotation marks, and "declined to comment".

use super::entities::{Entity, EntityKind};
#[cfg(test)]
use super::markers;
use super::words::{alphanumeric_words, char_count, letter_words, lower_ascii, whitespace_words};

/// Why a sentence is not a claim (for tests and debugging).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Header metadata ("URL: …", "TITLE: …") or the page title repeated.
    Header,
    /// "Advertisement", "Read more: …", "Sign up …", share prompts.
    Furniture,
    /// "By Ana Ruiz", "Reporting by …; Editing by …".
    Credit,
    /// A photo caption: a paragraph carrying a picture credit.
    Caption,
    /// A line without final punctuation that reads as a heading.
    Heading,
    /// "It remains unclear whether …", "Analysts say … could …".
    Speculation,
    /// "declined to comment", "did not respond to a request for comment".
    NoComment,
    /// "We want to …", "We will …".
    Aim,
    /// A quotation with nothing checkable in it.
    Rhetoric,
}

/// Line prefixes of page furniture, compared case-insensitively.
const FURNITURE: &[&str] = &[
    "advertisement",
    "advertising",
    "sponsored",
    "read more",
    "read also",
    "also read",
    "read next",
    "related:",
    "related articles",
    "related coverage",
    "recommended",
    "see also",
    "more:",
    "watch:",
    "watch now",
    "listen:",
    "listen to",
    "subscribe",
    "sign up",
    "click here",
    "share this",
    "follow us",
    "copyright",
    "\u{a9}",
    "all rights reserved",
    "photo:",
    "image:",
    "credit:",
    "file photo",
    "skip to",
    "most read",
    "top stories",
    "you may also like",
    "updated:",
    "published:",
    "last updated",
    "updated on",
    "published on",
    "our standards",
    "more from",
];

/// Credit markers: a paragraph containing one is a picture caption.
pub(super) const CAPTION_MARKERS: &[&str] = &[
    "Photo:",
    "Photos:",
    "Photograph:",
    "Picture:",
    "Image:",
    "Photo by ",
    "Photo credit",
    "(Photo",
    "Getty Images",
    "REUTERS/",
    "Reuters/",
    "AFP via Getty",
    "AP Photo",
    "/AFP",
    "/ AFP",
    "Credit:",
    "FILE PHOTO",
    "File photo",
    "Pool via",
    "Sputnik/",
    "via REUTERS",
    "EPA-EFE",
    "Shutterstock",
];

/// Credit lines at the end of wire copy.
pub(super) const CREDIT_MARKERS: &[&str] = &[
    "Reporting by ",
    "reporting by ",
    "Editing by ",
    "editing by ",
    "Writing by ",
    "Additional reporting",
    "Compiled by ",
    "Contributed by ",
    "Edited by ",
    "Translated by ",
    "Produced by ",
    "Fact-checked by ",
];

/// Phrases of speculation that have no factual core however they go on.
pub(super) const UNCLEAR: &[&str] = &[
    "it remains unclear",
    "it is unclear",
    "it was unclear",
    "it is not clear",
    "it was not clear",
    "it remains to be seen",
    "remains to be seen",
    "it is not known",
    "it was not known",
    "it is uncertain",
    "it remains uncertain",
    "it was not immediately clear",
    "it is too early to say",
];

pub(super) const NO_COMMENT: &[&str] = &[
    "declined to comment",
    "declined to elaborate",
    "declined to say",
    "refused to comment",
    "did not respond to a request",
    "did not respond to requests",
    "did not immediately respond",
    "did not reply",
    "did not return",
    "could not be reached",
    "could not immediately be reached",
    "was not available for comment",
    "were not available for comment",
    "had no immediate comment",
    "would not comment",
    "no comment",
];

/// Verbs of opinion or expectation for unnamed groups: "analysts say … could".
const OPINION_SUBJECTS: &[&str] = &[
    "analysts",
    "experts",
    "observers",
    "economists",
    "diplomats",
    "critics",
    "some",
    "many",
    "others",
    "commentators",
    "investors",
    "traders",
    "bankers",
];

const OPINION_VERBS: &[&str] = &[
    "say",
    "said",
    "believe",
    "believed",
    "expect",
    "expected",
    "think",
    "thought",
    "warn",
    "warned",
    "fear",
    "feared",
    "predict",
    "suggest",
    "argue",
    "speculate",
];

const MODALS: &[&str] = &["could", "might", "may", "would"];

/// Hedges that make a statement a forecast rather than a fact.
/// "could" and "may" are left to the model: "access could drive prices
/// down" still states what would happen and why.
const HEDGES: &[&str] = &["probably", "possibly", "perhaps", "conceivably"];

/// Page-level facts the rules need: the title from a `TITLE:` header line.
#[derive(Debug, Default)]
pub struct Page<'a> {
    title: Option<&'a str>,
    header_end: usize,
}

impl<'a> Page<'a> {
    /// Reads `URL:` / `TITLE:` style metadata lines at the top of `text`.
    pub fn of(text: &'a str) -> Page<'a> {
        let mut page = Page::default();
        let mut offset = 0;
        for line in text.split_inclusive('\n').take(6) {
            let t = line.trim();
            let key = t.split_once(':').map(|(k, _)| k);
            let is_meta = key.is_some_and(|k| {
                matches!(
                    k,
                    "URL"
                        | "TITLE"
                        | "Title"
                        | "DATE"
                        | "Date"
                        | "AUTHOR"
                        | "SOURCE"
                        | "Source"
                        | "PUBLISHED"
                        | "Published"
                        | "Url"
                )
            });
            if t.is_empty() && offset == 0 {
                offset += line.len();
                continue;
            }
            if !is_meta {
                break;
            }
            if let Some(title) = t
                .strip_prefix("TITLE:")
                .or_else(|| t.strip_prefix("Title:"))
            {
                page.title = Some(title.trim());
            }
            offset += line.len();
            page.header_end = offset;
        }
        page
    }
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
}

/// The sentence lowercased with typographic apostrophes made plain, split
/// into words by [`lower_words`].
fn lowered(s: &str) -> String {
    s.to_lowercase().replace('\u{2019}', "'")
}

fn lower_words(lower: &str) -> Vec<&str> {
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Checks that need only the sentence and its line (run before scoring), with the markers
/// found here rather than by the document's one pass. `start` is the sentence's byte offset,
/// `line` the paragraph holding it.
#[cfg(test)]
pub fn before_scoring(sent: &str, start: usize, line: &str, page: &Page<'_>) -> Option<Reason> {
    let line = line_reason_with(line, |lt| {
        let found = markers::Hits::of(lt).within(0, lt.len());
        (found & markers::CREDIT != 0, found & markers::CAPTION != 0)
    });
    before_scoring_with(sent, start, line, page, |t| {
        let found = markers::Hits::of(t).within(0, t.len());
        (
            found & markers::SPECULATION != 0,
            found & markers::NO_COMMENT_PHRASE != 0,
        )
    })
}

/// What makes a whole line (paragraph) page furniture, a credit or a caption; the same for
/// every sentence of the line, so found once per line. `find_markers` says, for the trimmed
/// line, whether it holds a credit and whether a caption marker.
pub fn line_reason_with(
    line: &str,
    find_markers: impl FnOnce(&str) -> (bool, bool),
) -> Option<Reason> {
    let lt = line.trim();
    if FURNITURE.iter().any(|p| starts_with_ci(lt, p)) {
        return Some(Reason::Furniture);
    }
    let (credit, caption) = find_markers(lt);
    if credit || is_byline(lt) {
        return Some(Reason::Credit);
    }
    caption.then_some(Reason::Caption)
}

/// The sentence's own checks, given the line's verdict from [`line_reason_with`]. `phrases`
/// says, for the trimmed sentence, whether it holds a speculation phrase and whether a
/// no-comment one.
pub fn before_scoring_with(
    sent: &str,
    start: usize,
    line: Option<Reason>,
    page: &Page<'_>,
    phrases: impl FnOnce(&str) -> (bool, bool),
) -> Option<Reason> {
    let t = sent.trim();
    if start < page.header_end {
        return Some(Reason::Header);
    }
    if page.title.is_some_and(|title| title == t) {
        return Some(Reason::Header);
    }
    if line.is_some() {
        return line;
    }
    if is_heading_line(t) {
        return Some(Reason::Heading);
    }
    let (unclear, no_comment) = phrases(t);
    if unclear {
        return Some(Reason::Speculation);
    }
    if no_comment {
        return Some(Reason::NoComment);
    }
    // The word rules below need an unnamed group among the first words or a
    // "we"/"I"; most sentences have neither and skip the lowercase copy.
    let (mut opinion, mut first_person) = (false, false);
    let mut buf = [0u8; 16];
    for (i, w) in letter_words(t).enumerate() {
        let Some(lw) = lower_ascii(w, &mut buf) else {
            continue;
        };
        opinion |= i < 8 && OPINION_SUBJECTS.iter().any(|s| s.as_bytes() == lw);
        first_person |= matches!(lw, b"we" | b"i" | b"we'll" | b"i'll");
    }
    if !(opinion || first_person) {
        return None;
    }
    let lower = lowered(t);
    let ws = lower_words(&lower);
    if opinion && opinion_of_unnamed(&ws) {
        return Some(Reason::Speculation);
    }
    if first_person && first_person_aim(&ws) {
        return Some(Reason::Aim);
    }
    None
}

/// Checks that need the sentence's entities (run on candidates only).
/// `quoted` says the sentence is mostly a direct quotation.
pub fn after_entities(sent: &str, ents: &[Entity], quoted: bool) -> Option<Reason> {
    let figure = has_figure(sent, ents);
    if figure {
        return None;
    }
    if quoted && rhetorical(sent) {
        return Some(Reason::Rhetoric);
    }
    // Case matters: "may" hedges, "May" is a month.
    let mut prev = "";
    for w in alphanumeric_words(sent) {
        if HEDGES.contains(&w) || (prev == "set" && w == "to") {
            return Some(Reason::Speculation);
        }
        prev = w;
    }
    None
}

/// A concrete figure: an amount, a percentage, a count or a date.
fn has_figure(sent: &str, ents: &[Entity]) -> bool {
    ents.iter().any(|e| {
        matches!(
            e.kind,
            EntityKind::Money | EntityKind::Percent | EntityKind::Date | EntityKind::Quantity
        )
    }) || digit_outside(sent, ents)
        || letter_words(sent).any(|w| {
            let mut buf = [0u8; 16];
            let Some(lw) = lower_ascii(w, &mut buf) else {
                return false;
            };
            matches!(
                lw,
                b"one"
                    | b"two"
                    | b"three"
                    | b"four"
                    | b"five"
                    | b"six"
                    | b"seven"
                    | b"eight"
                    | b"nine"
                    | b"ten"
                    | b"eleven"
                    | b"twelve"
                    | b"fifteen"
                    | b"twenty"
                    | b"thirty"
                    | b"forty"
                    | b"fifty"
                    | b"sixty"
                    | b"seventy"
                    | b"eighty"
                    | b"ninety"
                    | b"dozen"
                    | b"dozens"
                    | b"hundred"
                    | b"hundreds"
                    | b"thousand"
                    | b"thousands"
                    | b"million"
                    | b"billion"
                    | b"half"
                    | b"january"
                    | b"february"
                    | b"april"
                    | b"june"
                    | b"july"
                    | b"august"
                    | b"september"
                    | b"october"
                    | b"november"
                    | b"december"
            )
        })
}

/// A digit that is not part of a weapon designation ("MiG-29").
fn digit_outside(sent: &str, ents: &[Entity]) -> bool {
    let weapons: Vec<(usize, usize)> = ents
        .iter()
        .filter(|e| e.kind == EntityKind::WeaponSystem)
        .filter_map(|e| sent_offset(sent, e))
        .collect();
    sent.bytes()
        .enumerate()
        .any(|(i, b)| b.is_ascii_digit() && !weapons.iter().any(|&(a, z)| a <= i && i < z))
}

/// Where entity `e` sits inside `sent` (entities carry article offsets).
fn sent_offset(sent: &str, e: &Entity) -> Option<(usize, usize)> {
    let a = sent.find(e.text.as_str())?;
    Some((a, a + e.text.len()))
}

/// "By Ana Ruiz and Tom Lee", "By Ana Ruiz, Moscow correspondent".
fn is_byline(line: &str) -> bool {
    let Some(rest) = line
        .strip_prefix("By ")
        .or_else(|| line.strip_prefix("BY "))
    else {
        return false;
    };
    let ws: Vec<&str> = rest.split_whitespace().collect();
    !line.ends_with(['.', '!', '?'])
        && ws.len() <= 12
        && ws
            .iter()
            .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
            .count()
            * 2
            >= ws.len()
}

/// A heading: no final punctuation and either short, all capitals, or in
/// title case.
fn is_heading_line(t: &str) -> bool {
    if t.ends_with(['.', '!', '?', '"', '\u{201d}', '\u{2019}', ':', ';', ')']) {
        return false;
    }
    // Counting stops past 25 words: only "at most 10" and "at most 25" matter.
    let words = whitespace_words(t).take(26).count();
    if words <= 10 {
        return true;
    }
    let letters: Vec<char> = t.chars().filter(|c| c.is_alphabetic()).collect();
    if !letters.is_empty() && letters.iter().all(|c| c.is_uppercase()) {
        return true;
    }
    words <= 25 && is_title_case(t)
}

/// A line in title case ("Minister Seeks New Loan Terms"), whose capitals
/// say nothing about names.
pub fn is_title_case(t: &str) -> bool {
    let (mut long, mut caps) = (0usize, 0usize);
    for w in whitespace_words(t).filter(|w| w.len() >= 4 && char_count(w) >= 4) {
        long += 1;
        if w.chars().next().is_some_and(char::is_uppercase) {
            caps += 1;
        }
    }
    long >= 3 && caps * 10 >= long * 7
}

/// "Analysts say the move could …", "Some diplomats believe … might …".
fn opinion_of_unnamed(ws: &[&str]) -> bool {
    let Some(v) = ws.iter().take(8).position(|w| OPINION_VERBS.contains(w)) else {
        return false;
    };
    let subject_unnamed = ws[..v].iter().any(|w| OPINION_SUBJECTS.contains(w));
    subject_unnamed && ws[v..].iter().any(|w| MODALS.contains(w))
}

/// A quotation that speaks for "us", judges in the present tense ("X is
/// robust", "this is about credibility") or deals in absolutes ("nobody",
/// "only ever"), rather than reporting what happened.
fn rhetorical(sent: &str) -> bool {
    let lower = lowered(sent);
    let ws = lower_words(&lower);
    let first_person = ws.iter().any(|w| {
        matches!(
            *w,
            "we" | "our" | "us" | "i" | "my" | "me" | "we're" | "i'm" | "ours"
        )
    });
    let absolute = ws.iter().any(|w| matches!(*w, "nobody" | "no-one"))
        || ws.windows(2).any(|p| {
            matches!(
                (p[0], p[1]),
                ("only", "ever") | ("nothing", "more") | ("no", "one") | ("never", "again")
            )
        });
    let judging = ws.iter().enumerate().any(|(i, w)| {
        matches!(*w, "is" | "are" | "remains" | "remain" | "stays" | "'s")
            && ws
                .get(i + 1..)
                .and_then(|rest| {
                    rest.iter().find(|n| {
                        !matches!(
                            **n,
                            "still"
                                | "not"
                                | "very"
                                | "so"
                                | "deeply"
                                | "currently"
                                | "also"
                                | "really"
                                | "simply"
                                | "now"
                                | "clearly"
                                | "truly"
                                | "just"
                        )
                    })
                })
                .is_some_and(|n| !n.ends_with("ed") && !n.ends_with("en") && *n != "being")
    });
    first_person || absolute || judging
}

/// "We want to double it", "We will follow every rule", "I hope to …".
fn first_person_aim(ws: &[&str]) -> bool {
    ws.windows(3).any(|p| {
        matches!(p[0], "we" | "i")
            && (matches!(
                p[1],
                "want"
                    | "will"
                    | "hope"
                    | "plan"
                    | "aim"
                    | "intend"
                    | "wish"
                    | "would"
                    | "shall"
                    | "must"
                    | "need"
                    | "should"
                    | "'ll"
                    | "expect"
                    | "seek"
            ) || matches!(p[1], "we'll" | "i'll")
                || (p[1] == "are" && matches!(p[2], "going" | "determined" | "ready")))
    }) || ws.iter().any(|w| matches!(*w, "we'll" | "i'll"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pre(s: &str) -> Option<Reason> {
        before_scoring(s, 100, s, &Page::default())
    }

    #[test]
    fn page_furniture_and_credits() {
        assert_eq!(pre("Advertisement"), Some(Reason::Furniture));
        assert_eq!(
            pre("Read more: How the port deal fell apart"),
            Some(Reason::Furniture)
        );
        assert_eq!(pre("By Mara Quist and Olu Ade"), Some(Reason::Credit));
        assert_eq!(
            pre("Updated: May 4, 2024 10:15 GMT"),
            Some(Reason::Furniture)
        );
        assert_eq!(
            pre("Reporting by Mara Quist in Accra and Olu Ade in Lagos; Editing by Jo Park"),
            Some(Reason::Credit)
        );
        assert_eq!(pre("By the end of 2024, exports had doubled."), None);
    }

    #[test]
    fn captions() {
        let line = "Workers unload a cargo ship in the port of Tema on May 3. Photo: Wire Images";
        assert_eq!(
            before_scoring(
                "Workers unload a cargo ship in the port of Tema on May 3.",
                100,
                line,
                &Page::default()
            ),
            Some(Reason::Caption)
        );
    }

    #[test]
    fn headings_and_header_lines() {
        assert_eq!(pre("FUEL SUBSIDIES UNDER PRESSURE"), Some(Reason::Heading));
        assert_eq!(
            pre(
                "Ghana Seeks New Loan Terms From Lenders As Cedi Falls To Record Low Against Dollar"
            ),
            Some(Reason::Heading)
        );
        let text = "URL: https://example.net/a\nTITLE: Port strike ends\n\nBody text here.";
        let page = Page::of(text);
        assert_eq!(
            before_scoring("Port strike ends", 30, "TITLE: Port strike ends", &page),
            Some(Reason::Header)
        );
        assert_eq!(
            page.header_end,
            text.find("\n\n").map(|p| p + 1).unwrap_or(0)
        );
        assert_eq!(
            before_scoring("Port strike ends", 200, "Port strike ends", &page),
            Some(Reason::Header)
        );
    }

    #[test]
    fn speculation_and_no_comment() {
        assert_eq!(
            pre("It remains unclear whether the board will approve the sale."),
            Some(Reason::Speculation)
        );
        assert_eq!(
            pre("Economists say the cut could lift exports next year."),
            Some(Reason::Speculation)
        );
        assert_eq!(
            pre("The port authority declined to comment on the report."),
            Some(Reason::NoComment)
        );
        assert_eq!(
            pre("Harbor Tools did not respond to a request for comment."),
            Some(Reason::NoComment)
        );
        assert_eq!(
            after_entities("The merger will probably face objections.", &[], false),
            Some(Reason::Speculation)
        );
        // A forecast with a figure keeps its factual core.
        assert_eq!(
            after_entities("Output will probably reach 2 million barrels.", &[], false),
            None
        );
    }

    #[test]
    fn aims_and_rhetoric() {
        assert_eq!(pre("We want to triple exports by 2030."), Some(Reason::Aim));
        assert_eq!(pre("We will honour every contract."), Some(Reason::Aim));
        assert_eq!(pre("We have shipped 40 turbines since 2020."), None);
        assert_eq!(
            after_entities("Our harbour belongs to the people of this city.", &[], true),
            Some(Reason::Rhetoric)
        );
        assert_eq!(
            after_entities("We shipped forty turbines.", &[], true),
            None
        );
        assert_eq!(
            after_entities("The plan is sound and it will stay sound.", &[], true),
            Some(Reason::Rhetoric)
        );
        // What happened, even without a figure, is reported, not judged.
        assert_eq!(
            after_entities("The raid was carried out at night.", &[], true),
            None
        );
        assert_eq!(
            after_entities("Both leaders are focused on the border dispute.", &[], true),
            None
        );
    }
}
