//! [`CurrentUser`], the extractor every staff endpoint of the API takes: the
//! session of `Authorization: Bearer <token>` (passwords, tokens and
//! throttles are `xinfang_app::auth`).

use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use xinfang_app::AppState;
use xinfang_store::User;

/// The logged-in user, from `Authorization: Bearer <token>`.
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()))
            .ok_or_else(AppError::unauthorized)?;
        let user = xinfang_app::auth::session_user(state, token).await?.ok_or_else(AppError::unauthorized)?;
        Ok(CurrentUser(user))
    }
}
