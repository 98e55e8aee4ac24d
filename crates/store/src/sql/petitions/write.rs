//! Writing petitions: registration (the petition, its petitioners, events,
//! units, deadlines, search rows and audit lines, for a whole batch at
//! once) and appending a step of the procedure.

use super::*;

pub(crate) fn event_row(petition_id: i64, seq: i64, e: &EventRecord, now: DateTime<Utc>) -> Vec<Arg> {
    vec![
        Arg::I64(petition_id),
        Arg::I64(seq),
        Arg::Text(e.kind.clone()),
        Arg::Date(e.on),
        Arg::Text(e.body.clone()),
        Arg::OptI64(e.actor_id.map(|u| u.0)),
        Arg::Time(now),
    ]
}

/// The audit detail of a registration: how many events it wrote, the seal
/// of the record and of each event ([`crate::seal`]).
fn registration_detail(rec: &NewPetitionRecord) -> String {
    let people: Vec<seal::PersonParts<'_>> = rec
        .petitioners
        .iter()
        .map(|p| seal::PersonParts {
            seq: p.seq,
            name: &p.name,
            address: &p.address,
            phone_enc: p.phone.as_ref().map(|s| s.ciphertext.as_slice()),
            id_enc: p.id_number.as_ref().map(|s| s.ciphertext.as_slice()),
            representative: p.representative,
        })
        .collect();
    let record = seal::record(
        &seal::RecordParts {
            query_code: &rec.query_code,
            channel: &rec.channel,
            class: &rec.class,
            registered_unit_id: rec.registered_unit_id.0,
            respondent_unit_id: rec.respondent_unit_id.map(|u| u.0),
            received_on: rec.received_on,
            subject: &rec.subject,
            request: &rec.request,
            facts: &rec.facts,
            reasons: &rec.reasons,
            collective_persons: rec.collective_persons,
        },
        &people,
    );
    let events: Vec<String> = rec.events.iter().map(event_seal).collect();
    format!("events={} seal={record} eseals={}", rec.events.len(), events.join(","))
}

fn event_seal(e: &EventRecord) -> String {
    seal::event(&e.kind, e.on, &e.body, e.actor_id.map(|u| u.0))
}

pub(crate) const EVENTS_INSERT: &str =
    "INSERT INTO events (petition_id, seq, type, on_date, body, actor_id, recorded_at)";
pub(crate) const UNITS_INSERT: &str = "INSERT INTO petition_units (petition_id, unit_id)";

pub(crate) fn sealed_args(s: &Option<Sealed>) -> [Arg; 3] {
    [
        Arg::OptBytes(s.as_ref().map(|x| x.ciphertext.clone())),
        Arg::OptBytes(s.as_ref().map(|x| x.blind_index.clone())),
        Arg::OptText(s.as_ref().map(|x| x.masked.clone())),
    ]
}

