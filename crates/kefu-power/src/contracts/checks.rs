//! The inspectors' checks of a supply contract's performance (issue 19 §4,
//! 监察班 "按监察工作计划定期检查用户对《供电协议》的执行情况"): on an
//! inspection visit each term of the contract in force — the capacity, the
//! supply mode, the metering point, the liability boundary — is found kept
//! or broken, with what was found. The visit is a record of the account's
//! inspection plan (one planned for the contract, or made for the visit);
//! the checks are tied to the contract, whose page lists them, and a broken
//! term can open a case, linked both ways (migration 38).

use super::Contract;
use super::store::{COLUMNS, contract_from};
use crate::cases::{self, Basis, NewCase, plans};
use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::validation::optional_text;
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// The terms an inspector checks, as the contract holds them.
pub const TERMS: &[&str] = &["capacity", "supply_mode", "metering_point", "liability_boundary"];

/// The plans' subjects a contract check is recorded on.
const PLAN_SUBJECTS: &[&str] = &["contract", "capacity"];

/// A term as found on the visit.
#[derive(Debug, Clone, Default)]
pub struct TermCheck {
    pub term: String,
    pub broken: bool,
    /// What was found (a broken term says what).
    pub found: String,
}

/// A visit that checks a contract's terms.
#[derive(Debug, Clone)]
pub struct CheckVisit {
    /// The account's plan the visit carries out; none makes one for it.
    pub plan: Option<i64>,
    pub inspected_on: Date,
    pub terms: Vec<TermCheck>,
    pub findings: String,
}

/// A term checked, with its visit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Check {
    pub id: i64,
    pub contract_id: i64,
    pub record_id: i64,
    pub plan_id: i64,
    pub inspected_on: Date,
    pub inspector: Option<String>,
    pub term: String,
    /// kept | broken
    pub outcome: String,
    pub found: String,
    pub case_id: Option<i64>,
}

fn refuse(field: &str, code: &'static str, zh: &'static str, en: &'static str) -> Failure {
    Failure::Invalid(Invalid::new(field, Rule::new(code, zh, en)))
}

/// A contract in scope with its account's number and station.
pub async fn contract(db: &Db, scope: &Scope, id: i64) -> Result<(Contract, String, BranchId)> {
    let sql = format!(
        "SELECT {COLUMNS}, a.account_no, a.branch_id FROM power_contracts k JOIN power_accounts a ON a.id = k.account_id \
         WHERE k.id = $1 AND a.branch_id IN ({})",
        scope.sql_list()
    );
    let r = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?.ok_or(Failure::NotFound)?;
    Ok((contract_from(&r)?, r.text("account_no")?, BranchId(r.i64("branch_id")?)))
}

