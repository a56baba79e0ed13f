//! The month's figures per supply station read from what is stored (issue
//! 20 §5): 供电量 from the station and generation meters' readings, 售电量
//! and 售电收入 from the month's bills (a reversal's negated kWh and amount
//! net out its bill), 电费回收率 as what the month's payments allocated to
//! bills over what was billed, the reading audit of the books, and the
//! meter faults — then [`MonthTotals::indicators`] does the arithmetic and
//! the centre is the sum of its stations. Targets (migration 46) are set
//! per station by a manager, audited.

use std::collections::HashMap;

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Money, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

use super::{Indicators, Miss, MonthTotals, Percent, Rate, Targets, parse_month};
use crate::books;
use crate::price::Price;
use crate::tariffs::quote::yuan;

type Result<T> = std::result::Result<T, Failure>;

/// A supply station as the report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Station {
    pub branch_id: BranchId,
    pub code: String,
    pub name: String,
    pub prefix: String,
}

/// The supply stations in scope, by prefix.
pub async fn stations(db: &Db, scope: &Scope) -> Result<Vec<Station>> {
    let sql = format!(
        "SELECT s.branch_id, b.code, b.name, s.prefix FROM power_stations s JOIN branches b ON b.id = s.branch_id \
         WHERE s.branch_id IN ({}) ORDER BY s.prefix",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(Station {
                branch_id: BranchId(r.i64("branch_id")?),
                code: r.text("code")?,
                name: r.text("name")?,
                prefix: r.text("prefix")?,
            })
        })
        .collect()
}

/// `YYYY-MM` of a month's first day.
fn month_text(first: Date) -> String {
    first.strftime("%Y-%m").to_string()
}

/// Each station's totals of each month from `from` to `to` (first days),
/// keyed by branch and `YYYY-MM`.
pub async fn totals(db: &Db, scope: &Scope, from: Date, to: Date) -> Result<HashMap<(BranchId, String), MonthTotals>> {
    let (first, last) = (month_text(from), month_text(to));
    let (day_from, day_to) = (from.to_string(), (to + 1.month()).to_string());
    let list = scope.sql_list();
    let mut out: HashMap<(BranchId, String), MonthTotals> = HashMap::new();
    let key =
        |r: &sqlx::any::AnyRow| -> Result<(BranchId, String)> { Ok((BranchId(r.i64("branch_id")?), r.text("month")?)) };

    let supply = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT m.branch_id, r.month, m.kind, CAST(SUM(r.kwh) AS BIGINT) AS kwh FROM power_supply_readings r \
         JOIN power_supply_meters m ON m.id = r.meter_id WHERE r.month >= $1 AND r.month <= $2 AND m.branch_id IN ({list}) \
         GROUP BY m.branch_id, r.month, m.kind"
    )))
    .bind(first.clone())
    .bind(last.clone())
    .fetch_all(db.pool())
    .await?;
    for r in &supply {
        let t = out.entry(key(r)?).or_default();
        match r.text("kind")?.as_str() {
            super::meters::GENERATION => t.hydro_fed_kwh += r.i64("kwh")?,
            _ => t.grid_in_kwh += r.i64("kwh")?,
        }
    }

    // Every bill of the month: a reversal carries its bill's kWh and amount
    // negated, so the sum is what stands issued.
    let bills = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT branch_id, month, CAST(SUM(kwh) AS BIGINT) AS kwh, CAST(SUM(amount) AS BIGINT) AS amount \
         FROM power_bills WHERE month >= $1 AND month <= $2 AND branch_id IN ({list}) GROUP BY branch_id, month"
    )))
    .bind(first.clone())
    .bind(last.clone())
    .fetch_all(db.pool())
    .await?;
    for r in &bills {
        let t = out.entry(key(r)?).or_default();
        t.sold_kwh += r.i64("kwh")?;
        t.revenue = t.revenue + Money::from_fen(r.i64("amount")?);
        t.collection.billed = t.collection.billed + Money::from_fen(r.i64("amount")?);
    }

    // What the month's payments (by their business day) put on the
    // station's bills; a reversed payment's negated allocations net out.
    let collected = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT b.branch_id, SUBSTR(p.business_day, 1, 7) AS month, CAST(SUM(a.amount) AS BIGINT) AS amount \
         FROM power_payment_allocations a JOIN power_payments p ON p.id = a.payment_id \
         JOIN power_bills b ON b.id = a.bill_id \
         WHERE p.business_day >= $1 AND p.business_day < $2 AND b.branch_id IN ({list}) \
         GROUP BY b.branch_id, SUBSTR(p.business_day, 1, 7)"
    )))
    .bind(day_from.clone())
    .bind(day_to.clone())
    .fetch_all(db.pool())
    .await?;
    for r in &collected {
        let t = out.entry(key(r)?).or_default();
        t.collection.collected = t.collection.collected + Money::from_fen(r.i64("amount")?);
    }

    // Meter faults: registers held for not moving (the reading audit's) and
    // the field tests a meter failed.
    let failed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT branch_id, SUBSTR(done_on, 1, 7) AS month, COUNT(*) AS n FROM power_meter_work_orders \
         WHERE kind = 'field_test' AND result = 'failed' AND done_on >= $1 AND done_on < $2 AND branch_id IN ({list}) \
         GROUP BY branch_id, SUBSTR(done_on, 1, 7)"
    )))
    .bind(day_from)
    .bind(day_to)
    .fetch_all(db.pool())
    .await?;
    for r in &failed {
        out.entry(key(r)?).or_default().meter_faults += r.i64("n")?;
    }

    let mut month = from;
    while month <= to {
        let m = month_text(month);
        for a in books::month_audit(db, scope, &m).await? {
            let t = out.entry((a.branch_id, m.clone())).or_default();
            t.readings_due += a.due;
            t.readings_read += a.read;
            t.reading_errors += a.errors;
            t.meter_faults += a.faults;
        }
        month += 1.month();
    }
    Ok(out)
}

