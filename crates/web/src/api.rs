//! The JSON API under `/api`, described by `/api/openapi.json`. The document
//! is generated from the annotations beside each module's handlers
//! (`#[utoipa::path]`) and the schemas of their request and answer types,
//! as the router is built: a route the router serves is in the document,
//! and the document names no route the router lacks. This file holds what
//! the document says of itself, the health probe and the document's own
//! route.

use crate::views::{ErrorBody, Health};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use std::sync::LazyLock;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xinfang_app::AppState;

/// What the document says of itself; the paths and schemas come from the
/// routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "xinfang API",
        version = "1",
        description = "信访事项登记、办理、答复与查询。错误一律为 {\"error\":{\"code\",\"message\",\"fields\"}}，message 为中文。",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
    ),
    modifiers(&Bearer),
    components(schemas(ErrorBody), responses(ErrorBody)),
    tags(
        (name = "session", description = "登录、当前用户、单位"),
        (name = "petitions", description = "信访事项：登记、台账、办理步骤、检索、重复件、导出、统计"),
        (name = "disputes", description = "矛盾纠纷：登记、台账、调处步骤、调解协议与司法确认期限"),
        (name = "portal", description = "信访人（无需登录）：网上提交、凭查询码查询、评价与申请复查复核"),
        (name = "kernel", description = "健康检查与本文档"),
    )
)]
pub struct ApiDoc;

/// The session token, as `Authorization: Bearer <token>`.
struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("POST /api/v1/session 返回的 token"))
            .build();
        openapi.components.get_or_insert_default().add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document, generated once from the routers.
pub static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let (_, doc) = crate::routes().split_for_parts();
    doc.to_pretty_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "the API document does not serialize");
        "{}".into()
    })
});

/// 健康检查：能否写入、数据库能否应答（不读数据，可频繁调用）
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "kernel",
    responses((status = 200, description = "服务正常", body = Health),
        (status = 503, description = "数据库不可用或写入任务已停止", body = Health)))]
async fn healthz(State(st): State<AppState>) -> (StatusCode, Json<Health>) {
    // Only that writes can be taken and the database answers: a full
    // integrity check reads the whole file (half a minute on a 1M ledger),
    // far too much for a probe.
    let database = st.store.backend_name();
    match st.store.health().await {
        Ok(_) => (StatusCode::OK, Json(Health { status: "ok", database })),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable", database })),
    }
}

/// 本文档（OpenAPI 3.1）
#[utoipa::path(get, path = "/api/openapi.json", operation_id = "openapi", tag = "kernel",
    responses((status = 200, description = "OpenAPI 文档", body = Object)))]
async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT.as_str())
}

/// The kernel's own routes: the health probe and the API document.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).routes(routes!(healthz)).routes(routes!(openapi))
}
