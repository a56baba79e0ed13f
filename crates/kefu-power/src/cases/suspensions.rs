//! Suspension of supply where safety is at risk (暂停供电, issue 19 §4):
//! an inspector asks with the reason and the notice given to the customer;
//! a manager approves; supply is restored with a note. Each step audited.

use super::store::user_of;
use crate::archive;
use crate::paging::{Page, Paged, total_of};
use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Permission, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// A suspension with its account.
#[derive(Debug, Clone, Serialize)]
pub struct Suspension {
    pub id: i64,
    pub branch_id: BranchId,
    pub account_no: String,
    pub reason: String,
    pub notice: String,
    pub noticed_on: String,
    pub suspend_on: String,
    pub approved_at: Option<String>,
    pub restored_on: Option<String>,
    pub restore_note: Option<String>,
}

impl Suspension {
    /// requested | approved | restored
    pub fn state(&self) -> &'static str {
        match (&self.approved_at, &self.restored_on) {
            (_, Some(_)) => "restored",
            (Some(_), None) => "approved",
            (None, None) => "requested",
        }
    }
}

/// What a request says.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub account_no: String,
    pub reason: String,
    pub notice: String,
    pub noticed_on: Option<Date>,
    pub suspend_on: Option<Date>,
}

/// Asks to suspend an account's supply; the notice goes before the day.
pub async fn request(db: &Db, actor: &Actor, r: &Request, now: Timestamp) -> Result<i64> {
    let reason = kefu_core::required_text("reason", &r.reason, 1000)?;
    let notice = kefu_core::required_text("notice", &r.notice, 1000)?;
    let noticed_on = r.noticed_on.ok_or_else(|| Invalid::required("noticed_on"))?;
    let suspend_on = r.suspend_on.ok_or_else(|| Invalid::required("suspend_on"))?;
    if suspend_on < noticed_on {
        return Err(Invalid::new(
            "suspend_on",
            Rule::new(
                "suspend_before_notice",
                "停电日期不能早于通知日期",
                "supply is suspended after the notice, not before",
            ),
        )
        .into());
    }
    let account = archive::by_number(db, &actor.scope, r.account_no.trim()).await.map_err(|_| {
        Invalid::new("account_no", Rule::new("unknown_account", "没有这个户号", "there is no account with this number"))
    })?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO power_suspensions (branch_id, account_id, reason, notice, noticed_on, suspend_on, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(account.branch_id.0)
    .bind(account.id)
    .bind(reason.clone())
    .bind(notice)
    .bind(noticed_on.to_string())
    .bind(suspend_on.to_string())
    .bind(user_of(actor))
    .bind(instant_text(now))
    .fetch_one(tx.conn())
    .await?;
    let change = Change {
        entity: "power_suspension",
        entity_id: id.to_string(),
        action: "create",
        branch: Some(account.branch_id),
        old: None,
        new: Some(json!({"account_no": account.account_no, "reason": reason, "suspend_on": suspend_on.to_string()})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

const COLUMNS: &str = "s.id, s.branch_id, a.account_no, s.reason, s.notice, s.noticed_on, s.suspend_on, s.approved_at, \
     s.restored_on, s.restore_note";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Suspension> {
    Ok(Suspension {
        id: r.i64("id")?,
        branch_id: BranchId(r.i64("branch_id")?),
        account_no: r.text("account_no")?,
        reason: r.text("reason")?,
        notice: r.text("notice")?,
        noticed_on: r.text("noticed_on")?,
        suspend_on: r.text("suspend_on")?,
        approved_at: r.opt_text("approved_at")?,
        restored_on: r.opt_text("restored_on")?,
        restore_note: r.opt_text("restore_note")?,
    })
}

/// A page of the suspensions in scope, newest first.
pub async fn list(db: &Db, scope: &Scope, page: Page) -> Result<Paged<Suspension>> {
    let sql = format!(
        "SELECT {COLUMNS}, COUNT(*) OVER () AS total FROM power_suspensions s \
         JOIN power_accounts a ON a.id = s.account_id \
         WHERE s.branch_id IN ({}) ORDER BY s.suspend_on DESC, s.id DESC{}",
        scope.sql_list(),
        page.sql()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    Ok(Paged { total: total_of(&rows)?, rows: rows.iter().map(from_row).collect::<Result<_>>()? })
}

async fn get(db: &Db, scope: &Scope, id: i64) -> Result<Suspension> {
    let sql = format!(
        "SELECT {COLUMNS} FROM power_suspensions s JOIN power_accounts a ON a.id = s.account_id \
         WHERE s.id = $1 AND s.branch_id IN ({})",
        scope.sql_list()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    row.as_ref().map(from_row).transpose()?.ok_or(Failure::NotFound)
}

fn refused(code: &'static str, zh: &'static str, en: &'static str) -> Failure {
    Invalid::new("suspension_status", Rule::new(code, zh, en)).into()
}

/// A manager approves a requested suspension.
pub async fn approve(db: &Db, actor: &Actor, id: i64, now: Timestamp) -> Result<()> {
    let s = get(db, &actor.scope, id).await?;
    if !actor.can(Permission::PowerManage) {
        return Err(refused("suspension_manager_approves", "停电须经理批准", "a manager approves a suspension"));
    }
    if s.state() != "requested" {
        return Err(refused(
            "suspension_not_requested",
            "该停电已批准或已恢复",
            "the suspension is already approved or restored",
        ));
    }
    let at = instant_text(now);
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE power_suspensions SET approved_by = $1, approved_at = $2 WHERE id = $3")
        .bind(user_of(actor))
        .bind(at.clone())
        .bind(id)
        .execute(tx.conn())
        .await?;
    let change = Change {
        entity: "power_suspension",
        entity_id: id.to_string(),
        action: "approve",
        branch: Some(s.branch_id),
        old: None,
        new: Some(json!({"approved_at": at})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Supply restored on a day, with a note; only an approved suspension.
pub async fn restore(db: &Db, actor: &Actor, id: i64, on: Date, note: &str) -> Result<()> {
    let s = get(db, &actor.scope, id).await?;
    if s.state() != "approved" {
        return Err(refused(
            "suspension_not_approved",
            "只有已批准的停电才能恢复送电",
            "only an approved suspension is restored",
        ));
    }
    let note = kefu_core::optional_text("restore_note", note, 1000)?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE power_suspensions SET restored_on = $1, restore_note = $2 WHERE id = $3")
        .bind(on.to_string())
        .bind(note.clone())
        .bind(id)
        .execute(tx.conn())
        .await?;
    let change = Change {
        entity: "power_suspension",
        entity_id: id.to_string(),
        action: "restore",
        branch: Some(s.branch_id),
        old: None,
        new: Some(json!({"restored_on": on.to_string(), "note": note})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}
