//! The demo county's station and generation meters: an intake meter at each
//! supply station and a generation meter at each small hydro station (the
//! hydro's archive meter, feeding the supply station of its township), with
//! 24 months of readings up to the month just closed. A month the station
//! billed takes in its billed kWh grossed up by a line loss of 3–6.5 % —
//! 7.3–8.8 % at two stations, which miss the 7 % target; a month it did not
//! bill takes in what its accounts usually use. Targets for every station,
//! and last month's analysis meeting with an action overdue.

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Scope};
use kefu_store::{Change, Db, RowExt, Tx};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::meters::month_kwh;

/// Months of readings.
const MONTHS: i32 = 24;
/// The stations (by place in prefix order) whose line loss misses its target.
const LOSSY: [usize; 2] = [3, 7];
/// An intake meter's multiplier: CT 30/5 × PT 10000/100.
const INTAKE_MULTIPLIER: i64 = 600;

/// The register's advance (hundredths of a kWh) that reads as about `kwh`.
fn advance(kwh: i64, multiplier: i64) -> i64 {
    (kwh * 100 + multiplier / 2) / multiplier
}

/// Wet months feed more from the hydros; summer and winter use more.
fn season(month: i8) -> (i64, i64) {
    match month {
        4..=9 => (30, 110),
        12 | 1 | 2 => (8, 115),
        _ => (15, 100),
    }
}

/// A hydro station: its branch, name, archive meter and multiplier.
type Hydro = (i64, String, String, i64);

/// A meter the demo registers.
struct DemoMeter {
    no: String,
    kind: &'static str,
    station: i64,
    site: Option<i64>,
    name: String,
    multiplier: i64,
    price: Option<i64>,
}

impl DemoMeter {
    async fn insert(self, tx: &mut Tx, at: &str) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(
            "INSERT INTO power_supply_meters (meter_no, kind, branch_id, site_branch_id, name, multiplier, opening_reading, \
             price, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8) RETURNING id",
        )
        .bind(self.no)
        .bind(self.kind.to_string())
        .bind(self.station)
        .bind(self.site)
        .bind(self.name)
        .bind(self.multiplier)
        .bind(self.price)
        .bind(at.to_string())
        .fetch_one(tx.conn())
        .await
    }
}

/// Writes a meter's reading of a month (`month`, read on, entered at) about
/// `kwh` on from `register`, which it moves on.
async fn write(
    tx: &mut Tx,
    (month, read_on, at): (&str, &str, &str),
    (meter, multiplier): (i64, i64),
    register: &mut i64,
    kwh: i64,
) -> Result<(), sqlx::Error> {
    let next = *register + advance(kwh, multiplier);
    let kwh = month_kwh(*register, next, multiplier);
    *register = next;
    sqlx::query(
        "INSERT INTO power_supply_readings (meter_id, month, read_on, reading, kwh, entered_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, '演示', $6)",
    )
    .bind(meter)
    .bind(month.to_string())
    .bind(read_on.to_string())
    .bind(next)
    .bind(kwh)
    .bind(at.to_string())
    .execute(tx.conn())
    .await
    .map(|_| ())
}

