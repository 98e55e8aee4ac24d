//! The steps posted from the petition page: a step of the procedure, and
//! linking or unlinking a repeat petition.

use crate::error::AppError;
use crate::extract::PageForm;
use crate::page::{PageUser, see_other};
use crate::petitions::pages::show::petition_page;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::BTreeMap;
use xinfang_app::{AppState, petitions};
use xinfang_domain::petition::Event;
use xinfang_store::PetitionId;

/// A step from a form: every field but the token, numbers as numbers.
pub(crate) fn event_from_form(form: &BTreeMap<String, String>) -> Result<Event, String> {
    let mut obj = serde_json::Map::new();
    for (k, v) in form {
        if k == "csrf" || v.trim().is_empty() {
            continue;
        }
        let value = if k == "days" {
            v.trim().parse::<u32>().map(serde_json::Value::from).map_err(|_| "延长天数应为整数".to_string())?
        } else {
            serde_json::Value::String(v.clone())
        };
        obj.insert(k.clone(), value);
    }
    serde_json::from_value(serde_json::Value::Object(obj)).map_err(|e| format!("输入有误：{e}"))
}

pub async fn add_event(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return pu.error(&AppError::not_found()) };
    let form: BTreeMap<String, String> = pairs.into_iter().collect();
    if let Some(r) = pu.csrf_rejection(form.get("csrf").map(String::as_str)) {
        return r;
    }
    let kind = form.get("type").cloned().unwrap_or_default();
    let event = match event_from_form(&form) {
        Ok(e) => e,
        Err(m) => {
            return petition_page(&st, &pu, id, None, Some((kind, m)), StatusCode::UNPROCESSABLE_ENTITY, &[]).await;
        }
    };
    match petitions::record_event(&st, &pu.user, PetitionId(id), event).await.map_err(AppError::from) {
        Ok(()) => see_other(&format!("/petitions/{id}?notice={kind}")),
        Err(e) if e.status == StatusCode::NOT_FOUND => pu.error(&e),
        Err(e) => petition_page(&st, &pu, id, None, Some((kind, e.message)), e.status, &[]).await,
    }
}

/// Links the petition as a repeat of an earlier one (`of`), or unlinks it.
pub async fn link_repeat(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<String>,
    PageForm(form): PageForm<BTreeMap<String, String>>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return pu.error(&AppError::not_found()) };
    if let Some(r) = pu.csrf_rejection(form.get("csrf").map(String::as_str)) {
        return r;
    }
    let of = if form.contains_key("unlink") {
        None
    } else {
        match form.get("of").and_then(|v| v.trim().parse::<i64>().ok()) {
            Some(of) => Some(of),
            None => {
                let m = "请选择要关联的更早事项".to_string();
                return petition_page(
                    &st,
                    &pu,
                    id,
                    None,
                    Some((String::new(), m)),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &[],
                )
                .await;
            }
        }
    };
    match petitions::link_repeat(&st, &pu.user, PetitionId(id), of.map(PetitionId)).await.map_err(AppError::from) {
        Ok(()) => see_other(&format!("/petitions/{id}?notice={}", if of.is_some() { "linked" } else { "unlinked" })),
        Err(e) if e.status == StatusCode::NOT_FOUND => pu.error(&e),
        Err(e) => {
            let m = e.fields.first().map(|f| f.message.clone()).unwrap_or(e.message);
            petition_page(&st, &pu, id, None, Some((String::new(), m)), e.status, &[]).await
        }
    }
}
