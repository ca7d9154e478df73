//! End-to-end tests of claim extraction on the seed article and on fuzzed input.

use claimdesk::extract::{
    Category, Entity, EntityKind, ExtractConfig, ExtractError, ExtractedClaim, InputFormat,
    NormalizedValue, Qualifier, extract_bytes, extract_text, score_sentence, similarity,
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
}
