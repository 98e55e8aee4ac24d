//! Leaders' reception days (领导接访日, Art. 18): published by a unit,
//! withdrawn rather than deleted; each change is audited.

use super::*;

fn read_day(r: &DbRow) -> Result<ReceptionDay> {
    Ok(ReceptionDay {
        id: r.try_get("id")?,
        unit_code: r.try_get("unit_code")?,
        unit_name: r.try_get("unit_name")?,
        on: r.try_get("on_date")?,
        hours: r.try_get("hours")?,
        place: r.try_get("place")?,
        leader: r.try_get("leader")?,
        topic: r.try_get("topic")?,
        withdrawn: r.try_get::<Option<DateTime<Utc>>, _>("withdrawn_at")?.is_some(),
    })
}

const DAY_SELECT: &str = "SELECT d.id, u.code AS unit_code, u.name AS unit_name, d.on_date, d.hours, d.place, \
     d.leader, d.topic, d.withdrawn_at FROM reception_days d JOIN units u ON u.id = d.unit_id";

impl Backend {
    pub async fn add_reception_day(&self, day: &NewReceptionDay, actor: Option<UserId>) -> Result<i64> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reception_days (unit_id, on_date, hours, place, leader, topic, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(day.unit_id)
        .bind(day.on)
        .bind(&day.hours)
        .bind(&day.place)
        .bind(&day.leader)
        .bind(&day.topic)
        .bind(actor)
        .bind(Utc::now())
        .fetch_one(&mut *tx)
        .await?;
        audit_in(
            &mut tx,
            self.chain.get(),
            &AuditEntry {
                user_id: actor,
                action: "reception.publish".into(),
                object: format!("reception#{id}"),
                success: true,
                detail: format!("{} {} {} {}", day.on, day.hours, day.leader, day.place),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Withdraws a published day (it stays on record). False if there is
    /// no such day or it was withdrawn already.
    pub async fn withdraw_reception_day(&self, id: i64, actor: Option<UserId>) -> Result<bool> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let done = sqlx::query("UPDATE reception_days SET withdrawn_at = $1 WHERE id = $2 AND withdrawn_at IS NULL")
            .bind(Utc::now())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if done {
            audit_in(
                &mut tx,
                self.chain.get(),
                &AuditEntry {
                    user_id: actor,
                    action: "reception.withdraw".into(),
                    object: format!("reception#{id}"),
                    success: true,
                    detail: String::new(),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    pub async fn reception_day(&self, id: i64) -> Result<Option<ReceptionDay>> {
        let row = sqlx::query(&format!("{DAY_SELECT} WHERE d.id = $1")).bind(id).fetch_optional(&self.read).await?;
        row.as_ref().map(read_day).transpose()
    }

    /// The days from `from` on, soonest first; withdrawn ones too when
    /// `withdrawn`.
    pub async fn reception_days(&self, from: NaiveDate, withdrawn: bool, limit: i64) -> Result<Vec<ReceptionDay>> {
        let only = if withdrawn { "" } else { " AND d.withdrawn_at IS NULL" };
        let rows = sqlx::query(&format!("{DAY_SELECT} WHERE d.on_date >= $1{only} ORDER BY d.on_date, d.id LIMIT $2"))
            .bind(from)
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(read_day).collect()
    }
}
