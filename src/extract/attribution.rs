//! Reported speech in one sentence: who the sentence says made the claim.
//!
//! Works on a sentence whose quotations are already removed. Forms, tried in
//! this order:
//! 1. subject first: "Peru's finance ministry said on Tuesday …",
//!    "Dr. Ana Ruiz, an economist at …, said …", "He also said …";
//! 2. attribution after the clause: "…, the ministry said.", "…, it said.",
//!    "…, the Halvorsen Institute, a research group, said in a report.";
//! 3. inverted: "…, said Lt. Col. Ana Vos, a spokeswoman for …";
//! 4. "according to X" anywhere.
//!
//! The speaker's noun phrase is then tidied (articles, "-based" places,
//! titles and descriptors dropped; "analysts at X" is X; "documents seen by
//! the paper" are the documents) and given a kind.

use super::lexicon::{ORG_NAME_ENDINGS, ORGANIZATIONS, PLACES, PUBLICATIONS, SPEECH_VERBS};
use super::words::whitespace_words;

crate::domain::named_enum! {
    /// What sort of source a claimant is; serialised, stored and parsed in snake_case. The one
    /// definition the extractor, the database, the API and the claim-edit form share.
    pub enum ClaimantKind ("claimant kind") {
        Person => "person",
        Organization => "organization",
        Publication => "publication",
        GovernmentBody => "government_body",
        AnonymousSource => "anonymous_source",
        Document => "document",
        Unknown => "unknown",
    }
}

impl ClaimantKind {
    /// The kind in words, for pages and forms.
    pub fn label(self) -> &'static str {
        match self {
            ClaimantKind::Person => "person",
            ClaimantKind::Organization => "organisation",
            ClaimantKind::Publication => "publication",
            ClaimantKind::GovernmentBody => "government body",
            ClaimantKind::AnonymousSource => "anonymous source",
            ClaimantKind::Document => "document",
            ClaimantKind::Unknown => "unknown",
        }
    }

    /// Whether schema.org should call this claimant a `Person` (else an `Organization`);
    /// `None` when the kind does not say (anonymous sources, documents, unknown).
    pub fn is_person(self) -> Option<bool> {
        match self {
            ClaimantKind::Person => Some(true),
            ClaimantKind::Organization
            | ClaimantKind::Publication
            | ClaimantKind::GovernmentBody => Some(false),
            ClaimantKind::AnonymousSource | ClaimantKind::Document | ClaimantKind::Unknown => None,
        }
    }
}

/// A named source and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimant {
    pub name: String,
    pub kind: ClaimantKind,
}

/// What a sentence's attribution points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Named(Claimant),
    /// "he", "she", "it", "they": resolved against earlier claimants.
    Pronoun(Pronoun),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pronoun {
    He,
    She,
    It,
    They,
}

impl Pronoun {
    fn of(w: &str) -> Option<Pronoun> {
        match w {
            "he" | "He" => Some(Pronoun::He),
            "she" | "She" => Some(Pronoun::She),
            "it" | "It" => Some(Pronoun::It),
            "they" | "They" => Some(Pronoun::They),
            _ => None,
        }
    }

    /// Whether this pronoun can point back to a claimant of `kind`.
    pub fn fits(self, c: &Claimant) -> bool {
        use ClaimantKind::*;
        match self {
            Pronoun::He | Pronoun::She => c.kind == Person,
            Pronoun::It => !matches!(c.kind, Person | AnonymousSource) && !is_plural(&c.name),
            Pronoun::They => {
                matches!(c.kind, AnonymousSource | Organization | GovernmentBody)
                    || is_plural(&c.name)
            }
        }
    }
}

fn is_plural(name: &str) -> bool {
    name.rsplit(' ')
        .next()
        .is_some_and(|w| w.ends_with('s') && w.chars().all(|c| c.is_lowercase()))
}

/// Courtesy titles and ranks that precede a name and are not part of it.
const TITLES: &[&str] = &[
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Dr",
    "Prof",
    "Professor",
    "Gen",
    "General",
    "Col",
    "Colonel",
    "Lt",
    "Lieutenant",
    "Maj",
    "Major",
    "Capt",
    "Captain",
    "Cmdr",
    "Commander",
    "Adm",
    "Admiral",
    "Sgt",
    "Sergeant",
    "Brig",
    "Gov",
    "Governor",
    "Sen",
    "Senator",
    "Rep",
    "President",
    "Minister",
    "Deputy",
    "Ambassador",
    "Sir",
    "Dame",
    "retired",
    "Retired",
    "Rev",
    "Hon",
    "Judge",
    "Chief",
    "Vice",
    "Prime",
    "Foreign",
    "Defence",
    "Defense",
    "Finance",
    "Secretary",
];

/// Words that cannot be a speaker on their own, however capitalised.
const NOT_SPEAKERS: &[&str] = &[
    "Earlier",
    "Later",
    "Meanwhile",
    "Separately",
    "However",
    "Still",
    "Yet",
    "Also",
    "Then",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Today",
    "Yesterday",
    "Last",
    "Next",
    "This",
    "That",
    "There",
    "Here",
    "Some",
    "Many",
    "Most",
    "Both",
    "All",
    "Each",
    "Analysts",
    "Observers",
    "Critics",
    "Experts",
    "Others",
    "Few",
    "Such",
    "What",
    "Who",
    "Why",
    "How",
    "One",
    "Nobody",
    "Everyone",
    "Officials",
];

