// The SQL of the store, written once and compiled twice: `sqlite/mod.rs` and
// `postgres/mod.rs` each `include!` this file after defining `Db` (the sqlx
// database), `Backend { write, read }`, `MIGRATIONS`, `BEGIN_WRITE` and the
// few pieces whose SQL differs (placeholders, multi-row inserts, search).
// Queries use `$1` placeholders and types both engines share, so the same
// text runs on both; the schema differences live in each `migrations/`.

use crate::model::*;
use crate::{Result, StoreError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sqlx::Row;
use xinfang_domain::calendar::SpecialDay;
use xinfang_domain::{ClockName, Deadline, Role, UnitKind};

type Tx<'a> = sqlx::Transaction<'a, Db>;

/// The tables a bulk load fills, whose secondary indexes (and, on
/// PostgreSQL, foreign keys) it sets aside and restores afterwards (see
/// `set_aside_for_load`).
const LOAD_TABLES: &str = "'petitions', 'petitioners', 'events', 'deadlines', 'petition_units', 'petition_search', \
                           'petition_signatures', 'monthly_counts', 'office_due_counts'";

/// The `meta` key prefix of what a bulk load set aside, followed by
/// `index:` or `constraint:` and its name (no `%` or `_`: it is matched with
/// `LIKE`).
const SET_ASIDE: &str = "dropped-";

/// A bind value of a query built at run time.
#[derive(Debug, Clone)]
enum Arg {
    I64(i64),
    OptI64(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Date(NaiveDate),
    OptDate(Option<NaiveDate>),
    Bool(bool),
    OptBytes(Option<Vec<u8>>),
    Time(DateTime<Utc>),
}

/// The rows of one table for a multi-row insert, as `insert_rows` takes
/// them: `head` (`INSERT INTO t (a, b)`), `cols` values in each row, and
/// `tail` (`ON CONFLICT …`). Several are written together by `insert_all`.
struct Rows {
    head: &'static str,
    cols: usize,
    rows: Vec<Vec<Arg>>,
    tail: &'static str,
}

impl Rows {
    fn new(head: &'static str, cols: usize, rows: Vec<Vec<Arg>>) -> Self {
        Rows { head, cols, rows, tail: "" }
    }

    /// Rows for one of the backends' (head, cols, tail) statements.
    fn of((head, cols, tail): (&'static str, usize, &'static str), rows: Vec<Vec<Arg>>) -> Self {
        Rows { head, cols, rows, tail }
    }
}

/// A query built at run time: its text and its numbered arguments.
#[derive(Debug, Default)]
struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }
    /// Adds an argument and writes its placeholder.
    fn arg(&mut self, a: Arg) -> &mut Self {
        self.args.push(a);
        let n = self.args.len();
        push_placeholder(&mut self.text, n);
        self
    }
    /// The query to run, which takes the arguments over (each text is then
    /// handed to the database as it is, not copied once more): a query is
    /// built to be run once.
    fn query(&mut self) -> sqlx::query::Query<'_, Db, <Db as sqlx::Database>::Arguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in std::mem::take(&mut self.args) {
            q = match a {
                Arg::I64(v) => q.bind(v),
                Arg::OptI64(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::OptText(v) => q.bind(v),
                Arg::Date(v) => q.bind(v),
                Arg::OptDate(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::OptBytes(v) => q.bind(v),
                Arg::Time(v) => q.bind(v),
            };
        }
        q
    }
}

fn unit_cols(alias: &str, prefix: &str) -> String {
    format!(
        "{alias}.id AS {prefix}id, {alias}.code AS {prefix}code, {alias}.name AS {prefix}name, \
         {alias}.kind AS {prefix}kind, {alias}.parent_id AS {prefix}parent_id, {alias}.path AS {prefix}path, \
         {alias}.disabled AS {prefix}disabled"
    )
}

fn read_unit(row: &DbRow, prefix: &str) -> Result<Unit> {
    let kind: String = row.try_get(format!("{prefix}kind").as_str())?;
    Ok(Unit {
        id: row.try_get(format!("{prefix}id").as_str())?,
        code: row.try_get(format!("{prefix}code").as_str())?,
        name: row.try_get(format!("{prefix}name").as_str())?,
        kind: UnitKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("unit kind {kind}")))?,
        parent_id: row.try_get(format!("{prefix}parent_id").as_str())?,
        path: row.try_get(format!("{prefix}path").as_str())?,
        disabled: row.try_get(format!("{prefix}disabled").as_str())?,
    })
}

fn read_optional_unit(row: &DbRow, prefix: &str) -> Result<Option<Unit>> {
    let id: Option<i64> = row.try_get(format!("{prefix}id").as_str())?;
    match id {
        Some(_) => read_unit(row, prefix).map(Some),
        None => Ok(None),
    }
}

fn user_select() -> String {
    format!(
        "SELECT us.id, us.username, us.display_name, us.role, us.disabled, us.password_hash, {} \
         FROM users us JOIN units u ON u.id = us.unit_id",
        unit_cols("u", "u_")
    )
}

fn read_user(row: &DbRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
        unit: read_unit(row, "u_")?,
        disabled: row.try_get("disabled")?,
    })
}

fn petition_select() -> String {
    format!(
        "SELECT p.id, p.case_no, p.query_code, p.channel, p.class, p.status, p.received_on, p.subject, p.request, \
         p.facts, p.reasons, p.collective_persons, p.state, p.next_due, p.version, p.created_at, p.updated_at, p.repeat_of, \
         {}, {}, {} \
         FROM petitions p JOIN units u ON u.id = p.unit_id JOIN units g ON g.id = p.registered_unit_id \
         LEFT JOIN units r ON r.id = p.respondent_unit_id",
        unit_cols("u", "u_"),
        unit_cols("g", "g_"),
        unit_cols("r", "r_")
    )
}

fn read_petition(row: &DbRow) -> Result<PetitionRow> {
    Ok(PetitionRow {
        id: row.try_get("id")?,
        case_no: row.try_get("case_no")?,
        query_code: row.try_get("query_code")?,
        channel: row.try_get("channel")?,
        class: row.try_get("class")?,
        status: row.try_get("status")?,
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
    })
}

/// The conditions under which `viewer` may see petition `p`: the case is or
/// was at the viewer's unit or below, and, for a report, the viewer's unit is
/// not the unit reported on nor below it (Art. 30 ¶3).
fn push_visible(q: &mut Sql, viewer: &Viewer) {
    if let Some(ids) = &viewer.unit_ids {
        push_at_units(q, ids);
    }
    push_not_reported_on(q, viewer, "p.respondent_unit_id");
}

/// Art. 30 ¶3 for rows naming the unit reported on in column `respondent`:
/// the viewer's unit is not that unit nor below it.
fn push_not_reported_on(q: &mut Sql, viewer: &Viewer, respondent: &str) {
    q.push(&format!(
        " AND ({respondent} IS NULL OR NOT EXISTS (SELECT 1 FROM units ru WHERE ru.id = {respondent} AND "
    ))
    .arg(Arg::Text(viewer.unit_path.clone()))
    .push(" LIKE ru.path || '%'))");
}

/// Running office deadlines (`d`) of cases handled now at the viewer's unit
/// or below: what the workbench shows, once [`push_not_reported_on`] is
/// added where a case may name a unit reported on. A case handled in the
/// viewer's subtree is visible to it, so the deadline rows' own columns
/// decide and no petition row is read.
fn push_office_work(q: &mut Sql, viewer: &Viewer) {
    q.push(" WHERE d.holder = 'office' AND d.paused = ").arg(Arg::Bool(false)).push(" AND d.unit_id IN (");
    push_unit_scope(q, viewer);
    q.push(")");
}

/// The ids of the units whose work the viewer sees: theirs and those below.
fn push_unit_scope(q: &mut Sql, viewer: &Viewer) {
    match &viewer.unit_ids {
        Some(ids) => push_list(q, ids),
        None => {
            q.push("SELECT id FROM units");
        }
    }
}

fn push_list(q: &mut Sql, ids: &[i64]) {
    if ids.is_empty() {
        q.push("NULL");
    }
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.arg(Arg::I64(*id));
    }
}

/// The case is, or has been, at one of `ids`.
fn push_at_units(q: &mut Sql, ids: &[i64]) {
    q.push(" AND EXISTS (SELECT 1 FROM petition_units pu WHERE pu.petition_id = p.id AND pu.unit_id IN (");
    push_list(q, ids);
    q.push("))");
}

