//! What a hostile tester tried against the kernel (issue 24): redirects
//! that leave the site, hardening headers, throttles behind a proxy and
//! accounts locked by strangers.

use crate::support::{Backend, PASSWORD, Pages, TestApp, field};
use reqwest::StatusCode;
use serde_json::json;

/// After login and on `/lang`, only a path of this site is followed: a tab,
/// a backslash or a line break that a browser would strip or read as `/`
/// sends the user to the workbench, and a CR/LF is never a 500.
pub async fn only_paths_of_this_site_are_followed(b: Backend) {
    let app = TestApp::start(b).await;
    let mut p = Pages::new(&app);
    for next in [
        "%2F%09%2Fevil.example",
        "/%09/evil.example",
        "%2F%5Cevil.example",
        "%2Fa%0D%0ASet-Cookie:%20x=1",
        "%2F%0A%2Fevil",
    ] {
        let (s, _, loc) = p.get(&format!("/lang?to=en&next={next}")).await;
        assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/")), "{next}");
        let (s, html, _) = p.get(&format!("/login?next={next}")).await;
        assert_eq!(s, StatusCode::OK, "{next}");
        assert_eq!(field(&html, "next"), "/", "{next}");
    }
    for next in ["/\t/evil.example", "/\r\n/evil.example", "//evil.example", "/\\evil.example"] {
        let (_, html, _) = p.get("/login").await;
        let csrf = field(&html, "csrf");
        let (s, _, loc) =
            p.post("/login", &[("csrf", &csrf), ("username", "handler"), ("password", PASSWORD), ("next", next)]).await;
        assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/")), "{next:?}");
    }
    app.finish().await;
}

fn behind_proxy() -> xinfang_app::state::Options {
    xinfang_app::state::Options {
        trusted_proxies: vec![xinfang_app::throttle::ProxyNet::parse("127.0.0.1").unwrap()],
        public_url: None,
        ..Default::default()
    }
}

async fn login_from(app: &TestApp, from: &str, username: &str, password: &str) -> StatusCode {
    app.client
        .post(format!("{}/api/v1/session", app.base))
        .header("x-forwarded-for", from)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

/// Five wrong passwords from a stranger's address lock `admin` there, not
/// at the administrator's desk; the lock grows, an administrator sees it on
/// the administration page and lifts it.
pub async fn a_stranger_cannot_lock_a_clerk_out(b: Backend) {
    let app = TestApp::builder(b).options(behind_proxy()).start().await;
    let stranger = "203.0.113.9";
    for _ in 0..5 {
        assert_eq!(login_from(&app, stranger, "admin", "wrong-password").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login_from(&app, stranger, "admin", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login_from(&app, "10.1.2.3", "admin", PASSWORD).await, StatusCode::CREATED, "the desk is not locked");

    let mut p = Pages::new(&app);
    p.login("admin").await;
    let (_, html, _) = p.get("/admin/calendar").await;
    assert!(html.contains("登录锁定") && html.contains(stranger), "the lock is listed");
    let csrf = field(&html, "csrf");
    let (s, html, _) = p.post("/admin/login-locks", &[("csrf", &csrf), ("username", "admin")]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("已解除 admin 的登录锁定") && !html.contains(stranger));
    assert_eq!(login_from(&app, stranger, "admin", PASSWORD).await, StatusCode::CREATED);
    // Only an administrator lifts a lock.
    let mut clerk = Pages::new(&app);
    let csrf = clerk.login("handler").await;
    let (s, _, _) = clerk.post("/admin/login-locks", &[("csrf", &csrf), ("username", "admin")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let unlocks = app.store.audit_rows(0, 10_000).await.unwrap().into_iter().filter(|r| r.action == "session.unlock");
    assert_eq!(unlocks.count(), 1);
    app.finish().await;
}

async fn lookup_from(app: &TestApp, from: &str, code: &str, last4: &str) -> StatusCode {
    app.client
        .get(format!("{}/api/v1/public/petitions/{code}?phone_last4={last4}", app.base))
        .header("x-forwarded-for", from)
        .send()
        .await
        .unwrap()
        .status()
}

/// Behind the reverse proxy, the public look-up counts each client, not
/// the proxy: one person's failures hold only them, a correct code and
/// suffix pass even then, and the header means nothing from anyone else.
/// A code whose suffix is guessed wrong too often waits for everyone.
pub async fn public_throttles_count_the_client_behind_a_proxy(b: Backend) {
    let app = TestApp::builder(b).options(behind_proxy()).start().await;
    let handler = app.login("handler").await;
    let p = app.register(&handler, crate::support::petition("C", "2026-03-02", json!({}))).await;
    let code = p["query_code"].as_str().unwrap().to_string();
    for _ in 0..20 {
        assert_eq!(lookup_from(&app, "198.51.100.7", "ZZZZZZZZZZZZ", "0000").await, StatusCode::NOT_FOUND);
    }
    assert_eq!(lookup_from(&app, "198.51.100.7", "ZZZZZZZZZZZZ", "0000").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(lookup_from(&app, "198.51.100.8", "ZZZZZZZZZZZZ", "0000").await, StatusCode::NOT_FOUND, "a neighbour");
    assert_eq!(lookup_from(&app, "198.51.100.7", &code, "8000").await, StatusCode::OK, "the right code passes");
    // The suffix of a known code cannot be tried out from many addresses.
    for i in 0..10 {
        assert_eq!(lookup_from(&app, &format!("192.0.2.{i}"), &code, "1111").await, StatusCode::NOT_FOUND);
    }
    assert_eq!(lookup_from(&app, "192.0.2.77", &code, "8000").await, StatusCode::TOO_MANY_REQUESTS);
    app.finish().await;

    // Without a trusted proxy the header is the client's own words and changes nothing.
    let app = TestApp::start(b).await;
    for i in 0..20 {
        lookup_from(&app, &format!("192.0.2.{i}"), "ZZZZZZZZZZZZ", "0000").await;
    }
    assert_eq!(lookup_from(&app, "192.0.2.200", "ZZZZZZZZZZZZ", "0000").await, StatusCode::TOO_MANY_REQUESTS);
    app.finish().await;
}

/// Nothing with personal data or a query code is kept in a cache; over
/// https, cookies are Secure and browsers are told to stay on https.
pub async fn answers_are_not_cached_and_https_cookies_are_secure(b: Backend) {
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let p = app.register(&handler, crate::support::petition("C", "2026-03-02", json!({}))).await;
    let code = p["query_code"].as_str().unwrap();
    for path in [
        format!("/api/v1/petitions/{}", p["id"]),
        format!("/api/v1/public/petitions/{code}?phone_last4=8000"),
        "/login".into(),
    ] {
        let res = app.client.get(format!("{}{path}", app.base)).bearer_auth(&handler).send().await.unwrap();
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
        assert!(res.headers().get("strict-transport-security").is_none());
    }
    let res = app.client.get(format!("{}/static/app.css", app.base)).send().await.unwrap();
    assert_ne!(res.headers()["cache-control"], "no-store", "the stylesheet may be cached");
    app.finish().await;

    let https =
        xinfang_app::state::Options { public_url: Some("https://xf.example.gov.cn".into()), ..Default::default() };
    let app = TestApp::builder(b).options(https).start().await;
    let res = app.client.get(format!("{}/login", app.base)).send().await.unwrap();
    assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000");
    let cookies: Vec<_> = res.headers().get_all("set-cookie").iter().map(|c| c.to_str().unwrap().to_string()).collect();
    assert!(!cookies.is_empty() && cookies.iter().all(|c| c.ends_with("; Secure")), "{cookies:?}");
    app.finish().await;
}
