//! The disputes pages: the ledger (台账) with its filters, registration,
//! and a dispute's page with its parties, clocks, timeline and a form for
//! each step its state allows.

use super::api::{DisputeParams, parse_filter};
use crate::error::AppError;
use crate::extract::PageForm;
use crate::i18n::Tr;
use crate::page::{Layout, PageUser, render, see_other};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xinfang_app::{AppState, disputes, today};
use xinfang_domain::dispute::{
    DisputeCategory, DisputeEvent, DisputeInput, DisputeStatus, MediationKind, PartyInput, PartyKind, PartyRole,
    ReferRoute, Risk, Source, StepKind,
};

type Choices = Vec<(&'static str, &'static str)>;

fn choices<T: Copy>(all: &[T], wire: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Choices {
    all.iter().map(|v| (wire(*v), label(*v))).collect()
}

pub(crate) struct LineView {
    pub(crate) id: i64,
    pub(crate) case_no: String,
    pub(crate) found_on: String,
    pub(crate) category: &'static str,
    pub(crate) place: String,
    pub(crate) summary: String,
    pub(crate) parties: String,
    pub(crate) risk: &'static str,
    pub(crate) status: &'static str,
    pub(crate) unit: String,
    /// 责任领导 (包案).
    pub(crate) leader: String,
    pub(crate) resolve_by: String,
    pub(crate) overdue: bool,
}

#[derive(Template)]
#[template(path = "disputes/list.html")]
pub(crate) struct ListPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) can_work: bool,
    pub(crate) error: Option<String>,
    pub(crate) statuses: Choices,
    pub(crate) risks: Choices,
    pub(crate) categories: Choices,
    pub(crate) status: String,
    pub(crate) risk: String,
    pub(crate) category: String,
    pub(crate) open: bool,
    pub(crate) overdue: bool,
    /// The filters as a query string, for the export link.
    pub(crate) query: String,
    pub(crate) lines: Vec<LineView>,
    /// 共 N 件.
    pub(crate) total: String,
}

/// 矛盾纠纷台账.
pub async fn list(State(st): State<AppState>, pu: PageUser, Query(p): Query<DisputeParams>) -> Response {
    let (lines, total, error) = match parse_filter(&p) {
        Ok(f) => match disputes::list(&st, &pu.user, &f).await {
            Ok((l, t)) => (l, t, None),
            Err(e) => return pu.error(&e.into()),
        },
        Err(e) => (Vec::new(), 0, Some(e.message)),
    };
    let today = today();
    let word = |v: &Option<String>| v.clone().unwrap_or_default();
    render(&ListPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "disputes",
        can_work: pu.user.role.works_petitions(),
        error,
        statuses: choices(DisputeStatus::ALL, DisputeStatus::as_str, DisputeStatus::label),
        risks: choices(Risk::ALL, Risk::as_str, Risk::label),
        categories: choices(DisputeCategory::ALL, DisputeCategory::as_str, DisputeCategory::label),
        status: word(&p.status),
        risk: word(&p.risk),
        category: word(&p.category),
        open: p.open.as_deref() == Some("true"),
        overdue: p.overdue.as_deref() == Some("true"),
        query: query_of(&p),
        lines: lines
            .into_iter()
            .map(|l| {
                let open = matches!(l.status.as_str(), "registered" | "assigned" | "in_mediation");
                LineView {
                    id: l.id,
                    case_no: l.case_no,
                    found_on: l.found_on.to_string(),
                    category: DisputeCategory::parse(&l.category).map_or("", DisputeCategory::label),
                    place: l.place,
                    summary: l.summary.chars().take(60).collect(),
                    parties: l.parties,
                    risk: Risk::parse(&l.risk).map_or("", Risk::label),
                    status: DisputeStatus::parse(&l.status).map_or("", DisputeStatus::label),
                    unit: l.responsible_unit_name.unwrap_or(l.unit_name),
                    leader: l.leader.unwrap_or_default(),
                    resolve_by: l.resolve_by.map(|d| d.to_string()).unwrap_or_default(),
                    overdue: open && l.resolve_by.is_some_and(|d| d < today),
                }
            })
            .collect(),
        total: pu.tr.f("共 {} 件", &[&total]),
    })
}

