//! The commands: check the rule in `domain`, then write in one store
//! transaction. Handlers (the JSON API and the HTML pages) call these and only
//! these, so no rule is written twice.

mod admin;

pub use admin::{UserEdit, add_unit, add_user, update_unit, update_user};

use crate::crypto::Field;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use chrono::{NaiveDate, Utc};
use xinfang_domain::petition::PetitionInput;
use xinfang_domain::petition::procedure::Ctx;
use xinfang_domain::petition::{CaseState, Event, EventKind, NewPetition, PetitionClass, RuleSet};
use xinfang_domain::{Calendar, RuleViolation};
use xinfang_store::{
    AppendEvent, DeadlineUpdate, EventRecord, EventRow, NewPetitionRecord, PetitionRow, PetitionerRecord, Store,
    StoreError, Unit, User, Viewer,
};

/// Today in China Standard Time (UTC+8, no daylight saving).
pub fn today() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// Characters of a query code: no 0/O, 1/I/L, so it survives being read
/// out over the phone.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 12;

/// A new random query code (查询码): 12 characters, about 59 bits.
pub fn new_query_code() -> ApiResult<String> {
    let mut raw = [0u8; CODE_LEN];
    getrandom::getrandom(&mut raw).map_err(|_| AppError::internal())?;
    // 256 is not a multiple of 31; rejecting would be exact, but the bias
    // (under 1%) costs far less than a bit of the 59.
    Ok(raw.iter().map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char).collect())
}

/// A query code as typed: case, spaces and hyphens do not matter.
pub fn normalize_query_code(raw: &str) -> Option<String> {
    let s: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect::<String>().to_ascii_uppercase();
    (s.len() == CODE_LEN && s.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(s)
}

/// Who is asking, for the store's visibility test.
pub fn viewer(st: &AppState, user: &User) -> Viewer {
    let units = st.cached_units();
    let ids = units.subtree_ids(&user.unit);
    let whole_tree = ids.len() >= units.len() && !units.is_empty();
    Viewer { unit_path: user.unit.path.clone(), unit_ids: (!whole_tree).then_some(ids) }
}

fn ctx<'a>(rules: &'a RuleSet, cal: &'a Calendar, higher_unit: Option<&'a str>) -> Ctx<'a> {
    Ctx { today: today(), rules, calendar: cal, higher_unit }
}

/// Art. 30 ¶3: report materials never go to the unit reported on, nor below it.
fn check_not_respondent(target: &Unit, respondent: Option<&Unit>, class: PetitionClass) -> Result<(), RuleViolation> {
    match respondent {
        Some(r) if class == PetitionClass::Report && r.contains(target) => Err(RuleViolation::new(
            "art30_report_to_respondent",
            format!(
                "检举控告材料不得透露或者转给被检举、揭发的单位（《信访工作条例》第三十条第三款）：{} 属于被反映单位 {}",
                target.name, r.name
            ),
        )),
        _ => Ok(()),
    }
}

/// The case state as a stored record: JSON, deadlines, next office due date.
fn project(
    state: &CaseState,
    rules: &RuleSet,
    cal: &Calendar,
) -> ApiResult<(String, Vec<xinfang_domain::Deadline>, Option<NaiveDate>)> {
    let json = serde_json::to_string(state).map_err(|_| AppError::internal())?;
    let (deadlines, next_due) = deadlines_of(state, rules, cal);
    Ok((json, deadlines, next_due))
}

/// A case's deadlines and the next date its office must meet.
fn deadlines_of(
    state: &CaseState,
    rules: &RuleSet,
    cal: &Calendar,
) -> (Vec<xinfang_domain::Deadline>, Option<NaiveDate>) {
    let deadlines = state.deadlines(&ctx(rules, cal, None));
    let next_due = xinfang_domain::Deadline::next_office_due(&deadlines);
    (deadlines, next_due)
}

fn event_record(event: &Event, actor: Option<i64>) -> ApiResult<EventRecord> {
    Ok(EventRecord {
        kind: event.kind.type_name().to_string(),
        on: event.on,
        body: serde_json::to_string(event).map_err(|_| AppError::internal())?,
        actor_id: actor,
    })
}

