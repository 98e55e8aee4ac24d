//! The procedure, rule by rule. Each test names the article it checks.

use super::*;
use crate::petition::vocab::{ClockName, CloseReason, Decision, Evaluation, PetitionClass, PetitionStatus};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

struct World {
    rules: RuleSet,
    cal: Calendar,
}

impl World {
    fn new() -> Self {
        World { rules: RuleSet::national_2022(), cal: Calendar::builtin() }
    }
    fn ctx(&self) -> Ctx<'_> {
        Ctx { today: d("2026-11-29"), rules: &self.rules, calendar: &self.cal, higher_unit: Some("CITY") }
    }
}

fn ev(on: &str, kind: EventKind) -> Event {
    Event { on: d(on), kind }
}

fn case(class: PetitionClass) -> CaseState {
    CaseState::registered(class, "COUNTY", d("2026-02-01"))
}

fn due(state: &CaseState, w: &World, clock: ClockName) -> Option<NaiveDate> {
    state.deadlines(&w.ctx()).into_iter().find(|x| x.clock == clock).map(|x| x.due)
}

fn opinion(decision: Decision) -> EventKind {
    EventKind::Opinion { decision, basis: "经调查核实".into() }
}

#[test]
fn art22_registration_opens_the_15_day_clock() {
    let w = World::new();
    let s = case(PetitionClass::Appeal);
    // 2026-02-01 + 15 = 2026-02-16, inside 春节 2/15–2/23: rolls to 2/24.
    assert_eq!(due(&s, &w, ClockName::Acknowledge), Some(d("2026-02-24")));
    assert_eq!(due(&s, &w, ClockName::Objection), None);
}

#[test]
fn art23_transfer_restarts_acknowledge_and_opens_5_working_day_objection() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-03", EventKind::Transfer { to: "TOWN".into(), note: None }), &w.ctx()).unwrap();
    assert_eq!(s.unit, "TOWN");
    // 5 working days after Tue 2/3: 2/4, 2/5, 2/6, 2/9, 2/10.
    assert_eq!(due(&s, &w, ClockName::Objection), Some(d("2026-02-10")));
    // 15 days after 2/3 = 2/18 (春节) → 2/24.
    assert_eq!(due(&s, &w, ClockName::Acknowledge), Some(d("2026-02-24")));
}

#[test]
fn art23_objection_within_5_working_days_returns_the_case() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-03", EventKind::Transfer { to: "TOWN".into(), note: None }), &w.ctx()).unwrap();
    s.apply(&ev("2026-02-10", EventKind::Objection { reason: "不属本单位职责".into() }), &w.ctx()).unwrap();
    assert_eq!(s.unit, "COUNTY");
    assert_eq!(s.intake.route, IntakeRoute::Returned);
}

#[test]
fn art23_objection_after_5_working_days_is_refused_and_changes_nothing() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-03", EventKind::Transfer { to: "TOWN".into(), note: None }), &w.ctx()).unwrap();
    let before = s.clone();
    let err = s.apply(&ev("2026-02-11", EventKind::Objection { reason: "不属本单位".into() }), &w.ctx()).unwrap_err();
    assert_eq!(err.code, "art23_objection_late");
    assert!(err.message.contains("第二十三条"));
    assert_eq!(s, before);
}

#[test]
fn art23_objection_only_for_transferred_matters() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    let err = s.apply(&ev("2026-02-02", EventKind::Objection { reason: "x".into() }), &w.ctx()).unwrap_err();
    assert_eq!(err.code, "art23_objection_not_transferred");
}

#[test]
fn art22_assignment_carries_the_set_deadline() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-03", EventKind::Assign { to: "TOWN".into(), due: d("2026-03-31"), note: None }), &w.ctx())
        .unwrap();
    assert_eq!(due(&s, &w, ClockName::Assigned), Some(d("2026-03-31")));
    s.apply(&ev("2026-02-04", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    assert_eq!(due(&s, &w, ClockName::Assigned), Some(d("2026-03-31")));
}

#[test]
fn art34_handling_is_60_days_from_acceptance() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-01", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    assert_eq!(due(&s, &w, ClockName::Handle), Some(d("2026-04-02")));
    assert_eq!(due(&s, &w, ClockName::Acknowledge), None);
}

