//! The embedded SQLite backend: one file in WAL mode with `synchronous=FULL`,
//! so a commit is on disk before it is acknowledged. Writes outside the
//! group-commit writer go through a pool of one connection; reads use their
//! own small pool.
//!
//! The group-commit writer's batches are the exception: they run on the
//! writer's own connection, on its thread ([`direct`]), commit with
//! `synchronous=NORMAL` and are answered only after [`Backend::wal_sync`]
//! has synced the WAL file, from another thread while the next batch runs
//! (see `writer.rs`). A commit is durable once its WAL frames are on disk,
//! so an answered write is as durable as with FULL; what changes is that a
//! reader may see a write a few milliseconds before it is durable (and
//! answered). Whatever is answered later was synced with everything
//! committed before it.

mod direct;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

type Db = sqlx::Sqlite;
type DbRow = sqlx::sqlite::SqliteRow;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "0001_init", include_str!("migrations/0001_init.sql")),
    (2, "0002_stats", include_str!("migrations/0002_stats.sql")),
    (3, "0003_search", include_str!("migrations/0003_search.sql")),
    (4, "0004_unit_disabled", include_str!("migrations/0004_unit_disabled.sql")),
    (5, "0005_petitioner_keys", include_str!("migrations/0005_petitioner_keys.sql")),
    (6, "0006_band_index", include_str!("migrations/0006_band_index.sql")),
    (7, "0007_deadline_units", include_str!("migrations/0007_deadline_units.sql")),
    (8, "0008_office_deadlines", include_str!("migrations/0008_office_deadlines.sql")),
    (9, "0009_office_due_counts", include_str!("migrations/0009_office_due_counts.sql")),
];

/// Appends the placeholder of the `n`th argument of a query built at run time.
/// Anonymous `?`: SQLite looks a numbered parameter's name up by walking a
/// list, which makes binding a statement of thousands of `$n` quadratic.
fn push_placeholder(text: &mut String, _n: usize) {
    text.push('?');
}

#[derive(Debug, Clone)]
pub struct Backend {
    write: sqlx::SqlitePool,
    read: sqlx::SqlitePool,
    /// The group-commit writer's connection (only its thread takes it).
    direct: std::sync::Arc<tokio::sync::Mutex<direct::Direct>>,
    wal: PathBuf,
    /// The database file, for the background checkpointer's sync, open
    /// until [`Backend::close`] has closed every connection. Closing any
    /// descriptor of a file drops every POSIX lock the process holds on it,
    /// SQLite's included (SQLite's “How To Corrupt An SQLite Database File”,
    /// §2.2): a file opened and closed for each sync dropped them, and
    /// another process that then opened and closed the database (`xinfang
    /// calendar import`, the `sqlite3` shell) found itself the last user
    /// and deleted the WAL under the running server.
    file: HeldFile,
    /// What [`Backend::tend`] has to do.
    tending: std::sync::Arc<Tending>,
}

/// A file kept open, shared by a backend's clones and its checkpointer;
/// `None` once closed.
type HeldFile = std::sync::Arc<std::sync::Mutex<Option<std::fs::File>>>;

/// The file, whatever a panic elsewhere left the lock in.
fn held(file: &HeldFile) -> std::sync::MutexGuard<'_, Option<std::fs::File>> {
    file.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The writer's upkeep: when it last merged, and whether the background
/// checkpointer has left it the tail of a large WAL.
#[derive(Debug)]
struct Tending {
    merged: std::sync::Mutex<std::time::Instant>,
    tail_ready: std::sync::atomic::AtomicBool,
}

