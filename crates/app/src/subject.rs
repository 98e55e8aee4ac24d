//! References between records (主体引用): a repeat linked to its first
//! petition now; a dispute sent from a petition, an attachment, a
//! supervision order on a hazard later. Whatever refers to another record
//! shows nothing of it (not its id, case number or unit) unless the viewer
//! may see that record itself: a link must never carry a report (检举控告)
//! to the unit reported on (信访工作条例 Art. 30 ¶3), nor a case past its
//! jurisdiction. Every module checks its references here, through one
//! function per module's own visibility rule.

use crate::error::Result;
use crate::org::viewer;
use crate::state::AppState;
use xinfang_store::{PetitionId, User};

/// The module a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Module {
    /// 信访事项
    Petition,
    /// 矛盾纠纷
    Dispute,
}

/// A record of some module, as another record refers to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subject {
    pub module: Module,
    pub id: i64,
}

impl Module {
    /// The module's name where records of several modules share a table
    /// (attachments).
    pub fn as_str(self) -> &'static str {
        match self {
            Module::Petition => "petition",
            Module::Dispute => "dispute",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Module::Petition, Module::Dispute].into_iter().find(|m| m.as_str() == s)
    }
}

impl Subject {
    pub fn petition(id: PetitionId) -> Self {
        Self { module: Module::Petition, id: id.0 }
    }
}

/// Whether `user` may see the record `subject` names, by that module's
/// own rule (jurisdiction and Art. 30 ¶3 for petitions).
pub async fn visible(st: &AppState, user: &User, subject: Subject) -> Result<bool> {
    match subject.module {
        Module::Petition => Ok(st.store.can_view(PetitionId(subject.id), &viewer(st, user)).await?),
        Module::Dispute => Ok(st.store.can_view_dispute(subject.id, &viewer(st, user)).await?),
    }
}

/// `reference` if `user` may see what it names, `None` otherwise: the
/// referring record then reads as if the reference were not there.
pub async fn seen(st: &AppState, user: &User, reference: Option<Subject>) -> Result<Option<Subject>> {
    match reference {
        Some(s) if visible(st, user, s).await? => Ok(Some(s)),
        _ => Ok(None),
    }
}
