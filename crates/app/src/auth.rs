//! Logging in: argon2id password hashes, random session tokens (only their
//! SHA-256 is stored), and a throttle on failed attempts (GB/T 22239
//! 8.1.4.1 b). The web's `CurrentUser` extractor reads the session.

use crate::error::{Error, Result};
use crate::state::AppState;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use xinfang_store::{AuditEntry, User};

/// Shortest password accepted for a new account.
pub const MIN_PASSWORD_CHARS: usize = 8;

pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|_| Error::Internal)?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| Error::Internal)?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|_| Error::Internal)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the user does not exist, so that an
/// unknown name takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default())
}

/// Checks a new password against the policy.
pub fn check_password_policy(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(format!("密码至少 {MIN_PASSWORD_CHARS} 位"));
    }
    if n > 256 {
        return Err("密码过长".into());
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|x| **x).count() < 2 {
        return Err("密码须包含字母、数字、符号中的至少两类".into());
    }
    Ok(())
}

/// A new session token (64 hex characters) and the hash that is stored.
pub fn new_token() -> Result<(String, String)> {
    let mut raw = [0u8; 32];
    getrandom::getrandom(&mut raw).map_err(|_| Error::Internal)?;
    let token = hex::encode(raw);
    let hash = token_hash(&token);
    Ok((token, hash))
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks a user name and password against the accounts, from the client
/// at `client`. Failures are counted per account *and* address, with
/// growing locks (see [`crate::throttle::LoginGuard`]), so a stranger
/// elsewhere cannot lock a clerk out; a failure is audited (without the
/// password) and answered the same whether the name exists or not.
pub async fn authenticate(st: &AppState, client: &str, username: &str, password: &str) -> Result<User> {
    let key = username.trim().to_lowercase();
    if let Err(wait_secs) = st.login_guard.check(&st.store, &key, client).await? {
        return Err(Error::TooMany { wait_secs });
    }
    let found = st.store.user_for_login(username.trim()).await?;
    let ok = match &found {
        Some((user, hash)) => verify_password(password, hash) && !user.disabled,
        None => {
            verify_password(password, dummy_hash());
            false
        }
    };
    match found {
        Some((user, _)) if ok => {
            st.login_guard.succeed(&st.store, &key, client).await?;
            Ok(user)
        }
        other => {
            st.login_guard.fail(&st.store, &key, client).await?;
            st.store
                .audit(&AuditEntry {
                    user_id: other.map(|(u, _)| u.id),
                    action: "session.login".into(),
                    object: String::new(),
                    success: false,
                    detail: String::new(),
                })
                .await?;
            Err(Error::BadCredentials)
        }
    }
}

/// The login locks in force (on every server), for an administrator.
pub async fn login_locks(st: &AppState, admin: &User) -> Result<Vec<crate::throttle::LoginLock>> {
    require_admin(admin)?;
    Ok(st.login_guard.locks(&st.store).await?)
}

/// Lifts every login lock on `username` (an administrator's act, audited);
/// how many were lifted.
pub async fn lift_login_lock(st: &AppState, admin: &User, username: &str) -> Result<usize> {
    require_admin(admin)?;
    let key = username.trim().to_lowercase();
    let n = st.login_guard.lift(&st.store, &key).await?;
    st.store
        .audit(&AuditEntry {
            user_id: Some(admin.id),
            action: "session.unlock".into(),
            object: key,
            success: true,
            detail: format!("{n}"),
        })
        .await?;
    Ok(n)
}

fn require_admin(user: &User) -> Result<()> {
    if user.role == xinfang_domain::Role::Admin {
        Ok(())
    } else {
        Err(Error::Forbidden("只有系统管理员可以查看和解除登录锁定".into()))
    }
}

/// Opens a session for `user`: (the token to give them, when it expires).
pub async fn start_session(st: &AppState, user: &User) -> Result<(String, chrono::DateTime<chrono::Utc>)> {
    let (token, hash) = new_token()?;
    let ttl = chrono::Duration::from_std(st.session_ttl).map_err(|_| Error::Internal)?;
    let expires = chrono::Utc::now() + ttl;
    st.store.create_session(&hash, user.id, expires).await?;
    Ok((token, expires))
}

/// The user of a session token, if the session is open.
pub async fn session_user(st: &AppState, token: &str) -> Result<Option<User>> {
    Ok(st.store.session_user(&token_hash(token), chrono::Utc::now()).await?)
}

/// Ends the session of a token (logging out).
pub async fn end_session(st: &AppState, token: &str) -> Result<()> {
    Ok(st.store.delete_session(&token_hash(token)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("Correct-horse-9").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Correct-horse-9", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn policy() {
        assert!(check_password_policy("short1").is_err());
        assert!(check_password_policy("alllowercase").is_err());
        assert!(check_password_policy("lower-and-symbol").is_ok());
    }
}
