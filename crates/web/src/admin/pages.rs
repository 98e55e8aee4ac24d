//! Administration: the unit tree, user accounts and roles, and the holiday
//! calendar. Only an administrator changes them, and only within their own
//! unit and the units below it; everyone may look.

use crate::error::AppError;
use crate::extract::PageForm;
use crate::i18n::Tr;
use crate::page::Options;
use crate::page::{Layout, PageUser, options, render, see_other};
use crate::petitions::pages::list::unit_options;
use crate::petitions::pages::show::NoticeParam;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xinfang_app::{AppState, org};
use xinfang_domain::{Role, UnitKind};
use xinfang_store::Unit;

pub(crate) struct UnitRow {
    pub(crate) name: String,
    pub(crate) code: String,
    pub(crate) kind: &'static str,
    pub(crate) indent: usize,
    pub(crate) disabled: bool,
}

pub(crate) struct UserRow {
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) role: &'static str,
    pub(crate) unit: String,
    pub(crate) disabled: bool,
}

#[derive(Template)]
#[template(path = "admin/admin.html")]
pub(crate) struct AdminPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) csrf: String,
    pub(crate) notice: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) units: Vec<UnitRow>,
    pub(crate) users: Vec<UserRow>,
    pub(crate) years: Vec<(i64, String)>,
    pub(crate) is_admin: bool,
    pub(crate) kinds: Options,
    pub(crate) roles: Options,
    pub(crate) parents: Vec<(String, String)>,
    /// Login locks in force on this server (administrators only).
    pub(crate) locks: Vec<xinfang_app::throttle::LoginLock>,
    /// The office's own search synonym groups.
    pub(crate) synonyms: String,
}

/// The units a new or moved unit, or a user, may be placed in: the active
/// units at or below the administrator's own.
pub(crate) fn places(pu: &PageUser, units: &[Unit]) -> Vec<(String, String)> {
    unit_options(&units.iter().filter(|u| !u.disabled && pu.user.unit.contains(u)).cloned().collect::<Vec<_>>())
}

pub(crate) async fn admin_page(
    st: &AppState,
    pu: &PageUser,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let (units, users, cal) = match tokio::try_join!(st.store.units(), st.store.users(), st.store.calendar()) {
        Ok(x) => x,
        Err(e) => return pu.error(&e.into()),
    };
    let page = AdminPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "admin",
        csrf: pu.csrf.clone(),
        notice,
        error,
        units: units
            .iter()
            .filter(|u| pu.user.unit.contains(u))
            .map(|u| UnitRow {
                name: u.name.clone(),
                code: u.code.clone(),
                kind: UnitKind::label(u.kind),
                indent: u.depth().min(5),
                disabled: u.disabled,
            })
            .collect(),
        users: users
            .into_iter()
            .filter(|u| pu.user.unit.contains(&u.unit))
            .map(|u| UserRow {
                username: u.username,
                display_name: u.display_name,
                role: u.role.label(),
                unit: u.unit.name,
                disabled: u.disabled,
            })
            .collect(),
        years: cal.0.into_iter().map(|y| (y.year, y.source)).collect(),
        is_admin: pu.user.role == Role::Admin,
        kinds: options(UnitKind::ALL, UnitKind::as_str, UnitKind::label),
        roles: options(Role::ALL, Role::as_str, Role::label),
        parents: places(pu, &units),
        locks: xinfang_app::auth::login_locks(st, &pu.user).await.unwrap_or_default(),
        synonyms: xinfang_app::petitions::search::own_synonyms(st).await.unwrap_or_default(),
    };
    (status, render(&page)).into_response()
}

pub async fn overview(State(st): State<AppState>, pu: PageUser, Query(q): Query<NoticeParam>) -> Response {
    let notice = q.notice.map(|n| pu.tr.f("已导入并重新计算了 {} 件事项的期限", &[&n]));
    admin_page(&st, &pu, notice, None, StatusCode::OK).await
}

/// Only an administrator changes units and users, and only at or below
/// their own unit: every unit code in `codes` must be there.
pub(crate) fn admin_only(pu: &PageUser, csrf: Option<&str>, codes: &[&str], units: &[Unit]) -> Option<Response> {
    if let Some(r) = pu.csrf_rejection(csrf) {
        return Some(r);
    }
    admin_may_edit(pu, codes, units)
}

