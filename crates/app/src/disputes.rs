//! The disputes module's commands (矛盾纠纷, issue 27): register a dispute
//! with its parties, record its steps under the domain's rules, read it
//! and the ledger, each held to who may see and who may act.

use crate::crypto::Field;
use crate::error::{Error, Result};
use crate::org::viewer;
use crate::state::AppState;
use crate::subject::{self, Subject};
use crate::today;
use xinfang_domain::Role;
use xinfang_domain::dispute::{DisputeClock, DisputeEvent, DisputeInput, DisputeState, NewDispute, Source, StepKind};
use xinfang_store::{
    DisputeAppend, DisputeFilter, DisputeLine, DisputeRow, EventRecord, EventRow, NewDisputeRecord, PartyRecord,
    StoreError, Unit, User,
};

/// A dispute with what its page shows.
#[derive(Debug)]
pub struct DisputeView {
    pub row: DisputeRow,
    pub parties: Vec<PartyRecord>,
    pub events: Vec<EventRow>,
    pub state: DisputeState,
    pub clocks: Vec<DisputeClock>,
    /// The petition it came from, if the viewer may see it.
    pub petition: Option<xinfang_store::PetitionId>,
}

fn require_worker(user: &User) -> Result<()> {
    if user.role.works_petitions() {
        Ok(())
    } else {
        Err(Error::forbidden(format!("{}只能查看矛盾纠纷", user.role.label())))
    }
}

fn event_record(e: &DisputeEvent, actor: Option<xinfang_store::UserId>) -> Result<EventRecord> {
    Ok(EventRecord {
        kind: e.kind.type_name().into(),
        on: e.on,
        body: serde_json::to_string(e).map_err(|_| Error::Internal)?,
        actor_id: actor,
    })
}

/// The unit of `code` if `user` may place a dispute there: it exists, is
/// not stopped, and is the user's unit or below it.
async fn own_unit(st: &AppState, user: &User, field: &str, code: &str) -> Result<Unit> {
    match st.unit(code.trim()).await? {
        Some(u) if u.disabled => Err(Error::field(field, "unit_stopped", format!("{}已停用", u.name))),
        Some(u) if user.unit.contains(&u) => Ok(u),
        Some(u) => Err(Error::field(field, "outside", format!("{}不在本单位管辖范围内", u.name))),
        None => Err(Error::field(field, "unknown_unit", format!("没有代码为 {} 的单位", code.trim()))),
    }
}

/// Registers a dispute (登记); returns its id and number.
pub async fn register(st: &AppState, user: &User, input: &DisputeInput) -> Result<(i64, String)> {
    require_worker(user)?;
    let nd = NewDispute::parse(input, today()).map_err(Error::Invalid)?;
    let unit = own_unit(st, user, "unit", &input.unit).await?;
    if input.source == Source::Petition
        && let Some(p) = input.petition_id
        && !subject::visible(st, user, Subject::petition(xinfang_store::PetitionId(p))).await?
    {
        return Err(Error::field("petition_id", "unknown_petition", "没有该信访事项，或您无权查看"));
    }
    let mut parties = Vec::with_capacity(nd.parties.len());
    for (i, p) in nd.parties.iter().enumerate() {
        parties.push(PartyRecord {
            seq: i as i64,
            role: p.role.as_str().into(),
            kind: p.kind.as_str().into(),
            name: p.name.clone(),
            address: p.address.clone(),
            phone: p.phone.as_ref().map(|ph| st.keys.sealed(Field::Phone, ph.as_str(), ph.masked())).transpose()?,
            id_number: p
                .id_number
                .as_ref()
                .map(|id| st.keys.sealed(Field::IdNumber, id.as_str(), id.masked()))
                .transpose()?,
        });
    }
    let state = DisputeState::registered(input.found_on);
    let register = DisputeEvent { on: input.found_on, kind: StepKind::Register { unit: unit.code.clone() } };
    let rec = NewDisputeRecord {
        unit_id: unit.id,
        source: input.source.as_str().into(),
        petition_id: input.petition_id.filter(|_| input.source == Source::Petition),
        found_on: input.found_on,
        category: input.category.as_str().into(),
        place: input.place.trim().into(),
        summary: input.summary.trim().into(),
        claims: input.claims.trim().into(),
        people_involved: input.people_involved.map(i64::from),
        amount_fen: nd.amount_fen,
        risk: input.risk.as_str().into(),
        risk_reason: input.risk_reason.trim().into(),
        status: state.status.as_str().into(),
        state: serde_json::to_string(&state).map_err(|_| Error::Internal)?,
        parties,
        event: event_record(&register, Some(user.id))?,
        registered_by: Some(user.id),
    };
    Ok(st.store.insert_dispute(&rec).await?)
}

