//! Group commit (issue 4, design.md §5). Creates and events are queued to
//! one writer task. It takes every command waiting, runs them in one
//! transaction (each in its own savepoint, so a failing one does not spoil
//! the others), commits once, and only then answers each caller. Under load
//! one sync covers many commands; alone, a command waits for nothing.
//!
//! Where the backend commits without syncing and hands over a [`Sync`] (SQLite:
//! see `sqlite::Backend::wal_sync`), the answers wait in a second task for
//! that sync instead: it makes durable every batch committed before it, and
//! meanwhile the writer already runs the next batch. Nobody is answered
//! before their write is on disk.
//!
//! Where each batch waits out its own commit instead (PostgreSQL), the
//! writer waits a moment for the callers the last batch saw before it starts
//! a smaller one ([`GATHER_WAIT`]), so that they do not fall into step in
//! two groups that each wait out the other's batch.
//!
//! Between batches, and every [`IDLE_TICK`] when none come, the writer gives
//! the backend its turn for upkeep that would otherwise contend with it for
//! the database's write lock (SQLite: `sqlite::Backend::tend`).

use crate::model::{AppendEvent, DeadlineUpdate, NewPetitionRecord};
use crate::{Result, StoreError};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most commands in one transaction.
pub const MAX_BATCH: usize = 512;

/// Longest the writer waits to fill a batch, where a batch waits out its
/// own commit (no [`Sync`] stage: PostgreSQL); see [`LastBatch::gather_for`].
pub const GATHER_WAIT: std::time::Duration = std::time::Duration::from_millis(4);

/// How long the writer waits for a command before it gives the backend its
/// turn for upkeep anyway.
pub const IDLE_TICK: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Debug)]
pub enum WriteOp {
    InsertPetitions(Vec<NewPetitionRecord>),
    AppendEvent(Box<AppendEvent>),
    /// Part of a calendar recompute: see [`Store::update_deadlines`](crate::Store::update_deadlines).
    UpdateDeadlines(Vec<DeadlineUpdate>),
}

#[derive(Debug)]
pub enum WriteOut {
    Ids(Vec<(i64, String)>),
    Done,
    /// How many cases were updated.
    Updated(usize),
}

pub(crate) struct Job {
    pub op: WriteOp,
    pub reply: oneshot::Sender<Result<WriteOut>>,
}

/// Makes durable everything committed before it is called (a blocking call).
pub(crate) type Sync = Arc<dyn Fn() -> std::io::Result<()> + Send + std::marker::Sync>;

/// A committed batch waiting for the sync that makes it durable: its
/// answers, and its commands, which are dropped only after the answers are
/// sent. Freeing a large import batch (its records, texts and word lists,
/// allocated on the caller's thread) took about a third of the writer
/// thread's time; done here it is off the path of the next batch.
struct Committed {
    answers: Vec<(oneshot::Sender<Result<WriteOut>>, Result<WriteOut>)>,
    ops: Arc<Vec<WriteOp>>,
}

