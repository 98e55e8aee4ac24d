#![allow(clippy::unwrap_used)]
// A scenario test reads as one story from top to bottom (register, step,
// check, step again); cut into pieces it would hide the order that matters.
#![allow(clippy::too_many_lines)]
//! The API, end to end through the real HTTP server, on SQLite and on
//! PostgreSQL. Each scenario is an `async fn(Backend)`; `both!` makes a test
//! of it per backend. The PostgreSQL tests are ignored (and say so) unless
//! `XINFANG_TEST_PG_URL` was set when they were built.

// One file or folder per module, as in `src/`; the kernel's own tests in
// `kernel/`, the helpers in `support/`.
mod admin;
mod browser;
mod disputes;
mod kernel;
mod petitions;
mod portal;
mod support;
mod workbench;

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
    kernel::failed_logins_are_throttled,
    kernel::only_paths_of_this_site_are_followed,
    kernel::authorization_matrix,
    kernel::a_stranger_cannot_lock_a_clerk_out,
    kernel::public_throttles_count_the_client_behind_a_proxy,
    kernel::answers_are_not_cached_and_https_cookies_are_secure,
    kernel::openapi_document_lists_every_route,
    kernel::audit_chain_detects_tampering,
    kernel::attachments_are_sniffed_kept_once_guarded_and_withdrawn,
    kernel::art30_a_reports_attachments_never_reach_the_unit_reported_on,
    kernel::attachment_limits_are_kept,
    kernel::attachments_on_the_petition_page,
    kernel::a_portal_submission_carries_its_files,
    kernel::attachments_can_live_in_a_directory,
    kernel::notices_are_sent_once_after_commit_and_retried,
    kernel::daily_reminders_go_once_to_the_configured_address,
    kernel::throttles_count_across_servers,
    kernel::audit_checkpoints_detect_truncation_and_rewriting,
    kernel::key_rotation_reencrypts_and_reseals,
    kernel::deep_check_finds_direct_edits_to_the_record,
    kernel::unknown_addresses_get_a_page_and_the_api_json,
    kernel::indexes_dropped_for_a_load_come_back,
    kernel::group_commit_answers_each_command_alone,
    kernel::group_commit_registers_each_petition_alone,
    kernel::a_refused_step_leaves_nothing_of_itself,
    disputes::art33_a_dispute_from_registration_to_confirmation,
    disputes::a_dispute_is_seen_where_it_is_handled,
    disputes::a_bad_dispute_is_refused_whole,
    disputes::disputes_on_the_pages,
    disputes::art33_a_petition_sent_to_mediation_links_both_ways,
    disputes::art18_a_leader_owns_matters_on_a_board,
    petitions::art22_to_art36_full_procedure_to_final_recheck,
    petitions::forbidden_transitions_are_409_and_change_nothing,
    petitions::who_may_record_each_step,
    petitions::concurrent_steps_on_one_case_serialize,
    petitions::calendar_import_recomputes_open_deadlines,
    petitions::a_village_cannot_see_another_village,
    petitions::jurisdiction_follows_the_tree_at_any_depth,
    petitions::art30_reports_never_reach_the_unit_reported_on,
    petitions::art30_a_repeat_link_never_shows_the_report,
    petitions::one_corrupt_record_stops_nothing,
    petitions::read_only_roles_cannot_act,
    petitions::personal_numbers_are_masked_and_reveals_audited,
    petitions::bad_input_gets_a_clear_4xx_and_changes_nothing,
    petitions::art20_at_most_five_representatives,
    petitions::list_filters_and_cursor_pages,
    petitions::monthly_statistics_count_matters_by_unit_and_class,
    petitions::ledger_exports_open_in_excel,
    petitions::notices_are_word_files_filled_from_the_case,
    petitions::handler_category_and_place_on_the_ledger,
    petitions::pages_forms_errors_and_headers,
    petitions::reception_days_are_published_on_the_portal,
    petitions::staff_pages_switch_to_english,
    petitions::search_page_and_repeat_links,
    petitions::repeat_detection_and_search_meet_the_evaluation_targets,
    petitions::petitions_stored_before_the_index_are_backfilled,
    petitions::text_search_finds_the_newest_matches_at_any_age,
    petitions::search_respects_jurisdiction_and_exact_lookups,
    petitions::an_administrator_extends_the_synonyms,
    petitions::repeat_candidates_point_to_review_and_never_to_later_ones,
    petitions::art19_art36_repeat_links_and_flags,
    portal::public_lookup_leaks_no_personal_data,
    portal::public_submission_and_petitioner_steps,
    portal::art35_a_petitioner_cannot_choose_the_date,
    portal::petitioner_text_is_bounded_and_cleaned,
    portal::the_look_up_keeps_the_code_out_of_addresses,
    portal::a_submission_sent_twice_is_registered_once,
    workbench::workbench_counts_follow_the_case,
    workbench::deadlines_read_plainly,
    workbench::workbench_counts_what_the_ledger_lists,
    admin::admin_adds_units_and_users_from_the_page,
    admin::admin_imports_a_calendar_from_the_page,
    admin::admin_edits_and_stops_units_and_users,
);

/// The notices through LibreOffice, on SQLite (the files are the same on
/// PostgreSQL).
mod office {
    #[tokio::test]
    #[cfg_attr(
        not(xinfang_office),
        ignore = "set XINFANG_TEST_OFFICE=1 (with libreoffice-writer-nogui and poppler-utils installed) to run"
    )]
    async fn notices_open_in_libreoffice() {
        crate::petitions::documents::notices_open_in_libreoffice(crate::support::Backend::Sqlite).await
    }
}

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
