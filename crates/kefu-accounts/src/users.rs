//! Staff accounts: who they are, their roles and branches, their password.

use crate::{Failure, Result, password};
use kefu_core::ids::{BranchId, UserId};
use kefu_core::validation::required_text;
use kefu_core::{Actor, Invalid, Lang, Role, Rule, Scope};
use kefu_store::{Change, Db, RowExt, Tx};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub locale: String,
    pub active: bool,
    pub roles: Vec<Role>,
    pub branches: Vec<BranchId>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
    pub branches: Vec<BranchId>,
    pub locale: Lang,
}

/// What an administrator may change about an account.
#[derive(Debug, Clone)]
pub struct UserEdit {
    pub display_name: String,
    pub roles: Vec<Role>,
    pub branches: Vec<BranchId>,
    pub active: bool,
    pub locale: Lang,
}

fn validate_username(username: &str) -> Result<(), Invalid> {
    let ok_len = (3..=32).contains(&username.len());
    let ok_chars = username.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(Invalid::new(
            "username",
            Rule::new(
                "username_format",
                "须为 3–32 个小写字母、数字、点、下划线或连字符",
                "must be 3–32 lowercase letters, digits, dots, underscores or hyphens",
            ),
        ))
    }
}

fn validate_edit(display_name: &str, roles: &[Role], branches: &[BranchId]) -> Result<()> {
    required_text("display_name", display_name, 64)?;
    if roles.is_empty() {
        return Err(
            Invalid::new("roles", Rule::new("roles_required", "至少选择一个角色", "choose at least one role")).into()
        );
    }
    if branches.is_empty() {
        return Err(Invalid::new(
            "branches",
            Rule::new("branches_required", "至少选择一个机构", "choose at least one branch"),
        )
        .into());
    }
    Ok(())
}

/// Refuses an actor who may not administer `target` (edit it, set its
/// password): every one of the account's branches must lie within the
/// actor's scope — an account that also belongs to another store would
/// otherwise open that store to whoever takes it over — and none of its
/// roles may rank above the actor's.
pub fn check_may_administer(actor: &Actor, target: &User) -> Result<()> {
    for b in &target.branches {
        actor.scope.check(*b)?;
    }
    if target.roles.iter().any(|r| !actor.outranks_or_equals(*r)) {
        return Err(Invalid::new(
            "roles",
            Rule::new("role_above_yours", "该账号的角色高于您的角色", "this account holds a role above yours"),
        )
        .into());
    }
    Ok(())
}

/// Refuses roles and branches the actor may not give to the account `old`
/// was (None for a new one): branches outside their scope, a role above
/// their own, and any change of their own roles.
pub fn check_grant(actor: &Actor, old: Option<&User>, roles: &[Role], branches: &[BranchId]) -> Result<()> {
    for b in branches {
        actor.scope.check(*b)?;
    }
    if roles.iter().any(|r| !actor.outranks_or_equals(*r)) {
        return Err(Invalid::new(
            "roles",
            Rule::new("role_above_yours", "不能授予高于您自己的角色", "cannot grant a role above your own"),
        )
        .into());
    }
    if let Some(old) = old.filter(|o| o.id == actor.user_id) {
        let sorted = |roles: &[Role]| {
            let mut codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
            codes.sort();
            codes.dedup();
            codes
        };
        if sorted(&old.roles) != sorted(roles) {
            return Err(Invalid::new(
                "roles",
                Rule::new("own_roles", "不能修改自己的角色", "you cannot change your own roles"),
            )
            .into());
        }
    }
    Ok(())
}

