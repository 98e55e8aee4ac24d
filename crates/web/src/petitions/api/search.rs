//! `/api/v1/search` and the repeat-petition endpoints:
//! `/api/v1/petitions/{id}/similar` and `/api/v1/petitions/{id}/repeat-of`.

use crate::auth::CurrentUser;
use crate::error::{ApiResult, AppError};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::petitions::api::{ListParams, parse_filter, petition_json, summary_json};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use xinfang_app::petitions::search;
use xinfang_app::petitions::search::{Candidate, MAX_OFFSET};
use xinfang_app::{AppState, org, petitions, today};

/// The search parameters: the query, how words combine, the list filters
/// and an offset (results are ranked, so they page by position).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    pub q: Option<String>,
    /// `all` (default): every word must match; `any`: one is enough.
    #[serde(rename = "match")]
    pub match_: Option<String>,
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

/// Runs a search as the user; returns the JSON page. Shared by the API and
/// the search page.
pub async fn run(st: &AppState, user: &xinfang_store::User, p: &SearchParams) -> ApiResult<Value> {
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
    let mut filter = parse_filter(st, &list).await?;
    let offset = match p.offset.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => s.parse::<i64>().ok().filter(|n| (0..=MAX_OFFSET).contains(n)).ok_or_else(|| {
            AppError::bad_request("invalid_query", format!("参数 offset 有误：应为 0 至 {MAX_OFFSET}"))
        })?,
    };
    let page = filter.limit;
    filter.limit = page + 1;
    let mut hits = st.store.search_petitions(&query.by, &filter, &org::viewer(st, user), offset).await?;
    let more = hits.len() as i64 > page;
    hits.truncate(page as usize);
    let today = today();
    let items: Vec<Value> = hits
        .iter()
        .map(|h| {
            let mut v = summary_json(&h.summary, today);
            v["score"] = json!(h.score);
            v["snippet"] = json!(search::snippet_of(&h.request, &h.facts, &h.reasons, &query.terms));
            v
        })
        .collect();
    Ok(json!({
        "mode": query.mode,
        "terms": query.terms,
        "items": items,
        "next_offset": (more && offset + page <= MAX_OFFSET).then_some(offset + page),
    }))
}

pub async fn search(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Json<Value>> {
    Ok(Json(run(&st, &user, &params).await?))
}

pub fn candidate_json(c: &Candidate, today: chrono::NaiveDate) -> Value {
    let mut v = summary_json(&c.summary, today);
    v["score"] = json!((c.assessment.score * 100.0).round() / 100.0);
    v["similarity"] = json!((c.similarity * 100.0).round() / 100.0);
    v["reason"] = json!(c.assessment.reason);
    v["reason_label"] = json!(c.assessment.reason.label());
    v["likely"] = json!(c.assessment.likely);
    v["flags"] = json!(c.flags);
    v["linked"] = json!(c.linked);
    v
}

pub async fn similar(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    let row = petitions::load_visible(&st, &user, id).await?;
    let found = search::candidates(&st, &user, &row).await?;
    let repeats = st.store.repeats_of(id, Some(&org::viewer(&st, &user))).await?;
    let today = today();
    Ok(Json(json!({
        "repeat_of": row.repeat_of,
        "candidates": found.iter().map(|c| candidate_json(c, today)).collect::<Vec<_>>(),
        "repeats": repeats.iter().map(|r| summary_json(r, today)).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// The id of the earlier petition.
    pub of: i64,
}

pub async fn link(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<LinkBody>,
) -> ApiResult<Json<Value>> {
    petitions::link_repeat(&st, &user, id, Some(body.of)).await?;
    let row = st.store.petition(id).await?.ok_or_else(AppError::internal)?;
    Ok(Json(petition_json(&st, &row).await?))
}

pub async fn unlink(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    petitions::link_repeat(&st, &user, id, None).await?;
    let row = st.store.petition(id).await?.ok_or_else(AppError::internal)?;
    Ok(Json(petition_json(&st, &row).await?))
}