/// The filters of `p` as a query string (for the export link).
fn query_of(p: &DisputeParams) -> String {
    let pairs = [
        ("status", &p.status),
        ("risk", &p.risk),
        ("category", &p.category),
        ("open", &p.open),
        ("overdue", &p.overdue),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref().filter(|v| !v.is_empty()).map(|v| {
                format!("{k}={}", percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC))
            })
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The registration form as typed (two parties; more through the API).
#[derive(Debug, Default, Deserialize)]
pub struct NewForm {
    pub(crate) csrf: Option<String>,
    #[serde(default)]
    pub(crate) unit: String,
    #[serde(default)]
    pub(crate) source: String,
    /// The petition it is sent from (条例 Art. 33), if any.
    #[serde(default)]
    pub(crate) petition_id: String,
    #[serde(default)]
    pub(crate) found_on: String,
    #[serde(default)]
    pub(crate) category: String,
    #[serde(default)]
    pub(crate) place: String,
    #[serde(default)]
    pub(crate) summary: String,
    #[serde(default)]
    pub(crate) claims: String,
    #[serde(default)]
    pub(crate) risk: String,
    #[serde(default)]
    pub(crate) risk_reason: String,
    #[serde(default)]
    pub(crate) people_involved: String,
    #[serde(default)]
    pub(crate) amount_yuan: String,
    #[serde(default)]
    pub(crate) a_name: String,
    #[serde(default)]
    pub(crate) a_phone: String,
    #[serde(default)]
    pub(crate) a_address: String,
    #[serde(default)]
    pub(crate) b_name: String,
    #[serde(default)]
    pub(crate) b_phone: String,
    #[serde(default)]
    pub(crate) b_address: String,
}

#[derive(Template)]
#[template(path = "disputes/new.html")]
pub(crate) struct NewPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) csrf: String,
    pub(crate) error: Option<String>,
    pub(crate) f: NewForm,
    pub(crate) units: Vec<(String, String)>,
    pub(crate) sources: Choices,
    pub(crate) categories: Choices,
    pub(crate) risks: Choices,
}

