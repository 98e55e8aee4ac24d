//! The authorization matrix: every route × every role at every unit level
//! (and no login at all), against petitions each user may or may not see.
//! The routes are read from the application itself — the API's from the
//! served OpenAPI document, the pages' from the routers' source — so a route
//! added tomorrow is in the matrix the day it is added, with no list here
//! to keep up to date. Only which user sees which petition is written down.

use crate::support::{Backend, Pages, TestApp, USERS, petition};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use serde_json::{Value, json};

/// A route: method, path template, whether it answers without login, and
/// whether it is a page (HTML, cookie session) rather than the API.
#[derive(Debug, Clone)]
struct Route {
    method: String,
    path: String,
    public: bool,
    page: bool,
}

/// The pages' routes, read from the `.route("…", get(…).post(…))` calls
/// in `src/`.
fn page_routes() -> Vec<Route> {
    let mut out = Vec::new();
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for call in text.split(".route(\"").skip(1) {
                let (route, rest) = call.split_once('"').unwrap();
                let handlers = rest.split(")\n").next().unwrap();
                for method in ["get", "post"] {
                    if handlers.contains(&format!("{method}(")) {
                        let public = ["/login", "/lang", "/static/", "/portal"].iter().any(|p| route.starts_with(p));
                        out.push(Route { method: method.into(), path: route.into(), public, page: true });
                    }
                }
            }
        }
    }
    out
}

/// The API's routes, from the document the server serves.
async fn api_routes(app: &TestApp) -> Vec<Route> {
    let (_, doc) = app.get(None, "/api/openapi.json").await;
    let mut out = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let public = op.get("security").is_none();
            out.push(Route { method: method.clone(), path: path.clone(), public, page: false });
        }
    }
    out
}

/// A petition of the fixture, and who may see it.
struct Fixture {
    id: i64,
    /// A file attached to it.
    attachment: i64,
    case_no: String,
    query_code: String,
    subject: &'static str,
    seen_by: &'static [&'static str],
}

const COUNTY: [&str; 6] = ["admin", "intake", "handler", "leader", "supervisor", "auditor"];

/// What would change if a refused write got through: counts and versions.
async fn snapshot(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for q in [
        "SELECT COUNT(*) FROM petitions",
        "SELECT COUNT(*) FROM events",
        "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM petitions",
        "SELECT COUNT(*) FROM petitions WHERE repeat_of IS NOT NULL",
        "SELECT COUNT(*) FROM units",
        "SELECT COUNT(*) FROM users",
        "SELECT COUNT(*) FROM calendar_days",
        "SELECT COUNT(*) FROM audit_log WHERE action = 'pii.reveal'",
        "SELECT COUNT(*) FROM attachments",
        "SELECT COUNT(*) FROM attachments WHERE withdrawn_at IS NOT NULL",
    ] {
        out.push(app.scalar_i64(q).await);
    }
    out
}

/// The body a write is sent with: one that would succeed for a user who
/// may make it (so a refusal is the rule's, not the input's).
fn api_body(path: &str, method: &str, other: i64) -> Option<Value> {
    match (method, path) {
        ("post", "/api/v1/petitions") => Some(petition("C", "2026-03-02", json!({}))),
        ("post", p) if p.ends_with("/events") => Some(json!({"type":"accept","on":"2026-03-03"})),
        ("put", p) if p.ends_with("/repeat-of") => Some(json!({ "of": other })),
        ("post" | "put", _) => Some(json!({})),
        _ => None,
    }
}

