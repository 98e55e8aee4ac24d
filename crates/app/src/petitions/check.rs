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
