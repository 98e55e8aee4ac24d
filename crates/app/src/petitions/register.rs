//! Registering a petition (登记, Arts. 19–23): by a clerk, online by the
//! petitioner, or in bulk (imports, the demo), which builds each record with
//! its later events before writing it.

use super::*;
use xinfang_store::{PetitionId, UserId};

/// Builds the record of a new petition (encrypting personal numbers) and
/// its state right after registration.
pub fn prepare(
    st: &AppState,
    np: &NewPetition,
    unit: &Unit,
    respondent: Option<&Unit>,
    problem: Option<&Unit>,
    actor: Option<UserId>,
    cal: &Calendar,
) -> Result<(NewPetitionRecord, CaseState)> {
    let state = CaseState::registered(np.class, &unit.code, np.received_on);
    let register = Event { on: np.received_on, kind: EventKind::Register { unit: unit.code.clone() } };
    let mut petitioners = Vec::with_capacity(np.petitioners.len());
    for (i, p) in np.petitioners.iter().enumerate() {
        petitioners.push(PetitionerRecord {
            seq: i as i64,
            name: p.name.clone(),
            address: p.address.clone(),
            phone: p.phone.as_ref().map(|ph| st.keys.sealed(Field::Phone, ph.as_str(), ph.masked())).transpose()?,
            id_number: p
                .id_number
                .as_ref()
                .map(|id| st.keys.sealed(Field::IdNumber, id.as_str(), id.masked()))
                .transpose()?,
            representative: p.representative,
        });
    }
    let mut record = NewPetitionRecord {
        query_code: new_query_code()?,
        channel: np.channel.as_str().into(),
        class: np.class.as_str().into(),
        status: String::new(),
        unit_id: unit.id,
        registered_unit_id: unit.id,
        respondent_unit_id: respondent.map(|r| r.id),
        received_on: np.received_on,
        subject: np.subject.clone(),
        request: np.request.clone(),
        facts: np.facts.clone(),
        reasons: np.reasons.clone(),
        collective_persons: np.collective.as_ref().map(|c| i64::from(c.persons)),
        state: String::new(),
        next_due: None,
        deadlines: Vec::new(),
        petitioners,
        events: vec![event_record(&register, actor)?],
        unit_ids: vec![unit.id],
        registered_by: actor,
        content_category: np.content_category.clone(),
        problem_unit_id: problem.map(|u| u.id),
        handler_id: None,
        search: search_doc(np),
        attachments: Vec::new(),
        notice: None,
    };
    settle_record(st, &mut record, &state, cal)?;
    Ok((record, state))
}

/// The search rows of a new petition: its text, and its petitioners' names
/// and addresses (never their numbers).
fn search_doc(np: &NewPetition) -> xinfang_text::SearchDoc {
    let people: Vec<String> = np.petitioners.iter().map(|p| format!("{} {}", p.name, p.address)).collect();
    let people: Vec<&str> = people.iter().map(String::as_str).collect();
    xinfang_text::SearchDoc::new(&[&np.subject, &np.request, &np.facts, &np.reasons], &people)
}

/// Applies a further event to a record being built (imports, the demo): its
/// unit, the units that see it, its events. A refused event changes nothing.
/// Its status, state and deadlines follow once, with [`settle_record`],
/// after the last event: working them out after every event was a sixth of
/// the demo generator's time.
pub fn apply_to_record(
    st: &AppState,
    rec: &mut NewPetitionRecord,
    state: &mut CaseState,
    event: &Event,
    actor: Option<UserId>,
    cal: &Calendar,
    units: &UnitIndex,
) -> Result<()> {
    let current = units.code(&state.unit).ok_or(Error::Internal)?;
    let higher = current.parent_id.and_then(|pid| units.id(pid));
    state.apply(event, &ctx(&st.rules, cal, higher.map(|u| u.code.as_str())))?;
    let now = units.code(&state.unit).ok_or(Error::Internal)?;
    rec.unit_id = now.id;
    if !rec.unit_ids.contains(&now.id) {
        rec.unit_ids.push(now.id);
    }
    rec.events.push(event_record(event, actor)?);
    Ok(())
}

/// Brings a record's status, state, deadlines and next office deadline up
/// to date with `state`: when it is prepared, and after the last event of
/// one being built ([`apply_to_record`]).
pub fn settle_record(st: &AppState, rec: &mut NewPetitionRecord, state: &CaseState, cal: &Calendar) -> Result<()> {
    let (json, deadlines, next_due) = project(state, &st.rules, cal)?;
    rec.status = state.status.as_str().into();
    rec.state = json;
    rec.deadlines = deadlines;
    rec.next_due = next_due;
    Ok(())
}

