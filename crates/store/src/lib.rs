//! Storage for xinfang.
//!
//! [`Store`] is one handle over either backend: SQLite (embedded, the
//! default) or PostgreSQL (`postgres://…`). Both run the same SQL, written
//! once in `sql/`; each has its own migrations. Every write is one
//! transaction that also appends to the hash-chained audit log, so nothing is
//! written half-way and nothing is written unaudited.

pub mod audit;
mod forward;
pub mod ids;
pub mod model;
mod postgres;
pub mod seal;
mod sqlite;
pub mod writer;

pub use ids::{PetitionId, UnitId, UserId};
pub use model::*;
use xinfang_domain::calendar::{CalendarFile, SpecialDay};
use xinfang_domain::{Calendar, UnitKind};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    NotFound(String),
    /// A unique value taken, or a concurrent update.
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is not as expected: {0}")]
    Corrupt(String),
    /// The write could not be committed (the database is busy, full or gone);
    /// nothing of it was stored.
    #[error("write not committed: {0}")]
    Busy(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// From the group-commit writer's own SQLite connection.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// A unique-constraint violation as `Conflict(message)`; any other
    /// error as it is.
    pub fn unique(self, message: &str) -> Self {
        use rusqlite::ffi::{SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE};
        let taken = match &self {
            StoreError::Db(sqlx::Error::Database(d)) => d.is_unique_violation(),
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
                matches!(f.extended_code, SQLITE_CONSTRAINT_UNIQUE | SQLITE_CONSTRAINT_PRIMARYKEY)
            }
            _ => false,
        };
        if taken { StoreError::Conflict(message.to_string()) } else { self }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The `meta` key that marks the stored deadlines as computed from an
/// older calendar, until every open case's are recomputed
/// ([`Store::stale_deadlines`]).
const DEADLINES_STALE: &str = "deadlines_stale";

/// The writer answered a command with another command's kind of result.
fn wrong_kind() -> StoreError {
    StoreError::Corrupt("writer answered the wrong kind".into())
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(sqlite::Backend),
    Postgres(postgres::Backend),
}

/// The passes of [`Store::backfill_search`], in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backfill {
    /// The band keys of petitions whose signatures predate their index.
    Bands,
    /// The full-text rows and signatures of petitions stored before them.
    Search,
}

/// A handle on the database; cheap to clone. Creates and events go through
/// the group-commit [`writer::Writer`]; everything else straight to the
/// backend.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    writer: writer::Writer,
}

