//! `/api/v1/session` (log in and out) and `/api/v1/me`.

use crate::auth::{self, CurrentUser};
use crate::error::{ApiResult, AppError};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use xinfang_store::{AuditEntry, User};

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
        "unit": super::petitions::unit_json(&u.unit),
    })
}

/// Checks a user name and password, throttling failures per user name.
pub async fn authenticate(st: &AppState, username: &str, password: &str) -> ApiResult<User> {
    let key = username.trim().to_lowercase();
    if let Err(wait) = st.login_throttle.check(&key) {
        return Err(auth::too_many(wait));
    }
    let found = st.store.user_for_login(username.trim()).await?;
    let ok = match &found {
        Some((user, hash)) => auth::verify_password(password, hash) && !user.disabled,
        None => {
            auth::verify_password(password, auth::dummy_hash());
            false
        }
    };
    match found {
        Some((user, _)) if ok => {
            st.login_throttle.clear(&key);
            Ok(user)
        }
        other => {
            st.login_throttle.fail(&key);
            st.store
                .audit(&AuditEntry {
                    user_id: other.map(|(u, _)| u.id),
                    action: "session.login".into(),
                    object: String::new(),
                    success: false,
                    detail: String::new(),
                })
                .await?;
            Err(AppError::new(StatusCode::UNAUTHORIZED, "bad_credentials", "用户名或密码错误"))
        }
    }
}

/// Starts a session for `user`; returns the token and its expiry.
pub async fn start_session(st: &AppState, user: &User) -> ApiResult<(String, chrono::DateTime<chrono::Utc>)> {
    let (token, hash) = auth::new_token()?;
    let ttl = chrono::Duration::from_std(st.session_ttl).map_err(|_| AppError::internal())?;
    let expires = chrono::Utc::now() + ttl;
    st.store.create_session(&hash, user.id, expires).await?;
    Ok((token, expires))
}

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
            let mut v = super::petitions::unit_json(u);
            v["parent"] = json!(u.parent_id.and_then(|p| units.iter().find(|x| x.id == p)).map(|p| p.code.clone()));
            v["depth"] = json!(u.depth());
            v["mine"] = json!(user.unit.contains(u));
            v["disabled"] = json!(u.disabled);
            v
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}
