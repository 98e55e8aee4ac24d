//! The portal's look-up pass: once a petitioner has given their query code
//! and phone suffix (by POST, or by submitting a petition), both ride in a
//! signed cookie — HttpOnly, `SameSite=Strict`, path `/portal`, no lasting
//! date, valid for 30 minutes — so the pages after it (the case, the
//! receipt, an evaluation) carry neither in the address bar, the history or
//! a proxy's log (issue 24 ¶12, issue 25 ¶11). 退出查询 ends it at once.
//! The signature is keyed from the key file, so a pass cannot be made up;
//! each use still goes through the throttled [`petitions::find`].

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use xinfang_app::AppState;

const PASS_COOKIE: &str = "xf_pass";
/// How long a pass lasts, in seconds.
const LIFETIME: i64 = 30 * 60;

/// A pass for `code` and `last4`, valid for [`LIFETIME`] from `now`, set on
/// `res`.
pub(crate) fn grant(st: &AppState, mut res: Response, code: &str, last4: &str) -> Response {
    let until = chrono::Utc::now().timestamp() + LIFETIME;
    let text = format!("{code}.{last4}.{until}");
    let value = format!("{text}.{}", st.keys.sign_pass(&text));
    set(&mut res, &format!("{PASS_COOKIE}={value}; Path=/portal; HttpOnly; SameSite=Strict"));
    res
}

/// Ends the pass on `res`.
pub(crate) fn end(mut res: Response) -> Response {
    set(&mut res, &format!("{PASS_COOKIE}=; Path=/portal; HttpOnly; SameSite=Strict; Max-Age=0"));
    res
}

fn set(res: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The code and phone suffix of a valid, unexpired pass.
pub(crate) fn held(st: &AppState, headers: &HeaderMap) -> Option<(String, String)> {
    let value = crate::page::cookie(headers, PASS_COOKIE)?;
    let (text, sig) = value.rsplit_once('.')?;
    if !crate::page::same_token(&st.keys.sign_pass(text), sig) {
        return None;
    }
    let mut parts = text.splitn(3, '.');
    let (code, last4, until) = (parts.next()?, parts.next()?, parts.next()?);
    let until: i64 = until.parse().ok()?;
    (chrono::Utc::now().timestamp() <= until).then(|| (code.to_string(), last4.to_string()))
}
