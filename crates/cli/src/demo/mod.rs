//! `xinfang demo`: a fresh database for a fictional county (青溪县) with its
//! departments, townships and villages, a user for every role, and petitions
//! in every stage of the procedure, all made through the same domain rules
//! as real work. Then it serves it.

pub mod corpus;
mod disputes;

use crate::out::say;
use crate::server;
use anyhow::Context;
use chrono::{Days, NaiveDate};
use corpus::Gen;
use std::net::SocketAddr;
use std::path::Path;
use xinfang_app::AppState;
use xinfang_app::crypto::Keys;
use xinfang_app::org::UnitIndex;
use xinfang_app::petitions;
use xinfang_domain::petition::{CaseState, Decision, DeclineRoute, Evaluation, Event, EventKind, NewPetition};
use xinfang_domain::{Role, UnitKind};
use xinfang_store::{NewPetitionRecord, NewUser, Store, Unit};

/// Every demo account has this password.
pub const DEMO_PASSWORD: &str = "Xinfang-2026";

const ROOT: &str = "QX";

/// (code, name, kind, parent)
pub const UNITS: &[(&str, &str, UnitKind, Option<&str>)] = &[
    (ROOT, "青溪县信访局", UnitKind::PetitionOffice, None),
    ("QX-ZJJ", "青溪县住房和城乡建设局", UnitKind::Body, Some(ROOT)),
    ("QX-RSJ", "青溪县人力资源和社会保障局", UnitKind::Body, Some(ROOT)),
    ("QX-ZRZY", "青溪县自然资源和规划局", UnitKind::Body, Some(ROOT)),
    ("QX-STHJ", "青溪县生态环境分局", UnitKind::Body, Some(ROOT)),
    ("QX-NYNCJ", "青溪县农业农村局", UnitKind::Body, Some(ROOT)),
    ("QX-MZJ", "青溪县民政局", UnitKind::Body, Some(ROOT)),
    ("QX-JYJ", "青溪县教育局", UnitKind::Body, Some(ROOT)),
    ("QX-SFJ", "青溪县司法局", UnitKind::Body, Some(ROOT)),
    ("QX-TYJRJ", "青溪县退役军人事务局", UnitKind::Body, Some(ROOT)),
    ("QX-DQZ", "东桥镇", UnitKind::Township, Some(ROOT)),
    ("QX-DQZ-01", "东桥村", UnitKind::Village, Some("QX-DQZ")),
    ("QX-DQZ-02", "柳湾村", UnitKind::Village, Some("QX-DQZ")),
    ("QX-DQZ-03", "石门村", UnitKind::Village, Some("QX-DQZ")),
    ("QX-XHX", "西河乡", UnitKind::Township, Some(ROOT)),
    ("QX-XHX-01", "西河村", UnitKind::Village, Some("QX-XHX")),
    ("QX-XHX-02", "杏林村", UnitKind::Village, Some("QX-XHX")),
    ("QX-XHX-03", "王家庄村", UnitKind::Village, Some("QX-XHX")),
    ("QX-NSZ", "南山镇", UnitKind::Township, Some(ROOT)),
    ("QX-NSZ-01", "南山村", UnitKind::Village, Some("QX-NSZ")),
    ("QX-NSZ-02", "茶园村", UnitKind::Village, Some("QX-NSZ")),
    ("QX-NSZ-03", "竹坪村", UnitKind::Village, Some("QX-NSZ")),
    ("QX-BPJD", "北坪街道", UnitKind::Township, Some(ROOT)),
    ("QX-BPJD-01", "北坪社区", UnitKind::Village, Some("QX-BPJD")),
    ("QX-BPJD-02", "新华社区", UnitKind::Village, Some("QX-BPJD")),
    ("QX-BPJD-03", "滨江社区", UnitKind::Village, Some("QX-BPJD")),
];

/// (username, display name, role, unit)
pub const USERS: &[(&str, &str, Role, &str)] = &[
    ("admin", "系统管理员", Role::Admin, ROOT),
    ("intake", "县信访局登记员 周敏", Role::Intake, ROOT),
    ("handler", "县信访局承办人 林志强", Role::Handler, ROOT),
    ("leader", "县信访局局长 陈建华", Role::Leader, ROOT),
    ("supervisor", "县督查室 吴海燕", Role::Supervisor, ROOT),
    ("auditor", "安全审计员 郑立新", Role::Auditor, ROOT),
    ("zjj", "住建局承办人 许文华", Role::Handler, "QX-ZJJ"),
    ("rsj", "人社局承办人 邓春梅", Role::Handler, "QX-RSJ"),
    ("dongqiao", "东桥镇承办人 彭德明", Role::Handler, "QX-DQZ"),
    ("dongqiao-cun", "东桥村登记员 叶淑珍", Role::Intake, "QX-DQZ-01"),
];