/// The columns of a list line; `p` is the petition, `u` its current unit.
const SUMMARY_COLS: &str = "p.id, p.case_no, p.channel, p.class, p.status, u.code AS unit_code, u.name AS unit_name, \
     p.received_on, p.subject, p.next_due, p.collective_persons, \
     (SELECT pe.name FROM petitioners pe WHERE pe.petition_id = p.id ORDER BY pe.seq LIMIT 1) AS pname, \
     (SELECT pe.phone_masked FROM petitioners pe WHERE pe.petition_id = p.id ORDER BY pe.seq LIMIT 1) AS pphone";

fn read_summary(r: &DbRow) -> Result<PetitionSummary> {
    Ok(PetitionSummary {
        id: r.try_get("id")?,
        case_no: r.try_get("case_no")?,
        channel: r.try_get("channel")?,
        class: r.try_get("class")?,
        status: r.try_get("status")?,
        unit_code: r.try_get("unit_code")?,
        unit_name: r.try_get("unit_name")?,
        received_on: r.try_get("received_on")?,
        subject: r.try_get("subject")?,
        next_due: r.try_get("next_due")?,
        collective_persons: r.try_get("collective_persons")?,
        petitioner_name: r.try_get::<Option<String>, _>("pname")?.unwrap_or_default(),
        petitioner_phone_masked: r.try_get("pphone")?,
    })
}

/// The narrowing filters of the list (not its order or cursor).
fn push_filters(q: &mut Sql, f: &ListFilter) {
    if let Some(s) = &f.status {
        q.push(" AND p.status = ").arg(Arg::Text(s.clone()));
    }
    if let Some(c) = &f.class {
        q.push(" AND p.class = ").arg(Arg::Text(c.clone()));
    }
    if let Some(c) = &f.channel {
        q.push(" AND p.channel = ").arg(Arg::Text(c.clone()));
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
    if let Some(ids) = &f.unit_ids {
        push_at_units(q, ids);
    }
}

/// The search index rows, signatures and LSH bands of petitions.
fn search_rows(docs: &[(i64, &xinfang_text::SearchDoc)]) -> [Rows; 3] {
    let (mut text, mut sigs, mut bands) = (Vec::new(), Vec::new(), Vec::new());
    for (id, doc) in docs {
        text.push(search_row(*id, doc));
        sigs.push(vec![Arg::I64(*id), Arg::OptBytes(Some(doc.signature.to_bytes()))]);
        bands.extend(band_rows(*id, &doc.signature));
    }
    [
        Rows::of(SEARCH_INSERT, text),
        Rows::new("INSERT INTO petition_signatures (petition_id, minhash)", 2, sigs),
        Rows::of(BAND_INSERT, bands),
    ]
}

/// How many of the newest matches a text search ranks. Ranking every match
/// of a common word in a large ledger would read them all; the newest few
/// thousand in the user's jurisdiction are what a clerk looks for.
const RANK_WINDOW: i64 = 1000;

fn read_hit(r: &DbRow) -> Result<SearchHit> {
    Ok(SearchHit {
        summary: read_summary(r)?,
        request: r.try_get("request")?,
        facts: r.try_get("facts")?,
        reasons: r.try_get("reasons")?,
        score: r.try_get("score")?,
    })
}

/// Earlier petitions read per LSH band and per person key when looking for
/// repeats: bounds the look-up however common a band is.
const CANDIDATES_PER_KEY: i64 = 8;

/// Candidates whose rows are read, best scored first (the page shows 10;
/// some may be outside the viewer's jurisdiction).
const MAX_CANDIDATE_ROWS: usize = 40;

/// Where the statements of a write run: a sqlx transaction or connection,
/// or on SQLite the group-commit writer's own connection on its thread
/// (`sqlite/direct.rs`). The SQL of a write is written once, over this.
trait WriteTx {
    type Row: Cells;
    /// Runs `q` and returns its rows.
    async fn fetch(&mut self, q: Sql) -> Result<Vec<Self::Row>>;
    /// Inserts `rows` (each `cols` values) into `head` (`INSERT INTO t (a,
    /// b)`), `tail` appended (`ON CONFLICT …`, `RETURNING …`), in as few
    /// statements as the backend can; returns the rows they returned.
    async fn insert_rows(&mut self, head: &str, cols: usize, rows: Vec<Vec<Arg>>, tail: &str) -> Result<Vec<Self::Row>>;
    /// Writes the rows of several tables: one after the other, as here,
    /// where the statements run in this process and there is no round trip
    /// to save (SQLite); PostgreSQL sends them in one statement.
    async fn insert_all(&mut self, tables: Vec<Rows>) -> Result<()> {
        for t in tables {
            self.insert_rows(t.head, t.cols, t.rows, t.tail).await?;
        }
        Ok(())
    }
}

/// A connection a group-commit batch runs on ([`run_batch_on`]): it begins,
/// ends and marks its transaction by statements of its own.
trait BatchConn: WriteTx {
    /// Runs `sql`, which takes no arguments and may hold several statements.
    async fn exec(&mut self, sql: &'static str) -> Result<()>;
}

/// The columns of a returned row, by position.
trait Cells {
    fn i64(&self, i: usize) -> Result<i64>;
    fn opt_i64(&self, i: usize) -> Result<Option<i64>>;
    fn text(&self, i: usize) -> Result<String>;
    fn flag(&self, i: usize) -> Result<bool>;
    fn date(&self, i: usize) -> Result<NaiveDate>;
}

impl Cells for DbRow {
    fn i64(&self, i: usize) -> Result<i64> {
        Ok(self.try_get(i)?)
    }
    fn opt_i64(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.try_get(i)?)
    }
    fn text(&self, i: usize) -> Result<String> {
        Ok(self.try_get(i)?)
    }
    fn flag(&self, i: usize) -> Result<bool> {
        Ok(self.try_get(i)?)
    }
    fn date(&self, i: usize) -> Result<NaiveDate> {
        Ok(self.try_get(i)?)
    }
}

/// A sqlx transaction writes through its connection.
impl WriteTx for Tx<'_> {
    type Row = DbRow;
    async fn fetch(&mut self, q: Sql) -> Result<Vec<DbRow>> {
        (**self).fetch(q).await
    }
    async fn insert_rows(&mut self, head: &str, cols: usize, rows: Vec<Vec<Arg>>, tail: &str) -> Result<Vec<DbRow>> {
        (**self).insert_rows(head, cols, rows, tail).await
    }
    async fn insert_all(&mut self, tables: Vec<Rows>) -> Result<()> {
        (**self).insert_all(tables).await
    }
}

/// Where a case stands, as its deadline rows carry it for the workbench:
/// the handling unit and the unit reported on (Art. 30).
#[derive(Debug, Clone, Copy)]
struct Place {
    unit_id: i64,
    respondent_unit_id: Option<i64>,
}

fn deadline_rows(petition_id: i64, place: Place, deadlines: &[Deadline]) -> Vec<Vec<Arg>> {
    deadlines
        .iter()
        .map(|d| {
            vec![
                Arg::I64(petition_id),
                Arg::I64(place.unit_id),
                Arg::OptI64(place.respondent_unit_id),
                Arg::Text(d.clock.as_str().into()),
                Arg::Date(d.due),
                // Only running duties are 'office': the workbench and the
                // overdue filter read that; windows are kept for reference.
                Arg::Text(
                    match (d.holder, d.is_duty()) {
                        (xinfang_domain::Holder::Office, true) => "office",
                        (xinfang_domain::Holder::Office, false) => "window",
                        (xinfang_domain::Holder::Petitioner, _) => "petitioner",
                    }
                    .into(),
                ),
                Arg::Bool(d.provisional),
                Arg::Bool(d.paused),
                Arg::Text(d.explanation.clone()),
            ]
        })
        .collect()
}

