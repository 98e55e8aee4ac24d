//! The administration commands: migrate, unit, user, calendar, deadline,
//! audit. Each prints what it did in Chinese and fails with a clear message.

use crate::out::say;
use anyhow::{Context, bail};
use clap::Subcommand;
use std::io::BufRead;
use std::path::PathBuf;
use xinfang_domain::Calendar;
use xinfang_domain::calendar::CalendarFile;
use xinfang_domain::clock::PeriodUnit;
use xinfang_domain::clock::{Period, count};
use xinfang_domain::petition::RuleSet;
use xinfang_store::Store;

#[derive(Subcommand)]
pub enum UnitCommand {
    /// Add a unit.
    Add {
        /// Unit code (letters, digits, - and _).
        #[arg(long)]
        code: String,
        /// Unit name.
        #[arg(long)]
        name: String,
        /// petition_office | body | township | village
        #[arg(long)]
        kind: String,
        /// Code of the unit above it.
        #[arg(long)]
        parent: Option<String>,
    },
    /// Change a unit: its name, kind or parent, or stop (停用) or restart it.
    /// What is not given stays as it is.
    Update {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        /// Code of the unit to move it under.
        #[arg(long)]
        parent: Option<String>,
        /// Stop the unit: it keeps its history but receives nothing new.
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        #[arg(long)]
        enable: bool,
    },
    /// List the units as a tree.
    List,
}

impl UnitCommand {
    /// Whether the command writes (and so needs the key the audit log is signed with).
    pub fn writes(&self) -> bool {
        !matches!(self, Self::List)
    }
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// admin | intake | handler | leader | supervisor | auditor
        #[arg(long)]
        role: String,
        /// Code of the user's unit.
        #[arg(long)]
        unit: String,
        /// Display name (defaults to the user name).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Change a user: name, role, unit, stop or restart the account, or set
    /// a new password (read from standard input). What is not given stays
    /// as it is. Stopping the account or a new password ends its sessions.
    Update {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        unit: Option<String>,
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        #[arg(long)]
        enable: bool,
        /// Read a new password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
}

impl UserCommand {
    /// Whether the command writes (and so needs the key the audit log is signed with).
    pub fn writes(&self) -> bool {
        !matches!(self, Self::List)
    }
}

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// Load a year (or years) of holidays and make-up working days from a
    /// JSON file (format: docs/calendar.md) and recompute open deadlines.
    Import { file: PathBuf },
    /// Show the loaded years, or one year's days.
    Show {
        #[arg(long)]
        year: Option<i32>,
    },
}

impl CalendarCommand {
    /// Whether the command writes (and so needs the key the audit log is signed with).
    pub fn writes(&self) -> bool {
        matches!(self, Self::Import { .. })
    }
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check that the audit log's hash chain is intact and holds every
    /// checkpoint kept beside the key file.
    Verify {
        /// Also check every petition against the seals the chain holds
        /// for it, and its stored status and state against a replay of
        /// its events (reads the whole ledger).
        #[arg(long)]
        deep: bool,
    },
}

/// An API error as a message for the terminal: each field's message.
fn explain(e: xinfang_app::Error) -> anyhow::Error {
    anyhow::anyhow!(e.summary())
}

pub async fn migrate(store: &Store) -> anyhow::Result<()> {
    let applied = store.migrate().await?;
    let indexed = crate::server::backfill_search(store).await?;
    if indexed > 0 {
        say!("已为 {indexed} 件信访事项建立检索索引")?;
    }
    if applied.is_empty() {
        say!("数据库已是最新结构（{}）", store.backend_name())?;
    } else {
        say!("已应用迁移：{}", applied.join(", "))?;
    }
    Ok(())
}

pub async fn unit(store: &Store, command: UnitCommand) -> anyhow::Result<()> {
    match command {
        UnitCommand::Add { code, name, kind, parent } => {
            let unit = xinfang_app::org::add_unit(store, None, &code, &name, &kind, parent.as_deref())
                .await
                .map_err(explain)?;
            say!("已添加单位 {} {}（{}）", unit.code, unit.name, unit.kind.label())?;
        }
        UnitCommand::Update { code, name, kind, parent, disable, enable } => {
            let Some(old) = store.unit_by_code(&code).await? else { bail!("单位 {code} 不存在") };
            let disabled = if disable {
                true
            } else if enable {
                false
            } else {
                old.disabled
            };
            let unit = xinfang_app::org::update_unit(
                store,
                None,
                &code,
                name.as_deref().unwrap_or(&old.name),
                kind.as_deref().unwrap_or(old.kind.as_str()),
                parent.as_deref(),
                disabled,
            )
            .await
            .map_err(explain)?;
            let state = if unit.disabled { "，已停用" } else { "" };
            say!("已修改单位 {} {}（{}）{state}", unit.code, unit.name, unit.kind.label())?;
        }
        UnitCommand::List => {
            let units = store.units().await?;
            if units.is_empty() {
                say!("尚无单位。用 xinfang unit add 添加。")?;
            }
            for u in units {
                let state = if u.disabled { "  （已停用）" } else { "" };
                say!("{}{}  {}  [{}]{state}", "  ".repeat(u.depth()), u.code, u.name, u.kind.label())?;
            }
        }
    }
    Ok(())
}

