//! The ledger (台账): filters, pages by cursor, Excel and CSV export.

use crate::i18n::Tr;
use crate::page::Options;
use crate::page::{Layout, PageUser, options, render, url_encode};
use crate::petitions::api::{ListParams, next_cursor, parse_filter};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use xinfang_app::{AppState, org, today};
use xinfang_domain::petition::{Channel, ClockName, PetitionClass, PetitionStatus, category};
use xinfang_store::Unit;

pub(crate) struct ListRow {
    pub(crate) id: i64,
    pub(crate) case_no: String,
    pub(crate) received_on: NaiveDate,
    pub(crate) channel: &'static str,
    pub(crate) class: &'static str,
    /// The category's own name, and its full label for the hover.
    pub(crate) category: &'static str,
    pub(crate) category_label: String,
    pub(crate) subject: String,
    pub(crate) petitioner: String,
    pub(crate) phone: String,
    pub(crate) persons: Option<i64>,
    pub(crate) problem_unit: String,
    pub(crate) unit: String,
    pub(crate) handler: String,
    /// The status's word and its colour class.
    pub(crate) status: &'static str,
    pub(crate) status_class: &'static str,
    pub(crate) next_due: String,
    /// Which clock the nearest deadline is (受理告知, 办理 …).
    pub(crate) next_clock: &'static str,
    pub(crate) overdue: bool,
    pub(crate) accepted_on: String,
    pub(crate) closed_on: String,
    pub(crate) result: &'static str,
    pub(crate) satisfaction: &'static str,
    /// The status in a word; `status` in full on hover.
    pub(crate) status_short: &'static str,
    /// The nearest deadline as the column shows it: the month and day in
    /// this year, the whole date in another; `next_due` in full on hover.
    pub(crate) next_due_short: String,
}

/// The colour of a status on the ledger: waiting, in hand, answered, in
/// review, closed.
pub(crate) fn status_class(s: PetitionStatus) -> &'static str {
    match s {
        PetitionStatus::Registered => "st-new",
        PetitionStatus::Accepted => "st-open",
        PetitionStatus::OpinionIssued | PetitionStatus::Served => "st-answered",
        PetitionStatus::ReviewRequested
        | PetitionStatus::Reviewed
        | PetitionStatus::RecheckRequested
        | PetitionStatus::Rechecked => "st-review",
        PetitionStatus::Closed => "st-closed",
    }
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
    pub(crate) open: bool,
    pub(crate) handler: String,
    pub(crate) content_category: String,
    pub(crate) problem_unit: String,
    pub(crate) at: String,
    pub(crate) at_only: bool,
    pub(crate) due_from: String,
    pub(crate) due_to: String,
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
    /// The staff of the user's units, for the handler filter.
    pub(crate) handlers: Vec<(String, String)>,
    pub(crate) categories: CategoryGroups,
    pub(crate) rows: Vec<ListRow>,
    pub(crate) query: String,
    pub(crate) next: Option<String>,
    pub(crate) first_page: bool,
    /// The query without the order, for the column links.
    pub(crate) base_query: String,
    pub(crate) sort: String,
    /// 共 N 件 (or N+ when there are more than the count reads).
    pub(crate) total: String,
    /// This page's number and the number of pages (when the total is known).
    pub(crate) page_no: i64,
    /// 第 k 页（，共 m 页）.
    pub(crate) page_label: String,
}

/// How far the ledger's total is counted: beyond it, "1000 件以上". The
/// count reads that many rows of the filter: at 10,000 the overdue filter's
/// page took 47 ms on a 100k ledger, at 1,000 a tenth of it.
const COUNT_CAP: i64 = 1_000;

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
        ("at", &p.at),
        ("at_only", &p.at_only),
        ("due_from", &p.due_from),
        ("due_to", &p.due_to),
        ("handler", &p.handler),
        ("open", &p.open),
        ("content_category", &p.content_category),
        ("problem_unit", &p.problem_unit),
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

/// The content categories (内容分类) as a select's groups: each first-level
/// category (code, name) with its second level under it.
pub(crate) type CategoryGroups = Vec<(&'static str, &'static str, Vec<(&'static str, &'static str)>)>;

