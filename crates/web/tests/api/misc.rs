//! The list, the OpenAPI document and the audit chain.

use crate::support::{Backend, TestApp, petition};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;

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

pub async fn openapi_document_lists_every_route(b: Backend) {
    let app = TestApp::start(b).await;
    let (s, doc) = app.get(None, "/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| ops.as_object().unwrap().keys().map(move |m| (m.clone(), path.clone())))
        .collect();
    let served: BTreeSet<(String, String)> =
        xinfang_web::api::ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(documented, served);
    // Every route in the list answers (not the 404 fallback).
    for (method, path) in xinfang_web::api::ROUTES {
        let url =
            format!("{}{}", app.base, path.replace("{id}", "1").replace("{seq}", "0").replace("{query_code}", "X"));
        let req = match *method {
            "get" => app.client.get(url),
            "post" => app.client.post(url).json(&json!({})),
            "put" => app.client.put(url).json(&json!({})),
            "delete" => app.client.delete(url),
            other => panic!("method {other}"),
        };
        let res = req.send().await.unwrap();
        let body: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
        assert_ne!(body["error"]["message"], "没有这个地址", "{method} {path} is not routed");
    }
    // Every $ref resolves.
    let text = doc.to_string();
    for r in text.split("\"$ref\":\"#/components/").skip(1) {
        let name = r.split('"').next().unwrap();
        let mut node = &doc["components"];
        for part in name.split('/') {
            node = &node[part];
        }
        assert!(!node.is_null(), "dangling $ref {name}");
    }
    app.finish().await;
}

pub async fn audit_chain_detects_tampering(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.login("handler").await;
    for _ in 0..3 {
        app.register(&t, petition("C", "2026-03-02", json!({}))).await;
    }
    let n = app.store.verify_audit().await.unwrap().expect("intact chain");
    // 7 units, 11 users, the built-in calendar, one login, three registrations.
    assert_eq!(n, 7 + 11 + 1 + 1 + 3, "every change is audited");
    // Change one line behind the application's back.
    let sql = "UPDATE audit_log SET object = 'forged' WHERE seq = 5";
    app.raw_sql(sql).await;
    assert_eq!(app.store.verify_audit().await.unwrap(), Err(5));
    app.finish().await;
}

pub async fn monthly_statistics_count_matters_by_unit_and_class(b: Backend) {
    let app = TestApp::start(b).await;
    let root = app.login("handler").await;
    let v1 = app.login("v1").await;
    app.register(&root, petition("C", "2026-01-05", json!({}))).await;
    app.register(&root, petition("C", "2026-01-20", json!({"class":"suggestion"}))).await;
    app.register(&v1, petition("T1-V1", "2026-01-21", json!({}))).await;
    app.register(&v1, petition("T1-V1", "2026-03-02", json!({}))).await;
    app.register(&root, petition("C", "2025-12-31", json!({}))).await;

    let (s, v) = app.get(Some(&root), "/api/v1/stats/monthly?year=2026").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["totals"]["all"], 4);
    assert_eq!(v["totals"]["by_month"]["2026-01"], 3);
    assert_eq!(v["totals"]["by_class"]["appeal"], 3);
    let cell =
        v["rows"].as_array().unwrap().iter().find(|r| r["month"] == "2026-01" && r["unit"]["code"] == "T1-V1").unwrap();
    assert_eq!(cell["count"], 1);
    // A village counts only its own.
    let (_, v) = app.get(Some(&v1), "/api/v1/stats/monthly?year=2026").await;
    assert_eq!(v["totals"]["all"], 2);
    let (s, _) = app.get(Some(&root), "/api/v1/stats/monthly?year=20x6").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    app.finish().await;
}

/// An acceptance (受理) of the case `row` on 2026-03-03, written straight to
/// the store, with `note`; the case's state is left as it was.
fn accept_step(row: &xinfang_store::PetitionRow, note: &str) -> xinfang_store::AppendEvent {
    xinfang_store::AppendEvent {
        petition_id: row.id,
        expected_version: row.version,
        status: row.status.clone(),
        unit_id: row.unit.id,
        state: row.state.clone(),
        next_due: row.next_due,
        deadlines: Vec::new(),
        event: xinfang_store::EventRecord {
            kind: "accept".into(),
            on: chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            body: format!("{{\"type\":\"accept\",\"on\":\"2026-03-03\",\"note\":\"{note}\"}}"),
            actor_id: None,
        },
        add_unit_ids: Vec::new(),
    }
}