fn new_page(st: &AppState, pu: &PageUser, f: NewForm, error: Option<String>) -> NewPage {
    let units = st.cached_units();
    let units = units.all().iter().filter(|u| pu.user.unit.contains(u) && !u.disabled);
    NewPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "disputes",
        csrf: pu.csrf.clone(),
        error,
        units: units.map(|u| (u.code.clone(), u.name.clone())).collect(),
        sources: choices(
            &[Source::Sweep, Source::Application, Source::Referral, Source::Hotline],
            Source::as_str,
            Source::label,
        ),
        categories: choices(DisputeCategory::ALL, DisputeCategory::as_str, DisputeCategory::label),
        risks: choices(Risk::ALL, Risk::as_str, Risk::label),
        f,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewParams {
    petition: Option<i64>,
}

/// The registration form; from a petition (`?petition=ID`, one the user
/// may see), filled in from it: its request and its first petitioner.
pub async fn new_form(State(st): State<AppState>, pu: PageUser, Query(q): Query<NewParams>) -> Response {
    let mut f = NewForm { unit: pu.user.unit.code.clone(), found_on: today().to_string(), ..Default::default() };
    if let Some(id) = q.petition {
        let id = xinfang_store::PetitionId(id);
        let row = match xinfang_app::petitions::load_visible(&st, &pu.user, id).await {
            Ok(r) => r,
            Err(e) => return pu.error(&e.into()),
        };
        let people = st.store.petitioners(id).await.unwrap_or_default();
        f.source = Source::Petition.as_str().into();
        f.petition_id = id.0.to_string();
        f.summary = format!("{}（信访事项 {}）", row.subject, row.case_no);
        f.claims = row.request.clone();
        if let Some(p) = people.first() {
            f.a_name = p.name.clone();
            f.a_address = p.address.clone();
        }
    }
    render(&new_page(&st, &pu, f, None))
}

fn party(role: PartyRole, name: &str, phone: &str, address: &str) -> PartyInput {
    PartyInput {
        role,
        kind: PartyKind::Person,
        name: name.into(),
        address: address.into(),
        phone: Some(phone.to_string()).filter(|p| !p.trim().is_empty()),
        id_number: None,
    }
}

/// The form as the API's input, or what is wrong with its shape.
fn input_of(f: &NewForm) -> Result<DisputeInput, String> {
    let found_on = f.found_on.trim().parse().map_err(|_| "发现（受理）日期格式应为 YYYY-MM-DD".to_string())?;
    let people_involved = match f.people_involved.trim() {
        "" => None,
        s => Some(s.parse().map_err(|_| "涉及人数应为整数".to_string())?),
    };
    let amount_yuan = match f.amount_yuan.trim() {
        "" => None,
        s => Some(s.parse().map_err(|_| "争议金额应为数字（元）".to_string())?),
    };
    let mut parties = vec![party(PartyRole::Applicant, &f.a_name, &f.a_phone, &f.a_address)];
    if !f.b_name.trim().is_empty() {
        parties.push(party(PartyRole::Respondent, &f.b_name, &f.b_phone, &f.b_address));
    }
    let petition_id = match f.petition_id.trim() {
        "" => None,
        s => Some(s.parse().map_err(|_| "信访事项编号有误".to_string())?),
    };
    Ok(DisputeInput {
        unit: f.unit.clone(),
        source: Source::parse(&f.source).ok_or("请选择来源")?,
        petition_id,
        found_on,
        category: DisputeCategory::parse(&f.category).ok_or("请选择纠纷类别")?,
        place: f.place.clone(),
        summary: f.summary.clone(),
        claims: f.claims.clone(),
        parties,
        people_involved,
        amount_yuan,
        risk: Risk::parse(&f.risk).ok_or("请选择风险等级")?,
        risk_reason: f.risk_reason.clone(),
    })
}

pub async fn create(State(st): State<AppState>, pu: PageUser, PageForm(f): PageForm<NewForm>) -> Response {
    if let Some(r) = pu.csrf_rejection(f.csrf.as_deref()) {
        return r;
    }
    let input = match input_of(&f) {
        Ok(i) => i,
        Err(m) => {
            let page = new_page(&st, &pu, f, Some(m));
            return (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
        }
    };
    match disputes::register(&st, &pu.user, &input).await {
        Ok((id, _)) => see_other(&format!("/disputes/{id}")),
        Err(e) => {
            let e = AppError::from(e);
            if e.status == axum::http::StatusCode::FORBIDDEN {
                return pu.error(&e);
            }
            let status = e.status;
            (status, render(&new_page(&st, &pu, f, Some(e.summary(pu.tr))))).into_response()
        }
    }
}

pub(crate) struct StepLine {
    pub(crate) on: String,
    pub(crate) label: &'static str,
    pub(crate) detail: String,
    pub(crate) actor: String,
}

#[derive(Template)]
#[template(path = "disputes/dispute.html")]
pub(crate) struct DisputePage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) csrf: String,
    pub(crate) error: Option<String>,
    pub(crate) d: super::api::DisputeView,
    pub(crate) category: &'static str,
    pub(crate) risk: &'static str,
    pub(crate) source: &'static str,
    pub(crate) steps: Vec<StepLine>,
    /// The steps offered now (the rule is checked again when sent).
    pub(crate) offered: Vec<&'static str>,
    pub(crate) today: String,
    pub(crate) units: Vec<(String, String)>,
    pub(crate) mediation_kinds: Choices,
    pub(crate) routes: Choices,
    /// An agreement was reached: its 调解协议书 can be downloaded.
    pub(crate) has_agreement: bool,
    /// 领导包案, and the page's path for the section's forms.
    pub(crate) own: crate::ownership::Section,
    pub(crate) own_path: &'static str,
    /// May show a party's full numbers (audited).
    pub(crate) can_reveal: bool,
}

/// The steps to offer in `state`: what its status allows.
fn offered(v: &disputes::DisputeView) -> Vec<&'static str> {
    let s = &v.state;
    let agreement_pending = s.agreement.as_ref().is_some_and(|a| a.performed_on.is_none() && a.defaulted_on.is_none());
    match s.status {
        DisputeStatus::Registered => vec!["assign", "refer"],
        DisputeStatus::Assigned => vec!["mediate", "assign", "extend", "resolve", "refer"],
        DisputeStatus::InMediation => {
            let mut o = vec!["session"];
            if agreement_pending {
                o.push("performed");
                o.push("defaulted");
                if s.confirmation.is_none() && s.mediation == Some(MediationKind::People) {
                    o.push("apply_confirmation");
                }
            } else {
                o.push("agreement");
                o.push("mediate");
            }
            match s.confirmation.as_ref() {
                Some(c) if c.accepted_on.is_none() => o.push("court_accepted"),
                Some(c) if c.decided_on.is_none() => o.push("court_decided"),
                _ => {}
            }
            o.extend(["extend", "resolve", "terminate", "refer"]);
            o
        }
        DisputeStatus::Resolved if s.agreement.is_some() => vec!["defaulted", "close"],
        DisputeStatus::Resolved | DisputeStatus::Referred | DisputeStatus::Terminated => vec!["close"],
        DisputeStatus::Closed => Vec::new(),
    }
}