/// Leading words that make the first comma segment an adverbial, not a subject.
const ADVERBIAL_STARTS: &[&str] = &[
    "At",
    "In",
    "On",
    "During",
    "After",
    "Before",
    "Earlier",
    "Later",
    "Separately",
    "Meanwhile",
    "Last",
    "Since",
    "Speaking",
    "Asked",
    "Also",
    "However",
    "Still",
    "Yet",
    "Instead",
    "By",
    "Under",
    "With",
    "For",
    "From",
    "Addressing",
    "Writing",
    "Elsewhere",
    "Previously",
    "Nevertheless",
    "Similarly",
    "Overall",
    "Today",
    "Yesterday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Separately",
];

/// Adverbs and auxiliaries allowed between a speaker and the verb.
const BETWEEN: &[&str] = &[
    "also",
    "has",
    "have",
    "had",
    "later",
    "then",
    "previously",
    "separately",
    "further",
    "again",
    "earlier",
    "recently",
    "repeatedly",
    "already",
    "publicly",
    "privately",
    "once",
    "first",
    "last",
    "had",
    "was",
    "were",
    "is",
    "are",
    "often",
    "has.",
    "in",
    "a",
    "statement",
];

/// Words that show a comma segment is not a noun phrase.
const NOT_IN_NP: &[&str] = &[
    "that", "which", "who", "whom", "whose", "is", "was", "were", "are", "be", "been", "will",
    "would", "could", "should", "may", "might", "can", "not", "if", "because", "when", "while",
    "than", "as", "but", "and", "or", "to", "up", "down", "from", "about", "roughly", "its",
    "their", "it", "since", "until", "after", "before", "had", "has", "have", "did", "does",
];

/// Lowercase nouns for people in general, which stand for the organisation
/// after "at" / "with" / "from" ("analysts at X").
const GENERIC_PEOPLE: &[&str] = &[
    "analysts",
    "analyst",
    "economists",
    "economist",
    "experts",
    "expert",
    "researchers",
    "researcher",
    "strategists",
    "strategist",
    "officials",
    "official",
    "executives",
    "executive",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "sources",
    "source",
    "representatives",
    "representative",
    "people",
    "staff",
    "scientists",
    "engineers",
];

/// Head nouns of documents and data.
const DOCUMENT_NOUNS: &[&str] = &[
    "documents",
    "document",
    "data",
    "filing",
    "filings",
    "report",
    "reports",
    "statement",
    "statements",
    "records",
    "record",
    "figures",
    "database",
    "website",
    "decree",
    "minutes",
    "estimates",
    "survey",
    "study",
    "note",
    "letter",
    "cable",
    "memo",
    "papers",
    "paper",
    "records",
    "calculations",
    "release",
    "transcript",
    "assessment",
    "analysis",
    "review",
    "bulletin",
    "notice",
    "registry",
    "register",
    "tally",
    "schedule",
    "contract",
    "filing",
    "documents",
    "budget",
    "plan",
    "law",
    "resolution",
    "order",
    "gazette",
    "statistics",
    "projections",
    "forecast",
    "forecasts",
    "tracking",
    "tanker-tracking",
    "index",
];

/// Words marking an unnamed source.
const ANONYMOUS_NOUNS: &[&str] = &[
    "sources",
    "source",
    "officials",
    "official",
    "diplomats",
    "diplomat",
    "insiders",
    "insider",
    "people",
    "person",
    "analysts",
    "analyst",
    "traders",
    "trader",
    "bankers",
    "banker",
    "executives",
    "executive",
    "observers",
    "residents",
    "witnesses",
    "member",
    "members",
    "experts",
    "expert",
    "economists",
    "economist",
    "lawmakers",
    "lawmaker",
    "aides",
    "aide",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "negotiators",
    "negotiator",
    "investors",
    "dealers",
    "brokers",
    "participants",
    "officers",
    "officer",
];

/// Words marking a publication or broadcaster in a name or its description.
const PUBLICATION_WORDS: &[&str] = &[
    "newspaper",
    "daily",
    "weekly",
    "newsletter",
    "magazine",
    "journal",
    "broadcaster",
    "channel",
    "outlet",
    "tabloid",
    "gazette",
    "website",
    "news",
    "paper",
    "wire",
    "television",
    "radio",
    "Times",
    "Post",
    "Journal",
    "Gazette",
    "Herald",
    "Tribune",
    "Daily",
    "News",
    "Dispatch",
    "Review",
    "Telegraph",
    "Guardian",
    "Observer",
    "Monitor",
    "Chronicle",
    "Courier",
    "Express",
    "Mirror",
    "Weekly",
    "Wire",
    "Kommersant",
    "Vedomosti",
    "Izvestia",
    "Pravda",
];

/// Words marking a government body.
const GOVERNMENT_WORDS: &[&str] = &[
    "ministry",
    "Ministry",
    "ministries",
    "department",
    "Department",
    "government",
    "Government",
    "embassy",
    "Embassy",
    "consulate",
    "Consulate",
    "Council",
    "council",
    "parliament",
    "Parliament",
    "Congress",
    "Senate",
    "Duma",
    "committee",
    "Committee",
    "commission",
    "Commission",
    "Treasury",
    "treasury",
    "Kremlin",
    "cabinet",
    "Cabinet",
    "presidency",
    "Presidency",
    "authorities",
    "authority",
    "Authority",
    "regulator",
    "prosecutors",
    "prosecutor",
    "court",
    "Court",
    "police",
    "Police",
    "customs",
    "Customs",
    "army",
    "Army",
    "navy",
    "Navy",
    "force",
    "Force",
    "forces",
    "Forces",
    "military",
    "command",
    "Command",
    "service",
    "Service",
    "bureau",
    "Bureau",
    "office",
    "Office",
    "administration",
    "Administration",
    "agency",
    "Pentagon",
    "House",
    "central",
    "Central",
    "state",
    "State",
    "Statistics",
    "statistics",
    "governor",
    "mayor",
    "municipality",
    "province",
    "provincial",
    "regional",
    "federal",
    "Federal",
    "National",
    "Marine",
];