/// Writes new petitions inside `tx`: case numbers, petitions, petitioners,
/// events, deadlines, access rows and audit lines, each kind in as few
/// multi-row statements as possible. Returns (id, case_no) in order.
pub(crate) async fn insert_petitions_tx(
    tx: &mut impl WriteTx,
    key: Option<[u8; 32]>,
    batch: &[&NewPetitionRecord],
) -> Result<Vec<(i64, String)>> {
    let now = Utc::now();
    let case_nos = case_numbers(tx, batch).await?;
    let rows = batch.iter().zip(&case_nos).map(|(rec, case_no)| petition_row(rec, case_no, now)).collect();
    let returned = tx
        .insert_rows(
            "INSERT INTO petitions (case_no, query_code, channel, class, status, unit_id, registered_unit_id, \
         respondent_unit_id, received_on, subject, request, facts, reasons, collective_persons, state, next_due, \
         version, registered_by, created_at, updated_at, content_category, problem_unit_id, handler_id)",
            23,
            rows,
            "RETURNING id, case_no",
        )
        .await
        .map_err(|e| e.unique("查询码或编号冲突，请重试"))?;
    let mut ids = std::collections::HashMap::with_capacity(returned.len());
    for r in &returned {
        ids.insert(r.text(1)?, r.i64(0)?);
    }
    let id_of =
        |case_no: &str| ids.get(case_no).copied().ok_or_else(|| StoreError::Corrupt("insert returned no id".into()));

    let (mut people, mut events, mut deadlines, mut units, mut audit) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut blobs, mut attached) = (Vec::new(), Vec::new());
    let mut due_counts = DueCounts::default();
    for (rec, case_no) in batch.iter().zip(&case_nos) {
        let id = id_of(case_no)?;
        for p in &rec.petitioners {
            let mut row = vec![Arg::I64(id), Arg::I64(p.seq), Arg::Text(p.name.clone()), Arg::Text(p.address.clone())];
            row.extend(sealed_args(&p.phone));
            row.extend(sealed_args(&p.id_number));
            row.push(Arg::Bool(p.representative));
            people.push(row);
        }
        for (i, e) in rec.events.iter().enumerate() {
            events.push(event_row(id, i as i64 + 1, e, now));
        }
        let place = Place { unit_id: rec.unit_id.0, respondent_unit_id: rec.respondent_unit_id.map(|u| u.0) };
        due_counts.add_all(&place, &rec.deadlines, 1);
        deadlines.extend(deadline_rows(id, place, &rec.deadlines));
        let mut seen = std::collections::BTreeSet::new();
        for u in rec.unit_ids.iter().filter(|u| seen.insert(**u)) {
            units.push(vec![Arg::I64(id), Arg::I64(u.0)]);
        }
        audit.push(AuditEntry {
            user_id: rec.registered_by,
            action: "petition.register".into(),
            object: case_no.clone(),
            success: true,
            detail: registration_detail(rec),
        });
        if !rec.attachments.is_empty() {
            let (b, a) = attachment_rows("petition", id, &rec.attachments, now);
            blobs.extend(b);
            attached.extend(a);
            audit.push(AuditEntry {
                user_id: rec.registered_by,
                action: "attachment.add".into(),
                object: case_no.clone(),
                success: true,
                detail: attachment_detail(&rec.attachments),
            });
        }
    }
    // The contents first: the attachment rows refer to them.
    if !blobs.is_empty() {
        tx.insert_all(vec![Rows::of(BLOBS_INSERT, blobs)]).await?;
    }
    let docs = batch.iter().zip(&case_nos).map(|(rec, c)| Ok((id_of(c)?, &rec.search))).collect::<Result<Vec<_>>>()?;
    let noticed =
        batch.iter().zip(&case_nos).map(|(rec, c)| Ok((*rec, id_of(c)?, c.as_str()))).collect::<Result<Vec<_>>>()?;
    let audit = audit_rows(tx, key, &audit).await?;
    // Everything else in one statement: on PostgreSQL, one round trip.
    let mut tables = vec![
        Rows::new(
            "INSERT INTO petitioners (petition_id, seq, name, address, phone_enc, phone_index, phone_masked, \
             id_enc, id_index, id_masked, representative)",
            11,
            people,
        ),
        Rows::new(EVENTS_INSERT, 7, events),
        Rows::new(DEADLINES_INSERT, DEADLINE_COLS, deadlines),
        due_counts.rows(),
        Rows::new(UNITS_INSERT, 2, units),
        monthly_rows(batch),
        category_rows(batch),
        Rows::new(ATTACHMENTS_INSERT, 8, attached),
        notice_rows(&noticed, now),
        audit,
    ];
    tables.extend(search_rows(&docs));
    tx.insert_all(tables).await?;
    Ok(batch.iter().zip(case_nos).map(|(_, c)| (ids[&c], c)).collect())
}

/// The next case numbers (编号, `XF2026-000123`) for a batch, in order: one
/// counter step per year for the whole batch.
async fn case_numbers(tx: &mut impl WriteTx, batch: &[&NewPetitionRecord]) -> Result<Vec<String>> {
    let mut per_year: std::collections::BTreeMap<i32, i64> = std::collections::BTreeMap::new();
    for rec in batch {
        *per_year.entry(rec.received_on.year()).or_default() += 1;
    }
    let mut next_no = std::collections::BTreeMap::new();
    for (year, n) in &per_year {
        let mut q = Sql::default();
        q.push("INSERT INTO counters (name, value) VALUES (")
            .arg(Arg::Text(format!("case_no:{year}")))
            .push(", ")
            .arg(Arg::I64(*n))
            .push(") ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value RETURNING value");
        let last = tx.fetch(q).await?.first().ok_or_else(|| StoreError::Corrupt("counter".into()))?.i64(0)?;
        next_no.insert(*year, last - n + 1);
    }
    let mut case_nos = Vec::with_capacity(batch.len());
    for rec in batch {
        let year = rec.received_on.year();
        let n = next_no.get_mut(&year).ok_or_else(|| StoreError::Corrupt("counter".into()))?;
        case_nos.push(format!("XF{year}-{:06}", *n));
        *n += 1;
    }
    Ok(case_nos)
}

/// The `petitions` row of a new petition, at version 1.
fn petition_row(rec: &NewPetitionRecord, case_no: &str, now: DateTime<Utc>) -> Vec<Arg> {
    vec![
        Arg::Text(case_no.to_string()),
        Arg::Text(rec.query_code.clone()),
        Arg::Text(rec.channel.clone()),
        Arg::Text(rec.class.clone()),
        Arg::Text(rec.status.clone()),
        Arg::I64(rec.unit_id.0),
        Arg::I64(rec.registered_unit_id.0),
        Arg::OptI64(rec.respondent_unit_id.map(|u| u.0)),
        Arg::Date(rec.received_on),
        Arg::Text(rec.subject.clone()),
        Arg::Text(rec.request.clone()),
        Arg::Text(rec.facts.clone()),
        Arg::Text(rec.reasons.clone()),
        Arg::OptI64(rec.collective_persons),
        Arg::Text(rec.state.clone()),
        Arg::OptDate(rec.next_due),
        Arg::I64(1),
        Arg::OptI64(rec.registered_by.map(|u| u.0)),
        Arg::Time(now),
        Arg::Time(now),
        Arg::Text(rec.content_category.clone()),
        Arg::OptI64(rec.problem_unit_id.map(|u| u.0)),
        Arg::OptI64(rec.handler_id.map(|u| u.0)),
    ]
}

