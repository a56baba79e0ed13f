//! The monthly economic indicators (issue 20 §5; formulas from
//! /work/shared/domain/power.md, "Indicators"):
//!
//! - 线损率 = (供电量 − 售电量) / 供电量, where 供电量 is the energy taken in
//!   from the grid plus the small hydro stations' 上网电量;
//! - 电费回收率 = 实收电费 / 应收电费, cumulative, for this year's bills and for
//!   earlier years' arrears apart;
//! - 实抄率 = read / due and 抄表差错率 = readings found wrong / read;
//! - 综合平均电价 = 售电收入 / 售电量, yuan per kWh to four decimals.
//!
//! Every figure is kept as an exact fraction of the month's totals ([`Rate`]):
//! the centre's figure is computed from the stations' summed totals, never by
//! averaging their percentages, so the stations always reconcile with the
//! centre; targets are compared exactly; a percentage is rounded only to be
//! shown — half up (away from zero) to two decimals, `98.57%`.
//!
//! Stored: the station and generation meters with their monthly readings
//! ([`meters`], migration 45), the month's figures per station read from
//! the readings, bills, payments and the reading audit, and the targets
//! ([`store`], migration 46), the monthly analysis meeting with its actions
//! ([`meetings`]), the month's readings from a file ([`import`]), and the
//! demo's meters and readings ([`demo`]).

use std::iter::Sum;
use std::ops::Add;

use jiff::civil::Date;
use kefu_core::{Invalid, Money};

pub mod demo;
pub mod import;
pub mod meetings;
pub mod meters;
pub mod store;

/// Fee collection: the current period is this year's bills, the arrears
/// earlier years'.
pub use kefu_core::rate::{Collection, Percent, Rate};

use crate::price::{Price, div_round_half_up, fen_i64, round_to_fen};

/// A month as written, `2026-11`: its first day, or the refusal naming
/// `month` (the bills' rule).
pub fn parse_month(month: &str) -> Result<Date, Invalid> {
    crate::bills::month_ok(month)
}

/// 综合平均电价: revenue ÷ kWh sold, in yuan per kWh rounded half up to
/// four decimals; `None` when nothing was sold.
pub fn average_price(revenue: Money, sold_kwh: i64) -> Option<Price> {
    (sold_kwh > 0).then(|| {
        // fen × 100 = ten-thousandths of a yuan.
        Price::from_units(fen_i64(div_round_half_up(i128::from(revenue.fen()) * 100, i128::from(sold_kwh))))
    })
}

/// A small hydro station's settlement (决算金额): its 上网电量 at the
/// purchase price, rounded half up to the fen.
pub fn hydro_settlement(fed_kwh: i64, purchase_price: Price) -> Money {
    round_to_fen(purchase_price.times(fed_kwh))
}

/// A station's month in totals, the input of its indicators. A centre's
/// month is the sum of its stations' (`Sum`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MonthTotals {
    /// Energy taken in from the grid at the station's metering points.
    pub grid_in_kwh: i64,
    /// 上网电量: energy the small hydro stations fed into its network.
    pub hydro_fed_kwh: i64,
    /// 售电量: kWh billed to its accounts.
    pub sold_kwh: i64,
    /// 售电收入: the energy revenue of those bills.
    pub revenue: Money,
    pub collection: Collection,
    /// 应抄: readings due.
    pub readings_due: i64,
    /// 实抄: readings taken.
    pub readings_read: i64,
    /// 差错: readings found wrong in the audit.
    pub reading_errors: i64,
    pub meter_faults: i64,
}

impl Add for MonthTotals {
    type Output = MonthTotals;

    fn add(self, o: MonthTotals) -> MonthTotals {
        MonthTotals {
            grid_in_kwh: self.grid_in_kwh + o.grid_in_kwh,
            hydro_fed_kwh: self.hydro_fed_kwh + o.hydro_fed_kwh,
            sold_kwh: self.sold_kwh + o.sold_kwh,
            revenue: self.revenue + o.revenue,
            collection: self.collection + o.collection,
            readings_due: self.readings_due + o.readings_due,
            readings_read: self.readings_read + o.readings_read,
            reading_errors: self.reading_errors + o.reading_errors,
            meter_faults: self.meter_faults + o.meter_faults,
        }
    }
}

