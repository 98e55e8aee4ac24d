//! The HTTP edge of xinfang: the JSON API (with its OpenAPI document), the
//! HTML pages, the session extractor and error mapping. Handlers are thin:
//! they parse the request, call a command of `xinfang_app` and render its
//! answer as JSON or a page.

// The kernel of the HTTP edge.
pub mod api;
pub mod auth;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod idempotency;
pub mod page;
pub mod views;

// One folder per module: its router, API handlers, page handlers and views.
pub mod admin;
pub mod attachments;
pub mod disputes;
pub mod notices;
pub mod ownership;
pub mod petitions;
pub mod portal;
pub mod session;
pub mod workbench;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use error::AppError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use utoipa_axum::router::OpenApiRouter;

pub use xinfang_app::AppState;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Logs each request with an id, the route template (never the raw path,
/// which may carry a query code), the status and the time taken, and returns
/// the id in `x-request-id`. No personal data reaches the log.
async fn request_log(req: Request, next: Next) -> Response {
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "-".into());
    let start = Instant::now();
    let mut res = next.run(req).await;
    tracing::info!(
        request_id = id,
        %method,
        route,
        status = res.status().as_u16(),
        ms = start.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Every route, the kernel's and each module's, with the API document they
/// make ([`api::DOCUMENT`]).
pub fn routes() -> OpenApiRouter<AppState> {
    api::router()
        .merge(page::router())
        .merge(session::router())
        .merge(workbench::router())
        .merge(petitions::router())
        .merge(disputes::router())
        .merge(attachments::router())
        .merge(notices::router())
        .merge(ownership::router())
        .merge(portal::router())
        .merge(admin::router())
}

/// The routes as served. An unknown address or method gets an error page,
/// or a JSON error under `/api/`.
pub fn router() -> Router<AppState> {
    let (router, _) = routes().split_for_parts();
    router
        .fallback(|uri: Uri, headers: HeaderMap| async move {
            refuse(&uri, &headers, AppError::new(StatusCode::NOT_FOUND, "not_found", "没有这个地址"))
        })
        .method_not_allowed_fallback(|uri: Uri, headers: HeaderMap| async move {
            refuse(
                &uri,
                &headers,
                AppError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "该地址不支持此请求方法"),
            )
        })
}

/// An address or method nobody serves: JSON under `/api/` (and for the
/// health probe), a page in the reader's language everywhere else, where a
/// browser asked.
fn refuse(uri: &Uri, headers: &HeaderMap, e: AppError) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") || path == "/healthz" {
        e.into_response()
    } else {
        page::error_page_in(page::page_tr(headers), None, &e)
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    router()
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), page::security_headers))
        .layer(middleware::from_fn(request_log))
        .with_state(state)
}

/// Serves the application on `listener` until `shutdown` completes, then
/// lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
