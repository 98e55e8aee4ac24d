//! The search page: Chinese full-text search with marked snippets, and the
//! exact look-ups (ID number, phone, case number, family name).

use crate::i18n::Tr;
use crate::page::{Layout, PageUser, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use xinfang_app::AppState;

#[derive(Template)]
#[template(path = "petitions/search.html")]
pub(crate) struct SearchPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) q: String,
    pub(crate) any: bool,
    pub(crate) searched: bool,
    pub(crate) error: Option<String>,
    pub(crate) hits: Vec<HitView>,
    pub(crate) next: Option<i64>,
    pub(crate) next_query: String,
    /// "共 N 件" (or "N 件以上").
    pub(crate) total: String,
}

pub(crate) struct HitView {
    pub(crate) id: i64,
    pub(crate) case_no: String,
    pub(crate) subject: String,
    pub(crate) received_on: String,
    pub(crate) status: String,
    pub(crate) unit: String,
    pub(crate) name: String,
    /// Holds only some of the words.
    pub(crate) partial: bool,
    pub(crate) snippet: Vec<xinfang_text::Piece>,
}

/// The search page: the same search as `GET /api/v1/search`.
pub async fn search(
    State(st): State<AppState>,
    pu: PageUser,
    Query(params): Query<crate::petitions::api::search::SearchParams>,
) -> Response {
    let q = params.q.clone().unwrap_or_default();
    let any = params.match_.as_deref() == Some("any");
    let mut page = SearchPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "search",
        searched: !q.trim().is_empty(),
        next_query: format!("q={}&match={}", urlencode(&q), if any { "any" } else { "all" }),
        q,
        any,
        error: None,
        hits: Vec::new(),
        next: None,
        total: String::new(),
    };
    if page.searched {
        match crate::petitions::api::search::run(&st, &pu.user, &params).await {
            Ok(v) => {
                page.hits = v
                    .items
                    .into_iter()
                    .map(|h| HitView {
                        id: h.line.id,
                        case_no: h.line.case_no,
                        subject: h.line.subject,
                        received_on: h.line.received_on,
                        status: h.line.labels.status_label.to_string(),
                        unit: h.line.unit.name,
                        name: h.line.petitioner.name,
                        partial: h.partial,
                        snippet: h
                            .snippet
                            .into_iter()
                            .map(|p| xinfang_text::Piece { text: p.text, hit: p.hit })
                            .collect(),
                    })
                    .collect();
                page.next = v.next_offset;
                page.total = if v.total_capped {
                    pu.tr.f("最新的 {} 件以上符合", &[&v.total])
                } else {
                    pu.tr.f("共 {} 件", &[&v.total])
                };
            }
            Err(e) => page.error = Some(e.message),
        }
    }
    let status = if page.error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    (status, render(&page)).into_response()
}

/// Percent-encodes a query-string value.
pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
