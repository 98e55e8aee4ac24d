//! Reading petitions: one case with its petitioners and events, the ledger
//! list with its filters, and the jurisdiction every read is held to (a
//! case at the viewer's unit or below; never a report to the unit it
//! names, Art. 30 ¶3).

use super::*;

/// A word of the vocabulary as stored (its wire name), read back.
pub(crate) fn word<T>(raw: String, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(&raw).ok_or_else(|| StoreError::Corrupt(format!("unknown word {raw}")))
}

/// Rows read one by one: a row whose stored words cannot be read is left
/// out and logged by case number, so one corrupt record never stops a
/// list, a search or the workbench (`xinfang check` lists such records).
pub(crate) fn readable<T>(rows: &[DbRow], read: impl Fn(&DbRow) -> Result<T>) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        match read(r) {
            Ok(v) => out.push(v),
            Err(StoreError::Corrupt(what)) => {
                let case_no: String = r.try_get("case_no").unwrap_or_default();
                tracing::error!(case_no, what, "corrupt record left out of a list (run xinfang check)");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

pub(crate) fn petition_select() -> String {
    format!(
        "SELECT p.id, p.case_no, p.query_code, p.channel, p.class, p.status, p.received_on, p.subject, p.request, \
         p.facts, p.reasons, p.collective_persons, p.state, p.next_due, p.version, p.created_at, p.updated_at, p.repeat_of, \
         p.content_category, p.handler_id, hu.username AS handler_username, hu.display_name AS handler_name, \
         {}, {}, {}, {} \
         FROM petitions p JOIN units u ON u.id = p.unit_id JOIN units g ON g.id = p.registered_unit_id \
         LEFT JOIN units r ON r.id = p.respondent_unit_id LEFT JOIN units q ON q.id = p.problem_unit_id \
         LEFT JOIN users hu ON hu.id = p.handler_id",
        unit_cols("u", "u_"),
        unit_cols("g", "g_"),
        unit_cols("r", "r_"),
        unit_cols("q", "q_")
    )
}

pub(crate) fn read_petition(row: &DbRow) -> Result<PetitionRow> {
    Ok(PetitionRow {
        id: row.try_get("id")?,
        case_no: row.try_get("case_no")?,
        query_code: row.try_get("query_code")?,
        channel: word(row.try_get("channel")?, Channel::parse)?,
        class: word(row.try_get("class")?, PetitionClass::parse)?,
        status: word(row.try_get("status")?, PetitionStatus::parse)?,
        unit: read_unit(row, "u_")?,
        registered_unit: read_unit(row, "g_")?,
        respondent_unit: read_optional_unit(row, "r_")?,
        received_on: row.try_get("received_on")?,
        subject: row.try_get("subject")?,
        request: row.try_get("request")?,
        facts: row.try_get("facts")?,
        reasons: row.try_get("reasons")?,
        collective_persons: row.try_get("collective_persons")?,
        state: row.try_get("state")?,
        next_due: row.try_get("next_due")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        repeat_of: row.try_get("repeat_of")?,
        content_category: row.try_get("content_category")?,
        problem_unit: read_optional_unit(row, "q_")?,
        handler: match (
            row.try_get::<Option<i64>, _>("handler_id")?,
            row.try_get::<Option<String>, _>("handler_username")?,
            row.try_get::<Option<String>, _>("handler_name")?,
        ) {
            (Some(id), Some(username), Some(name)) => Some(NamedUser { id: UserId(id), username, name }),
            _ => None,
        },
    })
}

/// The conditions under which `viewer` may see petition `p`: the case is or
/// was at the viewer's unit or below, and, for a report, the viewer's unit is
/// not the unit reported on nor below it (Art. 30 ¶3).
/// A sealed number of a row (a petitioner's, a party's): `{p}_enc`,
/// `{p}_index`, `{p}_masked`.
pub(crate) fn sealed_of(r: &DbRow, p: &str) -> Result<Option<Sealed>> {
    let ct: Option<Vec<u8>> = r.try_get(format!("{p}_enc").as_str())?;
    Ok(match ct {
        Some(ciphertext) => Some(Sealed {
            ciphertext,
            blind_index: r.try_get::<Option<Vec<u8>>, _>(format!("{p}_index").as_str())?.unwrap_or_default(),
            masked: r.try_get::<Option<String>, _>(format!("{p}_masked").as_str())?.unwrap_or_default(),
        }),
        None => None,
    })
}

/// A step of any module's timeline, from `seq, type, on_date, body,
/// recorded_at` and the actor's name as `actor`.
pub(crate) fn read_event(r: &DbRow) -> Result<EventRow> {
    Ok(EventRow {
        seq: r.try_get("seq")?,
        kind: r.try_get("type")?,
        on: r.try_get("on_date")?,
        body: r.try_get("body")?,
        actor: r.try_get("actor")?,
        recorded_at: r.try_get("recorded_at")?,
    })
}

pub(crate) fn push_visible(q: &mut Sql, viewer: &Viewer) {
    if let Some(ids) = &viewer.unit_ids {
        push_at_units(q, ids);
    }
    push_not_reported_on(q, viewer, "p.respondent_unit_id");
}

/// Art. 30 ¶3 for rows naming the unit reported on in column `respondent`:
/// the viewer's unit is not that unit nor below it.
pub(crate) fn push_not_reported_on(q: &mut Sql, viewer: &Viewer, respondent: &str) {
    q.push(&format!(
        " AND ({respondent} IS NULL OR NOT EXISTS (SELECT 1 FROM units ru WHERE ru.id = {respondent} AND "
    ))
    .arg(Arg::Text(viewer.unit_path.clone()))
    .push(" LIKE ru.path || '%'))");
}

/// The nearest running office deadline (`d`, holder 'office': one a case)
/// of cases handled now at the viewer's unit
/// or below: what the workbench shows, once [`push_not_reported_on`] is
/// added where a case may name a unit reported on. A case handled in the
/// viewer's subtree is visible to it, so the deadline rows' own columns
/// decide and no petition row is read.
pub(crate) fn push_office_work(q: &mut Sql, viewer: &Viewer) {
    q.push(" WHERE d.holder = 'office' AND d.paused = ").arg(Arg::Bool(false)).push(" AND d.unit_id IN (");
    push_unit_scope(q, viewer);
    q.push(")");
}

/// The ids of the units whose work the viewer sees: theirs and those below.
pub(crate) fn push_unit_scope(q: &mut Sql, viewer: &Viewer) {
    match &viewer.unit_ids {
        Some(ids) => push_list(q, ids),
        None => {
            q.push("SELECT id FROM units");
        }
    }
}

pub(crate) fn push_list(q: &mut Sql, ids: &[UnitId]) {
    if ids.is_empty() {
        q.push("NULL");
    }
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.arg(Arg::I64(id.0));
    }
}

/// The case is, or has been, at one of `ids`.
pub(crate) fn push_at_units(q: &mut Sql, ids: &[UnitId]) {
    q.push(" AND EXISTS (SELECT 1 FROM petition_units pu WHERE pu.petition_id = p.id AND pu.unit_id IN (");
    push_list(q, ids);
    q.push("))");
}

/// The columns of a list line; `p` is the petition, `u` its current unit.
pub(crate) const SUMMARY_COLS: &str = "p.id, p.case_no, p.channel, p.class, p.status, u.code AS unit_code, u.name AS unit_name, \
     p.received_on, p.subject, p.next_due, p.collective_persons, \
     (SELECT pe.name FROM petitioners pe WHERE pe.petition_id = p.id ORDER BY pe.seq LIMIT 1) AS pname, \
     (SELECT pe.phone_masked FROM petitioners pe WHERE pe.petition_id = p.id ORDER BY pe.seq LIMIT 1) AS pphone, \
     p.content_category, (SELECT qu.name FROM units qu WHERE qu.id = p.problem_unit_id) AS qname, \
     (SELECT hu.display_name FROM users hu WHERE hu.id = p.handler_id) AS hname, p.state, \
     (SELECT d.clock FROM deadlines d WHERE d.petition_id = p.id AND d.holder = 'office' AND NOT d.paused \
      AND d.due = p.next_due ORDER BY d.clock LIMIT 1) AS next_clock";

pub(crate) fn read_summary(r: &DbRow) -> Result<PetitionSummary> {
    Ok(PetitionSummary {
        id: r.try_get("id")?,
        case_no: r.try_get("case_no")?,
        channel: word(r.try_get("channel")?, Channel::parse)?,
        class: word(r.try_get("class")?, PetitionClass::parse)?,
        status: word(r.try_get("status")?, PetitionStatus::parse)?,
        unit_code: r.try_get("unit_code")?,
        unit_name: r.try_get("unit_name")?,
        received_on: r.try_get("received_on")?,
        subject: r.try_get("subject")?,
        next_due: r.try_get("next_due")?,
        collective_persons: r.try_get("collective_persons")?,
        petitioner_name: r.try_get::<Option<String>, _>("pname")?.unwrap_or_default(),
        petitioner_phone_masked: r.try_get("pphone")?,
        content_category: r.try_get("content_category")?,
        problem_unit_name: r.try_get("qname")?,
        handler_name: r.try_get("hname")?,
        state: r.try_get("state")?,
        next_clock: r.try_get("next_clock")?,
    })
}

/// The narrowing filters of the list (not its order or cursor).
pub(crate) fn push_filters(q: &mut Sql, f: &ListFilter) {
    if let Some(s) = &f.status {
        q.push(" AND p.status = ").arg(Arg::Text(s.as_str().into()));
    }
    if let Some(c) = &f.class {
        q.push(" AND p.class = ").arg(Arg::Text(c.as_str().into()));
    }
    if let Some(c) = &f.channel {
        q.push(" AND p.channel = ").arg(Arg::Text(c.as_str().into()));
    }
    if let Some(d) = f.received_from {
        q.push(" AND p.received_on >= ").arg(Arg::Date(d));
    }
    if let Some(d) = f.received_to {
        q.push(" AND p.received_on <= ").arg(Arg::Date(d));
    }
    if let Some(today) = f.overdue_before {
        q.push(" AND p.next_due < ").arg(Arg::Date(today));
    }
    if let Some(d) = f.due_from {
        q.push(" AND p.next_due >= ").arg(Arg::Date(d));
    }
    if let Some(d) = f.due_to {
        q.push(" AND p.next_due <= ").arg(Arg::Date(d));
    }
    if let Some(ids) = &f.unit_ids {
        push_at_units(q, ids);
    }
    if let Some(ids) = &f.at_unit_ids {
        q.push(" AND p.unit_id IN (");
        push_list(q, ids);
        q.push(")");
    }
    if f.open_only {
        q.push(" AND p.status <> 'closed'");
    }
    if let Some(h) = f.handler_id {
        q.push(" AND p.handler_id = ").arg(Arg::I64(h.0));
    }
    if let Some(c) = &f.content_category {
        // A first-level code (two digits) takes in its second level.
        q.push(" AND (p.content_category = ").arg(Arg::Text(c.clone()));
        if c.len() == 2 {
            q.push(" OR p.content_category LIKE ").arg(Arg::Text(format!("{c}__")));
        }
        q.push(")");
    }
    if let Some(ids) = &f.problem_unit_ids {
        q.push(" AND p.problem_unit_id IN (");
        push_list(q, ids);
        q.push(")");
    }
}

impl Backend {
    pub async fn petition(&self, id: PetitionId) -> Result<Option<PetitionRow>> {
        let row =
            sqlx::query(&format!("{} WHERE p.id = $1", petition_select())).bind(id).fetch_optional(&self.read).await?;
        row.map(|r| read_petition(&r)).transpose()
    }

    pub async fn petition_by_query_code(&self, code: &str) -> Result<Option<PetitionRow>> {
        let row = sqlx::query(&format!("{} WHERE p.query_code = $1", petition_select()))
            .bind(code)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| read_petition(&r)).transpose()
    }

    /// May `viewer` see petition `id`? (The same test as the list.)
    pub async fn can_view(&self, id: PetitionId, viewer: &Viewer) -> Result<bool> {
        let mut q = Sql::default();
        q.push("SELECT COUNT(*) FROM petitions p WHERE p.id = ").arg(Arg::I64(id.0));
        push_visible(&mut q, viewer);
        let n: i64 = q.query().fetch_one(&self.read).await?.try_get(0)?;
        Ok(n > 0)
    }

    pub async fn petitioners(&self, petition_id: PetitionId) -> Result<Vec<PetitionerRecord>> {
        let rows = sqlx::query(
            "SELECT seq, name, address, phone_enc, phone_index, phone_masked, id_enc, id_index, id_masked, representative \
             FROM petitioners WHERE petition_id = $1 ORDER BY seq",
        )
        .bind(petition_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PetitionerRecord {
                    seq: r.try_get("seq")?,
                    name: r.try_get("name")?,
                    address: r.try_get("address")?,
                    phone: sealed_of(r, "phone")?,
                    id_number: sealed_of(r, "id")?,
                    representative: r.try_get("representative")?,
                })
            })
            .collect()
    }

    pub async fn events(&self, petition_id: PetitionId) -> Result<Vec<EventRow>> {
        let rows = sqlx::query(
            "SELECT e.seq, e.type, e.on_date, e.body, e.recorded_at, us.display_name AS actor FROM events e \
             LEFT JOIN users us ON us.id = e.actor_id WHERE e.petition_id = $1 ORDER BY e.seq",
        )
        .bind(petition_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(read_event).collect()
    }

    /// The petition list, newest first, `limit` rows after the cursor.
    /// How many petitions pass the list filters for `viewer`, counted up to
    /// `cap` (a count of the whole of a large ledger would read it all).
    pub async fn count_petitions(&self, f: &ListFilter, viewer: &Viewer, cap: i64) -> Result<i64> {
        let mut q = Sql::default();
        q.push("SELECT COUNT(*) FROM (SELECT 1 FROM petitions p WHERE 1 = 1");
        push_visible(&mut q, viewer);
        push_filters(&mut q, f);
        q.push(" LIMIT ").arg(Arg::I64(cap)).push(") c");
        let rows = q.query().fetch_all(&self.read).await?;
        Ok(rows.first().map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(0))
    }

    pub async fn list_petitions(&self, f: &ListFilter, viewer: &Viewer) -> Result<Vec<PetitionSummary>> {
        let mut q = Sql::default();
        q.push(&format!("SELECT {SUMMARY_COLS} FROM petitions p JOIN units u ON u.id = p.unit_id WHERE 1 = 1"));
        push_visible(&mut q, viewer);
        push_filters(&mut q, f);
        let (column, op) = match f.sort {
            ListSort::Newest => ("", ""),
            ListSort::ReceivedDesc => ("p.received_on", "<"),
            ListSort::ReceivedAsc => ("p.received_on", ">"),
            ListSort::DueAsc => ("p.next_due", ">"),
        };
        if f.sort == ListSort::DueAsc {
            q.push(" AND p.next_due IS NOT NULL");
        }
        match (f.sort, f.after) {
            (ListSort::Newest, _) => {
                if let Some(id) = f.before_id {
                    q.push(" AND p.id < ").arg(Arg::I64(id));
                }
            }
            (_, Some((date, id))) => {
                q.push(&format!(" AND ({column} {op} ")).arg(Arg::Date(date));
                q.push(&format!(" OR ({column} = ")).arg(Arg::Date(date));
                q.push(&format!(" AND p.id {op} ")).arg(Arg::I64(id)).push("))");
            }
            (_, None) => {}
        }
        let order = match f.sort {
            ListSort::Newest => "p.id DESC",
            ListSort::ReceivedDesc => "p.received_on DESC, p.id DESC",
            ListSort::ReceivedAsc => "p.received_on ASC, p.id ASC",
            ListSort::DueAsc => "p.next_due ASC, p.id ASC",
        };
        q.push(&format!(" ORDER BY {order} LIMIT ")).arg(Arg::I64(f.limit));
        let rows = q.query().fetch_all(&self.read).await?;
        readable(&rows, read_summary)
    }
}
