//! Entity recognition (amounts, dates, weapons, names) with normalised values.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::lexicon::{
    FastSet, ORG_NAME_ENDINGS, ORGANIZATIONS, PERSONS, PLACES, WEAPON_STEMS, unit_of,
};
use super::markers;
use super::words::alphanumeric;

/// What an entity is; serialised in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Quantity,
    Money,
    Date,
    WeaponSystem,
    Person,
    Organization,
    Place,
    Percent,
}

/// How an amount relates to the stated figure ("more than half").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    MoreThan,
    LessThan,
    AtLeast,
    AtMost,
    About,
}

/// Normalised entity value, serialised with a `"type"` tag, e.g.
/// `{"type":"money","amount":50.0,"currency":"USD","per":"barrel"}`.
///
/// Dates are ISO 8601 (possibly truncated): `"2013"`, `"2022-02"`,
/// `"2022-02-24"`, or `"--12"` / `"--12-21"` when the year is not stated.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NormalizedValue {
    Year {
        year: i32,
    },
    Date {
        date: String,
    },
    /// Inclusive range, e.g. "late 2025" is 2025-09..2025-12.
    Period {
        start: String,
        end: String,
    },
    Money {
        amount: f64,
        currency: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        per: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        qualifier: Option<Qualifier>,
    },
    Percent {
        value: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        qualifier: Option<Qualifier>,
    },
    Quantity {
        value: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        qualifier: Option<Qualifier>,
    },
}

/// A recognised entity; `start..end` are absolute byte offsets into the
/// article text and `text` equals that slice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    pub kind: EntityKind,
    pub text: String,
    pub start: usize,
    pub end: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<NormalizedValue>,
}

/// Words that qualify a following figure ("more than half", "about $5").
/// Matched by looking back from the figure rather than inside each pattern:
/// an optional case-insensitive prefix would stop the regex engine from
/// finding candidate positions with a literal scan.
const QUALIFIERS: [(&str, Qualifier); 14] = [
    ("more than", Qualifier::MoreThan),
    ("over", Qualifier::MoreThan),
    ("less than", Qualifier::LessThan),
    ("under", Qualifier::LessThan),
    ("fewer than", Qualifier::LessThan),
    ("about", Qualifier::About),
    ("around", Qualifier::About),
    ("roughly", Qualifier::About),
    ("nearly", Qualifier::About),
    ("almost", Qualifier::About),
    ("some", Qualifier::About),
    ("at least", Qualifier::AtLeast),
    ("at most", Qualifier::AtMost),
    ("up to", Qualifier::AtMost),
];

static MONEY_SYMBOL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    // "$9 billion", "US$28b", "$1.2bn", "$870mn", "€3m", "USD 40 million".
    Regex::new(r"(?i)(?P<cur>US\$|A\$|C\$|HK\$|S\$|NZ\$|R\$|\$|€|£|¥|₹|(?:USD|EUR|GBP|RUB|CNY|JPY|INR)(?-u:\b) ?)\s?(?P<num>\d[\d,]*(?:\.\d+)?)(?:\s*(?P<mag>thousand|million|billion|trillion|bn|mn|mln|tn|trn)(?-u:\b)|(?P<mag1>[bmk])(?-u:\b))?(?:\s+(?:a|an|per)\s+(?P<per>barrel|ton|tonne|year|month|day|share|gallon|unit|person|aircraft)(?-u:\b))?").ok()
});
static MONEY_WORD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    // "450 million euros", "1.5 trillion rubles", "12bn yuan", "300 million USD".
    Regex::new(r"(?i)(?-u:\b)(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?:(?P<mag>thousand|million|billion|trillion|bn|mn|mln|tn)\s*)?(?P<cur>(?:US |U\.S\. )?dollars|euros?|pounds sterling|pounds|rubles|roubles|yuan|renminbi|yen|rupees|rupiah|won|kip|soles|reais|pesos|lira|liras|dinars|riyals|dirhams|francs|hryvnias|bolivars|dong|baht|ringgit|rand|naira|shekels|tenge|USD|EUR|GBP|RUB|CNY|JPY|INR)(?-u:\b)(?:\s+(?:a|an|per)\s+(?P<per>barrel|ton|tonne|year|month|day|share|aircraft)(?-u:\b))?").ok()
});
static MONEY_VAGUE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:(?P<pre>tens|hundreds) of )?(?P<mag>thousands|millions|billions|trillions) of (?P<cur>dollars|euros|pounds|rubles|roubles|yuan)(?-u:\b)").ok()
});
static PERCENT_NUM: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?P<num>\d+(?:\.\d+)?)\s?(?:%|percent(?-u:\b)|per cent(?-u:\b))").ok()
});
static PERCENT_FRAC: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?P<frac>half|a third|one third|a quarter|one quarter|two thirds|two-thirds|three quarters|a majority|the majority)\s+of(?-u:\b)").ok()
});
static DATE_MONTH: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:(?P<part>[Ee]arly|[Mm]id|[Ll]ate)[\s-]+)?(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December)(?:\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?-u:\b))?(?:,?\s+(?P<year>(?:1[89]|20)\d\d)(?-u:\b))?").ok()
});
static DATE_YEAR: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:(?P<part>[Ee]arly|[Mm]id|[Ll]ate|[Tt]he end of|[Tt]he beginning of)[\s-]+)?(?P<year>(?:1[89]|20)\d\d)(?P<s>s)?(?-u:\b)").ok()
});
/// Spelled-out counts, each with its value.
const NUMBER_WORDS: [(&str, f64); 26] = [
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("fifteen", 15.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("sixty", 60.0),
    ("seventy", 70.0),
    ("eighty", 80.0),
    ("ninety", 90.0),
    ("hundred", 100.0),
    ("dozens", 24.0),
    ("hundreds", 200.0),
    ("thousands", 2000.0),
    ("millions", 2e6),
];

static QUANTITY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    // Number words as "[Tt]wo" rather than under (?i): a case-insensitive
    // alternation has too many spellings for the engine's literal scan,
    // and this pattern runs on every candidate sentence.
    let words: Vec<String> = NUMBER_WORDS
        .iter()
        .map(|(w, _)| {
            let (head, tail) = w.split_at(1);
            format!("[{}{}]{tail}", head.to_uppercase(), head)
        })
        .collect();
    Regex::new(&format!(
        r"(?-u:\b)(?P<num>\d[\d,]*(?:\.\d+)?|{})(?i:\s+(?:(?P<mag>thousand|million|billion|trillion)\s+)?(?P<unit>[a-z]+))(?-u:\b)",
        words.join("|")
    ))
    .ok()
});
/// Military designations of letters, a hyphen and digits with an optional
/// suffix: "Su-30MK2", "Kh-31A", "Il-76", "AL-31F", "Mi-17V5", "J-10C".
static DESIGNATION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?P<stem>[A-Z][A-Za-z]{0,3})-(?P<num>\d{1,4})(?P<suffix>[A-Za-z0-9]*(?:-[A-Z0-9]+)*)(?-u:\b)").ok()
});

