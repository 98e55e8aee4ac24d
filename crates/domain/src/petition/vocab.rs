//! The words of a petition: channels, classes, decisions, evaluations,
//! routes out, reasons for closing, statuses and the names of its clocks.

use crate::vocab::vocabulary;

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
    /// Where a case stands in the procedure.
    PetitionStatus {
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

impl PetitionStatus {
    /// The status in a ledger column: a word (the full label on hover).
    pub fn short_label(self) -> &'static str {
        match self {
            PetitionStatus::Registered => "待受理",
            PetitionStatus::Accepted => "办理中",
            PetitionStatus::OpinionIssued => "待送达",
            PetitionStatus::Served => "已送达",
            PetitionStatus::ReviewRequested => "复查中",
            PetitionStatus::Reviewed => "已复查",
            PetitionStatus::RecheckRequested => "复核中",
            PetitionStatus::Rechecked => "已复核",
            PetitionStatus::Closed => "已办结",
        }
    }
}

impl ClockName {
    /// The clock's name in a ledger column: a word or two.
    pub fn short_label(self) -> &'static str {
        match self {
            ClockName::Acknowledge => "受理告知",
            ClockName::Objection => "异议",
            ClockName::Assigned => "交办期限",
            ClockName::Handle => "办理",
            ClockName::ReviewRequest => "申请复查",
            ClockName::Review => "复查",
            ClockName::RecheckRequest => "申请复核",
            ClockName::Recheck => "复核",
        }
    }
}
