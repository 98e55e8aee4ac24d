//! `xinfang backup` while the server takes registrations and files, then
//! `xinfang restore` into an empty place (issue 26 ¶4): every registration
//! and file acknowledged before the backup began is in the restored
//! database, its audit chain verifies, and a restore never writes over
//! data or goes ahead with the wrong key.

use super::*;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// (acknowledged at, petition id, the file attached to it, if any)
type Acked = Arc<Mutex<Vec<(Instant, i64, Option<(i64, Vec<u8>)>)>>>;

/// Registers petitions, attaching a file of its own to every third, until
/// `stop`; records each acknowledgement with its time.
async fn load(c: reqwest::Client, base: String, token: String, k: usize, stop: Arc<AtomicBool>, acked: Acked) {
    let mut i = 0;
    while !stop.load(Ordering::SeqCst) {
        i += 1;
        let body = serde_json::json!({
            "channel": "letter", "received_on": "2026-03-02", "unit": "C", "class": "appeal",
            "petitioners": [{"name": format!("备份{k}-{i}"), "phone": "13800138000"}],
            "request": "请求补发拖欠的工资", "facts": "务工三个月未领到工资"
        });
        let res = c.post(format!("{base}/api/v1/petitions")).bearer_auth(&token).json(&body).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let id = res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
        let mut file = None;
        if i % 3 == 0 {
            let bytes = format!("%PDF-1.4\n% 第 {k}-{i} 号来信扫描件\n%%EOF\n").into_bytes();
            let boundary = "b0undary";
            let mut body =
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.pdf\"\r\n\r\n")
                    .into_bytes();
            body.extend_from_slice(&bytes);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            let res = c
                .post(format!("{base}/api/v1/petitions/{id}/attachments"))
                .bearer_auth(&token)
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 201);
            let aid = res.json::<serde_json::Value>().await.unwrap()["items"][0]["id"].as_i64().unwrap();
            file = Some((aid, bytes));
        }
        acked.lock().unwrap().push((Instant::now(), id, file));
    }
}

#[test]
fn a_backup_taken_under_load_restores_whole() {
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("live.db").display());
    let key = dir.join("live.key");
    county(&url, &key);
    let (mut child, base) = serve(&url, &key);
    let backup = dir.join("backup.db");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let acked: Acked = Arc::default();
    let began = rt.block_on(async {
        let c = reqwest::Client::new();
        let token = login(&c, &base).await;
        let stop = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = (0..4)
            .map(|k| tokio::spawn(load(c.clone(), base.clone(), token.clone(), k, stop.clone(), acked.clone())))
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let began = Instant::now();
        let (url, key, to) = (url.clone(), key.clone(), backup.display().to_string());
        let o =
            tokio::task::spawn_blocking(move || run_keyed(&["backup", "--to", &to], &url, &key, None)).await.unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("备份完成") && stdout(&o).contains("完整性检查"), "{}", stdout(&o));
        assert!(stderr(&o).contains("密钥文件"), "the key file is named: {}", stderr(&o));
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        stop.store(true, Ordering::SeqCst);
        for t in tasks {
            t.await.unwrap();
        }
        began
    });
    kill("-TERM", child.id());
    let _ = child.wait();
    let acked = acked.lock().unwrap().clone();
    let before: Vec<_> = acked.iter().filter(|(t, _, _)| *t < began).collect();
    let after = acked.len() - before.len();
    assert!(before.len() >= 10 && after >= 1, "load before and during the backup: {} and {after}", before.len());
    assert!(before.iter().any(|(_, _, f)| f.is_some()), "files attached before the backup");

    // A second backup to the same file is refused; PostgreSQL is sent to pg_dump.
    let o = run_keyed(&["backup", "--to", &backup.display().to_string()], &url, &key, None);
    assert!(!o.status.success() && stderr(&o).contains("已存在"), "{}", stderr(&o));
    let o = run_keyed(&["backup", "--to", "/tmp/x.db"], "postgres://127.0.0.1:1/none", &key, None);
    assert!(!o.status.success() && stderr(&o).contains("pg_dump"), "{}", stderr(&o));

    // The wrong key: refused, nothing written where the restore would go.
    let restored = dir.join("restored.db");
    let restored_url = format!("sqlite://{}", restored.display());
    let from = backup.display().to_string();
    let other_key = dir.join("other.key");
    std::fs::write(&other_key, format!("{}\n", "ab".repeat(32))).unwrap();
    let o = run_keyed(&["restore", "--from", &from], &restored_url, &other_key, None);
    assert!(!o.status.success() && stderr(&o).contains("密钥"), "{}", stderr(&o));
    assert!(!restored.exists(), "a refused restore wrote the target");

    let o = run_keyed(&["restore", "--from", &from], &restored_url, &key, None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("恢复完成"), "{}", stdout(&o));
    let o = run_keyed(&["restore", "--from", &from], &restored_url, &key, None);
    assert!(!o.status.success() && stderr(&o).contains("不为空"), "never over data: {}", stderr(&o));
    let o = run_keyed(&["audit", "verify", "--deep"], &restored_url, &key, None);
    assert!(o.status.success(), "audit verify on the restored database: {}", stderr(&o));
    assert!(stdout(&o).contains("锚点"), "checked against the fresh checkpoint: {}", stdout(&o));

    // Every acknowledged registration and file from before the backup is
    // there, byte for byte.
    let (mut child, base) = serve(&restored_url, &key);
    rt.block_on(async {
        let c = reqwest::Client::new();
        let token = login(&c, &base).await;
        for (_, id, file) in &before {
            let res = c.get(format!("{base}/api/v1/petitions/{id}")).bearer_auth(&token).send().await.unwrap();
            assert_eq!(res.status().as_u16(), 200, "acknowledged petition {id} is not in the backup");
            if let Some((aid, bytes)) = file {
                let res = c.get(format!("{base}/api/v1/attachments/{aid}")).bearer_auth(&token).send().await.unwrap();
                assert_eq!(res.status().as_u16(), 200, "file {aid} of petition {id}");
                assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());
            }
        }
    });
    kill("-TERM", child.id());
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
}