/// The check of [`admin_only`] without the CSRF token, for the edit forms.
pub(crate) fn admin_may_edit(pu: &PageUser, codes: &[&str], units: &[Unit]) -> Option<Response> {
    if pu.user.role != Role::Admin {
        return Some(pu.error(&AppError::forbidden("只有系统管理员可以管理单位和用户")));
    }
    for code in codes {
        match units.iter().find(|u| u.code == *code) {
            None => return Some(pu.error(&AppError::new(StatusCode::NOT_FOUND, "not_found", "单位不存在"))),
            Some(u) if !pu.user.unit.contains(u) => {
                return Some(pu.error(&AppError::forbidden("只能管理本单位及下级单位的单位和用户")));
            }
            Some(_) => {}
        }
    }
    None
}

#[derive(Deserialize)]
pub struct UnitForm {
    pub(crate) csrf: Option<String>,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) parent: Option<String>,
}

pub async fn add_unit(State(st): State<AppState>, pu: PageUser, PageForm(f): PageForm<UnitForm>) -> Response {
    let units = st.store.units().await.unwrap_or_default();
    if let Some(r) = admin_only(&pu, f.csrf.as_deref(), &[f.parent.as_deref().unwrap_or("")], &units) {
        return r;
    }
    match org::add_unit(&st.store, Some(pu.user.id), &f.code, &f.name, &f.kind, f.parent.as_deref())
        .await
        .map_err(AppError::from)
    {
        Ok(u) => {
            let _ = st.reload_units().await;
            admin_page(&st, &pu, Some(pu.tr.f("已添加单位 {}", &[&u.name])), None, StatusCode::OK).await
        }
        Err(e) => admin_page(&st, &pu, None, Some(e.summary(pu.tr)), e.status).await,
    }
}

#[derive(Template)]
#[template(path = "admin/unit.html")]
pub(crate) struct UnitEditPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) csrf: String,
    pub(crate) error: Option<String>,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) parent: String,
    pub(crate) disabled: bool,
    /// May it move? Not the administrator's own unit (the top of what they
    /// manage).
    pub(crate) movable: bool,
    pub(crate) kinds: Options,
    pub(crate) parents: Vec<(String, String)>,
    /// Where the unit's reminders go (提醒接收地址).
    pub(crate) contact_email: String,
    pub(crate) contact_phone: String,
    pub(crate) saved: bool,
}

#[derive(Deserialize)]
pub struct UnitEditForm {
    pub(crate) csrf: Option<String>,
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) parent: Option<String>,
    pub(crate) disabled: Option<String>,
}

pub(crate) fn unit_edit_page(
    pu: &PageUser,
    units: &[Unit],
    unit: &Unit,
    form: Option<&UnitEditForm>,
    error: Option<String>,
    contact: Option<xinfang_store::UnitContact>,
) -> UnitEditPage {
    let parent_code = unit.parent_id.and_then(|p| units.iter().find(|u| u.id == p)).map(|u| u.code.clone());
    // Anywhere the administrator manages, but not inside the unit itself.
    let parents = places(pu, &units.iter().filter(|u| !unit.contains(u)).cloned().collect::<Vec<_>>());
    UnitEditPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "admin",
        csrf: pu.csrf.clone(),
        error,
        code: unit.code.clone(),
        name: form.map_or_else(|| unit.name.clone(), |f| f.name.clone()),
        kind: form.map_or_else(|| unit.kind.as_str().to_string(), |f| f.kind.clone()),
        parent: form.and_then(|f| f.parent.clone()).or(parent_code).unwrap_or_default(),
        disabled: form.map_or(unit.disabled, |f| f.disabled.is_some()),
        movable: unit.id != pu.user.unit.id,
        kinds: options(UnitKind::ALL, UnitKind::as_str, UnitKind::label),
        parents,
        contact_email: contact.as_ref().and_then(|c| c.email.clone()).unwrap_or_default(),
        contact_phone: contact.as_ref().and_then(|c| c.phone.clone()).unwrap_or_default(),
        saved: false,
    }
}

#[derive(Deserialize)]
pub struct SavedParam {
    saved: Option<String>,
}

pub async fn unit_form(
    State(st): State<AppState>,
    pu: PageUser,
    Path(code): Path<String>,
    Query(q): Query<SavedParam>,
) -> Response {
    let units = st.store.units().await.unwrap_or_default();
    if let Some(r) = admin_may_edit(&pu, &[&code], &units) {
        return r;
    }
    let Some(unit) = units.iter().find(|u| u.code == code) else {
        return pu.error(&AppError::not_found());
    };
    let contact = xinfang_app::notices::unit_contact(&st, unit.id.0).await.unwrap_or_default();
    let mut page = unit_edit_page(&pu, &units, unit, None, None, contact);
    page.saved = q.saved.is_some();
    render(&page)
}