impl Sum for MonthTotals {
    fn sum<I: Iterator<Item = MonthTotals>>(iter: I) -> MonthTotals {
        iter.fold(MonthTotals::default(), Add::add)
    }
}

/// The month's indicators of a station or the centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Indicators {
    /// 供电量 = grid in + hydro fed.
    pub supplied_kwh: i64,
    pub sold_kwh: i64,
    /// 线损电量 = 供电量 − 售电量 (negative when more was billed than came in,
    /// as readings on different days can make it).
    pub loss_kwh: i64,
    /// 线损率.
    pub line_loss: Option<Rate>,
    /// 综合平均电价.
    pub average_price: Option<Price>,
    /// 电费回收率, cumulative.
    pub collection: Option<Rate>,
    pub collection_current_year: Option<Rate>,
    pub collection_earlier_years: Option<Rate>,
    /// 实抄率.
    pub reading_rate: Option<Rate>,
    /// 抄表差错率.
    pub error_rate: Option<Rate>,
    pub meter_faults: i64,
}

impl MonthTotals {
    pub fn indicators(&self) -> Indicators {
        let supplied_kwh = self.grid_in_kwh + self.hydro_fed_kwh;
        let loss_kwh = supplied_kwh - self.sold_kwh;
        Indicators {
            supplied_kwh,
            sold_kwh: self.sold_kwh,
            loss_kwh,
            line_loss: Rate::new(loss_kwh, supplied_kwh),
            average_price: average_price(self.revenue, self.sold_kwh),
            collection: self.collection.cumulative(),
            collection_current_year: self.collection.current(),
            collection_earlier_years: self.collection.arrears(),
            reading_rate: Rate::new(self.readings_read, self.readings_due),
            error_rate: Rate::new(self.reading_errors, self.readings_read),
            meter_faults: self.meter_faults,
        }
    }
}

/// The targets the company sets a station (issue 20 §5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Targets {
    pub line_loss_at_most: Option<Percent>,
    pub collection_at_least: Option<Percent>,
    pub average_price_at_least: Option<Price>,
}

/// The figures that missed their target, for the analysis meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Miss {
    LineLoss,
    Collection,
    AveragePrice,
}

