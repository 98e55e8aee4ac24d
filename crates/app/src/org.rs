//! Units and user accounts (the organisation every module shares): adding
//! and changing them, for the CLI and the administration pages alike, the
//! cached unit tree, and the viewer a user's reads are held to. Each checks every field and reports all
//! errors at once; the store refuses what would break the tree or lock the
//! administrators out (stopping a unit that still works, the last admin).

use crate::error::{Error, Result};
use crate::state::AppState;
use xinfang_domain::{Invalid, Role, UnitKind};
use xinfang_store::{NewUser, Store, Unit, UnitChange, User, UserChange, Viewer};
use xinfang_store::{UnitId, UserId};

/// Adds a unit (单位) below `parent`.
pub async fn add_unit(
    store: &Store,
    actor: Option<UserId>,
    code: &str,
    name: &str,
    kind: &str,
    parent: Option<&str>,
) -> Result<Unit> {
    let mut errors = Vec::new();
    let code = xinfang_domain::UnitCode::parse("code", code).map_err(|e| errors.push(e)).ok();
    let (name, kind) = unit_fields(name, kind, &mut errors);
    let parent = parent.map(str::trim).filter(|p| !p.is_empty());
    match (code, kind) {
        (Some(code), Some(kind)) if errors.is_empty() => {
            Ok(store.add_unit(code.as_str(), &name, kind, parent, actor).await?)
        }
        _ => Err(Error::Invalid(errors)),
    }
}

/// Changes a unit: its name, kind, the unit above it (`parent`: `None` or
/// empty leaves it in place) and whether it is stopped (停用).
pub async fn update_unit(
    store: &Store,
    actor: Option<UserId>,
    code: &str,
    name: &str,
    kind: &str,
    parent: Option<&str>,
    disabled: bool,
) -> Result<Unit> {
    let mut errors = Vec::new();
    let (name, kind) = unit_fields(name, kind, &mut errors);
    let parent = parent.map(str::trim).filter(|p| !p.is_empty()).map(str::to_string);
    match kind {
        Some(kind) if errors.is_empty() => {
            Ok(store.update_unit(code.trim(), &UnitChange { name, kind, parent, disabled }, actor).await?)
        }
        _ => Err(Error::Invalid(errors)),
    }
}

fn unit_fields(name: &str, kind: &str, errors: &mut Vec<Invalid>) -> (String, Option<UnitKind>) {
    let name = xinfang_text::clean_line(name);
    if name.is_empty() || xinfang_text::char_len(&name) > 100 {
        errors.push(Invalid::new("name", "invalid_name", "单位名称不能为空，且不超过 100 字"));
    }
    let kind = UnitKind::parse(kind.trim());
    if kind.is_none() {
        errors.push(Invalid::new("kind", "invalid_kind", "单位类型应为 petition_office、body、township 或 village"));
    }
    (name, kind)
}

/// Adds a user account, checking the name, role, unit and password policy.
pub async fn add_user(
    store: &Store,
    actor: Option<UserId>,
    username: &str,
    display_name: &str,
    role: &str,
    unit: &str,
    password: &str,
) -> Result<User> {
    let mut errors = Vec::new();
    let username = username.trim().to_string();
    if username.is_empty()
        || username.len() > 64
        || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        errors.push(Invalid::new("username", "invalid_username", "用户名应为 1–64 位字母、数字、点、下划线或连字符"));
    }
    let display_name = xinfang_text::clean_line(display_name);
    if xinfang_text::char_len(&display_name) > 50 {
        errors.push(Invalid::new("display_name", "invalid_name", "姓名不超过 50 字"));
    }
    let role = role_field(role, &mut errors);
    password_field(password, &mut errors);
    let unit = active_unit_field(store, unit, &mut errors).await?;
    let (Some(role), Some(unit)) = (role, unit) else { return Err(Error::Invalid(errors)) };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let display_name = Some(display_name).filter(|n| !n.is_empty()).unwrap_or_else(|| username.clone());
    let password_hash = crate::auth::hash_password(password)?;
    Ok(store.add_user(&NewUser { username, display_name, unit_id: unit.id, role, password_hash }, actor).await?)
}

/// What may change of a user account; `new_password` empty keeps the old.
#[derive(Debug, Clone, Copy)]
pub struct UserEdit<'a> {
    pub display_name: &'a str,
    pub role: &'a str,
    pub unit: &'a str,
    pub disabled: bool,
    pub new_password: &'a str,
}

