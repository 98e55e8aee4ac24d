//! Background work that runs once across servers (issue 26 ¶3): every
//! `xinfang serve` runs every job, but a job works only while its server
//! holds the job's lease in the database (`job_leases`), renewed as it
//! goes; a server that dies stops renewing, and another takes the job once
//! the lease runs out (30 s). The same on SQLite and PostgreSQL.
//!
//! The jobs: the outbox dispatcher (one message at a time: claimed in a
//! committed write, sent, then marked — so after a crash only the message
//! in flight may go twice, and its number lets the gateway drop the
//! repeat), and the daily reminders (units' deadlines; petitioners' request
//! windows), each message made once by its key whichever server makes it,
//! and a deadline recompute a calendar import left unfinished.

use crate::AppState;
use crate::notices::send::{SendError, Sender};
use crate::notices::{self, NoticeConfig};
use chrono::{DateTime, Days, Utc};
use std::sync::Arc;
use std::time::Duration;
use xinfang_domain::notice::{self as rules, Channel, NoticeKind};
use xinfang_store::{Delivery, NewMessage, OutboxRow, StoreError};

/// A claim of this server's own older than this is taken as dead (a try
/// that never said how it ended): longer than a try may take. Another
/// server's claim is dead as soon as this one holds the lease.
const STALE_CLAIM: Duration = Duration::from_secs(60);
/// How often the daily jobs look at the clock.
const DAILY_TICK: Duration = Duration::from_secs(20);

/// This server's name in the leases and the claims: its process id and a
/// random part (`12345-9f3a1c2b`).
pub fn holder_name() -> String {
    let mut r = [0u8; 4];
    let _ = getrandom::getrandom(&mut r);
    format!("{}-{}", std::process::id(), hex::encode(r))
}

fn us(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// The running jobs of one server.
#[derive(Debug, Clone)]
pub struct Jobs {
    pub holder: Arc<str>,
}

impl Jobs {
    /// Starts the dispatcher and the daily jobs on `st` (call once, in
    /// `serve`); they run until the process ends.
    pub fn start(st: &AppState) -> Result<Jobs, String> {
        let jobs = Self::start_dispatcher(st)?;
        let (b, h2) = (st.clone(), jobs.holder.clone());
        tokio::spawn(async move { daily(b, h2).await });
        Ok(jobs)
    }

    /// Starts the outbox dispatcher alone (the daily jobs read the real
    /// clock: a test that sets its own day runs them itself).
    pub fn start_dispatcher(st: &AppState) -> Result<Jobs, String> {
        let sender = Arc::new(Sender::new(&st.options.notices)?);
        let jobs = Jobs { holder: holder_name().into() };
        let (a, h1) = (st.clone(), jobs.holder.clone());
        tokio::spawn(async move { dispatcher(a, sender, h1).await });
        Ok(jobs)
    }

    /// Gives up this server's leases (a graceful stop): another server
    /// takes the jobs at once instead of after the lease runs out.
    pub async fn stop(&self, st: &AppState) {
        for name in ["outbox", "daily"] {
            let _ = st.store.release_lease(name, &self.holder).await;
        }
    }
}

/// Takes or renews lease `name`; false (and a warning) when the database
/// cannot be reached.
async fn lease(st: &AppState, name: &str, holder: &str) -> bool {
    let ttl = st.options.notices.lease();
    match st.store.take_lease(name, holder, us(Utc::now()), ttl.as_micros() as i64).await {
        Ok(held) => held,
        Err(e) => {
            tracing::warn!(job = name, error = %e, "could not take the job's lease");
            false
        }
    }
}

async fn dispatcher(st: AppState, sender: Arc<Sender>, holder: Arc<str>) {
    let poll = st.options.notices.poll.unwrap_or(Duration::from_secs(1));
    loop {
        if lease(&st, "outbox", &holder).await {
            // Until nothing is due, renewing the lease before each message.
            loop {
                match dispatch_one(&st, &sender, &holder).await {
                    Ok(true) if lease(&st, "outbox", &holder).await => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox dispatch failed");
                        break;
                    }
                }
            }
        }
        tokio::time::sleep(poll).await;
    }
}

/// Claims the next message due and tries to send it; whether there was one.
pub async fn dispatch_one(st: &AppState, sender: &Sender, holder: &str) -> Result<bool, StoreError> {
    let now = us(Utc::now());
    let Some(m) = st.store.claim_message(holder, now, now - STALE_CLAIM.as_micros() as i64).await? else {
        return Ok(false);
    };
    let delivery = match try_send(st, sender, &m).await {
        Ok(()) => Delivery::Sent { at_us: us(Utc::now()) },
        Err(SendError::Never(error)) => Delivery::GiveUp { error },
        Err(SendError::Again(error)) => {
            let scale = st.options.notices.retry_scale.unwrap_or(1.0);
            match rules::retry_after(m.attempts as u32 + 1, scale) {
                Some(wait) => Delivery::Retry { error, next_us: us(Utc::now()) + wait.as_micros() as i64 },
                None => Delivery::GiveUp { error },
            }
        }
    };
    match &delivery {
        Delivery::Sent { .. } => tracing::info!(message = m.id, kind = %m.kind, "message sent"),
        Delivery::Retry { error, .. } => tracing::warn!(message = m.id, %error, "message not sent; will retry"),
        Delivery::GiveUp { error } => tracing::error!(message = m.id, %error, "message given up"),
    }
    if !st.store.finish_message(m.id, holder, &delivery).await? {
        tracing::warn!(message = m.id, "message was taken over by another server while being sent");
    }
    Ok(true)
}

