//! The collection rate (电费回收率) per station and month, as the indicators
//! (`crate::indicators`, `kefu_core::rate::Collection`) take it:
//!
//! - billed (应收): the bills of the months of the year up to the month
//!   (a correction's reversal cancels the bill it reverses);
//! - collected (实收): the allocations to this year's bills of the payments
//!   whose business day falls in those months (late charges are not bills
//!   and are not counted; a reversal's negative allocations are);
//! - earlier years' arrears apart: what earlier years' bills still owed on
//!   1 January (arrears_opening) and what was collected on them since
//!   (arrears_collected).
//!
//! [`month_of`] gives the month alone (billed and collected in the month,
//! the arrears collected in the month) and [`year_to_month`] the cumulative
//! figures; the centre is the sum of its stations (`Collection: Sum`).

use std::collections::BTreeMap;

use kefu_core::Money;
use kefu_core::Scope;
use kefu_core::ids::BranchId;
use kefu_core::rate::Collection;
use kefu_store::{Db, Failure, RowExt};

type Result<T> = std::result::Result<T, Failure>;

/// A station's collection figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StationCollection {
    pub branch_id: BranchId,
    pub station: String,
    pub collection: Collection,
}

/// The months (YYYY-MM) from `first` to `last` inclusive as day bounds.
fn days(first: &str, last: &str) -> (String, String) {
    (format!("{first}-01"), format!("{last}-31"))
}

/// The figures for bills of months `bill_from..=bill_to` and payments of
/// the months `pay_from..=pay_to` (YYYY-MM), earlier years' arrears from
/// `year`'s 1 January.
async fn figures(db: &Db, scope: &Scope, year: &str, pay_from: &str, pay_to: &str) -> Result<Vec<StationCollection>> {
    let list = scope.sql_list();
    let (day_from, day_to) = days(pay_from, pay_to);
    let year_start = format!("{year}-01-01");
    let mut by: BTreeMap<i64, (String, Collection)> = BTreeMap::new();
    let stations = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT s.branch_id, b.name FROM power_stations s JOIN branches b ON b.id = s.branch_id \
         WHERE s.branch_id IN ({list})"
    )))
    .fetch_all(db.pool())
    .await?;
    for r in &stations {
        by.insert(r.i64("branch_id")?, (r.text("name")?, Collection::default()));
    }
    // Billed: this year's bills of the months asked.
    let billed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT branch_id, CAST(SUM(amount) AS BIGINT) AS total FROM power_bills \
         WHERE month >= $1 AND month <= $2 AND branch_id IN ({list}) GROUP BY branch_id"
    )))
    .bind(pay_from.to_string())
    .bind(pay_to.to_string())
    .fetch_all(db.pool())
    .await?;
    for r in &billed {
        by.entry(r.i64("branch_id")?).or_default().1.billed = Money::from_fen(r.i64("total")?);
    }
    // Collected in the months, on this year's bills and on earlier years' apart.
    let collected = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT b.branch_id, CASE WHEN b.month >= $3 THEN 1 ELSE 0 END AS this_year, \
         CAST(SUM(x.amount) AS BIGINT) AS total FROM power_payment_allocations x \
         JOIN power_payments p ON p.id = x.payment_id JOIN power_bills b ON b.id = x.bill_id \
         WHERE p.business_day >= $1 AND p.business_day <= $2 AND b.month <= $4 AND b.branch_id IN ({list}) \
         GROUP BY b.branch_id, CASE WHEN b.month >= $3 THEN 1 ELSE 0 END"
    )))
    .bind(day_from)
    .bind(day_to)
    .bind(format!("{year}-01"))
    .bind(pay_to.to_string())
    .fetch_all(db.pool())
    .await?;
    for r in &collected {
        let e = &mut by.entry(r.i64("branch_id")?).or_default().1;
        let fen = Money::from_fen(r.i64("total")?);
        if r.i64("this_year")? == 1 {
            e.collected = e.collected + fen;
        } else {
            e.arrears_collected = e.arrears_collected + fen;
        }
    }
    // Earlier years' bills less what was paid on them before 1 January.
    let opening = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT b.branch_id, CAST(SUM(b.amount) AS BIGINT) AS billed, CAST(SUM(COALESCE(q.paid, 0)) AS BIGINT) AS paid \
         FROM power_bills b LEFT JOIN (SELECT x.bill_id, SUM(x.amount) AS paid FROM power_payment_allocations x \
         JOIN power_payments p ON p.id = x.payment_id WHERE p.business_day < $1 GROUP BY x.bill_id) q ON q.bill_id = b.id \
         WHERE b.month < $2 AND b.branch_id IN ({list}) GROUP BY b.branch_id"
    )))
    .bind(year_start)
    .bind(format!("{year}-01"))
    .fetch_all(db.pool())
    .await?;
    for r in &opening {
        by.entry(r.i64("branch_id")?).or_default().1.arrears_opening =
            Money::from_fen(r.i64("billed")? - r.i64("paid")?);
    }
    Ok(by
        .into_iter()
        .map(|(id, (station, collection))| StationCollection { branch_id: BranchId(id), station, collection })
        .collect())
}

fn checked(month: &str) -> Result<&str> {
    crate::bills::month_ok(month)?;
    Ok(month)
}

/// The month alone, per station: its bills, what was collected on this
/// year's bills in it, and on earlier years' arrears.
pub async fn month_of(db: &Db, scope: &Scope, month: &str) -> Result<Vec<StationCollection>> {
    let month = checked(month)?;
    figures(db, scope, &month[..4], month, month).await
}

/// From January to the month, per station: the cumulative rate.
pub async fn year_to_month(db: &Db, scope: &Scope, month: &str) -> Result<Vec<StationCollection>> {
    let month = checked(month)?;
    let january = format!("{}-01", &month[..4]);
    figures(db, scope, &month[..4], &january, month).await
}
