//! Units, users and sessions (the organisation every module shares).

use super::*;

pub(crate) fn unit_cols(alias: &str, prefix: &str) -> String {
    format!(
        "{alias}.id AS {prefix}id, {alias}.code AS {prefix}code, {alias}.name AS {prefix}name, \
         {alias}.kind AS {prefix}kind, {alias}.parent_id AS {prefix}parent_id, {alias}.path AS {prefix}path, \
         {alias}.disabled AS {prefix}disabled"
    )
}

pub(crate) fn read_unit(row: &DbRow, prefix: &str) -> Result<Unit> {
    let kind: String = row.try_get(format!("{prefix}kind").as_str())?;
    Ok(Unit {
        id: row.try_get(format!("{prefix}id").as_str())?,
        code: row.try_get(format!("{prefix}code").as_str())?,
        name: row.try_get(format!("{prefix}name").as_str())?,
        kind: UnitKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("unit kind {kind}")))?,
        parent_id: row.try_get(format!("{prefix}parent_id").as_str())?,
        path: row.try_get(format!("{prefix}path").as_str())?,
        disabled: row.try_get(format!("{prefix}disabled").as_str())?,
    })
}

pub(crate) fn read_optional_unit(row: &DbRow, prefix: &str) -> Result<Option<Unit>> {
    let id: Option<i64> = row.try_get(format!("{prefix}id").as_str())?;
    match id {
        Some(_) => read_unit(row, prefix).map(Some),
        None => Ok(None),
    }
}

pub(crate) fn user_select() -> String {
    format!(
        "SELECT us.id, us.username, us.display_name, us.role, us.disabled, us.password_hash, {} \
         FROM users us JOIN units u ON u.id = us.unit_id",
        unit_cols("u", "u_")
    )
}

pub(crate) fn read_user(row: &DbRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
        unit: read_unit(row, "u_")?,
        disabled: row.try_get("disabled")?,
    })
}

/// How a unit is looked up.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UnitKey<'a> {
    Code(&'a str),
    Id(UnitId),
}

/// The unit of `key`, read through `e` (the reader pool, or a transaction).
pub(crate) async fn unit_where<'e, E: sqlx::Executor<'e, Database = Db>>(
    e: E,
    key: UnitKey<'_>,
) -> Result<Option<Unit>> {
    let sql = |col: &str| format!("SELECT {} FROM units u WHERE u.{col} = $1", unit_cols("u", "u_"));
    let row = match key {
        UnitKey::Code(code) => sqlx::query(&sql("code")).bind(code).fetch_optional(e).await?,
        UnitKey::Id(id) => sqlx::query(&sql("id")).bind(id).fetch_optional(e).await?,
    };
    row.map(|r| read_unit(&r, "u_")).transpose()
}

pub(crate) async fn unit_in(tx: &mut Tx<'_>, code: &str) -> Result<Option<Unit>> {
    unit_where(&mut **tx, UnitKey::Code(code)).await
}

pub(crate) async fn unit_id_in(tx: &mut Tx<'_>, id: UnitId) -> Result<Option<Unit>> {
    unit_where(&mut **tx, UnitKey::Id(id)).await
}

/// The unit of `code` as the parent of a new or moved unit: it must exist
/// and be active.
pub(crate) async fn active_parent(tx: &mut Tx<'_>, code: &str) -> Result<Unit> {
    match unit_in(tx, code).await? {
        Some(u) if u.disabled => Err(StoreError::Conflict(format!("上级单位{}已停用", u.name))),
        Some(u) => Ok(u),
        None => Err(StoreError::NotFound(format!("上级单位 {code} 不存在"))),
    }
}

