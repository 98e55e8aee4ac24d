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
