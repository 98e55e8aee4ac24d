//! The organisation every module shares: the kinds of unit (单位) in the
//! tree and the roles of its users.

use crate::vocab::vocabulary;

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

impl Role {
    /// May this role record steps of the procedure (register, route, handle)?
    /// Supervisors and auditors read only.
    pub fn works_petitions(self) -> bool {
        matches!(self, Role::Admin | Role::Intake | Role::Handler | Role::Leader)
    }
}

/// A unit as the rules see it: its place in the tree (the path of ids from
/// the root, `/1/4/`) and its name for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitPlace<'a> {
    pub path: &'a str,
    pub name: &'a str,
}

impl UnitPlace<'_> {
    /// Is `other` this unit or below it?
    pub fn contains(&self, other: &UnitPlace<'_>) -> bool {
        other.path.starts_with(self.path)
    }
}
