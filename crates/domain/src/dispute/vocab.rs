//! The words of a dispute: where it came from, its category and risk, its
//! parties' roles, the kinds of mediation, its status and its clocks.

use crate::vocab::vocabulary;

vocabulary!(
    /// Where the dispute came from (来源).
    Source {
        Sweep = "sweep" / "排查发现",
        Petition = "petition" / "信访事项转入（《信访工作条例》第三十三条）",
        Application = "application" / "当事人申请",
        Referral = "referral" / "有关部门移交",
        Hotline = "hotline" / "热线转办",
    }
);
vocabulary!(
    /// 纠纷类别.
    DisputeCategory {
        Neighbour = "neighbour" / "邻里纠纷",
        Family = "family" / "婚姻家庭纠纷",
        LandForest = "land_forest" / "土地山林水利纠纷",
        Labour = "labour" / "劳动争议",
        WageArrears = "wage_arrears" / "拖欠农民工工资",
        ContractDebt = "contract_debt" / "合同债务纠纷",
        Expropriation = "expropriation" / "征地拆迁纠纷",
        Property = "property" / "物业纠纷",
        Medical = "medical" / "医疗纠纷",
        Traffic = "traffic" / "交通事故纠纷",
        Environment = "environment" / "环境污染纠纷",
        Other = "other" / "其他纠纷",
    }
);
vocabulary!(
    /// The risk of the matter (风险等级), never of a person.
    Risk { Ordinary = "ordinary" / "一般", Serious = "serious" / "较大", Major = "major" / "重大" }
);
vocabulary!(
    /// A party's role.
    PartyRole {
        Applicant = "applicant" / "申请人",
        Respondent = "respondent" / "被申请人",
        Third = "third" / "第三人",
        Representative = "representative" / "代表人",
    }
);
vocabulary!(
    /// What a party is.
    PartyKind { Person = "person" / "自然人", Legal = "legal" / "法人", Other = "other" / "其他组织" }
);
vocabulary!(
    /// The kinds of mediation (人民调解法; 《信访工作条例》第三十三、三十七条).
    MediationKind {
        People = "people" / "人民调解",
        Administrative = "administrative" / "行政调解",
        Judicial = "judicial" / "司法调解",
        Labour = "labour" / "劳动争议调解",
        Petition = "petition" / "信访中调解（《信访工作条例》第三十三条）",
        Reconciliation = "reconciliation" / "自行和解",
    }
);
vocabulary!(
    /// Where a dispute stands.
    DisputeStatus {
        Registered = "registered" / "已登记",
        Assigned = "assigned" / "已分派",
        InMediation = "in_mediation" / "调处中",
        Resolved = "resolved" / "已化解",
        Referred = "referred" / "已导入法定程序",
        Terminated = "terminated" / "调解终止",
        Closed = "closed" / "已结案",
    }
);
vocabulary!(
    /// Where a dispute is sent out to (导入程序; 人民调解法 Arts. 25–26).
    ReferRoute {
        Arbitration = "arbitration" / "仲裁",
        Administrative = "administrative" / "行政处理",
        Litigation = "litigation" / "诉讼",
        Petition = "petition" / "信访程序",
        Police = "police" / "公安机关（人民调解法第二十五条）",
    }
);
vocabulary!(
    /// A dispute's clocks.
    ClockKind {
        ResolveBy = "resolve_by" / "化解时限（本单位规定）",
        Performance = "performance" / "协议履行期限",
        ConfirmationWindow = "confirmation_window" / "申请司法确认期限",
        CourtAcceptance = "court_acceptance" / "法院决定是否受理",
        CourtDecision = "court_decision" / "法院作出确认决定",
    }
);
