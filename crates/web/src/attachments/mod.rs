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

/// What a multipart body carried: the files (parts named `file`, with the
/// name the sender gave) and the other fields as text.
pub(crate) struct Received {
    pub(crate) files: Vec<(String, Vec<u8>)>,
    pub(crate) fields: BTreeMap<String, String>,
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

/// Reads a multipart body within `limits`: a file past the per-file limit,
/// or the whole past the per-record one, stops the reading with 413 before
/// the rest arrives. A file input left empty in a form (no name, no bytes)
/// is no file.
pub(crate) async fn receive(mut mp: Multipart, limits: Limits) -> Result<Received, AppError> {
    let malformed = |e: axum::extract::multipart::MultipartError| {
        AppError::bad_request("malformed_multipart", format!("无法读取上传的内容（multipart/form-data）：{e}"))
    };
    let mut out = Received { files: Vec::new(), fields: BTreeMap::new() };
    let mut total: u64 = 0;
    while let Some(mut field) = mp.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        if name != "file" {
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                text.extend_from_slice(&chunk);
                if text.len() > 16 << 10 {
                    return Err(too_large(format!("字段 {name} 过长")));
                }
            }
            out.fields.insert(name, String::from_utf8_lossy(&text).into_owned());
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            bytes.extend_from_slice(&chunk);
            total += chunk.len() as u64;
            if bytes.len() as u64 > limits.per_file {
                let shown = xinfang_domain::attachment::clean_name(&file_name);
                return Err(too_large(format!("“{shown}”超过单个文件上限 {}", size_label(limits.per_file))));
            }
            if total > limits.per_record {
                return Err(too_large(format!("一次上传的附件合计不能超过 {}", size_label(limits.per_record))));
            }
        }
        if file_name.is_empty() && bytes.is_empty() {
            continue;
        }
        out.files.push((file_name, bytes));
    }
    Ok(out)
}
