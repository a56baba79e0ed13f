//! The energy charge (电度电费): a bill's kWh priced by the tariff, line by
//! line, with the tier semantics of issue 20 §2, the same in the docs and
//! here:
//!
//! - **monthly tiers**: the bill's kWh are split at the bounds — tier 1 covers
//!   kWh 1 to B1, tier 2 from B1 + 1 to B2, tier 3 above;
//! - **yearly tiers**: the bounds apply to the kWh billed to the account so
//!   far in the calendar year before this bill (`year_to_date_kwh`), so one
//!   month's kWh can fall across a bound. The year is the bill's: the first
//!   bill of a year starts from 0, whatever days its reading period covers
//!   (a period from 16 December to 15 January is not cut at 1 January);
//! - **a new tariff version within the period**: the kWh (each register's,
//!   for time of use) are split by days, pro rata, rounded to whole kWh with
//!   the remainder to the later part. The parts follow one another on the
//!   same tier ladder — the earlier part takes the lower kWh — so a change of
//!   price never hands out a second tier-1 allowance in one month;
//! - **each line's amount** = kWh × price, rounded half up to the fen
//!   ([`round_to_fen`]); the energy charge is the sum of the lines.

use jiff::civil::Date;
use kefu_core::{Invalid, Money, Rule};

use crate::price::{Price, div_round_half_up, round_to_fen};
use crate::tariffs::{Basis, Period, Rates, Tariff, Tier};

/// More kWh than a county sells in a century: a typo, refused before any
/// arithmetic could overflow.
const MAX_KWH: i64 = 1_000_000_000_000;

/// The metered energy of a bill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// One register's kWh, for flat and tiered tariffs.
    Total(i64),
    /// A time-of-use meter's three registers.
    Registers { peak: i64, flat: i64, valley: i64 },
}

impl Usage {
    pub fn kwh(self) -> i64 {
        match self {
            Usage::Total(kwh) => kwh,
            Usage::Registers { peak, flat, valley } => peak + flat + valley,
        }
    }
}

/// What a line prices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// A flat tariff's one price.
    Flat,
    /// A tier, counted from 1.
    Tier(usize),
    /// A time-of-use register.
    Register(Period),
}

/// One line of a bill: kWh at a price, and the amount rounded to the fen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    pub kind: LineKind,
    /// The tariff version the price comes from.
    pub effective_from: Date,
    pub kwh: i64,
    pub price: Price,
    pub amount: Money,
}

/// The energy charge: its lines (none with zero kWh) and their sum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charge {
    pub lines: Vec<Line>,
    pub kwh: i64,
    pub amount: Money,
}

impl Charge {
    /// The reversal of an issued charge (issue 20 §3: a corrected reading
    /// re-bills through a reversal and a new bill, never an edit): every
    /// line negated, so the two sum to exactly nothing.
    pub fn reversal(&self) -> Charge {
        Charge {
            lines: self.lines.iter().map(|l| Line { kwh: -l.kwh, amount: -l.amount, ..*l }).collect(),
            kwh: -self.kwh,
            amount: -self.amount,
        }
    }
}

/// The charge for `usage` consumed over the days `first..=last` (the
/// reading period), `year_to_date_kwh` billed before it in the calendar
/// year (yearly tiers only; ignored otherwise).
pub fn energy_charge(
    tariff: &Tariff,
    usage: Usage,
    year_to_date_kwh: i64,
    first: Date,
    last: Date,
) -> Result<Charge, Invalid> {
    check_usage(tariff.basis(), usage, year_to_date_kwh)?;
    if last < first {
        return Err(Invalid::new(
            "period",
            Rule::new("period_order", "计费期的结束日不能早于开始日", "a billing period cannot end before it begins"),
        ));
    }
    let spans = tariff.versions_during(first, last);
    if spans.first().is_none_or(|(_, from, _)| *from > first) {
        return Err(Invalid::new(
            "date",
            Rule::new(
                "no_tariff_version",
                format!("电价 {} 在 {first} 尚无生效的价格", tariff.code()),
                format!("tariff {} has no prices in force on {first}", tariff.code()),
            ),
        ));
    }
    let days: Vec<i64> = spans.iter().map(|(_, from, to)| days_between(*from, *to)).collect();
    let mut lines = Vec::new();
    match usage {
        Usage::Total(kwh) => {
            // Where on the tier ladder this bill's first kWh falls.
            let mut position = if tariff.basis() == Basis::YearlyTiers { year_to_date_kwh } else { 0 };
            for ((version, _, _), part) in spans.iter().zip(split_by_days(kwh, &days)) {
                let from = version.effective_from;
                match &version.rates {
                    Rates::Flat(price) => lines.push(line(LineKind::Flat, from, part, *price)),
                    Rates::Tiers(tiers) => lines.extend(tier_lines(tiers, position, part, from)),
                    Rates::TimeOfUse { .. } => unreachable!("check_usage refuses a total for time of use"),
                }
                position += part;
            }
        }
        Usage::Registers { peak, flat, valley } => {
            let parts = [peak, flat, valley].map(|kwh| split_by_days(kwh, &days));
            for (i, (version, _, _)) in spans.iter().enumerate() {
                for (period, register) in Period::ALL.into_iter().zip(&parts) {
                    let price = version.rates.period_price(period).expect("check_usage: a time-of-use tariff");
                    lines.push(line(LineKind::Register(period), version.effective_from, register[i], price));
                }
            }
        }
    }
    lines.retain(|l| l.kwh != 0);
    Ok(Charge { kwh: usage.kwh(), amount: lines.iter().map(|l| l.amount).sum(), lines })
}

