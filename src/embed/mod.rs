//! Sentence embeddings in process: all-MiniLM-L6-v2 (a 6-layer BERT, 384 dimensions) run with
//! candle, mean-pooled over real tokens and L2-normalised, so a dot product is the cosine.
//!
//! The weights come only from a pinned registry package (see [`install`]); every file is
//! checked against its SHA-256 before use. When the model cannot be had, [`Embedder`] says
//! why and callers rank lexically.

pub mod index;
pub mod install;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use sha2::{Digest, Sha256};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// Dimensions of one embedding.
pub const DIMENSIONS: usize = 384;
/// The id stored beside every embedding: a change of weights makes stored vectors stale.
pub const MODEL_ID: &str = "all-MiniLM-L6-v2@53aa5117";
/// Longest input in word pieces; the model was trained on up to 256.
pub const MAX_TOKENS: usize = 256;
/// Texts encoded in one forward pass.
pub const BATCH: usize = 32;
/// Most texts encoded per turn of the process's encoder (about a second on two cores).
pub const TEXTS_PER_TURN: usize = 128;
/// Most threads one call to [`Encoder::encode`] uses (the machine's cores, at most this).
pub const ENCODE_THREADS: usize = 2;

/// Vectors with the positions of their texts in the caller's list.
type Positioned = Vec<(usize, Vec<f32>)>;

fn encode_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(ENCODE_THREADS)
}

/// The files used, each with the SHA-256 of the copy in the pinned package.
pub const FILES: [(&str, &str); 4] = [
    (
        "model.safetensors",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ),
    (
        "tokenizer.json",
        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    ),
    (
        "vocab.txt",
        "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    ),
    (
        "config.json",
        "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    ),
];

/// Why the model is not available, in one line.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ModelError {
    #[error("model file {} is missing", .0.display())]
    Missing(PathBuf),
    #[error(
        "model file {} does not match its pinned SHA-256 (expected {expected}, found {found}); refusing to use it",
        path.display()
    )]
    HashMismatch {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("model could not be installed: {0}")]
    Install(String),
    #[error("model could not be loaded: {0}")]
    Load(String),
    #[error("the model could not encode the text: {0}")]
    Encode(String),
}

/// Checks every pinned file in `dir` and returns the first problem.
pub fn verify(dir: &Path) -> Result<(), ModelError> {
    for (name, expected) in FILES {
        check_file(&dir.join(name), expected)?;
    }
    Ok(())
}

fn check_file(path: &Path, expected: &str) -> Result<(), ModelError> {
    let found = sha256_file(path).map_err(|_| ModelError::Missing(path.to_owned()))?;
    if found != expected {
        return Err(ModelError::HashMismatch {
            path: path.to_owned(),
            expected: expected.into(),
            found,
        });
    }
    Ok(())
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hash = Sha256::new();
    std::io::copy(&mut file, &mut hash)?;
    Ok(hex::encode(hash.finalize()))
}

/// The loaded model and its tokenizer. Encoding is CPU work: call it off the async executor.
pub struct Encoder {
    model: BertModel,
    tokenizer: Tokenizer,
}