/// Creates the demo units and users in an empty database.
pub async fn seed_county(store: &Store) -> anyhow::Result<()> {
    for (code, name, kind, parent) in UNITS {
        store.add_unit(code, name, *kind, *parent, None).await?;
    }
    let hash = xinfang_app::auth::hash_password(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!(e.summary()))?;
    for (username, display, role, unit) in USERS {
        let unit = store.unit_by_code(unit).await?.context("demo unit")?;
        store
            .add_user(
                &NewUser {
                    username: (*username).into(),
                    display_name: (*display).into(),
                    unit_id: unit.id,
                    role: *role,
                    password_hash: hash.clone(),
                },
                None,
            )
            .await?;
    }
    // Where the reminders of the county office and of two units go (the
    // demo's sink records them; the messages page shows them).
    for (code, email) in
        [(ROOT, "xfj@qingxi.example.cn"), ("QX-ZJJ", "zjj@qingxi.example.cn"), ("QX-DQZ", "dqz@qingxi.example.cn")]
    {
        let unit = store.unit_by_code(code).await?.context("demo unit")?;
        let contact = xinfang_store::UnitContact { unit_id: unit.id.0, email: Some(email.into()), phone: None };
        store.set_unit_contact(&contact, code, None).await?;
    }
    Ok(())
}

/// Walks a new case forward through the procedure from its receipt date,
/// stopping at today or when a step is refused.
struct Walk<'a> {
    st: &'a AppState,
    units: &'a UnitIndex,
    cal: &'a xinfang_domain::Calendar,
    rec: NewPetitionRecord,
    state: CaseState,
    day: NaiveDate,
    today: NaiveDate,
    actor: Option<xinfang_store::UserId>,
}

impl Walk<'_> {
    /// Moves `gap` days on and records `kind`; false if that would pass
    /// today or the procedure refuses it.
    fn step(&mut self, g: &mut Gen, gap: (i64, i64), kind: EventKind) -> bool {
        let on = self.day + Days::new(g.range(gap.0, gap.1).max(0) as u64);
        if on > self.today {
            return false;
        }
        let event = Event { on, kind };
        match petitions::apply_to_record(
            self.st,
            &mut self.rec,
            &mut self.state,
            &event,
            self.actor,
            self.cal,
            self.units,
        ) {
            Ok(()) => {
                self.day = on;
                true
            }
            Err(_) => false,
        }
    }
}

fn decision(g: &mut Gen) -> Decision {
    *g.pick(&[Decision::Support, Decision::Support, Decision::Explain, Decision::Explain, Decision::Reject])
}

fn basis(d: Decision) -> String {
    match d {
        Decision::Support => "经调查核实，信访人反映的情况属实，诉求合理合法，予以支持，责成相关单位限期落实。".into(),
        Decision::Explain => {
            "经调查核实，信访人诉求有一定合理性，但缺乏政策和法律依据，已向信访人作出解释说明。".into()
        }
        Decision::Reject => "经调查核实，信访人反映的情况与事实不符，诉求缺乏事实和法律依据，不予支持。".into(),
    }
}

fn walk(w: &mut Walk<'_>, g: &mut Gen, department: &str, township: &str) {
    let appeal = w.state.class == xinfang_domain::petition::PetitionClass::Appeal;
    if walk_intake(w, g, department, township, appeal) && walk_handling(w, g, appeal) {
        walk_remedies(w, g, appeal);
    }
}

