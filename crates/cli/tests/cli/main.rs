#![allow(clippy::unwrap_used)]
//! The `xinfang` binary as an operator uses it: set up a deployment from
//! nothing, compute deadlines, import a calendar, check the audit log, run
//! the demo, serve, and stop on SIGTERM.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

// The disk-full round, in a file of its own beside the crash rounds here.
mod disk_full;
// Backup and restore under load.
mod backup;
// Two servers on one PostgreSQL.
mod two_servers;
// Re-encrypting the personal data under a new key.
mod keyrotate;

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

/// [`run_on`] on the SQLite file `db`; checks that the command closed it
/// as a server's clean stop does, leaving no log beside it (no WAL file, or
/// an empty one): the file alone holds everything.
fn run(args: &[&str], db: &Path, stdin: Option<&str>) -> Output {
    let o = run_on(args, &format!("sqlite://{}", db.display()), stdin);
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    let left = std::fs::metadata(&wal).map_or(0, |m| m.len());
    assert_eq!(left, 0, "`xinfang {}` left a log of {left} bytes behind", args.join(" "));
    o
}

/// [`run`] on the database at `url`, with the key file beside it (SQLite)
/// or one of this test process (PostgreSQL).
fn run_on(args: &[&str], url: &str, stdin: Option<&str>) -> Output {
    let key = match url.strip_prefix("sqlite://") {
        Some(path) => PathBuf::from(format!("{path}.key")),
        None => std::env::temp_dir().join(format!("xinfang-cli-{}.key", std::process::id())),
    };
    run_keyed(args, url, &key, stdin)
}

