//! `xinfang`: the one binary. `serve` runs the server, `demo` runs it on a
//! fresh demo county, the rest set up and look after a deployment.
//! Every flag has an `XINFANG_*` environment override (see docs/configuration.md).

mod admin;
mod backup;
mod bench;
mod demo;
mod notify;
mod out;
mod progress;
mod rotate;
mod server;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use xinfang_store::Store;

#[derive(Parser)]
#[command(name = "xinfang", version, about = "信访事项登记、办理、答复与跟踪系统")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data is. (No Debug: the URL may hold a password.)
#[derive(Args, Clone)]
pub struct DbOpts {
    /// Database: sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, env = "XINFANG_DATABASE_URL", default_value = "sqlite://xinfang.db", hide_env_values = true)]
    pub database_url: String,
}

/// The key that encrypts ID and phone numbers and signs the audit log.
#[derive(Args, Clone, Debug)]
pub struct KeyOpts {
    /// File holding the 32-byte key as 64 hex characters; created (mode 0600)
    /// on first start of a new database. XINFANG_KEY, if set, takes precedence.
    #[arg(long, env = "XINFANG_KEY_FILE", default_value = "xinfang.key")]
    pub key_file: PathBuf,
}

/// How users reach the server.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct NetOpts {
    /// A reverse proxy (address or network, e.g. 10.0.0.5 or 10.0.0.0/8)
    /// whose X-Forwarded-For names the client; repeat or separate with
    /// commas. Without it the connecting address is the client's.
    #[arg(long = "trusted-proxy", env = "XINFANG_TRUSTED_PROXY", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
    /// The address users reach the site at (e.g. https://xf.example.gov.cn);
    /// https makes cookies Secure and sends Strict-Transport-Security.
    #[arg(long, env = "XINFANG_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest file staff may attach, in MB.
    #[arg(long, env = "XINFANG_ATTACHMENT_FILE_MB", default_value_t = 20)]
    pub attachment_file_mb: u64,
    /// Most a record may hold in attachments, in MB.
    #[arg(long, env = "XINFANG_ATTACHMENT_RECORD_MB", default_value_t = 200)]
    pub attachment_record_mb: u64,
    /// Largest file a citizen may attach on the portal, in MB.
    #[arg(long, env = "XINFANG_PORTAL_FILE_MB", default_value_t = 5)]
    pub portal_file_mb: u64,
    /// Most a citizen may attach to one online submission, in MB.
    #[arg(long, env = "XINFANG_PORTAL_RECORD_MB", default_value_t = 20)]
    pub portal_record_mb: u64,
    /// Keep attached files in this directory instead of the database (large
    /// deployments; back it up beside the database, docs/operations.md).
    #[arg(long, env = "XINFANG_ATTACHMENT_DIR")]
    pub attachment_dir: Option<PathBuf>,
    #[command(flatten)]
    pub notices: notify::NoticeOpts,
}

impl NetOpts {
    pub fn options(&self) -> anyhow::Result<xinfang_app::state::Options> {
        let mut trusted_proxies = Vec::new();
        for p in self.trusted_proxies.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            trusted_proxies
                .push(xinfang_app::throttle::ProxyNet::parse(p).map_err(|e| anyhow::anyhow!("--trusted-proxy：{e}"))?);
        }
        if let Some(u) = &self.public_url {
            let lower = u.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                anyhow::bail!("--public-url 应以 https:// 或 http:// 开头：{u}");
            }
        }
        use xinfang_domain::attachment::Limits;
        let mb = |name: &str, n: u64| -> anyhow::Result<u64> {
            if (1..=2048).contains(&n) {
                Ok(n << 20)
            } else {
                anyhow::bail!("--{name} 应为 1 至 2048（MB）：{n}")
            }
        };
        let staff = Limits {
            per_file: mb("attachment-file-mb", self.attachment_file_mb)?,
            per_record: mb("attachment-record-mb", self.attachment_record_mb)?,
            files: Limits::STAFF.files,
        };
        let portal = Limits {
            per_file: mb("portal-file-mb", self.portal_file_mb)?,
            per_record: mb("portal-record-mb", self.portal_record_mb)?,
            files: Limits::PORTAL.files,
        };
        Ok(xinfang_app::state::Options {
            trusted_proxies,
            public_url: self.public_url.clone(),
            attachments: xinfang_app::attachments::AttachmentLimits { staff, portal },
            attachment_dir: self.attachment_dir.clone(),
            notices: self.notices.config()?,
        })
    }
}

