//! The procedure of 《信访工作条例》 as a state machine (legal-spec §8).
//!
//! A case's record is its list of [`Event`]s; [`CaseState`] is their
//! projection. [`CaseState::apply`] either moves the state on or refuses
//! with a [`RuleViolation`] that names the rule, leaving the state as it was.
//! [`CaseState::deadlines`] derives the open clocks from the state, the rule
//! set and the calendar, so a new holiday notice changes them at once.

use super::rules::RuleSet;
use super::vocab::{ClockName, CloseReason, Decision, DeclineRoute, Evaluation, PetitionClass, PetitionStatus};
use crate::calendar::Calendar;
use crate::clock::{self, Deadline, Holder};
use crate::error::RuleViolation;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use event::{Event, EventKind};

/// How the case came to the unit that has it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeRoute {
    Direct,
    Transferred,
    Assigned,
    /// Sent back after an objection (Art. 23 ¶3).
    Returned,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    pub route: IntakeRoute,
    pub from: Option<String>,
    pub on: NaiveDate,
    pub assigned_due: Option<NaiveDate>,
}

/// A written opinion (处理意见, 复查意见 or 复核意见).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opinion {
    pub decision: Decision,
    pub basis: String,
    pub issued_on: NaiveDate,
    pub served_on: Option<NaiveDate>,
}

/// A review (复查) or recheck (复核): who was asked, when, and the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appeal {
    pub requested_on: NaiveDate,
    pub unit: String,
    pub opinion: Option<Opinion>,
}

/// Which written opinion a hearing, an evaluation or a service belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Handling,
    Review,
    Recheck,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hearing {
    pub stage: Stage,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    pub on: NaiveDate,
    pub reason: CloseReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluated {
    pub stage: Stage,
    pub value: Evaluation,
    pub on: NaiveDate,
}

/// An office deadline whose step was taken: when it was due, when it was
/// done, and how many days late (0: 按期).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetDeadline {
    pub clock: ClockName,
    pub due: NaiveDate,
    pub done_on: NaiveDate,
    pub late_days: i64,
    pub explanation: String,
}

/// A handler named within a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handler {
    /// The username.
    pub user: String,
    /// The unit that had the case when it named them.
    pub unit: String,
}

/// An extension of the handling period asked for and waiting for a leader
/// of the unit (Art. 34).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    pub days: u32,
    pub reason: String,
    pub on: NaiveDate,
}

/// The current state of a case: the projection of its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseState {
    pub status: PetitionStatus,
    pub class: PetitionClass,
    /// The code of the unit that has the case now.
    pub unit: String,
    pub received_on: NaiveDate,
    pub intake: Intake,
    pub accepted_on: Option<NaiveDate>,
    /// Days of extension approved so far (Art. 34).
    pub extension_days: u32,
    /// The named handler (承办人), while the case stays at the unit that
    /// named them: see [`CaseState::handler`].
    #[serde(default, rename = "handler", skip_serializing_if = "Option::is_none")]
    pub named_handler: Option<Handler>,
    /// An extension requested and not yet approved (Art. 34).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_request: Option<ExtensionRequest>,
    pub hearings: Vec<Hearing>,
    pub opinion: Option<Opinion>,
    pub review: Option<Appeal>,
    pub recheck: Option<Appeal>,
    pub declined: Option<DeclineRoute>,
    pub closed: Option<Closure>,
    pub evaluations: Vec<Evaluated>,
    /// The date of the latest event: events are recorded in date order.
    pub last_on: NaiveDate,
}

/// What `apply` needs to know beyond the state.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub today: NaiveDate,
    pub rules: &'a RuleSet,
    pub calendar: &'a Calendar,
    /// The body one level above the unit that has the case, which takes a
    /// review or recheck (Arts. 35–36); `None` at the top of the tree.
    pub higher_unit: Option<&'a str>,
}

fn refuse(code: &'static str, message: impl Into<String>) -> Result<(), RuleViolation> {
    Err(RuleViolation::new(code, message))
}

