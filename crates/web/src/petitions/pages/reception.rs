//! 领导接访日 (Art. 18): the office's page to publish and withdraw the days
//! its leaders receive petitioners; the portal shows the days to come.

use crate::error::AppError;
use crate::extract::PageForm;
use crate::i18n::Tr;
use crate::page::{Layout, PageUser, render, see_other};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use xinfang_app::petitions::reception::{self, ReceptionInput};
use xinfang_app::{AppState, today};
use xinfang_store::ReceptionDay;

#[derive(Default)]
pub(crate) struct Fields {
    pub(crate) unit: String,
    pub(crate) on: String,
    pub(crate) hours: String,
    pub(crate) place: String,
    pub(crate) leader: String,
    pub(crate) topic: String,
}

#[derive(Template)]
#[template(path = "petitions/reception.html")]
pub(crate) struct ReceptionPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) csrf: String,
    pub(crate) notice: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) days: Vec<ReceptionDay>,
    pub(crate) can_publish: bool,
    pub(crate) units: Vec<(String, String)>,
    pub(crate) v: Fields,
    pub(crate) e: Fields,
}

async fn page(
    st: &AppState,
    pu: &PageUser,
    v: Fields,
    e: Fields,
    error: Option<String>,
    notice: Option<String>,
) -> ReceptionPage {
    let units = crate::petitions::pages::list::my_units(st, pu);
    ReceptionPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "reception",
        csrf: pu.csrf.clone(),
        notice,
        error,
        days: reception::upcoming(st, true).await.unwrap_or_default(),
        can_publish: matches!(
            pu.user.role,
            xinfang_domain::Role::Admin | xinfang_domain::Role::Leader | xinfang_domain::Role::Intake
        ),
        units: crate::petitions::pages::list::unit_options(
            &units.into_iter().filter(|u| !u.disabled).collect::<Vec<_>>(),
        ),
        v,
        e,
    }
}

#[derive(Deserialize)]
pub struct NoticeParam {
    pub(crate) notice: Option<String>,
}

pub async fn list(State(st): State<AppState>, pu: PageUser, Query(q): Query<NoticeParam>) -> Response {
    let notice = q.notice.as_deref().map(|n| match n {
        "withdrawn" => pu.tr.t("已撤回。").to_string(),
        _ => pu.tr.t("已发布，网上信访首页可见。").to_string(),
    });
    let v = Fields { unit: pu.user.unit.code.clone(), on: today().to_string(), ..Default::default() };
    render(&page(&st, &pu, v, Fields::default(), None, notice).await)
}

pub async fn publish(
    State(st): State<AppState>,
    pu: PageUser,
    PageForm(form): PageForm<BTreeMap<String, String>>,
) -> Response {
    if let Some(r) = pu.csrf_rejection(form.get("csrf").map(String::as_str)) {
        return r;
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let v = Fields {
        unit: get("unit"),
        on: get("on"),
        hours: get("hours"),
        place: get("place"),
        leader: get("leader"),
        topic: get("topic"),
    };
    let input = ReceptionInput {
        unit: v.unit.clone(),
        on: v.on.clone(),
        hours: v.hours.clone(),
        place: v.place.clone(),
        leader: v.leader.clone(),
        topic: v.topic.clone(),
    };
    match reception::publish(&st, &pu.user, &input).await.map_err(AppError::from) {
        Ok(_) => see_other("/reception?notice=published"),
        Err(err) if err.status == StatusCode::FORBIDDEN => pu.error(&err),
        Err(err) => {
            let mut e = Fields::default();
            for f in &err.fields {
                let slot = match f.field.as_str() {
                    "unit" => &mut e.unit,
                    "on" => &mut e.on,
                    "hours" => &mut e.hours,
                    "place" => &mut e.place,
                    "leader" => &mut e.leader,
                    _ => &mut e.topic,
                };
                *slot = f.message.clone();
            }
            (err.status, render(&page(&st, &pu, v, e, Some(err.message), None).await)).into_response()
        }
    }
}

pub async fn withdraw(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<String>,
    PageForm(form): PageForm<BTreeMap<String, String>>,
) -> Response {
    if let Some(r) = pu.csrf_rejection(form.get("csrf").map(String::as_str)) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else { return pu.error(&AppError::not_found()) };
    match reception::withdraw(&st, &pu.user, id).await.map_err(AppError::from) {
        Ok(()) => see_other("/reception?notice=withdrawn"),
        Err(e) => pu.error(&e),
    }
}