/// Changes to `office_due_counts` (migration 0009): the deadline rows the
/// workbench counts from that table, by (unit, clock, due date), added (+1)
/// or taken away (−1) in the transaction that writes them. Those are the
/// running office duties of cases that name no unit reported on; the
/// others are counted row by row, each tested for Art. 30.
#[derive(Default)]
struct DueCounts(std::collections::BTreeMap<(i64, &'static str, NaiveDate), i64>);

impl DueCounts {
    /// Counts a deadline row by `by` if it is a running office duty
    /// (`duty`: stored as 'office', not paused) of a case that names no unit
    /// reported on.
    fn add(&mut self, place: &Place, clock: ClockName, due: NaiveDate, duty: bool, by: i64) {
        if duty && place.respondent_unit_id.is_none() {
            *self.0.entry((place.unit_id, clock.as_str(), due)).or_default() += by;
        }
    }

    fn add_all(&mut self, place: &Place, deadlines: &[Deadline], by: i64) {
        for d in deadlines {
            self.add(place, d.clock, d.due, d.is_duty(), by);
        }
    }

    /// The changes, as one upsert for all.
    fn rows(&self) -> Rows {
        let rows = self
            .0
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|((unit, clock, due), n)| vec![Arg::I64(*unit), Arg::Text((*clock).into()), Arg::Date(*due), Arg::I64(*n)])
            .collect();
        Rows {
            head: "INSERT INTO office_due_counts (unit_id, clock, due, n)",
            cols: 4,
            rows,
            tail: "ON CONFLICT (unit_id, clock, due) DO UPDATE SET n = office_due_counts.n + excluded.n",
        }
    }

    /// Once [`rows`](Self::rows) are written: deletes the counts that fell
    /// to zero, so that a page sums only dates that hold a duty.
    async fn delete_emptied(&self, tx: &mut impl WriteTx) -> Result<()> {
        for ((unit, clock, due), _) in self.0.iter().filter(|(_, n)| **n < 0) {
            let mut q = Sql::default();
            q.push("DELETE FROM office_due_counts WHERE unit_id = ")
                .arg(Arg::I64(*unit))
                .push(" AND clock = ")
                .arg(Arg::Text((*clock).into()))
                .push(" AND due = ")
                .arg(Arg::Date(*due))
                .push(" AND n = 0");
            tx.fetch(q).await?;
        }
        Ok(())
    }
}

const DEADLINES_INSERT: &str = "INSERT INTO deadlines (petition_id, unit_id, respondent_unit_id, clock, due, holder, \
     provisional, paused, explanation)";

/// Columns of [`DEADLINES_INSERT`].
const DEADLINE_COLS: usize = 9;

/// Replaces the deadline rows of case `id` (after a step, or a calendar
/// recompute), writing the rows of `with` in the same statement.
async fn replace_deadlines(tx: &mut impl WriteTx, id: i64, place: Place, deadlines: &[Deadline], with: Vec<Rows>) -> Result<()> {
    let mut q = Sql::default();
    q.push("DELETE FROM deadlines WHERE petition_id = ")
        .arg(Arg::I64(id))
        .push(" RETURNING unit_id, respondent_unit_id, clock, due, holder, paused");
    let old = tx.fetch(q).await?;
    let mut counts = DueCounts::default();
    for r in &old {
        let clock = r.text(2)?;
        let clock = ClockName::parse(&clock).ok_or_else(|| StoreError::Corrupt(format!("deadline clock {clock}")))?;
        let was = Place { unit_id: r.i64(0)?, respondent_unit_id: r.opt_i64(1)? };
        let duty = r.text(4)? == "office" && !r.flag(5)?;
        counts.add(&was, clock, r.date(3)?, duty, -1);
    }
    counts.add_all(&place, deadlines, 1);
    let mut tables = vec![Rows::new(DEADLINES_INSERT, DEADLINE_COLS, deadline_rows(id, place, deadlines)), counts.rows()];
    tables.extend(with);
    tx.insert_all(tables).await?;
    counts.delete_emptied(tx).await
}

/// Every command of a batch answered as not committed.
fn not_committed(ops: &[crate::writer::WriteOp], e: &StoreError) -> Vec<Result<crate::writer::WriteOut>> {
    ops.iter().map(|_| Err(StoreError::Busy(e.to_string()))).collect()
}

fn event_row(petition_id: i64, seq: i64, e: &EventRecord, now: DateTime<Utc>) -> Vec<Arg> {
    vec![
        Arg::I64(petition_id),
        Arg::I64(seq),
        Arg::Text(e.kind.clone()),
        Arg::Date(e.on),
        Arg::Text(e.body.clone()),
        Arg::OptI64(e.actor_id),
        Arg::Time(now),
    ]
}

const EVENTS_INSERT: &str = "INSERT INTO events (petition_id, seq, type, on_date, body, actor_id, recorded_at)";
const UNITS_INSERT: &str = "INSERT INTO petition_units (petition_id, unit_id)";

fn sealed_args(s: &Option<Sealed>) -> [Arg; 3] {
    [
        Arg::OptBytes(s.as_ref().map(|x| x.ciphertext.clone())),
        Arg::OptBytes(s.as_ref().map(|x| x.blind_index.clone())),
        Arg::OptText(s.as_ref().map(|x| x.masked.clone())),
    ]
}

/// The next lines of the hash-chained audit log, chained to its head as
/// read inside `tx`, which began with [`BEGIN_WRITE`]:
/// the head cannot move before they are written in the same transaction.
async fn audit_rows(tx: &mut impl WriteTx, entries: &[AuditEntry]) -> Result<Rows> {
    let mut rows = Vec::with_capacity(entries.len());
    if !entries.is_empty() {
        let mut q = Sql::default();
        q.push("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
        let (mut seq, mut prev) = match tx.fetch(q).await?.first() {
            Some(r) => (r.i64(0)?, r.text(1)?),
            None => (0, crate::audit::GENESIS.to_string()),
        };
        let at_us = Utc::now().timestamp_micros();
        for e in entries {
            seq += 1;
            let hash = crate::audit::line_hash(seq, at_us, e.user_id, &e.action, &e.object, e.success, &e.detail, &prev);
            rows.push(vec![
                Arg::I64(seq),
                Arg::I64(at_us),
                Arg::OptI64(e.user_id),
                Arg::Text(e.action.clone()),
                Arg::Text(e.object.clone()),
                Arg::Bool(e.success),
                Arg::Text(e.detail.clone()),
                Arg::Text(std::mem::replace(&mut prev, hash.clone())),
                Arg::Text(hash),
            ]);
        }
    }
    Ok(Rows::new("INSERT INTO audit_log (seq, at_us, user_id, action, object, success, detail, prev_hash, hash)", 9, rows))
}

/// Appends one line to the audit log inside `tx` (see [`audit_rows`]).
async fn audit_in(tx: &mut impl WriteTx, e: &AuditEntry) -> Result<()> {
    let line = audit_rows(tx, std::slice::from_ref(e)).await?;
    tx.insert_all(vec![line]).await
}

/// Writes new petitions inside `tx`: case numbers, petitions, petitioners,
/// events, deadlines, access rows and audit lines, each kind in as few
/// multi-row statements as possible. Returns (id, case_no) in order.
async fn insert_petitions_tx(tx: &mut impl WriteTx, batch: &[&NewPetitionRecord]) -> Result<Vec<(i64, String)>> {
    let now = Utc::now();
    // Case numbers: one counter step per year for the whole batch.
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
    let mut rows = Vec::with_capacity(batch.len());
    for rec in batch {
        let year = rec.received_on.year();
        let n = next_no.get_mut(&year).ok_or_else(|| StoreError::Corrupt("counter".into()))?;
        let case_no = format!("XF{year}-{:06}", *n);
        *n += 1;
        rows.push(vec![
            Arg::Text(case_no.clone()),
            Arg::Text(rec.query_code.clone()),
            Arg::Text(rec.channel.clone()),
            Arg::Text(rec.class.clone()),
            Arg::Text(rec.status.clone()),
            Arg::I64(rec.unit_id),
            Arg::I64(rec.registered_unit_id),
            Arg::OptI64(rec.respondent_unit_id),
            Arg::Date(rec.received_on),
            Arg::Text(rec.subject.clone()),
            Arg::Text(rec.request.clone()),
            Arg::Text(rec.facts.clone()),
            Arg::Text(rec.reasons.clone()),
            Arg::OptI64(rec.collective_persons),
            Arg::Text(rec.state.clone()),
            Arg::OptDate(rec.next_due),
            Arg::I64(1),
            Arg::OptI64(rec.registered_by),
            Arg::Time(now),
            Arg::Time(now),
        ]);
        case_nos.push(case_no);
    }
    let returned = tx
        .insert_rows(
        "INSERT INTO petitions (case_no, query_code, channel, class, status, unit_id, registered_unit_id, \
         respondent_unit_id, received_on, subject, request, facts, reasons, collective_persons, state, next_due, \
         version, registered_by, created_at, updated_at)",
        20,
        rows,
        "RETURNING id, case_no",
    )
    .await
    .map_err(|e| e.unique("查询码或编号冲突，请重试"))?;
    let mut ids = std::collections::HashMap::with_capacity(returned.len());
    for r in &returned {
        ids.insert(r.text(1)?, r.i64(0)?);
    }
    let id_of = |case_no: &str| ids.get(case_no).copied().ok_or_else(|| StoreError::Corrupt("insert returned no id".into()));

    let (mut people, mut events, mut deadlines, mut units, mut audit) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
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
        let place = Place { unit_id: rec.unit_id, respondent_unit_id: rec.respondent_unit_id };
        due_counts.add_all(&place, &rec.deadlines, 1);
        deadlines.extend(deadline_rows(id, place, &rec.deadlines));
        let mut seen = std::collections::BTreeSet::new();
        for u in rec.unit_ids.iter().filter(|u| seen.insert(**u)) {
            units.push(vec![Arg::I64(id), Arg::I64(*u)]);
        }
        audit.push(AuditEntry {
            user_id: rec.registered_by,
            action: "petition.register".into(),
            object: case_no.clone(),
            success: true,
            detail: if rec.events.len() > 1 { format!("events={}", rec.events.len()) } else { String::new() },
        });
    }
    let docs = batch.iter().zip(&case_nos).map(|(rec, c)| Ok((id_of(c)?, &rec.search))).collect::<Result<Vec<_>>>()?;
    let mut cells: std::collections::BTreeMap<(String, i64, &str), i64> = std::collections::BTreeMap::new();
    for rec in batch {
        let key = (rec.received_on.format("%Y-%m").to_string(), rec.registered_unit_id, rec.class.as_str());
        *cells.entry(key).or_default() += 1;
    }
    let cells = cells
        .into_iter()
        .map(|((month, unit, class), n)| vec![Arg::Text(month), Arg::I64(unit), Arg::Text(class.into()), Arg::I64(n)])
        .collect();
    let audit = audit_rows(tx, &audit).await?;
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
        Rows {
            head: "INSERT INTO monthly_counts (month, unit_id, class, n)",
            cols: 4,
            rows: cells,
            tail: "ON CONFLICT (month, unit_id, class) DO UPDATE SET n = monthly_counts.n + excluded.n",
        },
        audit,
    ];
    tables.extend(search_rows(&docs));
    tx.insert_all(tables).await?;
    Ok(batch.iter().zip(case_nos).map(|(_, c)| (ids[&c], c)).collect())
}

