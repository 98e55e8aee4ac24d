//! The kernel's answer bodies as typed structs, each with its schema in the
//! API document: units, users, sessions, errors, health.

use serde::Serialize;
use utoipa::{ToResponse, ToSchema};
use xinfang_domain::{Role, UnitKind};
use xinfang_store::{Unit, User};

/// A unit (单位) as answers name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRef {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
}

impl UnitRef {
    pub fn of(u: &Unit) -> Self {
        UnitRef { code: u.code.clone(), name: u.name.clone(), kind: u.kind }
    }
}

/// A unit of the tree, as `/api/v1/units` lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitItem {
    #[serde(flatten)]
    pub unit: UnitRef,
    /// The code of the unit above, if any.
    pub parent: Option<String>,
    /// How deep in the tree (a root is 0).
    pub depth: usize,
    /// The user's own unit or one below it.
    pub mine: bool,
    /// 停用（撤并）的单位：保留历史，不再接收信访事项
    pub disabled: bool,
}

/// The units, in tree order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitList {
    pub items: Vec<UnitItem>,
}

/// A user as the API shows them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserInfo {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub role_label: &'static str,
    pub unit: UnitRef,
}

impl UserInfo {
    pub fn of(u: &User) -> Self {
        UserInfo {
            id: u.id.0,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            role_label: u.role.label(),
            unit: UnitRef::of(&u.unit),
        }
    }
}

/// A session just opened: the token to send as `Authorization: Bearer`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Session {
    pub token: String,
    /// RFC 3339.
    pub expires_at: String,
    pub user: UserInfo,
}

/// Every error answer: `code` is stable English for programs, `message`
/// Chinese for people; `fields` names each invalid input field.
#[derive(Debug, Clone, Serialize, ToSchema, ToResponse)]
#[response(description = "错误")]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// Can the server take writes and does the database answer?
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
}
