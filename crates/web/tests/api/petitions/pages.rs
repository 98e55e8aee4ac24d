//! The pages over plain HTTP: logging in with the form, CSRF, the
//! registration form's field errors (nothing stored), the event forms, the
//! portal's errors, escaping, and the security headers.

use crate::support::{Backend, PASSWORD, Pages, TestApp, field, petition};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::json;

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
        ("facts".into(), "事实".into()),
        ("persons".into(), "40".into()),
    ];
    for i in 0..5 {
        six.push((format!("p{i}_name"), format!("代表{i}")));
        six.push((format!("p{i}_address"), "一号村".into()));
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
            &[("csrf", &csrf), ("type", "extend_request"), ("on", "2026-03-04"), ("days", "45"), ("reason", "复杂")],
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
    let (s, html, _) = q.post("/portal/lookup", &[("code", "ABCDEFGHJKMN"), ("phone_last4", "1234")]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("未找到与查询码和电话后四位相符的信访事项"));
    let (_, list) = app.get(Some(&token), "/api/v1/petitions").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
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
    // English punctuation in English (issue 25 ¶13): the header's user line.
    let who = html.split("class=\"who\">").nth(1).unwrap().split("<a ").next().unwrap();
    assert!(who.contains(" (Intake clerk, ") && !who.contains('（') && !who.contains('，'), "{who}");
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
    // The link is a line of the timeline, with who made it (issue 25 ¶9).
    let timeline = html.split("id=\"timeline\"").nth(1).expect("timeline").split("</ol>").next().unwrap();
    let first_no = first["case_no"].as_str().unwrap();
    assert!(timeline.contains("关联为重复信访") && timeline.contains(&format!("原件 {first_no}")), "{timeline}");
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
    let (_, html, _) = p.get(&format!("/petitions/{second_id}")).await;
    let timeline = html.split("id=\"timeline\"").nth(1).unwrap().split("</ol>").next().unwrap();
    let linked = timeline.find("关联为重复信访").expect("the link stays in the timeline");
    assert!(timeline[linked..].contains("取消重复信访关联"), "{timeline}");
    app.finish().await;
}

/// Leaders' reception days (领导接访日, Art. 18; issue 25 ¶11): the office
/// publishes them on its page, the portal shows those to come, a withdrawn
/// one leaves the portal but stays on record; bad input is named field by
/// field and stores nothing; who may not publish cannot.
pub async fn reception_days_are_published_on_the_portal(b: Backend) {
    let app = TestApp::start(b).await;
    let mut p = Pages::new(&app);
    let csrf = p.login("intake").await;
    let (s, html, _) = p.get("/reception").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("发布接访日"));
    let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(8 + 24)).date_naive().to_string();
    let (s, html, _) = p
        .post(
            "/reception",
            &[
                ("csrf", &csrf),
                ("unit", "C"),
                ("on", "2020-01-01"),
                ("hours", ""),
                ("place", "县信访局接待大厅"),
                ("leader", "陈建华 局长"),
                ("topic", "不限"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("接访日期不得早于今天") && html.contains("接访时间不能为空"), "{html}");
    assert!(html.contains("value=\"县信访局接待大厅\""), "what was typed is kept");
    let form = [
        ("csrf", csrf.as_str()),
        ("unit", "C"),
        ("on", tomorrow.as_str()),
        ("hours", "上午 9:00—12:00"),
        ("place", "县信访局接待大厅"),
        ("leader", "陈建华 县信访局局长"),
        ("topic", "不限"),
    ];
    let (s, _, loc) = p.post("/reception", &form).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/reception?notice=published")));
    let mut citizen = Pages::new(&app);
    let (_, portal, _) = citizen.get("/portal").await;
    assert!(portal.contains("陈建华 县信访局局长") && portal.contains(&tomorrow), "{portal}");

    // Not for a unit above one's own, nor by a role that reads.
    let mut village = Pages::new(&app);
    let vcsrf = village.login("v1").await;
    let mut outside = form;
    outside[0] = ("csrf", vcsrf.as_str());
    assert_eq!(village.post("/reception", &outside).await.0, StatusCode::FORBIDDEN);
    let mut reader = Pages::new(&app);
    let rcsrf = reader.login("supervisor").await;
    let (_, html, _) = reader.get("/reception").await;
    assert!(!html.contains("发布接访日") && html.contains("陈建华"), "a supervisor reads");
    let mut by_reader = form;
    by_reader[0] = ("csrf", rcsrf.as_str());
    assert_eq!(reader.post("/reception", &by_reader).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM reception_days").await, 1, "one published");

    // Withdrawn: gone from the portal, kept and marked on the office's page.
    let id = app.scalar_i64("SELECT id FROM reception_days").await;
    let (s, _, loc) = p.post(&format!("/reception/{id}/withdraw"), &[("csrf", &csrf)]).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/reception?notice=withdrawn")));
    let (_, portal, _) = citizen.get("/portal").await;
    assert!(!portal.contains("陈建华"), "withdrawn");
    let (_, html, _) = p.get("/reception").await;
    assert!(html.contains("陈建华") && html.contains("已撤回"));
    let rows = app.store.audit_rows(0, 10_000).await.unwrap();
    assert!(
        rows.iter().any(|r| r.action == "reception.publish") && rows.iter().any(|r| r.action == "reception.withdraw")
    );
    app.finish().await;
}
