//! What the archive's pages and API read: search results paired with their
//! customers, and the 360° view of one customer, from the common core and
//! every enabled pack. The benchmark's floor reads through here too.

use crate::packs::{CustomerPart, Enabled};
use jiff::civil::Date;
use kefu_care::contacts::{self, Contact};
use kefu_care::customers::{self, Customer};
use kefu_care::merge::{self, Suspect};
use kefu_care::timeline::{self, Event};
use kefu_core::Scope;
use kefu_core::ids::CustomerId;
use kefu_store::{Db, Failure};

/// The customers a search finds, best first, with what matched.
pub async fn search_customers(
    db: &Db,
    packs: &kefu_pack::Packs,
    scope: &Scope,
    query: &str,
    limit: usize,
) -> Result<Vec<(Customer, &'static str)>, Failure> {
    let hits = packs.search(db, scope, query, limit).await?;
    Ok(hits.into_iter().map(|h| (h.customer, h.matched)).collect())
}

/// Everything the 360° view shows of one customer.
pub struct Overview {
    pub customer: Customer,
    pub contacts: Vec<Contact>,
    /// What each enabled pack holds of the customer, in the packs' order.
    pub parts: Vec<CustomerPart>,
    /// The last contacts (calls, SMS, letters, e-mail, visits).
    pub recent: Vec<Event>,
    /// The newest `timeline` events of every kind.
    pub events: Vec<Event>,
    pub suspects: Vec<Suspect>,
}

/// How many of the last contacts the 360° view shows.
const RECENT_CONTACTS: usize = 5;

pub async fn overview(
    db: &Db,
    packs: &Enabled,
    scope: &Scope,
    (id, today): (CustomerId, Date),
    timeline: i64,
) -> Result<Overview, Failure> {
    let customer = customers::get(db, scope, id).await?;
    let mut parts = Vec::new();
    for pack in packs.web() {
        parts.push(pack.customer_part(db, scope, &customer, today).await?);
    }
    let events = timeline::of_customer(db, scope, id, &[], timeline).await?;
    // The last contacts are read from the newest events when these hold
    // five of them or are all there is; only a long run of other events
    // (repair orders, changes) needs a second read.
    let contact = |e: &&Event| timeline::kind::CONTACTS.contains(&e.kind.as_str());
    let recent: Vec<Event> = events.iter().filter(contact).take(RECENT_CONTACTS).cloned().collect();
    let recent = if recent.len() == RECENT_CONTACTS || (events.len() as i64) < timeline {
        recent
    } else {
        timeline::of_customer(db, scope, id, &timeline::kind::CONTACTS, RECENT_CONTACTS as i64).await?
    };
    Ok(Overview {
        contacts: contacts::of_customer(db, id).await?,
        parts,
        recent,
        events,
        suspects: merge::suspects(db, scope, &customer).await?,
        customer,
    })
}
