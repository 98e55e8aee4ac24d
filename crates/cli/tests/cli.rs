#![allow(clippy::unwrap_used)]
//! The `xinfang` binary as an operator uses it: set up a deployment from
//! nothing, compute deadlines, import a calendar, check the audit log, run
//! the demo, serve, and stop on SIGTERM.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_xinfang"));
    c.env_remove("XINFANG_DATABASE_URL")
        .env_remove("XINFANG_KEY")
        .env_remove("XINFANG_KEY_FILE")
        .env("XINFANG_LOG", "warn");
    c
}

fn temp_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d =
        std::env::temp_dir().join(format!("xinfang-cli-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str], db: &Path, stdin: Option<&str>) -> Output {
    let mut c = bin();
    c.args(args).env("XINFANG_DATABASE_URL", format!("sqlite://{}", db.display()));
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn deadline_prints_the_due_date_first_then_the_explanation() {
    let o = bin().args(["deadline", "--from", "2026-02-01", "--days", "15"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("2026-02-24"));
    let rest: String = lines.collect();
    assert!(rest.contains("春节假期") && rest.contains("顺延"), "{rest}");

    let o = bin().args(["deadline", "--from", "2026-09-29", "--days", "5", "--working-days"]).output().unwrap();
    assert_eq!(stdout(&o).lines().next(), Some("2026-10-12"));

    let o = bin().args(["deadline", "--from", "2026-12-20", "--days", "30"]).output().unwrap();
    assert_eq!(stdout(&o).lines().next(), Some("2027-01-19"));
    assert!(stdout(&o).contains("临时"), "a year without data is provisional");

    let o = bin().args(["deadline", "--from", "2026-02-30", "--days", "15"]).output().unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("日期格式应为 YYYY-MM-DD"), "{}", stderr(&o));
}

#[test]
fn a_deployment_is_set_up_from_nothing() {
    let dir = temp_dir();
    let db = dir.join("x.db");
    let o = run(&["migrate"], &db, None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("0001_init"));

    let o = run(&["unit", "add", "--code", "330100", "--name", "某县信访局", "--kind", "petition_office"], &db, None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(
        &["unit", "add", "--code", "330101", "--name", "某镇", "--kind", "township", "--parent", "330100"],
        &db,
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["unit", "add", "--code", "330101", "--name", "重复", "--kind", "township"], &db, None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("已存在"), "{}", stderr(&o));
    let o = run(&["unit", "add", "--code", "X1", "--name", "某村", "--kind", "village", "--parent", "NOPE"], &db, None);
    assert!(stderr(&o).contains("上级单位 NOPE 不存在"), "{}", stderr(&o));
    let o = run(&["unit", "add", "--code", "X2", "--name", "某村", "--kind", "hamlet"], &db, None);
    assert!(stderr(&o).contains("单位类型 hamlet 无效"), "{}", stderr(&o));
    let o = run(&["unit", "list"], &db, None);
    assert_eq!(stdout(&o), "330100  某县信访局  [信访部门]\n  330101  某镇  [乡镇（街道）]\n");

    let o = run(
        &["user", "add", "--username", "li", "--role", "handler", "--unit", "330101", "--password-stdin"],
        &db,
        Some("short\n"),
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("密码至少"), "{}", stderr(&o));
    let o = run(
        &[
            "user",
            "add",
            "--username",
            "li",
            "--role",
            "handler",
            "--unit",
            "330101",
            "--name",
            "李四",
            "--password-stdin",
        ],
        &db,
        Some("Good-password-1\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(
        &["user", "add", "--username", "wang", "--role", "chief", "--unit", "330101", "--password-stdin"],
        &db,
        Some("Good-password-1\n"),
    );
    assert!(stderr(&o).contains("角色 chief 无效"), "{}", stderr(&o));
    let o = run(&["user", "list"], &db, None);
    assert!(stdout(&o).contains("li  李四  承办人  某镇"), "{}", stdout(&o));

    let o = run(&["audit", "verify"], &db, None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("哈希链校验通过"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn calendar_import_loads_a_year_and_refuses_a_bad_file_whole() {
    let dir = temp_dir();
    let db = dir.join("x.db");
    let o = run(&["calendar", "show"], &db, None);
    assert_eq!(stdout(&o).lines().count(), 3, "2024–2026 ship with the product: {}", stdout(&o));

    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"years":{"2027":{"holidays":[{"name":"元旦","dates":["2027-01-01"]}],"make_up_workdays":["2027-01-06"]}}}"#,
    )
    .unwrap();
    let o = run(&["calendar", "import", bad.to_str().unwrap()], &db, None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("不是周六或周日"), "{}", stderr(&o));
    assert_eq!(stdout(&run(&["calendar", "show"], &db, None)).lines().count(), 3, "a bad file changes nothing");

    let good = dir.join("2027.json");
    std::fs::write(
        &good,
        r#"{"source":"国务院办公厅关于2027年部分节假日安排的通知（测试）","years":{"2027":{"holidays":[{"name":"元旦","dates":["2027-01-01","2027-01-02","2027-01-03"]}],"make_up_workdays":["2027-01-09"]}}}"#,
    )
    .unwrap();
    let o = run(&["calendar", "import", good.to_str().unwrap()], &db, None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("已导入 2027 年：节假日 3 天，调休上班日 1 天"), "{}", stdout(&o));
    let o = run(&["calendar", "show", "--year", "2027"], &db, None);
    assert!(stdout(&o).contains("2027-01-09  星期六  调休上班"), "{}", stdout(&o));
    // The deadline command can read the imported calendar.
    let url = format!("sqlite://{}", db.display());
    let o = bin().args(["deadline", "--from", "2026-12-25", "--days", "7", "--database-url", &url]).output().unwrap();
    assert_eq!(stdout(&o).lines().next(), Some("2027-01-04"), "{}", stdout(&o));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn demo_builds_serves_and_stops_gracefully_on_sigterm() {
    let dir = temp_dir();
    let o = bin().args(["demo", "--no-serve", "--petitions", "60", "--dir", dir.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("60 件信访事项"), "{}", stdout(&o));
    assert!(stdout(&o).contains("handler"));

    // Serve the demo database with its key.
    let db = format!("sqlite://{}", dir.join("demo.db").display());
    let mut child = bin()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            &db,
            "--key-file",
            dir.join("demo.key").to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split("http://").nth(1).and_then(|r| r.split('/').next()).expect("address line").to_string();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let c = reqwest::Client::new();
        let health: serde_json::Value =
            c.get(format!("http://{url}/healthz")).send().await.unwrap().json().await.unwrap();
        assert_eq!(health["status"], "ok");
        let res = c
            .post(format!("http://{url}/api/v1/session"))
            .json(&serde_json::json!({"username": "handler", "password": "Xinfang-2026"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let token = res.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string();
        let list: serde_json::Value = c
            .get(format!("http://{url}/api/v1/petitions?limit=100"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 60);
    });
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");

    // The same database with another key is refused.
    let other_key = dir.join("other.key");
    std::fs::write(&other_key, "ab".repeat(32)).unwrap();
    let o = bin()
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", &db, "--key-file", other_key.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("加密密钥与数据库不匹配"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(dir);
}
