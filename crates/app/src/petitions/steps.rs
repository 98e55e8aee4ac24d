//! The steps of the procedure after registration: a clerk's (transfer,
//! accept, extend, opinion …), the petitioner's own (evaluation, review and
//! recheck requests), and linking a repeat petition.

use super::*;
use xinfang_domain::Role;
use xinfang_store::{PetitionId, UserId};

/// Records a petitioner's own step (evaluation, review or recheck request)
/// on the case of `code`, after the same code-and-phone check as the
/// look-up. It is dated by the server's clock (China Standard Time), never
/// by the request: a review asked for today cannot be back-dated into
/// Art. 35's 30 days.
pub async fn record_public_event(st: &AppState, client: &str, code: &str, last4: &str, kind: EventKind) -> Result<()> {
    let row = find(st, client, code, Some(last4)).await?;
    if !matches!(kind, EventKind::Evaluate { .. } | EventKind::ReviewRequest { .. } | EventKind::RecheckRequest { .. })
    {
        return Err(errors::not_a_petitioner_step());
    }
    let today = today();
    let mut event = Event { on: today, kind };
    event.validate(today, &st.rules).map_err(Error::Invalid)?;
    append_checked(st, row.id, event, None, None).await
}

/// Links petition `id` as a repeat (重复信访) of the earlier petition `of`,
/// or unlinks it (`None`). A repeat of a repeat is linked to the first one,
/// so every matter has one original; the case must be at the user's unit.
pub async fn link_repeat(st: &AppState, user: &User, id: PetitionId, of: Option<PetitionId>) -> Result<()> {
    require_worker(user)?;
    let row = load_visible(st, user, id).await?;
    if !user.unit.contains(&row.unit) {
        return Err(errors::handled_elsewhere(&row.unit));
    }
    let root = match of {
        None => None,
        Some(of) if of == id => {
            return Err(errors::repeat_of_itself());
        }
        Some(of) => {
            if !st.store.can_view(of, &viewer(st, user)).await? {
                return Err(errors::repeat_of_unknown());
            }
            // Read as stored: its own link may name the first petition of
            // the matter, one this user does not see (the link is then
            // stored but not shown to them).
            let target = st.store.petition(of).await?.ok_or_else(errors::repeat_of_unknown)?;
            let root = target.repeat_of.unwrap_or(target.id);
            if root >= id {
                return Err(errors::repeat_of_later());
            }
            if !st.store.repeats_of(id, None).await?.is_empty() {
                return Err(errors::has_repeats());
            }
            Some(root)
        }
    };
    if row.repeat_of == root {
        return Ok(());
    }
    st.store.set_repeat_of(id, row.version, root, Some(user.id)).await?;
    Ok(())
}

/// The links of case `id` as a repeat, and unlinks, that `user` may be
/// shown: a link to a petition they may not see (a report on their own
/// unit, Art. 30 ¶3) is left out, with the unlink that ended it, so the
/// timeline reads as if it had never been.
pub async fn repeat_links(st: &AppState, user: &User, id: PetitionId) -> Result<Vec<xinfang_store::RepeatLink>> {
    let mut shown = Vec::new();
    let mut hidden = false;
    for l in st.store.repeat_links(id).await? {
        match l.of_id {
            Some(of) => {
                hidden = !subject::visible(st, user, Subject::petition(of)).await?;
                if !hidden {
                    shown.push(l);
                }
            }
            // A link whose original is gone, or an unlink.
            None if l.of.is_some() => hidden = true,
            None if hidden => hidden = false,
            None => shown.push(l),
        }
    }
    Ok(shown)
}

/// Whether `user` may record the step `step` on a case that `unit` has now
/// (issue 25 ¶5), one rule for the API and the page's buttons:
///
/// - an objection to a transfer or assignment (Art. 23 ¶3) only by the
///   unit that received it, never by the one that sent it nor one above;
/// - an extension (Art. 34) asked for at the unit that handles the case,
///   and approved only by a leader (负责人) of that unit;
/// - every other step by the unit that has the case or a unit above it.
///
/// Supervisors and auditors record nothing. The procedure then decides
/// whether the step is allowed now ([`CaseState::apply`]).
pub fn may_record(user: &User, unit: &Unit, step: &str) -> Result<()> {
    require_worker(user)?;
    let own_unit = user.unit.id == unit.id;
    match step {
        "objection" if !own_unit => Err(errors::objection_by_receiver(unit)),
        "extend_request" if !own_unit => Err(errors::extension_at_the_unit(unit)),
        "extend" if !own_unit || user.role != Role::Leader => Err(errors::extension_by_a_leader(unit)),
        _ if !user.unit.contains(unit) => Err(errors::handled_elsewhere(unit)),
        _ => Ok(()),
    }
}

