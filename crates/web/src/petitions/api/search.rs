//! `/api/v1/search` and the repeat-petition endpoints:
//! `/api/v1/petitions/{id}/similar` and `/api/v1/petitions/{id}/repeat-of`.

use super::views::{PetitionLine, PetitionView, RepeatCandidate, SearchHit, SearchPage, SimilarPage, SnippetPiece};
use crate::auth::CurrentUser;
use crate::error::{ApiResult, AppError};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::petitions::api::{ListParams, parse_filter, petition_view};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use xinfang_app::petitions::search;
use xinfang_app::petitions::search::MAX_OFFSET;
use xinfang_app::{AppState, org, petitions, today};
use xinfang_store::{ListFilter, PetitionId};

/// The search parameters: the query, how words combine, the list filters
/// and an offset (results are ranked, so they page by position).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// 检索词：文字、身份证号、电话或编号
    pub q: Option<String>,
    /// `all` (default): every word must match; `any`: one is enough.
    #[serde(rename = "match")]
    #[param(rename = "match")]
    pub match_: Option<String>,
    /// 从第几条起（0–1000）
    #[param(value_type = Option<i64>, minimum = 0, maximum = 1000)]
    pub offset: Option<String>,
    pub status: Option<String>,
    pub unit: Option<String>,
    pub class: Option<String>,
    pub channel: Option<String>,
    pub received_from: Option<String>,
    pub received_to: Option<String>,
    pub overdue: Option<String>,
    pub limit: Option<String>,
}

pub const DEFAULT_RESULTS: i64 = 20;

/// Fewer petitions than this holding every word of a query: those holding
/// some of them follow.
pub const FEW: usize = 3;

/// Runs a search as the user; returns the JSON page. Shared by the API and
/// the search page.
pub async fn run(st: &AppState, user: &xinfang_store::User, p: &SearchParams) -> ApiResult<SearchPage> {
    let any = match p.match_.as_deref().map(str::trim) {
        None | Some("") | Some("all") => false,
        Some("any") => true,
        Some(_) => return Err(AppError::bad_request("invalid_query", "参数 match 有误：应为 all 或 any")),
    };
    let query = search::parse_query(st, p.q.as_deref().unwrap_or(""), any)?;
    let list = ListParams {
        status: p.status.clone(),
        unit: p.unit.clone(),
        class: p.class.clone(),
        channel: p.channel.clone(),
        received_from: p.received_from.clone(),
        received_to: p.received_to.clone(),
        overdue: p.overdue.clone(),
        limit: Some(p.limit.clone().unwrap_or_else(|| DEFAULT_RESULTS.to_string())),
        ..Default::default()
    };
    let mut filter = parse_filter(st, user, &list).await?;
    let offset = match p.offset.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => s.parse::<i64>().ok().filter(|n| (0..=MAX_OFFSET).contains(n)).ok_or_else(|| {
            AppError::bad_request("invalid_query", format!("参数 offset 有误：应为 0 至 {MAX_OFFSET}"))
        })?,
    };
    let page = filter.limit;
    filter.limit = page + 1;
    let viewer = org::viewer(st, user);
    let mut hits = st.store.search_petitions(&query.by, &filter, &viewer, offset).await?;
    // The count rides on every row; past the last page, ask the first.
    let total = match hits.first() {
        Some(h) => h.matched,
        None if offset > 0 => {
            let first = ListFilter { limit: 1, ..filter.clone() };
            st.store.search_petitions(&query.by, &first, &viewer, 0).await?.first().map_or(0, |h| h.matched)
        }
        None => 0,
    };
    let mut more = hits.len() as i64 > page;
    hits.truncate(page as usize);
    let mut terms = query.terms;
    let mut total = total;
    // Less than a page as typed: the synonyms and abbreviations too (issue
    // 25 ¶8), their finds after the others. Tried second because a common
    // word finds a page as typed, and the wider query costs more.
    let mut wide_tq = None;
    if let (Some(wide), 0) = (&query.wide, offset)
        && (hits.len() as i64) < page
    {
        total = total.max(append(st, wide, &filter, &viewer, &mut hits, page).await?);
        terms = wide.terms();
        more = false;
        wide_tq = Some(wide.clone());
    }
    let strict = hits.len();
    // Too few hold every word: those that hold most of them follow, ranked,
    // on the first page, never an empty page where a partial match exists.
    let full = match (&query.by, wide_tq) {
        (_, Some(w)) => Some(w),
        (xinfang_store::SearchBy::Text(tq), None) => Some(tq.clone()),
        _ => None,
    };
    if let (Some(tq), 0) = (full, offset)
        && hits.len() < FEW
        && let Some(relaxed) = tq.relaxed()
    {
        total = total.max(append(st, &relaxed, &filter, &viewer, &mut hits, page).await?);
        terms = relaxed.terms();
        more = false;
    }
    let today = today();
    let items = hits
        .iter()
        .enumerate()
        .map(|(i, h)| SearchHit {
            line: PetitionLine::of(&h.summary, today),
            score: h.score,
            partial: i >= strict,
            snippet: search::snippet_of(&h.request, &h.facts, &h.reasons, &terms)
                .iter()
                .map(SnippetPiece::of)
                .collect(),
        })
        .collect();
    Ok(SearchPage {
        mode: query.mode,
        terms,
        items,
        next_offset: (more && offset + page <= MAX_OFFSET).then_some(offset + page),
        total,
        total_capped: query.mode == "text" && total >= xinfang_store::RANK_WINDOW,
    })
}

