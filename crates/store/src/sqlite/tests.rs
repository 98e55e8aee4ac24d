//! The SQLite backend's own behaviour: statement sizes, a clean close, the
//! writer's own connection, and the checkpoints.

use super::*;
use chrono::{DateTime, NaiveDate, Utc};

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

/// A database whose applied migrations carry other names under the same
/// numbers (another build's, or the numbering before both backends shared
/// their names) is refused with a clear message and left as it was.
#[tokio::test]
async fn a_database_with_another_migration_history_is_refused() {
    let (dir, _, b) = fresh("history").await;
    b.migrate().await.expect("migrate");
    assert!(b.migrate().await.expect("again").is_empty(), "nothing left to apply");
    sqlx::query("UPDATE schema_migrations SET name = '0006_deadline_units' WHERE version = 6")
        .execute(&b.write)
        .await
        .expect("rename");
    let e = b.migrate().await.expect_err("refused");
    assert!(e.to_string().contains("第 6 号迁移是 0006_deadline_units，本程序的是 0006_band_index"), "{e}");
    sqlx::query("UPDATE schema_migrations SET name = '0006_band_index' WHERE version = 6")
        .execute(&b.write)
        .await
        .expect("rename back");
    sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future', '')")
        .execute(&b.write)
        .await
        .expect("future");
    let e = b.migrate().await.expect_err("refused");
    assert!(e.to_string().contains("更新的版本"), "{e}");
    b.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