/// Appends one event and the new projection inside `tx`, if the case has
/// not moved since it was read (else `Conflict`).
async fn append_event_tx(tx: &mut impl WriteTx, a: &AppendEvent) -> Result<()> {
    let now = Utc::now();
    let mut q = Sql::default();
    q.push("UPDATE petitions SET status = ")
        .arg(Arg::Text(a.status.clone()))
        .push(", unit_id = ")
        .arg(Arg::I64(a.unit_id))
        .push(", state = ")
        .arg(Arg::Text(a.state.clone()))
        .push(", next_due = ")
        .arg(Arg::OptDate(a.next_due))
        .push(", version = version + 1, updated_at = ")
        .arg(Arg::Time(now))
        .push(" WHERE id = ")
        .arg(Arg::I64(a.petition_id))
        .push(" AND version = ")
        .arg(Arg::I64(a.expected_version))
        .push(" RETURNING case_no, respondent_unit_id");
    let Some(row) = tx.fetch(q).await?.into_iter().next() else {
        return Err(StoreError::Conflict("该信访事项已被他人更新，请刷新后重试".into()));
    };
    let case_no = row.text(0)?;
    let place = Place { unit_id: a.unit_id, respondent_unit_id: row.opt_i64(1)? };
    let mut q = Sql::default();
    q.push("SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE petition_id = ").arg(Arg::I64(a.petition_id));
    let seq = tx.fetch(q).await?.first().ok_or_else(|| StoreError::Corrupt("events".into()))?.i64(0)?;
    let entry = AuditEntry {
        user_id: a.event.actor_id,
        action: format!("petition.{}", a.event.kind),
        object: case_no,
        success: true,
        detail: String::new(),
    };
    let audit = audit_rows(tx, std::slice::from_ref(&entry)).await?;
    let units = a.add_unit_ids.iter().map(|u| vec![Arg::I64(a.petition_id), Arg::I64(*u)]).collect();
    let with = vec![
        Rows::new(EVENTS_INSERT, 7, vec![event_row(a.petition_id, seq, &a.event, now)]),
        Rows { head: UNITS_INSERT, cols: 2, rows: units, tail: "ON CONFLICT DO NOTHING" },
        audit,
    ];
    replace_deadlines(tx, a.petition_id, place, &a.deadlines, with).await
}

/// Stores the recomputed deadlines of several cases ([`Store::update_deadlines`](crate::Store::update_deadlines));
/// skips a case that moved since it was read. Returns how many were updated.
async fn update_deadlines_tx(tx: &mut impl WriteTx, batch: &[DeadlineUpdate]) -> Result<usize> {
    let mut n = 0;
    for u in batch {
        let mut q = Sql::default();
        q.push("UPDATE petitions SET next_due = ")
            .arg(Arg::OptDate(u.next_due))
            .push(" WHERE id = ")
            .arg(Arg::I64(u.id))
            .push(" AND version = ")
            .arg(Arg::I64(u.version))
            .push(" RETURNING unit_id, respondent_unit_id");
        let Some(row) = tx.fetch(q).await?.into_iter().next() else { continue };
        let place = Place { unit_id: row.i64(0)?, respondent_unit_id: row.opt_i64(1)? };
        replace_deadlines(tx, u.id, place, &u.deadlines, Vec::new()).await?;
        n += 1;
    }
    Ok(n)
}

