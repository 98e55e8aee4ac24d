//! The deadline rows of a case and the per-unit counts of office deadlines
//! due on each day that the workbench reads, kept in step in every write;
//! the recompute after a calendar import.

use super::*;

/// Where a case stands, as its deadline rows carry it for the workbench:
/// the handling unit and the unit reported on (Art. 30).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub(crate) unit_id: i64,
    pub(crate) respondent_unit_id: Option<i64>,
}

pub(crate) fn deadline_rows(petition_id: i64, place: Place, deadlines: &[Deadline]) -> Vec<Vec<Arg>> {
    let first = nearest(deadlines.iter().filter(|d| d.is_duty()).map(|d| (d.clock, d.due)));
    deadlines
        .iter()
        .map(|d| {
            vec![
                Arg::I64(petition_id),
                Arg::I64(place.unit_id),
                Arg::OptI64(place.respondent_unit_id),
                Arg::Text(d.clock.as_str().into()),
                Arg::Date(d.due),
                // The case's nearest running duty is 'office', its other
                // running duties 'duty' (migration 0014): the workbench
                // reads each case once, by its 'office' row, from the
                // index. Windows are kept for reference.
                Arg::Text(
                    match (d.holder, d.is_duty()) {
                        (xinfang_domain::Holder::Office, true) if first == Some((d.clock, d.due)) => "office",
                        (xinfang_domain::Holder::Office, true) => "duty",
                        (xinfang_domain::Holder::Office, false) => "window",
                        (xinfang_domain::Holder::Petitioner, _) => "petitioner",
                    }
                    .into(),
                ),
                Arg::Bool(d.provisional),
                Arg::Bool(d.paused),
                Arg::Text(d.explanation.clone()),
            ]
        })
        .collect()
}

