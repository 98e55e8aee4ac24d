//! The pages in a real browser: Debian's Chromium driven through
//! chromedriver over the W3C WebDriver protocol (plain HTTP, with the reqwest
//! client the suite already has). Run when built with XINFANG_TEST_BROWSER=1.

use crate::support::{Backend, PASSWORD, TestApp};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    http: reqwest::Client,
    driver: String,
    session: String,
    child: Child,
}

impl Browser {
    pub async fn start() -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (apt-get install chromium chromium-driver)");
        let driver = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(format!("{driver}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!("xinfang-chrome-{}-{port}", std::process::id()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--window-size=1280,800", format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let v: Value = http.post(format!("{driver}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let session =
            v["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no WebDriver session: {v}")).to_string();
        Browser { http, driver, session, child }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.driver, self.session);
        let req = self.http.request(method, url);
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        if v["value"].get("error").is_some() {
            panic!("WebDriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    pub async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None).await.as_str().unwrap().to_string()
    }

    async fn find(&self, css: &str) -> String {
        let v = self.cmd(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css}))).await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    /// How many elements match `css`.
    pub async fn find_all(&self, css: &str) -> usize {
        let v =
            self.cmd(reqwest::Method::POST, "/elements", Some(json!({"using": "css selector", "value": css}))).await;
        v.as_array().map_or(0, Vec::len)
    }

    pub async fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{e}/clear"), Some(json!({}))).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{e}/value"), Some(json!({"text": text}))).await;
    }

    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{e}/click"), Some(json!({}))).await;
    }

    /// Clicks something that loads a new page, and waits until it has.
    pub async fn submit(&self, css: &str) {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": "window.__xinfang_old = true;", "args": []})),
        )
        .await;
        self.click(css).await;
        for _ in 0..100 {
            let v = self
                .cmd(reqwest::Method::POST, "/execute/sync", Some(json!({"script": "return document.readyState === 'complete' && !window.__xinfang_old;", "args": []})))
                .await;
            if v == json!(true) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no new page after clicking {css}");
    }

    pub async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{e}/text"), None).await.as_str().unwrap_or("").to_string()
    }

    /// Sets a field's value directly (date inputs type differently per locale).
    pub async fn set_value(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": "arguments[0].value = arguments[1];", "args": [{ELEMENT: e}, value]})),
        )
        .await;
    }

    /// Chooses files (full paths, one a line) in the file input `css`.
    pub async fn choose_files(&self, css: &str, paths: &[&std::path::Path]) {
        let e = self.find(css).await;
        let text = paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("\n");
        self.cmd(reqwest::Method::POST, &format!("/element/{e}/value"), Some(json!({"text": text}))).await;
    }

    /// Runs `js` in the page and returns what it returns.
    pub async fn script(&self, js: &str) -> Value {
        self.cmd(reqwest::Method::POST, "/execute/sync", Some(json!({"script": js, "args": []}))).await
    }

    pub async fn window_size(&self, width: u32, height: u32) {
        self.cmd(reqwest::Method::POST, "/window/rect", Some(json!({"width": width, "height": height}))).await;
    }

    pub async fn quit(mut self) {
        let _ = self.http.delete(format!("{}/session/{}", self.driver, self.session)).send().await;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A clerk's day in Chromium: logs in, registers a collective petition with
/// its content category and place (the ID number checked as it is typed),
/// accepts it, names its handler, finds its 受理告知书, asks for an
/// extension that a leader then approves and sees the new due date with its
/// explanation; the handler finds it under 我的 and by a compound typed
/// without spaces and a colloquial word, transfers another case, which only
/// the receiving township may object to, and does; then a petitioner submits on the
/// portal, reloads the receipt (one petition only), looks the case up with
/// the code and evaluates the reply.
pub async fn staff_and_petitioner_in_chromium(b: Backend) {
    let app = TestApp::start(b).await;
    let web = Browser::start().await;
    let base = &app.base;

    web.goto(&format!("{base}/petitions")).await;
    assert!(web.url().await.contains("/login?next="), "pages need a login");
    web.type_in("#username", "intake").await;
    web.type_in("#password", PASSWORD).await;
    web.submit("button[type=submit]").await;
    assert!(web.url().await.ends_with("/petitions"), "back where the user was going: {}", web.url().await);

    web.goto(&format!("{base}/petitions/new")).await;
    web.click("#channel option[value=visit]").await;
    web.set_value("#received_on", "2026-03-02").await;
    web.type_in("#persons", "25").await;
    // The classification the national system relies on (issue 25 ¶2).
    web.click("#content_category option[value='0201']").await;
    web.click("#problem_unit option[value='T1-V1']").await;
    web.type_in("#request", "请求补发拖欠的工资").await;
    web.type_in("#facts", "在县城工地务工三个月未领到工资").await;
    for (i, (name, id)) in [("王大", "11010519491231002X"), ("李二", "")].iter().enumerate() {
        web.type_in(&format!("#p{i}_name"), name).await;
        web.type_in(&format!("#p{i}_address"), "测试县一号镇一号村").await;
        web.type_in(&format!("#p{i}_phone"), "13800138000").await;
        web.type_in(&format!("#p{i}_id"), id).await;
        web.click(&format!("input[name=p{i}_rep]")).await;
    }
    // The script checks the ID number as it is typed.
    web.type_in("#p2_id", "110105194912310021").await;
    assert!(web.text("#p2_id-check").await.contains("校验位不正确"), "live ID check");
    web.type_in("#p2_id", "").await;
    web.submit("main form button[type=submit]").await;
    let url = web.url().await;
    assert!(url.contains("notice=registered"), "registered: {url}\n{}", web.text("main").await);
    let id: i64 = url.split("/petitions/").nth(1).unwrap().split('?').next().unwrap().parse().unwrap();
    assert!(web.text("main").await.contains("集体访"));

    web.click("#act-accept summary").await;
    web.set_value("#accept-on", "2026-03-03").await;
    web.submit("#act-accept button[type=submit]").await;
    let page = web.text("main").await;
    assert!(page.contains("已记录：受理"), "{page}");
    // 3/3 + 60 = 5/2, in the 劳动节 holiday → 5/6.
    assert!(page.contains("2026-05-06"), "{page}");

    assert!(page.contains("劳动和社会保障 / 拖欠工资") && page.contains("一号村"), "category and place: {page}");
    // The case is given to a named handler of the unit (issue 25 ¶3).
    web.click("#act-assign_handler summary").await;
    web.set_value("#assign_handler-on", "2026-03-03").await;
    web.click("#assign_handler-user option[value='handler']").await;
    web.submit("#act-assign_handler button[type=submit]").await;
    assert!(web.text("#handler").await.contains("测试handler"), "the handler is named");
    assert!(web.text("main").await.contains("指定承办人"), "and the naming is in the timeline");
    // The notices download as Word files from the page (issue 25 ¶12).
    assert!(
        web.find_all("a[href$='/documents/acceptance_notice.docx']").await > 0,
        "the 受理告知书 is offered once the case is accepted"
    );
    let token = app.login("intake").await;
    let res = app
        .client
        .get(format!("{base}/api/v1/petitions/{id}/documents/acceptance_notice.docx"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);

    // Files attached from the page, two at once, through the script's
    // upload with its progress bar (issue 26 ¶1).
    let files = std::env::temp_dir().join(format!("xinfang-browser-files-{}", std::process::id()));
    std::fs::create_dir_all(&files).unwrap();
    let (pdf, txt) = (files.join("来信扫描.pdf"), files.join("情况说明.txt"));
    std::fs::write(&pdf, b"%PDF-1.4\n%%EOF\n").unwrap();
    std::fs::write(&txt, "情况说明：三个月未发工资。\n").unwrap();
    web.choose_files("#attach-files", &[&pdf, &txt]).await;
    web.submit("form[data-upload] button[type=submit]").await;
    let attached = web.text("main").await;
    assert!(attached.contains("附件已上传"), "{attached}");
    assert!(attached.contains("来信扫描.pdf") && attached.contains("情况说明.txt"), "{attached}");
    let _ = std::fs::remove_dir_all(&files);

    // Art. 34: the clerk asks for the extension, a leader of the unit approves it.
    assert!(page.contains("申请延长办理期限") && !page.contains("批准延长办理期限"), "request offered: {page}");
    web.click("#act-extend_request summary").await;
    web.set_value("#extend_request-on", "2026-03-09").await;
    web.type_in("#extend_request-reason", "涉及多个部门").await;
    web.submit("#act-extend_request button[type=submit]").await;
    assert!(web.text("main").await.contains("申请延长 30 日"), "the request is in the timeline");
    web.submit("header form[action='/logout'] button").await;
    web.goto(&format!("{base}/petitions/{id}")).await;
    web.type_in("#username", "leader").await;
    web.type_in("#password", PASSWORD).await;
    web.submit("button[type=submit]").await;
    web.click("#act-extend summary").await;
    let pending = web.text("#pending-extension").await;
    assert!(pending.contains("申请延长 30 日：涉及多个部门"), "{pending}");
    web.set_value("#extend-on", "2026-03-10").await;
    web.submit("#act-extend button[type=submit]").await;
    let page = web.text("main").await;
    // 60 + 30 days from 3/3 → 6/1 (a Monday).
    assert!(page.contains("2026-06-01") && page.contains("经批准延长 30 日"), "{page}");
    assert!(page.contains("批准延长办理期限") && page.contains("测试leader"), "approved by the leader: {page}");

    // The handler finds it under 我的, and finds it again by a compound
    // typed without spaces and by a colloquial word (issue 25 ¶8).
    web.submit("header form[action='/logout'] button").await;
    web.goto(&format!("{base}/")).await;
    web.type_in("#username", "handler").await;
    web.type_in("#password", PASSWORD).await;
    web.submit("button[type=submit]").await;
    assert_eq!(web.text("#mine b").await, "1", "one case of mine");
    web.submit("#mine").await;
    assert!(web.text("main").await.contains("共 1 件"), "the ledger of mine");
    for q in ["拖欠工资", "欠薪"] {
        let encoded: String = q.bytes().map(|b| format!("%{b:02X}")).collect();
        web.goto(&format!("{base}/search?q={encoded}")).await;
        let hits = web.text("main").await;
        assert!(hits.contains("请求补发拖欠的工资"), "{q}: {hits}");
    }

    // Transfer, and the objection only the receiving unit may raise (Art. 23 ¶3).
    let clerk = app.login("intake").await;
    let other = app.register(&clerk, crate::support::petition("C", "2026-03-02", json!({}))).await;
    let oid = other["id"].as_i64().unwrap();
    web.goto(&format!("{base}/petitions/{oid}")).await;
    web.click("#act-transfer summary").await;
    web.set_value("#transfer-on", "2026-03-03").await;
    web.click("#transfer-to option[value='T1']").await;
    web.submit("#act-transfer button[type=submit]").await;
    assert!(web.text("main").await.contains("已记录：转送"), "transferred");
    assert_eq!(web.find_all("#act-objection").await, 0, "the sending unit is not offered the objection");
    web.submit("header form[action='/logout'] button").await;
    web.goto(&format!("{base}/petitions/{oid}")).await;
    web.type_in("#username", "t1").await;
    web.type_in("#password", PASSWORD).await;
    web.submit("button[type=submit]").await;
    web.click("#act-objection summary").await;
    web.set_value("#objection-on", "2026-03-04").await;
    web.type_in("#objection-reason", "该事项不属于本镇职责").await;
    web.submit("#act-objection button[type=submit]").await;
    let page = web.text("main").await;
    assert!(page.contains("已记录：提出异议") && page.contains("测试县信访局"), "back at the county: {page}");
    web.submit("header form[action='/logout'] button").await;
    web.goto(&format!("{base}/")).await;
    web.type_in("#username", "handler").await;
    web.type_in("#password", PASSWORD).await;
    web.submit("button[type=submit]").await;

    // The ledger at 1366 px reads as a ledger (issue 25 ¶1): every column
    // in view without scrolling sideways, each row on one line, an overdue
    // deadline included.
    web.window_size(1366, 900).await;
    web.goto(&format!("{base}/petitions")).await;
    let fit = web
        .script(
            "const w = document.querySelector('.ledger-wrap'); \
             const h = [...document.querySelectorAll('table.ledger tbody tr')].map(r => r.getBoundingClientRect().height); \
             return {window: window.innerWidth, wide: w.scrollWidth, room: w.clientWidth, rows: h.length, \
                     low: Math.min(...h), high: Math.max(...h), overdue: document.querySelectorAll('table.ledger td.overdue').length};",
        )
        .await;
    assert!(fit["window"].as_i64().unwrap() >= 1340, "{fit}");
    assert!(fit["wide"].as_f64() <= fit["room"].as_f64(), "no sideways scrolling: {fit}");
    assert!(fit["rows"].as_i64().unwrap() >= 2 && fit["overdue"].as_i64().unwrap() >= 1, "{fit}");
    assert!(fit["high"].as_f64().unwrap() < 1.4 * fit["low"].as_f64().unwrap(), "one line per row: {fit}");
    web.window_size(1280, 800).await;

    // The petitioner's side.
    web.goto(&format!("{base}/portal/submit")).await;
    web.type_in("#name", "赵六").await;
    web.type_in("#address", "测试县二号镇三号村").await;
    web.type_in("#phone", "13912345678").await;
    web.type_in("#request", "建议修复村道 <script>alert(1)</script>").await;
    web.type_in("#facts", "村道塌陷多处").await;
    web.submit("main form button[type=submit]").await;
    let code = web.text("#query-code").await;
    assert_eq!(code.len(), 12, "receipt shows the query code");
    // Reloading the receipt shows it again and registers nothing (issue 25 ¶11).
    let receipt = web.url().await;
    assert!(receipt.ends_with("/portal/receipt") && !receipt.contains(&code), "{receipt}");
    web.goto(&receipt).await;
    assert_eq!(web.text("#query-code").await, code);

    // Staff answer it (through the API), then the petitioner looks it up.
    let staff = app.login("handler").await;
    let (_, list) = app.get(Some(&staff), "/api/v1/petitions?channel=online").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "one petition for one submission");
    let pid = list["items"][0]["id"].as_i64().unwrap();
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive().to_string();
    for ev in [
        json!({"type":"accept","on":today}),
        json!({"type":"opinion","on":today,"decision":"support","basis":"已安排修复"}),
        json!({"type":"serve","on":today}),
    ] {
        app.event(&staff, pid, ev, reqwest::StatusCode::CREATED).await;
    }
    web.goto(&format!("{base}/portal")).await;
    web.type_in("#code", &code).await;
    web.type_in("#phone_last4", "5678").await;
    web.submit("main form button[type=submit]").await;
    assert_eq!(web.text("#status").await, "处理意见已送达");
    assert!(web.text("main").await.contains("已安排修复"));
    web.click("#value option[value=satisfied]").await;
    web.submit("form[action='/portal/events'] button[type=submit]").await;
    assert!(web.text("main").await.contains("评价已提交"));

    // The staff page shows the text as text, not as markup.
    web.goto(&format!("{base}/petitions/{pid}")).await;
    assert!(web.text("main").await.contains("<script>alert(1)</script>"));

    // Switching the staff pages to English and back, from the header.
    web.submit("header a[lang=en]").await;
    assert!(web.url().await.ends_with(&format!("/petitions/{pid}")), "back on the same page");
    let page = web.text("main").await;
    assert!(page.contains("History") && page.contains("Opinion served"), "{page}");
    web.submit("header a[lang=zh]").await;
    assert!(web.text("main").await.contains("办理过程"));
    let _ = id;
    web.quit().await;
    app.finish().await;
}
