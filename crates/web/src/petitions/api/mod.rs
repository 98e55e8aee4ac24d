//! `/api/v1/petitions`: register, list, read, record steps, reveal a
//! personal number (audited).

pub mod export;
pub mod search;
pub mod stats;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, AppError};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::session::api::unit_json;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use xinfang_app::crypto::Field;
use xinfang_app::{AppState, org, petitions, today};
use xinfang_domain::petition::procedure::Ctx;
use xinfang_domain::petition::{Channel, Event, PetitionClass, PetitionInput, PetitionStatus};
use xinfang_domain::{Deadline, Holder, Role};
use xinfang_store::{AuditEntry, EventRow, ListFilter, ListSort, PetitionRow, PetitionSummary, PetitionerRecord};

pub(crate) fn label<T>(raw: &str, parse: fn(&str) -> Option<T>, label: fn(T) -> &'static str) -> &'static str {
    parse(raw).map(label).unwrap_or("")
}

/// Adds channel, class and status with their Chinese labels to `v`.
pub(crate) fn with_labels(mut v: Value, channel: &str, class: &str, status: &str) -> Value {
    v["channel"] = json!(channel);
    v["channel_label"] = json!(label(channel, Channel::parse, Channel::label));
    v["class"] = json!(class);
    v["class_label"] = json!(label(class, PetitionClass::parse, PetitionClass::label));
    v["status"] = json!(status);
    v["status_label"] = json!(label(status, PetitionStatus::parse, PetitionStatus::label));
    v
}

pub fn deadline_json(d: &Deadline, today: chrono::NaiveDate) -> Value {
    json!({
        "clock": d.clock.as_str(),
        "label": d.clock.label(),
        "due": d.due.to_string(),
        "holder": match d.holder { Holder::Office => "office", Holder::Petitioner => "petitioner" },
        "duty": d.duty,
        "provisional": d.provisional,
        "paused": d.paused,
        "overdue": d.is_overdue(today),
        "explanation": d.explanation,
    })
}

/// The timeline: each event's own fields plus its order, label and author.
pub fn events_json(events: &[EventRow], with_details: bool) -> Vec<Value> {
    events
        .iter()
        .map(|e| {
            let parsed: Option<Event> = serde_json::from_str(&e.body).ok();
            let label = parsed.as_ref().map(|p| p.kind.label()).unwrap_or("");
            let mut v =
                if with_details { serde_json::from_str::<Value>(&e.body).unwrap_or(json!({})) } else { json!({}) };
            v["seq"] = json!(e.seq);
            v["type"] = json!(e.kind);
            v["label"] = json!(label);
            v["on"] = json!(e.on.to_string());
            if with_details {
                v["actor"] = json!(e.actor);
                v["recorded_at"] = json!(e.recorded_at.to_rfc3339());
            }
            v
        })
        .collect()
}

pub(crate) fn petitioner_json(p: &PetitionerRecord) -> Value {
    json!({
        "seq": p.seq,
        "name": p.name,
        "address": p.address,
        "phone": p.phone.as_ref().map(|s| s.masked.as_str()),
        "id_number": p.id_number.as_ref().map(|s| s.masked.as_str()),
        "representative": p.representative,
    })
}

/// The whole petition for staff: facts, masked petitioners, timeline and
/// the deadlines computed now.
pub async fn petition_json(st: &AppState, row: &PetitionRow) -> ApiResult<Value> {
    let petitioners = st.store.petitioners(row.id).await?;
    let events = st.store.events(row.id).await?;
    petition_json_from(st, row, &petitioners, &events)
}

/// As [`petition_json`], from parts already in hand.
pub fn petition_json_from(
    st: &AppState,
    row: &PetitionRow,
    petitioners: &[PetitionerRecord],
    events: &[EventRow],
) -> ApiResult<Value> {
    let state = petitions::parse_state(row)?;
    let cal = st.calendar();
    let today = today();
    let ctx = Ctx { today, rules: &st.rules, calendar: &cal, higher_unit: None };
    let deadlines: Vec<Value> = state.deadlines(&ctx).iter().map(|d| deadline_json(d, today)).collect();
    let representatives = petitioners.iter().filter(|p| p.representative).count();
    let v = json!({
        "id": row.id,
        "case_no": row.case_no,
        "query_code": row.query_code,
        "unit": unit_json(&row.unit),
        "registered_unit": unit_json(&row.registered_unit),
        "respondent_unit": row.respondent_unit.as_ref().map(unit_json),
        "received_on": row.received_on.to_string(),
        "subject": row.subject,
        "request": row.request,
        "facts": row.facts,
        "reasons": row.reasons,
        "collective": row.collective_persons.map(|n| json!({ "persons": n, "representatives": representatives })),
        "petitioners": petitioners.iter().map(petitioner_json).collect::<Vec<_>>(),
        "deadlines": deadlines,
        "events": events_json(events, true),
        "procedure": state,
        "repeat_of": row.repeat_of,
        "version": row.version,
        "created_at": row.created_at.to_rfc3339(),
        "updated_at": row.updated_at.to_rfc3339(),
    });
    Ok(with_labels(v, &row.channel, &row.class, &row.status))
}

pub async fn create(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(input): ApiJson<PetitionInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let new = petitions::register(&st, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(petition_json_from(&st, &new.row, &new.petitioners, &new.events)?)))
}

