//! Messages to people (kernel): what a petitioner is told and when, what a
//! unit is reminded of, and how a message that could not be sent is tried
//! again.
//!
//! A petitioner's notice names only the case number, its status and where
//! to look it up (the registration notice adds the query code, which the
//! look-up needs); never the content of the matter, so a message read by
//! someone else over the petitioner's shoulder discloses nothing more.

use chrono::NaiveDate;
use std::time::Duration;

/// Why a message is sent: its kind, as the outbox and the timeline name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// 已登记: the case number and the query code.
    Registered,
    /// 已受理 (Art. 22 ¶1, Art. 31).
    Accepted,
    /// 不予受理 / routed to another procedure (Art. 31).
    Declined,
    /// A written opinion (处理、复查、复核意见) was served.
    Served,
    /// The window to ask for a review or a recheck closes soon (Arts. 35–36).
    WindowClosing,
    /// A unit's deadlines due tomorrow and overdue (staff reminder).
    DueDigest,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 6] = [
        NoticeKind::Registered,
        NoticeKind::Accepted,
        NoticeKind::Declined,
        NoticeKind::Served,
        NoticeKind::WindowClosing,
        NoticeKind::DueDigest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Registered => "registered",
            NoticeKind::Accepted => "accepted",
            NoticeKind::Declined => "declined",
            NoticeKind::Served => "served",
            NoticeKind::WindowClosing => "window_closing",
            NoticeKind::DueDigest => "due_digest",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Its name on the timeline and the messages page.
    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::Registered => "登记通知",
            NoticeKind::Accepted => "受理通知",
            NoticeKind::Declined => "不予受理通知",
            NoticeKind::Served => "送达通知",
            NoticeKind::WindowClosing => "申请期限提示",
            NoticeKind::DueDigest => "到期提醒",
        }
    }

    /// The notice a step of the procedure sends the petitioner (by the
    /// step's wire name), if any.
    pub fn for_step(step: &str) -> Option<Self> {
        match step {
            "register" => Some(NoticeKind::Registered),
            "accept" => Some(NoticeKind::Accepted),
            "decline" => Some(NoticeKind::Declined),
            "serve" => Some(NoticeKind::Served),
            _ => None,
        }
    }
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(Channel::Sms),
            "email" => Some(Channel::Email),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Sms => "短信",
            Channel::Email => "电子邮件",
        }
    }
}

/// The subject and text of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub subject: String,
    pub body: String,
}

/// The petitioner's notice of `kind` about case `case_no`; `query_code` is
/// given only with [`NoticeKind::Registered`]; `lookup` is the portal's
/// look-up address; `window` the last day of a request window.
pub fn petitioner_text(
    kind: NoticeKind,
    case_no: &str,
    query_code: Option<&str>,
    lookup: &str,
    window: Option<(&str, NaiveDate)>,
) -> Text {
    let what = match (kind, query_code, window) {
        (NoticeKind::Registered, Some(code), _) => format!("您的信访事项已登记，编号 {case_no}，查询码 {code}"),
        (NoticeKind::Registered, None, _) => format!("您的信访事项已登记，编号 {case_no}"),
        (NoticeKind::Accepted, ..) => format!("您的信访事项 {case_no} 已受理"),
        (NoticeKind::Declined, ..) => format!("您的信访事项 {case_no} 不予受理，书面告知已出具"),
        (NoticeKind::Served, ..) => format!("您的信访事项 {case_no} 的书面答复意见已送达"),
        (NoticeKind::WindowClosing, _, Some((what, last))) => {
            format!("您的信访事项 {case_no} {what}的期限至 {} 截止", last.format("%Y年%-m月%-d日"))
        }
        (NoticeKind::WindowClosing | NoticeKind::DueDigest, ..) => format!("您的信访事项 {case_no} 有新进展"),
    };
    Text {
        subject: format!("信访事项 {case_no}：{}", kind.label()),
        body: format!("【信访】{what}。凭编号和查询码可在 {lookup} 查询办理情况。"),
    }
}