/// Descriptors of organisations, besides the name endings of `lexicon::ORG_NAME_ENDINGS`.
const ORGANIZATION_WORDS: &[&str] = &[
    "company",
    "firm",
    "bank",
    "lender",
    "group",
    "operator",
    "exporter",
    "producer",
    "refiner",
    "maker",
    "manufacturer",
    "trader",
    "brokerage",
    "consultancy",
    "institute",
    "think-tank",
    "tank",
    "assessor",
    "fund",
    "insurer",
    "carrier",
    "utility",
    "plant",
    "shipyard",
    "consortium",
    "alliance",
    "bloc",
    "organisation",
    "organization",
    "association",
];

fn is_cap(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// A word of the sentence: its core (outer punctuation removed, inner dots,
/// hyphens and apostrophes kept) and whether a comma follows it.
#[derive(Debug, Clone, Copy)]
struct W<'a> {
    core: &'a str,
    comma: bool,
    /// The word ends a clause (";", ":" or a sentence stop after it).
    stop: bool,
}

fn core_of(raw: &str) -> &str {
    let t = raw.trim_start_matches(|c: char| !(c.is_alphanumeric() || c == '$' || c == '€'));
    let t = t.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '.'));
    // Keep the dot of abbreviations and initials ("U.S.", "Corp.", "Jr."), but
    // not a sentence's final stop after a plain word.
    match t.strip_suffix('.') {
        Some(body) if !body.contains('.') && !is_abbrev(body) => body,
        _ => t,
    }
}

fn is_abbrev(w: &str) -> bool {
    w.len() <= 4
        && (w.chars().count() == 1 && is_cap(w)
            || matches!(
                w,
                "Mr" | "Mrs"
                    | "Ms"
                    | "Dr"
                    | "Gen"
                    | "Col"
                    | "Lt"
                    | "Maj"
                    | "Capt"
                    | "Sgt"
                    | "Brig"
                    | "Gov"
                    | "Sen"
                    | "Rep"
                    | "St"
                    | "Jr"
                    | "Sr"
                    | "Corp"
                    | "Inc"
                    | "Ltd"
                    | "Co"
                    | "Prof"
                    | "Adm"
                    | "Cmdr"
                    | "Rev"
            ))
}

fn words(s: &str) -> Vec<W<'_>> {
    let mut out = Vec::with_capacity(s.len() / 6 + 1);
    for raw in whitespace_words(s) {
        let core = core_of(raw);
        if core.is_empty() {
            // A lone dash or stray mark ends a segment like a comma.
            if raw.contains([',', ';', ':', '-', '\u{2013}', '\u{2014}'])
                && let Some(last) = out.last_mut()
            {
                let last: &mut W<'_> = last;
                last.comma = true;
            }
            continue;
        }
        // `core` is a slice of `raw`, so its end is found by address rather than by searching.
        let core_end = core.as_ptr().addr() - raw.as_ptr().addr() + core.len();
        let tail = raw.get(core_end..).unwrap_or("");
        out.push(W {
            core,
            comma: tail.contains(',') || tail.contains('\u{2014}') || tail.contains('\u{2013}'),
            stop: tail.contains([';', ':']) || (tail.contains(['.', '!', '?'])),
        });
    }
    out
}

fn lower_eq(w: &str, list: &[&str]) -> bool {
    list.iter().any(|x| x.eq_ignore_ascii_case(w))
}

