//! Signing in: throttled, timing-safe password checks that end in a new session.

use chrono::{DateTime, Duration, Utc};

use super::password::{self, Check};
use super::secrets::{random_token, token_hash};
use crate::db::sessions::{NewSession, Session};
use crate::db::throttle::{self, Keys, Verdict};
use crate::db::users::User;
use crate::db::{DbConn, DbPool};
use crate::domain::UserId;
use crate::error::AppError;

/// Why a sign-in failed. Unknown users and wrong passwords are deliberately the same.
#[derive(Debug)]
pub enum LoginError {
    BadCredentials,
    Throttled { retry_after_secs: i64 },
    Other(AppError),
}

macro_rules! into_other {
    ($($source:ty),+) => {$(
        impl From<$source> for LoginError {
            fn from(err: $source) -> Self {
                LoginError::Other(err.into())
            }
        }
    )+};
}
into_other!(diesel::result::Error, crate::db::PoolError);

/// A new session: the cookie value (shown once, never stored) and its CSRF token.
pub struct NewLogin {
    pub user: User,
    pub cookie_value: String,
    pub csrf_token: String,
}

/// Attempts are counted per account name and client address (see db::throttle). A name no
/// account can have (too long, odd characters) is counted under its hash, so the key stays short.
fn throttle_keys(username: &str, client: &str) -> Keys {
    let account = if crate::services::accounts::valid_username(username) {
        username.to_lowercase()
    } else {
        let digest = crate::auth::secrets::token_hash(username);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("#{hex}")
    };
    Keys::new(&account, client)
}

/// Checks a username and password and opens a session.
pub async fn sign_in(
    pool: &DbPool,
    username: &str,
    password: &str,
    client: &str,
    session_max: Duration,
    now: DateTime<Utc>,
) -> Result<NewLogin, LoginError> {
    let keys = throttle_keys(username, client);
    // The attempt is counted before the password is checked, so concurrent requests cannot
    // all slip in under the limit. No connection is held while waiting or hashing: a burst
    // of sign-ins must not empty the pool for everyone else.
    let verdict = {
        let mut conn: DbConn = pool.get().await?;
        throttle::reserve(&mut conn, &keys, now).await?
    };
    match verdict {
        Verdict::Refuse { retry_after_secs } => {
            tracing::warn!(user = %username, %client, "login refused: too many failures");
            return Err(LoginError::Throttled { retry_after_secs });
        }
        Verdict::Allow { delay_ms } if delay_ms > 0 => {
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        }
        Verdict::Allow { .. } => {}
    }
    // A name no account can have is not looked up (it could hold a NUL, which the
    // database refuses); the password is still checked against a dummy hash below.
    let user = if crate::services::accounts::valid_username(username) {
        let mut conn: DbConn = pool.get().await?;
        User::by_username(&mut conn, username)
            .await?
            .filter(User::is_active)
    } else {
        None
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let attempt = password.to_owned();
    // Argon2 takes tens of milliseconds of CPU and 19 MiB: off the async workers, a few at once.
    let check = password::off_thread(move || password::verify(&attempt, stored.as_deref()))
        .await
        .map_err(|e| LoginError::Other(AppError::Unexpected(e)))?;
    let mut conn: DbConn = pool.get().await?;
    let user = match (check, user) {
        (Check::Wrong, _) | (_, None) => {
            tracing::warn!(user = %username, %client, "login failed");
            return Err(LoginError::BadCredentials);
        }
        (Check::RightRehashed(new_hash), Some(user)) => {
            User::set_password_hash(&mut conn, UserId(user.id), &new_hash).await?;
            user
        }
        (Check::Right, Some(user)) => user,
    };
    throttle::succeeded(&mut conn, &keys).await?;
    Session::delete_expired(&mut conn, now).await?;
    let cookie_value = random_token();
    let csrf_token = random_token();
    Session::create(
        &mut conn,
        NewSession {
            token_hash: &token_hash(&cookie_value),
            user_id: user.id,
            csrf_token: &csrf_token,
            expires_at: now + session_max,
        },
    )
    .await?;
    tracing::info!(user = %user.username, %client, "login succeeded");
    Ok(NewLogin {
        user,
        cookie_value,
        csrf_token,
    })
}