/// Stems of the designation pattern that name something other than weapons.
const NOT_DESIGNATIONS: &[&str] = &[
    "G", "COVID", "Covid", "SARS", "H", "Q", "FY", "No", "Top", "Phase", "Stage", "Tier", "Level",
    "Grade", "Year", "Euro", "Pre", "Post", "Mid", "Over", "Under", "Form", "Unit", "Area", "Zone",
    "Route", "Line", "Room", "Page", "Vol", "Art", "Sec", "Act", "Bill", "Case", "Ward", "Gate",
    "Pier", "Dock", "Berth", "Block", "Lot", "Plot", "Ward", "Flight", "Bus", "PM", "AM", "A", "I",
    "U", "S&P", "Rule", "Article", "Chapter",
];

static WEAPON: LazyLock<Option<Regex>> = LazyLock::new(|| {
    // Short stems ("Su", "Mi") only count with a designator ("Su-30").
    let (long, short): (Vec<&str>, Vec<&str>) = WEAPON_STEMS.iter().partition(|s| s.len() > 2);
    let alt = |v: &[&str]| {
        v.iter()
            .map(|s| regex::escape(s))
            .collect::<Vec<_>>()
            .join("|")
    };
    Regex::new(&format!(
        r"(?-u:\b)(?:(?:{})(?:-?[A-Z0-9]+)*|(?:{})(?:-?[A-Z0-9]+)+)(?-u:\b)",
        alt(&long),
        alt(&short)
    ))
    .ok()
});

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Capitalised words that start sentences or clauses but are not names.
const NOT_NAMES_LIST: &[&str] = &[
    "The",
    "A",
    "An",
    "And",
    "But",
    "Or",
    "If",
    "In",
    "On",
    "At",
    "For",
    "From",
    "To",
    "Of",
    "By",
    "With",
    "As",
    "This",
    "That",
    "These",
    "Those",
    "It",
    "Its",
    "He",
    "She",
    "They",
    "We",
    "I",
    "You",
    "His",
    "Her",
    "Their",
    "Our",
    "My",
    "Yet",
    "Still",
    "Such",
    "Despite",
    "Instead",
    "However",
    "Most",
    "More",
    "Some",
    "Many",
    "Few",
    "When",
    "While",
    "After",
    "Before",
    "Since",
    "Publicly",
    "There",
    "Here",
    "What",
    "Why",
    "How",
    "Who",
    "Is",
    "Are",
    "Was",
    "Were",
    "Do",
    "Does",
    "Did",
    "Can",
    "Could",
    "Would",
    "Should",
    "Will",
    "Has",
    "Have",
    "Had",
    "Yes",
    "No",
    "Not",
    "So",
    "Also",
    "Even",
    "Then",
    "Now",
    "Of",
    "Team",
    "Frequently",
    "Asked",
    "Questions",
    "Beginner",
    "Intermediate",
    "Advanced",
    "Definition",
    "Russian",
    "American",
    "Ukrainian",
    "Venezuelan",
    "Specialists",
    "Removing",
    "Bogged",
    "Every",
    "Each",
    "All",
    "Both",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Earlier",
    "Later",
    "Meanwhile",
    "According",
    "Analysts",
    "Officials",
    "Photo",
    "Advertisement",
    "Read",
    "Reporting",
    "Editing",
    "Documents",
    "Last",
    "Next",
    "Separately",
    "Chinese",
    "Vietnamese",
    "Indonesian",
    "Peruvian",
    "Belarusian",
    "Western",
    "Soviet",
];

static NOT_NAMES: LazyLock<FastSet<&'static str>> =
    LazyLock::new(|| NOT_NAMES_LIST.iter().copied().collect());

fn parse_num(s: &str) -> Option<f64> {
    let t = s.replace(',', "");
    if let Ok(v) = t.parse::<f64>() {
        return Some(v);
    }
    NUMBER_WORDS
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(s))
        .map(|&(_, v)| v)
}

fn magnitude(s: Option<&str>) -> f64 {
    match s.map(str::to_ascii_lowercase).as_deref() {
        Some("thousand" | "thousands" | "k") => 1e3,
        Some("million" | "millions" | "m" | "mn" | "mln") => 1e6,
        Some("billion" | "billions" | "bn" | "b") => 1e9,
        Some("trillion" | "trillions" | "tn" | "trn") => 1e12,
        _ => 1.0,
    }
}

/// ISO 4217 code of a currency sign, code or name.
fn currency(s: &str) -> &'static str {
    let t = s.trim().to_lowercase();
    match t.as_str() {
        "€" | "eur" | "euro" | "euros" => "EUR",
        "£" | "gbp" | "pounds" | "pounds sterling" => "GBP",
        "rub" | "rubles" | "roubles" => "RUB",
        "cny" | "yuan" | "renminbi" => "CNY",
        "¥" | "jpy" | "yen" => "JPY",
        "₹" | "inr" | "rupees" => "INR",
        "a$" => "AUD",
        "c$" => "CAD",
        "hk$" => "HKD",
        "s$" => "SGD",
        "nz$" => "NZD",
        "r$" | "reais" => "BRL",
        "rupiah" => "IDR",
        "won" => "KRW",
        "kip" => "LAK",
        "soles" => "PEN",
        "pesos" => "MXN",
        "lira" | "liras" => "TRY",
        "riyals" => "SAR",
        "dirhams" => "AED",
        "francs" => "CHF",
        "hryvnias" => "UAH",
        "bolivars" => "VES",
        "dong" => "VND",
        "baht" => "THB",
        "ringgit" => "MYR",
        "rand" => "ZAR",
        "naira" => "NGN",
        "shekels" => "ILS",
        "tenge" => "KZT",
        "dinars" => "DZD",
        _ => "USD",
    }
}

