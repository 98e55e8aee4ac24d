//! Finding the petitions whose stored record cannot be read (`xinfang
//! check`): an unknown channel, class or status word, or a case state that
//! does not parse. Such a record is left out of lists and recomputes and
//! named in the log; this lists them all, by case number.

use super::*;

/// A record that cannot be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub case_no: String,
    pub problem: String,
}

/// Reads every petition, `progress(read)` after each batch; returns the
/// ones that cannot be read.
pub async fn unreadable_petitions(
    store: &xinfang_store::Store,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<Vec<Unreadable>> {
    use xinfang_domain::petition::{Channel, PetitionClass, PetitionStatus};
    let mut out = Vec::new();
    let (mut after, mut read) = (0, 0);
    loop {
        let cases = store.raw_cases(after, 1000).await?;
        let Some(last) = cases.last() else { break };
        after = last.id;
        read += cases.len();
        for c in &cases {
            let mut problems = Vec::new();
            if Channel::parse(&c.channel).is_none() {
                problems.push(format!("信访渠道“{}”无法识别", c.channel));
            }
            if PetitionClass::parse(&c.class).is_none() {
                problems.push(format!("类别“{}”无法识别", c.class));
            }
            if PetitionStatus::parse(&c.status).is_none() {
                problems.push(format!("状态“{}”无法识别", c.status));
            }
            if let Err(e) = serde_json::from_str::<CaseState>(&c.state) {
                problems.push(format!("办理状态无法解析（{e}）"));
            }
            if !problems.is_empty() {
                out.push(Unreadable { case_no: c.case_no.clone(), problem: problems.join("；") });
            }
        }
        progress(read);
    }
    Ok(out)
}

/// What the deep check found: how many petitions it read, how many were
/// registered before records were sealed (their projection is still
/// replayed), and each mismatch by case number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeepReport {
    pub checked: usize,
    pub unsealed: usize,
    pub mismatches: Vec<Unreadable>,
}

/// What the audit chain holds of one petition: the seal of its record, of
/// each event in order, and each change of its repeat link.
#[derive(Debug, Default)]
struct Sealed {
    record: Option<String>,
    events: Vec<String>,
    /// Each link (the case number) and unlink, oldest first.
    links: Vec<Option<String>>,
}

