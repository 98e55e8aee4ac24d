//! Messages to people at the HTTP edge: the administrators' messages page
//! (what was sent, to whom (masked), what failed and why; 重新发送; who
//! holds each background job), where a unit's reminders go, and a case's
//! messages as lines of its timeline. The rules are in
//! `xinfang_app::notices`.

use crate::error::AppError;
use crate::extract::PageForm;
use crate::i18n::Tr;
use crate::page::{Layout, PageUser, render, see_other};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xinfang_app::AppState;
use xinfang_domain::notice::{Channel, NoticeKind};
use xinfang_store::OutboxRow;

pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .route("/admin/messages", get(messages))
        .route("/admin/messages/{message}/resend", post(resend))
        .route("/admin/units/{code}/contact", post(set_contact))
}

/// A message as a line of a list or a timeline.
pub(crate) struct MessageView {
    pub(crate) id: i64,
    pub(crate) at: String,
    pub(crate) kind: &'static str,
    pub(crate) channel: &'static str,
    pub(crate) to: String,
    pub(crate) about: String,
    pub(crate) status: &'static str,
    pub(crate) failed: bool,
    pub(crate) detail: String,
    pub(crate) body: String,
}

fn local(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|t| xinfang_app::china_time(t).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn status_label(status: &str) -> &'static str {
    match status {
        "sent" => "已发送",
        "failed" => "发送失败",
        "sending" => "发送中",
        _ => "待发送",
    }
}

pub(crate) fn message_view(m: &OutboxRow, tr: Tr) -> MessageView {
    let detail = match (m.status.as_str(), &m.last_error) {
        ("sent", _) => m.sent_us.map(local).unwrap_or_default(),
        ("failed", Some(e)) => tr.f("已尝试 {} 次：{}", &[&m.attempts, e]),
        (_, Some(e)) => tr.f("第 {} 次未成功（{}），将于 {} 重试", &[&m.attempts, e, &local(m.next_us)]),
        _ => String::new(),
    };
    MessageView {
        id: m.id,
        at: local(m.created_us),
        kind: NoticeKind::parse(&m.kind).map_or("消息", NoticeKind::label),
        channel: Channel::parse(&m.channel).map_or("", Channel::label),
        to: m.to_masked.clone(),
        about: m.case_no.clone().or_else(|| m.unit_name.clone()).unwrap_or_default(),
        status: status_label(&m.status),
        failed: m.status == "failed",
        detail,
        body: m.body.clone(),
    }
}

/// A case's messages as timeline lines: (date, label, detail), e.g.
/// 登记通知 · 短信 已发送 138****5678（2026-02-03 09:12）.
pub(crate) fn timeline_lines(messages: &[OutboxRow], tr: Tr) -> Vec<(chrono::NaiveDate, &'static str, String)> {
    messages
        .iter()
        .filter_map(|m| {
            let on = xinfang_app::china_date(chrono::DateTime::from_timestamp_micros(m.created_us)?);
            let v = message_view(m, tr);
            let mut detail = format!("{} {} {}", tr.t(v.channel), tr.t(v.status), v.to);
            if !v.detail.is_empty() {
                detail.push_str(&format!("（{}）", v.detail));
            }
            Some((on, v.kind, detail))
        })
        .collect()
}

#[derive(Template)]
#[template(path = "notices/messages.html")]
pub(crate) struct MessagesPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) csrf: String,
    pub(crate) notice: Option<String>,
    pub(crate) status: String,
    pub(crate) counts: Vec<(&'static str, &'static str, i64)>,
    pub(crate) items: Vec<MessageView>,
    pub(crate) leases: Vec<(String, String, String)>,
    pub(crate) channels: Vec<(&'static str, bool)>,
}

#[derive(Deserialize)]
pub struct MessagesQuery {
    status: Option<String>,
    notice: Option<String>,
}

const SHOWN: i64 = 200;

/// 消息发送记录 (administrators).
pub async fn messages(State(st): State<AppState>, pu: PageUser, Query(q): Query<MessagesQuery>) -> Response {
    let status = q.status.filter(|s| ["pending", "sending", "sent", "failed"].contains(&s.as_str()));
    let rows = match xinfang_app::notices::messages(&st, &pu.user, status.as_deref(), SHOWN).await {
        Ok(r) => r,
        Err(e) => return pu.error(&e.into()),
    };
    let counts = xinfang_app::notices::message_counts(&st, &pu.user).await.unwrap_or_default();
    let count = |s: &str| counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    let leases = st
        .store
        .leases()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(name, holder, until)| (name, holder, local(until)))
        .collect();
    let cfg = &st.options.notices;
    let notice = q.notice.filter(|n| n == "resent").map(|_| "已重新排入发送队列。".to_string());
    render(&MessagesPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "admin",
        csrf: pu.csrf.clone(),
        notice,
        status: status.unwrap_or_default(),
        counts: ["pending", "sending", "sent", "failed"].into_iter().map(|s| (s, status_label(s), count(s))).collect(),
        items: rows.iter().map(|m| message_view(m, pu.tr)).collect(),
        leases,
        channels: vec![
            ("短信网关", cfg.sms.is_some()),
            ("邮件服务器", cfg.smtp.is_some()),
            ("本地记录（不实际发送）", cfg.sink),
        ],
    })
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// 重新发送 a message given up as failed.
pub async fn resend(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CsrfForm>,
) -> Response {
    if let Some(r) = pu.csrf_rejection(f.csrf.as_deref()) {
        return r;
    }
    match xinfang_app::notices::resend(&st, &pu.user, id).await {
        Ok(()) => see_other("/admin/messages?notice=resent"),
        Err(e) => pu.error(&AppError::from(e)),
    }
}

#[derive(Deserialize)]
pub struct ContactForm {
    csrf: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

/// Where a unit's reminders go (administrators of it or above).
pub async fn set_contact(
    State(st): State<AppState>,
    pu: PageUser,
    Path(code): Path<String>,
    PageForm(f): PageForm<ContactForm>,
) -> Response {
    if let Some(r) = pu.csrf_rejection(f.csrf.as_deref()) {
        return r;
    }
    let (email, phone) = (f.email.unwrap_or_default(), f.phone.unwrap_or_default());
    let e = match xinfang_app::notices::set_unit_contact(&st, &pu.user, &code, &email, &phone).await {
        Ok(()) => return see_other(&format!("/admin/units/{code}?saved=contact")),
        Err(e) => AppError::from(e),
    };
    // A mistyped address: the page again, with what was typed and why.
    let units = st.store.units().await.unwrap_or_default();
    match units.iter().find(|u| u.code == code) {
        Some(unit) if e.status == axum::http::StatusCode::UNPROCESSABLE_ENTITY => {
            let typed = xinfang_store::UnitContact { unit_id: unit.id.0, email: Some(email), phone: Some(phone) };
            let page =
                crate::admin::pages::unit_edit_page(&pu, &units, unit, None, Some(e.summary(pu.tr)), Some(typed));
            (e.status, render(&page)).into_response()
        }
        _ => pu.error(&e),
    }
}