impl CaseState {
    /// The state right after registration (登记, Arts. 22–23).
    pub fn registered(class: PetitionClass, unit: &str, received_on: NaiveDate) -> Self {
        CaseState {
            status: PetitionStatus::Registered,
            class,
            unit: unit.to_string(),
            received_on,
            intake: Intake { route: IntakeRoute::Direct, from: None, on: received_on, assigned_due: None },
            accepted_on: None,
            extension_days: 0,
            extension_request: None,
            named_handler: None,
            hearings: Vec::new(),
            opinion: None,
            review: None,
            recheck: None,
            declined: None,
            closed: None,
            evaluations: Vec::new(),
            last_on: received_on,
        }
    }

    /// The handler (承办人) named at the unit that has the case now; none
    /// once the case has moved to another unit (a transfer, an objection, a
    /// review one level up), which names its own.
    pub fn handler(&self) -> Option<&str> {
        self.named_handler.as_ref().filter(|h| h.unit == self.unit).map(|h| h.user.as_str())
    }

    fn open_hearing(&self) -> Option<&Hearing> {
        self.hearings.iter().find(|h| h.end.is_none())
    }

    /// The deadline of one clock as it stands now.
    fn clock(&self, ctx: &Ctx<'_>, name: ClockName, start: NaiveDate) -> Deadline {
        let rule = ctx.rules.clock(name);
        let extra = if name == ClockName::Handle { self.extension_days } else { 0 };
        let paused = if name == ClockName::Recheck { self.paused_days(Stage::Recheck, ctx.today) } else { 0 };
        let mut d =
            clock::deadline(ctx.calendar, name, rule, start, extra, paused, ctx.rules.roll_forward_to_working_day);
        if name == ClockName::Recheck {
            for h in self.hearings.iter().filter(|h| h.stage == Stage::Recheck) {
                match h.end {
                    Some(end) => {
                        d.explanation.push_str(&format!("。听证 {} 至 {end} 不计入期限（第三十六条第二款）", h.start))
                    }
                    None => {
                        d.paused = true;
                        d.explanation.push_str(&format!(
                            "。听证自 {} 起进行中，期限中止（第三十六条第二款），暂按今日结束计算",
                            h.start
                        ));
                    }
                }
            }
        }
        d
    }

    /// Days of hearings in `stage`, each counted from its first to its last
    /// day inclusive; an open hearing counts to `today`.
    fn paused_days(&self, stage: Stage, today: NaiveDate) -> u32 {
        self.hearings
            .iter()
            .filter(|h| h.stage == stage)
            .map(|h| {
                let end = h.end.unwrap_or(today.max(h.start));
                u32::try_from((end - h.start).num_days() + 1).unwrap_or(0)
            })
            .sum()
    }

    /// The date from which the petitioner's review window runs: service of
    /// the handling opinion (Art. 35).
    fn review_window_start(&self) -> Option<NaiveDate> {
        self.opinion.as_ref().and_then(|o| o.served_on)
    }

    /// The date from which the recheck window runs: receipt of the review
    /// opinion, which is its service date if recorded, else its date.
    fn recheck_window_start(&self) -> Option<NaiveDate> {
        self.review.as_ref().and_then(|r| r.opinion.as_ref()).map(|o| o.served_on.unwrap_or(o.issued_on))
    }

    /// The office's deadlines already met (or missed and then done), with
    /// the day the step was taken: offices report on timeliness (按期 /
    /// 超期 N 日), so a deadline does not vanish once its step is done.
    pub fn met_deadlines(&self, ctx: &Ctx<'_>) -> Vec<MetDeadline> {
        let mut out = Vec::new();
        let mut met = |name: ClockName, start: NaiveDate, done: NaiveDate| {
            let d = self.clock(ctx, name, start);
            let late_days = (done - d.due).num_days().max(0);
            out.push(MetDeadline { clock: name, due: d.due, done_on: done, late_days, explanation: d.explanation });
        };
        if let Some(on) = self.accepted_on {
            met(ClockName::Acknowledge, self.intake.on.min(on), on);
        }
        if let (Some(on), Some(o)) = (self.accepted_on, &self.opinion)
            && self.class == PetitionClass::Appeal
        {
            met(ClockName::Handle, on, o.issued_on);
        }
        if let Some(r) = &self.review
            && let Some(o) = &r.opinion
        {
            met(ClockName::Review, r.requested_on, o.issued_on);
        }
        if let Some(r) = &self.recheck
            && let Some(o) = &r.opinion
        {
            met(ClockName::Recheck, r.requested_on, o.issued_on);
        }
        out
    }

