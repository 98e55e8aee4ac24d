//! `xinfang backup` and `xinfang restore`: a copy of the database a county's
//! IT person can take while the server runs, and put back into an empty
//! place, checked on both sides (docs/operations.md).
//!
//! SQLite is copied online with `VACUUM INTO` (the database as of one
//! instant, the server writing on). PostgreSQL is backed up with its own
//! `pg_dump`. The key file is never in the database: without it the
//! personal data and the audit signatures of a backup cannot be read, so
//! both commands say where it is and that it must be kept beside the copy.

use crate::out::say;
use crate::{DbOpts, KeyOpts};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use xinfang_store::Store;

/// What a database file holds, as the commands report it.
struct Summary {
    petitions: i64,
    attachments: i64,
    audit_lines: i64,
    /// Contents kept in an attachment directory, not in the file.
    outside: i64,
    bytes: u64,
}

/// Opens a database file by itself (not through the store, which would
/// migrate it) and checks it: SQLite's own integrity check, then counts.
async fn inspect(path: &Path) -> anyhow::Result<Summary> {
    use sqlx::{ConnectOptions, Connection};
    let mut c = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .with_context(|| format!("无法打开 {}", path.display()))?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut c).await?;
    if check != "ok" {
        bail!("{} 未通过 SQLite 完整性检查：{check}", path.display());
    }
    let count = async |c: &mut sqlx::SqliteConnection, table: &str| -> anyhow::Result<i64> {
        let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1")
            .bind(table)
            .fetch_one(&mut *c)
            .await?;
        if exists == 0 {
            return Ok(0);
        }
        Ok(sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut *c).await?)
    };
    let summary = Summary {
        petitions: count(&mut c, "petitions").await?,
        attachments: count(&mut c, "attachments").await?,
        audit_lines: count(&mut c, "audit_log").await?,
        outside: match count(&mut c, "blobs").await? {
            0 => 0,
            _ => sqlx::query_scalar("SELECT COUNT(*) FROM blobs WHERE data IS NULL").fetch_one(&mut c).await?,
        },
        bytes: std::fs::metadata(path)?.len(),
    };
    if count(&mut c, "schema_migrations").await? == 0 {
        bail!("{} 不是 xinfang 的数据库（没有迁移记录）", path.display());
    }
    c.close().await?;
    Ok(summary)
}

/// The reminder both commands end with: the key file is the other half.
fn key_reminder(key: &KeyOpts) {
    let anchors = xinfang_app::anchor::anchor_path(&key.key_file);
    if std::env::var("XINFANG_KEY").is_ok() {
        eprintln!("注意：密钥来自环境变量 XINFANG_KEY：请确认它另有安全的备份，没有它备份中的身份证号、电话无法读出");
    } else if key.key_file.exists() {
        eprintln!(
            "注意：密钥文件 {} 和审计锚点文件 {} 不在备份中：请一并另行保管（与数据库分开存放）；没有密钥，备份中的身份证号、电话无法读出，审计签名无法核验",
            key.key_file.display(),
            anchors.display()
        );
    } else {
        eprintln!(
            "警告：找不到密钥文件 {}：没有它，备份中的身份证号、电话无法读出。请用 --key-file 指明服务器使用的密钥文件并备份它",
            key.key_file.display()
        );
    }
}

/// `xinfang backup --to FILE`: an online, consistent copy of a SQLite
/// database, checked after it is written.
pub async fn backup(db: &DbOpts, key: &KeyOpts, to: &Path) -> anyhow::Result<()> {
    let Some(_) = xinfang_store::sqlite_file(&db.database_url) else {
        key_reminder(key);
        bail!(
            "PostgreSQL 的备份请用 pg_dump（如 pg_dump -Fc -f xinfang.dump 数据库名），恢复用 pg_restore；密钥文件另行备份。见 docs/operations.md"
        );
    };
    if to.exists() {
        bail!("{} 已存在：备份不会覆盖已有文件，请换一个文件名", to.display());
    }
    let partial = with_suffix(to, ".partial");
    let _ = std::fs::remove_file(&partial);
    let store = crate::server::open_store(db, false).await?;
    let started = std::time::Instant::now();
    eprintln!("正在备份 {} → {} ……", db.database_url, to.display());
    let copied = store.backup_to(&partial.to_string_lossy()).await;
    store.close().await;
    copied.with_context(|| format!("备份未完成（{} 已删除）", partial.display())).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })?;
    sync_file(&partial)?;
    let summary = match inspect(&partial).await {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.context("备份文件未通过检查，已删除"));
        }
    };
    std::fs::rename(&partial, to)?;
    xinfang_store::sync_folder_of(to)?;
    say!(
        "备份完成：{}（{:.1} MB，{} 件信访事项，{} 个附件，{} 条审计记录；{:.1} 秒；已通过完整性检查）",
        to.display(),
        summary.bytes as f64 / 1048576.0,
        summary.petitions,
        summary.attachments,
        summary.audit_lines,
        started.elapsed().as_secs_f64()
    )?;
    if summary.outside > 0 {
        eprintln!(
            "注意：{} 个附件文件保存在附件目录（--attachment-dir）中，不在此备份内：请在此之后一并备份该目录（如 rsync -a）",
            summary.outside
        );
    }
    key_reminder(key);
    Ok(())
}