pub(crate) fn category_groups() -> CategoryGroups {
    use xinfang_domain::petition::category;
    category::all()
        .iter()
        .filter(|c| c.parent.is_none())
        .map(|top| {
            let subs =
                category::all().iter().filter(|c| c.parent == Some(top.code)).map(|c| (c.code, c.name)).collect();
            (top.code, top.name, subs)
        })
        .collect()
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
            open: p.open.as_deref() == Some("true"),
            handler: p.handler.clone().unwrap_or_default(),
            content_category: p.content_category.clone().unwrap_or_default(),
            problem_unit: p.problem_unit.clone().unwrap_or_default(),
            at: p.at.clone().unwrap_or_default(),
            at_only: p.at_only.as_deref() == Some("true"),
            due_from: p.due_from.clone().unwrap_or_default(),
            due_to: p.due_to.clone().unwrap_or_default(),
        },
        statuses: options(PetitionStatus::ALL, PetitionStatus::as_str, PetitionStatus::label),
        classes: options(PetitionClass::ALL, PetitionClass::as_str, PetitionClass::label),
        channels: options(Channel::ALL, Channel::as_str, Channel::label),
        handlers: st
            .store
            .users()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|u| pu.user.unit.contains(&u.unit) && u.role.works_petitions())
            .map(|u| (u.username, format!("{}{}{}{}", u.display_name, pu.tr.p("("), u.unit.name, pu.tr.p(")"))))
            .collect(),
        categories: category_groups(),
        units: unit_options(&units),
        rows: Vec::new(),
        query: query_string(&p),
        next: None,
        first_page: p.cursor.as_deref().unwrap_or("").is_empty(),
        base_query: query_string(&ListParams { sort: None, ..p.clone() }),
        sort: p.sort.clone().unwrap_or_default(),
        total: String::new(),
        page_no: p.page.as_deref().and_then(|n| n.parse::<i64>().ok()).filter(|n| *n >= 1).unwrap_or(1),
        page_label: String::new(),
    };
    let mut filter = match parse_filter(&st, &pu.user, &p).await {
        Ok(f) => f,
        Err(e) => {
            page.error = Some(e.message);
            return (StatusCode::BAD_REQUEST, render(&page)).into_response();
        }
    };
    let size = filter.limit;
    filter.limit = size + 1;
    let viewer = org::viewer(&st, &pu.user);
    // The total counts the filter, not the page: no cursor.
    let whole = xinfang_store::ListFilter { before_id: None, after: None, ..filter.clone() };
    let (rows, total) = match tokio::try_join!(
        st.store.list_petitions(&filter, &viewer),
        st.store.count_petitions(&whole, &viewer, COUNT_CAP + 1)
    ) {
        Ok(x) => x,
        Err(e) => return pu.error(&e.into()),
    };
    let mut rows = rows;
    if total > COUNT_CAP {
        page.total = pu.tr.f("共 {} 件以上", &[&COUNT_CAP]);
        page.page_label = pu.tr.f("第 {} 页", &[&page.page_no]);
    } else {
        page.total = pu.tr.f("共 {} 件", &[&total]);
        let pages = ((total + size - 1) / size).max(1);
        page.page_label = pu.tr.f("第 {} 页，共 {} 页", &[&page.page_no, &pages]);
    }
    if rows.len() as i64 > size {
        rows.truncate(size as usize);
        page.next = rows.last().map(|r| next_cursor(filter.sort, r));
    }
    let today = today();
    page.rows = rows.into_iter().map(|r| list_row(r, today)).collect();
    render(&page)
}

/// A line of the ledger page.
fn list_row(r: xinfang_store::PetitionSummary, today: NaiveDate) -> ListRow {
    let facts = xinfang_app::petitions::LedgerFacts::of_stored(&r.state);
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    ListRow {
        id: r.id.0,
        case_no: r.case_no,
        received_on: r.received_on,
        channel: r.channel.label(),
        class: r.class.label(),
        category: category::find(&r.content_category).map_or("", |c| c.name),
        category_label: category::label(&r.content_category),
        subject: r.subject,
        petitioner: r.petitioner_name,
        phone: r.petitioner_phone_masked.unwrap_or_default(),
        persons: r.collective_persons,
        problem_unit: r.problem_unit_name.unwrap_or_default(),
        unit: r.unit_name,
        handler: r.handler_name.unwrap_or_default(),
        status: r.status.label(),
        status_class: status_class(r.status),
        overdue: r.next_due.is_some_and(|d| d < today),
        next_due: date(r.next_due),
        next_clock: r.next_clock.as_deref().and_then(ClockName::parse).map_or("", ClockName::short_label),
        accepted_on: date(facts.accepted_on),
        closed_on: date(facts.closed_on),
        result: facts.result.unwrap_or(""),
        satisfaction: facts.satisfaction.unwrap_or(""),
        status_short: r.status.short_label(),
        next_due_short: r
            .next_due
            .map(|d| if d.year() == today.year() { d.format("%m-%d").to_string() } else { d.to_string() })
            .unwrap_or_default(),
    }
}

// ---------------------------------------------------------------- register

pub async fn export_xlsx(State(st): State<AppState>, pu: PageUser, Query(p): Query<ListParams>) -> Response {
    crate::petitions::api::export::xlsx(&st, &pu.user, &p).await.unwrap_or_else(|e| pu.error(&e))
}

pub async fn export_csv(State(st): State<AppState>, pu: PageUser, Query(p): Query<ListParams>) -> Response {
    crate::petitions::api::export::csv(&st, &pu.user, &p).await.unwrap_or_else(|e| pu.error(&e))
}
