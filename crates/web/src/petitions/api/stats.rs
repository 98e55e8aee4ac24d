//! `/api/v1/stats/monthly`: how many petitions the user's units received,
//! by month × receiving unit × class, and the year's totals by content
//! category (Art. 41's annual figures start here).
//! It counts matters, never people.

use super::views::LineUnit;
use crate::auth::CurrentUser;
use crate::error::{ApiResult, AppError};
use crate::extract::ApiQuery;
use crate::views::UnitRef;
use axum::Json;
use axum::extract::State;
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use xinfang_app::{AppState, org, today};
use xinfang_domain::petition::PetitionClass;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// 年份（2000–2100，默认今年）
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
}

/// A cell of the monthly statistics: month × receiving unit × class.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyRow {
    /// `YYYY-MM`.
    pub month: String,
    pub unit: LineUnit,
    #[schema(value_type = PetitionClass)]
    pub class: String,
    pub class_label: Option<&'static str>,
    pub count: i64,
}

/// The year's totals, all and by class and month.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyTotals {
    pub all: i64,
    pub by_class: BTreeMap<String, i64>,
    pub by_month: BTreeMap<String, i64>,
    /// By content category (内容分类), largest first.
    pub by_category: Vec<CategoryCount>,
}

/// The year's count of one content category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryCount {
    pub code: String,
    pub label: String,
    pub count: i64,
}

/// What the user's units received in a year, counting matters (never people).
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyStats {
    pub year: i32,
    /// The user's unit: the figures cover it and the units below it.
    pub unit: UnitRef,
    pub rows: Vec<MonthlyRow>,
    pub totals: MonthlyTotals,
}

/// 月度统计：按月份、收件单位、类别计件（只计事项，不计人次）
#[utoipa::path(get, path = "/api/v1/stats/monthly", operation_id = "monthlyStats", tag = "petitions",
    security(("bearer" = [])), params(Params),
    responses((status = 200, description = "全年各月", body = MonthlyStats), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody)))]
pub async fn monthly(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(p): ApiQuery<Params>,
) -> ApiResult<Json<MonthlyStats>> {
    let year = match p.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => today().year(),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| AppError::bad_request("invalid_query", "参数 year 应为 2000 至 2100 的年份"))?,
    };
    let viewer = org::viewer(&st, &user);
    let (rows, categories) =
        tokio::try_join!(st.store.monthly_counts(year, &viewer), st.store.category_counts(year, &viewer))?;
    let mut by_category: Vec<CategoryCount> = categories
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(code, count)| CategoryCount { label: xinfang_domain::petition::category::label(&code), code, count })
        .collect();
    by_category.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    let mut by_class: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_month: BTreeMap<String, i64> = BTreeMap::new();
    for r in &rows {
        *by_class.entry(r.class.as_str().to_string()).or_default() += r.count;
        *by_month.entry(r.month.clone()).or_default() += r.count;
    }
    Ok(Json(MonthlyStats {
        year,
        unit: UnitRef::of(&user.unit),
        totals: MonthlyTotals { all: rows.iter().map(|r| r.count).sum(), by_class, by_month, by_category },
        rows: rows
            .into_iter()
            .map(|r| MonthlyRow {
                class_label: Some(r.class.label()),
                unit: LineUnit { code: r.unit_code, name: r.unit_name },
                month: r.month,
                class: r.class.as_str().into(),
                count: r.count,
            })
            .collect(),
    }))
}
