//! Late fees (issue 21 §6) as stored: the estate's service contract may set
//! a daily rate (none by default, and then there is no late fee at all);
//! where it does, a bill past due shows its fee to date, computed by
//! [`crate::late_fee::late_fee`] over what was paid on it and when; staff
//! charge it once (a one-off charge on the next bill) or a manager waives
//! it with a reason. Both audited.

use jiff::civil::Date;
use kefu_core::time::{BusinessZone, parse_instant};
use kefu_core::{Actor, Money, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;

use crate::archive::{Estate, House};
use crate::charges::{audit, invalid};
use crate::fees::yuan_text;
use crate::late_fee::{DailyRate, LateFee, LateFeeTerms, late_fee};

type Result<T> = std::result::Result<T, Failure>;

/// The estate's terms: the contract's daily rate, if it sets one.
pub async fn terms(db: &Db, estate: &Estate) -> Result<LateFeeTerms> {
    let rate: Option<i64> = sqlx::query_scalar("SELECT daily_rate FROM estate_late_fee_terms WHERE branch_id = $1")
        .bind(estate.branch_id.0)
        .fetch_optional(db.pool())
        .await?;
    let daily_rate = match rate {
        Some(r) => Some(DailyRate::parse("late_fee_rate", &r.to_string())?),
        None => None,
    };
    Ok(LateFeeTerms { daily_rate })
}

/// Sets the rate the estate's service contract sets (ten-thousandths a
/// day), or none with an empty field; audited.
pub async fn set_terms(db: &Db, actor: &Actor, estate: &Estate, rate: &str, now: jiff::Timestamp) -> Result<()> {
    let rate = rate.trim();
    let parsed = if rate.is_empty() { None } else { Some(DailyRate::parse("late_fee_rate", rate)?) };
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM estate_late_fee_terms WHERE branch_id = $1")
        .bind(estate.branch_id.0)
        .execute(tx.conn())
        .await?;
    if let Some(r) = parsed {
        sqlx::query(
            "INSERT INTO estate_late_fee_terms (branch_id, daily_rate, set_by, set_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(estate.branch_id.0)
        .bind(i64::from(r.ten_thousandths()))
        .bind(actor.user_id.0)
        .bind(kefu_core::time::instant_text(now))
        .execute(tx.conn())
        .await?;
    }
    let new = serde_json::json!({ "daily_rate": parsed.map(|r| r.ten_thousandths()) });
    audit(&mut tx, actor, estate, "estate_late_fee_terms", "update", new).await?;
    tx.commit().await?;
    Ok(())
}

/// A bill's late fee as the house's page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LateRow {
    pub bill_id: i64,
    pub bill_no: String,
    pub days: i64,
    pub amount: String,
    /// charged | waived | open
    pub state: String,
    pub waived_reason: Option<String>,
}

struct BillFacts {
    id: i64,
    bill_no: String,
    due: Date,
    total: Money,
    paid: Vec<(Date, Money)>,
}

async fn facts(db: &Db, zone: &BusinessZone, house: i64, bill: Option<i64>, today: Date) -> Result<Vec<BillFacts>> {
    let rows = sqlx::query(
        "SELECT id, bill_no, due, total FROM estate_bills WHERE house_id = $1 AND reversed_by IS NULL \
         AND reverses IS NULL AND total > 0 AND due < $2 ORDER BY due, bill_no",
    )
    .bind(house)
    .bind(today.to_string())
    .fetch_all(db.pool())
    .await?;
    // The house's payments, by the index on their house, each allocation
    // to its bill.
    let paid = sqlx::query(
        "SELECT a.bill_id, p.paid_at, a.amount FROM estate_payments p \
         JOIN estate_payment_allocations a ON a.payment_id = p.id WHERE p.house_id = $1",
    )
    .bind(house)
    .fetch_all(db.pool())
    .await?;
    let mut by_bill: std::collections::HashMap<i64, Vec<(Date, Money)>> = std::collections::HashMap::new();
    for p in &paid {
        let at = parse_instant(&p.text("paid_at")?).ok_or(Failure::NotFound)?;
        by_bill.entry(p.i64("bill_id")?).or_default().push((zone.date_of(at), Money::from_fen(p.i64("amount")?)));
    }
    let mut out = Vec::new();
    for r in &rows {
        let id = r.i64("id")?;
        if bill.is_some_and(|b| b != id) {
            continue;
        }
        out.push(BillFacts {
            id,
            bill_no: r.text("bill_no")?,
            due: r.text("due")?.parse().map_err(|_| Failure::NotFound)?,
            total: Money::from_fen(r.i64("total")?),
            paid: by_bill.remove(&id).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The house's bills past due with a late fee to `today`, and those charged
/// or waived already. Empty where the contract sets no rate.
pub async fn of_house(
    db: &Db,
    zone: &BusinessZone,
    estate: &Estate,
    house: &House,
    today: Date,
) -> Result<Vec<LateRow>> {
    let terms = terms(db, estate).await?;
    let decided = sqlx::query(
        "SELECT f.bill_id, b.bill_no, f.days, f.amount, f.waived_reason FROM estate_late_fees f \
         JOIN estate_bills b ON b.id = f.bill_id WHERE b.house_id = $1 ORDER BY b.due",
    )
    .bind(house.id)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    let mut done = std::collections::HashSet::new();
    for r in &decided {
        done.insert(r.i64("bill_id")?);
        let waived_reason = r.opt_text("waived_reason")?;
        out.push(LateRow {
            bill_id: r.i64("bill_id")?,
            bill_no: r.text("bill_no")?,
            days: r.i64("days")?,
            amount: yuan_text(Money::from_fen(r.i64("amount")?)),
            state: if waived_reason.is_some() { "waived" } else { "charged" }.into(),
            waived_reason,
        });
    }
    if terms.daily_rate.is_none() {
        return Ok(out);
    }
    for b in facts(db, zone, house.id, None, today).await? {
        if done.contains(&b.id) {
            continue;
        }
        if let Some(fee) = late_fee(terms, b.total, b.due, &b.paid, today).filter(|f| f.amount > Money::ZERO) {
            out.push(LateRow {
                bill_id: b.id,
                bill_no: b.bill_no,
                days: fee.days,
                amount: yuan_text(fee.amount),
                state: "open".into(),
                waived_reason: None,
            });
        }
    }
    Ok(out)
}

/// A bill's late fee to `today`, read in the actor's scope, with its estate
/// and house; refused where the contract sets none, or where it is charged
/// or waived already.
async fn due_fee(
    db: &Db,
    zone: &BusinessZone,
    scope: &Scope,
    bill: i64,
    today: Date,
) -> Result<(Estate, House, LateFee)> {
    let house_id: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT house_id FROM estate_bills WHERE id = $1 AND branch_id IN ({})",
        scope.sql_list()
    )))
    .bind(bill)
    .fetch_optional(db.pool())
    .await?;
    let house = crate::archive::house(db, scope, house_id.ok_or(Failure::NotFound)?).await?;
    let code: String = sqlx::query_scalar("SELECT code FROM branches WHERE id = $1")
        .bind(house.branch_id.0)
        .fetch_one(db.pool())
        .await?;
    let estate = crate::archive::estate(db, scope, &code).await?;
    let seen: Option<i64> = sqlx::query_scalar("SELECT bill_id FROM estate_late_fees WHERE bill_id = $1")
        .bind(bill)
        .fetch_optional(db.pool())
        .await?;
    if seen.is_some() {
        return Err(invalid(
            "bill",
            "late_fee_decided",
            "该账单的违约金已收取或已减免",
            "the bill's late fee is charged or waived already",
        ));
    }
    let terms = terms(db, &estate).await?;
    let fee = facts(db, zone, house.id, Some(bill), today)
        .await?
        .into_iter()
        .next()
        .and_then(|b| late_fee(terms, b.total, b.due, &b.paid, today))
        .filter(|f| f.amount > Money::ZERO)
        .ok_or_else(|| {
            invalid(
                "bill",
                "no_late_fee",
                "服务合同未约定违约金，或该账单没有逾期",
                "the service contract sets no late fee, or the bill is not past due",
            )
        })?;
    Ok((estate, house, fee))
}

async fn decide(
    db: &Db,
    actor: &Actor,
    (estate, house, fee): (Estate, House, LateFee),
    bill: i64,
    today: Date,
    now: jiff::Timestamp,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let charge = match fee.waived {
        Some(_) => None,
        None => {
            let description = format!("{} {}", crate::charges::bill_no(bill), fee.days);
            Some(
                super::one_off::charge_in(
                    &mut tx,
                    actor,
                    &estate,
                    house.id,
                    super::one_off::LATE_FEE,
                    fee.amount,
                    &description,
                    now,
                )
                .await?,
            )
        }
    };
    sqlx::query(
        "INSERT INTO estate_late_fees (bill_id, days, amount, as_of, charge_id, waived_reason, decided_by, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(bill)
    .bind(fee.days)
    .bind(fee.amount.fen())
    .bind(today.to_string())
    .bind(charge)
    .bind(fee.waived.clone())
    .bind(actor.user_id.0)
    .bind(kefu_core::time::instant_text(now))
    .execute(tx.conn())
    .await
    .map_err(|e| Failure::unique_as_taken(e, "bill"))?;
    let change = Change {
        entity: "estate_late_fee",
        entity_id: crate::charges::bill_no(bill),
        action: if fee.waived.is_some() { "waive" } else { "charge" },
        branch: Some(estate.branch_id),
        old: None,
        new: Some(serde_json::json!({ "days": fee.days, "amount": fee.amount.fen(), "reason": fee.waived })),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Charges a bill's late fee to `today` once, as a one-off charge on the
/// house's next bill.
pub async fn charge(db: &Db, zone: &BusinessZone, actor: &Actor, bill: i64, now: jiff::Timestamp) -> Result<()> {
    let today = zone.date_of(now);
    let due = due_fee(db, zone, &actor.scope, bill, today).await?;
    decide(db, actor, due, bill, today, now).await
}

/// Waives a bill's late fee with the manager's reason (required).
pub async fn waive(
    db: &Db,
    zone: &BusinessZone,
    actor: &Actor,
    bill: i64,
    reason: &str,
    now: jiff::Timestamp,
) -> Result<()> {
    let today = zone.date_of(now);
    let (estate, house, fee) = due_fee(db, zone, &actor.scope, bill, today).await?;
    let fee = fee.waive(reason)?;
    decide(db, actor, (estate, house, fee), bill, today, now).await
}
