//! `/api/v1/session` (log in and out) and `/api/v1/me`, and the units
//! (`/api/v1/units`).

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use xinfang_app::auth::{authenticate, start_session};
use xinfang_app::{AppState, auth};
use xinfang_store::{Unit, User};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub username: String,
    pub password: String,
}

pub fn user_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role.as_str(),
        "role_label": u.role.label(),
        "unit": unit_json(&u.unit),
    })
}

/// Checks a user name and password, throttling failures per user name.
pub async fn login(State(st): State<AppState>, ApiJson(body): ApiJson<Login>) -> ApiResult<(StatusCode, Json<Value>)> {
    let user = authenticate(&st, &body.username, &body.password).await?;
    let (token, expires) = start_session(&st, &user).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": token, "expires_at": expires.to_rfc3339(), "user": user_json(&user) })),
    ))
}

pub async fn logout(State(st): State<AppState>, _user: CurrentUser, headers: HeaderMap) -> ApiResult<StatusCode> {
    if let Some(token) =
        headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
    {
        st.store.delete_session(&auth::token_hash(token.trim())).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(CurrentUser(user): CurrentUser) -> Json<Value> {
    Json(user_json(&user))
}

pub async fn units(State(st): State<AppState>, CurrentUser(user): CurrentUser) -> ApiResult<Json<Value>> {
    let units = st.store.units().await?;
    let items: Vec<Value> = units
        .iter()
        .map(|u| {
            let mut v = unit_json(u);
            v["parent"] = json!(u.parent_id.and_then(|p| units.iter().find(|x| x.id == p)).map(|p| p.code.clone()));
            v["depth"] = json!(u.depth());
            v["mine"] = json!(user.unit.contains(u));
            v["disabled"] = json!(u.disabled);
            v
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub fn unit_json(u: &Unit) -> Value {
    json!({ "code": u.code, "name": u.name, "kind": u.kind.as_str() })
}