async fn try_send(st: &AppState, sender: &Sender, m: &OutboxRow) -> Result<(), SendError> {
    let channel = Channel::parse(&m.channel).ok_or_else(|| SendError::Never(format!("未知渠道 {}", m.channel)))?;
    let to = match (&m.to_enc, &m.to_addr) {
        (Some(sealed), _) => st
            .keys
            .open(crate::crypto::Field::Phone, sealed)
            .map_err(|_| SendError::Never("无法解密收件号码（密钥不符）".into()))?,
        (None, Some(addr)) => addr.clone(),
        (None, None) => return Err(SendError::Never("没有收件地址".into())),
    };
    sender.send(channel, &to, &m.subject, &m.body, m.id).await
}

async fn daily(st: AppState, holder: Arc<str>) {
    loop {
        if lease(&st, "daily", &holder).await {
            // A deadline recompute a calendar import left unfinished (its
            // process died): finished here by one server, not by each.
            if matches!(st.store.stale_deadlines().await, Ok(Some(_))) {
                match crate::calendar::recompute_deadlines(&st.store, &st.rules, &mut |_| {}).await {
                    Ok(n) => tracing::info!(updated = n, "unfinished deadline recompute finished"),
                    Err(e) => tracing::warn!(error = %e.summary(), "deadline recompute failed"),
                }
            }
            if let Err(e) = run_daily(&st, Utc::now()).await {
                tracing::warn!(error = %e.summary(), "daily reminders failed");
            }
            // Throttle counts nobody has touched for a day.
            let day_ago = us(Utc::now()) - 24 * 3600 * 1_000_000;
            if let Err(e) = st.store.throttle_prune(day_ago).await {
                tracing::warn!(error = %e, "throttle prune failed");
            }
        }
        tokio::time::sleep(DAILY_TICK).await;
    }
}

/// Makes the day's reminders once the configured time of a working day has
/// come (China time): each unit's deadlines, each petitioner's closing
/// window. Every message has a key of its day, so running it again — on
/// this server or another — makes nothing twice. Returns how many it made.
pub async fn run_daily(st: &AppState, now: DateTime<Utc>) -> crate::Result<usize> {
    let cfg: &NoticeConfig = &st.options.notices;
    let local = crate::china_time(now);
    let today = local.date();
    let cal = st.calendar();
    if !cal.is_working_day(today) || local.time() < cfg.digest_at() {
        return Ok(0);
    }
    let mut made = 0;
    made += unit_digests(st, today).await?;
    made += closing_windows(st, today).await?;
    Ok(made)
}

async fn unit_digests(st: &AppState, today: chrono::NaiveDate) -> crate::Result<usize> {
    let cfg = &st.options.notices;
    let until = xinfang_domain::clock::next_working_day(&st.calendar(), today);
    let contacts = st.store.unit_contacts().await?;
    let due = st.store.due_cases(until).await?;
    let units = st.cached_units();
    let ledger = notices::site_link(st, "/petitions", "信访业务系统");
    let mut made = 0;
    for c in &contacts {
        let of_unit: Vec<&xinfang_store::DueCase> = due.iter().filter(|d| d.unit_id == c.unit_id).collect();
        if of_unit.is_empty() {
            continue;
        }
        let Some(unit) = units.id(xinfang_store::UnitId(c.unit_id)) else { continue };
        let overdue: Vec<String> = of_unit.iter().filter(|d| d.due < today).map(|d| d.case_no.clone()).collect();
        let soon: Vec<String> = of_unit.iter().filter(|d| d.due >= today).map(|d| d.case_no.clone()).collect();
        let text = rules::digest_text(&unit.name, today, until, &overdue, &soon, &ledger);
        for (channel, to) in [(Channel::Email, &c.email), (Channel::Sms, &c.phone)] {
            let Some(to) = to.as_ref().filter(|_| cfg.has(channel)) else { continue };
            let m = NewMessage {
                kind: NoticeKind::DueDigest.as_str().into(),
                channel: channel.as_str().into(),
                to_addr: to.clone(),
                to_masked: rules::mask_address(to),
                subject: text.subject.clone(),
                body: text.body.clone(),
                petition_id: None,
                unit_id: Some(c.unit_id),
                once_key: Some(format!("digest:{}:{today}:{}", c.unit_id, channel.as_str())),
            };
            made += usize::from(st.store.enqueue_message(&m).await?);
        }
    }
    Ok(made)
}

async fn closing_windows(st: &AppState, today: chrono::NaiveDate) -> crate::Result<usize> {
    let to = today.checked_add_days(Days::new(notices::WINDOW_NOTICE_DAYS)).unwrap_or(today);
    let mut made = 0;
    for w in st.store.closing_windows(today, to).await? {
        let what = match w.clock.as_str() {
            "review_request" => "申请复查",
            _ => "申请复核",
        };
        let Some(n) = notices::petitioner_notice(st, NoticeKind::WindowClosing, None, Some((what, w.due))) else {
            return Ok(made);
        };
        let key = format!("window:{}:{}:{}", w.petition_id, w.clock, w.due);
        made += usize::from(st.store.enqueue_petitioner_notice(w.petition_id, &n, &key).await?);
    }
    Ok(made)
}
