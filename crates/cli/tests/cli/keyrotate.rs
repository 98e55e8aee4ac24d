//! `xinfang key rotate` (issue 26 ¶4): refused while a server runs;
//! interrupted half-way, no server starts (with either key) until it is run
//! again and finishes; afterwards every number reads back under the new
//! key only, is found by exact search, the ciphertexts are new, and
//! `audit verify --deep` passes.

use super::*;

async fn ciphertexts(db: &Path) -> Vec<(i64, Option<Vec<u8>>, Option<Vec<u8>>)> {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    sqlx::query_as("SELECT petition_id, phone_enc, id_enc FROM petitioners ORDER BY petition_id, seq")
        .fetch_all(&mut c)
        .await
        .unwrap()
}

fn phone(i: i64) -> String {
    format!("139{:08}", 1000 + i)
}

#[test]
fn key_rotation_reencrypts_resumes_and_keeps_the_audit_verifiable() {
    let dir = temp_dir();
    let db = dir.join("k.db");
    let url = format!("sqlite://{}", db.display());
    let (key, new_key) = (dir.join("k.key"), dir.join("k2.key"));
    county(&url, &key);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let c = reqwest::Client::new();

    // Five petitions with numbers, one without; then, with the server
    // still running, a rotation is refused.
    let (mut child, base) = serve(&url, &key);
    rt.block_on(async {
        let token = login(&c, &base).await;
        for i in 1..=6 {
            let mut person = serde_json::json!({"name": format!("信访人{i}"), "address": "测试县一号镇"});
            if i <= 5 {
                person["phone"] = phone(i).into();
                person["id_number"] = "11010519491231002X".into();
            }
            let body = serde_json::json!({
                "channel": "visit", "received_on": "2026-03-02", "unit": "C", "class": "appeal",
                "petitioners": [person], "request": "请求补发拖欠的工资", "facts": "务工三个月未领到工资"
            });
            let res = c.post(format!("{base}/api/v1/petitions")).bearer_auth(&token).json(&body).send().await.unwrap();
            let status = res.status().as_u16();
            assert_eq!(status, 201, "{}", res.text().await.unwrap());
        }
    });
    let o = run_keyed(&["key", "rotate", "--new-key-file", new_key.to_str().unwrap()], &url, &key, None);
    assert!(!o.status.success() && stderr(&o).contains("正在运行"), "{}", stderr(&o));
    assert!(!new_key.exists(), "nothing made while refused");
    kill("-TERM", child.id());
    let _ = child.wait();
    let before = rt.block_on(ciphertexts(&db));

    // Interrupted after two batches of two petitions.
    let rotate = |extra: &[&str]| {
        let mut args = vec!["key", "rotate", "--new-key-file", new_key.to_str().unwrap(), "--batch", "2"];
        args.extend_from_slice(extra);
        run_keyed(&args, &url, &key, None)
    };
    let o = rotate(&["--stop-after", "2"]);
    assert!(!o.status.success() && stderr(&o).contains("尚未完成"), "{}", stderr(&o));
    assert!(new_key.exists());
    let halfway = rt.block_on(ciphertexts(&db));
    let moved = before.iter().zip(&halfway).filter(|(a, b)| a.1 != b.1).count();
    assert_eq!(moved, 4, "the first two batches are under the new key, the rest not yet");
    for k in [&key, &new_key] {
        let o = run_keyed(&["serve", "--addr", "127.0.0.1:0"], &url, k, None);
        assert!(!o.status.success() && stderr(&o).contains("轮换尚未完成"), "{}", stderr(&o));
    }

    // Run again: it finishes what is left.
    let o = rotate(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("接续上次未完成的轮换") && stdout(&o).contains("1 件信访事项"), "{}", stdout(&o));
    let after = rt.block_on(ciphertexts(&db));
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.1.is_some(), a.1.is_some());
        assert!(b.1.is_none() || b.1 != a.1, "every phone re-encrypted");
        assert!(b.2.is_none() || b.2 != a.2, "every ID number re-encrypted");
    }
    // Once finished, running it again changes nothing and says so.
    let o = rotate(&[]);
    assert!(!o.status.success() && stderr(&o).contains("已轮换过"), "{}", stderr(&o));

    // The old key no longer starts a server; the audit log verifies in full.
    let o = run_keyed(&["serve", "--addr", "127.0.0.1:0"], &url, &key, None);
    assert!(!o.status.success() && stderr(&o).contains("请使用轮换后的新密钥文件"), "{}", stderr(&o));
    let anchors = |k: &Path| std::fs::read_to_string(xinfang_app::anchor::anchor_path(k)).unwrap();
    assert!(!anchors(&key).is_empty() && anchors(&key) == anchors(&new_key), "the checkpoints go with the new key");
    let o = run_keyed(&["audit", "verify", "--deep"], &url, &new_key, None);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));

    // Under the new key: each number reads back and is found exactly.
    let (mut child, base) = serve(&url, &new_key);
    rt.block_on(async {
        let token = login(&c, &base).await;
        for i in 1..=5_i64 {
            let v: serde_json::Value = c
                .post(format!("{base}/api/v1/petitions/{i}/petitioners/0/reveal"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(
                (v["phone"].as_str(), v["id_number"].as_str()),
                (Some(phone(i).as_str()), Some("11010519491231002X"))
            );
            let found = get_json(&c, &format!("{base}/api/v1/search?q={}", phone(i)), &token).await;
            let items = found["items"].as_array().unwrap();
            assert_eq!(items.len(), 1, "{found}");
            assert_eq!(items[0]["id"].as_i64(), Some(i));
        }
    });
    kill("-TERM", child.id());
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
}
