//! End-to-end tests of claim extraction on the seed article and on fuzzed input.

use claimdesk::extract::{
    Category, ClaimantKind, Entity, EntityKind, ExtractConfig, ExtractError, ExtractedClaim,
    InputFormat, NormalizedValue, Qualifier, extract_bytes, extract_text, score_sentence,
    similarity,
};
use proptest::prelude::*;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/seeds/000_e58c59db4a0c293f.txt"
);

fn seed() -> (String, Vec<ExtractedClaim>) {
    let bytes = std::fs::read(SEED).expect("seed article readable");
    let doc =
        extract_bytes(&bytes, InputFormat::Text, &ExtractConfig::default()).expect("seed extracts");
    (doc.text, doc.claims)
}

fn claim<'a>(claims: &'a [ExtractedClaim], needle: &str) -> (usize, &'a ExtractedClaim) {
    claims
        .iter()
        .enumerate()
        .find(|(_, c)| c.text.contains(needle))
        .unwrap_or_else(|| panic!("no claim containing {needle:?}"))
}

fn entity<'a>(c: &'a ExtractedClaim, kind: EntityKind, text: &str) -> &'a Entity {
    c.entities
        .iter()
        .find(|e| e.kind == kind && e.text == text)
        .unwrap_or_else(|| panic!("no {kind:?} {text:?} in {:?}", c.entities))
}

#[test]
fn seed_arms_deliveries() {
    let (_, claims) = seed();
    let (_, c) = claim(&claims, "S-300VM air-defense systems delivered in 2013");
    assert_eq!(c.category, Category::Arms);
    entity(c, EntityKind::WeaponSystem, "S-300VM");
    entity(c, EntityKind::WeaponSystem, "Pantsir");
    entity(c, EntityKind::WeaponSystem, "Buk-M2");
    assert_eq!(
        entity(c, EntityKind::Date, "2013").value,
        Some(NormalizedValue::Year { year: 2013 })
    );
    assert_eq!(
        entity(c, EntityKind::Date, "late 2025").value,
        Some(NormalizedValue::Period {
            start: "2025-09".into(),
            end: "2025-12".into()
        })
    );
}

