//! TestApp: the real server on 127.0.0.1:0 over a fresh database (a SQLite
//! file, or a new PostgreSQL database when `XINFANG_TEST_PG_URL` is set),
//! with a small county and a user for every role, talked to over HTTP.

mod pages;

pub use pages::{Pages, field};

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use xinfang_app::crypto::Keys;
use xinfang_domain::{Role, UnitKind};
use xinfang_store::{NewUser, Store};
use xinfang_web::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const PASSWORD: &str = "Test-password-1";

/// (code, name, kind, parent)
const UNITS: &[(&str, &str, UnitKind, Option<&str>)] = &[
    ("C", "测试县信访局", UnitKind::PetitionOffice, None),
    ("C-ZJJ", "测试县住建局", UnitKind::Body, Some("C")),
    ("T1", "一号镇", UnitKind::Township, Some("C")),
    ("T1-V1", "一号村", UnitKind::Village, Some("T1")),
    ("T1-V2", "二号村", UnitKind::Village, Some("T1")),
    ("T2", "二号镇", UnitKind::Township, Some("C")),
    ("T2-V1", "三号村", UnitKind::Village, Some("T2")),
];

/// (username, role, unit)
pub const USERS: &[(&str, Role, &str)] = &[
    ("admin", Role::Admin, "C"),
    ("intake", Role::Intake, "C"),
    ("handler", Role::Handler, "C"),
    ("leader", Role::Leader, "C"),
    ("supervisor", Role::Supervisor, "C"),
    ("auditor", Role::Auditor, "C"),
    ("zjj", Role::Handler, "C-ZJJ"),
    ("t1", Role::Handler, "T1"),
    ("t1lead", Role::Leader, "T1"),
    ("v1", Role::Intake, "T1-V1"),
    ("v2", Role::Handler, "T1-V2"),
    ("t2v1", Role::Handler, "T2-V1"),
];

static SEQ: AtomicU32 = AtomicU32::new(0);

fn password_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| xinfang_app::auth::hash_password(PASSWORD).expect("hash"))
}

pub struct TestApp {
    pub base: String,
    /// The database URL this app uses.
    pub db_url: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub state: AppState,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    PgDatabase { name: String },
}

fn pg_admin_url() -> String {
    std::env::var("XINFANG_TEST_PG_URL").expect("XINFANG_TEST_PG_URL must be set for PostgreSQL tests")
}

/// The URL of database `name` on the server of `admin_url`.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let head = match base.rfind('/') {
        Some(i) if i > base.find("://").map_or(0, |s| s + 2) => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{head}/{name}?{q}"),
        None => format!("{head}/{name}"),
    }
}

async fn pg_admin() -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(&pg_admin_url()).await.expect("connect to XINFANG_TEST_PG_URL")
}

/// A test deployment being set up ([`TestApp::builder`]).
pub struct TestAppBuilder {
    backend: Backend,
    /// (code, name, kind, parent)
    units: Vec<(String, String, UnitKind, Option<String>)>,
    /// (username, role, unit)
    users: Vec<(String, Role, String)>,
    options: xinfang_app::state::Options,
}

impl TestAppBuilder {
    /// Adds a unit below `parent` (after the county's).
    pub fn unit(mut self, code: &str, name: &str, kind: UnitKind, parent: &str) -> Self {
        self.units.push((code.into(), name.into(), kind, Some(parent.into())));
        self
    }

    /// Adds a user (password [`PASSWORD`]) at the unit of `unit_code`.
    pub fn user(mut self, username: &str, role: Role, unit_code: &str) -> Self {
        self.users.push((username.into(), role, unit_code.into()));
        self
    }

    /// Serves as `--trusted-proxy` and `--public-url` would configure it.
    pub fn options(mut self, options: xinfang_app::state::Options) -> Self {
        self.options = options;
        self
    }

    /// Creates the database, the units and users, and starts the server.
    pub async fn start(self) -> TestApp {
        let n = SEQ.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let (url, cleanup) = match self.backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("xinfang-test-{pid}-{n}"));
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).expect("temp dir");
                (format!("sqlite://{}", dir.join("t.db").display()), Cleanup::Dir(dir))
            }
            Backend::Postgres => {
                let name = format!("xinfang_t_{pid}_{n}");
                let mut admin = pg_admin().await;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin).await.expect("drop");
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
                (with_database(&pg_admin_url(), &name), Cleanup::PgDatabase { name })
            }
        };
        let store = Store::open(&url).await.expect("open store");
        let keys = Keys::from_hex(&"42".repeat(32)).expect("key");
        AppState::use_key(&store, &keys).await.expect("key check");
        for (code, name, kind, parent) in &self.units {
            store.add_unit(code, name, *kind, parent.as_deref(), None).await.expect("unit");
        }
        for (username, role, unit) in &self.users {
            let unit = store.unit_by_code(unit).await.expect("unit").expect("unit exists");
            let u = NewUser {
                username: username.clone(),
                display_name: format!("测试{username}"),
                unit_id: unit.id,
                role: *role,
                password_hash: password_hash().into(),
            };
            store.add_user(&u, None).await.expect("user");
        }
        let state = AppState::with_options(store.clone(), keys, self.options).await.expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(xinfang_web::serve(listener, state.clone(), std::future::pending()));
        TestApp { base, db_url: url, client: reqwest::Client::new(), store, state, cleanup }
    }
}

