//! The OpenAPI document: every route is in it, and everything in it is a route.

use crate::support::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;

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
