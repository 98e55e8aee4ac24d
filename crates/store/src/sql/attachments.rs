//! Attachments of any record: the bytes once per content, the rows that
//! name them, withdrawal; each write with its audit line in one
//! transaction. The bytes never go into the audit log or the logs: the
//! audit line names the attachment by id, SHA-256 and size.

use super::*;

const ATTACHMENT_COLS: &str = "a.id, a.module, a.record_id, a.sha256, a.name, a.size, a.content_type, \
     ub.display_name AS uploader, a.uploaded_at, a.withdrawn_at, wb.display_name AS withdrawer, a.withdraw_reason \
     FROM attachments a LEFT JOIN users ub ON ub.id = a.uploaded_by LEFT JOIN users wb ON wb.id = a.withdrawn_by";

fn read_attachment(r: &DbRow) -> Result<AttachmentRow> {
    let withdrawn_at: Option<DateTime<Utc>> = r.try_get("withdrawn_at")?;
    Ok(AttachmentRow {
        id: r.try_get("id")?,
        module: r.try_get("module")?,
        record_id: r.try_get("record_id")?,
        sha256: r.try_get("sha256")?,
        name: r.try_get("name")?,
        size: r.try_get("size")?,
        content_type: r.try_get("content_type")?,
        uploaded_by: r.try_get("uploader")?,
        uploaded_at: r.try_get("uploaded_at")?,
        withdrawn: match withdrawn_at {
            Some(at) => Some(Withdrawal {
                at,
                by: r.try_get("withdrawer")?,
                reason: r.try_get::<Option<String>, _>("withdraw_reason")?.unwrap_or_default(),
            }),
            None => None,
        },
    })
}

/// The rows that attach `files` to a record not yet written, for the
/// transaction that writes it: the contents not yet held (to be inserted
/// first) and the attachment rows.
pub(crate) fn attachment_rows(
    module: &str,
    record_id: i64,
    files: &[NewAttachment],
    now: DateTime<Utc>,
) -> (Vec<Vec<Arg>>, Vec<Vec<Arg>>) {
    let blobs = files
        .iter()
        .map(|f| {
            vec![
                Arg::Text(f.sha256.clone()),
                Arg::I64(f.bytes.len() as i64),
                Arg::OptBytes((!f.stored_outside).then(|| f.bytes.clone())),
                Arg::Time(now),
            ]
        })
        .collect();
    let rows = files
        .iter()
        .map(|f| {
            vec![
                Arg::Text(module.into()),
                Arg::I64(record_id),
                Arg::Text(f.sha256.clone()),
                Arg::Text(f.name.clone()),
                Arg::I64(f.bytes.len() as i64),
                Arg::Text(f.content_type.clone()),
                Arg::OptI64(None),
                Arg::Time(now),
            ]
        })
        .collect();
    (blobs, rows)
}

pub(crate) const BLOBS_INSERT: (&str, usize, &str) =
    ("INSERT INTO blobs (sha256, size, data, created_at)", 4, "ON CONFLICT (sha256) DO NOTHING");
pub(crate) const ATTACHMENTS_INSERT: &str =
    "INSERT INTO attachments (module, record_id, sha256, name, size, content_type, uploaded_by, uploaded_at)";

/// The audit detail of attached files: each one's SHA-256 and size.
pub(crate) fn attachment_detail(files: &[NewAttachment]) -> String {
    files.iter().map(|f| format!("{}:{}", f.sha256, f.bytes.len())).collect::<Vec<_>>().join(" ")
}

impl Backend {
    /// Attaches `files` to record `record_id` of `module`: the bytes of each
    /// content not yet held, the rows and one audit line, in one
    /// transaction. Returns the rows, in the order given.
    pub async fn add_attachments(
        &self,
        module: &str,
        record_id: i64,
        files: &[NewAttachment],
        actor: AttachmentActor<'_>,
    ) -> Result<Vec<AttachmentRow>> {
        let now = Utc::now();
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let mut ids = Vec::with_capacity(files.len());
        for f in files {
            sqlx::query(
                "INSERT INTO blobs (sha256, size, data, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(&f.sha256)
            .bind(f.bytes.len() as i64)
            .bind((!f.stored_outside).then_some(&f.bytes))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO attachments (module, record_id, sha256, name, size, content_type, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(module)
            .bind(record_id)
            .bind(&f.sha256)
            .bind(&f.name)
            .bind(f.bytes.len() as i64)
            .bind(&f.content_type)
            .bind(actor.user)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            ids.push(id);
        }
        let detail: Vec<String> =
            ids.iter().zip(files).map(|(id, f)| format!("{id}:{}:{}", f.sha256, f.bytes.len())).collect();
        audit_in(
            &mut tx,
            self.chain.get(),
            &AuditEntry {
                user_id: actor.user,
                action: "attachment.add".into(),
                object: actor.object.into(),
                success: true,
                detail: detail.join(" "),
            },
        )
        .await?;
        tx.commit().await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.attachment(id).await?.ok_or_else(|| StoreError::NotFound(format!("附件 {id}")))?);
        }
        Ok(out)
    }

    /// The attachments of a record, withdrawn ones included, oldest first.
    pub async fn attachments(&self, module: &str, record_id: i64) -> Result<Vec<AttachmentRow>> {
        let rows =
            sqlx::query(&format!("SELECT {ATTACHMENT_COLS} WHERE a.module = $1 AND a.record_id = $2 ORDER BY a.id"))
                .bind(module)
                .bind(record_id)
                .fetch_all(&self.read)
                .await?;
        rows.iter().map(read_attachment).collect()
    }

    pub async fn attachment(&self, id: i64) -> Result<Option<AttachmentRow>> {
        let row = sqlx::query(&format!("SELECT {ATTACHMENT_COLS} WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(read_attachment).transpose()
    }

    /// The names of the files attached to records `ids` of `module`, not
    /// withdrawn: (record id, name), each record's oldest first.
    pub async fn attachment_names(&self, module: &str, ids: &[i64]) -> Result<Vec<(i64, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::default();
        q.push("SELECT record_id, name FROM attachments WHERE module = ")
            .arg(Arg::Text(module.into()))
            .push(" AND withdrawn_at IS NULL AND record_id IN (");
        for (i, id) in ids.iter().enumerate() {
            q.push(if i == 0 { "" } else { ", " }).arg(Arg::I64(*id));
        }
        q.push(") ORDER BY record_id, id");
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter().map(|r| Ok((r.try_get("record_id")?, r.try_get("name")?))).collect()
    }

    /// The bytes of a content, if the database holds them.
    pub async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let data: Option<Option<Vec<u8>>> = sqlx::query_scalar("SELECT data FROM blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.read)
            .await?;
        Ok(data.flatten())
    }

    /// Withdraws attachment `id` (撤回) with `reason`, if it is not already;
    /// the row and the bytes stay.
    pub async fn withdraw_attachment(&self, id: i64, reason: &str, actor: AttachmentActor<'_>) -> Result<()> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let done = sqlx::query(
            "UPDATE attachments SET withdrawn_at = $1, withdrawn_by = $2, withdraw_reason = $3 \
             WHERE id = $4 AND withdrawn_at IS NULL",
        )
        .bind(Utc::now())
        .bind(actor.user)
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::Conflict("该附件已撤回".into()));
        }
        audit_in(
            &mut tx,
            self.chain.get(),
            &AuditEntry {
                user_id: actor.user,
                action: "attachment.withdraw".into(),
                object: actor.object.into(),
                success: true,
                detail: format!("{id}"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
