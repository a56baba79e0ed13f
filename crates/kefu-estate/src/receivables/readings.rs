//! Entering a metered item's readings for a period (issue 21 §6): each
//! house the item applies to, and the master meter ([`MASTER`]) whose
//! public share the billing run splits by the largest remainder. The last
//! reading is the one stored before the period, so a reading below it is
//! refused unless the meter's replacement is entered with it; the whole
//! sheet is written or nothing.

use std::collections::HashMap;

use kefu_core::{Actor, Invalid, Rule};
use kefu_store::{Db, Failure, RowExt};
use serde::Serialize;

use crate::archive::Estate;
use crate::charges::{MASTER, record_readings};
use crate::fees::{Basis, Month, Reading, Replacement};
use crate::houses::{HouseKind, HouseNo};

type Result<T> = std::result::Result<T, Failure>;

/// A meter's line on the sheet.
#[derive(Debug, Clone, Serialize)]
pub struct MeterRow {
    /// A house number or `MASTER`.
    pub meter: String,
    /// The last reading stored before the period, if any.
    pub last: Option<i64>,
    /// The period's reading, once entered.
    pub current: Option<i64>,
}

/// One meter as entered: the reading, the previous one where nothing is
/// stored yet (a new meter), and a replacement within the period.
#[derive(Debug, Clone, Default)]
pub struct Entered {
    pub meter: String,
    pub current: String,
    pub first: String,
    pub old_final: String,
    pub new_initial: String,
}

async fn metered_item(db: &Db, estate: &Estate, item: &str, period: Month) -> Result<Vec<HouseKind>> {
    let items = super::items::in_force(db, estate, period).await?;
    match items.into_iter().find(|(_, i)| i.code == item) {
        Some((_, i)) if matches!(i.basis, Basis::Metered { .. }) => Ok(i.applies_to),
        _ => Err(Failure::NotFound),
    }
}

/// Each meter's last reading before `period` and its reading in it.
async fn stored(
    db: &Db,
    estate: &Estate,
    item: &str,
    period: Month,
) -> Result<(HashMap<String, i64>, HashMap<String, i64>)> {
    // Periods are YYYY-MM text: their order is the months' order.
    let rows = sqlx::query(
        "SELECT meter, period, current FROM estate_readings WHERE branch_id = $1 AND item_code = $2 AND period <= $3 \
         ORDER BY period",
    )
    .bind(estate.branch_id.0)
    .bind(item.to_string())
    .bind(period.to_string())
    .fetch_all(db.pool())
    .await?;
    let (mut last, mut now) = (HashMap::new(), HashMap::new());
    for r in &rows {
        let target = if r.text("period")? == period.to_string() { &mut now } else { &mut last };
        target.insert(r.text("meter")?, r.i64("current")?);
    }
    Ok((last, now))
}

/// The sheet for a metered item and period: the master meter first, then
/// every house of a kind the item applies to, in house-number order.
pub async fn sheet(db: &Db, estate: &Estate, item: &str, period: Month) -> Result<Vec<MeterRow>> {
    let kinds = metered_item(db, estate, item, period).await?;
    let (last, now) = stored(db, estate, item, period).await?;
    let rows = sqlx::query("SELECT number, kind FROM estate_houses WHERE branch_id = $1")
        .bind(estate.branch_id.0)
        .fetch_all(db.pool())
        .await?;
    let mut houses: Vec<HouseNo> = Vec::new();
    for r in &rows {
        if HouseKind::from_code(&r.text("kind")?).is_some_and(|k| kinds.contains(&k))
            && let Ok(no) = HouseNo::parse("number", &r.text("number")?)
        {
            houses.push(no);
        }
    }
    houses.sort();
    let meters = std::iter::once(MASTER.to_string()).chain(houses.iter().map(HouseNo::to_string));
    Ok(meters.map(|m| MeterRow { last: last.get(&m).copied(), current: now.get(&m).copied(), meter: m }).collect())
}

fn whole(field: String, text: &str) -> std::result::Result<Option<i64>, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        Invalid::new(
            field,
            Rule::new("reading_range", "读数应为不小于 0 的整数", "a reading is a whole number, 0 or more"),
        )
    })
}

/// Records the sheet: meters left blank are passed by; each reading's
/// previous is the last stored (or the first reading typed for a new
/// meter). A reading below the last without a replacement refuses the
/// whole sheet, naming the meter. Answers how many were recorded.
pub async fn enter(
    db: &Db,
    actor: &Actor,
    estate: &Estate,
    item: &str,
    period: Month,
    entered: &[Entered],
) -> Result<usize> {
    metered_item(db, estate, item, period).await?;
    let (last, _) = stored(db, estate, item, period).await?;
    let mut readings = Vec::new();
    for e in entered {
        let meter = if e.meter == MASTER { MASTER.to_string() } else { HouseNo::parse("meter", &e.meter)?.to_string() };
        let Some(current) = whole(format!("{meter}.current"), &e.current)? else { continue };
        let previous = match last.get(&meter) {
            Some(p) => *p,
            None => whole(format!("{meter}.first"), &e.first)?.ok_or_else(|| {
                Invalid::new(
                    format!("{meter}.first"),
                    Rule::new("first_reading_required", "新表请填写起始读数", "a new meter needs its first reading"),
                )
            })?,
        };
        let replacement = match (
            whole(format!("{meter}.old_final"), &e.old_final)?,
            whole(format!("{meter}.new_initial"), &e.new_initial)?,
        ) {
            (Some(old_final), Some(new_initial)) => Some(Replacement { old_final, new_initial }),
            (None, None) => None,
            _ => {
                return Err(Invalid::new(
                    format!("{meter}.replacement"),
                    Rule::new(
                        "replacement_needs_both",
                        "换表须同时填写旧表止数和新表起数",
                        "a replacement needs the old meter's last reading and the new one's first",
                    ),
                )
                .into());
            }
        };
        readings.push((meter, Reading { previous, current, replacement }));
    }
    if readings.is_empty() {
        return Err(Invalid::required("readings").into());
    }
    record_readings(db, actor, estate, item, period, &readings).await?;
    Ok(readings.len())
}
