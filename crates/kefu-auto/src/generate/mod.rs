//! `kefu gen`: the demo's generator at any scale. The same plans as
//! `kefu demo` (one generator, crate::demo::generator), written in bulk: a
//! thread plans and turns plans into rows while the database writes the
//! previous batch; each batch is one transaction of multi-row INSERTs with
//! its audit record; secondary indexes are built once at the end.
//!
//! The search keys are the exception: their table is stored as its primary
//! key's B-tree, and ~19 keys a customer inserted in random order make every
//! insert a random page once the tree outgrows the cache (past a few hundred
//! thousand customers the load slowed to a crawl). They are kept in memory,
//! sorted, and written last in key order, which only ever appends. Each
//! batch's keys are sorted by the planner thread; merging those runs into
//! one order happens on a thread of its own while the database builds the
//! other tables' indexes.

mod rows;

use crate::demo::generator::Generator;
use crate::demo::stores::STORES;
use crate::demo::{self, Summary};
use jiff::civil::Date;
use kefu_store::Rows;
use kefu_store::{Change, Db};
use rows::{Batch, Key, NextIds, TABLES};
use std::time::{Duration, Instant};

/// Customers per transaction: large enough that commits are rare, small
/// enough that two batches in flight stay well under a gigabyte.
const BATCH: usize = 5_000;
/// Search keys per transaction in the last phase.
const KEY_BATCH: usize = 1_000_000;

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
    let (send, mut receive) = tokio::sync::mpsc::channel::<anyhow::Result<Batch>>(2);
    let planner = std::thread::spawn(move || {
        let mut generator = Generator::new(seed, today, stores);
        for start in (0..count).step_by(BATCH) {
            let plans = (start..(start + BATCH).min(count)).map(|_| generator.next_plan()).collect();
            let batch = rows::batch(plans, &store_ids, &mut ids, today);
            let failed = batch.is_err();
            if send.blocking_send(batch).is_err() || failed {
                return;
            }
        }
    });

    let indexes = db.drop_indexes(&TABLES).await?;
    db.set_bulk_load(true).await?;
    progress.start(count as u64, "生成 gen");
    let mut summary = Summary { stores: stores.len(), ..Summary::default() };
    let mut keys: Vec<Key> = Vec::new();
    let written = async {
        while let Some(batch) = receive.recv().await {
            let mut batch = batch?;
            let mut tx = db.begin().await?;
            for rows in &mut batch.tables {
                rows.write(tx.conn()).await?;
            }
            tx.audit(
                &actor,
                Change {
                    entity: "gen",
                    entity_id: demo::stores::GROUP_CODE.into(),
                    action: "load",
                    branch: Some(group),
                    old: None,
                    new: Some(serde_json::json!({
                        "seed": seed,
                        "customers": batch.customers,
                        "vehicles": batch.vehicles,
                        "visits": batch.visits,
                    })),
                },
            )
            .await?;
            tx.commit().await?;
            if keys.is_empty() {
                // Room for every batch's keys at the first batch's rate:
                // growing a vector of tens of millions of keys step by step
                // copies it again at each step.
                keys.reserve(batch.keys.len() * count.div_ceil(batch.customers.max(1)) * 11 / 10);
            }
            keys.extend(batch.keys);
            summary.customers += batch.customers;
            summary.vehicles += batch.vehicles;
            summary.visits += batch.visits;
            progress.advance(batch.customers as u64);
        }
        anyhow::Ok(())
    }
    .await;
    // Whatever happened, the schema gets its indexes back.
    drop(receive);
    let sorting = std::thread::spawn(move || {
        // Sorted runs, one a batch: the stable sort merges them.
        keys.sort();
        keys.dedup();
        keys
    });
    progress.stage("索引 indexes");
    let indexing = Instant::now();
    let restored = db.create_indexes(&indexes).await;
    let indexing = indexing.elapsed();
    progress.stage("检索键 search keys");
    let keys_started = Instant::now();
    let keys = sorting.join().map_err(|_| anyhow::anyhow!("sorting the search keys panicked"))?;
    let keys_written = match (&written, &restored) {
        (Ok(()), Ok(())) => write_keys(db, &actor, group, keys).await,
        _ => Ok(()),
    };
    let keys_took = keys_started.elapsed();
    let relaxed = db.set_bulk_load(false).await;
    progress.finish();
    planner.join().map_err(|_| anyhow::anyhow!("the planning thread panicked"))?;
    written?;
    restored?;
    keys_written?;
    relaxed?;
    db.continue_ids(&["customers", "contacts", "vehicles"]).await?;
    db.vacuum_analyze(&[]).await?;
    Ok(Report { summary, elapsed: started.elapsed(), keys: keys_took, indexing })
}

/// Writes the search keys, sorted, a million to a transaction.
async fn write_keys(
    db: &Db,
    actor: &kefu_core::Actor,
    group: kefu_core::ids::BranchId,
    keys: Vec<Key>,
) -> anyhow::Result<()> {
    let mut keys = keys.into_iter().peekable();
    while keys.peek().is_some() {
        let mut rows = Rows::new("search_keys", rows::KEYS);
        for (key, customer, source) in keys.by_ref().take(KEY_BATCH) {
            rows.push([key.into(), customer.into(), source.into()]);
        }
        let count = rows.len();
        let mut tx = db.begin().await?;
        rows.write(tx.conn()).await?;
        tx.audit(
            actor,
            Change {
                entity: "gen",
                entity_id: demo::stores::GROUP_CODE.into(),
                action: "search_keys",
                branch: Some(group),
                old: None,
                new: Some(serde_json::json!({ "keys": count })),
            },
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}