/// Builds the record of a new petition (encrypting personal numbers) and
/// its state right after registration.
pub fn prepare(
    st: &AppState,
    np: &NewPetition,
    unit: &Unit,
    respondent: Option<&Unit>,
    actor: Option<i64>,
    cal: &Calendar,
) -> ApiResult<(NewPetitionRecord, CaseState)> {
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
        search: search_doc(np),
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

/// All units by code and by id, for building many records at once.
#[derive(Debug, Default)]
pub struct UnitIndex {
    /// Every unit, in tree order (by path).
    all: Vec<Unit>,
    by_code: std::collections::HashMap<String, Unit>,
    by_id: std::collections::HashMap<i64, Unit>,
}

impl UnitIndex {
    pub fn new(units: Vec<Unit>) -> Self {
        let by_id = units.iter().map(|u| (u.id, u.clone())).collect();
        let by_code = units.iter().map(|u| (u.code.clone(), u.clone())).collect();
        UnitIndex { all: units, by_code, by_id }
    }
    pub fn code(&self, code: &str) -> Option<&Unit> {
        self.by_code.get(code)
    }
    pub fn id(&self, id: i64) -> Option<&Unit> {
        self.by_id.get(&id)
    }
    /// Every unit, in tree order.
    pub fn all(&self) -> &[Unit] {
        &self.all
    }
    pub fn len(&self) -> usize {
        self.by_id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
    /// The ids of `unit` and every unit below it (as far as the cache knows).
    pub fn subtree_ids(&self, unit: &Unit) -> Vec<i64> {
        let mut ids: Vec<i64> = self.by_id.values().filter(|u| unit.contains(u)).map(|u| u.id).collect();
        if !ids.contains(&unit.id) {
            ids.push(unit.id);
        }
        ids.sort_unstable();
        ids
    }
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
    actor: Option<i64>,
    cal: &Calendar,
    units: &UnitIndex,
) -> ApiResult<()> {
    let current = units.code(&state.unit).ok_or_else(AppError::internal)?;
    let higher = current.parent_id.and_then(|pid| units.id(pid));
    state.apply(event, &ctx(&st.rules, cal, higher.map(|u| u.code.as_str())))?;
    let now = units.code(&state.unit).ok_or_else(AppError::internal)?;
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
pub fn settle_record(st: &AppState, rec: &mut NewPetitionRecord, state: &CaseState, cal: &Calendar) -> ApiResult<()> {
    let (json, deadlines, next_due) = project(state, &st.rules, cal)?;
    rec.status = state.status.as_str().into();
    rec.state = json;
    rec.deadlines = deadlines;
    rec.next_due = next_due;
    Ok(())
}

/// Registers a petition submitted online by the petitioner (no account):
/// the same checks as a clerk's registration, addressed to any unit, and
/// throttled per client address.
pub async fn register_public(st: &AppState, client: &str, input: &PetitionInput) -> ApiResult<Registered> {
    if let Err(wait) = st.submit_throttle.check(client) {
        return Err(crate::auth::too_many(wait));
    }
    let np = NewPetition::parse(input, today(), &st.rules).map_err(AppError::invalid)?;
    if np.channel != xinfang_domain::petition::Channel::Online
        || np.respondent_unit.is_some()
        || np.collective.is_some()
    {
        return Err(AppError::bad_request("invalid_public_submission", "网上提交只能是个人的网上信访"));
    }
    if np.petitioners.len() != 1 || np.petitioners[0].phone.is_none() {
        return Err(AppError::invalid(vec![xinfang_domain::Invalid::new(
            "petitioners[0].phone",
            "required",
            "请填写联系电话：查询办理进展时需要电话后四位",
        )]));
    }
    let unit = receiving_unit(st, "unit", np.unit.as_str()).await?;
    let new = write_registration(st, &np, unit, None, None).await?;
    // Only stored submissions count against the address: a form sent back
    // with errors costs nothing.
    st.submit_throttle.fail(client);
    Ok(new)
}

/// Records a petitioner's own step (evaluation, review or recheck request)
/// on the case of `code`, after the same code-and-phone check as the
/// look-up.
pub async fn record_public_event(
    st: &AppState,
    client: &str,
    code: &str,
    last4: &str,
    mut event: Event,
) -> ApiResult<()> {
    let row = crate::api::public::find(st, client, code, Some(last4)).await?;
    if !matches!(
        event.kind,
        EventKind::Evaluate { .. } | EventKind::ReviewRequest { .. } | EventKind::RecheckRequest { .. }
    ) {
        return Err(AppError::forbidden("信访人只能评价、申请复查或申请复核"));
    }
    event.validate(today(), &st.rules).map_err(AppError::invalid)?;
    append_checked(st, row.id, event, None, None).await
}

/// The unit of `code` as one that receives a petition (registration,
/// transfer, assignment): it must exist and not be stopped (停用).
async fn receiving_unit(st: &AppState, field: &str, code: &str) -> ApiResult<Unit> {
    match st.unit(code).await? {
        Some(u) if u.disabled => Err(AppError::from(xinfang_domain::Invalid::new(
            field,
            "unit_disabled",
            format!("{}已停用，不能再接收信访事项", u.name),
        ))),
        Some(u) => Ok(u),
        None => {
            Err(AppError::from(xinfang_domain::Invalid::new(field, "unknown_unit", format!("单位代码 {code} 不存在"))))
        }
    }
}

/// Registers a petition (登记) for `user`.
pub async fn register(st: &AppState, user: &User, input: &PetitionInput) -> ApiResult<Registered> {
    require_worker(user)?;
    let np = NewPetition::parse(input, today(), &st.rules).map_err(AppError::invalid)?;
    let unit = receiving_unit(st, "unit", np.unit.as_str()).await?;
    if !user.unit.contains(&unit) {
        return Err(AppError::forbidden("只能登记本单位及下级单位收到的信访事项"));
    }
    let respondent = match &np.respondent_unit {
        Some(code) => Some(st.unit(code.as_str()).await?.ok_or_else(|| {
            AppError::from(xinfang_domain::Invalid::new(
                "respondent_unit",
                "unknown_unit",
                format!("单位代码 {code} 不存在"),
            ))
        })?),
        None => None,
    };
    check_not_respondent(&unit, respondent.as_ref(), np.class)?;
    check_not_respondent(&user.unit, respondent.as_ref(), np.class)?;
    write_registration(st, &np, unit, respondent, Some(user)).await
}

async fn write_registration(
    st: &AppState,
    np: &NewPetition,
    unit: Unit,
    respondent: Option<Unit>,
    user: Option<&User>,
) -> ApiResult<Registered> {
    let cal = st.calendar();
    let (record, _) = prepare(st, np, &unit, respondent.as_ref(), user.map(|u| u.id), &cal)?;
    // The new case as it is written, so the answer needs no read-back: its
    // fields copied before the record goes to the writer (not the whole
    // record: its search document is most of it), its id and number after.
    let now = Utc::now();
    let row = PetitionRow {
        id: 0,
        case_no: String::new(),
        query_code: record.query_code.clone(),
        channel: record.channel.clone(),
        class: record.class.clone(),
        status: record.status.clone(),
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
    };
    let (petitioners, events) = (record.petitioners.clone(), record.events.clone());
    let ids = st.store.insert_petitions(vec![record]).await?;
    let (id, case_no) = ids.into_iter().next().ok_or_else(AppError::internal)?;
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

fn require_worker(user: &User) -> ApiResult<()> {
    if user.role.works_petitions() {
        Ok(())
    } else {
        Err(AppError::forbidden(format!("{}只能查看，不能办理信访事项", user.role.label())))
    }
}

/// Links petition `id` as a repeat (重复信访) of the earlier petition `of`,
/// or unlinks it (`None`). A repeat of a repeat is linked to the first one,
/// so every matter has one original; the case must be at the user's unit.
pub async fn link_repeat(st: &AppState, user: &User, id: i64, of: Option<i64>) -> ApiResult<()> {
    require_worker(user)?;
    let row = load_visible(st, user, id).await?;
    if !user.unit.contains(&row.unit) {
        return Err(AppError::forbidden(format!("该信访事项当前由{}办理，本单位不能办理", row.unit.name)));
    }
    let root = match of {
        None => None,
        Some(of) if of == id => {
            return Err(AppError::from(xinfang_domain::Invalid::new(
                "of",
                "self",
                "不能把信访事项关联为它自己的重复件",
            )));
        }
        Some(of) => {
            let target = load_visible(st, user, of).await.map_err(|_| {
                AppError::from(xinfang_domain::Invalid::new("of", "unknown_petition", "要关联的信访事项不存在"))
            })?;
            let root = target.repeat_of.unwrap_or(target.id);
            if root >= id {
                return Err(AppError::from(xinfang_domain::Invalid::new(
                    "of",
                    "not_earlier",
                    "只能关联到比本件更早登记的信访事项",
                )));
            }
            if !st.store.repeats_of(id, None).await?.is_empty() {
                return Err(AppError::new(
                    axum::http::StatusCode::CONFLICT,
                    "has_repeats",
                    "已有其他信访事项作为本件的重复件关联到本件，不能再把本件关联为重复件",
                ));
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

/// The petition if `user` may see it; otherwise 404, as if it did not exist.
pub async fn load_visible(st: &AppState, user: &User, id: i64) -> ApiResult<PetitionRow> {
    if !st.store.can_view(id, &viewer(st, user)).await? {
        return Err(AppError::not_found());
    }
    st.store.petition(id).await?.ok_or_else(AppError::not_found)
}

pub fn parse_state(row: &PetitionRow) -> ApiResult<CaseState> {
    serde_json::from_str(&row.state).map_err(|e| {
        tracing::error!(petition = row.id, error = %e, "stored case state does not parse");
        AppError::internal()
    })
}

/// Records one step of the procedure on petition `id`.
pub async fn record_event(st: &AppState, user: &User, id: i64, mut event: Event) -> ApiResult<()> {
    require_worker(user)?;
    event.validate(today(), &st.rules).map_err(AppError::invalid)?;
    if !st.store.can_view(id, &viewer(st, user)).await? {
        return Err(AppError::not_found());
    }
    append_checked(st, id, event, Some(user), Some(user.id)).await
}

/// Checks `event` against the case as it is now and appends it. A
/// concurrent step on the same case makes the write fail; the step is then
/// checked again against the new state. With `acting`, the case must be at
/// that user's unit or below.
async fn append_checked(
    st: &AppState,
    id: i64,
    event: Event,
    acting: Option<&User>,
    actor: Option<i64>,
) -> ApiResult<()> {
    for _ in 0..5 {
        let row = st.store.petition(id).await?.ok_or_else(AppError::not_found)?;
        if let Some(user) = acting
            && !user.unit.contains(&row.unit)
        {
            return Err(AppError::forbidden(format!("该信访事项当前由{}办理，本单位不能办理", row.unit.name)));
        }
        let mut state = parse_state(&row)?;
        let mut add_units = Vec::new();
        if let EventKind::Transfer { to, .. } | EventKind::Assign { to, .. } = &event.kind {
            let target = receiving_unit(st, "to", to).await?;
            check_not_respondent(&target, row.respondent_unit.as_ref(), state.class)?;
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
            let u = st.unit(&state.unit).await?.ok_or_else(AppError::internal)?;
            add_units.push(u.id);
            u
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
        };
        match st.store.append_event(append).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::new(axum::http::StatusCode::CONFLICT, "conflict", "该信访事项正被频繁更新，请稍后重试"))
}

/// Recomputes the stored deadlines of every open case against the stored
/// calendar (after a calendar import), then takes away the import's mark
/// ([`Store::stale_deadlines`]): cut short, it is run again at the next
/// opening. The mark is read before the calendar, so that a later import's
/// is left for its own recompute. `progress(updated)` is called per batch.
pub async fn recompute_deadlines(
    store: &Store,
    rules: &RuleSet,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<usize, AppError> {
    let mark = store.stale_deadlines().await?;
    let cal = store.load_calendar().await?;
    let mut after = 0;
    let mut updated = 0;
    loop {
        let cases = store.open_cases(after, 500).await?;
        let Some(last) = cases.last() else { break };
        after = last.id;
        let mut batch = Vec::with_capacity(cases.len());
        for c in &cases {
            let state: CaseState = serde_json::from_str(&c.state).map_err(|_| AppError::internal())?;
            let (deadlines, next_due) = deadlines_of(&state, rules, &cal);
            batch.push(DeadlineUpdate { id: c.id, version: c.version, next_due, deadlines });
        }
        updated += store.update_deadlines(batch).await?;
        progress(updated);
    }
    if let Some(mark) = mark {
        store.deadlines_recomputed(&mark).await?;
    }
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_codes_are_well_formed_and_normalize() {
        let c = new_query_code().unwrap();
        assert_eq!(normalize_query_code(&c).as_deref(), Some(c.as_str()));
        let typed = format!("{}-{} {}", &c[..4], &c[4..8], &c[8..]).to_lowercase();
        assert_eq!(normalize_query_code(&typed), Some(c));
        assert_eq!(normalize_query_code("0000OOOO1111"), None);
        assert_eq!(normalize_query_code("ABC"), None);
    }
}
