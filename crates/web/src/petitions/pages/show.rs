//! The petition page: facts, timeline, every deadline with its explanation,
//! repeat candidates, and only the steps the procedure allows now; and the
//! A4 registration form to print.

use crate::error::AppError;
use crate::i18n::Tr;
use crate::page::Options;
use crate::page::{Layout, PageUser, options, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use xinfang_app::petitions::FullNumbers;
use xinfang_app::{AppState, petitions, today};
use xinfang_domain::petition::procedure::Ctx;
use xinfang_domain::petition::{CloseReason, Decision, DeclineRoute, Evaluation, Event};
use xinfang_store::{PetitionId, PetitionRow, Unit};

pub(crate) struct PersonView {
    pub(crate) seq: i64,
    /// Shown in full (revealed, audited) rather than masked.
    pub(crate) revealed: bool,
    pub(crate) name: String,
    pub(crate) address: String,
    pub(crate) phone: String,
    pub(crate) id_number: String,
    pub(crate) rep: bool,
}

pub(crate) struct DeadlineView {
    pub(crate) label: &'static str,
    pub(crate) due: NaiveDate,
    /// A duty of the office (else a window: the petitioner's, or an
    /// objection's).
    pub(crate) duty: bool,
    pub(crate) overdue: bool,
    /// A window whose last day has gone by.
    pub(crate) passed: bool,
    pub(crate) provisional: bool,
    pub(crate) paused: bool,
    pub(crate) explanation: String,
}

pub(crate) struct TimelineView {
    pub(crate) on: NaiveDate,
    pub(crate) label: &'static str,
    pub(crate) detail: String,
    pub(crate) actor: String,
}

pub(crate) struct PetitionView {
    pub(crate) id: i64,
    pub(crate) case_no: String,
    pub(crate) query_code: String,
    pub(crate) subject: String,
    pub(crate) status: &'static str,
    pub(crate) unit: String,
    pub(crate) registered_unit: String,
    pub(crate) respondent: Option<String>,
    pub(crate) received_on: NaiveDate,
    pub(crate) channel: &'static str,
    pub(crate) class: &'static str,
    pub(crate) persons: Option<i64>,
    pub(crate) request: String,
    pub(crate) facts: String,
    pub(crate) reasons: String,
    pub(crate) category: String,
    pub(crate) problem_unit: Option<String>,
    pub(crate) handler: Option<String>,
    /// The notices the case has reached: (file, title).
    pub(crate) documents: Vec<(&'static str, &'static str)>,
    pub(crate) people: Vec<PersonView>,
    pub(crate) deadlines: Vec<DeadlineView>,
    /// The office's deadlines met: (label, due, done on, late days).
    pub(crate) met: Vec<(&'static str, NaiveDate, NaiveDate, i64)>,
    pub(crate) timeline: Vec<TimelineView>,
}

/// What a step says in the timeline, beyond its name.
pub(crate) fn event_detail(
    e: &Event,
    units: &[Unit],
    handler_names: &std::collections::HashMap<String, String>,
    tr: Tr,
) -> String {
    use xinfang_domain::petition::EventKind as K;
    let unit_name =
        |code: &str| units.iter().find(|u| u.code == code).map(|u| u.name.clone()).unwrap_or_else(|| code.to_string());
    match &e.kind {
        K::Register { unit } => unit_name(unit),
        K::Transfer { to, .. } => unit_name(to),
        K::Assign { to, due, .. } => tr.f("{}，限 {} 前办结", &[&unit_name(to), due]),
        K::Decline { route, reason } => format!("{}；{reason}", tr.t(route.label())),
        K::Objection { reason } => reason.clone(),
        K::AssignHandler { user } => handler_names.get(user.as_str()).cloned().unwrap_or_else(|| user.clone()),
        K::ExtendRequest { days, reason } => tr.f("申请延长 {} 日；{}", &[days, reason]),
        // Before requests existed the step named its days and approver.
        K::Extend { days: Some(days), approver, reason } => tr.f(
            "延长 {} 日，{} 批准；{}",
            &[days, &approver.clone().unwrap_or_default(), &reason.clone().unwrap_or_default()],
        ),
        K::Opinion { decision, basis }
        | K::ReviewOpinion { decision, basis }
        | K::RecheckOpinion { decision, basis } => {
            format!("{}；{basis}", tr.t(decision.label()))
        }
        K::Serve { method } => method.clone().unwrap_or_default(),
        K::Close { reason, .. } => reason.map(|r| tr.t(r.label()).to_string()).unwrap_or_default(),
        K::Evaluate { value, comment } => {
            format!("{}{}", tr.t(value.label()), comment.as_ref().map(|c| format!("；{c}")).unwrap_or_default())
        }
        _ => String::new(),
    }
}

/// The steps of the case, with each link as a repeat (and unlink) and each
/// message to the petitioner placed after the steps of its day (issue 25
/// ¶9, issue 26 ¶2).
fn timeline(
    events: &[xinfang_store::EventRow],
    links: &[xinfang_store::RepeatLink],
    messages: Vec<(NaiveDate, &'static str, String)>,
    units: &[Unit],
    names: &std::collections::HashMap<String, String>,
    tr: Tr,
) -> Vec<TimelineView> {
    let mut out: Vec<TimelineView> = events
        .iter()
        .map(|e| {
            let parsed: Option<Event> = serde_json::from_str(&e.body).ok();
            TimelineView {
                on: e.on,
                label: parsed.as_ref().map(|p| p.kind.label()).unwrap_or(""),
                detail: parsed.as_ref().map(|p| event_detail(p, units, names, tr)).unwrap_or_default(),
                actor: e.actor.clone().unwrap_or_default(),
            }
        })
        .collect();
    for l in links {
        let on = xinfang_app::china_date(l.recorded_at);
        let at = out.iter().position(|t| t.on > on).unwrap_or(out.len());
        let (label, detail) = match &l.of {
            Some(of) => ("关联为重复信访", tr.f("原件 {}", &[of])),
            None => ("取消重复信访关联", String::new()),
        };
        out.insert(at, TimelineView { on, label, detail, actor: l.actor.clone().unwrap_or_default() });
    }
    for (on, label, detail) in messages {
        let at = out.iter().position(|t| t.on > on).unwrap_or(out.len());
        out.insert(at, TimelineView { on, label, detail, actor: String::new() });
    }
    out
}

pub(crate) async fn petition_view(
    st: &AppState,
    user: &xinfang_store::User,
    row: &PetitionRow,
    tr: Tr,
) -> Result<(PetitionView, xinfang_domain::petition::CaseState), AppError> {
    let state = petitions::parse_state(row)?;
    let (people, events) = tokio::try_join!(st.store.petitioners(row.id), st.store.events(row.id))?;
    let (links, messages) =
        tokio::try_join!(async { petitions::repeat_links(st, user, row.id).await.map_err(AppError::from) }, async {
            st.store.petition_messages(row.id).await.map_err(AppError::from)
        })?;
    let units = st.cached_units();
    let units = units.all();
    let cal = st.calendar();
    let today = today();
    let ctx = Ctx { today, rules: &st.rules, calendar: &cal, higher_unit: None };
    // The names of the handlers the timeline names by username.
    let names: std::collections::HashMap<String, String> = if events.iter().any(|e| e.kind == "assign_handler") {
        st.store.users().await?.into_iter().map(|u| (u.username, u.display_name)).collect()
    } else {
        Default::default()
    };
    let view = PetitionView {
        id: row.id.0,
        case_no: row.case_no.clone(),
        query_code: row.query_code.clone(),
        subject: row.subject.clone(),
        status: row.status.label(),
        unit: row.unit.name.clone(),
        registered_unit: row.registered_unit.name.clone(),
        respondent: row.respondent_unit.as_ref().map(|u| u.name.clone()),
        received_on: row.received_on,
        channel: row.channel.label(),
        class: row.class.label(),
        persons: row.collective_persons,
        request: row.request.clone(),
        facts: row.facts.clone(),
        reasons: row.reasons.clone(),
        category: xinfang_domain::petition::category::label(&row.content_category),
        problem_unit: row.problem_unit.as_ref().map(|u| u.name.clone()),
        handler: row.handler.as_ref().map(|h| h.name.clone()),
        documents: petitions::documents::available(st, row, &people, &events)
            .into_iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        people: people
            .iter()
            .map(|p| PersonView {
                seq: p.seq,
                revealed: false,
                name: p.name.clone(),
                address: p.address.clone(),
                phone: p.phone.as_ref().map(|s| s.masked.clone()).unwrap_or_default(),
                id_number: p.id_number.as_ref().map(|s| s.masked.clone()).unwrap_or_default(),
                rep: p.representative,
            })
            .collect(),
        deadlines: state
            .deadlines(&ctx)
            .into_iter()
            .map(|d| DeadlineView {
                label: d.clock.label(),
                due: d.due,
                duty: d.holder == xinfang_domain::Holder::Office && d.duty,
                overdue: d.is_overdue(today),
                passed: d.due < today,
                provisional: d.provisional,
                paused: d.paused,
                explanation: d.explanation,
            })
            .collect(),
        met: state.met_deadlines(&ctx).into_iter().map(|m| (m.clock.label(), m.due, m.done_on, m.late_days)).collect(),
        timeline: timeline(&events, &links, crate::notices::timeline_lines(&messages, tr), units, &names, tr),
    };
    Ok((view, state))
}

pub(crate) struct ActionView {
    pub(crate) kind: &'static str,
    pub(crate) label: &'static str,
    pub(crate) open: bool,
}

#[derive(Template)]
#[template(path = "petitions/petition.html")]
pub(crate) struct PetitionPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) csrf: String,
    pub(crate) p: PetitionView,
    pub(crate) notice: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) today: NaiveDate,
    pub(crate) actions: Vec<ActionView>,
    pub(crate) no_actions: String,
    /// The extension waiting for a leader's approval, in words.
    pub(crate) pending_extension: Option<String>,
    /// Who may be named handler: the active staff of the unit that has the
    /// case, (username, name).
    pub(crate) handlers: Vec<(String, String)>,
    pub(crate) targets: Vec<(String, String)>,
    /// The transfer/assign target chosen first: the unit handling the
    /// original of a linked repeat (the same handler by default).
    pub(crate) default_target: String,
    pub(crate) can_act: bool,
    /// The files attached to the case (附件), withdrawn ones marked.
    pub(crate) attachments: Vec<crate::attachments::pages::AttachmentLine>,
    /// May show the petitioners' full numbers (audited).
    pub(crate) can_reveal: bool,
    pub(crate) candidates: Vec<CandidateView>,
    /// The original this petition is linked to: (id, case number).
    pub(crate) repeat_of: Option<(i64, String)>,
    /// The link is among the candidates shown (its unlink button is there).
    pub(crate) linked_shown: bool,
    pub(crate) repeats: Vec<(i64, String)>,
    /// The disputes sent from it to mediation: (id, number, status).
    pub(crate) disputes: Vec<(i64, String, &'static str)>,
    /// 领导包案, and the page's path for the section's forms.
    pub(crate) own: crate::ownership::Section,
    pub(crate) own_path: &'static str,
    pub(crate) routes: Options,
    pub(crate) decisions: Options,
    pub(crate) close_reasons: Options,
    pub(crate) evaluations: Options,
}

/// A repeat candidate as the petition page shows it.
pub(crate) struct CandidateView {
    pub(crate) id: i64,
    pub(crate) case_no: String,
    pub(crate) subject: String,
    pub(crate) received_on: NaiveDate,
    pub(crate) status: &'static str,
    pub(crate) unit: String,
    pub(crate) likely: bool,
    pub(crate) reason: &'static str,
    pub(crate) similarity: String,
    pub(crate) flags: Vec<xinfang_domain::petition::repeat::RepeatFlag>,
    pub(crate) linked: bool,
}

pub(crate) fn step_label(kind: &str) -> &'static str {
    match kind {
        "transfer" => "转送",
        "assign" => "交办",
        "assign_handler" => "指定承办人",
        "accept" => "受理",
        "decline" => "不予受理，告知其他途径",
        "objection" => "提出异议（转送交办有误）",
        "extend_request" => "申请延长办理期限",
        "extend" => "批准延长办理期限",
        "hearing_start" => "听证开始",
        "hearing_end" => "听证结束",
        "opinion" => "出具处理意见书",
        "serve" => "送达",
        "review_request" => "登记复查申请",
        "review_opinion" => "出具复查意见",
        "recheck_request" => "登记复核申请",
        "recheck_opinion" => "出具复核意见",
        "close" => "办结",
        "evaluate" => "登记满意度评价",
        _ => "",
    }
}

