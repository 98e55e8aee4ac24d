//! The petitions module (信访事项) at the HTTP edge: its JSON API
//! ([`api`]: register, list, read, steps, reveal, search, repeats, exports,
//! monthly statistics) and its pages ([`pages`]: the ledger, registration,
//! the petition page, search).

pub mod api;
pub mod pages;

use axum::Router;
use axum::routing::{get, post, put};
use xinfang_app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/petitions", post(api::create).get(api::list))
        .route("/api/v1/petitions/export.xlsx", get(api::export::api_xlsx))
        .route("/api/v1/petitions/export.csv", get(api::export::api_csv))
        .route("/api/v1/petitions/{id}", get(api::get))
        .route("/api/v1/petitions/{id}/events", post(api::add_event))
        .route("/api/v1/petitions/{id}/petitioners/{seq}/reveal", post(api::reveal))
        .route("/api/v1/petitions/{id}/similar", get(api::search::similar))
        .route("/api/v1/petitions/{id}/repeat-of", put(api::search::link).delete(api::search::unlink))
        .route("/api/v1/search", get(api::search::search))
        .route("/api/v1/stats/monthly", get(api::stats::monthly))
        .route("/petitions", get(pages::list::list))
        .route("/petitions/new", get(pages::new::new_form).post(pages::new::create))
        .route("/petitions/export.xlsx", get(pages::list::export_xlsx))
        .route("/petitions/export.csv", get(pages::list::export_csv))
        .route("/petitions/{id}", get(pages::show::show))
        .route("/petitions/{id}/events", post(pages::steps::add_event))
        .route("/petitions/{id}/print", get(pages::show::print))
        .route("/petitions/{id}/repeat-of", post(pages::steps::link_repeat))
        .route("/search", get(pages::search::search))
}
