//! The OpenAPI document: generated from the handlers' annotations, every
//! route in it is served, every API route is in it, every reference in it
//! resolves, and every change to it shows in review as a change to the
//! committed snapshot.

use crate::support::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

/// The committed snapshot of the document (`tests/snapshots/openapi.json`).
const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");

pub async fn openapi_document_lists_every_route(b: Backend) {
    let app = TestApp::start(b).await;
    let (s, doc) = app.get(None, "/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| ops.as_object().unwrap().keys().map(move |m| (m.clone(), path.clone())))
        .collect();
    assert!(documented.len() >= 21, "{documented:?}");
    // Every documented route answers (not the fallback's "no such address").
    for (method, path) in &documented {
        let url =
            format!("{}{}", app.base, path.replace("{id}", "1").replace("{seq}", "0").replace("{query_code}", "X"));
        let req = match method.as_str() {
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

/// Every API route is registered through `routes!`, so it is documented:
/// none is added to a router as a bare `.route("/api…")`.
#[test]
fn every_api_route_is_documented() {
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut seen = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            seen += text.matches("routes!(").count();
            for bare in [".route(\"/api", ".route(\"/healthz"] {
                assert!(!text.contains(bare), "{} adds an API route without its document", path.display());
            }
        }
    }
    assert!(seen >= 15, "the routers register their API routes with routes!: {seen}");
}

/// The document as generated, against the committed snapshot: a change to
/// the API shows in review as a change to `tests/snapshots/openapi.json`.
/// `XINFANG_UPDATE_SNAPSHOTS=1 cargo test -p xinfang-web` writes the new one.
#[test]
fn openapi_document_matches_its_snapshot() {
    let generated = format!("{}\n", xinfang_web::api::DOCUMENT.as_str());
    if std::env::var("XINFANG_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(SNAPSHOT, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    if committed != generated {
        let first = committed.lines().zip(generated.lines()).position(|(a, b)| a != b);
        panic!(
            "the API document changed (first difference at line {}): review it and run \
             XINFANG_UPDATE_SNAPSHOTS=1 cargo test -p xinfang-web to accept it",
            first.map_or_else(|| "the end".to_string(), |n| (n + 1).to_string())
        );
    }
}