impl CandidateView {
    /// A repeat candidate as the petition page lists it.
    fn of(c: &xinfang_app::petitions::search::Candidate) -> Self {
        CandidateView {
            id: c.summary.id.0,
            case_no: c.summary.case_no.clone(),
            subject: c.summary.subject.clone(),
            received_on: c.summary.received_on,
            status: c.summary.status.label(),
            unit: c.summary.unit_name.clone(),
            likely: c.assessment.likely,
            reason: c.assessment.reason.label(),
            similarity: format!("{:.0}%", c.similarity * 100.0),
            flags: c.flags.clone(),
            linked: c.linked,
        }
    }
}

/// Shows the numbers revealed in full in place of the masked ones.
fn show_in_full(view: &mut PetitionView, revealed: &[FullNumbers]) {
    for full in revealed {
        if let Some(p) = view.people.iter_mut().find(|p| p.seq == full.seq) {
            p.phone = full.phone.clone().unwrap_or_default();
            p.id_number = full.id_number.clone().unwrap_or_default();
            p.revealed = true;
        }
    }
}

/// Who may see the full numbers (one click, audited): the roles whose work
/// needs them.
fn can_reveal(user: &xinfang_store::User) -> bool {
    matches!(user.role, xinfang_domain::Role::Intake | xinfang_domain::Role::Handler | xinfang_domain::Role::Leader)
}