/// Registers a petition submitted online by the petitioner (no account):
/// the same checks as a clerk's registration, addressed to any unit, and
/// throttled per client address. It is received today by the server's
/// clock (China Standard Time): whatever date the request names is not
/// used, so no submission starts already overdue or in an old year.
///
/// Files sent with it (`files`: name, bytes) are checked against the
/// portal's limits and written in the registration's own transaction:
/// the petition is stored with all of them or not at all.
pub async fn register_public(
    st: &AppState,
    client: &str,
    input: &PetitionInput,
    files: &[(String, Vec<u8>)],
) -> Result<Registered> {
    if let Err(wait) = st.submit_throttle.check(&st.store, client).await? {
        return Err(Error::TooMany { wait_secs: wait });
    }
    let today = today();
    let dated = PetitionInput { received_on: today.to_string(), ..input.clone() };
    let np = NewPetition::parse(&dated, today, &st.rules).map_err(Error::Invalid)?;
    if np.channel != xinfang_domain::petition::Channel::Online
        || np.respondent_unit.is_some()
        || np.collective.is_some()
    {
        return Err(errors::not_an_online_submission());
    }
    if np.petitioners.len() != 1 || np.petitioners[0].phone.is_none() {
        return Err(errors::phone_required());
    }
    let unit = receiving_unit(st, "unit", np.unit.as_str()).await?;
    let mut files = match files.is_empty() {
        true => Vec::new(),
        false => crate::attachments::prepare(files, 0, 0, st.options.attachments.portal)?,
    };
    crate::attachments::place(st, &mut files).await?;
    let new = write_registration(st, &np, unit, None, None, files).await?;
    // Only stored submissions count against the address: a form sent back
    // with errors costs nothing.
    st.submit_throttle.fail(&st.store, client).await?;
    Ok(new)
}

/// The unit of `code` as one that receives a petition (registration,
/// transfer, assignment): it must exist and not be stopped (停用).
pub(super) async fn receiving_unit(st: &AppState, field: &str, code: &str) -> Result<Unit> {
    match st.unit(code).await? {
        Some(u) if u.disabled => Err(errors::unit_stopped(field, &u)),
        Some(u) => Ok(u),
        None => Err(errors::unknown_unit(field, code)),
    }
}

/// Registers a petition (登记) for `user`.
pub async fn register(st: &AppState, user: &User, input: &PetitionInput) -> Result<Registered> {
    require_worker(user)?;
    let np = NewPetition::parse(input, today(), &st.rules).map_err(Error::Invalid)?;
    let unit = receiving_unit(st, "unit", np.unit.as_str()).await?;
    if !user.unit.contains(&unit) {
        return Err(errors::registered_outside());
    }
    let respondent = match &np.respondent_unit {
        Some(code) => {
            Some(st.unit(code.as_str()).await?.ok_or_else(|| errors::unknown_unit("respondent_unit", code.as_str()))?)
        }
        None => None,
    };
    check_not_respondent(np.class, unit.place(), respondent.as_ref().map(Unit::place))?;
    check_not_respondent(np.class, user.unit.place(), respondent.as_ref().map(Unit::place))?;
    write_registration(st, &np, unit, respondent, Some(user), Vec::new()).await
}

async fn write_registration(
    st: &AppState,
    np: &NewPetition,
    unit: Unit,
    respondent: Option<Unit>,
    user: Option<&User>,
    attachments: Vec<xinfang_store::NewAttachment>,
) -> Result<Registered> {
    let problem = match &np.problem_unit {
        Some(code) => {
            Some(st.unit(code.as_str()).await?.ok_or_else(|| errors::unknown_unit("problem_unit", code.as_str()))?)
        }
        None => None,
    };
    let cal = st.calendar();
    let (mut record, state) = prepare(st, np, &unit, respondent.as_ref(), problem.as_ref(), user.map(|u| u.id), &cal)?;
    record.attachments = attachments;
    // The petitioner is told the case number and the query code (an
    // import or the demo's data, which go through `prepare` alone, are not).
    record.notice = crate::notices::step_notice(st, "register", Some(&record.query_code));
    // The new case as it is written, so the answer needs no read-back: its
    // fields copied before the record goes to the writer (not the whole
    // record: its search document is most of it), its id and number after.
    let now = Utc::now();
    let row = PetitionRow {
        id: PetitionId::default(),
        case_no: String::new(),
        query_code: record.query_code.clone(),
        channel: np.channel,
        class: np.class,
        status: state.status,
        unit: unit.clone(),
        registered_unit: unit,
        respondent_unit: respondent,
        received_on: record.received_on,
        subject: record.subject.clone(),
        request: record.request.clone(),
        facts: record.facts.clone(),
        reasons: record.reasons.clone(),
        collective_persons: record.collective_persons,
        state: record.state.clone(),
        next_due: record.next_due,
        version: 1,
        created_at: now,
        updated_at: now,
        repeat_of: None,
        content_category: record.content_category.clone(),
        problem_unit: problem,
        handler: None,
    };
    let (petitioners, events) = (record.petitioners.clone(), record.events.clone());
    let ids = st.store.insert_petitions(vec![record]).await?;
    let xinfang_store::Stored { id, case_no } = ids.into_iter().next().ok_or(Error::Internal)?;
    let row = PetitionRow { id, case_no, ..row };
    let actor = user.map(|u| u.display_name.clone());
    let events = events
        .into_iter()
        .enumerate()
        .map(|(i, e)| EventRow {
            seq: i as i64 + 1,
            kind: e.kind,
            on: e.on,
            body: e.body,
            actor: actor.clone(),
            recorded_at: now,
        })
        .collect();
    Ok(Registered { row, petitioners, events })
}

/// A petition just registered, with what its page shows.
#[derive(Debug)]
pub struct Registered {
    pub row: PetitionRow,
    pub petitioners: Vec<PetitionerRecord>,
    pub events: Vec<xinfang_store::EventRow>,
}