impl Store {
    /// Connects to `url`: `sqlite://PATH` (created if missing) or
    /// `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(postgres::Backend::connect(url).await?)
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite(sqlite::Backend::connect(url).await?)
        } else {
            return Err(StoreError::NotFound(format!(
                "不支持的数据库地址（应以 sqlite:// 或 postgres:// 开头）：{}",
                redact_url(url)
            )));
        };
        let (runner, tender) = (backend.clone(), backend.clone());
        let (sync, network) = match &backend {
            Backend::Sqlite(x) => (Some(x.wal_sync()), false),
            Backend::Postgres(_) => (None, true),
        };
        let writer = writer::Writer::start(
            move |ops| {
                let b = runner.clone();
                async move {
                    match &b {
                        Backend::Sqlite(x) => x.run_batch(&ops).await,
                        Backend::Postgres(x) => x.run_batch(&ops).await,
                    }
                }
            },
            move || {
                let b = tender.clone();
                async move {
                    if let Backend::Sqlite(x) = &b {
                        x.tend().await;
                    }
                }
            },
            sync,
            network,
        )
        .map_err(|e| StoreError::Busy(format!("无法启动写入线程：{e}")))?;
        Ok(Store { backend, writer })
    }

    /// Writes new petitions (all or none) through the group-commit writer;
    /// returns their ids and case numbers in order once they are durable.
    pub async fn insert_petitions(&self, batch: Vec<NewPetitionRecord>) -> Result<Vec<Stored>> {
        match self.writer.submit(writer::WriteOp::InsertPetitions(batch)).await? {
            writer::WriteOut::Ids(ids) => {
                Ok(ids.into_iter().map(|(id, case_no)| Stored { id: PetitionId(id), case_no }).collect())
            }
            _ => Err(wrong_kind()),
        }
    }

    /// The mark a calendar import left (`Some`) until every open case's
    /// deadlines have been recomputed for it: a recompute that was cut
    /// short is to be run again. Pass it to
    /// [`deadlines_recomputed`](Self::deadlines_recomputed) afterwards.
    pub async fn stale_deadlines(&self) -> Result<Option<String>> {
        self.meta(DEADLINES_STALE).await
    }

    /// Takes away the `mark` read by [`stale_deadlines`](Self::stale_deadlines)
    /// before the recompute began, unless a later import has set another
    /// since (its recompute is then still to come, or running).
    pub async fn deadlines_recomputed(&self, mark: &str) -> Result<()> {
        self.delete_meta(DEADLINES_STALE, Some(mark)).await
    }

    /// Stores the deadlines of several cases, recomputed after a calendar
    /// change, in one transaction of the group-commit writer (so on SQLite
    /// on the writer's own connection, between registrations). A case that
    /// moved since it was read is skipped: its own step stored deadlines
    /// from the new calendar. Returns how many were updated.
    pub async fn update_deadlines(&self, batch: Vec<DeadlineUpdate>) -> Result<usize> {
        match self.writer.submit(writer::WriteOp::UpdateDeadlines(batch)).await? {
            writer::WriteOut::Updated(n) => Ok(n),
            _ => Err(wrong_kind()),
        }
    }

    /// Appends an event through the group-commit writer, if the case is
    /// still at `expected_version` (else `Conflict`).
    pub async fn append_event(&self, a: AppendEvent) -> Result<()> {
        self.writer.submit(writer::WriteOp::AppendEvent(Box::new(a))).await.map(|_| ())
    }

    /// Indexes for search the petitions stored before the index existed,
    /// if the migration marked that as pending; `progress(pass, done,
    /// total)` after each batch of each of its two passes, counted per pass.
    /// Returns how many were indexed.
    pub async fn backfill_search(&self, progress: &mut (dyn FnMut(Backfill, i64, i64) + Send)) -> Result<i64> {
        let banded = self.backfill_bands(progress).await?;
        if self.meta("search_backfill").await?.is_none() {
            return Ok(banded);
        }
        let total = self.count_unindexed().await?;
        let mut done = 0;
        loop {
            let rows = self.unindexed_petitions(500).await?;
            if rows.is_empty() {
                break;
            }
            let docs = tokio::task::spawn_blocking(move || {
                rows.into_iter()
                    .map(|r| {
                        let content: Vec<&str> = r.content.iter().map(String::as_str).collect();
                        let people: Vec<&str> = r.people.iter().map(String::as_str).collect();
                        (r.id, xinfang_text::SearchDoc::new(&content, &people))
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| StoreError::Corrupt(format!("indexing task failed: {e}")))?;
            done += docs.len() as i64;
            self.index_petitions(&docs).await?;
            progress(Backfill::Search, done, total);
        }
        self.delete_meta("search_backfill", None).await?;
        Ok(banded + done)
    }

    /// Writes the band keys of the petitions indexed before their index of
    /// their own existed (SQLite, migration 0006), if that is pending. Runs
    /// before the server serves, so nothing else writes band keys meanwhile;
    /// an interrupted run resumes after the last petition it wrote.
    async fn backfill_bands(&self, progress: &mut (dyn FnMut(Backfill, i64, i64) + Send)) -> Result<i64> {
        if self.meta("bands_backfill").await?.is_none() {
            return Ok(0);
        }
        let mut after = self.bands_indexed_upto().await?;
        let total = self.count_signatures_after(after).await?;
        let mut done = 0;
        loop {
            let (last, n) = self.index_bands_after(after, 2000).await?;
            if n == 0 {
                break;
            }
            (after, done) = (last, done + n);
            progress(Backfill::Bands, done, total);
        }
        self.delete_meta("bands_backfill", None).await?;
        Ok(done)
    }

    /// Connects and brings the schema up to date; a database without a
    /// calendar gets the built-in 2024–2026 calendar.
    pub async fn open(url: &str) -> Result<Self> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens a database that must already exist and hold xinfang's tables
    /// (every command but `serve`, `demo` and `migrate`): a mistyped path
    /// is refused, never created and reported as an empty, intact database.
    pub async fn open_existing(url: &str) -> Result<Self> {
        let missing = || {
            StoreError::NotFound(format!(
                "数据库不存在或尚未建立：{}（请检查地址；新数据库由 xinfang serve 或 xinfang migrate 建立）",
                redact_url(url)
            ))
        };
        if url.starts_with("sqlite:") && !sqlite::database_file_exists(url)? {
            return Err(missing());
        }
        let store = Self::connect(url).await?;
        let initialized = match &store.backend {
            Backend::Sqlite(b) => b.has_schema().await,
            Backend::Postgres(b) => b.has_schema().await,
        };
        if !initialized {
            store.close().await;
            return Err(missing());
        }
        store.migrate().await?;
        Ok(store)
    }

    /// Applies pending migrations. Returns the names of those applied.
    pub async fn migrate(&self) -> Result<Vec<String>> {
        match &self.backend {
            Backend::Sqlite(b) => b.migrate().await,
            Backend::Postgres(b) => b.migrate().await,
        }
    }

    /// Stores the built-in calendar if none is stored: a change, audited,
    /// so made once the chain's key is set (`app::state::AppState::use_key`).
    pub async fn seed_calendar(&self) -> Result<()> {
        let (years, _) = self.calendar().await?;
        if years.is_empty() {
            let file = CalendarFile::parse(xinfang_domain::calendar::BUILTIN_JSON).map_err(StoreError::Corrupt)?;
            let years: Vec<(i32, Vec<SpecialDay>)> = file.special_days().into_iter().collect();
            self.replace_calendar_years(&years, &file.source, None).await?;
        }
        Ok(())
    }

    /// The calendar as stored.
    pub async fn load_calendar(&self) -> Result<Calendar> {
        let (years, days) = self.calendar().await?;
        let mut cal = Calendar::default();
        for CalendarYear { year, .. } in years {
            let year = i32::try_from(year).map_err(|_| StoreError::Corrupt("year".into()))?;
            let of_year: Vec<SpecialDay> =
                days.iter().filter(|d| chrono::Datelike::year(&d.day) == year).cloned().collect();
            cal.set_year(year, &of_year);
        }
        Ok(cal)
    }

    pub fn backend_name(&self) -> &'static str {
        match &self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Can the store take writes and answer reads: is the group-commit
    /// writer running, and does the database answer a query? Reads nothing,
    /// so a health probe may call it every few seconds.
    pub async fn health(&self) -> Result<()> {
        if !self.writer.is_running() {
            return Err(StoreError::Busy("写入任务已停止".into()));
        }
        self.ping().await
    }

    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(b) => b.close().await,
            Backend::Postgres(b) => b.close().await,
        }
    }

    /// Refreshes the planner's statistics, as is due after a bulk import
    /// (PostgreSQL's autovacuum would get there, later; until then it plans
    /// a 1M-row ledger as if it were empty), and tidies what the load left:
    /// SQLite merges the full-text index and empties the WAL, PostgreSQL
    /// vacuums.
    pub async fn analyze(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(b) => b.analyze().await,
            Backend::Postgres(b) => b.analyze().await,
        }
    }

    /// Keys the audit chain under `key` from the next line on, in every
    /// clone of this store (`audit`): the application sets it once the key
    /// has been checked against the database.
    pub fn set_chain_key(&self, key: [u8; 32]) {
        match &self.backend {
            Backend::Sqlite(b) => b.chain.set(key),
            Backend::Postgres(b) => b.chain.set(key),
        }
    }

    fn chain_key(&self) -> Option<[u8; 32]> {
        match &self.backend {
            Backend::Sqlite(b) => b.chain.get(),
            Backend::Postgres(b) => b.chain.get(),
        }
    }

    /// Walks the audit chain, checking keyed lines under the key set by
    /// [`set_chain_key`](Self::set_chain_key).
    pub async fn verify_audit(&self) -> Result<std::result::Result<audit::ChainOk, audit::ChainBreak>> {
        let key = self.chain_key();
        let mut walk = audit::ChainWalk::default();
        loop {
            let rows = self.audit_rows(walk.seq, 1000).await?;
            if rows.is_empty() {
                return Ok(Ok(audit::ChainOk { lines: walk.seq, keyed_from: walk.keyed_from }));
            }
            if let Some(b) = audit::first_break(&rows, &mut walk, key.as_ref()) {
                return Ok(Err(b));
            }
        }
    }
}

