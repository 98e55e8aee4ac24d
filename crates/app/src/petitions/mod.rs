//! The petitions module's commands (信访事项): registration ([`register`]),
//! the steps of the procedure ([`steps`]), the petitioner's look-up
//! ([`public`]), search and repeat candidates ([`search`]) and query codes
//! ([`codes`]). Each checks the rule in `domain` and writes in one store
//! transaction; the web handlers and the CLI call these and only these, so
//! no rule is written twice.

pub mod check;
mod codes;
pub mod errors;
mod public;
mod register;
pub mod search;
mod steps;

pub use codes::*;
pub use public::*;
pub use register::*;
pub use steps::*;

use crate::crypto::Field;
use crate::error::{Error, Result};
use crate::org::{UnitIndex, viewer};
use crate::state::AppState;
use crate::subject::{self, Subject};
use crate::today;
use chrono::{NaiveDate, Utc};
use xinfang_domain::Calendar;
use xinfang_domain::petition::procedure::Ctx;
use xinfang_domain::petition::{
    CaseState, Event, EventKind, NewPetition, PetitionInput, RuleSet, check_not_respondent,
};
use xinfang_store::{
    AppendEvent, EventRecord, EventRow, NewPetitionRecord, PetitionRow, PetitionerRecord, StoreError, Unit, User,
};
use xinfang_store::{PetitionId, UserId};

fn ctx<'a>(rules: &'a RuleSet, cal: &'a Calendar, higher_unit: Option<&'a str>) -> Ctx<'a> {
    Ctx { today: today(), rules, calendar: cal, higher_unit }
}

/// The case state as a stored record: JSON, deadlines, next office due date.
fn project(
    state: &CaseState,
    rules: &RuleSet,
    cal: &Calendar,
) -> Result<(String, Vec<xinfang_domain::Deadline>, Option<NaiveDate>)> {
    let json = serde_json::to_string(state).map_err(|_| Error::Internal)?;
    let (deadlines, next_due) = deadlines_of(state, rules, cal);
    Ok((json, deadlines, next_due))
}

/// A case's deadlines and the next date its office must meet.
pub(crate) fn deadlines_of(
    state: &CaseState,
    rules: &RuleSet,
    cal: &Calendar,
) -> (Vec<xinfang_domain::Deadline>, Option<NaiveDate>) {
    let deadlines = state.deadlines(&ctx(rules, cal, None));
    let next_due = xinfang_domain::Deadline::next_office_due(&deadlines);
    (deadlines, next_due)
}

fn event_record(event: &Event, actor: Option<UserId>) -> Result<EventRecord> {
    Ok(EventRecord {
        kind: event.kind.type_name().to_string(),
        on: event.on,
        body: serde_json::to_string(event).map_err(|_| Error::Internal)?,
        actor_id: actor,
    })
}

fn require_worker(user: &User) -> Result<()> {
    if user.role.works_petitions() { Ok(()) } else { Err(errors::read_only(user.role)) }
}

/// The petition if `user` may see it; otherwise 404, as if it did not
/// exist. What it refers to is held to the same rule: a link to a petition
/// the user may not see (a report on their own unit, Art. 30 ¶3; a case
/// outside their jurisdiction) reads as no link.
pub async fn load_visible(st: &AppState, user: &User, id: PetitionId) -> Result<PetitionRow> {
    if !st.store.can_view(id, &viewer(st, user)).await? {
        return Err(Error::not_found());
    }
    let mut row = st.store.petition(id).await?.ok_or_else(Error::not_found)?;
    let original = subject::seen(st, user, row.repeat_of.map(Subject::petition)).await?;
    row.repeat_of = original.map(|s| PetitionId(s.id));
    Ok(row)
}

pub fn parse_state(row: &PetitionRow) -> Result<CaseState> {
    read_state(&row.case_no, &row.state)
}

/// A stored case state, read back; one that does not parse is reported by
/// case number (and in the log), never as a bare internal error.
pub fn read_state(case_no: &str, state: &str) -> Result<CaseState> {
    serde_json::from_str(state).map_err(|e| {
        tracing::error!(case_no, error = %e, "stored case state does not parse");
        Error::Corrupt(format!("{case_no} 的办理状态"))
    })
}
