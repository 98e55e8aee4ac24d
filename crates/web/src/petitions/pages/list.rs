//! The ledger (台账): filters, pages by cursor, Excel and CSV export.

use crate::i18n::Tr;
use crate::page::Options;
use crate::page::{Layout, PageUser, options, render, url_encode};
use crate::petitions::api::{ListParams, next_cursor, parse_filter};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use xinfang_app::{AppState, org, today};
use xinfang_domain::petition::{Channel, PetitionClass, PetitionStatus};
use xinfang_store::Unit;

pub(crate) struct ListRow {
    pub(crate) id: i64,
    pub(crate) case_no: String,
    pub(crate) received_on: NaiveDate,
    pub(crate) channel: &'static str,
    pub(crate) class: &'static str,
    pub(crate) subject: String,
    pub(crate) petitioner: String,
    pub(crate) persons: Option<i64>,
    pub(crate) unit: String,
    pub(crate) status: &'static str,
    pub(crate) next_due: String,
    pub(crate) overdue: bool,
}

#[derive(Default)]
pub(crate) struct FilterValues {
    pub(crate) status: String,
    pub(crate) class: String,
    pub(crate) channel: String,
    pub(crate) unit: String,
    pub(crate) received_from: String,
    pub(crate) received_to: String,
    pub(crate) overdue: bool,
}

#[derive(Template)]
#[template(path = "petitions/list.html")]
pub(crate) struct ListPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) error: Option<String>,
    pub(crate) f: FilterValues,
    pub(crate) statuses: Options,
    pub(crate) classes: Options,
    pub(crate) channels: Options,
    pub(crate) units: Vec<(String, String)>,
    pub(crate) rows: Vec<ListRow>,
    pub(crate) query: String,
    pub(crate) next: Option<String>,
    pub(crate) first_page: bool,
    /// The query without the order, for the column links.
    pub(crate) base_query: String,
    pub(crate) sort: String,
}

/// The list parameters as a query string, without the cursor.
pub(crate) fn query_string(p: &ListParams) -> String {
    let pairs = [
        ("status", &p.status),
        ("class", &p.class),
        ("channel", &p.channel),
        ("unit", &p.unit),
        ("received_from", &p.received_from),
        ("received_to", &p.received_to),
        ("overdue", &p.overdue),
        ("sort", &p.sort),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", url_encode(v))))
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) fn my_units(st: &AppState, pu: &PageUser) -> Vec<Unit> {
    st.cached_units().all().iter().filter(|u| pu.user.unit.contains(u)).cloned().collect()
}

pub(crate) fn unit_options(units: &[Unit]) -> Vec<(String, String)> {
    units.iter().map(|u| (u.code.clone(), format!("{}{}", "　".repeat(u.depth()), u.name))).collect()
}

pub async fn list(State(st): State<AppState>, pu: PageUser, Query(p): Query<ListParams>) -> Response {
    let units = my_units(&st, &pu);
    let mut page = ListPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "list",
        error: None,
        f: FilterValues {
            status: p.status.clone().unwrap_or_default(),
            class: p.class.clone().unwrap_or_default(),
            channel: p.channel.clone().unwrap_or_default(),
            unit: p.unit.clone().unwrap_or_default(),
            received_from: p.received_from.clone().unwrap_or_default(),
            received_to: p.received_to.clone().unwrap_or_default(),
            overdue: p.overdue.as_deref() == Some("true"),
        },
        statuses: options(PetitionStatus::ALL, PetitionStatus::as_str, PetitionStatus::label),
        classes: options(PetitionClass::ALL, PetitionClass::as_str, PetitionClass::label),
        channels: options(Channel::ALL, Channel::as_str, Channel::label),
        units: unit_options(&units),
        rows: Vec::new(),
        query: query_string(&p),
        next: None,
        first_page: p.cursor.as_deref().unwrap_or("").is_empty(),
        base_query: query_string(&ListParams { sort: None, ..p.clone() }),
        sort: p.sort.clone().unwrap_or_default(),
    };
    let mut filter = match parse_filter(&st, &p).await {
        Ok(f) => f,
        Err(e) => {
            page.error = Some(e.message);
            return (StatusCode::BAD_REQUEST, render(&page)).into_response();
        }
    };
    let size = filter.limit;
    filter.limit = size + 1;
    let mut rows = match st.store.list_petitions(&filter, &org::viewer(&st, &pu.user)).await {
        Ok(r) => r,
        Err(e) => return pu.error(&e.into()),
    };
    if rows.len() as i64 > size {
        rows.truncate(size as usize);
        page.next = rows.last().map(|r| next_cursor(filter.sort, r));
    }
    let today = today();
    page.rows = rows
        .into_iter()
        .map(|r| ListRow {
            id: r.id.0,
            case_no: r.case_no,
            received_on: r.received_on,
            channel: r.channel.label(),
            class: r.class.label(),
            subject: r.subject,
            petitioner: match r.petitioner_phone_masked {
                Some(p) => format!("{} {p}", r.petitioner_name),
                None => r.petitioner_name,
            },
            persons: r.collective_persons,
            unit: r.unit_name,
            status: r.status.label(),
            overdue: r.next_due.is_some_and(|d| d < today),
            next_due: r.next_due.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect();
    render(&page)
}

// ---------------------------------------------------------------- register

pub async fn export_xlsx(State(st): State<AppState>, pu: PageUser, Query(p): Query<ListParams>) -> Response {
    crate::petitions::api::export::xlsx(&st, &pu.user, &p).await.unwrap_or_else(|e| pu.error(&e))
}

pub async fn export_csv(State(st): State<AppState>, pu: PageUser, Query(p): Query<ListParams>) -> Response {
    crate::petitions::api::export::csv(&st, &pu.user, &p).await.unwrap_or_else(|e| pu.error(&e))
}