#[test]
fn seed_loans() {
    let (_, claims) = seed();
    let (_, c) = claim(&claims, "billions of dollars in loans");
    assert_eq!(c.category, Category::Finance);
    match &entity(c, EntityKind::Money, "billions of dollars").value {
        Some(NormalizedValue::Money {
            amount, currency, ..
        }) => {
            assert!(*amount >= 1e9);
            assert_eq!(currency, "USD");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn seed_deripaska_quotes() {
    let (_, claims) = seed();
    let (_, reserves) = claim(&claims, "more than half of the world’s oil reserves");
    assert_eq!(reserves.category, Category::Energy);
    assert_eq!(reserves.claimant.as_deref(), Some("Oleg Deripaska"));
    assert_eq!(
        entity(reserves, EntityKind::Percent, "more than half").value,
        Some(NormalizedValue::Percent {
            value: 50.0,
            qualifier: Some(Qualifier::MoreThan)
        })
    );
    let (_, barrel) = claim(&claims, "$50 a barrel");
    assert_eq!(barrel.category, Category::Energy);
    assert_eq!(barrel.claimant.as_deref(), Some("Oleg Deripaska"));
    assert_eq!(
        entity(barrel, EntityKind::Money, "$50 a barrel").value,
        Some(NormalizedValue::Money {
            amount: 50.0,
            currency: "USD".into(),
            per: Some("barrel".into()),
            qualifier: None
        })
    );
}

#[test]
fn seed_other_claimants() {
    let (_, claims) = seed();
    let (_, m) = claim(&claims, "nothing to do with drugs");
    assert_eq!(m.claimant.as_deref(), Some("Dmitry Medvedev"));
    let (_, l) = claim(&claims, "Putin and Trump are currently focused");
    assert_eq!(l.claimant.as_deref(), Some("Fyodor Lukyanov"));
    let (_, d) = claim(&claims, "carried out competently");
    assert_eq!(d.claimant.as_deref(), Some("Dva Mayora"));
    let (_, u) = claim(&claims, "In the space of a day");
    assert_eq!(u.claimant.as_deref(), Some("Olga Uskova"));
}

#[test]
fn seed_maduro_trial_and_pledge() {
    let (_, claims) = seed();
    let (_, t) = claim(&claims, "to face trial in New York");
    assert!(
        matches!(t.category, Category::Politics | Category::Military),
        "{:?}",
        t.category
    );
    entity(t, EntityKind::Person, "Nicolás Maduro");
    entity(t, EntityKind::Place, "New York");
    entity(t, EntityKind::Person, "Donald Trump");

    let (_, p) = claim(&claims, "foreign minister pledging support");
    assert_eq!(p.category, Category::Diplomacy);
    assert_eq!(
        entity(p, EntityKind::Date, "late December").value,
        Some(NormalizedValue::Period {
            start: "--12-21".into(),
            end: "--12-31".into()
        })
    );
}

#[test]
fn seed_oil_price_duplicates() {
    let (_, claims) = seed();
    let (first, a) = claim(&claims, "vast oil reserves could drive down global prices");
    let (_, b) = claim(&claims, "vast reserves could drive down global prices");
    assert_eq!(a.category, Category::Energy);
    assert_eq!(a.duplicate_of, None);
    assert_eq!(b.duplicate_of, Some(first));
    // No other claim is linked to anything.
    assert_eq!(
        claims.iter().filter(|c| c.duplicate_of.is_some()).count(),
        1
    );
}

#[test]
fn seed_faq_is_not_claimed() {
    let (text, claims) = seed();
    for q in [
        "Why does Russia care about Venezuela",
        "What is this topic about",
        "What does grudging respect mean in this context",
        "Why is Russia feeling unease now",
        "What would a fall of Maduro actually mean for Russia",
        "Frequently Asked Questions",
        "Beginner Definition Questions",
        "Intermediate Analytical Questions",
    ] {
        assert!(text.contains(q));
        assert!(
            !claims.iter().any(|c| c.text.contains(q)),
            "FAQ text {q:?} became a claim"
        );
    }
    let faq = text
        .find("Frequently Asked Questions")
        .unwrap_or(text.len());
    assert!(claims.iter().all(|c| c.start < faq));
}

#[test]
fn seed_faq_candidates_carry_their_cap() {
    // Import extracts candidates at a lower threshold and lets the encoder rescore them:
    // the FAQ block's sentences come back, marked with the cap the rescoring must keep.
    let bytes = std::fs::read(SEED).expect("seed article readable");
    let config = ExtractConfig {
        threshold: 0.2,
        ..ExtractConfig::default()
    };
    let doc = extract_bytes(&bytes, InputFormat::Text, &config).expect("seed extracts");
    let faq = doc
        .text
        .find("Frequently Asked Questions")
        .unwrap_or(doc.text.len());
    assert!(doc.claims.iter().any(|c| c.start >= faq));
    for c in &doc.claims {
        let want = (c.start >= faq).then_some(0.25);
        assert_eq!(c.score_cap, want, "{}", c.text);
    }
}

#[test]
fn seed_offsets_and_order() {
    let (text, claims) = seed();
    assert!(claims.len() >= 10);
    let mut prev = 0;
    for c in &claims {
        assert_eq!(&text[c.start..c.end], c.text);
        assert!(c.start >= prev);
        prev = c.end;
        assert!((0.5..=1.0).contains(&c.score));
        for e in &c.entities {
            assert_eq!(&text[e.start..e.end], e.text);
            assert!(e.start >= c.start && e.end <= c.end);
        }
    }
    // The missing space in "income.Specialists" is a sentence boundary.
    assert!(
        claims
            .iter()
            .any(|c| c.text.starts_with("Specialists could gain access"))
    );
}

#[test]
fn claim_json_shape() {
    let (_, claims) = seed();
    let v = serde_json::to_value(&claims[0]).expect("serialises");
    let mut keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "category",
            "claimant",
            "claimant_kind",
            "duplicate_of",
            "end",
            "entities",
            "score",
            "start",
            "text"
        ]
    );
    let (_, barrel) = claim(&claims, "$50 a barrel");
    let e = serde_json::to_value(entity(barrel, EntityKind::Money, "$50 a barrel"))
        .expect("serialises");
    assert_eq!(e["kind"], "money");
    assert_eq!(e["value"]["type"], "money");
    assert_eq!(e["value"]["per"], "barrel");
}

#[test]
fn errors() {
    let cfg = ExtractConfig {
        max_bytes: 10,
        ..ExtractConfig::default()
    };
    assert_eq!(
        extract_bytes(b"01234567890", InputFormat::Text, &cfg).err(),
        Some(ExtractError::TooLarge {
            size: 11,
            limit: 10
        })
    );
    assert_eq!(
        extract_bytes(b"ab\xffcd", InputFormat::Text, &ExtractConfig::default()).err(),
        Some(ExtractError::NotUtf8 { valid_up_to: 2 })
    );
    assert_eq!(
        extract_bytes(b"  \n", InputFormat::Text, &ExtractConfig::default()).err(),
        Some(ExtractError::Empty)
    );
    assert_eq!(
        extract_bytes(
            b"<script>x</script>",
            InputFormat::Html,
            &ExtractConfig::default()
        )
        .err(),
        Some(ExtractError::Empty)
    );
    assert!(
        ExtractError::TooLarge { size: 3, limit: 2 }
            .to_string()
            .contains("limit")
    );
    assert_eq!(ExtractConfig::default().max_bytes, 2 * 1024 * 1024);
}

#[test]
fn html_offsets_index_converted_text() {
    let html = "<html><body><nav>Home | About</nav><article><h1>Arms</h1>\
        <p>Russia delivered S-300VM air-defense systems to Venezuela in 2013, officials said.</p>\
        <script>var x = 1;</script><footer>Copyright</footer></article></body></html>";
    let doc = extract_bytes(
        html.as_bytes(),
        InputFormat::Html,
        &ExtractConfig::default(),
    )
    .expect("extracts");
    assert!(!doc.text.contains("Home"));
    assert!(!doc.text.contains("var x"));
    let c = doc.claims.first().expect("a claim");
    assert_eq!(&doc.text[c.start..c.end], c.text);
    assert_eq!(c.category, Category::Arms);
}

#[test]
fn markdown_input() {
    let md = "# Oil\n\nVenezuela holds the world's largest *proven* oil reserves, about 300 billion barrels.\n";
    let doc = extract_bytes(
        md.as_bytes(),
        InputFormat::Markdown,
        &ExtractConfig::default(),
    )
    .expect("extracts");
    assert!(doc.text.starts_with("Oil\nVenezuela holds"));
    assert!(doc.claims.iter().any(|c| c.category == Category::Energy));
}

#[test]
fn public_functions() {
    assert!(score_sentence("What is this topic about?") < 0.5);
    assert!(similarity("a b c d e f g", "a b c d e f g") > 0.99);
    assert!(extract_text("", &ExtractConfig::default()).is_empty());
}

fn check_invariants(text: &str, claims: &[ExtractedClaim]) {
    for (i, c) in claims.iter().enumerate() {
        assert!(text.is_char_boundary(c.start) && text.is_char_boundary(c.end));
        assert_eq!(text.get(c.start..c.end), Some(c.text.as_str()));
        assert!((0.0..=1.0).contains(&c.score));
        assert!(c.duplicate_of.is_none_or(|d| d < i));
        for e in &c.entities {
            assert!(text.is_char_boundary(e.start) && text.is_char_boundary(e.end));
            assert_eq!(text.get(e.start..e.end), Some(e.text.as_str()));
            assert!(e.start >= c.start && e.end <= c.end);
        }
    }
}

fn html_ish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<p>".to_string()),
        Just("</p>".to_string()),
        Just("<script>".to_string()),
        Just("</script>".to_string()),
        Just("<!--".to_string()),
        Just("-->".to_string()),
        Just("<nav><a href=\"x\">".to_string()),
        Just("</a></nav>".to_string()),
        Just("<article>".to_string()),
        Just("<div class='x'>".to_string()),
        Just("“".to_string()),
        Just("”".to_string()),
        Just("$50 a barrel. ".to_string()),
        Just("S-300VM in late 2025. ".to_string()),
        Just("U.S. Mr. 3.5 ".to_string()),
        Just("income.Specialists".to_string()),
        "[a-zA-Z0-9 .,!?\u{2019}\u{201c}\u{201d}-]{0,40}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(s in any::<String>()) {
        let claims = extract_text(&s, &ExtractConfig { threshold: 0.0, ..ExtractConfig::default() });
        check_invariants(&s, &claims);
        let _ = score_sentence(&s);
    }

    #[test]
    fn arbitrary_html_ish_never_panics(s in html_ish()) {
        let low = ExtractConfig { threshold: 0.0, ..ExtractConfig::default() };
        for fmt in [InputFormat::Text, InputFormat::Markdown, InputFormat::Html] {
            if let Ok(doc) = extract_bytes(s.as_bytes(), fmt, &low) {
                check_invariants(&doc.text, &doc.claims);
            }
        }
        let _ = InputFormat::detect(s.as_bytes(), None, None);
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..512)) {
        for fmt in [InputFormat::Text, InputFormat::Markdown, InputFormat::Html] {
            if let Ok(doc) = extract_bytes(&b, fmt, &ExtractConfig::default()) {
                check_invariants(&doc.text, &doc.claims);
            }
        }
        let _ = InputFormat::detect(&b, Some("text/html"), Some("x.md"));
    }
}

