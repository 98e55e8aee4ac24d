//! A step of the procedure as the API takes it and the record keeps it,
//! with its wire name and its name in the timeline.

use crate::petition::vocab::{CloseReason, Decision, DeclineRoute, Evaluation};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One step of the procedure, as the API takes it:
/// `{"type":"accept","on":"2026-02-03"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub on: NaiveDate,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// Recorded by registration itself, never posted.
    Register {
        unit: String,
    },
    /// 转送 to the competent body (Art. 22 ¶1(1)–(2)).
    Transfer {
        to: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// 交办 with a set deadline and a completion report (Art. 22 ¶1(3)).
    Assign {
        to: String,
        due: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The case given to a named handler (承办人) of the unit that has it,
    /// by username. The unit checks the user; the procedure only records it.
    AssignHandler {
        user: String,
    },
    /// 受理 (starts the 60 days of Art. 34).
    Accept {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Not accepted: routed to another procedure (Art. 31(1)–(5)).
    Decline {
        route: DeclineRoute,
        reason: String,
    },
    /// Objection to a wrong transfer or assignment (Art. 23 ¶3).
    Objection {
        reason: String,
    },
    /// A request to extend the handling period (Art. 34), made at the unit
    /// that handles the case; a leader of that unit approves it (`extend`).
    ExtendRequest {
        days: u32,
        reason: String,
    },
    /// A leader of the unit approves the pending extension request (Art. 34:
    /// 本机关、单位负责人批准); the approver is the user who records it. Steps
    /// recorded before requests existed carry the days, the approver's name
    /// and the reason themselves, and are still read.
    Extend {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        days: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approver: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    HearingStart {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    HearingEnd {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// 信访处理意见书 (Art. 32).
    Opinion {
        decision: Decision,
        basis: String,
    },
    /// Service of the latest written opinion on the petitioner.
    Serve {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        method: Option<String>,
    },
    ReviewRequest {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    ReviewOpinion {
        decision: Decision,
        basis: String,
    },
    RecheckRequest {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    RecheckOpinion {
        decision: Decision,
        basis: String,
    },
    Close {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<CloseReason>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    Evaluate {
        value: Evaluation,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
}

impl EventKind {
    /// The wire name of the type.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::Register { .. } => "register",
            EventKind::Transfer { .. } => "transfer",
            EventKind::Assign { .. } => "assign",
            EventKind::AssignHandler { .. } => "assign_handler",
            EventKind::Accept { .. } => "accept",
            EventKind::Decline { .. } => "decline",
            EventKind::Objection { .. } => "objection",
            EventKind::ExtendRequest { .. } => "extend_request",
            EventKind::Extend { .. } => "extend",
            EventKind::HearingStart { .. } => "hearing_start",
            EventKind::HearingEnd { .. } => "hearing_end",
            EventKind::Opinion { .. } => "opinion",
            EventKind::Serve { .. } => "serve",
            EventKind::ReviewRequest { .. } => "review_request",
            EventKind::ReviewOpinion { .. } => "review_opinion",
            EventKind::RecheckRequest { .. } => "recheck_request",
            EventKind::RecheckOpinion { .. } => "recheck_opinion",
            EventKind::Close { .. } => "close",
            EventKind::Evaluate { .. } => "evaluate",
        }
    }

    /// The Chinese name of the step, for timelines.
    pub fn label(&self) -> &'static str {
        match self {
            EventKind::Register { .. } => "登记",
            EventKind::Transfer { .. } => "转送",
            EventKind::Assign { .. } => "交办",
            EventKind::AssignHandler { .. } => "指定承办人",
            EventKind::Accept { .. } => "受理",
            EventKind::Decline { .. } => "不予受理并告知途径",
            EventKind::Objection { .. } => "提出异议（转送交办有误）",
            EventKind::ExtendRequest { .. } => "申请延长办理期限",
            EventKind::Extend { .. } => "批准延长办理期限",
            EventKind::HearingStart { .. } => "听证开始",
            EventKind::HearingEnd { .. } => "听证结束",
            EventKind::Opinion { .. } => "出具处理意见书",
            EventKind::Serve { .. } => "送达",
            EventKind::ReviewRequest { .. } => "申请复查",
            EventKind::ReviewOpinion { .. } => "出具复查意见",
            EventKind::RecheckRequest { .. } => "申请复核",
            EventKind::RecheckOpinion { .. } => "出具复核意见",
            EventKind::Close { .. } => "办结",
            EventKind::Evaluate { .. } => "满意度评价",
        }
    }
}
