//! `xinfang key rotate --new-key-file FILE`: re-encrypts the ID and phone
//! numbers under a new personal-data key (docs/operations.md, "Key
//! rotation"). The servers must be stopped; an interrupted run is finished
//! by running it again with the same two files.

use crate::out::say;
use crate::{DbOpts, KeyOpts};
use anyhow::{Context, bail};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use xinfang_app::crypto::{Keys, parse_key_text, write_key_file};

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Re-encrypt the ID and phone numbers under a new key, in batches,
    /// resumable (run again with the same files after an interruption).
    Rotate {
        /// The new key file: made now (the master key of --key-file and a
        /// new personal-data key) unless it is there from an interrupted run.
        #[arg(long)]
        new_key_file: PathBuf,
        /// Petitions re-encrypted per transaction.
        #[arg(long, default_value_t = xinfang_app::keyrotate::BATCH, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        batch: i64,
        /// Stop after this many batches (to try the resumption).
        #[arg(long, hide = true)]
        stop_after: Option<usize>,
    },
}

/// The current key's text: `XINFANG_KEY` or the key file.
fn current_text(key: &KeyOpts) -> anyhow::Result<String> {
    match std::env::var("XINFANG_KEY") {
        Ok(text) => Ok(text),
        Err(_) => std::fs::read_to_string(&key.key_file)
            .with_context(|| format!("无法读取密钥文件 {}（用 --key-file 给出现用的密钥）", key.key_file.display())),
    }
}

/// The new key file's keys: read when it is there, else made from the
/// current master and a fresh personal-data key.
fn new_keys(current: &str, path: &Path) -> anyhow::Result<(Keys, bool)> {
    if path.exists() {
        let text = std::fs::read_to_string(path).with_context(|| format!("无法读取 {}", path.display()))?;
        return Ok((Keys::from_hex(&text).with_context(|| path.display().to_string())?, false));
    }
    let (master, _) = parse_key_text(current).context("现用密钥")?;
    let data = Keys::generate_hex()?;
    let text = format!("{}\ndata {data}\n", hex_of(&master));
    write_key_file(path, &text)?;
    Ok((Keys::from_hex(&text)?, true))
}

/// The audit checkpoints live beside the key file: the new file gets a
/// copy of the old one's (the checkpoints' key is not rotated, so they
/// still verify), and the server appends to it from now on.
fn carry_checkpoints(old_key: &Path, new_key: &Path) -> anyhow::Result<()> {
    let (from, to) = (xinfang_app::anchor::anchor_path(old_key), xinfang_app::anchor::anchor_path(new_key));
    if from.exists() && !to.exists() {
        std::fs::copy(&from, &to)
            .with_context(|| format!("无法复制审计检查点 {} → {}", from.display(), to.display()))?;
        xinfang_store::sync_folder_of(&to).with_context(|| to.display().to_string())?;
    }
    Ok(())
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn run(command: KeyCommand, db: &DbOpts, key: &KeyOpts) -> anyhow::Result<()> {
    let KeyCommand::Rotate { new_key_file, batch, stop_after } = command;
    let store = crate::server::open_store(db, false).await?;
    let pace = xinfang_app::keyrotate::Pace { batch, stop_after };
    let done = rotate(&store, key, &new_key_file, pace).await;
    store.close().await;
    done
}

async fn rotate(
    store: &xinfang_store::Store,
    key: &KeyOpts,
    new_key_file: &Path,
    pace: xinfang_app::keyrotate::Pace,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now().timestamp_micros();
    if let Some((_, holder, _)) = store.leases().await?.into_iter().find(|(_, _, until)| *until > now) {
        bail!("有服务器正在运行（后台任务由进程 {holder} 持有）：请先停止所有 xinfang serve，再轮换密钥");
    }
    let current = current_text(key)?;
    let old = Keys::from_hex(&current).context("现用密钥")?;
    let (new, made) = new_keys(&current, new_key_file)?;
    if made {
        say!("已生成新密钥文件 {}（权限 0600）", new_key_file.display())?;
    }
    carry_checkpoints(&key.key_file, new_key_file)?;
    let mut progress = crate::progress::Progress::new("重新加密身份证号和电话号码", None);
    let mut report = |done: i64, of: i64| progress.update_of(done as u64, of as u64);
    let result = xinfang_app::keyrotate::rotate(store, &old, &new, &mut report, pace).await;
    progress.finish();
    let done = result.map_err(|e| anyhow::anyhow!(e.summary()))?;
    if pace.stop_after.is_some() && store.meta(xinfang_app::keyrotate::IN_PROGRESS).await?.is_some() {
        bail!("已按 --stop-after 停止：轮换尚未完成，请再次运行本命令");
    }
    say!(
        "密钥轮换完成{}：{} 件信访事项、{} 个纠纷当事人、{} 条消息的号码已用新密钥重新加密。",
        if done.resumed { "（接续上次未完成的轮换）" } else { "" },
        done.petitions,
        done.parties,
        done.messages
    )?;
    say!(
        "今后用 {} 启动服务器（--key-file）；原密钥文件 {} 请与轮换前的备份一起保管：那些备份只能用它读取。",
        new_key_file.display(),
        key.key_file.display()
    )?;
    Ok(())
}