/// The user named as the handler (承办人) of a case at `unit`: an active
/// account of that unit whose role handles petitions.
async fn handler_at(st: &AppState, username: &str, unit: &Unit) -> Result<User> {
    match st.store.user_by_username(username).await? {
        Some(u) if !u.disabled && u.unit.id == unit.id && u.role.works_petitions() => Ok(u),
        _ => Err(errors::not_a_handler_of(unit, username)),
    }
}

/// Records one step of the procedure on petition `id`.
pub async fn record_event(st: &AppState, user: &User, id: PetitionId, mut event: Event) -> Result<()> {
    require_worker(user)?;
    event.validate(today(), &st.rules).map_err(Error::Invalid)?;
    if !st.store.can_view(id, &viewer(st, user)).await? {
        return Err(Error::not_found());
    }
    append_checked(st, id, event, Some(user), Some(user.id)).await
}

/// Checks `event` against the case as it is now and appends it. A
/// concurrent step on the same case makes the write fail; the step is then
/// checked again against the new state. With `acting`, the case must be at
/// that user's unit or below.
async fn append_checked(
    st: &AppState,
    id: PetitionId,
    event: Event,
    acting: Option<&User>,
    actor: Option<UserId>,
) -> Result<()> {
    for _ in 0..5 {
        let row = st.store.petition(id).await?.ok_or_else(Error::not_found)?;
        if let Some(user) = acting {
            may_record(user, &row.unit, event.kind.type_name())?;
        }
        let mut state = parse_state(&row)?;
        let mut add_units = Vec::new();
        if let EventKind::Transfer { to, .. } | EventKind::Assign { to, .. } = &event.kind {
            let target = receiving_unit(st, "to", to).await?;
            check_not_respondent(state.class, target.place(), row.respondent_unit.as_ref().map(Unit::place))?;
        }
        let higher = match row.unit.parent_id {
            Some(pid) => st.unit_by_id(pid).await?,
            None => None,
        };
        let cal = st.calendar();
        state.apply(&event, &ctx(&st.rules, &cal, higher.as_ref().map(|u| u.code.as_str())))?;
        let unit_now = if state.unit == row.unit.code {
            row.unit.clone()
        } else {
            let u = st.unit(&state.unit).await?.ok_or(Error::Internal)?;
            add_units.push(u.id);
            u
        };
        // The handler (承办人): one named now must be of the unit that has
        // the case; one named before stays while the case stays there.
        let handler_id = match (&event.kind, state.handler()) {
            (EventKind::AssignHandler { user }, _) => Some(handler_at(st, user, &unit_now).await?.id),
            (_, Some(_)) => row.handler.as_ref().map(|h| h.id),
            (_, None) => None,
        };
        let (json, deadlines, next_due) = project(&state, &st.rules, &cal)?;
        let append = AppendEvent {
            petition_id: id,
            expected_version: row.version,
            status: state.status.as_str().into(),
            unit_id: unit_now.id,
            state: json,
            next_due,
            deadlines,
            event: event_record(&event, actor)?,
            add_unit_ids: add_units,
            handler_id,
            notice: crate::notices::step_notice(st, event.kind.type_name(), None),
        };
        match st.store.append_event(append).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(errors::too_busy())
}

/// A petitioner's full numbers, shown to a role whose work needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullNumbers {
    pub seq: i64,
    pub name: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

/// The full ID and phone numbers of petitioner `seq` of petition `id` (all
/// of them with `None`, for the printed form), for an intake clerk, a
/// handler or a leader who may see the case. Each petitioner revealed is a
/// line of the audit log, written before anything is decrypted; `purpose`
/// goes in its detail (`page`, `print`, `api`).
pub async fn reveal(
    st: &AppState,
    user: &User,
    id: PetitionId,
    seq: Option<i64>,
    purpose: &str,
) -> Result<Vec<FullNumbers>> {
    if !matches!(user.role, Role::Intake | Role::Handler | Role::Leader) {
        return Err(Error::forbidden("本角色无权查看完整的身份证号和电话号码"));
    }
    let row = load_visible(st, user, id).await?;
    let people: Vec<PetitionerRecord> =
        st.store.petitioners(row.id).await?.into_iter().filter(|p| seq.is_none_or(|s| p.seq == s)).collect();
    if people.is_empty() {
        return Err(Error::not_found());
    }
    for p in &people {
        st.store
            .audit(&xinfang_store::AuditEntry {
                user_id: Some(user.id),
                action: "pii.reveal".into(),
                object: format!("{}#{}", row.case_no, p.seq),
                success: true,
                detail: purpose.into(),
            })
            .await?;
    }
    people
        .iter()
        .map(|p| {
            Ok(FullNumbers {
                seq: p.seq,
                name: p.name.clone(),
                phone: p.phone.as_ref().map(|s| st.keys.open(Field::Phone, &s.ciphertext)).transpose()?,
                id_number: p.id_number.as_ref().map(|s| st.keys.open(Field::IdNumber, &s.ciphertext)).transpose()?,
            })
        })
        .collect()
}