pub async fn user(store: &Store, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { username, role, unit, name, password_stdin: _ } => {
            let password = read_password()?;
            let user = xinfang_app::org::add_user(
                store,
                None,
                &username,
                name.as_deref().unwrap_or(""),
                &role,
                &unit,
                &password,
            )
            .await
            .map_err(explain)?;
            say!("已添加用户 {}（{}，{}）", user.username, user.role.label(), user.unit.name)?;
        }
        UserCommand::Update { username, name, role, unit, disable, enable, password_stdin } => {
            let Some((old, _)) = store.user_for_login(&username).await? else { bail!("用户 {username} 不存在") };
            let password = if password_stdin { read_password()? } else { String::new() };
            if password_stdin && password.is_empty() {
                bail!("标准输入中没有新密码");
            }
            let edit = xinfang_app::org::UserEdit {
                display_name: name.as_deref().unwrap_or(&old.display_name),
                role: role.as_deref().unwrap_or(old.role.as_str()),
                unit: unit.as_deref().unwrap_or(&old.unit.code),
                disabled: if disable {
                    true
                } else if enable {
                    false
                } else {
                    old.disabled
                },
                new_password: &password,
            };
            let user = xinfang_app::org::update_user(store, None, &username, edit).await.map_err(explain)?;
            let state = if user.disabled { "，已停用" } else { "" };
            say!("已修改用户 {}（{}，{}）{state}", user.username, user.role.label(), user.unit.name)?;
        }
        UserCommand::List => {
            for u in store.users().await? {
                let state = if u.disabled { "  （已停用）" } else { "" };
                say!("{}  {}  {}  {}{state}", u.username, u.display_name, u.role.label(), u.unit.name)?;
            }
        }
    }
    Ok(())
}

/// The first line of standard input, without its line end.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("无法从标准输入读取密码")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

pub async fn calendar(store: &Store, command: CalendarCommand) -> anyhow::Result<()> {
    match command {
        CalendarCommand::Import { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let parsed = CalendarFile::parse_any(&text).map_err(|e| anyhow::anyhow!(e))?;
            let years: Vec<(i32, Vec<_>)> = parsed.special_days().into_iter().collect();
            let source =
                if parsed.source.trim().is_empty() { file.display().to_string() } else { parsed.source.clone() };
            store.replace_calendar_years(&years, &source, None).await?;
            for (year, days) in &years {
                let holidays = days.iter().filter(|d| d.holiday.is_some()).count();
                say!("已导入 {year} 年：节假日 {holidays} 天，调休上班日 {} 天", days.len() - holidays)?;
            }
            let n = crate::server::recompute_deadlines(store, "重新计算期限").await?;
            say!("已按新日历重新计算 {n} 件未办结事项的期限")?;
        }
        CalendarCommand::Show { year } => {
            let cal = store.load_calendar().await?;
            let (years, _) = store.calendar().await?;
            match year {
                None if years.is_empty() => say!("尚未载入日历：服务首次启动（或首次修改单位、用户）时载入内置日历")?,
                None => {
                    for xinfang_store::CalendarYear { year: y, source } in years {
                        say!("{y}  {source}")?;
                    }
                }
                Some(y) if !cal.has_year(y) => say!("{y} 年的节假日安排尚未导入：按周一至周五推算，期限标为临时")?,
                Some(y) => {
                    for d in cal.year_days(y) {
                        let kind = d.holiday.map(|h| format!("{h}（放假）")).unwrap_or_else(|| "调休上班".into());
                        say!(
                            "{}  {}  {kind}",
                            d.day,
                            xinfang_domain::calendar::weekday_zh(chrono::Datelike::weekday(&d.day))
                        )?;
                    }
                }
            }
        }
    }
    Ok(())
}

pub async fn deadline(
    from: chrono::NaiveDate,
    days: u32,
    working: bool,
    database_url: Option<&str>,
) -> anyhow::Result<()> {
    if days == 0 || days > 3650 {
        bail!("天数应为 1 至 3650");
    }
    let cal = match database_url {
        Some(url) => {
            let store = Store::open_existing(url).await.context("无法打开数据库")?;
            let stored = store.calendar().await.map(|(years, _)| !years.is_empty());
            let cal = store.load_calendar().await;
            store.close().await;
            // A database never started holds no calendar yet: the built-in
            // one is what it will be given.
            if stored? { cal? } else { Calendar::builtin() }
        }
        None => Calendar::builtin(),
    };
    let rules = RuleSet::national_2022();
    let unit = if working { PeriodUnit::WorkingDays } else { PeriodUnit::CalendarDays };
    let c = count(&cal, from, Period { days, unit }, 0, rules.roll_forward_to_working_day);
    say!("{}", c.due)?;
    say!("{}", c.explanation)?;
    Ok(())
}

