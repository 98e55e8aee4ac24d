//! Logging in: argon2id password hashes, random session tokens (only their
//! SHA-256 is stored), and a throttle on failed attempts (GB/T 22239
//! 8.1.4.1 b). The web's `CurrentUser` extractor reads the session.

use crate::error::{Error, Result};
use crate::state::AppState;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
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

/// Counts failures per key (a user name, an address) in a sliding window;
/// past `limit` the key is refused until the window has passed.
#[derive(Debug)]
pub struct Throttle {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    pub fn new(limit: u32, window: Duration) -> Self {
        Throttle { limit, window, seen: Mutex::new(HashMap::new()) }
    }

    /// `Err(seconds to wait)` if the key is over its limit.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        match seen.get(key) {
            Some((n, since)) if *n >= self.limit && now.duration_since(*since) < self.window => {
                Err((self.window - now.duration_since(*since)).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    pub fn fail(&self, key: &str) {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 100_000 {
            let window = self.window;
            seen.retain(|_, (_, since)| now.duration_since(*since) < window);
        }
        let entry = seen.entry(key.to_string()).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub fn clear(&self, key: &str) {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

/// Checks a user name and password against the accounts, throttled per
/// user name; a failure is audited (without the password) and answered the
/// same whether the name exists or not.
pub async fn authenticate(st: &AppState, username: &str, password: &str) -> Result<User> {
    let key = username.trim().to_lowercase();
    if let Err(wait_secs) = st.login_throttle.check(&key) {
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
            st.login_throttle.clear(&key);
            Ok(user)
        }
        other => {
            st.login_throttle.fail(&key);
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

    #[test]
    fn throttle_locks_after_the_limit_and_clears() {
        let t = Throttle::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(t.check("u").is_ok());
            t.fail("u");
        }
        assert!(t.check("u").is_err());
        assert!(t.check("other").is_ok());
        t.clear("u");
        assert!(t.check("u").is_ok());
    }
}
