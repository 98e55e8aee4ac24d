//! `/api/v1/disputes`: register, list, read, record steps.

use crate::auth::CurrentUser;
use crate::error::{ApiResult, AppError};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::views::UnitRef;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xinfang_app::{AppState, disputes, today};
use xinfang_domain::dispute::{
    DisputeCategory, DisputeClock, DisputeEvent, DisputeInput, DisputeStatus, PartyKind, PartyRole, Risk, Source,
};
use xinfang_store::DisputeFilter;

/// A party as staff see it: numbers masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyView {
    pub seq: i64,
    pub role: PartyRole,
    pub kind: PartyKind,
    pub name: String,
    pub address: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

/// A step as the timeline shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeStepView {
    pub seq: i64,
    /// 步骤类型
    #[serde(rename = "type")]
    pub kind: String,
    pub label: String,
    pub on: chrono::NaiveDate,
    pub actor: Option<String>,
    /// The step as recorded.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
}

/// A dispute with its parties, steps and running clocks.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeView {
    pub id: i64,
    pub case_no: String,
    pub unit: UnitRef,
    pub responsible_unit: Option<UnitRef>,
    pub responsible_person: Option<String>,
    pub source: Source,
    /// The petition it came from, if the viewer may see it.
    pub petition_id: Option<i64>,
    pub found_on: chrono::NaiveDate,
    pub category: DisputeCategory,
    pub place: String,
    pub summary: String,
    pub claims: String,
    pub people_involved: Option<i64>,
    /// 争议金额（元）
    pub amount_yuan: Option<f64>,
    pub risk: Risk,
    pub risk_reason: String,
    pub status: DisputeStatus,
    pub status_label: String,
    pub resolve_by: Option<chrono::NaiveDate>,
    pub clocks: Vec<DisputeClock>,
    pub parties: Vec<PartyView>,
    pub steps: Vec<DisputeStepView>,
    pub version: i64,
}

fn vocab<T>(parse: fn(&str) -> Option<T>, s: &str, what: &str) -> ApiResult<T> {
    parse(s).ok_or_else(|| AppError::from(xinfang_app::Error::Corrupt(format!("{what} {s}"))))
}

