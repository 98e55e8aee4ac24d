//! Sessions and who one is (kernel): logging in and out from the API and
//! the pages, `/api/v1/me`, and the unit tree (`/api/v1/units`).

pub mod api;
pub mod pages;

use axum::Router;
use axum::routing::{get, post};
use xinfang_app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/session", post(api::login).delete(api::logout))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/units", get(api::units))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
}