impl Backend {
    pub async fn add_unit(
        &self,
        code: &str,
        name: &str,
        kind: UnitKind,
        parent: Option<&str>,
        actor: Option<UserId>,
    ) -> Result<Unit> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let parent_unit = match parent {
            Some(p) => Some(active_parent(&mut tx, p).await?),
            None => None,
        };
        let id: UnitId = sqlx::query_scalar(
            "INSERT INTO units (code, name, kind, parent_id, path, created_at) VALUES ($1, $2, $3, $4, '', $5) RETURNING id",
        )
        .bind(code)
        .bind(name)
        .bind(kind.as_str())
        .bind(parent_unit.as_ref().map(|u| u.id))
        .bind(Utc::now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::from(e).unique(&format!("单位代码 {code} 已存在")))?;
        let path = format!("{}{id}/", parent_unit.as_ref().map_or("/", |u| u.path.as_str()));
        sqlx::query("UPDATE units SET path = $1 WHERE id = $2").bind(&path).bind(id).execute(&mut *tx).await?;
        audit_in(
            &mut tx,
            self.chain.get(),
            &AuditEntry {
                user_id: actor,
                action: "unit.add".into(),
                object: code.into(),
                success: true,
                detail: String::new(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Unit {
            id,
            code: code.into(),
            name: name.into(),
            kind,
            parent_id: parent_unit.map(|u| u.id),
            path,
            disabled: false,
        })
    }

    /// Changes a unit's name, kind, place in the tree or state. Moving it
    /// rewrites the paths of its whole subtree, so jurisdiction follows at
    /// once. Stopping it is refused while it still handles open cases, has
    /// active users or active units below it; a unit cannot move below
    /// itself or under a stopped unit.
    pub async fn update_unit(&self, code: &str, change: &UnitChange, actor: Option<UserId>) -> Result<Unit> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let old = unit_in(&mut tx, code).await?.ok_or_else(|| StoreError::NotFound(format!("单位 {code} 不存在")))?;
        let current_parent = match old.parent_id {
            Some(pid) => unit_id_in(&mut tx, pid).await?,
            None => None,
        };
        // The new parent, if the unit moves.
        let parent = match change.parent.as_deref() {
            Some(p) if current_parent.as_ref().is_none_or(|c| c.code != p) => {
                let parent = active_parent(&mut tx, p).await?;
                if old.contains(&parent) {
                    return Err(StoreError::Conflict(format!("不能把{}移到它自己或它的下级单位之下", old.name)));
                }
                Some(parent)
            }
            _ => None,
        };
        if change.disabled && !old.disabled {
            let open: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM petitions WHERE unit_id = $1 AND status <> 'closed'")
                    .bind(old.id)
                    .fetch_one(&mut *tx)
                    .await?;
            let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE unit_id = $1 AND disabled = $2")
                .bind(old.id)
                .bind(false)
                .fetch_one(&mut *tx)
                .await?;
            let below: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units WHERE parent_id = $1 AND disabled = $2")
                .bind(old.id)
                .bind(false)
                .fetch_one(&mut *tx)
                .await?;
            if open + users + below > 0 {
                return Err(StoreError::Conflict(format!(
                    "{}还有 {open} 件未办结的信访事项、{users} 个启用的用户、{below} 个启用的下级单位，\
                     须先转出事项、停用用户和下级单位，才能停用",
                    old.name
                )));
            }
        }
        if !change.disabled
            && old.disabled
            && let Some(p) = parent.as_ref().or(current_parent.as_ref()).filter(|p| p.disabled)
        {
            return Err(StoreError::Conflict(format!("上级单位{}已停用，须先启用上级单位", p.name)));
        }
        let path = parent.as_ref().map_or_else(|| old.path.clone(), |p| format!("{}{}/", p.path, old.id));
        if path != old.path {
            sqlx::query(
                "UPDATE units SET path = $1 || substr(path, CAST($2 AS INTEGER)) WHERE substr(path, 1, CAST($3 AS INTEGER)) = $4",
            )
            .bind(&path)
            .bind(old.path.len() as i64 + 1)
            .bind(old.path.len() as i64)
            .bind(&old.path)
            .execute(&mut *tx)
            .await?;
        }
        let parent_id = parent.as_ref().map(|p| p.id).or(old.parent_id);
        sqlx::query("UPDATE units SET name = $1, kind = $2, parent_id = $3, disabled = $4 WHERE id = $5")
            .bind(&change.name)
            .bind(change.kind.as_str())
            .bind(parent_id)
            .bind(change.disabled)
            .bind(old.id)
            .execute(&mut *tx)
            .await?;
        let mut detail = Vec::new();
        if change.name != old.name {
            detail.push(format!("name: {} → {}", old.name, change.name));
        }
        if change.kind != old.kind {
            detail.push(format!("kind: {} → {}", old.kind, change.kind));
        }
        if path != old.path {
            detail.push(format!("parent: {} → {}", old.path, path));
        }
        if change.disabled != old.disabled {
            detail.push(format!("disabled: {} → {}", old.disabled, change.disabled));
        }
        audit_in(
            &mut tx,
            self.chain.get(),
            &AuditEntry {
                user_id: actor,
                action: "unit.update".into(),
                object: code.into(),
                success: true,
                detail: detail.join("; "),
            },
        )
        .await?;
        let unit = unit_in(&mut tx, code).await?.ok_or_else(|| StoreError::Corrupt(format!("unit {code} vanished")))?;
        tx.commit().await?;
        Ok(unit)
    }

    pub async fn units(&self) -> Result<Vec<Unit>> {
        let rows = sqlx::query(&format!("SELECT {} FROM units u ORDER BY u.path", unit_cols("u", "u_")))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(|r| read_unit(r, "u_")).collect()
    }

    pub async fn unit_by_code(&self, code: &str) -> Result<Option<Unit>> {
        unit_where(&self.read, UnitKey::Code(code)).await
    }

    pub async fn unit_by_id(&self, id: UnitId) -> Result<Option<Unit>> {
        unit_where(&self.read, UnitKey::Id(id)).await
    }

    // ---- users and sessions ----

