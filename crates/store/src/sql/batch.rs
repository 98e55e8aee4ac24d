//! A group-commit batch: the writer's commands run in one transaction; a
//! command the database refuses is retried alone, so it fails alone.

use super::*;

/// Every command of a batch answered as not committed.
pub(crate) fn not_committed(ops: &[crate::writer::WriteOp], e: &StoreError) -> Vec<Result<crate::writer::WriteOut>> {
    ops.iter().map(|_| Err(StoreError::Busy(e.to_string()))).collect()
}

/// Runs the write commands of a group-commit batch on `conn`, in one
/// transaction: a command that fails is rolled back alone and answered with
/// its error; the others commit together. Returns each command's result
/// once committed: durably on PostgreSQL; on SQLite without the sync, which
/// the writer then does before it answers anyone (`sqlite/direct.rs`).
pub(crate) async fn run_batch_on(
    conn: &mut impl BatchConn,
    key: Option<[u8; 32]>,
    ops: &[crate::writer::WriteOp],
) -> Vec<Result<crate::writer::WriteOut>> {
    use crate::writer::{WriteOp, WriteOut};
    if let Err(e) = conn.exec(BEGIN_WRITE).await {
        return abandon(conn, ops, &e).await;
    }
    let mut results: Vec<Option<Result<WriteOut>>> = ops.iter().map(|_| None).collect();

    // Registrations first, all together: one statement per table for the
    // whole batch. Should that fail, the transaction (which holds nothing
    // else yet) begins again and each is retried alone below, so one bad
    // command cannot spoil the rest. No savepoint for the common case: on
    // PostgreSQL each is a round trip.
    let inserts: Vec<(usize, &Vec<NewPetitionRecord>)> = ops
        .iter()
        .enumerate()
        .filter_map(|(i, op)| match op {
            WriteOp::InsertPetitions(b) => Some((i, b)),
            WriteOp::AppendEvent(_) | WriteOp::UpdateDeadlines(_) => None,
        })
        .collect();
    if inserts.len() > 1 {
        let all: Vec<&NewPetitionRecord> = inserts.iter().flat_map(|(_, b)| b.iter()).collect();
        match insert_petitions_tx(conn, key, &all).await {
            Ok(ids) => {
                let mut ids = ids.into_iter();
                for (i, b) in &inserts {
                    results[*i] = Some(Ok(WriteOut::Ids(ids.by_ref().take(b.len()).collect())));
                }
            }
            Err(_) => {
                let restarted = match conn.exec("ROLLBACK").await {
                    Ok(()) => conn.exec(BEGIN_WRITE).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = restarted {
                    return abandon(conn, ops, &e).await;
                }
            }
        }
    }
    for (i, op) in ops.iter().enumerate() {
        if results[i].is_some() {
            continue;
        }
        if let Err(e) = conn.exec("SAVEPOINT one").await {
            results[i] = Some(Err(e));
            continue;
        }
        let r = match op {
            WriteOp::InsertPetitions(batch) => {
                let refs: Vec<&NewPetitionRecord> = batch.iter().collect();
                insert_petitions_tx(conn, key, &refs).await.map(WriteOut::Ids)
            }
            WriteOp::AppendEvent(a) => append_event_tx(conn, key, a).await.map(|()| WriteOut::Done),
            WriteOp::UpdateDeadlines(b) => update_deadlines_tx(conn, b).await.map(WriteOut::Updated),
        };
        let settled = match &r {
            Ok(_) => conn.exec("RELEASE one").await,
            Err(_) => conn.exec("ROLLBACK TO one; RELEASE one").await,
        };
        results[i] = Some(settled.and(r));
    }
    let results = results.into_iter().map(|r| r.unwrap_or_else(|| Err(StoreError::Busy("not run".into()))));
    match conn.exec("COMMIT").await {
        Ok(()) => results.collect(),
        Err(e) => abandon(conn, ops, &e).await,
    }
}

/// Answers every command of a batch as not committed, after rolling back
/// whatever part of its transaction may be open (a commit that failed on
/// SQLite, a `BEGIN` whose lock failed on PostgreSQL): the connection must
/// not carry it into the next batch, or back into the pool.
pub(crate) async fn abandon(
    conn: &mut impl BatchConn,
    ops: &[crate::writer::WriteOp],
    e: &StoreError,
) -> Vec<Result<crate::writer::WriteOut>> {
    let _ = conn.exec("ROLLBACK").await;
    not_committed(ops, e)
}