/// The queue in front of the writer task.
#[derive(Debug, Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task; `run` executes one batch. With `sync`, `run`
    /// commits without syncing and the answers wait for `sync` (in a task of
    /// their own, so the next batch runs meanwhile). `tend` is called after
    /// each batch has been handed on, and every [`IDLE_TICK`] without one;
    /// it decides for itself whether anything is due. `network`: the
    /// backend's connections are sockets, which the writer's runtime must
    /// then drive (PostgreSQL; SQLite's run on threads of their own). Fails
    /// only if the system cannot start a thread.
    pub(crate) fn start<F, Fut, T, TFut>(run: F, tend: T, sync: Option<Sync>, network: bool) -> std::io::Result<Self>
    where
        F: Fn(Arc<Vec<WriteOp>>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Vec<Result<WriteOut>>>,
        T: Fn() -> TFut + Send + 'static,
        TFut: std::future::Future<Output = ()>,
    {
        let (tx, mut rx) = mpsc::channel::<Job>(4 * MAX_BATCH);
        let syncer = sync.map(spawn_syncer);
        // Made on the writer's thread, which alone runs it: the batches'
        // futures need not be `Send`.
        let work = move || async move {
            let gather = syncer.is_none();
            let mut last = LastBatch::default();
            loop {
                let first = match tokio::time::timeout(IDLE_TICK, rx.recv()).await {
                    Ok(Some(job)) => job,
                    Ok(None) => break,
                    Err(_) => {
                        tend().await;
                        continue;
                    }
                };
                let mut jobs = vec![first];
                take_waiting(&mut rx, &mut jobs);
                if gather && let Some(wait) = last.gather_for(jobs.len()) {
                    let until = tokio::time::Instant::now() + wait;
                    while jobs.len() < last.callers {
                        match tokio::time::timeout_at(until, rx.recv()).await {
                            Ok(Some(j)) => {
                                jobs.push(j);
                                take_waiting(&mut rx, &mut jobs);
                            }
                            _ => break,
                        }
                    }
                }
                let (ops, replies): (Vec<WriteOp>, Vec<_>) = jobs.into_iter().map(|j| (j.op, j.reply)).unzip();
                let (started, len, ops) = (std::time::Instant::now(), ops.len(), Arc::new(ops));
                let results = run(ops.clone()).await;
                if gather {
                    last = LastBatch { callers: (len + rx.len()).min(MAX_BATCH), took: started.elapsed() };
                }
                let committed = Committed { answers: replies.into_iter().zip(results).collect(), ops };
                match &syncer {
                    Some(s) => {
                        if let Err(mpsc::error::SendError(c)) = s.send(committed).await {
                            answer(c, Some("同步任务已停止"));
                        }
                    }
                    None => answer(committed, None),
                }
                tend().await;
            }
        };
        // The writer runs on a thread of its own, with its own scheduler:
        // on the shared workers it would wait behind request handlers between
        // any two statements of a batch, while the batch holds the one write
        // connection (about +10 % creates at 16 clients, docs/benchmarks.md).
        // On SQLite the thread runs the batch's statements itself (see
        // `sqlite/direct.rs`); without sockets to drive, its runtime has
        // timers only, so between batches the thread sleeps on a futex, and
        // waking it costs one futex call instead of an eventfd write and an
        // epoll return.
        let mut rt = tokio::runtime::Builder::new_current_thread();
        rt.enable_time();
        if network {
            rt.enable_io();
        }
        let rt = rt.build()?;
        std::thread::Builder::new().name("xinfang-writer".into()).spawn(move || rt.block_on(work()))?;
        Ok(Writer { tx })
    }

    /// Is the writer task still there to take commands? False once its
    /// thread has ended (it stops only with the process, or by a panic).
    pub fn is_running(&self) -> bool {
        !self.tx.is_closed()
    }

    pub async fn submit(&self, op: WriteOp) -> Result<WriteOut> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Job { op, reply }).await.map_err(|_| StoreError::Busy("写入队列已关闭".into()))?;
        rx.await.map_err(|_| StoreError::Busy("写入任务已停止".into()))?
    }
}

/// What the last batch saw: the commands it held plus those queued when it
/// ended (the callers about at the time), and how long it ran.
#[derive(Debug, Default, Clone, Copy)]
struct LastBatch {
    callers: usize,
    took: std::time::Duration,
}

impl LastBatch {
    /// How long to wait for more commands when `waiting` are at hand: only
    /// when fewer than the callers the last batch saw, for at most
    /// [`GATHER_WAIT`] and half as long as the last batch ran.
    ///
    /// Without it, callers fall into step in two groups: while one group's
    /// batch runs, the other queues up and makes the next batch, and each
    /// group waits out the other's batch. Where a batch costs about the same
    /// whatever it holds (PostgreSQL at 10k: 7.0 ms for 3 commands, 7.5 ms
    /// for 13; a dozen statements, each a round trip and some fixed work on
    /// the server), one batch for both groups does the work of two in the
    /// time of one; the group just answered is back within a few
    /// milliseconds. With a sync stage (SQLite) the writer does not wait for
    /// the disk and a batch costs about in proportion to what it holds;
    /// there the two groups keep both cores busy, and waiting only idles the
    /// writer (docs/benchmarks.md).
    fn gather_for(&self, waiting: usize) -> Option<std::time::Duration> {
        (waiting < self.callers).then(|| GATHER_WAIT.min(self.took / 2))
    }
}