/// The dispute if `user` may see it; otherwise 404, as if it did not
/// exist.
pub async fn load_visible(st: &AppState, user: &User, id: i64) -> Result<DisputeRow> {
    if !st.store.can_view_dispute(id, &viewer(st, user)).await? {
        return Err(Error::not_found());
    }
    st.store.dispute(id).await?.ok_or_else(Error::not_found)
}

/// The dispute if `user` may act on it: a worker at the unit that handles
/// it now (the responsible unit once assigned, else the registering unit)
/// or above.
pub async fn writable(st: &AppState, user: &User, id: i64) -> Result<DisputeRow> {
    require_worker(user)?;
    let row = load_visible(st, user, id).await?;
    let at = row.responsible_unit.as_ref().unwrap_or(&row.unit);
    if !user.unit.contains(at) {
        return Err(Error::forbidden(format!("该纠纷由{}负责，只有该单位或其上级单位可以办理", at.name)));
    }
    Ok(row)
}

fn state_of(row: &DisputeRow) -> Result<DisputeState> {
    serde_json::from_str(&row.state).map_err(|_| Error::Corrupt(row.case_no.clone()))
}

/// Records a step on dispute `id` for `user`.
pub async fn record_step(st: &AppState, user: &User, id: i64, event: DisputeEvent) -> Result<()> {
    let row = writable(st, user, id).await?;
    if event.on > today() {
        return Err(Error::field("on", "in_future", "日期不能晚于今天"));
    }
    let mut responsible = None;
    match &event.kind {
        StepKind::Assign { unit, .. } => responsible = Some(own_unit(st, user, "unit", unit).await?.id),
        // A leader approves a later deadline (ledgers-spec §2.C).
        StepKind::Extend { .. } if !matches!(user.role, Role::Leader | Role::Admin) => {
            return Err(Error::forbidden("延长化解时限须由单位负责人批准（领导账号记录）"));
        }
        _ => {}
    }
    let mut state = state_of(&row)?;
    state.apply_at(&event, Some(&st.calendar())).map_err(Error::Rule)?;
    let append = DisputeAppend {
        id,
        expected_version: row.version,
        status: state.status.as_str().into(),
        state: serde_json::to_string(&state).map_err(|_| Error::Internal)?,
        resolve_by: state.resolve_by,
        responsible_unit_id: responsible,
        event: event_record(&event, Some(user.id))?,
    };
    match st.store.append_dispute(&append).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(m)) => Err(Error::conflict("version_conflict", m)),
        Err(e) => Err(e.into()),
    }
}

/// A dispute with its parties (masked), steps and clocks, for `user`.
pub async fn view(st: &AppState, user: &User, id: i64) -> Result<DisputeView> {
    let row = load_visible(st, user, id).await?;
    let (parties, events) = tokio::try_join!(st.store.dispute_parties(id), st.store.dispute_events(id))?;
    let state = state_of(&row)?;
    let clocks = state.clocks(&st.calendar());
    let petition = subject::seen(st, user, row.petition_id.map(|p| Subject::petition(xinfang_store::PetitionId(p))))
        .await?
        .map(|s| xinfang_store::PetitionId(s.id));
    Ok(DisputeView { row, parties, events, state, clocks, petition })
}

/// The ledger for `user`: a page of lines and how many there are in all.
pub async fn list(st: &AppState, user: &User, f: &DisputeFilter) -> Result<(Vec<DisputeLine>, i64)> {
    let v = viewer(st, user);
    let (lines, total) = tokio::try_join!(st.store.list_disputes(f, &v), st.store.count_disputes(f, &v))?;
    Ok((lines, total))
}

/// A page of the ledger for `user`, without counting the whole (an
/// export reads it page after page).
pub async fn lines(st: &AppState, user: &User, f: &DisputeFilter) -> Result<Vec<DisputeLine>> {
    Ok(st.store.list_disputes(f, &viewer(st, user)).await?)
}

/// The disputes sent from petition `petition_id` that `user` may see
/// (条例 Art. 33: a petition sent to mediation links both ways).
pub async fn of_petition(st: &AppState, user: &User, petition_id: i64) -> Result<Vec<DisputeLine>> {
    lines(st, user, &DisputeFilter { petition_id: Some(petition_id), limit: 50, ..Default::default() }).await
}

