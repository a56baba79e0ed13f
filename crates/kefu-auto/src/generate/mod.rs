//! `kefu gen`: the demo's generator at any scale. The same plans as
//! `kefu demo` (one generator, crate::demo::generator), turned into rows
//! here and written in bulk by the packs' common loader
//! (`kefu_pack::bulk_load`), ~19 search keys a customer among them.

mod rows;

use crate::demo::generator::Generator;
use crate::demo::stores::STORES;
use crate::demo::{self, Summary};
use jiff::civil::Date;
use kefu_pack::bulk_load::Loader;
use kefu_store::Db;
use rows::{Counts, NextIds, TABLES};
use std::time::{Duration, Instant};

/// Customers per transaction: large enough that commits are rare, small
/// enough that two batches in flight stay well under a gigabyte.
const BATCH: usize = 5_000;

pub struct Options {
    pub customers: usize,
    pub seed: u64,
    pub today: Date,
    pub stores: usize,
}

/// What was generated and how long it took: in all, and of that the
/// building of the indexes after the rows were in and then the writing of
/// the search keys (with what of their sorting the indexes did not hide).
pub struct Report {
    pub summary: Summary,
    pub elapsed: Duration,
    pub keys: Duration,
    pub indexing: Duration,
}

pub async fn run(db: &Db, o: Options, progress: &dyn kefu_pack::Progress) -> anyhow::Result<Report> {
    if o.stores == 0 || o.stores > STORES.len() {
        anyhow::bail!("--stores: between 1 and {} stores", STORES.len());
    }
    let started = Instant::now();
    let stores = &STORES[..o.stores];
    let mut tx = db.begin().await?;
    let (group, store_ids, actor) = demo::create_group_in(&mut tx, db, stores).await?;
    tx.commit().await?;
    let mut ids = NextIds {
        customer: db.max_id("customers").await? + 1,
        contact: db.max_id("contacts").await? + 1,
        vehicle: db.max_id("vehicles").await? + 1,
    };
    let (seed, today, count) = (o.seed, o.today, o.customers);
    let mut generator = Generator::new(seed, today, stores);
    let plan = move |from: usize, to: usize| {
        let plans = (from..to).map(|_| generator.next_plan()).collect();
        rows::batch(plans, &store_ids, &mut ids, today)
    };
    let mut summary = Summary { stores: stores.len(), ..Summary::default() };
    let loader = Loader { db, actor: &actor, code: demo::stores::GROUP_CODE, branch: group, seed };
    let timings = loader
        .load(&TABLES, (count, BATCH), plan, (progress, "生成 gen"), |batch: &Counts| {
            summary.customers += batch.customers;
            summary.vehicles += batch.vehicles;
            summary.visits += batch.visits;
        })
        .await?;
    db.continue_ids(&["customers", "contacts", "vehicles"]).await?;
    db.vacuum_analyze(&[]).await?;
    Ok(Report { summary, elapsed: started.elapsed(), keys: timings.keys, indexing: timings.indexing })
}