/// Appends to `hits` what the wider query `tq` finds that is not there yet,
/// up to a page; returns how many it matched.
async fn append(
    st: &AppState,
    tq: &xinfang_text::TextQuery,
    filter: &ListFilter,
    viewer: &xinfang_store::Viewer,
    hits: &mut Vec<xinfang_store::SearchHit>,
    page: i64,
) -> ApiResult<i64> {
    let wider = st.store.search_petitions(&xinfang_store::SearchBy::Text(tq.clone()), filter, viewer, 0).await?;
    let matched = wider.first().map_or(0, |h| h.matched);
    let seen: std::collections::BTreeSet<i64> = hits.iter().map(|h| h.summary.id.0).collect();
    let room = (page as usize).saturating_sub(hits.len());
    hits.extend(wider.into_iter().filter(|h| !seen.contains(&h.summary.id.0)).take(room));
    Ok(matched)
}

/// 全文检索（中文分词；身份证号、电话、编号精确查找）
#[utoipa::path(get, path = "/api/v1/search", operation_id = "searchPetitions", tag = "petitions",
    security(("bearer" = [])), params(SearchParams),
    responses((status = 200, description = "一页结果", body = SearchPage), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody)))]
pub async fn search(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchPage>> {
    Ok(Json(run(&st, &user, &params).await?))
}

/// 可能重复的早前事项，及关联为本件重复件的事项
#[utoipa::path(get, path = "/api/v1/petitions/{id}/similar", operation_id = "similarPetitions", tag = "petitions",
    security(("bearer" = [])), params(("id" = i64, Path, description = "信访事项 id")),
    responses((status = 200, description = "候选与已关联的重复件", body = SimilarPage), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody)))]
pub async fn similar(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<PetitionId>,
) -> ApiResult<Json<SimilarPage>> {
    let row = petitions::load_visible(&st, &user, id).await?;
    let found = search::candidates(&st, &user, &row).await?;
    let repeats = st.store.repeats_of(id, Some(&org::viewer(&st, &user))).await?;
    let today = today();
    Ok(Json(SimilarPage {
        repeat_of: row.repeat_of.map(|p| p.0),
        candidates: found.iter().map(|c| RepeatCandidate::of(c, today)).collect(),
        repeats: repeats.iter().map(|r| PetitionLine::of(r, today)).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// The id of the earlier petition.
    #[schema(value_type = i64)]
    pub of: PetitionId,
}

/// 关联为早前事项的重复件（重复信访）
#[utoipa::path(put, path = "/api/v1/petitions/{id}/repeat-of", operation_id = "linkRepeat", tag = "petitions",
    security(("bearer" = [])), params(("id" = i64, Path, description = "信访事项 id")), request_body = LinkBody,
    responses((status = 200, description = "已关联；返回事项", body = PetitionView),
        (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody), (status = 403, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody), (status = 409, response = crate::views::ErrorBody), (status = 413, response = crate::views::ErrorBody), (status = 415, response = crate::views::ErrorBody), (status = 422, response = crate::views::ErrorBody)))]
pub async fn link(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<PetitionId>,
    ApiJson(body): ApiJson<LinkBody>,
) -> ApiResult<Json<PetitionView>> {
    petitions::link_repeat(&st, &user, id, Some(body.of)).await?;
    let row = petitions::load_visible(&st, &user, id).await?;
    Ok(Json(petition_view(&st, &row).await?))
}

/// 取消重复件关联
#[utoipa::path(delete, path = "/api/v1/petitions/{id}/repeat-of", operation_id = "unlinkRepeat", tag = "petitions",
    security(("bearer" = [])), params(("id" = i64, Path, description = "信访事项 id")),
    responses((status = 200, description = "已取消；返回事项", body = PetitionView), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody), (status = 403, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody), (status = 409, response = crate::views::ErrorBody)))]
pub async fn unlink(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<PetitionId>,
) -> ApiResult<Json<PetitionView>> {
    petitions::link_repeat(&st, &user, id, None).await?;
    let row = petitions::load_visible(&st, &user, id).await?;
    Ok(Json(petition_view(&st, &row).await?))
}
