//! The attachments API: `POST /api/v1/petitions/{id}/attachments`
//! (multipart, one or more parts named `file`), `GET` the same to list,
//! `GET /api/v1/attachments/{id}` for the bytes, and
//! `POST /api/v1/attachments/{id}/withdraw` with `{"reason"}`.

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xinfang_app::AppState;
use xinfang_app::attachments::{self, Channel};
use xinfang_app::subject::Subject;
use xinfang_store::{AttachmentRow, PetitionId};

/// 附件（不含内容）
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: i64,
    /// 上传时的文件名
    pub name: String,
    /// 字节数
    pub size: i64,
    /// 内容的 SHA-256（十六进制）
    pub sha256: String,
    /// 按内容判断的类型
    pub content_type: String,
    pub uploaded_by: Option<String>,
    pub uploaded_at: String,
    /// 已撤回（文件仍留存备查）
    pub withdrawn: bool,
    pub withdrawn_reason: Option<String>,
}

impl From<AttachmentRow> for AttachmentView {
    fn from(a: AttachmentRow) -> Self {
        AttachmentView {
            id: a.id,
            name: a.name,
            size: a.size,
            sha256: a.sha256,
            content_type: a.content_type,
            uploaded_by: a.uploaded_by,
            uploaded_at: a.uploaded_at.to_rfc3339(),
            withdrawn: a.withdrawn.is_some(),
            withdrawn_reason: a.withdrawn.map(|w| w.reason),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentList {
    pub items: Vec<AttachmentView>,
}

/// 上传附件（multipart/form-data，一个或多个名为 file 的部分）：按内容判断类型（PDF、JPEG、PNG、TIFF、DOCX、XLSX、DOC、XLS、纯文本），全部接受或全部不接受；记入审计日志
#[utoipa::path(post, path = "/api/v1/petitions/{id}/attachments", operation_id = "uploadAttachments", tag = "attachments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "信访事项 id")),
    request_body(content_type = "multipart/form-data", description = "名为 file 的一个或多个文件"),
    responses((status = 201, description = "已上传", body = AttachmentList),
        (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody),
        (status = 403, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody),
        (status = 413, response = crate::views::ErrorBody), (status = 422, response = crate::views::ErrorBody)))]
pub async fn upload(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<PetitionId>,
    req: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<AttachmentList>)> {
    let s = Subject::petition(id);
    attachments::readable(&st, &user, s).await?;
    let (files, _) = super::receive(super::multipart(req, &st).await?, st.options.attachments.staff).await?.files()?;
    let rows = attachments::attach(&st, &user, s, &files, Channel::Staff).await?;
    Ok((StatusCode::CREATED, Json(AttachmentList { items: rows.into_iter().map(Into::into).collect() })))
}

/// 信访事项的附件（含已撤回的，注明）
#[utoipa::path(get, path = "/api/v1/petitions/{id}/attachments", operation_id = "listAttachments", tag = "attachments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "信访事项 id")),
    responses((status = 200, description = "附件", body = AttachmentList),
        (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody),
        (status = 404, response = crate::views::ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<PetitionId>,
) -> ApiResult<Json<AttachmentList>> {
    let rows = attachments::list(&st, &user, Subject::petition(id)).await?;
    Ok(Json(AttachmentList { items: rows.into_iter().map(Into::into).collect() }))
}

/// The bytes as a download, with the type sniffed at upload.
pub(crate) fn file_response(row: &AttachmentRow, bytes: Vec<u8>) -> Response {
    let mut res = Body::from(bytes).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&row.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    let ascii: String =
        row.name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect();
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        if ascii.is_empty() { "attachment".to_string() } else { ascii },
        crate::page::url_encode(&row.name)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    // A page shows an image's thumbnail from the same address: kept by the
    // browser (never a shared cache) for a few minutes.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    res
}

/// 下载附件：仅能看到其所属记录的用户可下载（否则 404）；已撤回的仅审计员可下载；每次下载记入审计日志
#[utoipa::path(get, path = "/api/v1/attachments/{attachment}", operation_id = "downloadAttachment", tag = "attachments",
    security(("bearer" = [])),
    params(("attachment" = i64, Path, description = "附件 id")),
    responses((status = 200, description = "文件内容", body = [u8], content_type = "application/octet-stream"),
        (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody),
        (status = 404, response = crate::views::ErrorBody), (status = 409, response = crate::views::ErrorBody)))]
pub async fn download(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let (row, bytes) = attachments::download(&st, &user, id).await?;
    Ok(file_response(&row, bytes))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    /// 撤回原因（必填）
    #[serde(default)]
    pub reason: String,
}

/// 撤回附件（须写明原因；文件留存备查，不删除）；记入审计日志
#[utoipa::path(post, path = "/api/v1/attachments/{attachment}/withdraw", operation_id = "withdrawAttachment", tag = "attachments",
    security(("bearer" = [])),
    params(("attachment" = i64, Path, description = "附件 id")),
    request_body = WithdrawBody,
    responses((status = 200, description = "已撤回", body = AttachmentView),
        (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody),
        (status = 403, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody),
        (status = 409, response = crate::views::ErrorBody), (status = 413, response = crate::views::ErrorBody),
        (status = 415, response = crate::views::ErrorBody), (status = 422, response = crate::views::ErrorBody)))]
pub async fn withdraw(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<WithdrawBody>,
) -> ApiResult<Json<AttachmentView>> {
    Ok(Json(attachments::withdraw(&st, &user, id, &body.reason).await?.into()))
}
