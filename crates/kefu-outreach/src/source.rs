//! Where the subjects of a playbook come from: for an anchor ("purchase",
//! "service_due", "birthday"…) and a day, the customers and assets whose
//! anchor falls on that day. The common core answers for customers'
//! birthdays; each pack answers for its own assets.

use crate::rules::Reachable;
use jiff::civil::Date;
use kefu_care::preferences::Preferences;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_store::{Db, Failure};
use std::future::Future;
use std::pin::Pin;

/// A customer (and perhaps one of their assets) whose anchor falls on a day.
#[derive(Debug, Clone)]
pub struct Subject {
    pub branch: BranchId,
    pub customer: CustomerId,
    /// ("vehicle", 17), or None for a touch about the customer.
    pub asset: Option<(&'static str, i64)>,
    pub anchor_date: Date,
    pub last_visit: Option<Date>,
    pub is_member: bool,
    /// For visit anchors: the kind of visit (repair, maintenance…).
    pub visit_kind: Option<String>,
    pub prefs: Preferences,
    pub reach: Reachable,
    /// Values for the message templates.
    pub vars: Vars,
}

/// Values for a message's {variables}, by variable name.
pub type Vars = std::collections::BTreeMap<&'static str, String>;

pub type Subjects<'a> = Pin<Box<dyn Future<Output = Result<Vec<Subject>, Failure>> + Send + 'a>>;

pub trait AnchorSource: Send + Sync {
    /// The anchors this source answers for.
    fn anchors(&self) -> &'static [&'static str];
    /// The subjects whose `anchor` falls on `date`.
    fn subjects<'a>(&'a self, db: &'a Db, anchor: &'a str, date: Date) -> Subjects<'a>;
}
