//! The audit log's hash chain: each line's hash covers its fields and the
//! previous line's hash, so changing, removing or reordering a line breaks
//! every hash after it (GB/T 22239 8.1.4.3 c). `verify` walks the chain.
//!
//! A line is keyed (HMAC-SHA256 under a key kept outside the database, its
//! hash written `k` + hex) when the store has been given the chain's key
//! ([`ChainKey`]); without it a line is plain SHA-256 (64 hex). Once a line
//! is keyed every line after it must be: a store without the key refuses to
//! write after it, and [`first_break`] reports an unkeyed line there as a
//! rewrite. So someone who can edit the database but has no key cannot
//! recompute the chain after changing a line.

use crate::model::AuditRow;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};

/// The hash before the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The marker that starts a keyed line's hash.
const KEYED: &str = "k";

/// The key of the audit chain, shared by every clone of a store; none until
/// the application sets it (`Store::set_chain_key`).
#[derive(Clone, Default)]
pub struct ChainKey(Arc<RwLock<Option<[u8; 32]>>>);

impl ChainKey {
    pub fn get(&self) -> Option<[u8; 32]> {
        *self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set(&self, key: [u8; 32]) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(key);
    }
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.get().is_some() { "ChainKey(<set>)" } else { "ChainKey(none)" })
    }
}

/// Whether a stored hash is a keyed line's.
pub fn is_keyed(hash: &str) -> bool {
    hash.starts_with(KEYED)
}

/// Hashes length-prefixed parts with SHA-256, or with HMAC-SHA256 under `key`.
enum LineMac {
    Plain(Sha256),
    Keyed(Hmac<Sha256>),
}

impl LineMac {
    fn part(&mut self, text: &str) {
        // Length-prefixed so that no two different lines hash the same text.
        let len = (text.len() as u64).to_be_bytes();
        match self {
            LineMac::Plain(h) => {
                h.update(len);
                h.update(text.as_bytes());
            }
            LineMac::Keyed(m) => {
                m.update(&len);
                m.update(text.as_bytes());
            }
        }
    }
}

/// The hash of a line given its fields and the previous hash: keyed under
/// `key` (`k` + hex) or, without one, plain SHA-256 (hex).
#[allow(clippy::too_many_arguments)]
pub fn line_hash(
    key: Option<&[u8; 32]>,
    seq: i64,
    at_us: i64,
    user_id: Option<i64>,
    action: &str,
    object: &str,
    success: bool,
    detail: &str,
    prev_hash: &str,
) -> String {
    let mut h = match key {
        Some(k) => LineMac::Keyed(
            <Hmac<Sha256> as Mac>::new_from_slice(k).unwrap_or_else(|_| unreachable!("HMAC takes any key length")),
        ),
        None => LineMac::Plain(Sha256::new()),
    };
    let mut part = |text: &str| h.part(text);
    part(&seq.to_string());
    part(&at_us.to_string());
    part(&user_id.map(|u| u.to_string()).unwrap_or_default());
    part(action);
    part(object);
    part(if success { "true" } else { "false" });
    part(detail);
    part(prev_hash);
    match h {
        LineMac::Plain(h) => hex::encode(h.finalize()),
        LineMac::Keyed(m) => format!("{KEYED}{}", hex::encode(m.finalize().into_bytes())),
    }
}

/// Where and why the chain does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainBreak {
    /// The line does not follow from the one before: changed, removed,
    /// inserted, or keyed under another key.
    At(i64),
    /// An unkeyed line after a keyed one: the chain was recomputed by
    /// someone without the key.
    Unkeyed(i64),
    /// The line is keyed and no key was given to check it.
    NeedsKey(i64),
}

/// The chain walked so far: the last line's seq and hash, and the first
/// keyed line's seq.
#[derive(Debug, Clone)]
pub struct ChainWalk {
    pub seq: i64,
    pub hash: String,
    pub keyed_from: Option<i64>,
}

impl Default for ChainWalk {
    fn default() -> Self {
        ChainWalk { seq: 0, hash: GENESIS.to_string(), keyed_from: None }
    }
}

/// An intact chain: how many lines, and from which line on they are keyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainOk {
    pub lines: i64,
    pub keyed_from: Option<i64>,
}