pub async fn load(db: &Db, seed: u64, today: Date) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x696e_6463); // "indc"
    let stations: Vec<(i64, String, String, i64)> = sqlx::query(
        "SELECT s.branch_id, s.prefix, b.name, (SELECT COUNT(*) FROM power_accounts a WHERE a.branch_id = s.branch_id \
         AND a.status = 'active') AS accounts FROM power_stations s JOIN branches b ON b.id = s.branch_id ORDER BY s.prefix",
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((r.i64("branch_id")?, r.text("prefix")?, r.text("name")?, r.i64("accounts")?)))
    .collect::<kefu_store::Result<_>>()?;
    // The hydros in the order the county made them: the i-th stands in
    // township (3i + 5) mod 10 (`demo::create_branches_in`).
    let hydros: Vec<Hydro> = sqlx::query(
        "SELECT b.id, b.name, m.meter_no, (m.ct_primary * m.pt_primary) / (m.ct_secondary * m.pt_secondary) AS multiplier \
         FROM branches b JOIN power_meters m ON m.site_branch_id = b.id WHERE b.code LIKE '%-SD%' ORDER BY b.code",
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((r.i64("id")?, r.text("name")?, r.text("meter_no")?, r.i64("multiplier")?)))
    .collect::<kefu_store::Result<_>>()?;
    if stations.is_empty() {
        return Ok(());
    }
    let first = today.first_of_month();
    let months: Vec<Date> = (1..=MONTHS).rev().map(|k| first - k.months()).collect();
    let mut branches: Vec<BranchId> = stations.iter().map(|s| BranchId(s.0)).collect();
    branches.extend(hydros.iter().map(|h| BranchId(h.0)));
    let actor = Actor::system(Scope::new(branches));
    let mut tx = db.begin().await?;
    let at = instant_text(tx.now());
    let mut readings = 0;
    for (s, (station, prefix, name, accounts)) in stations.iter().enumerate() {
        let intake = DemoMeter {
            no: format!("GK-{prefix}-01"),
            kind: super::meters::INTAKE,
            station: *station,
            site: None,
            name: format!("{name}10kV关口表"),
            multiplier: INTAKE_MULTIPLIER,
            price: None,
        }
        .insert(&mut tx, &at)
        .await?;
        let feeding: Vec<(usize, &Hydro)> =
            hydros.iter().enumerate().filter(|(i, _)| (i * 3 + 5) % stations.len() == s).collect();
        let mut hydro_meters = Vec::new();
        for (_, (site, site_name, meter_no, multiplier)) in &feeding {
            // Guangxi's small hydro purchase prices run about 0.25–0.33 yuan a kWh.
            let price = rng.random_range(2500..3300);
            let id = DemoMeter {
                no: meter_no.clone(),
                kind: super::meters::GENERATION,
                station: *station,
                site: Some(*site),
                name: format!("{site_name}上网关口表"),
                multiplier: (*multiplier).max(1),
                price: Some(price),
            }
            .insert(&mut tx, &at)
            .await?;
            hydro_meters.push((id, (*multiplier).max(1)));
        }
        let billed: Vec<(String, i64)> = sqlx::query(
            "SELECT month, CAST(SUM(kwh) AS BIGINT) AS kwh FROM power_bills WHERE branch_id = $1 GROUP BY month",
        )
        .bind(*station)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| Ok((r.text("month")?, r.i64("kwh")?)))
        .collect::<kefu_store::Result<_>>()?;
        // What the station usually sells a month: its billed months' mean,
        // else its accounts at the county's usual 120 kWh.
        let usual = match billed.iter().filter(|b| b.1 > 0).count() as i64 {
            0 => accounts.max(&1) * 120,
            n => billed.iter().map(|b| b.1).sum::<i64>() / n,
        };
        let (mut intake_register, mut hydro_registers) = (0i64, vec![0i64; hydro_meters.len()]);
        for month in &months {
            let m = month.strftime("%Y-%m").to_string();
            let (hydro_share, use_factor) = season(month.month());
            let sold = billed.iter().find(|b| b.0 == m).map(|b| b.1).filter(|k| *k > 0);
            let sold = sold.unwrap_or(usual * use_factor / 100);
            // Hundredths of a percent: two stations lose more than their target.
            let loss = if LOSSY.contains(&s) { rng.random_range(730..880) } else { rng.random_range(300..650) };
            let supplied = sold * 10_000 / (10_000 - loss);
            let fed = if hydro_meters.is_empty() { 0 } else { supplied * hydro_share / 100 };
            let read_on = (*month + 1.month() - 1.day()).to_string();
            let month_read = (m.as_str(), read_on.as_str(), at.as_str());
            write(&mut tx, month_read, (intake, INTAKE_MULTIPLIER), &mut intake_register, supplied - fed).await?;
            readings += 1;
            let n = hydro_meters.len() as i64;
            for (k, (meter, multiplier)) in hydro_meters.iter().enumerate() {
                let share = fed / n.max(1) + i64::from(k == 0) * (fed % n.max(1));
                write(&mut tx, month_read, (*meter, *multiplier), &mut hydro_registers[k], share).await?;
                readings += 1;
            }
        }
        sqlx::query(
            "INSERT INTO power_indicator_targets (branch_id, line_loss_at_most, collection_at_least, \
             average_price_at_least, updated_at) VALUES ($1, 700, 9800, 5500, $2)",
        )
        .bind(*station)
        .bind(at.clone())
        .execute(tx.conn())
        .await?;
    }
    tx.audit(
        &actor,
        Change {
            entity: "demo",
            entity_id: "power_indicators".into(),
            action: "load",
            branch: None,
            old: None,
            new: Some(serde_json::json!({ "seed": seed, "readings": readings })),
        },
    )
    .await?;
    tx.commit().await?;
    meeting(db, today).await
}

/// Last month's analysis meeting at the company, one action done and one
/// past its date.
async fn meeting(db: &Db, today: Date) -> anyhow::Result<()> {
    let Some(company): Option<i64> = sqlx::query_scalar("SELECT id FROM branches WHERE code = $1")
        .bind(crate::demo::COMPANY_CODE)
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(());
    };
    let actor = Actor::system(Scope::new(vec![BranchId(company)]));
    let month = super::store::last_month(today);
    let minutes = super::meetings::Minutes {
        held_on: (today.first_of_month() + 4.days()).min(today).to_string(),
        attendees: "分管副总经理、营销部主任、客户服务中心主任、各供电所所长".into(),
        notes:
            "各所通报上月线损、电费回收和综合平均电价完成情况；线损超标的供电所查找原因，组织用电检查和计量装置核查。"
                .into(),
    };
    super::meetings::save(db, &actor, &month, &minutes, today).await?;
    for (action, owner, due) in [
        ("核查线损超标台区的计量装置和表计倍率", "各供电所所长", today - 3.days()),
        ("对欠费三个月以上的用户发出催费通知", "营业班班长", today + 10.days()),
    ] {
        super::meetings::add_action(db, &actor, &month, (action, owner, &due.to_string()), today).await?;
    }
    Ok(())
}
