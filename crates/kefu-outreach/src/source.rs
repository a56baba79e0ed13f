//! Where the subjects of a playbook come from: for an anchor ("purchase",
//! "service_due", "birthday"…) and a day, the customers and assets whose
//! anchor falls on that day. The common core answers for customers'
//! birthdays; each pack answers for its own assets.

use crate::rules::Reachable;
use jiff::civil::Date;
use kefu_care::customers::{PREFERENCE_COLUMNS, preferences_of};
use kefu_care::preferences::Preferences;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_store::{Db, Failure, RowExt};
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
    /// The day the latest appointment still standing for this subject was
    /// booked (a pack's appointments), for the "booked" stop.
    pub last_booking: Option<Date>,
    pub prefs: Preferences,
    pub reach: Reachable,
    /// Values for the message templates.
    pub vars: Vars,
}

/// The columns [`customer_subject`] reads: the customer `c`'s name,
/// ways to reach them and preferences, and their store `b`.
pub fn customer_columns() -> String {
    let prefs = PREFERENCE_COLUMNS.split(", ").map(|col| format!("c.{col}")).collect::<Vec<_>>().join(", ");
    format!("c.name, c.mobile, c.email, c.address, c.is_member, {prefs}, b.name AS store, b.phone AS store_phone")
}

/// A subject about a customer (and perhaps `asset`) from a row holding
/// [`customer_columns`], anchored on `date`.
pub fn customer_subject(
    r: &impl RowExt,
    (branch, customer): (BranchId, CustomerId),
    asset: Option<(&'static str, i64)>,
    date: Date,
) -> Result<Subject, Failure> {
    Ok(Subject {
        branch,
        customer,
        asset,
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
        ]),
    })
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

/// A day a customer came, with the asset they came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub customer: i64,
    /// The asset's id, of the source's [`Arrivals::asset_kind`].
    pub asset: i64,
    pub date: Date,
}

pub type Found<'a, T> = Pin<Box<dyn Future<Output = Result<T, Failure>> + Send + 'a>>;

/// Where a pack tells when its customers came in (the auto pack: workshop
/// visits), for the effectiveness report. Arrivals are not limited to the
/// reader's branches: a customer solicited by one store who came to a sister
/// store still came.
pub trait Arrivals: Send + Sync {
    /// The asset kind the arrivals are of ("vehicle").
    fn asset_kind(&self) -> &'static str;
    /// Arrivals from `from` to `until` (inclusive) of these assets, and of
    /// any asset of these customers.
    fn arrivals<'a>(
        &'a self,
        db: &'a Db,
        assets: &'a [i64],
        customers: &'a [i64],
        from: Date,
        until: Date,
    ) -> Found<'a, Vec<Arrival>>;
    /// A short name for each asset, as staff know it (the plate).
    fn labels<'a>(&'a self, db: &'a Db, assets: &'a [i64]) -> Found<'a, std::collections::HashMap<i64, String>>;
}
