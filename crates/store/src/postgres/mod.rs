//! The PostgreSQL backend, for several `xinfang serve` processes sharing one
//! database. Commits use the server's default synchronous commit.

use crate::{Result, StoreError};
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

type Db = sqlx::Postgres;
type DbRow = sqlx::postgres::PgRow;

/// The schema, step by step: the same names as SQLite's (a test checks).
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "0001_init", include_str!("migrations/0001_init.sql")),
    (2, "0002_stats", include_str!("migrations/0002_stats.sql")),
    (3, "0003_search", include_str!("migrations/0003_search.sql")),
    (4, "0004_unit_disabled", include_str!("migrations/0004_unit_disabled.sql")),
    (5, "0005_petitioner_keys", include_str!("migrations/0005_petitioner_keys.sql")),
    (6, "0006_band_index", include_str!("migrations/0006_band_index.sql")),
    (7, "0007_deadline_units", include_str!("migrations/0007_deadline_units.sql")),
    (8, "0008_office_deadlines", include_str!("migrations/0008_office_deadlines.sql")),
    (9, "0009_office_due_counts", include_str!("migrations/0009_office_due_counts.sql")),
    (10, "0010_handler_and_classification", include_str!("migrations/0010_handler_and_classification.sql")),
    (11, "0011_idempotency", include_str!("migrations/0011_idempotency.sql")),
    (12, "0012_reception_days", include_str!("migrations/0012_reception_days.sql")),
    (13, "0013_category_counts", include_str!("migrations/0013_category_counts.sql")),
    (14, "0014_due_counts_per_case", include_str!("migrations/0014_due_counts_per_case.sql")),
    (15, "0015_repeat_links", include_str!("migrations/0015_repeat_links.sql")),
    (16, "0016_attachments", include_str!("migrations/0016_attachments.sql")),
    (17, "0017_next_due_covering", include_str!("migrations/0017_next_due_covering.sql")),
    (18, "0018_outbox_jobs", include_str!("migrations/0018_outbox_jobs.sql")),
    (19, "0019_disputes", include_str!("migrations/0019_disputes.sql")),
    (20, "0020_ownership", include_str!("migrations/0020_ownership.sql")),
];

/// Appends the placeholder of the `n`th argument of a query built at run time.
fn push_placeholder(text: &mut String, n: usize) {
    use std::fmt::Write;
    let _ = write!(text, "${n}");
}

#[derive(Debug, Clone)]
pub struct Backend {
    write: sqlx::PgPool,
    read: sqlx::PgPool,
    /// The audit chain's key, once the application has set it.
    pub(crate) chain: crate::audit::ChainKey,
}

impl Backend {
    pub async fn connect(url: &str) -> Result<Self> {
        let pool =
            PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(30)).connect(url).await?;
        Ok(Self { write: pool.clone(), read: pool, chain: Default::default() })
    }

    /// Runs a batch of the group-commit writer. It commits as every other
    /// write does: synchronously, before it is answered, holding the write
    /// lock ([`BEGIN_WRITE`]).
    pub async fn run_batch(&self, ops: &[crate::writer::WriteOp]) -> Vec<Result<crate::writer::WriteOut>> {
        match self.write.acquire().await {
            Ok(mut conn) => run_batch_on(&mut *conn, self.chain.get(), ops).await,
            Err(e) => not_committed(ops, &e.into()),
        }
    }

    pub async fn close(&self) {
        self.write.close().await;
    }

    /// After a bulk load: statistics, and the visibility map set (`VACUUM`),
    /// without which every index-only scan of the new rows still reads the
    /// table until autovacuum gets there.
    pub async fn analyze(&self) -> crate::Result<()> {
        sqlx::query("VACUUM (ANALYZE)").execute(&self.write).await?;
        Ok(())
    }

    /// PostgreSQL checks its pages itself; this asks that the database answers.
    pub async fn integrity_check(&self) -> Result<String> {
        self.ping().await?;
        Ok("ok".into())
    }

    /// PostgreSQL is backed up with its own tools.
    pub async fn backup_to(&self, _path: &str) -> Result<()> {
        Err(StoreError::NotFound(
            "PostgreSQL 的备份请用 pg_dump（如 pg_dump -Fc -f xinfang.dump 数据库名），恢复用 pg_restore；见 docs/operations.md".into(),
        ))
    }
}

