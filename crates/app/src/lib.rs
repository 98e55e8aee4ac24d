//! The commands of xinfang: a service function per action. Each checks the
//! rule in `xinfang_domain`, writes through `xinfang_store` in one
//! transaction, and answers with its own [`Error`] (no HTTP): the web
//! handlers, the CLI and the background jobs call the same functions, so no
//! rule is written twice.
//!
//! The kernel every module shares: [`state`] (the store, keys, rule set,
//! calendar and unit tree one deployment holds), [`auth`] (passwords,
//! sessions), [`throttle`] (failed logins and look-ups, client addresses),
//! [`crypto`] (personal numbers), [`anchor`] (audit checkpoints), [`org`]
//! (units and accounts), [`calendar`], [`subject`] (references between
//! records, checked against the viewer), [`attachments`], [`notices`]
//! (messages to people) and [`jobs`] (background work, once across servers). One folder or file per module:
//! [`petitions`], [`disputes`].

pub mod anchor;
pub mod attachments;
pub mod auth;
pub mod calendar;
pub mod crypto;
pub mod disputes;
pub mod error;
pub mod jobs;
pub mod keyrotate;
pub mod notices;
pub mod org;
pub mod ownership;
pub mod petitions;
pub mod state;
pub mod subject;
pub mod throttle;

pub use error::{Error, Result};
pub use state::AppState;

use chrono::{NaiveDate, Utc};

/// Today in China Standard Time (UTC+8, no daylight saving).
pub fn today() -> NaiveDate {
    china_date(Utc::now())
}

/// An instant as a clock in China Standard Time reads it.
pub fn china_time(at: chrono::DateTime<Utc>) -> chrono::NaiveDateTime {
    (at + chrono::Duration::hours(8)).naive_utc()
}

/// The day an instant falls on in China Standard Time.
pub fn china_date(at: chrono::DateTime<Utc>) -> NaiveDate {
    china_time(at).date()
}
