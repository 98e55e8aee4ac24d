//! The schema's migrations and the `meta` key-value table.

use super::*;

/// Refuses a database whose applied migrations are not this program's
/// under the same numbers (a database of another build, or of the numbering
/// before both backends shared their names): applying the rest would build
/// a schema neither knows.
fn check_history(done: &[(i64, String)]) -> Result<()> {
    for (version, name) in done {
        match MIGRATIONS.iter().find(|(v, _, _)| v == version) {
            Some((_, ours, _)) if ours == name => {}
            Some((_, ours, _)) => {
                return Err(StoreError::Corrupt(format!(
                    "数据库的第 {version} 号迁移是 {name}，本程序的是 {ours}：该数据库由其他版本建立，请用对应版本导出数据"
                )));
            }
            None => {
                return Err(StoreError::Corrupt(format!(
                    "数据库已应用本程序没有的迁移 {version} {name}：该数据库由更新的版本建立"
                )));
            }
        }
    }
    Ok(())
}

impl Backend {
    /// Applies the migrations not yet applied, each in its own transaction.
    pub async fn migrate(&self) -> Result<Vec<String>> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .execute(&self.write)
        .await?;
        let done: Vec<(i64, String)> =
            sqlx::query_as("SELECT version, name FROM schema_migrations").fetch_all(&self.write).await?;
        check_history(&done)?;
        let done: Vec<i64> = done.into_iter().map(|(v, _)| v).collect();
        if !done.is_empty() {
            // A bulk load that never finished left its indexes (and
            // constraints) set aside: back first, as they were, so that later
            // migrations find them.
            let restored = self.restore_after_load().await?;
            if restored > 0 {
                tracing::warn!(restored, "a bulk load had not finished: what it set aside was restored");
            }
        }
        let mut applied = Vec::new();
        for (version, name, sql) in MIGRATIONS {
            if done.contains(version) {
                continue;
            }
            let mut tx = self.write.begin().await?;
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(*version)
                .bind(*name)
                .bind(Utc::now().to_rfc3339())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            applied.push((*name).to_string());
        }
        Ok(applied)
    }

    /// Does the database hold xinfang's tables (a migration applied)?
    pub async fn has_schema(&self) -> bool {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM schema_migrations")
            .fetch_one(&self.read)
            .await
            .is_ok_and(|n| n > 0)
    }

    /// Does the database answer? A query that reads nothing: cheap enough
    /// for a health probe called every few seconds.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1").bind(key).fetch_optional(&self.read).await?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Deletes `key`; with `only_if`, only while it still holds that value.
    pub async fn delete_meta(&self, key: &str, only_if: Option<&str>) -> Result<()> {
        sqlx::query("DELETE FROM meta WHERE key = $1 AND ($2 IS NULL OR value = $2)")
            .bind(key)
            .bind(only_if)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    // ---- petitions ----
}