/// Begins a write transaction holding the write lock to its end, sent with
/// the `BEGIN` in one round trip. Concurrent writers (several processes:
/// two `serve`s, or a server and `xinfang calendar import`) would read the same
/// head of the audit chain, and update the same counter rows in different
/// orders, which deadlocks; taken first, before any row, the lock orders
/// them. Every transaction that audits or writes a counter begins so.
const BEGIN_WRITE: &str = "BEGIN; SELECT pg_advisory_xact_lock(7720230501)";

/// What a bulk load sets aside, as (kind and name, how to drop it, how to
/// restore it): the secondary indexes of [`LOAD_TABLES`] in the current
/// schema (not those behind a constraint: primary key, unique) and their
/// foreign keys.
fn set_aside_sql() -> String {
    format!(
        "SELECT 'index:' || i.indexname, 'DROP INDEX ' || quote_ident(i.indexname), i.indexdef \
         FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename IN ({LOAD_TABLES}) \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = \
         to_regclass(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))) \
         UNION ALL \
         SELECT 'constraint:' || c.conname, \
         'ALTER TABLE ' || quote_ident(t.relname) || ' DROP CONSTRAINT ' || quote_ident(c.conname), \
         'ALTER TABLE ' || quote_ident(t.relname) || ' ADD CONSTRAINT ' || quote_ident(c.conname) || ' ' \
         || pg_get_constraintdef(c.oid) \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
         WHERE c.contype = 'f' AND t.relnamespace = to_regnamespace(current_schema()) \
         AND t.relname IN ({LOAD_TABLES}) ORDER BY 1"
    )
}

// ---- multi-row inserts, PostgreSQL flavour (used by the shared `sql/` tree) ----

/// The multi-row inserts of the write path, in arrays.
impl WriteTx for sqlx::PgConnection {
    type Row = DbRow;

    async fn fetch(&mut self, mut q: Sql) -> Result<Vec<DbRow>> {
        Ok(q.query().fetch_all(self).await?)
    }

    /// One statement that reads each column from an array:
    /// `head SELECT * FROM UNNEST($1, $2) tail`. Its text depends only on
    /// the table, not on how many rows a batch has, so the server parses and
    /// plans it once per connection and then runs the prepared statement; a
    /// `VALUES` list is a new statement for every row count, parsed and
    /// planned expression by expression.
    async fn insert_rows(&mut self, head: &str, cols: usize, rows: Vec<Vec<Arg>>, tail: &str) -> Result<Vec<DbRow>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = String::new();
        let columns = push_unnest_insert(&mut sql, 0, head, cols, rows, tail)?;
        Ok(bind_columns(sqlx::query(&sql), columns).fetch_all(self).await?)
    }

    /// One statement, so one round trip to the server: each insert of
    /// [`insert_rows`](WriteTx::insert_rows) but the last in a `WITH` clause
    /// of its own, which PostgreSQL runs to completion whether or not the
    /// statement reads it. Tables without rows are left out.
    async fn insert_all(&mut self, tables: Vec<Rows>) -> Result<()> {
        let mut tables: Vec<Rows> = tables.into_iter().filter(|t| !t.rows.is_empty()).collect();
        let Some(last) = tables.pop() else {
            return Ok(());
        };
        let (mut sql, mut columns) = (String::new(), Vec::new());
        for (i, t) in tables.into_iter().enumerate() {
            sql.push_str(if i == 0 { "WITH " } else { ", " });
            sql.push_str(&format!("w{i} AS ("));
            columns.extend(push_unnest_insert(&mut sql, columns.len(), t.head, t.cols, t.rows, t.tail)?);
            sql.push_str(") ");
        }
        columns.extend(push_unnest_insert(&mut sql, columns.len(), last.head, last.cols, last.rows, last.tail)?);
        bind_columns(sqlx::query(&sql), columns).execute(self).await?;
        Ok(())
    }
}

