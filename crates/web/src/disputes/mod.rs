//! The disputes module at the HTTP edge (矛盾纠纷, issue 27): the API
//! ([`api`]), the pages ([`pages`]), what their forms post ([`steps`])
//! and the files ([`export`]). The rules are in
//! `xinfang_domain::dispute`, the commands in `xinfang_app::disputes`.

pub mod api;
pub mod export;
pub mod pages;
pub mod steps;

use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xinfang_app::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::create, api::list))
        .routes(routes!(api::get))
        .routes(routes!(api::add_event))
        .routes(routes!(api::reveal))
        .route("/disputes", get(pages::list).post(pages::create))
        .route("/disputes/new", get(pages::new_form))
        .route("/disputes/export.xlsx", get(export::export_xlsx))
        .route("/disputes/{dispute}", get(pages::show))
        .route("/disputes/{dispute}/events", post(steps::add_step))
        .route("/disputes/{dispute}/agreement.docx", get(export::agreement_docx))
        .route("/disputes/{dispute}/reveal", post(steps::reveal))
}