/// [`run_on`] with the key file `key` (a `--key-file` in `args` wins).
fn run_keyed(args: &[&str], url: &str, key: &Path, stdin: Option<&str>) -> Output {
    let mut c = bin();
    c.args(args).env("XINFANG_DATABASE_URL", url).env("XINFANG_KEY_FILE", key);
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

/// A new deployment at `url` with key `key`: the schema, the county
/// office `C` and the handler `clerk` (password `Crash-test-1`, as
/// [`login`] uses).
fn county(url: &str, key: &Path) {
    assert!(run_keyed(&["migrate"], url, key, None).status.success());
    let unit = ["unit", "add", "--code", "C", "--name", "测试县信访局", "--kind", "petition_office"];
    assert!(run_keyed(&unit, url, key, None).status.success());
    let user = ["user", "add", "--username", "clerk", "--role", "handler", "--unit", "C", "--password-stdin"];
    let o = run_keyed(&user, url, key, Some("Crash-test-1\n"));
    assert!(o.status.success(), "{}", stderr(&o));
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
    for (from, days, says) in [
        ("0002-03-02", "5", "2000 至 2100"),
        ("2026-3-2", "5", "YYYY-MM-DD"),
        ("+2026-03-02", "5", "YYYY-MM-DD"),
        ("2026-03-02", "-5", "向后计算"),
        ("2026-03-02", "0", "1 至 3650"),
        ("2026-03-02", "五", "整数"),
    ] {
        let o = bin().args(["deadline", "--from", from, "--days", days]).output().unwrap();
        assert!(!o.status.success(), "{from} {days}");
        let e = stderr(&o);
        assert!(e.contains(says), "{from} {days}: {e}");
        assert_eq!(e.matches(says).count(), 1, "said once: {e}");
    }
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
    assert!(stderr(&o).contains("单位类型应为"), "{}", stderr(&o));
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
    assert!(stderr(&o).contains("角色应为"), "{}", stderr(&o));
    let o = run(&["user", "list"], &db, None);
    assert!(stdout(&o).contains("li  李四  承办人  某镇"), "{}", stdout(&o));

    // Changing and stopping: what is not given stays; a unit with an active
    // user is not stopped; a stopped account is marked.
    let o = run(&["unit", "update", "--code", "330101", "--name", "某街道"], &db, None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "已修改单位 330101 某街道（乡镇（街道））\n");
    let o = run(&["unit", "update", "--code", "330101", "--disable"], &db, None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("1 个启用的用户"), "{}", stderr(&o));
    let o = run(&["user", "update", "--username", "li", "--role", "leader", "--disable"], &db, None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("已修改用户 li（负责人，某街道），已停用"), "{}", stdout(&o));
    let o = run(&["unit", "update", "--code", "330101", "--disable"], &db, None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["unit", "list"], &db, None);
    assert!(stdout(&o).contains("330101  某街道  [乡镇（街道）]  （已停用）"), "{}", stdout(&o));
    let o = run(&["user", "update", "--username", "li", "--enable"], &db, None);
    assert!(stderr(&o).contains("已停用"), "nobody works in a stopped unit: {}", stderr(&o));
    let o = run(&["user", "update", "--username", "nobody", "--enable"], &db, None);
    assert!(stderr(&o).contains("用户 nobody 不存在"), "{}", stderr(&o));

    let o = run(&["audit", "verify"], &db, None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("哈希链与密钥签名校验通过"), "{}", stdout(&o));
    // The first command that wrote made the key (issue 24 ¶4); without it
    // the keyed lines cannot be checked, nor can more be written.
    let key = PathBuf::from(format!("{}.key", db.display()));
    assert!(key.exists(), "the first write made the key file");
    let none = dir.join("missing.key");
    let o = run_keyed(&["audit", "verify"], &format!("sqlite://{}", db.display()), &none, None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("核验需要密钥"), "{}", stderr(&o));
    let o = run_keyed(
        &["unit", "update", "--code", "330101", "--name", "某镇"],
        &format!("sqlite://{}", db.display()),
        &none,
        None,
    );
    assert!(!o.status.success() && stderr(&o).contains("missing.key"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(dir);
}

/// `xinfang calendar show | head -1`: the reader goes before the command
/// writes. The broken pipe ends the output (exit 0, no panic), and the
/// database is still closed cleanly.
#[test]
fn a_reader_that_stops_reading_ends_the_output_without_a_panic() {
    let dir = temp_dir();
    let db = dir.join("x.db");
    assert!(run(&["migrate"], &db, None).status.success());
    let url = format!("sqlite://{}", db.display());
    for args in [&["calendar", "show", "--year", "2026"][..], &["deadline", "--from", "2026-02-01", "--days", "15"]] {
        let mut child = bin()
            .args(args)
            .env("XINFANG_DATABASE_URL", &url)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end at once: every line the command writes meets a
        // closed pipe.
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "`xinfang {}`: {:?} {}", args.join(" "), o.status, stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0, "the database was not closed");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn calendar_import_loads_a_year_and_refuses_a_bad_file_whole() {
    let dir = temp_dir();
    let db = dir.join("x.db");
    assert!(run(&["migrate"], &db, None).status.success());
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
    // A recompute the import left unfinished (the process died during it:
    // its mark is still there) is finished by the next command.
    let url = format!("sqlite://{}", db.display());
    let meta = |sql: &'static str| {
        let url = url.clone();
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async move {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
            conn.close().await.unwrap();
            n
        })
    };
    let marked = "SELECT COUNT(*) FROM meta WHERE key = 'deadlines_stale'";
    assert_eq!(meta(marked), 0, "a finished import leaves no mark");
    meta("INSERT INTO meta (key, value) VALUES ('deadlines_stale', 'x') RETURNING 1");
    let o = run(&["unit", "list"], &db, None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("按新日历重新计算期限（上次未完成）"), "{}", stderr(&o));
    assert_eq!(meta(marked), 0, "the unfinished recompute was finished");
    // The deadline command can read the imported calendar.
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
    let (mut child, base) = serve(&db, &dir.join("demo.key"));
    let url = base.trim_start_matches("http://").to_string();
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
        let list = get_json(&c, &format!("http://{url}/api/v1/petitions?limit=100"), &token).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 60);

        // An administration command run beside the server, which then closes
        // the database, must leave the server's WAL alone: the server holds
        // SQLite's lock on the file throughout, also after its background
        // checkpointer has synced the file (once a second, once something
        // was written).
        let register = |n: usize| {
            let body = serde_json::json!({
                "channel": "letter", "received_on": "2026-03-02", "unit": "QX", "class": "appeal",
                "petitioners": [{"name": format!("旁证{n}"), "phone": "13800138000"}],
                "request": "请求补发拖欠的工资", "facts": "务工三个月未领到工资", "reasons": "按劳取酬"
            });
            c.post(format!("http://{url}/api/v1/petitions")).bearer_auth(&token).json(&body).send()
        };
        assert_eq!(register(1).await.unwrap().status().as_u16(), 201);
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        let o = run_on(&["unit", "list"], &db, None);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(dir.join("demo.db-wal").exists(), "another process removed the running server's WAL");
        assert_eq!(register(2).await.unwrap().status().as_u16(), 201, "the server writes on after it");
    });
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");
    // The server checkpointed the audit log beside its key at start and at
    // shutdown; the chain holds them, and every petition its seals.
    let key_file = dir.join("demo.key");
    let o = run(&["audit", "--key-file", key_file.to_str().unwrap(), "verify", "--deep"], &dir.join("demo.db"), None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("个锚点") && stdout(&o).contains("逐件核对完毕"), "{}", stdout(&o));

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

