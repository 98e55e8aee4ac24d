//! What a hostile tester tried against the kernel (issue 24): redirects
//! that leave the site, hardening headers, throttles behind a proxy and
//! accounts locked by strangers.

use crate::support::{Backend, PASSWORD, Pages, TestApp, field};
use reqwest::StatusCode;

/// After login and on `/lang`, only a path of this site is followed: a tab,
/// a backslash or a line break that a browser would strip or read as `/`
/// sends the user to the workbench, and a CR/LF is never a 500.
pub async fn only_paths_of_this_site_are_followed(b: Backend) {
    let app = TestApp::start(b).await;
    let mut p = Pages::new(&app);
    for next in ["%2F%09%2Fevil.example", "/%09/evil.example", "%2F%5Cevil.example", "%2Fa%0D%0ASet-Cookie:%20x=1", "%2F%0A%2Fevil"] {
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
