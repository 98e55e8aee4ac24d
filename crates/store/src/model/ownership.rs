//! Leaders' case ownership (包案): a matter's attribute.

use crate::ids::UserId;
use chrono::{DateTime, NaiveDate, Utc};

/// An ownership to record.
#[derive(Debug, Clone)]
pub struct NewOwnership {
    pub module: String,
    pub record_id: i64,
    pub leader_id: UserId,
    pub goal: String,
    pub target_date: NaiveDate,
    pub taken_by: Option<UserId>,
    /// The matter's number, for the audit line.
    pub object: String,
}

/// An ownership as read, with its matter's number and subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnershipRow {
    pub id: i64,
    pub module: String,
    pub record_id: i64,
    pub leader_id: UserId,
    pub leader: String,
    pub goal: String,
    pub target_date: NaiveDate,
    pub state: String,
    pub outcome: String,
    pub taken_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The matter's number and title (a petition's subject, a dispute's
    /// summary).
    pub case_no: String,
    pub title: String,
}
