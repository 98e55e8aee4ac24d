//! The login page, logging in and out from the pages (a session cookie,
//! HttpOnly and SameSite=Strict; the form's CSRF token a double-submit
//! cookie before login).

use crate::error::AppError;
use crate::extract::PageForm;
use crate::i18n::Tr;
use crate::page::{
    CSRF_COOKIE, Layout, PageUser, SESSION_COOKIE, cookie, error_page_in, new_form_token, page_tr, render, same_token,
    see_other, set_cookie, url_encode,
};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xinfang_app::AppState;

#[derive(Template)]
#[template(path = "session/login.html")]
pub(crate) struct LoginPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) csrf: String,
    pub(crate) next: String,
    pub(crate) username: String,
    pub(crate) error: Option<String>,
    pub(crate) here: String,
}

#[derive(Deserialize)]
pub struct NextParam {
    pub(crate) next: Option<String>,
}

/// Only a path of this site is followed after login and on `/lang`;
/// anything else goes to the workbench (no open redirect). A path is one
/// `/`, not two, then visible ASCII only: browsers drop tabs and line
/// breaks from a URL and read `\\` as `/`, so `/\t/host` or `/\\host` would
/// leave the site, and a CR or LF cannot go in a header at all.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_string(),
        _ => "/".to_string(),
    }
}

fn is_local_path(n: &str) -> bool {
    let b = n.as_bytes();
    b.len() <= 2048
        && b.first() == Some(&b'/')
        && b.get(1) != Some(&b'/')
        && b.iter().all(|&c| c.is_ascii_graphic() && c != b'\\')
}

pub(crate) fn login_page(tr: Tr, next: String, username: String, error: Option<&str>, status: StatusCode) -> Response {
    let csrf = new_form_token();
    let here = url_encode(&format!("/login?next={}", url_encode(&next)));
    let error = error.map(|e| tr.t(e).to_string());
    let page = LoginPage { tr, layout: None, nav: "", csrf: csrf.clone(), next, username, error, here };
    let mut res = (status, render(&page)).into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, &csrf, 3600));
    res
}

pub async fn login_form(headers: HeaderMap, Query(p): Query<NextParam>) -> Response {
    login_page(page_tr(&headers), safe_next(p.next.as_deref()), String::new(), None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) csrf: String,
    pub(crate) next: Option<String>,
}

pub async fn login(
    State(st): State<AppState>,
    crate::extract::ClientAddr(client): crate::extract::ClientAddr,
    headers: HeaderMap,
    PageForm(f): PageForm<LoginForm>,
) -> Response {
    let tr = page_tr(&headers);
    let next = safe_next(f.next.as_deref());
    let cookie_token = cookie(&headers, CSRF_COOKIE).unwrap_or_default();
    if cookie_token.is_empty() || !same_token(&cookie_token, &f.csrf) {
        return login_page(tr, next, f.username, Some("登录表单已过期，请重新输入"), StatusCode::FORBIDDEN);
    }
    let user =
        match xinfang_app::auth::authenticate(&st, &client, &f.username, &f.password).await.map_err(AppError::from) {
            Ok(u) => u,
            Err(e) => return login_page(tr, next, f.username, Some(&e.message), e.status),
        };
    match xinfang_app::auth::start_session(&st, &user).await.map_err(AppError::from) {
        Ok((token, _)) => {
            let mut res = see_other(&next);
            let max_age = st.session_ttl.as_secs() as i64;
            res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &token, max_age));
            res.headers_mut().append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, "", 0));
            res
        }
        Err(e) => error_page_in(tr, None, &e),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    pub(crate) csrf: Option<String>,
}

pub async fn logout(
    State(st): State<AppState>,
    pu: PageUser,
    headers: HeaderMap,
    PageForm(f): PageForm<CsrfOnly>,
) -> Response {
    if let Some(r) = pu.csrf_rejection(f.csrf.as_deref()) {
        return r;
    }
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let _ = xinfang_app::auth::end_session(&st, &token).await;
    }
    let mut res = see_other("/login");
    res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0));
    res
}

// ---------------------------------------------------------------- workbench

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_a_path_of_this_site_is_followed() {
        for ok in ["/", "/petitions?status=open&page=2", "/petitions/12", "/%09/host"] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//evil.example",
            "/\tevil",
            "/\t/evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "/a\r\nSet-Cookie: x=1",
            "/ /evil",
            "/\u{3000}/evil",
            "",
            "petitions",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
