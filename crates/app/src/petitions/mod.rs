//! The petitions module's commands (信访事项): registration ([`register`]),
//! the steps of the procedure ([`steps`]), the petitioner's look-up
//! ([`public`]), search and repeat candidates ([`search`]) and query codes
//! ([`codes`]). Each checks the rule in `domain` and writes in one store
//! transaction; the web handlers and the CLI call these and only these, so
//! no rule is written twice.

pub mod check;
mod codes;
pub mod documents;
pub mod errors;
mod public;
pub mod reception;
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

/// What a ledger line reports of a case beyond its row (issue 25 ¶1): the
/// date it was accepted (受理日期) and closed (办结日期), the result of the
/// latest written answer or of its routing out (处理结果), and the
/// petitioner's latest evaluation (满意度). One place for the page, the
/// exports and the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerFacts {
    pub accepted_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub result: Option<&'static str>,
    pub satisfaction: Option<&'static str>,
}

impl LedgerFacts {
    pub fn of(state: &CaseState) -> Self {
        let answer = [state.recheck.as_ref(), state.review.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|a| a.opinion.as_ref())
            .or(state.opinion.as_ref());
        LedgerFacts {
            accepted_on: state.accepted_on,
            closed_on: state.closed.as_ref().map(|c| c.on),
            result: answer
                .map(|o| o.decision.label())
                .or_else(|| state.declined.map(|r| r.label()))
                .or_else(|| state.closed.as_ref().map(|c| c.reason.label())),
            satisfaction: state.evaluations.last().map(|e| e.value.label()),
        }
    }

    /// From a stored state; a state that does not parse reports nothing
    /// (the ledger still lists the case; `xinfang check` names it).
    pub fn of_stored(state: &str) -> Self {
        serde_json::from_str::<CaseState>(state).map(|s| Self::of(&s)).unwrap_or_default()
    }
}
