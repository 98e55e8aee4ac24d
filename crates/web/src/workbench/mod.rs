//! The workbench (工作台), the first page after login: it reads the open
//! work of the modules (today the petitions' clocks) within the user's
//! units.

pub mod pages;

use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use xinfang_app::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().route("/", get(pages::workbench))
}
