//! `/api/v1/public/…`: what a petitioner sees with their query code and the
//! last four digits of their phone, without logging in. Only the case's
//! status, dates, deadlines and the written replies served on them: never an
//! ID number, phone, address, name or anything of another person. A wrong
//! code and a wrong phone suffix get the same 404; failures are throttled
//! per client address so codes cannot be guessed.

use crate::error::ApiResult;
use crate::extract::{ApiPath, ApiQuery};
use crate::petitions::api::views::{DeadlineView, Labels, TimelineEvent, timeline};
use axum::Json;
use axum::extract::State;
use petitions::find;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xinfang_app::{AppState, petitions, today};
use xinfang_domain::petition::procedure::{Ctx, Opinion};
use xinfang_domain::petition::{CloseReason, Decision, Evaluation, PetitionInput};
use xinfang_store::PetitionRow;

/// The last four digits of a phone given at registration.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupParams {
    /// 登记时所留电话的后四位
    pub phone_last4: Option<String>,
}

/// A written reply served on the petitioner.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reply {
    /// `opinion`, `review_opinion` or `recheck_opinion`.
    pub kind: &'static str,
    pub label: &'static str,
    pub decision: Decision,
    pub decision_label: &'static str,
    pub basis: String,
    pub issued_on: String,
    pub served_on: Option<String>,
}

impl Reply {
    fn of(kind: &'static str, label: &'static str, o: &Opinion) -> Self {
        Reply {
            kind,
            label,
            decision: o.decision,
            decision_label: o.decision.label(),
            basis: o.basis.clone(),
            issued_on: o.issued_on.to_string(),
            served_on: o.served_on.map(|d| d.to_string()),
        }
    }
}

/// How the case was closed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Closed {
    pub on: String,
    pub reason: CloseReason,
    pub reason_label: &'static str,
}

/// The petitioner's evaluation of a reply.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Evaluated {
    pub value: Evaluation,
    pub label: &'static str,
    pub on: String,
}

/// 只含事项状态、日期、期限和已送达的书面答复，不含任何个人信息
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicPetition {
    pub case_no: String,
    #[serde(flatten)]
    pub labels: Labels,
    pub received_on: String,
    pub handling_unit: String,
    pub deadlines: Vec<DeadlineView>,
    pub timeline: Vec<TimelineEvent>,
    pub replies: Vec<Reply>,
    /// Where a declined matter was routed out to (Art. 31).
    pub declined_route: Option<&'static str>,
    pub closed: Option<Closed>,
    pub evaluations: Vec<Evaluated>,
}

/// A submission just stored: its public view and the query code to keep.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Submitted {
    #[serde(flatten)]
    pub petition: PublicPetition,
    /// 查询码：凭它和电话后四位查询进展
    pub query_code: String,
}

/// The public view of a case.
pub async fn public_view(st: &AppState, row: &PetitionRow) -> ApiResult<PublicPetition> {
    let events = st.store.events(row.id).await?;
    public_view_from(st, row, &events)
}

/// As [`public_view`], from the events already in hand.
pub fn public_view_from(
    st: &AppState,
    row: &PetitionRow,
    events: &[xinfang_store::EventRow],
) -> ApiResult<PublicPetition> {
    let state = petitions::parse_state(row)?;
    let cal = st.calendar();
    let today = today();
    let ctx = Ctx { today, rules: &st.rules, calendar: &cal, higher_unit: None };
    let mut replies = Vec::new();
    if let Some(o) = state.opinion.as_ref().filter(|o| o.served_on.is_some()) {
        replies.push(Reply::of("opinion", "信访处理意见书", o));
    }
    if let Some(o) = state.review.as_ref().and_then(|r| r.opinion.as_ref()) {
        replies.push(Reply::of("review_opinion", "复查意见", o));
    }
    if let Some(o) = state.recheck.as_ref().and_then(|r| r.opinion.as_ref()) {
        replies.push(Reply::of("recheck_opinion", "复核意见", o));
    }
    Ok(PublicPetition {
        case_no: row.case_no.clone(),
        labels: Labels::of(row.channel, row.class, row.status),
        received_on: row.received_on.to_string(),
        handling_unit: row.unit.name.clone(),
        deadlines: state.deadlines(&ctx).iter().map(|d| DeadlineView::of(d, today)).collect(),
        timeline: timeline(events, false),
        replies,
        declined_route: state.declined.map(|r| r.label()),
        closed: state.closed.as_ref().map(|c| Closed {
            on: c.on.to_string(),
            reason: c.reason,
            reason_label: c.reason.label(),
        }),
        evaluations: state
            .evaluations
            .iter()
            .map(|e| Evaluated { value: e.value, label: e.value.label(), on: e.on.to_string() })
            .collect(),
    })
}

/// 信访人凭查询码和电话后四位查询进展（无需登录）
#[utoipa::path(get, path = "/api/v1/public/petitions/{query_code}", operation_id = "publicLookup", tag = "portal",
    params(("query_code" = String, Path, description = "查询码"), LookupParams),
    responses((status = 200, description = "事项进展", body = PublicPetition), (status = 400, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody), (status = 429, response = crate::views::ErrorBody)))]
