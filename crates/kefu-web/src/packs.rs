//! Where the common core meets the installed packs: the probes a search box
//! runs, the tables a merge moves, the default playbooks, the anchors the
//! daily outreach run finds its subjects by, and the arrivals that tell
//! whether an invitation worked.

use kefu_care::search::{self, Hit, Probe};
use kefu_core::Scope;
use kefu_core::time::BusinessZone;
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

/// The packs' tables that point at customers.
pub fn customer_references() -> Vec<(&'static str, &'static str)> {
    kefu_auto::vehicles::CUSTOMER_REFERENCES.to_vec()
}

/// The playbooks the core and the packs ship.
pub fn default_playbooks() -> Vec<kefu_outreach::playbook::Playbook> {
    let mut playbooks = kefu_outreach::playbook::core_playbooks();
    playbooks.extend(kefu_auto::outreach::default_playbooks());
    playbooks
}

/// Every anchor source: the core's and the packs'. A complaint's day is
/// reckoned in the business `zone`.
pub fn anchor_sources(zone: &BusinessZone) -> Vec<Box<dyn kefu_outreach::source::AnchorSource>> {
    vec![
        Box::new(kefu_outreach::birthdays::Birthdays),
        Box::new(kefu_outreach::recontacts::ComplaintRecontacts { zone: zone.clone() }),
        Box::new(kefu_auto::outreach::VehicleAnchors),
    ]
}

/// Runs the day's outreach with the playbooks in force.
pub async fn run_outreach(
    db: &Db,
    actor: &kefu_core::Actor,
    today: jiff::civil::Date,
    zone: &BusinessZone,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<kefu_outreach::run::Summary, Failure> {
    let playbooks = kefu_outreach::store::effective(db, &default_playbooks()).await?;
    let sources = anchor_sources(zone);
    let sources: Vec<&dyn kefu_outreach::source::AnchorSource> = sources.iter().map(|s| s.as_ref()).collect();
    kefu_outreach::run::run(db, actor, &playbooks, &sources, today, progress).await
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
