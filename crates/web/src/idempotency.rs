//! `Idempotency-Key` (as the IETF draft and payment APIs use it): a client
//! that may send a request twice — a retry after a timeout on a bad line —
//! names it with a key of its choosing; the same key with the same request
//! within 24 hours gets the first answer back and nothing is done again.
//! The same key with another request is refused (422), so a guessed key
//! never answers with someone else's case. The keys live in the database
//! (`Store::claim_idempotency`), shared by every server.

use crate::error::{ApiResult, AppError};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use xinfang_app::AppState;
use xinfang_store::Claimed;

const HEADER: &str = "idempotency-key";
/// How long a key is remembered.
const TTL_US: i64 = 24 * 3600 * 1_000_000;
/// How long a first request may take before its claim is taken over (its
/// server stopped mid-request).
const STALE_US: i64 = 60 * 1_000_000;

/// The key of a request, if it names one: 1 to 200 visible ASCII
/// characters.
pub(crate) fn key_of(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get(HEADER) else { return Ok(None) };
    match v.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 200 && k.bytes().all(|b| b.is_ascii_graphic()) => Ok(Some(k.to_string())),
        _ => Err(AppError::bad_request("invalid_idempotency_key", "Idempotency-Key 应为 1 至 200 个可见 ASCII 字符")),
    }
}

/// Runs `run` once per `key` (in the namespace `scope`) and `request`:
/// a repeat gets the stored answer; without a key it simply runs.
/// Only successful answers are kept: a refused request changed nothing and
/// may be corrected and sent again with the same key.
pub(crate) async fn once<Fut>(
    st: &AppState,
    scope: &str,
    key: Option<String>,
    request: &impl serde::Serialize,
    run: Fut,
) -> ApiResult<Response>
where
    Fut: std::future::Future<Output = ApiResult<(StatusCode, serde_json::Value)>>,
{
    let Some(key) = key else {
        let (status, body) = run.await?;
        return Ok((status, axum::Json(body)).into_response());
    };
    let key = format!("{scope}:{key}");
    let fingerprint = hex::encode(Sha256::digest(serde_json::to_vec(request).unwrap_or_default()));
    let now = chrono::Utc::now().timestamp_micros();
    match st.store.claim_idempotency(&key, &fingerprint, now, TTL_US, STALE_US).await? {
        Claimed::New => {}
        Claimed::Answered { status, body } => return Ok(replay(status, body)),
        Claimed::Pending => {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                "idempotency_in_progress",
                "使用同一 Idempotency-Key 的请求正在处理，请稍后再试",
            ));
        }
        Claimed::OtherRequest => {
            return Err(AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "该 Idempotency-Key 已用于另一个请求，请换一个",
            ));
        }
    }
    match run.await {
        Ok((status, body)) => {
            let text = body.to_string();
            st.store.answer_idempotency(&key, i64::from(status.as_u16()), &text).await?;
            Ok((status, axum::Json(body)).into_response())
        }
        Err(e) => {
            st.store.release_idempotency(&key).await?;
            Err(e)
        }
    }
}

/// The stored answer, as it was sent, marked as a replay.
fn replay(status: i64, body: String) -> Response {
    let status = u16::try_from(status).ok().and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::OK);
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}
