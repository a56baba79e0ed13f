//! Branches: a dealer group and its stores (later supply stations, estates).
//! A user's scope is the branches they were given and everything beneath.

use crate::{Failure, Result};
use kefu_core::ids::BranchId;
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, RowExt};
use serde::Serialize;
use serde_json::json;

pub const KINDS: [&str; 4] = ["group", "store", "station", "estate"];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Branch {
    pub id: BranchId,
    pub parent_id: Option<BranchId>,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub address: String,
    pub phone: String,
}

#[derive(Debug, Clone, Default)]
pub struct NewBranch {
    pub parent_id: Option<BranchId>,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub address: String,
    pub phone: String,
}

impl NewBranch {
    fn validate(&self) -> Result<(), Invalid> {
        if self.code.trim().is_empty() {
            return Err(Invalid::required("code"));
        }
        if !self.code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(Invalid::new(
                "code",
                Rule::new("code_charset", "只能包含字母、数字、- 和 _", "may contain only letters, digits, - and _"),
            ));
        }
        if self.name.trim().is_empty() {
            return Err(Invalid::required("name"));
        }
        if !KINDS.contains(&self.kind.as_str()) {
            return Err(Invalid::new(
                "kind",
                Rule::new("branch_kind", "须为 集团、门店、供电所 或 小区", "must be group, store, station or estate"),
            ));
        }
        Ok(())
    }
}

pub async fn all(db: &Db) -> Result<Vec<Branch>> {
    let rows = sqlx::query("SELECT id, parent_id, code, name, kind, address, phone FROM branches ORDER BY id")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Branch {
                id: BranchId(r.i64("id")?),
                parent_id: r.opt_i64("parent_id")?.map(BranchId),
                code: r.text("code")?,
                name: r.text("name")?,
                kind: r.text("kind")?,
                address: r.text("address")?,
                phone: r.text("phone")?,
            })
        })
        .collect()
}

/// The branches in scope, in id order.
pub async fn in_scope(db: &Db, scope: &Scope) -> Result<Vec<Branch>> {
    Ok(all(db).await?.into_iter().filter(|b| scope.contains(b.id)).collect())
}

pub async fn create(db: &Db, actor: &Actor, new: NewBranch) -> Result<Branch> {
    if let Some(parent) = new.parent_id {
        actor.scope.check(parent)?;
    } else if !actor.scope.branches().is_empty() && !is_top_level_admin(db, actor).await? {
        // A new top-level branch is a new company: only someone who already
        // sees a top-level branch may add another.
        return Err(Invalid::required("parent_id").into());
    }
    let mut tx = db.begin().await?;
    let branch = create_in(&mut tx, actor, new).await?;
    tx.commit().await?;
    Ok(branch)
}

/// Creates a branch inside the caller's transaction (the demo loads its
/// stores and their customers as one), with its audit record.
pub async fn create_in(tx: &mut kefu_store::Tx, actor: &Actor, new: NewBranch) -> Result<Branch> {
    new.validate()?;
    let now = kefu_core::time::instant_text(tx.now());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO branches (parent_id, code, name, kind, address, phone, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(new.parent_id.map(|b| b.0))
    .bind(new.code.trim().to_string())
    .bind(new.name.trim().to_string())
    .bind(new.kind.clone())
    .bind(new.address.clone())
    .bind(new.phone.clone())
    .bind(now)
    .fetch_one(tx.conn())
    .await
    .map_err(|e| Failure::unique_as_taken(e, "code"))?;
    let branch = Branch {
        id: BranchId(id),
        parent_id: new.parent_id,
        code: new.code.trim().to_string(),
        name: new.name.trim().to_string(),
        kind: new.kind,
        address: new.address,
        phone: new.phone,
    };
    tx.audit(
        actor,
        Change {
            entity: "branch",
            entity_id: id.to_string(),
            action: "create",
            branch: Some(branch.id),
            old: None,
            new: Some(json!(branch)),
        },
    )
    .await?;
    Ok(branch)
}

async fn is_top_level_admin(db: &Db, actor: &Actor) -> Result<bool> {
    Ok(all(db).await?.iter().any(|b| b.parent_id.is_none() && actor.scope.contains(b.id)))
}

/// Renames or re-addresses a branch in scope.
pub async fn update(db: &Db, actor: &Actor, id: BranchId, name: &str, address: &str, phone: &str) -> Result<Branch> {
    actor.scope.check(id)?;
    if name.trim().is_empty() {
        return Err(Invalid::required("name").into());
    }
    let old = all(db).await?.into_iter().find(|b| b.id == id).ok_or(Failure::NotFound)?;
    let new = Branch { name: name.trim().into(), address: address.into(), phone: phone.into(), ..old.clone() };
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE branches SET name = $1, address = $2, phone = $3 WHERE id = $4")
        .bind(new.name.clone())
        .bind(new.address.clone())
        .bind(new.phone.clone())
        .bind(id.0)
        .execute(tx.conn())
        .await?;
    tx.audit(
        actor,
        Change {
            entity: "branch",
            entity_id: id.to_string(),
            action: "update",
            branch: Some(id),
            old: Some(json!(old)),
            new: Some(json!(new)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(new)
}
