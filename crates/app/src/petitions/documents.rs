//! The notices the office prints (issue 25 ¶12), each filled from the case:
//! 受理告知书 and 不予受理告知书 (Arts. 22–23, 31), the 转送/交办函 (Art. 22),
//! the 处理意见书, 复查意见书 and 复核意见书 (Arts. 32, 35, 36), the 送达回证
//! and the walk-in receipt (来访登记回执). A notice whose step the case has
//! not reached is refused with 409 naming what is missing. Every notice
//! carries the petitioner's name and address and so is written to the
//! audit log when it is made; none carries an ID or phone number.

use super::*;
use xinfang_domain::petition::{Channel, Decision, DeclineRoute, PetitionClass};
use xinfang_export::docx::{OfficialDoc, official_date};

/// The notices, by the name of their address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    AcceptanceNotice,
    NonAcceptanceNotice,
    TransferLetter,
    Opinion,
    ReviewOpinion,
    RecheckOpinion,
    ServiceReceipt,
    VisitReceipt,
}

impl DocKind {
    pub const ALL: [DocKind; 8] = [
        DocKind::AcceptanceNotice,
        DocKind::NonAcceptanceNotice,
        DocKind::TransferLetter,
        DocKind::Opinion,
        DocKind::ReviewOpinion,
        DocKind::RecheckOpinion,
        DocKind::ServiceReceipt,
        DocKind::VisitReceipt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::AcceptanceNotice => "acceptance_notice",
            DocKind::NonAcceptanceNotice => "non_acceptance_notice",
            DocKind::TransferLetter => "transfer_letter",
            DocKind::Opinion => "opinion",
            DocKind::ReviewOpinion => "review_opinion",
            DocKind::RecheckOpinion => "recheck_opinion",
            DocKind::ServiceReceipt => "service_receipt",
            DocKind::VisitReceipt => "visit_receipt",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DocKind::AcceptanceNotice => "信访事项受理告知书",
            DocKind::NonAcceptanceNotice => "信访事项不予受理告知书",
            DocKind::TransferLetter => "信访事项转送（交办）函",
            DocKind::Opinion => "信访事项处理意见书",
            DocKind::ReviewOpinion => "信访事项复查意见书",
            DocKind::RecheckOpinion => "信访事项复核意见书",
            DocKind::ServiceReceipt => "送达回证",
            DocKind::VisitReceipt => "来访登记回执",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A step of the case with the unit that had the case when it was taken.
struct Step {
    event: Event,
    unit: String,
}

/// The case's steps after registration, each with the unit that had the
/// case just before it, replayed from the events.
fn steps(st: &AppState, row: &PetitionRow, events: &[EventRow]) -> Result<Vec<Step>> {
    let units = st.cached_units();
    let cal = st.calendar();
    let mut state = CaseState::registered(row.class, &row.registered_unit.code, row.received_on);
    let mut out = Vec::new();
    for e in events {
        let event: Event =
            serde_json::from_str(&e.body).map_err(|_| Error::Corrupt(format!("{} 的办理记录", row.case_no)))?;
        if matches!(event.kind, EventKind::Register { .. }) {
            continue;
        }
        let unit = state.unit.clone();
        let higher = units.code(&unit).and_then(|u| u.parent_id).and_then(|p| units.id(p));
        state
            .apply(&event, &ctx(&st.rules, &cal, higher.map(|u| u.code.as_str())))
            .map_err(|_| Error::Corrupt(format!("{} 的办理记录", row.case_no)))?;
        out.push(Step { event, unit });
    }
    Ok(out)
}

fn not_yet(kind: DocKind, missing: &str) -> Error {
    Error::conflict("document_not_reached", format!("该事项尚未{missing}，不能出具{}", kind.label()))
}

/// The names of the petitioners as a notice addresses them.
fn addressee(people: &[PetitionerRecord]) -> String {
    match people {
        [] => "信访人".to_string(),
        [one] => one.name.clone(),
        [first, ..] if people.len() > 3 => format!("{}等{}人", first.name, people.len()),
        _ => people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("、"),
    }
}

/// The notice `kind` of petition `id`, for any user who may see the case
/// (a supervisor reads what the page shows); audited.
pub async fn document(st: &AppState, user: &User, id: PetitionId, kind: DocKind) -> Result<OfficialDoc> {
    let row = load_visible(st, user, id).await?;
    let (people, events) = tokio::try_join!(st.store.petitioners(row.id), st.store.events(row.id))?;
    let doc = Case::new(st, &row, &people, &events)?.compose(kind)?;
    st.store
        .audit(&xinfang_store::AuditEntry {
            user_id: Some(user.id),
            action: format!("petition.document.{}", kind.as_str()),
            object: row.case_no.clone(),
            success: true,
            detail: String::new(),
        })
        .await?;
    Ok(doc)
}

/// The notices the case has reached, for the petition page's links.
/// The case is replayed once and each notice tried on it.
pub fn available(st: &AppState, row: &PetitionRow, people: &[PetitionerRecord], events: &[EventRow]) -> Vec<DocKind> {
    let Ok(case) = Case::new(st, row, people, events) else { return Vec::new() };
    DocKind::ALL.into_iter().filter(|k| case.compose(*k).is_ok()).collect()
}

/// What every notice of a case draws on.
struct Case<'a> {
    row: &'a PetitionRow,
    people: &'a [PetitionerRecord],
    state: CaseState,
    steps: Vec<Step>,
    units: std::sync::Arc<crate::org::UnitIndex>,
}

impl<'a> Case<'a> {
    fn new(st: &AppState, row: &'a PetitionRow, people: &'a [PetitionerRecord], events: &[EventRow]) -> Result<Self> {
        Ok(Case { row, people, state: parse_state(row)?, steps: steps(st, row, events)?, units: st.cached_units() })
    }