// Parsed once per run: the size of its largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        #[command(flatten)]
        db: DbOpts,
        #[command(flatten)]
        key: KeyOpts,
        /// Address to listen on.
        #[arg(long, env = "XINFANG_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        #[command(flatten)]
        net: NetOpts,
    },
    /// Run the server on a fresh demo database (a county, users for every
    /// role, petitions in every stage).
    Demo {
        #[arg(long, env = "XINFANG_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Folder for the demo database and key (emptied first).
        #[arg(long, default_value = "xinfang-demo")]
        dir: PathBuf,
        /// How many petitions to generate.
        #[arg(long, default_value_t = 2000)]
        petitions: usize,
        /// Seed of the generator (the same seed gives the same county).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Build the database, print the logins and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Create or update the database schema; on a new database, make the
    /// key (if there is none) and store the built-in calendar.
    Migrate {
        #[command(flatten)]
        db: DbOpts,
        #[command(flatten)]
        key: KeyOpts,
    },
    /// Units (单位).
    Unit {
        #[command(subcommand)]
        command: admin::UnitCommand,
        #[command(flatten)]
        db: DbOpts,
        #[command(flatten)]
        key: KeyOpts,
    },
    /// User accounts.
    User {
        #[command(subcommand)]
        command: admin::UserCommand,
        #[command(flatten)]
        db: DbOpts,
        #[command(flatten)]
        key: KeyOpts,
    },
    /// The holiday calendar.
    Calendar {
        #[command(subcommand)]
        command: admin::CalendarCommand,
        #[command(flatten)]
        db: DbOpts,
        #[command(flatten)]
        key: KeyOpts,
    },
    /// Compute a deadline: prints the due date (YYYY-MM-DD) on the first
    /// line and how it was counted after.
    Deadline {
        /// The start date (not counted), YYYY-MM-DD.
        #[arg(long, value_parser = parse_date)]
        from: chrono::NaiveDate,
        /// The number of days (1–3650).
        #[arg(long, value_parser = parse_days, allow_negative_numbers = true)]
        days: u32,
        /// Count working days instead of calendar days.
        #[arg(long)]
        working_days: bool,
        /// Read the calendar from this database instead of the built-in one.
        #[arg(long, env = "XINFANG_DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
    },
    /// Measure performance (docs/benchmarks.md).
    Bench(bench::BenchOpts),
    /// Check every stored record can be read: lists by case number the
    /// petitions a hand edit or damage has made unreadable (exit 1 if any).
    Check {
        #[command(flatten)]
        db: DbOpts,
    },
    /// Copy the database while the server runs (SQLite; PostgreSQL: pg_dump),
    /// checked after it is written. Keep the key file beside the copy.
    Backup {
        /// The file to write (must not exist).
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        db: DbOpts,
        #[command(flatten)]
        key: KeyOpts,
    },
    /// Put a backup into an empty place given by --database-url (a SQLite
    /// file that does not exist yet), after checking it, the key and the
    /// audit chain.
    Restore {
        /// The backup file written by `xinfang backup`.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        db: DbOpts,
        #[command(flatten)]
        key: KeyOpts,
    },
    /// The encryption key: `key rotate --new-key-file FILE` re-encrypts
    /// the ID and phone numbers under a new key (servers stopped).
    Key {
        #[command(subcommand)]
        command: rotate::KeyCommand,
        #[command(flatten)]
        db: DbOpts,
        #[command(flatten)]
        key: KeyOpts,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: admin::AuditCommand,
        #[command(flatten)]
        db: DbOpts,
        #[command(flatten)]
        key: KeyOpts,
    },
}

