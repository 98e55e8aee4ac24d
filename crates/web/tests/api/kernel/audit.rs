//! The hash-chained audit log: a changed line is found.

use crate::support::{Backend, TestApp, petition};
use serde_json::json;

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
