//! The embedded SQLite backend: one file in WAL mode with `synchronous=FULL`,
//! so a commit is on disk before it is acknowledged. Writes go through a
//! pool of one connection (SQLite has one writer anyway, and this avoids
//! lock upgrades between writers); reads use their own small pool.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

type Db = sqlx::Sqlite;

/// One writer is the only one: the chain head cannot move under it.
const AUDIT_LOCK: &str = "";

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "0001_init", include_str!("migrations/0001_init.sql")),
    (2, "0002_stats", include_str!("migrations/0002_stats.sql")),
];

/// The placeholder of the `n`th argument of a query built at run time.
/// Anonymous `?`: SQLite looks a numbered parameter's name up by walking a
/// list, which makes binding a statement of thousands of `$n` quadratic.
fn placeholder(_n: usize) -> String {
    "?".to_string()
}

#[derive(Debug, Clone)]
pub struct Backend {
    write: sqlx::SqlitePool,
    read: sqlx::SqlitePool,
}

impl Backend {
    /// Opens (creating if missing) the database at `url` (`sqlite://path`).
    pub async fn connect(url: &str) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // 64 MiB of page cache per connection: index pages of a large
            // ledger stay in memory instead of being re-read on every insert.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory")
            // Checkpoints are the task's job (below), from another connection,
            // so that a commit rarely pays for copying pages back. This limit
            // (~40 MiB) is the backstop for when writes outrun it, as in a
            // bulk import: the WAL can only restart after a checkpoint that
            // caught up, which a passive one racing a busy writer never does.
            .pragma("wal_autocheckpoint", "10000");
        let write = SqlitePoolOptions::new().max_connections(1).min_connections(1).connect_with(opts.clone()).await?;
        let read = SqlitePoolOptions::new().max_connections(4).connect_with(opts).await?;
        spawn_checkpointer(read.clone());
        Ok(Self { write, read })
    }

    pub async fn close(&self) {
        // Leave a small WAL behind: copy everything back while no one writes.
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.write).await;
        self.write.close().await;
        self.read.close().await;
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub async fn integrity_check(&self) -> Result<String> {
        Ok(sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&self.read).await?)
    }
}

/// Copies committed WAL pages back into the database file every two seconds,
/// from a reader connection, in PASSIVE mode: it never waits for, nor makes
/// wait, the writer or the readers. Ends when the pool is closed.
fn spawn_checkpointer(pool: sqlx::SqlitePool) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            if pool.is_closed() {
                break;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                if pool.is_closed() {
                    break;
                }
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    });
}

include!("../backend.rs");
