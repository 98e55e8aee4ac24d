//! A bulk load (the demo, `bench`): the secondary indexes (and, on
//! PostgreSQL, foreign keys) of the ledger's tables set aside while it
//! loads and restored once at the end.

use super::*;

/// The tables a bulk load fills, whose secondary indexes (and, on
/// PostgreSQL, foreign keys) it sets aside and restores afterwards (see
/// `set_aside_for_load`).
pub(crate) const LOAD_TABLES: &str = "'petitions', 'petitioners', 'events', 'deadlines', 'petition_units', 'petition_search', \
                           'petition_signatures', 'monthly_counts', 'office_due_counts'";

/// The `meta` key prefix of what a bulk load set aside, followed by
/// `index:` or `constraint:` and its name (no `%` or `_`: it is matched with
/// `LIKE`).
pub(crate) const SET_ASIDE: &str = "dropped-";

impl Backend {
    /// What a bulk load sets aside, (kind and name, definition) by name: the
    /// secondary indexes of the ledger's tables (`index:…`; every index
    /// there but those of primary keys and unique constraints, which the
    /// ledger's writes rely on) and, on PostgreSQL, their foreign keys
    /// (`constraint:…`).
    pub async fn load_set_aside(&self) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(&set_aside_sql()).fetch_all(&self.write).await?;
        Ok(rows.into_iter().map(|(what, _, restore)| (what, restore)).collect())
    }

    /// Before a bulk load: drops what [`Self::load_set_aside`] lists,
    /// keeping each definition in `meta` in the same transaction.
    /// - A load into a large ledger otherwise rewrites, at every commit, one
    ///   index page per petitioner's name, phone and ID key and per date it
    ///   adds; an index built afterwards is sorted and written once.
    /// - PostgreSQL checks a foreign key row by row, each check a query of
    ///   its own that also locks the row it finds: over a third of the
    ///   server's time in a load. Added again afterwards, each is checked
    ///   over the whole table in one join.
    ///
    /// [`Self::restore_after_load`] restores them, after the load or, should
    /// it never finish, when the database is next opened. Returns how many
    /// were dropped.
    pub async fn set_aside_for_load(&self) -> Result<usize> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let defs: Vec<(String, String, String)> = sqlx::query_as(&set_aside_sql()).fetch_all(&mut *tx).await?;
        for (what, drop, restore) in &defs {
            sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
                .bind(format!("{SET_ASIDE}{what}"))
                .bind(restore)
                .execute(&mut *tx)
                .await?;
            sqlx::raw_sql(drop).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(defs.len())
    }

    /// Restores, in one transaction, everything that
    /// [`Self::set_aside_for_load`] dropped: the indexes are built and the
    /// constraints checked over every row. Returns how many. Nothing is
    /// written when nothing is pending (it runs at every opening).
    pub async fn restore_after_load(&self) -> Result<usize> {
        let pending = format!("{SET_ASIDE}%");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meta WHERE key LIKE $1")
            .bind(&pending)
            .fetch_one(&self.write)
            .await?;
        if n == 0 {
            return Ok(0);
        }
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let defs: Vec<String> = sqlx::query_scalar("DELETE FROM meta WHERE key LIKE $1 RETURNING value")
            .bind(&pending)
            .fetch_all(&mut *tx)
            .await?;
        for sql in &defs {
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(defs.len())
    }
}
