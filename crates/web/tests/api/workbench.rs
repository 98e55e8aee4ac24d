//! The workbench's counts follow each case as it moves.

use crate::support::{Backend, TestApp, petition};
use reqwest::StatusCode;
use serde_json::json;

/// The workbench's counts by unit and clock: each office deadline due
/// within three days is counted at the unit handling the case now (a
/// transfer moves it, a calendar recompute keeps it), only within the
/// viewer's units.
pub async fn workbench_counts_follow_the_case(b: Backend) {
    let app = TestApp::start(b).await;
    let intake = app.login("intake").await;
    let v1 = app.login("v1").await;
    // Received long ago: the acceptance notice (15 days) is overdue.
    let at_county = app.register(&intake, petition("C", "2026-01-05", json!({}))).await["id"].as_i64().unwrap();
    app.register(&v1, petition("T1-V1", "2026-01-06", json!({}))).await;
    let report = json!({"class": "report", "respondent_unit": "T1-V1", "subject": "举报村干部"});
    app.register(&intake, petition("T1", "2026-01-07", report)).await;

    let counts = |who: &'static str| {
        let app = &app;
        async move {
            let (user, _) = app.store.user_for_login(who).await.unwrap().unwrap();
            let viewer = xinfang_app::org::viewer(&app.state, &user);
            let today = xinfang_app::today();
            let rows = app.store.work_counts(&viewer, today, today + chrono::Days::new(3)).await.unwrap();
            rows.into_iter()
                .map(|c| (c.unit_code, c.clock.as_str().to_string(), c.overdue, c.today, c.soon))
                .collect::<Vec<_>>()
        }
    };
    let items = |who: &'static str| {
        let app = &app;
        async move {
            let (user, _) = app.store.user_for_login(who).await.unwrap().unwrap();
            let viewer = xinfang_app::org::viewer(&app.state, &user);
            let until = xinfang_app::today() + chrono::Days::new(3);
            let rows = app.store.work_items(&viewer, until, 300).await.unwrap();
            rows.into_iter().map(|i| i.unit_code).collect::<Vec<_>>()
        }
    };
    assert_eq!(items("intake").await, ["C", "T1-V1", "T1"], "nearest deadline first");
    assert_eq!(items("t1").await, ["T1-V1", "T1"]);
    assert_eq!(items("v1").await, ["T1-V1"]);
    assert!(items("v2").await.is_empty());
    let ack = || "acknowledge".to_string();
    assert_eq!(
        counts("intake").await,
        [("C".into(), ack(), 1, 0, 1), ("T1".into(), ack(), 1, 0, 1), ("T1-V1".into(), ack(), 1, 0, 1)]
    );
    assert_eq!(counts("t1").await, [("T1".into(), ack(), 1, 0, 1), ("T1-V1".into(), ack(), 1, 0, 1)]);
    // The report on 一号村 is handled at 一号镇, outside 一号村's units.
    assert_eq!(counts("v1").await, [("T1-V1".into(), ack(), 1, 0, 1)]);
    assert_eq!(counts("v2").await, []);
    assert_eq!(app.store.due_count_drift().await.unwrap(), 0);

    // A transfer moves the count to the receiving unit.
    app.event(&intake, at_county, json!({"type":"transfer","on":"2026-01-08","to":"T2-V1"}), StatusCode::CREATED).await;
    let after = counts("intake").await;
    assert!(!after.iter().any(|r| r.0 == "C" && r.1 == "acknowledge"), "{after:?}");
    assert!(after.iter().any(|r| r.0 == "T2-V1"), "{after:?}");
    assert_eq!(counts("t2v1").await.iter().filter(|r| r.1 == "acknowledge").count(), 1);
    assert_eq!(items("t2v1").await, ["T2-V1"]);
    assert_eq!(app.store.due_count_drift().await.unwrap(), 0, "the transfer moved the kept count");

    // A calendar recompute rewrites the deadlines and keeps where they are.
    xinfang_app::calendar::recompute_deadlines(&app.store, &app.state.rules, &mut |_| {}).await.unwrap();
    assert_eq!(counts("intake").await, after);

    // Due today and due soon, counted apart from overdue; and a report's
    // deadline is counted only where Art. 30 lets the case be seen.
    let today = xinfang_app::today();
    let day = |n: u64| (today + chrono::Days::new(n)).to_string();
    let on = (today - chrono::Days::new(1)).to_string();
    let soon = app.register(&intake, petition("C", &on, json!({}))).await["id"].as_i64().unwrap();
    let assign = |due: String| json!({"type": "assign", "on": on, "to": "T1", "due": due});
    app.event(&intake, soon, assign(day(2)), StatusCode::CREATED).await;
    let report = json!({"class": "report", "respondent_unit": "T1-V1", "subject": "举报村干部"});
    let due_today = app.register(&intake, petition("C", &on, report)).await["id"].as_i64().unwrap();
    app.event(&intake, due_today, assign(day(0)), StatusCode::CREATED).await;
    let assigned = |rows: Vec<(String, String, i64, i64, i64)>| {
        rows.into_iter().filter(|r| r.1 == "assigned").map(|r| (r.0, r.2, r.3, r.4)).collect::<Vec<_>>()
    };
    assert_eq!(assigned(counts("intake").await), [("T1".to_string(), 0, 1, 2)]);
    assert_eq!(assigned(counts("t1").await), [("T1".to_string(), 0, 1, 2)]);
    assert!(assigned(counts("v1").await).is_empty());
    let t1_items = items("t1").await;
    assert_eq!(t1_items.iter().filter(|u| *u == "T1").count(), 3, "{t1_items:?}");
    assert_eq!(app.store.due_count_drift().await.unwrap(), 0);

    // The counts are kept in the transaction that writes the deadlines; a
    // ledger from before they were kept gets them from its migration.
    let kept = app.scalar_i64("SELECT CAST(SUM(n) AS BIGINT) FROM office_due_counts").await;
    assert_eq!(kept, 3, "each case that names no unit reported on, once");
    app.raw_sql("DROP TABLE office_due_counts").await;
    app.raw_sql("DROP INDEX deadlines_office_reported").await;
    app.raw_sql(
        "CREATE INDEX deadlines_office_unit ON deadlines(holder, paused, unit_id, clock, respondent_unit_id, due)",
    )
    .await;
    app.raw_sql(
        "DELETE FROM schema_migrations WHERE name LIKE '%_office_due_counts' OR name LIKE '%_due_counts_per_case'",
    )
    .await;
    let reopened = xinfang_store::Store::open(&app.db_url).await.unwrap();
    assert_eq!(reopened.due_count_drift().await.unwrap(), 0);
    assert_eq!(app.scalar_i64("SELECT CAST(SUM(n) AS BIGINT) FROM office_due_counts").await, kept);
    let names: Vec<String> = reopened.load_set_aside().await.unwrap().into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"index:deadlines_office_reported".to_string()), "{names:?}");
    assert!(!names.contains(&"index:deadlines_office_unit".to_string()), "{names:?}");
    reopened.close().await;
    app.finish().await;
}

