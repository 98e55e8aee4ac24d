//! The disputes module's SQL (矛盾纠纷): registration with its parties,
//! step and audit line in one transaction, steps appended under a version
//! check, the ledger held to the viewer's units, and re-encryption under a
//! new key.

use super::*;

fn unit_cols(alias: &str) -> String {
    ["id", "code", "name", "kind", "parent_id", "path", "disabled"]
        .iter()
        .map(|c| format!("{alias}.{c} AS {alias}_{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn row_cols() -> String {
    format!(
        "d.id, d.case_no, d.source, d.petition_id, d.found_on, d.category, d.place, d.summary, d.claims, \
         d.people_involved, d.amount_fen, d.risk, d.risk_reason, d.status, d.state, d.resolve_by, d.version, \
         d.created_at, d.updated_at, {}, {} FROM disputes d JOIN units u ON u.id = d.unit_id \
         LEFT JOIN units r ON r.id = d.responsible_unit_id",
        unit_cols("u"),
        unit_cols("r")
    )
}

fn read_dispute(r: &DbRow) -> Result<DisputeRow> {
    Ok(DisputeRow {
        id: r.try_get("id")?,
        case_no: r.try_get("case_no")?,
        unit: read_unit(r, "u_")?,
        responsible_unit: read_optional_unit(r, "r_")?,
        source: r.try_get("source")?,
        petition_id: r.try_get("petition_id")?,
        found_on: r.try_get("found_on")?,
        category: r.try_get("category")?,
        place: r.try_get("place")?,
        summary: r.try_get("summary")?,
        claims: r.try_get("claims")?,
        people_involved: r.try_get("people_involved")?,
        amount_fen: r.try_get("amount_fen")?,
        risk: r.try_get("risk")?,
        risk_reason: r.try_get("risk_reason")?,
        status: r.try_get("status")?,
        state: r.try_get("state")?,
        resolve_by: r.try_get("resolve_by")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// `d` (a dispute) is seen where it was registered, where it is handled,
/// and above both.
fn push_dispute_visible(q: &mut Sql, viewer: &Viewer) {
    if let Some(ids) = &viewer.unit_ids {
        q.push(" AND (d.unit_id IN (");
        push_list(q, ids);
        q.push(") OR d.responsible_unit_id IN (");
        push_list(q, ids);
        q.push("))");
    }
}

fn push_dispute_filter(q: &mut Sql, f: &DisputeFilter) {
    for (col, value) in [("d.status", &f.status), ("d.risk", &f.risk), ("d.category", &f.category)] {
        if let Some(v) = value {
            q.push(&format!(" AND {col} = ")).arg(Arg::Text(v.clone()));
        }
    }
    if f.open || f.overdue_on.is_some() {
        q.push(" AND d.status IN ('registered', 'assigned', 'in_mediation')");
    }
    if let Some(p) = f.petition_id {
        q.push(" AND d.petition_id = ").arg(Arg::I64(p));
    }
    if let Some(day) = f.overdue_on {
        q.push(" AND d.resolve_by < ").arg(Arg::Date(day));
    }
}

const PARTIES_INSERT: &str = "INSERT INTO dispute_parties (dispute_id, seq, role, kind, name, address, \
     phone_enc, phone_index, phone_masked, id_enc, id_index, id_masked)";
const DISPUTE_EVENTS_INSERT: &str =
    "INSERT INTO dispute_events (dispute_id, seq, type, on_date, body, actor_id, recorded_at)";

impl Backend {
    /// Registers a dispute: its number (矛盾纠纷编号 `MD2026-000001`), row,
    /// parties, first step and audit line in one transaction. Returns (id,
    /// number).
    pub async fn insert_dispute(&self, rec: &NewDisputeRecord) -> Result<(i64, String)> {
        let now = Utc::now();
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let year = rec.found_on.year();
        let n: i64 = sqlx::query_scalar(
            "INSERT INTO counters (name, value) VALUES ($1, 1) \
             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
        )
        .bind(format!("dispute_no:{year}"))
        .fetch_one(&mut *tx)
        .await?;
        let case_no = format!("MD{year}-{n:06}");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO disputes (case_no, unit_id, responsible_unit_id, source, petition_id, found_on, category, \
             place, summary, claims, people_involved, amount_fen, risk, risk_reason, status, state, resolve_by, \
             version, registered_by, created_at, updated_at) \
             VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, NULL, 1, $16, $17, $17) \
             RETURNING id",
        )
        .bind(&case_no)
        .bind(rec.unit_id.0)
        .bind(&rec.source)
        .bind(rec.petition_id)
        .bind(rec.found_on)
        .bind(&rec.category)
        .bind(&rec.place)
        .bind(&rec.summary)
        .bind(&rec.claims)
        .bind(rec.people_involved)
        .bind(rec.amount_fen)
        .bind(&rec.risk)
        .bind(&rec.risk_reason)
        .bind(&rec.status)
        .bind(&rec.state)
        .bind(rec.registered_by.map(|u| u.0))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let parties = rec
            .parties
            .iter()
            .map(|p| {
                let mut row = vec![
                    Arg::I64(id),
                    Arg::I64(p.seq),
                    Arg::Text(p.role.clone()),
                    Arg::Text(p.kind.clone()),
                    Arg::Text(p.name.clone()),
                    Arg::Text(p.address.clone()),
                ];
                row.extend(sealed_args(&p.phone));
                row.extend(sealed_args(&p.id_number));
                row
            })
            .collect();
        let entry = AuditEntry {
            user_id: rec.registered_by,
            action: "dispute.register".into(),
            object: case_no.clone(),
            success: true,
            detail: format!("parties={}", rec.parties.len()),
        };
        let audit = audit_rows(&mut tx, self.chain.get(), std::slice::from_ref(&entry)).await?;
        tx.insert_all(vec![
            Rows::new(PARTIES_INSERT, 12, parties),
            Rows::new(DISPUTE_EVENTS_INSERT, 7, vec![event_row(id, 1, &rec.event, now)]),
            audit,
        ])
        .await?;
        tx.commit().await?;
        Ok((id, case_no))
    }

    /// Appends a step and the new projection, if the dispute has not moved
    /// since it was read (else `Conflict`).
    pub async fn append_dispute(&self, a: &DisputeAppend) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let case_no: Option<String> = sqlx::query_scalar(
            "UPDATE disputes SET status = $1, state = $2, resolve_by = $3, \
             responsible_unit_id = COALESCE($4, responsible_unit_id), version = version + 1, updated_at = $5 \
             WHERE id = $6 AND version = $7 RETURNING case_no",
        )
        .bind(&a.status)
        .bind(&a.state)
        .bind(a.resolve_by)
        .bind(a.responsible_unit_id.map(|u| u.0))
        .bind(now)
        .bind(a.id)
        .bind(a.expected_version)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(case_no) = case_no else {
            return Err(StoreError::Conflict("该纠纷已被他人更新，请刷新后重试".into()));
        };
        let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM dispute_events WHERE dispute_id = $1")
            .bind(a.id)
            .fetch_one(&mut *tx)
            .await?;
        let entry = AuditEntry {
            user_id: a.event.actor_id,
            action: format!("dispute.{}", a.event.kind),
            object: case_no,
            success: true,
            detail: String::new(),
        };
        let audit = audit_rows(&mut tx, self.chain.get(), std::slice::from_ref(&entry)).await?;
        tx.insert_all(vec![Rows::new(DISPUTE_EVENTS_INSERT, 7, vec![event_row(a.id, seq, &a.event, now)]), audit])
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn dispute(&self, id: i64) -> Result<Option<DisputeRow>> {
        let row =
            sqlx::query(&format!("SELECT {} WHERE d.id = $1", row_cols())).bind(id).fetch_optional(&self.read).await?;
        row.as_ref().map(read_dispute).transpose()
    }

    pub async fn can_view_dispute(&self, id: i64, viewer: &Viewer) -> Result<bool> {
        let mut q = Sql::default();
        q.push("SELECT COUNT(*) FROM disputes d WHERE d.id = ").arg(Arg::I64(id));
        push_dispute_visible(&mut q, viewer);
        Ok(q.query().fetch_one(&self.read).await?.try_get::<i64, _>(0)? > 0)
    }

    pub async fn dispute_parties(&self, id: i64) -> Result<Vec<PartyRecord>> {
        let rows = sqlx::query(
            "SELECT seq, role, kind, name, address, phone_enc, phone_index, phone_masked, id_enc, id_index, id_masked \
             FROM dispute_parties WHERE dispute_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PartyRecord {
                    seq: r.try_get("seq")?,
                    role: r.try_get("role")?,
                    kind: r.try_get("kind")?,
                    name: r.try_get("name")?,
                    address: r.try_get("address")?,
                    phone: sealed_of(r, "phone")?,
                    id_number: sealed_of(r, "id")?,
                })
            })
            .collect()
    }

    pub async fn dispute_events(&self, id: i64) -> Result<Vec<EventRow>> {
        let rows = sqlx::query(
            "SELECT e.seq, e.type, e.on_date, e.body, u.display_name AS actor, e.recorded_at FROM dispute_events e \
             LEFT JOIN users u ON u.id = e.actor_id WHERE e.dispute_id = $1 ORDER BY e.seq",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(read_event).collect()
    }

    /// The ledger: the disputes `viewer` may see that pass `f`, newest
    /// first.
    pub async fn list_disputes(&self, f: &DisputeFilter, viewer: &Viewer) -> Result<Vec<DisputeLine>> {
        let mut q = Sql::default();
        q.push(
            "SELECT d.id, d.case_no, d.found_on, d.category, d.place, d.summary, d.risk, d.status, d.resolve_by, \
             d.state, (SELECT lu.display_name FROM ownerships o JOIN users lu ON lu.id = o.leader_id \
              WHERE o.module = 'dispute' AND o.record_id = d.id AND o.state = 'active') AS leader, \
             u.name AS unit_name, r.name AS responsible_name \
             FROM disputes d JOIN units u ON u.id = d.unit_id LEFT JOIN units r ON r.id = d.responsible_unit_id \
             WHERE 1 = 1",
        );
        push_dispute_visible(&mut q, viewer);
        push_dispute_filter(&mut q, f);
        q.push(" ORDER BY d.id DESC LIMIT ").arg(Arg::I64(f.limit)).push(" OFFSET ").arg(Arg::I64(f.offset));
        let rows = q.query().fetch_all(&self.read).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.try_get("id")).collect::<std::result::Result<_, _>>()?;
        let names = self.party_names(&ids).await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                Ok(DisputeLine {
                    id,
                    case_no: r.try_get("case_no")?,
                    found_on: r.try_get("found_on")?,
                    category: r.try_get("category")?,
                    place: r.try_get("place")?,
                    summary: r.try_get("summary")?,
                    risk: r.try_get("risk")?,
                    status: r.try_get("status")?,
                    unit_name: r.try_get("unit_name")?,
                    responsible_unit_name: r.try_get("responsible_name")?,
                    resolve_by: r.try_get("resolve_by")?,
                    parties: names.get(&id).cloned().unwrap_or_default(),
                    leader: r.try_get("leader")?,
                    state: r.try_get("state")?,
                })
            })
            .collect()
    }

    /// How many disputes `viewer` may see pass `f`.
    pub async fn count_disputes(&self, f: &DisputeFilter, viewer: &Viewer) -> Result<i64> {
        let mut q = Sql::default();
        q.push("SELECT COUNT(*) FROM disputes d WHERE 1 = 1");
        push_dispute_visible(&mut q, viewer);
        push_dispute_filter(&mut q, f);
        Ok(q.query().fetch_one(&self.read).await?.try_get(0)?)
    }

    /// The parties of disputes `ids` as a ledger shows them: 甲（申请人）、乙…
    async fn party_names(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
        let mut out: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut q = Sql::default();
        q.push("SELECT dispute_id, name FROM dispute_parties WHERE dispute_id IN (");
        for (i, id) in ids.iter().enumerate() {
            q.push(if i == 0 { "" } else { ", " }).arg(Arg::I64(*id));
        }
        q.push(") ORDER BY dispute_id, seq");
        for r in q.query().fetch_all(&self.read).await? {
            let names = out.entry(r.try_get("dispute_id")?).or_default();
            if !names.is_empty() {
                names.push('、');
            }
            names.push_str(&r.try_get::<String, _>("name")?);
        }
        Ok(out)
    }

    /// Re-encrypts the numbers of the parties of disputes with id in
    /// (`after`, `after` + `span`]; how many parties changed.
    pub async fn rekey_dispute_parties(&self, after: i64, span: i64, rekey: Rekey<'_>) -> Result<usize> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let rows = sqlx::query(
            "SELECT dispute_id, seq, phone_enc, id_enc FROM dispute_parties WHERE dispute_id > $1 AND dispute_id <= $2 \
             AND (phone_enc IS NOT NULL OR id_enc IS NOT NULL)",
        )
        .bind(after)
        .bind(after + span)
        .fetch_all(&mut *tx)
        .await?;
        let mut n = 0;
        for r in &rows {
            let (id, seq): (i64, i64) = (r.try_get("dispute_id")?, r.try_get("seq")?);
            let bad = |e: String| StoreError::Corrupt(format!("纠纷 {id} 第 {} 方当事人：{e}", seq + 1));
            for (field, enc, index) in [("phone", "phone_enc", "phone_index"), ("id_number", "id_enc", "id_index")] {
                let Some(ct) = r.try_get::<Option<Vec<u8>>, _>(enc)? else { continue };
                if let Some((new, blind)) = rekey(field, &ct).map_err(bad)? {
                    sqlx::query(&format!(
                        "UPDATE dispute_parties SET {enc} = $1, {index} = $2 WHERE dispute_id = $3 AND seq = $4"
                    ))
                    .bind(new)
                    .bind(blind)
                    .bind(id)
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
                    n += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(n)
    }

    pub async fn max_dispute_id(&self) -> Result<i64> {
        Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM disputes")
            .fetch_one(&self.read)
            .await?
            .unwrap_or(0))
    }
}
