//! The outbox: messages written with the events that cause them, claimed
//! and sent by the dispatcher, and what became of each; where a unit's
//! reminders go; what the reminder jobs read.

use super::*;

const OUTBOX_COLS: &str = "o.id, o.kind, o.channel, o.to_enc, o.to_addr, o.to_masked, o.subject, o.body, \
     o.petition_id, p.case_no, u.name AS unit_name, o.status, o.attempts, o.next_us, o.sent_us, o.last_error, \
     o.created_us FROM outbox o LEFT JOIN petitions p ON p.id = o.petition_id LEFT JOIN units u ON u.id = o.unit_id";

fn read_message(r: &DbRow) -> Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        channel: r.try_get("channel")?,
        to_enc: r.try_get("to_enc")?,
        to_addr: r.try_get("to_addr")?,
        to_masked: r.try_get("to_masked")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        petition_id: r.try_get("petition_id")?,
        case_no: r.try_get("case_no")?,
        unit_name: r.try_get("unit_name")?,
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        next_us: r.try_get("next_us")?,
        sent_us: r.try_get("sent_us")?,
        last_error: r.try_get("last_error")?,
        created_us: r.try_get("created_us")?,
    })
}

pub(crate) const OUTBOX_INSERT: &str = "INSERT INTO outbox (kind, channel, to_enc, to_addr, to_masked, subject, \
     body, petition_id, unit_id, once_key, status, attempts, next_us, created_us)";
const OUTBOX_INSERT_COLS: usize = 14;

pub(crate) fn now_us(now: DateTime<Utc>) -> i64 {
    now.timestamp_micros()
}

/// The outbox rows of new petitions' notices, for the registration's
/// transaction: to the phone of the representative, else of the first
/// petitioner who gave one.
pub(crate) fn notice_rows(batch: &[(&NewPetitionRecord, i64, &str)], now: DateTime<Utc>) -> Rows {
    let at = now_us(now);
    let mut rows = Vec::new();
    for (rec, id, case_no) in batch {
        let Some(n) = &rec.notice else { continue };
        let mut people: Vec<&PetitionerRecord> = rec.petitioners.iter().filter(|p| p.phone.is_some()).collect();
        people.sort_by_key(|p| (!p.representative, p.seq));
        let Some(phone) = people.first().and_then(|p| p.phone.as_ref()) else { continue };
        rows.push(vec![
            Arg::Text(n.kind.clone()),
            Arg::Text("sms".into()),
            Arg::OptBytes(Some(phone.ciphertext.clone())),
            Arg::OptText(None),
            Arg::Text(phone.masked.clone()),
            Arg::Text(n.subject.replace("{case_no}", case_no)),
            Arg::Text(n.body.replace("{case_no}", case_no)),
            Arg::OptI64(Some(*id)),
            Arg::OptI64(None),
            Arg::OptText(None),
            Arg::Text("pending".into()),
            Arg::I64(0),
            Arg::I64(at),
            Arg::I64(at),
        ]);
    }
    Rows::new(OUTBOX_INSERT, OUTBOX_INSERT_COLS, rows)
}

/// Writes a notice to the petitioner of case `petition_id` (numbered
/// `case_no`) inside `tx`, as [`notice_rows`] picks the contact; nothing
/// when no petitioner gave a phone, or when `once_key` was used before.
pub(crate) async fn petitioner_notice_tx(
    tx: &mut impl WriteTx,
    petition_id: i64,
    case_no: &str,
    n: &PetitionerNotice,
    once_key: Option<&str>,
) -> Result<bool> {
    let at = now_us(Utc::now());
    let mut q = Sql::default();
    q.push(OUTBOX_INSERT)
        .push(" SELECT ")
        .arg(Arg::Text(n.kind.clone()))
        .push(", 'sms', phone_enc, NULL, phone_masked, ")
        .arg(Arg::Text(n.subject.replace("{case_no}", case_no)))
        .push(", ")
        .arg(Arg::Text(n.body.replace("{case_no}", case_no)))
        .push(", petition_id, NULL, ")
        .arg(Arg::OptText(once_key.map(str::to_string)))
        .push(", 'pending', 0, ")
        .arg(Arg::I64(at))
        .push(", ")
        .arg(Arg::I64(at))
        .push(" FROM petitioners WHERE petition_id = ")
        .arg(Arg::I64(petition_id))
        .push(
            " AND phone_enc IS NOT NULL ORDER BY representative DESC, seq LIMIT 1 \
             ON CONFLICT (once_key) DO NOTHING RETURNING id",
        );
    Ok(!tx.fetch(q).await?.is_empty())
}

