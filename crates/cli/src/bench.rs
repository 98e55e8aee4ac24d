//! `xinfang bench`: the performance figures of docs/benchmarks.md, measured
//! on a corpus from the demo generator, against the real server (a child
//! process of this binary) on SQLite and PostgreSQL. A baseline measured in
//! the same run on the same disk (durable single-row SQLite inserts, and a
//! batched transaction) puts the figures in proportion on a noisy machine.

use crate::demo;
use crate::out::say;
use anyhow::{Context, bail};
use clap::Args;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};
use xinfang_app::AppState;
use xinfang_app::crypto::Keys;
use xinfang_store::Store;

#[derive(Args, Debug)]
pub struct BenchOpts {
    /// Corpus sizes (petitions), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10000", value_parser = positive)]
    sizes: Vec<usize>,
    /// Backends: sqlite, postgres.
    #[arg(long, value_delimiter = ',', default_value = "sqlite", value_parser = ["sqlite", "postgres"])]
    backends: Vec<String>,
    /// PostgreSQL server: a database `xinfang_bench` is made afresh on it for
    /// each size; the last is left for inspection, as the SQLite files are.
    #[arg(long, env = "XINFANG_BENCH_PG_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// Working folder (SQLite files, key, results).
    #[arg(long, default_value = "xinfang-bench")]
    dir: PathBuf,
    /// Concurrent HTTP clients for the create test, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,4,16", value_parser = clients)]
    clients: Vec<usize>,
    /// Seconds each create test runs.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    seconds: u64,
    /// Petitions per import transaction.
    #[arg(long, default_value_t = 1000, value_parser = positive)]
    batch: usize,
    /// Where to write the results as JSON (default: DIR/results.json).
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Registrations the HTTP clients take turns posting.
const BODIES: usize = 2000;

fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("应为正整数".into()),
    }
}

/// Each client posts its own share of the [`BODIES`].
fn clients(s: &str) -> Result<usize, String> {
    match positive(s)? {
        n if n <= BODIES => Ok(n),
        _ => Err(format!("并发客户端数应在 1 到 {BODIES} 之间")),
    }
}

/// p50 and p99 of a sample, in milliseconds.
fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    if ms.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (at(0.50), at(0.99))
}

async fn baseline(dir: &Path) -> anyhow::Result<Value> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    use sqlx::{ConnectOptions, Connection};
    let path = dir.join("baseline.db");
    for f in ["baseline.db", "baseline.db-wal", "baseline.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut c = opts.connect().await?;
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, subject TEXT NOT NULL, body TEXT NOT NULL)")
        .execute(&mut c)
        .await?;
    let body = "请求补发拖欠的工资。".repeat(20);
    // Durable single-row inserts: one transaction, one sync each.
    let t = Instant::now();
    let mut single = 0u64;
    while t.elapsed() < Duration::from_secs(3) {
        sqlx::query("INSERT INTO t (subject, body) VALUES ($1, $2)")
            .bind("拖欠工资")
            .bind(&body)
            .execute(&mut c)
            .await?;
        single += 1;
    }
    let single_rate = single as f64 / t.elapsed().as_secs_f64();
    // The same rows in one transaction.
    let n = 100_000;
    let t = Instant::now();
    let mut tx = c.begin().await?;
    for _ in 0..n {
        sqlx::query("INSERT INTO t (subject, body) VALUES ($1, $2)")
            .bind("拖欠工资")
            .bind(&body)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let batched_rate = n as f64 / t.elapsed().as_secs_f64();
    c.close().await?;
    Ok(json!({ "sqlite_single_row_durable_per_s": single_rate, "sqlite_batched_rows_per_s": batched_rate }))
}

/// A fresh database for one run; returns its URL.
async fn fresh_database(backend: &str, dir: &Path, size: usize, pg_url: &str) -> anyhow::Result<String> {
    match backend {
        "sqlite" => {
            let name = format!("bench-{size}.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(dir.join(format!("{name}{suffix}")));
            }
            Ok(format!("sqlite://{}", dir.join(name).display()))
        }
        "postgres" => {
            use sqlx::Connection;
            let mut admin = sqlx::PgConnection::connect(pg_url).await.context("无法连接 PostgreSQL")?;
            sqlx::query("DROP DATABASE IF EXISTS xinfang_bench WITH (FORCE)").execute(&mut admin).await?;
            sqlx::query("CREATE DATABASE xinfang_bench").execute(&mut admin).await?;
            let base = pg_url.rsplit_once('/').map(|(b, _)| b).context("PostgreSQL URL without a database")?;
            Ok(format!("{base}/xinfang_bench"))
        }
        other => bail!("未知的数据库类型 {other}（应为 sqlite 或 postgres）"),
    }
}

