//! Bad input of every kind: a clear 4xx with a Chinese message, and nothing
//! stored.

use crate::support::{Backend, TestApp, petition};
use reqwest::StatusCode;
use serde_json::json;

async fn count(app: &TestApp, token: &str) -> usize {
    app.get(Some(token), "/api/v1/petitions?limit=200").await.1["items"].as_array().unwrap().len()
}

pub async fn bad_input_gets_a_clear_4xx_and_changes_nothing(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.login("intake").await;
    let p = app.register(&t, petition("C", "2026-03-02", json!({}))).await;
    let id = p["id"].as_i64().unwrap();
    let audit_before = app.store.audit_rows(0, 10_000).await.unwrap().len();
    let path = "/api/v1/petitions";

    let cases: Vec<(&str, serde_json::Value, StatusCode, &str)> = vec![
        (
            "wrong type",
            petition("C", "2026-03-02", json!({"channel": 5})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            "unknown channel",
            petition("C", "2026-03-02", json!({"channel": "pigeon"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            "unknown field",
            petition("C", "2026-03-02", json!({"surveillance": true})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        ("impossible date", petition("C", "2026-02-30", json!({})), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
        ("future date", petition("C", "2099-01-01", json!({})), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
        (
            "bad ID number",
            petition("C", "2026-03-02", json!({"petitioners":[{"name":"王五","id_number":"110105194912310021"}]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            "bad phone",
            petition("C", "2026-03-02", json!({"petitioners":[{"name":"王五","phone":"12345"}]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            "no petitioner",
            petition("C", "2026-03-02", json!({"petitioners":[]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            "empty request",
            petition("C", "2026-03-02", json!({"request":"   "})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            "too long request",
            petition("C", "2026-03-02", json!({"request":"长".repeat(5001)})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        ("unknown unit", petition("NOPE", "2026-03-02", json!({})), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
        ("missing field", json!({"channel":"letter"}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
    ];
    for (what, body, status, code) in cases {
        let (s, e) = app.post(Some(&t), path, body).await;
        assert_eq!(s, status, "{what}: {e}");
        assert_eq!(e["error"]["code"], code, "{what}: {e}");
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{what}: message not in Chinese: {msg}");
    }
    let (_, e) = app
        .post(
            Some(&t),
            path,
            petition("C", "2026-03-02", json!({"petitioners":[{"name":"王五","id_number":"110105194912310021"}]})),
        )
        .await;
    assert_eq!(e["error"]["fields"][0]["field"], "petitioners[0].id_number");

    let (s, e) = app.post_raw(Some(&t), path, "application/json", b"{\"channel\":".to_vec()).await;
    assert_eq!((s, e["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("malformed_json")));
    let (s, _) = app.post_raw(Some(&t), path, "text/plain", b"{}".to_vec()).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = serde_json::to_vec(&petition("C", "2026-03-02", json!({"facts": "x".repeat(300_000)}))).unwrap();
    let (s, e) = app.post_raw(Some(&t), path, "application/json", huge).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{e}");

    // Events.
    let ev = format!("/api/v1/petitions/{id}/events");
    for (body, status) in [
        (json!({"type":"fly","on":"2026-03-03"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"type":"accept","on":"2026-13-01"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"type":"accept"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"type":"accept","on":"2099-03-03"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"type":"register","on":"2026-03-03","unit":"C"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"type":"transfer","on":"2026-03-03","to":"NOPE"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"type":"decline","on":"2026-03-03","route":"moon","reason":"x"}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"type":"decline","on":"2026-03-03","route":"arbitration","reason":""}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"type":"evaluate","on":"2026-03-03","value":"great"}), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (s, e) = app.post(Some(&t), &ev, body.clone()).await;
        assert_eq!(s, status, "{body}: {e}");
    }
    assert_eq!(
        app.post(Some(&t), "/api/v1/petitions/abc/events", json!({"type":"accept","on":"2026-03-03"})).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.post(Some(&t), "/api/v1/petitions/999999/events", json!({"type":"accept","on":"2026-03-03"})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(Some(&t), "/api/v1/petitions/abc").await.0, StatusCode::BAD_REQUEST);
    for q in [
        "status=flying",
        "class=x",
        "channel=x",
        "received_from=2026-02-30",
        "overdue=maybe",
        "cursor=-1",
        "limit=0",
        "limit=1000",
        "unit=NOPE",
    ] {
        let (s, e) = app.get(Some(&t), &format!("/api/v1/petitions?{q}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {e}");
    }
    let (s, e) = app.get(Some(&t), "/api/v1/nothing-here").await;
    assert_eq!((s, e["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let res = app.client.put(format!("{}/api/v1/petitions", app.base)).bearer_auth(&t).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);

    assert_eq!(count(&app, &t).await, 1, "a refused request stored a petition");
    let (_, full) = app.get(Some(&t), &format!("/api/v1/petitions/{id}")).await;
    assert_eq!(full["events"].as_array().unwrap().len(), 1, "a refused event was stored");
    assert_eq!(
        app.store.audit_rows(0, 10_000).await.unwrap().len(),
        audit_before,
        "a refused request wrote to the audit log"
    );
    app.finish().await;
}

pub async fn art20_at_most_five_representatives(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.login("intake").await;
    let people: Vec<_> = (0..6).map(|i| json!({"name": format!("代表{i}"), "phone": "13800138000"})).collect();
    let six = petition(
        "C",
        "2026-03-02",
        json!({"channel":"visit","petitioners": people, "collective": {"persons": 40, "representatives": [0,1,2,3,4,5]}}),
    );
    let (s, e) = app.post(Some(&t), "/api/v1/petitions", six).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["fields"][0]["code"], "art20_too_many_representatives");
    assert!(e["error"]["message"].as_str().unwrap().contains("第二十条"));
    let five = petition(
        "C",
        "2026-03-02",
        json!({"channel":"visit","petitioners": people, "collective": {"persons": 40, "representatives": [0,1,2,3,4]}}),
    );
    let p = app.register(&t, five).await;
    assert_eq!(p["collective"]["persons"], 40);
    assert_eq!(p["collective"]["representatives"], 5);
    let (s, _) = app
        .post(
            Some(&t),
            "/api/v1/petitions",
            petition("C", "2026-03-02", json!({"collective": {"persons": 40, "representatives": [3]}})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a representative must be a registered petitioner");
    app.finish().await;
}
