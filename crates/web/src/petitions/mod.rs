//! The petitions module (信访事项) at the HTTP edge: its JSON API
//! ([`api`]: register, list, read, steps, reveal, search, repeats, exports,
//! monthly statistics) and its pages ([`pages`]: the ledger, registration,
//! the petition page, search).

pub mod api;
pub mod pages;

use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xinfang_app::AppState;

/// The module's routes: the API ones documented from their annotations,
/// the pages' beside them.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::create, api::list))
        .routes(routes!(api::export::api_xlsx))
        .routes(routes!(api::export::api_csv))
        .routes(routes!(api::get))
        .routes(routes!(api::add_event))
        .routes(routes!(api::reveal))
        .routes(routes!(api::search::similar))
        .routes(routes!(api::search::link, api::search::unlink))
        .routes(routes!(api::search::search))
        .routes(routes!(api::stats::monthly))
        .routes(routes!(api::content_categories))
        .routes(routes!(api::documents::api_docx))
        .route("/petitions", get(pages::list::list))
        .route("/petitions/new", get(pages::new::new_form).post(pages::new::create))
        .route("/petitions/export.xlsx", get(pages::list::export_xlsx))
        .route("/petitions/export.csv", get(pages::list::export_csv))
        .route("/petitions/{id}", get(pages::show::show))
        .route("/petitions/{id}/events", post(pages::steps::add_event))
        .route("/petitions/{id}/print", get(pages::show::print))
        .route("/petitions/{id}/reveal", post(pages::show::reveal))
        .route("/petitions/{id}/documents/{file}", get(pages::show::document))
        .route("/petitions/{id}/repeat-of", post(pages::steps::link_repeat))
        .route("/search", get(pages::search::search))
        .route("/reception", get(pages::reception::list).post(pages::reception::publish))
        .route("/reception/{day}/withdraw", post(pages::reception::withdraw))
}
