//! The common core's anchor: customers' birthdays. Someone born on 29
//! February is greeted on 28 February in the years without one.

use crate::rules::Reachable;
use crate::source::Vars;
use crate::source::{AnchorSource, Subject, Subjects};
use jiff::civil::Date;
use kefu_care::customers::{PREFERENCE_COLUMNS, preferences_of};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_store::{Db, RowExt};

pub struct Birthdays;

/// The month-days whose birthdays fall on `date`.
pub fn birthdays_on(date: Date) -> Vec<String> {
    let mut days = vec![format!("{:02}-{:02}", date.month(), date.day())];
    if date.month() == 2 && date.day() == 28 && !date.in_leap_year() {
        days.push("02-29".into());
    }
    days
}

impl AnchorSource for Birthdays {
    fn anchors(&self) -> &'static [&'static str] {
        &["birthday"]
    }

    fn subjects<'a>(&'a self, db: &'a Db, _anchor: &'a str, date: Date) -> Subjects<'a> {
        Box::pin(async move {
            let days = birthdays_on(date);
            let sql = format!(
                "SELECT c.id, c.branch_id, c.name, c.mobile, c.email, c.address, c.is_member, {prefs}, \
                 b.name AS store, b.phone AS store_phone \
                 FROM customers c JOIN branches b ON b.id = c.branch_id \
                 WHERE substr(c.birthday, 6, 5) IN ($1, $2) AND c.merged_into IS NULL ORDER BY c.id",
                prefs = PREFERENCE_COLUMNS.split(", ").map(|col| format!("c.{col}")).collect::<Vec<_>>().join(", "),
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(days[0].clone())
                .bind(days.get(1).cloned().unwrap_or_else(|| days[0].clone()))
                .fetch_all(db.pool())
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let mobile = r.opt_text("mobile")?;
                out.push(Subject {
                    branch: BranchId(r.i64("branch_id")?),
                    customer: CustomerId(r.i64("id")?),
                    asset: None,
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
                    ]),
                });
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_day_birthdays_are_kept_on_28_february() {
        assert_eq!(birthdays_on("2027-02-28".parse().unwrap()), ["02-28", "02-29"]);
        assert_eq!(birthdays_on("2028-02-28".parse().unwrap()), ["02-28"]);
        assert_eq!(birthdays_on("2028-02-29".parse().unwrap()), ["02-29"]);
    }
}
