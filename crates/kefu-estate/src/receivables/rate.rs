//! The figures of an estate's month (issue 21 §6 and §7) read from the
//! store: the collection rate by [`crate::collection_rate::month_figures`]
//! (the current period and arrears recovered apart) and the desk's calls
//! and visits by kind. Reversed bills and their reversals are left out: a
//! corrected bill counts once, as corrected.

use std::collections::BTreeMap;

use kefu_core::Money;
use kefu_core::time::{BusinessZone, parse_instant};
use kefu_store::{Db, Failure, RowExt};

use crate::archive::Estate;
use crate::collection_rate::{Billed, Collection, Paid, month_figures};
use crate::fees::Month;

type Result<T> = std::result::Result<T, Failure>;

/// What the estate billed and was paid, up to the end of `to`.
pub struct Ledger {
    bills: Vec<Billed>,
    paid: Vec<Paid>,
}

impl Ledger {
    /// The figures of one month.
    pub fn month(&self, month: Month) -> Collection {
        month_figures(month, &self.bills, &self.paid)
    }
}

/// Reads the ledger up to `to`. A payment's date is its day in the
/// business zone; what a bill was paid beyond its payments' allocations
/// came from the house's prepaid balance when the run billed it, so it
/// counts as paid on the bill's day.
pub async fn ledger(db: &Db, zone: &BusinessZone, estate: &Estate, to: Month) -> Result<Ledger> {
    let rows = sqlx::query(
        // The allocations are keyed by payment: summed once per bill, not
        // looked up bill by bill.
        "SELECT b.id, b.period, b.total, b.outstanding, b.created_at, COALESCE(a.allocated, 0) AS allocated \
         FROM estate_bills b LEFT JOIN (SELECT bill_id, CAST(SUM(amount) AS BIGINT) AS allocated FROM estate_payment_allocations \
         GROUP BY bill_id) a ON a.bill_id = b.id \
         WHERE b.branch_id = $1 AND b.period <= $2 AND b.reversed_by IS NULL AND b.reverses IS NULL",
    )
    .bind(estate.branch_id.0)
    .bind(to.to_string())
    .fetch_all(db.pool())
    .await?;
    let mut bills = Vec::with_capacity(rows.len());
    let mut paid = Vec::new();
    for r in &rows {
        let period = Month::parse("period", &r.text("period")?)?;
        let total = r.i64("total")?;
        bills.push(Billed { period, amount: Money::from_fen(total) });
        let from_prepaid = total - r.i64("outstanding")? - r.i64("allocated")?;
        if from_prepaid > 0 {
            let at = parse_instant(&r.text("created_at")?).ok_or(Failure::NotFound)?;
            paid.push(Paid { period, paid_on: zone.date_of(at), amount: Money::from_fen(from_prepaid) });
        }
    }
    let rows = sqlx::query(
        "SELECT b.period, p.paid_at, a.amount FROM estate_payment_allocations a \
         JOIN estate_payments p ON p.id = a.payment_id JOIN estate_bills b ON b.id = a.bill_id \
         WHERE b.branch_id = $1 AND b.period <= $2 AND b.reversed_by IS NULL AND b.reverses IS NULL",
    )
    .bind(estate.branch_id.0)
    .bind(to.to_string())
    .fetch_all(db.pool())
    .await?;
    for r in &rows {
        let at = parse_instant(&r.text("paid_at")?).ok_or(Failure::NotFound)?;
        paid.push(Paid {
            period: Month::parse("period", &r.text("period")?)?,
            paid_on: zone.date_of(at),
            amount: Money::from_fen(r.i64("amount")?),
        });
    }
    Ok(Ledger { bills, paid })
}

/// The desk's register for the month: calls and visits, each by the
/// department it went to — (kind, department) → count.
pub async fn desk_by_kind(
    db: &Db,
    zone: &BusinessZone,
    estate: &Estate,
    month: Month,
) -> Result<BTreeMap<(String, String), i64>> {
    let (from, to) = (zone.start_of(month.first_day()), zone.start_of(month.plus(1).first_day()));
    let rows = sqlx::query(
        "SELECT kind, department, COUNT(*) AS n FROM estate_desk_entries WHERE branch_id = $1 AND at >= $2 AND at < $3 \
         GROUP BY kind, department",
    )
    .bind(estate.branch_id.0)
    .bind(kefu_core::time::instant_text(from))
    .bind(kefu_core::time::instant_text(to))
    .fetch_all(db.pool())
    .await?;
    let mut out = BTreeMap::new();
    for r in &rows {
        out.insert((r.text("kind")?, r.text("department")?), r.i64("n")?);
    }
    Ok(out)
}
