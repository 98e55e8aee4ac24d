//! Two `xinfang serve` on one PostgreSQL (issue 26 ¶3): work sent to both,
//! the server holding the outbox's lease killed with SIGKILL; every
//! registration notice reaches the SMS gateway, each once (the one message
//! a sender may have had in flight at the kill is the only one that may
//! arrive twice, with the same number, for the gateway to drop), the other
//! server takes the job over within the lease; and the look-up throttle
//! counts failures at both servers together, and at a third started later.

use super::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

/// An SMS gateway on a free port that records the `id` of each message.
async fn gateway() -> (Arc<Mutex<Vec<String>>>, String) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    let keep = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let mut r = tokio::io::BufReader::new(sock);
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
                if r.read_exact(&mut body).await.is_err() {
                    return;
                }
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                keep.lock().unwrap().push(v["id"].as_str().unwrap().to_string());
                // A gateway that takes a moment: the kill finds messages going out.
                tokio::time::sleep(Duration::from_millis(40)).await;
                let _ =
                    r.get_mut().write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await;
            });
        }
    });
    (got, url)
}

/// `xinfang serve` at `url` sending SMS to `sms`, with a lease of 5 s.
fn serve_sending(url: &str, key: &Path, sms: &str) -> (std::process::Child, String) {
    serve_with(url, key, &["--sms-url", sms, "--job-lease-secs", "5"])
}

async fn register(c: &reqwest::Client, base: &str, token: &str, i: usize) -> i64 {
    let body = serde_json::json!({
        "channel": "letter", "received_on": "2026-03-02", "unit": "C", "class": "appeal",
        "petitioners": [{"name": format!("信访人{i}"), "phone": "13800138000"}],
        "request": "请求补发拖欠的工资", "facts": "务工三个月未领到工资", "reasons": "按劳取酬"
    });
    let res = c.post(format!("{base}/api/v1/petitions")).bearer_auth(token).json(&body).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 201);
    res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn outbox_ids(url: &str) -> (Vec<i64>, Option<String>) {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM outbox ORDER BY id").fetch_all(&mut c).await.unwrap();
    let holder: Option<String> =
        sqlx::query_scalar("SELECT holder FROM job_leases WHERE name = 'outbox'").fetch_optional(&mut c).await.unwrap();
    (ids, holder)
}

pub fn two_servers_share_the_jobs_and_the_throttles(url: &str, key: &Path) {
    county(url, key);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (got, sms) = rt.block_on(gateway());
    let (mut a, base_a) = serve_sending(url, key, &sms);
    let (mut b, base_b) = serve_sending(url, key, &sms);
    let c = reqwest::Client::new();
    rt.block_on(async {
        let (ta, tb) = (login(&c, &base_a).await, login(&c, &base_b).await);
        // The look-up throttle counts at both: ten failures at each.
        for n in 0..20 {
            let base = if n % 2 == 0 { &base_a } else { &base_b };
            let url = format!("{base}/api/v1/public/petitions/ZZZZ{n:04}?phone_last4=0000");
            assert_eq!(c.get(url).send().await.unwrap().status().as_u16(), 404, "look-up {n}");
        }
        for base in [&base_a, &base_b] {
            let url = format!("{base}/api/v1/public/petitions/ZZZZ9999?phone_last4=0000");
            assert_eq!(c.get(url).send().await.unwrap().status().as_u16(), 429, "{base} counts the other's failures");
        }
        for i in 0..20 {
            let (base, token) = if i % 2 == 0 { (&base_a, &ta) } else { (&base_b, &tb) };
            register(&c, base, token, i).await;
        }
        // Kill the holder of the outbox's lease while messages are going out.
        let (_, holder) = outbox_ids(url).await;
        let holder = holder.expect("a server holds the outbox's lease");
        let pid: u32 = holder.split('-').next().unwrap().parse().unwrap();
        let (victim, survivor, token) = if pid == a.id() { (&mut a, &base_b, &tb) } else { (&mut b, &base_a, &ta) };
        assert_eq!(victim.id(), pid, "the lease names a server of this test: {holder}");
        kill("-KILL", pid);
        let _ = victim.wait();
        let killed_at = Instant::now();
        for i in 20..30 {
            register(&c, survivor, token, i).await;
        }
        let (ids, _) = outbox_ids(url).await;
        assert_eq!(ids.len(), 30, "a notice written with each registration");
        let want: Vec<String> = ids.iter().map(i64::to_string).collect();
        loop {
            let mut seen: Vec<String> = got.lock().unwrap().clone();
            seen.sort();
            seen.dedup();
            if seen.len() == want.len() {
                break;
            }
            assert!(killed_at.elapsed() < Duration::from_secs(60), "not all sent a minute after the kill: {seen:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let took = killed_at.elapsed();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for id in got.lock().unwrap().iter() {
            *counts.entry(id.clone()).or_default() += 1;
        }
        let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
        assert!(counts.values().all(|n| *n <= 2) && twice.len() <= 1, "sent more than once: {twice:?}");
        let mut want = want;
        want.sort();
        assert_eq!(counts.keys().cloned().collect::<Vec<_>>(), want);
        eprintln!("two servers: 30 messages, holder killed, all sent {took:?} after; sent twice: {twice:?}");
    });
    // A server started now counts the failures of the others too.
    let (mut fresh, base_c) = serve_sending(url, key, &sms);
    rt.block_on(async {
        let url = format!("{base_c}/api/v1/public/petitions/ZZZZ9999?phone_last4=0000");
        assert_eq!(
            c.get(url).send().await.unwrap().status().as_u16(),
            429,
            "the new server counts the others' failures"
        );
    });
    for child in [&mut a, &mut b, &mut fresh] {
        let _ = child.kill();
        let _ = child.wait();
    }
}
