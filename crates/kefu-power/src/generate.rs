//! `kefu gen --packs power --accounts N`: the demo county at any scale. The
//! same plans as the demo (`demo::Planner`), turned into rows here and
//! written in bulk by the packs' common loader (`kefu_pack::bulk_load`), as
//! the 4S pack's customers are.

use crate::archive;
use crate::books::generated;
use crate::demo::{self, Planner};
use jiff::civil::Date;
use kefu_care::{customers, search};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_pack::bulk_load::{self, Loader, SearchKey as Key};
use kefu_pack::{Generated, Progress, Scale};
use kefu_store::{Change, Db, Rows};
use std::collections::HashSet;
use std::time::Instant;

/// Accounts per transaction.
const BATCH: usize = 10_000;

const KEY_SETS: &[&str] = &["customer_id", "source", "key_list"];

/// The tables a load writes, in an order that satisfies the foreign keys.
const TABLES: [&str; 7] = [
    "customers",
    "power_accounts",
    "power_meters",
    "power_book_accounts",
    "power_readings",
    "search_key_sets",
    "search_keys",
];

/// What a batch adds up to.
#[derive(serde::Serialize)]
struct Counts {
    accounts: usize,
    meters: usize,
    readings: usize,
}

type Batch = bulk_load::Batch<Counts>;

/// The next id of each table the loader assigns ids in.
struct NextIds {
    customer: i64,
    account: i64,
    meter: i64,
    reading: i64,
}

/// What the readings of a batch need to know: where each account's book
/// is, which tariffs are time of use, the seed.
struct Reading<'a> {
    books: &'a generated::Books,
    time_of_use: &'a HashSet<String>,
    seed: u64,
}

/// Accounts `from..to` of the county, spread over the stations in turn
/// (the `i`th account is station `i % n`'s `i / n + 1`th), as rows.
fn batch(
    plans: &mut Planner,
    stations: &[(BranchId, crate::accounts::StationPrefix)],
    (from, to): (usize, usize),
    ids: &mut NextIds,
    reading: &Reading,
    (today, now): (Date, &str),
) -> anyhow::Result<Batch> {
    let mut cust = Rows::new("customers", &customers::INSERT_COLUMNS);
    let mut accounts = Rows::new("power_accounts", &archive::ACCOUNT_INSERT);
    let mut meters = Rows::new("power_meters", &archive::METER_INSERT);
    let mut sets = Rows::new("search_key_sets", KEY_SETS);
    let mut booked = Rows::new("power_book_accounts", &generated::BOOK_ACCOUNT_INSERT);
    let mut read = Rows::new("power_readings", generated::READING_INSERT);
    let mut keys: Vec<Key> = Vec::new();
    let mut add_keys = |set: search::Keys| {
        // As search::insert_many: the keys, and the set that names them.
        sets.push([set.customer.0.into(), set.source.as_str().into(), search::key_list(&set.keys).into()]);
        keys.extend(set.keys.into_iter().map(|k| (k, set.customer.0, set.source.clone())));
    };
    let mut n_meters = 0;
    for i in from..to {
        let s = i % stations.len();
        let (station, prefix) = &stations[s];
        let mut plan = plans.account(s, *station, prefix, (i / stations.len() + 1) as u64)?;
        let id = CustomerId(ids.customer);
        ids.customer += 1;
        let c = plan.holder.record(id, *station, &format!("KH{:07}", id.0), today)?;
        cust.push(customers::insert_row(&c, now));
        add_keys(search::Keys { customer: id, source: "customer".into(), keys: customers::keys(&c) });
        plan.account.customer_id = id;
        let account_id = ids.account;
        ids.account += 1;
        accounts.push(archive::account_row(&plan.account, account_id, now));
        // An active account's (first) meter is read in its book.
        if let (Some(m), "active") = (plan.account.meters.first(), plan.account.status) {
            let (book, order) = reading.books.place(s, i / stations.len());
            booked.push([book.into(), account_id.into(), order.into()]);
            let tou = reading.time_of_use.contains(plan.account.tariff_code);
            generated::readings(
                &mut read,
                &mut ids.reading,
                (account_id, ids.meter, m),
                tou,
                (reading.seed, today, now),
            )?;
        }
        for m in &plan.account.meters {
            meters.push(archive::meter_row(m, ids.meter, Some(account_id), None));
            ids.meter += 1;
            n_meters += 1;
        }
        add_keys(archive::key_set(&plan.account, account_id));
    }
    // Sorted here, on the planner's thread, while the database writes the
    // previous batch: the final order is then a merge of sorted runs.
    keys.sort_unstable();
    let readings = read.len();
    Ok(Batch {
        tables: vec![cust, accounts, meters, booked, read, sets],
        keys,
        size: to - from,
        counts: Counts { accounts: to - from, meters: n_meters, readings },
    })
}

