//! Messages to people (issue 26 ¶2), against a real HTTP listener for the
//! SMS gateway and a real SMTP listener: each message written with its
//! step, sent once after commit, tried again while the gateway is down,
//! nothing for a step that was refused; the units' daily reminders once a
//! day; the messages page; the throttles counted across two servers.

use crate::support::{Backend, TestApp, petition};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// An SMS gateway: records each POST's body and answers with the status
/// set in `answer` (200 unless a test makes it fail).
#[derive(Clone, Default)]
struct Gateway {
    got: Arc<Mutex<Vec<String>>>,
    answer: Arc<Mutex<u16>>,
}

impl Gateway {
    async fn start() -> (Gateway, String) {
        let g = Gateway { answer: Arc::new(Mutex::new(200)), ..Default::default() };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms/send", listener.local_addr().unwrap());
        let me = g.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let me = me.clone();
                tokio::spawn(async move { me.serve(sock).await });
            }
        });
        (g, url)
    }

    async fn serve(&self, sock: tokio::net::TcpStream) {
        let mut r = BufReader::new(sock);
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).await.unwrap();
        let status = *self.answer.lock().unwrap();
        if status == 200 {
            self.got.lock().unwrap().push(String::from_utf8(body).unwrap());
        }
        let body = r#"{"code":0}"#;
        let answer =
            format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
        let _ = r.get_mut().write_all(answer.as_bytes()).await;
    }

    fn got(&self) -> Vec<Value> {
        self.got.lock().unwrap().iter().map(|b| serde_json::from_str(b).unwrap()).collect()
    }

    fn set(&self, status: u16) {
        *self.answer.lock().unwrap() = status;
    }
}

/// An SMTP server that takes every message and records its data.
async fn smtp_listener() -> (Arc<Mutex<Vec<String>>>, u16) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let keep = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let mut r = BufReader::new(sock);
                let _ = r.get_mut().write_all(b"220 test ESMTP\r\n").await;
                let mut line = String::new();
                while r.read_line(&mut line).await.unwrap_or(0) > 0 {
                    let cmd = line.to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250 test\r\n"
                    } else if cmd.starts_with("DATA") {
                        let _ = r.get_mut().write_all(b"354 go\r\n").await;
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            if r.read_line(&mut l).await.unwrap_or(0) == 0 || l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                        }
                        keep.lock().unwrap().push(data);
                        b"250 queued\r\n"
                    } else if cmd.starts_with("QUIT") {
                        let _ = r.get_mut().write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = r.get_mut().write_all(reply).await;
                    line.clear();
                }
            });
        }
    });
    (got, port)
}

fn options(sms_url: &str, smtp_port: u16) -> xinfang_app::state::Options {
    use xinfang_app::notices::send::{SmsGateway, SmtpServer};
    xinfang_app::state::Options {
        public_url: Some("https://xf.example.gov.cn".into()),
        notices: xinfang_app::notices::NoticeConfig {
            sms: Some(SmsGateway {
                url: sms_url.into(),
                template: r#"{"mobile":"{{to}}","content":"{{text}}","id":"{{id}}"}"#.into(),
                content_type: "application/json".into(),
                headers: vec![("Authorization".into(), "Bearer test-key".into())],
                ok_contains: Some("\"code\":0".into()),
            }),
            smtp: Some(SmtpServer {
                url: format!("smtp://127.0.0.1:{smtp_port}"),
                from: "测试县信访局 <xfj@example.cn>".into(),
            }),
            sink: false,
            digest_at: None,
            // 30 s becomes 0.3 s.
            retry_scale: Some(0.01),
            poll: Some(Duration::from_millis(100)),
            lease: None,
        },
        ..Default::default()
    }
}

/// Waits (up to 15 s) until `f` holds.
async fn until(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..150 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting: {what}");
}

async fn status_of(app: &TestApp, id: i64) -> String {
    app.store.message(id).await.unwrap().unwrap().status
}