pub async fn get(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    let row = petitions::load_visible(&st, &user, id).await?;
    Ok(Json(petition_json(&st, &row).await?))
}

pub async fn add_event(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(event): ApiJson<Event>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    petitions::record_event(&st, &user, id, event).await?;
    let row = st.store.petition(id).await?.ok_or_else(AppError::internal)?;
    Ok((StatusCode::CREATED, Json(petition_json(&st, &row).await?)))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub status: Option<String>,
    pub unit: Option<String>,
    pub class: Option<String>,
    pub channel: Option<String>,
    pub received_from: Option<String>,
    pub received_to: Option<String>,
    pub overdue: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
    /// `newest` (default), `received_desc`, `received_asc`, `due_asc`.
    pub sort: Option<String>,
}

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

/// Turns list parameters into a filter; every bad value is a 400 naming it.
pub async fn parse_filter(st: &AppState, p: &ListParams) -> ApiResult<ListFilter> {
    fn bad(name: &str, msg: &str) -> AppError {
        AppError::bad_request("invalid_query", format!("参数 {name} 有误：{msg}"))
    }
    fn nonempty(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let mut f = ListFilter { limit: DEFAULT_PAGE, ..Default::default() };
    if let Some(s) = nonempty(&p.status) {
        f.status = Some(PetitionStatus::parse(s).ok_or_else(|| bad("status", "未知状态"))?.as_str().into());
    }
    if let Some(s) = nonempty(&p.class) {
        f.class = Some(
            PetitionClass::parse(s).ok_or_else(|| bad("class", "应为 suggestion、report 或 appeal"))?.as_str().into(),
        );
    }
    if let Some(s) = nonempty(&p.channel) {
        f.channel = Some(
            Channel::parse(s)
                .ok_or_else(|| bad("channel", "应为 online、letter、visit、phone 或 fax"))?
                .as_str()
                .into(),
        );
    }
    let date = |name: &str, v: &Option<String>| -> ApiResult<Option<chrono::NaiveDate>> {
        nonempty(v)
            .map(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad(name, "日期格式应为 YYYY-MM-DD")))
            .transpose()
    };
    f.received_from = date("received_from", &p.received_from)?;
    f.received_to = date("received_to", &p.received_to)?;
    match nonempty(&p.overdue) {
        None | Some("false") | Some("0") => {}
        Some("true") | Some("1") => f.overdue_before = Some(today()),
        Some(_) => return Err(bad("overdue", "应为 true 或 false")),
    }
    if let Some(code) = nonempty(&p.unit) {
        let unit = st.unit(code).await?.ok_or_else(|| bad("unit", "单位不存在"))?;
        f.unit_ids = Some(st.cached_units().subtree_ids(&unit));
    }
    f.sort = match nonempty(&p.sort) {
        None | Some("newest") => ListSort::Newest,
        Some("received_desc") => ListSort::ReceivedDesc,
        Some("received_asc") => ListSort::ReceivedAsc,
        Some("due_asc") => ListSort::DueAsc,
        Some(_) => return Err(bad("sort", "应为 newest、received_desc、received_asc 或 due_asc")),
    };
    if let Some(c) = nonempty(&p.cursor) {
        let invalid = || bad("cursor", "无效的分页游标");
        if f.sort == ListSort::Newest {
            f.before_id = Some(c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(invalid)?);
        } else {
            let (date, id) = c.split_once('_').ok_or_else(invalid)?;
            let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| invalid())?;
            f.after = Some((date, id.parse::<i64>().map_err(|_| invalid())?));
        }
    }
    if let Some(l) = nonempty(&p.limit) {
        f.limit = l
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| bad("limit", "应为 1 至 200"))?;
    }
    Ok(f)
}