/// Issue 4: the benchmark runs end to end at a small size (one client for a
/// second registers a few hundred petitions, fewer than the repeat checks
/// it times) and writes every figure to its JSON; nonsense sizes are refused.
#[test]
fn bench_runs_end_to_end_at_a_small_size() {
    let dir = temp_dir();
    let o = bin()
        .args(["bench", "--sizes", "150", "--clients", "1", "--seconds", "1", "--dir", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("## sqlite · 150 件"), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();
    let run = &v["runs"][0];
    assert_eq!(run["import"]["petitions"], 150);
    assert!(run["import"]["write_per_s"].as_f64().unwrap() > 0.0);
    let created = run["http_create"][0]["created"].as_u64().unwrap();
    assert!(created > 0 && run["http_create"][0]["errors"] == 0, "{run}");
    assert_eq!(run["similar_at_registration"]["runs"].as_u64(), Some(created.min(100)));
    assert!(run["similar_settled"]["p99_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(run["pages"].as_array().unwrap().len(), 7);
    assert!(run["monthly_stats"]["p99_ms"].as_f64().unwrap() > 0.0);
    assert!(run["server_memory"]["rss_mib"].as_f64().unwrap() > 0.0);
    assert!(v["baseline"]["sqlite_single_row_durable_per_s"].as_f64().unwrap() > 0.0);

    for bad in
        [["--sizes", "0"], ["--clients", "0"], ["--clients", "2001"], ["--seconds", "0"], ["--backends", "mysql"]]
    {
        let o = bin().arg("bench").args(bad).args(["--dir", dir.to_str().unwrap()]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(bad[0]), "{bad:?}: {}", stderr(&o));
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Issue 4: no acknowledged write is ever lost, and no half-write is ever
/// visible. Each round starts the server, drives concurrent registrations
/// and steps, kills the server with SIGKILL at a random moment, and checks
/// the database: every acknowledged write is there with its events, every
/// case there is whole and its stored state is what its events make, the
/// SQLite file passes `integrity_check`, the workbench's kept counts match
/// the deadlines, the audit chain verifies. A last round stops the server
/// with SIGTERM under the same load: it must exit 0 having finished and
/// answered every write it took in.
#[test]
fn crash_safety_acknowledged_writes_survive_sigkill() {
    let dir = temp_dir();
    crash_rounds(&format!("sqlite://{}", dir.join("crash.db").display()), &dir.join("crash.key"), Crash::Kill);
    let _ = std::fs::remove_dir_all(dir);
}

/// The same rounds on PostgreSQL: the server is killed, PostgreSQL stays up
/// and must have kept every acknowledged batch and none of the others.
mod postgres {
    use super::*;

    #[test]
    #[cfg_attr(not(xinfang_pg), ignore = "set XINFANG_TEST_PG_URL to run on PostgreSQL")]
    fn crash_safety_acknowledged_writes_survive_sigkill() {
        let (url, drop) = pg_database("crash");
        let dir = temp_dir();
        crash_rounds(&url, &dir.join("crash.key"), Crash::Kill);
        drop();
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A new database `xinfang_t_{tag}_{pid}` beside the one of
    /// `XINFANG_TEST_PG_URL`: its URL, and what drops it (`.ci/run` drops
    /// any `xinfang_t_…` that a killed run left).
    fn pg_database(tag: &str) -> (String, impl FnOnce()) {
        use sqlx::Connection;
        let admin = std::env::var("XINFANG_TEST_PG_URL").expect("XINFANG_TEST_PG_URL");
        let name = format!("xinfang_t_{tag}_{}", std::process::id());
        let (base, query) = admin.split_once('?').map_or((admin.as_str(), None), |(b, q)| (b, Some(q)));
        let head = base.rsplit_once('/').map_or(base, |(h, _)| h);
        let url = format!("{head}/{name}{}", query.map(|q| format!("?{q}")).unwrap_or_default());
        let sql = move |q: String| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let mut c = sqlx::PgConnection::connect(&admin).await.expect("connect to XINFANG_TEST_PG_URL");
                sqlx::raw_sql(&q).execute(&mut c).await.unwrap();
            })
        };
        sql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        sql(format!("CREATE DATABASE {name}"));
        (url, move || sql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
    }

    #[test]
    #[cfg_attr(not(xinfang_pg), ignore = "set XINFANG_TEST_PG_URL to run on PostgreSQL")]
    fn two_servers_share_the_jobs_and_the_throttles() {
        let (url, drop) = pg_database("two");
        let dir = temp_dir();
        super::two_servers::two_servers_share_the_jobs_and_the_throttles(&url, &dir.join("two.key"));
        drop();
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// The same rounds with a power cut instead of SIGKILL, on SQLite: the
/// database, its WAL and the key file live on an ext4 file system of the
/// test's own (a loop device), which each round takes down as a power cut
/// would (see [`Mount::cut`]): whatever was written and not yet synced is
/// gone. SIGKILL leaves the operating system's page cache intact, so only
/// this test shows that every answer waits for its sync.
mod power_cut {
    use super::*;

    #[test]
    #[cfg_attr(
        not(xinfang_power_cut),
        ignore = "set XINFANG_TEST_POWER_CUT=1 (as root, with loop devices and xfs_io from xfsprogs) to run"
    )]
    fn acknowledged_writes_survive_a_power_cut() {
        let dir = temp_dir();
        let mount = Mount::new(&dir);
        let data = mount.point.join("data");
        std::fs::create_dir(&data).unwrap();
        crash_rounds(
            &format!("sqlite://{}", data.join("crash.db").display()),
            &data.join("crash.key"),
            Crash::PowerCut(&mount),
        );
        drop(mount);
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// How a crash round ends the server.
#[derive(Clone, Copy)]
enum Crash<'a> {
    /// SIGKILL: the process dies at once; what it wrote stays in the
    /// operating system's page cache.
    Kill,
    /// The server stops, the file system it lives on goes down (losing what
    /// was not synced), then SIGKILL; the file system is mounted again
    /// before the checks, replaying its journal.
    PowerCut(&'a Mount),
}

impl Crash<'_> {
    fn name(self) -> &'static str {
        match self {
            Crash::Kill => "SIGKILL",
            Crash::PowerCut(_) => "power-cut",
        }
    }

    /// The file in `target/tmp` that `.ci/run` prints the rounds' log from.
    fn log_file(self, url: &str) -> &'static str {
        match self {
            Crash::Kill if url.starts_with("postgres") => "crash-safety-postgres.log",
            Crash::Kill => "crash-safety.log",
            Crash::PowerCut(_) => "power-cut.log",
        }
    }

    /// Ends the server `pid`. For a power cut the server is first stopped
    /// (SIGSTOP, every thread seen stopped) and only then is the file system
    /// taken down: a machine without power answers nothing after the cut,
    /// while a process still running would, for a sync the kernel was
    /// finishing as the file system went down (seen: an `fdatasync` begun
    /// just before the shutdown returned success, its pages lost).
    fn strike(self, pid: u32) {
        if let Crash::PowerCut(m) = self {
            kill("-STOP", pid);
            wait_stopped(pid);
            m.cut();
        }
        kill("-KILL", pid);
    }

    /// After the server has died: the file system back as after a restart.
    fn recover(self) {
        if let Crash::PowerCut(m) = self {
            m.remount();
        }
    }
}

fn kill(signal: &str, pid: u32) {
    Command::new("kill").args([signal, &pid.to_string()]).status().unwrap();
}

/// Waits until every thread of process `pid` is stopped (state `T` in
/// `/proc`): a thread inside a system call stops only once it returns.
fn wait_stopped(pid: u32) {
    let stopped = || {
        std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().all(|t| {
            let stat = std::fs::read_to_string(t.unwrap().path().join("stat")).unwrap_or_default();
            // The state follows the command name, which is in parentheses.
            stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('T'))
        })
    };
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !stopped() {
        assert!(std::time::Instant::now() < until, "the server did not stop on SIGSTOP");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// An ext4 file system in an image file under `dir`, mounted through a loop
/// device at `dir/mnt`; unmounted when dropped.
struct Mount {
    image: PathBuf,
    point: PathBuf,
}

impl Mount {
    fn new(dir: &Path) -> Self {
        Self::with_size(dir, 1 << 30)
    }

    /// A file system of `bytes` (a small one fills quickly).
    fn with_size(dir: &Path, bytes: u64) -> Self {
        let (image, point) = (dir.join("fs.img"), dir.join("mnt"));
        std::fs::File::create(&image).unwrap().set_len(bytes).unwrap();
        std::fs::create_dir(&point).unwrap();
        sh("mkfs.ext4", &["-q", "-F", image.to_str().unwrap()]);
        let m = Mount { image, point };
        m.mount();
        m
    }

    fn mount(&self) {
        sh("mount", &["-o", "loop", self.image.to_str().unwrap(), self.point.to_str().unwrap()]);
    }

    /// The power cut: ext4's shutdown without flushing its journal (what
    /// xfstests' `godown` does to test crash consistency). Every later read
    /// or write on it fails, and what is only in the page cache, or in a
    /// journal transaction not yet committed, is dropped at unmount.
    fn cut(&self) {
        sh("xfs_io", &["-x", "-c", "shutdown", self.point.to_str().unwrap()]);
    }

    fn remount(&self) {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let o = Command::new("umount").arg(&self.point).output().unwrap();
            if o.status.success() {
                break;
            }
            if std::time::Instant::now() > until {
                panic!("umount {}: {}\nopen there: {:?}", self.point.display(), stderr(&o), self.users());
            }
            eprintln!("umount busy, open there: {:?}", self.users());
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        self.mount();
    }

    /// The processes' descriptors that point into the file system.
    fn users(&self) -> Vec<String> {
        let mut found = Vec::new();
        for p in std::fs::read_dir("/proc").unwrap().flatten() {
            for fd in std::fs::read_dir(p.path().join("fd")).into_iter().flatten().flatten() {
                if std::fs::read_link(fd.path()).is_ok_and(|t| t.starts_with(&self.point)) {
                    let comm = std::fs::read_to_string(p.path().join("comm")).unwrap_or_default();
                    found.push(format!("{} ({}) {}", p.path().display(), comm.trim(), fd.path().display()));
                }
            }
        }
        found
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        // Lazily when busy: a failed check leaves its server running.
        if !Command::new("umount").arg(&self.point).status().is_ok_and(|s| s.success()) {
            let _ = Command::new("umount").arg("--lazy").arg(&self.point).status();
        }
    }
}

/// Runs `cmd args`, which must succeed.
fn sh(cmd: &str, args: &[&str]) {
    let o = Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(o.status.success(), "{cmd} {args:?}: {}{}", stdout(&o), stderr(&o));
}

/// What a crash left in the database at `url`, before anything opens it as
/// the server would: SQLite's `integrity_check` of the file; PostgreSQL,
/// which checks its own pages, only has to answer.
async fn integrity(url: &str) -> String {
    if url.starts_with("sqlite:") {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        let ok = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await.unwrap();
        // Closed before the next round: a power-cut round unmounts the file.
        conn.close().await.unwrap();
        ok
    } else {
        let store = xinfang_store::Store::open(url).await.unwrap();
        let ok = store.integrity_check().await.unwrap();
        store.close().await;
        ok
    }
}

/// Only `serve`, `demo` and `migrate` create a database: every other
/// command refuses a path that is not one, and leaves nothing behind.
#[test]
fn commands_refuse_a_database_that_is_not_there() {
    let dir = temp_dir();
    let typo = dir.join("xinfnag.db");
    for args in [&["audit", "verify"][..], &["calendar", "show"], &["unit", "list"]] {
        let o = run(args, &typo, None);
        assert!(!o.status.success(), "{args:?}: {}", stdout(&o));
        assert!(stderr(&o).contains("数据库不存在或尚未建立"), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).matches("xinfnag.db").count(), 1, "the path named once: {}", stderr(&o));
        assert!(!typo.exists(), "{args:?} created the database");
    }
    let o = bin()
        .args(["deadline", "2026-03-02", "30", "--database-url", &format!("sqlite://{}", typo.display())])
        .output()
        .unwrap();
    assert!(!o.status.success() && !typo.exists());
    assert!(run(&["migrate"], &typo, None).status.success());
    assert!(run(&["audit", "verify"], &typo, None).status.success());
}

/// Sets up a deployment at `url` and runs `XINFANG_CRASH_ROUNDS` (20)
/// rounds of `crash` under load, then one of SIGTERM; each line of the log
/// goes to stderr as it is done, and the whole log to
/// `target/tmp/`[`Crash::log_file`].
fn crash_rounds(url: &str, key: &Path, crash: Crash) {
    let rounds: usize = std::env::var("XINFANG_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    county(url, key);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // (id, events acknowledged after registration)
    let mut acked: std::collections::BTreeMap<i64, usize> = std::collections::BTreeMap::new();
    let mut log = String::new();
    let mut seed = 0x5eed_u64;
    for round in 0..rounds {
        let (mut child, base) = serve(url, key);
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let kill_after = std::time::Duration::from_millis(60 + (seed >> 33) % 400);

        // Check what the last round left, then load it and crash it
        // mid-flight: no chance to finish anything.
        let pid = child.id();
        let (checked, new_acks) = rt.block_on(load_until(&base, &acked, kill_after, || crash.strike(pid)));
        let checked = checked.len();
        let _ = child.wait();
        crash.recover();
        let mut events = 0;
        for (id, n) in &new_acks {
            let e = acked.entry(*id).or_default();
            *e = (*e).max(*n);
            events += n;
        }
        // The file as the crash left it.
        let (integrity, drift) = rt.block_on(async {
            let integrity = integrity(url).await;
            let store = xinfang_store::Store::open(url).await.unwrap();
            let drift = store.due_count_drift().await.unwrap();
            store.close().await;
            (integrity, drift)
        });
        assert_eq!(integrity, "ok", "round {round}: integrity_check");
        assert_eq!(drift, 0, "round {round}: the workbench's kept counts differ from the deadlines");
        let line = format!(
            "round {round:>2}: {} after {:>3} ms; acknowledged {} registrations, {events} steps; {checked} cases checked; integrity ok; kept counts match\n",
            crash.name(),
            kill_after.as_millis(),
            new_acks.len()
        );
        say(&mut log, line);
    }
    // A last start: it checks the final round's writes, then stops on
    // SIGTERM under the same load. A graceful stop finishes every write it
    // took in and answers it, so the database then holds exactly what was
    // acknowledged: nothing committed and left unanswered, as SIGKILL may.
    let (mut child, base) = serve(url, key);
    let pid = child.id();
    let (before, term_acks) =
        rt.block_on(load_until(&base, &acked, std::time::Duration::from_millis(300), || kill("-TERM", pid)));
    let exit = child.wait().unwrap();
    assert!(exit.success(), "SIGTERM under load: the server exits 0, not {exit:?}");
    assert!(!term_acks.is_empty(), "nothing was acknowledged before SIGTERM: nothing was tested");
    for (id, n) in &term_acks {
        acked.insert(*id, *n);
    }
    let (mut child, base) = serve(url, key);
    let after = rt.block_on(async {
        let c = reqwest::Client::new();
        let token = login(&c, &base).await;
        verify_all(&c, &base, &token, &acked).await
    });
    let added: Vec<i64> = after.keys().filter(|id| !before.contains_key(id)).copied().collect();
    let mut answered: Vec<i64> = term_acks.iter().map(|(id, _)| *id).collect();
    answered.sort_unstable();
    assert_eq!(added, answered, "SIGTERM: registrations stored are not exactly those answered");
    for (id, steps) in &term_acks {
        assert_eq!(after[id], steps + 1, "SIGTERM: case {id} holds a step that was never answered, or lost one");
    }
    assert!(before.iter().all(|(id, n)| after[id] == *n), "SIGTERM: an earlier case changed");
    let term_steps: usize = term_acks.iter().map(|(_, n)| n).sum();
    say(
        &mut log,
        format!(
            "SIGTERM under load: exit 0; {} registrations and {term_steps} steps answered, exactly what was stored\n",
            term_acks.len()
        ),
    );
    let checked = after.len();
    kill("-TERM", child.id());
    let _ = child.wait();
    let o = run_on(&["audit", "--key-file", key.to_str().unwrap(), "verify", "--deep"], url, None);
    assert!(o.status.success(), "audit chain after crashes: {}", stderr(&o));
    assert!(stdout(&o).contains("逐件核对完毕"), "{}", stdout(&o));
    say(
        &mut log,
        format!(
            "{rounds} {} rounds passed: {} acknowledged registrations all present with their steps; {checked} cases whole; {}",
            crash.name(),
            acked.len(),
            stdout(&o)
        ),
    );
    std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join(crash.log_file(url)), &log).unwrap();
    assert!(rounds >= 1 && !acked.is_empty(), "the rounds acknowledged nothing: nothing was tested");
    assert!(
        acked.iter().any(|(id, s)| id % 2 == 0 && *s >= 1),
        "no file was acknowledged: the uploads were not tested"
    );
}

/// A line of the crash rounds' log, also shown at once (on a failure, how far
/// the rounds got).
fn say(log: &mut String, line: String) {
    eprint!("{line}");
    log.push_str(&line);
}

/// GETs `url` with a bearer token and returns the JSON body.
async fn get_json(c: &reqwest::Client, url: &str, token: &str) -> serde_json::Value {
    c.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

/// Starts `xinfang serve` on a free port; returns the child and its base URL.
fn serve(url: &str, key: &Path) -> (std::process::Child, String) {
    serve_with(url, key, &[])
}

/// [`serve`] with further flags.
fn serve_with(url: &str, key: &Path, flags: &[&str]) -> (std::process::Child, String) {
    let mut child = bin()
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", url, "--key-file", key.to_str().unwrap()])
        .args(flags)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.split("http://").nth(1).and_then(|r| r.split('/').next()).expect("address line");
    (child, format!("http://{addr}"))
}

async fn login(c: &reqwest::Client, base: &str) -> String {
    let v: serde_json::Value = c
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"username": "clerk", "password": "Crash-test-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["token"].as_str().unwrap().to_string()
}

/// A round of load on the server at `base`: first checks what the rounds
/// before left (returns each case seen, with its number of events), then six
/// clients register and record steps until `stop_server` is called `after`
/// in, and go on until the server no longer answers (20 s at most: should it
/// never stop, the caller's check of its exit tells). Returns also what was
/// acknowledged: (id, steps acknowledged).
async fn load_until(
    base: &str,
    acked: &std::collections::BTreeMap<i64, usize>,
    after: std::time::Duration,
    stop_server: impl FnOnce(),
) -> (std::collections::BTreeMap<i64, usize>, Vec<(i64, usize)>) {
    let c = reqwest::Client::new();
    let token = login(&c, base).await;
    let checked = verify_all(&c, base, &token, acked).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for k in 0..6 {
        let (c, base, token, stop) = (c.clone(), base.to_string(), token.clone(), stop.clone());
        tasks.push(tokio::spawn(async move { drive(&c, &base, &token, k, &stop).await }));
    }
    tokio::time::sleep(after).await;
    stop_server();
    let stopper = {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(20)).await;
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        })
    };
    let mut acks = Vec::new();
    for t in tasks {
        acks.extend(t.await.unwrap());
    }
    stopper.abort();
    (checked, acks)
}

/// Registers petitions and records two steps on each until stopped or the
/// server dies; returns what was acknowledged: (id, steps acknowledged).
async fn drive(
    c: &reqwest::Client,
    base: &str,
    token: &str,
    k: usize,
    stop: &std::sync::atomic::AtomicBool,
) -> Vec<(i64, usize)> {
    let mut acks = Vec::new();
    let mut i = 0;
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        i += 1;
        let body = serde_json::json!({
            "channel": "letter", "received_on": "2026-03-02", "unit": "C", "class": "appeal",
            "petitioners": [{"name": format!("信访人{k}-{i}"), "phone": "13800138000", "id_number": "11010519491231002X"}],
            "request": "请求补发拖欠的工资", "facts": "务工三个月未领到工资", "reasons": "按劳取酬"
        });
        let Ok(res) = c.post(format!("{base}/api/v1/petitions")).bearer_auth(token).json(&body).send().await else {
            break;
        };
        if res.status().as_u16() != 201 {
            break;
        }
        let Ok(v) = res.json::<serde_json::Value>().await else { break };
        let id = v["id"].as_i64().unwrap();
        acks.push((id, 0));
        // A file on every even case, before its steps: a step acknowledged
        // means the file was (see `verify_all`).
        if id % 2 == 0 {
            let boundary = "crash-boundary";
            let mut body =
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.pdf\"\r\n\r\n")
                    .into_bytes();
            body.extend_from_slice(format!("%PDF-1.4\n% case {id}\n").as_bytes());
            body.extend_from_slice(&vec![b'x'; 20_000]);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            let sent = c
                .post(format!("{base}/api/v1/petitions/{id}/attachments"))
                .bearer_auth(token)
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .body(body)
                .send()
                .await;
            match sent {
                Ok(r) if r.status().as_u16() == 201 => {}
                _ => return acks,
            }
        }
        for (n, ev) in [
            serde_json::json!({"type": "accept", "on": "2026-03-03"}),
            serde_json::json!({"type": "opinion", "on": "2026-03-20", "decision": "support", "basis": "经核实属实"}),
        ]
        .into_iter()
        .enumerate()
        {
            match c.post(format!("{base}/api/v1/petitions/{id}/events")).bearer_auth(token).json(&ev).send().await {
                Ok(r) if r.status().as_u16() == 201 => {
                    if let Some(last) = acks.last_mut() {
                        last.1 = n + 1;
                    }
                }
                _ => return acks,
            }
        }
    }
    acks
}

