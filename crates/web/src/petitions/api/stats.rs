//! `/api/v1/stats/monthly`: how many petitions the user's units received,
//! by month × receiving unit × class (Art. 41's annual figures start here).
//! It counts matters, never people.

use crate::auth::CurrentUser;
use crate::error::{ApiResult, AppError};
use crate::extract::ApiQuery;
use crate::session::api::unit_json;
use axum::Json;
use axum::extract::State;
use chrono::Datelike;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use xinfang_app::{AppState, org, today};
use xinfang_domain::petition::PetitionClass;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub year: Option<String>,
}

pub async fn monthly(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(p): ApiQuery<Params>,
) -> ApiResult<Json<Value>> {
    let year = match p.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => today().year(),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| AppError::bad_request("invalid_query", "参数 year 应为 2000 至 2100 的年份"))?,
    };
    let rows = st.store.monthly_counts(year, &org::viewer(&st, &user)).await?;
    let mut by_class: BTreeMap<&str, i64> = BTreeMap::new();
    let mut by_month: BTreeMap<&str, i64> = BTreeMap::new();
    for r in &rows {
        *by_class.entry(r.class.as_str()).or_default() += r.count;
        *by_month.entry(r.month.as_str()).or_default() += r.count;
    }
    Ok(Json(json!({
        "year": year,
        "unit": unit_json(&user.unit),
        "rows": rows.iter().map(|r| json!({
            "month": r.month,
            "unit": { "code": r.unit_code, "name": r.unit_name },
            "class": r.class,
            "class_label": PetitionClass::parse(&r.class).map(PetitionClass::label),
            "count": r.count,
        })).collect::<Vec<_>>(),
        "totals": { "all": rows.iter().map(|r| r.count).sum::<i64>(), "by_class": by_class, "by_month": by_month },
    })))
}