/// Who may be named handler of a case at `unit`: its active staff who
/// handle petitions, (username, name and role).
async fn handler_choices(st: &AppState, unit: &Unit, tr: Tr) -> Vec<(String, String)> {
    st.store
        .users()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|u| u.unit.id == unit.id && !u.disabled && u.role.works_petitions())
        .map(|u| (u.username, format!("{}{}{}{}", u.display_name, tr.p("("), tr.t(u.role.label()), tr.p(")"))))
        .collect()
}

/// The units a case may be transferred or assigned to: every active unit
/// but the one that has it, indented by depth.
fn transfer_targets(st: &AppState, row: &PetitionRow) -> Vec<(String, String)> {
    st.cached_units()
        .all()
        .iter()
        .filter(|u| u.id != row.unit.id && !u.disabled)
        .map(|u| (u.code.clone(), format!("{}{}", "　".repeat(u.depth()), u.name)))
        .collect()
}

pub(crate) async fn petition_page(
    st: &AppState,
    pu: &PageUser,
    id: i64,
    notice: Option<String>,
    error: Option<(String, String)>,
    status: StatusCode,
    revealed: &[FullNumbers],
) -> Response {
    let row = match petitions::load_visible(st, &pu.user, PetitionId(id)).await.map_err(AppError::from) {
        Ok(r) => r,
        Err(e) => return pu.error(&e),
    };
    let (mut view, state) = match petition_view(st, &pu.user, &row, pu.tr).await {
        Ok(v) => v,
        Err(e) => return pu.error(&e),
    };
    show_in_full(&mut view, revealed);
    let today = today();
    let can_act = pu.user.role.works_petitions() && pu.user.unit.contains(&row.unit);
    let higher = match row.unit.parent_id {
        Some(pid) => st.unit_by_id(pid).await.ok().flatten(),
        None => None,
    };
    let cal = st.calendar();
    let ctx = Ctx { today, rules: &st.rules, calendar: &cal, higher_unit: higher.as_ref().map(|u| u.code.as_str()) };
    let open_kind = error.as_ref().map(|(k, _)| k.clone()).unwrap_or_default();
    // Steps possible on the date of the latest event: a clerk may record a
    // step that happened earlier; the rule is checked again on submit.
    let actions: Vec<ActionView> = if can_act {
        state
            .allowed_steps(state.last_on, &ctx)
            .into_iter()
            .filter(|k| petitions::may_record(&pu.user, &row.unit, k).is_ok())
            .map(|k| ActionView { kind: k, label: step_label(k), open: k == open_kind })
            .collect()
    } else {
        Vec::new()
    };
    let no_actions = if !pu.user.role.works_petitions() {
        pu.tr.f("{}只能查看。", &[&pu.tr.t(pu.user.role.label())])
    } else if !can_act {
        pu.tr.f("该事项当前由{}办理。", &[&row.unit.name])
    } else {
        pu.tr.t("当前没有可办理的步骤。").to_string()
    };
    let found = match xinfang_app::petitions::search::candidates(st, &pu.user, &row).await.map_err(AppError::from) {
        Ok(c) => c,
        Err(e) => return pu.error(&e),
    };
    let candidates: Vec<CandidateView> = found.iter().map(CandidateView::of).collect();
    let original = match row.repeat_of {
        Some(o) => st.store.petition(o).await.ok().flatten(),
        None => None,
    };
    let super::links::Links { repeats, disputes, own } = super::links::links(st, pu, &row).await;
    let targets = transfer_targets(st, &row);
    let handlers = match actions.iter().any(|a| a.kind == "assign_handler") {
        true => handler_choices(st, &row.unit, pu.tr).await,
        false => Vec::new(),
    };
    let subject = xinfang_app::subject::Subject::petition(row.id);
    let attachments = match crate::attachments::pages::lines(st, &pu.user, subject).await {
        Ok(a) => a,
        Err(e) => return pu.error(&e),
    };
    let page = PetitionPage {
        attachments,
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "list",
        csrf: pu.csrf.clone(),
        p: view,
        notice,
        error: error.map(|(_, m)| m),
        today,
        actions,
        no_actions,
        handlers,
        pending_extension: state
            .extension_request
            .as_ref()
            .map(|r| pu.tr.f("{} 申请延长 {} 日：{}", &[&r.on, &r.days, &r.reason])),
        targets,
        default_target: original
            .as_ref()
            .filter(|o| o.unit.id != row.unit.id)
            .map(|o| o.unit.code.clone())
            .unwrap_or_default(),
        can_act,
        can_reveal: can_reveal(&pu.user),
        linked_shown: candidates.iter().any(|c| c.linked),
        candidates,
        repeat_of: original.map(|o| (o.id.0, o.case_no)),
        repeats,
        disputes,
        own,
        own_path: "petitions",
        routes: options(DeclineRoute::ALL, DeclineRoute::as_str, DeclineRoute::label),
        decisions: options(Decision::ALL, Decision::as_str, Decision::label),
        close_reasons: options(CloseReason::ALL, CloseReason::as_str, CloseReason::label),
        evaluations: options(Evaluation::ALL, Evaluation::as_str, Evaluation::label),
    };
    (status, render(&page)).into_response()
}