impl Encoder {
    /// Verifies and loads the files in `dir`.
    pub fn load(dir: &Path) -> Result<Encoder, ModelError> {
        // The weights are hashed below, once, from the bytes that are used.
        for (name, expected) in &FILES[1..] {
            check_file(&dir.join(name), expected)?;
        }
        let load = |e: &dyn std::fmt::Display| ModelError::Load(e.to_string());
        let config: Config =
            serde_json::from_slice(&std::fs::read(dir.join("config.json")).map_err(|e| load(&e))?)
                .map_err(|e| load(&e))?;
        let mut tokenizer =
            Tokenizer::from_file(dir.join("tokenizer.json")).map_err(|e| load(&e))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..PaddingParams::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| load(&e))?;
        // The weights are read into memory rather than mapped, so a file changed after the
        // hash check cannot change what runs.
        let weights = std::fs::read(dir.join("model.safetensors"))
            .map_err(|_| ModelError::Missing(dir.join("model.safetensors")))?;
        let found = hex::encode(Sha256::digest(&weights));
        if found != FILES[0].1 {
            return Err(ModelError::HashMismatch {
                path: dir.join("model.safetensors"),
                expected: FILES[0].1.into(),
                found,
            });
        }
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|e| load(&e))?;
        let model = BertModel::load(vb, &config).map_err(|e| load(&e))?;
        Ok(Encoder { model, tokenizer })
    }

    /// Embeds texts, [`BATCH`] at a time: one unit vector of [`DIMENSIONS`] per text, in order.
    /// Batches are shared out between up to [`ENCODE_THREADS`] threads.
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
        // Batches of similar length: a batch is padded to its longest text, and padding is
        // computed like any other token.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        // A few texts (one article's claims) still make one batch per thread.
        let size = BATCH.min(texts.len().div_ceil(encode_threads())).max(1);
        let batches: &[&[usize]] = &order.chunks(size).collect::<Vec<_>>();
        let threads = encode_threads().min(batches.len()).max(1);
        // The model's matrices are small enough that one batch keeps about one core busy, so
        // separate batches on separate threads is where a second core helps (1.7x, measured).
        let parts: Vec<Result<Positioned, ModelError>> = if threads == 1 {
            vec![self.encode_share(texts, batches, 0, 1)]
        } else {
            std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads)
                    .map(|t| scope.spawn(move || self.encode_share(texts, batches, t, threads)))
                    .collect();
                workers
                    .into_iter()
                    .map(|w| {
                        w.join().unwrap_or_else(|_| {
                            Err(ModelError::Encode("an encoder thread panicked".into()))
                        })
                    })
                    .collect()
            })
        };
        let mut out = vec![Vec::new(); texts.len()];
        for part in parts {
            for (i, vector) in part? {
                out[i] = vector;
            }
        }
        Ok(out)
    }

    /// Every `threads`-th batch from the `share`-th: each text's position and its vector.
    fn encode_share(
        &self,
        texts: &[&str],
        batches: &[&[usize]],
        share: usize,
        threads: usize,
    ) -> Result<Positioned, ModelError> {
        let mut done = Vec::new();
        for chunk in batches.iter().skip(share).step_by(threads) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            done.extend(chunk.iter().copied().zip(self.encode_batch(&batch)?));
        }
        Ok(done)
    }

    fn encode_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
        let err = |e: &dyn std::fmt::Display| ModelError::Encode(e.to_string());
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| err(&e))?;
        let rows = encodings.len();
        let width = encodings.first().map_or(0, |e| e.get_ids().len());
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for e in &encodings {
            ids.extend(e.get_ids().iter().map(|&i| i as i64));
            mask.extend(e.get_attention_mask().iter().map(|&m| m as i64));
        }
        let device = Device::Cpu;
        let ids = Tensor::from_vec(ids, (rows, width), &device).map_err(|e| err(&e))?;
        let mask = Tensor::from_vec(mask, (rows, width), &device).map_err(|e| err(&e))?;
        let types = ids.zeros_like().map_err(|e| err(&e))?;
        let hidden = self
            .model
            .forward(&ids, &types, Some(&mask))
            .map_err(|e| err(&e))?;
        let pooled = mean_pool(&hidden, &mask).map_err(|e| err(&e))?;
        let mut vectors: Vec<Vec<f32>> = pooled.to_vec2().map_err(|e| err(&e))?;
        for v in &mut vectors {
            normalise(v);
        }
        Ok(vectors)
    }
}

/// Mean of the token vectors where the mask is 1 (padding does not dilute short texts).
fn mean_pool(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    let counts = mask.sum(1)?.clamp(1e-9, f32::MAX)?;
    summed.broadcast_div(&counts)
}

/// Scales a vector to unit length (a zero vector stays zero).
pub fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// Cosine of two unit vectors (their dot product); 0 when the lengths differ.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The model as a service: loaded at most once per process, shared by every request, with
/// bounded concurrency so encoding never takes every core from the web workers.
pub struct Embedder {
    state: Result<Arc<Encoder>, ModelError>,
    permits: tokio::sync::Semaphore,
}

/// What `/readyz` and the logs say about the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelState {
    Ready,
    Unavailable(String),
}