impl BatchConn for sqlx::PgConnection {
    async fn exec(&mut self, sql: &'static str) -> Result<()> {
        sqlx::raw_sql(sql).execute(self).await?;
        Ok(())
    }
}

/// Appends `head SELECT * FROM UNNEST($k+1, …) tail` to `sql`, its
/// placeholders numbered after the `before` already in the statement, and
/// returns the columns to bind to them. `rows` is not empty.
fn push_unnest_insert(
    sql: &mut String,
    before: usize,
    head: &str,
    cols: usize,
    rows: Vec<Vec<Arg>>,
    tail: &str,
) -> Result<Vec<Column>> {
    let first = rows.first().ok_or_else(|| StoreError::Corrupt(format!("{head}: no rows")))?;
    let mut columns: Vec<Column> = first.iter().map(Column::of).collect();
    for row in rows {
        if row.len() != cols {
            return Err(StoreError::Corrupt(format!("{head}: {} values for {cols} columns", row.len())));
        }
        for (j, (c, a)) in columns.iter_mut().zip(row).enumerate() {
            // The value itself stays out of the message: it may be personal data.
            c.push(a).map_err(|_| StoreError::Corrupt(format!("{head}: column {} holds another type", j + 1)))?;
        }
    }
    sql.push_str(head);
    sql.push_str(" SELECT * FROM UNNEST(");
    for n in 1..=cols {
        if n > 1 {
            sql.push_str(", ");
        }
        push_placeholder(sql, before + n);
    }
    sql.push_str(") ");
    sql.push_str(tail);
    Ok(columns)
}

/// Binds each column as one array, in order.
fn bind_columns<'q>(
    mut q: sqlx::query::Query<'q, Db, sqlx::postgres::PgArguments>,
    columns: Vec<Column>,
) -> sqlx::query::Query<'q, Db, sqlx::postgres::PgArguments> {
    for c in columns {
        q = match c {
            Column::I64(v) => q.bind(v),
            Column::Text(v) => q.bind(v),
            Column::Date(v) => q.bind(v),
            Column::Bool(v) => q.bind(v),
            Column::Bytes(v) => q.bind(v),
            Column::Time(v) => q.bind(v),
        };
    }
    q
}

/// The values of one column of [`insert_rows`], bound as one array.
enum Column {
    I64(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
    Date(Vec<Option<chrono::NaiveDate>>),
    Bool(Vec<bool>),
    Bytes(Vec<Option<Vec<u8>>>),
    Time(Vec<chrono::DateTime<chrono::Utc>>),
}

impl Column {
    /// An empty column of `a`'s type.
    fn of(a: &Arg) -> Self {
        match a {
            Arg::I64(_) | Arg::OptI64(_) => Column::I64(Vec::new()),
            Arg::Text(_) | Arg::OptText(_) => Column::Text(Vec::new()),
            Arg::Date(_) | Arg::OptDate(_) => Column::Date(Vec::new()),
            Arg::Bool(_) => Column::Bool(Vec::new()),
            Arg::OptBytes(_) => Column::Bytes(Vec::new()),
            Arg::Time(_) => Column::Time(Vec::new()),
        }
    }

