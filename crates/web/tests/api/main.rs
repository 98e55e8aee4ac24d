#![allow(clippy::unwrap_used)]
//! The API, end to end through the real HTTP server, on SQLite and on
//! PostgreSQL. Each scenario is an `async fn(Backend)`; `both!` makes a test
//! of it per backend. The PostgreSQL tests are ignored (and say so) unless
//! `XINFANG_TEST_PG_URL` was set when they were built.

mod access;
mod browser;
mod input;
mod misc;
mod pages;
mod procedure;
mod search;
mod support;

macro_rules! both {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            use crate::support::Backend;
            $(
                #[tokio::test]
                async fn $name() {
                    crate::$module::$name(Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            use crate::support::Backend;
            $(
                #[tokio::test]
                #[cfg_attr(not(xinfang_pg), ignore = "set XINFANG_TEST_PG_URL to run on PostgreSQL")]
                async fn $name() {
                    crate::$module::$name(Backend::Postgres).await
                }
            )*
        }
    };
}

both!(
    procedure::art22_to_art36_full_procedure_to_final_recheck,
    procedure::forbidden_transitions_are_409_and_change_nothing,
    procedure::concurrent_steps_on_one_case_serialize,
    procedure::calendar_import_recomputes_open_deadlines,
    access::a_village_cannot_see_another_village,
    access::art30_reports_never_reach_the_unit_reported_on,
    access::read_only_roles_cannot_act,
    access::public_lookup_leaks_no_personal_data,
    access::personal_numbers_are_masked_and_reveals_audited,
    input::bad_input_gets_a_clear_4xx_and_changes_nothing,
    input::art20_at_most_five_representatives,
    input::failed_logins_are_throttled,
    misc::list_filters_and_cursor_pages,
    misc::openapi_document_lists_every_route,
    misc::audit_chain_detects_tampering,
    misc::monthly_statistics_count_matters_by_unit_and_class,
    misc::workbench_counts_follow_the_case,
    misc::indexes_dropped_for_a_load_come_back,
    misc::group_commit_answers_each_command_alone,
    misc::group_commit_registers_each_petition_alone,
    misc::a_refused_step_leaves_nothing_of_itself,
    misc::ledger_exports_open_in_excel,
    misc::public_submission_and_petitioner_steps,
    pages::pages_forms_errors_and_headers,
    pages::admin_adds_units_and_users_from_the_page,
    pages::admin_imports_a_calendar_from_the_page,
    pages::admin_edits_and_stops_units_and_users,
    pages::staff_pages_switch_to_english,
    pages::search_page_and_repeat_links,
    search::repeat_detection_and_search_meet_the_evaluation_targets,
    search::petitions_stored_before_the_index_are_backfilled,
    search::text_search_finds_the_newest_matches_at_any_age,
    search::search_respects_jurisdiction_and_exact_lookups,
    search::art19_art36_repeat_links_and_flags,
);

/// The browser tests, on SQLite (the pages are the same on PostgreSQL).
mod chromium {
    #[tokio::test]
    #[cfg_attr(
        not(xinfang_browser),
        ignore = "set XINFANG_TEST_BROWSER=1 (with chromium and chromium-driver installed) to run"
    )]
    async fn staff_and_petitioner_in_chromium() {
        crate::browser::staff_and_petitioner_in_chromium(crate::support::Backend::Sqlite).await
    }
}
