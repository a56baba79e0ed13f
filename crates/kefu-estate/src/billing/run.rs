//! The billing run per estate and period (issue 21 §6): a bill per house
//! with its lines, every item billed by the rules of `fees`, idempotent by
//! [`BillingKey`] — a line whose key is billed already is left out, so a
//! repeated run adds only what is missing — and all or nothing: a bad
//! reading or a public share that cannot be computed refuses the whole run,
//! before anything is written.
//!
//! What a run bills, for the period month M:
//! - each item whose cycle begins in M (monthly items every month;
//!   quarterly ones in January, April, July and October; yearly ones in
//!   January), billed in advance for the cycle, to each house of a kind it
//!   applies to;
//! - area and fixed items from the later of the cycle's first day and the
//!   house's first billed day (交付 or the start of the service contract), so
//!   a house handed over mid-month pays that month's days exactly; a house
//!   with no first billed day (an unsold house the developer keeps) is not
//!   billed;
//! - metered items on the readings given for the period; with a master
//!   meter, each house also takes its part of the public share — what the
//!   master read beyond every house meter's reading, billed or not — split
//!   over every house the item is billed to (those billed in an earlier run
//!   too, so a repeated run splits the same way);
//! - the one-off charges given, at the item's amount, each to a house of a
//!   kind the item applies to.
//!
//! Items due on different days make separate bills, so each ages from its
//! own due date.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use kefu_core::{Invalid, Money, Rule};

use crate::billing::bill::{Bill, BillingKey, Line, LineKind};
use crate::codes::codes;
use crate::fees::{
    AreaOf, Basis, FeeItem, Month, Quantity, Reading, ShareBy, UnitPrice, area_line, fixed_line, metered_amount,
    public_share,
};
use crate::houses::{Area, HouseKind, HouseNo};

/// A house as the billing run sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct House {
    pub no: HouseNo,
    pub kind: HouseKind,
    pub building_area: Area,
    pub interior_area: Option<Area>,
    /// The first day fees run; `None` while nobody is billed for the house.
    pub billed_from: Option<Date>,
}

/// Everything a run reads, gathered by the caller.
#[derive(Clone, Copy, Debug)]
pub struct RunInput<'a> {
    pub estate: &'a str,
    pub period: Month,
    pub houses: &'a [House],
    pub items: &'a [FeeItem],
    /// Each metered item's readings for the period: by item code, then by house.
    pub readings: &'a HashMap<String, HashMap<HouseNo, Reading>>,
    /// The master meter's reading for the period, by item code, where the
    /// item has one.
    pub masters: &'a HashMap<String, Reading>,
    /// One-off charges for the period: the house and the item's code.
    pub one_offs: &'a [(HouseNo, String)],
    /// The keys already billed (bills reversed free theirs).
    pub billed: &'a HashSet<BillingKey>,
}

codes! {
    /// Why a house was passed by for an item.
    pub enum SkipReason {
        /// A metered item without the house's reading for the period.
        NoReading => "no_reading",
        /// An interior-area item for a house whose interior area is not known.
        NoInteriorArea => "no_interior_area",
    }
}

/// A house an item was not billed to, and why: the run's report to staff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub house: HouseNo,
    pub item: String,
    pub reason: SkipReason,
}

/// The run's result: new bills in house-number order, and what was passed by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Run {
    pub bills: Vec<Bill>,
    pub skipped: Vec<Skipped>,
}

/// Runs the billing for an estate and period.
pub fn billing_run(input: &RunInput<'_>) -> Result<Run, Invalid> {
    let mut houses: Vec<&House> = input.houses.iter().collect();
    houses.sort_by(|a, b| a.no.cmp(&b.no));
    let mut lines: Priced<'_, '_> = Vec::new();
    let mut skipped = Vec::new();
    for item in input.items {
        let Some(cycle_span) = item.cycle.span_billed_in(input.period) else { continue };
        let served: Vec<&House> = houses
            .iter()
            .copied()
            .filter(|h| item.applies_to(h.kind) && h.billed_from.is_some_and(|d| d <= cycle_span.last))
            .collect();
        // Most houses are billed the whole cycle: its months are counted once.
        let cycle_months = cycle_span.months();
        let months_billed = |house: &House| match house.billed_from {
            Some(from) if from > cycle_span.first => {
                cycle_span.from_day(from).expect("served: billed by the span's end").months()
            }
            _ => cycle_months,
        };
        match item.basis {
            Basis::Area { of, price } => {
                for house in served {
                    let area = match of {
                        AreaOf::Building => Some(house.building_area),
                        AreaOf::Interior => house.interior_area,
                    };
                    let Some(area) = area else {
                        skipped.push(skip(house, item, SkipReason::NoInteriorArea));
                        continue;
                    };
                    let (quantity, amount) = area_line(area, price, months_billed(house));
                    lines.push((house, item, line(item, LineKind::Area, quantity, Some(price), amount)));
                }
            }
            Basis::Fixed { per_month } => {
                for house in served {
                    let (quantity, amount) = fixed_line(per_month, months_billed(house));
                    lines.push((house, item, line(item, LineKind::Fixed, quantity, None, amount)));
                }
            }
            Basis::Metered { price, share_by } => {
                metered(input, item, &served, (price, share_by), &mut lines, &mut skipped)?;
            }
            Basis::OneOff { .. } => {}
        }
    }
    for (i, (house_no, code)) in input.one_offs.iter().enumerate() {
        let field = |part: &str| format!("one_offs[{i}].{part}");
        let item = input.items.iter().find(|it| &it.code == code).ok_or_else(|| {
            Invalid::new(field("item"), Rule::new("unknown_item", "没有这个收费项目", "there is no such fee item"))
        })?;
        let Basis::OneOff { amount } = item.basis else {
            return Err(Invalid::new(
                field("item"),
                Rule::new("not_one_off", "该收费项目不是一次性收费", "the fee item is not a one-off charge"),
            ));
        };
        let house = houses.binary_search_by(|h| h.no.cmp(house_no)).map(|at| houses[at]).map_err(|_| {
            Invalid::new(
                field("house"),
                Rule::new("unknown_house", "本小区没有这个房号", "the estate has no such house"),
            )
        })?;
        if !item.applies_to(house.kind) {
            return Err(Invalid::new(
                field("item"),
                Rule::new(
                    "item_not_for_house_kind",
                    "该收费项目不适用于这类房屋",
                    "the fee item does not apply to this kind of house",
                ),
            ));
        }
        lines.push((house, item, line(item, LineKind::OneOff, Quantity::whole(1), None, amount)));
    }
    Ok(Run { bills: gather(input, lines), skipped })
}