/// Changes a user account. `actor` is the administrator doing it (`None`
/// from the command line): nobody disables their own account or changes
/// their own role, so an administrator cannot lock themselves out.
pub async fn update_user(store: &Store, actor: Option<&User>, username: &str, edit: UserEdit<'_>) -> Result<User> {
    let Some((old, _)) = store.user_for_login(username.trim()).await? else {
        return Err(Error::not_found());
    };
    let mut errors = Vec::new();
    let role = role_field(edit.role, &mut errors);
    if !edit.new_password.is_empty() {
        password_field(edit.new_password, &mut errors);
    }
    let unit = if edit.unit.trim() == old.unit.code {
        Some(old.unit.clone())
    } else {
        active_unit_field(store, edit.unit, &mut errors).await?
    };
    if actor.is_some_and(|a| a.id == old.id) && (edit.disabled || role.is_some_and(|r| r != old.role)) {
        errors.push(Invalid::new("role", "own_account", "不能停用自己的账号或更改自己的角色，请由另一位管理员办理"));
    }
    let display_name = xinfang_text::clean_line(edit.display_name);
    if display_name.is_empty() || xinfang_text::char_len(&display_name) > 50 {
        errors.push(Invalid::new("display_name", "invalid_name", "姓名不能为空，且不超过 50 字"));
    }
    let (Some(role), Some(unit)) = (role, unit) else { return Err(Error::Invalid(errors)) };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let password_hash = match edit.new_password {
        "" => None,
        p => Some(crate::auth::hash_password(p)?),
    };
    let change = UserChange { display_name, role, unit_id: unit.id, disabled: edit.disabled, password_hash };
    Ok(store.update_user(&old.username, &change, actor.map(|a| a.id)).await?)
}

fn role_field(role: &str, errors: &mut Vec<Invalid>) -> Option<Role> {
    let role = Role::parse(role.trim());
    if role.is_none() {
        errors.push(Invalid::new(
            "role",
            "invalid_role",
            "角色应为 admin、intake、handler、leader、supervisor 或 auditor",
        ));
    }
    role
}

fn password_field(password: &str, errors: &mut Vec<Invalid>) {
    if let Err(m) = crate::auth::check_password_policy(password) {
        errors.push(Invalid::new("password", "weak_password", m));
    }
}

/// The unit of `code` for a user: it must exist and not be stopped.
async fn active_unit_field(store: &Store, code: &str, errors: &mut Vec<Invalid>) -> Result<Option<Unit>> {
    match store.unit_by_code(code.trim()).await? {
        Some(u) if u.disabled => {
            errors.push(Invalid::new("unit", "unit_disabled", format!("{}已停用", u.name)));
            Ok(None)
        }
        Some(u) => Ok(Some(u)),
        None => {
            errors.push(Invalid::new("unit", "unknown_unit", "单位不存在"));
            Ok(None)
        }
    }
}

/// Who is asking, for the store's visibility test.
pub fn viewer(st: &AppState, user: &User) -> Viewer {
    let units = st.cached_units();
    let ids = units.subtree_ids(&user.unit);
    let whole_tree = ids.len() >= units.len() && !units.is_empty();
    Viewer { unit_path: user.unit.path.clone(), unit_ids: (!whole_tree).then_some(ids) }
}

/// All units by code and by id, for building many records at once.
#[derive(Debug, Default)]
pub struct UnitIndex {
    /// Every unit, in tree order (by path).
    all: Vec<Unit>,
    by_code: std::collections::HashMap<String, Unit>,
    by_id: std::collections::HashMap<UnitId, Unit>,
}

impl UnitIndex {
    pub fn new(units: Vec<Unit>) -> Self {
        let by_id = units.iter().map(|u| (u.id, u.clone())).collect();
        let by_code = units.iter().map(|u| (u.code.clone(), u.clone())).collect();
        UnitIndex { all: units, by_code, by_id }
    }
    pub fn code(&self, code: &str) -> Option<&Unit> {
        self.by_code.get(code)
    }
    pub fn id(&self, id: UnitId) -> Option<&Unit> {
        self.by_id.get(&id)
    }
    /// Every unit, in tree order.
    pub fn all(&self) -> &[Unit] {
        &self.all
    }
    pub fn len(&self) -> usize {
        self.by_id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
    /// The ids of `unit` and every unit below it (as far as the cache knows).
    pub fn subtree_ids(&self, unit: &Unit) -> Vec<UnitId> {
        let mut ids: Vec<UnitId> = self.by_id.values().filter(|u| unit.contains(u)).map(|u| u.id).collect();
        if !ids.contains(&unit.id) {
            ids.push(unit.id);
        }
        ids.sort_unstable();
        ids
    }
}
