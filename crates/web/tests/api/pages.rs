//! The pages over plain HTTP: logging in with the form, CSRF, the
//! registration form's field errors (nothing stored), the event forms, the
//! portal's errors, escaping, and the security headers.

use crate::support::{Backend, PASSWORD, TestApp, petition};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

/// A browser-less page session: the cookies it was given.
struct Pages<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl<'a> Pages<'a> {
    fn new(app: &'a TestApp) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Pages { app, http, cookies: Vec::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all(SET_COOKIE) {
            let text = v.to_str().unwrap();
            let (kv, _) = text.split_once(';').unwrap_or((text, ""));
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String, Option<String>) {
        let res = self
            .http
            .get(format!("{}{path}", self.app.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&res);
        let loc = res.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_string());
        (res.status(), res.text().await.unwrap(), loc)
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let res = self
            .http
            .post(format!("{}{path}", self.app.base))
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(&res);
        let loc = res.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_string());
        (res.status(), res.text().await.unwrap(), loc)
    }

    async fn login(&mut self, user: &str) -> String {
        let (_, html, _) = self.get("/login").await;
        let csrf = field(&html, "csrf");
        let (s, _, loc) =
            self.post("/login", &[("csrf", &csrf), ("username", user), ("password", PASSWORD), ("next", "/")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(loc.as_deref(), Some("/"));
        let (_, html, _) = self.get("/").await;
        field(&html, "csrf")
    }
}

/// The value of the first hidden input `name` in a page.
fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in page")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub async fn pages_forms_errors_and_headers(b: Backend) {
    let app = TestApp::start(b).await;
    let mut p = Pages::new(&app);

    // Without a session, pages send the user to the login page.
    let (s, _, loc) = p.get("/petitions").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/login?next=%2Fpetitions"));
    // A login form without its token is refused; a wrong password says so.
    let (s, html, _) = p.post("/login", &[("csrf", "x"), ("username", "intake"), ("password", PASSWORD)]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(html.contains("登录表单已过期"));
    let (_, html, _) = p.get("/login").await;
    let csrf = field(&html, "csrf");
    let (s, html, _) = p.post("/login", &[("csrf", &csrf), ("username", "intake"), ("password", "wrong-one")]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(html.contains("用户名或密码错误"));
    // After login the pages open; every response carries the security headers.
    let csrf = p.login("intake").await;
    let res = p.http.get(format!("{}/", app.base)).header(COOKIE, p.cookie_header()).send().await.unwrap();
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(res.headers()["x-frame-options"], "DENY");

    // The registration form: every bad field comes back with its message, what
    // was typed is kept, and nothing is stored.
    let long = "长".repeat(5001);
    let bad: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("channel", "visit"),
        ("received_on", "2026-02-30"),
        ("unit", "C"),
        ("class", "appeal"),
        ("request", &long),
        ("subject", "<script>alert(1)</script>"),
        ("p0_name", ""),
        ("p0_phone", "12345"),
        ("p0_id_number", "110105194912310021"),
        ("p1_name", "李二"),
    ];
    let (s, html, _) = p.post("/petitions/new", &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in [
        "日期格式应为 YYYY-MM-DD",
        "不得超过 5000 字",
        "信访人姓名（名称）不能为空",
        "电话号码格式不正确",
        "校验位不正确",
    ] {
        assert!(html.contains(msg), "missing error {msg}");
    }
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;") && !html.contains("<script>alert(1)"),
        "escaped and kept"
    );
    assert!(html.contains("value=\"李二\""), "what was typed is kept");
    let token = app.login("intake").await;
    let (_, list) = app.get(Some(&token), "/api/v1/petitions").await;
    assert!(list["items"].as_array().unwrap().is_empty(), "nothing stored");
    // More than 5 representatives (Art. 20).
    let mut six: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("channel".into(), "visit".into()),
        ("received_on".into(), "2026-03-02".into()),
        ("unit".into(), "C".into()),
        ("class".into(), "appeal".into()),
        ("request".into(), "请求".into()),
        ("persons".into(), "40".into()),
    ];
    for i in 0..5 {
        six.push((format!("p{i}_name"), format!("代表{i}")));
        six.push((format!("p{i}_rep"), "1".into()));
    }
    let six_refs: Vec<(&str, &str)> = six.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (s, _, loc) = p.post("/petitions/new", &six_refs).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "five representatives are allowed");
    let id: i64 = loc.unwrap().split("/petitions/").nth(1).unwrap().split('?').next().unwrap().parse().unwrap();

    // A form without the token changes nothing.
    let (s, _, _) = p.post(&format!("/petitions/{id}/events"), &[("type", "accept"), ("on", "2026-03-03")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A step the law does not allow is explained on the page, not stored.
    let (s, html, _) = p
        .post(
            &format!("/petitions/{id}/events"),
            &[("csrf", &csrf), ("type", "opinion"), ("on", "2026-03-03"), ("decision", "support"), ("basis", "x")],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("第三十二条"));
    let (s, html, _) =
        p.post(&format!("/petitions/{id}/events"), &[("csrf", &csrf), ("type", "accept"), ("on", "2026-13-03")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("输入有误"));
    let (s, _, loc) =
        p.post(&format!("/petitions/{id}/events"), &[("csrf", &csrf), ("type", "accept"), ("on", "2026-03-03")]).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some(format!("/petitions/{id}?notice=accept").as_str())));
    let (s, html, _) = p
        .post(
            &format!("/petitions/{id}/events"),
            &[
                ("csrf", &csrf),
                ("type", "extend"),
                ("on", "2026-03-04"),
                ("days", "45"),
                ("approver", "局长"),
                ("reason", "复杂"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("第三十四条"));
    let (_, full) = app.get(Some(&token), &format!("/api/v1/petitions/{id}")).await;
    assert_eq!(full["events"].as_array().unwrap().len(), 2, "only the accepted step is stored");

    // The ledger, the petition page, the print view, the admin page all render.
    for path in ["/petitions?status=accepted", &format!("/petitions/{id}"), &format!("/petitions/{id}/print")] {
        let (s, html, _) = p.get(path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert!(html.contains("代表0"), "{path} shows the case");
    }
    for path in ["/", "/admin/calendar"] {
        assert_eq!(p.get(path).await.0, StatusCode::OK, "{path}");
    }
    let (s, html, _) = p.get("/petitions?received_from=2026-02-30").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("日期格式"));

    // Logging out ends the session.
    let (s, _, loc) = p.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/login")));
    let (s, _, _) = p.get("/").await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // The portal: errors next to the fields, nothing stored; a wrong look-up is the same 404 page.
    let mut q = Pages::new(&app);
    let (_, html, _) = q.get("/portal/submit").await;
    let token_p = field(&html, "csrf");
    let (s, html, _) = q
        .post(
            "/portal/submit",
            &[("csrf", &token_p), ("name", ""), ("phone", "abc"), ("unit", "C"), ("class", "appeal"), ("request", "")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("不能为空") && html.contains("电话号码格式不正确"));
    let (s, html, _) = q.get("/portal/lookup?code=ABCDEFGHJKMN&phone_last4=1234").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("未找到与查询码和电话后四位相符的信访事项"));
    let (_, list) = app.get(Some(&token), "/api/v1/petitions").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    app.finish().await;
}

/// An administrator imports a year's holidays from the page: a bad file is
/// refused whole, a good one is stored and every open case's deadlines are
/// recomputed before the answer (the import's mark taken away).
pub async fn admin_imports_a_calendar_from_the_page(b: Backend) {
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let p = app.register(&handler, crate::support::petition("C", "2026-11-20", json!({}))).await;
    let id = p["id"].as_i64().unwrap();
    app.event(&handler, id, json!({"type":"accept","on":"2026-11-25"}), StatusCode::CREATED).await;
    let mut pages = Pages::new(&app);
    let csrf = pages.login("admin").await;
    let bad = r#"{"years":{"2027":{"holidays":[],"make_up_workdays":["2027-01-06"]}}}"#;
    let (s, html, _) = pages.post("/admin/calendar", &[("csrf", &csrf), ("calendar", bad)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("不是周六或周日"), "{html}");
    assert_eq!(app.store.stale_deadlines().await.unwrap(), None, "a refused file changes nothing");
    // 60 days from 11/25 end on Sunday 2027-01-24; Monday the 25th made a holiday.
    let good = r#"{"source":"测试通知","years":{"2027":{"holidays":[{"name":"测试假日","dates":["2027-01-25"]}],"make_up_workdays":[]}}}"#;
    let (s, _, loc) = pages.post("/admin/calendar", &[("csrf", &csrf), ("calendar", good)]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let loc = loc.expect("redirect");
    assert!(loc.starts_with("/admin/calendar?notice=") && loc != "/admin/calendar?notice=0", "{loc}");
    let (_, html, _) = pages.get(&loc).await;
    assert!(html.contains("已导入并重新计算了"), "{html}");
    assert_eq!(app.store.stale_deadlines().await.unwrap(), None, "the recompute finished");
    let (_, p) = app.get(Some(&handler), &format!("/api/v1/petitions/{id}")).await;
    assert!(
        p["deadlines"].as_array().unwrap().iter().any(|d| d["clock"] == "handle" && d["due"] == "2027-01-26"),
        "{p}"
    );
    app.finish().await;
}

pub async fn admin_adds_units_and_users_from_the_page(b: Backend) {
    let app = TestApp::start(b).await;
    let mut p = Pages::new(&app);
    let csrf = p.login("admin").await;
    let (s, html, _) = p
        .post(
            "/admin/units",
            &[("csrf", &csrf), ("code", "T1-V3"), ("name", "三号村"), ("kind", "village"), ("parent", "T1")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("已添加单位 三号村"));
    let (s, html, _) = p
        .post(
            "/admin/units",
            &[("csrf", &csrf), ("code", "bad code"), ("name", ""), ("kind", "hamlet"), ("parent", "T1")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("单位代码应为") && html.contains("单位名称不能为空") && html.contains("单位类型应为"));
    let (s, html, _) = p
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "v3"),
                ("display_name", "三号村登记员"),
                ("role", "intake"),
                ("unit", "T1-V3"),
                ("password", "weak"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("密码至少"));
    let (s, html, _) = p
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "v3"),
                ("display_name", "三号村登记员"),
                ("role", "intake"),
                ("unit", "T1-V3"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    // The new clerk can log in and registers for the new village at once.
    let t = app.login("v3").await;
    app.register(&t, crate::support::petition("T1-V3", "2026-03-02", serde_json::json!({}))).await;
    // Only an administrator adds, and only below their own unit.
    let mut q = Pages::new(&app);
    let csrf = q.login("handler").await;
    let (s, _, _) = q
        .post(
            "/admin/units",
            &[("csrf", &csrf), ("code", "X9"), ("name", "某村"), ("kind", "village"), ("parent", "T1")],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.finish().await;
}

/// Changing units and users from the administration pages: renaming,
/// moving a village to another township (jurisdiction follows at once),
/// stopping a unit (refused while it still works, then it receives nothing
/// new), stopping an account (its sessions end), a new password, and the
/// guards against an administrator locking themselves out.
pub async fn admin_edits_and_stops_units_and_users(b: Backend) {
    let app = TestApp::start(b).await;
    let mut p = Pages::new(&app);
    let csrf = p.login("admin").await;
    let (s, html, _) = p.get("/admin/units/T1-V2").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("value=\"二号村\"") && html.contains("name=\"disabled\""), "{html}");

    // A petition received by 二号村, seen by 一号镇 above it.
    let v2 = app.login("v2").await;
    let reg = app.register(&v2, petition("T1-V2", "2026-03-02", json!({"subject":"村道损坏"}))).await;
    let id = reg["id"].as_i64().unwrap();
    let t1 = app.login("t1").await;
    assert_eq!(app.get(Some(&t1), &format!("/api/v1/petitions/{id}")).await.0, StatusCode::OK);

    // Rename and move 二号村 under 二号镇: 一号镇 no longer sees its case.
    let form = [("csrf", csrf.as_str()), ("name", "二号村（新）"), ("kind", "village"), ("parent", "T2")];
    let (s, html, _) = p.post("/admin/units/T1-V2", &form).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("已修改单位 二号村（新）"));
    assert_eq!(app.get(Some(&t1), &format!("/api/v1/petitions/{id}")).await.0, StatusCode::NOT_FOUND);
    let (_, units) = app.get(Some(&v2), "/api/v1/units").await;
    let moved = units["items"].as_array().unwrap().iter().find(|u| u["code"] == "T1-V2").unwrap().clone();
    assert_eq!(moved["parent"], "T2");
    assert_eq!(moved["name"], "二号村（新）");
    // Moving a township moves its villages with it: 一号镇 under 二号镇, and
    // 一号村 below it is one level deeper, still in 一号镇's jurisdiction.
    let v1 = app.login("v1").await;
    let in_v1 = app.register(&v1, petition("T1-V1", "2026-03-02", json!({}))).await["id"].as_i64().unwrap();
    let form = [("csrf", csrf.as_str()), ("name", "一号镇"), ("kind", "township"), ("parent", "T2")];
    assert_eq!(p.post("/admin/units/T1", &form).await.0, StatusCode::OK);
    let (_, units) = app.get(Some(&v1), "/api/v1/units").await;
    let depth =
        |code: &str| units["items"].as_array().unwrap().iter().find(|u| u["code"] == code).unwrap()["depth"].clone();
    assert_eq!((depth("T1"), depth("T1-V1")), (json!(2), json!(3)));
    assert_eq!(app.get(Some(&t1), &format!("/api/v1/petitions/{in_v1}")).await.0, StatusCode::OK);
    let form = [("csrf", csrf.as_str()), ("name", "一号镇"), ("kind", "township"), ("parent", "C")];
    assert_eq!(p.post("/admin/units/T1", &form).await.0, StatusCode::OK);
    // A unit cannot move below itself.
    let form = [("csrf", csrf.as_str()), ("name", "二号镇"), ("kind", "township"), ("parent", "T1-V2")];
    let (s, html, _) = p.post("/admin/units/T2", &form).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("不能把二号镇移到它自己或它的下级单位之下") && html.contains("value=\"二号镇\""));

    // Stopping it is refused while it has an open case and an active user.
    let stop = [("csrf", csrf.as_str()), ("name", "二号村（新）"), ("kind", "village"), ("disabled", "1")];
    let (s, html, _) = p.post("/admin/units/T1-V2", &stop).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("还有 1 件未办结的信访事项、1 个启用的用户"), "{html}");
    assert!(html.contains("checked"), "the form keeps what was chosen");
    // Hand the case to 三号村 and stop the account of 二号村's clerk: the
    // clerk's session ends at once.
    app.event(&v2, id, json!({"type":"transfer","on":"2026-03-03","to":"T2-V1"}), StatusCode::CREATED).await;
    let (s, html, _) = p.get("/admin/users/v2").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("value=\"测试v2\""));
    let off = [
        ("csrf", csrf.as_str()),
        ("display_name", "测试v2"),
        ("role", "handler"),
        ("unit", "T1-V2"),
        ("disabled", "1"),
    ];
    let (s, html, _) = p.post("/admin/users/v2", &off).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("已修改用户 v2，已停用"));
    assert_eq!(app.get(Some(&v2), "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let (s, _) = app.post(None, "/api/v1/session", json!({"username":"v2","password":crate::support::PASSWORD})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a stopped account cannot log in");
    // Now the unit can be stopped; it is no longer offered and receives
    // nothing new, but its history stays.
    let (s, html, _) = p.post("/admin/units/T1-V2", &stop).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("已停用"));
    let t2v1 = app.login("t2v1").await;
    let e = app
        .event(&t2v1, id, json!({"type":"transfer","on":"2026-03-04","to":"T1-V2"}), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(e["error"]["fields"][0]["code"], "unit_disabled", "{e}");
    let (s, e) = app.post(Some(&t1), "/api/v1/petitions", petition("T1-V2", "2026-03-05", json!({}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (_, html, _) = p.get(&format!("/petitions/{id}")).await;
    assert!(!html.contains("<option value=\"T1-V2\""), "a stopped unit is not a transfer target");
    let (s, _, _) = p.get("/portal/submit").await;
    assert_eq!(s, StatusCode::OK);
    // Users cannot be added to it either.
    let add = [
        ("csrf", csrf.as_str()),
        ("username", "late"),
        ("display_name", "迟到"),
        ("role", "intake"),
        ("unit", "T1-V2"),
        ("password", crate::support::PASSWORD),
    ];
    let (s, html, _) = p.post("/admin/users", &add).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("已停用"));

    // A new password: the old one stops working, the new one works.
    let reset = [
        ("csrf", csrf.as_str()),
        ("display_name", "测试一号镇"),
        ("role", "handler"),
        ("unit", "T1"),
        ("password", "Brand-new-pass-9"),
    ];
    let (s, html, _) = p.post("/admin/users/t1", &reset).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_eq!(app.get(Some(&t1), "/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "sessions end with a new password");
    let (s, body) = app.post(None, "/api/v1/session", json!({"username":"t1","password":"Brand-new-pass-9"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, me) = app.get(Some(body["token"].as_str().unwrap()), "/api/v1/me").await;
    assert_eq!(me["display_name"], "测试一号镇");
    // Bad input comes back with its field errors and changes nothing.
    let bad = [("csrf", csrf.as_str()), ("display_name", ""), ("role", "king"), ("unit", "T1"), ("password", "weak")];
    let (s, html, _) = p.post("/admin/users/t1", &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("姓名不能为空") && html.contains("角色应为") && html.contains("密码至少"));

    // No administrator locks themselves out.
    let me =
        [("csrf", csrf.as_str()), ("display_name", "管理员"), ("role", "intake"), ("unit", "C"), ("disabled", "1")];
    let (s, html, _) = p.post("/admin/users/admin", &me).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("不能停用自己的账号或更改自己的角色"));
    let (_, me) = app.get(Some(&app.login("admin").await), "/api/v1/me").await;
    assert_eq!(me["role"], "admin");
    // The store keeps the last active administrator (the command line has
    // no acting user to compare with).
    let err = xinfang_app::org::update_user(
        &app.store,
        None,
        "admin",
        xinfang_app::org::UserEdit { display_name: "x", role: "admin", unit: "C", disabled: true, new_password: "" },
    )
    .await
    .unwrap_err();
    let err = xinfang_web::error::AppError::from(err);
    assert_eq!(err.status, StatusCode::CONFLICT);
    assert!(err.message.contains("最后一个启用的系统管理员"));

    // Only an administrator, only within their unit, and only with the
    // form's token.
    let mut q = Pages::new(&app);
    let hcsrf = q.login("handler").await;
    assert_eq!(q.get("/admin/units/T1").await.0, StatusCode::FORBIDDEN);
    assert_eq!(p.get("/admin/units/NOPE").await.0, StatusCode::NOT_FOUND);
    assert_eq!(p.get("/admin/users/nobody").await.0, StatusCode::NOT_FOUND);
    let (s, _, _) =
        q.post("/admin/users/v1", &[("csrf", &hcsrf), ("display_name", "x"), ("role", "admin"), ("unit", "C")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = p.post("/admin/users/v1", &[("display_name", "x"), ("role", "admin"), ("unit", "C")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, me) = app.get(Some(&app.login("v1").await), "/api/v1/me").await;
    assert_eq!(me["role"], "intake");
    // Every change is in the audit log.
    let rows = app.store.audit_rows(0, 10_000).await.unwrap();
    let updates: Vec<_> =
        rows.iter().filter(|r| r.action.ends_with(".update")).map(|r| (r.action.as_str(), r.object.as_str())).collect();
    assert_eq!(
        updates,
        [
            ("unit.update", "T1-V2"),
            ("unit.update", "T1"),
            ("unit.update", "T1"),
            ("user.update", "v2"),
            ("unit.update", "T1-V2"),
            ("user.update", "t1")
        ]
    );
    app.finish().await;
}

/// The staff pages are Chinese first and switch to English: the choice is a
/// cookie, the switch goes back to the page it was clicked on (never to
/// another site), labels of the procedure and form errors follow, and what
/// people typed stays as it is.
pub async fn staff_pages_switch_to_english(b: Backend) {
    let app = TestApp::start(b).await;
    let mut p = Pages::new(&app);
    let csrf = p.login("intake").await;
    let (_, html, _) = p.get("/").await;
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("工作台"));
    assert!(html.contains("href=\"/lang?to=en&amp;next=%2F\""), "the switch names the page it was on");
    let (s, _, loc) = p.get("/lang?to=en&next=%2Fpetitions%2Fnew").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/petitions/new"));
    assert!(p.cookies.iter().any(|(k, v)| k == "xinfang_lang" && v == "en"));

    let (_, html, _) = p.get("/petitions/new").await;
    assert!(html.contains("<html lang=\"en\">"));
    for text in ["Register a petition", "Receiving unit", "Request (required)", "Letter", "Appeal or claim", "Log out"]
    {
        assert!(html.contains(text), "missing {text}");
    }
    assert!(!html.contains("登记信访事项"), "the heading is English");
    // Errors in English, what was typed kept as typed.
    let bad = [
        ("csrf", csrf.as_str()),
        ("channel", "visit"),
        ("received_on", "2026-03-02"),
        ("unit", "C"),
        ("class", "appeal"),
        ("request", "请求补发工资"),
        ("p0_name", "王五"),
        ("p0_phone", "12345"),
    ];
    let (s, html, _) = p.post("/petitions/new", &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("The phone number is not valid"), "{html}");
    assert!(html.contains("next=%2Fpetitions%2Fnew\""), "the switch on a form's answer goes to the form");
    assert!(html.contains("value=\"王五\"") && html.contains("请求补发工资"));

    // A petition page: statuses, clocks, steps and the history in English;
    // the stored explanation of a deadline stays as the law writes it.
    let t = app.login("intake").await;
    let reg = app.register(&t, petition("C", "2026-03-02", json!({"subject":"工资纠纷"}))).await;
    let id = reg["id"].as_i64().unwrap();
    app.event(&t, id, json!({"type":"accept","on":"2026-03-03"}), StatusCode::CREATED).await;
    let (_, html, _) = p.get(&format!("/petitions/{id}")).await;
    for text in [
        "Accepted, being handled",
        "Handling",
        "History",
        "Issue the written opinion",
        "工资纠纷",
        "依据《信访工作条例》",
    ] {
        assert!(html.contains(text), "missing {text}");
    }
    let (s, html, _) =
        p.post(&format!("/petitions/{id}/events"), &[("csrf", &csrf), ("type", "serve"), ("on", "2026-03-04")]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{html}");
    assert!(html.contains(&format!("next=%2Fpetitions%2F{id}\"")), "the switch returns to the petition");
    let (_, html, _) = p.get("/").await;
    assert!(html.contains("Workbench") && html.contains("Deadlines by unit and step"));
    let (_, html, _) = p.get("/admin/calendar").await;
    assert!(html.contains("Units, users and the holiday calendar") && html.contains("Intake clerk"));
    // The printed registration form is a document for the file: Chinese.
    let (_, html, _) = p.get(&format!("/petitions/{id}/print")).await;
    assert!(html.contains("信访事项登记表"));
    // Errors pages too.
    let (s, html, _) = p.get("/petitions/999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("Not found"));

    // Back to Chinese; a foreign `next` goes home instead.
    let (_, _, loc) = p.get("/lang?to=zh&next=//evil.example/").await;
    assert_eq!(loc.as_deref(), Some("/"));
    let (_, html, _) = p.get("/").await;
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("各单位、各环节期限情况"));
    // The login page has the switch too.
    let mut q = Pages::new(&app);
    let (_, html, _) = q.get("/login?next=%2Fsearch").await;
    assert!(html.contains("English"));
    let (_, _, loc) = q.get("/lang?to=en&next=%2Flogin%3Fnext%3D%252Fsearch").await;
    assert_eq!(loc.as_deref(), Some("/login?next=%2Fsearch"));
    let (_, html, _) = q.get("/login?next=%2Fsearch").await;
    assert!(html.contains("User name") && html.contains("中文"));
    app.finish().await;
}

/// The Content-Security-Policy forbids inline styles and scripts, so no
/// template may carry one: they would be silently dropped by the browser.
#[test]
fn templates_have_no_inline_style_or_script() {
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() { dirs.push(path) } else { files.push(path) }
        }
    }
    assert!(files.len() > 15, "every module's templates are read: {}", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("style=\""), "{} has an inline style", path.display());
        assert!(!text.contains("<style"), "{} has a style element", path.display());
        assert!(!text.contains("onclick=") && !text.contains("<script>"), "{} has inline script", path.display());
    }
}

/// The search page and the repeat panel of the petition page: a search
/// shows highlighted hits; a likely repeat is shown with its reason and
/// linked from the page; a transfer then defaults to the original's unit.
pub async fn search_page_and_repeat_links(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.login("handler").await;
    let text = json!({"subject":"砖厂拖欠工资","request":"请求督促红星砖厂支付拖欠工资一万二千元",
                      "facts":"我在红星砖厂做工半年，老板拖欠工资一万二千元，多次讨要未果","reasons":"按劳取酬"});
    let first = app.register(&t, petition("C", "2026-03-02", text)).await;
    let first_id = first["id"].as_i64().unwrap();
    app.event(&t, first_id, json!({"type":"transfer","on":"2026-03-03","to":"T1"}), StatusCode::CREATED).await;
    let again = json!({"subject":"红星砖厂欠薪仍未解决","request":"要求督促红星砖厂支付欠我的一万二千元工资",
                       "facts":"我在红星砖厂干了半年活，一万二千元工资至今没给","reasons":"拖欠工资违法"});
    let second = app.register(&t, petition("C", "2026-03-20", again)).await;
    let second_id = second["id"].as_i64().unwrap();

    let mut p = Pages::new(&app);
    let csrf = p.login("handler").await;
    let (s, html, _) = p.get("/search?q=%E7%BA%A2%E6%98%9F%E7%A0%96%E5%8E%82").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("<mark>红星砖厂</mark>"), "{html}");
    assert!(html.contains(first["case_no"].as_str().unwrap()) && html.contains(second["case_no"].as_str().unwrap()));
    let (s, html, _) = p.get("/search?q=%22").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{html}");
    assert!(html.contains("检索词中没有可检索的文字"));

    let (_, html, _) = p.get(&format!("/petitions/{second_id}")).await;
    assert!(html.contains("很可能重复") && html.contains("同一信访人且内容相似"), "{html}");
    let (s, _, loc) =
        p.post(&format!("/petitions/{second_id}/repeat-of"), &[("csrf", &csrf), ("of", &first_id.to_string())]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html, _) = p.get(loc.as_deref().unwrap()).await;
    assert!(html.contains("已关联为重复件") && html.contains("解除关联"), "{html}");
    // The same handler by default: the original is at 一号镇 (T1).
    assert!(html.contains("<option value=\"T1\" selected>"), "{html}");
    // A bad link attempt changes nothing and says why.
    let (s, html, _) =
        p.post(&format!("/petitions/{first_id}/repeat-of"), &[("csrf", &csrf), ("of", &second_id.to_string())]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("只能关联到比本件更早登记的信访事项"), "{html}");
    let (s, _, _) = p.post(&format!("/petitions/{second_id}/repeat-of"), &[("csrf", "wrong"), ("unlink", "1")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = p.post(&format!("/petitions/{second_id}/repeat-of"), &[("csrf", &csrf), ("unlink", "1")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = app.get(Some(&t), &format!("/api/v1/petitions/{second_id}")).await;
    assert_eq!(v["repeat_of"], serde_json::Value::Null);
    app.finish().await;
}
