//! The renewal reminders: the anchors `contract_expiry` (an account's
//! contract in force ends) and `permit_expiry` (its power-use permit ends),
//! and the pack's default playbooks over them (`playbooks.toml`).

use jiff::civil::Date;
use kefu_care::customers::{PREFERENCE_COLUMNS, preferences_of};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_outreach::playbook::{self, Playbook};
use kefu_outreach::rules::Reachable;
use kefu_outreach::source::{AnchorSource, Subject, Subjects, Vars};
use kefu_store::{Db, Failure, RowExt};

/// The playbooks of this part of the pack; an administrator's edits
/// override them.
pub fn default_playbooks() -> Vec<Playbook> {
    playbook::parse(include_str!("playbooks.toml")).expect("the shipped playbooks are valid")
}

pub struct ContractAnchors;

impl AnchorSource for ContractAnchors {
    fn anchors(&self) -> &'static [&'static str] {
        &["contract_expiry", "permit_expiry"]
    }

    fn subjects<'a>(&'a self, db: &'a Db, anchor: &'a str, date: Date) -> Subjects<'a> {
        Box::pin(async move {
            let prefs = PREFERENCE_COLUMNS.split(", ").map(|col| format!("c.{col}")).collect::<Vec<_>>().join(", ");
            let sql = super::store::anchor_sql(anchor, &prefs).ok_or_else(|| {
                Failure::Store(kefu_store::StoreError::Other(format!("no power accounts for anchor {anchor}")))
            })?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(date.to_string()).fetch_all(db.pool()).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let mobile = r.opt_text("mobile")?;
                out.push(Subject {
                    branch: BranchId(r.i64("branch_id")?),
                    customer: CustomerId(r.i64("customer_id")?),
                    asset: Some((crate::archive::ASSET, r.i64("account_id")?)),
                    anchor_date: date,
                    last_visit: None,
                    is_member: r.flag("is_member")?,
                    visit_kind: None,
                    last_booking: None,
                    prefs: preferences_of(r)?,
                    reach: Reachable {
                        mobile: mobile.is_some(),
                        email: !r.text("email")?.is_empty(),
                        address: !r.text("address")?.is_empty(),
                    },
                    vars: Vars::from([
                        ("name", r.text("name")?),
                        ("store", r.text("store")?),
                        ("store_phone", r.text("store_phone")?),
                        ("account_no", r.text("account_no")?),
                    ]),
                });
            }
            Ok(out)
        })
    }
}
