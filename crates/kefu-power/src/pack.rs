//! The power-supply pack as the core sees it (`kefu_pack::Pack`): its
//! branch kinds, tables, search probes, the table a merge moves and the
//! demo county.

use crate::{archive, contracts, demo};
use jiff::Timestamp;
use jiff::civil::Date;
use kefu_care::import::{Field, Import, Report};
use kefu_care::search::Probe;
use kefu_core::Actor;
use kefu_outreach::playbook::Playbook;
use kefu_outreach::source::{AnchorSource, Arrivals};
use kefu_pack::{BoxFuture, Demo, Generated, ImportTarget, Pack, Progress, Scale, Text};
use kefu_store::{Db, Failure};

pub struct Power;

pub static POWER: Power = Power;

impl Pack for Power {
    fn code(&self) -> &'static str {
        "power"
    }

    fn name(&self) -> Text {
        Text { zh: "供电", en: "Power supply" }
    }

    fn branch_kinds(&self) -> &'static [&'static str] {
        archive::branch_kind::ALL
    }

    fn migrations(&self) -> &'static [i64] {
        // 30: supply stations, electricity accounts and meters; 31: applications;
        // 32: planned outages; 33: electricians' training.
        // 34: inspection cases, plans and records, suspensions.
        // 35: the meter archive, its history, work orders and instruments.
        // 36: an outage's notices sent late at its approval.
        // 37: supply contracts, and the permits' expiry index; 38: their checks.
        // 39: tariffs; 40: reading books and readings; 41: bills; 42: payments;
        // 43: late charges settled and waived, collection rules, day closes, dunning steps.
        // 44: the company's power factor adjustment table.
        // 45: station and generation meters; 46: indicator targets and meetings.
        // 47: large users' and time-of-use readings, billing terms, line labels.
        &[30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47]
    }

    fn probes(&self, query: &str) -> Vec<Probe> {
        archive::probes(query)
    }

    fn customer_references(&self) -> &'static [(&'static str, &'static str)] {
        archive::CUSTOMER_REFERENCES
    }

    fn default_playbooks(&self) -> Vec<Playbook> {
        [
            contracts::default_playbooks(),
            crate::connections::notice::default_playbooks(),
            crate::outages::default_playbooks(),
            crate::collection::default_playbooks(),
            crate::bills::notice::default_playbooks(),
        ]
        .concat()
    }

    fn anchor_sources(&self) -> Vec<&'static dyn AnchorSource> {
        static CONTRACTS: contracts::ContractAnchors = contracts::ContractAnchors;
        vec![&CONTRACTS, &crate::outages::NOTICES, &crate::collection::BillDue]
    }

    /// No power playbook follows up a visit yet.
    fn visit_anchors(&self) -> &'static [&'static str] {
        &[]
    }

    fn arrivals(&self) -> Vec<&'static dyn Arrivals> {
        Vec::new()
    }

    fn import(&self) -> Option<&'static dyn ImportTarget> {
        Some(&MARKETING_SYSTEM)
    }

    fn demo(&self) -> Option<&'static dyn Demo> {
        Some(&COUNTY)
    }

    fn command<'a>(
        &'a self,
        db: &'a Db,
        actor: &'a Actor,
        when: (Date, Timestamp),
        args: Vec<String>,
    ) -> Option<BoxFuture<'a, anyhow::Result<String>>> {
        Some(Box::pin(crate::cli::run(db, actor, when, args)))
    }
}

/// The spreadsheet export of an old marketing system: accounts, their
/// holders and meters, into one supply station.
struct MarketingSystem;

static MARKETING_SYSTEM: MarketingSystem = MarketingSystem;

impl ImportTarget for MarketingSystem {
    fn fields(&self) -> &'static [Field] {
        archive::import::FIELDS
    }

    fn run<'a>(
        &'a self,
        import: &'a Import<'a>,
        today: Date,
        progress: &'a mut (dyn FnMut(&Report) + Send),
    ) -> BoxFuture<'a, Result<Report, Failure>> {
        Box::pin(async move { import.run(&mut archive::import::AccountRows::new(today), progress).await })
    }
}

/// The demo: a Guangxi county's supply stations, hydro stations and
/// accounts.
struct County;

static COUNTY: County = County;

impl Demo for County {
    fn present<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, anyhow::Result<bool>> {
        Box::pin(demo::present(db))
    }

    fn load<'a>(
        &'a self,
        db: &'a Db,
        seed: u64,
        today: Date,
        progress: &'a dyn Progress,
    ) -> BoxFuture<'a, anyhow::Result<String>> {
        Box::pin(async move { Ok(demo::load(db, seed, today, demo::ACCOUNTS, progress).await?.to_string()) })
    }

    /// The header of a marketing system's export, as the import maps it;
    /// no rows (the demo's accounts fill the stations already).
    fn import_file(&self, _seed: u64, _today: Date, _rows: usize) -> String {
        let header: Vec<&str> = archive::import::FIELDS.iter().map(|f| f.synonyms[0]).collect();
        format!("{}\n", header.join(","))
    }

    /// The county with `scale.customers` accounts, one holder each.
    fn generate<'a>(
        &'a self,
        db: &'a Db,
        scale: Scale,
        progress: &'a dyn Progress,
    ) -> BoxFuture<'a, anyhow::Result<Generated>> {
        Box::pin(crate::generate::run(db, scale, progress))
    }
}
