//! Lines of the hash-chained audit log.

use crate::ids::UserId;

/// A line to add to the audit log.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub user_id: Option<UserId>,
    pub action: String,
    pub object: String,
    pub success: bool,
    pub detail: String,
}

/// A line of the audit log as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub at_us: i64,
    pub user_id: Option<i64>,
    pub action: String,
    pub object: String,
    pub success: bool,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}
