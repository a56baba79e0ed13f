//! The quote (issue 20 §2): a month's energy charge for a tariff and its
//! kWh, line by line, stored nowhere. `POST
//! /api/v1/power/tariffs/{code}/quote` answers it as JSON and `kefu power
//! quote` prints the same JSON.

use jiff::civil::Date;
use kefu_core::{Invalid, Money, Rule};
use serde::Serialize;
use utoipa::ToSchema;

use super::Tariff;
use crate::billing::{self, LineKind, Usage};

/// An amount as the API writes it: yuan with two decimals, no grouping.
pub fn yuan(m: Money) -> String {
    let sign = if m.fen() < 0 { "-" } else { "" };
    let fen = m.fen().unsigned_abs();
    format!("{sign}{}.{:02}", fen / 100, fen % 100)
}

/// One line of the charge.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteLine {
    /// flat | tier | register (see `tier` and `period`).
    pub kind: &'static str,
    /// The tier, counted from 1 (tiered tariffs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<usize>,
    /// peak | flat | valley (time of use).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<&'static str>,
    /// The first day of the tariff version the price comes from.
    pub effective_from: String,
    pub kwh: i64,
    /// Yuan per kWh, four decimals.
    pub price: String,
    /// Yuan, two decimals: kWh × price, rounded half up to the fen.
    pub amount: String,
}

/// The energy charge: its lines and their sum.
#[derive(Debug, Serialize, ToSchema)]
pub struct Quote {
    pub tariff_code: String,
    pub kwh: i64,
    pub lines: Vec<QuoteLine>,
    /// Yuan, two decimals: the sum of the lines.
    pub amount: String,
}

/// What to price: the month's kWh (or a time-of-use meter's registers),
/// the kWh billed earlier in the calendar year (yearly tiers), and the
/// reading period `from..=date` (one day, `date`, when `from` is left out).
#[derive(Clone, Copy, Debug)]
pub struct Ask {
    pub usage: Usage,
    pub year_to_date_kwh: i64,
    pub from: Option<Date>,
    pub date: Date,
}

/// Reads the usage from the fields a request or a command line gives:
/// either `kwh`, or the time-of-use registers.
pub fn usage(kwh: Option<i64>, peak: Option<i64>, flat: Option<i64>, valley: Option<i64>) -> Result<Usage, Invalid> {
    match (kwh, peak, flat, valley) {
        (Some(kwh), None, None, None) => Ok(Usage::Total(kwh)),
        (None, peak, flat, valley) if peak.is_some() || flat.is_some() || valley.is_some() => {
            Ok(Usage::Registers { peak: peak.unwrap_or(0), flat: flat.unwrap_or(0), valley: valley.unwrap_or(0) })
        }
        _ => Err(Invalid::new(
            "kwh",
            Rule::new(
                "kwh_or_registers",
                "请填写电量 kwh，或分时电量 peak_kwh、flat_kwh、valley_kwh，二者取其一",
                "give either kwh or the time-of-use registers peak_kwh, flat_kwh, valley_kwh",
            ),
        )),
    }
}

/// The charge for `ask` under `tariff`, by the rules of
/// [`billing::energy_charge`].
pub fn quote(tariff: &Tariff, ask: Ask) -> Result<Quote, Invalid> {
    let first = ask.from.unwrap_or(ask.date);
    let charge = billing::energy_charge(tariff, ask.usage, ask.year_to_date_kwh, first, ask.date)?;
    let lines = charge
        .lines
        .iter()
        .map(|l| {
            let (kind, tier, period) = match l.kind {
                LineKind::Flat => ("flat", None, None),
                LineKind::Tier(n) => ("tier", Some(n), None),
                LineKind::Register(p) => ("register", None, Some(p.code())),
            };
            QuoteLine {
                kind,
                tier,
                period,
                effective_from: l.effective_from.to_string(),
                kwh: l.kwh,
                price: l.price.to_string(),
                amount: yuan(l.amount),
            }
        })
        .collect();
    Ok(Quote { tariff_code: tariff.code().to_string(), kwh: charge.kwh, lines, amount: yuan(charge.amount) })
}
