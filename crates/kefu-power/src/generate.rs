//! `kefu gen --packs power --accounts N`: the demo county at any scale. The
//! same plans as the demo (`demo::Planner`), written in bulk as the 4S
//! pack's generator writes its customers: a thread plans a batch and turns
//! it into rows while the database writes the one before; each batch is one
//! transaction of multi-row INSERTs with its audit record; secondary
//! indexes are built once at the end; the search keys, kept sorted in
//! memory, are written last in key order, which only ever appends to their
//! B-tree (inserted in random order they made every insert a random page
//! once the tree outgrew the cache).

use crate::archive;
use crate::demo::{self, Planner};
use jiff::civil::Date;
use kefu_care::{customers, search};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_pack::{Generated, Progress, Scale};
use kefu_store::{Change, Db, Rows};
use std::time::Instant;

/// Accounts per transaction.
const BATCH: usize = 10_000;
/// Search keys per transaction in the last phase.
const KEY_BATCH: usize = 1_000_000;

const KEY_SETS: &[&str] = &["customer_id", "source", "key_list"];
const KEYS: &[&str] = &["key", "customer_id", "source"];

/// The tables a load writes, in an order that satisfies the foreign keys.
const TABLES: [&str; 5] = ["customers", "power_accounts", "power_meters", "search_key_sets", "search_keys"];

/// A search key: the key, the customer, the source.
type Key = (String, i64, String);

struct Batch {
    tables: [Rows; 4],
    keys: Vec<Key>,
    accounts: usize,
    meters: usize,
}

/// The next id of each table the loader assigns ids in.
struct NextIds {
    customer: i64,
    account: i64,
    meter: i64,
}

/// Accounts `from..to` of the county, spread over the stations in turn
/// (the `i`th account is station `i % n`'s `i / n + 1`th), as rows.
fn batch(
    plans: &mut Planner,
    stations: &[(BranchId, crate::accounts::StationPrefix)],
    (from, to): (usize, usize),
    ids: &mut NextIds,
    (today, now): (Date, &str),
) -> anyhow::Result<Batch> {
    let mut cust = Rows::new("customers", &customers::INSERT_COLUMNS);
    let mut accounts = Rows::new("power_accounts", &archive::ACCOUNT_INSERT);
    let mut meters = Rows::new("power_meters", &archive::METER_INSERT);
    let mut sets = Rows::new("search_key_sets", KEY_SETS);
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
    Ok(Batch { tables: [cust, accounts, meters, sets], keys, accounts: to - from, meters: n_meters })
}

/// Generates the county with `scale.customers` accounts (one holder each).
pub async fn run(db: &Db, scale: Scale, progress: &dyn Progress) -> anyhow::Result<Generated> {
    let started = Instant::now();
    let (count, today) = (scale.customers, scale.today);
    let mut plans = Planner::new(scale.seed, today);
    let mut tx = db.begin().await?;
    let county = demo::create_branches_in(&mut tx, db, &mut plans).await?;
    let (company, actor, stations) = (county.company, county.actor.clone(), county.stations.clone());
    let hydro = county.sites.len();
    archive::insert_in(&mut tx, Vec::new(), county.sites).await?;
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
    };
    let (send, mut receive) = tokio::sync::mpsc::channel::<anyhow::Result<Batch>>(2);
    let planner = std::thread::spawn(move || {
        for from in (0..count).step_by(BATCH) {
            let b = batch(&mut plans, &stations, (from, (from + BATCH).min(count)), &mut ids, (today, &now));
            let failed = b.is_err();
            if send.blocking_send(b).is_err() || failed {
                return;
            }
        }
    });
    let indexes = db.drop_indexes(&TABLES).await?;
    db.set_bulk_load(true).await?;
    progress.start(count as u64, "生成 gen (供电 power)");
    let (mut accounts, mut meters) = (0, hydro);
    let mut keys: Vec<Key> = Vec::new();
    let written = async {
        while let Some(b) = receive.recv().await {
            let mut b = b?;
            let mut tx = db.begin().await?;
            for rows in &mut b.tables {
                rows.write(tx.conn()).await?;
            }
            tx.audit(
                &actor,
                Change {
                    entity: "gen",
                    entity_id: demo::COMPANY_CODE.into(),
                    action: "load",
                    branch: Some(company),
                    old: None,
                    new: Some(serde_json::json!({ "seed": scale.seed, "accounts": b.accounts, "meters": b.meters })),
                },
            )
            .await?;
            tx.commit().await?;
            if keys.is_empty() {
                // Room for every batch's keys at the first batch's rate.
                keys.reserve(b.keys.len() * count.div_ceil(b.accounts.max(1)) * 11 / 10);
            }
            keys.extend(b.keys);
            accounts += b.accounts;
            meters += b.meters;
            progress.advance(b.accounts as u64);
        }
        anyhow::Ok(())
    }
    .await;
    // Whatever happened, the schema gets its indexes back.
    drop(receive);
    let sorting = std::thread::spawn(move || {
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
        (Ok(()), Ok(())) => write_keys(db, &actor, company, keys).await,
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
    db.continue_ids(&["customers", "power_accounts", "power_meters"]).await?;
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
    Ok(Generated { summary: summary.to_string(), elapsed: started.elapsed(), keys: keys_took, indexing })
}

/// Writes the search keys, sorted, a million to a transaction.
async fn write_keys(db: &Db, actor: &kefu_core::Actor, company: BranchId, keys: Vec<Key>) -> anyhow::Result<()> {
    let mut keys = keys.into_iter().peekable();
    while keys.peek().is_some() {
        let mut rows = Rows::new("search_keys", KEYS);
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
                entity_id: demo::COMPANY_CODE.into(),
                action: "search_keys",
                branch: Some(company),
                old: None,
                new: Some(serde_json::json!({ "keys": count })),
            },
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}
