//! Check-worthiness with the sentence encoder: the fast model's score blended with the
//! embedding head ([`crate::checkworthy`]). The encoder runs off the async executor, in
//! batches, and during extraction only on sentences the fast model does not already reject.

use crate::checkworthy::Head;
use crate::embed::{Embedder, ModelError};
use crate::extract::{self, ExtractConfig, ExtractedClaim};

/// Sentences the fast model scores below this are not encoded during extraction: they are
/// never claims whatever the context (the extractor's own evidence floor), and skipping them
/// keeps import fast.
pub const ENCODE_FLOOR: f32 = 0.2;

/// The shipped head when it changes anything (a neutral head needs no encoder).
pub fn trained_head() -> Option<&'static Head> {
    crate::checkworthy::shipped().filter(|h| !h.is_neutral())
}

/// The head and the encoder when both can be used; `None` means the fast model alone.
pub fn blender(embedder: &Embedder) -> Option<&'static Head> {
    trained_head().filter(|_| embedder.is_ready())
}

/// Why the blend is not in use, in one line; `None` when it is.
pub fn unavailable_reason(embedder: &Embedder) -> Option<String> {
    match (crate::checkworthy::shipped(), embedder.state()) {
        (None, _) => Some("the check-worthiness head file is corrupt".into()),
        (Some(_), crate::embed::ModelState::Unavailable(why)) => Some(why),
        (Some(_), crate::embed::ModelState::Ready) => None,
    }
}

/// One score per text, as `claimdesk score` prints them: the blend when the encoder is
/// ready, else the fast model's [`extract::score_sentence`]. Questions and headings keep
/// their caps either way.
pub async fn score_texts(
    embedder: Option<&Embedder>,
    texts: Vec<String>,
) -> Result<Vec<f32>, ModelError> {
    let Some((embedder, head)) = embedder.and_then(|e| blender(e).map(|h| (e, h))) else {
        return Ok(texts.iter().map(|t| extract::score_sentence(t)).collect());
    };
    let fast: Vec<f32> = texts.iter().map(|t| extract::model_score(t)).collect();
    let Some(vectors) = embedder.embed(texts.clone()).await? else {
        return Ok(texts.iter().map(|t| extract::score_sentence(t)).collect());
    };
    Ok(texts
        .iter()
        .zip(fast)
        .zip(vectors)
        .map(|((text, p), v)| extract::adjust(text, head.blend(p, &v), 0.0))
        .collect())
}

/// The extraction settings to run before [`refine_claims`]: a lower threshold, so sentences
/// the blend may still lift to the real threshold come back as candidates.
pub fn candidate_config(head: &Head, config: &ExtractConfig) -> ExtractConfig {
    let floor = head.fast_floor(config.threshold).max(ENCODE_FLOOR);
    ExtractConfig {
        threshold: floor.min(config.threshold),
        ..config.clone()
    }
}

/// Rescores the candidates extracted with [`candidate_config`] by the blend, keeps those at
/// or above `config.threshold`, and links duplicates among the kept ones. Each candidate's
/// score already holds the article's evidence (figures, a named claimant); the blend moves it
/// towards the encoder's judgement, and question, heading and FAQ caps still apply. If the encoder
/// fails, the fast scores decide, as they would without it.
pub async fn refine_claims(
    embedder: &Embedder,
    head: &Head,
    claims: Vec<ExtractedClaim>,
    config: &ExtractConfig,
) -> Vec<ExtractedClaim> {
    let texts: Vec<String> = claims.iter().map(|c| c.text.clone()).collect();
    let vectors = match embedder.embed(texts).await {
        Ok(Some(vectors)) => vectors,
        Ok(None) => return keep_at_threshold(claims, config),
        Err(e) => {
            tracing::warn!("{e}; claims scored by the fast model alone");
            return keep_at_threshold(claims, config);
        }
    };
    let rescored = claims
        .into_iter()
        .zip(vectors)
        .map(|(mut claim, v)| {
            let blended = extract::adjust(&claim.text, head.blend(claim.score, &v), 0.0);
            // A rule's cap (an appended FAQ block) holds whatever the encoder thinks.
            claim.score = claim.score_cap.map_or(blended, |cap| blended.min(cap));
            claim
        })
        .collect();
    keep_at_threshold(rescored, config)
}

/// The claims scoring at or above the threshold, duplicates linked among them.
fn keep_at_threshold(claims: Vec<ExtractedClaim>, config: &ExtractConfig) -> Vec<ExtractedClaim> {
    // Written so a NaN score never yields a claim.
    let mut kept: Vec<ExtractedClaim> = claims
        .into_iter()
        .filter(|c| c.score >= config.threshold)
        .collect();
    let texts: Vec<&str> = kept.iter().map(|c| c.text.as_str()).collect();
    let links = extract::duplicate_links(&texts, config.duplicate_threshold);
    for (claim, link) in kept.iter_mut().zip(links) {
        claim.duplicate_of = link;
    }
    kept
}
