//! `/api/v1/session` (log in and out) and `/api/v1/me`, and the units
//! (`/api/v1/units`).

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::views::{Session, UnitItem, UnitList, UnitRef, UserInfo};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use xinfang_app::auth::{authenticate, start_session};
use xinfang_app::{AppState, auth};

/// A user name and password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub username: String,
    pub password: String,
}

/// 登录：同一地址对同一用户名连续失败 5 次后锁定 1 分钟，此后每失败一次锁定时间加倍（至多 1 小时）；管理员可解除
#[utoipa::path(post, path = "/api/v1/session", operation_id = "login", tag = "session", request_body = Login,
    responses((status = 201, description = "已登录", body = Session), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody), (status = 413, response = crate::views::ErrorBody), (status = 415, response = crate::views::ErrorBody), (status = 422, response = crate::views::ErrorBody), (status = 429, response = crate::views::ErrorBody)))]
pub async fn login(
    State(st): State<AppState>,
    crate::extract::ClientAddr(client): crate::extract::ClientAddr,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<(StatusCode, Json<Session>)> {
    let user = authenticate(&st, &client, &body.username, &body.password).await?;
    let (token, expires) = start_session(&st, &user).await?;
    Ok((StatusCode::CREATED, Json(Session { token, expires_at: expires.to_rfc3339(), user: UserInfo::of(&user) })))
}

/// 退出登录
#[utoipa::path(delete, path = "/api/v1/session", operation_id = "logout", tag = "session", security(("bearer" = [])),
    responses((status = 204, description = "已退出"), (status = 401, response = crate::views::ErrorBody)))]
pub async fn logout(State(st): State<AppState>, _user: CurrentUser, headers: HeaderMap) -> ApiResult<StatusCode> {
    if let Some(token) =
        headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
    {
        auth::end_session(&st, token.trim()).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// 当前用户
#[utoipa::path(get, path = "/api/v1/me", operation_id = "me", tag = "session", security(("bearer" = [])),
    responses((status = 200, description = "当前用户", body = UserInfo), (status = 401, response = crate::views::ErrorBody)))]
pub async fn me(CurrentUser(user): CurrentUser) -> Json<UserInfo> {
    Json(UserInfo::of(&user))
}

/// 单位树（按层级排序）
#[utoipa::path(get, path = "/api/v1/units", operation_id = "units", tag = "session", security(("bearer" = [])),
    responses((status = 200, description = "全部单位", body = UnitList), (status = 401, response = crate::views::ErrorBody)))]
pub async fn units(State(st): State<AppState>, CurrentUser(user): CurrentUser) -> ApiResult<Json<UnitList>> {
    let units = st.store.units().await?;
    let items = units
        .iter()
        .map(|u| UnitItem {
            unit: UnitRef::of(u),
            parent: u.parent_id.and_then(|p| units.iter().find(|x| x.id == p)).map(|p| p.code.clone()),
            depth: u.depth(),
            mine: user.unit.contains(u),
            disabled: u.disabled,
        })
        .collect();
    Ok(Json(UnitList { items }))
}