/// Runs the write commands of a group-commit batch on `conn`, in one
/// transaction: a command that fails is rolled back alone and answered with
/// its error; the others commit together. Returns each command's result
/// once committed: durably on PostgreSQL; on SQLite without the sync, which
/// the writer then does before it answers anyone (`sqlite/direct.rs`).
async fn run_batch_on(conn: &mut impl BatchConn, ops: &[crate::writer::WriteOp]) -> Vec<Result<crate::writer::WriteOut>> {
    use crate::writer::{WriteOp, WriteOut};
    if let Err(e) = conn.exec(BEGIN_WRITE).await {
        return abandon(conn, ops, &e).await;
    }
    let mut results: Vec<Option<Result<WriteOut>>> = ops.iter().map(|_| None).collect();

    // Registrations first, all together: one statement per table for the
    // whole batch. Should that fail, the transaction (which holds nothing
    // else yet) begins again and each is retried alone below, so one bad
    // command cannot spoil the rest. No savepoint for the common case: on
    // PostgreSQL each is a round trip.
    let inserts: Vec<(usize, &Vec<NewPetitionRecord>)> = ops
        .iter()
        .enumerate()
        .filter_map(|(i, op)| match op {
            WriteOp::InsertPetitions(b) => Some((i, b)),
            WriteOp::AppendEvent(_) | WriteOp::UpdateDeadlines(_) => None,
        })
        .collect();
    if inserts.len() > 1 {
        let all: Vec<&NewPetitionRecord> = inserts.iter().flat_map(|(_, b)| b.iter()).collect();
        match insert_petitions_tx(conn, &all).await {
            Ok(ids) => {
                let mut ids = ids.into_iter();
                for (i, b) in &inserts {
                    results[*i] = Some(Ok(WriteOut::Ids(ids.by_ref().take(b.len()).collect())));
                }
            }
            Err(_) => {
                let restarted = match conn.exec("ROLLBACK").await {
                    Ok(()) => conn.exec(BEGIN_WRITE).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = restarted {
                    return abandon(conn, ops, &e).await;
                }
            }
        }
    }
    for (i, op) in ops.iter().enumerate() {
        if results[i].is_some() {
            continue;
        }
        if let Err(e) = conn.exec("SAVEPOINT one").await {
            results[i] = Some(Err(e));
            continue;
        }
        let r = match op {
            WriteOp::InsertPetitions(batch) => {
                let refs: Vec<&NewPetitionRecord> = batch.iter().collect();
                insert_petitions_tx(conn, &refs).await.map(WriteOut::Ids)
            }
            WriteOp::AppendEvent(a) => append_event_tx(conn, a).await.map(|()| WriteOut::Done),
            WriteOp::UpdateDeadlines(b) => update_deadlines_tx(conn, b).await.map(WriteOut::Updated),
        };
        let settled = match &r {
            Ok(_) => conn.exec("RELEASE one").await,
            Err(_) => conn.exec("ROLLBACK TO one; RELEASE one").await,
        };
        results[i] = Some(settled.and(r));
    }
    let results = results.into_iter().map(|r| r.unwrap_or_else(|| Err(StoreError::Busy("not run".into()))));
    match conn.exec("COMMIT").await {
        Ok(()) => results.collect(),
        Err(e) => abandon(conn, ops, &e).await,
    }
}

/// Answers every command of a batch as not committed, after rolling back
/// whatever part of its transaction may be open (a commit that failed on
/// SQLite, a `BEGIN` whose lock failed on PostgreSQL): the connection must
/// not carry it into the next batch, or back into the pool.
async fn abandon(conn: &mut impl BatchConn, ops: &[crate::writer::WriteOp], e: &StoreError) -> Vec<Result<crate::writer::WriteOut>> {
    let _ = conn.exec("ROLLBACK").await;
    not_committed(ops, e)
}

impl Backend {
    /// Applies the migrations not yet applied, each in its own transaction.
    pub async fn migrate(&self) -> Result<Vec<String>> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .execute(&self.write)
        .await?;
        let done: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations").fetch_all(&self.write).await?;
        if !done.is_empty() {
            // A bulk load that never finished left its indexes (and
            // constraints) set aside: back first, as they were, so that later
            // migrations find them.
            let restored = self.restore_after_load().await?;
            if restored > 0 {
                tracing::warn!(restored, "a bulk load had not finished: what it set aside was restored");
            }
        }
        let mut applied = Vec::new();
        for (version, name, sql) in MIGRATIONS {
            if done.contains(version) {
                continue;
            }
            let mut tx = self.write.begin().await?;
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(*version)
                .bind(*name)
                .bind(Utc::now().to_rfc3339())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            applied.push((*name).to_string());
        }
        Ok(applied)
    }

    /// What a bulk load sets aside, (kind and name, definition) by name: the
    /// secondary indexes of the ledger's tables (`index:…`; every index
    /// there but those of primary keys and unique constraints, which the
    /// ledger's writes rely on) and, on PostgreSQL, their foreign keys
    /// (`constraint:…`).
    pub async fn load_set_aside(&self) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(&set_aside_sql()).fetch_all(&self.write).await?;
        Ok(rows.into_iter().map(|(what, _, restore)| (what, restore)).collect())
    }

    /// Before a bulk load: drops what [`Self::load_set_aside`] lists,
    /// keeping each definition in `meta` in the same transaction.
    /// - A load into a large ledger otherwise rewrites, at every commit, one
    ///   index page per petitioner's name, phone and ID key and per date it
    ///   adds; an index built afterwards is sorted and written once.
    /// - PostgreSQL checks a foreign key row by row, each check a query of
    ///   its own that also locks the row it finds: over a third of the
    ///   server's time in a load. Added again afterwards, each is checked
    ///   over the whole table in one join.
    ///
    /// [`Self::restore_after_load`] restores them, after the load or, should
    /// it never finish, when the database is next opened. Returns how many
    /// were dropped.
    pub async fn set_aside_for_load(&self) -> Result<usize> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let defs: Vec<(String, String, String)> = sqlx::query_as(&set_aside_sql()).fetch_all(&mut *tx).await?;
        for (what, drop, restore) in &defs {
            sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
                .bind(format!("{SET_ASIDE}{what}"))
                .bind(restore)
                .execute(&mut *tx)
                .await?;
            sqlx::raw_sql(drop).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(defs.len())
    }

    /// Restores, in one transaction, everything that
    /// [`Self::set_aside_for_load`] dropped: the indexes are built and the
    /// constraints checked over every row. Returns how many. Nothing is
    /// written when nothing is pending (it runs at every opening).
    pub async fn restore_after_load(&self) -> Result<usize> {
        let pending = format!("{SET_ASIDE}%");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meta WHERE key LIKE $1")
            .bind(&pending)
            .fetch_one(&self.write)
            .await?;
        if n == 0 {
            return Ok(0);
        }
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let defs: Vec<String> = sqlx::query_scalar("DELETE FROM meta WHERE key LIKE $1 RETURNING value")
            .bind(&pending)
            .fetch_all(&mut *tx)
            .await?;
        for sql in &defs {
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(defs.len())
    }

    /// Does the database answer? A query that reads nothing: cheap enough
    /// for a health probe called every few seconds.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1").bind(key).fetch_optional(&self.read).await?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Deletes `key`; with `only_if`, only while it still holds that value.
    pub async fn delete_meta(&self, key: &str, only_if: Option<&str>) -> Result<()> {
        sqlx::query("DELETE FROM meta WHERE key = $1 AND ($2 IS NULL OR value = $2)")
            .bind(key)
            .bind(only_if)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    // ---- petitions ----

    pub async fn petition(&self, id: i64) -> Result<Option<PetitionRow>> {
        let row = sqlx::query(&format!("{} WHERE p.id = $1", petition_select())).bind(id).fetch_optional(&self.read).await?;
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
    pub async fn can_view(&self, id: i64, viewer: &Viewer) -> Result<bool> {
        let mut q = Sql::default();
        q.push("SELECT COUNT(*) FROM petitions p WHERE p.id = ").arg(Arg::I64(id));
        push_visible(&mut q, viewer);
        let n: i64 = q.query().fetch_one(&self.read).await?.try_get(0)?;
        Ok(n > 0)
    }

    pub async fn petitioners(&self, petition_id: i64) -> Result<Vec<PetitionerRecord>> {
        let rows = sqlx::query(
            "SELECT seq, name, address, phone_enc, phone_index, phone_masked, id_enc, id_index, id_masked, representative \
             FROM petitioners WHERE petition_id = $1 ORDER BY seq",
        )
        .bind(petition_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let sealed = |c: &str, i: &str, m: &str| -> Result<Option<Sealed>> {
                    let ct: Option<Vec<u8>> = r.try_get(c)?;
                    Ok(match ct {
                        Some(ciphertext) => Some(Sealed {
                            ciphertext,
                            blind_index: r.try_get::<Option<Vec<u8>>, _>(i)?.unwrap_or_default(),
                            masked: r.try_get::<Option<String>, _>(m)?.unwrap_or_default(),
                        }),
                        None => None,
                    })
                };
                Ok(PetitionerRecord {
                    seq: r.try_get("seq")?,
                    name: r.try_get("name")?,
                    address: r.try_get("address")?,
                    phone: sealed("phone_enc", "phone_index", "phone_masked")?,
                    id_number: sealed("id_enc", "id_index", "id_masked")?,
                    representative: r.try_get("representative")?,
                })
            })
            .collect()
    }

    pub async fn events(&self, petition_id: i64) -> Result<Vec<EventRow>> {
        let rows = sqlx::query(
            "SELECT e.seq, e.type, e.on_date, e.body, e.recorded_at, us.display_name FROM events e \
             LEFT JOIN users us ON us.id = e.actor_id WHERE e.petition_id = $1 ORDER BY e.seq",
        )
        .bind(petition_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EventRow {
                    seq: r.try_get("seq")?,
                    kind: r.try_get("type")?,
                    on: r.try_get("on_date")?,
                    body: r.try_get("body")?,
                    actor: r.try_get("display_name")?,
                    recorded_at: r.try_get("recorded_at")?,
                })
            })
            .collect()
    }

    /// The petition list, newest first, `limit` rows after the cursor.
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
        rows.iter().map(read_summary).collect()
    }

    /// Petitions found by `by` that the viewer may see and that pass the
    /// list filters: a text search ranked by relevance among the newest
    /// [`RANK_WINDOW`] matches, exact look-ups newest first.
    pub async fn search_petitions(&self, by: &SearchBy, f: &ListFilter, viewer: &Viewer, offset: i64) -> Result<Vec<SearchHit>> {
        let cols = format!("{SUMMARY_COLS}, p.request, p.facts, p.reasons");
        let exact_head = format!(
            "SELECT {cols}, CAST(0 AS DOUBLE PRECISION) AS score FROM petitions p JOIN units u ON u.id = p.unit_id WHERE "
        );
        let mut q = Sql::default();
        match by {
            SearchBy::Text(tq) => return self.search_text(tq, f, viewer, offset, &cols).await,
            SearchBy::CaseNo(c) => {
                q.push(&exact_head).push("p.case_no = ").arg(Arg::Text(c.clone()));
            }
            SearchBy::NamePrefix(prefix) => {
                q.push(&exact_head)
                    .push(&format!("p.id IN (SELECT pe.petition_id FROM petitioners pe WHERE {NAME_ORDERED} >= "))
                    .arg(Arg::Text(prefix.clone()))
                    .push(&format!(" AND {NAME_ORDERED} < "))
                    .arg(Arg::Text(format!("{prefix}\u{10FFFF}")))
                    .push(")");
            }
            SearchBy::IdIndex(ix) => {
                q.push(&exact_head)
                    .push("p.id IN (SELECT pe.petition_id FROM petitioners pe WHERE pe.id_index = ")
                    .arg(Arg::OptBytes(Some(ix.clone())))
                    .push(")");
            }
            SearchBy::PhoneIndex(ix) => {
                q.push(&exact_head)
                    .push("p.id IN (SELECT pe.petition_id FROM petitioners pe WHERE pe.phone_index = ")
                    .arg(Arg::OptBytes(Some(ix.clone())))
                    .push(")");
            }
        }
        push_visible(&mut q, viewer);
        push_filters(&mut q, f);
        q.push(" ORDER BY p.id DESC LIMIT ").arg(Arg::I64(f.limit)).push(" OFFSET ").arg(Arg::I64(offset));
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter().map(read_hit).collect()
    }

    /// A text search: the newest [`RANK_WINDOW`] matches the viewer may see
    /// are ranked, one page of them read. Where the index cannot walk its
    /// matches newest first (PostgreSQL's GIN), the newest
    /// [`TEXT_WINDOWS`] petitions are tried first and the range widened
    /// until it holds a full window of matches: the same result, without
    /// visiting every match of a common word.
    async fn search_text(
        &self,
        tq: &xinfang_text::TextQuery,
        f: &ListFilter,
        viewer: &Viewer,
        offset: i64,
        cols: &str,
    ) -> Result<Vec<SearchHit>> {
        let newest: i64 = match TEXT_WINDOWS {
            [] => 0,
            _ => sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM petitions")
                .fetch_one(&self.read)
                .await?
                .unwrap_or(0),
        };
        let windows = TEXT_WINDOWS.iter().map(|w| Some(newest - w)).filter(|above| above.is_some_and(|a| a > 0));
        for above in windows.chain([None]) {
            let mut q = Sql::default();
            q.push("WITH m AS (");
            push_text_match(&mut q, tq);
            if let Some(above) = above {
                q.push(&format!(" AND {TEXT_KEY} > ")).arg(Arg::I64(above));
            }
            push_visible(&mut q, viewer);
            push_filters(&mut q, f);
            q.push(&format!(" ORDER BY {TEXT_ORDER} LIMIT ")).arg(Arg::I64(RANK_WINDOW));
            // Rank ids and scores only; read the columns of one page.
            q.push("), top AS (SELECT id, score FROM m ORDER BY score DESC, id DESC LIMIT ")
                .arg(Arg::I64(f.limit))
                .push(" OFFSET ")
                .arg(Arg::I64(offset));
            // Within a range, also how many matched: a full window means the
            // wider ranges would give the same newest matches.
            let matched = if above.is_some() { ", (SELECT COUNT(*) FROM m) AS matched" } else { "" };
            q.push(&format!(
                ") SELECT {cols}, top.score{matched} FROM top JOIN petitions p ON p.id = top.id \
                 JOIN units u ON u.id = p.unit_id ORDER BY top.score DESC, p.id DESC"
            ));
            let rows = q.query().fetch_all(&self.read).await?;
            let full = match (above, rows.first()) {
                (Some(_), Some(r)) => r.try_get::<i64, _>("matched")? >= RANK_WINDOW,
                _ => false,
            };
            if above.is_none() || full {
                return rows.iter().map(read_hit).collect();
            }
        }
        Ok(Vec::new())
    }

    /// Earlier petitions (lower id) that may be the same matter as `id`:
    /// the same petitioner (ID number, or name and phone, or name and
    /// address) or a shared LSH
    /// band, at most [`CANDIDATES_PER_KEY`] newest per key; scored on their
    /// signatures first, the best [`MAX_CANDIDATE_ROWS`] that could be
    /// shown are read, of those the viewer may see.
    pub async fn repeat_candidates(
        &self,
        id: i64,
        viewer: &Viewer,
    ) -> Result<Vec<RepeatCandidate>> {
        // Its signature and its people in one read (a petition has at least
        // one petitioner; the signature comes with each).
        let people = sqlx::query(
            "SELECT s.minhash, pe.name, pe.address, pe.id_index, pe.phone_index FROM petitioners pe \
             LEFT JOIN petition_signatures s ON s.petition_id = pe.petition_id WHERE pe.petition_id = $1",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        let own = match people.first() {
            Some(r) => r.try_get::<Option<Vec<u8>>, _>("minhash")?.and_then(|b| xinfang_text::Signature::from_bytes(&b)),
            None => None,
        };
        let mut q = Sql::default();
        q.push("WITH c AS (SELECT cid, MAX(sid) AS sid, MAX(snp) AS snp FROM (");
        let mut arms = 0;
        // One arm of the union: `inner` selects `petition_id`s by a key
        // (`WHERE` left open for the bound below); a band look-up is whole.
        let mut arm = |q: &mut Sql, inner: &dyn Fn(&mut Sql), sid: bool, snp: bool| {
            if arms > 0 {
                q.push(" UNION ALL ");
            }
            q.push(&format!(
                "SELECT t{arms}.petition_id AS cid, CAST({} AS BIGINT) AS sid, CAST({} AS BIGINT) AS snp FROM (",
                i64::from(sid),
                i64::from(snp)
            ));
            inner(q);
            q.push(&format!(") t{arms}"));
            arms += 1;
        };
        let bounded = |q: &mut Sql| {
            q.push(" AND petition_id < ").arg(Arg::I64(id));
            q.push(" ORDER BY petition_id DESC LIMIT ").arg(Arg::I64(CANDIDATES_PER_KEY));
        };
        for r in &people {
            let name: String = r.try_get("name")?;
            let id_index: Option<Vec<u8>> = r.try_get("id_index")?;
            let phone_index: Option<Vec<u8>> = r.try_get("phone_index")?;
            let address: String = r.try_get("address")?;
            if !address.trim().is_empty() {
                arm(
                    &mut q,
                    &|q| {
                        q.push("SELECT petition_id FROM petitioners WHERE name = ")
                            .arg(Arg::Text(name.clone()))
                            .push(" AND address = ")
                            .arg(Arg::Text(address.clone()));
                        bounded(q);
                    },
                    false,
                    true,
                );
            }
            if let Some(ix) = id_index {
                arm(
                    &mut q,
                    &|q| {
                        q.push("SELECT petition_id FROM petitioners WHERE id_index = ").arg(Arg::OptBytes(Some(ix.clone())));
                        bounded(q);
                    },
                    true,
                    false,
                );
            }
            if let Some(ix) = phone_index {
                arm(
                    &mut q,
                    &|q| {
                        q.push("SELECT petition_id FROM petitioners WHERE phone_index = ")
                            .arg(Arg::OptBytes(Some(ix.clone())))
                            .push(" AND name = ")
                            .arg(Arg::Text(name.clone()));
                        bounded(q);
                    },
                    false,
                    true,
                );
            }
        }
        for band in own.as_ref().map(|s| s.bands()).unwrap_or_default() {
            arm(
                &mut q,
                &|q| push_band_lookup(q, band, id, CANDIDATES_PER_KEY),
                false,
                false,
            );
        }
        if arms == 0 {
            return Ok(Vec::new());
        }
        q.push(") x GROUP BY cid) SELECT c.cid, c.sid, c.snp, s.minhash FROM c LEFT JOIN petition_signatures s ON s.petition_id = c.cid");
        // Score on the signatures first (cheap), read the rows of the few
        // worth showing.
        let mut keyed = Vec::new();
        for r in q.query().fetch_all(&self.read).await? {
            let sig = r.try_get::<Option<Vec<u8>>, _>("minhash")?.and_then(|b| xinfang_text::Signature::from_bytes(&b));
            let sid = r.try_get::<i64, _>("sid")? > 0;
            let snp = r.try_get::<i64, _>("snp")? > 0;
            let similarity = match (&own, &sig) {
                (Some(a), Some(b)) => a.similarity(b),
                _ => 0.0,
            };
            if let Some(a) = xinfang_domain::repeat::assess(sid || snp, similarity) {
                keyed.push((a.score, r.try_get::<i64, _>("cid")?, sid, snp, similarity));
            }
        }
        keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        keyed.truncate(MAX_CANDIDATE_ROWS);
        if keyed.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::default();
        q.push(&format!(
            "SELECT {SUMMARY_COLS}, u.path AS unit_path, p.repeat_of, \
             EXISTS (SELECT 1 FROM events e WHERE e.petition_id = p.id AND e.type = 'recheck_opinion') AS rechecked \
             FROM petitions p JOIN units u ON u.id = p.unit_id WHERE p.id IN ("
        ));
        for (i, k) in keyed.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.arg(Arg::I64(k.1));
        }
        q.push(")");
        push_visible(&mut q, viewer);
        let rows = q.query().fetch_all(&self.read).await?;
        let mut candidates = Vec::with_capacity(rows.len());
        for r in &rows {
            let summary = read_summary(r)?;
            let Some(k) = keyed.iter().find(|k| k.1 == summary.id) else { continue };
            candidates.push(RepeatCandidate {
                unit_path: r.try_get("unit_path")?,
                repeat_of: r.try_get("repeat_of")?,
                similarity: k.4,
                same_id_number: k.2,
                same_name_contact: k.3,
                rechecked: r.try_get("rechecked")?,
                summary,
            });
        }
        Ok(candidates)
    }

    /// The petitions linked to `id` as its repeats (of those the viewer may
    /// see, if one is given).
    pub async fn repeats_of(&self, id: i64, viewer: Option<&Viewer>) -> Result<Vec<PetitionSummary>> {
        let mut q = Sql::default();
        q.push(&format!("SELECT {SUMMARY_COLS} FROM petitions p JOIN units u ON u.id = p.unit_id WHERE p.repeat_of = "))
            .arg(Arg::I64(id));
        if let Some(v) = viewer {
            push_visible(&mut q, v);
        }
        q.push(" ORDER BY p.id");
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter().map(read_summary).collect()
    }

    /// Links petition `id` as a repeat of `of` (or unlinks it, `None`), if
    /// the case has not moved since it was read. A linked repeat leaves the
    /// monthly statistics: the matter is counted once.
    pub async fn set_repeat_of(&self, id: i64, expected_version: i64, of: Option<i64>, actor: Option<i64>) -> Result<()> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let row = sqlx::query(
            "SELECT case_no, repeat_of, received_on, registered_unit_id, class FROM petitions WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(expected_version)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict("该信访事项已被他人更新，请刷新后重试".into()));
        };
        let before: Option<i64> = row.try_get("repeat_of")?;
        let received_on: NaiveDate = row.try_get("received_on")?;
        let delta = match (before.is_some(), of.is_some()) {
            (false, true) => -1,
            (true, false) => 1,
            _ => 0,
        };
        sqlx::query("UPDATE petitions SET repeat_of = $1, version = version + 1, updated_at = $2 WHERE id = $3")
            .bind(of)
            .bind(Utc::now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if delta != 0 {
            sqlx::query("UPDATE monthly_counts SET n = n + $1 WHERE month = $2 AND unit_id = $3 AND class = $4")
                .bind(delta)
                .bind(received_on.format("%Y-%m").to_string())
                .bind(row.try_get::<i64, _>("registered_unit_id")?)
                .bind(row.try_get::<String, _>("class")?)
                .execute(&mut *tx)
                .await?;
        }
        let target = match of {
            Some(o) => sqlx::query_scalar::<_, String>("SELECT case_no FROM petitions WHERE id = $1")
                .bind(o)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound("被关联的信访事项不存在".into()))?,
            None => String::new(),
        };
        audit_in(
            &mut tx,
            &AuditEntry {
                user_id: actor,
                action: if of.is_some() { "petition.link_repeat" } else { "petition.unlink_repeat" }.into(),
                object: row.try_get("case_no")?,
                success: true,
                detail: target,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Petitions without search rows (registered before the index existed),
    /// `limit` of them, lowest id first.
    pub async fn unindexed_petitions(&self, limit: i64) -> Result<Vec<UnindexedPetition>> {
        let rows = sqlx::query(
            "SELECT p.id, p.subject, p.request, p.facts, p.reasons FROM petitions p \
             WHERE NOT EXISTS (SELECT 1 FROM petition_signatures s WHERE s.petition_id = p.id) ORDER BY p.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let people = sqlx::query("SELECT name, address FROM petitioners WHERE petition_id = $1 ORDER BY seq")
                .bind(id)
                .fetch_all(&self.read)
                .await?
                .iter()
                .map(|p| Ok(format!("{} {}", p.try_get::<String, _>("name")?, p.try_get::<String, _>("address")?)))
                .collect::<Result<Vec<_>>>()?;
            out.push(UnindexedPetition {
                id,
                content: [r.try_get("subject")?, r.try_get("request")?, r.try_get("facts")?, r.try_get("reasons")?],
                people,
            });
        }
        Ok(out)
    }

    pub async fn count_unindexed(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM petitions p WHERE NOT EXISTS (SELECT 1 FROM petition_signatures s WHERE s.petition_id = p.id)",
        )
        .fetch_one(&self.read)
        .await?)
    }

    /// Writes search rows for petitions that have none, in one transaction.
    pub async fn index_petitions(&self, docs: &[(i64, xinfang_text::SearchDoc)]) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let refs: Vec<(i64, &xinfang_text::SearchDoc)> = docs.iter().map(|(id, d)| (*id, d)).collect();
        tx.insert_all(search_rows(&refs).into()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes the band keys of the next `limit` signatures after petition
    /// `after` (the backfill of migration 0006): the last id written and how
    /// many (0 when there are no more).
    pub async fn index_bands_after(&self, after: i64, limit: i64) -> Result<(i64, i64)> {
        let rows = sqlx::query(
            "SELECT petition_id, minhash FROM petition_signatures WHERE petition_id > $1 ORDER BY petition_id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        let mut bands = Vec::new();
        let mut last = after;
        for r in &rows {
            last = r.try_get("petition_id")?;
            let bytes: Vec<u8> = r.try_get("minhash")?;
            if let Some(sig) = xinfang_text::Signature::from_bytes(&bytes) {
                bands.extend(band_rows(last, &sig));
            }
        }
        let mut tx = self.write.begin().await?;
        tx.insert_all(vec![Rows::of(BAND_INSERT, bands)]).await?;
        tx.commit().await?;
        Ok((last, rows.len() as i64))
    }

    /// The highest petition id with band keys written (0 if none).
    pub async fn bands_indexed_upto(&self) -> Result<i64> {
        let last: Option<i64> = sqlx::query_scalar(BANDS_LAST).fetch_optional(&self.read).await?;
        Ok(last.unwrap_or(0))
    }

    pub async fn count_signatures_after(&self, after: i64) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM petition_signatures WHERE petition_id > $1")
            .bind(after)
            .fetch_one(&self.read)
            .await?)
    }

    /// How many petitions there are in each status, the whole ledger's.
    pub async fn status_counts(&self) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as("SELECT status, COUNT(*) FROM petitions GROUP BY status ORDER BY status")
            .fetch_all(&self.read)
            .await?)
    }

    /// Petitions received in `year` by the viewer's unit and the units below
    /// it, counted by month × receiving unit × class.
    pub async fn monthly_counts(&self, year: i32, viewer: &Viewer) -> Result<Vec<MonthlyCount>> {
        let rows = sqlx::query(
            "SELECT m.month, g.code, g.name, m.class, m.n FROM monthly_counts m JOIN units g ON g.id = m.unit_id \
             WHERE m.month >= $1 AND m.month <= $2 AND g.path LIKE $3 ORDER BY m.month, g.path, m.class",
        )
        .bind(format!("{year:04}-01"))
        .bind(format!("{year:04}-12"))
        .bind(format!("{}%", viewer.unit_path))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MonthlyCount {
                    month: r.try_get("month")?,
                    unit_code: r.try_get("code")?,
                    unit_name: r.try_get("name")?,
                    class: r.try_get("class")?,
                    count: r.try_get("n")?,
                })
            })
            .collect()
    }

    /// Office deadlines due on or before `until` (overdue ones included) of
    /// the cases the viewer may see and act on (at their unit or below),
    /// most urgent first.
    pub async fn work_items(&self, viewer: &Viewer, until: NaiveDate, limit: i64) -> Result<Vec<WorkItem>> {
        // Walks `deadlines_office_due` in the order shown; only the rows
        // shown read their petition.
        let mut q = Sql::default();
        q.push(
            "SELECT p.id, p.case_no, p.subject, p.status, u.code, u.name, d.clock, d.due FROM deadlines d \
             JOIN units u ON u.id = d.unit_id JOIN petitions p ON p.id = d.petition_id",
        );
        push_office_work(&mut q, viewer);
        push_not_reported_on(&mut q, viewer, "d.respondent_unit_id");
        q.push(" AND d.due <= ").arg(Arg::Date(until));
        q.push(" ORDER BY d.due, d.petition_id LIMIT ").arg(Arg::I64(limit));
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                Ok(WorkItem {
                    petition_id: r.try_get("id")?,
                    case_no: r.try_get("case_no")?,
                    subject: r.try_get("subject")?,
                    status: r.try_get("status")?,
                    unit_code: r.try_get("code")?,
                    unit_name: r.try_get("name")?,
                    clock: r.try_get("clock")?,
                    due: r.try_get("due")?,
                })
            })
            .collect()
    }

    /// Counts of the viewer's office deadlines by unit and clock:
    /// (unit code, unit name, clock, overdue, due today, due by `soon`).
    pub async fn work_counts(
        &self,
        viewer: &Viewer,
        today: NaiveDate,
        soon: NaiveDate,
    ) -> Result<Vec<(String, String, String, i64, i64, i64)>> {
        // Two parts. The duties of the cases that name no unit reported on,
        // the bulk, are kept counted by unit, clock and due date in
        // `office_due_counts` (migration 0009): a page sums the rows due by
        // `soon`, at most one per unit, clock and day, however many cases
        // are overdue. The few cases that name a unit reported on are
        // counted from their deadline rows, each tested for Art. 30.
        let when = |q: &mut Sql, op: &str, day: NaiveDate, n: &str| {
            q.push(&format!("SUM(CASE WHEN {op} ")).arg(Arg::Date(day)).push(&format!(" THEN {n} ELSE 0 END)"));
        };
        let clocks = |q: &mut Sql, col: &str| {
            q.push(&format!(" AND {col} IN ("));
            for (i, c) in ClockName::ALL.iter().enumerate() {
                q.push(if i == 0 { "" } else { ", " }).arg(Arg::Text(c.as_str().into()));
            }
            q.push(")");
        };
        let mut q = Sql::default();
        q.push(
            "SELECT u.code, u.name, x.clock, CAST(SUM(x.overdue) AS BIGINT) AS overdue, \
             CAST(SUM(x.today) AS BIGINT) AS today, CAST(SUM(x.soon) AS BIGINT) AS soon FROM (SELECT c.unit_id, c.clock, ",
        );
        when(&mut q, "c.due <", today, "c.n");
        q.push(" AS overdue, ");
        when(&mut q, "c.due =", today, "c.n");
        q.push(" AS today, SUM(c.n) AS soon FROM office_due_counts c WHERE c.unit_id IN (");
        push_unit_scope(&mut q, viewer);
        q.push(")");
        clocks(&mut q, "c.clock");
        q.push(" AND c.due <= ").arg(Arg::Date(soon)).push(" GROUP BY c.unit_id, c.clock UNION ALL SELECT d.unit_id, d.clock, ");
        when(&mut q, "d.due <", today, "1");
        q.push(", ");
        when(&mut q, "d.due =", today, "1");
        q.push(", ");
        when(&mut q, "d.due <=", soon, "1");
        // No due date in this WHERE: given one, SQLite without statistics
        // walked the due-date index through every overdue duty instead.
        q.push(" FROM deadlines d");
        push_office_work(&mut q, viewer);
        clocks(&mut q, "d.clock");
        q.push(" AND d.respondent_unit_id IS NOT NULL");
        push_not_reported_on(&mut q, viewer, "d.respondent_unit_id");
        q.push(" GROUP BY d.unit_id, d.clock");
        q.push(
            ") x JOIN units u ON u.id = x.unit_id GROUP BY u.id, u.code, u.name, u.path, x.clock \
             HAVING SUM(x.soon) > 0 ORDER BY u.path, x.clock",
        );
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("code")?,
                    r.try_get("name")?,
                    r.try_get("clock")?,
                    r.try_get::<i64, _>("overdue")?,
                    r.try_get::<i64, _>("today")?,
                    r.try_get::<i64, _>("soon")?,
                ))
            })
            .collect()
    }

    /// How many rows of `office_due_counts` (the workbench's kept counts)
    /// differ from the deadline rows they count, either way: 0 when every
    /// write kept them and left no row at zero. A check for tests and
    /// after a crash; it reads every deadline.
    pub async fn due_count_drift(&self) -> Result<i64> {
        let counted = "SELECT unit_id, clock, due, COUNT(*) FROM deadlines \
                       WHERE holder = 'office' AND paused = FALSE AND respondent_unit_id IS NULL GROUP BY unit_id, clock, due";
        let kept = "SELECT unit_id, clock, due, n FROM office_due_counts";
        let mut drift = 0;
        for (a, b) in [(kept, counted), (counted, kept)] {
            let n: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({a} EXCEPT {b}) x")).fetch_one(&self.read).await?;
            drift += n;
        }
        Ok(drift)
    }

    /// Cases whose deadlines may change with the calendar: not closed, or
    /// with a petitioner's window still recorded.
    pub async fn open_cases(&self, after_id: i64, limit: i64) -> Result<Vec<OpenCase>> {
        let rows = sqlx::query(
            "SELECT p.id, p.state, p.version FROM petitions p WHERE p.id > $1 AND (p.status <> 'closed' \
             OR EXISTS (SELECT 1 FROM deadlines d WHERE d.petition_id = p.id)) ORDER BY p.id LIMIT $2",
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok(OpenCase { id: r.try_get("id")?, state: r.try_get("state")?, version: r.try_get("version")? }))
            .collect()
    }

    // ---- calendar ----

    /// The stored calendar: (year, source) and every special day.
    pub async fn calendar(&self) -> Result<(Vec<(i64, String)>, Vec<SpecialDay>)> {
        let years = sqlx::query("SELECT year, source FROM calendar_years ORDER BY year")
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("year")?, r.try_get("source")?)))
            .collect::<Result<Vec<(i64, String)>>>()?;
        let days = sqlx::query("SELECT day, holiday FROM calendar_days ORDER BY day")
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| Ok(SpecialDay { day: r.try_get("day")?, holiday: r.try_get("holiday")? }))
            .collect::<Result<Vec<_>>>()?;
        Ok((years, days))
    }

    /// Replaces the given years of the calendar in one transaction.
    pub async fn replace_calendar_years(&self, years: &[(i32, Vec<SpecialDay>)], source: &str, actor: Option<i64>) -> Result<()> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        for (year, days) in years {
            let first = NaiveDate::from_ymd_opt(*year, 1, 1).ok_or_else(|| StoreError::Corrupt("year".into()))?;
            let last = NaiveDate::from_ymd_opt(*year, 12, 31).ok_or_else(|| StoreError::Corrupt("year".into()))?;
            sqlx::query("DELETE FROM calendar_days WHERE day >= $1 AND day <= $2").bind(first).bind(last).execute(&mut *tx).await?;
            for d in days {
                sqlx::query("INSERT INTO calendar_days (day, holiday) VALUES ($1, $2)")
                    .bind(d.day)
                    .bind(d.holiday.as_deref())
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO calendar_years (year, source, imported_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (year) DO UPDATE SET source = excluded.source, imported_at = excluded.imported_at",
            )
            .bind(i64::from(*year))
            .bind(source)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await?;
        }
        // In the same transaction: a recompute cut short (a crash, Ctrl-C)
        // leaves the mark, and the next opening finishes it. A ledger with
        // no case yet (the built-in calendar seeded into a new database) has
        // nothing to recompute.
        sqlx::query(
            "INSERT INTO meta (key, value) SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM petitions) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
            .bind(crate::DEADLINES_STALE)
            .bind(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
            .execute(&mut *tx)
            .await?;
        let detail = years.iter().map(|(y, _)| y.to_string()).collect::<Vec<_>>().join(",");
        audit_in(&mut tx, &AuditEntry { user_id: actor, action: "calendar.import".into(), object: source.into(), success: true, detail })
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes whenever the calendar does (to refresh caches).
    pub async fn calendar_revision(&self) -> Result<String> {
        let row = sqlx::query("SELECT COUNT(*) AS n, MAX(imported_at) AS at FROM calendar_years").fetch_one(&self.read).await?;
        let n: i64 = row.try_get("n")?;
        let at: Option<DateTime<Utc>> = row.try_get("at")?;
        Ok(format!("{n}:{}", at.map(|a| a.to_rfc3339()).unwrap_or_default()))
    }

    // ---- audit ----

    pub async fn audit(&self, e: &AuditEntry) -> Result<()> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        audit_in(&mut tx, e).await?;
        tx.commit().await?;
        Ok(())
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

include!("backend/org.rs");