/// A step's detail on the timeline; units by name (`name_of` a code).
fn step_detail(e: &DisputeEvent, name_of: &dyn Fn(&str) -> String) -> String {
    match &e.kind {
        StepKind::Register { unit } => name_of(unit),
        StepKind::Assign { unit, person, resolve_by } => format!("{}，{person}，化解时限 {resolve_by}", name_of(unit)),
        StepKind::Extend { resolve_by, reason } => format!("至 {resolve_by}；{reason}"),
        StepKind::Mediate { kind, mediator } => format!("{}，{mediator}", kind.label()),
        StepKind::Session { place, notes } => format!("{place} {notes}"),
        StepKind::Agreement { written, effective_on, terms, performance_due } => format!(
            "{}，{effective_on} 生效，{performance_due} 前履行；{terms}",
            if *written { "书面协议" } else { "口头协议" }
        ),
        StepKind::Performed { note } => note.clone().unwrap_or_default(),
        StepKind::Defaulted { note } => note.clone(),
        StepKind::ApplyConfirmation { court } => court.clone(),
        StepKind::CourtAccepted {} => String::new(),
        StepKind::CourtDecided { confirmed, ruling_no } => {
            format!("{}，{ruling_no}", if *confirmed { "确认有效" } else { "驳回申请" })
        }
        StepKind::Resolve { how } => how.clone(),
        StepKind::Terminate { reason } => reason.clone(),
        StepKind::Refer { route, note } => format!("{} {note}", route.label()),
        StepKind::Close { note } => note.clone(),
    }
}

pub(crate) async fn dispute_page(
    st: &AppState,
    pu: &PageUser,
    id: i64,
    error: Option<String>,
) -> Result<DisputePage, AppError> {
    let v = disputes::view(st, &pu.user, id).await?;
    let d = super::api::dispute_view(&v)?;
    let index = st.cached_units();
    let name_of = |code: &str| index.code(code).map_or_else(|| code.to_string(), |u| u.name.clone());
    let steps = v
        .events
        .iter()
        .map(|e| {
            let parsed: Option<DisputeEvent> = serde_json::from_str(&e.body).ok();
            StepLine {
                on: e.on.to_string(),
                label: parsed.as_ref().map_or("", |p| p.kind.label()),
                detail: parsed.as_ref().map(|p| step_detail(p, &name_of)).unwrap_or_default(),
                actor: e.actor.clone().unwrap_or_default(),
            }
        })
        .collect();
    let may_act = disputes::writable(st, &pu.user, id).await.is_ok();
    let units = st.cached_units();
    let units = units.all().iter().filter(|u| pu.user.unit.contains(u) && !u.disabled);
    Ok(DisputePage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "disputes",
        csrf: pu.csrf.clone(),
        error,
        category: d.category.label(),
        risk: d.risk.label(),
        source: d.source.label(),
        d,
        steps,
        offered: if may_act { offered(&v) } else { Vec::new() },
        today: today().to_string(),
        units: units.map(|u| (u.code.clone(), u.name.clone())).collect(),
        mediation_kinds: choices(MediationKind::ALL, MediationKind::as_str, MediationKind::label),
        routes: choices(ReferRoute::ALL, ReferRoute::as_str, ReferRoute::label),
        has_agreement: v.state.agreement.is_some(),
        own: crate::ownership::section(
            st,
            pu,
            xinfang_app::subject::Subject { module: xinfang_app::subject::Module::Dispute, id },
        )
        .await,
        own_path: "disputes",
        can_reveal: matches!(
            pu.user.role,
            xinfang_domain::Role::Intake | xinfang_domain::Role::Handler | xinfang_domain::Role::Leader
        ),
    })
}

pub async fn show(State(st): State<AppState>, pu: PageUser, Path(id): Path<i64>) -> Response {
    match dispute_page(&st, &pu, id, None).await {
        Ok(p) => render(&p),
        Err(e) => pu.error(&e),
    }
}