#[derive(Deserialize)]
pub struct NoticeParam {
    pub(crate) notice: Option<String>,
}

pub async fn show(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<String>,
    Query(q): Query<NoticeParam>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return pu.error(&AppError::not_found()) };
    let notice = q.notice.as_deref().map(|n| match n {
        "registered" => pu.tr.t("已登记。").to_string(),
        "linked" => pu.tr.t("已关联为重复件。").to_string(),
        "unlinked" => pu.tr.t("已解除重复件关联。").to_string(),
        "attached" => pu.tr.t("附件已上传。").to_string(),
        "withdrawn" => pu.tr.t("附件已撤回（文件留存备查）。").to_string(),
        other => pu.tr.f("已记录：{}", &[&pu.tr.t(step_label(other))]),
    });
    petition_page(&st, &pu, id, notice, None, StatusCode::OK, &[]).await
}

#[derive(Template)]
#[template(path = "petitions/print.html")]
pub(crate) struct PrintPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) p: PetitionView,
    /// The form for the file, with the full numbers.
    pub(crate) full: bool,
}

#[derive(Deserialize)]
pub struct PrintParams {
    /// `1`: the form for the file, with the full numbers (audited).
    pub(crate) full: Option<String>,
}

pub async fn print(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<String>,
    Query(q): Query<PrintParams>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return pu.error(&AppError::not_found()) };
    let row = match petitions::load_visible(&st, &pu.user, PetitionId(id)).await.map_err(AppError::from) {
        Ok(r) => r,
        Err(e) => return pu.error(&e),
    };
    let full = q.full.as_deref() == Some("1");
    let revealed = match full {
        true => match petitions::reveal(&st, &pu.user, row.id, None, "print").await.map_err(AppError::from) {
            Ok(r) => r,
            Err(e) => return pu.error(&e),
        },
        false => Vec::new(),
    };
    match petition_view(&st, &pu.user, &row, Tr::default()).await {
        Ok((mut p, _)) => {
            show_in_full(&mut p, &revealed);
            render(&PrintPage { tr: Tr::default(), layout: Some(pu.layout()), nav: "list", p, full })
        }
        Err(e) => pu.error(&e),
    }
}

