//! `/api/v1/petitions`: register, list, read, record steps, reveal a
//! personal number (audited).

pub mod documents;
pub mod export;
pub mod search;
pub mod stats;
pub mod views;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, AppError};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::views::UnitRef;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use views::*;
use xinfang_app::{AppState, org, petitions, today};
use xinfang_domain::petition::procedure::Ctx;
use xinfang_domain::petition::{Channel, Event, PetitionClass, PetitionInput, PetitionStatus};
use xinfang_store::{EventRow, ListFilter, ListSort, PetitionId, PetitionRow, PetitionSummary, PetitionerRecord};

/// The whole petition for staff: facts, masked petitioners, timeline and
/// the deadlines computed now.
pub async fn petition_view(st: &AppState, row: &PetitionRow) -> ApiResult<PetitionView> {
    let petitioners = st.store.petitioners(row.id).await?;
    let events = st.store.events(row.id).await?;
    petition_view_from(st, row, &petitioners, &events)
}

/// As [`petition_view`], from parts already in hand.
pub fn petition_view_from(
    st: &AppState,
    row: &PetitionRow,
    petitioners: &[PetitionerRecord],
    events: &[EventRow],
) -> ApiResult<PetitionView> {
    let state = petitions::parse_state(row)?;
    let cal = st.calendar();
    let today = today();
    let ctx = Ctx { today, rules: &st.rules, calendar: &cal, higher_unit: None };
    let deadlines = state.deadlines(&ctx).iter().map(|d| DeadlineView::of(d, today)).collect();
    let representatives = petitioners.iter().filter(|p| p.representative).count();
    Ok(PetitionView {
        id: row.id.0,
        case_no: row.case_no.clone(),
        query_code: row.query_code.clone(),
        labels: Labels::of(row.channel, row.class, row.status),
        unit: UnitRef::of(&row.unit),
        registered_unit: UnitRef::of(&row.registered_unit),
        respondent_unit: row.respondent_unit.as_ref().map(UnitRef::of),
        received_on: row.received_on.to_string(),
        subject: row.subject.clone(),
        request: row.request.clone(),
        facts: row.facts.clone(),
        reasons: row.reasons.clone(),
        collective: row.collective_persons.map(|persons| CollectiveView { persons, representatives }),
        petitioners: petitioners.iter().map(PetitionerView::of).collect(),
        deadlines,
        events: timeline(events, true),
        procedure: state,
        repeat_of: row.repeat_of.map(|p| p.0),
        content_category: row.content_category.clone(),
        content_category_label: xinfang_domain::petition::category::label(&row.content_category),
        problem_unit: row.problem_unit.as_ref().map(UnitRef::of),
        handler: row.handler.as_ref().map(|h| HandlerRef { username: h.username.clone(), name: h.name.clone() }),
        version: row.version,
        created_at: row.created_at.to_rfc3339(),
        updated_at: row.updated_at.to_rfc3339(),
    })
}

/// 登记信访事项
#[utoipa::path(post, path = "/api/v1/petitions", operation_id = "createPetition", tag = "petitions",
    security(("bearer" = [])), request_body = PetitionInput,
    responses((status = 201, description = "已登记", body = PetitionView), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody), (status = 403, response = crate::views::ErrorBody), (status = 409, response = crate::views::ErrorBody), (status = 413, response = crate::views::ErrorBody), (status = 415, response = crate::views::ErrorBody), (status = 422, response = crate::views::ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(input): ApiJson<PetitionInput>,
) -> ApiResult<(StatusCode, Json<PetitionView>)> {
    let new = petitions::register(&st, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(petition_view_from(&st, &new.row, &new.petitioners, &new.events)?)))
}

/// 查看信访事项（含当前计算的各项期限）
#[utoipa::path(get, path = "/api/v1/petitions/{id}", operation_id = "getPetition", tag = "petitions",
    security(("bearer" = [])), params(("id" = i64, Path, description = "信访事项 id")),
    responses((status = 200, description = "信访事项", body = PetitionView), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<PetitionId>,
) -> ApiResult<Json<PetitionView>> {
    let row = petitions::load_visible(&st, &user, id).await?;
    Ok(Json(petition_view(&st, &row).await?))
}

/// 记录办理步骤（程序不允许的步骤返回 409，并指明条款）
#[utoipa::path(post, path = "/api/v1/petitions/{id}/events", operation_id = "addEvent", tag = "petitions",
    security(("bearer" = [])), params(("id" = i64, Path, description = "信访事项 id")), request_body = Event,
    responses((status = 201, description = "已记录；返回事项", body = PetitionView),
        (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody), (status = 403, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody), (status = 409, response = crate::views::ErrorBody), (status = 413, response = crate::views::ErrorBody), (status = 415, response = crate::views::ErrorBody), (status = 422, response = crate::views::ErrorBody)))]