/// The deep audit check (`xinfang audit verify --deep`), after the chain
/// itself has verified: each petition's record and events against the
/// seals the chain holds for them, and its stored status, state and unit
/// against a replay of its events. `progress(read)` after each batch.
pub async fn deep_check(
    store: &xinfang_store::Store,
    rules: &RuleSet,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<DeepReport> {
    let mut sealed = chain_seals(store).await?;
    let units = UnitIndex::new(store.units().await?);
    let cal = store.load_calendar().await?;
    let mut report = DeepReport::default();
    let (mut after, last) = (0, store.max_petition_id().await?);
    while after < last {
        for case in store.seal_cases(after, 500).await? {
            report.checked += 1;
            let mut problems = Vec::new();
            match sealed.remove(&case.case_no) {
                Some(s) if s.record.is_some() => compare_seals(&case, &s, &mut problems),
                _ => report.unsealed += 1,
            }
            if let Err(why) = replay(&case, rules, &cal, &units) {
                problems.push(why);
            }
            if !problems.is_empty() {
                report.mismatches.push(Unreadable { case_no: case.case_no, problem: problems.join("；") });
            }
        }
        after += 500;
        progress(report.checked);
    }
    let mut gone: Vec<String> = sealed.into_iter().filter(|(_, s)| s.record.is_some()).map(|(c, _)| c).collect();
    gone.sort();
    for case_no in gone {
        report.mismatches.push(Unreadable {
            case_no, problem: "审计日志有其登记记录，但数据库中已没有该事项".into()
        });
    }
    Ok(report)
}

/// Every petition's seals, read from the audit log in one pass.
async fn chain_seals(store: &xinfang_store::Store) -> Result<std::collections::HashMap<String, Sealed>> {
    use xinfang_store::seal::parse_detail;
    let mut out: std::collections::HashMap<String, Sealed> = std::collections::HashMap::new();
    let mut after = 0;
    loop {
        let rows = store.audit_rows(after, 5000).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in rows.iter().filter(|r| r.success && r.action.starts_with("petition.")) {
            let (seal, events) = parse_detail(&r.detail);
            match r.action.as_str() {
                "petition.register" => {
                    let s = out.entry(r.object.clone()).or_default();
                    s.record = seal.map(String::from);
                    s.events = events.into_iter().map(String::from).collect();
                }
                // Its numbers re-encrypted under a new key (`key rotate`): the record's new seal.
                "petition.rekey" => out.entry(r.object.clone()).or_default().record = seal.map(String::from),
                "petition.link_repeat" => out.entry(r.object.clone()).or_default().links.push(Some(r.detail.clone())),
                "petition.unlink_repeat" => out.entry(r.object.clone()).or_default().links.push(None),
                _ => {
                    if let Some(seal) = seal {
                        out.entry(r.object.clone()).or_default().events.push(seal.to_string());
                    }
                }
            }
        }
    }
    Ok(out)
}

fn compare_seals(case: &xinfang_store::SealCase, s: &Sealed, problems: &mut Vec<String>) {
    if s.record.as_deref() != Some(case.record_seal.as_str()) {
        problems.push("登记内容与审计日志的封存摘要不符（来信来访内容、信访人、被反映单位等被改动）".into());
    }
    if s.events.len() != case.events.len() {
        problems.push(format!("办理记录有 {} 条，审计日志封存的是 {} 条", case.events.len(), s.events.len()));
    } else if let Some(i) = s.events.iter().zip(&case.events).position(|(a, b)| *a != b.seal) {
        problems.push(format!("第 {} 条办理记录与审计日志的封存摘要不符", i + 1));
    }
    let linked = s.links.last().cloned().unwrap_or_default();
    if linked != case.repeat_of {
        problems.push(format!(
            "重复件关联为 {}，审计日志记录的是 {}",
            case.repeat_of.as_deref().unwrap_or("无"),
            linked.as_deref().unwrap_or("无")
        ));
    } else if s.links != case.links {
        problems.push(format!(
            "重复件关联的办理记录有 {} 条，审计日志记录的是 {} 条，或其内容不符",
            case.links.len(),
            s.links.len()
        ));
    }
}

/// Replays a case's events from its registration, as the steps were
/// recorded, and compares the result with the stored projection.
fn replay(
    case: &xinfang_store::SealCase,
    rules: &RuleSet,
    cal: &Calendar,
    units: &UnitIndex,
) -> std::result::Result<(), String> {
    use xinfang_domain::petition::PetitionClass;
    let class = PetitionClass::parse(&case.class).ok_or_else(|| format!("类别“{}”无法识别", case.class))?;
    let mut state = CaseState::registered(class, &case.registered_unit, case.received_on);
    for (i, e) in case.events.iter().enumerate() {
        let event: Event = serde_json::from_str(&e.body).map_err(|_| format!("第 {} 条办理记录无法解析", i + 1))?;
        if matches!(event.kind, EventKind::Register { .. }) {
            continue;
        }
        let higher = units.code(&state.unit).and_then(|u| u.parent_id).and_then(|p| units.id(p));
        state
            .apply(&event, &ctx(rules, cal, higher.map(|u| u.code.as_str())))
            .map_err(|v| format!("第 {} 条办理记录按程序不能重演：{}", i + 1, v.message))?;
    }
    let stored: Option<CaseState> = serde_json::from_str(&case.state).ok();
    let mut differ = Vec::new();
    if state.status.as_str() != case.status {
        differ.push(format!("状态（存为“{}”，按办理记录应为“{}”）", case.status, state.status.as_str()));
    }
    if state.unit != case.unit {
        differ.push(format!("承办单位（存为 {}，按办理记录应为 {}）", case.unit, state.unit));
    }
    if stored.as_ref() != Some(&state) {
        differ.push("办理状态".into());
    }
    if differ.is_empty() { Ok(()) } else { Err(format!("与办理记录不符：{}", differ.join("、"))) }
}