    /// Appends `a`; gives it back if it is of another type.
    fn push(&mut self, a: Arg) -> std::result::Result<(), Arg> {
        match (self, a) {
            (Column::I64(v), Arg::I64(x)) => v.push(Some(x)),
            (Column::I64(v), Arg::OptI64(x)) => v.push(x),
            (Column::Text(v), Arg::Text(x)) => v.push(Some(x)),
            (Column::Text(v), Arg::OptText(x)) => v.push(x),
            (Column::Date(v), Arg::Date(x)) => v.push(Some(x)),
            (Column::Date(v), Arg::OptDate(x)) => v.push(x),
            (Column::Bool(v), Arg::Bool(x)) => v.push(x),
            (Column::Bytes(v), Arg::OptBytes(x)) => v.push(x),
            (Column::Time(v), Arg::Time(x)) => v.push(x),
            (_, a) => return Err(a),
        }
        Ok(())
    }
}

// ---- search, PostgreSQL flavour (used by the shared `sql/` tree) ----

/// The full-text row of a petition: the tsvector literal, cast on insert.
const SEARCH_INSERT: (&str, usize, &str) =
    ("INSERT INTO petition_search (petition_id, doc) SELECT v.a, CAST(v.b AS tsvector) FROM (", 2, ") AS v(a, b)");

fn search_row(id: i64, d: &xinfang_text::SearchDoc) -> Vec<Arg> {
    vec![Arg::I64(id), Arg::Text(d.text.tsvector())]
}

/// The LSH band keys: 16 rows of `petition_bands` per petition.
const BAND_INSERT: (&str, usize, &str) =
    ("INSERT INTO petition_bands (band, petition_id)", 2, "ON CONFLICT DO NOTHING");

fn band_rows(id: i64, sig: &xinfang_text::Signature) -> Vec<Vec<Arg>> {
    sig.bands().into_iter().map(|b| vec![Arg::I64(b), Arg::I64(id)]).collect()
}

/// The newest petition with band keys written.
const BANDS_LAST: &str = "SELECT petition_id FROM petition_bands ORDER BY petition_id DESC LIMIT 1";

/// `SELECT petition_id FROM …` of the petitions sharing LSH band `band`,
/// below `before`, newest first, at most `limit`.
fn push_band_lookup(q: &mut Sql, band: i64, before: i64, limit: i64) {
    q.push("SELECT petition_id FROM petition_bands WHERE band = ")
        .arg(Arg::I64(band))
        .push(" AND petition_id < ")
        .arg(Arg::I64(before))
        .push(" ORDER BY petition_id DESC LIMIT ")
        .arg(Arg::I64(limit));
}

/// `SELECT id, score FROM … WHERE <match>` of a text query, `p` joined.
fn push_text_match(q: &mut Sql, tq: &xinfang_text::TextQuery) {
    let tsq = tq.tsquery();
    q.push("SELECT p.id AS id, CAST(ts_rank(f.doc, CAST(")
        .arg(Arg::Text(tsq.clone()))
        .push(
            " AS tsquery)) AS DOUBLE PRECISION) AS score FROM petition_search f \
             JOIN petitions p ON p.id = f.petition_id WHERE f.doc @@ CAST(",
        )
        .arg(Arg::Text(tsq))
        .push(" AS tsquery)");
}

const TEXT_ORDER: &str = "f.petition_id DESC";

/// The key a text match can be bounded on (`> newest − window`).
const TEXT_KEY: &str = "f.petition_id";

/// GIN returns a text match's rows unordered, so finding the newest ones
/// means visiting every match; the newest 50,000 petitions are tried
/// first, then 300,000, then all (see `search_text`). At 1M a word in 5 %
/// of the petitions fills the first range, and a rare word's ranges are
/// cheap to widen.
const TEXT_WINDOWS: &[i64] = &[50_000, 300_000];

/// A petitioner's name in byte order, as its index is built.
const NAME_ORDERED: &str = "pe.name COLLATE \"C\"";

// The SQL written once for both backends, compiled here with this
// backend's `Db` and dialect (and again in the other backend).
#[allow(clippy::duplicate_mod)]
#[path = "../sql/mod.rs"]
mod sql;
use sql::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_insert_column_takes_its_type_with_or_without_nulls_and_refuses_another() {
        let mut c = Column::of(&Arg::OptI64(None));
        assert!(c.push(Arg::I64(2)).is_ok());
        assert!(c.push(Arg::OptI64(None)).is_ok());
        assert!(matches!(c.push(Arg::Text("2".into())), Err(Arg::Text(_))));
        assert!(matches!(c, Column::I64(ref v) if v == &[Some(2), None]));
        let mut t = Column::of(&Arg::Text(String::new()));
        assert!(t.push(Arg::OptText(None)).is_ok());
        assert!(matches!(t.push(Arg::Bool(true)), Err(Arg::Bool(true))));
    }
}
