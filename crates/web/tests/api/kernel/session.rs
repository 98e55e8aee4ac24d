//! Logging in: failed attempts are throttled.

use crate::support::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

pub async fn failed_logins_are_throttled(b: Backend) {
    let app = TestApp::start(b).await;
    for _ in 0..5 {
        let (s, e) = app.post(None, "/api/v1/session", json!({"username":"handler","password":"wrong-password"})).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(e["error"]["message"], "用户名或密码错误");
    }
    let (s, e) =
        app.post(None, "/api/v1/session", json!({"username":"handler","password":crate::support::PASSWORD})).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}");
    // An unknown user gets the same answer as a wrong password.
    let (s, e) = app.post(None, "/api/v1/session", json!({"username":"nobody","password":"x"})).await;
    assert_eq!((s, e["error"]["message"].as_str()), (StatusCode::UNAUTHORIZED, Some("用户名或密码错误")));
    // Other users are not affected.
    app.login("leader").await;
    let failed = app
        .store
        .audit_rows(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "session.login" && !r.success)
        .count();
    assert_eq!(failed, 6);
    app.finish().await;
}
