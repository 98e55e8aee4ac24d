//! The SQL of the store, written once and compiled twice: `sqlite/mod.rs`
//! and `postgres/mod.rs` each declare this module tree (`#[path]`) after
//! defining their dialect: `Db` (the sqlx database), `Backend { write,
//! read }`, `MIGRATIONS`, `BEGIN_WRITE` and the few pieces whose SQL
//! differs (placeholders, multi-row inserts, search). Queries use `$1`
//! placeholders and types both engines share, so the same text runs on
//! both; the schema differences live in each `migrations/`.
//!
//! One file per concern of the kernel ([`org`], [`calendar`], [`audit`],
//! [`meta`], [`attachments`], [`outbox`], [`throttle`]), the group-commit batch ([`batch`]) and bulk loads ([`load`]);
//! one folder or file per module ([`petitions`], [`disputes`]). Each adds its `impl Backend`
//! block; `lib.rs` forwards them to `Store`.

mod attachments;
mod audit;
mod batch;
mod calendar;
mod disputes;
mod idempotency;
mod load;
mod meta;
mod org;
mod outbox;
mod ownership;
mod petitions;
mod query;
mod throttle;

pub(crate) use attachments::*;
pub(crate) use audit::*;
pub(crate) use batch::*;
pub(crate) use load::*;
pub(crate) use org::*;
pub(crate) use outbox::*;
pub(crate) use petitions::*;
pub(crate) use query::*;

use super::{
    BAND_INSERT, BANDS_LAST, BEGIN_WRITE, Backend, Db, DbRow, MIGRATIONS, NAME_ORDERED, SEARCH_INSERT, TEXT_KEY,
    TEXT_ORDER, TEXT_WINDOWS, band_rows, push_band_lookup, push_placeholder, push_text_match, search_row,
    set_aside_sql,
};
use crate::ids::{PetitionId, UnitId, UserId};
use crate::model::*;
use crate::{Result, StoreError, seal};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sqlx::Row;
use xinfang_domain::calendar::SpecialDay;
use xinfang_domain::petition::{Channel, ClockName, PetitionClass, PetitionStatus};
use xinfang_domain::{Deadline, Role, UnitKind};