pub async fn add_event(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<PetitionId>,
    ApiJson(event): ApiJson<Event>,
) -> ApiResult<(StatusCode, Json<PetitionView>)> {
    petitions::record_event(&st, &user, id, event).await?;
    let row = petitions::load_visible(&st, &user, id).await?;
    Ok((StatusCode::CREATED, Json(petition_view(&st, &row).await?)))
}

/// A content category (内容分类).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CategoryView {
    /// Two digits for the first level, four for the second.
    pub code: &'static str,
    pub name: &'static str,
    /// The first-level code of a second-level category.
    pub parent: Option<&'static str>,
    /// `城乡建设 / 征地拆迁`.
    pub label: String,
}

/// 内容分类（两级，`00` 为未分类）：登记、筛选和统计用的代码
#[utoipa::path(get, path = "/api/v1/content-categories", operation_id = "contentCategories", tag = "petitions",
    security(("bearer" = [])),
    responses((status = 200, description = "全部分类，一级类在前、其二级类随后", body = [CategoryView]), (status = 401, response = crate::views::ErrorBody)))]
pub async fn content_categories(CurrentUser(_user): CurrentUser) -> Json<Vec<CategoryView>> {
    Json(
        xinfang_domain::petition::category::all()
            .iter()
            .map(|c| CategoryView {
                code: c.code,
                name: c.name,
                parent: c.parent,
                label: xinfang_domain::petition::category::label(c.code),
            })
            .collect(),
    )
}

/// The ledger's filters, order and page. Each is read as text and checked
/// here, so a bad value is a 400 that names it.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// 状态
    #[param(value_type = Option<PetitionStatus>)]
    pub status: Option<String>,
    /// 单位代码：事项在该单位或其下级（现在或曾经）
    pub unit: Option<String>,
    /// 类别
    #[param(value_type = Option<PetitionClass>)]
    pub class: Option<String>,
    /// 渠道
    #[param(value_type = Option<Channel>)]
    pub channel: Option<String>,
    /// 收到日期起
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub received_from: Option<String>,
    /// 收到日期止
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub received_to: Option<String>,
    /// 只看有超期期限的事项
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// 现办理单位代码：事项现在在该单位或其下级办理
    pub at: Option<String>,
    /// 与 at 同用：只看该单位本身，不含下级
    #[param(value_type = Option<bool>)]
    pub at_only: Option<String>,
    /// 最近的办理期限（进行中）不早于该日
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub due_from: Option<String>,
    /// 最近的办理期限（进行中）不晚于该日
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub due_to: Option<String>,
    /// 承办人的用户名；`me` 为本人
    pub handler: Option<String>,
    /// 只看未办结的事项
    #[param(value_type = Option<bool>)]
    pub open: Option<String>,
    /// 内容分类代码（一级类包含其二级类），见 /api/v1/content-categories
    pub content_category: Option<String>,
    /// 问题属地：单位代码（含其下级）
    pub problem_unit: Option<String>,
    /// 上一页返回的 next_cursor
    pub cursor: Option<String>,
    /// 每页条数（1–200，默认 50）
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `newest` (default), `received_desc`, `received_asc`, `due_asc`.
    pub sort: Option<String>,
    /// 页码（仅供页面显示第几页，随 cursor 传递）
    #[param(value_type = Option<i64>)]
    pub page: Option<String>,
}

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