fn extend_request(on: &str, days: u32) -> Event {
    ev(on, EventKind::ExtendRequest { days, reason: "情况复杂".into() })
}

fn approve_extension(on: &str) -> Event {
    ev(on, EventKind::Extend { days: None, approver: None, reason: None })
}

#[test]
fn art34_extension_counts_60_plus_n_days_from_acceptance() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-01", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    s.apply(&extend_request("2026-03-19", 30), &w.ctx()).unwrap();
    assert_eq!(due(&s, &w, ClockName::Handle), Some(d("2026-04-02")), "a request alone extends nothing");
    s.apply(&approve_extension("2026-03-20"), &w.ctx()).unwrap();
    // 2026-02-01 + 90 = 2026-05-02, in 劳动节 5/1–5/5 → 5/6.
    let dl = s.deadlines(&w.ctx()).into_iter().find(|x| x.clock == ClockName::Handle).unwrap();
    assert_eq!(dl.due, d("2026-05-06"));
    assert!(dl.explanation.contains("经批准延长 30 日"), "{}", dl.explanation);
    assert!(dl.explanation.contains("第三十四条"));
}

/// Art. 34: the head of the body approves an extension the handling unit
/// asked for. Approval without a request, a second request while one waits,
/// and an approval that names its own days are refused; a step recorded
/// before requests existed (days, approver and reason in it) still counts.
#[test]
fn art34_an_extension_is_requested_then_approved() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-01", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    assert_eq!(s.apply(&approve_extension("2026-03-01"), &w.ctx()).unwrap_err().code, "art34_no_request");
    s.apply(&extend_request("2026-03-01", 20), &w.ctx()).unwrap();
    assert_eq!(s.apply(&extend_request("2026-03-02", 5), &w.ctx()).unwrap_err().code, "art34_request_pending");
    let mut typed =
        ev("2026-03-02", EventKind::Extend { days: Some(20), approver: Some("李局长".into()), reason: None });
    let e = typed.validate(d("2026-11-29"), &w.rules).unwrap_err();
    assert_eq!(e[0].code, "art34_extension_needs_request");
    s.apply(&approve_extension("2026-03-02"), &w.ctx()).unwrap();
    assert_eq!((s.extension_days, s.extension_request.is_none()), (20, true));

    let legacy: Event =
        serde_json::from_str(r#"{"type":"extend","on":"2026-03-20","days":30,"approver":"王","reason":"复杂"}"#)
            .unwrap();
    let mut old = case(PetitionClass::Appeal);
    old.apply(&ev("2026-02-01", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    old.apply(&legacy, &w.ctx()).unwrap();
    assert_eq!(old.extension_days, 30);
}

#[test]
fn art34_extension_is_at_most_30_days_in_total() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-01", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    s.apply(&extend_request("2026-03-01", 20), &w.ctx()).unwrap();
    s.apply(&approve_extension("2026-03-01"), &w.ctx()).unwrap();
    let err = s.apply(&extend_request("2026-03-02", 11), &w.ctx()).unwrap_err();
    assert_eq!(err.code, "art34_extension_too_long");
    let mut e = extend_request("2026-03-02", 31);
    assert!(e.validate(d("2026-11-29"), &w.rules).is_err());
}

#[test]
fn art34_extension_must_come_before_the_deadline() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-01", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    let err = s.apply(&extend_request("2026-04-03", 10), &w.ctx()).unwrap_err();
    assert_eq!(err.code, "art34_extension_after_due");
    // Asked in time, approved too late.
    s.apply(&extend_request("2026-04-01", 10), &w.ctx()).unwrap();
    let err = s.apply(&approve_extension("2026-04-03"), &w.ctx()).unwrap_err();
    assert_eq!(err.code, "art34_extension_after_due");
}

