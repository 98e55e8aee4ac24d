//! The one error type at the HTTP edge. Every API error is JSON:
//! `{"error":{"code":"…","message":"<Chinese>","fields":[…]}}`; `code` is
//! stable English for programs, `message` is for people. The commands'
//! refusals (`xinfang_app::Error`) get their status here; server faults are
//! logged there (without personal data) and answered with a generic message.

use crate::views::{ErrorBody, ErrorDetail, FieldError};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use xinfang_domain::{Invalid, RuleViolation};
use xinfang_store::StoreError;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub fields: Vec<Invalid>,
}

impl AppError {
    /// What went wrong, for a person: each field's message, or the message,
    /// in the language of `tr` where it has a translation.
    pub fn summary(&self, tr: crate::i18n::Tr) -> String {
        if self.fields.is_empty() {
            tr.t(&self.message).to_string()
        } else {
            self.fields.iter().map(|f| tr.t(&f.message)).collect::<Vec<_>>().join(tr.t("；"))
        }
    }

    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        AppError { status, code: code.into(), message: message.into(), fields: Vec::new() }
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "未找到")
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "请先登录")
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// 422 with one error per field.
    pub fn invalid(fields: Vec<Invalid>) -> Self {
        AppError::from(xinfang_app::Error::Invalid(fields))
    }
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "服务器内部错误，请稍后重试")
    }
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        AppError::invalid(vec![e])
    }
}

impl From<RuleViolation> for AppError {
    fn from(v: RuleViolation) -> Self {
        AppError::from(xinfang_app::Error::Rule(v))
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::from(xinfang_app::Error::from(e))
    }
}

impl From<xinfang_app::crypto::CryptoError> for AppError {
    fn from(e: xinfang_app::crypto::CryptoError) -> Self {
        AppError::from(xinfang_app::Error::from(e))
    }
}

/// Each refusal of a command with its HTTP status.
impl From<xinfang_app::Error> for AppError {
    fn from(e: xinfang_app::Error) -> Self {
        use xinfang_app::Error as E;
        let status = match &e {
            E::NotFound(_) => StatusCode::NOT_FOUND,
            E::BadCredentials => StatusCode::UNAUTHORIZED,
            E::Forbidden(_) => StatusCode::FORBIDDEN,
            E::BadRequest { .. } => StatusCode::BAD_REQUEST,
            E::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            E::Rule(_) | E::Conflict { .. } => StatusCode::CONFLICT,
            E::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            E::NotCommitted => StatusCode::SERVICE_UNAVAILABLE,
            E::Internal | E::Corrupt(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let code = e.code();
        let message = e.to_string();
        let fields = match e {
            E::Invalid(fields) => fields,
            _ => Vec::new(),
        };
        AppError { status, code: code.into(), message, fields }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let fields = self
            .fields
            .into_iter()
            .map(|f| FieldError { field: f.field, code: f.code.into(), message: f.message })
            .collect();
        let body = ErrorBody { error: ErrorDetail { code: self.code, message: self.message, fields } };
        (self.status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, AppError>;
