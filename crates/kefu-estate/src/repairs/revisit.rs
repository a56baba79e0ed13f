//! The 回访 call the day after a repair is completed (the pack's playbook
//! `estate_repair_revisit`): its subjects are the repairs completed on the
//! anchor day with a resident to call, each call about its repair (asset
//! kind [`ASSET`](super::store::ASSET)) so that the call queue's outcome is
//! the repair's 回访 result.

use super::store::ASSET;
use jiff::civil::Date;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_outreach::playbook::{self, Playbook};
use kefu_outreach::source::{AnchorSource, Subjects, customer_columns, customer_subject};
use kefu_store::{Db, RowExt};

/// The anchor: the business day a repair was completed.
pub const ANCHOR: &str = "estate_repair_completed";

pub fn default_playbooks() -> Vec<Playbook> {
    playbook::parse(include_str!("playbooks.toml")).expect("the shipped playbooks are valid")
}

pub struct Completed;

pub static COMPLETED: Completed = Completed;

impl AnchorSource for Completed {
    fn anchors(&self) -> &'static [&'static str] {
        &[ANCHOR]
    }

    fn subjects<'a>(&'a self, db: &'a Db, _anchor: &'a str, date: Date) -> Subjects<'a> {
        Box::pin(async move {
            let sql = format!(
                "SELECT r.id, r.branch_id, r.customer_id, r.category, r.description, {} FROM estate_repairs r \
                 JOIN customers c ON c.id = r.customer_id JOIN branches b ON b.id = r.branch_id \
                 WHERE r.completed_on = $1 AND c.merged_into IS NULL ORDER BY r.id",
                customer_columns()
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(date.to_string()).fetch_all(db.pool()).await?;
            rows.iter()
                .map(|r| {
                    let whose = (BranchId(r.i64("branch_id")?), CustomerId(r.i64("customer_id")?));
                    let mut subject = customer_subject(r, whose, Some((ASSET, r.i64("id")?)), date)?;
                    let what = super::category_of("category", &r.text("category")?).map(|c| c.zh).unwrap_or_default();
                    let description: String = r.text("description")?.chars().take(40).collect();
                    subject.vars.insert("reason", format!("{what}：{description}"));
                    Ok(subject)
                })
                .collect()
        })
    }
}
