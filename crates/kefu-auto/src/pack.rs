//! The 4S pack as the core sees it (`kefu_pack::Pack`): its search probes,
//! the tables a merge moves, its playbooks, anchors and arrivals, the
//! dealer system's import and the demo dealer group.

use crate::outreach::{VehicleAnchors, VisitArrivals};
use crate::{demo, generate, import, outreach, vehicles};
use jiff::civil::Date;
use kefu_care::import::{Field, Import, Report};
use kefu_care::search::Probe;
use kefu_outreach::playbook::Playbook;
use kefu_outreach::source::{AnchorSource, Arrivals};
use kefu_pack::{BoxFuture, Demo, Generated, ImportTarget, Pack, Progress, Scale, Text};
use kefu_store::{Db, Failure};

pub struct Auto;

pub static AUTO: Auto = Auto;

static VEHICLES: VehicleAnchors = VehicleAnchors;
static VISITS: VisitArrivals = VisitArrivals;

impl Pack for Auto {
    fn code(&self) -> &'static str {
        "auto"
    }

    fn name(&self) -> Text {
        Text { zh: "汽车 4S 店售后服务", en: "4S dealership after-sales service" }
    }

    fn branch_kinds(&self) -> &'static [&'static str] {
        &["store"]
    }

    fn migrations(&self) -> &'static [i64] {
        // 2: vehicles, mileage readings and workshop visits (beside the
        // core's archive); 6: repair orders, the workshop, insurance,
        // claims, parts, the lounge; 16: VIN search keys.
        &[2, 6, 16]
    }

    fn probes(&self, query: &str) -> Vec<Probe> {
        vehicles::probes(query)
    }

    fn customer_references(&self) -> &'static [(&'static str, &'static str)] {
        vehicles::CUSTOMER_REFERENCES
    }

    fn default_playbooks(&self) -> Vec<Playbook> {
        outreach::default_playbooks()
    }

    fn anchor_sources(&self) -> Vec<&'static dyn AnchorSource> {
        vec![&VEHICLES]
    }

    fn arrivals(&self) -> Vec<&'static dyn Arrivals> {
        vec![&VISITS]
    }

    fn import(&self) -> Option<&'static dyn ImportTarget> {
        Some(&DEALER_SYSTEM)
    }

    fn demo(&self) -> Option<&'static dyn Demo> {
        Some(&DEALER_GROUP)
    }
}

/// A dealer's old system: a row is a customer, perhaps a driver, perhaps a
/// vehicle.
struct DealerSystem;

static DEALER_SYSTEM: DealerSystem = DealerSystem;

impl ImportTarget for DealerSystem {
    fn fields(&self) -> &'static [Field] {
        import::FIELDS
    }

    fn run<'a>(
        &'a self,
        import: &'a Import<'a>,
        today: Date,
        progress: &'a mut (dyn FnMut(&Report) + Send),
    ) -> BoxFuture<'a, Result<Report, Failure>> {
        Box::pin(async move { import.run(&mut import::CustomerRows::new(today), progress).await })
    }
}

/// The demo: a dealer group with its stores, customers, vehicles and
/// workshop histories.
struct DealerGroup;

static DEALER_GROUP: DealerGroup = DealerGroup;

impl Demo for DealerGroup {
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
        Box::pin(async move { Ok(demo::load(db, seed, today, demo::CUSTOMERS, progress).await?.to_string()) })
    }

    fn import_file(&self, seed: u64, today: Date, rows: usize) -> String {
        demo::import_file::csv(seed, today, rows)
    }

    fn generate<'a>(
        &'a self,
        db: &'a Db,
        scale: Scale,
        progress: &'a dyn Progress,
    ) -> BoxFuture<'a, anyhow::Result<Generated>> {
        Box::pin(async move {
            let options = generate::Options {
                customers: scale.customers,
                seed: scale.seed,
                today: scale.today,
                stores: scale.branches,
            };
            let r = generate::run(db, options, progress).await?;
            Ok(Generated { summary: r.summary.to_string(), elapsed: r.elapsed, keys: r.keys, indexing: r.indexing })
        })
    }
}
