//! The throttles' counts, shared by every server on the database: one row
//! per (throttle, account, address).

use super::*;

impl Backend {
    /// The count of one key, if any.
    pub async fn throttle_count(&self, kind: &str, who: &str, address: &str) -> Result<Option<ThrottleCount>> {
        let row = sqlx::query(
            "SELECT n, since_us, last_us, until_us FROM throttle_counts WHERE kind = $1 AND who = $2 AND address = $3",
        )
        .bind(kind)
        .bind(who)
        .bind(address)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(ThrottleCount { n: r.i64(0)?, since_us: r.i64(1)?, last_us: r.i64(2)?, until_us: r.opt_i64(3)? })
        })
        .transpose()
    }

    /// Counts one more failure of a key at `now_us`, starting afresh when
    /// the count began at or before `restart_us`; returns the count.
    pub async fn throttle_fail(
        &self,
        kind: &str,
        who: &str,
        address: &str,
        now_us: i64,
        restart_us: i64,
    ) -> Result<ThrottleCount> {
        let row = sqlx::query(
            "INSERT INTO throttle_counts (kind, who, address, n, since_us, last_us) VALUES ($1, $2, $3, 1, $4, $4) \
             ON CONFLICT (kind, who, address) DO UPDATE SET \
             n = CASE WHEN throttle_counts.since_us <= $5 THEN 1 ELSE throttle_counts.n + 1 END, \
             until_us = CASE WHEN throttle_counts.since_us <= $5 THEN NULL ELSE throttle_counts.until_us END, \
             since_us = CASE WHEN throttle_counts.since_us <= $5 THEN $4 ELSE throttle_counts.since_us END, \
             last_us = $4 \
             RETURNING n, since_us, last_us, until_us",
        )
        .bind(kind)
        .bind(who)
        .bind(address)
        .bind(now_us)
        .bind(restart_us)
        .fetch_one(&self.write)
        .await?;
        Ok(ThrottleCount { n: row.i64(0)?, since_us: row.i64(1)?, last_us: row.i64(2)?, until_us: row.opt_i64(3)? })
    }

    /// Locks a key until `until_us`.
    pub async fn throttle_lock(&self, kind: &str, who: &str, address: &str, until_us: i64) -> Result<()> {
        sqlx::query("UPDATE throttle_counts SET until_us = $4 WHERE kind = $1 AND who = $2 AND address = $3")
            .bind(kind)
            .bind(who)
            .bind(address)
            .bind(until_us)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Forgets the counts of `kind` for account `who`, at `address` if
    /// given (else at every address); how many.
    pub async fn throttle_clear(&self, kind: &str, who: &str, address: Option<&str>) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM throttle_counts WHERE kind = $1 AND who = $2 AND ($3 IS NULL OR address = $3)")
                .bind(kind)
                .bind(who)
                .bind(address)
                .execute(&self.write)
                .await?
                .rows_affected();
        Ok(done)
    }

    /// The locks of `kind` in force at `now_us`, longest first.
    pub async fn throttle_locks(&self, kind: &str, now_us: i64) -> Result<Vec<ThrottleLock>> {
        let rows = sqlx::query(
            "SELECT who, address, n, until_us FROM throttle_counts WHERE kind = $1 AND until_us > $2 \
             ORDER BY until_us DESC, who, address",
        )
        .bind(kind)
        .bind(now_us)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok(ThrottleLock { who: r.text(0)?, address: r.text(1)?, n: r.i64(2)?, until_us: r.i64(3)? }))
            .collect()
    }

    /// Forgets counts last touched before `before_us` and not locking now.
    pub async fn throttle_prune(&self, before_us: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM throttle_counts WHERE last_us < $1 AND (until_us IS NULL OR until_us < $1)")
                .bind(before_us)
                .execute(&self.write)
                .await?
                .rows_affected();
        Ok(done)
    }
}
