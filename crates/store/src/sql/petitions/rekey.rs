//! Re-encrypting the petitioners' numbers under a new personal-data key
//! (`xinfang key rotate`): a batch of petitions per transaction, each one
//! changed resealed in the audit log (`petition.rekey`, the record's new
//! seal) in the same transaction, so the deep check follows it.

use super::*;
use std::collections::BTreeMap;

impl Backend {
    /// Re-encrypts the numbers of the petitions with id in (`after`,
    /// `after` + `span`]; returns how many petitions changed.
    pub async fn rekey_petitions(&self, after: i64, span: i64, rekey: Rekey<'_>) -> Result<usize> {
        let to = after + span;
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let rows = sqlx::query(
            "SELECT petition_id, seq, phone_enc, id_enc FROM petitioners WHERE petition_id > $1 AND petition_id <= $2 \
             AND (phone_enc IS NOT NULL OR id_enc IS NOT NULL) ORDER BY petition_id, seq",
        )
        .bind(after)
        .bind(to)
        .fetch_all(&mut *tx)
        .await?;
        let mut changed = std::collections::BTreeSet::new();
        for r in &rows {
            let (id, seq): (i64, i64) = (r.try_get("petition_id")?, r.try_get("seq")?);
            let bad = |e: String| StoreError::Corrupt(format!("信访事项 {id} 第 {} 位信访人：{e}", seq + 1));
            let phone: Option<Vec<u8>> = r.try_get("phone_enc")?;
            let idn: Option<Vec<u8>> = r.try_get("id_enc")?;
            let new_phone = phone.as_deref().map(|c| rekey("phone", c)).transpose().map_err(bad)?.flatten();
            let new_id = idn.as_deref().map(|c| rekey("id_number", c)).transpose().map_err(bad)?.flatten();
            if new_phone.is_none() && new_id.is_none() {
                continue;
            }
            let mut q = Sql::default();
            q.push("UPDATE petitioners SET seq = seq");
            if let Some((ct, index)) = new_phone {
                q.push(", phone_enc = ")
                    .arg(Arg::OptBytes(Some(ct)))
                    .push(", phone_index = ")
                    .arg(Arg::OptBytes(Some(index)));
            }
            if let Some((ct, index)) = new_id {
                q.push(", id_enc = ")
                    .arg(Arg::OptBytes(Some(ct)))
                    .push(", id_index = ")
                    .arg(Arg::OptBytes(Some(index)));
            }
            q.push(" WHERE petition_id = ").arg(Arg::I64(id)).push(" AND seq = ").arg(Arg::I64(seq));
            q.query().execute(&mut *tx).await?;
            changed.insert(id);
        }
        if changed.is_empty() {
            tx.commit().await?;
            return Ok(0);
        }
        // The changed records' new seals, read back inside the transaction.
        let mut people: BTreeMap<i64, Vec<StoredPerson>> = BTreeMap::new();
        for r in sqlx::query(SEALED_PEOPLE).bind(after).bind(to).fetch_all(&mut *tx).await? {
            people.entry(r.try_get("petition_id")?).or_default().push(stored_person(&r)?);
        }
        let records = sqlx::query(&format!("SELECT {SEALED_COLS} FROM petitions p WHERE p.id > $1 AND p.id <= $2"))
            .bind(after)
            .bind(to)
            .fetch_all(&mut *tx)
            .await?;
        let mut entries = Vec::with_capacity(changed.len());
        for r in &records {
            let id: i64 = r.try_get("id")?;
            if !changed.contains(&id) {
                continue;
            }
            let seal = record_seal_of(r, people.get(&id).map_or(&[][..], Vec::as_slice))?;
            entries.push(AuditEntry {
                user_id: None,
                action: "petition.rekey".into(),
                object: r.try_get("case_no")?,
                success: true,
                detail: format!("seal={seal}"),
            });
        }
        let lines = audit_rows(&mut tx, self.chain.get(), &entries).await?;
        tx.insert_all(vec![lines]).await?;
        tx.commit().await?;
        Ok(changed.len())
    }

    /// Re-encrypts the phones of the messages with id in (`after`, `after`
    /// + `span`] (copies of petitioners' numbers); how many changed.
    pub async fn rekey_messages(&self, after: i64, span: i64, rekey: Rekey<'_>) -> Result<usize> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let rows = sqlx::query("SELECT id, to_enc FROM outbox WHERE id > $1 AND id <= $2 AND to_enc IS NOT NULL")
            .bind(after)
            .bind(after + span)
            .fetch_all(&mut *tx)
            .await?;
        let mut n = 0;
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let ct: Vec<u8> = r.try_get("to_enc")?;
            let bad = |e: String| StoreError::Corrupt(format!("消息 {id}：{e}"));
            if let Some((new, _)) = rekey("phone", &ct).map_err(bad)? {
                sqlx::query("UPDATE outbox SET to_enc = $1 WHERE id = $2").bind(new).bind(id).execute(&mut *tx).await?;
                n += 1;
            }
        }
        tx.commit().await?;
        Ok(n)
    }

    /// The highest message id, where the messages' rekey stops.
    pub async fn max_message_id(&self) -> Result<i64> {
        Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM outbox").fetch_one(&self.read).await?.unwrap_or(0))
    }
}
