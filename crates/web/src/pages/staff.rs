//! The staff pages: login, workbench, ledger, registration, the petition
//! page with the steps the procedure allows now, the A4 registration form,
//! (administration is in `admin.rs`).

use super::{Layout, PageUser, render};
use crate::api::petitions::{ListParams, parse_filter};
use crate::error::AppError;
use crate::i18n::Tr;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use xinfang_app::AppState;
use xinfang_app::{org, petitions, today};
use xinfang_domain::petition::procedure::Ctx;
use xinfang_domain::petition::{
    Channel, ClockName, CloseReason, Decision, DeclineRoute, Evaluation, Event, PetitionClass, PetitionStatus,
};
use xinfang_domain::petition::{CollectiveInput, PetitionInput, PetitionerInput};
use xinfang_store::{PetitionRow, Unit};

pub(super) type Options = Vec<(&'static str, &'static str)>;

pub(super) fn options<T: Copy>(all: &[T], wire: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Options {
    all.iter().map(|x| (wire(*x), label(*x))).collect()
}

fn set_cookie(name: &str, value: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A redirect after a successful form (303: the browser GETs the target).
pub(super) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

// ---------------------------------------------------------------- login

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    tr: Tr,
    layout: Option<Layout>,
    nav: &'static str,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
    here: String,
}

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

/// Only local paths are followed after login (no open redirect).
pub(super) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

fn login_page(tr: Tr, next: String, username: String, error: Option<&str>, status: StatusCode) -> Response {
    let csrf = super::new_form_token();
    let here = super::url_encode(&format!("/login?next={}", super::url_encode(&next)));
    let error = error.map(|e| tr.t(e).to_string());
    let page = LoginPage { tr, layout: None, nav: "", csrf: csrf.clone(), next, username, error, here };
    let mut res = (status, render(&page)).into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(super::CSRF_COOKIE, &csrf, 3600));
    res
}

