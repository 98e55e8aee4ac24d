//! The JSON API under `/api`, described by `/api/openapi.json`: the
//! document, the list of every route it describes, and the health probe.
//! Each module's API handlers live in its folder (`petitions/api/`, …).

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use xinfang_app::AppState;

/// The OpenAPI 3.1 document of this API.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

/// Every route: (method, path as in the OpenAPI document). The router below
/// and the document are checked against this list by the tests.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/api/openapi.json"),
    ("post", "/api/v1/session"),
    ("delete", "/api/v1/session"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/units"),
    ("post", "/api/v1/petitions"),
    ("get", "/api/v1/petitions"),
    ("get", "/api/v1/petitions/export.xlsx"),
    ("get", "/api/v1/petitions/export.csv"),
    ("get", "/api/v1/petitions/{id}"),
    ("post", "/api/v1/petitions/{id}/events"),
    ("post", "/api/v1/petitions/{id}/petitioners/{seq}/reveal"),
    ("get", "/api/v1/petitions/{id}/similar"),
    ("put", "/api/v1/petitions/{id}/repeat-of"),
    ("delete", "/api/v1/petitions/{id}/repeat-of"),
    ("get", "/api/v1/search"),
    ("post", "/api/v1/public/petitions"),
    ("get", "/api/v1/public/petitions/{query_code}"),
    ("post", "/api/v1/public/petitions/{query_code}/events"),
    ("get", "/api/v1/stats/monthly"),
];

async fn healthz(axum::extract::State(st): axum::extract::State<AppState>) -> impl IntoResponse {
    // Only that writes can be taken and the database answers: a full
    // integrity check reads the whole file (half a minute on a 1M ledger),
    // far too much for a probe.
    match st.store.health().await {
        Ok(_) => {
            (StatusCode::OK, axum::Json(serde_json::json!({ "status": "ok", "database": st.store.backend_name() })))
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({ "status": "unavailable", "database": st.store.backend_name() })),
        ),
    }
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}

/// The kernel's own routes: the health probe and the API document.
pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/api/openapi.json", get(openapi))
}
