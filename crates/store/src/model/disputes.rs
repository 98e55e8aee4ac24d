//! The disputes module's rows (矛盾纠纷): what registration and steps
//! write, and what the ledger and the dispute page read.

use super::{EventRecord, Sealed, Unit};
use crate::ids::UserId;
use chrono::{DateTime, NaiveDate, Utc};

/// A party as stored: ID and phone numbers sealed as petitioners' are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyRecord {
    pub seq: i64,
    pub role: String,
    pub kind: String,
    pub name: String,
    pub address: String,
    pub phone: Option<Sealed>,
    pub id_number: Option<Sealed>,
}

/// A new dispute with everything its first transaction writes.
#[derive(Debug, Clone)]
pub struct NewDisputeRecord {
    pub unit_id: crate::UnitId,
    pub source: String,
    pub petition_id: Option<i64>,
    pub found_on: NaiveDate,
    pub category: String,
    pub place: String,
    pub summary: String,
    pub claims: String,
    pub people_involved: Option<i64>,
    pub amount_fen: Option<i64>,
    pub risk: String,
    pub risk_reason: String,
    pub status: String,
    /// The state (JSON) after registration.
    pub state: String,
    pub parties: Vec<PartyRecord>,
    /// The register step.
    pub event: EventRecord,
    pub registered_by: Option<UserId>,
}

/// A dispute as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeRow {
    pub id: i64,
    pub case_no: String,
    pub unit: Unit,
    pub responsible_unit: Option<Unit>,
    pub source: String,
    pub petition_id: Option<i64>,
    pub found_on: NaiveDate,
    pub category: String,
    pub place: String,
    pub summary: String,
    pub claims: String,
    pub people_involved: Option<i64>,
    pub amount_fen: Option<i64>,
    pub risk: String,
    pub risk_reason: String,
    pub status: String,
    pub state: String,
    pub resolve_by: Option<NaiveDate>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A step to append, if the dispute has not moved since it was read.
#[derive(Debug, Clone)]
pub struct DisputeAppend {
    pub id: i64,
    pub expected_version: i64,
    pub status: String,
    pub state: String,
    pub resolve_by: Option<NaiveDate>,
    pub responsible_unit_id: Option<crate::UnitId>,
    pub event: EventRecord,
}

/// Which disputes a ledger lists.
#[derive(Debug, Clone, Default)]
pub struct DisputeFilter {
    pub status: Option<String>,
    pub risk: Option<String>,
    pub category: Option<String>,
    /// Open disputes whose resolution deadline is before this day.
    pub overdue_on: Option<NaiveDate>,
    /// Only those still open (not resolved, referred, terminated, closed).
    pub open: bool,
    /// Only those sent from this petition (条例 Art. 33).
    pub petition_id: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// A ledger line: the first party's name and masked phone beside the
/// matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeLine {
    pub id: i64,
    pub case_no: String,
    pub found_on: NaiveDate,
    pub category: String,
    pub place: String,
    pub summary: String,
    pub risk: String,
    pub status: String,
    pub unit_name: String,
    pub responsible_unit_name: Option<String>,
    pub resolve_by: Option<NaiveDate>,
    pub parties: String,
    /// The leader who owns it now (包案), if any.
    pub leader: Option<String>,
    /// The state (JSON): the responsible person, the mediation, the dates.
    pub state: String,
}
