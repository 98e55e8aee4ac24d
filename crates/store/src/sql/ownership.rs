//! Leaders' case ownership (包案): taken and ended with their audit lines;
//! at most one active per matter.

use super::*;

const COLS: &str = "o.id, o.module, o.record_id, o.leader_id, u.display_name AS leader, o.goal, o.target_date, o.state, \
     o.outcome, o.taken_at, o.ended_at, COALESCE(p.case_no, d.case_no, '') AS case_no, \
     COALESCE(p.subject, d.summary, '') AS title \
     FROM ownerships o JOIN users u ON u.id = o.leader_id \
     LEFT JOIN petitions p ON o.module = 'petition' AND p.id = o.record_id \
     LEFT JOIN disputes d ON o.module = 'dispute' AND d.id = o.record_id";

fn read(r: &DbRow) -> Result<OwnershipRow> {
    Ok(OwnershipRow {
        id: r.try_get("id")?,
        module: r.try_get("module")?,
        record_id: r.try_get("record_id")?,
        leader_id: UserId(r.try_get("leader_id")?),
        leader: r.try_get("leader")?,
        goal: r.try_get("goal")?,
        target_date: r.try_get("target_date")?,
        state: r.try_get("state")?,
        outcome: r.try_get("outcome")?,
        taken_at: r.try_get("taken_at")?,
        ended_at: r.try_get("ended_at")?,
        case_no: r.try_get("case_no")?,
        title: r.try_get("title")?,
    })
}

impl Backend {
    /// Records a leader's ownership of a matter, with an audit line;
    /// `Conflict` if the matter has an active one.
    pub async fn take_ownership(&self, n: &NewOwnership) -> Result<i64> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO ownerships (module, record_id, leader_id, goal, target_date, state, taken_by, taken_at) \
             VALUES ($1, $2, $3, $4, $5, 'active', $6, $7) RETURNING id",
        )
        .bind(&n.module)
        .bind(n.record_id)
        .bind(n.leader_id.0)
        .bind(&n.goal)
        .bind(n.target_date)
        .bind(n.taken_by.map(|u| u.0))
        .bind(Utc::now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::from(e).unique("该事项已有领导包案"))?;
        let entry = AuditEntry {
            user_id: n.taken_by,
            action: "ownership.take".into(),
            object: n.object.clone(),
            success: true,
            detail: format!("leader={} target={}", n.leader_id.0, n.target_date),
        };
        audit_in(&mut tx, self.chain.get(), &entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Ends an active ownership as `state` (achieved, released) with its
    /// outcome; `false` if it was not active.
    pub async fn end_ownership(&self, id: i64, state: &str, outcome: &str, actor: Option<UserId>) -> Result<bool> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let done = sqlx::query(
            "UPDATE ownerships SET state = $1, outcome = $2, ended_at = $3 WHERE id = $4 AND state = 'active'",
        )
        .bind(state)
        .bind(outcome)
        .bind(Utc::now())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 1 {
            let entry = AuditEntry {
                user_id: actor,
                action: format!("ownership.{state}"),
                object: format!("ownership:{id}"),
                success: true,
                detail: String::new(),
            };
            audit_in(&mut tx, self.chain.get(), &entry).await?;
        }
        tx.commit().await?;
        Ok(done == 1)
    }

    pub async fn ownership(&self, id: i64) -> Result<Option<OwnershipRow>> {
        let row = sqlx::query(&format!("SELECT {COLS} WHERE o.id = $1")).bind(id).fetch_optional(&self.read).await?;
        row.as_ref().map(read).transpose()
    }

    /// A matter's ownerships, the active one first, then the ended ones,
    /// newest first.
    pub async fn ownerships_of(&self, module: &str, record_id: i64) -> Result<Vec<OwnershipRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} WHERE o.module = $1 AND o.record_id = $2 ORDER BY CASE o.state WHEN 'active' THEN 0 ELSE 1 END, o.id DESC"
        ))
        .bind(module)
        .bind(record_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(read).collect()
    }

    /// A leader's ownerships: the active ones by target date, then the
    /// ended ones, newest first (at most `limit` of those).
    pub async fn ownerships_of_leader(&self, leader: UserId, limit: i64) -> Result<Vec<OwnershipRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} WHERE o.leader_id = $1 AND o.state = 'active' ORDER BY o.target_date, o.id"
        ))
        .bind(leader.0)
        .fetch_all(&self.read)
        .await?;
        let ended = sqlx::query(&format!(
            "SELECT {COLS} WHERE o.leader_id = $1 AND o.state <> 'active' ORDER BY o.id DESC LIMIT $2"
        ))
        .bind(leader.0)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().chain(ended.iter()).map(read).collect()
    }
}
