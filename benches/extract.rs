//! Throughput of claim extraction over a generated ≥10 MB news corpus.

use std::hint::black_box;
use std::time::Duration;

use claimdesk::extract::{ExtractConfig, extract_text, score_sentence};
use criterion::{Criterion, Throughput, criterion_group};
use sha2::{Digest, Sha256};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/seeds/000_e58c59db4a0c293f.txt"
);
const TARGET_BYTES: usize = 10 * 1024 * 1024 + 1;

/// Small deterministic generator so the corpus is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs.get(self.next() as usize % xs.len())
            .copied()
            .unwrap_or("")
    }
}

fn generated_sentence(r: &mut Lcg) -> String {
    let who = [
        "Moscow",
        "The Kremlin",
        "Washington",
        "Caracas",
        "Gazprom",
        "The defense ministry",
    ];
    let verb = [
        "delivered",
        "lent",
        "pledged",
        "exported",
        "transferred",
        "announced",
    ];
    let what = [
        "S-400 air-defense systems",
        "billions of dollars in loans",
        "two million barrels of oil",
        "Su-30MK2 fighter jets",
        "troops to the border",
        "a new trade agreement",
    ];
    let when = [
        "in 2013",
        "in late 2025",
        "in February 2022",
        "last year",
        "in early 2019",
    ];
    let tail = [
        ", officials said.",
        ".",
        ", according to Reuters.",
        ", wrote Oleg Deripaska on Telegram.",
        "?",
    ];
    let mut s = format!(
        "{} {} {} {}{}",
        r.pick(&who),
        r.pick(&verb),
        r.pick(&what),
        r.pick(&when),
        r.pick(&tail)
    );
    if r.next().is_multiple_of(4) {
        s = format!(
            "“{s}” {} said.",
            r.pick(&["Lavrov", "Fyodor Lukyanov", "she"])
        );
    }
    s
}

/// Articles of roughly seed size: the seed (when present) with its figures
/// varied, interleaved with generated paragraphs.
fn corpus(target_bytes: usize) -> Vec<String> {
    let seed = std::fs::read_to_string(SEED).unwrap_or_default();
    let mut r = Lcg(42);
    let mut docs = Vec::new();
    let mut total = 0;
    while total < target_bytes {
        let mut doc = seed.replace("2013", &format!("{}", 1990 + r.next() % 35));
        for _ in 0..8 {
            let para: Vec<String> = (0..5).map(|_| generated_sentence(&mut r)).collect();
            doc.push('\n');
            doc.push_str(&para.join(" "));
        }
        total += doc.len();
        docs.push(doc);
    }
    docs
}

fn bench(c: &mut Criterion) {
    let docs = corpus(TARGET_BYTES);
    let bytes: usize = docs.iter().map(String::len).sum();
    let cfg = ExtractConfig::default();

    let mut g = c.benchmark_group("extract");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(15));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("extract_text_10MB", |b| {
        b.iter(|| {
            let n: usize = docs
                .iter()
                .map(|d| extract_text(black_box(d), &cfg).len())
                .sum();
            black_box(n)
        })
    });
    g.finish();

    let sentences: Vec<String> = {
        let mut r = Lcg(7);
        (0..20_000).map(|_| generated_sentence(&mut r)).collect()
    };
    let mut g = c.benchmark_group("score");
    g.sample_size(10);
    g.throughput(Throughput::Elements(sentences.len() as u64));
    g.bench_function("score_sentence_20k", |b| {
        b.iter(|| {
            let s: f32 = sentences.iter().map(|t| score_sentence(black_box(t))).sum();
            black_box(s)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);

/// `EXTRACT_PROFILE_BYTES=N cargo bench --bench extract` extracts an N-byte
/// corpus once and exits, without criterion's repetitions, so the run can
/// be wrapped in callgrind or `perf record` for a repeatable profile.
fn main() {
    if let Some(n) = std::env::var("EXTRACT_PROFILE_BYTES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let docs = corpus(n);
        let cfg = ExtractConfig::default();
        // With EXTRACT_PROFILE_DIGEST set, every claim is also serialised and hashed, so two
        // builds can be shown to produce the same output on the whole corpus.
        let digest = std::env::var_os("EXTRACT_PROFILE_DIGEST").is_some();
        let mut hasher = Sha256::new();
        let mut claims = 0;
        for d in &docs {
            let found = extract_text(d, &cfg);
            claims += found.len();
            if digest {
                hasher.update(serde_json::to_vec(&found).unwrap_or_default());
            }
        }
        let bytes: usize = docs.iter().map(String::len).sum();
        if digest {
            let sum: String = hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            println!("{bytes} bytes, {claims} claims, sha256 of the claims' JSON {sum}");
        } else {
            println!("{bytes} bytes, {claims} claims");
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