#[test]
fn hostile_shapes_stay_fast() {
    // Deep nesting would be quadratic in the HTML5 tree builder; many
    // entities in one huge sentence would be quadratic in overlap checks.
    let html = format!(
        "{}<p>Moscow paid $5 billion in 2013.</p>",
        "<div>".repeat(50_000)
    );
    let doc = extract_bytes(
        html.as_bytes(),
        InputFormat::Html,
        &ExtractConfig::default(),
    )
    .expect("extracts");
    assert!(doc.text.contains("Moscow paid"));
    let big = "The S-300 cost $5 billion in 2013 and Moscow said so ".repeat(5_000);
    let start = std::time::Instant::now();
    let claims = extract_text(&big, &ExtractConfig::default());
    check_invariants(&big, &claims);
    assert!(start.elapsed().as_secs() < 30);
    assert!(
        claims.is_empty(),
        "a 265 KB run without sentence ends is not one claim"
    );
    // The same words with their stops are many claims.
    let stopped = "The S-300 cost $5 billion in 2013, Moscow said. ".repeat(50);
    assert!(extract_text(&stopped, &ExtractConfig::default()).len() >= 40);
}

/// Runs the claimdesk binary with `stdin` as standard input.
fn run_cli(args: &[&str], stdin: Vec<u8>) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_claimdesk"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run claimdesk");
    let mut input = child.stdin.take().expect("stdin");
    // Written from a thread: the child may stop reading early (a limit) or fill its output.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let out = child.wait_with_output().expect("claimdesk output");
    let _ = writer.join();
    out
}

