//! `kefu gen --packs estate --houses N`: the demo company at any scale. The
//! same plans as the demo (`demo::plan_house`, `demo::house_of`), turned
//! into rows (`archive::rows_of`) on a thread of their own and written in
//! bulk by the packs' common loader (`kefu_pack::bulk_load`): batches of
//! multi-row INSERTs with the secondary indexes built once at the end, and
//! the residents' search keys sorted and appended last rather than
//! inserted into the B-tree in random order (what grew the load's time
//! faster than the houses did).

use crate::archive::{self, DOCUMENT_INSERT, HOUSE_INSERT, Ids, RESIDENT_INSERT, VEHICLE_INSERT};
use crate::demo::{self, Made, Summary};
use crate::houses::{HouseKind, HouseNo};
use jiff::civil::Date;
use kefu_care::{customers, search};
use kefu_core::ids::CustomerId;
use kefu_core::time::instant_text;
use kefu_pack::bulk_load::{self, Loader, SearchKey as Key};
use kefu_pack::{Progress, Scale};
use kefu_store::{Change, Db, Rows};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::time::Duration;

/// Houses per transaction.
const BATCH: usize = 10_000;

const KEY_SETS: &[&str] = &["customer_id", "source", "key_list"];

/// The tables a load writes, in an order that satisfies the foreign keys.
const TABLES: [&str; 7] = [
    "customers",
    "estate_houses",
    "estate_residents",
    "estate_documents",
    "estate_vehicles",
    "search_key_sets",
    "search_keys",
];

/// What a batch adds up to.
#[derive(serde::Serialize, Default)]
struct Counts {
    houses: usize,
    people: usize,
    vehicles: usize,
}

/// An estate as the planner goes through it.
struct EstatePlan {
    made: Made,
    numbers: Vec<(HouseNo, HouseKind)>,
    buildings: HashMap<String, i64>,
    /// Spaces in use, not yet given to a car.
    free_spaces: Vec<String>,
    /// Every parking space planned so far, by number.
    spaces: HashMap<String, i64>,
}

/// The planner's state from batch to batch.
struct Planner {
    rng: ChaCha8Rng,
    today: Date,
    now: String,
    estates: Vec<EstatePlan>,
    /// The next id of each table the loader numbers.
    next: [i64; 4],
}

impl Planner {
    /// Houses `from..to` of the company (the estates' shares one after
    /// the other), as rows.
    fn batch(&mut self, from: usize, to: usize) -> anyhow::Result<bulk_load::Batch<Counts>> {
        let mut cust = Rows::new("customers", &customers::INSERT_COLUMNS);
        let mut houses = Rows::new("estate_houses", &HOUSE_INSERT);
        let mut residents = Rows::new("estate_residents", &RESIDENT_INSERT);
        let mut documents = Rows::new("estate_documents", &DOCUMENT_INSERT);
        let mut vehicles = Rows::new("estate_vehicles", &VEHICLE_INSERT);
        let mut sets = Rows::new("search_key_sets", KEY_SETS);
        let mut keys: Vec<Key> = Vec::new();
        let mut add_keys = |set: search::Keys| {
            // As search::insert_many: the keys, and the set that names them.
            sets.push([set.customer.0.into(), set.source.as_str().into(), search::key_list(&set.keys).into()]);
            keys.extend(set.keys.into_iter().map(|k| (k, set.customer.0, set.source.clone())));
        };
        let mut counts = Counts::default();
        let mut start = 0;
        for e in &mut self.estates {
            let (first, last) = (from.max(start), to.min(start + e.made.share));
            start += e.made.share;
            if first >= last {
                continue;
            }
            let offset = start - e.made.share;
            let mut inputs = Vec::new();
            let mut plans = Vec::with_capacity(last - first);
            let mut ids = Vec::with_capacity(last - first);
            for i in first..last {
                let house = e.numbers[i - offset].clone();
                let id = self.next[1];
                self.next[1] += 1;
                if matches!(house.0, HouseNo::Parking { .. }) {
                    e.spaces.insert(house.0.to_string(), id);
                }
                let at = (self.today, e.made.address.as_str());
                plans.push(demo::plan_house(&mut self.rng, at, house, &mut inputs, &mut e.free_spaces));
                ids.push(id);
            }
            let first_customer = self.next[0];
            for (n, input) in inputs.iter().enumerate() {
                let id = CustomerId(first_customer + n as i64);
                let c = input.record(id, e.made.branch, &format!("KH{:07}", id.0), self.today)?;
                cust.push(customers::insert_row(&c, &self.now));
                add_keys(search::Keys { customer: id, source: "customer".into(), keys: customers::keys(&c) });
            }
            self.next[0] += inputs.len() as i64;
            let mut summary = Summary::default();
            let built: Vec<_> = plans
                .into_iter()
                .map(|p| {
                    let customer = |i: usize| CustomerId(first_customer + i as i64);
                    demo::house_of(&mut self.rng, p, customer, &mut e.free_spaces, &mut summary)
                })
                .collect();
            let (mut resident, mut vehicle) = (self.next[2].., self.next[3]..);
            let found =
                Ids { buildings: &e.buildings, spaces: &e.spaces, resident: &mut resident, vehicle: &mut vehicle };
            let rows = archive::rows_of(e.made.branch, &built, &ids, found, &self.now)?;
            self.next[2] += rows.residents.len() as i64;
            self.next[3] += rows.vehicles.len() as i64;
            counts.houses += built.len();
            counts.people += inputs.len();
            counts.vehicles += rows.vehicles.len();
            rows.houses.into_iter().for_each(|r| houses.push(r));
            rows.residents.into_iter().for_each(|r| residents.push(r));
            rows.documents.into_iter().for_each(|r| documents.push(r));
            rows.vehicles.into_iter().for_each(|r| vehicles.push(r));
            rows.keys.into_iter().for_each(&mut add_keys);
        }
        // Sorted here, on the planner's thread, while the database writes
        // the previous batch: the final order is then a merge of sorted runs.
        keys.sort_unstable();
        Ok(bulk_load::Batch {
            tables: vec![cust, houses, residents, documents, vehicles, sets],
            keys,
            size: to - from,
            counts,
        })
    }
}

