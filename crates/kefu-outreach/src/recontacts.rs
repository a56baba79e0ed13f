//! The common core's anchor for complaints: a complaint resolved on a day
//! and still waiting for its re-contact on the run's day. The
//! `complaint_recontact` playbook puts the call in the queue a week after
//! the resolution, with the complaint as its asset, so that the call's
//! outcome is recorded on the complaint (`calls::record_outcome`).

use crate::source::{AnchorSource, Subjects, customer_columns, customer_subject};
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::{BusinessZone, instant_text};
use kefu_store::{Db, RowExt};

/// The asset kind of an outreach task about a complaint.
pub const COMPLAINT: &str = "complaint";

/// Complaints by the business day they were resolved on; the day is
/// reckoned in `zone`, since they are resolved at an instant.
pub struct ComplaintRecontacts {
    pub zone: BusinessZone,
}

impl AnchorSource for ComplaintRecontacts {
    fn anchors(&self) -> &'static [&'static str] {
        &["complaint_resolved"]
    }

    fn subjects<'a>(&'a self, db: &'a Db, _anchor: &'a str, date: Date) -> Subjects<'a> {
        Box::pin(async move {
            let (from, until) = (self.zone.start_of(date), self.zone.start_of(date + 1.day()));
            // Only a complaint still resolved: one re-contacted meanwhile
            // from its page, or reopened, needs no call.
            let sql = format!(
                "SELECT p.id, p.branch_id, p.customer_id, {} \
                 FROM complaints p JOIN customers c ON c.id = p.customer_id JOIN branches b ON b.id = p.branch_id \
                 WHERE p.status = 'resolved' AND p.resolved_at >= $1 AND p.resolved_at < $2 ORDER BY p.id",
                customer_columns()
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(instant_text(from))
                .bind(instant_text(until))
                .fetch_all(db.pool())
                .await?;
            rows.iter()
                .map(|r| {
                    let whose = (BranchId(r.i64("branch_id")?), CustomerId(r.i64("customer_id")?));
                    customer_subject(r, whose, Some((COMPLAINT, r.i64("id")?)), date)
                })
                .collect()
        })
    }
}