/// [`energy_charge`] on one day's prices: the quote of
/// `POST /api/v1/power/tariffs/{code}/quote`.
pub fn quote(tariff: &Tariff, usage: Usage, year_to_date_kwh: i64, date: Date) -> Result<Charge, Invalid> {
    energy_charge(tariff, usage, year_to_date_kwh, date, date)
}

fn line(kind: LineKind, effective_from: Date, kwh: i64, price: Price) -> Line {
    Line { kind, effective_from, kwh, price, amount: round_to_fen(price.times(kwh)) }
}

/// The lines for the kWh from `position + 1` to `position + kwh` on the
/// ladder: each tier takes its overlap with that stretch.
fn tier_lines(tiers: &[Tier], position: i64, kwh: i64, effective_from: Date) -> Vec<Line> {
    let (start, end) = (position, position + kwh);
    let mut lower = 0;
    let mut out = Vec::new();
    for (k, tier) in tiers.iter().enumerate() {
        let upper = tier.up_to_kwh.unwrap_or(i64::MAX);
        let overlap = end.min(upper) - start.max(lower);
        if overlap > 0 {
            out.push(line(LineKind::Tier(k + 1), effective_from, overlap, tier.price));
        }
        lower = upper;
    }
    out
}

/// Splits `kwh` over spans of `days` in proportion, each boundary rounded
/// half up to a whole kWh, so the parts are never negative, sum to `kwh`, and
/// the rounding's remainder falls to the later part (issue 20 §2).
pub fn split_by_days(kwh: i64, days: &[i64]) -> Vec<i64> {
    let total: i64 = days.iter().sum();
    let mut out = Vec::with_capacity(days.len());
    let (mut elapsed, mut before) = (0, 0);
    for (i, d) in days.iter().enumerate() {
        elapsed += d;
        let upto = if i + 1 == days.len() {
            kwh
        } else {
            i64::try_from(div_round_half_up(i128::from(kwh) * i128::from(elapsed), i128::from(total)))
                .expect("a share of kwh fits in i64")
        };
        out.push(upto - before);
        before = upto;
    }
    out
}

/// Days in `first..=last`.
fn days_between(first: Date, last: Date) -> i64 {
    i64::from((last - first).get_days()) + 1
}

