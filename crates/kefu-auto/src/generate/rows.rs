//! Plans turned into the rows the archive's capabilities write — the same
//! records (`CustomerInput::record`, `ContactInput::record`,
//! `VehicleInput::record`), the same search keys (`customers::keys`,
//! `contacts::keys`, `vehicles::keys`) and the same timeline entries
//! (`visits::event`) — with ids assigned here so that a batch needs no
//! round trips.

use crate::demo::generator::Plan;
use crate::{maintenance, vehicles, visits};
use jiff::civil::Date;
use kefu_care::{contacts, customers, search};
use kefu_core::ids::{BranchId, ContactId, CustomerId, VehicleId};
use kefu_core::time::{Clock, SystemClock, instant_text};
use kefu_pack::bulk_load::{self, SearchKey as Key};
use kefu_store::Rows;

/// The next id of each table whose ids other rows point at.
#[derive(Debug, Clone, Copy)]
pub struct NextIds {
    pub customer: i64,
    pub contact: i64,
    pub vehicle: i64,
}

/// What a batch adds up to.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Counts {
    pub customers: usize,
    pub vehicles: usize,
    pub visits: usize,
}

pub type Batch = bulk_load::Batch<Counts>;

const TAGS: &[&str] = &["customer_id", "tag"];
const READINGS: &[&str] = &["vehicle_id", "reading_date", "mileage_km", "source"];
const VISITS: &[&str] = &[
    "branch_id",
    "vehicle_id",
    "customer_id",
    "visit_date",
    "kind",
    "mileage_km",
    "amount_fen",
    "advisor",
    "summary",
    "created_at",
];
const EVENTS: &[&str] =
    &["branch_id", "customer_id", "asset_kind", "asset_id", "at", "kind", "summary", "detail", "actor"];
const KEY_SETS: &[&str] = &["customer_id", "source", "key_list"];

/// The tables a load writes, in an order that satisfies the foreign keys.
pub const TABLES: [&str; 9] = [
    "customers",
    "customer_tags",
    "contacts",
    "vehicles",
    "mileage_readings",
    "service_visits",
    "timeline_events",
    "search_key_sets",
    "search_keys",
];

/// Builds the rows of a batch of plans. `stores` maps a plan's store to its
/// branch; `ids` is advanced past the ids used.
pub fn batch(plans: Vec<Plan>, stores: &[BranchId], ids: &mut NextIds, today: Date) -> anyhow::Result<Batch> {
    let now = instant_text(SystemClock.now());
    let columns: [&'static [&'static str]; 8] = [
        &customers::INSERT_COLUMNS,
        TAGS,
        &contacts::INSERT_COLUMNS,
        &vehicles::INSERT_COLUMNS,
        READINGS,
        VISITS,
        EVENTS,
        KEY_SETS,
    ];
    let [mut cust, mut tags, mut cont, mut veh, mut read, mut vis, mut ev, mut sets] = columns
        .into_iter()
        .zip(TABLES)
        .map(|(cols, table)| Rows::new(table, cols))
        .collect::<Vec<_>>()
        .try_into()
        .map_err(|_| anyhow::anyhow!("one buffer per table"))?;
    let (mut n_vehicles, mut n_visits) = (0, 0);
    let n_customers = plans.len();
    let mut keys: Vec<Key> = Vec::new();
    let mut add_keys = |customer: CustomerId, source: &str, list: Vec<String>| {
        // As search::insert_many: the keys, and the set that names them.
        sets.push([customer.0.into(), source.into(), search::key_list(&list).into()]);
        keys.extend(list.into_iter().map(|k| (k, customer.0, source.to_string())));
    };
    for plan in plans {
        let branch = stores[plan.store];
        let id = CustomerId(ids.customer);
        ids.customer += 1;
        let mut c = plan.customer.record(id, branch, &format!("KH{:07}", id.0), today)?;
        if let Some(input) = &plan.preferences {
            c.preferences = input.validate()?;
        }
        cust.push(customers::insert_row(&c, &now));
        for t in &c.tags {
            tags.push([c.id.0.into(), t.as_str().into()]);
        }
        add_keys(c.id, "customer", customers::keys(&c));
        let driver = match &plan.driver {
            Some(input) => {
                let k = input.record(ContactId(ids.contact), c.id)?;
                ids.contact += 1;
                cont.push(contacts::insert_row(&k, &now));
                add_keys(c.id, &format!("contact:{}", k.id), contacts::keys(&k));
                Some(k.id)
            }
            None => None,
        };
        for (mut input, history) in plan.vehicles {
            input.driver_contact_id = driver;
            let mut v = input.record(VehicleId(ids.vehicle), branch, c.id, today)?;
            ids.vehicle += 1;
            n_vehicles += 1;
            // What vehicles::refresh_due_dates reads back after each visit.
            let (mut readings, mut visited) = (Vec::new(), Vec::new());
            // As vehicles::create_in: a mileage given with the vehicle is a
            // reading of today.
            if v.mileage_km > 0 {
                read.push([v.id.0.into(), today.to_string().into(), v.mileage_km.into(), "import".into()]);
                readings.push((today, v.mileage_km));
            }
            for mut visit in history {
                visit.branch_id = branch;
                visit.vehicle_id = v.id;
                visit.customer_id = c.id;
                n_visits += 1;
                vis.push([
                    branch.0.into(),
                    v.id.0.into(),
                    c.id.0.into(),
                    visit.visit_date.to_string().into(),
                    visit.kind.as_str().into(),
                    visit.mileage_km.into(),
                    visit.amount.fen().into(),
                    visit.advisor.as_str().into(),
                    visit.summary.as_str().into(),
                    now.as_str().into(),
                ]);
                // As visits::record_in: the visit is a mileage reading, the
                // vehicle's mileage follows the highest, and the visit
                // enters the timeline.
                read.push([
                    v.id.0.into(),
                    visit.visit_date.to_string().into(),
                    visit.mileage_km.into(),
                    "visit".into(),
                ]);
                v.mileage_km = v.mileage_km.max(visit.mileage_km);
                readings.push((visit.visit_date, visit.mileage_km));
                visited.push((visit.visit_date, visit.kind.clone()));
                let e = visits::event(&visit, &visit.advisor);
                ev.push([
                    e.branch.0.into(),
                    e.customer.0.into(),
                    e.asset.map(|(k, _)| k.to_string()).into(),
                    e.asset.map(|(_, id)| id).into(),
                    instant_text(e.at).into(),
                    e.kind.into(),
                    e.summary.into(),
                    e.detail.to_string().into(),
                    e.actor.into(),
                ]);
            }
            readings.sort_by_key(|(day, _)| *day);
            let service = maintenance::service_dates(
                v.purchase_date,
                visited.iter().map(|(day, kind)| (*day, kind.as_str())),
                &readings,
            );
            veh.push(vehicles::insert_row(&v, &service, &now));
            add_keys(c.id, &format!("vehicle:{}", v.id), vehicles::keys(&v));
        }
    }
    // Sorted here, on the planner's thread, while the database writes the
    // previous batch: the final order is then a merge of sorted runs.
    keys.sort_unstable();
    Ok(Batch {
        tables: vec![cust, tags, cont, veh, read, vis, ev, sets],
        keys,
        size: n_customers,
        counts: Counts { customers: n_customers, vehicles: n_vehicles, visits: n_visits },
    })
}
