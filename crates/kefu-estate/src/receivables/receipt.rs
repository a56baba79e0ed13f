//! A payment's receipt (收据) as printed at the desk: who paid for which
//! house, how, and which bills it cleared; read in the actor's scope.

use kefu_core::{Money, Scope};
use kefu_store::{Db, Failure, RowExt};
use serde::Serialize;

use crate::fees::yuan_text;

type Result<T> = std::result::Result<T, Failure>;

#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub receipt_no: String,
    pub estate: String,
    pub estate_phone: String,
    pub house: String,
    pub house_id: i64,
    pub amount: String,
    pub channel: String,
    pub transaction_no: Option<String>,
    pub to_prepaid: String,
    pub paid_at: String,
    pub taken_by: String,
    /// (bill number, period, amount applied)
    pub bills: Vec<(String, String, String)>,
}

/// The receipt of a payment, if it lies in the scope.
pub async fn receipt(db: &Db, scope: &Scope, payment: i64) -> Result<Receipt> {
    let sql = format!(
        "SELECT p.receipt_no, p.amount, p.channel, p.transaction_no, p.to_prepaid, p.paid_at, p.house_id, \
         h.number, b.name AS estate, b.phone, COALESCE(u.display_name, '') AS taken_by FROM estate_payments p \
         JOIN estate_houses h ON h.id = p.house_id JOIN branches b ON b.id = p.branch_id \
         LEFT JOIN users u ON u.id = p.taken_by WHERE p.id = $1 AND p.branch_id IN ({})",
        scope.sql_list()
    );
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(payment)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    let lines = sqlx::query(
        "SELECT b.bill_no, b.period, a.amount FROM estate_payment_allocations a JOIN estate_bills b ON b.id = a.bill_id \
         WHERE a.payment_id = $1 ORDER BY b.due, b.bill_no",
    )
    .bind(payment)
    .fetch_all(db.pool())
    .await?;
    let bills = lines
        .iter()
        .map(|l| Ok((l.text("bill_no")?, l.text("period")?, yuan_text(Money::from_fen(l.i64("amount")?)))))
        .collect::<Result<Vec<_>>>()?;
    Ok(Receipt {
        receipt_no: r.text("receipt_no")?,
        estate: r.text("estate")?,
        estate_phone: r.text("phone")?,
        house: r.text("number")?,
        house_id: r.i64("house_id")?,
        amount: yuan_text(Money::from_fen(r.i64("amount")?)),
        channel: r.text("channel")?,
        transaction_no: r.opt_text("transaction_no")?,
        to_prepaid: yuan_text(Money::from_fen(r.i64("to_prepaid")?)),
        paid_at: r.text("paid_at")?,
        taken_by: r.text("taken_by")?,
        bills,
    })
}
