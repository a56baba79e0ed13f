//! Queries for each search kind, sampled from the generated data: random
//! customers and vehicles in the bench user's branches, each request a
//! different one.

use kefu_care::pinyin_name::syllables;
use kefu_core::Scope;
use kefu_core::ids::BranchId;
use kefu_store::{Db, RowExt};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A search kind and the queries that exercise it.
pub struct Kind {
    pub name: &'static str,
    pub queries: Vec<String>,
}

pub struct Sample {
    pub searches: Vec<Kind>,
    pub customer_ids: Vec<i64>,
}

/// `n` random rows of `table` in `scope` matching `filter`, by probing
/// random ids (cheap at any size, unlike ORDER BY random()). The branch is
/// checked here rather than in SQL: given `branch_id IN (…)` SQLite would
/// walk the branch index instead of the id range.
async fn rows(
    db: &Db,
    scope: &Scope,
    rng: &mut ChaCha8Rng,
    table: &str,
    columns: &str,
    filter: &str,
    n: usize,
) -> anyhow::Result<Vec<sqlx::any::AnyRow>> {
    let (lo, hi): (Option<i64>, Option<i64>) =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT MIN(id), MAX(id) FROM {table}")))
            .fetch_one(db.pool())
            .await?;
    let (Some(lo), Some(hi)) = (lo, hi) else { anyhow::bail!("{table} is empty: generate data first") };
    let sql = format!("SELECT branch_id, {columns} FROM {table} WHERE id >= $1 AND {filter} ORDER BY id LIMIT 1");
    let mut out = Vec::with_capacity(n);
    for _ in 0..n * 20 {
        if out.len() == n {
            break;
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(rng.random_range(lo..=hi))
            .fetch_optional(db.pool())
            .await?;
        if let Some(r) = row
            && scope.contains(BranchId(r.i64("branch_id")?))
        {
            out.push(r);
        }
    }
    anyhow::ensure!(out.len() == n, "found only {} of {n} rows in {table} in the user's branches", out.len());
    Ok(out)
}

pub async fn take(db: &Db, scope: &Scope, n: usize, seed: u64) -> anyhow::Result<Sample> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let people = rows(
        db,
        scope,
        &mut rng,
        "customers",
        "id, name, mobile, customer_no",
        "kind = 'person' AND mobile IS NOT NULL",
        n,
    )
    .await?;
    let cars = rows(db, scope, &mut rng, "vehicles", "vin, plate", "plate IS NOT NULL", n).await?;
    let mut kinds: Vec<(&'static str, Vec<String>)> = [
        "full name",
        "partial name",
        "pinyin",
        "initials",
        "full mobile",
        "mobile last 4",
        "plate with province",
        "plate, no province, lowercase",
        "VIN last 6",
        "VIN last 8",
        "customer number",
    ]
    .into_iter()
    .map(|k| (k, Vec::with_capacity(n)))
    .collect();
    let mut customer_ids = Vec::with_capacity(n);
    for (p, car) in people.iter().zip(&cars) {
        let name = p.text("name")?;
        let mobile = p.text("mobile")?;
        let vin = car.text("vin")?;
        let plate = car.text("plate")?;
        let syl = syllables(&name);
        let values = [
            name.clone(),
            // What follows the surname: "伟" of 张伟, "建国" of 王建国.
            name.chars().skip(1).collect(),
            syl.concat(),
            syl.iter().filter_map(|s| s.chars().next()).collect(),
            mobile.clone(),
            mobile[mobile.len() - 4..].to_string(),
            plate.clone(),
            plate.chars().skip(1).collect::<String>().to_lowercase(),
            vin[vin.len() - 6..].to_string(),
            vin[vin.len() - 8..].to_string(),
            p.text("customer_no")?,
        ];
        for ((_, list), v) in kinds.iter_mut().zip(values) {
            list.push(v);
        }
        customer_ids.push(p.i64("id")?);
    }
    Ok(Sample { searches: kinds.into_iter().map(|(name, queries)| Kind { name, queries }).collect(), customer_ids })
}

/// Queries for the power pack's search kinds: random electricity accounts
/// with a meter in the bench user's branches — the whole 户号, its last six
/// digits, the meter's number and the address from its village on, as an
/// agent types them.
pub async fn take_power(db: &Db, scope: &Scope, n: usize, seed: u64) -> anyhow::Result<Sample> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let accounts = rows(
        db,
        scope,
        &mut rng,
        "power_accounts",
        "id, customer_id, account_no, supply_address",
        "status = 'active'",
        n,
    )
    .await?;
    let mut kinds: Vec<(&'static str, Vec<String>)> =
        ["power: account number", "power: account number last 6", "power: meter number", "power: address fragment"]
            .into_iter()
            .map(|k| (k, Vec::with_capacity(n)))
            .collect();
    let mut customer_ids = Vec::with_capacity(n);
    for a in &accounts {
        let number = a.text("account_no")?;
        let meter: String = sqlx::query_scalar("SELECT meter_no FROM power_meters WHERE account_id = $1 LIMIT 1")
            .bind(a.i64("id")?)
            .fetch_one(db.pool())
            .await?;
        // The shortest of the address's keys: from the village on.
        let address = kefu_power::archive::address_keys(&a.text("supply_address")?)
            .into_iter()
            .min_by_key(|k| k.chars().count())
            .map(|k| k.chars().skip(1).collect())
            .unwrap_or_default();
        let values = [number.clone(), number[number.len() - 6..].to_string(), meter, address];
        for ((_, list), v) in kinds.iter_mut().zip(values) {
            list.push(v);
        }
        customer_ids.push(a.i64("customer_id")?);
    }
    Ok(Sample { searches: kinds.into_iter().map(|(name, queries)| Kind { name, queries }).collect(), customer_ids })
}
