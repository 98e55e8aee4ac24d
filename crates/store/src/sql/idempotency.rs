//! Idempotency keys: a request sent again with the key of one already
//! answered gets that answer back instead of being carried out twice
//! (the portal's submissions, where a phone on a bad line sends the same
//! form twice). Kept in the database, so every server behind the proxy
//! sees the same keys.

use super::*;

impl Backend {
    /// Claims `key` for `request` (a hash of the request) at `now_us`.
    /// Keys older than `ttl_us` are forgotten; a claim still unanswered
    /// after `stale_us` (its server stopped mid-request) is taken over.
    pub async fn claim_idempotency(
        &self,
        key: &str,
        request: &str,
        now_us: i64,
        ttl_us: i64,
        stale_us: i64,
    ) -> Result<Claimed> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at_us < $1")
            .bind(now_us - ttl_us)
            .execute(&mut *tx)
            .await?;
        let found: Option<(String, i64, Option<i64>, Option<String>)> =
            sqlx::query_as("SELECT request, created_at_us, status, response FROM idempotency_keys WHERE key = $1")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
        let claimed = match found {
            Some((r, ..)) if r != request => Claimed::OtherRequest,
            Some((_, _, Some(status), Some(body))) => Claimed::Answered { status, body },
            Some((_, at, None, _)) if at >= now_us - stale_us => Claimed::Pending,
            stale_or_new => {
                if stale_or_new.is_some() {
                    sqlx::query("DELETE FROM idempotency_keys WHERE key = $1").bind(key).execute(&mut *tx).await?;
                }
                sqlx::query("INSERT INTO idempotency_keys (key, request, created_at_us) VALUES ($1, $2, $3)")
                    .bind(key)
                    .bind(request)
                    .bind(now_us)
                    .execute(&mut *tx)
                    .await?;
                Claimed::New
            }
        };
        tx.commit().await?;
        Ok(claimed)
    }

    /// Records the answer to the request that claimed `key`.
    pub async fn answer_idempotency(&self, key: &str, status: i64, body: &str) -> Result<()> {
        sqlx::query("UPDATE idempotency_keys SET status = $1, response = $2 WHERE key = $3")
            .bind(status)
            .bind(body)
            .bind(key)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Gives up a claim whose request changed nothing (it was refused), so
    /// the same key may be sent again with the request corrected.
    pub async fn release_idempotency(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE key = $1 AND status IS NULL")
            .bind(key)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
