//! Attachments on the pages: the list a record's page shows (images as
//! thumbnails), the upload form's post (several files, with a progress bar
//! where the script runs), the download, and withdrawal with a reason.

use crate::error::AppError;
use crate::extract::PageForm;
use crate::page::{PageUser, see_other};
use crate::petitions::pages::show::petition_page;
use axum::extract::{Path, State};
use axum::response::Response;
use std::collections::BTreeMap;
use xinfang_app::AppState;
use xinfang_app::attachments::{self, Channel};
use xinfang_app::subject::Subject;
use xinfang_domain::attachment::{FileKind, size_label};
use xinfang_store::{AttachmentRow, PetitionId, User};

/// An attachment as a record's page lists it.
pub(crate) struct AttachmentLine {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) size: String,
    /// Shown as a thumbnail (JPEG, PNG).
    pub(crate) image: bool,
    pub(crate) uploaded_by: String,
    pub(crate) uploaded_at: String,
    /// Why, by whom and when it was withdrawn; the file is kept.
    pub(crate) withdrawn: Option<String>,
}

fn china_time(t: chrono::DateTime<chrono::Utc>) -> String {
    xinfang_app::china_time(t).format("%Y-%m-%d %H:%M").to_string()
}

impl From<AttachmentRow> for AttachmentLine {
    fn from(a: AttachmentRow) -> Self {
        AttachmentLine {
            id: a.id,
            size: size_label(a.size.max(0) as u64),
            image: FileKind::from_content_type(&a.content_type).is_some_and(FileKind::is_image),
            uploaded_by: a.uploaded_by.unwrap_or_else(|| "信访人（网上提交）".into()),
            uploaded_at: china_time(a.uploaded_at),
            withdrawn: a
                .withdrawn
                .map(|w| format!("{} {} 撤回：{}", china_time(w.at), w.by.unwrap_or_default(), w.reason)),
            name: a.name,
        }
    }
}

/// The attachments of a record `user` may see, for its page.
pub(crate) async fn lines(st: &AppState, user: &User, s: Subject) -> Result<Vec<AttachmentLine>, AppError> {
    Ok(attachments::list(st, user, s).await?.into_iter().map(Into::into).collect())
}

/// The upload form's post: the files, then back to the petition's page.
pub async fn upload(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return pu.error(&AppError::not_found()) };
    let s = Subject::petition(PetitionId(id));
    if let Err(e) = attachments::readable(&st, &pu.user, s).await {
        return pu.error(&e.into());
    }
    let received = match super::multipart(req, &st).await {
        Ok(mp) => super::receive(mp, st.options.attachments.staff).await,
        Err(e) => Err(e),
    };
    let (files, fields) = match received.and_then(super::Received::files) {
        Ok(got) => got,
        Err(e) => return back_with(&st, &pu, id, e).await,
    };
    if let Some(r) = pu.csrf_rejection(fields.get("csrf").map(String::as_str)) {
        return r;
    }
    match attachments::attach(&st, &pu.user, s, &files, Channel::Staff).await {
        Ok(_) => see_other(&format!("/petitions/{id}?notice=attached#attachments")),
        Err(e) => back_with(&st, &pu, id, e.into()).await,
    }
}

/// The petition's page again, with what went wrong beside the form.
async fn back_with(st: &AppState, pu: &PageUser, id: i64, e: AppError) -> Response {
    if e.status == axum::http::StatusCode::NOT_FOUND {
        return pu.error(&e);
    }
    let m = if e.fields.is_empty() {
        e.message.clone()
    } else {
        e.fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；")
    };
    petition_page(st, pu, id, None, Some(("attachments".into(), m)), e.status, &[]).await
}

/// A file, for a user who may see its record (audited).
pub async fn download(State(st): State<AppState>, pu: PageUser, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return pu.error(&AppError::not_found()) };
    match attachments::download(&st, &pu.user, id).await {
        Ok((row, bytes)) => super::api::file_response(&row, bytes),
        Err(e) => pu.error(&e.into()),
    }
}

/// Withdraws an attachment with the reason typed beside it.
pub async fn withdraw(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<String>,
    PageForm(form): PageForm<BTreeMap<String, String>>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return pu.error(&AppError::not_found()) };
    if let Some(r) = pu.csrf_rejection(form.get("csrf").map(String::as_str)) {
        return r;
    }
    let reason = form.get("reason").map(String::as_str).unwrap_or_default();
    let record = match st.store.attachment(id).await {
        Ok(Some(a)) if a.module == "petition" => a.record_id,
        Ok(_) => return pu.error(&AppError::not_found()),
        Err(e) => return pu.error(&xinfang_app::Error::from(e).into()),
    };
    match attachments::withdraw(&st, &pu.user, id, reason).await {
        Ok(_) => see_other(&format!("/petitions/{record}?notice=withdrawn#attachments")),
        Err(e) => back_with(&st, &pu, record, e.into()).await,
    }
}