pub async fn group_commit_answers_each_command_alone(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.login("handler").await;
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(app.register(&t, petition("C", "2026-03-02", json!({}))).await["id"].as_i64().unwrap());
    }
    // Twenty appends at once: ten carry a stale version and must fail alone,
    // ten are good and must all be stored, whatever batches they share.
    let mut handles = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        for stale in [false, true] {
            let store = app.store.clone();
            let id = *id;
            handles.push(tokio::spawn(async move {
                let row = store.petition(id).await.unwrap().unwrap();
                let mut append = accept_step(&row, &i.to_string());
                if stale {
                    append.expected_version += 7;
                }
                (stale, store.append_event(append).await)
            }));
        }
    }
    for h in handles {
        let (stale, r) = h.await.unwrap();
        match (stale, r) {
            (true, Err(xinfang_store::StoreError::Conflict(_))) | (false, Ok(())) => {}
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    for id in ids {
        assert_eq!(app.store.events(id).await.unwrap().len(), 2);
    }
    assert!(app.store.verify_audit().await.unwrap().is_ok());
    app.finish().await;
}

/// A registration record made as the service makes one, for writing
/// straight to the store.
async fn record(app: &TestApp, subject: &str) -> xinfang_store::NewPetitionRecord {
    use xinfang_domain::petition::{NewPetition, PetitionInput};
    let st = &app.state;
    let input: PetitionInput =
        serde_json::from_value(petition("C", "2026-03-03", json!({ "subject": subject }))).unwrap();
    let np = NewPetition::parse(&input, chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(), &st.rules).unwrap();
    let unit = app.store.unit_by_code("C").await.unwrap().unwrap();
    let cal = st.calendar();
    let (mut rec, state) = xinfang_app::petitions::prepare(st, &np, &unit, None, None, &cal).unwrap();
    xinfang_app::petitions::settle_record(st, &mut rec, &state, &cal).unwrap();
    rec
}

/// Registrations that share a batch are written together; one the database
/// refuses (here a query code already taken) fails alone and the others
/// are stored whole, with their audit lines, counts and search rows.
pub async fn group_commit_registers_each_petition_alone(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.login("handler").await;
    let first = app.register(&t, petition("C", "2026-03-02", json!({}))).await;
    let taken = app.store.petition(first["id"].as_i64().unwrap()).await.unwrap().unwrap().query_code;
    let mut handles = Vec::new();
    for i in 0..24 {
        let mut rec = record(&app, &format!("批量登记第{i}件 拖欠工资")).await;
        let bad = i % 8 == 3;
        if bad {
            rec.query_code = taken.clone();
        }
        let store = app.store.clone();
        handles.push(tokio::spawn(async move { (i, bad, store.insert_petitions(vec![rec]).await) }));
    }
    let mut stored = Vec::new();
    for h in handles {
        match h.await.unwrap() {
            (_, true, Err(xinfang_store::StoreError::Conflict(_))) => {}
            (i, false, Ok(ids)) => stored.push((i, ids[0].0)),
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(stored.len(), 21);
    let mut numbers = BTreeSet::new();
    for (i, id) in &stored {
        let row = app.store.petition(*id).await.unwrap().unwrap();
        assert_eq!(row.subject, format!("批量登记第{i}件 拖欠工资"));
        numbers.insert(row.case_no);
        assert_eq!(app.store.events(*id).await.unwrap().len(), 1);
        assert_eq!(app.store.petitioners(*id).await.unwrap().len(), 1);
    }
    // A refused registration used up no case number.
    assert_eq!(numbers, (2..=22).map(|n| format!("XF2026-{n:06}")).collect::<BTreeSet<_>>());
    let (s, v) = app.get(Some(&t), "/api/v1/search?q=%E6%89%B9%E9%87%8F%E7%99%BB%E8%AE%B0&limit=50").await; // 批量登记
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 21, "{v}");
    let (_, v) = app.get(Some(&t), "/api/v1/stats/monthly?year=2026").await;
    assert_eq!(v["totals"]["all"], 22, "{v}");
    assert_eq!(app.store.due_count_drift().await.unwrap(), 0);
    assert!(app.store.verify_audit().await.unwrap().is_ok());
    let lines = app.store.audit_rows(0, 1000).await.unwrap();
    assert_eq!(lines.iter().filter(|l| l.action == "petition.register").count(), 22);
    app.finish().await;
}

/// While another connection holds the write lock, commands queue up and
/// the writer then takes them as one batch, in order. A step the database
/// refuses half-way (it names a unit that does not exist, after the case
/// was updated and its event written) leaves nothing of itself, and the
/// registration after it in the same batch is stored whole.
pub async fn a_refused_step_leaves_nothing_of_itself(b: Backend) {
    use sqlx::Connection;
    let app = TestApp::start(b).await;
    let t = app.login("handler").await;
    let id = app.register(&t, petition("C", "2026-03-02", json!({}))).await["id"].as_i64().unwrap();
    let row = app.store.petition(id).await.unwrap().unwrap();
    let mut step = accept_step(&row, "");
    step.add_unit_ids = vec![row.unit.id + 100_000];
    // The write lock as the store takes it, held by another connection.
    enum Lock {
        Sqlite(sqlx::SqliteConnection),
        Postgres(sqlx::PgConnection),
    }
    let mut lock = match app.store.backend_name() {
        "sqlite" => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", app.db_path().unwrap())).await.unwrap();
            sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut c).await.unwrap();
            Lock::Sqlite(c)
        }
        _ => {
            let mut c = sqlx::PgConnection::connect(&app.db_url).await.unwrap();
            sqlx::raw_sql("BEGIN; SELECT pg_advisory_xact_lock(7720230501)").execute(&mut c).await.unwrap();
            Lock::Postgres(c)
        }
    };
    let pause = || tokio::time::sleep(std::time::Duration::from_millis(150));
    let (store, rec) = (app.store.clone(), record(&app, "先到的登记").await);
    let waiting = tokio::spawn(async move { store.insert_petitions(vec![rec]).await });
    pause().await; // the writer's first batch now waits for the lock
    let store = app.store.clone();
    let refused = tokio::spawn(async move { store.append_event(step).await });
    pause().await;
    let (store, rec) = (app.store.clone(), record(&app, "同一批次中随后的登记").await);
    let after = tokio::spawn(async move { store.insert_petitions(vec![rec]).await });
    pause().await;
    // Were the lock's statement ever to differ from the store's, nothing
    // would wait and the batch would not be the one this test means.
    assert!(
        !(waiting.is_finished() || refused.is_finished() || after.is_finished()),
        "the writer did not wait for the lock held by the other connection"
    );
    match &mut lock {
        Lock::Sqlite(c) => drop(sqlx::raw_sql("COMMIT").execute(c).await.unwrap()),
        Lock::Postgres(c) => drop(sqlx::raw_sql("COMMIT").execute(c).await.unwrap()),
    }
    waiting.await.unwrap().unwrap();
    assert!(refused.await.unwrap().is_err(), "a step naming no unit was stored");
    let after = after.await.unwrap().expect("the registration after the refused step");
    let case = app.store.petition(id).await.unwrap().unwrap();
    assert_eq!(
        (case.version, case.status.as_str()),
        (row.version, row.status.as_str()),
        "the refused step moved the case"
    );
    assert_eq!(app.store.events(id).await.unwrap().len(), 1, "the refused step left its event");
    let stored = app.store.petition(after[0].0).await.unwrap().unwrap();
    assert_eq!(stored.subject, "同一批次中随后的登记");
    assert_eq!(app.store.events(after[0].0).await.unwrap().len(), 1);
    assert_eq!(app.store.due_count_drift().await.unwrap(), 0);
    assert!(app.store.verify_audit().await.unwrap().is_ok());
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
    for row in 2..5 {
        assert!(matches!(sheet.get_value((row, 1)), Some(Data::DateTime(_))), "dates are dates");
        let phone = sheet.get_value((row, 6)).unwrap().to_string();
        assert!(phone.contains("****"), "masked: {phone}");
    }
    assert_eq!(sheet.get_value((2, 7)), Some(&Data::Float(30.0)), "newest first; persons as a number");

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

pub async fn public_submission_and_petitioner_steps(b: Backend) {
    let app = TestApp::start(b).await;
    let body = json!({
        "channel":"online","received_on": crate::support::today(),"unit":"T1","class":"appeal",
        "petitioners":[{"name":"赵六","address":"二号镇","phone":"13912345678"}],
        "request":"请求修复村道"
    });
    let (s, v) = app.post(None, "/api/v1/public/petitions", body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let code = v["query_code"].as_str().unwrap().to_string();
    assert!(v["case_no"].as_str().unwrap().starts_with("XF"));
    assert!(!v.to_string().contains("13912345678") && !v.to_string().contains("赵六"));
    // A visit cannot be "submitted online"; nor a collective one; a phone is needed to look it up.
    let mut bad = body.clone();
    bad["channel"] = json!("visit");
    assert_eq!(app.post(None, "/api/v1/public/petitions", bad).await.0, StatusCode::BAD_REQUEST);
    let mut bad = body.clone();
    bad["petitioners"] = json!([{"name":"赵六"}]);
    assert_eq!(app.post(None, "/api/v1/public/petitions", bad).await.0, StatusCode::UNPROCESSABLE_ENTITY);

    // Before a reply nothing can be evaluated; staff cannot be impersonated.
    let ev = format!("/api/v1/public/petitions/{code}/events");
    let (s, e) = app
        .post(
            None,
            &ev,
            json!({"phone_last4":"5678","type":"evaluate","on":crate::support::today(),"value":"satisfied"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, _) = app.post(None, &ev, json!({"phone_last4":"5678","type":"accept","on":crate::support::today()})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post(
            None,
            &ev,
            json!({"phone_last4":"0000","type":"evaluate","on":crate::support::today(),"value":"satisfied"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let t = app.login("t1").await;
    let (_, list) = app.get(Some(&t), "/api/v1/petitions?channel=online").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let today = crate::support::today();
    for e in [
        json!({"type":"accept","on":today}),
        json!({"type":"opinion","on":today,"decision":"explain","basis":"已列入明年计划"}),
        json!({"type":"serve","on":today}),
    ] {
        app.event(&t, id, e, StatusCode::CREATED).await;
    }
    let (s, v) =
        app.post(None, &ev, json!({"phone_last4":"5678","type":"evaluate","on":today,"value":"dissatisfied"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["evaluations"][0]["value"], "dissatisfied");
    let (s, v) =
        app.post(None, &ev, json!({"phone_last4":"5678","type":"review_request","on":today,"note":"不服"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "review_requested");
    assert_eq!(v["handling_unit"], "测试县信访局", "the next higher body reviews");
    app.finish().await;
}

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
                .map(|(unit, _, clock, overdue, today, soon)| (unit, clock, overdue, today, soon))
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
    assert!(kept >= 4, "{kept}");
    app.raw_sql("DROP TABLE office_due_counts").await;
    app.raw_sql("DROP INDEX deadlines_office_reported").await;
    app.raw_sql(
        "CREATE INDEX deadlines_office_unit ON deadlines(holder, paused, unit_id, clock, respondent_unit_id, due)",
    )
    .await;
    app.raw_sql("DELETE FROM schema_migrations WHERE name LIKE '%_office_due_counts'").await;
    let reopened = xinfang_store::Store::open(&app.db_url).await.unwrap();
    assert_eq!(reopened.due_count_drift().await.unwrap(), 0);
    assert_eq!(app.scalar_i64("SELECT CAST(SUM(n) AS BIGINT) FROM office_due_counts").await, kept);
    let names: Vec<String> = reopened.load_set_aside().await.unwrap().into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"index:deadlines_office_reported".to_string()), "{names:?}");
    assert!(!names.contains(&"index:deadlines_office_unit".to_string()), "{names:?}");
    reopened.close().await;
    app.finish().await;
}

/// A bulk load sets aside the ledger's secondary indexes (and, on
/// PostgreSQL, its foreign keys) and restores them after it. A load that
/// never finished (the process killed in the middle) leaves nothing broken:
/// the next opening of the database restores them, with the rows written
/// meanwhile, before any migration runs.
pub async fn indexes_dropped_for_a_load_come_back(b: Backend) {
    let app = TestApp::start(b).await;
    let before = app.store.load_set_aside().await.unwrap();
    let names: Vec<&str> = before.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "index:petitioners_phone",
        "index:petitioners_id",
        "index:petitioners_name",
        "index:deadlines_office_due",
        "index:petitions_status",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    assert!(
        !names.iter().any(|n| n.contains("pkey") || n.contains("sqlite_autoindex")),
        "primary keys and unique constraints stay: {names:?}"
    );
    let pg = matches!(b, Backend::Postgres);
    let fks = ["constraint:events_petition_id_fkey", "constraint:petitions_unit_id_fkey"];
    assert!(fks.iter().all(|fk| names.contains(fk) == pg), "foreign keys are set aside on PostgreSQL only: {names:?}");
    assert_eq!(app.store.set_aside_for_load().await.unwrap(), before.len());
    assert!(app.store.load_set_aside().await.unwrap().is_empty());

    // Written while they are away; then the process "dies".
    let intake = app.login("intake").await;
    let phone = json!({"petitioners": [{"name": "王五", "address": "测试县", "phone": "13700001111"}]});
    let id = app.register(&intake, petition("C", "2026-03-02", phone)).await["id"].as_i64().unwrap();

    // The next start: opening the database restores them as they were.
    let reopened = xinfang_store::Store::open(&app.db_url).await.unwrap();
    assert_eq!(reopened.load_set_aside().await.unwrap(), before);
    assert_eq!(reopened.restore_after_load().await.unwrap(), 0, "nothing is left to restore");
    assert_eq!(reopened.integrity_check().await.unwrap(), "ok");
    reopened.close().await;
    // The rebuilt index holds the row written without it.
    let (s, v) = app.get(Some(&intake), "/api/v1/search?q=13700001111").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ids: Vec<i64> = v["items"].as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [id], "{v}");
    // And the foreign keys hold again: an event of no petition is refused.
    let orphan = "INSERT INTO events (petition_id, seq, type, on_date, body, recorded_at) \
                  VALUES (999999, 1, 'note', '2026-03-02', '{}', '2026-03-02T08:00:00Z')";
    assert!(app.try_raw_sql(orphan).await.is_err(), "an event of no petition was stored");
    app.finish().await;
}