type Priced<'h, 'i> = Vec<(&'h House, &'i FeeItem, Line)>;

/// A metered item's lines: each house's use, and with a master meter each
/// house's part of the public share.
fn metered<'h, 'i>(
    input: &RunInput<'_>,
    item: &'i FeeItem,
    served: &[&'h House],
    (price, share_by): (UnitPrice, ShareBy),
    lines: &mut Priced<'h, 'i>,
    skipped: &mut Vec<Skipped>,
) -> Result<(), Invalid> {
    let empty = HashMap::new();
    let readings = input.readings.get(&item.code).unwrap_or(&empty);
    let mut used = 0;
    let mut missing = 0;
    for house in served {
        match readings.get(&house.no) {
            Some(reading) => {
                let units =
                    reading.usage().map_err(|e| within(&format!("readings[{}][{}]", item.code, house.no), e))?;
                used += units;
                let amount = metered_amount(units, price);
                lines.push((house, item, line(item, LineKind::Metered, Quantity::whole(units), Some(price), amount)));
            }
            None => {
                missing += 1;
                skipped.push(skip(house, item, SkipReason::NoReading));
            }
        }
    }
    let Some(master) = input.masters.get(&item.code) else { return Ok(()) };
    // A house nobody is billed for (an unsold flat) may still have a meter
    // and a reading: its use is its own, not the public's.
    let served_nos: HashSet<&HouseNo> = served.iter().map(|h| &h.no).collect();
    let mut unserved: Vec<(&HouseNo, &Reading)> = readings.iter().filter(|(no, _)| !served_nos.contains(no)).collect();
    unserved.sort_by(|a, b| a.0.cmp(b.0));
    for (no, reading) in unserved {
        used += reading.usage().map_err(|e| within(&format!("readings[{}][{no}]", item.code), e))?;
    }
    let field = format!("masters[{}]", item.code);
    if missing > 0 {
        return Err(Invalid::new(
            format!("readings[{}]", item.code),
            Rule::new(
                "public_share_needs_all_readings",
                format!("有 {missing} 户没有本期读数，无法分摊公摊用量"),
                format!("{missing} houses have no reading for the period, so the public share cannot be split"),
            ),
        ));
    }
    let master_units = master.usage().map_err(|e| within(&field, e))?;
    let weights: Vec<i64> = served
        .iter()
        .map(|h| match share_by {
            ShareBy::Area => h.building_area.hundredths(),
            ShareBy::House => 1,
        })
        .collect();
    let share = public_share(master_units, used, &weights, price).map_err(|e| within(&field, e))?;
    let total_weight: i64 = weights.iter().sum();
    for ((house, amount), weight) in served.iter().zip(share.shares).zip(&weights) {
        let quantity = Quantity::of_fraction(i128::from(share.units) * i128::from(*weight), i128::from(total_weight));
        lines.push((house, item, line(item, LineKind::PublicShare, quantity, None, amount)));
    }
    Ok(())
}

fn line(item: &FeeItem, kind: LineKind, quantity: Quantity, price: Option<UnitPrice>, amount: Money) -> Line {
    Line { item: item.code.clone(), kind, quantity, price, amount }
}

fn skip(house: &House, item: &FeeItem, reason: SkipReason) -> Skipped {
    Skipped { house: house.no.clone(), item: item.code.clone(), reason }
}

/// A reading's refusal, named by where it is in the run's input.
fn within(at: &str, e: Invalid) -> Invalid {
    Invalid::new(format!("{at}.{}", e.field), e.rule)
}

/// The lines not billed yet, as one bill per house and due date.
fn gather(input: &RunInput<'_>, lines: Priced<'_, '_>) -> Vec<Bill> {
    let mut bills: Vec<Bill> = Vec::new();
    let mut index: HashMap<(&HouseNo, Date), usize> = HashMap::new();
    let mut dues: HashMap<&str, Date> = HashMap::new();
    for (house, item, line) in lines {
        let billed = !input.billed.is_empty()
            && input.billed.contains(&BillingKey {
                estate: input.estate.to_owned(),
                period: input.period,
                house: house.no.clone(),
                item: item.code.clone(),
            });
        if billed {
            continue;
        }
        let due = *dues.entry(&item.code).or_insert_with(|| item.due_day.in_month(input.period));
        let at = *index.entry((&house.no, due)).or_insert_with(|| {
            bills.push(Bill {
                estate: input.estate.to_owned(),
                period: input.period,
                house: house.no.clone(),
                due,
                lines: Vec::new(),
            });
            bills.len() - 1
        });
        bills[at].lines.push(line);
    }
    bills.sort_by(|a, b| a.house.cmp(&b.house).then(a.due.cmp(&b.due)));
    bills
}