/// The `WHERE` of the messages `f` names (`o` the message, `p` its
/// petition): about the units under `f.under` and the cases they
/// registered, of `f.status`, or the one message `f.id`.
fn push_message_scope(q: &mut Sql, f: &MessageFilter<'_>) {
    q.push(" WHERE (o.unit_id IN (SELECT id FROM units WHERE path LIKE ");
    q.arg(Arg::Text(format!("{}%", f.under)));
    q.push(") OR p.registered_unit_id IN (SELECT id FROM units WHERE path LIKE ");
    q.arg(Arg::Text(format!("{}%", f.under)));
    q.push("))");
    if let Some(s) = f.status {
        q.push(" AND o.status = ").arg(Arg::Text(s.into()));
    }
    if let Some(id) = f.id {
        q.push(" AND o.id = ").arg(Arg::I64(id));
    }
}

impl Backend {
    /// Writes a message to a given address (a unit's reminder); `false` if
    /// its `once_key` was used before (another server, or an earlier run,
    /// wrote it).
    pub async fn enqueue_message(&self, m: &NewMessage) -> Result<bool> {
        let at = now_us(Utc::now());
        let id: Option<i64> = sqlx::query_scalar(&format!(
            "{OUTBOX_INSERT} VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, 'pending', 0, $10, $10) \
             ON CONFLICT (once_key) DO NOTHING RETURNING id"
        ))
        .bind(&m.kind)
        .bind(&m.channel)
        .bind(&m.to_addr)
        .bind(&m.to_masked)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(m.petition_id)
        .bind(m.unit_id)
        .bind(&m.once_key)
        .bind(at)
        .fetch_optional(&self.write)
        .await?;
        Ok(id.is_some())
    }

    /// Writes a notice to a case's petitioner outside a step (the window
    /// reminder), once per `once_key`.
    pub async fn enqueue_petitioner_notice(
        &self,
        petition_id: i64,
        n: &PetitionerNotice,
        once_key: &str,
    ) -> Result<bool> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let case_no: String = sqlx::query_scalar("SELECT case_no FROM petitions WHERE id = $1")
            .bind(petition_id)
            .fetch_one(&mut *tx)
            .await?;
        let written = petitioner_notice_tx(&mut tx, petition_id, &case_no, n, Some(once_key)).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Claims the next message due at `now_us` for `holder`, which holds
    /// the outbox's lease: a pending one whose time has come, or one still
    /// marked as being sent by another sender — which lost the lease, so
    /// died while sending (or stalled past the lease, longer than a try may
    /// take) — or by `holder` itself before `stale_us`. The claim is
    /// committed before anything is sent.
    pub async fn claim_message(&self, holder: &str, now_us: i64, stale_us: i64) -> Result<Option<OutboxRow>> {
        let due = "(status = 'pending' AND next_us <= $2) \
                   OR (status = 'sending' AND (claimed_by <> $1 OR claimed_us <= $3))";
        let id: Option<i64> = sqlx::query_scalar(&format!(
            "UPDATE outbox SET status = 'sending', claimed_by = $1, claimed_us = $2 \
             WHERE id = (SELECT id FROM outbox WHERE {due} ORDER BY next_us, id LIMIT 1) AND ({due}) RETURNING id"
        ))
        .bind(holder)
        .bind(now_us)
        .bind(stale_us)
        .fetch_optional(&self.write)
        .await?;
        match id {
            Some(id) => self.message(id).await,
            None => Ok(None),
        }
    }

