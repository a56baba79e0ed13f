//! The timeline: everything that happened with a customer or one of their
//! assets — calls, SMS, letters, email, visits, repair orders, complaints,
//! survey answers and changes to the archive — newest first.

use kefu_core::Scope;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_store::{Db, Failure, RowExt, Tx};
use serde::Serialize;

type Result<T> = std::result::Result<T, Failure>;

/// Kinds of event; packs and later capabilities add theirs.
pub mod kind {
    pub const CALL: &str = "call";
    pub const SMS: &str = "sms";
    pub const LETTER: &str = "letter";
    pub const EMAIL: &str = "email";
    /// A WeChat Official Account template message.
    pub const WECHAT: &str = "wechat";
    pub const VISIT: &str = "visit";
    pub const CHANGE: &str = "change";
    pub const MERGE: &str = "merge";
    pub const NOTE: &str = "note";
    /// A step in handling a complaint (the detail names the complaint).
    pub const COMPLAINT: &str = "complaint";
    /// A survey answered (the detail names the survey and the low scores).
    pub const SURVEY: &str = "survey";
    /// The kinds that count as contact with the customer.
    pub const CONTACTS: [&str; 6] = [CALL, SMS, LETTER, EMAIL, WECHAT, VISIT];
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    pub id: i64,
    pub customer_id: CustomerId,
    pub asset_kind: Option<String>,
    pub asset_id: Option<i64>,
    /// UTC instant, storage form.
    pub at: String,
    pub kind: String,
    pub summary: String,
    pub detail: serde_json::Value,
    pub actor: String,
}

/// An event to record.
pub struct NewEvent<'a> {
    pub branch: BranchId,
    pub customer: CustomerId,
    pub asset: Option<(&'a str, i64)>,
    pub at: jiff::Timestamp,
    pub kind: &'a str,
    pub summary: String,
    pub detail: serde_json::Value,
    pub actor: &'a str,
}

pub async fn record(tx: &mut Tx, e: NewEvent<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO timeline_events (branch_id, customer_id, asset_kind, asset_id, at, kind, summary, detail, actor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.branch.0)
    .bind(e.customer.0)
    .bind(e.asset.map(|(k, _)| k.to_string()))
    .bind(e.asset.map(|(_, id)| id))
    .bind(instant_text(e.at))
    .bind(e.kind.to_string())
    .bind(e.summary)
    .bind(e.detail.to_string())
    .bind(e.actor.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Event> {
    Ok(Event {
        id: r.i64("id")?,
        customer_id: CustomerId(r.i64("customer_id")?),
        asset_kind: r.opt_text("asset_kind")?,
        asset_id: r.opt_i64("asset_id")?,
        at: r.text("at")?,
        kind: r.text("kind")?,
        summary: r.text("summary")?,
        detail: serde_json::from_str(&r.text("detail")?).unwrap_or_default(),
        actor: r.text("actor")?,
    })
}

const COLUMNS: &str = "id, customer_id, asset_kind, asset_id, at, kind, summary, detail, actor";

/// A customer's events, newest first; `kinds` narrows to some kinds (empty
/// for all). Events recorded in branches outside `scope` are left out.
pub async fn of_customer(
    db: &Db,
    scope: &Scope,
    customer: CustomerId,
    kinds: &[&str],
    limit: i64,
) -> Result<Vec<Event>> {
    let kind_filter = if kinds.is_empty() {
        String::new()
    } else {
        // Kinds are our own constants, never user text.
        format!(" AND kind IN ({})", kinds.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(","))
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM timeline_events WHERE customer_id = $1 AND branch_id IN ({}){kind_filter} \
         ORDER BY at DESC, id DESC LIMIT $2",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(customer.0).bind(limit).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// One asset's events, newest first.
pub async fn of_asset(db: &Db, scope: &Scope, asset_kind: &str, asset_id: i64, limit: i64) -> Result<Vec<Event>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM timeline_events WHERE asset_kind = $1 AND asset_id = $2 AND branch_id IN ({}) \
         ORDER BY at DESC, id DESC LIMIT $3",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(asset_kind.to_string())
        .bind(asset_id)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}
