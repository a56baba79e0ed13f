//! Station and generation meters as stored (migration 45; issue 20 §1): the
//! meters at which a supply station takes energy in from the grid (its
//! 供电量) and the small hydro stations' meters (their 上网电量, settled at
//! the hydro's purchase price), each read once a month. A month's kWh are
//! the register's advance since the month before — or since the opening
//! reading — times the meter's multiplier, rounded half up to the kWh.

use jiff::civil::Date;
use kefu_core::decimal::div_round_half_up;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::validation::required_text;
use kefu_core::{Actor, Invalid, Money, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

use super::{hydro_settlement, parse_month as month_ok};
use crate::accounts::MeterNo;
use crate::meter_archive::{parse_reading, reading_text};
use crate::price::Price;
use crate::tariffs::quote::yuan;

type Result<T> = std::result::Result<T, Failure>;

/// A meter at a station's intake (关口表).
pub const INTAKE: &str = "intake";
/// A small hydro station's meter (上网电量).
pub const GENERATION: &str = "generation";
pub const KINDS: &[&str] = &[INTAKE, GENERATION];

/// The largest multiplier accepted (a 10 kV CT of 1000/5 with a PT of
/// 100/1 is 20,000); beyond it a figure was typed wrong.
const MAX_MULTIPLIER: i64 = 1_000_000;

fn refused(field: &str, code: &'static str, zh: &'static str, en: &'static str) -> Failure {
    Invalid::new(field, Rule::new(code, zh, en)).into()
}

/// A station or generation meter as stored, with its latest reading.
#[derive(Debug, Clone, Serialize)]
pub struct SupplyMeter {
    pub id: i64,
    pub meter_no: String,
    pub kind: String,
    pub branch_id: BranchId,
    pub station: String,
    pub site_branch_id: Option<BranchId>,
    pub site: Option<String>,
    pub name: String,
    pub multiplier: i64,
    pub opening_reading: String,
    /// A hydro's purchase price, yuan a kWh to four decimals.
    pub price: Option<String>,
    pub last_month: Option<String>,
    pub last_reading: Option<String>,
}

/// A meter to register, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewSupplyMeter {
    pub meter_no: String,
    pub kind: String,
    pub branch_id: Option<BranchId>,
    pub site_branch_id: Option<BranchId>,
    pub name: String,
    pub multiplier: String,
    pub opening_reading: String,
    pub price: String,
}

const SELECT: &str = "SELECT m.id, m.meter_no, m.kind, m.branch_id, b.name AS station, m.site_branch_id, \
     s.name AS site, m.name, m.multiplier, m.opening_reading, m.price, \
     (SELECT MAX(r.month) FROM power_supply_readings r WHERE r.meter_id = m.id) AS last_month \
     FROM power_supply_meters m JOIN branches b ON b.id = m.branch_id LEFT JOIN branches s ON s.id = m.site_branch_id";

fn meter_of(r: &sqlx::any::AnyRow) -> Result<SupplyMeter> {
    Ok(SupplyMeter {
        id: r.i64("id")?,
        meter_no: r.text("meter_no")?,
        kind: r.text("kind")?,
        branch_id: BranchId(r.i64("branch_id")?),
        station: r.text("station")?,
        site_branch_id: r.opt_i64("site_branch_id")?.map(BranchId),
        site: r.opt_text("site")?,
        name: r.text("name")?,
        multiplier: r.i64("multiplier")?,
        opening_reading: reading_text(r.i64("opening_reading")?),
        price: r.opt_i64("price")?.map(|p| Price::from_units(p).to_string()),
        last_month: r.opt_text("last_month")?,
        last_reading: None,
    })
}

/// The station and generation meters of the supply stations in scope, by
/// station, kind and number, each with its latest reading.
pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<SupplyMeter>> {
    let sql = format!("{SELECT} WHERE m.branch_id IN ({}) ORDER BY b.name, m.kind DESC, m.meter_no", scope.sql_list());
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    let mut out = rows.iter().map(meter_of).collect::<Result<Vec<_>>>()?;
    let last = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT r.meter_id, r.reading FROM power_supply_readings r JOIN power_supply_meters m ON m.id = r.meter_id \
         WHERE m.branch_id IN ({}) AND r.month = (SELECT MAX(x.month) FROM power_supply_readings x WHERE x.meter_id = r.meter_id)",
        scope.sql_list()
    )))
    .fetch_all(db.pool())
    .await?;
    for r in &last {
        let (id, reading) = (r.i64("meter_id")?, r.i64("reading")?);
        if let Some(m) = out.iter_mut().find(|m| m.id == id) {
            m.last_reading = Some(reading_text(reading));
        }
    }
    Ok(out)
}

