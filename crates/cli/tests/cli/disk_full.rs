//! The disk fills while clients register (issue 24): on a small ext4 file
//! system of the test's own, the server is refused space mid-load.
//! Registrations are then answered 503 with a clear message (never a 500,
//! never acknowledged and then lost), reads go on, and when space returns
//! the server takes writes again by itself, without a restart; every
//! acknowledged registration is there and the audit checks pass.

use super::*;

/// Writes zeros to `path` until the file system refuses; returns the bytes
/// written.
fn fill(path: &Path) -> u64 {
    let mut f = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut n = 0;
    while f.write_all(&chunk).is_ok() {
        n += chunk.len() as u64;
    }
    // What fits in the last partial blocks, then to disk.
    while f.write_all(&chunk[..4096]).is_ok() {
        n += 4096;
    }
    let _ = f.sync_all();
    n
}

fn body(i: usize) -> serde_json::Value {
    serde_json::json!({
        "channel": "letter", "received_on": "2026-03-02", "unit": "C", "class": "appeal",
        "petitioners": [{"name": format!("信访人{i}"), "phone": "13800138000"}],
        "request": "请求补发拖欠的工资",
        "facts": format!("第 {i} 件：{}", "务工三个月未领到工资，多次讨要无果。".repeat(60)),
    })
}

#[test]
#[cfg_attr(not(xinfang_power_cut), ignore = "set XINFANG_TEST_POWER_CUT=1 (as root, with loop devices) to run")]
fn a_full_disk_refuses_writes_clearly_and_recovers() {
    let dir = temp_dir();
    let mount = Mount::with_size(&dir, 64 << 20);
    let data = mount.point.join("data");
    std::fs::create_dir(&data).unwrap();
    let url = format!("sqlite://{}", data.join("full.db").display());
    let key = data.join("full.key");
    county(&url, &key);
    let (mut child, base) = serve(&url, &key);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let filler = mount.point.join("filler");
    let (acked, refused) = rt.block_on(async {
        let c = reqwest::Client::new();
        let token = login(&c, &base).await;
        let register = |i: usize| {
            let (c, base, token) = (c.clone(), base.clone(), token.clone());
            async move {
                let res = c.post(format!("{base}/api/v1/petitions")).bearer_auth(&token).json(&body(i)).send().await;
                let res = res.unwrap();
                let status = res.status().as_u16();
                (status, res.json::<serde_json::Value>().await.unwrap_or_default())
            }
        };
        let mut acked = Vec::new();
        for i in 0..20 {
            let (s, v) = register(i).await;
            assert_eq!(s, 201, "{v}");
            acked.push(v["id"].as_i64().unwrap());
        }
        let filled = fill(&filler);
        eprintln!("disk full: {filled} bytes of filler");
        // Registrations go on until the database needs space it cannot have.
        let mut refused = 0;
        let until = std::time::Instant::now() + std::time::Duration::from_secs(120);
        let mut i = 20;
        while refused < 5 {
            assert!(std::time::Instant::now() < until, "no write was refused on a full disk ({} taken)", acked.len());
            i += 1;
            let (s, v) = register(i).await;
            match s {
                201 => acked.push(v["id"].as_i64().unwrap()),
                503 => {
                    refused += 1;
                    assert_eq!(v["error"]["code"], "not_committed", "{v}");
                    assert!(v["error"]["message"].as_str().unwrap().contains("未保存"), "{v}");
                }
                other => panic!("a full disk answered {other}: {v}"),
            }
        }
        // Reads go on while the disk is full.
        let list = get_json(&c, &format!("{base}/api/v1/petitions?limit=5"), &token).await;
        assert!(!list["items"].as_array().unwrap().is_empty(), "{list}");

        // Space returns: the server takes writes again by itself.
        std::fs::remove_file(&filler).unwrap();
        let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            i += 1;
            let (s, v) = register(i).await;
            if s == 201 {
                acked.push(v["id"].as_i64().unwrap());
                break;
            }
            assert_eq!(s, 503, "{v}");
            assert!(std::time::Instant::now() < until, "the server did not take writes again after space returned");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        for &id in &acked {
            let res = c.get(format!("{base}/api/v1/petitions/{id}")).bearer_auth(&token).send().await.unwrap();
            assert_eq!(res.status().as_u16(), 200, "acknowledged petition {id} is gone");
        }
        (acked, refused)
    });
    kill("-TERM", child.id());
    assert!(child.wait().unwrap().success(), "the server stops cleanly after a full disk");
    let o = run_on(&["audit", "--key-file", key.to_str().unwrap(), "verify", "--deep"], &url, None);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    eprintln!("disk full: {} registrations acknowledged and present, {refused} refused with 503", acked.len());
    drop(mount);
    let _ = std::fs::remove_dir_all(dir);
}
