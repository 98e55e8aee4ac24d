//! Attachments (附件) of any record ([`crate::Store::add_attachments`]).

use crate::ids::UserId;
use chrono::{DateTime, Utc};

/// A file to attach: its name, media type (sniffed from the content),
/// SHA-256 (hex) and bytes.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
    /// The bytes are kept in the deployment's attachment directory, already
    /// written and synced there: the database keeps only their hash and
    /// size.
    pub stored_outside: bool,
}

/// An attachment as stored (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRow {
    pub id: i64,
    /// The module of the record it is attached to (`petition` …).
    pub module: String,
    pub record_id: i64,
    pub sha256: String,
    pub name: String,
    pub size: i64,
    pub content_type: String,
    pub uploaded_by: Option<String>,
    pub uploaded_at: DateTime<Utc>,
    /// When, by whom and why it was withdrawn (撤回); the bytes stay.
    pub withdrawn: Option<Withdrawal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    pub at: DateTime<Utc>,
    pub by: Option<String>,
    pub reason: String,
}

/// Who attaches or withdraws, and the audit line's object (the record's
/// number as its module names it, e.g. a case number).
#[derive(Debug, Clone, Copy)]
pub struct AttachmentActor<'a> {
    pub user: Option<UserId>,
    pub object: &'a str,
}