/// Routing and acceptance (Arts. 22–23, 31). False: the case stops here.
fn walk_intake(w: &mut Walk<'_>, g: &mut Gen, department: &str, township: &str, appeal: bool) -> bool {
    use EventKind as K;
    if w.state.unit == ROOT && g.chance(0.75) {
        let to = if g.chance(0.65) { department.to_string() } else { township.to_string() };
        let kind = if g.chance(0.3) {
            let due = w.day + Days::new(g.range(35, 60) as u64);
            K::Assign { to, due, note: None }
        } else {
            K::Transfer { to, note: None }
        };
        if !w.step(g, (0, 4), kind) {
            return false;
        }
        if g.chance(0.04) {
            if !w.step(g, (1, 4), K::Objection { reason: "该事项不属于本单位职责范围，请转有权处理的单位".into() })
            {
                return false;
            }
            if !w.step(g, (1, 3), K::Transfer { to: township.into(), note: None }) {
                return false;
            }
        }
    }
    if g.chance(0.015) {
        return false; // left without a decision on acceptance: shows on the overdue list
    }
    if appeal && g.chance(0.04) {
        let route = *g.pick(&[DeclineRoute::Litigation, DeclineRoute::Arbitration, DeclineRoute::Administrative]);
        w.step(
            g,
            (1, 10),
            K::Decline {
                route, reason: "该诉求应通过法定途径解决，已告知信访人相应途径".into()
            },
        );
        return false;
    }
    if !w.step(g, (1, 8), K::Accept { note: None }) {
        return false;
    }
    // Most accepted cases are given to a named handler (承办人) where the
    // unit has one among the demo's accounts.
    if let Some(user) = demo_handler(&w.state.unit).filter(|_| g.chance(0.8)) {
        return w.step(g, (0, 2), K::AssignHandler { user: user.into() });
    }
    true
}

/// The demo account that handles the cases of a unit, if it has one.
fn demo_handler(unit: &str) -> Option<&'static str> {
    match unit {
        ROOT => Some("handler"),
        "QX-ZJJ" => Some("zjj"),
        "QX-RSJ" => Some("rsj"),
        _ => None,
    }
}

/// Handling to a served opinion and its evaluation (Arts. 21, 32–34).
/// False: the case stops here.
fn walk_handling(w: &mut Walk<'_>, g: &mut Gen, appeal: bool) -> bool {
    use EventKind as K;
    if g.chance(0.03) {
        return false; // left in handling: some of these run late
    }
    if appeal && g.chance(0.12) {
        let days = g.range(15, 30) as u32;
        let reason = "事项涉及多个部门，情况复杂，需进一步调查核实".to_string();
        if !w.step(g, (35, 50), K::ExtendRequest { days, reason })
            || !w.step(g, (0, 3), K::Extend { days: None, approver: None, reason: None })
        {
            return false;
        }
    }
    if appeal
        && g.chance(0.05)
        && (!w.step(g, (3, 10), K::HearingStart { note: None }) || !w.step(g, (0, 2), K::HearingEnd { note: None }))
    {
        return false;
    }
    let d = decision(g);
    if !w.step(g, (8, 45), K::Opinion { decision: d, basis: basis(d) }) {
        return false;
    }
    let method = g.pick(&["直接送达", "邮寄送达", "电子送达"]).to_string();
    if !w.step(g, (1, 5), K::Serve { method: Some(method) }) {
        return false;
    }
    if g.chance(0.6) {
        let value = *g.pick(&[
            Evaluation::Satisfied,
            Evaluation::Satisfied,
            Evaluation::BasicallySatisfied,
            Evaluation::Dissatisfied,
        ]);
        if !w.step(g, (0, 6), K::Evaluate { value, comment: None }) {
            return false;
        }
    }
    true
}

/// Review, recheck and closing (Arts. 35–36).
fn walk_remedies(w: &mut Walk<'_>, g: &mut Gen, appeal: bool) {
    use EventKind as K;
    if appeal && g.chance(0.18) {
        if !w.step(g, (2, 20), K::ReviewRequest { note: None }) {
            return;
        }
        let d = decision(g);
        if !w.step(g, (8, 26), K::ReviewOpinion { decision: d, basis: basis(d) }) {
            return;
        }
        if g.chance(0.35) {
            if !w.step(g, (2, 20), K::RecheckRequest { note: None }) {
                return;
            }
            if g.chance(0.2)
                && (!w.step(g, (2, 8), K::HearingStart { note: None })
                    || !w.step(g, (0, 2), K::HearingEnd { note: None }))
            {
                return;
            }
            let d = decision(g);
            if !w.step(g, (5, 25), K::RecheckOpinion { decision: d, basis: basis(d) }) {
                return;
            }
            w.step(g, (1, 5), K::Close { reason: None, note: None });
        } else if g.chance(0.5) {
            w.step(g, (31, 40), K::Close { reason: None, note: None });
        }
    } else if g.chance(0.75) {
        w.step(g, (1, 30), K::Close { reason: None, note: None });
    }
}