/// Whether the word at `i` is a reporting verb in this position.
fn is_verb_at(ws: &[W<'_>], i: usize) -> bool {
    let Some(w) = ws.get(i) else { return false };
    let v = w.core;
    let next = ws.get(i + 1).map(|n| n.core);
    if SPEECH_VERBS.contains(v) {
        // "wrote to the ministry", "reported to the police" are acts, not speech;
        // "said to be" is hearsay about something else.
        let act = matches!(v, "wrote" | "reported" | "told" | "said" | "added")
            && matches!(next, Some("to" | "by" | "up"));
        let bare_told = v == "told" && next.is_none();
        return !(act || bare_told);
    }
    match v {
        // Data and documents "show"; findings are "found".
        "show" | "shows" | "showed" | "indicate" | "indicates" | "suggest" | "suggests" => true,
        "calculated" | "estimated" | "estimate" | "estimates" | "found" | "confirmed"
        | "confirms" | "concluded" | "predicted" | "forecast" | "projected" | "reckons"
        | "calculates" | "acknowledged" | "disclosed" | "revealed" | "alleged" | "alleges"
        | "testified" | "announced" | "quoted" => next.is_none_or(|n| n != "to" && n != "by"),
        // "He also asked for a review": a request is his; "was asked to" is not.
        "asked" | "asks" | "urged" | "urges" => {
            next.is_some_and(|n| !matches!(n, "to" | "by" | "about" | "whether" | "if"))
        }
        _ => false,
    }
}

/// Comma segments as word index ranges.
fn segments(ws: &[W<'_>]) -> Vec<(usize, usize)> {
    let mut segs = Vec::new();
    let mut start = 0;
    for (i, w) in ws.iter().enumerate() {
        if w.comma || w.stop {
            segs.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < ws.len() {
        segs.push((start, ws.len()));
    }
    segs
}

fn seg_of(segs: &[(usize, usize)], i: usize) -> usize {
    segs.iter().position(|&(a, b)| a <= i && i < b).unwrap_or(0)
}

/// Can these words be a speaker's noun phrase?
fn np_like(ws: &[W<'_>]) -> bool {
    let Some(first) = ws.first() else {
        return false;
    };
    if ws.len() > 9 {
        return false;
    }
    if ws
        .iter()
        .any(|w| NOT_IN_NP.contains(&w.core) && Pronoun::of(w.core).is_none())
    {
        // Pronouns are fine only alone.
        return false;
    }
    if ws.len() > 1 && ws.iter().any(|w| Pronoun::of(w.core).is_some()) {
        return false;
    }
    if ws.len() == 1 && NOT_SPEAKERS.contains(&first.core) {
        return false;
    }
    let f = first.core;
    is_cap(f)
        || Pronoun::of(f).is_some()
        || matches!(
            f,
            "the"
                | "a"
                | "an"
                | "its"
                | "his"
                | "her"
                | "their"
                | "two"
                | "three"
                | "four"
                | "retired"
                | "former"
                | "acting"
                | "deputy"
                | "senior"
                | "chief"
                | "top"
                | "several"
                | "some"
                | "many"
                | "one"
                | "other"
                | "industry"
                | "government"
                | "state"
                | "customs"
                | "official"
                | "local"
                | "western"
                | "diplomatic"
                | "military"
                | "security"
                | "people"
                | "sources"
                | "officials"
                | "analysts"
                | "traders"
                | "documents"
                | "data"
                | "figures"
                | "records"
                | "economists"
                | "experts"
                | "bankers"
                | "diplomats"
        )
        || f.bytes().next().is_some_and(|b| b.is_ascii_digit())
        || lower_eq(f, ANONYMOUS_NOUNS)
        || lower_eq(f, DOCUMENT_NOUNS)
}

/// The segment looks like an appositive or relative clause after a name:
/// "a research group", "who leads the unit", "head of the department".
fn appositive(ws: &[W<'_>]) -> bool {
    let Some(first) = ws.first() else {
        return false;
    };
    if subject_seg(ws) {
        return false;
    }
    let f = first.core;
    matches!(
        f,
        "a" | "an" | "who" | "which" | "whose" | "the" | "its" | "his" | "her"
    ) || (!is_cap(f) && !f.bytes().next().is_some_and(|b| b.is_ascii_digit()))
        || (ws.len() >= 2
            && ws
                .iter()
                .skip(1)
                .any(|w| matches!(w.core, "of" | "at" | "for")))
}

fn name_like(ws: &[W<'_>]) -> bool {
    ws.len() <= 9
        && ws.iter().any(|w| is_cap(w.core))
        && ws.first().is_some_and(|w| {
            is_cap(w.core) || matches!(w.core, "the" | "a" | "an") || Pronoun::of(w.core).is_some()
        })
        && !ws
            .iter()
            .any(|w| matches!(w.core, "that" | "which" | "who"))
}

/// A dateline such as "HANOI, March 10 (Wire) - " or "MOSCOW (Wire) — ": the
/// byte length to skip.
pub fn dateline_len(s: &str) -> usize {
    let head = match s.get(..s.len().min(120)) {
        Some(h) => h,
        None => {
            let mut e = s.len().min(120);
            while !s.is_char_boundary(e) {
                e -= 1;
            }
            &s[..e]
        }
    };
    for dash in [" - ", " \u{2013} ", " \u{2014} ", "\u{2014}"] {
        if let Some(p) = head.find(dash) {
            let before = &head[..p];
            // Starts with an upper-case place name.
            let first = before.split([',', '(']).next().unwrap_or("").trim();
            let letters: Vec<char> = first.chars().filter(|c| c.is_alphabetic()).collect();
            if letters.len() >= 3 && letters.iter().all(|c| c.is_uppercase()) {
                return p + dash.len();
            }
        }
    }
    0
}

/// The claimant of one sentence (quotations removed), if it names one.
pub fn find(s: &str) -> Option<Found> {
    let s = s.get(dateline_len(s)..).unwrap_or(s);
    let ws = words(s);
    if ws.is_empty() {
        return None;
    }
    let segs = segments(&ws);
    let verbs: Vec<usize> = (0..ws.len()).filter(|&i| is_verb_at(&ws, i)).collect();
    // 1. Subject first, possibly after an adverbial segment and appositives.
    if let Some(&v) = verbs.first() {
        let k = seg_of(&segs, v);
        let mut first_seg = 0;
        if let Some(&(a, b)) = segs.first()
            && k > 0
            && ws
                .get(a)
                .is_some_and(|w| ADVERBIAL_STARTS.contains(&w.core))
            && b - a <= 8
        {
            first_seg = 1;
        }
        if let Some(f) = subject_before(&ws, &segs, v, k, first_seg) {
            return Some(f);
        }
    }
    // 2 and 3. Attribution after the clause, last verb first.
    for &v in verbs.iter().rev() {
        let k = seg_of(&segs, v);
        if k == 0 {
            continue;
        }
        if let Some(f) = subject_before(&ws, &segs, v, k, k) {
            return Some(f);
        }
        if let Some(f) = inverted(&ws, &segs, v, k) {
            return Some(f);
        }
    }
    // 4. "according to X".
    according_to(&ws)
}

/// The speaker written before the verb at `v` in segment `k`, where the
/// phrase must start in segment `lo` or later.
fn subject_before(
    ws: &[W<'_>],
    segs: &[(usize, usize)],
    v: usize,
    k: usize,
    lo: usize,
) -> Option<Found> {
    let &(a, _) = segs.get(k)?;
    // Skip adverbs and auxiliaries between the speaker and the verb.
    let mut e = v;
    while e > a && ws.get(e - 1).is_some_and(|w| BETWEEN.contains(&w.core)) {
        e -= 1;
    }
    if e > a {
        if k != lo {
            return None;
        }
        let np = ws.get(a..e)?;
        // "two U.S. officials said, speaking on condition of anonymity" or a
        // quotation's placeholder is fine; a clause is not.
        if !np_like(np) {
            return None;
        }
        // ", a Stockholm-based research group, said": the name is before it.
        if k >= 1
            && matches!(np.first().map(|w| w.core), Some("a" | "an"))
            && let Some(&(pa, pb)) = segs.get(k - 1)
            && k > lo.saturating_sub(1)
            && let Some(prev) = ws.get(pa..pb)
            && name_like(prev)
            && np_like(prev)
        {
            return named(prev, Some(np));
        }
        return named(np, None);
    }
    // The verb opens its segment: the subject is a segment further back,
    // separated by appositives ("X, an economist at Y, said").
    let mut apps: Vec<&[W<'_>]> = Vec::new();
    for j in (lo..k).rev() {
        let &(sa, sb) = segs.get(j)?;
        let seg = ws.get(sa..sb)?;
        if subject_seg(seg) {
            // Only an appositive may separate the subject from the verb.
            return match apps.last() {
                Some(app) => named(seg, Some(app)),
                None => None,
            };
        }
        if appositive(seg) && apps.len() < 2 {
            apps.push(seg);
        } else {
            return None;
        }
    }
    None
}

/// A comma segment that names someone: "El Vigia", "the Kestrel Institution".
fn subject_seg(ws: &[W<'_>]) -> bool {
    let cap_start = match ws {
        [first, ..] if is_cap(first.core) => true,
        [first, second, ..] => first.core == "the" && is_cap(second.core),
        _ => false,
    };
    cap_start
        && ws.len() <= 7
        && np_like(ws)
        && !(ws.len() == 1 && NOT_SPEAKERS.contains(&ws[0].core))
}

/// ", said Ms. Ana Ruiz, who …": the phrase after the verb, up to a comma.
fn inverted(ws: &[W<'_>], segs: &[(usize, usize)], v: usize, k: usize) -> Option<Found> {
    let &(a, b) = segs.get(k)?;
    if v != a
        || !matches!(
            ws.get(v)?.core,
            "said" | "says" | "added" | "wrote" | "noted" | "told"
        )
    {
        return None;
    }
    let np = ws.get(v + 1..b)?;
    if np.is_empty() || np.len() > 8 || !np_like(np) {
        return None;
    }
    let app = segs
        .get(k + 1)
        .and_then(|&(c, d)| ws.get(c..d))
        .filter(|s| appositive(s));
    named(np, app)
}

fn according_to(ws: &[W<'_>]) -> Option<Found> {
    let at = ws.windows(2).position(|p| {
        p[0].core.eq_ignore_ascii_case("according") && p[1].core == "to" && !p[1].comma
    })?;
    let start = at + 2;
    let mut end = start;
    while let Some(w) = ws.get(end) {
        end += 1;
        if w.comma || w.stop || end - start >= 10 {
            break;
        }
    }
    let np = ws.get(start..end)?;
    let app = ws
        .get(end..)
        .map(|rest| {
            let n = rest
                .iter()
                .position(|w| w.comma || w.stop)
                .map_or(rest.len(), |p| p + 1);
            &rest[..n]
        })
        .filter(|s| appositive(s));
    named(np, app)
}

/// Tidies a speaker phrase and classifies it.
fn named(np: &[W<'_>], appos: Option<&[W<'_>]>) -> Option<Found> {
    if let [only] = np
        && let Some(p) = Pronoun::of(only.core)
    {
        return Some(Found::Pronoun(p));
    }
    let mut ws: Vec<&str> = np.iter().map(|w| w.core).collect();
    // "documents seen by the newspaper": the documents.
    if let Some(p) = ws.windows(2).position(|p| {
        matches!(
            p[0],
            "seen" | "obtained" | "reviewed" | "cited" | "published" | "released" | "compiled"
        ) && p[1] == "by"
    }) {
        ws.truncate(p);
    }
    // "analysts at New York-based Meridian Capital": the firm.
    if let Some(p) = ws
        .iter()
        .position(|w| matches!(*w, "at" | "with" | "from" | "of" | "for"))
        && p >= 1
        && ws[..p].iter().all(|w| {
            !is_cap(w) || lower_eq(w, GENERIC_PEOPLE) || PLACES.contains(w) || nationality(w)
        })
        && ws[..p].iter().any(|w| lower_eq(w, GENERIC_PEOPLE))
        && ws.get(p + 1..).is_some_and(|r| r.iter().any(|w| is_cap(w)))
    {
        ws.drain(..=p);
    }
    // "estimates by X", "data from X": X, unless the data is X's own.
    if let Some(p) = ws.iter().position(|w| matches!(*w, "by" | "from"))
        && p >= 1
        && ws[..p].iter().all(|w| !is_cap(w))
        && ws[..p].iter().any(|w| lower_eq(w, DOCUMENT_NOUNS))
        && ws.get(p + 1..).is_some_and(|r| r.iter().any(|w| is_cap(w)))
    {
        ws.drain(..=p);
    }
    // Places and further detail: "the U.S. Embassy in Vientiane".
    if let Some(p) = ws.iter().skip(1).position(|w| {
        matches!(
            *w,
            "in" | "at" | "near" | "on" | "with" | "citing" | "who" | "which" | "speaking"
        )
    }) {
        ws.truncate(p + 1);
    }
    // Places in front: "New York-based", "U.K.-based".
    if let Some(p) = ws.iter().rposition(|w| w.ends_with("-based"))
        && p + 1 < ws.len()
    {
        ws.drain(..=p);
    }
    // Articles and counts.
    while let Some(f) = ws.first() {
        let count = f.bytes().all(|b| b.is_ascii_digit())
            || matches!(
                *f,
                "the"
                    | "a"
                    | "an"
                    | "two"
                    | "three"
                    | "four"
                    | "five"
                    | "several"
                    | "some"
                    | "many"
                    | "one"
                    | "The"
                    | "A"
                    | "An"
            );
        if count && ws.len() > 1 {
            ws.remove(0);
        } else {
            break;
        }
    }
    // Titles: the name is what follows the last one.
    if let Some(p) = ws
        .iter()
        .rposition(|w| TITLES.contains(&w.trim_end_matches('.')))
        && p + 1 < ws.len()
        && ws[p + 1..].iter().all(|w| is_cap(w))
    {
        let titled = ws.iter().any(|w| {
            matches!(
                w.trim_end_matches('.'),
                "Mr" | "Mrs" | "Ms" | "Dr" | "Gen" | "Col" | "Lt" | "Maj" | "Capt" | "Prof"
            )
        });
        ws.drain(..=p);
        let name = ws.join(" ");
        if titled || ws.len() >= 2 {
            return Some(Found::Named(Claimant {
                name,
                kind: ClaimantKind::Person,
            }));
        }
    }
    let full: Vec<&str> = ws.clone();
    // "the industry newsletter Petroleum Dispatch": the name after the
    // description.
    if ws.last().is_some_and(|w| is_cap(w))
        && let Some(p) = ws.iter().rposition(|w| {
            !is_cap(w) && !matches!(*w, "of" | "the" | "for" | "and" | "&" | "de" | "del" | "la")
        })
        && !ws[p].ends_with("'s")
        && !ws[p].ends_with('\u{2019}')
    {
        ws.drain(..=p);
    }
    let ws: Vec<&str> = ws
        .into_iter()
        .map(|w| w.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '.'))
        .collect();
    let name = ws.join(" ").trim_end_matches(['.', ',']).to_string();
    if name.is_empty() || NOT_SPEAKERS.contains(&name.as_str()) || lower_eq(&name, &["i", "we"]) {
        return None;
    }
    let appos: Vec<&str> = appos.unwrap_or(&[]).iter().map(|w| w.core).collect();
    let kind = kind_of(&ws, &full, &appos);
    Some(Found::Named(Claimant { name, kind }))
}

/// Classifies a tidied speaker phrase `ws` (with `full`, the phrase before
/// its description was dropped, and `appos`, an appositive after it).
fn kind_of(ws: &[&str], full: &[&str], appos: &[&str]) -> ClaimantKind {
    use ClaimantKind::*;
    let name = ws.join(" ");
    let head = ws.last().copied().unwrap_or("");
    let any = |list: &[&str], of: &[&str]| of.iter().any(|w| list.contains(w));
    let proper: Vec<&str> = ws
        .iter()
        .copied()
        .filter(|w| is_cap(w) && !PLACES.contains(w) && !nationality(w))
        .collect();
    if ORGANIZATIONS.contains(name.as_str()) {
        return if GOVERNMENT_WORDS.contains(&name.as_str()) {
            GovernmentBody
        } else {
            Organization
        };
    }
    if PUBLICATIONS.contains(name.as_str()) {
        return Publication;
    }
    if lower_eq(head, DOCUMENT_NOUNS) && (!is_cap(head) || ws.len() == 1) {
        return Document;
    }
    if proper.is_empty() && lower_eq(head, ANONYMOUS_NOUNS) {
        return AnonymousSource;
    }
    let desc: Vec<&str> = full.iter().chain(appos.iter()).copied().collect();
    // Organisation and government forms are read from the name itself first.
    if any(PUBLICATION_WORDS, ws) && !any(GOVERNMENT_WORDS, ws) {
        return Publication;
    }
    // "Bank of Ghana", "the central bank": a state's central bank.
    if name.starts_with("Bank of") || ws.iter().any(|w| w.eq_ignore_ascii_case("central")) {
        return GovernmentBody;
    }
    if (any(ORG_NAME_ENDINGS, ws) || any(ORGANIZATION_WORDS, ws))
        && !ws
            .iter()
            .any(|w| matches!(*w, "Ministry" | "ministry" | "Department"))
        && !(name.starts_with("Bank of") || ws.contains(&"central"))
    {
        return Organization;
    }
    if any(GOVERNMENT_WORDS, ws) {
        return GovernmentBody;
    }
    if any(PUBLICATION_WORDS, &desc) {
        return Publication;
    }
    if any(ORG_NAME_ENDINGS, &desc) || any(ORGANIZATION_WORDS, &desc) {
        return Organization;
    }
    if !proper.is_empty() && proper.len() == ws.len() && ws.len() <= 4 {
        // Capitalised words with nothing marking an institution: a person,
        // unless the appositive describes one.
        return Person;
    }
    if proper.is_empty() {
        return if lower_eq(head, ANONYMOUS_NOUNS) {
            AnonymousSource
        } else {
            Unknown
        };
    }
    Unknown
}

fn nationality(w: &str) -> bool {
    is_cap(w)
        && (w.ends_with("ian")
            || w.ends_with("ese")
            || w.ends_with("ish")
            || w.ends_with("ean")
            || w.ends_with("can")
            || matches!(
                w,
                "U.S." | "U.K." | "EU" | "Lao" | "Thai" | "Iraqi" | "Israeli"
            ))
}

/// Attribution right around a quotation, given the text after its closing
/// mark (`after`) and before its opening mark (`before`) in the sentence.
pub fn around_quote(after: &str, before: &str) -> Option<Found> {
    let after = after.trim_start();
    if !after.is_empty() {
        // A placeholder subject stands for the quotation: "Q, said X" or
        // "Q, X said" parse as ordinary attribution.
        let lead = if after.starts_with(',') { "Q" } else { "Q, " };
        let mut s = String::with_capacity(after.len() + 2);
        s.push_str(lead);
        s.push_str(after);
        let ws = words(&s);
        let segs = segments(&ws);
        // Only the clause right after the quote counts.
        if let Some(&(a, b)) = segs.get(1)
            && let Some(v) = (a..b.min(a + 10)).find(|&i| is_verb_at(&ws, i))
        {
            let k = 1;
            if let Some(f) = subject_before(&ws, &segs, v, k, 1) {
                return Some(f);
            }
            if let Some(f) = inverted(&ws, &segs, v, k) {
                return Some(f);
            }
        }
        // "Q, Gen. Ana Ruiz, head of …, told reporters".
        if let Some(v) = (0..ws.len().min(30)).find(|&i| is_verb_at(&ws, i))
            && let Some(f) = subject_before(&ws, &segs, v, seg_of(&segs, v), 1)
        {
            return Some(f);
        }
    }
    // "X said: “…”".
    let t = before.trim_end().trim_end_matches([':', ',']).trim_end();
    let last = t.split_whitespace().next_back()?;
    if is_verb_word(last) {
        let ws = words(t);
        let segs = segments(&ws);
        let v = ws.len().checked_sub(1)?;
        let k = seg_of(&segs, v);
        return subject_before(&ws, &segs, v, k, k.min(1).min(k));
    }
    None
}

fn is_verb_word(w: &str) -> bool {
    SPEECH_VERBS.contains(core_of(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(s: &str) -> Option<(String, ClaimantKind)> {
        match find(s)? {
            Found::Named(c) => Some((c.name, c.kind)),
            Found::Pronoun(p) => Some((format!("{p:?}"), ClaimantKind::Unknown)),
        }
    }

    fn name(s: &str) -> Option<String> {
        who(s).map(|(n, _)| n)
    }

    #[test]
    fn subject_first() {
        assert_eq!(
            who("Chile's energy ministry said on Monday it had cut fuel imports."),
            Some((
                "Chile's energy ministry".into(),
                ClaimantKind::GovernmentBody
            ))
        );
        assert_eq!(
            who("Dr. Mira Olsen, a geologist at the Tromso Institute, said reserves fell."),
            Some(("Mira Olsen".into(), ClaimantKind::Person))
        );
        assert_eq!(
            who("The Coastal Herald, a weekly in Perth, reported on Sunday that the port closed."),
            Some(("Coastal Herald".into(), ClaimantKind::Publication))
        );
        assert_eq!(
            name("At a briefing in Lagos, Col. Ade Bello said 300 troops had left."),
            Some("Ade Bello".into())
        );
        assert_eq!(
            name(
                "Norrland Shipping, which Kai Berg set up in 2009, said in a filing that cargo rose."
            ),
            Some("Norrland Shipping".into())
        );
    }

    #[test]
    fn attribution_after_the_clause() {
        assert_eq!(
            who("Grain exports rose 4% in May, two U.S. officials said on Friday."),
            Some(("U.S. officials".into(), ClaimantKind::AnonymousSource))
        );
        assert_eq!(
            who(
                "Fares doubled in 2021, the Kestrel Institution, a Dutch think tank, said in a study."
            ),
            Some(("Kestrel Institution".into(), ClaimantKind::Organization))
        );
        assert_eq!(
            who("Tanker rates eased to $2 a barrel, industry sources said."),
            Some(("industry sources".into(), ClaimantKind::AnonymousSource))
        );
        assert_eq!(
            who("Steel output fell 9% last year, customs data show."),
            Some(("customs data".into(), ClaimantKind::Document))
        );
        assert_eq!(
            who("The fund lost $3 billion in 2020, the agency has calculated."),
            Some(("agency".into(), ClaimantKind::GovernmentBody))
        );
        assert_eq!(
            name(
                "Shipments rose 5% in June, the trade newsletter Harbour Ledger reported on Monday, citing port data."
            ),
            Some("Harbour Ledger".into())
        );
        assert_eq!(
            who("The bridge reopened in May, it said."),
            Some(("It".into(), ClaimantKind::Unknown))
        );
    }

    #[test]
    fn inverted_and_according_to() {
        assert_eq!(
            name("The mine closed in 2019, said P.K. Mensah, a consultant at Volta Advisers."),
            Some("P.K. Mensah".into())
        );
        assert_eq!(
            name("Sales reached 40 units, said retired Maj. Gen. Tomas Roos, a former planner."),
            Some("Tomas Roos".into())
        );
        assert_eq!(
            name("Imports fell 3%, according to Boston-based Larch Capital."),
            Some("Larch Capital".into())
        );
        assert_eq!(
            name("According to U.S. officials, the ship sailed on May 3."),
            Some("U.S. officials".into())
        );
        assert_eq!(
            who("The tax raised $4 million, according to the city's budget documents."),
            Some(("city's budget documents".into(), ClaimantKind::Document))
        );
        assert_eq!(
            name("Prices rose 8%, according to estimates by Oslo's Fjord Capital."),
            Some("Oslo's Fjord Capital".into())
        );
    }

    #[test]
    fn every_reporting_verb_and_kind_of_speaker() {
        use ClaimantKind::*;
        let cases = [
            (
                "Fuel exports to the island fell 18% in March, the agency reported on Tuesday.",
                "agency",
                GovernmentBody,
            ),
            (
                "Two of its radar stations were destroyed in 2023, the air force claimed.",
                "air force",
                GovernmentBody,
            ),
            (
                "The delegation brought $3 million in aid, the press office said.",
                "press office",
                GovernmentBody,
            ),
            (
                "Payments of $120 million were deferred until 2027, the documents said.",
                "documents",
                Document,
            ),
            (
                "A second tanker left port on May 9, the source said.",
                "source",
                AnonymousSource,
            ),
            (
                "Halvard Energy has calculated that output fell 12% in the first quarter.",
                "Halvard Energy",
                Organization,
            ),
            (
                "The Ostrava Courier reported that 14 wagons were seized.",
                "Ostrava Courier",
                Publication,
            ),
        ];
        for (s, name, kind) in cases {
            assert_eq!(who(s), Some((name.to_string(), kind)), "{s}");
        }
        assert_eq!(
            name("The ministry shipped 40 tonnes of parts in May, the minister confirmed."),
            Some("minister".into())
        );
    }

    #[test]
    fn names_are_whole_across_possessives_and_abbreviations() {
        assert_eq!(
            name("Bond yields rose, according to estimates by Lisbon's Tagus Ridge Capital."),
            Some("Lisbon's Tagus Ridge Capital".into())
        );
        assert_eq!(
            name("According to U.K. officials, two frigates sailed on June 2."),
            Some("U.K. officials".into())
        );
        assert_eq!(
            name("Sales fell 3%, said Brannock Tools Corp. in a filing."),
            Some("Brannock Tools Corp".into())
        );
    }

    #[test]
    fn analysts_at_a_firm_and_documents_seen_by_a_paper() {
        assert_eq!(
            name("Analysts at Paris-based Brume Capital estimate that demand fell 6%."),
            Some("Brume Capital".into())
        );
        assert_eq!(
            who("Documents seen by the daily show that the order covers 12 engines."),
            Some(("Documents".into(), ClaimantKind::Document))
        );
    }

    #[test]
    fn actors_and_adverbs_are_not_speakers() {
        assert_eq!(
            name("The council voted 7-2 on Monday to close the plant."),
            None
        );
        assert_eq!(
            name("Twelve senators wrote to the ministry on May 2."),
            None
        );
        assert_eq!(name("Earlier, Friday saw record trade volumes."), None);
        assert_eq!(
            name("Earlier, the ministry said 300 soldiers had returned."),
            Some("ministry".into())
        );
        assert_eq!(name("Friday saw 14 flights cancelled."), None);
        assert_eq!(
            name("Meanwhile, exports said to be worth $2 billion left the port."),
            None
        );
        assert_eq!(name("Prices fell sharply in March."), None);
    }

    #[test]
    fn pronouns() {
        assert_eq!(
            find("He also said the plant would close."),
            Some(Found::Pronoun(Pronoun::He))
        );
        assert_eq!(
            find("She added that 40 staff left."),
            Some(Found::Pronoun(Pronoun::She))
        );
        assert_eq!(
            find("It also reported that sales fell."),
            Some(Found::Pronoun(Pronoun::It))
        );
    }

    #[test]
    fn datelines_are_skipped() {
        assert_eq!(
            dateline_len("OSLO, May 2 (Wire) - The ministry said x."),
            21
        );
        assert_eq!(
            name("LIMA, June 4 (Desk) - Peru's central bank said on Monday reserves rose."),
            Some("Peru's central bank".into())
        );
        assert_eq!(dateline_len("The U.S. - Mexico border"), 0);
    }

    #[test]
    fn quotations() {
        assert_eq!(
            around_quote(", said Lt. Col. Ana Vos, a spokeswoman for the army.", ""),
            Some(Found::Named(Claimant {
                name: "Ana Vos".into(),
                kind: ClaimantKind::Person
            }))
        );
        let f = around_quote(
            ", Gen. Ivo Marin, head of the air command, told reporters in Split.",
            "",
        );
        assert!(matches!(f, Some(Found::Named(c)) if c.name == "Ivo Marin"));
        assert_eq!(
            around_quote(", he added.", ""),
            Some(Found::Pronoun(Pronoun::He))
        );
        let f = around_quote(", Mr. Oduya said in the statement.", "");
        assert!(matches!(f, Some(Found::Named(c)) if c.name == "Oduya"));
        let f = around_quote("", "Ines Costa said: ");
        assert!(matches!(f, Some(Found::Named(c)) if c.name == "Ines Costa"));
    }
}