/// Records a visit that checked the terms of a contract in scope: only the
/// contract in force (the account's latest), each term once, a broken term
/// saying what was found, on a day not after today. The visit's result is a
/// violation when a term is broken, else ok.
pub async fn record(db: &Db, actor: &Actor, id: i64, v: &CheckVisit, (today, now): (Date, Timestamp)) -> Result<i64> {
    let (c, account_no, branch) = contract(db, &actor.scope, id).await?;
    let latest: i64 = sqlx::query_scalar("SELECT MAX(id) FROM power_contracts WHERE account_id = $1")
        .bind(c.account_id)
        .fetch_one(db.pool())
        .await?;
    if latest != c.id {
        return Err(refuse(
            "contract_id",
            "contract_superseded",
            "该合同已被续签的合同取代，请检查现行合同",
            "a renewal replaced this contract: check the one in force",
        ));
    }
    if v.inspected_on > today {
        return Err(refuse(
            "inspected_on",
            "date_in_future",
            "检查日期不能晚于今天",
            "the visit cannot be after today",
        ));
    }
    if v.terms.is_empty() {
        return Err(refuse("terms", "terms_required", "请至少检查一项合同条款", "check at least one term"));
    }
    let mut terms = Vec::with_capacity(v.terms.len());
    for t in &v.terms {
        let field = format!("found_{}", t.term);
        if !TERMS.contains(&t.term.as_str()) {
            return Err(refuse("terms", "contract_term", "没有这项合同条款", "there is no such term"));
        }
        if terms.iter().any(|(term, _, _): &(String, bool, String)| *term == t.term) {
            return Err(refuse(&field, "term_twice", "同一条款只检查一次", "each term is checked once"));
        }
        let found = optional_text(&field, &t.found, 500)?;
        if t.broken && found.is_empty() {
            return Err(refuse(
                &field,
                "broken_term_found",
                "违反合同条款时须写明检查发现的情况",
                "a broken term says what was found",
            ));
        }
        terms.push((t.term.clone(), t.broken, found));
    }
    let findings = optional_text("findings", &v.findings, 2000)?;
    let plan = match v.plan {
        Some(plan) => {
            let subject: Option<String> =
                sqlx::query_scalar("SELECT subject FROM power_inspection_plans WHERE id = $1 AND account_id = $2")
                    .bind(plan)
                    .bind(c.account_id)
                    .fetch_optional(db.pool())
                    .await?;
            if !subject.is_some_and(|s| PLAN_SUBJECTS.contains(&s.as_str())) {
                return Err(refuse(
                    "plan_id",
                    "contract_plan",
                    "应为该户的合同履约或容量检查计划",
                    "the plan is a contract or capacity check of this account",
                ));
            }
            Some(plan)
        }
        None => None,
    };
    let broken = terms.iter().any(|(_, b, _)| *b);
    let mut tx = db.begin().await?;
    let plan = match plan {
        Some(p) => p,
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO power_inspection_plans (branch_id, account_id, subject, due_on, created_at) \
                 VALUES ($1, $2, 'contract', $3, $4) RETURNING id",
            )
            .bind(branch.0)
            .bind(c.account_id)
            .bind(v.inspected_on.to_string())
            .bind(instant_text(now))
            .fetch_one(tx.conn())
            .await?;
            id
        }
    };
    let visit = plans::Visit {
        inspected_on: v.inspected_on,
        result: if broken { "violation" } else { "ok" },
        findings: &findings,
        case: None,
    };
    let record = plans::record_in(&mut tx, actor, (plan, branch), &visit, &findings, now).await?;
    for (term, broken, found) in &terms {
        sqlx::query(
            "INSERT INTO power_contract_checks (contract_id, record_id, term, outcome, found, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(c.id)
        .bind(record)
        .bind(term.clone())
        .bind(if *broken { "broken" } else { "kept" })
        .bind(found.clone())
        .bind(instant_text(now))
        .execute(tx.conn())
        .await?;
    }
    let checked: Vec<_> = terms.iter().map(|(t, b, f)| json!({"term": t, "broken": b, "found": f})).collect();
    let change = Change {
        entity: "power_contract",
        entity_id: c.id.to_string(),
        action: "check",
        branch: Some(branch),
        old: None,
        new: Some(json!({"account_no": account_no, "plan": plan, "record": record, "terms": checked})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(record)
}

/// An account's plans a contract check may carry out (contract or capacity
/// checks), the latest due first: (id, subject, due day).
pub async fn plans_of(db: &Db, account: i64) -> Result<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, subject, due_on FROM power_inspection_plans WHERE account_id = $1 \
         AND subject IN ('contract', 'capacity') ORDER BY due_on DESC, id DESC LIMIT 20",
    )
    .bind(account)
    .fetch_all(db.pool())
    .await?)
}

const CHECK: &str = "SELECT x.id, x.contract_id, x.record_id, r.plan_id, r.inspected_on, u.display_name, x.term, \
     x.outcome, x.found, x.case_id FROM power_contract_checks x JOIN power_inspection_records r ON r.id = x.record_id \
     LEFT JOIN users u ON u.id = r.inspector_id";