/// What an import took.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportStats {
    pub petitions: usize,
    pub events: usize,
    /// Wall time from the first petition generated to the last committed.
    pub total_secs: f64,
    /// Time the writes themselves took (the database's share).
    pub write_secs: f64,
    /// Time the statistics and tidying after the load took ([`Store::analyze`]).
    pub analyze_secs: f64,
}

/// Generates `n` petitions into the store in transactions of `batch`
/// petitions. Generating the next batch overlaps with writing the last.
/// The ledger's secondary indexes (and PostgreSQL's foreign keys) are set
/// aside for the load and restored after it (also when it fails; should the
/// process die, the next opening of the database restores them); then the
/// planner's statistics are brought up to date.
pub async fn seed_petitions(
    st: &AppState,
    n: usize,
    seed: u64,
    today: NaiveDate,
    batch: usize,
) -> anyhow::Result<ImportStats> {
    let started = std::time::Instant::now();
    st.store.set_aside_for_load().await?;
    let loaded = load_petitions(st, n, seed, today, batch).await;
    let t = std::time::Instant::now();
    // PostgreSQL's foreign keys were set aside too; SQLite's stay.
    eprint!("{}", if st.store.backend_name() == "postgres" { "重建索引与外键约束……" } else { "重建索引……" });
    let restored = st.store.restore_after_load().await;
    eprintln!("{:.1} 秒", t.elapsed().as_secs_f64());
    let mut stats = loaded?;
    restored?;
    // The indexes and constraints are part of the write: built and checked
    // once here instead of at every commit.
    stats.write_secs += t.elapsed().as_secs_f64();
    stats.total_secs = started.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    st.store.analyze().await?;
    stats.analyze_secs = t.elapsed().as_secs_f64();
    Ok(stats)
}

/// The load itself: generates `n` petitions, each walked through the
/// procedure, and writes them in batches of `batch`.
async fn load_petitions(
    st: &AppState,
    n: usize,
    seed: u64,
    today: NaiveDate,
    batch: usize,
) -> anyhow::Result<ImportStats> {
    let units = st.store.units().await?;
    let index = UnitIndex::new(units.clone());
    let villages: Vec<&Unit> = units.iter().filter(|u| u.kind == UnitKind::Village).collect();
    let users = st.store.users().await?;
    let user_id = |name: &str| users.iter().find(|u| u.username == name).map(|u| u.id);
    let (intake, handler) = (user_id("intake"), user_id("handler"));
    let cal = st.calendar();
    let mut g = Gen::new(seed);
    let mut stats = ImportStats { petitions: n, ..Default::default() };
    let mut records = Vec::with_capacity(batch);
    let mut pending: Option<tokio::task::JoinHandle<anyhow::Result<f64>>> = None;
    let mut progress = crate::progress::Progress::new("写入信访事项", Some(n as u64));
    for i in 0..n {
        let received = today - Days::new(g.range(1, 330) as u64);
        let village = *g.pick(&villages);
        let township = village.parent_id.and_then(|p| index.id(p)).context("village without township")?;
        let r = g.range(0, 99);
        let unit = if r < 55 {
            index.code(ROOT).context("root")?
        } else if r < 80 {
            township
        } else {
            village
        };
        let class = match g.range(0, 99) {
            0..=69 => "appeal",
            70..=84 => "suggestion",
            _ => "report",
        };
        let (mut input, department) = g.petition(&unit.code, received, &village.name, &township.name, class);
        // 问题属地: the village the problem is in, for most.
        input.problem_unit = g.chance(0.9).then(|| village.code.clone());
        let np = NewPetition::parse(&input, today, &st.rules)
            .map_err(|e| anyhow::anyhow!("generator made invalid input: {e:?}"))?;
        let respondent = if class == "report" && g.chance(0.5) {
            let other = *g.pick(&villages);
            (!other.contains(unit) && other.id != village.id).then_some(other)
        } else {
            None
        };
        let (rec, state) =
            petitions::prepare(st, &np, unit, respondent, np.problem_unit.as_ref().and(Some(village)), intake, &cal)
                .map_err(|e| anyhow::anyhow!(e.summary()))?;
        let mut w = Walk { st, units: &index, cal: &cal, rec, state, day: received, today, actor: handler };
        walk(&mut w, &mut g, department, &township.code);
        petitions::settle_record(st, &mut w.rec, &w.state, &cal).map_err(|e| anyhow::anyhow!(e.summary()))?;
        w.rec.handler_id = w.state.handler().and_then(user_id);
        stats.events += w.rec.events.len();
        records.push(w.rec);
        if records.len() == batch || i + 1 == n {
            if let Some(p) = pending.take() {
                stats.write_secs += p.await??;
            }
            let store = st.store.clone();
            let chunk = std::mem::take(&mut records);
            pending = Some(tokio::spawn(async move {
                let t = std::time::Instant::now();
                store.insert_petitions(chunk).await?;
                Ok(t.elapsed().as_secs_f64())
            }));
            progress.update(i as u64 + 1);
        }
    }
    if let Some(p) = pending.take() {
        stats.write_secs += p.await??;
    }
    progress.finish();
    Ok(stats)
}