/// Lists the petitions whose stored record cannot be read.
pub async fn check(store: &Store) -> anyhow::Result<()> {
    let mut progress = crate::progress::Progress::new("检查信访事项记录", None);
    let bad = xinfang_app::petitions::check::unreadable_petitions(store, &mut |n| progress.update(n as u64))
        .await
        .map_err(|e| anyhow::anyhow!(e.summary()))?;
    progress.finish();
    for b in &bad {
        say!("{}\t{}", b.case_no, b.problem)?;
    }
    if !bad.is_empty() {
        bail!(
            "{} 件信访事项的记录无法读取（见上）：它们不出现在台账和检索中，期限不再重算；请据备份或审计日志核对后修复",
            bad.len()
        );
    }
    say!("所有信访事项的记录均可读取")?;
    Ok(())
}

/// `audit verify --deep`: every petition against its seals and a replay.
async fn deep_check(store: &Store) -> anyhow::Result<()> {
    let mut progress = crate::progress::Progress::new("逐件核对登记内容、办理记录与审计日志", None);
    let report = xinfang_app::petitions::check::deep_check(store, &RuleSet::national_2022(), &mut |n| {
        progress.update(n as u64);
    })
    .await
    .map_err(|e| anyhow::anyhow!(e.summary()))?;
    progress.finish();
    for m in &report.mismatches {
        say!("{}\t{}", m.case_no, m.problem)?;
    }
    if report.unsealed > 0 {
        eprintln!("注意：{} 件事项登记于封存摘要启用之前，只按办理记录重演核对了状态，未核对登记内容", report.unsealed);
    }
    if !report.mismatches.is_empty() {
        bail!("{} 件信访事项与审计日志或办理记录不符（见上）：数据库中的记录可能被直接改动", report.mismatches.len());
    }
    say!("逐件核对完毕：{} 件信访事项的登记内容、办理记录和状态均与审计日志一致", report.checked)?;
    Ok(())
}

pub async fn audit(store: &Store, key: &crate::KeyOpts, command: AuditCommand) -> anyhow::Result<()> {
    use xinfang_app::anchor::{self, AnchorCheck};
    match command {
        AuditCommand::Verify { deep } => {
            use xinfang_store::audit::ChainBreak;
            // The key is read, never created: verifying must not make one.
            let keys = crate::server::reading_keys(store, key).await?;
            let chain = match store.verify_audit().await? {
                Ok(ok) => ok,
                Err(ChainBreak::At(seq)) => bail!("审计日志在第 {seq} 条处断开：记录被修改、删除或插入"),
                Err(ChainBreak::Unkeyed(seq)) => {
                    bail!("审计日志第 {seq} 条没有密钥签名，而它之前的记录有：日志被不持有密钥者改写")
                }
                Err(ChainBreak::NeedsKey(seq)) => bail!(
                    "审计日志自第 {seq} 条起由密钥签名，核验需要密钥：找不到密钥文件 {}（或 XINFANG_KEY）",
                    key.key_file.display()
                ),
            };
            let n = chain.lines;
            let passed = if chain.keyed_from.is_some() {
                "哈希链与密钥签名校验通过"
            } else {
                "哈希链校验通过"
            };
            match chain.keyed_from {
                Some(1) => {}
                Some(from) => eprintln!("注意：第 1 至 {} 条写于密钥签名启用之前，只有哈希链，没有密钥签名", from - 1),
                None if n > 0 => eprintln!(
                    "注意：审计日志没有密钥签名（写于密钥签名启用之前，或整条链被不持有密钥者重算）：请以锚点文件核对"
                ),
                None => {}
            }
            let path = anchor::anchor_path(&key.key_file);
            let checked = match &keys {
                Some(k) => anchor::check(store, k, &path).await.map_err(|e| anyhow::anyhow!(e.summary()))?,
                None => AnchorCheck::NoFile,
            };
            match checked {
                AnchorCheck::Held { checkpoints, seq } => {
                    say!("审计日志完整：共 {n} 条，{passed}；与 {checkpoints} 个锚点（最新至第 {seq} 条）一致")?
                }
                AnchorCheck::NoFile => {
                    say!("审计日志共 {n} 条，{passed}")?;
                    eprintln!(
                        "注意：没有找到锚点文件 {}（或密钥），无法发现末尾被删除、日志被清空或整条链被重写",
                        path.display()
                    );
                }
                AnchorCheck::Broken(why) => bail!("审计日志与锚点不符：{why}"),
            }
            if deep {
                deep_check(store).await?;
            }
        }
    }
    Ok(())
}
