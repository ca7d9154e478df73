//! Password policy and argon2id hashing (OWASP ASVS 5.0 parameters: m=19456 KiB, t=2, p=1).

use std::sync::{LazyLock, OnceLock};

use tokio::sync::Semaphore;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;
const MEMORY_KIB: u32 = 19_456;
const ITERATIONS: u32 = 2;
const PARALLELISM: u32 = 1;

/// Passwords refused outright because attackers try them first: our own short list, and
/// Openwall's public-domain list of the 3,546 most common passwords (Solar Designer, 2011;
/// `password.lst` as shipped by Debian's `john-data` 1.9.0-2), whose `#!comment:` header
/// lines are not entries. Compared in lower case.
static COMMON: LazyLock<std::collections::HashSet<String>> = LazyLock::new(|| {
    [
        include_str!("../../data/common-passwords.txt"),
        include_str!("../../data/common-passwords-openwall.txt"),
    ]
    .iter()
    .flat_map(|list| list.lines())
    .map(str::trim)
    .filter(|l| !l.is_empty() && !l.starts_with("#!comment:"))
    .map(str::to_lowercase)
    .collect()
});

/// How many hashes may be computed at once in this process. Each takes 19 MiB for its
/// duration, so unbounded, a burst of sign-ins is a burst of memory; beyond the limit they
/// wait in line. Set once at start (`--hash-concurrency`); one per core by default.
static HASHING: OnceLock<Semaphore> = OnceLock::new();

fn hashing() -> &'static Semaphore {
    HASHING.get_or_init(|| Semaphore::new(default_hash_concurrency()))
}

pub fn default_hash_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Sets the limit of concurrent hashes; only the first call has an effect (it is the
/// process's memory budget, not a per-server setting).
pub fn limit_concurrency(n: usize) {
    let _ = HASHING.set(Semaphore::new(n.max(1)));
}

/// Runs a hash or a verification on a blocking thread, at most the limit at once.
pub async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let _permit = hashing()
        .acquire()
        .await
        .map_err(|e| anyhow::anyhow!("hashing queue closed: {e}"))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| anyhow::anyhow!("hashing thread failed: {e}"))
}

fn argon2() -> Argon2<'static> {
    // These constants are valid argon2 parameters; `Params::new` only fails outside its ranges.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Why a new password was refused.
pub fn check_policy(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(format!("use at least {MIN_CHARS} characters"));
    }
    if chars > MAX_CHARS {
        return Err(format!("use at most {MAX_CHARS} characters"));
    }
    if COMMON.contains(password.to_lowercase().as_str()) {
        return Err("this password is among the most commonly used; choose another".into());
    }
    Ok(())
}

fn new_salt() -> anyhow::Result<SaltString> {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))
}

/// Hashes a password. Slow on purpose: call it from a blocking thread.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = new_salt()?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Wrong,
    Right,
    /// Right, and the stored hash uses weaker parameters: store this new hash.
    RightRehashed(String),
}

/// Verifies a password. With no stored hash (unknown user) it verifies against a dummy hash,
/// so unknown users and wrong passwords take the same time.
pub fn verify(password: &str, stored: Option<&str>) -> Check {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash("dummy password for timing").unwrap_or_default());
    let hash_text = stored.unwrap_or(DUMMY.as_str());
    let Ok(parsed) = PasswordHash::new(hash_text) else {
        return Check::Wrong;
    };
    if argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
        || stored.is_none()
    {
        return Check::Wrong;
    }
    if is_weaker(&parsed) {
        match hash(password) {
            Ok(new) => Check::RightRehashed(new),
            Err(_) => Check::Right,
        }
    } else {
        Check::Right
    }
}

fn is_weaker(parsed: &PasswordHash<'_>) -> bool {
    if parsed.algorithm.as_str() != "argon2id" {
        return true;
    }
    match Params::try_from(parsed) {
        Ok(p) => p.m_cost() < MEMORY_KIB || p.t_cost() < ITERATIONS || p.p_cost() < PARALLELISM,
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_policy("short").is_err());
        assert!(check_policy("password").is_err());
        assert!(check_policy("Password1").is_err());
        assert!(check_policy(&"x".repeat(64)).is_ok());
        assert!(check_policy(&"x".repeat(129)).is_err());
        assert!(check_policy("correct horse battery staple").is_ok());
    }

    #[test]
    fn at_least_the_3000_most_common_passwords_are_refused() {
        // ASVS 6.2.4 (checklist row 16).
        assert!(COMMON.len() >= 3_000, "{} entries", COMMON.len());
        assert!(!COMMON.iter().any(|p| p.starts_with("#!")));
        for common in ["trustno1", "sunshine", "iloveyou", "Princess1"] {
            assert!(check_policy(common).is_err(), "{common}");
        }
    }

    #[test]
    fn hash_and_verify() {
        let h = hash("correct horse battery staple").expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(
            verify("correct horse battery staple", Some(&h)),
            Check::Right
        );
        assert_eq!(verify("wrong", Some(&h)), Check::Wrong);
        assert_eq!(verify("anything", None), Check::Wrong);
        assert_eq!(verify("anything", Some("not a hash")), Check::Wrong);
    }

    #[test]
    fn weaker_hashes_are_upgraded() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, None).expect("params"),
        );
        let salt = new_salt().expect("salt");
        let h = weak
            .hash_password(b"correct horse battery staple", &salt)
            .expect("hash")
            .to_string();
        match verify("correct horse battery staple", Some(&h)) {
            Check::RightRehashed(new) => assert!(new.contains("m=19456,t=2,p=1")),
            other => panic!("expected a rehash, got {other:?}"),
        }
    }
}
