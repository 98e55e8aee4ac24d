//! What the workbench and the statistics read: the open work by clock and
//! unit, and the monthly counts (matters, never people).

use super::*;

impl Backend {
    /// How many petitions there are in each status, the whole ledger's.
    pub async fn status_counts(&self) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as("SELECT status, COUNT(*) FROM petitions GROUP BY status ORDER BY status")
            .fetch_all(&self.read)
            .await?)
    }

    /// Petitions received in `year` by the viewer's unit and the units below
    /// it, counted by month × receiving unit × class.
    pub async fn monthly_counts(&self, year: i32, viewer: &Viewer) -> Result<Vec<MonthlyCount>> {
        let rows = sqlx::query(
            "SELECT m.month, g.code, g.name, m.class, m.n FROM monthly_counts m JOIN units g ON g.id = m.unit_id \
             WHERE m.month >= $1 AND m.month <= $2 AND g.path LIKE $3 ORDER BY m.month, g.path, m.class",
        )
        .bind(format!("{year:04}-01"))
        .bind(format!("{year:04}-12"))
        .bind(format!("{}%", viewer.unit_path))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MonthlyCount {
                    month: r.try_get("month")?,
                    unit_code: r.try_get("code")?,
                    unit_name: r.try_get("name")?,
                    class: word(r.try_get("class")?, PetitionClass::parse)?,
                    count: r.try_get("n")?,
                })
            })
            .collect()
    }

    /// The year's petitions received by the viewer's units by content
    /// category (内容分类), repeats counted once: (category, count).
    pub async fn category_counts(&self, year: i32, viewer: &Viewer) -> Result<Vec<(String, i64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT m.category, CAST(SUM(m.n) AS BIGINT) FROM category_counts m JOIN units g ON g.id = m.unit_id \
             WHERE m.month >= $1 AND m.month <= $2 AND g.path LIKE $3 GROUP BY m.category ORDER BY m.category",
        )
        .bind(format!("{year:04}-01"))
        .bind(format!("{year:04}-12"))
        .bind(format!("{}%", viewer.unit_path))
        .fetch_all(&self.read)
        .await?;
        Ok(rows)
    }

    /// The cases the viewer may see and act on (at their unit or below)
    /// whose nearest office deadline is due on or before `until` (overdue
    /// ones included), each once, most urgent first.
    pub async fn work_items(&self, viewer: &Viewer, until: NaiveDate, limit: i64) -> Result<Vec<WorkItem>> {
        // Walks `deadlines_office_due` in the order shown; only the rows
        // shown read their petition.
        let mut q = Sql::default();
        q.push(
            "SELECT p.id, p.case_no, p.subject, p.status, u.code, u.name, d.clock, d.due FROM deadlines d \
             JOIN units u ON u.id = d.unit_id JOIN petitions p ON p.id = d.petition_id",
        );
        push_office_work(&mut q, viewer);
        push_not_reported_on(&mut q, viewer, "d.respondent_unit_id");
        q.push(" AND d.due <= ").arg(Arg::Date(until));
        q.push(" ORDER BY d.due, d.petition_id LIMIT ").arg(Arg::I64(limit));
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                Ok(WorkItem {
                    petition_id: r.try_get("id")?,
                    case_no: r.try_get("case_no")?,
                    subject: r.try_get("subject")?,
                    status: word(r.try_get("status")?, PetitionStatus::parse)?,
                    unit_code: r.try_get("code")?,
                    unit_name: r.try_get("name")?,
                    clock: word(r.try_get("clock")?, ClockName::parse)?,
                    due: r.try_get("due")?,
                })
            })
            .collect()
    }

    /// Counts of the viewer's cases by the unit that has them and the clock
    /// of their nearest office deadline, each case once (as the ledger's
    /// `next_due` filters count them): (unit code, unit name, clock,
    /// overdue, due today, due by `soon`).
    pub async fn work_counts(&self, viewer: &Viewer, today: NaiveDate, soon: NaiveDate) -> Result<Vec<WorkCount>> {
        // Two parts. The cases that name no unit reported on,
        // the bulk, are kept counted by unit, clock and due date in
        // `office_due_counts` (migration 0009): a page sums the rows due by
        // `soon`, at most one per unit, clock and day, however many cases
        // are overdue. The few cases that name a unit reported on are
        // counted from their deadline rows, each tested for Art. 30.
        let when = |q: &mut Sql, op: &str, day: NaiveDate, n: &str| {
            q.push(&format!("SUM(CASE WHEN {op} ")).arg(Arg::Date(day)).push(&format!(" THEN {n} ELSE 0 END)"));
        };
        let clocks = |q: &mut Sql, col: &str| {
            q.push(&format!(" AND {col} IN ("));
            for (i, c) in ClockName::ALL.iter().enumerate() {
                q.push(if i == 0 { "" } else { ", " }).arg(Arg::Text(c.as_str().into()));
            }
            q.push(")");
        };
        let mut q = Sql::default();
        q.push(
            "SELECT u.code, u.name, x.clock, CAST(SUM(x.overdue) AS BIGINT) AS overdue, \
             CAST(SUM(x.today) AS BIGINT) AS today, CAST(SUM(x.soon) AS BIGINT) AS soon FROM (SELECT c.unit_id, c.clock, ",
        );
        when(&mut q, "c.due <", today, "c.n");
        q.push(" AS overdue, ");
        when(&mut q, "c.due =", today, "c.n");
        q.push(" AS today, SUM(c.n) AS soon FROM office_due_counts c WHERE c.unit_id IN (");
        push_unit_scope(&mut q, viewer);
        q.push(")");
        clocks(&mut q, "c.clock");
        q.push(" AND c.due <= ")
            .arg(Arg::Date(soon))
            .push(" GROUP BY c.unit_id, c.clock UNION ALL SELECT d.unit_id, d.clock, ");
        when(&mut q, "d.due <", today, "1");
        q.push(", ");
        when(&mut q, "d.due =", today, "1");
        q.push(", ");
        when(&mut q, "d.due <=", soon, "1");
        // No due date in this WHERE: given one, SQLite without statistics
        // walked the due-date index through every overdue duty instead.
        q.push(" FROM deadlines d");
        push_office_work(&mut q, viewer);
        clocks(&mut q, "d.clock");
        q.push(" AND d.respondent_unit_id IS NOT NULL");
        push_not_reported_on(&mut q, viewer, "d.respondent_unit_id");
        q.push(" GROUP BY d.unit_id, d.clock");
        q.push(
            ") x JOIN units u ON u.id = x.unit_id GROUP BY u.id, u.code, u.name, u.path, x.clock \
             HAVING SUM(x.soon) > 0 ORDER BY u.path, x.clock",
        );
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                Ok(WorkCount {
                    unit_code: r.try_get("code")?,
                    unit_name: r.try_get("name")?,
                    clock: word(r.try_get("clock")?, ClockName::parse)?,
                    overdue: r.try_get("overdue")?,
                    today: r.try_get("today")?,
                    soon: r.try_get("soon")?,
                })
            })
            .collect()
    }
}
