//! What refers to a case, as its page shows it to the viewer: its repeats,
//! the disputes sent from it to mediation (条例 Art. 33), and the leaders'
//! ownership (包案, Art. 18 ¶2).

use crate::page::PageUser;
use xinfang_app::subject::Subject;
use xinfang_app::{AppState, org};
use xinfang_store::PetitionRow;

pub(crate) struct Links {
    /// (id, case number)
    pub(crate) repeats: Vec<(i64, String)>,
    /// (id, number, status)
    pub(crate) disputes: Vec<(i64, String, &'static str)>,
    pub(crate) own: crate::ownership::Section,
}

pub(crate) async fn links(st: &AppState, pu: &PageUser, row: &PetitionRow) -> Links {
    let viewer = org::viewer(st, &pu.user);
    let repeats = st.store.repeats_of(row.id, Some(&viewer)).await.unwrap_or_default();
    let disputes = xinfang_app::disputes::of_petition(st, &pu.user, row.id.0).await.unwrap_or_default();
    let status = |s: &str| xinfang_domain::dispute::DisputeStatus::parse(s).map_or("", |v| v.label());
    Links {
        repeats: repeats.into_iter().map(|r| (r.id.0, r.case_no)).collect(),
        disputes: disputes.into_iter().map(|d| (d.id, d.case_no, status(&d.status))).collect(),
        own: crate::ownership::section(st, pu, Subject::petition(row.id)).await,
    }
}
