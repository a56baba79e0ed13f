//! Where the common core meets the installed packs: the probes a search box
//! runs, the tables a merge moves, the default playbooks, the anchors the
//! daily outreach run finds its subjects by, and the arrivals that tell
//! whether an invitation worked.

use kefu_care::search::{self, Hit, Probe};
use kefu_core::Scope;
use kefu_store::{Db, Failure};

pub fn probes(query: &str) -> Vec<Probe> {
    // Nobody types control characters into a search box; pasted ones
    // (a tab, a NUL) are dropped rather than searched for.
    let query: String = query.chars().filter(|c| !c.is_control()).collect();
    let mut p = search::core_probes(&query);
    p.extend(kefu_auto::vehicles::probes(&query));
    p
}

pub async fn search(db: &Db, scope: &Scope, query: &str, limit: usize) -> Result<Vec<Hit>, Failure> {
    search::run(db, scope, &probes(query), limit).await
}

/// The service record a complaint received at `at` is most likely about:
/// the customer's latest repair order opened by then. Its label and page.
pub async fn record_about(
    db: &Db,
    scope: &Scope,
    customer: kefu_core::ids::CustomerId,
    at: &str,
) -> Result<Option<(String, String)>, Failure> {
    let orders = kefu_auto::repair_orders::of_customer(db, scope, customer).await?;
    Ok(orders
        .into_iter()
        .find(|o| o.opened_at.as_str() <= at)
        .map(|o| (o.order_no, format!("/repair-orders/{}", o.id))))
}

/// Each of these customers' last arrival (a workshop visit, for the auto
/// pack) within the last three years.
pub async fn last_arrivals(
    db: &Db,
    customers: &[i64],
    today: jiff::civil::Date,
) -> Result<std::collections::HashMap<i64, jiff::civil::Date>, Failure> {
    let mut last = std::collections::HashMap::new();
    let since = today.saturating_sub(jiff::Span::new().years(3));
    for source in arrivals() {
        for a in source.arrivals(db, &[], customers, since, today).await? {
            let day = last.entry(a.customer).or_insert(a.date);
            *day = (*day).max(a.date);
        }
    }
    Ok(last)
}

/// The packs' tables that point at customers.
pub fn customer_references() -> Vec<(&'static str, &'static str)> {
    kefu_auto::vehicles::CUSTOMER_REFERENCES.to_vec()
}

/// The playbooks the packs ship.
pub fn default_playbooks() -> Vec<kefu_outreach::playbook::Playbook> {
    kefu_auto::outreach::default_playbooks()
}

static VEHICLES: kefu_auto::outreach::VehicleAnchors = kefu_auto::outreach::VehicleAnchors;
static BIRTHDAYS: kefu_outreach::birthdays::Birthdays = kefu_outreach::birthdays::Birthdays;

/// Every anchor source: the core's and the packs'.
pub fn anchor_sources() -> [&'static dyn kefu_outreach::source::AnchorSource; 2] {
    [&BIRTHDAYS, &VEHICLES]
}

/// Runs the day's outreach with the playbooks in force.
pub async fn run_outreach(
    db: &Db,
    actor: &kefu_core::Actor,
    today: jiff::civil::Date,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<kefu_outreach::run::Summary, Failure> {
    let playbooks = kefu_outreach::store::effective(db, &default_playbooks()).await?;
    kefu_outreach::run::run(db, actor, &playbooks, &anchor_sources(), today, progress).await
}

/// Sends the SMS and e-mails due by `today` through the configured
/// gateways: everyone's, or one customer's right after an event told them
/// something (a booking, a delay).
pub async fn send_outreach(
    app: &crate::AppState,
    actor: &kefu_core::Actor,
    whose: kefu_outreach::dispatch::Whose,
    today: jiff::civil::Date,
) -> Result<kefu_outreach::dispatch::Dispatched, Failure> {
    let playbooks = kefu_outreach::store::effective(app.db(), &default_playbooks()).await?;
    kefu_outreach::dispatch::send_messages(app.db(), actor, &app.0.channels, &playbooks, whose, today, app.local_time())
        .await
}

/// Sends at once what an event just told a customer. The event is already
/// committed: a gateway that fails leaves the message to the hourly send,
/// and only the log hears of a database failure here.
pub async fn send_notice(app: &crate::AppState, actor: &kefu_core::Actor, customer: kefu_core::ids::CustomerId) {
    let whose = kefu_outreach::dispatch::Whose::Customer(customer);
    if let Err(e) = send_outreach(app, actor, whose, app.today()).await {
        tracing::error!(error = %e, customer = customer.0, "sending a notice failed");
    }
}

static VISITS: kefu_auto::outreach::VisitArrivals = kefu_auto::outreach::VisitArrivals;

/// Where every pack tells when its customers came in.
pub fn arrivals() -> [&'static dyn kefu_outreach::source::Arrivals; 1] {
    [&VISITS]
}

/// The effectiveness report for events first touched from `from` to `to`,
/// with the playbooks in force.
pub async fn effectiveness(
    db: &Db,
    scope: &Scope,
    (from, to): (jiff::civil::Date, jiff::civil::Date),
    today: jiff::civil::Date,
) -> Result<kefu_outreach::effectiveness::Report, Failure> {
    let playbooks = kefu_outreach::store::effective(db, &default_playbooks()).await?;
    kefu_outreach::effectiveness::report(db, scope, &playbooks, &arrivals(), (from, to), today).await
}

/// The weekly follow-up summary with the playbooks in force.
pub async fn weekly(
    db: &Db,
    scope: &Scope,
    week: kefu_auto::weekly::Week,
) -> Result<kefu_auto::weekly::Summary, Failure> {
    let playbooks = kefu_outreach::store::effective(db, &default_playbooks()).await?;
    kefu_auto::weekly::summary(db, scope, &playbooks, week).await
}
