//! The escalation run: every unresolved complaint whose deadline has passed
//! goes to the supervisor, and on to the manager when the resolution is
//! later still. `serve` runs it every hour; running it again, or on two
//! servers at once, escalates each complaint to each level once (the update
//! only ever raises the level).

use super::handling::{Entry, record};
use super::rules::{self, Escalation};
use super::{SELECT, from_row};
use kefu_core::Actor;
use kefu_core::time::instant_text;
use kefu_store::{Db, Failure};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// How many complaints the run escalated, by the level they reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Escalated {
    pub supervisor: usize,
    pub manager: usize,
}

/// Escalates the unresolved complaints in the actor's scope as of `now`.
pub async fn run(db: &Db, actor: &Actor, now: jiff::Timestamp) -> Result<Escalated> {
    let at = instant_text(now);
    // Only complaints with a passed deadline can need it; the rule decides.
    let sql = format!(
        "{SELECT} WHERE p.status IN ('open', 'in_progress') AND p.escalation < {} AND p.branch_id IN ({}) \
         AND (p.resolve_due_at <= $1 OR (p.contacted_at IS NULL AND p.contact_due_at <= $1)) ORDER BY p.id",
        Escalation::Manager.level(),
        actor.scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at.clone()).fetch_all(db.pool()).await?;
    let mut done = Escalated::default();
    for row in &rows {
        let c = from_row(row)?;
        let level = rules::escalation(now, &c.due()?, c.contacted_at.is_some(), c.status.is_resolved());
        if level <= c.escalation {
            continue;
        }
        let mut tx = db.begin().await?;
        let raised = sqlx::query(
            "UPDATE complaints SET escalation = $1, escalated_at = $2, updated_at = $2 WHERE id = $3 AND escalation < $1",
        )
        .bind(level.level())
        .bind(at.clone())
        .bind(c.id.0)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if raised == 0 {
            // Another server escalated it first.
            continue;
        }
        let new = json!({ "escalation": level });
        record(&mut tx, actor, &c, now, Entry { kind: "escalation", text: level.code().to_string(), new }).await?;
        tx.commit().await?;
        match level {
            Escalation::Manager => done.manager += 1,
            _ => done.supervisor += 1,
        }
    }
    Ok(done)
}
