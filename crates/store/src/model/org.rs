//! Units, users and the viewer every read is held to (the organisation
//! every module shares).

use crate::ids::{UnitId, UserId};
use xinfang_domain::{Role, UnitKind, UnitPlace};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: UnitId,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<UnitId>,
    /// `/1/4/9/`: the ids from the root to this unit.
    pub path: String,
    /// Stopped (停用): kept for its history, but receives nothing new.
    pub disabled: bool,
}

/// A year of the holiday calendar as loaded, and the notice it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarYear {
    pub year: i64,
    pub source: String,
}

impl Unit {
    /// Is `other` this unit or below it?
    pub fn contains(&self, other: &Unit) -> bool {
        self.place().contains(&other.place())
    }
    /// The unit as the domain's rules see it.
    pub fn place(&self) -> UnitPlace<'_> {
        UnitPlace { path: &self.path, name: &self.name }
    }
    /// How deep in the tree (a root is 0).
    pub fn depth(&self) -> usize {
        self.path.matches('/').count().saturating_sub(2)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Unit,
    pub disabled: bool,
}

#[derive(Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub unit_id: UnitId,
    pub role: Role,
    pub password_hash: String,
}

/// What an administrator may change of a unit: everything but its code.
#[derive(Debug, Clone)]
pub struct UnitChange {
    pub name: String,
    pub kind: UnitKind,
    /// The code of the unit to move it under; `None` (or its present
    /// parent) leaves it where it is.
    pub parent: Option<String>,
    pub disabled: bool,
}

/// What an administrator may change of a user account: everything but the
/// user name. A new password hash, if any, ends the user's sessions, as
/// does disabling the account.
#[derive(Clone)]
pub struct UserChange {
    pub display_name: String,
    pub role: Role,
    pub unit_id: UnitId,
    pub disabled: bool,
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for UserChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserChange")
            .field("role", &self.role)
            .field("unit_id", &self.unit_id)
            .field("disabled", &self.disabled)
            .field("new_password", &self.password_hash.is_some())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser").field("username", &self.username).field("role", &self.role).finish_non_exhaustive()
    }
}

/// Who is asking: the ids path of their unit. A report (检举控告) is hidden
/// from the unit reported on and everything below it (Art. 30 ¶3).
#[derive(Debug, Clone)]
pub struct Viewer {
    pub unit_path: String,
    /// The ids of the viewer's unit and the units below it; `None` when
    /// that is the whole tree (nothing to filter). Ids, not a path pattern:
    /// PostgreSQL plans a list of values well, a `LIKE $1` blindly.
    pub unit_ids: Option<Vec<UnitId>>,
}