#[test]
fn art31_decline_routes_the_matter_out_and_closes_it() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(
        &ev("2026-02-02", EventKind::Decline { route: DeclineRoute::Litigation, reason: "已进入诉讼".into() }),
        &w.ctx(),
    )
    .unwrap();
    assert_eq!(s.status, PetitionStatus::Closed);
    assert_eq!(s.closed.as_ref().unwrap().reason, CloseReason::RoutedOut);
    assert!(s.deadlines(&w.ctx()).is_empty());
}

#[test]
fn art32_opinion_needs_acceptance_and_a_closed_hearing() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    let err = s.apply(&ev("2026-02-02", opinion(Decision::Support)), &w.ctx()).unwrap_err();
    assert_eq!(err.code, "transition_not_allowed");
    assert!(err.message.contains("第三十二条"), "{}", err.message);
    s.apply(&ev("2026-02-02", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    s.apply(&ev("2026-02-10", EventKind::HearingStart { note: None }), &w.ctx()).unwrap();
    assert_eq!(s.apply(&ev("2026-02-11", opinion(Decision::Support)), &w.ctx()).unwrap_err().code, "hearing_open");
    s.apply(&ev("2026-02-12", EventKind::HearingEnd { note: None }), &w.ctx()).unwrap();
    s.apply(&ev("2026-02-13", opinion(Decision::Support)), &w.ctx()).unwrap();
    assert_eq!(s.status, PetitionStatus::OpinionIssued);
}

#[test]
fn art35_review_needs_service_and_comes_within_30_days() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-02", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    s.apply(&ev("2026-03-02", opinion(Decision::Reject)), &w.ctx()).unwrap();
    let err = s.apply(&ev("2026-03-03", EventKind::ReviewRequest { note: None }), &w.ctx()).unwrap_err();
    assert_eq!(err.code, "transition_not_allowed");
    s.apply(&ev("2026-03-03", EventKind::Serve { method: None }), &w.ctx()).unwrap();
    // 2026-03-03 + 30 = 2026-04-02 (Thursday).
    assert_eq!(due(&s, &w, ClockName::ReviewRequest), Some(d("2026-04-02")));
    let late = s.clone().apply(&ev("2026-04-03", EventKind::ReviewRequest { note: None }), &w.ctx()).unwrap_err();
    assert_eq!(late.code, "art35_review_request_late");
    s.apply(&ev("2026-04-02", EventKind::ReviewRequest { note: None }), &w.ctx()).unwrap();
    assert_eq!(s.unit, "CITY", "the next higher body reviews (Art. 35)");
    // Review opinion within 30 days of the request: 4/2 + 30 = 5/2 (劳动节) → 5/6.
    assert_eq!(due(&s, &w, ClockName::Review), Some(d("2026-05-06")));
}

#[test]
fn art35_review_may_follow_a_concluded_closure_within_the_window() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-02", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    s.apply(&ev("2026-03-02", opinion(Decision::Explain)), &w.ctx()).unwrap();
    s.apply(&ev("2026-03-03", EventKind::Serve { method: None }), &w.ctx()).unwrap();
    s.apply(&ev("2026-03-04", EventKind::Close { reason: None, note: None }), &w.ctx()).unwrap();
    assert_eq!(s.closed.as_ref().unwrap().reason, CloseReason::Concluded);
    assert_eq!(due(&s, &w, ClockName::ReviewRequest), Some(d("2026-04-02")));
    s.apply(&ev("2026-03-20", EventKind::ReviewRequest { note: None }), &w.ctx()).unwrap();
    assert_eq!(s.status, PetitionStatus::ReviewRequested);
    assert!(s.closed.is_none());
}