pub async fn lookup(
    State(st): State<AppState>,
    crate::extract::ClientAddr(client): crate::extract::ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiQuery(params): ApiQuery<LookupParams>,
) -> ApiResult<Json<PublicPetition>> {
    let row = find(&st, &client, &code, params.phone_last4.as_deref()).await?;
    Ok(Json(public_view(&st, &row).await?))
}

/// A look-up by POST: the code and the suffix stay out of addresses and logs.
#[derive(Deserialize, ToSchema)]
pub struct LookupBody {
    /// 查询码
    pub query_code: String,
    /// 登记时所留电话的后四位
    pub phone_last4: String,
}

/// 信访人凭查询码和电话后四位查询进展（POST，查询码不出现在地址中；无需登录）
#[utoipa::path(post, path = "/api/v1/public/petitions/lookup", operation_id = "publicLookupByPost", tag = "portal",
    request_body = LookupBody,
    responses((status = 200, description = "事项进展", body = PublicPetition), (status = 400, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody), (status = 413, response = crate::views::ErrorBody), (status = 415, response = crate::views::ErrorBody), (status = 422, response = crate::views::ErrorBody), (status = 429, response = crate::views::ErrorBody)))]
pub async fn lookup_by_post(
    State(st): State<AppState>,
    crate::extract::ClientAddr(client): crate::extract::ClientAddr,
    crate::extract::ApiJson(body): crate::extract::ApiJson<LookupBody>,
) -> ApiResult<Json<PublicPetition>> {
    let row = find(&st, &client, &body.query_code, Some(&body.phone_last4)).await?;
    Ok(Json(public_view(&st, &row).await?))
}

/// 信访人网上提交（无需登录）：返回信访件编号和查询码。收到日期为服务器当日（北京时间），请求中的 received_on 不予采用。带 Idempotency-Key 时，24 小时内以同一键重发同一请求只返回第一次的答复，不再登记
#[utoipa::path(post, path = "/api/v1/public/petitions", operation_id = "publicSubmit", tag = "portal",
    request_body = PetitionInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "客户端自选的请求键（1–200 个可见 ASCII 字符），重发时不变")),
    responses((status = 201, description = "已提交（重发时为第一次的答复，带 Idempotent-Replayed: true）", body = Submitted), (status = 400, response = crate::views::ErrorBody), (status = 409, response = crate::views::ErrorBody), (status = 413, response = crate::views::ErrorBody), (status = 415, response = crate::views::ErrorBody), (status = 422, response = crate::views::ErrorBody), (status = 429, response = crate::views::ErrorBody)))]
pub async fn submit(
    State(st): State<AppState>,
    crate::extract::ClientAddr(client): crate::extract::ClientAddr,
    headers: axum::http::HeaderMap,
    crate::extract::ApiJson(input): crate::extract::ApiJson<PetitionInput>,
) -> ApiResult<axum::response::Response> {
    let key = crate::idempotency::key_of(&headers)?;
    crate::idempotency::once(&st, "public-submit", key, &input, async {
        let new = petitions::register_public(&st, &client, &input, &[]).await?;
        let petition = public_view_from(&st, &new.row, &new.events)?;
        let body = serde_json::to_value(Submitted { petition, query_code: new.row.query_code })
            .map_err(|_| crate::error::AppError::internal())?;
        Ok((axum::http::StatusCode::CREATED, body))
    })
    .await
}

/// The petitioner's own step, with the phone suffix that proves it is
/// theirs. It carries no date: the server records it on today's date
/// (China Standard Time).
#[derive(Deserialize, ToSchema)]
pub struct PublicEvent {
    /// 登记时所留电话的后四位
    pub phone_last4: String,
    #[serde(flatten)]
    pub event: xinfang_domain::petition::EventKind,
}

/// 信访人评价、申请复查或复核（凭查询码和电话后四位）。日期为服务器当日（北京时间）
#[utoipa::path(post, path = "/api/v1/public/petitions/{query_code}/events", operation_id = "publicEvent",
    tag = "portal", params(("query_code" = String, Path, description = "查询码")), request_body = PublicEvent,
    responses((status = 201, description = "已记录；返回事项进展", body = PublicPetition),
        (status = 400, response = crate::views::ErrorBody), (status = 403, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody), (status = 409, response = crate::views::ErrorBody), (status = 413, response = crate::views::ErrorBody), (status = 415, response = crate::views::ErrorBody), (status = 422, response = crate::views::ErrorBody), (status = 429, response = crate::views::ErrorBody)))]
pub async fn add_event(
    State(st): State<AppState>,
    crate::extract::ClientAddr(client): crate::extract::ClientAddr,
    ApiPath(code): ApiPath<String>,
    crate::extract::ApiJson(body): crate::extract::ApiJson<PublicEvent>,
) -> ApiResult<(axum::http::StatusCode, Json<PublicPetition>)> {
    petitions::record_public_event(&st, &client, &code, &body.phone_last4, body.event).await?;
    let row = find(&st, &client, &code, Some(&body.phone_last4)).await?;
    Ok((axum::http::StatusCode::CREATED, Json(public_view(&st, &row).await?)))
}