impl Embedder {
    /// Loads the model from `dir`, installing it first when `install` is set and files are
    /// missing. Failure is kept, not raised: the embedder then reports it and callers fall
    /// back to lexical ranking.
    pub fn open(dir: &Path, install: bool) -> Embedder {
        let state = (|| {
            if install && !dir.join(FILES[0].0).exists() {
                install::install(dir)?;
            }
            Encoder::load(dir)
        })()
        .map(Arc::new);
        if let Err(e) = &state {
            tracing::warn!("{e}; matching falls back to lexical ranking");
        }
        Embedder {
            state,
            permits: tokio::sync::Semaphore::new(1),
        }
    }

    pub fn state(&self) -> ModelState {
        match &self.state {
            Ok(_) => ModelState::Ready,
            Err(e) => ModelState::Unavailable(e.to_string()),
        }
    }

    pub fn is_ready(&self) -> bool {
        self.state.is_ok()
    }

    /// Embeds texts on blocking threads, one model call at a time per process. `None` when
    /// the model is unavailable. Many texts are sorted by length once (less padding), then
    /// encoded [`TEXTS_PER_TURN`] at a time, each turn waiting its place: a match request's one
    /// text waits for a turn, not for a whole import.
    pub async fn embed(&self, texts: Vec<String>) -> Result<Option<Vec<Vec<f32>>>, ModelError> {
        let Ok(encoder) = &self.state else {
            return Ok(None);
        };
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        let texts: Arc<Vec<String>> = Arc::new(texts);
        let mut out = vec![Vec::new(); texts.len()];
        for turn in order.chunks(TEXTS_PER_TURN) {
            let _permit = self
                .permits
                .acquire()
                .await
                .map_err(|e| ModelError::Encode(e.to_string()))?;
            let (encoder, all, turn_ids) = (Arc::clone(encoder), Arc::clone(&texts), turn.to_vec());
            let vectors = tokio::task::spawn_blocking(move || {
                let refs: Vec<&str> = turn_ids.iter().map(|&i| all[i].as_str()).collect();
                encoder.encode(&refs)
            })
            .await
            .map_err(|e| ModelError::Encode(e.to_string()))??;
            for (&i, vector) in turn.iter().zip(vectors) {
                out[i] = vector;
            }
        }
        Ok(Some(out))
    }

    /// Embeds one text; `None` when the model is unavailable.
    pub async fn embed_one(&self, text: &str) -> Result<Option<Vec<f32>>, ModelError> {
        Ok(self
            .embed(vec![text.to_owned()])
            .await?
            .and_then(|mut v| v.pop()))
    }
}

/// Where the model lives: `CLAIMDESK_MODEL_DIR`, or `var/models/all-MiniLM-L6-v2` under the
/// working directory (claimdesk's data directory, beside its private database).
pub fn model_dir() -> PathBuf {
    std::env::var_os("CLAIMDESK_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("var/models/all-MiniLM-L6-v2"))
}

static SHARED: OnceLock<Embedder> = OnceLock::new();

/// The process's embedder if something has opened it already; never opens it.
pub fn loaded() -> Option<&'static Embedder> {
    SHARED.get()
}

/// The process's embedder: opened on first use (installing the model if it is missing and
/// `CLAIMDESK_MODEL_INSTALL` is not `0`), then shared. Opening reads ~90 MB: call from a
/// blocking context or through [`shared_async`].
pub fn shared() -> &'static Embedder {
    SHARED.get_or_init(|| {
        let install = std::env::var("CLAIMDESK_MODEL_INSTALL").map_or(true, |v| v != "0");
        Embedder::open(&model_dir(), install)
    })
}

/// [`shared`] without blocking the async executor on the first load.
pub async fn shared_async() -> &'static Embedder {
    match tokio::task::spawn_blocking(shared).await {
        Ok(embedder) => embedder,
        // The loader cannot panic on input; if the thread died, try inline.
        Err(_) => shared(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_unit_vectors() {
        let mut a = vec![3.0, 4.0];
        normalise(&mut a);
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&a, &[1.0]), 0.0);
        let mut zero = vec![0.0, 0.0];
        normalise(&mut zero);
        assert_eq!(zero, vec![0.0, 0.0]);
    }

    #[test]
    fn missing_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = verify(dir.path()).unwrap_err();
        assert!(err.to_string().contains("model.safetensors"), "{err}");
    }
}
