//! The SQL that is SQLite's own, used by the shared `sql/` tree: how a
//! write transaction begins, what a bulk load sets aside, multi-row
//! inserts in sizes that stay prepared, and the FTS5 search and band look-ups.

use super::*;

/// Begins a transaction that will write after reading: with the write lock
/// taken at once (waiting for it as for any write), so that no commit from
/// another connection between its read and its first write can fail it.
pub(super) const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// What a bulk load sets aside, as (kind and name, how to drop it, how to
/// restore it): the secondary indexes of [`LOAD_TABLES`] (SQLite keeps no SQL
/// for the indexes of primary keys and unique constraints). Foreign keys
/// stay: SQLite cannot drop them, and its checks, a look-up in the parent's
/// primary key, cost the load nothing measurable (it is held by the
/// generator, see docs/benchmarks.md).
pub(super) fn set_aside_sql() -> String {
    format!(
        "SELECT 'index:' || name, 'DROP INDEX \"' || name || '\"', sql FROM sqlite_master \
         WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({LOAD_TABLES}) ORDER BY name"
    )
}

// ---- multi-row inserts, SQLite flavour (used by the shared `sql/` tree) ----

/// Most bind values in one statement (SQLite allows 32766).
pub(super) const MAX_ARGS: usize = 30_000;

/// Statements of at least this many rows come in few sizes (see
/// [`statement_sizes`]); smaller ones are cheap to parse.
pub(super) const FEW_SIZES_FROM: usize = 64;

/// The number of rows of each statement that inserts `n` rows, at most
/// `per` each: as many of `per` as fit, then powers of two down to
/// [`FEW_SIZES_FROM`], then the rest in one. SQLite parses each new
/// statement text, and parsing a multi-row `INSERT` costs about as much as
/// running it: sizes that recur from batch to batch are parsed once and
/// taken from the connection's statement cache after that (in a bulk load
/// the parsing had been a tenth of the database connection's work).
pub(super) fn statement_sizes(mut n: usize, per: usize) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        let size = if n >= per {
            per
        } else if n >= FEW_SIZES_FROM {
            1 << n.ilog2()
        } else {
            n
        };
        n -= size;
        (size > 0).then_some(size)
    })
}

/// Inserts `rows` (each `cols` values) into `head` (`INSERT INTO t (a, b)`)
/// in multi-row statements within the argument limit, of the sizes
/// [`statement_sizes`] gives; `tail` is appended to each (e.g. `ON CONFLICT
/// DO NOTHING`, `RETURNING …`). Returns the rows each statement returned.
pub(super) async fn values_insert<T: WriteTx>(
    tx: &mut T,
    head: &str,
    cols: usize,
    rows: Vec<Vec<Arg>>,
    tail: &str,
) -> Result<Vec<T::Row>> {
    let per = (MAX_ARGS / cols).clamp(1, 1000);
    let mut out = Vec::new();
    let mut rows = rows.into_iter();
    for size in statement_sizes(rows.len(), per) {
        let mut q = Sql::default();
        q.push(head).push(" VALUES ");
        for (i, row) in rows.by_ref().take(size).enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            for (j, a) in row.into_iter().enumerate() {
                if j > 0 {
                    q.push(", ");
                }
                q.arg(a);
            }
            q.push(")");
        }
        q.push(" ").push(tail);
        out.extend(tx.fetch(q).await?);
    }
    Ok(out)
}

impl WriteTx for sqlx::SqliteConnection {
    type Row = DbRow;

    async fn fetch(&mut self, mut q: Sql) -> Result<Vec<DbRow>> {
        Ok(q.query().fetch_all(self).await?)
    }

    async fn insert_rows(&mut self, head: &str, cols: usize, rows: Vec<Vec<Arg>>, tail: &str) -> Result<Vec<DbRow>> {
        values_insert(self, head, cols, rows, tail).await
    }
}

// ---- search, SQLite flavour (used by the shared `sql/` tree) ----

/// The full-text rows of a petition: FTS5 rowid = petition id. The
/// `bands` column is left empty (see migration 0006).
pub(super) const SEARCH_INSERT: (&str, usize, &str) =
    ("INSERT INTO petition_fts (rowid, words, parts, grams, bands)", 5, "");

pub(super) fn search_row(id: i64, d: &xinfang_text::SearchDoc) -> Vec<Arg> {
    let t = &d.text;
    vec![
        Arg::I64(id),
        Arg::Text(t.words_text()),
        Arg::Text(t.inner_text()),
        Arg::Text(t.grams_text()),
        Arg::Text(String::new()),
    ]
}

/// The LSH band keys: one row of `petition_bands` (FTS5) per petition.
pub(super) const BAND_INSERT: (&str, usize, &str) = ("INSERT INTO petition_bands (rowid, bands)", 2, "");

pub(super) fn band_rows(id: i64, sig: &xinfang_text::Signature) -> Vec<Vec<Arg>> {
    use std::fmt::Write;
    let mut terms = String::with_capacity(18 * xinfang_text::BANDS);
    for band in sig.bands() {
        let sep = if terms.is_empty() { "" } else { " " };
        let _ = write!(terms, "{sep}{}", BandTerm(band));
    }
    vec![vec![Arg::I64(id), Arg::Text(terms)]]
}

/// The newest petition with band keys written.
pub(super) const BANDS_LAST: &str = "SELECT rowid FROM petition_bands ORDER BY rowid DESC LIMIT 1";

/// A band key as an FTS term, written where it is needed.
pub(super) struct BandTerm(i64);

impl std::fmt::Display for BandTerm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b{:016x}", self.0 as u64)
    }
}

/// `SELECT petition_id FROM …` of the petitions sharing LSH band `band`,
/// below `before`, newest first, at most `limit`.
pub(super) fn push_band_lookup(q: &mut Sql, band: i64, before: i64, limit: i64) {
    q.push("SELECT rowid AS petition_id FROM petition_bands WHERE petition_bands MATCH ")
        .arg(Arg::Text(format!("\"{}\"", BandTerm(band))))
        .push(" AND rowid < ")
        .arg(Arg::I64(before))
        .push(" ORDER BY rowid DESC LIMIT ")
        .arg(Arg::I64(limit));
}

/// `SELECT id, score FROM … WHERE <match>` of a text query, `p` joined.
/// BM25 with the inner words weighted half and grams less; negated so
/// higher is better.
pub(super) fn push_text_match(q: &mut Sql, tq: &xinfang_text::TextQuery) {
    q.push(
        "SELECT p.id AS id, -bm25(petition_fts, 1.0, 0.5, 0.2, 0.0) AS score FROM petition_fts \
         JOIN petitions p ON p.id = petition_fts.rowid WHERE petition_fts MATCH ",
    )
    .arg(Arg::Text(tq.fts5()));
}

/// The newest matches first, in the index's own order (no sort).
pub(super) const TEXT_ORDER: &str = "petition_fts.rowid DESC";

/// The key a text match can be bounded on.
pub(super) const TEXT_KEY: &str = "petition_fts.rowid";

/// FTS5 walks a match newest first and stops at the window: no ranges to try.
pub(super) const TEXT_WINDOWS: &[i64] = &[];

/// A petitioner's name in byte order (SQLite's default).
pub(super) const NAME_ORDERED: &str = "pe.name";