impl Targets {
    /// The misses of a month, compared exactly. A figure without a
    /// denominator (nothing supplied, nothing billed) misses nothing.
    pub fn misses(&self, i: &Indicators) -> Vec<Miss> {
        let mut out = Vec::new();
        if let (Some(t), Some(r)) = (self.line_loss_at_most, i.line_loss)
            && !r.at_most(t)
        {
            out.push(Miss::LineLoss);
        }
        if let (Some(t), Some(r)) = (self.collection_at_least, i.collection)
            && !r.at_least(t)
        {
            out.push(Miss::Collection);
        }
        if let (Some(t), Some(p)) = (self.average_price_at_least, i.average_price)
            && p < t
        {
            out.push(Miss::AveragePrice);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn yuan(y: i64) -> Money {
        Money::from_yuan(y)
    }

    fn station(grid: i64, hydro: i64, sold: i64, revenue: i64) -> MonthTotals {
        MonthTotals {
            grid_in_kwh: grid,
            hydro_fed_kwh: hydro,
            sold_kwh: sold,
            revenue: Money::from_fen(revenue),
            ..MonthTotals::default()
        }
    }

    #[test]
    fn line_loss_counts_the_hydros_in_the_supply() {
        // 900,000 kWh from the grid + 100,000 from small hydros; 940,000 sold.
        let i = station(900_000, 100_000, 940_000, 0).indicators();
        assert_eq!((i.supplied_kwh, i.loss_kwh), (1_000_000, 60_000));
        assert_eq!(i.line_loss.unwrap().to_string(), "6.00%");
        // More billed than supplied: a negative loss, shown as such.
        let i = station(1000, 0, 1013, 0).indicators();
        assert_eq!(i.line_loss.unwrap().to_string(), "-1.30%");
        assert_eq!(station(0, 0, 0, 0).indicators().line_loss, None);
    }

    #[test]
    fn the_reading_audit_rates() {
        let m = MonthTotals { readings_due: 1200, readings_read: 1188, reading_errors: 3, ..MonthTotals::default() };
        let i = m.indicators();
        assert_eq!(i.reading_rate.unwrap().to_string(), "99.00%");
        // 差错率 is over the readings taken, not those due.
        assert_eq!(i.error_rate.unwrap().to_string(), "0.25%");
        assert_eq!(MonthTotals::default().indicators().reading_rate, None);
    }

    #[test]
    fn collection_rates_this_year_and_earlier_years_apart() {
        let c = Collection {
            billed: yuan(1_000_000),
            collected: yuan(985_000),
            arrears_opening: yuan(50_000),
            arrears_collected: yuan(20_000),
        };
        assert_eq!(c.current().unwrap().to_string(), "98.50%");
        assert_eq!(c.arrears().unwrap().to_string(), "40.00%");
        // (985,000 + 20,000) / 1,050,000 = 95.714… %
        assert_eq!(c.cumulative().unwrap().to_string(), "95.71%");
        assert_eq!(Collection::default().cumulative(), None);
    }

    #[test]
    fn the_average_price_is_revenue_over_kwh_to_four_decimals() {
        // 52,830.00 yuan for 100,000 kWh.
        assert_eq!(average_price(yuan(52_830), 100_000).unwrap().to_string(), "0.5283");
        // 1.00 yuan for 3 kWh = 0.33333… → 0.3333; 2.00 for 3 = 0.66666… → 0.6667.
        assert_eq!(average_price(yuan(1), 3).unwrap().to_string(), "0.3333");
        assert_eq!(average_price(yuan(2), 3).unwrap().to_string(), "0.6667");
        assert_eq!(average_price(yuan(1), 0), None);
    }

    #[test]
    fn a_hydro_settlement_is_its_kwh_at_the_purchase_price() {
        // 1,234,567 kWh at 0.2850 = 351,851.595 → 351,851.60 yuan.
        assert_eq!(hydro_settlement(1_234_567, Price::from_units(2850)), Money::from_fen(35_185_160));
    }

    #[test]
    fn targets_are_compared_exactly() {
        let limit = Targets { line_loss_at_most: Some(Percent::parse("t", "6").unwrap()), ..Targets::default() };
        // 6.004 % shows as 6.00 % but is above a 6 % limit.
        let i = station(1_000_000, 0, 939_960, 0).indicators();
        assert_eq!(i.line_loss.unwrap().to_string(), "6.00%");
        assert_eq!(limit.misses(&i), [Miss::LineLoss]);
        let i = station(1_000_000, 0, 940_000, 0).indicators();
        assert_eq!(limit.misses(&i), []);

        let all = Targets {
            line_loss_at_most: Some(Percent(800)),
            collection_at_least: Some(Percent(9900)),
            average_price_at_least: Some(Price::from_units(5500)),
        };
        let m = MonthTotals {
            collection: Collection { billed: yuan(100), collected: yuan(98), ..Collection::default() },
            ..station(1000, 0, 950, 52_240)
        };
        assert_eq!(all.misses(&m.indicators()), [Miss::Collection, Miss::AveragePrice]);
    }

    fn arb_station() -> impl Strategy<Value = MonthTotals> {
        (0i64..2_000_000, 0i64..200_000, 0i64..2_000_000, 0i64..100_000_000, 0i64..100_000_000, 0i64..5000, 0i64..5000)
            .prop_map(|(grid, hydro, sold, revenue, billed, due, read)| MonthTotals {
                collection: Collection {
                    billed: Money::from_fen(billed),
                    collected: Money::from_fen(billed / 2),
                    ..Collection::default()
                },
                readings_due: due,
                readings_read: read.min(due),
                ..station(grid, hydro, sold, revenue)
            })
    }

    proptest! {
        #[test]
        fn the_stations_reconcile_with_the_centre(stations in proptest::collection::vec(arb_station(), 1..12)) {
            let centre: MonthTotals = stations.iter().copied().sum();
            let i = centre.indicators();
            prop_assert_eq!(i.supplied_kwh, stations.iter().map(|s| s.indicators().supplied_kwh).sum::<i64>());
            prop_assert_eq!(i.loss_kwh, stations.iter().map(|s| s.indicators().loss_kwh).sum::<i64>());
            // The centre's line loss is the fraction of the summed kWh.
            if let Some(r) = i.line_loss {
                prop_assert_eq!((r.numerator(), r.denominator()), (i.loss_kwh, i.supplied_kwh));
            }
        }

    }
}
