//! The demo data set: a dealer group with two Beijing stores and about 2,000
//! customers with their vehicles and workshop histories, generated from a
//! seed so the same seed and day always give the same data. Dates are laid
//! out backwards from `today`, so the demo looks like a working store on the
//! day it is loaded.
//!
//! The demo writes each customer through the archive's own capabilities;
//! `kefu gen` (crate::generate) plans with the same generator and writes in
//! bulk.

pub mod generator;
pub mod import_file;

pub mod stores;
mod vehicles;

use crate::visits;
use generator::Generator;
use jiff::civil::Date;
use kefu_accounts::branches::{self, NewBranch};
use kefu_care::contacts;
use kefu_care::customers;
use kefu_core::ids::BranchId;
use kefu_core::{Actor, Scope};
use kefu_store::{Change, Db, Tx};
use std::fmt;
use stores::{GROUP_CODE, GROUP_NAME, STORES, Store};

pub const CUSTOMERS: usize = 2_000;
const BATCH: usize = 250;

#[derive(Debug, Default)]
pub struct Summary {
    pub stores: usize,
    pub customers: usize,
    pub vehicles: usize,
    pub visits: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} 家门店 stores, {} 位客户 customers, {} 辆车 vehicles, {} 条进厂记录 workshop visits",
            self.stores, self.customers, self.vehicles, self.visits
        )
    }
}

/// Whether the group is already in the database (from the demo or `kefu gen`).
pub async fn present(db: &Db) -> anyhow::Result<bool> {
    Ok(branches::all(db).await?.iter().any(|b| b.code == GROUP_CODE))
}

/// The group and `stores`, created through the branch capability inside
/// `tx`. After a plain first start the administrator sees the top-level
/// branch it made, so the group goes beneath it where they can see it.
/// Returns the group, the store ids (in the order given) and an actor over
/// all of them.
pub async fn create_group_in(
    tx: &mut Tx,
    db: &Db,
    stores: &[Store],
) -> anyhow::Result<(BranchId, Vec<BranchId>, Actor)> {
    let existing = branches::all(db).await?;
    if existing.iter().any(|b| b.code == GROUP_CODE) {
        anyhow::bail!("the generated dealer group is already loaded (branch {GROUP_CODE} exists)");
    }
    let parent = existing.into_iter().find(|b| b.parent_id.is_none()).map(|b| b.id);
    let nobody = Actor::system(Scope::new(parent.into_iter().collect()));
    let group = branches::create_in(
        tx,
        &nobody,
        NewBranch {
            parent_id: parent,
            code: GROUP_CODE.into(),
            name: GROUP_NAME.into(),
            kind: "group".into(),
            ..NewBranch::default()
        },
    )
    .await?
    .id;
    let actor = Actor::system(Scope::new(vec![group]));
    let mut ids = Vec::new();
    for (i, s) in stores.iter().enumerate() {
        let b = branches::create_in(
            tx,
            &actor,
            NewBranch {
                parent_id: Some(group),
                code: s.code.into(),
                name: s.name.into(),
                kind: "store".into(),
                address: format!("{}{}{}{}号", s.city, s.district, s.streets[0], 18 + i * 20),
                phone: format!("{}-6{}88{:04}", s.area_code, 4 + i % 6, 1234 + i),
            },
        )
        .await?;
        ids.push(b.id);
    }
    let actor = Actor::system(Scope::new([group].into_iter().chain(ids.iter().copied()).collect()));
    Ok((group, ids, actor))
}

/// The demo with `count` customers instead of the usual number.
pub async fn load_sized(db: &Db, seed: u64, today: Date, count: usize) -> anyhow::Result<Summary> {
    load(db, seed, today, count, &()).await
}

/// Loads the demo with `count` customers, telling `progress` how far it got.
pub async fn load(
    db: &Db,
    seed: u64,
    today: Date,
    count: usize,
    progress: &dyn kefu_pack::Progress,
) -> anyhow::Result<Summary> {
    let stores = &STORES[..2];
    // Everything in one transaction: an interrupted load leaves no half
    // demo behind that a later start would mistake for a complete one.
    let mut tx = db.begin().await?;
    let (group, store_ids, actor) = create_group_in(&mut tx, db, stores).await?;
    let mut generator = Generator::new(seed, today, stores);
    progress.start(count as u64, "演示数据 demo");
    let mut summary = Summary { stores: stores.len(), ..Summary::default() };
    for batch_start in (0..count).step_by(BATCH) {
        let before = (summary.customers, summary.vehicles, summary.visits);
        for _ in batch_start..(batch_start + BATCH).min(count) {
            let plan = generator.next_plan();
            let branch = store_ids[plan.store];
            let customer = customers::create_in(&mut tx, branch, &plan.customer, None, today).await?;
            summary.customers += 1;
            let driver = match &plan.driver {
                Some(input) => Some(contacts::add_in(&mut tx, customer.id, input).await?.id),
                None => None,
            };
            if let Some(p) = &plan.preferences {
                customers::set_preferences_in(&mut tx, customer.id, p).await?;
            }
            for (mut input, history) in plan.vehicles {
                input.driver_contact_id = driver;
                let vehicle = crate::vehicles::create_in(&mut tx, branch, customer.id, &input, today).await?;
                summary.vehicles += 1;
                for mut v in history {
                    v.branch_id = branch;
                    v.vehicle_id = vehicle.id;
                    v.customer_id = customer.id;
                    let advisor = v.advisor.clone();
                    visits::record_in(&mut tx, &v, &advisor).await?;
                    summary.visits += 1;
                }
            }
            progress.advance(1);
        }
        tx.audit(
            &actor,
            Change {
                entity: "demo",
                entity_id: GROUP_CODE.into(),
                action: "load",
                branch: Some(group),
                old: None,
                new: Some(serde_json::json!({
                    "seed": seed,
                    "customers": summary.customers - before.0,
                    "vehicles": summary.vehicles - before.1,
                    "visits": summary.visits - before.2,
                })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    progress.finish();
    Ok(summary)
}