/// The targets of the supply stations in scope.
pub async fn targets(db: &Db, scope: &Scope) -> Result<HashMap<BranchId, Targets>> {
    let sql = format!(
        "SELECT branch_id, line_loss_at_most, collection_at_least, average_price_at_least FROM power_indicator_targets \
         WHERE branch_id IN ({})",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok((
                BranchId(r.i64("branch_id")?),
                Targets {
                    line_loss_at_most: r.opt_i64("line_loss_at_most")?.map(Percent),
                    collection_at_least: r.opt_i64("collection_at_least")?.map(Percent),
                    average_price_at_least: r.opt_i64("average_price_at_least")?.map(Price::from_units),
                },
            ))
        })
        .collect()
}

/// Targets as typed: a blank field sets none.
#[derive(Debug, Clone, Default)]
pub struct TargetsInput {
    pub line_loss_at_most: String,
    pub collection_at_least: String,
    pub average_price_at_least: String,
}

impl TargetsInput {
    /// Percentages from 0 to 100 with at most two decimals; a price in yuan
    /// a kWh with at most four. Every refused field is named.
    pub fn check(&self) -> std::result::Result<Targets, Vec<Invalid>> {
        let mut errors = Vec::new();
        let mut percent = |field: &str, text: &str| {
            (!text.trim().is_empty()).then(|| Percent::parse(field, text).map_err(|e| errors.push(e)).ok()).flatten()
        };
        let line_loss_at_most = percent("line_loss_at_most", &self.line_loss_at_most);
        let collection_at_least = percent("collection_at_least", &self.collection_at_least);
        let average_price_at_least = (!self.average_price_at_least.trim().is_empty())
            .then(|| {
                Price::parse("average_price_at_least", &self.average_price_at_least).map_err(|e| errors.push(e)).ok()
            })
            .flatten();
        if errors.is_empty() {
            Ok(Targets { line_loss_at_most, collection_at_least, average_price_at_least })
        } else {
            Err(errors)
        }
    }
}

fn targets_json(t: &Targets) -> serde_json::Value {
    json!({
        "line_loss_at_most": t.line_loss_at_most.map(|p| p.0),
        "collection_at_least": t.collection_at_least.map(|p| p.0),
        "average_price_at_least": t.average_price_at_least.map(Price::units),
    })
}

