//! Leaders' case ownership (包案) at the HTTP edge: the leader's board, and
//! the section of a petition's or a dispute's page where a leader takes
//! the matter and ends it. The rules are in `xinfang_app::ownership`.

use crate::error::AppError;
use crate::extract::PageForm;
use crate::i18n::Tr;
use crate::page::{Layout, PageUser, render, see_other};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use xinfang_app::subject::{Module, Subject};
use xinfang_app::{AppState, ownership, today};
use xinfang_domain::Role;
use xinfang_store::OwnershipRow;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().route("/ownership", get(board).post(take)).route("/ownership/{ownership}/end", post(end))
}

/// An ownership as a page shows it.
pub(crate) struct OwnershipView {
    pub(crate) id: i64,
    pub(crate) href: String,
    pub(crate) case_no: String,
    pub(crate) title: String,
    pub(crate) leader: String,
    pub(crate) goal: String,
    pub(crate) target_date: String,
    pub(crate) active: bool,
    pub(crate) overdue: bool,
    pub(crate) state: &'static str,
    pub(crate) outcome: String,
    /// The viewer may end it (the leader who holds it, an administrator).
    pub(crate) can_end: bool,
}

fn view(o: &OwnershipRow, pu: &PageUser) -> OwnershipView {
    let active = o.state == "active";
    let module = if o.module == "dispute" { "disputes" } else { "petitions" };
    OwnershipView {
        id: o.id,
        href: format!("/{module}/{}", o.record_id),
        case_no: o.case_no.clone(),
        title: o.title.chars().take(40).collect(),
        leader: o.leader.clone(),
        goal: o.goal.clone(),
        target_date: o.target_date.to_string(),
        active,
        overdue: active && o.target_date < today(),
        state: match o.state.as_str() {
            "active" => "包案中",
            "achieved" => "已实现目标",
            _ => "已解除",
        },
        outcome: o.outcome.clone(),
        can_end: active && (o.leader_id == pu.user.id || pu.user.role == Role::Admin),
    }
}

/// The 包案 section of a matter's page.
pub(crate) struct Section {
    pub(crate) module: &'static str,
    pub(crate) record_id: i64,
    pub(crate) rows: Vec<OwnershipView>,
    /// The viewer may take it (a leader) or record it for a leader (an
    /// administrator), and no one holds it now.
    pub(crate) can_take: bool,
    pub(crate) for_leader: bool,
}

/// The section for matter `s`, as `pu` may see it.
pub(crate) async fn section(st: &AppState, pu: &PageUser, s: Subject) -> Section {
    let rows: Vec<OwnershipView> =
        ownership::of(st, &pu.user, s).await.unwrap_or_default().iter().map(|o| view(o, pu)).collect();
    let held = rows.iter().any(|r| r.active);
    Section {
        module: s.module.as_str(),
        record_id: s.id,
        can_take: !held && matches!(pu.user.role, Role::Leader | Role::Admin),
        for_leader: pu.user.role == Role::Admin,
        rows,
    }
}

#[derive(Template)]
#[template(path = "ownership/board.html")]
pub(crate) struct BoardPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) rows: Vec<OwnershipView>,
    /// 已超过目标日期：N 件, when any.
    pub(crate) overdue: Option<String>,
}

/// 我的包案: the matters the leader owns, overdue first.
pub async fn board(State(st): State<AppState>, pu: PageUser) -> Response {
    let rows = match ownership::board(&st, &pu.user).await {
        Ok(r) => r,
        Err(e) => return pu.error(&e.into()),
    };
    let rows: Vec<OwnershipView> = rows.iter().map(|o| view(o, &pu)).collect();
    render(&BoardPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "ownership",
        overdue: match rows.iter().filter(|r| r.overdue).count() {
            0 => None,
            n => Some(pu.tr.f("已超过目标日期：{} 件", &[&n])),
        },
        rows,
    })
}

/// Where to go back to: a page of this site only.
fn back(to: &str) -> &str {
    if to.starts_with('/') && !to.starts_with("//") && !to.contains('\\') { to } else { "/ownership" }
}

#[derive(Deserialize)]
pub struct TakeForm {
    csrf: Option<String>,
    #[serde(default)]
    module: String,
    #[serde(default)]
    record_id: String,
    #[serde(default)]
    leader: String,
    #[serde(default)]
    goal: String,
    #[serde(default)]
    target_date: String,
    #[serde(default)]
    back: String,
}

pub async fn take(State(st): State<AppState>, pu: PageUser, PageForm(f): PageForm<TakeForm>) -> Response {
    if let Some(r) = pu.csrf_rejection(f.csrf.as_deref()) {
        return r;
    }
    let bad = |m: &str| AppError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", m);
    let (Some(module), Ok(id)) = (Module::parse(&f.module), f.record_id.trim().parse::<i64>()) else {
        return pu.error(&bad("事项有误"));
    };
    let Ok(target) = f.target_date.trim().parse() else {
        return pu.error(&bad("目标日期格式应为 YYYY-MM-DD"));
    };
    let leader = Some(f.leader.as_str()).filter(|l| !l.trim().is_empty());
    match ownership::take(&st, &pu.user, Subject { module, id }, leader, &f.goal, target).await {
        Ok(_) => see_other(back(&f.back)),
        Err(e) => pu.error(&e.into()),
    }
}

#[derive(Deserialize)]
pub struct EndForm {
    csrf: Option<String>,
    #[serde(default)]
    achieved: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    back: String,
}

pub async fn end(
    State(st): State<AppState>,
    pu: PageUser,
    Path(id): Path<i64>,
    PageForm(f): PageForm<EndForm>,
) -> Response {
    if let Some(r) = pu.csrf_rejection(f.csrf.as_deref()) {
        return r;
    }
    match ownership::end(&st, &pu.user, id, f.achieved != "false", &f.outcome).await {
        Ok(()) => see_other(back(&f.back)),
        Err(e) => pu.error(&e.into()),
    }
}