    pub async fn add_user(&self, u: &NewUser, actor: Option<UserId>) -> Result<User> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, unit_id, role, password_hash, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(u.unit_id)
        .bind(u.role.as_str())
        .bind(&u.password_hash)
        .bind(false)
        .bind(Utc::now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::from(e).unique(&format!("用户名 {} 已存在", u.username)))?;
        audit_in(
            &mut tx,
            self.chain.get(),
            &AuditEntry {
                user_id: actor,
                action: "user.add".into(),
                object: u.username.clone(),
                success: true,
                detail: format!("role={}", u.role),
            },
        )
        .await?;
        let row = sqlx::query(&format!("{} WHERE us.id = $1", user_select())).bind(id).fetch_one(&mut *tx).await?;
        let user = read_user(&row)?;
        tx.commit().await?;
        Ok(user)
    }

    /// Changes a user's name, role, unit, state or password. Disabling the
    /// account or setting a new password ends its sessions. The last active
    /// administrator can be neither disabled nor given another role, and no
    /// one is moved into a stopped unit.
    pub async fn update_user(&self, username: &str, change: &UserChange, actor: Option<UserId>) -> Result<User> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let row = sqlx::query(&format!("{} WHERE us.username = $1", user_select()))
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("用户 {username} 不存在")))?;
        let old = read_user(&row)?;
        let unit =
            unit_id_in(&mut tx, change.unit_id).await?.ok_or_else(|| StoreError::NotFound("单位不存在".into()))?;
        if unit.disabled && (unit.id != old.unit.id || !change.disabled) {
            return Err(StoreError::Conflict(format!("{}已停用，不能在其中启用或添加用户", unit.name)));
        }
        let stays_admin = change.role == Role::Admin && !change.disabled;
        if old.role == Role::Admin && !old.disabled && !stays_admin {
            let others: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = $1 AND disabled = $2 AND id <> $3")
                    .bind(Role::Admin.as_str())
                    .bind(false)
                    .bind(old.id)
                    .fetch_one(&mut *tx)
                    .await?;
            if others == 0 {
                return Err(StoreError::Conflict("这是最后一个启用的系统管理员，不能停用或改为其他角色".into()));
            }
        }
        sqlx::query("UPDATE users SET display_name = $1, role = $2, unit_id = $3, disabled = $4 WHERE id = $5")
            .bind(&change.display_name)
            .bind(change.role.as_str())
            .bind(unit.id)
            .bind(change.disabled)
            .bind(old.id)
            .execute(&mut *tx)
            .await?;
        if let Some(hash) = &change.password_hash {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(old.id)
                .execute(&mut *tx)
                .await?;
        }
        if change.disabled || change.password_hash.is_some() {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(old.id).execute(&mut *tx).await?;
        }
        let mut detail = Vec::new();
        if change.display_name != old.display_name {
            detail.push(format!("name: {} → {}", old.display_name, change.display_name));
        }
        if change.role != old.role {
            detail.push(format!("role: {} → {}", old.role, change.role));
        }
        if unit.id != old.unit.id {
            detail.push(format!("unit: {} → {}", old.unit.code, unit.code));
        }
        if change.disabled != old.disabled {
            detail.push(format!("disabled: {} → {}", old.disabled, change.disabled));
        }
        if change.password_hash.is_some() {
            detail.push("password reset".into());
        }
        audit_in(
            &mut tx,
            self.chain.get(),
            &AuditEntry {
                user_id: actor,
                action: "user.update".into(),
                object: username.into(),
                success: true,
                detail: detail.join("; "),
            },
        )
        .await?;
        let row = sqlx::query(&format!("{} WHERE us.id = $1", user_select())).bind(old.id).fetch_one(&mut *tx).await?;
        let user = read_user(&row)?;
        tx.commit().await?;
        Ok(user)
    }

    /// The user and their password hash, for login.
    pub async fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query(&format!("{} WHERE us.username = $1", user_select()))
            .bind(username)
            .fetch_optional(&self.read)
            .await?;
        match row {
            Some(r) => Ok(Some((read_user(&r)?, r.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!("{} WHERE us.username = $1", user_select()))
            .bind(username)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(read_user).transpose()
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows =
            sqlx::query(&format!("{} ORDER BY u.path, us.username", user_select())).fetch_all(&self.read).await?;
        rows.iter().map(read_user).collect()
    }

    pub async fn create_session(&self, token_hash: &str, user_id: UserId, expires_at: DateTime<Utc>) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        audit_in(
            &mut tx,
            self.chain.get(),
            &AuditEntry {
                user_id: Some(user_id),
                action: "session.login".into(),
                object: String::new(),
                success: true,
                detail: String::new(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>> {
        let row = sqlx::query(&format!(
            "{} JOIN sessions s ON s.user_id = us.id WHERE s.token_hash = $1 AND s.expires_at > $2 AND us.disabled = $3",
            user_select()
        ))
        .bind(token_hash)
        .bind(now)
        .bind(false)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| read_user(&r)).transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.write).await?;
        Ok(())
    }
}