#[test]
fn art35_review_only_for_appeal_opinions() {
    let w = World::new();
    let mut s = case(PetitionClass::Suggestion);
    s.apply(&ev("2026-02-02", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    assert_eq!(due(&s, &w, ClockName::Handle), None, "Art. 29 sets no numeric period");
    s.apply(&ev("2026-03-02", opinion(Decision::Support)), &w.ctx()).unwrap();
    s.apply(&ev("2026-03-03", EventKind::Serve { method: None }), &w.ctx()).unwrap();
    let err = s.apply(&ev("2026-03-04", EventKind::ReviewRequest { note: None }), &w.ctx()).unwrap_err();
    assert_eq!(err.code, "appeal_class_only");
}

fn reviewed(w: &World) -> CaseState {
    let mut s = case(PetitionClass::Appeal);
    for e in [
        ev("2026-02-02", EventKind::Accept { note: None }),
        ev("2026-03-02", opinion(Decision::Reject)),
        ev("2026-03-03", EventKind::Serve { method: None }),
        ev("2026-03-10", EventKind::ReviewRequest { note: None }),
        ev("2026-04-01", EventKind::ReviewOpinion { decision: Decision::Reject, basis: "维持".into() }),
    ] {
        s.apply(&e, &w.ctx()).unwrap();
    }
    s
}

#[test]
fn art36_recheck_request_within_30_days_of_the_review_opinion() {
    let w = World::new();
    let s = reviewed(&w);
    // 2026-04-01 + 30 = 2026-05-01 (劳动节 5/1–5/5) → 5/6.
    assert_eq!(due(&s, &w, ClockName::RecheckRequest), Some(d("2026-05-06")));
    let late = s.clone().apply(&ev("2026-05-07", EventKind::RecheckRequest { note: None }), &w.ctx()).unwrap_err();
    assert_eq!(late.code, "art36_recheck_request_late");
    let mut s2 = s.clone();
    s2.apply(&ev("2026-05-06", EventKind::RecheckRequest { note: None }), &w.ctx()).unwrap();
    assert_eq!(s2.status, PetitionStatus::RecheckRequested);
}

#[test]
fn art36_hearing_time_is_excluded_from_the_recheck_period() {
    let w = World::new();
    let mut s = reviewed(&w);
    s.apply(&ev("2026-04-10", EventKind::RecheckRequest { note: None }), &w.ctx()).unwrap();
    // Without a hearing: 4/10 + 30 = 5/10 (Sunday) → 5/11.
    assert_eq!(due(&s, &w, ClockName::Recheck), Some(d("2026-05-11")));
    s.apply(&ev("2026-04-20", EventKind::HearingStart { note: None }), &w.ctx()).unwrap();
    let open = s.deadlines(&w.ctx()).into_iter().find(|x| x.clock == ClockName::Recheck).unwrap();
    assert!(open.paused);
    s.apply(&ev("2026-04-22", EventKind::HearingEnd { note: None }), &w.ctx()).unwrap();
    // 3 hearing days (4/20–4/22) added: 4/10 + 33 = 5/13 (Wednesday).
    let dl = s.deadlines(&w.ctx()).into_iter().find(|x| x.clock == ClockName::Recheck).unwrap();
    assert_eq!(dl.due, d("2026-05-13"));
    assert!(!dl.paused);
    assert!(dl.explanation.contains("不计入期限"), "{}", dl.explanation);
}

#[test]
fn art36_recheck_is_final_no_further_request() {
    let w = World::new();
    let mut s = reviewed(&w);
    s.apply(&ev("2026-04-10", EventKind::RecheckRequest { note: None }), &w.ctx()).unwrap();
    s.apply(
        &ev("2026-05-01", EventKind::RecheckOpinion { decision: Decision::Reject, basis: "维持".into() }),
        &w.ctx(),
    )
    .unwrap();
    assert!(s.apply(&ev("2026-05-02", EventKind::RecheckRequest { note: None }), &w.ctx()).is_err());
    assert!(s.apply(&ev("2026-05-02", EventKind::ReviewRequest { note: None }), &w.ctx()).is_err());
    s.apply(&ev("2026-05-03", EventKind::Close { reason: None, note: None }), &w.ctx()).unwrap();
    assert_eq!(s.closed.as_ref().unwrap().reason, CloseReason::RecheckFinal);
    assert!(s.deadlines(&w.ctx()).is_empty());
    let err = s.apply(&ev("2026-05-04", EventKind::RecheckRequest { note: None }), &w.ctx()).unwrap_err();
    assert!(err.message.contains("第三十六条"), "{}", err.message);
}

#[test]
fn art21_evaluation_after_a_served_reply_once_per_reply() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-02", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    let sat = || EventKind::Evaluate { value: Evaluation::Satisfied, comment: None };
    assert_eq!(s.apply(&ev("2026-02-03", sat()), &w.ctx()).unwrap_err().code, "nothing_to_evaluate");
    s.apply(&ev("2026-03-02", opinion(Decision::Support)), &w.ctx()).unwrap();
    s.apply(&ev("2026-03-03", EventKind::Serve { method: None }), &w.ctx()).unwrap();
    s.apply(&ev("2026-03-04", sat()), &w.ctx()).unwrap();
    assert_eq!(s.apply(&ev("2026-03-05", sat()), &w.ctx()).unwrap_err().code, "already_evaluated");
}

#[test]
fn events_are_recorded_in_date_order() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-05", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    let err = s.apply(&ev("2026-02-04", opinion(Decision::Support)), &w.ctx()).unwrap_err();
    assert_eq!(err.code, "out_of_order");
}