fn check_usage(basis: Basis, usage: Usage, year_to_date_kwh: i64) -> Result<(), Invalid> {
    let quantities = match usage {
        Usage::Total(kwh) => vec![("kwh", kwh)],
        Usage::Registers { peak, flat, valley } => vec![("peak_kwh", peak), ("flat_kwh", flat), ("valley_kwh", valley)],
    };
    for (field, kwh) in quantities.into_iter().chain([("year_to_date_kwh", year_to_date_kwh)]) {
        if kwh < 0 {
            return Err(Invalid::new(
                field,
                Rule::new("kwh_negative", "电量不能为负数", "a quantity of kWh cannot be negative"),
            ));
        }
        if kwh > MAX_KWH {
            return Err(Invalid::new(
                field,
                Rule::new(
                    "kwh_too_large",
                    "电量超过一万亿千瓦时，请核对",
                    "more than a trillion kWh; check the figure",
                ),
            ));
        }
    }
    match (basis, usage) {
        (Basis::TimeOfUse, Usage::Total(_)) => Err(Invalid::new(
            "kwh",
            Rule::new(
                "registers_required",
                "分时电价须分别填写峰、平、谷电量",
                "a time-of-use tariff needs the peak, flat and valley kWh",
            ),
        )),
        (Basis::Flat | Basis::MonthlyTiers | Basis::YearlyTiers, Usage::Registers { .. }) => Err(Invalid::new(
            "kwh",
            Rule::new(
                "registers_not_used",
                "此电价不分时段，请填写总电量",
                "this tariff has no time-of-use registers; give the total kWh",
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;
    use crate::tariffs::import;

    fn tariff(basis: &str, versions: &str) -> Tariff {
        let text = format!(
            "[[tariff]]\ncode = \"t\"\nname = \"t\"\nusage_class = \"residential\"\nbasis = \"{basis}\"\nsource = \"s\"\n{versions}"
        );
        import(&text).unwrap().remove(0)
    }

    /// The issue's example: 150 / 250 kWh at 0.5283 / 0.5783 / 0.8283.
    fn monthly() -> Tariff {
        tariff(
            "monthly_tiers",
            r#"[[tariff.version]]
effective_from = "2026-01-01"
tiers = [{ up_to_kwh = 150, price = "0.5283" }, { up_to_kwh = 250, price = "0.5783" }, { price = "0.8283" }]
"#,
        )
    }

    fn yearly() -> Tariff {
        tariff(
            "yearly_tiers",
            r#"[[tariff.version]]
effective_from = "2026-01-01"
tiers = [{ up_to_kwh = 2760, price = "0.538" }, { up_to_kwh = 4800, price = "0.588" }, { price = "0.838" }]
"#,
        )
    }

    fn summary(c: &Charge) -> Vec<(LineKind, i64, i64, i64)> {
        c.lines.iter().map(|l| (l.kind, l.kwh, l.price.units(), l.amount.fen())).collect()
    }

    const DAY: Date = date(2026, 11, 30);

    #[test]
    fn the_issues_quote_of_300_kwh() {
        let c = quote(&monthly(), Usage::Total(300), 0, DAY).unwrap();
        // 150 × 0.5283 = 79.245 → 79.25; 100 × 0.5783 = 57.83; 50 × 0.8283 = 41.415 → 41.42.
        assert_eq!(
            summary(&c),
            [
                (LineKind::Tier(1), 150, 5283, 7925),
                (LineKind::Tier(2), 100, 5783, 5783),
                (LineKind::Tier(3), 50, 8283, 4142)
            ]
        );
        assert_eq!(c.amount, Money::from_fen(7925 + 5783 + 4142));
        assert_eq!(c.kwh, 300);
    }

    #[test]
    fn monthly_tiers_at_and_across_the_bounds() {
        let t = monthly();
        let at = |kwh| summary(&quote(&t, Usage::Total(kwh), 0, DAY).unwrap());
        assert_eq!(at(0), []);
        assert_eq!(at(150), [(LineKind::Tier(1), 150, 5283, 7925)]);
        assert_eq!(at(151), [(LineKind::Tier(1), 150, 5283, 7925), (LineKind::Tier(2), 1, 5783, 58)]);
        assert_eq!(at(250), [(LineKind::Tier(1), 150, 5283, 7925), (LineKind::Tier(2), 100, 5783, 5783)]);
        assert_eq!(
            at(251),
            [
                (LineKind::Tier(1), 150, 5283, 7925),
                (LineKind::Tier(2), 100, 5783, 5783),
                (LineKind::Tier(3), 1, 8283, 83)
            ]
        );
        // Monthly tiers ignore what was billed earlier in the year.
        assert_eq!(
            summary(&quote(&t, Usage::Total(100), 10_000, DAY).unwrap()),
            [(LineKind::Tier(1), 100, 5283, 5283)]
        );
    }

    #[test]
    fn yearly_tiers_continue_from_the_year_so_far() {
        let t = yearly();
        // 2700 kWh billed before; this month's 200 cross the 2760 bound: 60 + 140.
        let c = quote(&t, Usage::Total(200), 2700, DAY).unwrap();
        assert_eq!(summary(&c), [(LineKind::Tier(1), 60, 5380, 3228), (LineKind::Tier(2), 140, 5880, 8232)]);
        // One month across both bounds.
        let c = quote(&t, Usage::Total(3000), 2000, DAY).unwrap();
        assert_eq!(
            summary(&c),
            [
                (LineKind::Tier(1), 760, 5380, 40888),
                (LineKind::Tier(2), 2040, 5880, 119_952),
                (LineKind::Tier(3), 200, 8380, 16760)
            ]
        );
        // Exactly at a bound: the 2760th kWh is still tier 1, the next is tier 2.
        assert_eq!(summary(&quote(&t, Usage::Total(60), 2700, DAY).unwrap()), [(LineKind::Tier(1), 60, 5380, 3228)]);
        assert_eq!(summary(&quote(&t, Usage::Total(1), 2760, DAY).unwrap()), [(LineKind::Tier(2), 1, 5880, 59)]);
    }

    #[test]
    fn the_year_accumulates_month_by_month() {
        let t = yearly();
        let mut ytd = 0;
        let mut tier_kwh = [0; 3];
        for (month, kwh) in [350, 420, 380, 300, 310, 500, 620, 640, 410, 330, 300, 480].into_iter().enumerate() {
            let day = date(2026, i8::try_from(month + 1).unwrap(), 28);
            for l in quote(&t, Usage::Total(kwh), ytd, day).unwrap().lines {
                let LineKind::Tier(k) = l.kind else { panic!("tiers") };
                tier_kwh[k - 1] += l.kwh;
            }
            ytd += kwh;
        }
        assert_eq!(ytd, 5040);
        assert_eq!(tier_kwh, [2760, 2040, 240]);
    }

    #[test]
    fn time_of_use_prices_each_register() {
        let t = tariff(
            "time_of_use",
            r#"[[tariff.version]]
effective_from = "2026-01-01"
peak = "0.975"
flat = "0.65"
valley = "0.325"
"#,
        );
        let c = quote(&t, Usage::Registers { peak: 1203, flat: 2500, valley: 0 }, 0, DAY).unwrap();
        // 1203 × 0.975 = 1172.925 → 1172.93; the empty valley register has no line.
        assert_eq!(
            summary(&c),
            [
                (LineKind::Register(Period::Peak), 1203, 9750, 117_293),
                (LineKind::Register(Period::Flat), 2500, 6500, 162_500)
            ]
        );
        assert_eq!(c.kwh, 3703);
        let e = quote(&t, Usage::Total(10), 0, DAY).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("kwh", "registers_required"));
        let e = quote(&monthly(), Usage::Registers { peak: 1, flat: 1, valley: 1 }, 0, DAY).unwrap_err();
        assert_eq!(e.rule.code, "registers_not_used");
    }

    #[test]
    fn a_price_change_mid_period_splits_the_kwh_by_days() {
        let t = tariff(
            "monthly_tiers",
            r#"[[tariff.version]]
effective_from = "2026-01-01"
tiers = [{ up_to_kwh = 150, price = "0.5283" }, { up_to_kwh = 250, price = "0.5783" }, { price = "0.8283" }]
[[tariff.version]]
effective_from = "2026-11-21"
tiers = [{ up_to_kwh = 150, price = "0.5383" }, { up_to_kwh = 250, price = "0.5883" }, { price = "0.8383" }]
"#,
        );
        // 1–30 November: 20 days old prices, 10 new. 301 kWh × 20/30 = 200.67 → 201 old, 100 new.
        let c = energy_charge(&t, Usage::Total(301), 0, date(2026, 11, 1), date(2026, 11, 30)).unwrap();
        let old = date(2026, 1, 1);
        let new = date(2026, 11, 21);
        assert_eq!(
            c.lines.iter().map(|l| (l.effective_from, l.kind, l.kwh)).collect::<Vec<_>>(),
            [
                (old, LineKind::Tier(1), 150),
                (old, LineKind::Tier(2), 51),
                (new, LineKind::Tier(2), 49),
                (new, LineKind::Tier(3), 51),
            ]
        );
        assert_eq!(c.amount, c.lines.iter().map(|l| l.amount).sum());
        // The split of a quantity: the remainder goes to the later part.
        assert_eq!(split_by_days(301, &[20, 10]), [201, 100]);
        assert_eq!(split_by_days(10, &[15, 15]), [5, 5]);
        assert_eq!(split_by_days(1, &[15, 15]), [1, 0]);
        assert_eq!(split_by_days(3, &[1, 1, 1, 1, 1, 1]), [1, 0, 1, 0, 1, 0]);
    }

    #[test]
    fn a_correction_reverses_the_issued_charge_exactly() {
        let t = monthly();
        let issued = quote(&t, Usage::Total(300), 0, DAY).unwrap();
        let reversal = issued.reversal();
        assert_eq!(reversal.amount, -issued.amount);
        assert_eq!(reversal.lines.iter().map(|l| l.amount).sum::<Money>(), reversal.amount);
        assert_eq!(reversal.lines[0], Line { kwh: -150, amount: Money::from_fen(-7925), ..issued.lines[0] });
        assert_eq!(reversal.reversal(), issued);
    }

    #[test]
    fn refusals_name_the_field() {
        let t = monthly();
        let code = |r: Result<Charge, Invalid>| {
            let e = r.unwrap_err();
            (e.field, e.rule.code)
        };
        assert_eq!(code(quote(&t, Usage::Total(-1), 0, DAY)), ("kwh".into(), "kwh_negative"));
        assert_eq!(code(quote(&t, Usage::Total(1), -1, DAY)), ("year_to_date_kwh".into(), "kwh_negative"));
        assert_eq!(code(quote(&t, Usage::Total(i64::MAX), 0, DAY)), ("kwh".into(), "kwh_too_large"));
        assert_eq!(code(quote(&t, Usage::Total(1), 0, date(2025, 12, 31))), ("date".into(), "no_tariff_version"));
        assert_eq!(
            code(energy_charge(&t, Usage::Total(1), 0, date(2025, 12, 20), date(2026, 1, 19))),
            ("date".into(), "no_tariff_version")
        );
        assert_eq!(
            code(energy_charge(&t, Usage::Total(1), 0, DAY, date(2026, 11, 1))),
            ("period".into(), "period_order")
        );
    }

    proptest! {
        #[test]
        fn tier_lines_cover_every_kwh_once(kwh in 0i64..20_000, ytd in 0i64..10_000) {
            for (t, start) in [(monthly(), 0), (yearly(), ytd)] {
                let c = quote(&t, Usage::Total(kwh), ytd, DAY).unwrap();
                prop_assert_eq!(c.lines.iter().map(|l| l.kwh).sum::<i64>(), kwh);
                // Tiers come in order and each line stays inside its tier.
                let Rates::Tiers(tiers) = &t.versions()[0].rates else { unreachable!() };
                let mut at = start;
                let mut last_tier = 0;
                for l in &c.lines {
                    let LineKind::Tier(k) = l.kind else { unreachable!() };
                    prop_assert!(k > last_tier);
                    last_tier = k;
                    let lower = if k == 1 { 0 } else { tiers[k - 2].up_to_kwh.unwrap() };
                    let upper = tiers[k - 1].up_to_kwh.unwrap_or(i64::MAX);
                    prop_assert!(at >= lower && at + l.kwh <= upper);
                    at += l.kwh;
                }
            }
        }

        #[test]
        fn more_kwh_never_costs_less(kwh in 0i64..20_000, more in 0i64..500, ytd in 0i64..6000) {
            for t in [monthly(), yearly()] {
                let a = quote(&t, Usage::Total(kwh), ytd, DAY).unwrap().amount;
                let b = quote(&t, Usage::Total(kwh + more), ytd, DAY).unwrap().amount;
                prop_assert!(b >= a);
            }
        }

        #[test]
        fn yearly_tiers_do_not_depend_on_how_the_year_is_cut(a in 0i64..4000, b in 0i64..4000) {
            // Two bills in a row put the same kWh in each tier as one bill of both.
            let t = yearly();
            let per_tier = |lines: &[Line]| {
                let mut kwh = [0i64; 3];
                for l in lines {
                    if let LineKind::Tier(k) = l.kind { kwh[k - 1] += l.kwh; }
                }
                kwh
            };
            let first = quote(&t, Usage::Total(a), 0, DAY).unwrap().lines;
            let second = quote(&t, Usage::Total(b), a, DAY).unwrap().lines;
            let both = quote(&t, Usage::Total(a + b), 0, DAY).unwrap().lines;
            let split: Vec<i64> = per_tier(&first).iter().zip(per_tier(&second)).map(|(x, y)| x + y).collect();
            prop_assert_eq!(split, per_tier(&both).to_vec());
        }

        #[test]
        fn a_split_by_days_is_exact_and_in_proportion(kwh in 0i64..100_000, days in proptest::collection::vec(1i64..31, 1..5)) {
            let parts = split_by_days(kwh, &days);
            prop_assert_eq!(parts.iter().sum::<i64>(), kwh);
            prop_assert!(parts.iter().all(|p| *p >= 0));
            let total: i64 = days.iter().sum();
            for (p, d) in parts.iter().zip(&days) {
                // Within one kWh of the exact share.
                prop_assert!((p * total - kwh * d).abs() <= total);
            }
        }
    }
}
