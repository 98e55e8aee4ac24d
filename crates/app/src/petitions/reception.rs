//! Leaders' reception days (领导接访日): Art. 18 asks leaders to receive
//! petitioners regularly; the office publishes when, where, who and on what,
//! and the portal shows what is coming. Published by an administrator, a
//! leader or an intake clerk for their unit or one below it; withdrawn, never
//! deleted; each change audited.

use super::*;
use xinfang_domain::petition::text_field;
use xinfang_domain::{Invalid, Role};
use xinfang_store::{NewReceptionDay, ReceptionDay};

/// A reception day as a form or the API gives it.
#[derive(Debug, Clone, Default)]
pub struct ReceptionInput {
    pub unit: String,
    pub on: String,
    pub hours: String,
    pub place: String,
    pub leader: String,
    pub topic: String,
}

fn may_publish(user: &User) -> Result<()> {
    if matches!(user.role, Role::Admin | Role::Leader | Role::Intake) {
        Ok(())
    } else {
        Err(Error::forbidden("只有系统管理员、负责人和登记员可以发布领导接访日"))
    }
}

/// Publishes a reception day; returns its id.
pub async fn publish(st: &AppState, user: &User, input: &ReceptionInput) -> Result<i64> {
    may_publish(user)?;
    let mut errors: Vec<Invalid> = Vec::new();
    let today = today();
    let on = match NaiveDate::parse_from_str(input.on.trim(), "%Y-%m-%d") {
        Ok(d) if d < today => {
            errors.push(Invalid::new("on", "past_date", format!("接访日期不得早于今天（{today}）")));
            None
        }
        Ok(d) if d > today + chrono::Days::new(366) => {
            errors.push(Invalid::new("on", "too_far", "接访日期应在一年以内"));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(Invalid::new("on", "invalid_date", "日期格式应为 YYYY-MM-DD，且须是存在的日期"));
            None
        }
    };
    let hours = text_field(&mut errors, "hours", "接访时间", Some(&input.hours), true, 50);
    let place = text_field(&mut errors, "place", "接访地点", Some(&input.place), true, 100);
    let leader = text_field(&mut errors, "leader", "接访领导", Some(&input.leader), true, 50);
    let topic = text_field(&mut errors, "topic", "接访内容", Some(&input.topic), true, 200);
    let unit = match st.unit(input.unit.trim()).await? {
        Some(u) if u.disabled => {
            errors.push(Invalid::new("unit", "unit_stopped", format!("{}已停用", u.name)));
            None
        }
        Some(u) if !user.unit.contains(&u) => return Err(Error::forbidden("只能为本单位及下级单位发布领导接访日")),
        Some(u) => Some(u),
        None => {
            errors.push(Invalid::new("unit", "unknown_unit", "单位不存在"));
            None
        }
    };
    match (on, unit) {
        (Some(on), Some(unit)) if errors.is_empty() => {
            let day = NewReceptionDay { unit_id: unit.id, on, hours, place, leader, topic };
            Ok(st.store.add_reception_day(&day, Some(user.id)).await?)
        }
        _ => Err(Error::Invalid(errors)),
    }
}

/// Withdraws a published day of the user's unit or one below it.
pub async fn withdraw(st: &AppState, user: &User, id: i64) -> Result<()> {
    may_publish(user)?;
    let day = st.store.reception_day(id).await?.ok_or_else(Error::not_found)?;
    let unit = st.unit(&day.unit_code).await?.ok_or_else(Error::not_found)?;
    if !user.unit.contains(&unit) {
        return Err(Error::forbidden("只能撤回本单位及下级单位发布的领导接访日"));
    }
    if !st.store.withdraw_reception_day(id, Some(user.id)).await? {
        return Err(Error::conflict("already_withdrawn", "该接访日已撤回"));
    }
    Ok(())
}

/// The days to come, soonest first: what the portal shows (`withdrawn`
/// false) and the office's page (true).
pub async fn upcoming(st: &AppState, withdrawn: bool) -> Result<Vec<ReceptionDay>> {
    Ok(st.store.reception_days(today(), withdrawn, 100).await?)
}