// ---------------------------------------------------------------- exports

/// A notice of the case as a Word file, from the petition page.
pub async fn document(State(st): State<AppState>, pu: PageUser, Path((id, file)): Path<(String, String)>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return pu.error(&AppError::not_found()) };
    crate::petitions::api::documents::docx(&st, &pu.user, PetitionId(id), &file).await.unwrap_or_else(|e| pu.error(&e))
}

/// Shows one petitioner's full numbers on the petition page (one click;
/// the reveal is audited before anything is decrypted).
pub async fn reveal(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<String>,
    crate::extract::PageForm(form): crate::extract::PageForm<std::collections::BTreeMap<String, String>>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return pu.error(&AppError::not_found()) };
    if let Some(r) = pu.csrf_rejection(form.get("csrf").map(String::as_str)) {
        return r;
    }
    let Some(seq) = form.get("seq").and_then(|s| s.parse::<i64>().ok()) else {
        return pu.error(&AppError::bad_request("invalid_form", "缺少信访人序号"));
    };
    match petitions::reveal(&st, &pu.user, PetitionId(id), Some(seq), "page").await.map_err(AppError::from) {
        Ok(full) => petition_page(&st, &pu, id, None, None, StatusCode::OK, &full).await,
        Err(e) => pu.error(&e),
    }
}
