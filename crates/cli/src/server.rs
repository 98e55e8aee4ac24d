//! Starting the server: open and migrate the store, load or create the key,
//! listen, run the background jobs (the outbox, the daily reminders), refresh
//! the calendar when another process imports one, and shut down gracefully
//! on SIGTERM or Ctrl-C (in-flight requests finish).

use crate::out::say;
use crate::{DbOpts, KeyOpts, NetOpts};
use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::time::Duration;
use xinfang_app::crypto::Keys;
use xinfang_app::{AppState, anchor};
use xinfang_store::{Store, redact_url};

/// Opens the database named by `db`, migrating it as needed — creating it
/// only with `create` (`serve`; every other command refuses a database
/// that is not there) — indexes for search any petitions stored before the
/// index existed, and finishes a deadline recompute that a calendar import
/// left unfinished (each with a progress line on the terminal).
pub async fn open_store(db: &DbOpts, create: bool) -> anyhow::Result<Store> {
    let opened =
        if create { Store::open(&db.database_url).await } else { Store::open_existing(&db.database_url).await };
    // A database that is not there says so, naming it, once.
    let store = match opened {
        Ok(s) => s,
        Err(xinfang_store::StoreError::NotFound(m)) => bail!(m),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("无法打开数据库 {}", redact_url(&db.database_url)))),
    };
    backfill_search(&store).await?;
    finish_recompute(&store).await?;
    Ok(store)
}

/// Recomputes every open case's deadlines if the last calendar import's
/// recompute did not finish (the process died, or was stopped, during it).
async fn finish_recompute(store: &Store) -> anyhow::Result<()> {
    if store.stale_deadlines().await?.is_some() {
        recompute_deadlines(store, "按新日历重新计算期限（上次未完成）").await?;
    }
    Ok(())
}

/// Recomputes every open case's deadlines against the stored calendar,
/// with a progress line labelled `label`; returns how many were updated.
pub async fn recompute_deadlines(store: &Store, label: &'static str) -> anyhow::Result<usize> {
    let mut progress = crate::progress::Progress::new(label, None);
    let rules = xinfang_domain::petition::RuleSet::national_2022();
    let n = xinfang_app::calendar::recompute_deadlines(store, &rules, &mut |done| progress.update(done as u64))
        .await
        .map_err(|e| anyhow::anyhow!(e.summary()))?;
    progress.finish();
    Ok(n)
}

/// Indexes the petitions stored before the search index existed, with a
/// progress line; returns how many.
pub async fn backfill_search(store: &Store) -> anyhow::Result<i64> {
    use crate::progress::Progress;
    use xinfang_store::Backfill;
    // A line for each pass, each counted from nothing.
    let mut pass: Option<(Backfill, Progress)> = None;
    let indexed = store
        .backfill_search(&mut |which, done, total| {
            if let Some((_, p)) = pass.as_mut().filter(|(w, _)| *w != which) {
                p.finish();
                pass = None;
            }
            let label = match which {
                Backfill::Bands => "建立查重索引",
                Backfill::Search => "建立全文检索和查重索引",
            };
            pass.get_or_insert_with(|| (which, Progress::new(label, Some(total as u64)))).1.update(done as u64);
        })
        .await
        .context("建立检索索引失败")?;
    if let Some((_, p)) = &mut pass {
        p.finish();
    }
    Ok(indexed)
}

/// The encryption key from `XINFANG_KEY` or an existing key file, if either
/// is there; never creates one (`audit verify` reads, it does not make).
pub fn existing_keys(key: &KeyOpts) -> anyhow::Result<Option<Keys>> {
    match std::env::var("XINFANG_KEY") {
        Ok(hex) => Ok(Some(Keys::from_hex(&hex).context("XINFANG_KEY")?)),
        Err(_) if key.key_file.exists() => Ok(Some(Keys::load_or_create(&key.key_file, false)?.0)),
        Err(_) => Ok(None),
    }
}

