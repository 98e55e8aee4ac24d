//! What every handler shares: the store, the keys, the rule set, the
//! calendar (reloaded when another process imports a year) and the
//! throttles (their counts in the database, shared by every server).

use crate::crypto::Keys;
use crate::org::UnitIndex;
use crate::throttle::{LoginGuard, ProxyNet, Throttle};
use std::ops::Deref;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use xinfang_domain::Calendar;
use xinfang_domain::petition::RuleSet;
use xinfang_store::Store;

/// How long the cached unit tree is trusted.
pub const UNITS_TTL: Duration = Duration::from_secs(30);

#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub store: Store,
    pub keys: Keys,
    pub rules: RuleSet,
    calendar: RwLock<(String, Arc<Calendar>)>,
    /// The unit tree, read again when older than [`UNITS_TTL`] or when a
    /// code is not found (units are added by another process, the CLI).
    units: RwLock<(Instant, Arc<UnitIndex>)>,
    /// Failed logins per account and address.
    pub login_guard: LoginGuard,
    /// Failed public look-ups per client address.
    pub lookup_throttle: Throttle,
    /// Wrong phone suffixes per query code, from any address.
    pub code_throttle: Throttle,
    /// Online submissions per client address.
    pub submit_throttle: Throttle,
    pub session_ttl: Duration,
    pub options: Options,
}

/// How a deployment is reached, from the server's flags.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Reverse proxies whose `X-Forwarded-For` names the client
    /// (`--trusted-proxy`).
    pub trusted_proxies: Vec<ProxyNet>,
    /// The address users reach the site at (`--public-url`); when it is
    /// https, cookies are `Secure` and browsers are told to stay on https.
    pub public_url: Option<String>,
    /// How much may be attached, on the staff side and on the portal.
    pub attachments: crate::attachments::AttachmentLimits,
    /// Where attached files are kept outside the database
    /// (`--attachment-dir`); `None`: in the database.
    pub attachment_dir: Option<std::path::PathBuf>,
    /// How messages are sent and when reminders go out.
    pub notices: crate::notices::NoticeConfig,
}

impl Options {
    pub fn https(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
    }
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
        Self::with_options(store, keys, Options::default()).await
    }

    /// As [`AppState::new`], for a deployment reached as `options` say.
    pub async fn with_options(store: Store, keys: Keys, options: Options) -> Result<Self, xinfang_store::StoreError> {
        let revision = store.calendar_revision().await?;
        let calendar = store.load_calendar().await?;
        let units = store.units().await?;
        xinfang_text::warm_up();
        xinfang_text::add_words(units.iter().map(|u| u.name.as_str()));
        // The office's own synonym groups, beside the shipped ones.
        if let Some(own) = store.meta(crate::petitions::search::OWN_SYNONYMS).await?.filter(|o| !o.is_empty()) {
            crate::petitions::search::apply(&own);
        }
        Ok(AppState(Arc::new(Inner {
            store,
            keys,
            rules: RuleSet::national_2022(),
            calendar: RwLock::new((revision, Arc::new(calendar))),
            units: RwLock::new((Instant::now(), Arc::new(UnitIndex::new(units)))),
            login_guard: LoginGuard::default(),
            lookup_throttle: Throttle::new("lookup", 20, Duration::from_secs(10 * 60)),
            code_throttle: Throttle::new("query_code", 10, Duration::from_secs(60 * 60)),
            submit_throttle: Throttle::new("submit", 10, Duration::from_secs(60 * 60)),
            session_ttl: Duration::from_secs(12 * 3600),
            options,
        })))
    }

    /// The calendar in force.
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.read().unwrap_or_else(|p| p.into_inner()).1.clone()
    }

    /// Reads the unit tree again (after a unit is added here).
    pub async fn reload_units(&self) -> Result<Arc<UnitIndex>, xinfang_store::StoreError> {
        let index = Arc::new(UnitIndex::new(self.store.units().await?));
        xinfang_text::add_words(index.all().iter().map(|u| u.name.as_str()));
        *self.units.write().unwrap_or_else(|p| p.into_inner()) = (Instant::now(), index.clone());
        Ok(index)
    }

    async fn units_with(
        &self,
        found: impl Fn(&UnitIndex) -> bool,
    ) -> Result<Arc<UnitIndex>, xinfang_store::StoreError> {
        let (at, index) = self.units.read().unwrap_or_else(|p| p.into_inner()).clone();
        if at.elapsed() < UNITS_TTL && found(&index) {
            return Ok(index);
        }
        self.reload_units().await
    }

    /// The unit tree as cached (no reload): for filters built per request.
    pub fn cached_units(&self) -> Arc<UnitIndex> {
        self.units.read().unwrap_or_else(|p| p.into_inner()).1.clone()
    }

    /// The unit with this code, if there is one.
    pub async fn unit(&self, code: &str) -> Result<Option<xinfang_store::Unit>, xinfang_store::StoreError> {
        Ok(self.units_with(|i| i.code(code).is_some()).await?.code(code).cloned())
    }

    /// The unit with this id, if there is one.
    pub async fn unit_by_id(
        &self,
        id: xinfang_store::UnitId,
    ) -> Result<Option<xinfang_store::Unit>, xinfang_store::StoreError> {
        Ok(self.units_with(|i| i.id(id).is_some()).await?.id(id).cloned())
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

    /// Checks the key against the one the database was first used with
    /// (recording it on first use), then gives the store the audit chain's
    /// key: every line written after this is keyed. Then stores the
    /// built-in calendar if the database has none. Call it before the first
    /// write of a process, as every command that writes does.
    pub async fn use_key(store: &Store, keys: &Keys) -> Result<(), String> {
        match store.meta("key_check").await.map_err(|e| e.to_string())? {
            Some(v) if v == keys.check_value() => {}
            Some(_) => {
                return Err(
                    "加密密钥与数据库不匹配：请使用首次启动时生成的密钥文件（--key-file 或 XINFANG_KEY）".into()
                );
            }
            None => store.set_meta("key_check", keys.check_value()).await.map_err(|e| e.to_string())?,
        }
        check_data_key(store, keys).await?;
        store.set_chain_key(keys.chain_key());
        store.seed_calendar().await.map_err(|e| e.to_string())
    }
}

/// The personal data's key (the master's until the first `key rotate`)
/// against the one the data is under; and no rotation half done, which
/// leaves the data under two keys.
pub async fn check_data_key(store: &Store, keys: &Keys) -> Result<(), String> {
    if store.meta(crate::keyrotate::IN_PROGRESS).await.map_err(|e| e.to_string())?.is_some() {
        return Err(
            "个人信息密钥轮换尚未完成：请先再次运行 xinfang key rotate（用原密钥文件和同一个新密钥文件）".into()
        );
    }
    let expected = store.meta(crate::keyrotate::DATA_CHECK).await.map_err(|e| e.to_string())?;
    let expected = expected.as_deref().unwrap_or(keys.check_value());
    if keys.data_check_value() != expected {
        return Err("密钥文件中的个人信息密钥与数据库不符：密钥已轮换，请使用轮换后的新密钥文件".into());
    }
    Ok(())
}