/// Deadlines readable (issue 25 ¶6): the petition page shows the office's
/// duties apart from the windows, and a deadline met stays with 按期 or
/// 超期 N 日; when the deadlines reach a year whose holidays are not loaded,
/// the workbench says so, with the way to import them, until they are.
pub async fn deadlines_read_plainly(b: Backend) {
    use crate::support::Pages;
    let app = TestApp::start(b).await;
    let t = app.login("handler").await;
    let id = app.register(&t, petition("C", "2026-03-02", json!({}))).await["id"].as_i64().unwrap();
    app.event(&t, id, json!({"type":"transfer","on":"2026-03-02","to":"T1"}), StatusCode::CREATED).await;
    let mut p = Pages::new(&app);
    p.login("handler").await;
    let (_, html, _) = p.get(&format!("/petitions/{id}")).await;
    let duties = html.split("id=\"duties\"").nth(1).unwrap().split("</table>").next().unwrap();
    let windows = html.split("id=\"windows\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(duties.contains("本机关：受理告知"), "{duties}");
    assert!(windows.contains("可提出至：异议") && !duties.contains("异议"), "{windows}");
    let t1 = app.login("t1").await;
    app.event(&t1, id, json!({"type":"accept","on":"2026-03-04"}), StatusCode::CREATED).await;
    let (_, html, _) = p.get(&format!("/petitions/{id}")).await;
    let met = html.split("id=\"met\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(met.contains("2026-03-04") && met.contains("按期"), "{met}");

    // The year the deadlines reach: shown missing until its notice is loaded.
    let today = chrono::NaiveDate::parse_from_str(&crate::support::today(), "%Y-%m-%d").unwrap();
    let year = chrono::Datelike::year(&(today + chrono::Days::new(90)));
    let (_, html, _) = p.get("/").await;
    assert_eq!(html.contains("id=\"missing-year\""), !app.state.calendar().has_year(year), "{year}");
    let file = xinfang_domain::calendar::CalendarFile::parse(&format!(
        r#"{{"source":"测试","years":{{"{year}":{{"holidays":[{{"name":"元旦","dates":["{year}-01-01"]}}]}}}}}}"#
    ))
    .unwrap();
    let years: Vec<_> = file.special_days().into_iter().collect();
    app.store.replace_calendar_years(&years, "测试通知", None).await.unwrap();
    app.state.refresh_calendar().await.unwrap();
    let (_, html, _) = p.get("/").await;
    assert!(!html.contains("id=\"missing-year\""), "loaded: no warning");
    app.finish().await;
}

/// Issue 25 ¶3: the workbench counts cases, each once at its nearest
/// office deadline, as the ledger's filters and its export count them: a
/// case with two overdue clocks is one on the cards, in the per-unit table
/// and in the ledger; every card and every figure of the table links to
/// the ledger filter that lists exactly what it counts.
pub async fn workbench_counts_what_the_ledger_lists(b: Backend) {
    use crate::support::Pages;
    let app = TestApp::start(b).await;
    let intake = app.login("intake").await;
    // Two overdue clocks at 一号镇: its acceptance notice (received in
    // January) and the deadline the county set when it assigned the case.
    let two = app.register(&intake, petition("C", "2026-01-05", json!({}))).await["id"].as_i64().unwrap();
    let assign = json!({"type":"assign","on":"2026-01-06","to":"T1","due":"2026-01-20"});
    app.event(&intake, two, assign, StatusCode::CREATED).await;
    let late = overdue_clocks(&app, two).await;
    assert_eq!(late.len(), 2, "two running office duties, both overdue: {late:?}");
    // One overdue at the county itself, one at a village, one due today.
    app.register(&intake, petition("C", "2026-01-07", json!({}))).await;
    let v1 = app.login("v1").await;
    app.register(&v1, petition("T1-V1", "2026-01-08", json!({}))).await;
    let today = xinfang_app::today();
    let on = (today - chrono::Days::new(1)).to_string();
    let due_today = app.register(&intake, petition("C", &on, json!({}))).await["id"].as_i64().unwrap();
    let assign = json!({"type":"assign","on":on,"to":"T2","due":today.to_string()});
    app.event(&intake, due_today, assign, StatusCode::CREATED).await;
    assert_eq!(app.store.due_count_drift().await.unwrap(), 0);

    let mut p = Pages::new(&app);
    p.login("intake").await;
    let (_, home, _) = p.get("/").await;
    let card = |id: &str| -> (i64, String) {
        let a = home.split(&format!("id=\"{id}\"")).next().unwrap().rsplit("<a").next().unwrap().to_string();
        let href = a.split("href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
        let rest = home.split(&format!("id=\"{id}\"")).nth(1).unwrap();
        let n = rest.split("<b>").nth(1).unwrap().split("</b>").next().unwrap().parse().unwrap();
        (n, href)
    };
    let total = |html: &str| -> i64 {
        let t = html.split("id=\"total\">").nth(1).unwrap().split("</span>").next().unwrap();
        t.trim_start_matches("共 ").trim_end_matches(" 件").parse().unwrap_or_else(|_| panic!("{t}"))
    };
    let (overdue, href) = card("overdue");
    assert_eq!(overdue, 3, "the case with two overdue clocks counts once");
    let (_, ledger, _) = p.get(&href).await;
    assert_eq!(total(&ledger), overdue, "{href}");
    let (today_n, href) = card("due-today");
    assert_eq!(today_n, 1);
    let (_, ledger, _) = p.get(&href).await;
    assert_eq!(total(&ledger), today_n, "{href}");
    assert!(ledger.contains(&format!("/petitions/{due_today}\"")), "{href}");
    let (soon_n, href) = card("due-soon");
    let (_, ledger, _) = p.get(&href).await;
    assert_eq!(total(&ledger), soon_n, "{href}");

    // The per-unit table: its rows sum to the cards, and each figure's link
    // lists that many cases (the unit itself, not those below it).
    let table = home.split("各单位、各环节期限情况").nth(1).unwrap();
    let mut sum = 0;
    for cell in table.split("<a href=\"").skip(1) {
        let href = cell.split('"').next().unwrap().replace("&amp;", "&");
        let n: i64 = cell.split('>').nth(1).unwrap().split('<').next().unwrap().parse().unwrap();
        let (_, ledger, _) = p.get(&href).await;
        assert_eq!(total(&ledger), n, "{href}");
        if href.contains("overdue=true") {
            sum += n;
        }
    }
    assert_eq!(sum, overdue, "the table's overdue column sums to the card");
    // The API's filter and the export count alike.
    let (_, v) = app.get(Some(&intake), "/api/v1/petitions?at=C&overdue=true").await;
    assert_eq!(v["items"].as_array().unwrap().len() as i64, overdue, "{v}");
    let (_, v) = app.get(Some(&intake), "/api/v1/petitions?at=T1&at_only=true&overdue=true").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    let (s, v) = app.get(Some(&intake), "/api/v1/petitions?at_only=true").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    app.finish().await;
}

/// The overdue office duties of case `id`: (clock, due).
async fn overdue_clocks(app: &TestApp, id: i64) -> Vec<(String, String)> {
    let (_, v) = app.get(Some(&app.login("intake").await), &format!("/api/v1/petitions/{id}")).await;
    v["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["overdue"] == true)
        .map(|d| (d["clock"].as_str().unwrap().to_string(), d["due"].as_str().unwrap().to_string()))
        .collect()
}
