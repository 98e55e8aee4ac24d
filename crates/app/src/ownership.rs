//! Leaders' case ownership (包案, 条例 Art. 18 ¶2): a leader takes a matter
//! — a petition or a dispute, never a person — with a goal and a target
//! date, and ends it as achieved or released with the outcome. The
//! leader's board lists what they own, overdue first.

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::subject::{self, Module, Subject};
use crate::today;
use chrono::NaiveDate;
use xinfang_domain::Role;
use xinfang_store::{NewOwnership, OwnershipRow, PetitionId, User};

/// The matter's number, once `user` may see it (else 404).
async fn number_of(st: &AppState, user: &User, s: Subject) -> Result<String> {
    if !subject::visible(st, user, s).await? {
        return Err(Error::not_found());
    }
    Ok(match s.module {
        Module::Petition => st.store.petition(PetitionId(s.id)).await?.ok_or_else(Error::not_found)?.case_no,
        Module::Dispute => st.store.dispute(s.id).await?.ok_or_else(Error::not_found)?.case_no,
    })
}

/// A leader takes matter `s` (包案) with `goal` by `target_date`; an
/// administrator may record it for a leader (`leader`, by user name) of
/// their unit or below.
pub async fn take(
    st: &AppState,
    user: &User,
    s: Subject,
    leader: Option<&str>,
    goal: &str,
    target_date: NaiveDate,
) -> Result<i64> {
    let leader = match (user.role, leader.map(str::trim).filter(|l| !l.is_empty())) {
        (Role::Leader, None) => user.clone(),
        (Role::Leader | Role::Admin, Some(name)) => {
            let l = st.store.user_by_username(name).await?.filter(|l| !l.disabled && user.unit.contains(&l.unit));
            match l {
                Some(l) if l.role == Role::Leader => l,
                _ => return Err(Error::field("leader", "not_a_leader", "包案人应为本单位或下级单位的领导账号")),
            }
        }
        _ => return Err(Error::forbidden("包案由领导本人认领，或由系统管理员为领导登记")),
    };
    let goal = goal.trim();
    if goal.is_empty() || goal.chars().count() > 500 {
        return Err(Error::field("goal", "required", "请填写包案目标（不超过 500 字）"));
    }
    if target_date < today() {
        return Err(Error::field("target_date", "in_past", "目标日期不能早于今天"));
    }
    let object = number_of(st, &leader, s)
        .await
        .map_err(|_| Error::field("leader", "cannot_see", "该领导无权查看此事项，不能包案"))?;
    number_of(st, user, s).await?;
    let n = NewOwnership {
        module: s.module.as_str().into(),
        record_id: s.id,
        leader_id: leader.id,
        goal: goal.into(),
        target_date,
        taken_by: Some(user.id),
        object,
    };
    Ok(st.store.take_ownership(&n).await?)
}

/// Ends ownership `id` as achieved (`true`) or released, with the outcome;
/// by the leader who holds it or an administrator above.
pub async fn end(st: &AppState, user: &User, id: i64, achieved: bool, outcome: &str) -> Result<()> {
    let o = st.store.ownership(id).await?.ok_or_else(Error::not_found)?;
    let s = Subject { module: Module::parse(&o.module).ok_or(Error::Internal)?, id: o.record_id };
    number_of(st, user, s).await?;
    if o.leader_id != user.id && user.role != Role::Admin {
        return Err(Error::forbidden("只有包案领导本人或系统管理员可以结束包案"));
    }
    let outcome = outcome.trim();
    if outcome.is_empty() || outcome.chars().count() > 1000 {
        return Err(Error::field("outcome", "required", "请填写结果（不超过 1000 字）"));
    }
    let state = if achieved { "achieved" } else { "released" };
    if st.store.end_ownership(id, state, outcome, Some(user.id)).await? {
        Ok(())
    } else {
        Err(Error::conflict("not_active", "该包案已结束"))
    }
}

/// Matter `s`'s ownerships, if `user` may see the matter.
pub async fn of(st: &AppState, user: &User, s: Subject) -> Result<Vec<OwnershipRow>> {
    if !subject::visible(st, user, s).await? {
        return Ok(Vec::new());
    }
    Ok(st.store.ownerships_of(s.module.as_str(), s.id).await?)
}

/// `user`'s board: the matters they own, overdue first then by target
/// date, and the last ones they ended.
pub async fn board(st: &AppState, user: &User) -> Result<Vec<OwnershipRow>> {
    let mut rows = st.store.ownerships_of_leader(user.id, 50).await?;
    let today = today();
    rows.sort_by_key(|o| (o.state != "active", !(o.state == "active" && o.target_date < today), o.target_date));
    Ok(rows)
}
