//! The holder of each account billed is told of the bill, its amount and
//! due date (issue 20 §3), through the outreach engine: the event playbook
//! `power_bill_issued` (`playbooks.toml`, edited like any other) becomes an
//! outreach task per bill in the billing run's own transaction, and the
//! dispatcher sends it by SMS after the customer's quiet hours.

use jiff::civil::Date;
use kefu_core::Money;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_outreach::playbook::{self, Playbook};
use kefu_outreach::source::{Subject, customer_subject};
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

/// The subject of a bill's notice: its holder, from a row holding
/// [`kefu_outreach::source::customer_columns`] and the account's `customer_id` and `account_no`,
/// anchored on the bill's due date, so `{due_date}` is the day it is due.
/// It is about the bill once the bill has its id ([`of_bill`]).
pub(super) fn subject(
    r: &impl RowExt,
    branch: BranchId,
    month: &str,
    amount: Money,
    due: Date,
) -> Result<Subject, Failure> {
    let who = (branch, CustomerId(r.i64("customer_id")?));
    let mut s = customer_subject(r, who, None, due)?;
    s.vars.insert("account_no", r.text("account_no")?);
    s.vars.insert("month", month.to_string());
    s.vars.insert("amount", yuan(amount));
    Ok(s)
}

/// The notice `s` about the bill `id`.
pub(super) fn of_bill(mut s: Subject, id: i64) -> Subject {
    s.asset = Some((ASSET, id));
    s
}

/// Queues the notices of the bills issued, inside the run's transaction.
pub(super) async fn queue_in(tx: &mut Tx, db: &Db, subjects: &[Subject], today: Date) -> Result<usize, Failure> {
    let playbooks = kefu_outreach::store::effective(db, &default_playbooks()).await?;
    kefu_outreach::notices::notify_all_in(tx, playbooks.iter().find(|p| p.code == PLAYBOOK), subjects, today).await
}
