//! The hash-chained audit log: lines appended in the transaction of the
//! write they record, and read back for `xinfang audit verify`.

use super::*;

/// The next lines of the hash-chained audit log, chained to its head as
/// read inside `tx`, which began with [`BEGIN_WRITE`]:
/// the head cannot move before they are written in the same transaction.
/// Keyed under `key` when given (`crate::audit`); without it, refused once
/// the chain is keyed.
pub(crate) async fn audit_rows(tx: &mut impl WriteTx, key: Option<[u8; 32]>, entries: &[AuditEntry]) -> Result<Rows> {
    let mut rows = Vec::with_capacity(entries.len());
    if !entries.is_empty() {
        let mut q = Sql::default();
        q.push("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
        let (mut seq, mut prev) = match tx.fetch(q).await?.first() {
            Some(r) => (r.i64(0)?, r.text(1)?),
            None => (0, crate::audit::GENESIS.to_string()),
        };
        if key.is_none() && crate::audit::is_keyed(&prev) {
            return Err(StoreError::Conflict(
                "审计日志已由密钥签名，写入须使用同一密钥（--key-file 或 XINFANG_KEY）".into(),
            ));
        }
        let at_us = Utc::now().timestamp_micros();
        for e in entries {
            seq += 1;
            let hash = crate::audit::line_hash(
                key.as_ref(),
                seq,
                at_us,
                e.user_id.map(|u| u.0),
                &e.action,
                &e.object,
                e.success,
                &e.detail,
                &prev,
            );
            rows.push(vec![
                Arg::I64(seq),
                Arg::I64(at_us),
                Arg::OptI64(e.user_id.map(|u| u.0)),
                Arg::Text(e.action.clone()),
                Arg::Text(e.object.clone()),
                Arg::Bool(e.success),
                Arg::Text(e.detail.clone()),
                Arg::Text(std::mem::replace(&mut prev, hash.clone())),
                Arg::Text(hash),
            ]);
        }
    }
    Ok(Rows::new(
        "INSERT INTO audit_log (seq, at_us, user_id, action, object, success, detail, prev_hash, hash)",
        9,
        rows,
    ))
}

/// Appends one line to the audit log inside `tx` (see [`audit_rows`]).
pub(crate) async fn audit_in(tx: &mut impl WriteTx, key: Option<[u8; 32]>, e: &AuditEntry) -> Result<()> {
    let line = audit_rows(tx, key, std::slice::from_ref(e)).await?;
    tx.insert_all(vec![line]).await
}

impl Backend {
    pub async fn audit(&self, e: &AuditEntry) -> Result<()> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        audit_in(&mut tx, self.chain.get(), e).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn audit_head(&self) -> Result<Option<(i64, String)>> {
        Ok(sqlx::query_as::<_, (i64, String)>("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&self.read)
            .await?)
    }

    pub async fn audit_rows(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditRow>> {
        let rows = sqlx::query(
            "SELECT seq, at_us, user_id, action, object, success, detail, prev_hash, hash FROM audit_log \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRow {
                    seq: r.try_get("seq")?,
                    at_us: r.try_get("at_us")?,
                    user_id: r.try_get("user_id")?,
                    action: r.try_get("action")?,
                    object: r.try_get("object")?,
                    success: r.try_get("success")?,
                    detail: r.try_get("detail")?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                })
            })
            .collect()
    }
}
