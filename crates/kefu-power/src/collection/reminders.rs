//! The reminders of arrears through the outreach engine: the anchor
//! `power_bill_due` (an account's bill falls due and is still owing) and the
//! pack's playbooks over it (`playbooks.toml`): an SMS on the due date, a
//! call some days after, a letter as the written notice (催费通知书) before
//! any suspension. The staff record the steps they take and the suspension
//! itself on the arrears page (`arrears::record_step`), which refuses a
//! suspension before the notice period is over.

use jiff::civil::Date;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_outreach::playbook::{self, Playbook};
use kefu_outreach::source::{AnchorSource, Subjects, customer_columns, customer_subject};
use kefu_store::{Db, RowExt};

/// The anchor: the due date of a bill still owing.
pub const BILL_DUE: &str = "power_bill_due";

/// The playbooks of collection; an administrator's edits override them.
pub fn default_playbooks() -> Vec<Playbook> {
    playbook::parse(include_str!("playbooks.toml")).expect("the shipped playbooks are valid")
}

pub struct BillDue;

impl AnchorSource for BillDue {
    fn anchors(&self) -> &'static [&'static str] {
        &[BILL_DUE]
    }

    /// The accounts with an issued bill due on `date` that still owes
    /// something now: paid ones are not reminded.
    fn subjects<'a>(&'a self, db: &'a Db, _anchor: &'a str, date: Date) -> Subjects<'a> {
        Box::pin(async move {
            let sql = format!(
                "SELECT DISTINCT bl.account_id, a.account_no, a.branch_id, a.customer_id, {} \
                 FROM power_bills bl JOIN power_accounts a ON a.id = bl.account_id \
                 JOIN customers c ON c.id = a.customer_id JOIN branches b ON b.id = a.branch_id \
                 WHERE bl.due_on = $1 AND bl.status = 'issued' AND c.merged_into IS NULL \
                 AND bl.amount > COALESCE((SELECT SUM(x.amount) FROM power_payment_allocations x WHERE x.bill_id = bl.id), 0) \
                 ORDER BY bl.account_id",
                customer_columns()
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(date.to_string()).fetch_all(db.pool()).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let who = (BranchId(r.i64("branch_id")?), CustomerId(r.i64("customer_id")?));
                let mut s = customer_subject(r, who, Some((crate::archive::ASSET, r.i64("account_id")?)), date)?;
                s.vars.insert("account_no", r.text("account_no")?);
                out.push(s);
            }
            Ok(out)
        })
    }
}