pub async fn login_form(headers: HeaderMap, Query(p): Query<NextParam>) -> Response {
    login_page(super::page_tr(&headers), safe_next(p.next.as_deref()), String::new(), None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

pub async fn login(State(st): State<AppState>, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let tr = super::page_tr(&headers);
    let next = safe_next(f.next.as_deref());
    let cookie_token = super::cookie(&headers, super::CSRF_COOKIE).unwrap_or_default();
    if cookie_token.is_empty() || !super::same_token(&cookie_token, &f.csrf) {
        return login_page(tr, next, f.username, Some("登录表单已过期，请重新输入"), StatusCode::FORBIDDEN);
    }
    let user = match xinfang_app::auth::authenticate(&st, &f.username, &f.password).await.map_err(AppError::from) {
        Ok(u) => u,
        Err(e) => return login_page(tr, next, f.username, Some(&e.message), e.status),
    };
    match xinfang_app::auth::start_session(&st, &user).await.map_err(AppError::from) {
        Ok((token, _)) => {
            let mut res = see_other(&next);
            let max_age = st.session_ttl.as_secs() as i64;
            res.headers_mut().append(header::SET_COOKIE, set_cookie(super::SESSION_COOKIE, &token, max_age));
            res.headers_mut().append(header::SET_COOKIE, set_cookie(super::CSRF_COOKIE, "", 0));
            res
        }
        Err(e) => super::error_page_in(tr, None, &e),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: Option<String>,
}

pub async fn logout(State(st): State<AppState>, pu: PageUser, headers: HeaderMap, Form(f): Form<CsrfOnly>) -> Response {
    if let Some(r) = pu.csrf_rejection(f.csrf.as_deref()) {
        return r;
    }
    if let Some(token) = super::cookie(&headers, super::SESSION_COOKIE) {
        let _ = st.store.delete_session(&xinfang_app::auth::token_hash(&token)).await;
    }
    let mut res = see_other("/login");
    res.headers_mut().append(header::SET_COOKIE, set_cookie(super::SESSION_COOKIE, "", 0));
    res
}

// ---------------------------------------------------------------- workbench

struct WorkRow {
    id: i64,
    case_no: String,
    subject: String,
    unit: String,
    status: &'static str,
    clock: &'static str,
    due: NaiveDate,
    when: String,
    class: &'static str,
}

struct CountRow {
    unit_code: String,
    unit: String,
    clock: &'static str,
    overdue: i64,
    today: i64,
    soon: i64,
}

#[derive(Template)]
#[template(path = "workbench.html")]
struct Workbench {
    tr: Tr,
    layout: Option<Layout>,
    nav: &'static str,
    today: NaiveDate,
    overdue: i64,
    due_today: i64,
    due_soon: i64,
    items: Vec<WorkRow>,
    counts: Vec<CountRow>,
}

fn clock_label(s: &str) -> &'static str {
    ClockName::parse(s).map(ClockName::label).unwrap_or("")
}

fn status_label(s: &str) -> &'static str {
    PetitionStatus::parse(s).map(PetitionStatus::label).unwrap_or("")
}

pub async fn workbench(State(st): State<AppState>, pu: PageUser) -> Response {
    let today = today();
    let soon = today + chrono::Days::new(3);
    let viewer = org::viewer(&st, &pu.user);
    let (items, counts) =
        match tokio::try_join!(st.store.work_items(&viewer, soon, 300), st.store.work_counts(&viewer, today, soon)) {
            Ok(x) => x,
            Err(e) => return pu.error(&e.into()),
        };
    let items: Vec<WorkRow> = items
        .into_iter()
        .map(|i| {
            let days = (i.due - today).num_days();
            let (class, when) = match days {
                d if d < 0 => ("overdue", pu.tr.f("已超期 {} 日", &[&-d])),
                0 => ("today", pu.tr.t("今日到期").to_string()),
                d => ("", pu.tr.f("{} 日后到期", &[&d])),
            };
            WorkRow {
                id: i.petition_id,
                case_no: i.case_no,
                subject: i.subject,
                unit: i.unit_name,
                status: status_label(&i.status),
                clock: clock_label(&i.clock),
                due: i.due,
                when,
                class,
            }
        })
        .collect();
    let counts: Vec<CountRow> = counts
        .into_iter()
        .map(|(unit_code, unit, clock, overdue, today, soon)| CountRow {
            unit_code,
            unit,
            clock: clock_label(&clock),
            overdue,
            today,
            soon,
        })
        .collect();
    let page = Workbench {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "work",
        today,
        overdue: counts.iter().map(|c| c.overdue).sum(),
        due_today: counts.iter().map(|c| c.today).sum(),
        due_soon: counts.iter().map(|c| c.soon - c.overdue - c.today).sum(),
        items,
        counts,
    };
    render(&page)
}

// ---------------------------------------------------------------- list

struct ListRow {
    id: i64,
    case_no: String,
    received_on: NaiveDate,
    channel: &'static str,
    class: &'static str,
    subject: String,
    petitioner: String,
    persons: Option<i64>,
    unit: String,
    status: &'static str,
    next_due: String,
    overdue: bool,
}

#[derive(Default)]
struct FilterValues {
    status: String,
    class: String,
    channel: String,
    unit: String,
    received_from: String,
    received_to: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    tr: Tr,
    layout: Option<Layout>,
    nav: &'static str,
    error: Option<String>,
    f: FilterValues,
    statuses: Options,
    classes: Options,
    channels: Options,
    units: Vec<(String, String)>,
    rows: Vec<ListRow>,
    query: String,
    next: Option<String>,
    first_page: bool,
    /// The query without the order, for the column links.
    base_query: String,
    sort: String,
}

/// The list parameters as a query string, without the cursor.
fn query_string(p: &ListParams) -> String {
    let pairs = [
        ("status", &p.status),
        ("class", &p.class),
        ("channel", &p.channel),
        ("unit", &p.unit),
        ("received_from", &p.received_from),
        ("received_to", &p.received_to),
        ("overdue", &p.overdue),
        ("sort", &p.sort),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", super::url_encode(v))))
        .collect::<Vec<_>>()
        .join("&")
}

fn my_units(st: &AppState, pu: &PageUser) -> Vec<Unit> {
    st.cached_units().all().iter().filter(|u| pu.user.unit.contains(u)).cloned().collect()
}

pub(super) fn unit_options(units: &[Unit]) -> Vec<(String, String)> {
    units.iter().map(|u| (u.code.clone(), format!("{}{}", "　".repeat(u.depth()), u.name))).collect()
}

pub async fn list(State(st): State<AppState>, pu: PageUser, Query(p): Query<ListParams>) -> Response {
    let units = my_units(&st, &pu);
    let mut page = ListPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "list",
        error: None,
        f: FilterValues {
            status: p.status.clone().unwrap_or_default(),
            class: p.class.clone().unwrap_or_default(),
            channel: p.channel.clone().unwrap_or_default(),
            unit: p.unit.clone().unwrap_or_default(),
            received_from: p.received_from.clone().unwrap_or_default(),
            received_to: p.received_to.clone().unwrap_or_default(),
            overdue: p.overdue.as_deref() == Some("true"),
        },
        statuses: options(PetitionStatus::ALL, PetitionStatus::as_str, PetitionStatus::label),
        classes: options(PetitionClass::ALL, PetitionClass::as_str, PetitionClass::label),
        channels: options(Channel::ALL, Channel::as_str, Channel::label),
        units: unit_options(&units),
        rows: Vec::new(),
        query: query_string(&p),
        next: None,
        first_page: p.cursor.as_deref().unwrap_or("").is_empty(),
        base_query: query_string(&ListParams { sort: None, ..p.clone() }),
        sort: p.sort.clone().unwrap_or_default(),
    };
    let mut filter = match parse_filter(&st, &p).await {
        Ok(f) => f,
        Err(e) => {
            page.error = Some(e.message);
            return (StatusCode::BAD_REQUEST, render(&page)).into_response();
        }
    };
    let size = filter.limit;
    filter.limit = size + 1;
    let mut rows = match st.store.list_petitions(&filter, &org::viewer(&st, &pu.user)).await {
        Ok(r) => r,
        Err(e) => return pu.error(&e.into()),
    };
    if rows.len() as i64 > size {
        rows.truncate(size as usize);
        page.next = rows.last().map(|r| crate::api::petitions::next_cursor(filter.sort, r));
    }
    let today = today();
    page.rows = rows
        .into_iter()
        .map(|r| ListRow {
            id: r.id,
            case_no: r.case_no,
            received_on: r.received_on,
            channel: Channel::parse(&r.channel).map(Channel::label).unwrap_or(""),
            class: PetitionClass::parse(&r.class).map(PetitionClass::label).unwrap_or(""),
            subject: r.subject,
            petitioner: match r.petitioner_phone_masked {
                Some(p) => format!("{} {p}", r.petitioner_name),
                None => r.petitioner_name,
            },
            persons: r.collective_persons,
            unit: r.unit_name,
            status: status_label(&r.status),
            overdue: r.next_due.is_some_and(|d| d < today),
            next_due: r.next_due.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect();
    render(&page)
}

// ---------------------------------------------------------------- register

const FORM_ROWS: usize = 5;

/// The registration form's fields: once for what was typed, once for the
/// error next to each.
#[derive(Default)]
struct Values {
    channel: String,
    received_on: String,
    unit: String,
    class: String,
    respondent_unit: String,
    persons: String,
    subject: String,
    request: String,
    facts: String,
    reasons: String,
    petitioners: String,
}

type Errors = Values;

#[derive(Default)]
struct PersonRow {
    i: usize,
    n: usize,
    name: String,
    address: String,
    phone: String,
    id_number: String,
    rep: bool,
    name_err: String,
    address_err: String,
    phone_err: String,
    id_err: String,
}

#[derive(Template)]
#[template(path = "new.html")]
struct NewPage {
    tr: Tr,
    layout: Option<Layout>,
    nav: &'static str,
    csrf: String,
    errors: String,
    v: Values,
    e: Errors,
    people: Vec<PersonRow>,
    channels: Options,
    classes: Options,
    units: Vec<(String, String)>,
    all_units: Vec<(String, String)>,
}

async fn new_page(
    st: &AppState,
    pu: &PageUser,
    v: Values,
    e: Errors,
    people: Vec<PersonRow>,
    errors: String,
) -> NewPage {
    let all = st.cached_units().all().to_vec();
    let mine: Vec<Unit> = all.iter().filter(|u| !u.disabled && pu.user.unit.contains(u)).cloned().collect();
    NewPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "new",
        csrf: pu.csrf.clone(),
        errors,
        v,
        e,
        people,
        channels: options(Channel::ALL, Channel::as_str, Channel::label),
        classes: options(PetitionClass::ALL, PetitionClass::as_str, PetitionClass::label),
        units: unit_options(&mine),
        all_units: unit_options(&all),
    }
}

pub async fn new_form(State(st): State<AppState>, pu: PageUser) -> Response {
    if !pu.user.role.works_petitions() {
        return pu.error(&AppError::forbidden("本角色只能查看，不能登记信访事项"));
    }
    let v = Values {
        received_on: today().to_string(),
        unit: pu.user.unit.code.clone(),
        class: "appeal".into(),
        channel: "visit".into(),
        ..Default::default()
    };
    let people = (0..FORM_ROWS).map(|i| PersonRow { i, n: i + 1, ..Default::default() }).collect();
    render(&new_page(&st, &pu, v, Errors::default(), people, String::new()).await)
}

pub async fn create(State(st): State<AppState>, pu: PageUser, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let form: BTreeMap<String, String> = pairs.into_iter().collect();
    if let Some(r) = pu.csrf_rejection(form.get("csrf").map(String::as_str)) {
        return r;
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let v = Values {
        channel: get("channel"),
        received_on: get("received_on"),
        unit: get("unit"),
        class: get("class"),
        respondent_unit: get("respondent_unit"),
        persons: get("persons"),
        subject: get("subject"),
        request: get("request"),
        facts: get("facts"),
        reasons: get("reasons"),
        petitioners: String::new(),
    };
    let mut people: Vec<PersonRow> = (0..FORM_ROWS)
        .map(|i| PersonRow {
            i,
            n: i + 1,
            name: get(&format!("p{i}_name")),
            address: get(&format!("p{i}_address")),
            phone: get(&format!("p{i}_phone")),
            id_number: get(&format!("p{i}_id_number")),
            rep: form.contains_key(&format!("p{i}_rep")),
            ..Default::default()
        })
        .collect();
    // The rows filled in become the petitioners; remember which row each came from.
    let filled: Vec<usize> = people
        .iter()
        .filter(|p| {
            !(p.name.trim().is_empty()
                && p.address.trim().is_empty()
                && p.phone.trim().is_empty()
                && p.id_number.trim().is_empty())
        })
        .map(|p| p.i)
        .collect();
    let mut e = Errors::default();
    let collective = if v.persons.trim().is_empty() {
        None
    } else {
        match v.persons.trim().parse::<i64>() {
            Ok(n) => Some(CollectiveInput {
                persons: n,
                representatives: filled
                    .iter()
                    .enumerate()
                    .filter(|(_, row)| people[**row].rep)
                    .map(|(k, _)| k as i64)
                    .collect(),
            }),
            Err(_) => {
                e.persons = "人数应为整数".into();
                None
            }
        }
    };
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    let input = PetitionInput {
        channel: v.channel.clone(),
        received_on: v.received_on.clone(),
        unit: v.unit.clone(),
        class: v.class.clone(),
        petitioners: filled
            .iter()
            .map(|row| {
                let p = &people[*row];
                PetitionerInput {
                    name: p.name.clone(),
                    address: opt(&p.address),
                    phone: opt(&p.phone),
                    id_number: opt(&p.id_number),
                }
            })
            .collect(),
        collective,
        subject: opt(&v.subject),
        request: v.request.clone(),
        facts: opt(&v.facts),
        reasons: opt(&v.reasons),
        respondent_unit: opt(&v.respondent_unit),
    };
    let result = if e.persons.is_empty() {
        petitions::register(&st, &pu.user, &input).await.map_err(AppError::from)
    } else {
        Err(AppError::invalid(vec![]))
    };
    match result {
        Ok(new) => see_other(&format!("/petitions/{}?notice=registered", new.row.id)),
        Err(err) => {
            for f in &err.fields {
                let msg = f.message.clone();
                match f.field.as_str() {
                    "channel" => e.channel = msg,
                    "received_on" => e.received_on = msg,
                    "unit" => e.unit = msg,
                    "class" => e.class = msg,
                    "respondent_unit" => e.respondent_unit = msg,
                    "subject" => e.subject = msg,
                    "request" => e.request = msg,
                    "facts" => e.facts = msg,
                    "reasons" => e.reasons = msg,
                    "petitioners" => e.petitioners = msg,
                    other if other.starts_with("collective") => e.persons = msg,
                    other => {
                        // petitioners[k].field → the form row k came from.
                        let parsed = other
                            .strip_prefix("petitioners[")
                            .and_then(|r| r.split_once("]."))
                            .and_then(|(k, name)| k.parse::<usize>().ok().map(|k| (k, name)));
                        match parsed.and_then(|(k, name)| filled.get(k).map(|row| (*row, name))) {
                            Some((row, "name")) => people[row].name_err = msg,
                            Some((row, "address")) => people[row].address_err = msg,
                            Some((row, "phone")) => people[row].phone_err = msg,
                            Some((row, "id_number")) => people[row].id_err = msg,
                            _ => e.petitioners = msg,
                        }
                    }
                }
            }
            let summary = if err.fields.is_empty() && e.persons.is_empty() {
                err.message.clone()
            } else {
                pu.tr.f("{} 处", &[&err.fields.len().max(1)])
            };
            let status = if err.status.is_success() { StatusCode::UNPROCESSABLE_ENTITY } else { err.status };
            (status, render(&new_page(&st, &pu, v, e, people, summary).await)).into_response()
        }
    }
}

// ---------------------------------------------------------------- petition page

struct PersonView {
    name: String,
    address: String,
    phone: String,
    id_number: String,
    rep: bool,
}

struct DeadlineView {
    label: &'static str,
    due: NaiveDate,
    overdue: bool,
    provisional: bool,
    paused: bool,
    explanation: String,
}

struct TimelineView {
    on: NaiveDate,
    label: &'static str,
    detail: String,
    actor: String,
}

struct PetitionView {
    id: i64,
    case_no: String,
    query_code: String,
    subject: String,
    status: &'static str,
    unit: String,
    registered_unit: String,
    respondent: Option<String>,
    received_on: NaiveDate,
    channel: &'static str,
    class: &'static str,
    persons: Option<i64>,
    request: String,
    facts: String,
    reasons: String,
    people: Vec<PersonView>,
    deadlines: Vec<DeadlineView>,
    timeline: Vec<TimelineView>,
}

/// What a step says in the timeline, beyond its name.
fn event_detail(e: &Event, units: &[Unit], tr: Tr) -> String {
    use xinfang_domain::petition::EventKind as K;
    let unit_name =
        |code: &str| units.iter().find(|u| u.code == code).map(|u| u.name.clone()).unwrap_or_else(|| code.to_string());
    match &e.kind {
        K::Register { unit } => unit_name(unit),
        K::Transfer { to, .. } => unit_name(to),
        K::Assign { to, due, .. } => tr.f("{}，限 {} 前办结", &[&unit_name(to), due]),
        K::Decline { route, reason } => format!("{}；{reason}", tr.t(route.label())),
        K::Objection { reason } => reason.clone(),
        K::Extend { days, approver, reason } => tr.f("延长 {} 日，{} 批准；{}", &[days, approver, reason]),
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

async fn petition_view(
    st: &AppState,
    row: &PetitionRow,
    tr: Tr,
) -> Result<(PetitionView, xinfang_domain::petition::CaseState), AppError> {
    let state = petitions::parse_state(row)?;
    let (people, events) = tokio::try_join!(st.store.petitioners(row.id), st.store.events(row.id))?;
    let units = st.cached_units();
    let units = units.all();
    let cal = st.calendar();
    let today = today();
    let ctx = Ctx { today, rules: &st.rules, calendar: &cal, higher_unit: None };
    let view = PetitionView {
        id: row.id,
        case_no: row.case_no.clone(),
        query_code: row.query_code.clone(),
        subject: row.subject.clone(),
        status: status_label(&row.status),
        unit: row.unit.name.clone(),
        registered_unit: row.registered_unit.name.clone(),
        respondent: row.respondent_unit.as_ref().map(|u| u.name.clone()),
        received_on: row.received_on,
        channel: Channel::parse(&row.channel).map(Channel::label).unwrap_or(""),
        class: PetitionClass::parse(&row.class).map(PetitionClass::label).unwrap_or(""),
        persons: row.collective_persons,
        request: row.request.clone(),
        facts: row.facts.clone(),
        reasons: row.reasons.clone(),
        people: people
            .iter()
            .map(|p| PersonView {
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
                overdue: d.is_overdue(today),
                provisional: d.provisional,
                paused: d.paused,
                explanation: d.explanation,
            })
            .collect(),
        timeline: events
            .iter()
            .map(|e| {
                let parsed: Option<Event> = serde_json::from_str(&e.body).ok();
                TimelineView {
                    on: e.on,
                    label: parsed.as_ref().map(|p| p.kind.label()).unwrap_or(""),
                    detail: parsed.as_ref().map(|p| event_detail(p, units, tr)).unwrap_or_default(),
                    actor: e.actor.clone().unwrap_or_default(),
                }
            })
            .collect(),
    };
    Ok((view, state))
}

struct ActionView {
    kind: &'static str,
    label: &'static str,
    open: bool,
}

#[derive(Template)]
#[template(path = "petition.html")]
struct PetitionPage {
    tr: Tr,
    layout: Option<Layout>,
    nav: &'static str,
    csrf: String,
    p: PetitionView,
    notice: Option<String>,
    error: Option<String>,
    today: NaiveDate,
    actions: Vec<ActionView>,
    no_actions: String,
    targets: Vec<(String, String)>,
    /// The transfer/assign target chosen first: the unit handling the
    /// original of a linked repeat (the same handler by default).
    default_target: String,
    can_act: bool,
    candidates: Vec<CandidateView>,
    /// The original this petition is linked to: (id, case number).
    repeat_of: Option<(i64, String)>,
    /// The link is among the candidates shown (its unlink button is there).
    linked_shown: bool,
    repeats: Vec<(i64, String)>,
    routes: Options,
    decisions: Options,
    close_reasons: Options,
    evaluations: Options,
}

/// A repeat candidate as the petition page shows it.
struct CandidateView {
    id: i64,
    case_no: String,
    subject: String,
    received_on: NaiveDate,
    status: &'static str,
    unit: String,
    likely: bool,
    reason: &'static str,
    similarity: String,
    flags: Vec<xinfang_domain::petition::repeat::RepeatFlag>,
    linked: bool,
}

fn step_label(kind: &str) -> &'static str {
    match kind {
        "transfer" => "转送",
        "assign" => "交办",
        "accept" => "受理",
        "decline" => "不予受理，告知其他途径",
        "objection" => "提出异议（转送交办有误）",
        "extend" => "延长办理期限",
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

async fn petition_page(
    st: &AppState,
    pu: &PageUser,
    id: i64,
    notice: Option<String>,
    error: Option<(String, String)>,
    status: StatusCode,
) -> Response {
    let row = match petitions::load_visible(st, &pu.user, id).await.map_err(AppError::from) {
        Ok(r) => r,
        Err(e) => return pu.error(&e),
    };
    let (view, state) = match petition_view(st, &row, pu.tr).await {
        Ok(v) => v,
        Err(e) => return pu.error(&e),
    };
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
    let candidates: Vec<CandidateView> = found
        .iter()
        .map(|c| CandidateView {
            id: c.summary.id,
            case_no: c.summary.case_no.clone(),
            subject: c.summary.subject.clone(),
            received_on: c.summary.received_on,
            status: PetitionStatus::parse(&c.summary.status).map(PetitionStatus::label).unwrap_or(""),
            unit: c.summary.unit_name.clone(),
            likely: c.assessment.likely,
            reason: c.assessment.reason.label(),
            similarity: format!("{:.0}%", c.similarity * 100.0),
            flags: c.flags.clone(),
            linked: c.linked,
        })
        .collect();
    let original = match row.repeat_of {
        Some(o) => st.store.petition(o).await.ok().flatten(),
        None => None,
    };
    let repeats = st
        .store
        .repeats_of(row.id, Some(&org::viewer(st, &pu.user)))
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.id, r.case_no))
        .collect();
    let units = st.cached_units();
    let targets = units
        .all()
        .iter()
        .filter(|u| u.id != row.unit.id && !u.disabled)
        .map(|u| (u.code.clone(), format!("{}{}", "　".repeat(u.depth()), u.name)))
        .collect();
    let page = PetitionPage {
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
        targets,
        default_target: original
            .as_ref()
            .filter(|o| o.unit.id != row.unit.id)
            .map(|o| o.unit.code.clone())
            .unwrap_or_default(),
        can_act,
        linked_shown: candidates.iter().any(|c| c.linked),
        candidates,
        repeat_of: original.map(|o| (o.id, o.case_no)),
        repeats,
        routes: options(DeclineRoute::ALL, DeclineRoute::as_str, DeclineRoute::label),
        decisions: options(Decision::ALL, Decision::as_str, Decision::label),
        close_reasons: options(CloseReason::ALL, CloseReason::as_str, CloseReason::label),
        evaluations: options(Evaluation::ALL, Evaluation::as_str, Evaluation::label),
    };
    (status, render(&page)).into_response()
}

#[derive(Deserialize)]
pub struct NoticeParam {
    pub(super) notice: Option<String>,
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
        other => pu.tr.f("已记录：{}", &[&pu.tr.t(step_label(other))]),
    });
    petition_page(&st, &pu, id, notice, None, StatusCode::OK).await
}

/// A step from a form: every field but the token, numbers as numbers.
fn event_from_form(form: &BTreeMap<String, String>) -> Result<Event, String> {
    let mut obj = serde_json::Map::new();
    for (k, v) in form {
        if k == "csrf" || v.trim().is_empty() {
            continue;
        }
        let value = if k == "days" {
            v.trim().parse::<u32>().map(serde_json::Value::from).map_err(|_| "延长天数应为整数".to_string())?
        } else {
            serde_json::Value::String(v.clone())
        };
        obj.insert(k.clone(), value);
    }
    serde_json::from_value(serde_json::Value::Object(obj)).map_err(|e| format!("输入有误：{e}"))
}

pub async fn add_event(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return pu.error(&AppError::not_found()) };
    let form: BTreeMap<String, String> = pairs.into_iter().collect();
    if let Some(r) = pu.csrf_rejection(form.get("csrf").map(String::as_str)) {
        return r;
    }
    let kind = form.get("type").cloned().unwrap_or_default();
    let event = match event_from_form(&form) {
        Ok(e) => e,
        Err(m) => return petition_page(&st, &pu, id, None, Some((kind, m)), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match petitions::record_event(&st, &pu.user, id, event).await.map_err(AppError::from) {
        Ok(()) => see_other(&format!("/petitions/{id}?notice={kind}")),
        Err(e) if e.status == StatusCode::NOT_FOUND => pu.error(&e),
        Err(e) => petition_page(&st, &pu, id, None, Some((kind, e.message)), e.status).await,
    }
}

/// Links the petition as a repeat of an earlier one (`of`), or unlinks it.
pub async fn link_repeat(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return pu.error(&AppError::not_found()) };
    if let Some(r) = pu.csrf_rejection(form.get("csrf").map(String::as_str)) {
        return r;
    }
    let of = if form.contains_key("unlink") {
        None
    } else {
        match form.get("of").and_then(|v| v.trim().parse::<i64>().ok()) {
            Some(of) => Some(of),
            None => {
                let m = "请选择要关联的更早事项".to_string();
                return petition_page(&st, &pu, id, None, Some((String::new(), m)), StatusCode::UNPROCESSABLE_ENTITY)
                    .await;
            }
        }
    };
    match petitions::link_repeat(&st, &pu.user, id, of).await.map_err(AppError::from) {
        Ok(()) => see_other(&format!("/petitions/{id}?notice={}", if of.is_some() { "linked" } else { "unlinked" })),
        Err(e) if e.status == StatusCode::NOT_FOUND => pu.error(&e),
        Err(e) => {
            let m = e.fields.first().map(|f| f.message.clone()).unwrap_or(e.message);
            petition_page(&st, &pu, id, None, Some((String::new(), m)), e.status).await
        }
    }
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    tr: Tr,
    layout: Option<Layout>,
    nav: &'static str,
    q: String,
    any: bool,
    searched: bool,
    error: Option<String>,
    hits: Vec<HitView>,
    next: Option<i64>,
    next_query: String,
}

struct HitView {
    id: i64,
    case_no: String,
    subject: String,
    received_on: String,
    status: String,
    unit: String,
    name: String,
    snippet: Vec<xinfang_text::Piece>,
}

/// The search page: the same search as `GET /api/v1/search`.
pub async fn search(
    State(st): State<AppState>,
    pu: PageUser,
    Query(params): Query<crate::api::search::SearchParams>,
) -> Response {
    let q = params.q.clone().unwrap_or_default();
    let any = params.match_.as_deref() == Some("any");
    let mut page = SearchPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "search",
        searched: !q.trim().is_empty(),
        next_query: format!("q={}&match={}", urlencode(&q), if any { "any" } else { "all" }),
        q,
        any,
        error: None,
        hits: Vec::new(),
        next: None,
    };
    if page.searched {
        match crate::api::search::run(&st, &pu.user, &params).await {
            Ok(v) => {
                let text = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_string();
                page.hits = v["items"]
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .map(|h| HitView {
                                id: h["id"].as_i64().unwrap_or_default(),
                                case_no: text(&h["case_no"]),
                                subject: text(&h["subject"]),
                                received_on: text(&h["received_on"]),
                                status: text(&h["status_label"]),
                                unit: text(&h["unit"]["name"]),
                                name: text(&h["petitioner"]["name"]),
                                snippet: serde_json::from_value(h["snippet"].clone()).unwrap_or_default(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                page.next = v["next_offset"].as_i64();
            }
            Err(e) => page.error = Some(e.message),
        }
    }
    let status = if page.error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    (status, render(&page)).into_response()
}

/// Percent-encodes a query-string value.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "print.html")]
struct PrintPage {
    tr: Tr,
    layout: Option<Layout>,
    nav: &'static str,
    p: PetitionView,
}

pub async fn print(State(st): State<AppState>, pu: PageUser, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return pu.error(&AppError::not_found()) };
    let row = match petitions::load_visible(&st, &pu.user, id).await.map_err(AppError::from) {
        Ok(r) => r,
        Err(e) => return pu.error(&e),
    };
    match petition_view(&st, &row, Tr::default()).await {
        Ok((p, _)) => render(&PrintPage { tr: Tr::default(), layout: Some(pu.layout()), nav: "list", p }),
        Err(e) => pu.error(&e),
    }
}

// ---------------------------------------------------------------- exports

pub async fn export_xlsx(State(st): State<AppState>, pu: PageUser, Query(p): Query<ListParams>) -> Response {
    crate::api::export::xlsx(&st, &pu.user, &p).await.unwrap_or_else(|e| pu.error(&e))
}

pub async fn export_csv(State(st): State<AppState>, pu: PageUser, Query(p): Query<ListParams>) -> Response {
    crate::api::export::csv(&st, &pu.user, &p).await.unwrap_or_else(|e| pu.error(&e))
}
