//! The audit log: who changed what and when, with the old and new values.

use crate::row::RowExt;
use crate::{Db, Result};
use kefu_core::Actor;
use kefu_core::ids::BranchId;
use serde::Serialize;
use serde_json::Value;

/// One change to one record, as the audit log keeps it.
pub struct Change<'a> {
    /// The table-level name of the record kind, e.g. "customer".
    pub entity: &'a str,
    pub entity_id: String,
    /// "create", "update", "delete", "login", …
    pub action: &'a str,
    /// The branch the record belongs to, when it belongs to one.
    pub branch: Option<BranchId>,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

pub(crate) async fn write(
    conn: &mut sqlx::AnyConnection,
    at: jiff::Timestamp,
    actor: &Actor,
    c: Change<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, username, branch_id, entity, entity_id, action, old_value, new_value) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(kefu_core::time::instant_text(at))
    .bind((actor.user_id.0 != 0).then_some(actor.user_id.0))
    .bind(actor.username.clone())
    .bind(c.branch.map(|b| b.0))
    .bind(c.entity.to_string())
    .bind(c.entity_id)
    .bind(c.action.to_string())
    .bind(c.old.map(|v| v.to_string()))
    .bind(c.new.map(|v| v.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub username: String,
    pub branch_id: Option<i64>,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub username: Option<String>,
    /// Only entries older than this id (for paging backwards in time).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Newest first. Entries of records outside `scope` are not shown; entries
/// with no branch (accounts, branches themselves) are shown to whoever may
/// read the audit log.
pub async fn list_audit(db: &Db, scope: &kefu_core::Scope, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
    let sql = format!(
        "SELECT id, at, username, branch_id, entity, entity_id, action, old_value, new_value FROM audit_log \
         WHERE (branch_id IS NULL OR branch_id IN ({})) \
           AND ($1 IS NULL OR entity = $1) AND ($2 IS NULL OR entity_id = $2) \
           AND ($3 IS NULL OR username = $3) AND ($4 IS NULL OR id < $4) \
         ORDER BY id DESC LIMIT $5",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(f.entity.clone())
        .bind(f.entity_id.clone())
        .bind(f.username.clone())
        .bind(f.before_id)
        .bind(if f.limit > 0 { f.limit } else { 100 })
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.i64("id")?,
                at: r.text("at")?,
                username: r.text("username")?,
                branch_id: r.opt_i64("branch_id")?,
                entity: r.text("entity")?,
                entity_id: r.text("entity_id")?,
                action: r.text("action")?,
                old_value: r.opt_text("old_value")?,
                new_value: r.opt_text("new_value")?,
            })
        })
        .collect()
}

/// The audit log's last id, as `conn` sees it. Every business write commits
/// with its audit record ([`crate::Tx::commit`] refuses one without), and
/// SQLite's one writer takes the ids in commit order: there, a last id
/// unchanged since a read began means nobody changed anything meanwhile, so
/// what was read outside a write transaction still stands inside it.
pub async fn last_audit_id(conn: &mut sqlx::AnyConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM audit_log").fetch_one(conn).await?)
}