/// Every acknowledged write is present; every case present is whole and its
/// stored state is the replay of its events. Returns each case it saw with
/// its number of events.
async fn verify_all(
    c: &reqwest::Client,
    base: &str,
    token: &str,
    acked: &std::collections::BTreeMap<i64, usize>,
) -> std::collections::BTreeMap<i64, usize> {
    use xinfang_domain::Calendar;
    use xinfang_domain::petition::procedure::Ctx;
    use xinfang_domain::petition::{CaseState, Event, EventKind, RuleSet};
    let (rules, cal) = (RuleSet::national_2022(), Calendar::builtin());
    let mut ids = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let v = get_json(c, &format!("{base}/api/v1/petitions?limit=200{q}"), token).await;
        ids.extend(v["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()));
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    for (id, steps) in acked {
        assert!(ids.contains(id), "acknowledged registration {id} is lost");
        let _ = steps;
    }
    for id in &ids {
        let p = get_json(c, &format!("{base}/api/v1/petitions/{id}"), token).await;
        let events = p["events"].as_array().unwrap();
        assert_eq!(events[0]["type"], "register", "case {id} has no registration event");
        let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
        assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "case {id}: a step is missing");
        assert_eq!(p["petitioners"].as_array().unwrap().len(), 1, "case {id}: petitioner missing");
        if let Some(steps) = acked.get(id) {
            assert!(events.len() > *steps, "case {id}: an acknowledged step is lost");
        }
        // Every file listed is whole (no row without its bytes, no bytes cut
        // short), and a file acknowledged is there.
        let files = get_json(c, &format!("{base}/api/v1/petitions/{id}/attachments"), token).await;
        let files = files["items"].as_array().unwrap();
        if id % 2 == 0 && acked.get(id).is_some_and(|s| *s >= 1) {
            assert_eq!(files.len(), 1, "case {id}: an acknowledged file is lost");
        }
        for f in files {
            let res = c.get(format!("{base}/api/v1/attachments/{}", f["id"])).bearer_auth(token).send().await.unwrap();
            assert_eq!(res.status().as_u16(), 200, "case {id}: file {} unreadable", f["id"]);
            let bytes = res.bytes().await.unwrap();
            use sha2::Digest;
            assert_eq!(
                hex::encode(sha2::Sha256::digest(&bytes)),
                f["sha256"].as_str().unwrap(),
                "case {id}: file torn"
            );
        }
        let mut state = CaseState::registered(
            xinfang_domain::petition::PetitionClass::Appeal,
            p["registered_unit"]["code"].as_str().unwrap(),
            p["received_on"].as_str().unwrap().parse().unwrap(),
        );
        for e in &events[1..] {
            let ev: Event = serde_json::from_value(strip(e)).unwrap();
            assert!(!matches!(ev.kind, EventKind::Register { .. }));
            let ctx = Ctx { today: "2026-11-29".parse().unwrap(), rules: &rules, calendar: &cal, higher_unit: None };
            state.apply(&ev, &ctx).unwrap();
        }
        assert_eq!(
            serde_json::to_value(&state).unwrap(),
            p["procedure"],
            "case {id}: stored state is not its events' replay"
        );
        seen.insert(*id, events.len());
    }
    seen
}

/// An event of the timeline without the fields the API adds.
fn strip(e: &serde_json::Value) -> serde_json::Value {
    let mut e = e.clone();
    if let Some(o) = e.as_object_mut() {
        for k in ["seq", "label", "actor", "recorded_at"] {
            o.remove(k);
        }
    }
    e
}
