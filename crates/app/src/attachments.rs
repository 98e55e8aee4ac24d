//! Attachments (附件) of any record of any module (kernel): attach, list,
//! download, withdraw. Every one is checked against the record's own
//! visibility through [`subject`] (jurisdiction, and Art. 30 ¶3 for a
//! report): a record the user may not see has, for them, no attachments,
//! and its files answer 404. Each download is audited; the bytes never go
//! to the audit log or the logs.

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::subject::{self, Module, Subject};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use xinfang_domain::Role;
use xinfang_domain::attachment::{self, Limits, Upload};
use xinfang_store::{AttachmentActor, AttachmentRow, NewAttachment, PetitionId, User};

/// Where the upload comes from, for its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The staff pages and the API.
    Staff,
    /// The portal, with an online submission.
    Portal,
}

/// The upload limits of a deployment (`--attachment-*` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentLimits {
    pub staff: Limits,
    pub portal: Limits,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        Self { staff: Limits::STAFF, portal: Limits::PORTAL }
    }
}

impl AttachmentLimits {
    pub fn of(&self, channel: Channel) -> Limits {
        match channel {
            Channel::Staff => self.staff,
            Channel::Portal => self.portal,
        }
    }
}

/// The number a record goes by in the audit log, once `user` may change it
/// (attach to it, withdraw from it): for a petition, its case number, when
/// the user works petitions at the unit that has it or one above.
async fn writable(st: &AppState, user: &User, s: Subject) -> Result<String> {
    match s.module {
        Module::Petition => {
            if !user.role.works_petitions() {
                return Err(Error::forbidden(format!("{}只能查看附件", user.role.label())));
            }
            let row = crate::petitions::load_visible(st, user, PetitionId(s.id)).await?;
            if !user.unit.contains(&row.unit) {
                return Err(Error::forbidden(format!(
                    "该信访事项现由{}办理，只有该单位或其上级单位可以添加或撤回附件",
                    row.unit.name
                )));
            }
            Ok(row.case_no)
        }
        Module::Dispute => Ok(crate::disputes::writable(st, user, s.id).await?.case_no),
    }
}

/// 404 unless `user` may see the record `s`: checked before anything of a
/// request about it is read.
pub async fn readable(st: &AppState, user: &User, s: Subject) -> Result<()> {
    if subject::visible(st, user, s).await? { Ok(()) } else { Err(Error::not_found()) }
}

/// Attaches `files` (name, bytes) to the record `s`: each file's kind
/// sniffed from its content, the limits of `channel` checked against what
/// the record holds, all or nothing in one transaction.
pub async fn attach(
    st: &AppState,
    user: &User,
    s: Subject,
    files: &[(String, Vec<u8>)],
    channel: Channel,
) -> Result<Vec<AttachmentRow>> {
    let object = writable(st, user, s).await?;
    attach_as(st, Some(user), s, &object, files, channel).await
}

/// [`attach`] once the caller has checked who may: the portal attaches to
/// the petition it has just registered, with no user.
pub async fn attach_as(
    st: &AppState,
    user: Option<&User>,
    s: Subject,
    object: &str,
    files: &[(String, Vec<u8>)],
    channel: Channel,
) -> Result<Vec<AttachmentRow>> {
    let held: Vec<AttachmentRow> =
        st.store.attachments(s.module.as_str(), s.id).await?.into_iter().filter(|a| a.withdrawn.is_none()).collect();
    let held_bytes = held.iter().map(|a| a.size.max(0) as u64).sum();
    let mut new = prepare(files, held.len() as u32, held_bytes, st.options.attachments.of(channel))?;
    place(st, &mut new).await?;
    let actor = AttachmentActor { user: user.map(|u| u.id), object };
    Ok(st.store.add_attachments(s.module.as_str(), s.id, &new, actor).await?)
}

/// Files checked against `limits` (the record holding `held` files of
/// `held_bytes`), as they are stored: kind sniffed, name cleaned, content
/// hashed.
pub fn prepare(files: &[(String, Vec<u8>)], held: u32, held_bytes: u64, limits: Limits) -> Result<Vec<NewAttachment>> {
    let uploads: Vec<Upload<'_>> = files.iter().map(|(name, bytes)| Upload { name, bytes }).collect();
    let kinds = attachment::check(&uploads, held, held_bytes, limits).map_err(Error::Invalid)?;
    Ok(files
        .iter()
        .zip(kinds)
        .map(|((name, bytes), kind)| NewAttachment {
            name: attachment::clean_name(name),
            content_type: kind.content_type().to_string(),
            sha256: hex::encode(Sha256::digest(bytes)),
            bytes: bytes.clone(),
            stored_outside: false,
        })
        .collect())
}

/// Where a content lives in the attachment directory: `ab/cd/abcd…`.
fn path_in(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(&sha256[..2]).join(&sha256[2..4]).join(sha256)
}