/// The monthly statistics' cells a batch adds to: month × receiving unit ×
/// class, counted once per petition.
fn monthly_rows(batch: &[&NewPetitionRecord]) -> Rows {
    cell_rows(
        batch,
        |r| r.class.as_str(),
        "INSERT INTO monthly_counts (month, unit_id, class, n)",
        "ON CONFLICT (month, unit_id, class) DO UPDATE SET n = monthly_counts.n + excluded.n",
    )
}

/// The same by content category (内容分类).
fn category_rows(batch: &[&NewPetitionRecord]) -> Rows {
    cell_rows(
        batch,
        |r| r.content_category.as_str(),
        "INSERT INTO category_counts (month, unit_id, category, n)",
        "ON CONFLICT (month, unit_id, category) DO UPDATE SET n = category_counts.n + excluded.n",
    )
}

/// A batch's cells of a kept count: month × receiving unit × `of`.
fn cell_rows(
    batch: &[&NewPetitionRecord],
    of: fn(&NewPetitionRecord) -> &str,
    head: &'static str,
    tail: &'static str,
) -> Rows {
    let mut cells: std::collections::BTreeMap<(String, i64, &str), i64> = std::collections::BTreeMap::new();
    for rec in batch {
        let key = (rec.received_on.format("%Y-%m").to_string(), rec.registered_unit_id.0, of(rec));
        *cells.entry(key).or_default() += 1;
    }
    let rows = cells
        .into_iter()
        .map(|((month, unit, value), n)| vec![Arg::Text(month), Arg::I64(unit), Arg::Text(value.into()), Arg::I64(n)])
        .collect();
    Rows { head, cols: 4, rows, tail }
}

/// Appends one event and the new projection inside `tx`, if the case has
/// not moved since it was read (else `Conflict`).
pub(crate) async fn append_event_tx(tx: &mut impl WriteTx, key: Option<[u8; 32]>, a: &AppendEvent) -> Result<()> {
    let now = Utc::now();
    let mut q = Sql::default();
    q.push("UPDATE petitions SET status = ")
        .arg(Arg::Text(a.status.clone()))
        .push(", unit_id = ")
        .arg(Arg::I64(a.unit_id.0))
        .push(", state = ")
        .arg(Arg::Text(a.state.clone()))
        .push(", next_due = ")
        .arg(Arg::OptDate(a.next_due))
        .push(", handler_id = ")
        .arg(Arg::OptI64(a.handler_id.map(|u| u.0)))
        .push(", version = version + 1, updated_at = ")
        .arg(Arg::Time(now))
        .push(" WHERE id = ")
        .arg(Arg::I64(a.petition_id.0))
        .push(" AND version = ")
        .arg(Arg::I64(a.expected_version))
        .push(" RETURNING case_no, respondent_unit_id");
    let Some(row) = tx.fetch(q).await?.into_iter().next() else {
        return Err(StoreError::Conflict("该信访事项已被他人更新，请刷新后重试".into()));
    };
    let case_no = row.text(0)?;
    if let Some(n) = &a.notice {
        petitioner_notice_tx(tx, a.petition_id.0, &case_no, n, None).await?;
    }
    let place = Place { unit_id: a.unit_id.0, respondent_unit_id: row.opt_i64(1)? };
    let mut q = Sql::default();
    q.push("SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE petition_id = ").arg(Arg::I64(a.petition_id.0));
    let seq = tx.fetch(q).await?.first().ok_or_else(|| StoreError::Corrupt("events".into()))?.i64(0)?;
    let entry = AuditEntry {
        user_id: a.event.actor_id,
        action: format!("petition.{}", a.event.kind),
        object: case_no,
        success: true,
        detail: format!("seal={}", event_seal(&a.event)),
    };
    let audit = audit_rows(tx, key, std::slice::from_ref(&entry)).await?;
    let units = a.add_unit_ids.iter().map(|u| vec![Arg::I64(a.petition_id.0), Arg::I64(u.0)]).collect();
    let with = vec![
        Rows::new(EVENTS_INSERT, 7, vec![event_row(a.petition_id.0, seq, &a.event, now)]),
        Rows { head: UNITS_INSERT, cols: 2, rows: units, tail: "ON CONFLICT DO NOTHING" },
        audit,
    ];
    replace_deadlines(tx, a.petition_id.0, place, &a.deadlines, with).await
}