impl Backend {
    /// Opens (creating if missing) the database at `url` (`sqlite://path`).
    pub async fn connect(url: &str) -> Result<Self> {
        let mut opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // 16 MiB of page cache for each connection of the pools: the few
            // writes outside the writer, and four readers that would
            // otherwise hold four times the writer's cache between them.
            .pragma("cache_size", "-16384");
        for (name, value) in pragmas() {
            opts = opts.pragma(name, value);
        }
        let file = opts.get_filename().to_path_buf();
        // The writer's own connection opens the file by its name, and the
        // WAL is synced by its name: a database in memory has neither.
        if url.contains(":memory:") || url.contains("mode=memory") {
            return Err(StoreError::NotFound("不支持内存中的 SQLite 数据库，请给出数据库文件的路径".into()));
        }
        let wal = PathBuf::from(format!("{}-wal", file.display()));
        // No ping before each use (sqlx's default): a connection to a file
        // in this process does not drop, and each ping is one more round trip
        // to the connection's thread, for every query and every batch.
        let pool = || SqlitePoolOptions::new().test_before_acquire(false);
        let write = pool().max_connections(1).min_connections(1).connect_with(opts.clone()).await?;
        let read = pool().max_connections(4).connect_with(opts).await?;
        // Opened once the pool has made the file and put it in WAL mode.
        let direct = direct::Direct::open(&file)?;
        let tending = std::sync::Arc::new(Tending {
            merged: std::sync::Mutex::new(std::time::Instant::now()),
            tail_ready: std::sync::atomic::AtomicBool::new(false),
        });
        let file = std::fs::File::open(&file)
            .map(|f| std::sync::Arc::new(std::sync::Mutex::new(Some(f))))
            .map_err(|e| StoreError::Busy(format!("无法打开数据库文件 {}：{e}", file.display())))?;
        spawn_checkpointer(read.clone(), file.clone(), wal.clone(), tending.clone());
        let direct = std::sync::Arc::new(tokio::sync::Mutex::new(direct));
        Ok(Self { write, read, direct, wal, file, tending })
    }

    /// Upkeep that needs the write lock, run by the group-commit writer
    /// between its batches (and when idle): on another connection it would
    /// hold the writer back and, worse, make it sleep in SQLite's busy
    /// handler for longer than the work took.
    /// - Every [`MERGE_EVERY`], merges some segments of the full-text index:
    ///   FTS5 does not merge on commit (see migration 0003), so look-ups
    ///   would visit ever more segments.
    /// - When the background checkpointer has just copied back a WAL grown
    ///   past [`WAL_RESTART_BYTES`], checkpoints the rest from this
    ///   connection. The background pass never catches up with a busy
    ///   writer, and only a caught-up log starts again from the top; here no
    ///   commit can come in between, and what is left to copy is only what
    ///   came during that pass. The next write then starts the log afresh.
    ///
    /// A passive checkpoint waits for no reader: should one still be reading
    /// an older snapshot, the log starts afresh after a later pass.
    pub async fn tend(&self) {
        use std::sync::atomic::Ordering;
        let merge = {
            let mut last = self.tending.merged.lock().unwrap_or_else(|p| p.into_inner());
            let due = last.elapsed() >= MERGE_EVERY;
            if due {
                *last = std::time::Instant::now();
            }
            due
        };
        let checkpoint = self.tending.tail_ready.swap(false, Ordering::Relaxed);
        if !merge && !checkpoint {
            return;
        }
        let Ok(_lock) = self.write.acquire().await else { return };
        let mut conn = self.direct.lock().await;
        if merge && let Err(e) = conn.exec(FTS_MERGE).await {
            tracing::warn!(error = %e, "full-text index merge failed");
        }
        if checkpoint && let Err(e) = conn.exec("PRAGMA wal_checkpoint(PASSIVE)").await {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }

    /// Runs a batch of the group-commit writer on its own connection.
    ///
    /// Meanwhile it holds the pool's write connection, which stands for the
    /// database's write lock within this process: the other writes (a
    /// login's session and audit line, an administrator's change) queue for
    /// it in turn instead of meeting the batches in SQLite's busy handler,
    /// which polls with sleeps of up to 100 ms and could let a steady stream
    /// of batches starve them.
    pub async fn run_batch(&self, ops: &[crate::writer::WriteOp]) -> Vec<Result<crate::writer::WriteOut>> {
        let _lock = match self.write.acquire().await {
            Ok(c) => c,
            Err(e) => return not_committed(ops, &e.into()),
        };
        run_batch_on(&mut *self.direct.lock().await, ops).await
    }

    /// Syncs the WAL file: everything committed before the call is then on
    /// disk. Opened anew each time, as SQLite deletes and recreates the file
    /// when the last connection closes and opens again; the first time and
    /// whenever the file is a new one, its folder is synced too, so the file
    /// itself is found after a power cut.
    pub fn wal_sync(&self) -> crate::writer::Sync {
        use std::os::unix::fs::MetadataExt;
        let wal = self.wal.clone();
        let synced_inode = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        std::sync::Arc::new(move || {
            let f = std::fs::File::open(&wal)?;
            f.sync_data()?;
            let inode = f.metadata()?.ino();
            if synced_inode.swap(inode, std::sync::atomic::Ordering::Relaxed) != inode {
                crate::sync_folder_of(&wal)?;
            }
            Ok(())
        })
    }

    pub async fn close(&self) {
        // The writer's connection is taken first, between two of its
        // batches, so that any later batch is refused, and closed last, when
        // no one else writes: it empties the WAL (see `Direct::close`).
        let direct = {
            let _lock = self.write.acquire().await;
            self.direct.lock().await.take()
        };
        self.write.close().await;
        self.read.close().await;
        direct.close();
        held(&self.file).take();
    }

    /// After a bulk load: statistics for the planner, the full-text index
    /// merged into one segment (fewer segments, faster look-ups), and the
    /// WAL, which the index builds have grown to hundreds of megabytes,
    /// copied back and cut to nothing (the writer's upkeep would restart it
    /// only at the next write).
    pub async fn analyze(&self) -> crate::Result<()> {
        sqlx::query("ANALYZE").execute(&self.write).await?;
        sqlx::query("INSERT INTO petition_fts (petition_fts) VALUES ('optimize')").execute(&self.write).await?;
        sqlx::query("INSERT INTO petition_bands (petition_bands) VALUES ('optimize')").execute(&self.write).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.write).await?;
        Ok(())
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound. It reads the
    /// whole file (32 s for a 1M ledger): for checks, not for health probes
    /// ([`Backend::ping`]).
    pub async fn integrity_check(&self) -> Result<String> {
        Ok(sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&self.read).await?)
    }
}