/// Sets a supply station's targets, audited with the old and new values.
pub async fn save_targets(db: &Db, actor: &Actor, station: BranchId, t: &Targets) -> Result<()> {
    if !stations(db, &actor.scope).await?.iter().any(|s| s.branch_id == station) {
        return Err(Failure::NotFound);
    }
    let old = targets(db, &actor.scope).await?.get(&station).copied();
    let mut tx = db.begin().await?;
    let at = instant_text(tx.now());
    sqlx::query("DELETE FROM power_indicator_targets WHERE branch_id = $1").bind(station.0).execute(tx.conn()).await?;
    sqlx::query(
        "INSERT INTO power_indicator_targets (branch_id, line_loss_at_most, collection_at_least, average_price_at_least, \
         updated_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(station.0)
    .bind(t.line_loss_at_most.map(|p| p.0))
    .bind(t.collection_at_least.map(|p| p.0))
    .bind(t.average_price_at_least.map(Price::units))
    .bind(at)
    .execute(tx.conn())
    .await?;
    let change = Change {
        entity: "power_indicator_targets",
        entity_id: station.0.to_string(),
        action: "update",
        branch: Some(station),
        old: old.as_ref().map(targets_json),
        new: Some(targets_json(t)),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// A percentage as shown, two decimals without the sign: `6.25`.
fn percent_text(r: Option<Rate>) -> Option<String> {
    r.map(|r| r.to_string().trim_end_matches('%').to_string())
}

fn percent_target(p: Option<Percent>) -> Option<String> {
    p.map(|p| p.to_string().trim_end_matches('%').to_string())
}

/// A station's or the centre's figures as the report, its export and the
/// API show them: kWh whole, money in yuan, rates in percent to two
/// decimals, the average price to four; each against its target, the
/// misses named (`line_loss`, `collection`, `average_price`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PowerIndicatorFigures)]
pub struct Figures {
    pub code: String,
    pub name: String,
    /// 供电量 = grid intake + hydro 上网电量.
    pub supplied_kwh: i64,
    pub grid_in_kwh: i64,
    pub hydro_fed_kwh: i64,
    /// 售电量.
    pub sold_kwh: i64,
    /// 线损电量.
    pub loss_kwh: i64,
    /// 线损率, percent.
    pub line_loss: Option<String>,
    /// 售电收入, yuan.
    pub revenue: String,
    /// 综合平均电价, yuan a kWh.
    pub average_price: Option<String>,
    pub billed: String,
    pub collected: String,
    /// 电费回收率, percent.
    pub collection_rate: Option<String>,
    pub readings_due: i64,
    pub readings_read: i64,
    pub reading_errors: i64,
    /// 实抄率, percent.
    pub reading_rate: Option<String>,
    /// 差错率, percent.
    pub error_rate: Option<String>,
    pub meter_faults: i64,
    pub line_loss_at_most: Option<String>,
    pub collection_at_least: Option<String>,
    pub average_price_at_least: Option<String>,
    /// The figures that missed their target: line_loss, collection, average_price.
    #[schema(value_type = Vec<String>)]
    pub misses: Vec<&'static str>,
}

pub fn miss_code(m: Miss) -> &'static str {
    match m {
        Miss::LineLoss => "line_loss",
        Miss::Collection => "collection",
        Miss::AveragePrice => "average_price",
    }
}

impl Figures {
    /// A row's figures; `billed` is false while a station's month (or, for
    /// the centre, any of its stations' months) is not billed yet.
    pub fn of(code: &str, name: &str, t: &MonthTotals, targets: &Targets, billed: bool) -> Figures {
        let i: Indicators = t.indicators();
        // The report's 电费回收率 is the month's: collected / billed.
        let collection: Option<Rate> = t.collection.current();
        // A month not billed yet has no 售电量 to set against its supply:
        // no line loss until it is, rather than a loss of 100 %.
        let line_loss = if billed { i.line_loss } else { None };
        let checked = Indicators { collection, line_loss, ..i };
        Figures {
            code: code.to_string(),
            name: name.to_string(),
            supplied_kwh: i.supplied_kwh,
            grid_in_kwh: t.grid_in_kwh,
            hydro_fed_kwh: t.hydro_fed_kwh,
            sold_kwh: i.sold_kwh,
            loss_kwh: i.loss_kwh,
            line_loss: percent_text(line_loss),
            revenue: yuan(t.revenue),
            average_price: i.average_price.map(|p| p.to_string()),
            billed: yuan(t.collection.billed),
            collected: yuan(t.collection.collected),
            collection_rate: percent_text(collection),
            readings_due: t.readings_due,
            readings_read: t.readings_read,
            reading_errors: t.reading_errors,
            reading_rate: percent_text(i.reading_rate),
            error_rate: percent_text(i.error_rate),
            meter_faults: i.meter_faults,
            line_loss_at_most: percent_target(targets.line_loss_at_most),
            collection_at_least: percent_target(targets.collection_at_least),
            average_price_at_least: targets.average_price_at_least.map(|p| p.to_string()),
            misses: targets.misses(&checked).into_iter().map(miss_code).collect(),
        }
    }
}

/// The month's report: each supply station in scope, the centre as their
/// sum, and the hydro stations' settlements.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PowerIndicatorReport)]
pub struct Report {
    pub month: String,
    pub stations: Vec<Figures>,
    /// The centre: the stations' totals summed, its rates from the sums.
    pub centre: Figures,
    pub hydros: Vec<super::meters::HydroMonth>,
}

/// Whether a station's month is billed: energy came in and nothing was
/// sold is a month the billing run has not reached. The centre's line loss
/// waits for every station's.
fn billed(t: &MonthTotals) -> bool {
    t.sold_kwh != 0 || t.grid_in_kwh + t.hydro_fed_kwh == 0
}

/// The centre's row: the summed totals, its rates taken from the sums.
pub const CENTRE: &str = "centre";

/// The report of `month` (YYYY-MM), for one station (`station`, its branch
/// code or account prefix) or all in scope.
pub async fn report(db: &Db, scope: &Scope, month: &str, station: Option<&str>) -> Result<Report> {
    let first = parse_month(month)?;
    let mut list = stations(db, scope).await?;
    if let Some(code) = station.map(str::trim).filter(|c| !c.is_empty()) {
        list.retain(|s| s.code.eq_ignore_ascii_case(code) || s.prefix == code);
        if list.is_empty() {
            return Err(Failure::NotFound);
        }
    }
    let totals = totals(db, scope, first, first).await?;
    let targets = targets(db, scope).await?;
    let mut rows = Vec::new();
    let mut centre = MonthTotals::default();
    let mut all_billed = true;
    for s in &list {
        let t = totals.get(&(s.branch_id, month.to_string())).copied().unwrap_or_default();
        centre = centre + t;
        let own = targets.get(&s.branch_id).copied().unwrap_or_default();
        all_billed &= billed(&t);
        rows.push(Figures::of(&s.code, &s.name, &t, &own, billed(&t)));
    }
    let ids: Vec<BranchId> = list.iter().map(|s| s.branch_id).collect();
    let hydros = super::meters::hydro_month(db, scope, month)
        .await?
        .into_iter()
        .filter(|h| ids.contains(&h.branch_id))
        .collect();
    Ok(Report {
        month: month.to_string(),
        stations: rows,
        centre: Figures::of(CENTRE, "", &centre, &Targets::default(), all_billed),
        hydros,
    })
}

/// One month of a trend: the figures of the stations chosen, summed.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    pub month: String,
    pub figures: Figures,
}

/// The twelve months up to `month`: the centre's (or one station's)
/// figures a month, for the charts.
pub async fn trend(db: &Db, scope: &Scope, month: &str, station: Option<&str>) -> Result<Vec<TrendPoint>> {
    let last = parse_month(month)?;
    let first = last - 11.months();
    let mut list = stations(db, scope).await?;
    if let Some(code) = station.map(str::trim).filter(|c| !c.is_empty()) {
        list.retain(|s| s.code.eq_ignore_ascii_case(code) || s.prefix == code);
    }
    let ids: Vec<BranchId> = list.iter().map(|s| s.branch_id).collect();
    let one = match list.as_slice() {
        [s] => targets(db, scope).await?.get(&s.branch_id).copied().unwrap_or_default(),
        _ => Targets::default(),
    };
    let totals = totals(db, scope, first, last).await?;
    let mut out = Vec::new();
    let mut at = first;
    while at <= last {
        let m = month_text(at);
        let month: Vec<MonthTotals> =
            totals.iter().filter(|((b, mm), _)| mm == &m && ids.contains(b)).map(|(_, t)| *t).collect();
        let all_billed = month.iter().all(billed);
        let sum: MonthTotals = month.into_iter().sum();
        out.push(TrendPoint { month: m.clone(), figures: Figures::of(CENTRE, "", &sum, &one, all_billed) });
        at += 1.month();
    }
    Ok(out)
}

/// The month of a report when none is asked for: the month just closed,
/// whose figures the analysis meeting discusses.
pub fn last_month(today: Date) -> String {
    month_text(today.first_of_month() - 1.month())
}

/// The month after `month` (YYYY-MM), for the next reading to enter.
pub fn next_month(month: &str) -> String {
    parse_month(month).map(|d| month_text(d + 1.month())).unwrap_or_else(|_| month.to_string())
}