/// Syncs the folder that holds `path`: a file newly created there is then
/// found after a power cut, not only its contents (`fsync` of the file alone
/// does not promise its name).
pub fn sync_folder_of(path: &std::path::Path) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    std::fs::File::open(dir)?.sync_all()
}

/// The file of a SQLite URL (`sqlite://path`); `None` for PostgreSQL.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    if url.starts_with("sqlite:") { sqlite::database_file(url) } else { None }
}

/// A database URL with its password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            match cred.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &cred[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both backends carry the same migrations under the same names and
    /// numbers, each listed once and each file listed.
    #[test]
    fn the_two_backends_have_the_same_migrations() {
        let names = |m: &[(i64, &str, &str)]| m.iter().map(|(v, n, _)| (*v, n.to_string())).collect::<Vec<_>>();
        assert_eq!(names(sqlite::MIGRATIONS), names(postgres::MIGRATIONS));
        for (i, (v, n, _)) in sqlite::MIGRATIONS.iter().enumerate() {
            assert_eq!(*v, i as i64 + 1, "numbered in order without gaps");
            assert!(n.starts_with(&format!("{v:04}_")), "{n} is named after its number");
        }
        for dir in ["sqlite", "postgres"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir).join("migrations");
            let mut files: Vec<String> = std::fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().trim_end_matches(".sql").to_string())
                .collect();
            files.sort();
            let listed: Vec<String> = names(sqlite::MIGRATIONS).into_iter().map(|(_, n)| n).collect();
            assert_eq!(files, listed, "{dir}/migrations holds exactly the listed files");
        }
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