/// The company with `scale.customers` houses; how long the bulk load's
/// two last phases took (search keys, indexes).
pub async fn run(
    db: &Db,
    scale: Scale,
    now: jiff::Timestamp,
    progress: &dyn Progress,
) -> anyhow::Result<(Summary, Duration, Duration)> {
    let count = scale.customers;
    let mut tx = db.begin().await?;
    let (actor, made) = demo::company_in(&mut tx, db, count).await?;
    let company = actor.scope.branches()[0];
    tx.audit(
        &actor,
        Change {
            entity: "gen",
            entity_id: demo::COMPANY_CODE.into(),
            action: "branches",
            branch: Some(company),
            old: None,
            new: Some(serde_json::json!({ "seed": scale.seed, "houses": count })),
        },
    )
    .await?;
    tx.commit().await?;
    let mut summary = Summary { estates: made.len(), ..Summary::default() };
    let mut estates = Vec::new();
    for m in made {
        let (numbers, buildings) = demo::numbers(m.share);
        summary.buildings += buildings;
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT code, id FROM estate_buildings WHERE branch_id = $1")
            .bind(m.branch.0)
            .fetch_all(db.pool())
            .await?;
        estates.push(EstatePlan {
            made: m,
            numbers,
            buildings: rows.into_iter().collect(),
            free_spaces: Vec::new(),
            spaces: HashMap::new(),
        });
    }
    let next = [
        db.max_id("customers").await? + 1,
        db.max_id("estate_houses").await? + 1,
        db.max_id("estate_residents").await? + 1,
        db.max_id("estate_vehicles").await? + 1,
    ];
    let mut planner =
        Planner { rng: demo::archive_rng(scale.seed), today: scale.today, now: instant_text(now), estates, next };
    let plan = move |from: usize, to: usize| planner.batch(from, to);
    let loader = Loader { db, actor: &actor, code: demo::COMPANY_CODE, branch: company, seed: scale.seed };
    let timings = loader
        .load(&TABLES, (count, BATCH), plan, (progress, "生成 gen (物业 estate)"), |b: &Counts| {
            summary.houses += b.houses;
            summary.people += b.people;
            summary.vehicles += b.vehicles;
        })
        .await?;
    db.continue_ids(&["customers", "estate_houses", "estate_residents", "estate_vehicles"]).await?;
    db.vacuum_analyze(&[]).await?;
    Ok((summary, timings.keys, timings.indexing))
}
