//! The rules of a dispute's steps and clocks (ledgers-spec §2.C; 人民调解法
//! Art. 33; 民事诉讼法 Arts. 85, 205).

use super::procedure::*;
use super::vocab::{ClockKind, DisputeStatus, MediationKind, ReferRoute};
use crate::calendar::Calendar;
use chrono::NaiveDate;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).expect("date")
}

fn step(on: NaiveDate, kind: StepKind) -> DisputeEvent {
    DisputeEvent { on, kind }
}

fn mediated(kind: MediationKind) -> DisputeState {
    let mut s = DisputeState::registered(d(3, 2));
    let assign = StepKind::Assign { unit: "T1".into(), person: "张调解员".into(), resolve_by: d(4, 1) };
    s.apply(&step(d(3, 3), assign)).expect("assign");
    s.apply(&step(d(3, 4), StepKind::Mediate { kind, mediator: "一号村人民调解委员会".into() })).expect("mediate");
    s
}

fn agreement(effective_on: NaiveDate) -> StepKind {
    StepKind::Agreement {
        written: true,
        effective_on,
        terms: "乙方于四月底前拆除越界围墙".into(),
        performance_due: d(4, 30),
    }
}

/// 人民调解法 Art. 33, 民事诉讼法 Arts. 205 and 85: 30 days from the
/// agreement's effect, the last day rolled past a rest day.
#[test]
fn art33_the_confirmation_window_is_30_days_rolled_past_a_rest_day() {
    let cal = Calendar::builtin();
    let mut s = mediated(MediationKind::People);
    // In effect 2026-03-06 (Friday): day 30 is Sunday 2026-04-05, in
    // the Qingming holiday (4–6 April): the window ends on the 7th.
    s.apply_at(&step(d(3, 6), agreement(d(3, 6))), Some(&cal)).expect("agreement");
    let w = s.confirmation_window(&cal).expect("window");
    assert_eq!(w.due, d(4, 7), "{}", w.explanation);
    assert!(w.explanation.contains("期间末日 2026-04-05") && w.explanation.contains("第三十三条"), "{}", w.explanation);
    assert!(s.clocks(&cal).iter().any(|c| c.clock == ClockKind::ConfirmationWindow));
    let late = step(d(4, 8), StepKind::ApplyConfirmation { court: "测试县人民法院".into() });
    let refused = s.clone().apply_at(&late, Some(&cal)).unwrap_err();
    assert_eq!(refused.code, "confirmation_window_passed");
    let in_time = step(d(4, 7), StepKind::ApplyConfirmation { court: "测试县人民法院".into() });
    s.apply_at(&in_time, Some(&cal)).expect("on the last day");
    let clocks = s.clocks(&cal);
    let accept = clocks.iter().find(|c| c.clock == ClockKind::CourtAcceptance).expect("acceptance clock");
    assert_eq!(accept.due, d(4, 10));
    s.apply(&step(d(4, 9), StepKind::CourtAccepted {})).expect("accepted");
    let decide = s.clocks(&cal).into_iter().find(|c| c.clock == ClockKind::CourtDecision).expect("decision");
    assert_eq!(decide.due, d(4, 24));
    let ruling = StepKind::CourtDecided { confirmed: true, ruling_no: "(2026)测0101民特1号".into() };
    s.apply(&step(d(4, 20), ruling)).expect("decided");
    s.apply(&step(d(4, 28), StepKind::Performed { note: None })).expect("performed");
    assert_eq!(s.status, DisputeStatus::Resolved);
    s.apply(&step(d(4, 29), StepKind::Close { note: String::new() })).expect("closed");
    assert!(s.clocks(&cal).is_empty());
}

#[test]
fn art33_only_a_written_peoples_mediation_agreement_is_confirmed() {
    let cal = Calendar::builtin();
    let mut s = mediated(MediationKind::Administrative);
    s.apply(&step(d(3, 6), agreement(d(3, 6)))).expect("agreement");
    assert!(s.confirmation_window(&cal).is_some());
    assert!(!s.clocks(&cal).iter().any(|c| c.clock == ClockKind::ConfirmationWindow));
    let apply = step(d(3, 7), StepKind::ApplyConfirmation { court: "法院".into() });
    assert_eq!(s.apply_at(&apply, Some(&cal)).unwrap_err().code, "not_confirmable");
}

#[test]
fn steps_out_of_turn_are_refused_and_a_default_reopens() {
    let mut s = DisputeState::registered(d(3, 2));
    let mediate = step(d(3, 3), StepKind::Mediate { kind: MediationKind::People, mediator: "x".into() });
    assert_eq!(s.apply(&mediate).unwrap_err().code, "not_assigned");
    assert_eq!(s.apply(&step(d(3, 3), StepKind::Close { note: String::new() })).unwrap_err().code, "not_closable");
    let mut s = mediated(MediationKind::People);
    assert_eq!(
        s.apply(&step(d(3, 1), StepKind::Session { place: String::new(), notes: "x".into() })).unwrap_err().code,
        "out_of_order"
    );
    s.apply(&step(d(3, 6), agreement(d(3, 6)))).expect("agreement");
    s.apply(&step(d(3, 20), StepKind::Performed { note: None })).expect("performed");
    s.apply(&step(d(3, 25), StepKind::Defaulted { note: "乙方反悔".into() })).expect("defaulted");
    assert_eq!(s.status, DisputeStatus::InMediation);
    let extend = step(d(3, 26), StepKind::Extend { resolve_by: d(3, 30), reason: "x".into() });
    assert_eq!(s.apply(&extend).unwrap_err().code, "not_later");
    let extend = step(d(3, 26), StepKind::Extend { resolve_by: d(5, 1), reason: "双方同意再次调解".into() });
    s.apply(&extend).expect("extended");
    let cal = Calendar::builtin();
    let c = s.clocks(&cal).into_iter().find(|c| c.clock == ClockKind::ResolveBy).expect("resolve clock");
    assert!(c.due == d(5, 1) && c.explanation.contains("经批准延长") && c.explanation.contains("本单位规定"));
    s.apply(&step(d(3, 27), StepKind::Terminate { reason: "一方拒绝继续调解".into() })).expect("terminated");
    assert_eq!(s.apply(&step(d(3, 28), StepKind::Resolve { how: "x".into() })).unwrap_err().code, "not_open");
    s.apply(&step(d(3, 28), StepKind::Refer { route: ReferRoute::Litigation, note: String::new() })).expect("referred");
}
