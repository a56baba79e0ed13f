//! The holder of each account billed is told of the bill, its amount and
//! due date (issue 20 §3), through the outreach engine: the event playbook
//! `power_bill_issued` (`playbooks.toml`, edited like any other) becomes an
//! outreach task per bill in the billing run's own transaction, and the
//! dispatcher sends it by SMS after the customer's quiet hours.

use jiff::civil::Date;
use kefu_core::Money;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_outreach::playbook::{self, Playbook};
use kefu_outreach::source::{customer_columns, customer_subject};
use kefu_store::{Db, Failure, RowExt, Tx};

use crate::tariffs::quote::yuan;

/// The playbook's code and its anchor.
pub const PLAYBOOK: &str = "power_bill_issued";

/// The record a notice is about: the bill.
pub const ASSET: &str = "power_bill";

/// The playbook of the bills, among the pack's defaults.
pub fn default_playbooks() -> Vec<Playbook> {
    playbook::parse(include_str!("playbooks.toml")).expect("the shipped playbooks are valid")
}

/// Queues the notice of each bill issued with ids `first..=last` at the
/// instant `at`, inside the run's transaction; anchored on the bill's due
/// date, so `{due_date}` is the day it is due.
pub(super) async fn queue_in(
    tx: &mut Tx,
    db: &Db,
    (first, last): (i64, i64),
    at: &str,
    today: Date,
) -> Result<usize, Failure> {
    let playbooks = kefu_outreach::store::effective(db, &default_playbooks()).await?;
    let sql = format!(
        "SELECT p.id, p.branch_id, p.month, p.amount, p.due_on, a.account_no, c.id AS customer_id, {} \
         FROM power_bills p JOIN power_accounts a ON a.id = p.account_id JOIN customers c ON c.id = a.customer_id \
         JOIN branches b ON b.id = p.branch_id WHERE p.id >= $1 AND p.id <= $2 AND p.created_at = $3 \
         AND p.status = 'issued' AND c.merged_into IS NULL ORDER BY p.id",
        customer_columns()
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(first).bind(last).bind(at.to_string()).fetch_all(tx.conn()).await?;
    let mut subjects = Vec::with_capacity(rows.len());
    for r in &rows {
        let due: Date = r.text("due_on")?.parse().map_err(|_| Failure::NotFound)?;
        let who = (BranchId(r.i64("branch_id")?), CustomerId(r.i64("customer_id")?));
        let mut s = customer_subject(r, who, Some((ASSET, r.i64("id")?)), due)?;
        s.vars.insert("account_no", r.text("account_no")?);
        s.vars.insert("month", r.text("month")?);
        s.vars.insert("amount", yuan(Money::from_fen(r.i64("amount")?)));
        subjects.push(s);
    }
    kefu_outreach::notices::notify_all_in(tx, playbooks.iter().find(|p| p.code == PLAYBOOK), &subjects, today).await
}