impl TestApp {
    /// The test county of [`UNITS`] and [`USERS`] on a fresh database.
    pub async fn start(backend: Backend) -> TestApp {
        Self::builder(backend).start().await
    }

    /// A deployment to set up before it starts: the test county, and
    /// whatever units and users a test adds to it.
    pub fn builder(backend: Backend) -> TestAppBuilder {
        TestAppBuilder {
            backend,
            units: UNITS.iter().map(|(c, n, k, p)| (c.to_string(), n.to_string(), *k, p.map(String::from))).collect(),
            users: USERS.iter().map(|(u, r, c)| (u.to_string(), *r, c.to_string())).collect(),
            options: Default::default(),
        }
    }

    /// Drops the test database (PostgreSQL) or folder (SQLite).
    pub async fn finish(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::Dir(d) => {
                let _ = std::fs::remove_dir_all(d);
            }
            Cleanup::PgDatabase { name } => {
                let mut admin = pg_admin().await;
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
            }
        }
    }

    /// Runs `sql` on the database directly, behind the application's back
    /// (the store has no API to rewrite history or drop index rows).
    pub async fn raw_sql(&self, sql: &str) {
        self.try_raw_sql(sql).await.unwrap();
    }

    /// [`Self::raw_sql`], answering whether the database took it.
    pub async fn try_raw_sql(&self, sql: &str) -> Result<(), sqlx::Error> {
        match self.store.backend_name() {
            "sqlite" => {
                let path = self.db_path().expect("sqlite path");
                let mut c =
                    <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{path}")).await.unwrap();
                sqlx::query(sql).execute(&mut c).await.map(|_| ())
            }
            _ => {
                let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&self.db_url).await.unwrap();
                sqlx::query(sql).execute(&mut c).await.map(|_| ())
            }
        }
    }

    /// Runs `sql`, which returns one integer, on the database directly.
    pub async fn scalar_i64(&self, sql: &str) -> i64 {
        match self.store.backend_name() {
            "sqlite" => {
                let path = self.db_path().expect("sqlite path");
                let mut c =
                    <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{path}")).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
            _ => {
                let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&self.db_url).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
        }
    }

    /// The SQLite file, for tests that go behind the application's back.
    pub fn db_path(&self) -> Option<String> {
        self.db_url.strip_prefix("sqlite://").map(String::from)
    }

    pub async fn login(&self, username: &str) -> String {
        let (status, body) =
            self.post(None, "/api/v1/session", json!({ "username": username, "password": PASSWORD })).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["token"].as_str().expect("token").to_string()
    }

    async fn send(&self, req: reqwest::RequestBuilder, token: Option<&str>) -> (StatusCode, Value) {
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, body)
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        self.send(self.client.get(format!("{}{path}", self.base)), token).await
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.client.post(format!("{}{path}", self.base)).json(&body), token).await
    }

    pub async fn post_raw(
        &self,
        token: Option<&str>,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let req = self.client.post(format!("{}{path}", self.base)).header("content-type", content_type).body(body);
        self.send(req, token).await
    }

    /// A request with any method and a JSON body (`null`: none).
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let req = self.client.request(method, format!("{}{path}", self.base));
        let req = if body.is_null() { req } else { req.json(&body) };
        self.send(req, Some(token)).await
    }

    /// Registers a petition and returns its JSON.
    pub async fn register(&self, token: &str, body: Value) -> Value {
        let (status, v) = self.post(Some(token), "/api/v1/petitions", body).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v
    }

    /// Posts an event; asserts the status and returns the body.
    pub async fn event(&self, token: &str, id: i64, body: Value, expect: StatusCode) -> Value {
        let (status, v) = self.post(Some(token), &format!("/api/v1/petitions/{id}/events"), body).await;
        assert_eq!(status, expect, "{v}");
        v
    }
}

/// A registration body, with overrides merged in.
pub fn petition(unit: &str, received_on: &str, overrides: Value) -> Value {
    let mut v = json!({
        "channel": "letter",
        "received_on": received_on,
        "unit": unit,
        "class": "appeal",
        "petitioners": [{
            "name": "张三",
            "address": "测试县一号镇一号村3组12号",
            "phone": "13800138000",
            "id_number": "11010519491231002X"
        }],
        "subject": "拖欠工资",
        "request": "请求补发拖欠的工资",
        "facts": "在某工地务工三个月未领到工资",
        "reasons": "按劳取酬"
    });
    if let (Some(obj), Some(over)) = (v.as_object_mut(), overrides.as_object()) {
        for (k, val) in over {
            obj.insert(k.clone(), val.clone());
        }
    }
    v
}

/// The due date of `clock` in a petition's JSON.
pub fn due(p: &Value, clock: &str) -> Option<String> {
    p["deadlines"].as_array()?.iter().find(|d| d["clock"] == clock).and_then(|d| d["due"].as_str()).map(String::from)
}

/// Today in China Standard Time, as the server counts it.
pub fn today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive().to_string()
}