/// `xinfang restore --from FILE`: puts a backup into an empty place (a
/// SQLite file that does not exist yet), after checking the backup, the
/// key and the audit chain on a copy beside it.
pub async fn restore(from: &Path, db: &DbOpts, key: &KeyOpts) -> anyhow::Result<()> {
    let Some(target) = xinfang_store::sqlite_file(&db.database_url) else {
        bail!("恢复到 PostgreSQL 请用 pg_restore（备份由 pg_dump 生成）；xinfang restore 只恢复 SQLite 备份文件");
    };
    if !from.is_file() {
        bail!("找不到备份文件 {}", from.display());
    }
    if target.exists() && std::fs::metadata(&target)?.len() > 0 {
        bail!(
            "{} 已存在且不为空：恢复只写入新的位置，不覆盖现有数据库（请先移走它，或换一个 --database-url）",
            target.display()
        );
    }
    let before = inspect(from).await.context("备份文件有问题")?;
    let partial = with_suffix(&target, ".partial");
    let _ = std::fs::remove_file(&partial);
    std::fs::copy(from, &partial).with_context(|| format!("无法写入 {}", partial.display()))?;
    sync_file(&partial)?;
    let checked = check_restored(&partial, key).await;
    if let Err(e) = checked {
        for f in [partial.clone(), with_suffix(&partial, "-wal"), with_suffix(&partial, "-shm")] {
            let _ = std::fs::remove_file(f);
        }
        return Err(e.context("未恢复（目标位置没有写入任何文件）"));
    }
    std::fs::rename(&partial, &target)?;
    xinfang_store::sync_folder_of(&target)?;
    say!(
        "恢复完成：{}（{} 件信访事项，{} 个附件，{} 条审计记录；哈希链与密钥签名校验通过）",
        target.display(),
        before.petitions,
        before.attachments,
        before.audit_lines
    )?;
    Ok(())
}

/// Opens the restored copy through the store (bringing its schema up to
/// this version), checks the key against it and verifies the audit chain;
/// then starts the checkpoints afresh from the restored head, the earlier
/// ones (which may name lines after the backup) kept aside.
async fn check_restored(path: &Path, key: &KeyOpts) -> anyhow::Result<()> {
    let url = format!("sqlite://{}", path.display());
    let store = Store::open(&url).await.context("无法打开恢复的数据库")?;
    let done = async {
        let Some(keys) = crate::server::reading_keys(&store, key).await? else {
            bail!("找不到密钥文件 {}（或 XINFANG_KEY）：恢复需要备份时服务器使用的密钥", key.key_file.display());
        };
        match store.verify_audit().await? {
            Ok(_) => {}
            Err(e) => bail!("备份中的审计日志未通过校验：{e:?}"),
        }
        let anchors = xinfang_app::anchor::anchor_path(&key.key_file);
        if anchors.exists() {
            let aside =
                with_suffix(&anchors, &format!(".before-restore-{}", chrono::Utc::now().format("%Y%m%d%H%M%S")));
            std::fs::rename(&anchors, &aside)?;
            eprintln!("原审计锚点文件已移至 {}（其中可能记有备份之后的审计记录）", aside.display());
        }
        xinfang_app::anchor::checkpoint(&store, &keys, &anchors, None)
            .await
            .map_err(|e| anyhow::anyhow!(e.summary()))?;
        Ok(())
    }
    .await;
    store.close().await;
    done
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

fn sync_file(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)?.sync_all()?;
    Ok(())
}
