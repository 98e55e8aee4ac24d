//! The petitioner portal (网上信访): submit online and get the case number
//! and query code at once; look up progress with the query code and the last
//! four digits of the phone; evaluate a served reply; ask for review in time.
//! Only the public view of a case is ever shown here.

use super::pass;
use crate::error::AppError;
use crate::extract::PageForm;
use crate::i18n::Tr;
use crate::page::{CSRF_COOKIE, Layout, cookie, error_page, new_form_token, render, same_token, url_encode};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use xinfang_app::{AppState, petitions, today};
use xinfang_domain::UnitKind;
use xinfang_domain::petition::{Evaluation, PetitionClass, PetitionInput, PetitionerInput};

pub(crate) type Options = Vec<(&'static str, &'static str)>;

pub(crate) fn with_form_cookie(mut res: Response, token: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{}={token}; Path=/portal; HttpOnly; SameSite=Strict; Max-Age=7200",
        CSRF_COOKIE
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub(crate) fn form_token_ok(headers: &HeaderMap, submitted: Option<&str>) -> bool {
    match (cookie(headers, CSRF_COOKIE), submitted) {
        (Some(c), Some(s)) if !c.is_empty() => same_token(&c, s),
        _ => false,
    }
}

#[derive(Template)]
#[template(path = "portal/home.html")]
pub(crate) struct Home {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    /// The office the portal is of (the root of the unit tree), for the header.
    pub(crate) office: String,
    /// The leaders' reception days to come (Art. 18).
    pub(crate) receptions: Vec<xinfang_store::ReceptionDay>,
    pub(crate) code: String,
    pub(crate) error: Option<String>,
}

pub async fn home(State(st): State<AppState>) -> Response {
    let receptions = petitions::reception::upcoming(&st, false).await.unwrap_or_default();
    render(&Home {
        tr: Tr::default(),
        layout: None,
        nav: "",
        office: office(&st),
        receptions,
        code: String::new(),
        error: None,
    })
}

/// The office the portal is of: the root of the unit tree (the county's
/// petition office), named in every portal page's header.
pub(crate) fn office(st: &AppState) -> String {
    let units = st.cached_units();
    units.all().iter().find(|u| u.parent_id.is_none()).map(|u| u.name.clone()).unwrap_or_default()
}

#[derive(Default)]
pub(crate) struct V {
    pub(crate) name: String,
    pub(crate) address: String,
    pub(crate) phone: String,
    pub(crate) id_number: String,
    pub(crate) unit: String,
    pub(crate) class: String,
    pub(crate) subject: String,
    pub(crate) request: String,
    pub(crate) facts: String,
    pub(crate) reasons: String,
    /// The attached files (only their error: a browser cannot be given
    /// files back).
    pub(crate) files: String,
}

#[derive(Template)]
#[template(path = "portal/submit.html")]
pub(crate) struct SubmitPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    /// The office the portal is of (the root of the unit tree), for the header.
    pub(crate) office: String,
    pub(crate) csrf: String,
    pub(crate) errors: String,
    pub(crate) v: V,
    pub(crate) e: V,
    /// The units offered, by kind: (group, [(code, name)]).
    pub(crate) units: Vec<(&'static str, Vec<(String, String)>)>,
    pub(crate) classes: Options,
    /// The portal's limit for one file, as the form says it.
    pub(crate) file_limit: String,
}

pub(crate) async fn submit_page(st: &AppState, v: V, e: V, errors: String, status: StatusCode) -> Response {
    let units = st.cached_units();
    let units = units.all();
    let token = new_form_token();
    let page = SubmitPage {
        tr: Tr::default(),
        layout: None,
        nav: "",
        office: office(st),
        csrf: token.clone(),
        errors,
        v,
        e,
        file_limit: xinfang_domain::attachment::size_label(st.options.attachments.portal.per_file),
        // The bodies a citizen would address, grouped; villages (村、社区)
        // are reached through their township.
        units: [UnitKind::PetitionOffice, UnitKind::Body, UnitKind::Township]
            .into_iter()
            .map(|kind| {
                let of_kind: Vec<(String, String)> = units
                    .iter()
                    .filter(|u| !u.disabled && u.kind == kind)
                    .map(|u| (u.code.clone(), u.name.clone()))
                    .collect();
                (kind.label(), of_kind)
            })
            .filter(|(_, us)| !us.is_empty())
            .collect(),
        classes: vec![
            (PetitionClass::Appeal.as_str(), "投诉请求（申诉求决）"),
            (PetitionClass::Suggestion.as_str(), "意见建议"),
            (PetitionClass::Report.as_str(), "检举控告"),
        ],
    };
    with_form_cookie((status, render(&page)).into_response(), &token)
}

pub async fn submit_form(State(st): State<AppState>) -> Response {
    submit_page(&st, V { class: "appeal".into(), ..Default::default() }, V::default(), String::new(), StatusCode::OK)
        .await
}

#[derive(Template)]
#[template(path = "portal/receipt.html")]
pub(crate) struct Receipt {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    /// The office the portal is of (the root of the unit tree), for the header.
    pub(crate) office: String,
    pub(crate) case_no: String,
    pub(crate) query_code: String,
    pub(crate) received_on: String,
    pub(crate) unit: String,
    pub(crate) due: String,
}

pub async fn submit(
    State(st): State<AppState>,
    crate::extract::ClientAddr(client): crate::extract::ClientAddr,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> Response {
    let got = match crate::attachments::form_with_files(req, &st, st.options.attachments.portal).await {
        Ok(g) => g,
        Err(refused) => return refused,
    };
    let form = &got.fields;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let v = V {
        name: get("name"),
        address: get("address"),
        phone: get("phone"),
        id_number: get("id_number"),
        unit: get("unit"),
        class: get("class"),
        subject: get("subject"),
        request: get("request"),
        facts: get("facts"),
        reasons: get("reasons"),
        files: String::new(),
    };
    if let Some(refused) = &got.refused {
        let e = V { files: format!("{}；请重新选择附件", refused.message), ..V::default() };
        return submit_page(&st, v, e, "1 处".into(), refused.status).await;
    }
    if !form_token_ok(&headers, form.get("csrf").map(String::as_str)) {
        return submit_page(&st, v, V::default(), "表单已过期，请再提交一次".into(), StatusCode::FORBIDDEN).await;
    }
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    let input = PetitionInput {
        channel: "online".into(),
        received_on: today().to_string(),
        unit: v.unit.clone(),
        class: v.class.clone(),
        petitioners: vec![PetitionerInput {
            name: v.name.clone(),
            address: opt(&v.address),
            phone: opt(&v.phone),
            id_number: opt(&v.id_number),
        }],
        collective: None,
        subject: opt(&v.subject),
        request: v.request.clone(),
        facts: opt(&v.facts),
        reasons: opt(&v.reasons),
        respondent_unit: None,
        content_category: None,
        problem_unit: None,
    };
    match petitions::register_public(&st, &client, &input, &got.files).await.map_err(AppError::from) {
        // Post/redirect/get: reloading the receipt shows it again and
        // registers nothing. The pass carries the case to it.
        Ok(new) => {
            let last4: String = v.phone.chars().filter(char::is_ascii_digit).collect();
            let last4 = last4.get(last4.len().saturating_sub(4)..).unwrap_or_default().to_string();
            pass::grant(&st, Redirect::to("/portal/receipt").into_response(), &new.row.query_code, &last4)
        }
        Err(err) => {
            let mut e = V::default();
            for f in &err.fields {
                let m = f.message.clone();
                match f.field.as_str() {
                    "petitioners[0].name" => e.name = m,
                    "petitioners[0].address" => e.address = m,
                    "petitioners[0].phone" => e.phone = m,
                    "petitioners[0].id_number" => e.id_number = m,
                    "unit" => e.unit = m,
                    "class" => e.class = m,
                    "subject" => e.subject = m,
                    "request" => e.request = m,
                    "facts" => e.facts = m,
                    "reasons" => e.reasons = m,
                    "file" => e.files = format!("{m}；请重新选择附件"),
                    _ => e.request = m,
                }
            }
            let summary = if err.fields.is_empty() { err.message.clone() } else { format!("{} 处", err.fields.len()) };
            submit_page(&st, v, e, summary, err.status).await
        }
    }
}

#[derive(Template)]
#[template(path = "portal/status.html")]
pub(crate) struct Status {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    /// The office the portal is of (the root of the unit tree), for the header.
    pub(crate) office: String,
    pub(crate) csrf: String,
    pub(crate) notice: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) case_no: String,
    pub(crate) status: String,
    pub(crate) received_on: String,
    pub(crate) unit: String,
    pub(crate) deadlines: Vec<DeadlineRow>,
    pub(crate) replies: Vec<(String, String, String, String)>,
    pub(crate) timeline: Vec<(String, String)>,
    pub(crate) can_evaluate: bool,
    pub(crate) can_review: bool,
    pub(crate) evaluations: Options,
}

pub(crate) struct DeadlineRow {
    pub(crate) label: String,
    pub(crate) due: String,
    pub(crate) explanation: String,
}

pub(crate) async fn status_page(
    st: &AppState,
    client: &str,
    code: &str,
    last4: &str,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let row = match petitions::find(st, client, code, Some(last4)).await.map_err(AppError::from) {
        Ok(r) => r,
        Err(e) => {
            let page = Home {
                tr: Tr::default(),
                layout: None,
                nav: "",
                office: office(st),
                receptions: Vec::new(),
                code: code.to_string(),
                error: Some(e.message),
            };
            return (e.status, render(&page)).into_response();
        }
    };
    let v = match crate::portal::api::public_view(st, &row).await {
        Ok(v) => v,
        Err(e) => return error_page(None, &e),
    };
    let state = petitions::parse_state(&row).ok();
    let cal = st.calendar();
    let ctx = xinfang_domain::petition::procedure::Ctx {
        today: today(),
        rules: &st.rules,
        calendar: &cal,
        higher_unit: None,
    };
    let allowed = state.as_ref().map(|s| s.allowed_steps(today(), &ctx)).unwrap_or_default();
    let token = new_form_token();
    let page = Status {
        tr: Tr::default(),
        layout: None,
        nav: "",
        office: office(st),
        csrf: token.clone(),
        notice,
        error,
        case_no: v.case_no,
        status: v.labels.status_label.to_string(),
        received_on: v.received_on,
        unit: v.handling_unit,
        deadlines: v
            .deadlines
            .into_iter()
            .map(|d| DeadlineRow { label: d.label.to_string(), due: d.due, explanation: d.explanation })
            .collect(),
        replies: v
            .replies
            .into_iter()
            .map(|r| (r.label.to_string(), r.decision_label.to_string(), r.issued_on, r.basis))
            .collect(),
        timeline: v.timeline.into_iter().map(|t| (t.on, t.label.to_string())).collect(),
        can_evaluate: allowed.contains(&"evaluate"),
        can_review: allowed.contains(&"review_request"),
        evaluations: Evaluation::ALL.iter().map(|e| (e.as_str(), e.label())).collect(),
    };
    with_form_cookie(render(&page), &token)
}

/// The receipt of a submission, from the pass the submission granted.
pub async fn receipt(
    State(st): State<AppState>,
    crate::extract::ClientAddr(client): crate::extract::ClientAddr,
    headers: HeaderMap,
) -> Response {
    let Some((code, last4)) = pass::held(&st, &headers) else { return expired(&st) };
    let row = match petitions::find(&st, &client, &code, Some(&last4)).await.map_err(AppError::from) {
        Ok(r) => r,
        Err(e) => return error_page(None, &e),
    };
    let due = petitions::parse_state(&row)
        .map(|s| {
            let cal = st.calendar();
            let ctx = xinfang_domain::petition::procedure::Ctx {
                today: today(),
                rules: &st.rules,
                calendar: &cal,
                higher_unit: None,
            };
            let first = s.deadlines(&ctx).first().map(|d| crate::petitions::api::views::DeadlineView::of(d, today()));
            first.map(|d| format!("{}：{}", d.label, d.due)).unwrap_or_default()
        })
        .unwrap_or_default();
    render(&Receipt {
        tr: Tr::default(),
        layout: None,
        nav: "",
        office: office(&st),
        case_no: row.case_no,
        query_code: row.query_code,
        received_on: row.received_on.to_string(),
        unit: row.unit.name,
        due,
    })
}

/// The home page, saying the pass has ended.
fn expired(st: &AppState) -> Response {
    let error = Some("查询已结束或已超过 30 分钟，请重新输入查询码和联系电话后四位。".to_string());
    render(&Home {
        tr: Tr::default(),
        layout: None,
        nav: "",
        office: office(st),
        receptions: Vec::new(),
        code: String::new(),
        error,
    })
}

/// A look-up: the code and the phone suffix come by POST and, once they
/// match, go on in the pass, never in an address.
pub async fn lookup(
    State(st): State<AppState>,
    crate::extract::ClientAddr(client): crate::extract::ClientAddr,
    PageForm(form): PageForm<BTreeMap<String, String>>,
) -> Response {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (code, last4) = (get("code"), get("phone_last4"));
    match petitions::find(&st, &client, &code, Some(&last4)).await.map_err(AppError::from) {
        Ok(row) => pass::grant(&st, Redirect::to("/portal/case").into_response(), &row.query_code, last4.trim()),
        Err(e) => {
            let page = Home {
                tr: Tr::default(),
                layout: None,
                nav: "",
                office: office(&st),
                receptions: Vec::new(),
                code,
                error: Some(e.message),
            };
            (e.status, render(&page)).into_response()
        }
    }
}

/// The old look-up address, which carried the code in the address: to the
/// form, the code and suffix dropped.
pub async fn lookup_moved() -> Response {
    Redirect::to("/portal").into_response()
}

#[derive(Deserialize)]
pub struct CaseParams {
    pub(crate) notice: Option<String>,
}

/// The case of the pass.
pub async fn case(
    State(st): State<AppState>,
    crate::extract::ClientAddr(client): crate::extract::ClientAddr,
    headers: HeaderMap,
    Query(q): Query<CaseParams>,
) -> Response {
    let Some((code, last4)) = pass::held(&st, &headers) else { return expired(&st) };
    let notice = q
        .notice
        .as_deref()
        .map(|n| if n == "evaluate" { "评价已提交，谢谢。" } else { "复查申请已提交。" }.to_string());
    status_page(&st, &client, &code, &last4, notice, None).await
}

/// 退出查询: the pass ends.
pub async fn end() -> Response {
    pass::end(Redirect::to("/portal").into_response())
}

pub async fn event(
    State(st): State<AppState>,
    crate::extract::ClientAddr(client): crate::extract::ClientAddr,
    headers: HeaderMap,
    PageForm(form): PageForm<BTreeMap<String, String>>,
) -> Response {
    let Some((code, last4)) = pass::held(&st, &headers) else { return expired(&st) };
    let kind = form.get("type").cloned().unwrap_or_default();
    if !form_token_ok(&headers, form.get("csrf").map(String::as_str)) {
        return status_page(&st, &client, &code, &last4, None, Some("表单已过期，请再提交一次".into())).await;
    }
    let mut body = serde_json::json!({ "type": kind });
    for k in ["value", "comment", "note"] {
        if let Some(v) = form.get(k).filter(|v| !v.trim().is_empty()) {
            body[k] = serde_json::Value::String(v.clone());
        }
    }
    let result = match serde_json::from_value(body) {
        Ok(event) => petitions::record_public_event(&st, &client, &code, &last4, event).await.map_err(AppError::from),
        Err(e) => Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", format!("输入有误：{e}"))),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/portal/case?notice={}", url_encode(&kind))).into_response(),
        Err(e) => status_page(&st, &client, &code, &last4, None, Some(e.message)).await,
    }
}