/// Where the figure at byte `at` of `s` starts once a qualifier written
/// before it ("more than 5") is included, and that qualifier.
fn with_qualifier(s: &str, at: usize) -> (usize, Option<Qualifier>) {
    qualifier_before(s, at).map_or((at, None), |(start, q)| (start, Some(q)))
}

fn qualifier_before(s: &str, at: usize) -> Option<(usize, Qualifier)> {
    let head = s.get(..at)?;
    let words_end = head.trim_end().len();
    if words_end == head.len() {
        return None;
    }
    let before = head.get(..words_end)?;
    QUALIFIERS.iter().find_map(|&(word, q)| {
        let start = words_end.checked_sub(word.len())?;
        let boundary = start == 0
            || before
                .as_bytes()
                .get(start - 1)
                .is_some_and(|b| !(b.is_ascii_alphanumeric() || *b == b'_'));
        let tail = before.get(start..)?;
        (boundary && tail.eq_ignore_ascii_case(word)).then_some((start, q))
    })
}

/// Substrings each pattern family needs, checked with fast substring
/// searches so most patterns never run on a sentence that cannot match.
struct Clues {
    digit: bool,
    hyphen: bool,
    currency_sign: bool,
    currency_word: bool,
    vague_amount: bool,
    percent: bool,
    fraction: bool,
    /// A month's name, which every month date holds.
    month: bool,
    /// A spelled-out count ("two", "dozens"), which a quantity without a figure holds.
    number_word: bool,
}

/// Lowercase substrings behind [`Clues`], in groups, searched for
/// case-insensitively in one pass over the whole document (`markers.rs`).
pub(super) const CLUE_GROUPS: [&[&str]; 7] = [
    // Currency codes next to a figure.
    &["usd", "eur", "gbp", "rub", "cny", "jpy", "inr"],
    // Currency names.
    &[
        "dollar", "euro", "pound", "ruble", "rouble", "yuan", "renminbi", "yen", "rupe", "won",
        "kip", "sol", "rea", "peso", "lira", "dinar", "riyal", "dirham", "franc", "hryvnia",
        "bolivar", "dong", "baht", "ringgit", "rand", "naira", "shekel", "tenge",
    ],
    &["illions of", "housands of"],
    &["per"],
    &["half", "third", "quarter", "majority"],
    // Month names (the date pattern wants them capitalised; any case here only lets it run).
    &[
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ],
    // Number words of the quantity pattern (NUMBER_WORDS), as substrings: "hundred" also
    // stands for "hundreds".
    &[
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "dozens",
        "thousands",
        "millions",
    ],
];

impl Clues {
    /// The clues of `sentence`; `groups` has bit `g` set when a substring of
    /// `CLUE_GROUPS[g]` occurs in it (in any ASCII case).
    fn of(groups: u32, sentence: &str) -> Clues {
        let mut found = [false; 7];
        for (g, f) in found.iter_mut().enumerate() {
            *f = groups & (1 << g) != 0;
        }
        let [code, name, vague, per, fraction, month, number_word] = found;
        Clues {
            digit: sentence.bytes().any(|b| b.is_ascii_digit()),
            hyphen: sentence.contains('-'),
            currency_sign: sentence.contains('$')
                || sentence.contains('\u{20ac}')
                || sentence.contains('\u{a3}')
                || sentence.contains('\u{a5}')
                || sentence.contains('\u{20b9}')
                || code,
            // Codes also stand after the figure ("300 million USD").
            currency_word: name || code,
            vague_amount: vague,
            percent: sentence.contains('%') || per,
            fraction,
            month,
            number_word,
        }
    }
}

struct Cand {
    kind: EntityKind,
    start: usize,
    end: usize,
    value: Option<NormalizedValue>,
    priority: u8,
}

/// Finds entities in `sentence`, which starts at byte `base` of the article.
/// `known_surnames` holds the last words of people named in full earlier, so a
/// later bare surname is recognised as a person.
/// In a `title_case` line (a headline) capitals say nothing about names, so
/// only known people are tagged there.
pub fn find(
    sentence: &str,
    base: usize,
    known_surnames: &FastSet<String>,
    title_case: bool,
) -> Vec<Entity> {
    let groups = markers::Hits::of(sentence).within(0, sentence.len()) >> markers::CLUE_SHIFT;
    find_with(groups, sentence, base, known_surnames, title_case)
}

/// [`find`] with the clue groups found in
/// the sentence (`markers::Hits::within` shifted down by `markers::CLUE_SHIFT`).
pub fn find_with(
    clue_groups: u32,
    sentence: &str,
    base: usize,
    known_surnames: &FastSet<String>,
    title_case: bool,
) -> Vec<Entity> {
    let mut c: Vec<Cand> = Vec::new();
    let clues = Clues::of(clue_groups, sentence);
    if clues.digit && clues.currency_sign {
        money_exact(MONEY_SYMBOL.as_ref(), sentence, &mut c);
    }
    if clues.digit && clues.currency_word {
        money_exact(MONEY_WORD.as_ref(), sentence, &mut c);
    }
    if clues.vague_amount {
        money_vague(MONEY_VAGUE.as_ref(), sentence, &mut c);
    }
    if clues.digit && clues.percent {
        percent_figure(PERCENT_NUM.as_ref(), sentence, &mut c);
    }
    if clues.fraction {
        percent_fraction(PERCENT_FRAC.as_ref(), sentence, &mut c);
    }
    if clues.month {
        month_dates(DATE_MONTH.as_ref(), sentence, &mut c);
    }
    if clues.digit {
        year_dates(DATE_YEAR.as_ref(), sentence, &mut c);
    }
    // The pattern's `\d` is any Unicode digit: a sentence with other than ASCII runs it too.
    if clues.digit || clues.number_word || !sentence.is_ascii() {
        quantities(sentence, &mut c);
    }
    // Designations outrank the figures inside them: "Su-30" is a weapon
    // system, never a quantity of 30.
    if let Some(re) = WEAPON.as_ref() {
        for m in re.find_iter(sentence) {
            c.push(Cand {
                kind: EntityKind::WeaponSystem,
                start: m.start(),
                end: m.end(),
                value: None,
                priority: 1,
            });
        }
    }
    if clues.digit && clues.hyphen {
        designations(DESIGNATION.as_ref(), sentence, &mut c);
    }
    names(sentence, known_surnames, title_case, &mut c);

    // Keep the highest-priority, then longest, candidate among overlaps.
    c.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    let mut kept = non_overlapping(c, sentence.len());
    kept.sort_by_key(|k| k.start);
    kept.into_iter()
        .filter_map(|k| {
            let text = sentence.get(k.start..k.end)?.to_string();
            Some(Entity {
                kind: k.kind,
                text,
                start: base + k.start,
                end: base + k.end,
                value: k.value,
            })
        })
        .collect()
}

