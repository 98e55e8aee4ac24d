//! `/api/v1/public/…`: what a petitioner sees with their query code and the
//! last four digits of their phone, without logging in. Only the case's
//! status, dates, deadlines and the written replies served on them: never an
//! ID number, phone, address, name or anything of another person. A wrong
//! code and a wrong phone suffix get the same 404; failures are throttled
//! per client address so codes cannot be guessed.

use crate::error::ApiResult;
use crate::extract::{ApiPath, ApiQuery};
use crate::petitions::api::{deadline_json, events_json};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use petitions::find;
use serde::Deserialize;
use serde_json::{Value, json};
use std::net::SocketAddr;
use xinfang_app::{AppState, petitions, today};
use xinfang_domain::petition::procedure::{Ctx, Opinion};
use xinfang_domain::petition::{Channel, PetitionClass, PetitionStatus};
use xinfang_store::PetitionRow;

#[derive(Deserialize)]
pub struct LookupParams {
    pub phone_last4: Option<String>,
}

pub(crate) fn reply_json(kind: &str, label: &str, o: &Opinion) -> Value {
    json!({
        "kind": kind,
        "label": label,
        "decision": o.decision.as_str(),
        "decision_label": o.decision.label(),
        "basis": o.basis,
        "issued_on": o.issued_on.to_string(),
        "served_on": o.served_on.map(|d| d.to_string()),
    })
}

/// The public view of a case.
pub async fn public_json(st: &AppState, row: &PetitionRow) -> ApiResult<Value> {
    let events = st.store.events(row.id).await?;
    public_json_from(st, row, &events)
}

/// As [`public_json`], from the events already in hand.
pub fn public_json_from(st: &AppState, row: &PetitionRow, events: &[xinfang_store::EventRow]) -> ApiResult<Value> {
    let state = petitions::parse_state(row)?;
    let cal = st.calendar();
    let today = today();
    let ctx = Ctx { today, rules: &st.rules, calendar: &cal, higher_unit: None };
    let mut replies = Vec::new();
    if let Some(o) = state.opinion.as_ref().filter(|o| o.served_on.is_some()) {
        replies.push(reply_json("opinion", "信访处理意见书", o));
    }
    if let Some(o) = state.review.as_ref().and_then(|r| r.opinion.as_ref()) {
        replies.push(reply_json("review_opinion", "复查意见", o));
    }
    if let Some(o) = state.recheck.as_ref().and_then(|r| r.opinion.as_ref()) {
        replies.push(reply_json("recheck_opinion", "复核意见", o));
    }
    Ok(json!({
        "case_no": row.case_no,
        "status": row.status,
        "status_label": PetitionStatus::parse(&row.status).map(PetitionStatus::label),
        "class": row.class,
        "class_label": PetitionClass::parse(&row.class).map(PetitionClass::label),
        "channel": row.channel,
        "channel_label": Channel::parse(&row.channel).map(Channel::label),
        "received_on": row.received_on.to_string(),
        "handling_unit": row.unit.name,
        "deadlines": state.deadlines(&ctx).iter().map(|d| deadline_json(d, today)).collect::<Vec<_>>(),
        "timeline": events_json(events, false),
        "replies": replies,
        "declined_route": state.declined.map(|r| r.label()),
        "closed": state.closed.as_ref().map(|c| json!({ "on": c.on.to_string(), "reason": c.reason.as_str(), "reason_label": c.reason.label() })),
        "evaluations": state.evaluations.iter().map(|e| json!({ "value": e.value.as_str(), "label": e.value.label(), "on": e.on.to_string() })).collect::<Vec<_>>(),
    }))
}

pub async fn lookup(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(params): ApiQuery<LookupParams>,
) -> ApiResult<Json<Value>> {
    let row = find(&st, &addr.ip().to_string(), &code, params.phone_last4.as_deref()).await?;
    Ok(Json(public_json(&st, &row).await?))
}

/// `POST /api/v1/public/petitions`: a petitioner's own online submission.
pub async fn submit(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    crate::extract::ApiJson(input): crate::extract::ApiJson<xinfang_domain::petition::PetitionInput>,
) -> ApiResult<(axum::http::StatusCode, Json<Value>)> {
    let new = petitions::register_public(&st, &addr.ip().to_string(), &input).await?;
    let mut v = public_json_from(&st, &new.row, &new.events)?;
    v["query_code"] = serde_json::json!(new.row.query_code);
    Ok((axum::http::StatusCode::CREATED, Json(v)))
}

#[derive(Deserialize)]
pub struct PublicEvent {
    pub phone_last4: String,
    #[serde(flatten)]
    pub event: xinfang_domain::petition::Event,
}

/// `POST /api/v1/public/petitions/{query_code}/events`: the petitioner's
/// evaluation, review request or recheck request, with the phone suffix.
pub async fn add_event(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiPath(code): ApiPath<String>,
    crate::extract::ApiJson(body): crate::extract::ApiJson<PublicEvent>,
) -> ApiResult<(axum::http::StatusCode, Json<Value>)> {
    let client = addr.ip().to_string();
    petitions::record_public_event(&st, &client, &code, &body.phone_last4, body.event).await?;
    let row = find(&st, &client, &code, Some(&body.phone_last4)).await?;
    Ok((axum::http::StatusCode::CREATED, Json(public_json(&st, &row).await?)))
}
