//! Arrears (欠费) by station, book and age, the accounts in arrears with
//! their reminders, and the dunning steps staff record: an SMS on the due
//! date and a call after some days (the outreach playbooks send and list
//! them; staff may also record them here), the written notice (催费通知书)
//! served, and suspension for arrears only once the notice period is over
//! (`billing::check_suspension_day`).

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Money, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

use super::rules::CollectionRules;
use super::yuan;
use crate::billing::{Payer, check_suspension_day};
use crate::paging::{Page, Paged};

type Result<T> = std::result::Result<T, Failure>;

/// The age buckets, in days overdue: up to 30, 90, 180, 365, and more.
pub const BUCKETS: [(&str, i64); 5] =
    [("1-30", 30), ("31-90", 90), ("91-180", 180), ("181-365", 365), ("365+", i64::MAX)];

fn bucket(days: i64) -> usize {
    BUCKETS.iter().position(|(_, upto)| days <= *upto).unwrap_or(BUCKETS.len() - 1)
}

/// A station's (book `None`: the station's total) or a book's arrears by age.
#[derive(Clone, Debug, Serialize)]
pub struct AgeRow {
    pub branch_id: BranchId,
    pub station: String,
    pub book: Option<String>,
    pub buckets_fen: [i64; 5],
    pub buckets: Vec<String>,
    pub total_fen: i64,
    pub total: String,
    pub accounts: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ArrearsReport {
    pub as_of: String,
    /// Each station's row, then its books'.
    pub rows: Vec<AgeRow>,
    pub centre: AgeRow,
}

/// The issued bills overdue on `today` and still owing, in scope: station,
/// station name, book code, account, due date and what is owed.
async fn overdue(db: &Db, scope: &Scope, today: Date) -> Result<Vec<(i64, String, Option<String>, i64, Date, i64)>> {
    let sql = format!(
        "SELECT b.branch_id, s.name, k.code, b.account_id, b.due_on, \
         b.amount - CAST(COALESCE((SELECT SUM(x.amount) FROM power_payment_allocations x WHERE x.bill_id = b.id), 0) AS BIGINT) AS owed \
         FROM power_bills b JOIN branches s ON s.id = b.branch_id LEFT JOIN power_books k ON k.id = b.book_id \
         WHERE b.status = 'issued' AND b.due_on < $1 AND b.branch_id IN ({}) ORDER BY s.name, k.code",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(today.to_string()).fetch_all(db.pool()).await?;
    let mut out = Vec::new();
    for r in &rows {
        let owed = r.i64("owed")?;
        if owed > 0 {
            let due: Date = r.text("due_on")?.parse().map_err(|_| Failure::NotFound)?;
            out.push((r.i64("branch_id")?, r.text("name")?, r.opt_text("code")?, r.i64("account_id")?, due, owed));
        }
    }
    Ok(out)
}

fn row(branch: i64, station: &str, book: Option<String>, fen: [i64; 5], accounts: i64) -> AgeRow {
    let total: i64 = fen.iter().sum();
    AgeRow {
        branch_id: BranchId(branch),
        station: station.to_string(),
        book,
        buckets_fen: fen,
        buckets: fen.iter().map(|f| yuan(Money::from_fen(*f))).collect(),
        total_fen: total,
        total: yuan(Money::from_fen(total)),
        accounts,
    }
}

/// The arrears on `today` by station and book and by age (days past the due date).
pub async fn arrears(db: &Db, scope: &Scope, today: Date) -> Result<ArrearsReport> {
    type Key = (String, i64, Option<String>);
    let mut by: BTreeMap<Key, ([i64; 5], std::collections::HashSet<i64>)> = BTreeMap::new();
    let mut centre = ([0; 5], std::collections::HashSet::new());
    for (branch, station, book, account, due, owed) in overdue(db, scope, today).await? {
        let b = bucket(i64::from((today - due).get_days()));
        for key in [(station.clone(), branch, None), (station.clone(), branch, Some(book.clone().unwrap_or_default()))]
        {
            let e = by.entry(key).or_default();
            e.0[b] += owed;
            e.1.insert(account);
        }
        centre.0[b] += owed;
        centre.1.insert(account);
    }
    let rows = by
        .into_iter()
        .map(|((station, branch, book), (fen, accounts))| row(branch, &station, book, fen, accounts.len() as i64))
        .collect();
    Ok(ArrearsReport { as_of: today.to_string(), rows, centre: row(0, "", None, centre.0, centre.1.len() as i64) })
}

/// An account in arrears with its oldest due date and its dunning so far.
#[derive(Clone, Debug, Serialize)]
pub struct ArrearsAccount {
    pub account_no: String,
    pub name: String,
    pub mobile: Option<String>,
    pub station: String,
    pub oldest_due: String,
    pub days_overdue: i64,
    pub owed: String,
    pub owed_fen: i64,
    pub bills: i64,
    pub last_step: Option<String>,
    pub last_step_on: Option<String>,
    pub notice_on: Option<String>,
    /// The first day supply may be suspended (a notice served), else None.
    pub suspend_from: Option<String>,
}

/// A page of the accounts in arrears on `today`, the longest overdue first,
/// and how many there are.
pub async fn accounts_in_arrears(
    db: &Db,
    scope: &Scope,
    today: Date,
    rules: &CollectionRules,
    page: Page,
) -> Result<Paged<ArrearsAccount>> {
    let mut per: BTreeMap<i64, (Date, i64, i64, String)> = BTreeMap::new();
    for (_, station, _, account, due, owed) in overdue(db, scope, today).await? {
        let e = per.entry(account).or_insert((due, 0, 0, station));
        e.0 = e.0.min(due);
        e.1 += owed;
        e.2 += 1;
    }
    let mut list: Vec<(i64, (Date, i64, i64, String))> = per.into_iter().collect();
    list.sort_by_key(|(id, (due, ..))| (*due, *id));
    let total = list.len() as i64;
    let list = page.of(list);
    let mut out = Vec::with_capacity(list.len());
    for (id, (due, owed, bills, station)) in list {
        let r = sqlx::query(
            "SELECT a.account_no, a.usage_class, c.name, c.mobile, \
             (SELECT s.step FROM power_dunning_steps s WHERE s.account_id = a.id ORDER BY s.done_on DESC, s.id DESC LIMIT 1) AS last_step, \
             (SELECT MAX(s.done_on) FROM power_dunning_steps s WHERE s.account_id = a.id) AS last_on, \
             (SELECT MAX(s.done_on) FROM power_dunning_steps s WHERE s.account_id = a.id AND s.step = 'notice' AND s.done_on >= $2) AS notice_on \
             FROM power_accounts a JOIN customers c ON c.id = a.customer_id WHERE a.id = $1",
        )
        .bind(id)
        .bind(due.to_string())
        .fetch_one(db.pool())
        .await?;
        let notice_on = r.opt_text("notice_on")?;
        let payer = if r.text("usage_class")? == "residential" { Payer::Residential } else { Payer::Other };
        let suspend_from = notice_on
            .as_deref()
            .and_then(|n| n.parse::<Date>().ok())
            .and_then(|n| crate::billing::earliest_suspension(payer, due, Some(n), &rules.suspension).ok())
            .map(|d| d.to_string());
        out.push(ArrearsAccount {
            account_no: r.text("account_no")?,
            name: r.text("name")?,
            mobile: r.opt_text("mobile")?,
            station,
            oldest_due: due.to_string(),
            days_overdue: i64::from((today - due).get_days()),
            owed: yuan(Money::from_fen(owed)),
            owed_fen: owed,
            bills,
            last_step: r.opt_text("last_step")?,
            last_step_on: r.opt_text("last_on")?,
            notice_on,
            suspend_from,
        });
    }
    Ok(Paged { rows: out, total })
}

/// A dunning step as recorded.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub step: String,
    pub done_on: String,
    pub note: String,
    pub recorded_by: String,
}

const STEPS: [&str; 4] = ["sms", "call", "notice", "suspension"];

#[allow(clippy::too_many_arguments)]
/// Records a dunning step on an account, audited. A suspension is refused
/// without overdue arrears, without a written notice served after the
/// oldest unpaid bill fell due, or before the notice period and the overdue
/// days are over.
pub async fn record_step(
    db: &Db,
    actor: &Actor,
    account_no: &str,
    step: &str,
    done_on: Date,
    note: &str,
    rules: &CollectionRules,
    now: Timestamp,
) -> Result<()> {
    let Some(step) = STEPS.iter().find(|s| **s == step) else {
        return Err(Invalid::new(
            "step",
            Rule::new(
                "unknown_step",
                "催费步骤为短信、电话、催费通知书或停电",
                "a step is sms, call, notice or suspension",
            ),
        )
        .into());
    };
    let sql = format!(
        "SELECT id, branch_id, usage_class FROM power_accounts WHERE account_no = $1 AND branch_id IN ({})",
        actor.scope.sql_list()
    );
    let a = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_no.trim().to_string())
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    let (id, branch) = (a.i64("id")?, BranchId(a.i64("branch_id")?));
    if *step == "suspension" {
        // Supply is suspended for arrears only: overdue bills must be there.
        let Some(oldest_due) = oldest_overdue(db, id, done_on).await? else {
            return Err(Invalid::new(
                "account_no",
                Rule::new(
                    "no_arrears",
                    "该户没有逾期欠费，不能欠费停电",
                    "the account has no overdue arrears to suspend supply for",
                ),
            )
            .into());
        };
        let notice: Option<String> = sqlx::query_scalar(
            "SELECT MAX(done_on) FROM power_dunning_steps WHERE account_id = $1 AND step = 'notice' AND done_on >= $2",
        )
        .bind(id)
        .bind(oldest_due.to_string())
        .fetch_one(db.pool())
        .await?;
        let payer = if a.text("usage_class")? == "residential" { Payer::Residential } else { Payer::Other };
        let served = notice.and_then(|n| n.parse::<Date>().ok());
        check_suspension_day(done_on, payer, oldest_due, served, &rules.suspension)?;
    }
    let mut tx = db.begin().await?;
    let step_id = tx.reserve_ids("power_dunning_steps", 1).await?[0];
    sqlx::query(
        "INSERT INTO power_dunning_steps (id, account_id, branch_id, step, done_on, note, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(step_id)
    .bind(id)
    .bind(branch.0)
    .bind(step.to_string())
    .bind(done_on.to_string())
    .bind(note.trim().to_string())
    .bind(actor.user_id.0)
    .bind(instant_text(now))
    .execute(tx.conn())
    .await?;
    let change = Change {
        entity: "power_dunning_step",
        entity_id: format!("{account_no}:{step_id}"),
        action: step,
        branch: Some(branch),
        old: None,
        new: Some(json!({"step": step, "done_on": done_on.to_string(), "note": note.trim()})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// The oldest due date of the account's bills overdue on `day` and owing.
async fn oldest_overdue(db: &Db, account: i64, day: Date) -> Result<Option<Date>> {
    let rows = sqlx::query(
        "SELECT b.due_on, b.amount - CAST(COALESCE((SELECT SUM(x.amount) FROM power_payment_allocations x \
         WHERE x.bill_id = b.id), 0) AS BIGINT) AS owed FROM power_bills b \
         WHERE b.account_id = $1 AND b.status = 'issued' AND b.due_on < $2 ORDER BY b.due_on",
    )
    .bind(account)
    .bind(day.to_string())
    .fetch_all(db.pool())
    .await?;
    for r in &rows {
        if r.i64("owed")? > 0 {
            return Ok(r.text("due_on")?.parse().ok());
        }
    }
    Ok(None)
}

/// The dunning steps of an account in scope, latest first.
pub async fn steps_of(db: &Db, scope: &Scope, account_no: &str) -> Result<Vec<Step>> {
    let sql = format!(
        "SELECT s.step, s.done_on, s.note, u.display_name FROM power_dunning_steps s \
         JOIN power_accounts a ON a.id = s.account_id JOIN users u ON u.id = s.recorded_by \
         WHERE a.account_no = $1 AND a.branch_id IN ({}) ORDER BY s.done_on DESC, s.id DESC",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_no.to_string()).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(Step {
                step: r.text("step")?,
                done_on: r.text("done_on")?,
                note: r.text("note")?,
                recorded_by: r.text("display_name")?,
            })
        })
        .collect()
}