/// Above this many candidates, overlaps are checked against a byte occupancy map, which stays
/// linear for huge sentences; below it, against the kept candidates directly, which spares the
/// map's allocation and fill for the short sentences that make up nearly all text.
const PAIRWISE_OVERLAP_MAX: usize = 32;

/// The candidates, in order, that overlap none kept before them; empty spans and spans
/// outside the sentence (`len` bytes) are dropped.
fn non_overlapping(c: Vec<Cand>, len: usize) -> Vec<Cand> {
    let mut kept: Vec<Cand> = Vec::with_capacity(c.len());
    if c.len() <= PAIRWISE_OVERLAP_MAX {
        for cand in c {
            let fits = cand.start < cand.end && cand.end <= len;
            if fits
                && kept
                    .iter()
                    .all(|k| cand.end <= k.start || k.end <= cand.start)
            {
                kept.push(cand);
            }
        }
        return kept;
    }
    non_overlapping_by_map(c, len, kept)
}

/// [`non_overlapping`] with a byte occupancy map; kept candidates are appended to `kept`.
fn non_overlapping_by_map(c: Vec<Cand>, len: usize, mut kept: Vec<Cand>) -> Vec<Cand> {
    let mut taken = vec![false; len];
    for cand in c {
        let Some(slots) = taken.get_mut(cand.start..cand.end) else {
            continue;
        };
        if !slots.is_empty() && !slots.iter().any(|t| *t) {
            slots.iter_mut().for_each(|t| *t = true);
            kept.push(cand);
        }
    }
    kept
}

fn designations(re: Option<&Regex>, s: &str, out: &mut Vec<Cand>) {
    let Some(re) = re else {
        return;
    };
    for cap in re.captures_iter(s) {
        let (Some(all), Some(stem)) = (cap.get(0), cap.name("stem")) else {
            continue;
        };
        // A plain English word with a number ("Under-21") or a year
        // ("Decree 2025-EF") is not a designation.
        let lower_tail = stem.as_str().len() > 2
            && stem.as_str().chars().skip(1).all(char::is_lowercase)
            && !matches!(stem.as_str(), "Buk" | "Tor" | "Yak" | "MiG");
        if NOT_DESIGNATIONS.contains(&stem.as_str()) || lower_tail {
            continue;
        }
        // A plural "s" ("MiG-29s") is not part of the name.
        let mut end = all.end();
        if s.get(..end).is_some_and(|h| h.ends_with('s'))
            && cap.name("suffix").is_some_and(|x| x.as_str() == "s")
        {
            end -= 1;
        }
        out.push(Cand {
            kind: EntityKind::WeaponSystem,
            start: all.start(),
            end,
            value: None,
            priority: 1,
        });
    }
}

/// Amounts with a figure: "$50 a barrel", "1.2 billion euros".
fn money_exact(re: Option<&Regex>, s: &str, out: &mut Vec<Cand>) {
    if let Some(re) = re {
        for cap in re.captures_iter(s) {
            let (Some(all), Some(num), Some(cur)) = (cap.get(0), cap.name("num"), cap.name("cur"))
            else {
                continue;
            };
            let Some(n) = parse_num(num.as_str()) else {
                continue;
            };
            let mag = cap.name("mag").or_else(|| cap.name("mag1"));
            let amount = n * magnitude(mag.map(|m| m.as_str()));
            let (start, qualifier) = with_qualifier(s, all.start());
            out.push(Cand {
                kind: EntityKind::Money,
                start,
                end: all.end(),
                value: Some(NormalizedValue::Money {
                    amount,
                    currency: currency(cur.as_str()).to_string(),
                    per: cap.name("per").map(|p| p.as_str().to_ascii_lowercase()),
                    qualifier,
                }),
                priority: 0,
            });
        }
    }
}

/// "billions of dollars": an order of magnitude with no figure.
fn money_vague(re: Option<&Regex>, s: &str, out: &mut Vec<Cand>) {
    if let Some(re) = re {
        for cap in re.captures_iter(s) {
            let (Some(all), Some(cur)) = (cap.get(0), cap.name("cur")) else {
                continue;
            };
            let pre = match cap.name("pre").map(|p| p.as_str().to_ascii_lowercase()) {
                Some(p) if p == "tens" => 10.0,
                Some(_) => 100.0,
                None => 1.0,
            };
            // "billions of dollars" means at least two billion; report the
            // order of magnitude as a lower bound.
            out.push(Cand {
                kind: EntityKind::Money,
                start: all.start(),
                end: all.end(),
                value: Some(NormalizedValue::Money {
                    amount: pre * magnitude(cap.name("mag").map(|m| m.as_str())),
                    currency: currency(cur.as_str()).to_string(),
                    per: None,
                    qualifier: Some(Qualifier::AtLeast),
                }),
                priority: 0,
            });
        }
    }
}

fn percent_figure(re: Option<&Regex>, s: &str, out: &mut Vec<Cand>) {
    if let Some(re) = re {
        for cap in re.captures_iter(s) {
            let (Some(all), Some(num)) = (cap.get(0), cap.name("num")) else {
                continue;
            };
            let Some(v) = parse_num(num.as_str()) else {
                continue;
            };
            let (start, qualifier) = with_qualifier(s, all.start());
            out.push(Cand {
                kind: EntityKind::Percent,
                start,
                end: all.end(),
                value: Some(NormalizedValue::Percent {
                    value: v,
                    qualifier,
                }),
                priority: 1,
            });
        }
    }
}

/// "more than half of", "two thirds of".
fn percent_fraction(re: Option<&Regex>, s: &str, out: &mut Vec<Cand>) {
    if let Some(re) = re {
        for cap in re.captures_iter(s) {
            let Some(frac) = cap.name("frac") else {
                continue;
            };
            let f = frac.as_str().to_ascii_lowercase();
            let (v, implied) = match f.as_str() {
                "half" => (50.0, None),
                "a third" | "one third" => (100.0 / 3.0, None),
                "a quarter" | "one quarter" => (25.0, None),
                "two thirds" | "two-thirds" => (200.0 / 3.0, None),
                "three quarters" => (75.0, None),
                _ => (50.0, Some(Qualifier::MoreThan)),
            };
            let (start, written) = with_qualifier(s, frac.start());
            out.push(Cand {
                kind: EntityKind::Percent,
                start,
                end: frac.end(),
                value: Some(NormalizedValue::Percent {
                    value: v,
                    qualifier: written.or(implied),
                }),
                priority: 1,
            });
        }
    }
}