fn page_form(path: &str, other: i64) -> Vec<(String, String)> {
    let pairs: Vec<(&str, String)> = match path {
        "/petitions/new" => vec![
            ("channel", "letter".into()),
            ("received_on", "2026-03-02".into()),
            ("unit", "C".into()),
            ("class", "appeal".into()),
            ("name", "张三".into()),
            ("request", "请求补发工资".into()),
        ],
        "/petitions/{id}/events" => vec![("type", "accept".into()), ("on", "2026-03-03".into())],
        "/petitions/{id}/repeat-of" => vec![("of", other.to_string())],
        "/petitions/{id}/reveal" => vec![("seq", "0".into())],
        "/admin/units" => {
            vec![
                ("code", "MX".into()),
                ("name", "矩阵单位".into()),
                ("kind", "village".into()),
                ("parent", "T1".into()),
            ]
        }
        "/admin/units/{code}" => {
            vec![("name", "改名镇".into()), ("kind", "township".into()), ("parent", String::new())]
        }
        "/admin/users" => vec![
            ("username", "mx".into()),
            ("display_name", "矩阵".into()),
            ("role", "handler".into()),
            ("unit", "T1".into()),
            ("password", "Matrix-2026".into()),
        ],
        "/admin/users/{username}" => vec![
            ("display_name", "改名".into()),
            ("role", "handler".into()),
            ("unit", "T1-V1".into()),
            ("new_password", String::new()),
        ],
        "/admin/login-locks" => vec![("username", "admin".into())],
        "/admin/calendar" => {
            vec![("calendar", r#"{"years":{"2027":{"holidays":[{"name":"元旦","dates":["2027-01-01"]}]}}}"#.into())]
        }
        _ => Vec::new(),
    };
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Whether `user` may make this write (it would change data): such pairs
/// are left to the other tests, so that every write the matrix sends is
/// one that must be refused and the data can be compared at the end.
fn may_write(user: &str, route: &Route, visible: bool) -> bool {
    let worker =
        matches!(user, "admin" | "intake" | "handler" | "leader" | "zjj" | "t1" | "t1lead" | "v1" | "v2" | "t2v1");
    if route.path.starts_with("/admin") {
        return user == "admin";
    }
    worker && visible
}

pub async fn authorization_matrix(b: Backend) {
    let app = TestApp::start(b).await;
    let (intake, v1, handler) = (app.login("intake").await, app.login("v1").await, app.login("handler").await);
    let report = app
        .register(
            &intake,
            petition(
                "T1",
                "2026-03-02",
                json!({"class":"report","respondent_unit":"T1-V2","subject":"矩阵检举件","channel":"visit"}),
            ),
        )
        .await;
    let village =
        app.register(&v1, petition("T1-V1", "2026-03-02", json!({"subject":"矩阵村级件","channel":"visit"}))).await;
    let bureau =
        app.register(&handler, petition("C", "2026-03-02", json!({"subject":"矩阵局办件","channel":"visit"}))).await;
    let bureau_id = bureau["id"].as_i64().unwrap();
    app.event(&handler, bureau_id, json!({"type":"transfer","on":"2026-03-03","to":"C-ZJJ"}), StatusCode::CREATED)
        .await;
    let mut attachments = Vec::new();
    for (p, token) in [(&report, &intake), (&village, &v1), (&bureau, &handler)] {
        let (ct, body) = super::attachments::multipart(&[], &[("矩阵附件.pdf", b"%PDF-1.4\n%%EOF\n")]);
        let path = format!("/api/v1/petitions/{}/attachments", p["id"]);
        let (s, v) = app.post_raw(Some(token), &path, &ct, body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        attachments.push(v["items"][0]["id"].as_i64().unwrap());
    }
    let fixture = |p: &Value, attachment: i64, subject, seen_by| Fixture {
        id: p["id"].as_i64().unwrap(),
        attachment,
        case_no: p["case_no"].as_str().unwrap().to_string(),
        query_code: p["query_code"].as_str().unwrap().to_string(),
        subject,
        seen_by,
    };
    const REPORT: &[&str] = &["admin", "intake", "handler", "leader", "supervisor", "auditor", "t1", "t1lead"];
    const VILLAGE: &[&str] = &["admin", "intake", "handler", "leader", "supervisor", "auditor", "t1", "t1lead", "v1"];
    const BUREAU: &[&str] = &["admin", "intake", "handler", "leader", "supervisor", "auditor", "zjj"];
    let fixtures = [
        fixture(&report, attachments[0], "矩阵检举件", REPORT),
        fixture(&village, attachments[1], "矩阵村级件", VILLAGE),
        fixture(&bureau, attachments[2], "矩阵局办件", BUREAU),
    ];
    assert!(COUNTY.iter().all(|u| REPORT.contains(u) && VILLAGE.contains(u) && BUREAU.contains(u)));

    let mut routes = api_routes(&app).await;
    routes.extend(page_routes());
    assert!(routes.iter().filter(|r| r.page).count() >= 20 && routes.iter().filter(|r| !r.page).count() >= 20);
    // Logging out would end the session the matrix uses (the session tests cover it).
    routes.retain(|r| !(r.path == "/logout" || r.path == "/api/v1/session" || r.path == "/login"));
    let before = snapshot(&app).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut sent = 0;
    for user in std::iter::once(None).chain(USERS.iter().map(|(u, _, _)| Some(*u))) {
        let token = match user {
            Some(u) => Some(app.login(u).await),
            None => None,
        };
        let session = match user {
            Some(u) => {
                let mut pages = Pages::new(&app);
                let csrf = pages.login(u).await;
                Some((pages.cookie_header(), csrf))
            }
            None => None,
        };
        for route in &routes {
            let per_record = route.path.contains("{id}") || route.path.contains("{attachment}");
            let targets: Vec<Option<&Fixture>> =
                if per_record { fixtures.iter().map(Some).collect() } else { vec![None] };
            for target in targets {
                let name = user.unwrap_or("anonymous");
                let visible = target.is_none_or(|f| user.is_some_and(|u| f.seen_by.contains(&u)));
                let write = route.method != "get";
                if write && user.is_some_and(|u| may_write(u, route, visible)) {
                    continue;
                }
                let other = fixtures.iter().find(|f| target.is_none_or(|t| t.id != f.id)).map_or(1, |f| f.id);
                let path = route
                    .path
                    .replace("{id}", &target.map_or(1, |f| f.id).to_string())
                    .replace("{attachment}", &target.map_or(1, |f| f.attachment).to_string())
                    .replace("{seq}", "0")
                    .replace("{message}", "1")
                    .replace("{dispute}", "1")
                    .replace("{ownership}", "1")
                    .replace("{query_code}", target.map_or(fixtures[0].query_code.as_str(), |f| f.query_code.as_str()))
                    .replace("{code}", "T1")
                    .replace("{username}", "v1")
                    .replace("{file}", "visit_receipt.docx");
                let url = format!("{}{path}", app.base);
                let mut req = match route.method.as_str() {
                    "get" => http.get(&url),
                    "post" => http.post(&url),
                    "put" => http.put(&url),
                    "delete" => http.delete(&url),
                    m => panic!("method {m}"),
                };
                if route.page {
                    if let Some((cookie, csrf)) = &session {
                        req = req.header(COOKIE, cookie);
                        if write {
                            let mut form = page_form(&route.path, other);
                            form.push(("csrf".into(), csrf.clone()));
                            req = req.form(&form);
                        }
                    }
                } else {
                    if let Some(t) = &token {
                        req = req.bearer_auth(t);
                    }
                    if let Some(body) = api_body(&route.path, &route.method, other) {
                        req = req.json(&body);
                    }
                }
                let res = req.send().await.unwrap();
                sent += 1;
                let status = res.status();
                let location = res.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_string());
                let body = String::from_utf8_lossy(&res.bytes().await.unwrap()).to_string();
                let what = format!("{name}: {} {path}", route.method.to_uppercase());
                assert!(status.as_u16() < 500, "{what} → {status}: {body}");
                if user.is_none() && !route.public {
                    if route.page {
                        assert_eq!(status, StatusCode::SEE_OTHER, "{what}");
                        assert!(location.as_deref().is_some_and(|l| l.starts_with("/login")), "{what} → {location:?}");
                    } else {
                        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
                    }
                    continue;
                }
                if route.public {
                    continue;
                }
                // What the user may not see is nowhere in the answer, on any route.
                for f in fixtures.iter().filter(|f| !user.is_some_and(|u| f.seen_by.contains(&u))) {
                    assert!(!body.contains(&f.case_no) && !body.contains(f.subject), "{what} shows {}", f.case_no);
                }
                if let Some(f) = target {
                    if !visible {
                        assert_eq!(status, StatusCode::NOT_FOUND, "{what}: {} is not theirs to see", f.case_no);
                    } else if !write && route.method == "get" {
                        assert!(status.is_success(), "{what} → {status}: {body}");
                    }
                }
                if write {
                    assert!(!status.is_success(), "{what} → {status}: a write that must be refused went through");
                    assert!(
                        !(route.page && status == StatusCode::SEE_OTHER),
                        "{what} → redirected as after a successful form"
                    );
                }
            }
        }
    }
    eprintln!("matrix: {} routes, {sent} requests", routes.len());
    assert!(sent > 500, "{sent} requests");
    assert_eq!(snapshot(&app).await, before, "a refused write changed the data");
    app.finish().await;
}
