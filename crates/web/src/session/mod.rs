//! Sessions and who one is (kernel): logging in and out from the API and
//! the pages, `/api/v1/me`, and the unit tree (`/api/v1/units`).

pub mod api;
pub mod pages;

use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xinfang_app::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::login, api::logout))
        .routes(routes!(api::me))
        .routes(routes!(api::units))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
}
