//! Extractors whose rejections are our JSON errors with a Chinese message:
//! malformed JSON is 400, the wrong media type 415, an oversize body 413,
//! well-formed JSON of the wrong shape (missing fields, wrong types, unknown
//! values, impossible dates) 422, a bad path or query 400.

use crate::error::AppError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> AppError {
    let detail = e.body_text();
    match e {
        JsonRejection::JsonDataError(_) => {
            AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", format!("请求内容不符合要求：{detail}"))
        }
        JsonRejection::JsonSyntaxError(_) => {
            AppError::bad_request("malformed_json", format!("请求内容不是有效的 JSON：{detail}"))
        }
        JsonRejection::MissingJsonContentType(_) => AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求须为 JSON（Content-Type: application/json）",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "请求内容过大")
        }
        other => AppError::new(other.status(), "invalid_body", format!("无法读取请求内容：{detail}")),
    }
}

pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state).await.map(|q| ApiQuery(q.0)).map_err(
            |e: QueryRejection| AppError::bad_request("invalid_query", format!("查询参数有误：{}", e.body_text())),
        )
    }
}

pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state).await.map(|p| ApiPath(p.0)).map_err(
            |e: PathRejection| AppError::bad_request("invalid_path", format!("路径参数有误：{}", e.body_text())),
        )
    }
}

/// A form posted by a page (`application/x-www-form-urlencoded`), refused
/// with an HTML error page when a value is not valid UTF-8 once decoded —
/// as the API refuses such JSON — instead of being read with U+FFFD in
/// place of the bytes it could not read.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = axum::response::Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let tr = crate::page::page_tr(&parts.headers);
        let refuse = |e: AppError| crate::page::error_page_in(tr, None, &e);
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|_| refuse(AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "提交的内容过大")))?;
        if !form_is_utf8(&bytes) {
            return Err(refuse(AppError::bad_request(
                "invalid_utf8",
                "提交的内容含有无法识别的字符（须为 UTF-8 编码）",
            )));
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(PageForm(v)),
            Err(e) => {
                Err(refuse(AppError::new(e.status(), "invalid_form", format!("表单内容有误：{}", e.body_text()))))
            }
        }
    }
}

/// Whether every name and value of a urlencoded body decodes to UTF-8.
fn form_is_utf8(body: &[u8]) -> bool {
    body.split(|&b| b == b'&' || b == b'=').all(|part| percent_encoding::percent_decode(part).decode_utf8().is_ok())
}

/// The client's address as the throttles count it: the connecting peer, or
/// the address a trusted reverse proxy (`--trusted-proxy`) forwarded
/// ([`xinfang_app::throttle::client_address`]).
pub struct ClientAddr(pub String);

impl FromRequestParts<xinfang_app::AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, st: &xinfang_app::AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        let forwarded: Vec<&str> =
            parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
        let ip = xinfang_app::throttle::client_address(peer, &forwarded, &st.options.trusted_proxies);
        Ok(ClientAddr(ip.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::form_is_utf8;

    #[test]
    fn a_form_with_bytes_that_are_not_utf8_is_refused() {
        assert!(form_is_utf8(b"name=%E5%BC%A0%E4%B8%89&note=a+b&x=%2"));
        assert!(form_is_utf8("name=张三".as_bytes()));
        assert!(!form_is_utf8(b"name=%FF%FE"));
        assert!(!form_is_utf8(b"note=%E5%BC"));
        assert!(!form_is_utf8(b"%C0=1"));
    }
}
