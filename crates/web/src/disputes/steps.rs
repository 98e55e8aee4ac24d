//! What is posted from a dispute's page: a step from its form (every
//! field any step may have, turned into the domain's step and checked by
//! its rule), and a party's full numbers (audited).

use super::pages::dispute_page;
use crate::error::AppError;
use crate::extract::PageForm;
use crate::page::{PageUser, render, see_other};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xinfang_app::{AppState, disputes};
use xinfang_domain::dispute::{DisputeEvent, MediationKind, ReferRoute, StepKind};

/// A step as typed: every field any step may have.
#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    csrf: Option<String>,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    resolve_by: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    mediation: String,
    #[serde(default)]
    mediator: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    written: String,
    #[serde(default)]
    effective_on: String,
    #[serde(default)]
    terms: String,
    #[serde(default)]
    performance_due: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    court: String,
    #[serde(default)]
    confirmed: String,
    #[serde(default)]
    ruling_no: String,
    #[serde(default)]
    route: String,
}

fn date(v: &str, what: &str) -> Result<chrono::NaiveDate, String> {
    v.trim().parse().map_err(|_| format!("{what}格式应为 YYYY-MM-DD"))
}

/// The step the form describes, or what is missing.
fn event_of(f: &StepForm) -> Result<DisputeEvent, String> {
    let on = date(&f.on, "日期")?;
    let kind = match f.kind.as_str() {
        "assign" => StepKind::Assign {
            unit: f.unit.clone(),
            person: f.person.clone(),
            resolve_by: date(&f.resolve_by, "化解时限")?,
        },
        "extend" => StepKind::Extend { resolve_by: date(&f.resolve_by, "化解时限")?, reason: f.reason.clone() },
        "mediate" => StepKind::Mediate {
            kind: MediationKind::parse(&f.mediation).ok_or("请选择调解方式")?,
            mediator: f.mediator.clone(),
        },
        "session" => StepKind::Session { place: f.place.clone(), notes: f.notes.clone() },
        "agreement" => StepKind::Agreement {
            written: f.written != "oral",
            effective_on: date(&f.effective_on, "协议生效日期")?,
            terms: f.terms.clone(),
            performance_due: date(&f.performance_due, "履行期限")?,
        },
        "performed" => StepKind::Performed { note: Some(f.note.clone()).filter(|n| !n.trim().is_empty()) },
        "defaulted" => StepKind::Defaulted { note: f.note.clone() },
        "apply_confirmation" => StepKind::ApplyConfirmation { court: f.court.clone() },
        "court_accepted" => StepKind::CourtAccepted {},
        "court_decided" => StepKind::CourtDecided { confirmed: f.confirmed != "false", ruling_no: f.ruling_no.clone() },
        "resolve" => StepKind::Resolve { how: f.note.clone() },
        "terminate" => StepKind::Terminate { reason: f.reason.clone() },
        "refer" => StepKind::Refer {
            route: ReferRoute::parse(&f.route).ok_or("请选择导入的程序")?,
            note: f.note.clone(),
        },
        "close" => StepKind::Close { note: f.note.clone() },
        _ => return Err("未知的步骤".into()),
    };
    Ok(DisputeEvent { on, kind })
}

pub async fn add_step(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<i64>,
    PageForm(f): PageForm<StepForm>,
) -> Response {
    if let Some(r) = pu.csrf_rejection(f.csrf.as_deref()) {
        return r;
    }
    let result = match event_of(&f) {
        Ok(e) => disputes::record_step(&st, &pu.user, id, e).await.map_err(AppError::from),
        Err(m) => Err(AppError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", m)),
    };
    match result {
        Ok(()) => see_other(&format!("/disputes/{id}")),
        Err(e) if matches!(e.status.as_u16(), 403 | 404) => pu.error(&e),
        Err(e) => match dispute_page(&st, &pu, id, Some(e.summary(pu.tr))).await {
            Ok(p) => (e.status, render(&p)).into_response(),
            Err(e2) => pu.error(&e2),
        },
    }
}

#[derive(Deserialize)]
pub struct RevealForm {
    csrf: Option<String>,
    seq: i64,
}

/// A party's full numbers on the page (查看完整号码), audited.
pub async fn reveal(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<i64>,
    PageForm(f): PageForm<RevealForm>,
) -> Response {
    if let Some(r) = pu.csrf_rejection(f.csrf.as_deref()) {
        return r;
    }
    let full = match disputes::reveal(&st, &pu.user, id, f.seq, "page").await {
        Ok(n) => n,
        Err(e) => return pu.error(&e.into()),
    };
    match dispute_page(&st, &pu, id, None).await {
        Ok(mut page) => {
            if let Some(p) = page.d.parties.iter_mut().find(|p| p.seq == full.seq) {
                p.phone = full.phone;
                p.id_number = full.id_number;
            }
            render(&page)
        }
        Err(e) => pu.error(&e),
    }
}
