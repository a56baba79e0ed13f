//! The common core's anchor: customers' birthdays. Someone born on 29
//! February is greeted on 28 February in the years without one.

use crate::source::{AnchorSource, Subjects, customer_columns, customer_subject};
use jiff::civil::Date;
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
                "SELECT c.id, c.branch_id, {} FROM customers c JOIN branches b ON b.id = c.branch_id \
                 WHERE substr(c.birthday, 6, 5) IN ($1, $2) AND c.merged_into IS NULL ORDER BY c.id",
                customer_columns()
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(days[0].clone())
                .bind(days.get(1).cloned().unwrap_or_else(|| days[0].clone()))
                .fetch_all(db.pool())
                .await?;
            rows.iter()
                .map(|r| customer_subject(r, (BranchId(r.i64("branch_id")?), CustomerId(r.i64("id")?)), None, date))
                .collect()
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