fn check_from(r: &sqlx::any::AnyRow) -> Result<Check> {
    Ok(Check {
        id: r.i64("id")?,
        contract_id: r.i64("contract_id")?,
        record_id: r.i64("record_id")?,
        plan_id: r.i64("plan_id")?,
        inspected_on: r.text("inspected_on")?.parse().map_err(|_| Failure::NotFound)?,
        inspector: r.opt_text("display_name")?,
        term: r.text("term")?,
        outcome: r.text("outcome")?,
        found: r.text("found")?,
        case_id: r.opt_i64("case_id")?,
    })
}

/// The checks of a contract in scope, the latest visit first, terms in the
/// contract's order.
pub async fn of_contract(db: &Db, scope: &Scope, id: i64) -> Result<Vec<Check>> {
    contract(db, scope, id).await?;
    let sql = format!("{CHECK} WHERE x.contract_id = $1 ORDER BY r.inspected_on DESC, x.record_id DESC, x.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(db.pool()).await?;
    let mut checks = rows.iter().map(check_from).collect::<Result<Vec<_>>>()?;
    checks.sort_by_key(|c| (std::cmp::Reverse((c.inspected_on, c.record_id)), TERMS.iter().position(|t| *t == c.term)));
    Ok(checks)
}

/// What a case opened from a broken term needs beyond the check: its kind
/// and the basis of its amounts.
#[derive(Debug, Clone)]
pub struct CaseFromCheck {
    pub kind: String,
    pub basis: Basis,
    pub seal_numbers: String,
}

/// Opens a case from a broken term of a contract in scope (once), found on
/// the visit's day at the account; the check and the visit's record name it.
pub async fn open_case(db: &Db, actor: &Actor, check: i64, case: CaseFromCheck, now: Timestamp) -> Result<i64> {
    let sql = format!(
        "{CHECK} JOIN power_contracts k ON k.id = x.contract_id JOIN power_accounts a ON a.id = k.account_id \
         WHERE x.id = $1 AND a.branch_id IN ({})",
        actor.scope.sql_list()
    );
    let r = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(check).fetch_optional(db.pool()).await?;
    let x = check_from(&r.ok_or(Failure::NotFound)?)?;
    if x.outcome != "broken" {
        return Err(Failure::Conflict(Rule::new(
            "term_kept",
            "该条款检查合格，不能立案",
            "the term was kept: no case to open",
        )));
    }
    if x.case_id.is_some() {
        return Err(Failure::Conflict(Rule::new("check_has_case", "该检查已立案", "a case is already open for it")));
    }
    let (c, account_no, branch) = contract(db, &actor.scope, x.contract_id).await?;
    let new = NewCase {
        account_no: account_no.clone(),
        kind: case.kind,
        source: "inspection".into(),
        found_on: x.inspected_on,
        description: format!("供用电合同 {} 条款“{}”：{}", c.contract_no, term_zh(&x.term), x.found),
        seal_numbers: case.seal_numbers,
        basis: case.basis,
    };
    let mut tx = db.begin().await?;
    let id = cases::create_in(&mut tx, db, actor, new, now).await?;
    sqlx::query("UPDATE power_contract_checks SET case_id = $1 WHERE id = $2")
        .bind(id)
        .bind(x.id)
        .execute(tx.conn())
        .await?;
    sqlx::query("UPDATE power_inspection_records SET case_id = $1 WHERE id = $2 AND case_id IS NULL")
        .bind(id)
        .bind(x.record_id)
        .execute(tx.conn())
        .await?;
    let change = Change {
        entity: "power_contract",
        entity_id: c.id.to_string(),
        action: "check_case",
        branch: Some(branch),
        old: Some(json!({"check": x.id, "case": null})),
        new: Some(json!({"check": x.id, "case": id, "account_no": account_no})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

/// A term's name as the case's description says it.
fn term_zh(term: &str) -> &'static str {
    match term {
        "capacity" => "容量",
        "supply_mode" => "供电方式",
        "metering_point" => "计量点",
        _ => "产权分界点",
    }
}
