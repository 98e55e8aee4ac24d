//! Checkpoints of the audit log kept outside the database (审计日志锚点).
//!
//! The hash chain in the database shows a line changed, removed or put in
//! the middle; it cannot show the last lines cut off, the whole log emptied,
//! or the chain rewritten and every hash recomputed, since the database
//! holds everything needed to do that. So the server appends the chain's
//! head — its last sequence number and hash, signed with a key derived from
//! the personal-data key — to a file beside the key file, at most once a
//! minute and at shutdown, and `xinfang audit verify` checks the chain
//! against every checkpoint: each line named must be there with that hash.
//! What it still cannot see: changes after the last checkpoint by someone
//! who also holds the key file (docs/security.md).

use crate::crypto::Keys;
use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use xinfang_store::Store;

/// The checkpoint file beside `key_file`.
pub fn anchor_path(key_file: &Path) -> PathBuf {
    let mut name = key_file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".audit-anchors");
    key_file.with_file_name(name)
}

/// One checkpoint: the chain's head at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
}

impl Checkpoint {
    fn body(&self) -> String {
        format!("{}\t{}\t{}", self.seq, self.hash, self.at)
    }
}

/// Appends the chain's head to `path` if it moved since `last`; returns the
/// head written (or `last`). The line is flushed to disk before it counts.
pub async fn checkpoint(store: &Store, keys: &Keys, path: &Path, last: Option<i64>) -> Result<Option<i64>> {
    let Some((seq, hash)) = store.audit_head().await? else { return Ok(last) };
    if last == Some(seq) {
        return Ok(last);
    }
    let c = Checkpoint { seq, hash, at: chrono::Utc::now().to_rfc3339() };
    let line = format!("{}\t{}\n", c.body(), keys.sign_anchor(&c.body()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        f.write_all(line.as_bytes())?;
        f.sync_all()
    };
    write().map_err(|e| {
        tracing::error!(path = %path.display(), error = %e, "audit checkpoint not written");
        Error::Internal
    })?;
    tracing::info!(seq, "audit checkpoint written");
    Ok(Some(seq))
}

/// What checking the chain against the checkpoints found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorCheck {
    /// No checkpoint file: only the chain itself was checked.
    NoFile,
    /// Every checkpoint is in the chain; the newest names `seq`.
    Held { checkpoints: usize, seq: i64 },
    /// Something the checkpoints prove is gone or changed.
    Broken(String),
}

/// Checks the chain against the signed checkpoints in `path`, once the
/// chain itself has verified ([`Store::verify_audit`]): every line of the
/// file must bear its signature, and the line the newest checkpoint names
/// must be there with its hash. Over an intact chain that one line vouches
/// for every line before it, so the log is read once, not per checkpoint.
pub async fn check(store: &Store, keys: &Keys, path: &Path) -> Result<AnchorCheck> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(AnchorCheck::NoFile),
        Err(e) => return Ok(AnchorCheck::Broken(format!("无法读取锚点文件 {}：{e}", path.display()))),
    };
    // A line is counted only once it is on disk with its newline; a power
    // cut during the append can leave a torn last line (cut short, or
    // zeros), which never counted and is not read.
    let whole = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    let mut newest: Option<Checkpoint> = None;
    let mut n = 0;
    for (i, line) in whole.lines().enumerate().filter(|(_, l)| !l.trim_matches(['\0', ' ']).is_empty()) {
        let parsed = match line.split('\t').collect::<Vec<_>>().as_slice() {
            [seq, hash, at, mac] => seq
                .parse::<i64>()
                .ok()
                .map(|seq| (Checkpoint { seq, hash: (*hash).to_string(), at: (*at).to_string() }, (*mac).to_string())),
            _ => None,
        };
        let Some((c, mac)) = parsed else {
            return Ok(AnchorCheck::Broken(format!("锚点文件第 {} 行格式不对", i + 1)));
        };
        if keys.sign_anchor(&c.body()) != mac {
            return Ok(AnchorCheck::Broken(format!("锚点文件第 {} 行的签名不符：锚点被改动，或密钥不是这一个", i + 1)));
        }
        n += 1;
        if newest.as_ref().is_none_or(|x| c.seq >= x.seq) {
            newest = Some(c);
        }
    }
    let Some(c) = newest else { return Ok(AnchorCheck::NoFile) };
    match store.audit_rows(c.seq - 1, 1).await?.into_iter().next() {
        Some(row) if row.seq == c.seq && row.hash == c.hash => Ok(AnchorCheck::Held { checkpoints: n, seq: c.seq }),
        Some(_) => {
            Ok(AnchorCheck::Broken(format!("第 {} 条在 {} 的锚点之后被改写（哈希不符）：审计日志被重写", c.seq, c.at)))
        }
        None => Ok(AnchorCheck::Broken(format!(
            "审计日志缺少第 {} 条（{} 已记录到此）：末尾被删除或日志被清空",
            c.seq, c.at
        ))),
    }
}