    /// Records what became of `holder`'s try to send message `id`; `false`
    /// if the claim was no longer `holder`'s (it was taken as stale).
    pub async fn finish_message(&self, id: i64, holder: &str, d: &Delivery) -> Result<bool> {
        let (status, next, sent, error) = match d {
            Delivery::Sent { at_us } => ("sent", None, Some(*at_us), None),
            Delivery::Retry { error, next_us } => ("pending", Some(*next_us), None, Some(error.as_str())),
            Delivery::GiveUp { error } => ("failed", None, None, Some(error.as_str())),
        };
        let done = sqlx::query(
            "UPDATE outbox SET status = $1, attempts = attempts + 1, next_us = COALESCE($2, next_us), \
             sent_us = $3, last_error = $4, claimed_by = NULL, claimed_us = NULL \
             WHERE id = $5 AND status = 'sending' AND claimed_by = $6",
        )
        .bind(status)
        .bind(next)
        .bind(sent)
        .bind(error)
        .bind(id)
        .bind(holder)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    /// Puts a message given up as failed back in line (an administrator's
    /// 重新发送), with its tries counted afresh; `false` if it was not failed.
    pub async fn resend_message(&self, id: i64, now_us: i64, actor: Option<UserId>) -> Result<bool> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let done = sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_us = $1 WHERE id = $2 AND status = 'failed'",
        )
        .bind(now_us)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 1 {
            let entry = AuditEntry {
                user_id: actor,
                action: "message.resend".into(),
                object: format!("message:{id}"),
                success: true,
                detail: String::new(),
            };
            audit_in(&mut tx, self.chain.get(), &entry).await?;
        }
        tx.commit().await?;
        Ok(done == 1)
    }

    pub async fn message(&self, id: i64) -> Result<Option<OutboxRow>> {
        let row =
            sqlx::query(&format!("SELECT {OUTBOX_COLS} WHERE o.id = $1")).bind(id).fetch_optional(&self.read).await?;
        row.as_ref().map(read_message).transpose()
    }

    /// The latest messages, newest first, of `status` if given (only
    /// message `id`, if given), about the units at or below the unit of
    /// tree path `under` and the cases they registered.
    pub async fn messages(&self, f: &MessageFilter<'_>, limit: i64) -> Result<Vec<OutboxRow>> {
        let mut q = Sql::default();
        q.push("SELECT ").push(OUTBOX_COLS);
        push_message_scope(&mut q, f);
        q.push(" ORDER BY o.id DESC LIMIT ").arg(Arg::I64(limit));
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter().map(read_message).collect()
    }

    /// The messages about a case, oldest first: for its timeline.
    pub async fn petition_messages(&self, petition_id: PetitionId) -> Result<Vec<OutboxRow>> {
        let rows = sqlx::query(&format!("SELECT {OUTBOX_COLS} WHERE o.petition_id = $1 ORDER BY o.id"))
            .bind(petition_id.0)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(read_message).collect()
    }

    /// How many messages of those `f` names are in each status.
    pub async fn message_counts(&self, f: &MessageFilter<'_>) -> Result<Vec<(String, i64)>> {
        let mut q = Sql::default();
        q.push("SELECT o.status, COUNT(*) FROM outbox o LEFT JOIN petitions p ON p.id = o.petition_id");
        push_message_scope(&mut q, f);
        q.push(" GROUP BY o.status");
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter().map(|r| Ok((r.text(0)?, r.i64(1)?))).collect()
    }

    pub async fn unit_contacts(&self) -> Result<Vec<UnitContact>> {
        let rows = sqlx::query("SELECT unit_id, email, phone FROM unit_contacts ORDER BY unit_id")
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| Ok(UnitContact { unit_id: r.i64(0)?, email: r.try_get(1)?, phone: r.try_get(2)? }))
            .collect()
    }

    /// Sets where unit `unit_id`'s reminders go (both `None`: nowhere),
    /// with an audit line.
    pub async fn set_unit_contact(&self, c: &UnitContact, object: &str, actor: Option<UserId>) -> Result<()> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        sqlx::query(
            "INSERT INTO unit_contacts (unit_id, email, phone, updated_us) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (unit_id) DO UPDATE SET email = excluded.email, phone = excluded.phone, \
             updated_us = excluded.updated_us",
        )
        .bind(c.unit_id)
        .bind(&c.email)
        .bind(&c.phone)
        .bind(now_us(Utc::now()))
        .execute(&mut *tx)
        .await?;
        let detail = format!("email={} phone={}", c.email.as_deref().unwrap_or(""), c.phone.as_deref().unwrap_or(""));
        let entry =
            AuditEntry { user_id: actor, action: "unit.contact".into(), object: object.into(), success: true, detail };
        audit_in(&mut tx, self.chain.get(), &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The cases of the units that have a reminder address whose nearest
    /// office deadline falls on or before `until` (overdue ones included),
    /// by unit and date.
    pub async fn due_cases(&self, until: NaiveDate) -> Result<Vec<DueCase>> {
        let rows = sqlx::query(
            "SELECT p.unit_id, p.case_no, d.due FROM deadlines d JOIN petitions p ON p.id = d.petition_id \
             WHERE d.holder = 'office' AND d.due <= $1 AND p.unit_id IN (SELECT unit_id FROM unit_contacts) \
             ORDER BY p.unit_id, d.due, p.case_no",
        )
        .bind(until)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| Ok(DueCase { unit_id: r.i64(0)?, case_no: r.text(1)?, due: r.date(2)? })).collect()
    }

    /// The petitioners' request windows (申请复查, 申请复核) whose last day
    /// falls between `from` and `to`.
    pub async fn closing_windows(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<ClosingWindow>> {
        let rows = sqlx::query(
            "SELECT d.petition_id, p.case_no, d.clock, d.due FROM deadlines d JOIN petitions p ON p.id = d.petition_id \
             WHERE d.clock IN ('review_request', 'recheck_request') AND d.due >= $1 AND d.due <= $2 \
             ORDER BY d.due, d.petition_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ClosingWindow { petition_id: r.i64(0)?, case_no: r.text(1)?, clock: r.text(2)?, due: r.date(3)? })
            })
            .collect()
    }

    /// Takes or renews the lease on job `name` for `holder` until
    /// `now_us + ttl_us`, if no other holder's lease is in force; whether
    /// `holder` has it now.
    pub async fn take_lease(&self, name: &str, holder: &str, now_us: i64, ttl_us: i64) -> Result<bool> {
        let got: Option<String> = sqlx::query_scalar(
            "INSERT INTO job_leases (name, holder, expires_us) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_us = excluded.expires_us \
             WHERE job_leases.holder = excluded.holder OR job_leases.expires_us < $4 RETURNING holder",
        )
        .bind(name)
        .bind(holder)
        .bind(now_us + ttl_us)
        .bind(now_us)
        .fetch_optional(&self.write)
        .await?;
        Ok(got.is_some())
    }

    /// Gives up `holder`'s lease on `name` (a server shutting down), so
    /// another takes the job at once.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        sqlx::query("DELETE FROM job_leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Who holds each job's lease, and until when.
    pub async fn leases(&self) -> Result<Vec<(String, String, i64)>> {
        let rows =
            sqlx::query("SELECT name, holder, expires_us FROM job_leases ORDER BY name").fetch_all(&self.read).await?;
        rows.iter().map(|r| Ok((r.text(0)?, r.text(1)?, r.i64(2)?))).collect()
    }
}