    fn compose(&self, kind: DocKind) -> Result<OfficialDoc> {
        match kind {
            DocKind::AcceptanceNotice => acceptance(self),
            DocKind::NonAcceptanceNotice => non_acceptance(self),
            DocKind::TransferLetter => transfer(self),
            DocKind::Opinion | DocKind::ReviewOpinion | DocKind::RecheckOpinion => answer(self, kind),
            DocKind::ServiceReceipt => service(self),
            DocKind::VisitReceipt => visit(self),
        }
    }

    fn name_of(&self, code: &str) -> String {
        self.units.code(code).map_or_else(|| code.to_string(), |u| u.name.clone())
    }

    /// The body above `code`; at the top of the tree the body above is
    /// outside the system, named as the regulation names it.
    fn higher_of(&self, code: &str) -> String {
        let higher = self.units.code(code).and_then(|u| u.parent_id).and_then(|p| self.units.id(p));
        higher.map_or_else(|| "上一级行政机关".into(), |u| u.name.clone())
    }

    fn who(&self) -> String {
        addressee(self.people)
    }

    /// “你（们）于…以…方式提出的“…”信访事项”.
    fn matter(&self) -> String {
        format!(
            "你（们）于{}以{}方式提出的“{}”信访事项",
            official_date(self.row.received_on),
            self.row.channel.label(),
            self.row.subject
        )
    }

    /// The latest step of a kind.
    fn step(&self, of: fn(&EventKind) -> bool) -> Option<&Step> {
        self.steps.iter().rev().find(|s| of(&s.event.kind))
    }