/// One meter in scope by its number.
pub async fn get(db: &Db, scope: &Scope, meter_no: &str) -> Result<SupplyMeter> {
    let sql = format!("{SELECT} WHERE m.meter_no = $1 AND m.branch_id IN ({})", scope.sql_list());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(meter_no.trim().to_ascii_uppercase())
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    let mut m = meter_of(&row)?;
    let last: Option<i64> =
        sqlx::query_scalar("SELECT reading FROM power_supply_readings WHERE meter_id = $1 ORDER BY month DESC LIMIT 1")
            .bind(m.id)
            .fetch_optional(db.pool())
            .await?;
    m.last_reading = last.map(reading_text);
    Ok(m)
}

/// Whether `branch` is a supply station (it has an account prefix).
async fn is_supply_station(db: &Db, branch: BranchId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM power_stations WHERE branch_id = $1")
        .bind(branch.0)
        .fetch_one(db.pool())
        .await?;
    Ok(n > 0)
}

/// Registers a station or generation meter at a supply station in scope,
/// audited. A generation meter names its hydro station (a station branch
/// in scope that is no supply station) and its purchase price.
pub async fn register(db: &Db, actor: &Actor, m: &NewSupplyMeter) -> Result<SupplyMeter> {
    let meter_no = MeterNo::parse("meter_no", &m.meter_no)?;
    let kind = KINDS.iter().find(|k| **k == m.kind.trim()).ok_or_else(|| {
        refused("kind", "supply_meter_kind", "请选择关口表或小水电上网表", "choose an intake or a generation meter")
    })?;
    let name = required_text("name", &m.name, 100)?;
    let branch = m.branch_id.ok_or_else(|| Invalid::required("station_id"))?;
    if !actor.scope.contains(branch) || !is_supply_station(db, branch).await? {
        return Err(refused(
            "station_id",
            "not_a_supply_station",
            "请选择范围内的供电所",
            "choose a supply station in your scope",
        ));
    }
    let multiplier = m.multiplier.trim();
    let multiplier = if multiplier.is_empty() { 1 } else { multiplier.parse::<i64>().unwrap_or(0) };
    if !(1..=MAX_MULTIPLIER).contains(&multiplier) {
        return Err(refused(
            "multiplier",
            "multiplier_range",
            "倍率应为 1 到 1000000 之间的整数",
            "the multiplier is a whole number from 1 to 1,000,000",
        ));
    }
    let opening =
        if m.opening_reading.trim().is_empty() { 0 } else { parse_reading("opening_reading", &m.opening_reading)? };
    let (site, price) = if *kind == GENERATION {
        let site = m.site_branch_id.ok_or_else(|| Invalid::required("site_id"))?;
        let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM branches WHERE id = $1")
            .bind(site.0)
            .fetch_optional(db.pool())
            .await?;
        if !actor.scope.contains(site) || kind.as_deref() != Some("station") || is_supply_station(db, site).await? {
            return Err(refused(
                "site_id",
                "not_a_hydro_station",
                "请选择范围内的小水电站",
                "choose a small hydro station in your scope",
            ));
        }
        (Some(site), Some(Price::parse("price", &m.price)?))
    } else {
        (None, None)
    };
    let mut tx = db.begin().await?;
    let at = instant_text(tx.now());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO power_supply_meters (meter_no, kind, branch_id, site_branch_id, name, multiplier, opening_reading, \
         price, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(meter_no.as_str().to_string())
    .bind(kind.to_string())
    .bind(branch.0)
    .bind(site.map(|s| s.0))
    .bind(name.clone())
    .bind(multiplier)
    .bind(opening)
    .bind(price.map(Price::units))
    .bind(at)
    .fetch_one(tx.conn())
    .await
    .map_err(|e| Failure::unique_as_taken(e, "meter_no"))?;
    let change = Change {
        entity: "power_supply_meter",
        entity_id: id.to_string(),
        action: "create",
        branch: Some(branch),
        old: None,
        new: Some(json!({"meter_no": meter_no.as_str(), "kind": kind, "name": name, "multiplier": multiplier,
            "opening_reading": opening, "site": site.map(|s| s.0), "price": price.map(|p| p.to_string())})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    get(db, &actor.scope, meter_no.as_str()).await
}

/// A month's reading of a station or generation meter.
#[derive(Debug, Clone, Serialize)]
pub struct SupplyReading {
    pub meter_no: String,
    pub month: String,
    pub read_on: String,
    pub reading: String,
    /// The month's kWh: the advance × the multiplier.
    pub kwh: i64,
    /// A generation meter's settlement (决算金额) in yuan.
    pub settlement: Option<String>,
}

/// The month's kWh of a register advance (hundredths of a kWh) times the
/// multiplier, rounded half up to the kWh.
pub fn month_kwh(previous: i64, reading: i64, multiplier: i64) -> i64 {
    i64::try_from(div_round_half_up(i128::from(reading - previous) * i128::from(multiplier), 100))
        .expect("a meter's kWh within i64")
}

/// Enters (or, for the meter's latest month, corrects) a month's reading,
/// audited with the old and new values. Refused: a month not YYYY-MM, a
/// reading with letters or a sign, a register below the month before (a
/// station meter does not roll over between monthly readings), a month
/// before one already read.
pub async fn enter(
    db: &Db,
    actor: &Actor,
    meter_no: &str,
    month: &str,
    reading: &str,
    read_on: Date,
) -> Result<SupplyReading> {
    month_ok(month)?;
    let value = parse_reading("reading", reading)?;
    let m = get(db, &actor.scope, meter_no).await?;
    let previous = previous_of(db, &m, month).await?;
    let kwh = checked_kwh(&m, previous, value)?;
    let mut tx = db.begin().await?;
    let r = write(&mut tx, actor, &m, (month, read_on), value, kwh).await?;
    tx.commit().await?;
    Ok(r)
}

/// The register the month's reading advances from: the month before's, or
/// the opening reading; refused when a later month is read already (only the
/// latest month can be corrected).
pub(super) async fn previous_of(db: &Db, m: &SupplyMeter, month: &str) -> Result<i64> {
    let later: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM power_supply_readings WHERE meter_id = $1 AND month > $2")
            .bind(m.id)
            .bind(month.to_string())
            .fetch_one(db.pool())
            .await?;
    if later > 0 {
        return Err(refused(
            "month",
            "later_month_read",
            "该表已有更晚月份的读数，只能更正最近一个月",
            "a later month is read already; only the latest month can be corrected",
        ));
    }
    let previous: Option<i64> = sqlx::query_scalar(
        "SELECT reading FROM power_supply_readings WHERE meter_id = $1 AND month < $2 ORDER BY month DESC LIMIT 1",
    )
    .bind(m.id)
    .bind(month.to_string())
    .fetch_optional(db.pool())
    .await?;
    match previous {
        Some(p) => Ok(p),
        None => Ok(parse_reading("opening_reading", &m.opening_reading)?),
    }
}

/// The month's kWh from `previous` to `value`; a register below the month
/// before's is refused.
pub(super) fn checked_kwh(m: &SupplyMeter, previous: i64, value: i64) -> Result<i64> {
    if value < previous {
        return Err(refused(
            "reading",
            "reading_below_last",
            "读数小于上月读数",
            "the reading is below the month before's",
        ));
    }
    Ok(month_kwh(previous, value, m.multiplier))
}

/// Writes a checked month's reading in `tx`, replacing the month's earlier
/// one, with its audit record.
pub(super) async fn write(
    tx: &mut kefu_store::Tx,
    actor: &Actor,
    m: &SupplyMeter,
    (month, read_on): (&str, Date),
    value: i64,
    kwh: i64,
) -> Result<SupplyReading> {
    let at = instant_text(tx.now());
    let old = sqlx::query("SELECT reading, kwh FROM power_supply_readings WHERE meter_id = $1 AND month = $2")
        .bind(m.id)
        .bind(month.to_string())
        .fetch_optional(tx.conn())
        .await?
        .map(|r| Ok::<_, Failure>(json!({"reading": r.i64("reading")?, "kwh": r.i64("kwh")?})))
        .transpose()?;
    sqlx::query("DELETE FROM power_supply_readings WHERE meter_id = $1 AND month = $2")
        .bind(m.id)
        .bind(month.to_string())
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "INSERT INTO power_supply_readings (meter_id, month, read_on, reading, kwh, entered_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(m.id)
    .bind(month.to_string())
    .bind(read_on.to_string())
    .bind(value)
    .bind(kwh)
    .bind(actor.display_name.clone())
    .bind(at)
    .execute(tx.conn())
    .await?;
    let change = Change {
        entity: "power_supply_reading",
        entity_id: format!("{}:{month}", m.meter_no),
        action: if old.is_some() { "correct" } else { "create" },
        branch: Some(m.branch_id),
        old,
        new: Some(json!({"reading": value, "kwh": kwh, "read_on": read_on.to_string()})),
    };
    tx.audit(actor, change).await?;
    let settlement =
        m.price.as_deref().and_then(|p| Price::parse("price", p).ok()).map(|p| yuan(hydro_settlement(kwh, p)));
    Ok(SupplyReading {
        meter_no: m.meter_no.clone(),
        month: month.to_string(),
        read_on: read_on.to_string(),
        reading: reading_text(value),
        kwh,
        settlement,
    })
}

/// A hydro station's month: its 上网电量 and settlement (决算金额).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PowerHydroSettlement)]
pub struct HydroMonth {
    pub meter_no: String,
    pub site: String,
    /// The supply station it feeds.
    #[schema(value_type = i64)]
    pub branch_id: BranchId,
    pub kwh: i64,
    pub price: String,
    pub settlement_fen: i64,
    pub settlement: String,
}

/// The generation meters of the supply stations in scope read in `month`,
/// each with its settlement at its purchase price.
pub async fn hydro_month(db: &Db, scope: &Scope, month: &str) -> Result<Vec<HydroMonth>> {
    let sql = format!(
        "SELECT m.meter_no, COALESCE(s.name, m.name) AS site, m.branch_id, r.kwh, m.price \
         FROM power_supply_readings r JOIN power_supply_meters m ON m.id = r.meter_id \
         LEFT JOIN branches s ON s.id = m.site_branch_id \
         WHERE r.month = $1 AND m.kind = 'generation' AND m.branch_id IN ({}) ORDER BY site, m.meter_no",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(month.to_string()).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            let (kwh, price) = (r.i64("kwh")?, Price::from_units(r.opt_i64("price")?.unwrap_or(0)));
            let settlement: Money = hydro_settlement(kwh, price);
            Ok(HydroMonth {
                meter_no: r.text("meter_no")?,
                site: r.text("site")?,
                branch_id: BranchId(r.i64("branch_id")?),
                kwh,
                price: price.to_string(),
                settlement_fen: settlement.fen(),
                settlement: yuan(settlement),
            })
        })
        .collect()
}

/// A small hydro station a generation meter may name: a station branch in
/// scope that is no supply station.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    pub branch_id: BranchId,
    pub name: String,
}

/// The small hydro stations in scope, by name.
pub async fn hydro_sites(db: &Db, scope: &Scope) -> Result<Vec<Site>> {
    let sql = format!(
        "SELECT b.id, b.name FROM branches b WHERE b.kind = 'station' AND b.id IN ({}) \
         AND NOT EXISTS (SELECT 1 FROM power_stations s WHERE s.branch_id = b.id) ORDER BY b.name",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter().map(|r| Ok(Site { branch_id: BranchId(r.i64("id")?), name: r.text("name")? })).collect()
}

/// A meter's readings in scope, the latest month first (two years).
pub async fn history(db: &Db, scope: &Scope, meter_no: &str) -> Result<Vec<SupplyReading>> {
    let m = get(db, scope, meter_no).await?;
    let price = m.price.as_deref().and_then(|p| Price::parse("price", p).ok());
    let rows = sqlx::query(
        "SELECT month, read_on, reading, kwh FROM power_supply_readings WHERE meter_id = $1 ORDER BY month DESC LIMIT 24",
    )
    .bind(m.id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let kwh = r.i64("kwh")?;
            Ok(SupplyReading {
                meter_no: m.meter_no.clone(),
                month: r.text("month")?,
                read_on: r.text("read_on")?,
                reading: reading_text(r.i64("reading")?),
                kwh,
                settlement: price.map(|p| yuan(hydro_settlement(kwh, p))),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_the_advance_times_the_multiplier() {
        // 1,234.56 → 1,240.00 kWh on the register at ×3000 = 16,320 kWh.
        assert_eq!(month_kwh(123_456, 124_000, 3000), 16_320);
        // 0.05 kWh × 10 = 0.5 rounds half up to 1.
        assert_eq!(month_kwh(100, 105, 10), 1);
        assert_eq!(month_kwh(100, 104, 10), 0);
    }
}