/// Changes to `office_due_counts` (migrations 0009, 0014): the cases the
/// workbench counts from that table, each once, by (unit, clock, due date)
/// of its nearest running office duty (the ledger's `next_due`), added (+1)
/// or taken away (−1) in the transaction that writes its deadlines. Only
/// cases that name no unit reported on are counted here; the others are
/// counted row by row, each tested for Art. 30.
#[derive(Default)]
pub(crate) struct DueCounts(std::collections::BTreeMap<(i64, &'static str, NaiveDate), i64>);

/// The nearest of a case's running office duties, (clock, due): the
/// earliest date, and of two on one date the clock first by name, as the
/// ledger's `next_clock` picks it.
pub(crate) fn nearest(duties: impl IntoIterator<Item = (ClockName, NaiveDate)>) -> Option<(ClockName, NaiveDate)> {
    duties.into_iter().min_by(|a, b| (a.1, a.0.as_str()).cmp(&(b.1, b.0.as_str())))
}

impl DueCounts {
    /// Counts a case by `by` at its nearest running office duty, if it has
    /// one and names no unit reported on.
    pub(crate) fn add(&mut self, place: &Place, nearest: Option<(ClockName, NaiveDate)>, by: i64) {
        if let (Some((clock, due)), None) = (nearest, place.respondent_unit_id) {
            *self.0.entry((place.unit_id, clock.as_str(), due)).or_default() += by;
        }
    }

    pub(crate) fn add_all(&mut self, place: &Place, deadlines: &[Deadline], by: i64) {
        self.add(place, nearest(deadlines.iter().filter(|d| d.is_duty()).map(|d| (d.clock, d.due))), by);
    }

    /// The changes, as one upsert for all.
    pub(crate) fn rows(&self) -> Rows {
        let rows = self
            .0
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|((unit, clock, due), n)| {
                vec![Arg::I64(*unit), Arg::Text((*clock).into()), Arg::Date(*due), Arg::I64(*n)]
            })
            .collect();
        Rows {
            head: "INSERT INTO office_due_counts (unit_id, clock, due, n)",
            cols: 4,
            rows,
            tail: "ON CONFLICT (unit_id, clock, due) DO UPDATE SET n = office_due_counts.n + excluded.n",
        }
    }

    /// Once [`rows`](Self::rows) are written: deletes the counts that fell
    /// to zero, so that a page sums only dates that hold a duty.
    pub(crate) async fn delete_emptied(&self, tx: &mut impl WriteTx) -> Result<()> {
        for ((unit, clock, due), _) in self.0.iter().filter(|(_, n)| **n < 0) {
            let mut q = Sql::default();
            q.push("DELETE FROM office_due_counts WHERE unit_id = ")
                .arg(Arg::I64(*unit))
                .push(" AND clock = ")
                .arg(Arg::Text((*clock).into()))
                .push(" AND due = ")
                .arg(Arg::Date(*due))
                .push(" AND n = 0");
            tx.fetch(q).await?;
        }
        Ok(())
    }
}

pub(crate) const DEADLINES_INSERT: &str = "INSERT INTO deadlines (petition_id, unit_id, respondent_unit_id, clock, due, holder, \
     provisional, paused, explanation)";

/// Columns of [`DEADLINES_INSERT`].
pub(crate) const DEADLINE_COLS: usize = 9;

/// Replaces the deadline rows of case `id` (after a step, or a calendar
/// recompute), writing the rows of `with` in the same statement.
pub(crate) async fn replace_deadlines(
    tx: &mut impl WriteTx,
    id: i64,
    place: Place,
    deadlines: &[Deadline],
    with: Vec<Rows>,
) -> Result<()> {
    let mut q = Sql::default();
    q.push("DELETE FROM deadlines WHERE petition_id = ")
        .arg(Arg::I64(id))
        .push(" RETURNING unit_id, respondent_unit_id, clock, due, holder, paused");
    let old = tx.fetch(q).await?;
    let mut counts = DueCounts::default();
    let mut was = None;
    let mut duties = Vec::new();
    for r in &old {
        let clock = r.text(2)?;
        let clock = ClockName::parse(&clock).ok_or_else(|| StoreError::Corrupt(format!("deadline clock {clock}")))?;
        was = Some(Place { unit_id: r.i64(0)?, respondent_unit_id: r.opt_i64(1)? });
        if r.text(4)? == "office" && !r.flag(5)? {
            duties.push((clock, r.date(3)?));
        }
    }
    if let Some(was) = was {
        counts.add(&was, nearest(duties), -1);
    }
    counts.add_all(&place, deadlines, 1);
    let mut tables =
        vec![Rows::new(DEADLINES_INSERT, DEADLINE_COLS, deadline_rows(id, place, deadlines)), counts.rows()];
    tables.extend(with);
    tx.insert_all(tables).await?;
    counts.delete_emptied(tx).await
}

/// Stores the recomputed deadlines of several cases ([`Store::update_deadlines`](crate::Store::update_deadlines));
/// skips a case that moved since it was read. Returns how many were updated.
pub(crate) async fn update_deadlines_tx(tx: &mut impl WriteTx, batch: &[DeadlineUpdate]) -> Result<usize> {
    let mut n = 0;
    for u in batch {
        let mut q = Sql::default();
        q.push("UPDATE petitions SET next_due = ")
            .arg(Arg::OptDate(u.next_due))
            .push(" WHERE id = ")
            .arg(Arg::I64(u.id))
            .push(" AND version = ")
            .arg(Arg::I64(u.version))
            .push(" RETURNING unit_id, respondent_unit_id");
        let Some(row) = tx.fetch(q).await?.into_iter().next() else { continue };
        let place = Place { unit_id: row.i64(0)?, respondent_unit_id: row.opt_i64(1)? };
        replace_deadlines(tx, u.id, place, &u.deadlines, Vec::new()).await?;
        n += 1;
    }
    Ok(n)
}

impl Backend {
    /// How many rows of `office_due_counts` (the workbench's kept counts)
    /// differ from the deadline rows they count, either way: 0 when every
    /// write kept them and left no row at zero. A check for tests and
    /// after a crash; it reads every deadline.
    pub async fn due_count_drift(&self) -> Result<i64> {
        // Each case once, at its nearest running office duty, the one
        // row of it that is 'office' (migration 0014).
        let counted = "SELECT unit_id, clock, due, COUNT(*) FROM deadlines \
                       WHERE holder = 'office' AND paused = FALSE AND respondent_unit_id IS NULL \
                       GROUP BY unit_id, clock, due";
        let kept = "SELECT unit_id, clock, due, n FROM office_due_counts";
        let mut drift = 0;
        for (a, b) in [(kept, counted), (counted, kept)] {
            let n: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({a} EXCEPT {b}) x")).fetch_one(&self.read).await?;
            drift += n;
        }
        Ok(drift)
    }

    /// Cases whose deadlines may change with the calendar: not closed, or
    /// with a petitioner's window still recorded.
    pub async fn open_cases(&self, after_id: i64, limit: i64) -> Result<Vec<OpenCase>> {
        let rows = sqlx::query(
            "SELECT p.id, p.case_no, p.state, p.version FROM petitions p WHERE p.id > $1 AND (p.status <> 'closed' \
             OR EXISTS (SELECT 1 FROM deadlines d WHERE d.petition_id = p.id)) ORDER BY p.id LIMIT $2",
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OpenCase {
                    id: r.try_get("id")?,
                    case_no: r.try_get("case_no")?,
                    state: r.try_get("state")?,
                    version: r.try_get("version")?,
                })
            })
            .collect()
    }

    /// Every petition from `after_id` on, in id order, its words unread.
    pub async fn raw_cases(&self, after_id: i64, limit: i64) -> Result<Vec<RawCase>> {
        let rows = sqlx::query(
            "SELECT id, case_no, channel, class, status, state FROM petitions WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RawCase {
                    id: r.try_get("id")?,
                    case_no: r.try_get("case_no")?,
                    channel: r.try_get("channel")?,
                    class: r.try_get("class")?,
                    status: r.try_get("status")?,
                    state: r.try_get("state")?,
                })
            })
            .collect()
    }
}