/// How long a connection waits for another's write lock before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The settings every connection to the file takes, besides WAL (a setting
/// of the file), `synchronous`, foreign keys, the busy timeout and the size
/// of its page cache.
fn pragmas() -> [(&'static str, String); 3] {
    [
        ("temp_store", "memory".into()),
        // No checkpoint inside a commit: that would stall the writer (and
        // every caller waiting on it) while pages are copied back. The
        // background task checkpoints from another connection, and the
        // writer finishes the job between batches (`tend`).
        ("wal_autocheckpoint", "0".into()),
        // When the log starts again from the top, a file grown larger than
        // this (a bulk load) is cut back to it. Well above
        // `WAL_RESTART_BYTES`: cut back to where the log will grow past
        // again, every cycle would extend the file anew, and a sync of a
        // grown file also commits its new size to the file system's journal.
        ("journal_size_limit", (4 * WAL_RESTART_BYTES).to_string()),
    ]
}

/// The WAL size past which the writer finishes a checkpoint itself, so that
/// the log starts again from the top (see [`Backend::tend`]).
const WAL_RESTART_BYTES: u64 = 64 << 20;

/// How often the writer merges some of the full-text index.
const MERGE_EVERY: Duration = Duration::from_secs(1);

/// Some merging of the full-text index's segments: at most 64 pages written,
/// about 5 ms of the writer's time at 1M petitions, each [`MERGE_EVERY`].
const FTS_MERGE: &str = "INSERT INTO petition_fts (petition_fts, rank) VALUES ('merge', 64)";

/// Copies committed WAL pages back into the database file every second, from
/// a reader connection, PASSIVE: it never waits for, nor makes wait, the
/// writer or the readers; and syncs the file ([`checkpoint_pass`]). When the
/// WAL file is then past [`WAL_RESTART_BYTES`], it leaves the rest to the
/// writer (see [`Backend::tend`]). Ends when the pool is closed.
///
/// (Narrowing that rest with further passes before handing it over was
/// tried: the writer's share fell from ~55 ms to ~5 ms most of the time, but
/// the extra passes competed with it for the two cores, and 16-client p99
/// went from 14–15 ms to 21–23 ms at 1M petitions.)
fn spawn_checkpointer(pool: sqlx::SqlitePool, file: HeldFile, wal: PathBuf, tending: std::sync::Arc<Tending>) {
    tokio::spawn(async move {
        let mut copied = 0;
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if pool.is_closed() {
                break;
            }
            match checkpoint_pass(&pool, &file, copied).await {
                Ok(done) => copied = done,
                Err(e) => {
                    if pool.is_closed() {
                        break;
                    }
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                    continue;
                }
            }
            if std::fs::metadata(&wal).is_ok_and(|m| m.len() > WAL_RESTART_BYTES) {
                tending.tail_ready.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
}

/// One pass of the background checkpointer: copies back what it can, and
/// syncs the database file if the pass copied anything since `copied` (the
/// WAL frames copied back after the pass before). Returns the frames copied
/// back now (they count from nothing again when the log starts afresh).
///
/// SQLite syncs the file after a pass only if nothing was committed while it
/// copied, which under steady writes is never: the writer's pass that lets
/// the log start afresh then synced everything the passes before it had
/// copied, up to a second of registrations, 25–100 ms at 1M petitions with
/// every registration waiting (docs/benchmarks.md, “The checkpoint's sync
/// off the writer”). Synced here, beside the writer, that pass is left with
/// the pages it copied itself. Durability does not rest on this sync:
/// SQLite still syncs before the log starts afresh.
async fn checkpoint_pass(pool: &sqlx::SqlitePool, file: &HeldFile, copied: i64) -> Result<i64, sqlx::Error> {
    // (busy, frames in the log, frames copied back)
    let (_, _, done): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(pool).await?;
    if done > 0 && done != copied {
        // Synced under the lock: `close` waits for it before it closes the file.
        let file = file.clone();
        tokio::task::spawn_blocking(move || held(&file).as_ref().map_or(Ok(()), std::fs::File::sync_data))
            .await
            .map_err(std::io::Error::other)??;
    }
    Ok(done)
}

/// Begins a transaction that will write after reading: with the write lock
/// taken at once (waiting for it as for any write), so that no commit from
/// another connection between its read and its first write can fail it.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// What a bulk load sets aside, as (kind and name, how to drop it, how to
/// restore it): the secondary indexes of [`LOAD_TABLES`] (SQLite keeps no SQL
/// for the indexes of primary keys and unique constraints). Foreign keys
/// stay: SQLite cannot drop them, and its checks, a look-up in the parent's
/// primary key, cost the load nothing measurable (it is held by the
/// generator, see docs/benchmarks.md).
fn set_aside_sql() -> String {
    format!(
        "SELECT 'index:' || name, 'DROP INDEX \"' || name || '\"', sql FROM sqlite_master \
         WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({LOAD_TABLES}) ORDER BY name"
    )
}

// ---- multi-row inserts, SQLite flavour (used by backend.rs) ----

/// Most bind values in one statement (SQLite allows 32766).
const MAX_ARGS: usize = 30_000;

/// Statements of at least this many rows come in few sizes (see
/// [`statement_sizes`]); smaller ones are cheap to parse.
const FEW_SIZES_FROM: usize = 64;

/// The number of rows of each statement that inserts `n` rows, at most
/// `per` each: as many of `per` as fit, then powers of two down to
/// [`FEW_SIZES_FROM`], then the rest in one. SQLite parses each new
/// statement text, and parsing a multi-row `INSERT` costs about as much as
/// running it: sizes that recur from batch to batch are parsed once and
/// taken from the connection's statement cache after that (in a bulk load
/// the parsing had been a tenth of the database connection's work).
fn statement_sizes(mut n: usize, per: usize) -> impl Iterator<Item = usize> {
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
async fn values_insert<T: WriteTx>(
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

// ---- search, SQLite flavour (used by backend.rs) ----

/// The full-text rows of a petition: FTS5 rowid = petition id. The
/// `bands` column is left empty (see migration 0006).
const SEARCH_INSERT: (&str, usize, &str) = ("INSERT INTO petition_fts (rowid, words, parts, grams, bands)", 5, "");

fn search_row(id: i64, d: &xinfang_text::SearchDoc) -> Vec<Arg> {
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
const BAND_INSERT: (&str, usize, &str) = ("INSERT INTO petition_bands (rowid, bands)", 2, "");

fn band_rows(id: i64, sig: &xinfang_text::Signature) -> Vec<Vec<Arg>> {
    use std::fmt::Write;
    let mut terms = String::with_capacity(18 * xinfang_text::BANDS);
    for band in sig.bands() {
        let sep = if terms.is_empty() { "" } else { " " };
        let _ = write!(terms, "{sep}{}", BandTerm(band));
    }
    vec![vec![Arg::I64(id), Arg::Text(terms)]]
}

/// The newest petition with band keys written.
const BANDS_LAST: &str = "SELECT rowid FROM petition_bands ORDER BY rowid DESC LIMIT 1";

/// A band key as an FTS term, written where it is needed.
struct BandTerm(i64);

impl std::fmt::Display for BandTerm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b{:016x}", self.0 as u64)
    }
}

/// `SELECT petition_id FROM …` of the petitions sharing LSH band `band`,
/// below `before`, newest first, at most `limit`.
fn push_band_lookup(q: &mut Sql, band: i64, before: i64, limit: i64) {
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
fn push_text_match(q: &mut Sql, tq: &xinfang_text::TextQuery) {
    q.push(
        "SELECT p.id AS id, -bm25(petition_fts, 1.0, 0.5, 0.2, 0.0) AS score FROM petition_fts \
         JOIN petitions p ON p.id = petition_fts.rowid WHERE petition_fts MATCH ",
    )
    .arg(Arg::Text(tq.fts5()));
}

/// The newest matches first, in the index's own order (no sort).
const TEXT_ORDER: &str = "petition_fts.rowid DESC";

/// The key a text match can be bounded on.
const TEXT_KEY: &str = "petition_fts.rowid";

/// FTS5 walks a match newest first and stops at the window: no ranges to try.
const TEXT_WINDOWS: &[i64] = &[];

/// A petitioner's name in byte order (SQLite's default).
const NAME_ORDERED: &str = "pe.name";

include!("../backend.rs");

#[cfg(test)]
mod tests {
    use super::*;

    /// A new database in a folder of its own under the system's temporary
    /// folder, named after the test: (folder, file, backend).
    async fn fresh(name: &str) -> (std::path::PathBuf, std::path::PathBuf, Backend) {
        let dir = std::env::temp_dir().join(format!("xinfang-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("t.db");
        let b = Backend::connect(&format!("sqlite://{}", file.display())).await.expect("connect");
        (dir, file, b)
    }

    #[test]
    fn multi_row_statements_come_in_sizes_that_recur() {
        let sizes = |n, per| statement_sizes(n, per).collect::<Vec<_>>();
        assert_eq!(sizes(0, 1000), Vec::<usize>::new());
        assert_eq!(sizes(17, 1000), [17]);
        assert_eq!(sizes(2750, 1000), [1000, 1000, 512, 128, 64, 46]);
        assert_eq!(sizes(64, 1000), [64]);
        assert_eq!(sizes(1000, 1000), [1000]);
        assert_eq!(sizes(7, 3), [3, 3, 1]);
        for n in 0..3000 {
            let s = sizes(n, 1000);
            assert_eq!(s.iter().sum::<usize>(), n);
            // Every size is the limit, a power of two, or the one small rest.
            assert!(s.iter().all(|&k| k == 1000 || k.is_power_of_two() || k < FEW_SIZES_FROM), "{n}: {s:?}");
            assert!(s.iter().filter(|&&k| k < FEW_SIZES_FROM).count() <= 1, "{n}: {s:?}");
        }
    }

    /// Closed after writes by the group-commit writer, the database leaves
    /// no log behind (no WAL file, or an empty one): a copy of the file
    /// alone, taken after a clean stop, holds everything. A batch after
    /// that is refused.
    #[tokio::test]
    async fn closing_leaves_no_wal_behind() {
        let (dir, _, b) = fresh("close").await;
        sqlx::query("CREATE TABLE t (n INTEGER)").execute(&b.write).await.expect("table");
        let mut q = Sql::default();
        q.push("INSERT INTO t (n) VALUES (1)");
        b.direct.lock().await.fetch(q).await.expect("write");
        assert!(b.wal.exists());
        b.close().await;
        assert!(std::fs::metadata(&b.wal).map_or(true, |m| m.len() == 0), "a log is left behind");
        let results = b.run_batch(&[crate::writer::WriteOp::InsertPetitions(Vec::new())]).await;
        assert!(matches!(&results[..], [Err(StoreError::Busy(_))]), "{results:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A database in memory is refused with a clear message: the writer's
    /// connection and the WAL's sync need a file.
    #[tokio::test]
    async fn a_database_in_memory_is_refused() {
        for url in ["sqlite::memory:", "sqlite://t.db?mode=memory"] {
            let e = Backend::connect(url).await.expect_err(url);
            assert!(e.to_string().contains("内存"), "{url}: {e}");
        }
    }

    /// Only the group-commit writer's own connection commits without
    /// syncing (the writer syncs the WAL before it answers); every
    /// connection of the pools is FULL. The writer's connection takes the
    /// settings every connection takes.
    #[tokio::test]
    async fn only_the_writer_connection_commits_without_syncing() {
        let (dir, _, b) = fresh("sync").await;
        let pooled = |pragma: &'static str| {
            let b = b.clone();
            async move { sqlx::query_scalar::<_, i64>(pragma).fetch_one(&b.write).await.expect("pragma") }
        };
        let direct = |pragma: &'static str| {
            let b = b.clone();
            async move {
                let mut q = Sql::default();
                q.push(pragma);
                let rows = b.direct.lock().await.fetch(q).await.expect("pragma");
                rows.first().expect("a row").i64(0).expect("a number")
            }
        };
        assert_eq!(pooled("PRAGMA synchronous").await, 2, "FULL");
        let results = b.run_batch(&[crate::writer::WriteOp::InsertPetitions(Vec::new())]).await;
        assert_eq!(results.len(), 1);
        assert_eq!(pooled("PRAGMA synchronous").await, 2, "still FULL after a batch");
        assert_eq!(direct("PRAGMA synchronous").await, 1, "NORMAL");
        for pragma in
            ["PRAGMA foreign_keys", "PRAGMA wal_autocheckpoint", "PRAGMA journal_size_limit", "PRAGMA busy_timeout"]
        {
            assert_eq!(direct(pragma).await, pooled(pragma).await, "{pragma}");
        }
        assert_eq!(direct("PRAGMA cache_size").await, -65536);
        (b.wal_sync())().expect("the WAL file syncs");
        b.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// What the writer's own connection stores, sqlx reads back as it would
    /// have stored it (dates, times, flags, nothing), and the other way
    /// round; a value taken twice is a conflict.
    #[tokio::test]
    async fn the_writer_connection_stores_values_as_sqlx_does() {
        let (dir, _, b) = fresh("direct").await;
        sqlx::query("CREATE TABLE t (k TEXT UNIQUE, d TEXT, o TEXT, at TEXT, f INTEGER, n INTEGER, x BLOB)")
            .execute(&b.write)
            .await
            .expect("table");
        let day = NaiveDate::from_ymd_opt(2026, 2, 17).expect("date");
        let at = DateTime::parse_from_rfc3339("2026-11-30T11:25:29.174062Z").expect("time").with_timezone(&Utc);
        let row = |k: &str| {
            vec![
                Arg::Text(k.into()),
                Arg::Date(day),
                Arg::OptDate(None),
                Arg::Time(at),
                Arg::Bool(true),
                Arg::OptI64(None),
                Arg::OptBytes(Some(vec![1, 2])),
            ]
        };
        const HEAD: &str = "INSERT INTO t (k, d, o, at, f, n, x)";
        let mut direct = b.direct.lock().await;
        direct.insert_rows(HEAD, 7, vec![row("direct")], "").await.expect("insert");
        sqlx::query("INSERT INTO t (k, d, o, at, f, n, x) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind("sqlx")
            .bind(day)
            .bind(None::<NaiveDate>)
            .bind(at)
            .bind(true)
            .bind(None::<i64>)
            .bind(vec![1u8, 2])
            .execute(&b.write)
            .await
            .expect("insert");
        // Each value as SQL would write it: its type shows (text in quotes,
        // numbers bare, blobs as X'…', NULL).
        let stored: Vec<String> = sqlx::query_scalar(
            "SELECT quote(d) || ' ' || quote(o) || ' ' || quote(at) || ' ' || quote(f) || ' ' || quote(n) || ' ' \
             || quote(x) FROM t ORDER BY k",
        )
        .fetch_all(&b.read)
        .await
        .expect("read");
        assert_eq!(stored.len(), 2);
        assert_eq!(stored[0], stored[1], "stored alike");
        assert_eq!(stored[0], "'2026-02-17' NULL '2026-11-30T11:25:29.174062+00:00' 1 NULL X'0102'");
        let (d, at_read): (NaiveDate, DateTime<Utc>) =
            sqlx::query_as("SELECT d, at FROM t WHERE k = 'direct'").fetch_one(&b.read).await.expect("decode");
        assert_eq!((d, at_read), (day, at));
        let mut q = Sql::default();
        q.push("SELECT d, o, f, n FROM t WHERE k = 'sqlx'");
        let back = direct.fetch(q).await.expect("read");
        let r = back.first().expect("row");
        assert_eq!((r.date(0).expect("d"), r.opt_i64(3).expect("n"), r.flag(2).expect("f")), (day, None, true));
        assert!(r.i64(0).is_err(), "text read as a number");
        let again = direct.insert_rows(HEAD, 7, vec![row("direct")], "").await.expect_err("taken");
        assert!(matches!(again.unique("已存在"), StoreError::Conflict(m) if m == "已存在"));
        drop(direct);
        b.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A background checkpoint pass that copied pages back syncs the database
    /// file (SQLite does not, were anything committed while it copied); one
    /// with nothing new to copy has nothing to sync; a sync that fails is
    /// reported, not lost.
    #[tokio::test]
    async fn a_checkpoint_pass_that_copied_pages_syncs_the_database_file() {
        let (dir, file, b) = fresh("ckpt").await;
        sqlx::query("CREATE TABLE t (n INTEGER)").execute(&b.write).await.expect("table");
        let write = || async { sqlx::query("INSERT INTO t (n) VALUES (1)").execute(&b.write).await.expect("write") };
        write().await;
        let kept = |f: std::fs::File| std::sync::Arc::new(std::sync::Mutex::new(Some(f)));
        let file = kept(std::fs::File::open(&file).expect("file"));
        let done = checkpoint_pass(&b.read, &file, 0).await.expect("a pass and a sync of the file");
        assert!(done > 0, "the pass copied nothing back");
        write().await;
        // fdatasync fails on a character device (EINVAL).
        let unsyncable = kept(std::fs::File::open("/dev/null").expect("/dev/null"));
        assert!(checkpoint_pass(&b.read, &unsyncable, 0).await.is_err(), "a failed sync was not reported");
        let settled = checkpoint_pass(&b.read, &file, 0).await.expect("pass");
        assert_eq!(checkpoint_pass(&b.read, &unsyncable, settled).await.expect("nothing new, nothing synced"), settled);
        b.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// When the background checkpointer hands the writer the tail of a large
    /// WAL, the writer's checkpoint lets the next write start the log again
    /// from the top (the WAL header's checkpoint sequence number goes up).
    #[tokio::test]
    async fn the_writer_finishes_a_checkpoint_and_the_log_starts_afresh() {
        let (dir, _, b) = fresh("tend").await;
        sqlx::query("CREATE TABLE t (n INTEGER)").execute(&b.write).await.expect("table");
        let started = std::time::Instant::now();
        let write = |n: i64| {
            let b = b.clone();
            async move {
                sqlx::query("INSERT INTO t (n) VALUES ($1)").bind(n).execute(&b.write).await.expect("write");
            }
        };
        let sequence = || {
            let header = std::fs::read(&b.wal).expect("WAL file");
            u32::from_be_bytes(header[12..16].try_into().expect("header"))
        };
        write(1).await;
        let before = sequence();
        write(2).await;
        // Nobody has checkpointed yet (the background's first pass is a
        // second away): the log goes on.
        if started.elapsed() < std::time::Duration::from_millis(900) {
            assert_eq!(sequence(), before, "the log started afresh without a checkpoint");
        }
        b.tending.tail_ready.store(true, std::sync::atomic::Ordering::Relaxed);
        b.tend().await;
        write(3).await;
        assert_eq!(sequence(), before + 1, "the log did not start afresh");
        b.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