fn last_day(month: u32) -> u32 {
    match month {
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// "late December", "February 24, 2022".
fn month_dates(re: Option<&Regex>, s: &str, out: &mut Vec<Cand>) {
    if let Some(re) = re {
        for cap in re.captures_iter(s) {
            let (Some(all), Some(mon)) = (cap.get(0), cap.name("mon")) else {
                continue;
            };
            let part = cap.name("part").map(|p| p.as_str().to_ascii_lowercase());
            let day: Option<u32> = cap.name("day").and_then(|d| d.as_str().parse().ok());
            let year = cap.name("year").map(|y| y.as_str());
            // "May" and "March" are also ordinary words; need more context.
            if matches!(mon.as_str(), "May" | "March")
                && day.is_none()
                && year.is_none()
                && part.is_none()
            {
                continue;
            }
            let Some(m) = MONTHS.iter().position(|x| *x == mon.as_str()) else {
                continue;
            };
            let m = m as u32 + 1;
            let prefix = match year {
                Some(y) => format!("{y}-{m:02}"),
                None => format!("--{m:02}"),
            };
            let value = match (part.as_deref(), day) {
                (_, Some(d)) if (1..=31).contains(&d) => NormalizedValue::Date {
                    date: format!("{prefix}-{d:02}"),
                },
                (Some(p), _) => {
                    let (a, b) = match p {
                        "early" => (1, 10),
                        "mid" => (11, 20),
                        _ => (21, last_day(m)),
                    };
                    NormalizedValue::Period {
                        start: format!("{prefix}-{a:02}"),
                        end: format!("{prefix}-{b:02}"),
                    }
                }
                _ => NormalizedValue::Date { date: prefix },
            };
            out.push(Cand {
                kind: EntityKind::Date,
                start: all.start(),
                end: all.end(),
                value: Some(value),
                priority: 2,
            });
        }
    }
}

/// "2013", "late 2025", "the 1990s".
fn year_dates(re: Option<&Regex>, s: &str, out: &mut Vec<Cand>) {
    if let Some(re) = re {
        for cap in re.captures_iter(s) {
            let (Some(all), Some(y)) = (cap.get(0), cap.name("year")) else {
                continue;
            };
            // Skip designators and amounts such as "S-2000" or "$2013".
            let before = s.get(..y.start()).and_then(|b| b.chars().next_back());
            if before.is_some_and(|c| c == '-' && cap.name("part").is_none() || c == '$') {
                continue;
            }
            let Ok(year) = y.as_str().parse::<i32>() else {
                continue;
            };
            let part = cap.name("part").map(|p| p.as_str().to_ascii_lowercase());
            let value = if cap.name("s").is_some() {
                NormalizedValue::Period {
                    start: format!("{year}"),
                    end: format!("{}", year + 9),
                }
            } else {
                match part.as_deref() {
                    Some("early") | Some("the beginning of") => NormalizedValue::Period {
                        start: format!("{year}-01"),
                        end: format!("{year}-04"),
                    },
                    Some("mid") => NormalizedValue::Period {
                        start: format!("{year}-05"),
                        end: format!("{year}-08"),
                    },
                    Some("late") => NormalizedValue::Period {
                        start: format!("{year}-09"),
                        end: format!("{year}-12"),
                    },
                    Some(_) => NormalizedValue::Period {
                        start: format!("{year}-10"),
                        end: format!("{year}-12"),
                    },
                    None => NormalizedValue::Year { year },
                }
            };
            out.push(Cand {
                kind: EntityKind::Date,
                start: all.start(),
                end: all.end(),
                value: Some(value),
                priority: 2,
            });
        }
    }
}

fn quantities(s: &str, out: &mut Vec<Cand>) {
    let Some(re) = QUANTITY.as_ref() else {
        return;
    };
    for cap in re.captures_iter(s) {
        let (Some(all), Some(num), Some(unit_m)) = (cap.get(0), cap.name("num"), cap.name("unit"))
        else {
            continue;
        };
        // "Su-30 jets", "T72 tanks": a digit glued to a designation is no count.
        let glued = s
            .get(..num.start())
            .and_then(|h| h.chars().next_back())
            .is_some_and(|c| c == '-' || c.is_alphanumeric());
        if glued {
            continue;
        }
        let Some(n) = parse_num(num.as_str()) else {
            continue;
        };
        let mag = cap.name("mag");
        let value = n * magnitude(mag.map(|m| m.as_str()));
        let (end, unit) = match unit_of(unit_m.as_str()) {
            Some(u) => (all.end(), Some(u.to_string())),
            // A bare scaled number ("1.2 billion") is still a quantity.
            None => match mag {
                Some(m) => (m.end(), None),
                None => continue,
            },
        };
        let (start, qualifier) = with_qualifier(s, all.start());
        out.push(Cand {
            kind: EntityKind::Quantity,
            start,
            end,
            value: Some(NormalizedValue::Quantity {
                value,
                unit,
                qualifier,
            }),
            priority: 3,
        });
    }
}

/// A word with its byte span; possessive endings are already removed.
struct Word<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    /// Punctuation or a possessive right after the word ends a name run.
    breaks: bool,
}

fn split_words<'a>(s: &'a str) -> Vec<Word<'a>> {
    let mut out = Vec::with_capacity(s.len() / 6 + 1);
    let mut start = None;
    let is_word = |c: char| alphanumeric(c) || c == '-' || c == '.' || c == '\'' || c == '\u{2019}';
    let push = |from: usize, to: usize, out: &mut Vec<Word<'a>>| {
        let Some(raw) = s.get(from..to) else { return };
        let mut t = raw.trim_end_matches(['.', '-']);
        // Keep dotted acronyms like "U.S." whole.
        if raw.ends_with('.') && (PLACES.contains(raw) || ORGANIZATIONS.contains(raw)) {
            t = raw;
        }
        let mut breaks = t.len() < raw.len() && t != raw;
        for poss in ["\u{2019}s", "'s", "\u{2019}", "'"] {
            if let Some(b) = t.strip_suffix(poss) {
                t = b;
                breaks = true;
                break;
            }
        }
        let t = t.trim_start_matches(['\'', '\u{2019}', '-', '.']);
        if t.is_empty() {
            return;
        }
        // `t` is a subslice of `raw`; its offset is the pointer distance.
        let off = from + (t.as_ptr() as usize).saturating_sub(raw.as_ptr() as usize);
        let next = s.get(to..).and_then(|r| r.chars().next());
        let punct_after = next.is_some_and(|c| !c.is_whitespace());
        out.push(Word {
            text: t,
            start: off,
            end: off + t.len(),
            breaks: breaks || punct_after,
        });
    };
    for (i, c) in s.char_indices() {
        if is_word(c) {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(st) = start.take() {
            push(st, i, &mut out);
        }
    }
    if let Some(st) = start {
        push(st, s.len(), &mut out);
    }
    out
}

