//! The words of the domain: channels, classes, decisions, roles, unit kinds.
//! Each enum is spelled in English snake_case on the wire and carries its
//! Chinese label for pages and explanations.

use serde::{Deserialize, Serialize};

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal / $zh:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The wire name (snake_case English).
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
            /// The Chinese label.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }
            /// Parses the wire name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// How the petition reached us (渠道), Art. 17.
    Channel { Online = "online" / "网上信访", Letter = "letter" / "来信", Visit = "visit" / "来访", Phone = "phone" / "来电", Fax = "fax" / "传真" }
);
vocabulary!(
    /// The three classes of Arts. 29–31 (建议意见类 / 检举控告类 / 申诉求决类).
    PetitionClass { Suggestion = "suggestion" / "建议意见类", Report = "report" / "检举控告类", Appeal = "appeal" / "申诉求决类" }
);
vocabulary!(
    /// The decision of a written opinion (处理意见), Art. 32 ¶1.
    Decision { Support = "support" / "支持", Explain = "explain" / "解释说明", Reject = "reject" / "不予支持" }
);
vocabulary!(
    /// The petitioner's evaluation (满意度), Art. 21.
    Evaluation { Satisfied = "satisfied" / "满意", BasicallySatisfied = "basically_satisfied" / "基本满意", Dissatisfied = "dissatisfied" / "不满意" }
);
vocabulary!(
    /// Where a declined matter is routed out to, Art. 31(1)–(5).
    DeclineRoute {
        Litigation = "litigation" / "诉讼、复议或法定程序（第三十一条第一项）",
        Arbitration = "arbitration" / "仲裁（第三十一条第二项）",
        PartyAppeal = "party_appeal" / "党员申诉、申请复审（第三十一条第三项）",
        Administrative = "administrative" / "行政复议、裁决、确认、许可、处罚程序（第三十一条第四项）",
        PerformDuty = "perform_duty" / "依法履行职责或者答复（第三十一条第五项）",
    }
);
vocabulary!(
    /// Why a case was closed (办结).
    CloseReason {
        Concluded = "concluded" / "处理意见已送达，办结",
        ReviewFinal = "review_final" / "复查意见已答复，办结",
        RecheckFinal = "recheck_final" / "复核终结（第三十六条）",
        RoutedOut = "routed_out" / "导入其他法定程序（第三十一条）",
        Mediated = "mediated" / "调解、和解结案（第三十三条）",
        Withdrawn = "withdrawn" / "信访人撤回",
    }
);
vocabulary!(
    /// The kind of a unit (单位) in the tree.
    UnitKind { PetitionOffice = "petition_office" / "信访部门", Body = "body" / "机关、部门", Township = "township" / "乡镇（街道）", Village = "village" / "村（社区）" }
);
vocabulary!(
    /// What a user may do.
    Role {
        Admin = "admin" / "系统管理员",
        Intake = "intake" / "登记员",
        Handler = "handler" / "承办人",
        Leader = "leader" / "负责人",
        Supervisor = "supervisor" / "督查员",
        Auditor = "auditor" / "审计员",
    }
);
vocabulary!(
    /// Where a case stands in the procedure.
    Status {
        Registered = "registered" / "已登记，待受理",
        Accepted = "accepted" / "已受理，办理中",
        OpinionIssued = "opinion_issued" / "已出具处理意见，待送达",
        Served = "served" / "处理意见已送达",
        ReviewRequested = "review_requested" / "复查中",
        Reviewed = "reviewed" / "已出具复查意见",
        RecheckRequested = "recheck_requested" / "复核中",
        Rechecked = "rechecked" / "已出具复核意见",
        Closed = "closed" / "已办结",
    }
);
vocabulary!(
    /// The named clocks of a case, as they appear in `deadlines`.
    ClockName {
        Acknowledge = "acknowledge" / "受理告知（登记后处理）",
        Objection = "objection" / "异议（转送交办有误）",
        Assigned = "assigned" / "交办指定办理期限",
        Handle = "handle" / "办理",
        ReviewRequest = "review_request" / "申请复查",
        Review = "review" / "复查",
        RecheckRequest = "recheck_request" / "申请复核",
        Recheck = "recheck" / "复核",
    }
);

impl Role {
    /// May this role record steps of the procedure (register, route, handle)?
    /// Supervisors and auditors read only.
    pub fn works_petitions(self) -> bool {
        matches!(self, Role::Admin | Role::Intake | Role::Handler | Role::Leader)
    }
}
