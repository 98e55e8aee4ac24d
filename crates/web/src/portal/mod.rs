//! The petitioner portal (网上信访), with no account: its JSON API under
//! `/api/v1/public/` ([`api`]) and its pages under `/portal` ([`pages`]).
//! Only the public view of a case is ever shown here.

pub mod api;
pub mod pages;
mod pass;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xinfang_app::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::submit))
        .routes(routes!(api::lookup))
        .routes(routes!(api::add_event))
        .route("/portal", get(pages::home))
        .routes(routes!(api::lookup_by_post))
        // Files come with the form: read within the portal's limits there.
        .route("/portal/submit", get(pages::submit_form).post(pages::submit).layer(DefaultBodyLimit::disable()))
        .route("/portal/receipt", get(pages::receipt))
        .route("/portal/lookup", get(pages::lookup_moved).post(pages::lookup))
        .route("/portal/case", get(pages::case))
        .route("/portal/events", post(pages::event))
        .route("/portal/end", post(pages::end))
}