fn capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// Last words that make a capitalised run an organisation by its form, besides the name
/// endings of `lexicon::ORG_NAME_ENDINGS`.
const ORG_SUFFIXES: &[&str] = &[
    "Ministry",
    "Committee",
    "Commission",
    "Bureau",
    "Service",
    "Department",
    "Office",
    "Authority",
    "Academy",
    "Federation",
    "Chamber",
    "Assembly",
    "Parliament",
    "Embassy",
    "Consulate",
    "Court",
    "Corps",
    "Army",
    "Navy",
    "Police",
    "Technologies",
    "Motors",
    "Shipping",
    "Logistics",
    "Insurance",
    "Trust",
    "Cooperative",
    "Alliance",
    "Secretariat",
    "Command",
    "Directorate",
    "Inspectorate",
    "Administration",
    "Treasury",
];

/// First words of organisations named "<Head> of/for …": "Bank of the Lao
/// PDR", "Ministry of Finance", "Institute for Policy Studies".
const ORG_HEADS: &[&str] = &[
    "Ministry",
    "Bank",
    "Institute",
    "University",
    "Council",
    "Department",
    "Office",
    "Bureau",
    "Commission",
    "Committee",
    "Federation",
    "Chamber",
    "House",
    "Academy",
    "Institution",
    "Fund",
    "Agency",
    "Association",
    "Organization",
    "Organisation",
    "Union",
    "Court",
    "Board",
    "Centre",
    "Center",
    "Secretariat",
    "Directorate",
    "Administration",
    "Corporation",
];

fn is_org_suffix(word: &str) -> bool {
    ORG_NAME_ENDINGS.contains(&word) || ORG_SUFFIXES.contains(&word)
}

