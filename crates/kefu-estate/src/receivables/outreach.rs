//! Collection (上门催缴、清欠, issue 21 §6) through the outreach engine: the
//! anchor `estate_bill_due` finds, for a day, the owners of houses whose
//! bill fell due that day and is still open; the pack's default playbook
//! (`playbooks.toml`) takes the steps of [`crate::collection::Steps`] —
//! an SMS on the due date, a call after 15 days, the written demand
//! (催告函, a letter printed as PDF) after 60, a door-to-door visit task
//! in the call queue after 90. An administrator edits the steps like any
//! playbook's. A bill paid is no longer found, so no further step goes
//! out. No step cuts water, power, heat or gas: the engine has no such
//! channel and the pack no such step (民法典 第九百四十四条).

use jiff::civil::Date;
use kefu_care::customers::{PREFERENCE_COLUMNS, preferences_of};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_outreach::playbook::{self, Playbook};
use kefu_outreach::rules::Reachable;
use kefu_outreach::source::{AnchorSource, Subject, Subjects, Vars};
use kefu_store::{Db, RowExt};

use crate::fees::yuan_text;

/// The asset kind the collection tasks name: a bill.
pub const ASSET: &str = "estate_bill";

/// The playbooks of collection; an administrator's edits override them.
pub fn default_playbooks() -> Vec<Playbook> {
    playbook::parse(include_str!("playbooks.toml")).expect("the shipped playbooks are valid")
}

pub struct BillsDue;

impl AnchorSource for BillsDue {
    fn anchors(&self) -> &'static [&'static str] {
        &["estate_bill_due"]
    }

    fn subjects<'a>(&'a self, db: &'a Db, _anchor: &'a str, date: Date) -> Subjects<'a> {
        Box::pin(async move {
            let prefs = PREFERENCE_COLUMNS.split(", ").map(|col| format!("c.{col}")).collect::<Vec<_>>().join(", ");
            // The owners who have not moved out, of each house with an open
            // bill due on the day.
            let sql = format!(
                "SELECT bl.id AS bill_id, bl.bill_no, bl.outstanding, bl.branch_id, h.number, r.customer_id, c.name, \
                 c.mobile, c.email, c.address, c.is_member, {prefs}, b.name AS store, b.phone AS store_phone \
                 FROM estate_bills bl JOIN estate_houses h ON h.id = bl.house_id \
                 JOIN estate_residents r ON r.house_id = h.id AND r.role = 'owner' AND r.moved_out IS NULL \
                 JOIN customers c ON c.id = r.customer_id JOIN branches b ON b.id = bl.branch_id \
                 WHERE bl.due = $1 AND bl.outstanding > 0 AND bl.reversed_by IS NULL AND c.merged_into IS NULL \
                 ORDER BY bl.id, r.customer_id"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(date.to_string()).fetch_all(db.pool()).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(Subject {
                    branch: BranchId(r.i64("branch_id")?),
                    customer: CustomerId(r.i64("customer_id")?),
                    asset: Some((ASSET, r.i64("bill_id")?)),
                    anchor_date: date,
                    last_visit: None,
                    is_member: r.flag("is_member")?,
                    visit_kind: None,
                    last_booking: None,
                    prefs: preferences_of(r)?,
                    reach: Reachable {
                        mobile: r.opt_text("mobile")?.is_some(),
                        email: !r.text("email")?.is_empty(),
                        address: !r.text("address")?.is_empty(),
                    },
                    vars: Vars::from([
                        ("name", r.text("name")?),
                        ("store", r.text("store")?),
                        ("store_phone", r.text("store_phone")?),
                        ("house", r.text("number")?),
                        ("bill_no", r.text("bill_no")?),
                        ("outstanding", yuan_text(kefu_core::Money::from_fen(r.i64("outstanding")?))),
                    ]),
                });
            }
            Ok(out)
        })
    }
}

pub static BILLS_DUE: BillsDue = BillsDue;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::{Action, Steps};
    use kefu_outreach::playbook::Channel;

    /// The shipped playbook takes the rules' default steps, each by the
    /// channel that does it, and nothing else.
    #[test]
    fn the_playbook_takes_the_default_steps() {
        let books = default_playbooks();
        assert_eq!(books.len(), 1);
        let steps: Vec<(i64, Channel)> = books[0].steps.iter().map(|s| (s.offset_days, s.channel)).collect();
        let want: Vec<(i64, Channel)> = Steps::default()
            .steps()
            .iter()
            .map(|s| {
                let channel = match s.action {
                    Action::Sms => Channel::Sms,
                    Action::Call | Action::DoorVisit => Channel::Call,
                    Action::DemandLetter => Channel::Letter,
                };
                (s.after_days, channel)
            })
            .collect();
        assert_eq!(steps, want);
        assert_eq!(books[0].anchor, "estate_bill_due");
    }
}