/// Moves every command already queued into `jobs`, up to [`MAX_BATCH`].
fn take_waiting(rx: &mut mpsc::Receiver<Job>, jobs: &mut Vec<Job>) {
    while jobs.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(j) => jobs.push(j),
            Err(_) => break,
        }
    }
}

/// Sends each answer; with `failed`, a write that succeeded is answered as
/// not committed (its sync failed: it may not survive a power cut).
fn answer(committed: Committed, failed: Option<&str>) {
    let Committed { answers, ops } = committed;
    for (reply, result) in answers {
        let result = match (failed, result) {
            (Some(why), Ok(_)) => Err(StoreError::Busy(why.to_string())),
            (_, r) => r,
        };
        // The caller may have gone away; the write stands.
        let _ = reply.send(result);
    }
    // Freed only now that every caller has its answer.
    drop(ops);
}

/// The task that syncs committed batches and then answers them: one sync
/// for every batch waiting.
fn spawn_syncer(sync: Sync) -> mpsc::Sender<Committed> {
    let (tx, mut rx) = mpsc::channel::<Committed>(4 * MAX_BATCH);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut waiting = vec![first];
            while let Ok(more) = rx.try_recv() {
                waiting.push(more);
            }
            let s = sync.clone();
            let synced = match tokio::task::spawn_blocking(move || s()).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(format!("写入未能同步到磁盘：{e}")),
                Err(e) => Err(format!("同步任务失败：{e}")),
            };
            if let Err(why) = &synced {
                tracing::error!(error = %why, "WAL sync failed; the writes of this batch are answered as failed");
            }
            for committed in waiting {
                answer(committed, synced.as_ref().err().map(String::as_str));
            }
        }
    });
    tx
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// A writer whose commands all succeed, or all fail on their own while
    /// `fail` is set.
    fn writer(sync: Option<Sync>, fail: Arc<AtomicBool>) -> Writer {
        Writer::start(
            move |ops: Arc<Vec<WriteOp>>| {
                let fail = fail.load(Ordering::SeqCst);
                async move {
                    ops.iter()
                        .map(|_| if fail { Err(StoreError::Conflict("refused".into())) } else { Ok(WriteOut::Done) })
                        .collect()
                }
            },
            || async {},
            sync,
            false,
        )
        .expect("writer thread")
    }

    fn op() -> WriteOp {
        WriteOp::InsertPetitions(Vec::new())
    }

    #[tokio::test]
    async fn answers_wait_for_the_sync() {
        let synced = Arc::new(AtomicBool::new(false));
        let calls = Arc::new(AtomicUsize::new(0));
        let (s, c) = (synced.clone(), calls.clone());
        let sync: Sync = Arc::new(move || {
            std::thread::sleep(std::time::Duration::from_millis(30));
            c.fetch_add(1, Ordering::SeqCst);
            s.store(true, Ordering::SeqCst);
            Ok(())
        });
        let w = writer(Some(sync), Arc::default());
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let w = w.clone();
                tokio::spawn(async move { w.submit(op()).await })
            })
            .collect();
        for t in tasks {
            assert!(matches!(t.await.expect("task"), Ok(WriteOut::Done)));
            assert!(synced.load(Ordering::SeqCst), "answered before the sync");
        }
        // Batches committed while a sync runs share the next one.
        let n = calls.load(Ordering::SeqCst);
        assert!((1..20).contains(&n), "{n} syncs for 20 commands");
    }

    /// The backend's upkeep runs after a batch and, with no commands
    /// coming, every [`IDLE_TICK`].
    #[tokio::test]
    async fn the_backend_is_tended_after_batches_and_when_idle() {
        let tended = Arc::new(AtomicUsize::new(0));
        let t = tended.clone();
        let w = Writer::start(
            |ops: Arc<Vec<WriteOp>>| async move { ops.iter().map(|_| Ok(WriteOut::Done)).collect() },
            move || {
                let t = t.clone();
                async move {
                    t.fetch_add(1, Ordering::SeqCst);
                }
            },
            None,
            false,
        )
        .expect("writer thread");
        let wait_for = |n: usize, within: std::time::Duration| {
            let tended = tended.clone();
            async move {
                let give_up = std::time::Instant::now() + within;
                while tended.load(Ordering::SeqCst) < n {
                    assert!(std::time::Instant::now() < give_up, "not tended {n} times within {within:?}");
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            }
        };
        // Idle: the first tick comes after a second.
        wait_for(1, 3 * IDLE_TICK).await;
        // The next tick is a second away: a turn sooner is the batch's.
        let before = tended.load(Ordering::SeqCst);
        assert!(matches!(w.submit(op()).await, Ok(WriteOut::Done)));
        wait_for(before + 1, IDLE_TICK / 2).await;
    }

    /// A writer whose thread has died says so (the health probe reads it),
    /// and a command sent to it is refused, not left waiting.
    #[tokio::test]
    async fn a_dead_writer_is_seen_as_stopped() {
        let w = Writer::start(
            |_: Arc<Vec<WriteOp>>| async move {
                panic!("a batch that panics ends the writer's thread");
                #[allow(unreachable_code)]
                Vec::new()
            },
            || async {},
            None,
            false,
        )
        .expect("writer thread");
        assert!(w.is_running());
        assert!(w.submit(op()).await.is_err());
        let give_up = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while w.is_running() {
            assert!(std::time::Instant::now() < give_up, "the writer's end was not seen");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert!(matches!(w.submit(op()).await, Err(StoreError::Busy(_))));
    }

    #[test]
    fn a_batch_smaller_than_the_callers_last_seen_waits_a_little_for_them() {
        let last = LastBatch { callers: 16, took: std::time::Duration::from_millis(7) };
        assert_eq!(last.gather_for(8), Some(std::time::Duration::from_micros(3500)));
        assert_eq!(last.gather_for(16), None);
        let slow = LastBatch { callers: 16, took: std::time::Duration::from_millis(30) };
        assert_eq!(slow.gather_for(1), Some(GATHER_WAIT));
        assert_eq!(LastBatch::default().gather_for(1), None);
    }

    /// Without a sync stage, callers that come back a moment apart are
    /// answered in one batch, not in two.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_a_moment_apart_share_a_batch_when_each_batch_waits_for_its_commit() {
        let sizes = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = sizes.clone();
        let w = Writer::start(
            move |ops: Arc<Vec<WriteOp>>| {
                seen.lock().expect("sizes").push(ops.len());
                async move {
                    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
                    ops.iter().map(|_| Ok(WriteOut::Done)).collect()
                }
            },
            || async {},
            None,
            false,
        )
        .expect("writer thread");
        let submit = |n: usize| {
            (0..n)
                .map(|_| {
                    let w = w.clone();
                    tokio::spawn(async move { w.submit(op()).await })
                })
                .collect::<Vec<_>>()
        };
        let settle = |tasks: Vec<tokio::task::JoinHandle<Result<WriteOut>>>| async move {
            for t in tasks {
                assert!(matches!(t.await.expect("task"), Ok(WriteOut::Done)));
            }
        };
        // Eight callers while a batch runs: the next batch holds all eight.
        let first = submit(1);
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        let eight = submit(8);
        settle(first).await;
        settle(eight).await;
        assert_eq!(sizes.lock().expect("sizes").last(), Some(&8));
        // They come back in two groups a millisecond apart: one batch.
        let early = submit(4);
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        let late = submit(4);
        settle(early).await;
        settle(late).await;
        let sizes = sizes.lock().expect("sizes").clone();
        assert_eq!(sizes.last(), Some(&8), "batches: {sizes:?}");
    }

    #[tokio::test]
    async fn a_failed_sync_answers_the_batch_as_not_committed() {
        let fail = Arc::new(AtomicBool::new(false));
        let w = writer(Some(Arc::new(|| Err(std::io::Error::other("disk gone")))), fail.clone());
        assert!(matches!(w.submit(op()).await, Err(StoreError::Busy(m)) if m.contains("disk gone")));
        // A command that failed on its own keeps its own error.
        fail.store(true, Ordering::SeqCst);
        assert!(matches!(w.submit(op()).await, Err(StoreError::Conflict(_))));
        // Without a sync stage the answer comes straight from the batch.
        assert!(matches!(writer(None, Arc::default()).submit(op()).await, Ok(WriteOut::Done)));
    }
}
