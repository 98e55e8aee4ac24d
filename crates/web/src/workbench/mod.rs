//! The workbench (工作台), the first page after login: it reads the open
//! work of the modules (today the petitions' clocks) within the user's
//! units.

pub mod pages;

use axum::Router;
use axum::routing::get;
use xinfang_app::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(pages::workbench))
}