/// A unit's reminder on `on`: its cases overdue and those due by `until`
/// (the next working day), with the case numbers (at most `LIST` of each)
/// and where to see them.
pub fn digest_text(
    unit: &str,
    on: NaiveDate,
    until: NaiveDate,
    overdue: &[String],
    due: &[String],
    ledger: &str,
) -> Text {
    const LIST: usize = 20;
    let list = |xs: &[String]| {
        let mut s = xs.iter().take(LIST).cloned().collect::<Vec<_>>().join("、");
        if xs.len() > LIST {
            s.push_str(&format!(" 等 {} 件", xs.len()));
        }
        s
    };
    let until = until.format("%-m月%-d日");
    let mut body = format!("{unit}：截至 {}，", on.format("%Y年%-m月%-d日"));
    body.push_str(&format!("已超期 {} 件，{until}前到期 {} 件。", overdue.len(), due.len()));
    if !overdue.is_empty() {
        body.push_str(&format!("\n已超期：{}", list(overdue)));
    }
    if !due.is_empty() {
        body.push_str(&format!("\n{until}前到期：{}", list(due)));
    }
    body.push_str(&format!("\n请登录 {ledger} 办理。"));
    Text { subject: format!("{unit} 信访事项到期提醒（{}）", on.format("%Y-%m-%d")), body }
}

/// How long to wait before the next try after `attempts` failed ones
/// (30 s, 2 min, 10 min, 30 min, then every 2 hours), scaled by `scale`
/// (1 in service; tests shorten it); `None` after [`MAX_ATTEMPTS`]: the
/// message is given up as failed and the timeline says so.
pub fn retry_after(attempts: u32, scale: f64) -> Option<Duration> {
    let secs = match attempts {
        0 => 0,
        1 => 30,
        2 => 120,
        3 => 600,
        4 => 1800,
        n if n < MAX_ATTEMPTS => 7200,
        _ => return None,
    };
    Some(Duration::from_secs_f64(secs as f64 * scale))
}

/// Tries before a message is given up (about a day of retries).
pub const MAX_ATTEMPTS: u32 = 16;

/// A phone number or an address as lists show it: 138****5678,
/// z***@example.cn.
pub fn mask_address(to: &str) -> String {
    if let Some((user, host)) = to.split_once('@') {
        let first: String = user.chars().take(1).collect();
        return format!("{first}***@{host}");
    }
    let chars: Vec<char> = to.chars().collect();
    if chars.len() >= 7 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}****{tail}")
    } else {
        "****".into()
    }
}

/// Is `s` a plausible e-mail address (one `@`, a dot in the domain, no
/// spaces)? The server that receives it has the last word.
pub fn is_email(s: &str) -> bool {
    let Some((user, host)) = s.split_once('@') else { return false };
    !user.is_empty()
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && !s.contains(char::is_whitespace)
        && !host.contains('@')
        && s.len() <= 254
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_petitioner_notice_names_the_case_and_never_the_content() {
        let t = petitioner_text(NoticeKind::Registered, "XF2026-000001", Some("AB12CD34"), "https://x/portal", None);
        assert!(t.body.contains("XF2026-000001") && t.body.contains("AB12CD34") && t.body.contains("https://x/portal"));
        let t = petitioner_text(NoticeKind::Accepted, "XF2026-000001", None, "https://x/portal", None);
        assert!(!t.body.contains("查询码 "), "{}", t.body);
    }

    #[test]
    fn the_review_window_notice_gives_its_last_day() {
        let last = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
        let t = petitioner_text(NoticeKind::WindowClosing, "XF1", None, "u", Some(("申请复查", last)));
        assert!(t.body.contains("申请复查的期限至 2026年3月2日 截止"), "{}", t.body);
    }

    #[test]
    fn retries_back_off_and_give_up() {
        assert_eq!(retry_after(1, 1.0), Some(Duration::from_secs(30)));
        assert!(retry_after(3, 1.0) > retry_after(2, 1.0));
        assert_eq!(retry_after(MAX_ATTEMPTS, 1.0), None);
        assert_eq!(retry_after(2, 0.01), Some(Duration::from_secs_f64(1.2)));
    }

    #[test]
    fn addresses_are_masked_and_checked() {
        assert_eq!(mask_address("13812345678"), "138****5678");
        assert_eq!(mask_address("zhang@example.cn"), "z***@example.cn");
        assert!(is_email("duty@xx.gov.cn") && !is_email("a b@x.cn") && !is_email("x@y") && !is_email("@x.cn"));
    }

    #[test]
    fn a_digest_lists_the_cases_and_caps_the_list() {
        let on = NaiveDate::from_ymd_opt(2026, 2, 3).expect("date");
        let until = NaiveDate::from_ymd_opt(2026, 2, 4).expect("date");
        let many: Vec<String> = (0..25).map(|i| format!("XF{i}")).collect();
        let t = digest_text("城关镇", on, until, &many, &["XF99".into()], "https://x/petitions");
        assert!(t.body.contains("已超期 25 件，2月4日前到期 1 件") && t.body.contains("等 25 件"), "{}", t.body);
        assert!(t.body.contains("XF99"));
        assert!(!t.body.contains("XF24、"), "{}", t.body);
    }
}
