//! What every handler shares: the store, the keys, the rule set, the
//! calendar (reloaded when another process imports a year) and the throttles.

use crate::auth::Throttle;
use crate::crypto::Keys;
use std::ops::Deref;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use xinfang_domain::{Calendar, RuleSet};
use xinfang_store::Store;

#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub store: Store,
    pub keys: Keys,
    pub rules: RuleSet,
    calendar: RwLock<(String, Arc<Calendar>)>,
    /// Failed logins per user name.
    pub login_throttle: Throttle,
    /// Failed public look-ups per client address.
    pub lookup_throttle: Throttle,
    pub session_ttl: Duration,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Builds the state, loading the calendar from the store.
    pub async fn new(store: Store, keys: Keys) -> Result<Self, xinfang_store::StoreError> {
        let revision = store.calendar_revision().await?;
        let calendar = store.load_calendar().await?;
        Ok(AppState(Arc::new(Inner {
            store,
            keys,
            rules: RuleSet::national_2022(),
            calendar: RwLock::new((revision, Arc::new(calendar))),
            login_throttle: Throttle::new(5, Duration::from_secs(15 * 60)),
            lookup_throttle: Throttle::new(20, Duration::from_secs(10 * 60)),
            session_ttl: Duration::from_secs(12 * 3600),
        })))
    }

    /// The calendar in force.
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.read().unwrap_or_else(|p| p.into_inner()).1.clone()
    }

    /// Reloads the calendar if the stored one changed; true if it did.
    pub async fn refresh_calendar(&self) -> Result<bool, xinfang_store::StoreError> {
        let revision = self.store.calendar_revision().await?;
        if self.calendar.read().unwrap_or_else(|p| p.into_inner()).0 == revision {
            return Ok(false);
        }
        let cal = Arc::new(self.store.load_calendar().await?);
        *self.calendar.write().unwrap_or_else(|p| p.into_inner()) = (revision, cal);
        Ok(true)
    }

    /// Checks the key against the one the database was first used with,
    /// recording it on first use.
    pub async fn check_key(store: &Store, keys: &Keys) -> Result<(), String> {
        match store.meta("key_check").await.map_err(|e| e.to_string())? {
            Some(v) if v == keys.check_value() => Ok(()),
            Some(_) => {
                Err("加密密钥与数据库不匹配：请使用首次启动时生成的密钥文件（--key-file 或 XINFANG_KEY）".into())
            }
            None => store.set_meta("key_check", keys.check_value()).await.map_err(|e| e.to_string()),
        }
    }
}
