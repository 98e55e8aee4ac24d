//! Administration (kernel): the unit tree, user accounts and roles, and the
//! holiday calendar, as pages.

pub mod pages;

use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use xinfang_app::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/admin/calendar", get(pages::overview).post(pages::import_calendar))
        .route("/admin/units", post(pages::add_unit))
        .route("/admin/units/{code}", get(pages::unit_form).post(pages::update_unit))
        .route("/admin/users", post(pages::add_user))
        .route("/admin/login-locks", post(pages::lift_lock))
        .route("/admin/synonyms", post(pages::save_synonyms))
        .route("/admin/users/{username}", get(pages::user_form).post(pages::update_user))
}