pub(crate) fn dispute_view(v: &disputes::DisputeView) -> ApiResult<DisputeView> {
    let r = &v.row;
    let parties = v
        .parties
        .iter()
        .map(|p| {
            Ok(PartyView {
                seq: p.seq,
                role: vocab(PartyRole::parse, &p.role, "party role")?,
                kind: vocab(PartyKind::parse, &p.kind, "party kind")?,
                name: p.name.clone(),
                address: p.address.clone(),
                phone: p.phone.as_ref().map(|s| s.masked.clone()),
                id_number: p.id_number.as_ref().map(|s| s.masked.clone()),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let steps = v
        .events
        .iter()
        .map(|e| {
            let parsed: Option<DisputeEvent> = serde_json::from_str(&e.body).ok();
            DisputeStepView {
                seq: e.seq,
                kind: e.kind.clone(),
                label: parsed.map(|p| p.kind.label().to_string()).unwrap_or_default(),
                on: e.on,
                actor: e.actor.clone(),
                body: serde_json::from_str(&e.body).unwrap_or_default(),
            }
        })
        .collect();
    Ok(DisputeView {
        id: r.id,
        case_no: r.case_no.clone(),
        unit: UnitRef::of(&r.unit),
        responsible_unit: r.responsible_unit.as_ref().map(UnitRef::of),
        responsible_person: v.state.responsible_person.clone(),
        source: vocab(Source::parse, &r.source, "source")?,
        petition_id: v.petition.map(|p| p.0),
        found_on: r.found_on,
        category: vocab(DisputeCategory::parse, &r.category, "category")?,
        place: r.place.clone(),
        summary: r.summary.clone(),
        claims: r.claims.clone(),
        people_involved: r.people_involved,
        amount_yuan: r.amount_fen.map(|f| f as f64 / 100.0),
        risk: vocab(Risk::parse, &r.risk, "risk")?,
        risk_reason: r.risk_reason.clone(),
        status: v.state.status,
        status_label: v.state.status.label().into(),
        resolve_by: v.state.resolve_by,
        clocks: v.clocks.clone(),
        parties,
        steps,
        version: r.version,
    })
}

/// 登记矛盾纠纷
#[utoipa::path(post, path = "/api/v1/disputes", operation_id = "createDispute", tag = "disputes",
    security(("bearer" = [])), request_body = DisputeInput,
    responses((status = 201, description = "已登记", body = DisputeView), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody), (status = 403, response = crate::views::ErrorBody), (status = 409, response = crate::views::ErrorBody), (status = 413, response = crate::views::ErrorBody), (status = 415, response = crate::views::ErrorBody), (status = 422, response = crate::views::ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(input): ApiJson<DisputeInput>,
) -> ApiResult<(StatusCode, Json<DisputeView>)> {
    let (id, _) = disputes::register(&st, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(dispute_view(&disputes::view(&st, &user, id).await?)?)))
}

/// 查看矛盾纠纷（含当前计算的各项期限）
#[utoipa::path(get, path = "/api/v1/disputes/{dispute}", operation_id = "getDispute", tag = "disputes",
    security(("bearer" = [])), params(("dispute" = i64, Path, description = "纠纷 id")),
    responses((status = 200, description = "纠纷", body = DisputeView), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<DisputeView>> {
    Ok(Json(dispute_view(&disputes::view(&st, &user, id).await?)?))
}

/// 记录纠纷的调处步骤（规则不允许的步骤返回 409 并说明理由）
#[utoipa::path(post, path = "/api/v1/disputes/{dispute}/events", operation_id = "addDisputeEvent", tag = "disputes",
    security(("bearer" = [])), params(("dispute" = i64, Path, description = "纠纷 id")), request_body = DisputeEvent,
    responses((status = 201, description = "已记录；返回纠纷", body = DisputeView),
        (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody), (status = 403, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody), (status = 409, response = crate::views::ErrorBody), (status = 413, response = crate::views::ErrorBody), (status = 415, response = crate::views::ErrorBody), (status = 422, response = crate::views::ErrorBody)))]
pub async fn add_event(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(event): ApiJson<DisputeEvent>,
) -> ApiResult<(StatusCode, Json<DisputeView>)> {
    disputes::record_step(&st, &user, id, event).await?;
    Ok((StatusCode::CREATED, Json(dispute_view(&disputes::view(&st, &user, id).await?)?)))
}

/// The ledger's filters, as the API and the page take them.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisputeParams {
    /// 状态
    #[param(value_type = Option<DisputeStatus>)]
    pub status: Option<String>,
    /// 风险等级
    #[param(value_type = Option<Risk>)]
    pub risk: Option<String>,
    /// 纠纷类别
    #[param(value_type = Option<DisputeCategory>)]
    pub category: Option<String>,
    /// 只看未化解的
    #[param(value_type = Option<bool>)]
    pub open: Option<String>,
    /// 只看已超过化解时限的
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// 从第几条起
    #[param(value_type = Option<i64>, minimum = 0)]
    pub offset: Option<String>,
    /// 每页条数（1–200，默认 50）
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

/// The filter the parameters ask for; every bad value is a 400 naming it.
pub fn parse_filter(p: &DisputeParams) -> ApiResult<DisputeFilter> {
    fn bad(name: &str, msg: &str) -> AppError {
        AppError::bad_request("invalid_query", format!("参数 {name} 有误：{msg}"))
    }
    fn nonempty(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    fn flag(name: &str, v: &Option<String>) -> ApiResult<bool> {
        match nonempty(v) {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(_) => Err(bad(name, "应为 true 或 false")),
        }
    }
    let word = |name: &str, v: &Option<String>, ok: fn(&str) -> bool| -> ApiResult<Option<String>> {
        match nonempty(v) {
            Some(s) if ok(s) => Ok(Some(s.to_string())),
            Some(_) => Err(bad(name, "取值不在列表中")),
            None => Ok(None),
        }
    };
    let number = |name: &str, v: &Option<String>, range: std::ops::RangeInclusive<i64>, default: i64| match nonempty(v)
    {
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| bad(name, &format!("应为 {} 至 {} 的整数", range.start(), range.end()))),
        None => Ok(default),
    };
    Ok(DisputeFilter {
        status: word("status", &p.status, |s| DisputeStatus::parse(s).is_some())?,
        risk: word("risk", &p.risk, |s| Risk::parse(s).is_some())?,
        category: word("category", &p.category, |s| DisputeCategory::parse(s).is_some())?,
        open: flag("open", &p.open)?,
        petition_id: None,
        overdue_on: flag("overdue", &p.overdue)?.then(today),
        offset: number("offset", &p.offset, 0..=1_000_000, 0)?,
        limit: number("limit", &p.limit, 1..=200, 50)?,
    })
}

/// A ledger line.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeLineView {
    pub id: i64,
    pub case_no: String,
    pub found_on: chrono::NaiveDate,
    pub category: String,
    pub place: String,
    pub summary: String,
    pub risk: String,
    pub status: String,
    pub unit: String,
    pub responsible_unit: Option<String>,
    pub resolve_by: Option<chrono::NaiveDate>,
    /// 当事人姓名或名称
    pub parties: String,
    /// 责任领导（包案）
    pub leader: Option<String>,
}

/// A page of the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisputePage {
    pub items: Vec<DisputeLineView>,
    pub total: i64,
}

/// 矛盾纠纷台账
#[utoipa::path(get, path = "/api/v1/disputes", operation_id = "listDisputes", tag = "disputes",
    security(("bearer" = [])), params(DisputeParams),
    responses((status = 200, description = "一页", body = DisputePage), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(params): ApiQuery<DisputeParams>,
) -> ApiResult<Json<DisputePage>> {
    let f = parse_filter(&params)?;
    let (lines, total) = disputes::list(&st, &user, &f).await?;
    let items = lines
        .into_iter()
        .map(|l| DisputeLineView {
            id: l.id,
            case_no: l.case_no,
            found_on: l.found_on,
            category: l.category,
            place: l.place,
            summary: l.summary,
            risk: l.risk,
            status: l.status,
            unit: l.unit_name,
            responsible_unit: l.responsible_unit_name,
            resolve_by: l.resolve_by,
            parties: l.parties,
            leader: l.leader,
        })
        .collect();
    Ok(Json(DisputePage { items, total }))
}

/// 查看当事人完整的身份证号和电话号码（记入审计日志）
#[utoipa::path(post, path = "/api/v1/disputes/{dispute}/parties/{seq}/reveal", operation_id = "revealParty", tag = "disputes",
    security(("bearer" = [])),
    params(("dispute" = i64, Path, description = "纠纷 id"), ("seq" = i64, Path, description = "当事人序号（从 0 开始）")),
    responses((status = 200, description = "完整号码", body = crate::petitions::api::views::Revealed), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody), (status = 403, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody)))]
pub async fn reveal(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, seq)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<crate::petitions::api::views::Revealed>> {
    let p = disputes::reveal(&st, &user, id, seq, "api").await?;
    Ok(Json(crate::petitions::api::views::Revealed {
        seq: p.seq,
        name: p.name,
        phone: p.phone,
        id_number: p.id_number,
    }))
}