/// Generates the county with `scale.customers` accounts (one holder each).
pub async fn run(db: &Db, scale: Scale, progress: &dyn Progress) -> anyhow::Result<Generated> {
    let started = Instant::now();
    let (count, today) = (scale.customers, scale.today);
    let mut plans = Planner::new(scale.seed, today);
    let first_book = db.max_id("power_books").await? + 1;
    let mut tx = db.begin().await?;
    let county = demo::create_branches_in(&mut tx, db, &mut plans).await?;
    let (company, actor, stations) = (county.company, county.actor.clone(), county.stations.clone());
    let hydro = county.sites.len();
    archive::insert_in(&mut tx, Vec::new(), county.sites).await?;
    let books = generated::create_in(&mut tx, &stations, count, first_book, &instant_text(demo::noon(today)?)).await?;
    tx.audit(
        &actor,
        Change {
            entity: "gen",
            entity_id: demo::COMPANY_CODE.into(),
            action: "branches",
            branch: Some(company),
            old: None,
            new: Some(serde_json::json!({ "seed": scale.seed, "stations": stations.len(), "hydro": hydro })),
        },
    )
    .await?;
    tx.commit().await?;
    let now = instant_text(demo::noon(today)?);
    let mut ids = NextIds {
        customer: db.max_id("customers").await? + 1,
        account: db.max_id("power_accounts").await? + 1,
        meter: db.max_id("power_meters").await? + 1,
        reading: db.max_id("power_readings").await? + 1,
    };
    let time_of_use: HashSet<String> = crate::tariffs::store::all(db)
        .await?
        .into_iter()
        .filter(|t| t.basis() == crate::tariffs::Basis::TimeOfUse)
        .map(|t| t.code().to_string())
        .collect();
    let seed = scale.seed;
    let plan = move |from: usize, to: usize| {
        let reading = Reading { books: &books, time_of_use: &time_of_use, seed };
        batch(&mut plans, &stations, (from, to), &mut ids, &reading, (today, &now))
    };
    let (mut accounts, mut meters) = (0, hydro);
    let loader = Loader { db, actor: &actor, code: demo::COMPANY_CODE, branch: company, seed: scale.seed };
    let timings = loader
        .load(&TABLES, (count, BATCH), plan, (progress, "生成 gen (供电 power)"), |b: &Counts| {
            accounts += b.accounts;
            meters += b.meters;
        })
        .await?;
    db.continue_ids(&["customers", "power_accounts", "power_meters", "power_books", "power_readings"]).await?;
    // The supply contracts of the non-residential accounts, as the demo
    // writes them, once the accounts are in.
    let mut tx = db.begin().await?;
    let contracts = crate::contracts::demo::load_in(&mut tx, scale.seed, today, demo::noon(today)?).await?;
    tx.audit(
        &actor,
        Change {
            entity: "gen",
            entity_id: demo::COMPANY_CODE.into(),
            action: "contracts",
            branch: Some(company),
            old: None,
            new: Some(serde_json::json!({ "contracts": contracts })),
        },
    )
    .await?;
    tx.commit().await?;
    db.vacuum_analyze(&[]).await?;
    let summary = demo::Summary { stations: county.stations.len(), hydro, accounts, meters, contracts };
    Ok(Generated {
        summary: summary.to_string(),
        elapsed: started.elapsed(),
        keys: timings.keys,
        indexing: timings.indexing,
    })
}