/// Turns list parameters into a filter for `user`; every bad value is a
/// 400 naming it.
pub async fn parse_filter(st: &AppState, user: &xinfang_store::User, p: &ListParams) -> ApiResult<ListFilter> {
    fn bad(name: &str, msg: &str) -> AppError {
        AppError::bad_request("invalid_query", format!("参数 {name} 有误：{msg}"))
    }
    fn nonempty(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let mut f = ListFilter { limit: DEFAULT_PAGE, ..Default::default() };
    if let Some(s) = nonempty(&p.status) {
        f.status = Some(PetitionStatus::parse(s).ok_or_else(|| bad("status", "未知状态"))?);
    }
    if let Some(s) = nonempty(&p.class) {
        f.class = Some(PetitionClass::parse(s).ok_or_else(|| bad("class", "应为 suggestion、report 或 appeal"))?);
    }
    if let Some(s) = nonempty(&p.channel) {
        f.channel = Some(Channel::parse(s).ok_or_else(|| bad("channel", "应为 online、letter、visit、phone 或 fax"))?);
    }
    let date = |name: &str, v: &Option<String>| -> ApiResult<Option<chrono::NaiveDate>> {
        nonempty(v)
            .map(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad(name, "日期格式应为 YYYY-MM-DD")))
            .transpose()
    };
    f.received_from = date("received_from", &p.received_from)?;
    f.received_to = date("received_to", &p.received_to)?;
    f.due_from = date("due_from", &p.due_from)?;
    f.due_to = date("due_to", &p.due_to)?;
    let at_only = match nonempty(&p.at_only) {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => return Err(bad("at_only", "应为 true 或 false")),
    };
    match nonempty(&p.at) {
        Some(code) => {
            let unit = st.unit(code).await?.ok_or_else(|| bad("at", "单位不存在"))?;
            f.at_unit_ids = Some(if at_only { vec![unit.id] } else { st.cached_units().subtree_ids(&unit) });
        }
        None if at_only => return Err(bad("at_only", "须与 at（现办理单位）同用")),
        None => {}
    }
    match nonempty(&p.overdue) {
        None | Some("false") | Some("0") => {}
        Some("true") | Some("1") => f.overdue_before = Some(today()),
        Some(_) => return Err(bad("overdue", "应为 true 或 false")),
    }
    if let Some(code) = nonempty(&p.unit) {
        let unit = st.unit(code).await?.ok_or_else(|| bad("unit", "单位不存在"))?;
        f.unit_ids = Some(st.cached_units().subtree_ids(&unit));
    }
    match nonempty(&p.open) {
        None | Some("false") | Some("0") => {}
        Some("true") | Some("1") => f.open_only = true,
        Some(_) => return Err(bad("open", "应为 true 或 false")),
    }
    match nonempty(&p.handler) {
        None => {}
        Some("me") => f.handler_id = Some(user.id),
        Some(name) => {
            let u = st.store.user_by_username(name).await?.ok_or_else(|| bad("handler", "没有这个用户"))?;
            f.handler_id = Some(u.id);
        }
    }
    if let Some(code) = nonempty(&p.content_category) {
        if xinfang_domain::petition::category::find(code).is_none() {
            return Err(bad("content_category", "没有这个内容分类（见 /api/v1/content-categories）"));
        }
        f.content_category = Some(code.to_string());
    }
    if let Some(code) = nonempty(&p.problem_unit) {
        let unit = st.unit(code).await?.ok_or_else(|| bad("problem_unit", "单位不存在"))?;
        f.problem_unit_ids = Some(st.cached_units().subtree_ids(&unit));
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

/// 信访事项台账（新登记在前，游标分页）
#[utoipa::path(get, path = "/api/v1/petitions", operation_id = "listPetitions", tag = "petitions",
    security(("bearer" = [])), params(ListParams),
    responses((status = 200, description = "一页", body = PetitionPage), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<PetitionPage>> {
    let mut filter = parse_filter(&st, &user, &params).await?;
    let page = filter.limit;
    filter.limit = page + 1;
    let mut rows = st.store.list_petitions(&filter, &org::viewer(&st, &user)).await?;
    let more = rows.len() as i64 > page;
    rows.truncate(page as usize);
    let next = if more { rows.last().map(|r| next_cursor(filter.sort, r)) } else { None };
    let today = today();
    Ok(Json(PetitionPage { items: rows.iter().map(|r| PetitionLine::of(r, today)).collect(), next_cursor: next }))
}

/// Shows one petitioner's full ID and phone numbers to a role that needs
/// them; every reveal is written to the audit log first.
#[utoipa::path(post, path = "/api/v1/petitions/{id}/petitioners/{seq}/reveal", operation_id = "revealPetitioner",
    tag = "petitions", summary = "查看完整身份证号和电话（记入审计日志）", security(("bearer" = [])),
    params(("id" = i64, Path, description = "信访事项 id"), ("seq" = i64, Path, description = "信访人序号（从 0 开始）")),
    responses((status = 200, description = "完整号码", body = Revealed), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody), (status = 403, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody)))]
pub async fn reveal(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, seq)): ApiPath<(PetitionId, i64)>,
) -> ApiResult<Json<Revealed>> {
    let full = petitions::reveal(&st, &user, id, Some(seq), "api").await?;
    let p = full.into_iter().next().ok_or_else(AppError::not_found)?;
    Ok(Json(Revealed { seq: p.seq, name: p.name, phone: p.phone, id_number: p.id_number }))
}