#[test]
fn cli_input_is_bounded_and_checked_before_use() {
    let out = run_cli(
        &["--max-article-bytes", "1000", "extract", "-"],
        vec![b'a'; 50_000],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("larger than the 1000-byte limit"), "{err}");

    let out = run_cli(
        &["extract", "-"],
        b"The ministry said it delivered 310 tanks\0 in March 2024.".to_vec(),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("NUL"));

    for bad in ["nan", "1.5", "-0.1"] {
        let flag = format!("--claim-threshold={bad}");
        let out = run_cli(&[flag.as_str(), "extract", "-"], Vec::new());
        assert!(!out.status.success(), "threshold {bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("claim-threshold"));
    }

    // Scoring streams any number of lines but bounds each one.
    let lines = "Unemployment fell to 4.1 percent in 2019.\n".repeat(3);
    let out = run_cli(&["score"], lines.into_bytes());
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    let mut long = b"ok\n".to_vec();
    long.extend(vec![b'a'; 5000]);
    let out = run_cli(&["--max-article-bytes", "1000", "score"], long);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2 is longer"));
}

#[test]
fn a_byte_order_mark_is_not_part_of_any_claim_and_offsets_still_index_the_file() {
    let text = "\u{feff}Moscow delivered S-300VM air-defense systems to Caracas in 2013, the ministry said.";
    let out = run_cli(&["extract", "-"], text.as_bytes().to_vec());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let claims: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    let first = claims.first().expect("a claim");
    let (start, end) = (
        first["start"].as_u64().expect("start") as usize,
        first["end"].as_u64().expect("end") as usize,
    );
    assert_eq!(start, 3, "the claim starts after the mark");
    assert_eq!(first["text"].as_str(), text.get(start..end));
}

#[test]
fn a_reader_that_goes_away_ends_output_quietly() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_claimdesk"))
        .arg("score")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run claimdesk");
    // Close the reading end first: well over a pipe's buffer of scores must then fail.
    drop(child.stdout.take());
    let mut input = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = input.write_all(
            "Prices fell by 5 percent in 2024.\n"
                .repeat(50_000)
                .as_bytes(),
        );
    });
    let out = child.wait_with_output().expect("claimdesk output");
    let _ = writer.join();
    assert_eq!(out.status.code(), Some(141));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A wire-style article written for this test: furniture, a caption, a
/// heading, quotes and reported speech of every form.
const WIRE_ARTICLE: &str = "URL: https://example.net/news/port-loan
TITLE: Ghana Signs Port Loan As Cedi Weakens

By Ama Owusu and Tom Reyes

