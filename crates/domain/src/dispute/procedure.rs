//! The steps of a dispute and the rule each one follows (ledgers-spec §2.C
//! "Dispute states"): a step the state does not allow is refused with the
//! reason, as the petitions' are. The clocks are computed from the state
//! and the calendar, each with its explanation.

use super::vocab::{ClockKind, DisputeStatus, MediationKind, ReferRoute};
use crate::calendar::Calendar;
use crate::clock::{Period, PeriodUnit, count};
use crate::error::RuleViolation;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One step, as the API takes it: `{"type":"assign","on":"2026-03-03",…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisputeEvent {
    pub on: NaiveDate,
    #[serde(flatten)]
    pub kind: StepKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StepKind {
    /// Recorded by registration itself, never posted.
    Register { unit: String },
    /// 分派: the responsible unit (by code) and person, and the
    /// resolution deadline (化解时限, local policy).
    Assign { unit: String, person: String, resolve_by: NaiveDate },
    /// A later resolution deadline, approved by a leader, with the reason
    /// (and what the parties were promised).
    Extend { resolve_by: NaiveDate, reason: String },
    /// A mediation attempt begins, with the parties' consent (人民调解法
    /// Art. 17: none if a party refuses).
    Mediate { kind: MediationKind, mediator: String },
    /// A mediation session.
    Session {
        #[serde(default)]
        place: String,
        notes: String,
    },
    /// 调解协议 (人民调解法 Arts. 28–30): written or oral, in effect on
    /// `effective_on`, with its terms and when they are to be performed.
    Agreement { written: bool, effective_on: NaiveDate, terms: String, performance_due: NaiveDate },
    /// The agreement performed: the dispute is resolved.
    Performed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The agreement not performed by a party: the dispute is open again.
    Defaulted { note: String },
    /// The parties jointly apply to `court` for judicial confirmation
    /// (人民调解法 Art. 33), within 30 days of the agreement's effect.
    ApplyConfirmation { court: String },
    /// The court accepts the application.
    CourtAccepted {},
    /// The court's ruling: confirmed (enforceable) or not.
    CourtDecided { confirmed: bool, ruling_no: String },
    /// Settled without an agreement, or withdrawn.
    Resolve { how: String },
    /// Mediation ends without agreement (人民调解法 Arts. 17, 26); the
    /// parties are told their routes.
    Terminate { reason: String },
    /// Sent out to a legal procedure.
    Refer {
        route: ReferRoute,
        #[serde(default)]
        note: String,
    },
    Close {
        #[serde(default)]
        note: String,
    },
}

impl StepKind {
    /// The wire name of the type.
    pub fn type_name(&self) -> &'static str {
        match self {
            StepKind::Register { .. } => "register",
            StepKind::Assign { .. } => "assign",
            StepKind::Extend { .. } => "extend",
            StepKind::Mediate { .. } => "mediate",
            StepKind::Session { .. } => "session",
            StepKind::Agreement { .. } => "agreement",
            StepKind::Performed { .. } => "performed",
            StepKind::Defaulted { .. } => "defaulted",
            StepKind::ApplyConfirmation { .. } => "apply_confirmation",
            StepKind::CourtAccepted {} => "court_accepted",
            StepKind::CourtDecided { .. } => "court_decided",
            StepKind::Resolve { .. } => "resolve",
            StepKind::Terminate { .. } => "terminate",
            StepKind::Refer { .. } => "refer",
            StepKind::Close { .. } => "close",
        }
    }

    /// The step's name on the timeline.
    pub fn label(&self) -> &'static str {
        match self {
            StepKind::Register { .. } => "登记",
            StepKind::Assign { .. } => "分派",
            StepKind::Extend { .. } => "延长化解时限",
            StepKind::Mediate { .. } => "开始调解",
            StepKind::Session { .. } => "调解会",
            StepKind::Agreement { .. } => "达成调解协议",
            StepKind::Performed { .. } => "协议履行完毕",
            StepKind::Defaulted { .. } => "协议未履行",
            StepKind::ApplyConfirmation { .. } => "申请司法确认",
            StepKind::CourtAccepted {} => "法院受理司法确认申请",
            StepKind::CourtDecided { .. } => "法院作出司法确认决定",
            StepKind::Resolve { .. } => "化解",
            StepKind::Terminate { .. } => "调解终止",
            StepKind::Refer { .. } => "导入法定程序",
            StepKind::Close { .. } => "结案",
        }
    }

    /// The free texts of the step, each with its field and its limit; each
    /// must not be empty (an optional one is given here only when filled).
    fn texts(&self) -> Vec<(&'static str, &str, usize)> {
        match self {
            StepKind::Register { .. } | StepKind::CourtAccepted {} => Vec::new(),
            StepKind::Agreement { terms, .. } => vec![("terms", terms.as_str(), 5000)],
            StepKind::Assign { unit, person, .. } => vec![("unit", unit.as_str(), 32), ("person", person.as_str(), 50)],
            StepKind::Extend { reason, .. } => vec![("reason", reason.as_str(), 1000)],
            StepKind::Mediate { mediator, .. } => vec![("mediator", mediator.as_str(), 100)],
            StepKind::Session { place, notes } => {
                let mut v = vec![("notes", notes.as_str(), 5000)];
                if !place.is_empty() {
                    v.push(("place", place.as_str(), 200));
                }
                v
            }
            StepKind::Performed { note } => vec![("note", note.as_deref().unwrap_or("-"), 1000)],
            StepKind::Defaulted { note } => vec![("note", note.as_str(), 1000)],
            StepKind::ApplyConfirmation { court } => vec![("court", court.as_str(), 100)],
            StepKind::CourtDecided { ruling_no, .. } => vec![("ruling_no", ruling_no.as_str(), 100)],
            StepKind::Resolve { how } => vec![("how", how.as_str(), 1000)],
            StepKind::Terminate { reason } => vec![("reason", reason.as_str(), 1000)],
            StepKind::Refer { note, .. } => vec![("note", if note.is_empty() { "-" } else { note.as_str() }, 1000)],
            StepKind::Close { note } => vec![("note", if note.is_empty() { "-" } else { note.as_str() }, 1000)],
        }
    }
}

/// An agreement as the state keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementState {
    pub written: bool,
    pub effective_on: NaiveDate,
    pub performance_due: NaiveDate,
    pub performed_on: Option<NaiveDate>,
    pub defaulted_on: Option<NaiveDate>,
}

/// A judicial confirmation as the state keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmationState {
    pub applied_on: NaiveDate,
    pub court: String,
    pub accepted_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub confirmed: Option<bool>,
}

/// A dispute's state: the projection of its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeState {
    pub status: DisputeStatus,
    pub registered_on: NaiveDate,
    pub last_on: NaiveDate,
    pub responsible_unit: Option<String>,
    pub responsible_person: Option<String>,
    pub assigned_on: Option<NaiveDate>,
    pub resolve_by: Option<NaiveDate>,
    pub extended: bool,
    pub mediation: Option<MediationKind>,
    pub agreement: Option<AgreementState>,
    pub confirmation: Option<ConfirmationState>,
    pub closed_on: Option<NaiveDate>,
}

/// A dispute's clock: its date, whether missing it is a failure of duty,
/// and how it was computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisputeClock {
    pub clock: ClockKind,
    pub due: NaiveDate,
    pub duty: bool,
    pub provisional: bool,
    pub explanation: String,
}

/// The 30 days within which the parties may apply for judicial
/// confirmation (人民调解法 Art. 33).
pub const CONFIRMATION_DAYS: u32 = 30;
/// The court decides whether to accept within 3 days, and decides within
/// 15 (extendable by 10) (最高人民法院《关于人民调解协议司法确认程序的若干规定》).
pub const COURT_ACCEPT_DAYS: u32 = 3;
pub const COURT_DECIDE_DAYS: u32 = 15;

fn refuse(code: &'static str, message: impl Into<String>) -> Result<(), RuleViolation> {
    Err(RuleViolation::new(code, message))
}

impl DisputeState {
    pub fn registered(on: NaiveDate) -> Self {
        DisputeState {
            status: DisputeStatus::Registered,
            registered_on: on,
            last_on: on,
            responsible_unit: None,
            responsible_person: None,
            assigned_on: None,
            resolve_by: None,
            extended: false,
            mediation: None,
            agreement: None,
            confirmation: None,
            closed_on: None,
        }
    }

    fn open(&self) -> bool {
        matches!(self.status, DisputeStatus::Registered | DisputeStatus::Assigned | DisputeStatus::InMediation)
    }

    /// The last day the parties may apply for judicial confirmation: 30
    /// days from the agreement's effect, the last day rolled past a rest
    /// day (民事诉讼法 Art. 85).
    pub fn confirmation_window(&self, cal: &Calendar) -> Option<DisputeClock> {
        let a = self.agreement.as_ref()?;
        let c = count(cal, a.effective_on, Period { days: CONFIRMATION_DAYS, unit: PeriodUnit::CalendarDays }, 0, true);
        Some(DisputeClock {
            clock: ClockKind::ConfirmationWindow,
            due: c.due,
            duty: false,
            provisional: c.provisional,
            explanation: format!(
                "申请司法确认期限：调解协议生效之日 {}。当事人可在此期间内共同向人民法院申请。依据《人民调解法》第三十三条、《民事诉讼法》第二百零五条、第八十五条",
                c.explanation
            ),
        })
    }

    /// Applies one step, or refuses it with the rule.
    pub fn apply(&mut self, e: &DisputeEvent) -> Result<(), RuleViolation> {
        self.apply_at(e, None)
    }

    /// As [`DisputeState::apply`], with the calendar for the steps whose
    /// rule counts days (the confirmation window).
    pub fn apply_at(&mut self, e: &DisputeEvent, cal: Option<&Calendar>) -> Result<(), RuleViolation> {
        use DisputeStatus as S;
        use StepKind as K;
        for (field, value, max) in e.kind.texts() {
            if value.trim().is_empty() {
                return refuse("missing_text", format!("“{field}”不能为空"));
            }
            if value.chars().count() > max {
                return refuse("text_too_long", format!("“{field}”不超过 {max} 字"));
            }
        }
        if e.on < self.last_on {
            return refuse("out_of_order", format!("日期 {} 早于上一步（{}）", e.on, self.last_on));
        }
        match &e.kind {
            K::Register { .. } => return refuse("already_registered", "纠纷已登记"),
            K::Assign { unit, person, resolve_by } => {
                if !matches!(self.status, S::Registered | S::Assigned) {
                    return refuse("not_assignable", "只有尚未调处的纠纷可以分派");
                }
                if *resolve_by < e.on {
                    return refuse("resolve_by_past", "化解时限不能早于分派之日");
                }
                self.status = S::Assigned;
                self.responsible_unit = Some(unit.clone());
                self.responsible_person = Some(person.clone());
                self.assigned_on = Some(e.on);
                self.resolve_by = Some(*resolve_by);
            }
            K::Extend { resolve_by, .. } => {
                let Some(before) = self.resolve_by.filter(|_| self.open()) else {
                    return refuse("not_extendable", "只有已分派、未化解的纠纷可以延长化解时限");
                };
                if *resolve_by <= before {
                    return refuse("not_later", format!("新的化解时限应晚于 {before}"));
                }
                self.resolve_by = Some(*resolve_by);
                self.extended = true;
            }
            K::Mediate { kind, .. } => {
                if !matches!(self.status, S::Assigned | S::InMediation) {
                    return refuse("not_assigned", "纠纷须先分派责任单位和责任人，才能开始调解");
                }
                if self.agreement.as_ref().is_some_and(|a| a.performed_on.is_none() && a.defaulted_on.is_none()) {
                    return refuse("agreement_pending", "已有调解协议在履行中");
                }
                self.status = S::InMediation;
                self.mediation = Some(*kind);
            }
            K::Session { .. } => {
                if self.status != S::InMediation {
                    return refuse("not_in_mediation", "调解开始后才能记录调解会");
                }
            }
            K::Agreement { .. }
            | K::Performed { .. }
            | K::Defaulted { .. }
            | K::ApplyConfirmation { .. }
            | K::CourtAccepted {}
            | K::CourtDecided { .. } => self.apply_agreement(e, cal)?,
            K::Resolve { .. } => {
                if !matches!(self.status, S::Assigned | S::InMediation) {
                    return refuse("not_open", "只有已分派、未化解的纠纷可以记为化解");
                }
                self.status = S::Resolved;
            }
            K::Terminate { .. } => {
                if self.status != S::InMediation {
                    return refuse("not_in_mediation", "只有调解中的纠纷可以终止调解");
                }
                self.status = S::Terminated;
            }
            K::Refer { .. } => {
                if !matches!(self.status, S::Registered | S::Assigned | S::InMediation | S::Terminated) {
                    return refuse("not_referable", "已化解或已结案的纠纷不能再导入其他程序");
                }
                self.status = S::Referred;
            }
            K::Close { .. } => {
                if !matches!(self.status, S::Resolved | S::Referred | S::Terminated) {
                    return refuse("not_closable", "纠纷化解、导入法定程序或终止调解后才能结案");
                }
                self.status = S::Closed;
                self.closed_on = Some(e.on);
            }
        }
        self.last_on = e.on;
        Ok(())
    }

    /// The steps of an agreement and its judicial confirmation.
    fn apply_agreement(&mut self, e: &DisputeEvent, cal: Option<&Calendar>) -> Result<(), RuleViolation> {
        use DisputeStatus as S;
        use StepKind as K;
        match &e.kind {
            K::Agreement { written, effective_on, performance_due, .. } => {
                if self.status != S::InMediation {
                    return refuse("not_in_mediation", "调解开始后才能记录调解协议");
                }
                if self.agreement.as_ref().is_some_and(|a| a.defaulted_on.is_none()) {
                    return refuse("agreement_exists", "已有调解协议");
                }
                if *effective_on > e.on || *effective_on < self.registered_on {
                    return refuse("effective_date", "协议生效日期应在登记之后、不晚于记录之日");
                }
                if *performance_due < *effective_on {
                    return refuse("performance_due", "履行期限不能早于协议生效日期");
                }
                self.agreement = Some(AgreementState {
                    written: *written,
                    effective_on: *effective_on,
                    performance_due: *performance_due,
                    performed_on: None,
                    defaulted_on: None,
                });
                self.confirmation = None;
            }
            K::Performed { .. } => {
                match self.agreement.as_mut() {
                    Some(a) if a.performed_on.is_none() && self.status == S::InMediation => a.performed_on = Some(e.on),
                    _ => return refuse("no_agreement", "没有待履行的调解协议"),
                }
                self.status = S::Resolved;
            }
            K::Defaulted { .. } => {
                match self.agreement.as_mut() {
                    Some(a) if a.defaulted_on.is_none() && matches!(self.status, S::InMediation | S::Resolved) => {
                        a.defaulted_on = Some(e.on);
                        a.performed_on = None;
                    }
                    _ => return refuse("no_agreement", "没有可记录未履行的调解协议"),
                }
                // Open again (ledgers-spec §2.C: reopen when defaulted).
                self.status = S::InMediation;
            }
            K::ApplyConfirmation { court } => {
                let Some(a) = self.agreement.as_ref().filter(|a| a.defaulted_on.is_none()) else {
                    return refuse("no_agreement", "没有可申请司法确认的调解协议");
                };
                if !a.written || self.mediation != Some(MediationKind::People) {
                    return refuse(
                        "not_confirmable",
                        "只有人民调解委员会主持达成的书面调解协议可以申请司法确认（《人民调解法》第三十三条）",
                    );
                }
                if self.confirmation.is_some() {
                    return refuse("already_applied", "已申请司法确认");
                }
                if let Some(w) = cal.and_then(|c| self.confirmation_window(c)).filter(|w| e.on > w.due) {
                    return refuse(
                        "confirmation_window_passed",
                        format!("已超过申请司法确认的三十日期限（至 {} 止；《人民调解法》第三十三条）", w.due),
                    );
                }
                self.confirmation = Some(ConfirmationState {
                    applied_on: e.on,
                    court: court.clone(),
                    accepted_on: None,
                    decided_on: None,
                    confirmed: None,
                });
            }
            K::CourtAccepted {} => match self.confirmation.as_mut() {
                Some(c) if c.accepted_on.is_none() => c.accepted_on = Some(e.on),
                _ => return refuse("not_applied", "没有待受理的司法确认申请"),
            },
            K::CourtDecided { confirmed, .. } => match self.confirmation.as_mut() {
                Some(c) if c.accepted_on.is_some() && c.decided_on.is_none() => {
                    c.decided_on = Some(e.on);
                    c.confirmed = Some(*confirmed);
                }
                _ => return refuse("not_accepted", "法院受理申请后才能记录确认决定"),
            },
            _ => {}
        }
        Ok(())
    }

    /// The clocks running now, each explained.
    pub fn clocks(&self, cal: &Calendar) -> Vec<DisputeClock> {
        let mut out = Vec::new();
        if let (Some(due), Some(from), true) = (self.resolve_by, self.assigned_on, self.open()) {
            let extended = if self.extended { "，经批准延长" } else { "" };
            out.push(DisputeClock {
                clock: ClockKind::ResolveBy,
                due,
                duty: true,
                provisional: false,
                explanation: format!("化解时限：{from} 分派时确定为 {due}{extended}。本单位规定，不是法定期限"),
            });
        }
        if let Some(a) = self.agreement.as_ref().filter(|a| a.performed_on.is_none() && a.defaulted_on.is_none()) {
            out.push(DisputeClock {
                clock: ClockKind::Performance,
                due: a.performance_due,
                duty: false,
                provisional: false,
                explanation: format!(
                    "协议履行期限：调解协议约定 {} 前履行（《人民调解法》第二十九条）",
                    a.performance_due
                ),
            });
            let confirmable = a.written && self.mediation == Some(MediationKind::People);
            if confirmable && self.confirmation.is_none() && self.status != DisputeStatus::Closed {
                out.extend(self.confirmation_window(cal));
            }
        }
        if let Some(c) = &self.confirmation {
            let court = |kind, from: NaiveDate, days, what: &str| {
                let n = count(cal, from, Period { days, unit: PeriodUnit::CalendarDays }, 0, true);
                DisputeClock {
                    clock: kind,
                    due: n.due,
                    duty: false,
                    provisional: n.provisional,
                    explanation: format!(
                        "{what}：{}。依据最高人民法院《关于人民调解协议司法确认程序的若干规定》",
                        n.explanation
                    ),
                }
            };
            match (c.accepted_on, c.decided_on) {
                (None, _) => out.push(court(
                    ClockKind::CourtAcceptance,
                    c.applied_on,
                    COURT_ACCEPT_DAYS,
                    "法院决定是否受理：申请之日",
                )),
                (Some(on), None) => out.push(court(
                    ClockKind::CourtDecision,
                    on,
                    COURT_DECIDE_DAYS,
                    "法院作出确认决定：受理之日（特殊情况经院长批准可延长十日）",
                )),
                _ => {}
            }
        }
        out
    }
}