pub async fn run(addr: SocketAddr, dir: &Path, petitions: usize, seed: u64, no_serve: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
    for f in ["demo.db", "demo.db-wal", "demo.db-shm", "demo.key", "demo.key.audit-anchors"] {
        let p = dir.join(f);
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("无法删除旧的演示文件 {}", p.display()))?;
        }
    }
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    let store = Store::open(&url).await?;
    let (keys, _) = Keys::load_or_create(&dir.join("demo.key"), true)?;
    AppState::use_key(&store, &keys).await.map_err(|e| anyhow::anyhow!(e))?;
    seed_county(&store).await?;
    // Messages go to a local sink: recorded as sent, shown on the messages page.
    let notices = xinfang_app::notices::NoticeConfig { sink: true, ..Default::default() };
    // The messages name the demo's own address for the look-up.
    let public_url = Some(format!("http://{addr}"));
    let options = xinfang_app::state::Options { notices, public_url, ..Default::default() };
    let state = AppState::with_options(store, keys, options).await?;
    let today = xinfang_app::today();
    seed_petitions(&state, petitions, seed, today, 500).await?;
    disputes::seed(&state, today).await?;
    // Today's reminders, as the daily job makes them at the set time: the
    // units' overdue cases and the review windows closing (on a working day).
    let digest_at = today.and_time(state.options.notices.digest_at()) - chrono::Duration::hours(8);
    let made = xinfang_app::jobs::run_daily(&state, digest_at.and_utc().max(chrono::Utc::now()))
        .await
        .map_err(|e| anyhow::anyhow!(e.summary()))?;
    tracing::info!(made, "demo reminders made");
    let counts = status_counts(&state).await?;
    say!("演示数据库：{}（{petitions} 件信访事项：{counts}）", dir.join("demo.db").display())?;
    print_logins()?;
    if no_serve {
        state.store.close().await;
        return Ok(());
    }
    server::run(state, addr, xinfang_app::anchor::anchor_path(&dir.join("demo.key")), |local| {
        // A closed stdout does not stop the server: the log has the address.
        let _ = say!("\nxinfang 演示已启动：http://{local}/  （API 文档：http://{local}/api/openapi.json）")
            .and_then(|()| say!("API 示例：curl -s -X POST http://{local}/api/v1/session -H 'content-type: application/json' -d '{{\"username\":\"handler\",\"password\":\"{DEMO_PASSWORD}\"}}'"))
            .and_then(|()| say!("按 Ctrl-C 停止。"));
    })
    .await
}

async fn status_counts(st: &AppState) -> anyhow::Result<String> {
    let counts = st.store.status_counts().await?;
    let label = |s: &str| xinfang_domain::petition::PetitionStatus::parse(s).map(|s| s.label()).unwrap_or("?");
    Ok(counts.iter().map(|(s, n)| format!("{} {n}", label(s))).collect::<Vec<_>>().join("，"))
}

fn print_logins() -> anyhow::Result<()> {
    say!("\n演示账号（密码均为 {DEMO_PASSWORD}）：")?;
    for (username, display, role, unit) in USERS {
        let unit_name = UNITS.iter().find(|u| u.0 == *unit).map(|u| u.1).unwrap_or(unit);
        say!("  {username:<14} {:<6} {unit_name}  {display}", role.label())?;
    }
    Ok(())
}
