//! Group commit (issue 4, design.md §5). Creates and events are queued to
//! one writer task. It takes every command waiting, runs them in one
//! transaction (each in its own savepoint, so a failing one does not spoil
//! the others), commits once, and only then answers each caller. Under load
//! one sync covers many commands; alone, a command waits for nothing.

use crate::model::{AppendEvent, NewPetitionRecord};
use crate::{Result, StoreError};
use tokio::sync::{mpsc, oneshot};

/// Most commands in one transaction.
pub const MAX_BATCH: usize = 512;

#[derive(Debug)]
pub enum WriteOp {
    InsertPetitions(Vec<NewPetitionRecord>),
    AppendEvent(AppendEvent),
}

#[derive(Debug)]
pub enum WriteOut {
    Ids(Vec<(i64, String)>),
    Done,
}

pub(crate) struct Job {
    pub op: WriteOp,
    pub reply: oneshot::Sender<Result<WriteOut>>,
}

/// The queue in front of the writer task.
#[derive(Debug, Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task; `run` executes one batch.
    pub(crate) fn start<F, Fut>(run: F) -> Self
    where
        F: Fn(Vec<WriteOp>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Vec<Result<WriteOut>>> + Send,
    {
        let (tx, mut rx) = mpsc::channel::<Job>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut jobs = vec![first];
                while jobs.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(j) => jobs.push(j),
                        Err(_) => break,
                    }
                }
                let (ops, replies): (Vec<WriteOp>, Vec<_>) = jobs.into_iter().map(|j| (j.op, j.reply)).unzip();
                let results = run(ops).await;
                for (reply, result) in replies.into_iter().zip(results) {
                    // The caller may have gone away; the write stands.
                    let _ = reply.send(result);
                }
            }
        });
        Writer { tx }
    }

    pub async fn submit(&self, op: WriteOp) -> Result<WriteOut> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Job { op, reply }).await.map_err(|_| StoreError::Busy("写入队列已关闭".into()))?;
        rx.await.map_err(|_| StoreError::Busy("写入任务已停止".into()))?
    }
}