/// Each notice is written with its step and sent once after commit; a
/// refused step sends nothing; while the gateway is down the message waits
/// and goes when it is back; a message the gateway refuses is given up and
/// can be sent again from the messages page; the case's timeline says what
/// was sent. Only the case number, status, query code and look-up address
/// go out, never the content.
pub async fn notices_are_sent_once_after_commit_and_retried(b: Backend) {
    let (gw, url) = Gateway::start().await;
    let (mail, port) = smtp_listener().await;
    let app = TestApp::builder(b).options(options(&url, port)).start().await;
    xinfang_app::jobs::Jobs::start_dispatcher(&app.state).unwrap();
    let handler = app.login("handler").await;

    let p = app.register(&handler, petition("C", "2026-10-09", json!({}))).await;
    let (id, case_no, code) = (
        p["id"].as_i64().unwrap(),
        p["case_no"].as_str().unwrap().to_string(),
        p["query_code"].as_str().unwrap().to_string(),
    );
    until("the registration notice", || gw.got().len() == 1).await;
    let first = &gw.got()[0];
    assert_eq!(first["mobile"], "13800138000");
    let text = first["content"].as_str().unwrap();
    assert!(
        text.contains(&case_no) && text.contains(&code) && text.contains("https://xf.example.gov.cn/portal"),
        "{text}"
    );
    for private in ["拖欠工资", "张三", "工地", "11010519491231002X"] {
        assert!(!text.contains(private), "the notice carries no content: {text}");
    }

    // A refused step (service before any opinion) writes nothing.
    let before = app.scalar_i64("SELECT COUNT(*) FROM outbox").await;
    app.event(&handler, id, json!({"type":"serve","on":"2026-10-20"}), StatusCode::CONFLICT).await;
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM outbox").await, before, "nothing for a rolled-back step");

    // The gateway is down: the acceptance notice waits, then goes once.
    gw.set(503);
    app.event(&handler, id, json!({"type":"accept","on":"2026-10-12"}), StatusCode::CREATED).await;
    let accepted = app.scalar_i64("SELECT MAX(id) FROM outbox").await;
    let st = app.store.clone();
    for _ in 0..100 {
        if st.message(accepted).await.unwrap().unwrap().attempts >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let m = app.store.message(accepted).await.unwrap().unwrap();
    assert!(m.attempts >= 2 && m.status != "sent", "{m:?}");
    assert!(m.last_error.as_deref().unwrap_or("").contains("503"), "{m:?}");
    gw.set(200);
    until("the acceptance notice after the gateway is back", || gw.got().len() == 2).await;
    assert!(gw.got()[1]["content"].as_str().unwrap().contains("已受理"), "{:?}", gw.got());
    assert_eq!(status_of(&app, accepted).await, "sent");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(gw.got().len(), 2, "each message once");
    let ids: Vec<String> = gw.got().iter().map(|v| v["id"].as_str().unwrap().to_string()).collect();
    assert_ne!(ids[0], ids[1]);

    // Refused for good (a 4xx): given up, then sent again by the administrator.
    gw.set(400);
    app.event(
        &handler,
        id,
        json!({"type":"opinion","on":"2026-11-05","decision":"support","basis":"经查属实"}),
        StatusCode::CREATED,
    )
    .await;
    app.event(&handler, id, json!({"type":"serve","on":"2026-11-10"}), StatusCode::CREATED).await;
    let served = app.scalar_i64("SELECT MAX(id) FROM outbox").await;
    let st = app.store.clone();
    for _ in 0..100 {
        if st.message(served).await.unwrap().unwrap().status == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status_of(&app, served).await, "failed");
    gw.set(200);
    let mut pages = crate::support::Pages::new(&app);
    pages.login("admin").await;
    let (s, html, _) = pages.get("/admin/messages?status=failed").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("送达通知") && html.contains("138****8000") && html.contains("HTTP 400"), "{html}");
    assert!(!html.contains("13800138000"), "the number is masked");
    let csrf = crate::support::field(&html, "csrf");
    let (s, _, loc) = pages.post(&format!("/admin/messages/{served}/resend"), &[("csrf", &csrf)]).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/admin/messages?notice=resent")));
    until("the served notice sent again", || gw.got().len() == 3).await;
    assert!(gw.got()[2]["content"].as_str().unwrap().contains("书面答复意见已送达"));
    // A clerk may not see or resend messages.
    let mut clerk = crate::support::Pages::new(&app);
    clerk.login("handler").await;
    assert_eq!(clerk.get("/admin/messages").await.0, StatusCode::FORBIDDEN);

    // The case's timeline says what was sent, and to which (masked) number.
    let (_, html, _) = pages.get(&format!("/petitions/{id}")).await;
    for line in ["登记通知", "受理通知", "送达通知", "短信 已发送 138****8000"] {
        assert!(html.contains(line), "timeline lacks {line}");
    }
    assert!(mail.lock().unwrap().is_empty());
    app.finish().await;
}