/// Checks a run of lines that follows `walk`, under `key` if given.
/// Returns the first break, if any.
pub fn first_break(rows: &[AuditRow], walk: &mut ChainWalk, key: Option<&[u8; 32]>) -> Option<ChainBreak> {
    for r in rows {
        let keyed = is_keyed(&r.hash);
        if !keyed && walk.keyed_from.is_some() {
            return Some(ChainBreak::Unkeyed(r.seq));
        }
        let line_key = match (keyed, key) {
            (false, _) => None,
            (true, Some(k)) => Some(k),
            (true, None) => return Some(ChainBreak::NeedsKey(r.seq)),
        };
        let expect =
            line_hash(line_key, r.seq, r.at_us, r.user_id, &r.action, &r.object, r.success, &r.detail, &walk.hash);
        if r.seq != walk.seq + 1 || r.prev_hash != walk.hash || r.hash != expect {
            return Some(ChainBreak::At(r.seq));
        }
        if keyed && walk.keyed_from.is_none() {
            walk.keyed_from = Some(r.seq);
        }
        walk.seq = r.seq;
        walk.hash.clone_from(&r.hash);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hash of a line is fixed by its fields: a chain written by one
    /// build verifies under the next.
    #[test]
    fn a_line_hashes_the_same_in_every_build() {
        let h = line_hash(
            None,
            7,
            1_764_000_000_000_000,
            Some(3),
            "petition.register",
            "XF2026-000001",
            true,
            "events=4",
            GENESIS,
        );
        assert_eq!(h, "0ac27235aca39dc53d00e28fb1d63679a677555aea74a6765088b48d2d195cfb");
        let other = line_hash(
            None,
            7,
            1_764_000_000_000_000,
            None,
            "petition.register",
            "XF2026-000001",
            true,
            "events=4",
            GENESIS,
        );
        assert_ne!(h, other);
        assert_eq!(line_hash(None, 1, 0, None, "", "", false, "", GENESIS).len(), 64);
        let keyed = line_hash(Some(&[7; 32]), 1, 0, None, "", "", false, "", GENESIS);
        // HMAC-SHA256 of the same length-prefixed parts (checked with Python's hmac).
        assert_eq!(keyed, "k7400e746bca5330b0e5a1ebe91cda121868123ef93d5f63936ed49e3f969f302");
        assert_ne!(keyed, line_hash(Some(&[8; 32]), 1, 0, None, "", "", false, "", GENESIS));
    }

    fn row(key: Option<&[u8; 32]>, seq: i64, prev: &str, detail: &str) -> AuditRow {
        let hash = line_hash(key, seq, 0, None, "a", "o", true, detail, prev);
        AuditRow {
            seq,
            at_us: 0,
            user_id: None,
            action: "a".into(),
            object: "o".into(),
            success: true,
            detail: detail.into(),
            prev_hash: prev.into(),
            hash,
        }
    }

    /// A chain begun unkeyed (written before the key) and keyed after
    /// holds. Checking it without the key or under another key fails; a
    /// line changed after a keyed one cannot be made to fit without the key.
    /// Recomputing from the first keyed line on leaves an unkeyed chain,
    /// which holds but is reported as unkeyed (`keyed_from` is `None`): the
    /// checkpoints outside the database are what catch that (`app::anchor`).
    #[test]
    fn a_keyed_chain_cannot_be_recomputed_without_the_key() {
        let key = [7u8; 32];
        let a = row(None, 1, GENESIS, "x");
        let b = row(Some(&key), 2, &a.hash, "y");
        let c = row(Some(&key), 3, &b.hash, "z");
        let chain = vec![a.clone(), b.clone(), c];
        let mut walk = ChainWalk::default();
        assert_eq!(first_break(&chain, &mut walk, Some(&key)), None);
        assert_eq!((walk.seq, walk.keyed_from), (3, Some(2)));
        assert_eq!(first_break(&chain, &mut ChainWalk::default(), None), Some(ChainBreak::NeedsKey(2)));
        assert_eq!(first_break(&chain, &mut ChainWalk::default(), Some(&[9; 32])), Some(ChainBreak::At(2)));
        // Line 3 changed and recomputed without the key, after an intact keyed line.
        let tail = vec![a.clone(), b.clone(), row(None, 3, &b.hash, "forged")];
        assert_eq!(first_break(&tail, &mut ChainWalk::default(), Some(&key)), Some(ChainBreak::Unkeyed(3)));
        // Or with a made-up keyed hash.
        let mut guessed = row(Some(&[1; 32]), 3, &b.hash, "forged");
        guessed.hash = format!("k{}", "0".repeat(64));
        let guess = vec![a.clone(), b, guessed];
        assert_eq!(first_break(&guess, &mut ChainWalk::default(), Some(&key)), Some(ChainBreak::At(3)));
        // Line 2 changed and everything from it recomputed: unkeyed throughout.
        let b2 = row(None, 2, &a.hash, "forged");
        let forged = vec![a, b2.clone(), row(None, 3, &b2.hash, "z")];
        let mut walk = ChainWalk::default();
        assert_eq!(first_break(&forged, &mut walk, Some(&key)), None);
        assert_eq!(walk.keyed_from, None, "reported as unkeyed");
    }
}
