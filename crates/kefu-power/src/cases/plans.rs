//! Inspection plans per station and their records (issue 19 §4): what to
//! check at which account by when — a large user's contract performance
//! and capacity, dual supply and self-generation safety — and what each
//! visit found, a violation linked to the case it opened.

use super::store::user_of;
use crate::archive;
use crate::paging::{Page, Paged, total_of};
use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

type Result<T> = std::result::Result<T, Failure>;

/// What a plan checks.
pub const SUBJECTS: &[&str] = &["contract", "capacity", "dual_supply", "self_generation"];
/// What a visit found.
pub const RESULTS: &[&str] = &["ok", "defect", "violation"];

/// A plan with its account and its latest record.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub id: i64,
    pub branch_id: BranchId,
    pub account_no: String,
    pub subject: String,
    pub due_on: Date,
    pub records: Vec<Record>,
}

/// A visit's record.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub id: i64,
    pub plan_id: i64,
    pub inspected_on: Date,
    pub result: String,
    pub findings: String,
    pub case_id: Option<i64>,
}

fn date_of(text: String) -> Result<Date> {
    text.parse().map_err(|_| Failure::NotFound)
}

/// Plans a check of an account in scope.
pub async fn create(
    db: &Db,
    actor: &Actor,
    account_no: &str,
    subject: &str,
    due_on: Date,
    now: Timestamp,
) -> Result<i64> {
    if !SUBJECTS.contains(&subject) {
        return Err(
            Invalid::new("plan_subject", Rule::new("plan_subject", "请选择检查内容", "choose what to check")).into()
        );
    }
    let account = archive::by_number(db, &actor.scope, account_no.trim()).await.map_err(|_| {
        Invalid::new("account_no", Rule::new("unknown_account", "没有这个户号", "there is no account with this number"))
    })?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO power_inspection_plans (branch_id, account_id, subject, due_on, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(account.branch_id.0)
    .bind(account.id)
    .bind(subject.to_string())
    .bind(due_on.to_string())
    .bind(instant_text(now))
    .fetch_one(tx.conn())
    .await?;
    let change = Change {
        entity: "power_inspection_plan",
        entity_id: id.to_string(),
        action: "create",
        branch: Some(account.branch_id),
        old: None,
        new: Some(json!({"account_no": account.account_no, "subject": subject, "due_on": due_on.to_string()})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

/// A page of the plans in scope due from `from` to `to`, by due day, with
/// their records.
pub async fn list(db: &Db, scope: &Scope, from: Date, to: Date, page: Page) -> Result<Paged<Plan>> {
    let sql = format!(
        "SELECT p.id, p.branch_id, a.account_no, p.subject, p.due_on, COUNT(*) OVER () AS total \
         FROM power_inspection_plans p JOIN power_accounts a ON a.id = p.account_id \
         WHERE p.branch_id IN ({}) AND p.due_on >= $1 AND p.due_on <= $2 ORDER BY p.due_on, p.id{}",
        scope.sql_list(),
        page.sql()
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from.to_string()).bind(to.to_string()).fetch_all(db.pool()).await?;
    let mut plans = Vec::with_capacity(rows.len());
    for r in &rows {
        plans.push(Plan {
            id: r.i64("id")?,
            branch_id: BranchId(r.i64("branch_id")?),
            account_no: r.text("account_no")?,
            subject: r.text("subject")?,
            due_on: date_of(r.text("due_on")?)?,
            records: Vec::new(),
        });
    }
    add_records(db, &mut plans).await?;
    Ok(Paged { total: total_of(&rows)?, rows: plans })
}

/// Each plan's records, by visit day.
async fn add_records(db: &Db, plans: &mut [Plan]) -> Result<()> {
    if plans.is_empty() {
        return Ok(());
    }
    let ids = plans.iter().map(|p| p.id.to_string()).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT id, plan_id, inspected_on, result, findings, case_id FROM power_inspection_records \
         WHERE plan_id IN ({ids}) ORDER BY inspected_on, id"
    );
    // A whole month's plans (the workbook) are found by id, not by a scan each.
    let at: HashMap<i64, usize> = plans.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    for r in sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await? {
        let record = Record {
            id: r.i64("id")?,
            plan_id: r.i64("plan_id")?,
            inspected_on: date_of(r.text("inspected_on")?)?,
            result: r.text("result")?,
            findings: r.text("findings")?,
            case_id: r.opt_i64("case_id")?,
        };
        if let Some(&i) = at.get(&record.plan_id) {
            plans[i].records.push(record);
        }
    }
    Ok(())
}

/// What a visit found.
#[derive(Debug, Clone)]
pub struct Visit<'a> {
    pub inspected_on: Date,
    pub result: &'a str,
    pub findings: &'a str,
    /// The case a violation opened.
    pub case: Option<i64>,
}

/// Records a visit to a planned check in scope; a violation names the case
/// it opened (a case in scope).
pub async fn record(db: &Db, actor: &Actor, plan: i64, visit: &Visit<'_>, now: Timestamp) -> Result<i64> {
    let Visit { result, findings, case, .. } = *visit;
    let sql = format!(
        "SELECT branch_id FROM power_inspection_plans WHERE id = $1 AND branch_id IN ({})",
        actor.scope.sql_list()
    );
    let branch: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(plan)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    if !RESULTS.contains(&result) {
        return Err(Invalid::new("result", Rule::new("record_result", "请选择检查结果", "choose the result")).into());
    }
    let findings = kefu_core::optional_text("findings", findings, 2000)?;
    if let Some(case) = case {
        super::get(db, &actor.scope, case)
            .await
            .map_err(|_| Invalid::new("case_id", Rule::new("unknown_case", "没有这个案件", "there is no such case")))?;
    }
    let mut tx = db.begin().await?;
    let id = record_in(&mut tx, actor, (plan, BranchId(branch)), visit, &findings, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Stores a visit's record checked by the caller, with its audit entry.
pub(crate) async fn record_in(
    tx: &mut Tx,
    actor: &Actor,
    (plan, branch): (i64, BranchId),
    visit: &Visit<'_>,
    findings: &str,
    now: Timestamp,
) -> Result<i64> {
    let Visit { inspected_on, result, case, .. } = *visit;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO power_inspection_records (plan_id, inspected_on, inspector_id, result, findings, case_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(plan)
    .bind(inspected_on.to_string())
    .bind(user_of(actor))
    .bind(result.to_string())
    .bind(findings.to_string())
    .bind(case)
    .bind(instant_text(now))
    .fetch_one(tx.conn())
    .await?;
    let change = Change {
        entity: "power_inspection_record",
        entity_id: id.to_string(),
        action: "create",
        branch: Some(branch),
        old: None,
        new: Some(json!({"plan": plan, "result": result, "findings": findings, "case": case})),
    };
    tx.audit(actor, change).await?;
    Ok(id)
}
