//! The ledger: list filters and cursor pages, exports that open in Excel,
//! and the monthly statistics.

use crate::support::{Backend, TestApp, petition};
use reqwest::StatusCode;
use serde_json::json;

pub async fn list_filters_and_cursor_pages(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.login("handler").await;
    let mut made = Vec::new();
    for (i, (class, channel, day)) in [
        ("appeal", "letter", "2026-01-05"),
        ("suggestion", "online", "2026-02-10"),
        ("report", "visit", "2026-03-15"),
        ("appeal", "phone", "2026-04-20"),
        ("appeal", "online", "2026-05-25"),
    ]
    .into_iter()
    .enumerate()
    {
        let p = app
            .register(
                &t,
                petition("C", day, json!({"class": class, "channel": channel, "subject": format!("事项{i}")})),
            )
            .await;
        made.push(p["id"].as_i64().unwrap());
    }
    // The first one is accepted and left: its 60 days ran out in March, so it is overdue.
    app.event(&t, made[0], json!({"type":"accept","on":"2026-01-06"}), StatusCode::CREATED).await;

    let get_ids = |q: &'static str| {
        let app = &app;
        let t = t.clone();
        async move {
            let (s, v) = app.get(Some(&t), &format!("/api/v1/petitions?{q}")).await;
            assert_eq!(s, StatusCode::OK, "{q}: {v}");
            v["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect::<Vec<_>>()
        }
    };
    assert_eq!(get_ids("class=appeal").await, vec![made[4], made[3], made[0]]);
    assert_eq!(get_ids("channel=online").await, vec![made[4], made[1]]);
    assert_eq!(get_ids("received_from=2026-02-01&received_to=2026-04-30").await, vec![made[3], made[2], made[1]]);
    assert_eq!(get_ids("status=accepted").await, vec![made[0]]);
    // Registered ones from early 2026 are overdue on acknowledgement too; the accepted one is overdue on handling.
    let overdue = get_ids("overdue=true").await;
    assert!(overdue.contains(&made[0]) && overdue.contains(&made[1]));
    let (_, v) = app.get(Some(&t), "/api/v1/petitions?status=accepted").await;
    assert_eq!(v["items"][0]["overdue"], true);
    assert_eq!(v["items"][0]["next_due"], "2026-03-09"); // 1/6 + 60 = 3/7 (Saturday) → 3/9

    // Cursor pages of 2 walk the whole list once, newest first.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("/api/v1/petitions?limit=2&cursor={c}"),
            None => "/api/v1/petitions?limit=2".to_string(),
        };
        let (_, v) = app.get(Some(&t), &q).await;
        seen.extend(v["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()));
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut expect = made.clone();
    expect.reverse();
    assert_eq!(seen, expect);

    // The date orders page by (date, id) too.
    for (sort, want) in
        [("received_asc", made.clone()), ("received_desc", made.iter().rev().copied().collect::<Vec<_>>())]
    {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let q = match &cursor {
                Some(c) => format!("/api/v1/petitions?limit=2&sort={sort}&cursor={c}"),
                None => format!("/api/v1/petitions?limit=2&sort={sort}"),
            };
            let (s, v) = app.get(Some(&t), &q).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            seen.extend(v["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()));
            match v["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(seen, want, "{sort}");
    }
    // The nearest deadline first: the accepted case's handling date (3/9) comes before
    // the acknowledgement dates of cases received later.
    let (_, v) = app.get(Some(&t), "/api/v1/petitions?sort=due_asc").await;
    let dues: Vec<&str> = v["items"].as_array().unwrap().iter().map(|i| i["next_due"].as_str().unwrap()).collect();
    let mut sorted = dues.clone();
    sorted.sort();
    assert_eq!(dues, sorted);
    assert_eq!(app.get(Some(&t), "/api/v1/petitions?sort=sideways").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(Some(&t), "/api/v1/petitions?sort=received_asc&cursor=123").await.0, StatusCode::BAD_REQUEST);
    app.finish().await;
}

pub async fn ledger_exports_open_in_excel(b: Backend) {
    use calamine::{Data, Reader, Xlsx};
    let app = TestApp::start(b).await;
    let t = app.login("handler").await;
    app.register(&t, petition("C", "2026-03-02", json!({"subject":"=1+1 拖欠工资"}))).await;
    app.register(
        &t,
        petition(
            "C",
            "2026-03-03",
            json!({"class":"suggestion","petitioners":[{"name":"李四","phone":"13911112222"}]}),
        ),
    )
    .await;
    app.register(&t, petition("C", "2026-03-04", json!({"collective":{"persons":30,"representatives":[0]}}))).await;

    let res =
        app.client.get(format!("{}/api/v1/petitions/export.xlsx", app.base)).bearer_auth(&t).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let bytes = res.bytes().await.unwrap();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("信访事项台账").unwrap();
    let title = sheet.get_value((0, 0)).unwrap().to_string();
    assert!(title.contains("筛选：全部") && title.contains("导出时间"), "{title}");
    assert_eq!(sheet.get_value((1, 1)), Some(&Data::String("收到日期".into())));
    assert_eq!(sheet.height(), 2 + 3, "title, header and every row");
    let col = |name: &str| {
        (0..sheet.width() as u32)
            .find(|c| sheet.get_value((1, *c)) == Some(&Data::String(name.into())))
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    for row in 2..5 {
        assert!(matches!(sheet.get_value((row, 1)), Some(Data::DateTime(_))), "dates are dates");
        let phone = sheet.get_value((row, col("联系电话"))).unwrap().to_string();
        assert!(phone.contains("****"), "masked: {phone}");
        // Every yes/no column says 是 or 否 (issue 25 ¶1), never blank.
        for yes_no in ["是否集体访", "是否超期"] {
            let v = sheet.get_value((row, col(yes_no))).unwrap().to_string();
            assert!(v == "是" || v == "否", "{yes_no}: {v:?}");
        }
        assert_eq!(sheet.get_value((row, col("内容分类"))), Some(&Data::String("未分类".into())));
    }
    assert_eq!(sheet.get_value((2, col("人数"))), Some(&Data::Float(30.0)), "newest first; persons as a number");
    assert_eq!(sheet.get_value((2, col("是否集体访"))), Some(&Data::String("是".into())));
    for name in ["问题属地", "承办人", "受理日期", "办结日期", "处理结果", "满意度", "最近期限类型"]
    {
        col(name);
    }
    assert_eq!(sheet.get_value((2, col("最近期限类型"))), Some(&Data::String("受理告知".into())));

    let res = app
        .client
        .get(format!("{}/api/v1/petitions/export.csv?class=suggestion", app.base))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    assert_eq!(text.lines().count(), 2, "the filter applies: {text}");
    assert!(text.contains("139****2222") && !text.contains("13911112222"));
    let (_, all) = app.get(Some(&t), "/api/v1/petitions").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    // A bad filter is a 400, not a broken file; exports are audited.
    let res = app
        .client
        .get(format!("{}/api/v1/petitions/export.csv?status=nope", app.base))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let rows = app.store.audit_rows(0, 10_000).await.unwrap();
    assert!(rows.iter().any(|r| r.action == "petition.export.xlsx"));
    assert!(rows.iter().any(|r| r.action == "petition.export.csv" && r.detail.contains("建议意见类")));
    app.finish().await;
}

pub async fn monthly_statistics_count_matters_by_unit_and_class(b: Backend) {
    let app = TestApp::start(b).await;
    let root = app.login("handler").await;
    let v1 = app.login("v1").await;
    app.register(&root, petition("C", "2026-01-05", json!({}))).await;
    app.register(&root, petition("C", "2026-01-20", json!({"class":"suggestion"}))).await;
    app.register(&v1, petition("T1-V1", "2026-01-21", json!({}))).await;
    let wages = app.register(&v1, petition("T1-V1", "2026-03-02", json!({"content_category":"0201"}))).await;
    app.register(&root, petition("C", "2025-12-31", json!({}))).await;

    let (s, v) = app.get(Some(&root), "/api/v1/stats/monthly?year=2026").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["totals"]["all"], 4);
    assert_eq!(v["totals"]["by_month"]["2026-01"], 3);
    assert_eq!(v["totals"]["by_class"]["appeal"], 3);
    let cell =
        v["rows"].as_array().unwrap().iter().find(|r| r["month"] == "2026-01" && r["unit"]["code"] == "T1-V1").unwrap();
    assert_eq!(cell["count"], 1);
    // By content category (issue 25 ¶2): the rest are 未分类.
    let cats = v["totals"]["by_category"].as_array().unwrap().clone();
    let count = |code: &str| cats.iter().find(|c| c["code"] == code).map(|c| c["count"].as_i64().unwrap());
    assert_eq!((count("00"), count("0201")), (Some(3), Some(1)), "{cats:?}");
    assert_eq!(cats.iter().find(|c| c["code"] == "0201").unwrap()["label"], "劳动和社会保障 / 拖欠工资");
    // A repeat linked to an earlier matter counts once there too.
    let again = app.register(&v1, petition("T1-V1", "2026-03-03", json!({"content_category":"0201"}))).await;
    let (s, _) = app
        .send_json(
            reqwest::Method::PUT,
            &v1,
            &format!("/api/v1/petitions/{}/repeat-of", again["id"]),
            json!({"of": wages["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = app.get(Some(&root), "/api/v1/stats/monthly?year=2026").await;
    let cats = v["totals"]["by_category"].as_array().unwrap();
    assert_eq!(cats.iter().find(|c| c["code"] == "0201").unwrap()["count"], 1, "{cats:?}");
    // A village counts only its own.
    let (_, v) = app.get(Some(&v1), "/api/v1/stats/monthly?year=2026").await;
    assert_eq!(v["totals"]["all"], 2);
    let (s, _) = app.get(Some(&root), "/api/v1/stats/monthly?year=20x6").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    app.finish().await;
}

/// The classification the national system relies on (issue 25 ¶2) and the
/// named handler (¶3): set at registration and by an `assign_handler`
/// step, shown on the case, filtered on the ledger (a first-level category
/// takes in its second level; a place takes in the units below it;
/// `handler=me`), and in the export. A handler leaves with the case.
pub async fn handler_category_and_place_on_the_ledger(b: Backend) {
    use calamine::{Reader, Xlsx};
    let app = TestApp::start(b).await;
    let (handler, intake) = (app.login("handler").await, app.login("intake").await);
    let (s, cats) = app.get(Some(&handler), "/api/v1/content-categories").await;
    assert_eq!(s, StatusCode::OK);
    let codes: Vec<&str> = cats.as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"00") && codes.contains(&"02") && codes.contains(&"0201"), "{codes:?}");
    assert_eq!(app.get(None, "/api/v1/content-categories").await.0, StatusCode::UNAUTHORIZED);

    let p = app
        .register(&intake, petition("C", "2026-03-02", json!({"content_category":"0201","problem_unit":"T1-V1"})))
        .await;
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["content_category"], "0201");
    assert_eq!(p["content_category_label"], "劳动和社会保障 / 拖欠工资");
    assert_eq!(p["problem_unit"]["code"], "T1-V1");
    assert!(p["handler"].is_null());
    let plain = app.register(&intake, petition("C", "2026-03-02", json!({}))).await;
    assert_eq!(
        (plain["content_category"].as_str(), plain["content_category_label"].as_str()),
        (Some("00"), Some("未分类"))
    );
    for (body, field) in [
        (json!({"content_category":"9999"}), "content_category"),
        (json!({"content_category":"城乡建设"}), "content_category"),
        (json!({"problem_unit":"NOPE"}), "problem_unit"),
    ] {
        let (s, e) = app.post(Some(&intake), "/api/v1/petitions", petition("C", "2026-03-02", body)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["error"]["fields"][0]["field"], field, "{e}");
    }

    // A handler of the unit that has the case; nobody else.
    for who in ["t1", "supervisor", "nobody"] {
        let e = app
            .event(
                &handler,
                id,
                json!({"type":"assign_handler","on":"2026-03-03","user":who}),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(e["error"]["fields"][0]["code"], "not_a_handler", "{who}: {e}");
    }
    let p = app
        .event(&intake, id, json!({"type":"assign_handler","on":"2026-03-03","user":"handler"}), StatusCode::CREATED)
        .await;
    assert_eq!(p["handler"]["username"], "handler");
    assert_eq!(p["handler"]["name"], "测试handler");
    let last = p["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["type"].as_str(), last["label"].as_str()), (Some("assign_handler"), Some("指定承办人")));

    let ids = |v: &serde_json::Value| -> Vec<i64> {
        v["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect()
    };
    for (who, q, want) in [
        (&handler, "handler=me", vec![id]),
        (&intake, "handler=me", vec![]),
        (&intake, "handler=handler", vec![id]),
        (&intake, "content_category=02", vec![id]),
        (&intake, "content_category=0201", vec![id]),
        (&intake, "content_category=01", vec![]),
        (&intake, "content_category=00", vec![plain["id"].as_i64().unwrap()]),
        (&intake, "problem_unit=T1", vec![id]),
        (&intake, "problem_unit=T2", vec![]),
    ] {
        let (s, v) = app.get(Some(who), &format!("/api/v1/petitions?{q}")).await;
        assert_eq!(s, StatusCode::OK, "{q}: {v}");
        assert_eq!(ids(&v), want, "{q}");
    }
    let (_, v) = app.get(Some(&intake), "/api/v1/petitions?handler=handler").await;
    let line = &v["items"][0];
    assert_eq!((line["handler"].as_str(), line["problem_unit"].as_str()), (Some("测试handler"), Some("一号村")));
    for q in ["content_category=9999", "problem_unit=NOPE", "handler=nobody"] {
        assert_eq!(app.get(Some(&intake), &format!("/api/v1/petitions?{q}")).await.0, StatusCode::BAD_REQUEST, "{q}");
    }

    // The export carries them.
    let res = app
        .client
        .get(format!("{}/api/v1/petitions/export.xlsx?handler=handler", app.base))
        .bearer_auth(&intake)
        .send()
        .await
        .unwrap();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(res.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = book.worksheet_range("信访事项台账").unwrap();
    let row: Vec<String> =
        (0..sheet.width() as u32).map(|c| sheet.get_value((2, c)).map(|v| v.to_string()).unwrap_or_default()).collect();
    for want in ["劳动和社会保障 / 拖欠工资", "一号村", "测试handler"] {
        assert!(row.iter().any(|c| c == want), "{want} in {row:?}");
    }
    assert_eq!(sheet.height(), 3, "the filter applies");

    // The workbench's 我的 counts what the ledger's filter lists, and links to it.
    let mut page = crate::support::Pages::new(&app);
    page.login("handler").await;
    let (_, html, _) = page.get("/").await;
    let card = html.split("id=\"mine\"").nth(1).unwrap();
    assert!(card.contains("<b>1</b>"), "one case mine: {card}");
    assert!(html.contains("href=\"/petitions?handler=me&amp;open=true\""));
    let (_, html, _) = page.get("/petitions?handler=me&open=true").await;
    assert!(html.contains("共 1 件") && html.contains("第 1 页，共 1 页"), "the ledger says so too");
    let (s, html, _) = page.get("/petitions?limit=1").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("共 2 件") && html.contains("第 1 页，共 2 页") && html.contains("page=2"), "pages numbered");
    assert_eq!(app.get(Some(&handler), "/api/v1/petitions?open=maybe").await.0, StatusCode::BAD_REQUEST);

    // The case moves on: the handler stays with the unit that named them.
    let p = app.event(&handler, id, json!({"type":"transfer","on":"2026-03-04","to":"T1"}), StatusCode::CREATED).await;
    assert!(p["handler"].is_null(), "{}", p["handler"]);
    let (_, v) = app.get(Some(&handler), "/api/v1/petitions?handler=me").await;
    assert!(ids(&v).is_empty());
    app.finish().await;
}