pub async fn create(db: &Db, actor: &Actor, new: NewUser) -> Result<User> {
    let username = new.username.trim().to_lowercase();
    validate_username(&username)?;
    validate_edit(&new.display_name, &new.roles, &new.branches)?;
    check_grant(actor, None, &new.roles, &new.branches)?;
    password::check_policy(&username, &new.password)?;
    let hash = password::hash(&new.password);
    let mut tx = db.begin().await?;
    let now = kefu_core::time::instant_text(tx.now());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, locale, active, created_at, password_changed_at) \
         VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id",
    )
    .bind(username.clone())
    .bind(new.display_name.trim().to_string())
    .bind(hash)
    .bind(new.locale.code())
    .bind(now)
    .fetch_one(tx.conn())
    .await
    .map_err(|e| Failure::unique_as_taken(e, "username"))?;
    let user = User {
        id: UserId(id),
        username,
        display_name: new.display_name.trim().to_string(),
        locale: new.locale.code().to_string(),
        active: true,
        roles: new.roles,
        branches: new.branches,
    };
    write_memberships(&mut tx, &user).await?;
    tx.audit(
        actor,
        Change {
            entity: "user",
            entity_id: id.to_string(),
            action: "create",
            branch: None,
            old: None,
            new: Some(json!(user)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

async fn write_memberships(tx: &mut Tx, user: &User) -> Result<()> {
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(user.id.0).execute(tx.conn()).await?;
    sqlx::query("DELETE FROM user_branches WHERE user_id = $1").bind(user.id.0).execute(tx.conn()).await?;
    for role in &user.roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(user.id.0)
            .bind(role.code())
            .execute(tx.conn())
            .await?;
    }
    for branch in &user.branches {
        sqlx::query("INSERT INTO user_branches (user_id, branch_id) VALUES ($1, $2)")
            .bind(user.id.0)
            .bind(branch.0)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// An account and its stored password hash, for signing in.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

pub async fn credentials(db: &Db, username: &str) -> Result<Option<Credentials>> {
    let row = sqlx::query("SELECT id, password_hash FROM users WHERE username = $1")
        .bind(username.trim().to_lowercase())
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let user = get(db, UserId(row.i64("id")?)).await?;
    Ok(Some(Credentials { user, password_hash: row.text("password_hash")? }))
}

pub async fn get(db: &Db, id: UserId) -> Result<User> {
    let row = sqlx::query("SELECT id, username, display_name, locale, active FROM users WHERE id = $1")
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    let roles: Vec<String> = sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
        .bind(id.0)
        .fetch_all(db.pool())
        .await?;
    let branches: Vec<i64> =
        sqlx::query_scalar("SELECT branch_id FROM user_branches WHERE user_id = $1 ORDER BY branch_id")
            .bind(id.0)
            .fetch_all(db.pool())
            .await?;
    Ok(User {
        id,
        username: row.text("username")?,
        display_name: row.text("display_name")?,
        locale: row.text("locale")?,
        active: row.flag("active")?,
        roles: roles.iter().filter_map(|r| Role::from_code(r)).collect(),
        branches: branches.into_iter().map(BranchId).collect(),
    })
}

/// The account as seen by someone in `scope`: an account is visible when one
/// of its branches is.
pub async fn get_in_scope(db: &Db, scope: &Scope, id: UserId) -> Result<User> {
    let user = get(db, id).await?;
    match user.branches.iter().find(|b| scope.contains(**b)) {
        Some(_) => Ok(user),
        None => Err(kefu_core::access::OutOfScope(user.branches.first().copied().unwrap_or(BranchId(0))).into()),
    }
}

pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<User>> {
    let sql = format!(
        "SELECT DISTINCT user_id FROM user_branches WHERE branch_id IN ({}) ORDER BY user_id",
        scope.sql_list()
    );
    let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    let mut users = Vec::with_capacity(ids.len());
    for id in ids {
        users.push(get(db, UserId(id)).await?);
    }
    Ok(users)
}

pub async fn update(db: &Db, actor: &Actor, id: UserId, edit: UserEdit) -> Result<User> {
    let old = get_in_scope(db, &actor.scope, id).await?;
    check_may_administer(actor, &old)?;
    validate_edit(&edit.display_name, &edit.roles, &edit.branches)?;
    check_grant(actor, Some(&old), &edit.roles, &edit.branches)?;
    let mut branches = edit.branches;
    branches.sort();
    branches.dedup();
    let new = User {
        display_name: edit.display_name.trim().to_string(),
        roles: edit.roles,
        branches,
        active: edit.active,
        locale: edit.locale.code().to_string(),
        ..old.clone()
    };
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET display_name = $1, active = $2, locale = $3 WHERE id = $4")
        .bind(new.display_name.clone())
        .bind(i64::from(new.active))
        .bind(new.locale.clone())
        .bind(id.0)
        .execute(tx.conn())
        .await?;
    write_memberships(&mut tx, &new).await?;
    if !new.active {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(tx.conn()).await?;
    }
    tx.audit(
        actor,
        Change {
            entity: "user",
            entity_id: id.to_string(),
            action: "update",
            branch: None,
            old: Some(json!(old)),
            new: Some(json!(new)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(new)
}

/// Sets a new password and signs the account out everywhere.
pub async fn set_password(db: &Db, actor: &Actor, id: UserId, new_password: &str) -> Result<()> {
    let user = get_in_scope(db, &actor.scope, id).await?;
    check_may_administer(actor, &user)?;
    password::check_policy(&user.username, new_password)?;
    let hash = password::hash(new_password);
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(kefu_core::time::instant_text(tx.now()))
        .bind(id.0)
        .execute(tx.conn())
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(tx.conn()).await?;
    // The hash itself never enters the audit log.
    tx.audit(
        actor,
        Change { entity: "user", entity_id: id.to_string(), action: "password", branch: None, old: None, new: None },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a user types to change their own password.
pub struct OwnPasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub again: &'a str,
}

/// A user changes their own password: the current one must be right and
/// the new one typed twice alike and within the policy. Every other session
/// of the account ends — whoever else knew the old password is signed out —
/// while the session making the change (`keep`, its cookie token) stays.
pub async fn change_own_password(
    db: &Db,
    actor: &Actor,
    keep: &str,
    change: &OwnPasswordChange<'_>,
    now: jiff::Timestamp,
) -> Result<()> {
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(actor.user_id.0)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    if !password::verify(&stored, change.current) {
        return Err(Invalid::new(
            "old_password",
            Rule::new("password_wrong", "当前密码不正确", "is not your current password"),
        )
        .into());
    }
    password::check_policy(&actor.username, change.new)?;
    if change.new != change.again {
        return Err(Invalid::new(
            "new_password_again",
            Rule::new("password_mismatch", "与新密码不一致", "does not match the new password"),
        )
        .into());
    }
    let hash = password::hash(change.new);
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(kefu_core::time::instant_text(now))
        .bind(actor.user_id.0)
        .execute(tx.conn())
        .await?;
    let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(actor.user_id.0)
        .bind(crate::secret_hash(keep))
        .execute(tx.conn())
        .await?
        .rows_affected();
    // Neither password enters the audit log; how many sessions ended does.
    tx.audit(
        actor,
        Change {
            entity: "user",
            entity_id: actor.user_id.to_string(),
            action: "password_own",
            branch: None,
            old: None,
            new: Some(json!({ "other_sessions_ended": ended })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A user's own choice of interface language.
pub async fn set_locale(db: &Db, actor: &Actor, lang: Lang) -> Result<()> {
    let old = get(db, actor.user_id).await?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
        .bind(lang.code())
        .bind(actor.user_id.0)
        .execute(tx.conn())
        .await?;
    tx.audit(
        actor,
        Change {
            entity: "user",
            entity_id: actor.user_id.to_string(),
            action: "update",
            branch: None,
            old: Some(json!({ "locale": old.locale })),
            new: Some(json!({ "locale": lang.code() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The accounts that can sign in: a demo's inactive staff (the power demo's
/// cashier who took its payments) leave the first administrator to be made.
pub async fn count(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE active = 1").fetch_one(db.pool()).await?)
}

/// The actor of the active account that `who` selects — an SQL query of one
/// user id column, taking `key` as `$1` — read in one statement: the
/// account, its roles and every branch at or beneath its own. The guard
/// runs this on every request; before, it took five (credential, account,
/// roles, branches, the branch tree), a third of a search's round trips.
pub(crate) async fn actor_where<'q, T>(db: &Db, who: &str, key: T) -> Result<Option<Actor>>
where
    T: 'q + sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    let sql = format!(
        "WITH RECURSIVE who(id) AS (SELECT id FROM users WHERE active = 1 AND id IN ({who})), \
         scope(id) AS (SELECT ub.branch_id FROM user_branches ub JOIN who ON ub.user_id = who.id \
                       UNION SELECT b.id FROM branches b JOIN scope s ON b.parent_id = s.id) \
         SELECT 'user' AS what, CAST(u.id AS TEXT) AS a, u.username AS b, u.display_name AS c, u.locale AS d \
           FROM users u JOIN who ON u.id = who.id \
         UNION ALL SELECT 'role', ur.role, NULL, NULL, NULL FROM user_roles ur JOIN who ON ur.user_id = who.id \
         UNION ALL SELECT 'branch', CAST(id AS TEXT), NULL, NULL, NULL FROM scope"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key).fetch_all(db.pool()).await?;
    let number = |text: String| text.parse::<i64>().map_err(|e| kefu_store::StoreError::Other(format!("{e}")));
    let (mut account, mut roles, mut branches) = (None, Vec::new(), Vec::new());
    for r in &rows {
        match r.text("what")?.as_str() {
            "user" => account = Some((number(r.text("a")?)?, r.text("b")?, r.text("c")?, r.text("d")?)),
            "role" => roles.push(r.text("a")?),
            _ => branches.push(BranchId(number(r.text("a")?)?)),
        }
    }
    let Some((id, username, display_name, locale)) = account else { return Ok(None) };
    roles.sort();
    Ok(Some(Actor {
        user_id: UserId(id),
        username,
        display_name,
        roles: roles.iter().filter_map(|r| Role::from_code(r)).collect(),
        scope: Scope::new(branches),
        lang: Lang::parse(&locale),
    }))
}

/// The actor of an active account, by its id.
pub async fn actor_of(db: &Db, id: UserId) -> Result<Option<Actor>> {
    actor_where(db, "SELECT CAST($1 AS BIGINT)", id.0).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_format() {
        assert!(validate_username("wang.li").is_ok());
        assert!(validate_username("ab").is_err());
        assert!(validate_username("王力").is_err());
        assert!(validate_username("Wang").is_err());
    }

    fn actor(id: i64, roles: Vec<Role>, scope: &[i64]) -> Actor {
        Actor {
            user_id: UserId(id),
            username: "boss".into(),
            display_name: "boss".into(),
            roles,
            scope: Scope::new(scope.iter().copied().map(BranchId).collect()),
            lang: Lang::Zh,
        }
    }

    fn user(id: i64, roles: Vec<Role>, branches: &[i64]) -> User {
        User {
            id: UserId(id),
            username: "u".into(),
            display_name: "u".into(),
            locale: "zh-CN".into(),
            active: true,
            roles,
            branches: branches.iter().copied().map(BranchId).collect(),
        }
    }

    fn rule(r: Result<()>) -> &'static str {
        match r {
            Ok(()) => "ok",
            Err(Failure::Invalid(i)) => i.rule.code,
            Err(Failure::OutOfScope(_)) => "out_of_scope",
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn only_accounts_wholly_within_scope_and_rank_are_administered() {
        let manager = actor(1, vec![Role::Manager], &[10, 11]);
        assert_eq!(rule(check_may_administer(&manager, &user(2, vec![Role::Agent], &[10, 11]))), "ok");
        assert_eq!(rule(check_may_administer(&manager, &user(2, vec![Role::Agent], &[10, 20]))), "out_of_scope");
        assert_eq!(rule(check_may_administer(&manager, &user(2, vec![Role::Admin], &[10]))), "role_above_yours");
        assert_eq!(rule(check_may_administer(&manager, &user(1, vec![Role::Manager], &[10]))), "ok");
    }

    #[test]
    fn grants_stay_within_scope_and_rank_and_never_touch_ones_own_roles() {
        let manager = actor(1, vec![Role::Manager], &[10]);
        let b = [BranchId(10)];
        assert_eq!(rule(check_grant(&manager, None, &[Role::Manager, Role::Agent], &b)), "ok");
        assert_eq!(rule(check_grant(&manager, None, &[Role::Admin], &b)), "role_above_yours");
        assert_eq!(rule(check_grant(&manager, None, &[Role::Agent], &[BranchId(20)])), "out_of_scope");
        let me = user(1, vec![Role::Manager], &[10]);
        assert_eq!(rule(check_grant(&manager, Some(&me), &[Role::Manager], &b)), "ok");
        assert_eq!(rule(check_grant(&manager, Some(&me), &[Role::Agent], &b)), "own_roles");
        assert_eq!(rule(check_grant(&manager, Some(&me), &[Role::Manager, Role::Agent], &b)), "own_roles");
        let admin = actor(3, vec![Role::Admin], &[10]);
        assert_eq!(rule(check_grant(&admin, Some(&me), &[Role::Admin], &b)), "ok", "an administrator may");
    }
}
