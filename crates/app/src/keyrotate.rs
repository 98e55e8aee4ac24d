//! `xinfang key rotate` (issue 26 ¶4): the ID and phone numbers (of
//! petitioners, of disputes' parties, of messages waiting) re-encrypted, and their blind indexes recomputed, under a new
//! personal-data key, a batch of petitions per transaction. Resumable: a
//! number already under the new key is left as it is, so running it again
//! after an interruption finishes the work; until it has finished, no
//! server starts (the data is under two keys). The audit chain's and the
//! checkpoints' keys are not rotated: they prove the log written so far.

use crate::crypto::{Field, Keys};
use crate::{Error, Result};
use xinfang_store::{AuditEntry, Store};

/// The meta key that holds the new key's check value while a rotation
/// runs.
pub const IN_PROGRESS: &str = "key_rotation";
/// The meta key of the personal-data key's check value, once rotated.
pub const DATA_CHECK: &str = "data_key_check";

/// Petitions per transaction, unless told otherwise.
pub const BATCH: i64 = 500;

/// How a rotation runs: petitions per transaction, and (to try the
/// resumption) how many batches before it stops unfinished.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub batch: i64,
    pub stop_after: Option<usize>,
}

impl Default for Pace {
    fn default() -> Self {
        Pace { batch: BATCH, stop_after: None }
    }
}

/// What a rotation did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rotated {
    pub petitions: usize,
    /// Numbers of disputes' parties.
    pub parties: usize,
    pub messages: usize,
    /// Resumed a rotation that had been interrupted.
    pub resumed: bool,
}

/// Checks that `old` is the key the data is under (or was, before the
/// interrupted rotation to `new`) and that `new` rotates only the
/// personal-data key; marks the rotation as begun. Whether it resumes.
async fn begin(store: &Store, old: &Keys, new: &Keys) -> Result<bool> {
    let refuse = |m: &str| Err(Error::bad_request("key_rotation", m));
    if store.meta("key_check").await?.is_some_and(|v| v != old.check_value()) {
        return refuse("原密钥与数据库不匹配：请用 --key-file 给出数据库现用的密钥文件");
    }
    if new.check_value() != old.check_value() {
        return refuse("新密钥文件的主密钥与原密钥不同：新密钥文件应由 xinfang key rotate 生成");
    }
    if new.data_check_value() == old.data_check_value() {
        return refuse("新旧个人信息密钥相同，无需轮换");
    }
    let current = store.meta(DATA_CHECK).await?;
    let current = current.as_deref().unwrap_or(old.check_value());
    match store.meta(IN_PROGRESS).await? {
        Some(v) if v == new.data_check_value() => return Ok(true),
        Some(_) => return refuse("另一次密钥轮换尚未完成：请用那次生成的新密钥文件再次运行"),
        None => {}
    }
    if current != old.data_check_value() {
        return refuse("原密钥文件中的个人信息密钥与数据库不符（已轮换过？请用现用的密钥文件）");
    }
    store.set_meta(IN_PROGRESS, new.data_check_value()).await?;
    Ok(false)
}

/// Re-encrypts every number from `old`'s personal-data key to `new`'s, at
/// `pace`; `progress(petitions done up to, of)` after each batch.
pub async fn rotate(
    store: &Store,
    old: &Keys,
    new: &Keys,
    progress: &mut (dyn FnMut(i64, i64) + Send),
    pace: Pace,
) -> Result<Rotated> {
    let resumed = begin(store, old, new).await?;
    store.set_chain_key(old.chain_key());
    let rekey = |field: &str, ct: &[u8]| -> xinfang_store::Rekeyed {
        let field = if field == "phone" { Field::Phone } else { Field::IdNumber };
        match old.open(field, ct) {
            Ok(plain) => {
                let sealed = new.seal(field, &plain).map_err(|e| e.to_string())?;
                Ok(Some((sealed, new.blind_index(field, &plain))))
            }
            Err(_) if new.open(field, ct).is_ok() => Ok(None),
            Err(_) => Err("无法用原密钥或新密钥解密".into()),
        }
    };
    let mut done = Rotated { resumed, ..Default::default() };
    let (last, mut after, mut batches) = (store.max_petition_id().await?, 0, 0);
    while after < last {
        if pace.stop_after.is_some_and(|n| batches >= n) {
            return Ok(done);
        }
        done.petitions += store.rekey_petitions(after, pace.batch, &rekey).await?;
        after += pace.batch;
        batches += 1;
        progress(after.min(last), last);
    }
    let (last, mut after) = (store.max_dispute_id().await?, 0);
    while after < last {
        done.parties += store.rekey_dispute_parties(after, pace.batch, &rekey).await?;
        after += pace.batch;
    }
    let (last, mut after) = (store.max_message_id().await?, 0);
    while after < last {
        done.messages += store.rekey_messages(after, pace.batch * 10, &rekey).await?;
        after += pace.batch * 10;
    }
    store.set_meta(DATA_CHECK, new.data_check_value()).await?;
    store
        .audit(&AuditEntry {
            user_id: None,
            action: "key.rotate".into(),
            object: String::new(),
            success: true,
            detail: format!("petitions={} parties={} messages={}", done.petitions, done.parties, done.messages),
        })
        .await?;
    store.delete_meta(IN_PROGRESS, None).await?;
    Ok(done)
}