/// A date as the documentation writes it: YYYY-MM-DD, four-digit year in
/// 2000–2100 (a typo such as `0002-03-02` or `20260-03-02` would otherwise
/// give a deadline two thousand years off).
fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let date = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().filter(|_| shaped);
    match date {
        Some(d) if (2000..=2100).contains(&chrono::Datelike::year(&d)) => Ok(d),
        Some(_) => Err("年份应在 2000 至 2100 之间".to_string()),
        None => Err("日期格式应为 YYYY-MM-DD（如 2026-03-02），且须是存在的日期".to_string()),
    }
}

/// A day count: a whole number of days forward, 1–3650. A negative count
/// is explained rather than taken for an unknown option.
fn parse_days(s: &str) -> Result<u32, String> {
    match s.trim().parse::<i64>() {
        Ok(n) if n < 1 => Err(format!("天数应为 1 至 3650：期限从起算日向后计算，{n} 不是有效的天数")),
        Ok(n) if n > 3650 => Err("天数应为 1 至 3650".to_string()),
        Ok(n) => u32::try_from(n).map_err(|_| "天数应为 1 至 3650".to_string()),
        Err(_) => Err(format!("天数应为 1 至 3650 的整数，而不是 “{s}”")),
    }
}

/// Logging to stderr, filtered by `XINFANG_LOG` or else `default`.
fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("XINFANG_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { db, key, addr, net } => server::serve(&db, &key, addr, &net).await,
        Command::Demo { addr, dir, petitions, seed, no_serve } => {
            demo::run(addr, &dir, petitions, seed, no_serve).await
        }
        Command::Migrate { db, key } => {
            let store = Store::connect(&db.database_url).await.context("无法连接数据库")?;
            closing(&store, async {
                admin::migrate(&store).await?;
                server::load_keys(&store, &key).await.map(drop)
            })
            .await
        }
        Command::Unit { command, db, key } => {
            let store = server::open_store(&db, false).await?;
            closing(&store, async {
                if command.writes() {
                    server::load_keys(&store, &key).await?;
                }
                admin::unit(&store, command).await
            })
            .await
        }
        Command::User { command, db, key } => {
            let store = server::open_store(&db, false).await?;
            closing(&store, async {
                if command.writes() {
                    server::load_keys(&store, &key).await?;
                }
                admin::user(&store, command).await
            })
            .await
        }
        Command::Calendar { command, db, key } => {
            let store = server::open_store(&db, false).await?;
            closing(&store, async {
                if command.writes() {
                    server::load_keys(&store, &key).await?;
                }
                admin::calendar(&store, command).await
            })
            .await
        }
        Command::Deadline { from, days, working_days, database_url } => {
            admin::deadline(from, days, working_days, database_url.as_deref()).await
        }
        Command::Audit { command, db, key } => {
            let store = server::open_store(&db, false).await?;
            closing(&store, admin::audit(&store, &key, command)).await
        }
        Command::Key { command, db, key } => rotate::run(command, &db, &key).await,
        Command::Check { db } => {
            let store = server::open_store(&db, false).await?;
            closing(&store, admin::check(&store)).await
        }
        Command::Bench(opts) => bench::run(opts).await,
        Command::Backup { to, db, key } => backup::backup(&db, &key, &to).await,
        Command::Restore { from, db, key } => backup::restore(&from, &db, &key).await,
    }
}

/// Runs an administration command, then closes the database whatever its
/// outcome, as a server's clean stop does: on SQLite the file alone is
/// then the whole database, its WAL emptied or removed.
async fn closing(store: &Store, work: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    let done = work.await;
    store.close().await;
    done
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // sqlx warns of every statement over a second. A bulk load's own index
    // builds, statistics and full-text optimize all are, and the load reports
    // their time itself: there those warnings would only read like trouble.
    let bulk = matches!(cli.command, Command::Demo { .. } | Command::Bench(_));
    init_tracing(if bulk { "info,sqlx=error" } else { "info,sqlx=warn" });
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if out::closed(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}
