//! A cookie-keeping client for the HTML pages, as a browser without
//! JavaScript would use them.

use super::{PASSWORD, TestApp};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// A browser-less page session: the cookies it was given.
pub struct Pages<'a> {
    pub app: &'a TestApp,
    pub http: reqwest::Client,
    pub cookies: Vec<(String, String)>,
}

impl<'a> Pages<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Pages { app, http, cookies: Vec::new() }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn keep(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all(SET_COOKIE) {
            let text = v.to_str().unwrap();
            let (kv, _) = text.split_once(';').unwrap_or((text, ""));
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, String, Option<String>) {
        let res = self
            .http
            .get(format!("{}{path}", self.app.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&res);
        let loc = res.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_string());
        (res.status(), res.text().await.unwrap(), loc)
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let res = self
            .http
            .post(format!("{}{path}", self.app.base))
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(&res);
        let loc = res.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_string());
        (res.status(), res.text().await.unwrap(), loc)
    }

    pub async fn login(&mut self, user: &str) -> String {
        let (_, html, _) = self.get("/login").await;
        let csrf = field(&html, "csrf");
        let (s, _, loc) =
            self.post("/login", &[("csrf", &csrf), ("username", user), ("password", PASSWORD), ("next", "/")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(loc.as_deref(), Some("/"));
        let (_, html, _) = self.get("/").await;
        field(&html, "csrf")
    }
}

/// The value of the first hidden input `name` in a page.
pub fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in page")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}