    /// The open clocks of the case.
    pub fn deadlines(&self, ctx: &Ctx<'_>) -> Vec<Deadline> {
        let mut out = Vec::new();
        let closed = self.closed.is_some();
        match self.status {
            PetitionStatus::Registered => {
                out.push(self.clock(ctx, ClockName::Acknowledge, self.intake.on));
                if matches!(self.intake.route, IntakeRoute::Transferred | IntakeRoute::Assigned) {
                    out.push(self.clock(ctx, ClockName::Objection, self.intake.on));
                }
            }
            PetitionStatus::Accepted if self.class == PetitionClass::Appeal => {
                if let Some(on) = self.accepted_on {
                    out.push(self.clock(ctx, ClockName::Handle, on));
                }
            }
            PetitionStatus::ReviewRequested => {
                if let Some(r) = &self.review {
                    out.push(self.clock(ctx, ClockName::Review, r.requested_on));
                }
            }
            PetitionStatus::RecheckRequested => {
                if let Some(r) = &self.recheck {
                    out.push(self.clock(ctx, ClockName::Recheck, r.requested_on));
                }
            }
            _ => {}
        }
        if let (Some(due), IntakeRoute::Assigned) = (self.intake.assigned_due, self.intake.route)
            && !closed
            && self.opinion.is_none()
        {
            out.push(Deadline {
                    clock: ClockName::Assigned,
                    due,
                    holder: Holder::Office,
                    provisional: false,
                    paused: false,
                    duty: true,
                    explanation: format!(
                        "{}：交办机关指定的办理期限为 {due}，须按期报送办结报告。依据《信访工作条例》第二十二条第一款第三项",
                        ClockName::Assigned.label()
                    ),
                });
        }
        if self.class == PetitionClass::Appeal {
            let window_open = |reason: CloseReason| self.closed.as_ref().is_none_or(|c| c.reason == reason);
            if (matches!(self.status, PetitionStatus::Served)
                || (self.status == PetitionStatus::Closed
                    && self.review.is_none()
                    && window_open(CloseReason::Concluded)))
                && let Some(start) = self.review_window_start()
            {
                out.push(self.clock(ctx, ClockName::ReviewRequest, start));
            }
            if (matches!(self.status, PetitionStatus::Reviewed)
                || (self.status == PetitionStatus::Closed
                    && self.recheck.is_none()
                    && self.review.is_some()
                    && window_open(CloseReason::ReviewFinal)))
                && let Some(start) = self.recheck_window_start()
            {
                out.push(self.clock(ctx, ClockName::RecheckRequest, start));
            }
        }
        out
    }

    fn due_of(&self, ctx: &Ctx<'_>, name: ClockName) -> Option<NaiveDate> {
        self.deadlines(ctx).into_iter().find(|d| d.clock == name).map(|d| d.due)
    }

    fn expect(&self, allowed: &[PetitionStatus], what: &str, article: &str) -> Result<(), RuleViolation> {
        if allowed.contains(&self.status) {
            return Ok(());
        }
        let names: Vec<&str> = allowed.iter().map(|s| s.label()).collect();
        refuse(
            "transition_not_allowed",
            format!(
                "当前状态为“{}”，不能{what}；{what}须在“{}”状态下进行{article}",
                self.status.label(),
                names.join("”或“")
            ),
        )
    }

    /// Applies one event, or refuses it and leaves the state unchanged.
    pub fn apply(&mut self, event: &Event, ctx: &Ctx<'_>) -> Result<(), RuleViolation> {
        let mut next = self.clone();
        next.step(event, ctx)?;
        next.last_on = event.on;
        *self = next;
        Ok(())
    }

