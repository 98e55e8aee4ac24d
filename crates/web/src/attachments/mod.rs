//! Attachments (附件) at the HTTP edge, for every module's records: the API
//! ([`api`]: upload as multipart, list, download, withdraw) and the pages'
//! forms and downloads ([`pages`]). The rules are in
//! `xinfang_app::attachments`; here the multipart body is read, a file at
//! a time, and refused as soon as it passes the limits.

pub mod api;
pub mod pages;

use crate::error::AppError;
use axum::extract::DefaultBodyLimit;
use axum::extract::multipart::Multipart;
use axum::http::StatusCode;
use axum::routing::{get, post};
use std::collections::BTreeMap;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;
use xinfang_app::AppState;
use xinfang_domain::attachment::{Limits, size_label};

pub fn router() -> OpenApiRouter<AppState> {
    // The uploads are read a file at a time and stopped at the configured
    // limits (below), not by the whole-body limit of the other routes.
    OpenApiRouter::new()
        .routes(routes!(api::upload, api::list).layer(DefaultBodyLimit::disable()))
        .routes(routes!(api::download))
        .routes(routes!(api::withdraw))
        .route("/petitions/{id}/attachments", post(pages::upload).layer(DefaultBodyLimit::disable()))
        .route("/attachments/{attachment}", get(pages::download))
        .route("/attachments/{attachment}/withdraw", post(pages::withdraw))
}

/// Files as they arrive: the name the sender gave and the bytes.
pub(crate) type Files = Vec<(String, Vec<u8>)>;

/// What a multipart body carried: the files (parts named `file`, with the
/// name the sender gave), the other fields as text, and why the files
/// were refused, if they were (the fields are still read, so that a form
/// sent back keeps what was typed).
pub(crate) struct Received {
    pub(crate) files: Files,
    pub(crate) fields: BTreeMap<String, String>,
    pub(crate) refused: Option<AppError>,
}

impl Received {
    /// The files, or the reason they were refused.
    pub(crate) fn files(self) -> Result<(Files, BTreeMap<String, String>), AppError> {
        match self.refused {
            Some(e) => Err(e),
            None => Ok((self.files, self.fields)),
        }
    }
}

fn too_large(message: String) -> AppError {
    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
}

/// The multipart body of `req`, once the caller has checked that the user
/// may see the record (so a record they may not see is a 404 whatever
/// they sent).
pub(crate) async fn multipart(req: axum::extract::Request, st: &AppState) -> Result<Multipart, AppError> {
    use axum::extract::FromRequest;
    Multipart::from_request(req, st).await.map_err(|e| {
        AppError::bad_request(
            "malformed_multipart",
            format!("上传须为 multipart/form-data（名为 file 的文件）：{}", e.body_text()),
        )
    })
}

/// A form's fields and files, sent either way a browser sends a form:
/// `multipart/form-data` (with files, read within `limits`) or
/// `application/x-www-form-urlencoded` (no files, within the whole-body
/// limit of every other form). A body that cannot be read is answered
/// with an error page, as [`crate::extract::PageForm`] answers it.
pub(crate) async fn form_with_files(
    req: axum::extract::Request,
    st: &AppState,
    limits: Limits,
) -> Result<Received, axum::response::Response> {
    use axum::extract::FromRequest;
    let (is_multipart, length) = {
        let header = |name| req.headers().get(name).and_then(|v: &axum::http::HeaderValue| v.to_str().ok());
        (
            header(axum::http::header::CONTENT_TYPE)
                .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data")),
            header(axum::http::header::CONTENT_LENGTH).and_then(|v| v.parse::<usize>().ok()),
        )
    };
    let tr = crate::page::page_tr(req.headers());
    let refuse = |e: AppError| crate::page::error_page_in(tr, None, &e);
    if is_multipart {
        let mp = multipart(req, st).await.map_err(refuse)?;
        return receive(mp, limits).await.map_err(refuse);
    }
    if length.is_none_or(|n| n > crate::MAX_BODY_BYTES) {
        return Err(refuse(too_large("提交的内容过大".into())));
    }
    let crate::extract::PageForm(fields) =
        crate::extract::PageForm::<BTreeMap<String, String>>::from_request(req, st).await?;
    Ok(Received { files: Vec::new(), fields, refused: None })
}

/// Reads a multipart body within `limits`. A file past the per-file limit,
/// or the files past the per-record one, are refused (413): what follows
/// is read without being kept, up to as much again, then the reading
/// stops. A file input left empty in a form (no name, no bytes) is no file.
pub(crate) async fn receive(mut mp: Multipart, limits: Limits) -> Result<Received, AppError> {
    let malformed = |e: axum::extract::multipart::MultipartError| {
        AppError::bad_request("malformed_multipart", format!("无法读取上传的内容（multipart/form-data）：{e}"))
    };
    let mut out = Received { files: Vec::new(), fields: BTreeMap::new(), refused: None };
    let mut total: u64 = 0;
    while let Some(mut field) = mp.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        if name != "file" {
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                text.extend_from_slice(&chunk);
                if text.len() > 64 << 10 {
                    return Err(too_large(format!("字段 {name} 过长")));
                }
            }
            out.fields.insert(name, String::from_utf8_lossy(&text).into_owned());
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            total += chunk.len() as u64;
            if total > limits.per_record.saturating_mul(2) {
                return Err(too_large(format!("上传的内容过大（附件合计不能超过 {}）", size_label(limits.per_record))));
            }
            if out.refused.is_some() {
                continue;
            }
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > limits.per_file {
                let shown = xinfang_domain::attachment::clean_name(&file_name);
                out.refused = Some(too_large(format!("“{shown}”超过单个文件上限 {}", size_label(limits.per_file))));
            } else if total > limits.per_record {
                out.refused = Some(too_large(format!("一次上传的附件合计不能超过 {}", size_label(limits.per_record))));
            }
        }
        if out.refused.is_some() || (file_name.is_empty() && bytes.is_empty()) {
            continue;
        }
        out.files.push((file_name, bytes));
    }
    if out.refused.is_some() {
        out.files.clear();
    }
    Ok(out)
}