/// The cursor that continues the list after row `r` in order `sort`.
pub fn next_cursor(sort: ListSort, r: &PetitionSummary) -> String {
    match sort {
        ListSort::Newest => r.id.to_string(),
        ListSort::ReceivedDesc | ListSort::ReceivedAsc => format!("{}_{}", r.received_on, r.id),
        ListSort::DueAsc => format!("{}_{}", r.next_due.unwrap_or(r.received_on), r.id),
    }
}

pub fn summary_json(s: &PetitionSummary, today: chrono::NaiveDate) -> Value {
    let v = json!({
        "id": s.id,
        "case_no": s.case_no,
        "unit": { "code": s.unit_code, "name": s.unit_name },
        "received_on": s.received_on.to_string(),
        "subject": s.subject,
        "next_due": s.next_due.map(|d| d.to_string()),
        "overdue": s.next_due.is_some_and(|d| d < today),
        "collective_persons": s.collective_persons,
        "petitioner": { "name": s.petitioner_name, "phone": s.petitioner_phone_masked },
    });
    with_labels(v, &s.channel, &s.class, &s.status)
}

pub async fn list(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<Value>> {
    let mut filter = parse_filter(&st, &params).await?;
    let page = filter.limit;
    filter.limit = page + 1;
    let mut rows = st.store.list_petitions(&filter, &org::viewer(&st, &user)).await?;
    let more = rows.len() as i64 > page;
    rows.truncate(page as usize);
    let next = if more { rows.last().map(|r| next_cursor(filter.sort, r)) } else { None };
    let today = today();
    Ok(Json(json!({
        "items": rows.iter().map(|r| summary_json(r, today)).collect::<Vec<_>>(),
        "next_cursor": next,
    })))
}

/// Shows one petitioner's full ID and phone numbers to a role that needs
/// them; every reveal is written to the audit log first.
pub async fn reveal(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<Value>> {
    if !matches!(user.role, Role::Intake | Role::Handler | Role::Leader) {
        return Err(AppError::forbidden("本角色无权查看完整的身份证号和电话号码"));
    }
    let row = petitions::load_visible(&st, &user, id).await?;
    let people = st.store.petitioners(row.id).await?;
    let p = people.iter().find(|p| p.seq == seq).ok_or_else(AppError::not_found)?;
    st.store
        .audit(&AuditEntry {
            user_id: Some(user.id),
            action: "pii.reveal".into(),
            object: format!("{}#{}", row.case_no, seq),
            success: true,
            detail: String::new(),
        })
        .await?;
    let phone = p.phone.as_ref().map(|s| st.keys.open(Field::Phone, &s.ciphertext)).transpose()?;
    let id_number = p.id_number.as_ref().map(|s| st.keys.open(Field::IdNumber, &s.ciphertext)).transpose()?;
    Ok(Json(json!({ "seq": p.seq, "name": p.name, "phone": phone, "id_number": id_number })))
}
