//! The server's flags for messages to people: the SMS gateway, the SMTP
//! server, the local sink, and when the daily reminders go out
//! (docs/operations.md has a worked example of a gateway).

use anyhow::{Context, bail};
use clap::Args;
use xinfang_app::notices::NoticeConfig;
use xinfang_app::notices::send::{SmsGateway, SmtpServer};

#[derive(Args, Debug, Clone, Default)]
pub struct NoticeOpts {
    /// The SMS gateway's address: each message is an HTTP POST to it.
    #[arg(long, env = "XINFANG_SMS_URL")]
    pub sms_url: Option<String>,
    /// The POST's body, with {{to}}, {{text}} and {{id}} put in; `@FILE`
    /// reads it from a file.
    #[arg(long, env = "XINFANG_SMS_TEMPLATE", default_value = r#"{"to":"{{to}}","text":"{{text}}","id":"{{id}}"}"#)]
    pub sms_template: String,
    /// The body's type: JSON values are escaped for JSON, a form's are
    /// URL-encoded.
    #[arg(long, env = "XINFANG_SMS_CONTENT_TYPE", default_value = "application/json")]
    pub sms_content_type: String,
    /// An extra header of the POST (`Authorization: Bearer KEY`); repeat
    /// for more.
    #[arg(long = "sms-header", env = "XINFANG_SMS_HEADERS", value_delimiter = '\n')]
    pub sms_headers: Vec<String>,
    /// Text the gateway's answer must contain to count as sent (many
    /// answer 200 with an error code in the body), e.g. `"code":0`.
    #[arg(long, env = "XINFANG_SMS_OK")]
    pub sms_ok: Option<String>,
    /// The SMTP server for e-mail: smtp://user:pass@host:587?tls=required,
    /// smtps://…:465, or smtp://host:25 inside the office network.
    #[arg(long, env = "XINFANG_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of e-mail, e.g. `信访办 <xfb@example.gov.cn>`.
    #[arg(long, env = "XINFANG_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Record messages as sent without sending them (a trial run; the
    /// messages page shows them).
    #[arg(long, env = "XINFANG_NOTICE_SINK")]
    pub notice_sink: bool,
    /// When the units' reminders go out each working day (China time).
    #[arg(long, env = "XINFANG_REMINDER_TIME", default_value = "08:30")]
    pub reminder_time: String,
    /// Seconds a background job's lease lasts unrenewed (a server that
    /// dies hands its jobs to another within this).
    #[arg(long, env = "XINFANG_JOB_LEASE_SECS", default_value_t = 30, hide = true)]
    pub job_lease_secs: u64,
    /// Share of the normal wait between tries (tests shorten it).
    #[arg(long, env = "XINFANG_RETRY_SCALE", default_value_t = 1.0, hide = true)]
    pub retry_scale: f64,
}

impl NoticeOpts {
    pub fn config(&self) -> anyhow::Result<NoticeConfig> {
        let sms = match &self.sms_url {
            Some(url) => {
                let template = match self.sms_template.strip_prefix('@') {
                    Some(path) => std::fs::read_to_string(path).with_context(|| format!("无法读取短信模板 {path}"))?,
                    None => self.sms_template.clone(),
                };
                let mut headers = Vec::new();
                for h in self.sms_headers.iter().filter(|h| !h.trim().is_empty()) {
                    let Some((k, v)) = h.split_once(':') else { bail!("--sms-header 应为 “名称: 值”：{h}") };
                    headers.push((k.trim().to_string(), v.trim().to_string()));
                }
                Some(SmsGateway {
                    url: url.clone(),
                    template,
                    content_type: self.sms_content_type.clone(),
                    headers,
                    ok_contains: self.sms_ok.clone().filter(|s| !s.is_empty()),
                })
            }
            None => None,
        };
        let smtp = match (&self.smtp_url, &self.mail_from) {
            (Some(url), Some(from)) => Some(SmtpServer { url: url.clone(), from: from.clone() }),
            (Some(_), None) => bail!("使用 --smtp-url 时须同时给出 --mail-from（发件人）"),
            (None, _) => None,
        };
        let digest_at = chrono::NaiveTime::parse_from_str(self.reminder_time.trim(), "%H:%M")
            .with_context(|| format!("--reminder-time 应为 HH:MM（北京时间）：{}", self.reminder_time))?;
        if !(1..=3600).contains(&self.job_lease_secs) {
            bail!("--job-lease-secs 应为 1 至 3600");
        }
        if !(self.retry_scale > 0.0 && self.retry_scale <= 10.0) {
            bail!("--retry-scale 应大于 0、不超过 10");
        }
        let cfg = NoticeConfig {
            sms,
            smtp,
            sink: self.notice_sink,
            digest_at: Some(digest_at),
            retry_scale: Some(self.retry_scale),
            poll: None,
            lease: Some(std::time::Duration::from_secs(self.job_lease_secs)),
        };
        // A wrong address or sender is said now, not at the first message.
        xinfang_app::notices::send::Sender::new(&cfg).map_err(|e| anyhow::anyhow!(e))?;
        Ok(cfg)
    }
}