#[test]
fn closed_cases_take_no_more_steps() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-02", EventKind::Close { reason: Some(CloseReason::Withdrawn), note: None }), &w.ctx())
        .unwrap();
    assert_eq!(s.apply(&ev("2026-02-03", EventKind::Accept { note: None }), &w.ctx()).unwrap_err().code, "case_closed");
}

#[test]
fn art33_mediation_closes_an_accepted_case() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    assert!(
        s.clone()
            .apply(&ev("2026-02-02", EventKind::Close { reason: Some(CloseReason::Mediated), note: None }), &w.ctx())
            .is_err()
    );
    s.apply(&ev("2026-02-02", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    s.apply(&ev("2026-02-20", EventKind::Close { reason: Some(CloseReason::Mediated), note: None }), &w.ctx()).unwrap();
    assert_eq!(s.status, PetitionStatus::Closed);
}

#[test]
fn events_parse_from_the_api_shape() {
    let e: Event =
        serde_json::from_str(r#"{"type":"extend","on":"2026-02-03","days":30,"approver":"王","reason":"复杂"}"#)
            .unwrap();
    assert_eq!(e.kind.type_name(), "extend");
    let e: Event =
        serde_json::from_str(r#"{"type":"decline","on":"2026-02-03","route":"arbitration","reason":"劳动争议"}"#)
            .unwrap();
    assert!(matches!(e.kind, EventKind::Decline { route: DeclineRoute::Arbitration, .. }));
    assert!(serde_json::from_str::<Event>(r#"{"type":"fly","on":"2026-02-03"}"#).is_err());
    assert!(serde_json::from_str::<Event>(r#"{"type":"accept","on":"2026-02-30"}"#).is_err());
}

#[test]
fn allowed_steps_follow_the_rules() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    let on = d("2026-02-02");
    let steps = s.allowed_steps(on, &w.ctx());
    assert_eq!(steps, vec!["transfer", "assign", "assign_handler", "accept", "decline", "close"]);
    s.apply(&ev("2026-02-02", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    let steps = s.allowed_steps(on, &w.ctx());
    assert_eq!(steps, vec!["assign_handler", "extend_request", "hearing_start", "opinion", "close"]);
    let mut asked = s.clone();
    asked.apply(&extend_request("2026-02-02", 10), &w.ctx()).unwrap();
    assert_eq!(
        asked.allowed_steps(on, &w.ctx()),
        vec!["assign_handler", "extend", "hearing_start", "opinion", "close"]
    );
    // After the handling deadline an extension is no longer offered (Art. 34).
    assert!(!s.allowed_steps(d("2026-04-10"), &w.ctx()).contains(&"extend_request"));
    s.apply(&ev("2026-03-02", opinion(Decision::Reject)), &w.ctx()).unwrap();
    assert_eq!(s.allowed_steps(d("2026-03-02"), &w.ctx()), vec!["assign_handler", "serve", "close"]);
}

#[test]
fn art23_objection_is_a_window_not_a_duty() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-03", EventKind::Transfer { to: "TOWN".into(), note: None }), &w.ctx()).unwrap();
    let obj = s.deadlines(&w.ctx()).into_iter().find(|x| x.clock == ClockName::Objection).unwrap();
    assert!(!obj.duty && !obj.is_overdue(d("2026-11-29")));
    // The case is late on its acknowledgement, not on the unused objection.
    assert_eq!(Deadline::next_office_due(&s.deadlines(&w.ctx())), Some(d("2026-02-24")));
}

/// Every note is cleaned and bounded, as the required texts are: the
/// petitioner's comment and request notes (no login needed) and a clerk's
/// service method alike.
#[test]
fn every_free_text_of_an_event_is_cleaned_and_bounded() {
    let rules = RuleSet::national_2022();
    let today = d("2026-03-10");
    let mut e = Event {
        on: today,
        kind: EventKind::Evaluate { value: Evaluation::Satisfied, comment: Some("好\u{0}评\u{202E}".into()) },
    };
    e.validate(today, &rules).unwrap();
    assert_eq!(e.kind, EventKind::Evaluate { value: Evaluation::Satisfied, comment: Some("好评".into()) });
    let long = "长".repeat(200_005);
    for kind in [
        EventKind::Evaluate { value: Evaluation::Satisfied, comment: Some(long.clone()) },
        EventKind::ReviewRequest { note: Some(long.clone()) },
        EventKind::Close { reason: None, note: Some(long.clone()) },
        EventKind::Serve { method: Some("邮".repeat(101)) },
        EventKind::Transfer { to: "C".repeat(65), note: None },
    ] {
        let errors = Event { on: today, kind }.validate(today, &rules).unwrap_err();
        assert_eq!(errors[0].code, "too_long");
    }
    // A note of nothing but controls is no note.
    let mut e = Event { on: today, kind: EventKind::Accept { note: Some("\u{0}\u{202E} ".into()) } };
    e.validate(today, &rules).unwrap();
    assert_eq!(e.kind, EventKind::Accept { note: None });
}

/// A handler named at a unit is the case's handler while the case stays
/// there; a transfer leaves it without one until the new unit names its own.
#[test]
fn a_named_handler_belongs_to_the_unit_that_named_them() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    s.apply(&ev("2026-02-02", EventKind::AssignHandler { user: "zhang".into() }), &w.ctx()).unwrap();
    assert_eq!(s.handler(), Some("zhang"));
    s.apply(&ev("2026-02-03", EventKind::Transfer { to: "T1".into(), note: None }), &w.ctx()).unwrap();
    assert_eq!(s.handler(), None, "the receiving unit names its own");
    s.apply(&ev("2026-02-04", EventKind::AssignHandler { user: "li".into() }), &w.ctx()).unwrap();
    assert_eq!(s.handler(), Some("li"));
    let mut e = ev("2026-02-04", EventKind::AssignHandler { user: "  ".into() });
    assert!(e.validate(d("2026-11-29"), &w.rules).is_err());
}

/// A deadline met stays on record with whether it was met in time (issue
/// 25 ¶6): acceptance within 15 days (Art. 22), handling within 60 (Art. 34).
#[test]
fn met_deadlines_say_on_time_or_how_late() {
    let w = World::new();
    let mut s = case(PetitionClass::Appeal);
    assert!(s.met_deadlines(&w.ctx()).is_empty());
    s.apply(&ev("2026-02-05", EventKind::Accept { note: None }), &w.ctx()).unwrap();
    let met = s.met_deadlines(&w.ctx());
    assert_eq!((met[0].clock, met[0].late_days, met[0].done_on), (ClockName::Acknowledge, 0, d("2026-02-05")));
    // 60 days from 2/5 → 4/6 (清明) → 4/7; the opinion on 4/10 is 3 days late.
    s.apply(&ev("2026-04-10", opinion(Decision::Reject)), &w.ctx()).unwrap();
    let handle = s.met_deadlines(&w.ctx()).into_iter().find(|m| m.clock == ClockName::Handle).unwrap();
    assert_eq!((handle.due, handle.late_days), (d("2026-04-07"), 3));
}
