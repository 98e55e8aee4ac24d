//! The petitioner portal (网上信访), with no account: its JSON API under
//! `/api/v1/public/` ([`api`]) and its pages under `/portal` ([`pages`]).
//! Only the public view of a case is ever shown here.

pub mod api;
pub mod pages;

use axum::Router;
use axum::routing::{get, post};
use xinfang_app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/public/petitions", post(api::submit))
        .route("/api/v1/public/petitions/{query_code}", get(api::lookup))
        .route("/api/v1/public/petitions/{query_code}/events", post(api::add_event))
        .route("/portal", get(pages::home))
        .route("/portal/submit", get(pages::submit_form).post(pages::submit))
        .route("/portal/lookup", get(pages::lookup))
        .route("/portal/events", post(pages::event))
}
