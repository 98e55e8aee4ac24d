//! The group-commit writer's own connection (issue 4), which its thread
//! uses directly.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands it
//! every statement, and every row back, over channels. A batch of the
//! writer is about sixteen statements (begin, the case-number counter, the
//! audit chain's head, one insert per table, commit), so it was as many
//! round trips between the writer's thread and the connection's, each
//! waking a sleeping thread: 13–72 µs each where it was measured, most of
//! a one-registration batch, while the two threads took turns rather than
//! working at once (docs/benchmarks.md, “The writer's own
//! connection”). Here the writer's thread runs the statements itself, with
//! rusqlite over the same SQLite library.
//!
//! Its commits are not synced (`synchronous = NORMAL`): the writer syncs the
//! WAL ([`Backend::wal_sync`](super::Backend::wal_sync)) before it answers
//! anyone. Values are stored as sqlx stores them (dates and times as text
//! in the same formats, flags as 0 and 1), so that every reader reads them
//! alike.

use super::{Arg, BUSY_TIMEOUT, BatchConn, Cells, Sql, WriteTx, pragmas, values_insert};
use crate::{Result, StoreError};
use chrono::NaiveDate;
use rusqlite::types::Value;

/// The writer's connection: 64 MiB of page cache, so that the index pages
/// of a large ledger stay in memory instead of being re-read on every
/// insert.
#[derive(Debug)]
pub(super) struct Direct {
    /// `None` once closed ([`Direct::close`]).
    conn: Option<rusqlite::Connection>,
}

/// Statements kept prepared: each table's insert comes in a few sizes
/// (see `statement_sizes`), besides the writer's other statements.
const PREPARED: usize = 100;

impl Direct {
    /// Opens the database at `file`, which the pool has made and put in WAL
    /// mode.
    pub(super) fn open(file: &std::path::Path) -> Result<Self> {
        let conn = rusqlite::Connection::open(file)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(PREPARED);
        let mut settings =
            String::from("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;");
        for (name, value) in pragmas() {
            settings.push_str(&format!(" PRAGMA {name} = {value};"));
        }
        conn.execute_batch(&settings)?;
        Ok(Direct { conn: Some(conn) })
    }

    /// Takes the connection out, to be closed by the caller
    /// ([`Direct::close`]); what comes after on `self` is refused.
    pub(super) fn take(&mut self) -> Self {
        Direct { conn: self.conn.take() }
    }

    /// Copies the WAL back into the database file, cuts it to nothing and
    /// closes the connection, so that the database file alone holds
    /// everything: a copy of it taken after a clean stop is whole, and no
    /// log is left that another file copied over it would take for its own.
    /// Closed last of the process's connections, SQLite also removes the
    /// WAL file; it stays, empty, while another connection is still open:
    /// another process's, or one of sqlx's, whose pools do not wait for
    /// their connections' threads to finish closing.
    pub(super) fn close(self) {
        let Some(c) = self.conn else { return };
        // (busy, frames in the log, frames copied back)
        match c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0)) {
            Ok(0) => {}
            Ok(_) => tracing::info!("the WAL is still in use by another connection and was not emptied"),
            Err(e) => tracing::warn!(error = %e, "the last checkpoint failed"),
        }
        if let Err((_, e)) = c.close() {
            tracing::warn!(error = %e, "closing the writer's connection failed");
        }
    }

    fn conn(&self) -> Result<&rusqlite::Connection> {
        self.conn.as_ref().ok_or_else(|| StoreError::Busy("数据库连接已关闭".into()))
    }
}

/// A bind value as sqlx would store it on SQLite.
fn value(a: Arg) -> Value {
    let date = |d: NaiveDate| Value::Text(d.format("%F").to_string());
    match a {
        Arg::I64(v) => Value::Integer(v),
        Arg::OptI64(v) => v.map_or(Value::Null, Value::Integer),
        Arg::Text(v) => Value::Text(v),
        Arg::OptText(v) => v.map_or(Value::Null, Value::Text),
        Arg::Date(v) => date(v),
        Arg::OptDate(v) => v.map_or(Value::Null, date),
        Arg::Bool(v) => Value::Integer(i64::from(v)),
        Arg::OptBytes(v) => v.map_or(Value::Null, Value::Blob),
        Arg::Time(v) => Value::Text(v.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)),
    }
}

/// A returned row.
#[derive(Debug)]
pub(super) struct DirectRow(Vec<Value>);

impl DirectRow {
    fn cell(&self, i: usize) -> Result<&Value> {
        self.0.get(i).ok_or_else(|| StoreError::Corrupt(format!("no column {i}")))
    }
}

fn not_a(what: &str, v: &Value) -> StoreError {
    StoreError::Corrupt(format!("expected {what}, found {:?}", v.data_type()))
}

impl Cells for DirectRow {
    fn i64(&self, i: usize) -> Result<i64> {
        match self.cell(i)? {
            Value::Integer(n) => Ok(*n),
            v => Err(not_a("an integer", v)),
        }
    }
    fn opt_i64(&self, i: usize) -> Result<Option<i64>> {
        match self.cell(i)? {
            Value::Null => Ok(None),
            _ => self.i64(i).map(Some),
        }
    }
    fn text(&self, i: usize) -> Result<String> {
        match self.cell(i)? {
            Value::Text(s) => Ok(s.clone()),
            v => Err(not_a("text", v)),
        }
    }
    fn flag(&self, i: usize) -> Result<bool> {
        Ok(self.i64(i)? != 0)
    }
    fn date(&self, i: usize) -> Result<NaiveDate> {
        let s = self.text(i)?;
        NaiveDate::parse_from_str(&s, "%F").map_err(|_| StoreError::Corrupt(format!("date {s}")))
    }
}

// The futures below never wait: each statement runs to its end on the
// calling thread, the writer's.
impl WriteTx for Direct {
    type Row = DirectRow;

    async fn fetch(&mut self, q: Sql) -> Result<Vec<DirectRow>> {
        let mut st = self.conn()?.prepare_cached(&q.text)?;
        for (i, a) in q.args.into_iter().enumerate() {
            st.raw_bind_parameter(i + 1, value(a))?;
        }
        let columns = st.column_count();
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(DirectRow((0..columns).map(|i| r.get::<_, Value>(i)).collect::<rusqlite::Result<_>>()?));
        }
        Ok(out)
    }

    async fn insert_rows(
        &mut self,
        head: &str,
        cols: usize,
        rows: Vec<Vec<Arg>>,
        tail: &str,
    ) -> Result<Vec<DirectRow>> {
        values_insert(self, head, cols, rows, tail).await
    }
}

impl BatchConn for Direct {
    async fn exec(&mut self, sql: &'static str) -> Result<()> {
        Ok(self.conn()?.execute_batch(sql)?)
    }
}
