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
    tamper(&app, sql).await;
    assert_eq!(app.store.verify_audit().await.unwrap(), Err(5));
    app.finish().await;
}

async fn tamper(app: &TestApp, sql: &str) {
    // The store has no API to rewrite history; reach the database directly.
    match app.store.backend_name() {
        "sqlite" => {
            let path = app.db_path().expect("sqlite path");
            let mut c =
                <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{path}")).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
        _ => {
            let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&app.db_url).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
    }
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
                let append = xinfang_store::AppendEvent {
                    petition_id: id,
                    expected_version: if stale { row.version + 7 } else { row.version },
                    status: row.status.clone(),
                    unit_id: row.unit.id,
                    state: row.state.clone(),
                    next_due: row.next_due,
                    deadlines: Vec::new(),
                    event: xinfang_store::EventRecord {
                        kind: "accept".into(),
                        on: chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
                        body: format!("{{\"type\":\"accept\",\"on\":\"2026-03-03\",\"note\":\"{i}\"}}"),
                        actor_id: None,
                    },
                    add_unit_ids: Vec::new(),
                };
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
