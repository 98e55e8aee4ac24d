//! Messages to people (kernel): the petitioner's notices, written in the
//! transaction of the step that causes them (issue 26 ¶2), the units'
//! reminders, where they go, and the page that lists what was sent.
//!
//! A petitioner is told only on the contact they gave (the phone), only
//! the case number, its status and where to look it up
//! ([`xinfang_domain::notice`]). The dispatcher ([`crate::jobs`]) sends
//! after commit, through the channels of [`send`].

pub mod send;

use crate::{AppState, Error, Result};
use xinfang_domain::Role;
use xinfang_domain::notice::{self, Channel, NoticeKind};
use xinfang_store::{OutboxRow, PetitionerNotice, UnitContact, User};

/// The channels and schedule of a deployment (the server's flags).
#[derive(Debug, Clone, Default)]
pub struct NoticeConfig {
    /// The SMS gateway (`--sms-url` and its template).
    pub sms: Option<send::SmsGateway>,
    /// The SMTP server (`--smtp-url`, `--mail-from`).
    pub smtp: Option<send::SmtpServer>,
    /// Record every message as delivered without sending it: the demo's
    /// local sink, whose messages the messages page shows.
    pub sink: bool,
    /// When the units' reminders go out each working day, China time
    /// (`None`: 08:30).
    pub digest_at: Option<chrono::NaiveTime>,
    /// How long a try waits, as a share of the normal wait (`None`: 1; the
    /// tests shorten it).
    pub retry_scale: Option<f64>,
    /// How often the dispatcher looks for messages (`None`: 1 s).
    pub poll: Option<std::time::Duration>,
    /// How long a job's lease lasts unrenewed (`None`: 30 s): a server
    /// that dies hands its jobs over within this.
    pub lease: Option<std::time::Duration>,
}

impl NoticeConfig {
    /// Can messages of `channel` be sent?
    pub fn has(&self, channel: Channel) -> bool {
        self.sink
            || match channel {
                Channel::Sms => self.sms.is_some(),
                Channel::Email => self.smtp.is_some(),
            }
    }

    pub fn digest_at(&self) -> chrono::NaiveTime {
        self.digest_at.unwrap_or(chrono::NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default())
    }

    pub fn lease(&self) -> std::time::Duration {
        self.lease.unwrap_or(std::time::Duration::from_secs(30))
    }
}

/// Days before a request window closes that the petitioner is reminded.
pub const WINDOW_NOTICE_DAYS: u64 = 3;

/// The address of `path` on this site for a message's text
/// (`--public-url` + `path`), or `unnamed` when the site's address is not
/// configured.
pub fn site_link(st: &AppState, path: &str, unnamed: &str) -> String {
    let base = st.options.public_url.as_deref().unwrap_or("").trim_end_matches('/');
    if base.is_empty() { unnamed.to_string() } else { format!("{base}{path}") }
}

/// Where the portal's look-up is, for the notices' text.
pub fn lookup_address(st: &AppState) -> String {
    site_link(st, "/portal", "信访事项查询页面")
}

/// The petitioner's notice for the step of wire name `step`, if it sends
/// one and SMS can be sent; the case number is put in by the store.
pub fn step_notice(st: &AppState, step: &str, query_code: Option<&str>) -> Option<PetitionerNotice> {
    let kind = NoticeKind::for_step(step)?;
    petitioner_notice(st, kind, query_code, None)
}

/// The petitioner's notice of `kind`, if SMS can be sent.
pub fn petitioner_notice(
    st: &AppState,
    kind: NoticeKind,
    query_code: Option<&str>,
    window: Option<(&str, chrono::NaiveDate)>,
) -> Option<PetitionerNotice> {
    if !st.options.notices.has(Channel::Sms) {
        return None;
    }
    let t = notice::petitioner_text(kind, "{case_no}", query_code, &lookup_address(st), window);
    Some(PetitionerNotice { kind: kind.as_str().into(), subject: t.subject, body: t.body })
}

/// Only an administrator sees the messages and sets where reminders go.
fn require_admin(user: &User) -> Result<()> {
    if user.role == Role::Admin {
        Ok(())
    } else {
        Err(Error::forbidden("只有系统管理员可以查看消息和设置提醒地址"))
    }
}

/// The latest messages (of `status` if given) about the cases and units
/// of the administrator's unit and below, newest first.
pub async fn messages(st: &AppState, admin: &User, status: Option<&str>, limit: i64) -> Result<Vec<OutboxRow>> {
    require_admin(admin)?;
    let f = xinfang_store::MessageFilter { under: &admin.unit.path, status, id: None };
    Ok(st.store.messages(&f, limit).await?)
}

/// Puts a message given up as failed back in line.
pub async fn resend(st: &AppState, admin: &User, id: i64) -> Result<()> {
    require_admin(admin)?;
    let f = xinfang_store::MessageFilter { under: &admin.unit.path, status: None, id: Some(id) };
    if st.store.messages(&f, 1).await?.is_empty() {
        return Err(Error::not_found());
    }
    if st.store.resend_message(id, chrono::Utc::now().timestamp_micros(), Some(admin.id)).await? {
        Ok(())
    } else {
        Err(Error::conflict("not_failed", "该消息已不在发送失败状态"))
    }
}

/// Where unit `code`'s reminders go, as given by an administrator of it
/// or above: an e-mail address and a mobile number, either or neither.
pub async fn set_unit_contact(st: &AppState, admin: &User, code: &str, email: &str, phone: &str) -> Result<()> {
    require_admin(admin)?;
    let unit = st.unit(code.trim()).await?.filter(|u| admin.unit.contains(u)).ok_or_else(Error::not_found)?;
    let email = Some(email.trim().to_string()).filter(|e| !e.is_empty());
    let phone = Some(phone.trim().to_string()).filter(|p| !p.is_empty());
    if let Some(e) = &email
        && !notice::is_email(e)
    {
        return Err(Error::field("email", "invalid_email", "电子邮件地址格式不正确"));
    }
    let phone = match phone {
        Some(p) => Some(xinfang_domain::Phone::parse("phone", &p)?.as_str().to_string()),
        None => None,
    };
    let c = UnitContact { unit_id: unit.id.0, email, phone };
    st.store.set_unit_contact(&c, &unit.code, Some(admin.id)).await?;
    Ok(())
}

/// Where each unit's reminders go.
pub async fn unit_contact(st: &AppState, unit_id: i64) -> Result<Option<UnitContact>> {
    Ok(st.store.unit_contacts().await?.into_iter().find(|c| c.unit_id == unit_id))
}

/// How many of the messages about the administrator's unit and below are
/// in each status (the same messages [`messages`] lists).
pub async fn message_counts(st: &AppState, admin: &User) -> Result<Vec<(String, i64)>> {
    require_admin(admin)?;
    let f = xinfang_store::MessageFilter { under: &admin.unit.path, status: None, id: None };
    Ok(st.store.message_counts(&f).await?)
}
