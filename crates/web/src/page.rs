//! What every HTML page shares: the layout, rendering, the error page, the
//! logged-in user of a page ([`PageUser`]), cookies, CSRF tokens, the
//! language switch, the static files and the security headers. Pages are
//! server-rendered (askama) and work without JavaScript; every command goes
//! through the same `xinfang_app` functions as the API.
//!
//! Security: a session cookie (HttpOnly, SameSite=Strict) for staff; a CSRF
//! token on every form (derived from the session, or a double-submit cookie
//! before login); a Content-Security-Policy that allows only our own script
//! and stylesheet, served from the binary.

use crate::error::AppError;
use crate::i18n::{LANG_COOKIE, Lang, Tr};
use crate::session::pages::safe_next;
use askama::Template;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use xinfang_app::{AppState, auth};
use xinfang_store::User;

pub const SESSION_COOKIE: &str = "xinfang_session";
pub const CSRF_COOKIE: &str = "xinfang_csrf";

pub(crate) const CSS: &str = include_str!("../static/app.css");
pub(crate) const JS: &str = include_str!("../static/app.js");

/// What the page header shows.
#[derive(Debug, Clone)]
pub struct Layout {
    pub user: String,
    pub role: &'static str,
    pub unit: String,
    pub csrf: String,
    pub can_work: bool,
    /// The page's path and query, percent-encoded, to come back to after
    /// switching the language.
    pub here: String,
}

/// Renders a template, or a plain error page if rendering fails.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<h1>服务器内部错误</h1>".to_string())).into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub tr: Tr,
    pub layout: Option<Layout>,
    pub nav: &'static str,
    pub title: String,
    pub message: String,
}

/// An error as a page (for the HTML side of the site).
pub fn error_page(layout: Option<Layout>, e: &AppError) -> Response {
    error_page_in(Tr::default(), layout, e)
}

/// An error as a page in the user's language.
pub fn error_page_in(tr: Tr, layout: Option<Layout>, e: &AppError) -> Response {
    let title = match e.status {
        StatusCode::NOT_FOUND => "未找到",
        StatusCode::FORBIDDEN => "无权操作",
        StatusCode::TOO_MANY_REQUESTS => "请稍后再试",
        s if s.is_server_error() => "服务器错误",
        _ => "无法完成",
    };
    let page = ErrorPage { tr, layout, nav: "", title: tr.t(title).into(), message: tr.t(&e.message).to_string() };
    (e.status, render(&page)).into_response()
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The CSRF token of a session: derived from the session token, so it needs
/// no storage and dies with the session.
pub fn csrf_for(session_token: &str) -> String {
    hex::encode(&Sha256::digest(format!("xinfang-csrf:{session_token}").as_bytes())[..16])
}

/// Constant-time comparison of two tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The logged-in staff member of a page request (cookie session). Without a
/// session the request is redirected to the login page.
pub struct PageUser {
    pub user: User,
    pub csrf: String,
    pub tr: Tr,
    /// The path and query of the request, percent-encoded.
    pub here: String,
}

impl PageUser {
    pub fn layout(&self) -> Layout {
        Layout {
            user: self.user.display_name.clone(),
            role: self.user.role.label(),
            unit: self.user.unit.name.clone(),
            csrf: self.csrf.clone(),
            can_work: self.user.role.works_petitions(),
            here: self.here.clone(),
        }
    }

    /// An error as a page with this user's header and language.
    pub fn error(&self, e: &AppError) -> Response {
        error_page_in(self.tr, Some(self.layout()), e)
    }

    /// Checks a submitted form's CSRF token: `Some(error page)` if it is
    /// missing or wrong.
    pub fn csrf_rejection(&self, submitted: Option<&str>) -> Option<Response> {
        match submitted {
            Some(t) if same_token(t, &self.csrf) => None,
            _ => Some(self.error(&AppError::forbidden("表单已过期或来源不明（CSRF 校验失败），请返回后刷新页面重试"))),
        }
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let to_login = || {
            let next = url_encode(parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
            Redirect::to(&format!("/login?next={next}")).into_response()
        };
        let here = url_encode(&page_of(&parts.method, &parts.uri));
        let tr = page_tr(&parts.headers);
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE).filter(|t| t.len() == 64) else {
            return Err(to_login());
        };
        match auth::session_user(state, &token).await {
            Ok(Some(user)) => Ok(PageUser { user, csrf: csrf_for(&token), tr, here }),
            Ok(None) => Err(to_login()),
            Err(e) => Err(error_page_in(tr, None, &AppError::from(e))),
        }
    }
}

/// The page a request shows, as a address to GET again: itself, or for a
/// form's POST the page the form is on (a step, a repeat link → the
/// petition; adding a unit or user → the administration page).
pub(crate) fn page_of(method: &axum::http::Method, uri: &axum::http::Uri) -> String {
    if method == axum::http::Method::GET {
        return uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    }
    let path = uri.path();
    match path {
        "/admin/units" | "/admin/users" => "/admin/calendar".to_string(),
        _ => path.strip_suffix("/events").or_else(|| path.strip_suffix("/repeat-of")).unwrap_or(path).to_string(),
    }
}

/// The language the staff pages are shown in: the cookie's, else Chinese.
pub fn page_tr(headers: &HeaderMap) -> Tr {
    Tr::new(Lang::from_cookie(cookie(headers, LANG_COOKIE).as_deref()))
}

#[derive(serde::Deserialize)]
pub struct LangParams {
    pub(crate) to: String,
    pub(crate) next: Option<String>,
}

/// Switches the staff pages' language (a cookie kept for a year) and goes
/// back to the page the user was on. Any value but `en` means Chinese.
pub(crate) async fn switch_lang(axum::extract::Query(p): axum::extract::Query<LangParams>) -> Response {
    let lang = Lang::from_cookie(Some(p.to.as_str()));
    let cookie = format!("{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000", lang.code());
    let mut res = Redirect::to(&safe_next(p.next.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// Percent-encodes a value for a query string.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A random token for the double-submit cookie of forms shown before login.
pub fn new_form_token() -> String {
    auth::new_token().map(|(t, _)| t[..32].to_string()).unwrap_or_default()
}

/// Security headers on every response: our own script and style only, no
/// framing, no sniffing, no referrer leaking query codes. Nothing is kept
/// in a cache unless the handler said so (the stylesheet and script): the
/// answers carry petitions, personal data and query codes. When the site
/// is reached over https (`--public-url https://…`), every cookie is
/// `Secure` and browsers are told to use nothing but https (HSTS).
pub async fn security_headers(
    axum::extract::State(st): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'; connect-src 'self'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if st.options.https() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
        let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
        h.remove(header::SET_COOKIE);
        for c in cookies {
            let secure = c.to_str().ok().and_then(|t| HeaderValue::from_str(&format!("{t}; Secure")).ok());
            h.append(header::SET_COOKIE, secure.unwrap_or(c));
        }
    }
    res
}

pub(crate) async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], CSS)
}

pub(crate) async fn js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], JS)
}

pub(crate) type Options = Vec<(&'static str, &'static str)>;

pub(crate) fn options<T: Copy>(all: &[T], wire: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Options {
    all.iter().map(|x| (wire(*x), label(*x))).collect()
}

pub(crate) fn set_cookie(name: &str, value: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A redirect after a successful form (303: the browser GETs the target).
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

// ---------------------------------------------------------------- login

/// The pages' own routes: the stylesheet, the script and the language switch.
pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .route("/lang", get(switch_lang))
}
