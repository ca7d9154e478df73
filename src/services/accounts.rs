//! Account operations shared by the CLI and the admin page: create users, set passwords, issue tokens.

use diesel_async::AsyncPgConnection;

use crate::auth::{password, secrets};
use crate::db::tokens::{ApiToken, NewApiToken};
use crate::db::users::{NewUser, User};
use crate::domain::{Role, UserId};
use crate::error::AppError;

pub(crate) fn valid_username(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

async fn hash_off_thread(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    password::off_thread(move || password::hash(&password))
        .await
        .and_then(|hashed| hashed)
        .map_err(AppError::Unexpected)
}

pub async fn create_user(
    conn: &mut AsyncPgConnection,
    username: &str,
    role: Role,
    password: &str,
) -> Result<User, AppError> {
    let username = username.trim();
    if !valid_username(username) {
        return Err(AppError::Validation(
            "a username is 1–64 letters, digits, '.', '_' or '-'".into(),
        ));
    }
    password::check_policy(password).map_err(|e| AppError::Validation(format!("password: {e}")))?;
    if User::by_username(conn, username).await?.is_some() {
        return Err(AppError::Conflict {
            message: format!("the username {username} is taken"),
            current: None,
        });
    }
    let hash = hash_off_thread(password).await?;
    Ok(User::create(
        conn,
        NewUser {
            username,
            password_hash: &hash,
            role,
        },
    )
    .await?)
}

pub async fn set_password(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    password: &str,
) -> Result<(), AppError> {
    password::check_policy(password).map_err(|e| AppError::Validation(format!("password: {e}")))?;
    let hash = hash_off_thread(password).await?;
    // A new password ends every session opened with the old one.
    use diesel_async::AsyncConnection;
    let changed = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            let changed = User::set_password_hash(conn, user_id, &hash).await?;
            User::end_sessions(conn, user_id).await?;
            Ok(changed)
        })
        .await?;
    match changed {
        0 => Err(AppError::NotFound("user")),
        _ => Ok(()),
    }
}

/// Issues an API token for `owner` and returns it; only its hash is stored.
pub async fn create_token(
    conn: &mut AsyncPgConnection,
    owner: &User,
    created_by: Option<UserId>,
    label: &str,
) -> Result<String, AppError> {
    if !owner.is_active() {
        return Err(AppError::Validation(format!(
            "{} is disabled",
            owner.username
        )));
    }
    let token = secrets::new_api_token();
    ApiToken::create(
        conn,
        NewApiToken {
            token_hash: &secrets::token_hash(&token),
            user_id: owner.id,
            label,
            created_by: created_by.map(|id| id.0),
        },
    )
    .await?;
    Ok(token)
}