    fn step(&mut self, event: &Event, ctx: &Ctx<'_>) -> Result<(), RuleViolation> {
        let on = event.on;
        if on < self.last_on {
            return refuse(
                "out_of_order",
                format!("事件日期 {on} 早于上一事件日期 {}，须按时间顺序记录", self.last_on),
            );
        }
        if self.closed.is_some()
            && !matches!(
                event.kind,
                EventKind::Evaluate { .. } | EventKind::ReviewRequest { .. } | EventKind::RecheckRequest { .. }
            )
        {
            return refuse("case_closed", "该信访事项已办结，不能再记录此步骤");
        }
        match &event.kind {
            EventKind::Register { .. } => refuse("already_registered", "信访事项已登记"),
            EventKind::Transfer { to, .. } | EventKind::Assign { to, .. } => self.route_to(event, to),
            EventKind::Objection { .. } => self.object(ctx, on),
            EventKind::AssignHandler { user } => {
                self.named_handler = Some(Handler { user: user.clone(), unit: self.unit.clone() });
                Ok(())
            }
            EventKind::Accept { .. } => self.accept(on),
            EventKind::Decline { route, .. } => self.decline(*route, on),
            EventKind::ExtendRequest { days, reason } => self.request_extension(*days, reason, ctx, on),
            EventKind::Extend { days, .. } => self.approve_extension(*days, ctx, on),
            EventKind::HearingStart { .. } => self.start_hearing(on),
            EventKind::HearingEnd { .. } => self.end_hearing(on),
            EventKind::Opinion { decision, basis } => self.issue_opinion(*decision, basis, on),
            EventKind::Serve { .. } => self.serve(on),
            EventKind::ReviewRequest { .. } => self.request_review(ctx, on),
            EventKind::ReviewOpinion { decision, basis } => self.issue_review_opinion(*decision, basis, on),
            EventKind::RecheckRequest { .. } => self.request_recheck(ctx, on),
            EventKind::RecheckOpinion { decision, basis } => self.issue_recheck_opinion(*decision, basis, on),
            EventKind::Close { reason, .. } => self.close(*reason, on),
            EventKind::Evaluate { value, .. } => self.evaluate(*value, on),
        }
    }

    fn no_open_hearing(&self) -> Result<(), RuleViolation> {
        match self.open_hearing() {
            Some(h) => refuse("hearing_open", format!("听证自 {} 起尚未结束，须先记录听证结束", h.start)),
            None => Ok(()),
        }
    }

    fn appeal_class(&self, what: &str, article: &str) -> Result<(), RuleViolation> {
        if self.class == PetitionClass::Appeal {
            Ok(())
        } else {
            refuse(
                "appeal_class_only",
                format!("{what}仅适用于申诉求决类事项的信访处理意见（第三十一条第六项、{article}）"),
            )
        }
    }

    /// The steps the procedure allows on `on` (for showing only the actions
    /// that can succeed). Each candidate is tried on a copy of the state, so
    /// this is the same rule `apply` enforces, not a second copy of it.
    /// Steps that need a free choice (the unit to transfer to, the decision)
    /// are tried with a placeholder.
    pub fn allowed_steps(&self, on: NaiveDate, ctx: &Ctx<'_>) -> Vec<&'static str> {
        let candidates = [
            EventKind::Transfer { to: "\u{0}other".into(), note: None },
            EventKind::Assign { to: "\u{0}other".into(), due: on + chrono::Days::new(30), note: None },
            EventKind::AssignHandler { user: "\u{0}someone".into() },
            EventKind::Accept { note: None },
            EventKind::Decline { route: DeclineRoute::Litigation, reason: "-".into() },
            EventKind::Objection { reason: "-".into() },
            EventKind::ExtendRequest { days: 1, reason: "-".into() },
            EventKind::Extend { days: None, approver: None, reason: None },
            EventKind::HearingStart { note: None },
            EventKind::HearingEnd { note: None },
            EventKind::Opinion { decision: Decision::Support, basis: "-".into() },
            EventKind::Serve { method: None },
            EventKind::ReviewRequest { note: None },
            EventKind::ReviewOpinion { decision: Decision::Support, basis: "-".into() },
            EventKind::RecheckRequest { note: None },
            EventKind::RecheckOpinion { decision: Decision::Support, basis: "-".into() },
            EventKind::Close { reason: None, note: None },
            EventKind::Evaluate { value: Evaluation::Satisfied, comment: None },
        ];
        let on = on.max(self.last_on);
        candidates
            .into_iter()
            .filter(|kind| self.clone().apply(&Event { on, kind: kind.clone() }, ctx).is_ok())
            .map(|k| k.type_name())
            .collect()
    }
}

mod appeal;
mod event;
mod handling;
mod intake;
mod validate;

#[cfg(test)]
mod tests;