/// The day's reminders: a unit's overdue cases to its configured address
/// by e-mail, once however often the job runs; the petitioner's review
/// window closing (Art. 35) by SMS, once.
pub async fn daily_reminders_go_once_to_the_configured_address(b: Backend) {
    let (gw, url) = Gateway::start().await;
    let (mail, port) = smtp_listener().await;
    let app = TestApp::builder(b).options(options(&url, port)).start().await;
    let handler = app.login("handler").await;
    let old = app.register(&handler, petition("C", "2026-10-09", json!({}))).await;
    let p = app.register(&handler, petition("C", "2026-10-09", json!({"subject": "噪声扰民"}))).await;
    let id = p["id"].as_i64().unwrap();
    app.event(&handler, id, json!({"type":"accept","on":"2026-10-12"}), StatusCode::CREATED).await;
    app.event(
        &handler,
        id,
        json!({"type":"opinion","on":"2026-11-05","decision":"support","basis":"属实"}),
        StatusCode::CREATED,
    )
    .await;
    let served = app.event(&handler, id, json!({"type":"serve","on":"2026-11-10"}), StatusCode::CREATED).await;
    let window: chrono::NaiveDate = crate::support::due(&served, "review_request").unwrap().parse().unwrap();

    // Where the county office's reminders go, set on its page; a bad
    // address is refused and changes nothing.
    let mut pages = crate::support::Pages::new(&app);
    pages.login("admin").await;
    let (_, html, _) = pages.get("/admin/units/C").await;
    let csrf = crate::support::field(&html, "csrf");
    let (s, _, _) =
        pages.post("/admin/units/C/contact", &[("csrf", &csrf), ("email", "not an address"), ("phone", "")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.store.unit_contacts().await.unwrap().is_empty());
    let (s, _, loc) =
        pages.post("/admin/units/C/contact", &[("csrf", &csrf), ("email", "duty@c.example.cn"), ("phone", "")]).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/admin/units/C?saved=contact")));
    let (_, html, _) = pages.get("/admin/units/C?saved=contact").await;
    assert!(html.contains("duty@c.example.cn") && html.contains("已保存提醒接收地址"));

    // A working morning one to three days before the window closes.
    let cal = app.state.calendar();
    let day = (1..=3)
        .map(|d| window - chrono::Days::new(d))
        .find(|d| cal.is_working_day(*d))
        .expect("a working day before the window closes");
    let morning = day.and_hms_opt(1, 0, 0).unwrap().and_utc(); // 09:00 in Beijing
    let early = day.and_hms_opt(0, 0, 0).unwrap().and_utc(); // 08:00: before 08:30
    assert_eq!(xinfang_app::jobs::run_daily(&app.state, early).await.unwrap(), 0, "not before the set time");
    let made = xinfang_app::jobs::run_daily(&app.state, morning).await.unwrap();
    assert_eq!(made, 2, "one digest, one window notice");
    assert_eq!(xinfang_app::jobs::run_daily(&app.state, morning).await.unwrap(), 0, "once a day");

    xinfang_app::jobs::Jobs::start_dispatcher(&app.state).unwrap();
    until("the digest by e-mail", || mail.lock().unwrap().len() == 1).await;
    let data = mail.lock().unwrap()[0].clone();
    assert!(data.contains("To: duty@c.example.cn") && data.contains("Message-ID: <xinfang-"), "{data}");
    let body = decode_mail_body(&data);
    assert!(body.contains(old["case_no"].as_str().unwrap()) && body.contains("已超期 1 件"), "{body}");
    until("the window notice and the earlier ones", || {
        gw.got().iter().any(|v| v["content"].as_str().unwrap_or("").contains("申请复查的期限至"))
    })
    .await;
    app.finish().await;
}

/// The text of a plain message as lettre encodes it (quoted-printable or
/// base64 for non-ASCII).
fn decode_mail_body(data: &str) -> String {
    let (head, body) = data.split_once("\r\n\r\n").unwrap();
    let body = body.replace("\r\n", "\n");
    if head.contains("Content-Transfer-Encoding: base64") {
        use base64_lite::decode;
        String::from_utf8(decode(&body.replace('\n', ""))).unwrap()
    } else if head.contains("quoted-printable") {
        let joined = body.replace("=\n", "");
        let bytes = joined.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() {
                out.push(u8::from_str_radix(&joined[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    } else {
        body
    }
}

mod base64_lite {
    /// Standard base64, for reading a test message.
    pub fn decode(s: &str) -> Vec<u8> {
        let val = |c: u8| match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            _ => 63,
        };
        let clean: Vec<u8> = s.bytes().filter(|c| *c != b'=').collect();
        let mut out = Vec::new();
        for chunk in clean.chunks(4) {
            let mut n = 0u32;
            for (i, c) in chunk.iter().enumerate() {
                n |= u32::from(val(*c)) << (18 - 6 * i);
            }
            out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
        }
        out
    }
}

/// Two servers on one database count failed look-ups together: what one
/// allows no longer depends on which of them a load balancer picks.
pub async fn throttles_count_across_servers(b: Backend) {
    let app = TestApp::start(b).await;
    let keys = xinfang_app::crypto::Keys::from_hex(&"42".repeat(32)).unwrap();
    let other = xinfang_app::AppState::new(xinfang_store::Store::open(&app.db_url).await.unwrap(), keys).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let second = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(xinfang_web::serve(listener, other.clone(), std::future::pending()));
    let lookup = |base: &str, n: usize| format!("{base}/api/v1/public/petitions/ZZZZ{n:04}?phone_last4=0000");
    // 20 wrong look-ups allowed per address: 10 at each server.
    for n in 0..20 {
        let base = if n % 2 == 0 { &app.base } else { &second };
        let s = app.client.get(lookup(base, n)).send().await.unwrap().status();
        assert_eq!(s, StatusCode::NOT_FOUND, "look-up {n}");
    }
    for base in [&app.base, &second] {
        let s = app.client.get(lookup(base, 99)).send().await.unwrap().status();
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{base} counts the other's failures");
    }
    other.store.close().await;
    app.finish().await;
}