/// The 调解协议书 of dispute `id` as a Word file (人民调解法 Arts. 28–29): the
/// parties, the facts and matters in dispute, the agreed terms, how and by
/// when they are performed, the effect and the confirmation window; lines
/// for the signatures. ID numbers are left to be filled in at signing,
/// never printed from the record. Refused (409) before an agreement.
pub async fn agreement_docx(st: &AppState, user: &User, id: i64) -> Result<(String, Vec<u8>)> {
    use xinfang_domain::dispute::{MediationKind, PartyRole};
    use xinfang_export::docx::{OfficialDoc, official_date, write_docx};
    let v = view(st, user, id).await?;
    let agreement = v.events.iter().rev().find_map(|e| {
        let parsed: DisputeEvent = serde_json::from_str(&e.body).ok()?;
        match parsed.kind {
            StepKind::Agreement { effective_on, terms, performance_due, .. } => {
                Some((effective_on, terms, performance_due))
            }
            _ => None,
        }
    });
    let (Some((effective_on, terms, due)), Some(a)) = (agreement, v.state.agreement.as_ref()) else {
        return Err(Error::conflict("no_agreement", "尚未达成调解协议"));
    };
    let mediator = v.events.iter().rev().find_map(|e| match serde_json::from_str::<DisputeEvent>(&e.body).ok()?.kind {
        StepKind::Mediate { mediator, .. } => Some(mediator),
        _ => None,
    });
    let mut p = vec!["一、当事人基本情况".to_string()];
    for party in &v.parties {
        let role = PartyRole::parse(&party.role).map_or("当事人", PartyRole::label);
        let address = if party.address.is_empty() { "____________".to_string() } else { party.address.clone() };
        p.push(format!(
            "{role}：{}，住址（住所）：{address}，身份证号码（统一社会信用代码）：____________________",
            party.name
        ));
    }
    p.push("二、纠纷主要事实、争议事项及各方责任".into());
    p.push(v.row.summary.clone());
    if !v.row.claims.is_empty() {
        p.push(format!("当事人诉求：{}", v.row.claims));
    }
    p.push("三、经调解，当事人自愿达成如下协议".into());
    p.push(terms);
    p.push(format!("四、履行方式和期限：各方应于{}前按上述约定履行。", official_date(due)));
    p.push("五、本协议经各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效，具有法律约束力，当事人应当按照约定履行（《人民调解法》第二十九条、第三十一条）。本协议一式若干份，当事人各执一份，人民调解委员会留存一份。".into());
    if a.written && v.state.mediation == Some(MediationKind::People) {
        p.push("六、双方当事人认为有必要的，可以自本协议生效之日起三十日内共同向人民法院申请司法确认（《人民调解法》第三十三条）。".into());
    }
    let doc = OfficialDoc {
        title: if v.state.mediation == Some(MediationKind::People) {
            "人民调解协议书"
        } else {
            "调解协议书"
        }
        .into(),
        number: Some(format!("〔{}〕{}号", v.row.found_on.format("%Y"), v.row.case_no)),
        addressee: None,
        paragraphs: p,
        table: vec![
            ("当事人（签名、盖章或按指印）".into(), String::new()),
            ("人民调解员（签名）".into(), String::new()),
            ("记录人（签名）".into(), String::new()),
        ],
        issuer: mediator.unwrap_or_else(|| v.row.unit.name.clone()),
        date: effective_on,
        note: None,
    };
    let bytes = write_docx(&doc).map_err(|_| Error::Internal)?;
    st.store
        .audit(&xinfang_store::AuditEntry {
            user_id: Some(user.id),
            action: "dispute.document".into(),
            object: v.row.case_no.clone(),
            success: true,
            detail: "agreement".into(),
        })
        .await?;
    Ok((v.row.case_no, bytes))
}

/// A party's full numbers (`seq`), for a role whose work needs them (to
/// call the parties, to draw up the agreement); each reveal audited with
/// its purpose, as for petitioners.
pub async fn reveal(
    st: &AppState,
    user: &User,
    id: i64,
    seq: i64,
    purpose: &str,
) -> Result<crate::petitions::FullNumbers> {
    if !matches!(user.role, Role::Intake | Role::Handler | Role::Leader) {
        return Err(Error::forbidden("本角色无权查看完整的身份证号和电话号码"));
    }
    let row = load_visible(st, user, id).await?;
    let p = st.store.dispute_parties(id).await?.into_iter().find(|p| p.seq == seq).ok_or_else(Error::not_found)?;
    st.store
        .audit(&xinfang_store::AuditEntry {
            user_id: Some(user.id),
            action: "pii.reveal".into(),
            object: format!("{}#{}", row.case_no, p.seq),
            success: true,
            detail: purpose.into(),
        })
        .await?;
    Ok(crate::petitions::FullNumbers {
        seq: p.seq,
        name: p.name,
        phone: p.phone.map(|s| st.keys.open(Field::Phone, &s.ciphertext)).transpose()?,
        id_number: p.id_number.map(|s| st.keys.open(Field::IdNumber, &s.ciphertext)).transpose()?,
    })
}
