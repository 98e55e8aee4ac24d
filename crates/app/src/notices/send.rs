//! The channels a message travels by: an SMS gateway that takes an HTTP
//! POST whose body is a template (most Chinese SMS gateways take this
//! form; docs/operations.md has a worked example), e-mail through SMTP,
//! and the local sink of the demo. Each answers whether a failure is worth
//! another try.

use std::time::Duration;
use xinfang_domain::notice::Channel;

/// How long one try may take before it counts as failed.
const TRY_TIMEOUT: Duration = Duration::from_secs(20);

/// An SMS gateway: where to POST, the body with `{{to}}`, `{{text}}` and
/// `{{id}}` (the message's number, for the gateway to drop a repeat) put
/// in — escaped for JSON when the body is JSON, URL-encoded when it is a
/// form — extra headers (a key), and the text a successful answer holds
/// (many gateways answer 200 with an error code in the body).
#[derive(Debug, Clone)]
pub struct SmsGateway {
    pub url: String,
    pub template: String,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub ok_contains: Option<String>,
}

/// An SMTP server: `smtp://user:password@host:587?tls=required`,
/// `smtps://…:465`, or plain `smtp://host:25` inside an office network;
/// and the sender, `信访办 <xfb@example.gov.cn>`.
#[derive(Debug, Clone)]
pub struct SmtpServer {
    pub url: String,
    pub from: String,
}

/// Why a try failed: worth trying again later, or never.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    Again(String),
    Never(String),
}

/// The senders of a deployment, built once at start-up.
pub struct Sender {
    http: reqwest::Client,
    sms: Option<SmsGateway>,
    smtp: Option<(lettre::AsyncSmtpTransport<lettre::Tokio1Executor>, lettre::message::Mailbox)>,
    sink: bool,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").field("sms", &self.sms.is_some()).field("smtp", &self.smtp.is_some()).finish()
    }
}

impl Sender {
    /// Checks the configuration (a bad URL or sender is said at start-up,
    /// not at the first message).
    pub fn new(cfg: &super::NoticeConfig) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(TRY_TIMEOUT)
            .build()
            .map_err(|e| format!("无法创建 HTTP 客户端：{e}"))?;
        if let Some(g) = &cfg.sms {
            let lower = g.url.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                return Err(format!("--sms-url 应以 https:// 或 http:// 开头：{}", g.url));
            }
            if !g.template.contains("{{to}}") || !g.template.contains("{{text}}") {
                return Err("--sms-template 须含 {{to}} 和 {{text}}".into());
            }
        }
        let smtp = match &cfg.smtp {
            Some(s) => {
                let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&s.url)
                    .map_err(|e| format!("--smtp-url 无法识别（{e}）"))?
                    .timeout(Some(TRY_TIMEOUT))
                    .build();
                let from: lettre::message::Mailbox =
                    s.from.parse().map_err(|e| format!("--mail-from 不是有效的发件人（{e}）：{}", s.from))?;
                Some((transport, from))
            }
            None => None,
        };
        Ok(Sender { http, sms: cfg.sms.clone(), smtp, sink: cfg.sink })
    }

    /// Sends message `id` by `channel` to `to`.
    pub async fn send(&self, channel: Channel, to: &str, subject: &str, body: &str, id: i64) -> Result<(), SendError> {
        if self.sink {
            return Ok(());
        }
        match channel {
            Channel::Sms => match &self.sms {
                Some(g) => self.sms(g, to, body, id).await,
                None => Err(SendError::Never("未配置短信网关（--sms-url）".into())),
            },
            Channel::Email => match &self.smtp {
                Some((t, from)) => mail(t, from, to, subject, body, id).await,
                None => Err(SendError::Never("未配置邮件服务器（--smtp-url）".into())),
            },
        }
    }

    async fn sms(&self, g: &SmsGateway, to: &str, text: &str, id: i64) -> Result<(), SendError> {
        if !(to.len() == 11 && to.starts_with('1')) {
            return Err(SendError::Never("该号码不是手机号码，无法接收短信".into()));
        }
        let body = fill(&g.template, &g.content_type, &[("to", to), ("text", text), ("id", &id.to_string())]);
        let mut req = self.http.post(&g.url).header("Content-Type", &g.content_type).body(body);
        for (k, v) in &g.headers {
            req = req.header(k, v);
        }
        let resp = req.send().await.map_err(|e| SendError::Again(format!("无法连接短信网关：{}", without_url(&e))))?;
        let status = resp.status();
        let answer = resp.text().await.unwrap_or_default();
        let short: String = answer.chars().take(200).collect();
        if status.is_success() {
            match &g.ok_contains {
                Some(ok) if !answer.contains(ok.as_str()) => {
                    Err(SendError::Again(format!("短信网关未确认发送：{short}")))
                }
                _ => Ok(()),
            }
        } else if status.is_client_error() && status.as_u16() != 429 && status.as_u16() != 408 {
            Err(SendError::Never(format!("短信网关拒绝（HTTP {}）：{short}", status.as_u16())))
        } else {
            Err(SendError::Again(format!("短信网关暂时不可用（HTTP {}）", status.as_u16())))
        }
    }
}

async fn mail(
    t: &lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: &lettre::message::Mailbox,
    to: &str,
    subject: &str,
    body: &str,
    id: i64,
) -> Result<(), SendError> {
    use lettre::AsyncTransport;
    let to: lettre::message::Mailbox = to.parse().map_err(|e| SendError::Never(format!("收件地址无效：{e}")))?;
    let host = from.email.domain().to_string();
    let message = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(format!("<xinfang-{id}@{host}>")))
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(body.to_string())
        .map_err(|e| SendError::Never(format!("无法生成邮件：{e}")))?;
    match t.send(message).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(SendError::Never(format!("邮件服务器拒绝：{e}"))),
        Err(e) => Err(SendError::Again(format!("邮件发送失败：{e}"))),
    }
}

/// The error of a request without its URL (which may carry a key).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "超时"
    } else if e.is_connect() {
        "连接失败"
    } else {
        "请求失败"
    };
    format!("{kind}（{}）", std::error::Error::source(e).map(|s| s.to_string()).unwrap_or_default())
}

/// `template` with each `{{name}}` replaced by its value, escaped for the
/// body's type: JSON string contents, or form (URL) encoding.
pub fn fill(template: &str, content_type: &str, values: &[(&str, &str)]) -> String {
    let ct = content_type.to_ascii_lowercase();
    let mut out = template.to_string();
    for (name, value) in values {
        let escaped = if ct.contains("json") {
            let quoted = serde_json::to_string(value).unwrap_or_default();
            quoted[1..quoted.len().saturating_sub(1).max(1)].to_string()
        } else if ct.contains("x-www-form-urlencoded") {
            percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
        } else {
            (*value).to_string()
        };
        out = out.replace(&format!("{{{{{name}}}}}"), &escaped);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_filled_for_its_body_type() {
        let json = fill(
            r#"{"mobile":"{{to}}","content":"{{text}}"}"#,
            "application/json",
            &[("to", "13800000000"), ("text", "编号 \"XF1\"\n查询")],
        );
        let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(v["content"], "编号 \"XF1\"\n查询");
        let form =
            fill("m={{to}}&c={{text}}", "application/x-www-form-urlencoded", &[("to", "138"), ("text", "编号 a&b")]);
        assert_eq!(form, "m=138&c=%E7%BC%96%E5%8F%B7%20a%26b");
    }
}