pub async fn update_unit(
    State(st): State<AppState>,
    pu: PageUser,
    Path(code): Path<String>,
    PageForm(f): PageForm<UnitEditForm>,
) -> Response {
    let units = st.store.units().await.unwrap_or_default();
    let parent = f.parent.as_deref().map(str::trim).filter(|p| !p.is_empty());
    let mut codes = vec![code.as_str()];
    codes.extend(parent);
    if let Some(r) = admin_only(&pu, f.csrf.as_deref(), &codes, &units) {
        return r;
    }
    let Some(unit) = units.iter().find(|u| u.code == code) else {
        return pu.error(&AppError::not_found());
    };
    // The administrator's own unit stays where it is.
    let parent = parent.filter(|_| unit.id != pu.user.unit.id);
    match org::update_unit(&st.store, Some(pu.user.id), &code, &f.name, &f.kind, parent, f.disabled.is_some())
        .await
        .map_err(AppError::from)
    {
        Ok(u) => {
            let _ = st.reload_units().await;
            admin_page(&st, &pu, Some(pu.tr.f("已修改单位 {}", &[&u.name])), None, StatusCode::OK).await
        }
        Err(e) => {
            let contact = xinfang_app::notices::unit_contact(&st, unit.id.0).await.unwrap_or_default();
            let page = unit_edit_page(&pu, &units, unit, Some(&f), Some(e.summary(pu.tr)), contact);
            (e.status, render(&page)).into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct UserForm {
    pub(crate) csrf: Option<String>,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) role: String,
    pub(crate) unit: String,
    pub(crate) password: String,
}

pub async fn add_user(State(st): State<AppState>, pu: PageUser, PageForm(f): PageForm<UserForm>) -> Response {
    let units = st.store.units().await.unwrap_or_default();
    if let Some(r) = admin_only(&pu, f.csrf.as_deref(), &[&f.unit], &units) {
        return r;
    }
    match org::add_user(&st.store, Some(pu.user.id), &f.username, &f.display_name, &f.role, &f.unit, &f.password)
        .await
        .map_err(AppError::from)
    {
        Ok(u) => {
            let notice = pu.tr.f("已添加用户 {}（{}）", &[&u.username, &pu.tr.t(u.role.label())]);
            admin_page(&st, &pu, Some(notice), None, StatusCode::OK).await
        }
        Err(e) => admin_page(&st, &pu, None, Some(e.summary(pu.tr)), e.status).await,
    }
}

#[derive(Template)]
#[template(path = "admin/user.html")]
pub(crate) struct UserEditPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) csrf: String,
    pub(crate) error: Option<String>,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) role: String,
    pub(crate) unit: String,
    pub(crate) disabled: bool,
    /// The administrator's own account: role and state are not offered.
    pub(crate) own: bool,
    pub(crate) roles: Options,
    pub(crate) units: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct UserEditForm {
    pub(crate) csrf: Option<String>,
    pub(crate) display_name: String,
    pub(crate) role: String,
    pub(crate) unit: String,
    pub(crate) disabled: Option<String>,
    #[serde(default)]
    pub(crate) password: String,
}

pub(crate) fn user_edit_page(
    pu: &PageUser,
    units: &[Unit],
    user: &xinfang_store::User,
    form: Option<&UserEditForm>,
    error: Option<String>,
) -> UserEditPage {
    UserEditPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "admin",
        csrf: pu.csrf.clone(),
        error,
        username: user.username.clone(),
        display_name: form.map_or_else(|| user.display_name.clone(), |f| f.display_name.clone()),
        role: form.map_or_else(|| user.role.as_str().to_string(), |f| f.role.clone()),
        unit: form.map_or_else(|| user.unit.code.clone(), |f| f.unit.clone()),
        disabled: form.map_or(user.disabled, |f| f.disabled.is_some()),
        own: user.id == pu.user.id,
        roles: options(Role::ALL, Role::as_str, Role::label),
        units: places(pu, units),
    }
}

/// The account of `username` if the administrator may edit it.
pub(crate) async fn editable_user(
    st: &AppState,
    pu: &PageUser,
    username: &str,
    units: &[Unit],
) -> Result<xinfang_store::User, Response> {
    match st.store.user_for_login(username).await {
        Ok(Some((u, _))) => match admin_may_edit(pu, &[&u.unit.code], units) {
            Some(r) => Err(r),
            None => Ok(u),
        },
        Ok(None) => Err(pu.error(&AppError::not_found())),
        Err(e) => Err(pu.error(&e.into())),
    }
}