ACCRA, May 6 (Coast Wire) - Ghana's finance ministry said on Monday it had signed a loan of 320 million euros with a group of banks led by London-based Harrow & Vale to rebuild the port of Tema.

Dock workers unload containers at the port of Tema on May 2. Photo: Coast Wire

\"We repaired 14 cranes last year. Another six will be ready by June,\" said Capt. Kwame Boateng, the port's harbour master.

He also said the port handled 1.2 million containers in 2024.

Advertisement

CURRENCY UNDER PRESSURE

The cedi has lost 11 percent against the dollar since January, the Bank of Ghana said. It also said inflation reached 23.1 percent in April.

Analysts at Accra-based Sankofa Capital estimate that Ghana owes foreign creditors about US$9.4b.

\"Our port is the best in West Africa,\" Mr. Boateng said.

It remains unclear whether parliament will approve the loan before July.

Will the port be ready in time?

The finance ministry declined to comment on the interest rate.

Read more: Why West African ports are racing to expand

Reporting by Ama Owusu; Editing by Lena Marsh
";

#[test]
fn news_article_claims_claimants_kinds_and_categories() {
    let claims = extract_text(WIRE_ARTICLE, &ExtractConfig::default());
    check_invariants(WIRE_ARTICLE, &claims);
    let expect = [
        (
            "signed a loan of 320 million euros",
            "Ghana's finance ministry",
            ClaimantKind::GovernmentBody,
            Category::Finance,
        ),
        (
            "We repaired 14 cranes last year",
            "Kwame Boateng",
            ClaimantKind::Person,
            Category::Arms,
        ),
        (
            "Another six will be ready by June",
            "Kwame Boateng",
            ClaimantKind::Person,
            Category::Arms,
        ),
        (
            "handled 1.2 million containers",
            "Kwame Boateng",
            ClaimantKind::Person,
            Category::Arms,
        ),
        (
            "lost 11 percent against the dollar",
            "Bank of Ghana",
            ClaimantKind::GovernmentBody,
            Category::Economy,
        ),
        (
            "inflation reached 23.1 percent",
            "Bank of Ghana",
            ClaimantKind::GovernmentBody,
            Category::Economy,
        ),
        (
            "owes foreign creditors about US$9.4b",
            "Sankofa Capital",
            ClaimantKind::Organization,
            Category::Finance,
        ),
    ];
    for (needle, who, kind, cat) in expect {
        let (_, c) = claim(&claims, needle);
        assert_eq!(c.claimant.as_deref(), Some(who), "{needle}");
        assert_eq!(c.claimant_kind, Some(kind), "{needle}");
        assert_eq!(c.category, cat, "{needle}");
    }
    for not in [
        "By Ama Owusu",
        "Dock workers unload",
        "Photo: Coast Wire",
        "Advertisement",
        "CURRENCY UNDER PRESSURE",
        "best in West Africa",
        "It remains unclear",
        "Will the port be ready",
        "declined to comment",
        "Read more:",
        "Editing by",
        "Ghana Signs Port Loan",
        "example.net",
    ] {
        assert!(
            !claims.iter().any(|c| c.text.contains(not)),
            "{not:?} became a claim"
        );
    }
    let (_, debt) = claim(&claims, "US$9.4b");
    match &entity(debt, EntityKind::Money, "about US$9.4b").value {
        Some(NormalizedValue::Money {
            amount, currency, ..
        }) => {
            assert!((amount - 9.4e9).abs() < 1.0);
            assert_eq!(currency, "USD");
        }
        other => panic!("{other:?}"),
    }
    let (_, loan) = claim(&claims, "320 million euros");
    entity(loan, EntityKind::Organization, "Harrow & Vale");
}

#[test]
fn cli_json_carries_the_claimant_kind() {
    let out = run_cli(&["extract", "-"], WIRE_ARTICLE.as_bytes().to_vec());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let claims: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    let loan = claims
        .iter()
        .find(|c| {
            c["text"]
                .as_str()
                .is_some_and(|t| t.contains("320 million euros"))
        })
        .expect("loan claim");
    assert_eq!(loan["claimant"], "Ghana's finance ministry");
    assert_eq!(loan["claimant_kind"], "government_body");
    // No claim comes from the URL and TITLE header lines.
    let body = WIRE_ARTICLE.find("By Ama").unwrap_or(0) as u64;
    assert!(
        claims
            .iter()
            .all(|c| c["start"].as_u64().is_some_and(|s| s >= body))
    );
}
