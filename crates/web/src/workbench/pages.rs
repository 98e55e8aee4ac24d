//! The workbench (工作台): what is overdue, due today and due within 3 days
//! for every clock, with counts per unit.

use crate::i18n::Tr;
use crate::page::{Layout, PageUser, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use xinfang_app::{AppState, org, today};
use xinfang_store::ListFilter;

pub(crate) struct WorkRow {
    pub(crate) id: i64,
    pub(crate) case_no: String,
    pub(crate) subject: String,
    pub(crate) unit: String,
    pub(crate) status: &'static str,
    pub(crate) clock: &'static str,
    pub(crate) due: NaiveDate,
    pub(crate) when: String,
    pub(crate) class: &'static str,
}

pub(crate) struct CountRow {
    pub(crate) unit_code: String,
    pub(crate) unit: String,
    pub(crate) clock: &'static str,
    pub(crate) overdue: i64,
    pub(crate) today: i64,
    pub(crate) soon: i64,
}

#[derive(Template)]
#[template(path = "workbench/workbench.html")]
pub(crate) struct Workbench {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) today: NaiveDate,
    pub(crate) overdue: i64,
    pub(crate) due_today: i64,
    pub(crate) due_soon: i64,
    pub(crate) items: Vec<WorkRow>,
    pub(crate) counts: Vec<CountRow>,
    /// 我的: the open cases the user is the named handler of, and of them
    /// those overdue, counted as the ledger's filters count them.
    pub(crate) mine_open: i64,
    pub(crate) mine_overdue: i64,
    /// A year the deadlines reach into whose holidays are not loaded.
    pub(crate) missing_year: Option<i32>,
    /// The unit whose cases the cards count (handled now at it or below),
    /// for the ledger filters the cards link to.
    pub(crate) scope: String,
    pub(crate) tomorrow: NaiveDate,
    pub(crate) soon: NaiveDate,
}

pub async fn workbench(State(st): State<AppState>, pu: PageUser) -> Response {
    let today = today();
    let soon = today + chrono::Days::new(3);
    let viewer = org::viewer(&st, &pu.user);
    let mine = ListFilter { handler_id: Some(pu.user.id), open_only: true, ..Default::default() };
    let mine_late = ListFilter { overdue_before: Some(today), ..mine.clone() };
    let (items, counts, mine_open, mine_overdue) = match tokio::try_join!(
        st.store.work_items(&viewer, soon, 300),
        st.store.work_counts(&viewer, today, soon),
        st.store.count_petitions(&mine, &viewer, i64::MAX),
        st.store.count_petitions(&mine_late, &viewer, i64::MAX)
    ) {
        Ok(x) => x,
        Err(e) => return pu.error(&e.into()),
    };
    let items: Vec<WorkRow> = items
        .into_iter()
        .map(|i| {
            let days = (i.due - today).num_days();
            let (class, when) = match days {
                d if d < 0 => ("overdue", pu.tr.f("已超期 {} 日", &[&-d])),
                0 => ("today", pu.tr.t("今日到期").to_string()),
                d => ("", pu.tr.f("{} 日后到期", &[&d])),
            };
            WorkRow {
                id: i.petition_id.0,
                case_no: i.case_no,
                subject: i.subject,
                unit: i.unit_name,
                status: i.status.label(),
                clock: i.clock.label(),
                due: i.due,
                when,
                class,
            }
        })
        .collect();
    let counts: Vec<CountRow> = counts
        .into_iter()
        .map(|c| CountRow {
            clock: c.clock.label(),
            unit_code: c.unit_code,
            unit: c.unit_name,
            overdue: c.overdue,
            today: c.today,
            // Due after today, within 3 days: the card's count.
            soon: c.soon - c.overdue - c.today,
        })
        .collect();
    let page = Workbench {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "work",
        today,
        overdue: counts.iter().map(|c| c.overdue).sum(),
        due_today: counts.iter().map(|c| c.today).sum(),
        due_soon: counts.iter().map(|c| c.soon).sum(),
        items,
        counts,
        mine_open,
        mine_overdue,
        scope: crate::page::url_encode(&pu.user.unit.code),
        tomorrow: today + chrono::Days::new(1),
        soon,
        missing_year: {
            // Deadlines run up to 90 days ahead (60 + 30): the year they
            // reach must have its holiday notice loaded.
            let horizon = chrono::Datelike::year(&(today + chrono::Days::new(90)));
            (!st.calendar().has_year(horizon)).then_some(horizon)
        },
    };
    render(&page)
}

// ---------------------------------------------------------------- list