fn database_size(backend: &str, dir: &Path, size: usize) -> Option<u64> {
    (backend == "sqlite").then(|| {
        ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(dir.join(format!("bench-{size}.db{s}"))).ok())
            .map(|m| m.len())
            .sum()
    })
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(url: &str, key: &Path) -> anyhow::Result<Server> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["serve", "--addr", "127.0.0.1:0", "--database-url", url, "--key-file"])
            .arg(key)
            .env("XINFANG_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
        let addr = line.split("http://").nth(1).and_then(|r| r.split('/').next()).context("server did not start")?;
        Ok(Server { base: format!("http://{addr}"), child })
    }

    /// Resident and peak memory (KiB) from /proc.
    fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

/// The server stops with its handle, also when a measurement fails half-way.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

async fn login(c: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let v: Value = c
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": "intake", "password": demo::DEMO_PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    v["token"].as_str().map(String::from).context("login failed")
}

/// `clients` clients post registrations for `seconds`; returns rate and latencies.
async fn create_load(
    base: &str,
    token: &str,
    clients: usize,
    seconds: u64,
    bodies: &[String],
) -> anyhow::Result<Value> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..clients {
        let (client, base, token) = (client.clone(), base.to_string(), token.to_string());
        let bodies: Vec<String> = bodies.iter().skip(k).step_by(clients).cloned().collect();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            let mut i = 0;
            while Instant::now() < deadline {
                let body = bodies[i % bodies.len()].clone();
                i += 1;
                let t = Instant::now();
                let res = client
                    .post(format!("{base}/api/v1/petitions"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status().as_u16() == 201 => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await?;
        all.extend(lat);
        errors += e;
    }
    let secs = started.elapsed().as_secs_f64();
    let n = all.len();
    let (p50, p99) = percentiles(all);
    Ok(
        json!({ "clients": clients, "created": n, "errors": errors, "per_s": n as f64 / secs, "p50_ms": p50, "p99_ms": p99 }),
    )
}

/// Times `runs` GETs of `path`.
async fn get_latency(c: &reqwest::Client, base: &str, token: &str, path: &str, runs: usize) -> anyhow::Result<Value> {
    let mut lat = Vec::with_capacity(runs);
    let mut items = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let r = c.get(format!("{base}{path}")).bearer_auth(token).send().await?;
        if !r.status().is_success() {
            bail!("GET {path}: {}", r.status());
        }
        let v: Value = r.json().await?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        items = v["items"].as_array().map_or_else(|| v["rows"].as_array().map_or(0, |a| a.len()), |a| a.len());
    }
    let all = lat.clone();
    let (p50, p99) = percentiles(lat);
    Ok(json!({ "path": path, "items": items, "p50_ms": p50, "p99_ms": p99, "all_ms": all }))
}

fn request_bodies(n: usize, today: chrono::NaiveDate) -> Vec<String> {
    let mut g = demo::corpus::Gen::new(99);
    (0..n)
        .map(|i| {
            let received = today - chrono::Days::new((i % 20) as u64);
            let class = ["appeal", "suggestion", "appeal", "report"][i % 4];
            let (input, _) = g.petition("QX", received, "东桥村", "东桥镇", class);
            serde_json::to_string(&input_json(&input)).unwrap_or_default()
        })
        .collect()
}

fn input_json(i: &xinfang_domain::petition::PetitionInput) -> Value {
    json!({
        "channel": i.channel, "received_on": i.received_on, "unit": i.unit, "class": i.class,
        "petitioners": i.petitioners.iter().map(|p| json!({"name": p.name, "address": p.address, "phone": p.phone, "id_number": p.id_number})).collect::<Vec<_>>(),
        "collective": i.collective.as_ref().map(|c| json!({"persons": c.persons, "representatives": c.representatives})),
        "subject": i.subject, "request": i.request, "facts": i.facts, "reasons": i.reasons,
    })
}

async fn one_run(opts: &BenchOpts, backend: &str, size: usize, key: &Path) -> anyhow::Result<Value> {
    eprintln!("== {backend}, {size} 件");
    let url = fresh_database(backend, &opts.dir, size, &opts.pg_url).await?;
    let store = Store::open(&url).await?;
    let (keys, _) = Keys::load_or_create(key, true)?;
    AppState::use_key(&store, &keys).await.map_err(|e| anyhow::anyhow!(e))?;
    demo::seed_county(&store).await?;
    let state = AppState::new(store, keys).await?;
    let today = xinfang_app::today();
    let import = demo::seed_petitions(&state, size, 7, today, opts.batch).await?;
    state.store.close().await;
    drop(state);

    let server = Server::start(&url, key)?;
    let c = reqwest::Client::new();
    let token = login(&c, &server.base).await?;
    let bodies = request_bodies(BODIES, today);
    let mut creates = Vec::new();
    for &n in &opts.clients {
        eprintln!("   HTTP 登记，{n} 个并发客户端，{} 秒", opts.seconds);
        creates.push(create_load(&server.base, &token, n, opts.seconds, &bodies).await?);
    }
    let half = (size / 2).max(1);
    let deep = (size / 50).max(1);
    let mut lists = Vec::new();
    for path in [
        "/api/v1/petitions?limit=50".to_string(),
        format!("/api/v1/petitions?limit=50&cursor={half}"),
        format!("/api/v1/petitions?limit=50&cursor={deep}"),
        "/api/v1/petitions?limit=50&overdue=true".to_string(),
        format!("/api/v1/petitions?limit=50&overdue=true&cursor={half}"),
        "/api/v1/petitions?limit=50&unit=QX-DQZ&status=accepted".to_string(),
    ] {
        lists.push(get_latency(&c, &server.base, &token, &path, 30).await?);
    }
    // Search and repeat candidates right after the burst of registrations
    // above, and again once the full-text index has been merged (as the
    // server's background merging leaves it when registrations are sparse).
    let newest: i64 = size as i64 + 1;
    let created: i64 = creates.iter().filter_map(|c| c["created"].as_i64()).sum();
    let checked = repeat_checked(newest, created);
    let (search, similar) = search_and_similar(&c, &server.base, &token, &checked).await?;
    let t = Instant::now();
    let settle = Store::open(&url).await?;
    settle.analyze().await?;
    settle.close().await;
    let settle_s = t.elapsed().as_secs_f64();
    let (search_settled, similar_settled) = search_and_similar(&c, &server.base, &token, &checked).await?;
    let year = chrono::Datelike::year(&today);
    let stats = get_latency(&c, &server.base, &token, &format!("/api/v1/stats/monthly?year={year}"), 10).await?;
    let pages = page_latency(&server.base, checked[0]).await?;
    let (rss, hwm) = server.memory_kib();
    drop(server);
    Ok(json!({
        "backend": backend,
        "petitions": size,
        "import": {
            "petitions": import.petitions, "events": import.events,
            "end_to_end_per_s": import.petitions as f64 / import.total_secs,
            "write_per_s": import.petitions as f64 / import.write_secs,
            "total_s": import.total_secs, "write_s": import.write_secs, "analyze_s": import.analyze_secs,
        },
        "http_create": creates,
        "list": lists,
        "monthly_stats": stats,
        "pages": pages,
        "search": search,
        "similar_at_registration": similar,
        "settle_s": settle_s,
        "search_settled": search_settled,
        "similar_settled": similar_settled,
        "server_memory": { "rss_mib": rss as f64 / 1024.0, "peak_mib": hwm as f64 / 1024.0 },
        "database_bytes": database_size(backend, &opts.dir, size),
    }))
}

/// The value of cookie `name` set by a response.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Times the staff pages as a browser gets them (HTML, the session cookie
/// from the login form), 20 times each: the workbench in Chinese and in
/// English, the ledger, the overdue ledger, a petition page (with its
/// repeat candidates), a search and the administration page.
async fn page_latency(base: &str, petition: i64) -> anyhow::Result<Vec<Value>> {
    // As a browser, but the answer to the login form (a redirect carrying
    // the session cookie) is read, not followed.
    let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let login = c.get(format!("{base}/login")).send().await?;
    let form_cookie = set_cookie(&login, "xinfang_csrf").unwrap_or_default();
    let html = login.text().await?;
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .ok_or_else(|| anyhow::anyhow!("登录页没有表单令牌"))?;
    let body = format!("username=intake&password={}&csrf={csrf}&next=%2F", demo::DEMO_PASSWORD);
    let r = c
        .post(format!("{base}/login"))
        .header(reqwest::header::COOKIE, format!("xinfang_csrf={form_cookie}"))
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?;
    let session = set_cookie(&r, "xinfang_session").ok_or_else(|| anyhow::anyhow!("页面登录失败：{}", r.status()))?;
    let mut out = Vec::new();
    for (path, lang) in [
        ("/".to_string(), "zh"),
        ("/".to_string(), "en"),
        ("/petitions".to_string(), "zh"),
        ("/petitions?overdue=true".to_string(), "zh"),
        (format!("/petitions/{petition}"), "zh"),
        ("/search?q=拖欠+工资".to_string(), "zh"),
        ("/admin/calendar".to_string(), "zh"),
    ] {
        let mut lat = Vec::with_capacity(20);
        for _ in 0..20 {
            let t = Instant::now();
            let r = c
                .get(format!("{base}{path}"))
                .header(reqwest::header::COOKIE, format!("xinfang_session={session}; xinfang_lang={lang}"))
                .send()
                .await?;
            if !r.status().is_success() {
                bail!("GET {path}: {}", r.status());
            }
            r.bytes().await?;
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let all = lat.clone();
        let (p50, p99) = percentiles(lat);
        out.push(json!({ "path": path, "lang": lang, "p50_ms": p50, "p99_ms": p99, "all_ms": all }));
    }
    Ok(out)
}

/// The petitions whose repeat candidates are timed: 100 spread over those
/// registered over HTTP (ids from `first` on, `created` of them), or all of
/// them if fewer; the first 100 imported ones if none were.
fn repeat_checked(first: i64, created: i64) -> Vec<i64> {
    if created <= 0 {
        return (1..=100.min(first - 1)).collect();
    }
    let step = (created / 100).max(1);
    (0..created.min(100)).map(|k| first + k * step).collect()
}

/// Times eight 1–3 word searches (20 each) and the repeat candidates of the
/// petitions `checked`.
async fn search_and_similar(
    c: &reqwest::Client,
    base: &str,
    token: &str,
    checked: &[i64],
) -> anyhow::Result<(Value, Value)> {
    let mut search_ms = Vec::new();
    let mut searches = Vec::new();
    for q in
        ["农民工", "宅基地", "噪声", "征地拆迁 补偿", "拖欠 工资", "物业 电梯", "物业 电梯 消防", "通村道路 破损 严重"]
    {
        let enc: String = q
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect();
        let v = get_latency(c, base, token, &format!("/api/v1/search?q={enc}&limit=20"), 20).await?;
        search_ms.extend(v["all_ms"].as_array().into_iter().flatten().filter_map(Value::as_f64));
        searches.push(json!({ "q": q, "items": v["items"], "p50_ms": v["p50_ms"], "p99_ms": v["p99_ms"] }));
    }
    let (search_p50, search_p99) = percentiles(search_ms);
    let mut similar_ms = Vec::new();
    for id in checked {
        let v = get_latency(c, base, token, &format!("/api/v1/petitions/{id}/similar"), 1).await?;
        similar_ms.extend(v["all_ms"].as_array().into_iter().flatten().filter_map(Value::as_f64));
    }
    let (similar_p50, similar_p99) = percentiles(similar_ms);
    Ok((
        json!({ "p50_ms": search_p50, "p99_ms": search_p99, "queries": searches }),
        json!({ "p50_ms": similar_p50, "p99_ms": similar_p99, "runs": checked.len() }),
    ))
}

fn print_table(base: &Value, runs: &[Value]) -> anyhow::Result<()> {
    let single = base["sqlite_single_row_durable_per_s"].as_f64().unwrap_or(f64::NAN);
    let batched = base["sqlite_batched_rows_per_s"].as_f64().unwrap_or(f64::NAN);
    say!("\n基线（同一磁盘）：SQLite 单行持久插入 {single:.0} 行/秒；单事务批量插入 {batched:.0} 行/秒")?;
    for r in runs {
        say!("\n## {} · {} 件", r["backend"].as_str().unwrap_or(""), r["petitions"])?;
        let imp = &r["import"];
        let w = imp["write_per_s"].as_f64().unwrap_or(f64::NAN);
        say!(
            "批量导入：写入 {w:.0} 件/秒（基线批量的 {:.2} 倍）；生成+写入 {:.0} 件/秒；事件 {}",
            w / batched,
            imp["end_to_end_per_s"].as_f64().unwrap_or(f64::NAN),
            imp["events"]
        )?;
        for c in r["http_create"].as_array().into_iter().flatten() {
            let rate = c["per_s"].as_f64().unwrap_or(f64::NAN);
            say!(
                "HTTP 登记 {:>2} 客户端：{rate:>7.0} 件/秒（单行基线的 {:.1} 倍） p50 {:.1} ms  p99 {:.1} ms  错误 {}",
                c["clients"],
                rate / single,
                c["p50_ms"].as_f64().unwrap_or(f64::NAN),
                c["p99_ms"].as_f64().unwrap_or(f64::NAN),
                c["errors"]
            )?;
        }
        for l in r["list"].as_array().into_iter().flatten() {
            say!(
                "列表 {:<55} p50 {:>6.1} ms  p99 {:>6.1} ms  ({} 条)",
                l["path"].as_str().unwrap_or(""),
                l["p50_ms"].as_f64().unwrap_or(f64::NAN),
                l["p99_ms"].as_f64().unwrap_or(f64::NAN),
                l["items"]
            )?;
        }
        for q in r["search"]["queries"].as_array().into_iter().flatten() {
            say!(
                "检索 {:<20} p50 {:>6.1} ms  p99 {:>6.1} ms  ({} 条)",
                q["q"].as_str().unwrap_or(""),
                q["p50_ms"].as_f64().unwrap_or(f64::NAN),
                q["p99_ms"].as_f64().unwrap_or(f64::NAN),
                q["items"]
            )?;
        }
        for (label, search, similar) in [
            ("登记高峰之后", "search", "similar_at_registration"),
            ("索引合并之后", "search_settled", "similar_settled"),
        ] {
            say!(
                "{label}：检索（全部 1–3 词查询）p50 {:.1} ms  p99 {:.1} ms；登记时查重候选 p50 {:.1} ms  p99 {:.1} ms",
                r[search]["p50_ms"].as_f64().unwrap_or(f64::NAN),
                r[search]["p99_ms"].as_f64().unwrap_or(f64::NAN),
                r[similar]["p50_ms"].as_f64().unwrap_or(f64::NAN),
                r[similar]["p99_ms"].as_f64().unwrap_or(f64::NAN)
            )?;
        }
        for pg in r["pages"].as_array().into_iter().flatten() {
            say!(
                "页面 {:<40} {}  p50 {:>6.1} ms  p99 {:>6.1} ms",
                pg["path"].as_str().unwrap_or(""),
                pg["lang"].as_str().unwrap_or(""),
                pg["p50_ms"].as_f64().unwrap_or(f64::NAN),
                pg["p99_ms"].as_f64().unwrap_or(f64::NAN)
            )?;
        }
        let s = &r["monthly_stats"];
        say!(
            "月度统计（全年）：p50 {:.1} ms  p99 {:.1} ms；服务进程内存 {:.0} MiB（峰值 {:.0} MiB）",
            s["p50_ms"].as_f64().unwrap_or(f64::NAN),
            s["p99_ms"].as_f64().unwrap_or(f64::NAN),
            r["server_memory"]["rss_mib"].as_f64().unwrap_or(f64::NAN),
            r["server_memory"]["peak_mib"].as_f64().unwrap_or(f64::NAN)
        )?;
        if let Some(b) = r["database_bytes"].as_u64() {
            say!("数据库文件：{:.0} MiB", b as f64 / 1048576.0)?;
        }
    }
    Ok(())
}

pub async fn run(opts: BenchOpts) -> anyhow::Result<()> {
    std::fs::create_dir_all(&opts.dir)?;
    let key = opts.dir.join("bench.key");
    let _ = std::fs::remove_file(&key);
    eprintln!("基线：SQLite 持久插入（同一磁盘）");
    let base = baseline(&opts.dir).await?;
    let machine = json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "os": std::env::consts::OS,
        "date": chrono::Utc::now().to_rfc3339(),
    });
    let path = opts.json.clone().unwrap_or_else(|| opts.dir.join("results.json"));
    let mut runs = Vec::new();
    for backend in &opts.backends {
        for &size in &opts.sizes {
            runs.push(one_run(&opts, backend, size, &key).await?);
            let _ = std::fs::remove_file(&key);
            // Written after every run, so a long session keeps what it measured.
            let out = json!({ "machine": machine, "baseline": base, "runs": runs });
            std::fs::write(&path, serde_json::to_string_pretty(&out)?)?;
            print_table(&base, &runs[runs.len() - 1..])?;
        }
    }
    print_table(&base, &runs)?;
    say!("\n结果已写入 {}", path.display())?;
    Ok(())
}
