//! An address or method nobody serves: a page for a browser, in its
//! language; JSON under `/api/`.

use crate::support::{Backend, TestApp};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE};

pub async fn unknown_addresses_get_a_page_and_the_api_json(b: Backend) {
    let app = TestApp::start(b).await;
    let send = |method: reqwest::Method, path: &str, cookie: &str| {
        app.client.request(method, format!("{}{path}", app.base)).header(COOKIE, cookie).send()
    };
    for (method, path, status, zh, en) in [
        (reqwest::Method::GET, "/petitionz", StatusCode::NOT_FOUND, "没有这个地址", "No such address"),
        (reqwest::Method::GET, "/portal/nope", StatusCode::NOT_FOUND, "没有这个地址", "No such address"),
        (
            reqwest::Method::DELETE,
            "/petitions",
            StatusCode::METHOD_NOT_ALLOWED,
            "该地址不支持此请求方法",
            "This address does not take this method",
        ),
    ] {
        for (cookie, text) in [("", zh), ("xinfang_lang=en", en)] {
            let res = send(method.clone(), path, cookie).await.unwrap();
            assert_eq!(res.status(), status, "{method} {path}");
            let kind = res.headers()[CONTENT_TYPE].to_str().unwrap().to_string();
            assert!(kind.starts_with("text/html"), "{method} {path}: {kind}");
            let html = res.text().await.unwrap();
            assert!(html.contains(text) && html.contains("<h1>"), "{method} {path} ({cookie}): {html}");
        }
    }
    for (method, path, status, code) in [
        (reqwest::Method::GET, "/api/v1/nothing-here", StatusCode::NOT_FOUND, "not_found"),
        (reqwest::Method::PUT, "/api/v1/petitions", StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
    ] {
        let res = send(method.clone(), path, "xinfang_lang=en").await.unwrap();
        assert_eq!(res.status(), status, "{method} {path}");
        assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{method} {path}: {body}");
    }
    app.finish().await;
}