pub async fn user_form(State(st): State<AppState>, pu: PageUser, Path(username): Path<String>) -> Response {
    let units = st.store.units().await.unwrap_or_default();
    match editable_user(&st, &pu, &username, &units).await {
        Ok(user) => render(&user_edit_page(&pu, &units, &user, None, None)),
        Err(r) => r,
    }
}

pub async fn update_user(
    State(st): State<AppState>,
    pu: PageUser,
    Path(username): Path<String>,
    PageForm(f): PageForm<UserEditForm>,
) -> Response {
    let units = st.store.units().await.unwrap_or_default();
    if let Some(r) = admin_only(&pu, f.csrf.as_deref(), &[&f.unit], &units) {
        return r;
    }
    let user = match editable_user(&st, &pu, &username, &units).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let edit = org::UserEdit {
        display_name: &f.display_name,
        role: &f.role,
        unit: &f.unit,
        disabled: f.disabled.is_some(),
        new_password: &f.password,
    };
    match org::update_user(&st.store, Some(&pu.user), &username, edit).await.map_err(AppError::from) {
        Ok(u) => {
            let state = if u.disabled { pu.tr.t("，已停用") } else { "" };
            admin_page(&st, &pu, Some(pu.tr.f("已修改用户 {}", &[&u.username]) + state), None, StatusCode::OK).await
        }
        Err(e) => {
            (e.status, render(&user_edit_page(&pu, &units, &user, Some(&f), Some(e.summary(pu.tr))))).into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct CalendarForm {
    pub(crate) csrf: Option<String>,
    pub(crate) calendar: String,
}

pub async fn import_calendar(
    State(st): State<AppState>,
    pu: PageUser,
    PageForm(f): PageForm<CalendarForm>,
) -> Response {
    if let Some(r) = pu.csrf_rejection(f.csrf.as_deref()) {
        return r;
    }
    if pu.user.role != xinfang_domain::Role::Admin {
        return pu.error(&AppError::forbidden("只有系统管理员可以导入节假日安排"));
    }
    let file = match xinfang_domain::calendar::CalendarFile::parse_any(&f.calendar) {
        Ok(file) => file,
        Err(m) => return admin_page(&st, &pu, None, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let years: Vec<_> = file.special_days().into_iter().collect();
    let source = if file.source.trim().is_empty() { "网页导入".to_string() } else { file.source.clone() };
    let result = async {
        st.store.replace_calendar_years(&years, &source, Some(pu.user.id)).await?;
        st.refresh_calendar().await?;
        // In a task of its own, so that a browser that stops waiting does
        // not cut the recompute short.
        let st = st.clone();
        tokio::spawn(async move { xinfang_app::calendar::recompute_deadlines(&st.store, &st.rules, &mut |_| {}).await })
            .await
            .map_err(|_| AppError::internal())?
            .map_err(AppError::from)
    }
    .await;
    match result {
        Ok(n) => see_other(&format!("/admin/calendar?notice={n}")),
        Err(e) => pu.error(&e),
    }
}

#[derive(Deserialize)]
pub struct UnlockForm {
    pub(crate) csrf: Option<String>,
    pub(crate) username: String,
}

/// Lifts the login locks on an account (解除登录锁定).
pub async fn lift_lock(State(st): State<AppState>, pu: PageUser, PageForm(f): PageForm<UnlockForm>) -> Response {
    if let Some(r) = pu.csrf_rejection(f.csrf.as_deref()) {
        return r;
    }
    match xinfang_app::auth::lift_login_lock(&st, &pu.user, &f.username).await.map_err(AppError::from) {
        Ok(_) => {
            let notice = pu.tr.f("已解除 {} 的登录锁定。", &[&f.username]);
            admin_page(&st, &pu, Some(notice), None, StatusCode::OK).await
        }
        Err(e) => pu.error(&e),
    }
}

#[derive(Deserialize)]
pub struct SynonymsForm {
    csrf: Option<String>,
    synonyms: Option<String>,
}

/// Saves the office's own synonym groups (administrators).
pub async fn save_synonyms(State(st): State<AppState>, pu: PageUser, PageForm(f): PageForm<SynonymsForm>) -> Response {
    if let Some(r) = pu.csrf_rejection(f.csrf.as_deref()) {
        return r;
    }
    let text = f.synonyms.unwrap_or_default();
    match xinfang_app::petitions::search::set_own_synonyms(&st, &pu.user, &text).await.map_err(AppError::from) {
        Ok(n) => {
            let notice = pu.tr.f("已保存 {} 组同义词，检索即刻生效。", &[&n]);
            admin_page(&st, &pu, Some(notice), None, StatusCode::OK).await
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => pu.error(&e),
        Err(e) => admin_page(&st, &pu, None, Some(e.message), e.status).await,
    }
}