    fn doc(
        &self,
        title: &str,
        addressee: Option<String>,
        paragraphs: Vec<String>,
        issuer: String,
        date: NaiveDate,
    ) -> OfficialDoc {
        OfficialDoc {
            title: title.to_string(),
            number: Some(format!("〔{}〕{}号", chrono::Datelike::year(&self.row.received_on), self.row.case_no)),
            addressee,
            paragraphs,
            table: Vec::new(),
            issuer,
            date,
            note: None,
        }
    }
}

fn acceptance(c: &Case<'_>) -> Result<OfficialDoc> {
    let kind = DocKind::AcceptanceNotice;
    let s = c.step(|k| matches!(k, EventKind::Accept { .. })).ok_or_else(|| not_yet(kind, "受理"))?;
    let mut p = vec![format!("{}，本机关已于{}依法受理。", c.matter(), official_date(s.event.on))];
    p.push(if c.row.class == PetitionClass::Appeal {
        "根据《信访工作条例》第三十四条，本机关将自受理之日起60日内办结；情况复杂的，经本机关负责人批准，可以适当延长办理期限，但延长期限不超过30日，并告知你（们）延期理由。".into()
    } else {
        "本机关将依照《信访工作条例》的有关规定研究办理，并将结果告知你（们）。".into()
    });
    p.push(format!("你（们）可凭查询码{}和登记时所留联系电话的后四位，在网上信访平台查询办理进展。", c.row.query_code));
    Ok(c.doc(kind.label(), Some(c.who()), p, c.name_of(&s.unit), s.event.on))
}

fn non_acceptance(c: &Case<'_>) -> Result<OfficialDoc> {
    let kind = DocKind::NonAcceptanceNotice;
    let s = c.step(|k| matches!(k, EventKind::Decline { .. })).ok_or_else(|| not_yet(kind, "作出不予受理的决定"))?;
    let EventKind::Decline { route, reason } = &s.event.kind else { return Err(Error::Internal) };
    let route_words = match route {
        DeclineRoute::Litigation => "诉讼、行政复议或者其他法定途径",
        DeclineRoute::Arbitration => "仲裁途径",
        DeclineRoute::PartyAppeal => "党员申诉、申请复审等途径",
        DeclineRoute::Administrative => "行政复议、行政裁决、行政确认、行政许可、行政处罚等行政程序",
        DeclineRoute::PerformDuty => "有关机关依法履行职责或者答复",
    };
    let p = vec![
        format!("{}，经审查：{reason}。", c.matter()),
        format!(
            "根据《信访工作条例》第三十一条的规定，该事项应当通过{route_words}解决，本机关不予受理。请你（们）依照有关法律、法规的规定向有权处理的机关提出。"
        ),
    ];
    Ok(c.doc(kind.label(), Some(c.who()), p, c.name_of(&s.unit), s.event.on))
}

fn transfer(c: &Case<'_>) -> Result<OfficialDoc> {
    let s = c
        .step(|k| matches!(k, EventKind::Transfer { .. } | EventKind::Assign { .. }))
        .ok_or_else(|| not_yet(DocKind::TransferLetter, "转送或交办"))?;
    let (title, verb, to, due) = match &s.event.kind {
        EventKind::Assign { to, due, .. } => ("信访事项交办函", "交办", to, Some(*due)),
        EventKind::Transfer { to, .. } => ("信访事项转送函", "转送", to, None),
        _ => return Err(Error::Internal),
    };
    let row = c.row;
    let mut p = vec![format!(
        "现将{}于{}反映的“{}”信访事项（编号{}）{verb}你单位。信访请求：{}",
        c.who(),
        official_date(row.received_on),
        row.subject,
        row.case_no,
        row.request
    )];
    p.push(match due {
        Some(d) => format!(
            "请于{}前办结，并将办理结果报送本机关（《信访工作条例》第二十二条第一款第三项）。",
            official_date(d)
        ),
        None => {
            "请依照《信访工作条例》第二十三条第三款的规定，自收到之日起15日内书面告知信访人接收情况以及处理途径和程序。"
                .into()
        }
    });
    p.push("经审查不属于你单位职责范围的，请自收到之日起5个工作日内提出异议并详细说明理由（《信访工作条例》第二十三条第三款）。".into());
    p.push("附件：信访事项登记表".into());
    Ok(c.doc(title, Some(c.name_of(to)), p, c.name_of(&s.unit), s.event.on))
}

fn answer(c: &Case<'_>, kind: DocKind) -> Result<OfficialDoc> {
    let (want, missing): (fn(&EventKind) -> bool, &str) = match kind {
        DocKind::Opinion => (|k| matches!(k, EventKind::Opinion { .. }), "出具处理意见"),
        DocKind::ReviewOpinion => (|k| matches!(k, EventKind::ReviewOpinion { .. }), "出具复查意见"),
        _ => (|k| matches!(k, EventKind::RecheckOpinion { .. }), "出具复核意见"),
    };
    let s = c.step(want).ok_or_else(|| not_yet(kind, missing))?;
    let (EventKind::Opinion { decision, basis }
    | EventKind::ReviewOpinion { decision, basis }
    | EventKind::RecheckOpinion { decision, basis }) = &s.event.kind
    else {
        return Err(Error::Internal);
    };
    let decided = match decision {
        Decision::Support => "请求事实清楚，符合法律、法规、规章或者其他有关规定，予以支持。",
        Decision::Explain => "请求事出有因，但无法律、法规、规章或者其他有关规定支持，向你（们）做好解释工作。",
        Decision::Reject => "请求缺乏事实根据或者不符合法律、法规、规章或者其他有关规定，不予支持。",
    };
    let subject = &c.row.subject;
    let opening = match kind {
        DocKind::Opinion => format!("{}，本机关依法受理。经调查核实，现提出处理意见如下：", c.matter()),
        DocKind::ReviewOpinion => {
            format!("你（们）不服对“{subject}”信访事项的处理意见，请求复查。本机关经复查，意见如下：")
        }
        _ => format!("你（们）不服对“{subject}”信访事项的复查意见，请求复核。本机关经复核，意见如下："),
    };
    let mut p = vec![
        opening,
        format!("一、信访请求：{}", c.row.request),
        format!("二、经查：{basis}"),
        format!("三、处理意见：{decided}（《信访工作条例》第三十二条）"),
    ];
    let appeal = c.row.class == PetitionClass::Appeal;
    let higher = c.higher_of(&s.unit);
    match kind {
        DocKind::Opinion if appeal => p.push(format!(
            "如对本处理意见不服，可以自收到本意见书之日起30日内请求{higher}复查（《信访工作条例》第三十五条第一款）。"
        )),
        DocKind::ReviewOpinion if appeal => p.push(format!(
            "如对本复查意见不服，可以自收到本意见书之日起30日内请求{higher}复核（《信访工作条例》第三十五条第二款）。"
        )),
        DocKind::RecheckOpinion => p.push(
            "本复核意见为最终意见。信访人对复核意见不服，仍以同一事实和理由提出投诉请求的，各级机关不再受理（《信访工作条例》第三十六条第三款）。".into(),
        ),
        _ => {}
    }
    Ok(c.doc(kind.label(), Some(c.who()), p, c.name_of(&s.unit), s.event.on))
}

fn service(c: &Case<'_>) -> Result<OfficialDoc> {
    let kind = DocKind::ServiceReceipt;
    let state = &c.state;
    let (opinion, of_kind) = [
        (state.recheck.as_ref().and_then(|a| a.opinion.as_ref()), DocKind::RecheckOpinion),
        (state.review.as_ref().and_then(|a| a.opinion.as_ref()), DocKind::ReviewOpinion),
        (state.opinion.as_ref(), DocKind::Opinion),
    ]
    .into_iter()
    .find_map(|(o, k)| o.map(|o| (o, k)))
    .ok_or_else(|| not_yet(kind, "出具书面答复"))?;
    let served = c.step(|k| matches!(k, EventKind::Serve { .. })).filter(|s| Some(s.event.on) == opinion.served_on);
    let method = match served.map(|s| &s.event.kind) {
        Some(EventKind::Serve { method: Some(m) }) => m.clone(),
        _ => String::new(),
    };
    let issuer = c.steps.iter().rev().find(|s| s.event.on == opinion.issued_on);
    let issuer = issuer.map_or_else(|| c.row.unit.name.clone(), |s| c.name_of(&s.unit));
    let mut d = c.doc(kind.label(), None, Vec::new(), issuer, opinion.issued_on);
    d.table = vec![
        ("送达文书".into(), format!("{}（{}号）", of_kind.label(), c.row.case_no)),
        ("受送达人".into(), c.who()),
        ("送达地址".into(), c.people.first().map(|p| p.address.clone()).unwrap_or_default()),
        ("送达方式".into(), method),
        ("送达日期".into(), opinion.served_on.map(official_date).unwrap_or_default()),
        ("受送达人签收".into(), "            年    月    日".into()),
        ("送达人".into(), String::new()),
        ("备注".into(), String::new()),
    ];
    Ok(d)
}

fn visit(c: &Case<'_>) -> Result<OfficialDoc> {
    let row = c.row;
    if row.channel != Channel::Visit {
        return Err(Error::conflict("document_not_reached", "来访登记回执只出具给来访登记的事项"));
    }
    let mut d =
        c.doc(DocKind::VisitReceipt.label(), None, Vec::new(), row.registered_unit.name.clone(), row.received_on);
    d.table = vec![
        ("信访件编号".into(), row.case_no.clone()),
        ("查询码".into(), row.query_code.clone()),
        ("来访人".into(), c.who()),
        ("来访日期".into(), official_date(row.received_on)),
        ("登记单位".into(), row.registered_unit.name.clone()),
        ("信访事项".into(), row.subject.clone()),
        ("查询办理进展".into(), "凭查询码和联系电话后四位，在网上信访平台查询".into()),
    ];
    d.note = Some("本回执仅证明来访已登记，不代表已受理；是否受理，登记机关将依照《信访工作条例》第二十二条、第二十三条的规定告知".into());
    Ok(d)
}