/// The key of a command that only reads (`audit verify`): as
/// [`existing_keys`], checked against the database without recording
/// anything, and given to the store to check the audit chain's keyed lines.
pub async fn reading_keys(store: &Store, key: &KeyOpts) -> anyhow::Result<Option<Keys>> {
    let Some(keys) = existing_keys(key)? else { return Ok(None) };
    if store.meta("key_check").await?.is_some_and(|v| v != keys.check_value()) {
        bail!("密钥与数据库不匹配：请使用首次启动时生成的密钥文件（--key-file 或 XINFANG_KEY）");
    }
    store.set_chain_key(keys.chain_key());
    Ok(Some(keys))
}

/// The encryption key: `XINFANG_KEY` if set, else the key file, created when
/// the database has never held a key. Checked against the database and
/// given to the store: the audit lines the command writes are keyed.
pub async fn load_keys(store: &Store, key: &KeyOpts) -> anyhow::Result<Keys> {
    let first_use = store.meta("key_check").await?.is_none();
    let keys = match existing_keys(key)? {
        Some(keys) => keys,
        None => {
            let (keys, created) = Keys::load_or_create(&key.key_file, first_use)?;
            if created {
                tracing::warn!(path = %key.key_file.display(), "created a new encryption key file: back it up, the data cannot be read without it");
            }
            keys
        }
    };
    if let Err(e) = AppState::use_key(store, &keys).await {
        bail!(e);
    }
    Ok(keys)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: no new connections, finishing requests in flight");
}

/// Serves `state` on `addr` until a shutdown signal; `ready` is called with
/// the bound address. The audit log's head is checkpointed to `anchors`
/// (beside the key file) every minute and once more at shutdown.
pub async fn run(
    state: AppState,
    addr: SocketAddr,
    anchors: std::path::PathBuf,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("无法监听 {addr}"))?;
    let local = listener.local_addr()?;
    ready(local);
    let refresher = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(30)).await;
            match refresher.refresh_calendar().await {
                Ok(true) => tracing::info!("calendar reloaded"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "calendar refresh failed"),
            }
            // The office's synonym groups, as another server may have changed them.
            match xinfang_app::petitions::search::refresh_own_synonyms(&refresher).await {
                Ok(true) => tracing::info!("search synonyms reloaded"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e.summary(), "search synonyms refresh failed"),
            }
        }
    });
    let anchor_state = state.clone();
    let anchor_path = anchors.clone();
    let last = std::sync::Arc::new(std::sync::Mutex::new(None));
    let written = last.clone();
    tokio::spawn(async move {
        loop {
            let before = *written.lock().unwrap_or_else(|p| p.into_inner());
            if let Ok(now) = anchor::checkpoint(&anchor_state.store, &anchor_state.keys, &anchor_path, before).await {
                *written.lock().unwrap_or_else(|p| p.into_inner()) = now;
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    });
    // The outbox dispatcher and the daily reminders, each run by whichever
    // server holds its lease.
    let jobs = xinfang_app::jobs::Jobs::start(&state).map_err(|e| anyhow::anyhow!(e))?;
    let store = state.store.clone();
    xinfang_web::serve(listener, state.clone(), shutdown_signal()).await?;
    jobs.stop(&state).await;
    let before = *last.lock().unwrap_or_else(|p| p.into_inner());
    let _ = anchor::checkpoint(&store, &state.keys, &anchors, before).await;
    store.close().await;
    Ok(())
}

pub async fn serve(db: &DbOpts, key: &KeyOpts, addr: SocketAddr, net: &NetOpts) -> anyhow::Result<()> {
    let options = net.options()?;
    let store = open_store(db, true).await?;
    let keys = load_keys(&store, key).await?;
    let state = AppState::with_options(store, keys, options).await?;
    let backend = state.store.backend_name();
    run(state, addr, anchor::anchor_path(&key.key_file), |local| {
        tracing::info!(%local, backend, "xinfang listening");
        // A closed stdout does not stop the server: the log has the address.
        let _ = say!("xinfang 已启动：http://{local}/  （数据库：{backend}）");
    })
    .await
}