fn org_form(run: &[Word<'_>]) -> bool {
    run.last().is_some_and(|w| is_org_suffix(w.text))
        || run.first().is_some_and(|w| ORG_HEADS.contains(&w.text)) && run.len() > 1
        || run
            .iter()
            .any(|w| ORG_HEADS.contains(&w.text) && w.text != "House")
            && run.len() >= 3
}

/// Runs of capitalised words classified via the place/organisation/person
/// lexicons and the organisations' forms; an unknown run of two or more words
/// is taken to be a person, except in a title-case line.
fn names(s: &str, known_surnames: &FastSet<String>, title_case: bool, out: &mut Vec<Cand>) {
    let words = split_words(s);
    let mut i = 0;
    while i < words.len() {
        let Some(w) = words.get(i) else { break };
        if !capitalised(w.text) || NOT_NAMES.contains(w.text) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        if !w.breaks {
            loop {
                while let Some(n) = words.get(j) {
                    let particle = matches!(n.text, "al" | "bin" | "de" | "da" | "van" | "von")
                        || n.text.starts_with("al-");
                    if !(capitalised(n.text) || particle) || NOT_NAMES.contains(n.text) {
                        break;
                    }
                    j += 1;
                    if n.breaks {
                        break;
                    }
                }
                // "Bank of the Lao PDR", "Institute for Policy Studies": join
                // over "of", "for", "and", "the" when the run heads an
                // organisation.
                let head_is_org = words
                    .get(i..j)
                    .is_some_and(|r| r.iter().any(|w| ORG_HEADS.contains(&w.text)));
                let ended_by_break = words.get(j.wrapping_sub(1)).is_some_and(|w| w.breaks);
                let mut k = j;
                while words
                    .get(k)
                    .is_some_and(|w| matches!(w.text, "of" | "for" | "and" | "the" | "on"))
                    && k < j + 2
                {
                    k += 1;
                }
                let next_cap = words
                    .get(k)
                    .is_some_and(|w| capitalised(w.text) && !NOT_NAMES.contains(w.text));
                if head_is_org && !ended_by_break && k > j && next_cap {
                    j = k;
                    continue;
                }
                break;
            }
        }
        if let Some(run) = words.get(i..j) {
            classify_run(s, run, known_surnames, title_case, out);
        }
        i = j;
    }
}

fn classify_run(
    s: &str,
    run: &[Word<'_>],
    known_surnames: &FastSet<String>,
    title_case: bool,
    out: &mut Vec<Cand>,
) {
    // "London-based Harrow & Vale": the place is a modifier, not the name.
    if let [first, rest @ ..] = run
        && first.text.ends_with("-based")
    {
        if !rest.is_empty() {
            classify_run(s, rest, known_surnames, title_case, out);
        }
        return;
    }
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return;
    };
    let Some(text) = s.get(first.start..last.end) else {
        return;
    };
    let push = |kind, out: &mut Vec<Cand>| {
        out.push(Cand {
            kind,
            start: first.start,
            end: last.end,
            value: None,
            priority: 6,
        })
    };
    if ORGANIZATIONS.contains(text) {
        push(EntityKind::Organization, out);
    } else if PLACES.contains(text) {
        push(EntityKind::Place, out);
    } else if run.len() == 1 {
        if is_org_suffix(text) || ORG_HEADS.contains(&text) {
            // A bare "Council" or "Bank" is a common noun in a title.
        } else if PERSONS.contains(text) || (!title_case && known_surnames.contains(text)) {
            push(EntityKind::Person, out);
        }
    } else if text.contains('&') || org_form(run) {
        push(EntityKind::Organization, out);
    } else if run
        .iter()
        .any(|w| PLACES.contains(w.text) || ORGANIZATIONS.contains(w.text))
    {
        // Mixed runs ("Moscow Kremlin"): classify each word on its own.
        for k in 0..run.len() {
            classify_run(s, &run[k..k + 1], known_surnames, title_case, out);
        }
    } else if !title_case {
        push(EntityKind::Person, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pairwise_overlap_check_keeps_what_the_occupancy_map_keeps() {
        // Deterministic pseudo-random candidate sets, including empty, reversed and
        // out-of-range spans, up to the pairwise limit.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m) as usize
        };
        let mut kept_any = 0;
        for round in 0..2000 {
            let len = 1 + next(60);
            let n = round % (PAIRWISE_OVERLAP_MAX + 1);
            let make = |next: &mut dyn FnMut(u64) -> usize| -> Vec<Cand> {
                (0..n)
                    .map(|_| Cand {
                        kind: EntityKind::Quantity,
                        start: next(len as u64 + 3),
                        end: next(len as u64 + 3),
                        value: None,
                        priority: 0,
                    })
                    .collect()
            };
            let c = make(&mut next);
            let twin: Vec<Cand> = c
                .iter()
                .map(|k| Cand {
                    kind: k.kind,
                    start: k.start,
                    end: k.end,
                    value: None,
                    priority: k.priority,
                })
                .collect();
            let spans = |v: Vec<Cand>| v.iter().map(|k| (k.start, k.end)).collect::<Vec<_>>();
            let pairwise = spans(non_overlapping(c, len));
            let by_map = spans(non_overlapping_by_map(twin, len, Vec::new()));
            assert_eq!(pairwise, by_map, "round {round}, len {len}");
            kept_any += pairwise.len();
        }
        assert!(kept_any > 1000, "{kept_any}");
    }

    fn ents(s: &str) -> Vec<Entity> {
        find(s, 0, &FastSet::default(), false)
    }

    fn value_of(s: &str, kind: EntityKind) -> Option<NormalizedValue> {
        ents(s)
            .into_iter()
            .find(|e| e.kind == kind)
            .and_then(|e| e.value)
    }

    #[test]
    fn money_per_barrel() {
        assert_eq!(
            value_of(
                "the price does not rise above $50 a barrel.",
                EntityKind::Money
            ),
            Some(NormalizedValue::Money {
                amount: 50.0,
                currency: "USD".into(),
                per: Some("barrel".into()),
                qualifier: None
            })
        );
    }

    #[test]
    fn vague_money() {
        match value_of("billions of dollars in loans", EntityKind::Money) {
            Some(NormalizedValue::Money {
                amount, currency, ..
            }) => {
                assert!(amount >= 1e9);
                assert_eq!(currency, "USD");
            }
            other => panic!("{other:?}"),
        }
        match value_of("It cost $1.2 billion.", EntityKind::Money) {
            Some(NormalizedValue::Money { amount, .. }) => assert!((amount - 1.2e9).abs() < 1.0),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dates_and_periods() {
        assert_eq!(
            value_of("systems transferred in late 2025.", EntityKind::Date),
            Some(NormalizedValue::Period {
                start: "2025-09".into(),
                end: "2025-12".into()
            })
        );
        assert_eq!(
            value_of("delivered in 2013", EntityKind::Date),
            Some(NormalizedValue::Year { year: 2013 })
        );
        assert_eq!(
            value_of("as recently as late December", EntityKind::Date),
            Some(NormalizedValue::Period {
                start: "--12-21".into(),
                end: "--12-31".into()
            })
        );
    }

    #[test]
    fn percent_and_quantity() {
        assert_eq!(
            value_of(
                "more than half of the world's oil reserves",
                EntityKind::Percent
            ),
            Some(NormalizedValue::Percent {
                value: 50.0,
                qualifier: Some(Qualifier::MoreThan)
            })
        );
        assert_eq!(
            value_of("fighting for four years", EntityKind::Quantity),
            Some(NormalizedValue::Quantity {
                value: 4.0,
                unit: Some("year".into()),
                qualifier: None
            })
        );
    }

    #[test]
    fn qualifiers_are_whole_words_before_the_figure() {
        let q = |s: &str, kind| match value_of(s, kind) {
            Some(
                NormalizedValue::Quantity { qualifier, .. }
                | NormalizedValue::Money { qualifier, .. }
                | NormalizedValue::Percent { qualifier, .. },
            ) => qualifier,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(
            q("More than 300 tanks crossed.", EntityKind::Quantity),
            Some(Qualifier::MoreThan)
        );
        assert_eq!(
            q("It cost at least  $5 million.", EntityKind::Money),
            Some(Qualifier::AtLeast)
        );
        assert_eq!(
            q("Turnout was roughly 40%.", EntityKind::Percent),
            Some(Qualifier::About)
        );
        // "over" inside another word, or not directly before the figure.
        assert_eq!(q("a hangover 5 days long", EntityKind::Quantity), None);
        assert_eq!(q("over the 5 days", EntityKind::Quantity), None);
        let e = ents("Prices rose by up to 7 percent.");
        assert_eq!(e.first().map(|e| e.text.as_str()), Some("up to 7 percent"));
    }

    #[test]
    fn weapons_and_names() {
        let e = ents("S-300VM and Buk-M2 systems went from Moscow to Nicolás Maduro in Venezuela.");
        let got: Vec<(EntityKind, &str)> = e.iter().map(|e| (e.kind, e.text.as_str())).collect();
        assert!(
            got.contains(&(EntityKind::WeaponSystem, "S-300VM")),
            "{got:?}"
        );
        assert!(
            got.contains(&(EntityKind::WeaponSystem, "Buk-M2")),
            "{got:?}"
        );
        assert!(got.contains(&(EntityKind::Place, "Moscow")), "{got:?}");
        assert!(
            got.contains(&(EntityKind::Person, "Nicolás Maduro")),
            "{got:?}"
        );
        assert!(got.contains(&(EntityKind::Place, "Venezuela")), "{got:?}");
    }

    fn money(s: &str) -> Vec<(f64, String)> {
        ents(s)
            .into_iter()
            .filter_map(|e| match e.value {
                Some(NormalizedValue::Money {
                    amount, currency, ..
                }) => Some((amount, currency)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn money_with_magnitude_suffixes_and_currencies() {
        let close = |got: &[(f64, String)], want: &[(f64, &str)]| {
            assert_eq!(got.len(), want.len(), "{got:?}");
            for ((a, c), (b, d)) in got.iter().zip(want) {
                assert!((a - b).abs() < 1e-3 * b.abs().max(1.0), "{a} vs {b}");
                assert_eq!(c, d);
            }
        };
        close(&money("Aid reached $4 billion."), &[(4e9, "USD")]);
        close(
            &money("Debts of US$41b and US$2.5b fell due."),
            &[(41e9, "USD"), (2.5e9, "USD")],
        );
        close(
            &money("Sales were $3.4bn, costs $610mn."),
            &[(3.4e9, "USD"), (610e6, "USD")],
        );
        close(
            &money("A 275 million euros deal and €7m in fees."),
            &[(275e6, "EUR"), (7e6, "EUR")],
        );
        close(
            &money("The fund holds 2.2 trillion rubles."),
            &[(2.2e12, "RUB")],
        );
        close(
            &money("Lenders rescheduled 8 billion yuan."),
            &[(8e9, "CNY")],
        );
        close(
            &money("Fees of £12m and 40 million pounds."),
            &[(12e6, "GBP"), (40e6, "GBP")],
        );
        // "5 more" is not five million.
        assert!(
            money("It cost $5 more than before.")
                .first()
                .is_some_and(|m| m.0 == 5.0)
        );
    }

    #[test]
    fn designations_are_weapon_systems_not_quantities() {
        let e = ents(
            "Minsk overhauled Su-25SM jets, 14 Kh-29T missiles, two Il-78 tankers, RD-33 engines, Mi-8MTV craft and T-72B3 tanks.",
        );
        let weapons: Vec<&str> = e
            .iter()
            .filter(|e| e.kind == EntityKind::WeaponSystem)
            .map(|e| e.text.as_str())
            .collect();
        assert_eq!(
            weapons,
            ["Su-25SM", "Kh-29T", "Il-78", "RD-33", "Mi-8MTV", "T-72B3"]
        );
        let quantities: Vec<&str> = e
            .iter()
            .filter(|e| e.kind == EntityKind::Quantity)
            .map(|e| e.text.as_str())
            .collect();
        // No figure inside a designation became a count.
        assert!(
            quantities
                .iter()
                .all(|q| !["25", "29", "78", "33", "8", "72"]
                    .iter()
                    .any(|d| q.starts_with(d))),
            "{quantities:?}"
        );
        let plural = ents("The MiG-31s flew 40 sorties; G-20 leaders met; COVID-19 spread.");
        let w: Vec<&str> = plural
            .iter()
            .filter(|e| e.kind == EntityKind::WeaponSystem)
            .map(|e| e.text.as_str())
            .collect();
        assert_eq!(w, ["MiG-31"]);
    }

    #[test]
    fn every_listed_money_form_is_an_amount_and_a_currency() {
        let cases: [(&str, f64, &str); 7] = [
            ("Aid worth $9 billion was pledged.", 9e9, "USD"),
            ("The state owes US$28b to lenders.", 28e9, "USD"),
            ("A deal for $1.2bn was signed.", 1.2e9, "USD"),
            ("Brussels set aside 450 million euros.", 450e6, "EUR"),
            ("The port earned €3m last year.", 3e6, "EUR"),
            ("Revenue reached 1.5 trillion rubles.", 1.5e12, "RUB"),
            ("Banks lent 12 billion yuan in May.", 12e9, "CNY"),
        ];
        for (s, amount, cur) in cases {
            let got = money(s);
            assert_eq!(got.len(), 1, "{s}: {got:?}");
            assert!((got[0].0 - amount).abs() < 1e-6 * amount, "{s}: {got:?}");
            assert_eq!(got[0].1, cur, "{s}");
        }
    }

    #[test]
    fn every_listed_designation_is_one_weapon_system() {
        let s = "Crews serviced Su-30MK2 and MiG-29 jets, S-300VM and Buk-M2E batteries, 12 Kh-31A missiles, T-72B1 tanks and a Mi-17V5.";
        let e = ents(s);
        let weapons: Vec<&str> = e
            .iter()
            .filter(|e| e.kind == EntityKind::WeaponSystem)
            .map(|e| e.text.as_str())
            .collect();
        for want in [
            "Su-30MK2", "MiG-29", "S-300VM", "Buk-M2E", "Kh-31A", "T-72B1", "Mi-17V5",
        ] {
            assert!(weapons.contains(&want), "{want} not in {weapons:?}");
        }
        // The only count is the twelve missiles.
        let counts: Vec<&str> = e
            .iter()
            .filter(|e| e.kind == EntityKind::Quantity)
            .map(|e| e.text.as_str())
            .collect();
        assert!(counts.iter().all(|q| q.starts_with("12")), "{counts:?}");
    }

    #[test]
    fn companies_and_institutions_from_the_lexicon() {
        let e = ents("Rosneft and PDVSA signed the deal while Gazprom looked on.");
        let orgs: Vec<&str> = e
            .iter()
            .filter(|e| e.kind == EntityKind::Organization)
            .map(|e| e.text.as_str())
            .collect();
        assert_eq!(orgs, ["Rosneft", "PDVSA", "Gazprom"]);
        assert!(e.iter().all(|e| e.kind != EntityKind::Person), "{e:?}");
    }

    #[test]
    fn organisations_by_form() {
        let e = ents(
            "Analysts at Birch Hollow Capital, the Oduya Institution, the Supreme Council, Kestrel Refining Corp. and Dane & Sons said so, as did the Central Bank of the Andes.",
        );
        let orgs: Vec<&str> = e
            .iter()
            .filter(|e| e.kind == EntityKind::Organization)
            .map(|e| e.text.as_str())
            .collect();
        for want in [
            "Birch Hollow Capital",
            "Oduya Institution",
            "Supreme Council",
            "Kestrel Refining Corp",
            "Dane & Sons",
            "Central Bank of the Andes",
        ] {
            assert!(orgs.contains(&want), "{want} not in {orgs:?}");
        }
        assert!(e.iter().all(|e| e.kind != EntityKind::Person), "{e:?}");
    }

    #[test]
    fn no_people_from_a_headline() {
        let s = "Minister Seeks Fresh Loans As Currency Slides";
        let e = find(s, 0, &FastSet::default(), true);
        assert!(e.iter().all(|e| e.kind != EntityKind::Person), "{e:?}");
        // The same words in running text can still be a name.
        assert!(
            ents("Talks were led by Amara Quist on Monday.")
                .iter()
                .any(|e| e.kind == EntityKind::Person && e.text == "Amara Quist")
        );
    }
}