/// With an attachment directory (`--attachment-dir`), writes each file
/// there before the database names it: to a temporary name, synced, then
/// renamed and the directory synced. A crash between this and the commit
/// leaves a file no row names, never a row without its file. A content
/// already there is not written again.
pub async fn place(st: &AppState, files: &mut [NewAttachment]) -> Result<()> {
    let Some(dir) = st.options.attachment_dir.clone() else { return Ok(()) };
    let mut jobs = Vec::new();
    for f in files.iter_mut() {
        f.stored_outside = true;
        jobs.push((f.sha256.clone(), f.bytes.clone()));
    }
    let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        for (sha, bytes) in jobs {
            let target = path_in(&dir, &sha);
            if target.exists() {
                continue;
            }
            let parent = target.parent().unwrap_or(&dir).to_path_buf();
            std::fs::create_dir_all(&parent)?;
            let tmp = parent.join(format!(".{sha}.partial"));
            {
                let mut f = std::fs::File::create(&tmp)?;
                std::io::Write::write_all(&mut f, &bytes)?;
                f.sync_all()?;
            }
            std::fs::rename(&tmp, &target)?;
            xinfang_store::sync_folder_of(&target)?;
        }
        Ok(())
    })
    .await
    .map_err(|_| Error::Internal)?;
    written.map_err(|e| {
        tracing::error!(error = %e, "attachment directory not written");
        Error::conflict("attachment_store_unavailable", "附件目录无法写入，本次上传未保存，请联系管理员")
    })
}

/// The bytes of a content: from the database, or from the attachment
/// directory, checked against their SHA-256 there.
async fn bytes_of(st: &AppState, id: i64, sha256: &str) -> Result<Vec<u8>> {
    if let Some(b) = st.store.blob(sha256).await? {
        return Ok(b);
    }
    let missing = |why: &str| Error::Corrupt(format!("附件 {id}：{why}"));
    let Some(dir) = st.options.attachment_dir.as_deref() else {
        return Err(missing("内容保存在附件目录中，但服务器没有配置附件目录（--attachment-dir）"));
    };
    let path = path_in(dir, sha256);
    let bytes = tokio::fs::read(&path).await.map_err(|_| missing("附件目录中找不到该文件"))?;
    if hex::encode(Sha256::digest(&bytes)) != sha256 {
        return Err(missing("附件目录中的文件已被改动（与登记时的 SHA-256 不符）"));
    }
    Ok(bytes)
}

/// The attachments of the record `s`, withdrawn ones included (marked).
pub async fn list(st: &AppState, user: &User, s: Subject) -> Result<Vec<AttachmentRow>> {
    readable(st, user, s).await?;
    Ok(st.store.attachments(s.module.as_str(), s.id).await?)
}

/// The record an attachment belongs to.
fn subject_of(row: &AttachmentRow) -> Result<Subject> {
    let module = Module::parse(&row.module).ok_or_else(Error::not_found)?;
    Ok(Subject { module, id: row.record_id })
}

/// An attachment and its bytes, for `user` who may see its record; the
/// download is audited. A withdrawn file is kept for the audit: only an
/// auditor may still download it.
pub async fn download(st: &AppState, user: &User, id: i64) -> Result<(AttachmentRow, Vec<u8>)> {
    let row = st.store.attachment(id).await?.ok_or_else(Error::not_found)?;
    readable(st, user, subject_of(&row)?).await?;
    if row.withdrawn.is_some() && user.role != Role::Auditor {
        return Err(Error::conflict("attachment_withdrawn", "该附件已撤回，仅审计员可下载留存的文件"));
    }
    let bytes = bytes_of(st, id, &row.sha256).await?;
    st.store
        .audit(&xinfang_store::AuditEntry {
            user_id: Some(user.id),
            action: "attachment.download".into(),
            object: format!("{}:{}", row.module, row.record_id),
            success: true,
            detail: format!("{id}"),
        })
        .await?;
    Ok((row, bytes))
}

/// Withdraws an attachment (撤回) with a reason; the file stays for the
/// audit and the record lists it as withdrawn.
pub async fn withdraw(st: &AppState, user: &User, id: i64, reason: &str) -> Result<AttachmentRow> {
    let row = st.store.attachment(id).await?.ok_or_else(Error::not_found)?;
    let s = subject_of(&row)?;
    readable(st, user, s).await?;
    let object = writable(st, user, s).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::field("reason", "required", "请填写撤回原因"));
    }
    if reason.chars().count() > 200 {
        return Err(Error::field("reason", "too_long", "撤回原因不能超过 200 字"));
    }
    st.store.withdraw_attachment(id, reason, AttachmentActor { user: Some(user.id), object: &object }).await?;
    st.store.attachment(id).await?.ok_or_else(Error::not_found)
}
