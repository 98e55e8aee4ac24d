//! The holiday calendar's effect on stored data: after an import, every
//! open case's deadlines are computed again.

use crate::error::Result;
use crate::petitions::deadlines_of;
use xinfang_domain::petition::RuleSet;
use xinfang_store::{DeadlineUpdate, Store};

/// Recomputes the stored deadlines of every open case against the stored
/// calendar (after a calendar import), then takes away the import's mark
/// ([`Store::stale_deadlines`]): cut short, it is run again at the next
/// opening. The mark is read before the calendar, so that a later import's
/// is left for its own recompute. `progress(updated)` is called per batch.
/// A case whose stored state cannot be read is left out and logged by case
/// number: one damaged record never stops the import, nor a server's start.
pub async fn recompute_deadlines(
    store: &Store,
    rules: &RuleSet,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<usize> {
    let mark = store.stale_deadlines().await?;
    let cal = store.load_calendar().await?;
    let mut after = 0;
    let mut updated = 0;
    loop {
        let cases = store.open_cases(after, 500).await?;
        let Some(last) = cases.last() else { break };
        after = last.id;
        let mut batch = Vec::with_capacity(cases.len());
        for c in &cases {
            // A case whose stored state cannot be read keeps its deadlines
            // and is named in the log; the others go on (`xinfang check`).
            let Ok(state) = crate::petitions::read_state(&c.case_no, &c.state) else { continue };
            let (deadlines, next_due) = deadlines_of(&state, rules, &cal);
            batch.push(DeadlineUpdate { id: c.id, version: c.version, next_due, deadlines });
        }
        updated += store.update_deadlines(batch).await?;
        progress(updated);
    }
    if let Some(mark) = mark {
        store.deadlines_recomputed(&mark).await?;
    }
    Ok(updated)
}
