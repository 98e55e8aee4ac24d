//! The audit log's hash chain: each line's hash covers its fields and the
//! previous line's hash, so changing, removing or reordering a line breaks
//! every hash after it (GB/T 22239 8.1.4.3 c). `verify` walks the chain.

use crate::model::AuditRow;
use sha2::{Digest, Sha256};

/// The hash before the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of a line given its fields and the previous hash.
#[allow(clippy::too_many_arguments)]
pub fn line_hash(
    seq: i64,
    at_us: i64,
    user_id: Option<i64>,
    action: &str,
    object: &str,
    success: bool,
    detail: &str,
    prev_hash: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        seq.to_string(),
        at_us.to_string(),
        user_id.map(|u| u.to_string()).unwrap_or_default(),
        action.to_string(),
        object.to_string(),
        success.to_string(),
        detail.to_string(),
        prev_hash.to_string(),
    ] {
        // Length-prefixed so that no two different lines hash the same text.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex_lower(&h.finalize())
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a run of lines that follows `prev` (the hash of the line before
/// the first, and its seq). Returns the first broken seq, if any.
pub fn first_break(rows: &[AuditRow], prev: &mut (i64, String)) -> Option<i64> {
    for r in rows {
        let expect = line_hash(r.seq, r.at_us, r.user_id, &r.action, &r.object, r.success, &r.detail, &prev.1);
        if r.seq != prev.0 + 1 || r.prev_hash != prev.1 || r.hash != expect {
            return Some(r.seq);
        }
        *prev = (r.seq, r.hash.clone());
    }
    None
}
