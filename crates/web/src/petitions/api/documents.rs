//! The notices of a case as Word files: `GET /api/v1/petitions/{id}/documents/{kind}.docx`
//! (and the same under `/petitions/{id}/documents/` for the pages), made by
//! `xinfang_app::petitions::documents`.

use crate::auth::CurrentUser;
use crate::error::{ApiResult, AppError};
use crate::extract::ApiPath;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use xinfang_app::AppState;
use xinfang_app::petitions::documents::{self, DocKind};
use xinfang_store::{PetitionId, User};

pub(crate) const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The notice `file` (`acceptance_notice.docx` …) of petition `id`.
pub(crate) async fn docx(st: &AppState, user: &User, id: PetitionId, file: &str) -> ApiResult<Response> {
    let kind = file
        .strip_suffix(".docx")
        .and_then(DocKind::parse)
        .ok_or_else(|| {
            AppError::new(
                axum::http::StatusCode::NOT_FOUND,
                "not_found",
                "没有这种文书：可选 acceptance_notice、non_acceptance_notice、transfer_letter、opinion、review_opinion、recheck_opinion、service_receipt、visit_receipt（.docx）",
            )
        })?;
    let doc = documents::document(st, user, id, kind).await?;
    let bytes = xinfang_export::docx::write_docx(&doc).map_err(|e| {
        tracing::error!(error = %e, "docx");
        AppError::internal()
    })?;
    let mut res = Body::from(bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(DOCX));
    let case_no =
        doc.number.as_deref().unwrap_or_default().chars().filter(char::is_ascii_alphanumeric).collect::<String>();
    let disposition = format!(
        "attachment; filename=\"{case_no}-{}.docx\"; filename*=UTF-8''{}-{}.docx",
        kind.as_str(),
        case_no,
        crate::page::url_encode(kind.label())
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// 文书（Word .docx，按党政机关公文格式）：受理告知书、不予受理告知书、转送/交办函、处理意见书、复查意见书、复核意见书、送达回证、来访登记回执；事项尚未到该环节时为 409；记入审计日志
#[utoipa::path(get, path = "/api/v1/petitions/{id}/documents/{file}", operation_id = "petitionDocument", tag = "petitions",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "信访事项 id"), ("file" = String, Path, description = "`acceptance_notice.docx`、`non_acceptance_notice.docx`、`transfer_letter.docx`、`opinion.docx`、`review_opinion.docx`、`recheck_opinion.docx`、`service_receipt.docx` 或 `visit_receipt.docx`")),
    responses((status = 200, description = "Word 文件", body = [u8], content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody), (status = 403, response = crate::views::ErrorBody), (status = 404, response = crate::views::ErrorBody), (status = 409, response = crate::views::ErrorBody)))]
pub async fn api_docx(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, file)): ApiPath<(PetitionId, String)>,
) -> ApiResult<Response> {
    docx(&st, &user, id, &file).await
}
