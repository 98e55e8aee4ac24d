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

mod dialect;
mod direct;

use crate::{Result, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

type Db = sqlx::Sqlite;
type DbRow = sqlx::sqlite::SqliteRow;

/// The schema, step by step: the same names as PostgreSQL's (a test checks).
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
    /// The audit chain's key, once the application has set it.
    pub(crate) chain: crate::audit::ChainKey,
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

/// Whether the file of a `sqlite:` URL exists (an in-memory database
/// counts as existing).
pub(crate) fn database_file_exists(url: &str) -> Result<bool> {
    let opts = SqliteConnectOptions::from_str(url)?;
    let file = opts.get_filename();
    Ok(file.as_os_str().is_empty() || file.to_str() == Some(":memory:") || file.exists())
}

/// The file of a `sqlite:` URL, as the store opens it; `None` for another
/// kind of URL or one that does not parse.
pub(crate) fn database_file(url: &str) -> Option<std::path::PathBuf> {
    let opts = SqliteConnectOptions::from_str(url).ok()?;
    Some(opts.get_filename().to_path_buf())
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
        Ok(Self { write, read, direct, wal, file, tending, chain: Default::default() })
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
        run_batch_on(&mut *self.direct.lock().await, self.chain.get(), ops).await
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

    /// Writes a consistent copy of the whole database to the new file
    /// `path` while it is in use (`VACUUM INTO`: one read transaction, so
    /// the copy is the database as of one instant, writers carrying on).
    pub async fn backup_to(&self, path: &str) -> Result<()> {
        sqlx::query("VACUUM INTO $1").bind(path).execute(&self.read).await?;
        Ok(())
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

use dialect::*;
// The SQL written once for both backends, compiled here with this
// backend's `Db` and dialect (and again in the other backend).
#[allow(clippy::duplicate_mod)]
#[path = "../sql/mod.rs"]
mod sql;
use sql::*;

#[cfg(test)]
mod tests;
