//! The holiday calendar as stored: the years loaded, their special days,
//! and a revision that changes with every import.

use super::*;

impl Backend {
    /// The stored calendar: (year, source) and every special day.
    pub async fn calendar(&self) -> Result<(Vec<CalendarYear>, Vec<SpecialDay>)> {
        let years = sqlx::query("SELECT year, source FROM calendar_years ORDER BY year")
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| Ok(CalendarYear { year: r.try_get("year")?, source: r.try_get("source")? }))
            .collect::<Result<Vec<_>>>()?;
        let days = sqlx::query("SELECT day, holiday FROM calendar_days ORDER BY day")
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| Ok(SpecialDay { day: r.try_get("day")?, holiday: r.try_get("holiday")? }))
            .collect::<Result<Vec<_>>>()?;
        Ok((years, days))
    }

    /// Replaces the given years of the calendar in one transaction.
    pub async fn replace_calendar_years(
        &self,
        years: &[(i32, Vec<SpecialDay>)],
        source: &str,
        actor: Option<UserId>,
    ) -> Result<()> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        for (year, days) in years {
            let first = NaiveDate::from_ymd_opt(*year, 1, 1).ok_or_else(|| StoreError::Corrupt("year".into()))?;
            let last = NaiveDate::from_ymd_opt(*year, 12, 31).ok_or_else(|| StoreError::Corrupt("year".into()))?;
            sqlx::query("DELETE FROM calendar_days WHERE day >= $1 AND day <= $2")
                .bind(first)
                .bind(last)
                .execute(&mut *tx)
                .await?;
            for d in days {
                sqlx::query("INSERT INTO calendar_days (day, holiday) VALUES ($1, $2)")
                    .bind(d.day)
                    .bind(d.holiday.as_deref())
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO calendar_years (year, source, imported_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (year) DO UPDATE SET source = excluded.source, imported_at = excluded.imported_at",
            )
            .bind(i64::from(*year))
            .bind(source)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await?;
        }
        // In the same transaction: a recompute cut short (a crash, Ctrl-C)
        // leaves the mark, and the next opening finishes it. A ledger with
        // no case yet (the built-in calendar seeded into a new database) has
        // nothing to recompute.
        sqlx::query(
            "INSERT INTO meta (key, value) SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM petitions) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(crate::DEADLINES_STALE)
        .bind(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
        .execute(&mut *tx)
        .await?;
        let detail = years.iter().map(|(y, _)| y.to_string()).collect::<Vec<_>>().join(",");
        audit_in(
            &mut tx,
            self.chain.get(),
            &AuditEntry {
                user_id: actor,
                action: "calendar.import".into(),
                object: source.into(),
                success: true,
                detail,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes whenever the calendar does (to refresh caches).
    pub async fn calendar_revision(&self) -> Result<String> {
        let row = sqlx::query("SELECT COUNT(*) AS n, MAX(imported_at) AS at FROM calendar_years")
            .fetch_one(&self.read)
            .await?;
        let n: i64 = row.try_get("n")?;
        let at: Option<DateTime<Utc>> = row.try_get("at")?;
        Ok(format!("{n}:{}", at.map(|a| a.to_rfc3339()).unwrap_or_default()))
    }

    // ---- audit ----
}
