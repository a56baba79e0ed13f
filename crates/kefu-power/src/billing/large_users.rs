//! What a large user's bill adds to the energy charge (issue 20 §3): the
//! basic charge (基本电费) of a two-part tariff, and the power factor
//! adjustment (功率因数调整电费, 力调电费) of 《功率因数调整电费办法》, the
//! table power.md names for users of 100 kVA and more.
//!
//! The adjustment, as the secondary sources quoting the 办法 give it:
//! - the month's average power factor = P / √(P² + Q²) from the active (kWh)
//!   and reactive (kvarh) registers, to two decimals rounded half up
//!   (功率因数计算一律取小数后二位为止，二位以后四舍五入);
//! - the table, for the user's standard of 0.90, 0.85 or 0.80, gives the
//!   percentage by which the month's basic and energy charges are raised or
//!   lowered; surcharges are billed apart and are not adjusted here;
//! - the table follows one pattern for all three standards: above the
//!   standard, 0.1 % off per 0.01 up to 0.90 and 0.15 % per 0.01 above it,
//!   capped at 0.75 %, 1.1 % and 1.3 %; below the standard, 0.5 % more per
//!   0.01 for 0.20, then 1 % per 0.01 for 0.05, then 2 % per 0.01.
//!   [`PowerFactorTable::standard`] builds it from that pattern; the rows for
//!   1.00–0.93, 0.66–0.59 and 0.32–0.26 were checked against the table as
//!   wgbc.cn reproduces it (功率因数调整电费增减查对表), the rest follow the
//!   pattern and were not checked row by row. A company with a different table
//!   gives its own rows ([`PowerFactorTable::from_rows`]).

use kefu_core::{Invalid, Money, Rule};

use crate::price::{Price, div_round_half_up, fen_i64, round_to_fen};

/// The standards of the 办法: 0.90 for high-voltage industrial users of
/// 160 kVA and more, 0.85 for other users of 100 kVA and more, 0.80 for
/// agricultural users.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standard {
    P90,
    P85,
    P80,
}

/// The percentage for each power factor from 0.00 to 1.00, in hundredths
/// of a percent: positive raises the bill, negative lowers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PowerFactorTable {
    basis_points: [i32; 101],
}

impl PowerFactorTable {
    /// The 办法's table for a standard.
    pub fn standard(standard: Standard) -> PowerFactorTable {
        let (s, cap) = match standard {
            Standard::P90 => (90, 75),
            Standard::P85 => (85, 110),
            Standard::P80 => (80, 130),
        };
        let mut basis_points = [0; 101];
        for (pf, bp) in (0i32..).zip(basis_points.iter_mut()) {
            *bp = if pf > s {
                // 0.1 % a step up to 0.90, 0.15 % a step above.
                let low_steps = (pf.min(90) - s).max(0);
                let high_steps = pf - s.max(90);
                -(low_steps * 10 + high_steps.max(0) * 15).min(cap)
            } else {
                let below = s - pf;
                below.min(20) * 50 + (below - 20).clamp(0, 5) * 100 + (below - 25).max(0) * 200
            };
        }
        PowerFactorTable { basis_points }
    }

    /// A company's own table: a percentage for every power factor from 0.00
    /// to 1.00, in hundredths of a percent.
    pub fn from_rows(field: &str, rows: &[i32]) -> Result<PowerFactorTable, Invalid> {
        let basis_points: [i32; 101] = rows.try_into().map_err(|_| {
            Invalid::new(
                field,
                Rule::new(
                    "power_factor_rows",
                    "力调表须列出 0.00 到 1.00 共 101 个功率因数的增减比例",
                    "a power factor table lists the percentage for each of the 101 factors from 0.00 to 1.00",
                ),
            )
        })?;
        Ok(PowerFactorTable { basis_points })
    }

    /// The percentage at a power factor in hundredths (0..=100).
    pub fn basis_points(&self, power_factor: u8) -> i32 {
        self.basis_points[usize::from(power_factor.min(100))]
    }

    /// Every row, from 0.00 up to 1.00.
    pub fn rows(&self) -> &[i32; 101] {
        &self.basis_points
    }
}

/// The tables the billing run judges by, one a standard: the 办法's unless
/// the company keeps its own (`bills::pf_tables`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PowerFactorTables {
    pub p90: PowerFactorTable,
    pub p85: PowerFactorTable,
    pub p80: PowerFactorTable,
}

impl PowerFactorTables {
    /// The 办法's three tables.
    pub fn standard() -> PowerFactorTables {
        PowerFactorTables {
            p90: PowerFactorTable::standard(Standard::P90),
            p85: PowerFactorTable::standard(Standard::P85),
            p80: PowerFactorTable::standard(Standard::P80),
        }
    }

    pub fn of(&self, standard: Standard) -> &PowerFactorTable {
        match standard {
            Standard::P90 => &self.p90,
            Standard::P85 => &self.p85,
            Standard::P80 => &self.p80,
        }
    }

    pub fn of_mut(&mut self, standard: Standard) -> &mut PowerFactorTable {
        match standard {
            Standard::P90 => &mut self.p90,
            Standard::P85 => &mut self.p85,
            Standard::P80 => &mut self.p80,
        }
    }
}

/// The month's average power factor in hundredths, rounded half up; `None`
/// when nothing was metered.
pub fn power_factor(active_kwh: i64, reactive_kvarh: i64) -> Option<u8> {
    let p = i128::from(active_kwh.max(0));
    let q = i128::from(reactive_kvarh.unsigned_abs());
    let s = p * p + q * q;
    if s == 0 {
        return None;
    }
    // The largest n with n − ½ ≤ 100·P/√S, i.e. (2n − 1)²·S ≤ 40000·P²: exact.
    Some((1u8..=100).rev().find(|n| (2 * i128::from(*n) - 1).pow(2) * s <= 40_000 * p * p).unwrap_or(0))
}

/// The adjustment on the month's basic and energy charges: positive raises
/// the bill, negative lowers it; rounded half up to the fen.
pub fn power_factor_adjustment(charges: Money, power_factor: u8, table: &PowerFactorTable) -> Money {
    let bp = i128::from(table.basis_points(power_factor));
    Money::from_fen(fen_i64(div_round_half_up(i128::from(charges.fen()) * bp, 10_000)))
}

/// What a two-part tariff's basic charge is counted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Demand {
    /// The contracted transformer capacity, kVA.
    Capacity { kva: i64 },
    /// The month's maximum demand, kW.
    MaximumDemand { kw: i64 },
}

/// The month's basic charge: the kVA or kW at the price per kVA (or kW) a
/// month, rounded half up to the fen.
pub fn basic_charge(demand: Demand, price_a_month: Price) -> Money {
    let units = match demand {
        Demand::Capacity { kva } => kva,
        Demand::MaximumDemand { kw } => kw,
    };
    round_to_fen(price_a_month.times(units))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The rows checked against the reproduced table, in percent × 100.
    const CHECKED: [(u8, [i32; 3]); 20] = [
        (100, [-75, -110, -130]),
        (99, [-75, -110, -130]),
        (95, [-75, -110, -130]),
        (94, [-60, -110, -130]),
        (93, [-45, -95, -130]),
        (66, [1400, 950, 700]),
        (65, [1500, 1000, 750]),
        (64, [1700, 1100, 800]),
        (63, [1900, 1200, 850]),
        (62, [2100, 1300, 900]),
        (61, [2300, 1400, 950]),
        (60, [2500, 1500, 1000]),
        (59, [2700, 1700, 1100]),
        (32, [8100, 7100, 6100]),
        (31, [8300, 7300, 6300]),
        (30, [8500, 7500, 6500]),
        (29, [8700, 7700, 6700]),
        (28, [8900, 7900, 6900]),
        (27, [9100, 8100, 7100]),
        (26, [9300, 8300, 7300]),
    ];

    #[test]
    fn the_built_tables_match_the_checked_rows() {
        let tables = [Standard::P90, Standard::P85, Standard::P80].map(PowerFactorTable::standard);
        for (pf, expected) in CHECKED {
            for (t, e) in tables.iter().zip(expected) {
                assert_eq!(t.basis_points(pf), e, "pf 0.{pf:02}");
            }
        }
        // At the standard nothing changes; the first steps either side.
        let p90 = &tables[0];
        assert_eq!((p90.basis_points(90), p90.basis_points(91), p90.basis_points(89)), (0, -15, 50));
        assert_eq!(p90.basis_points(70), 1000);
        let p85 = &tables[1];
        assert_eq!(
            (p85.basis_points(85), p85.basis_points(86), p85.basis_points(90), p85.basis_points(91)),
            (0, -10, -50, -65)
        );
        let p80 = &tables[2];
        assert_eq!((p80.basis_points(90), p80.basis_points(91), p80.basis_points(92)), (-100, -115, -130));
    }

    #[test]
    fn the_power_factor_is_rounded_half_up_to_two_decimals() {
        assert_eq!(power_factor(100, 0), Some(100));
        assert_eq!(power_factor(0, 100), Some(0));
        assert_eq!(power_factor(0, 0), None);
        // P 3, Q 4: 0.6 exactly.
        assert_eq!(power_factor(30_000, 40_000), Some(60));
        // P 1, Q 1: 0.7071 → 0.71.
        assert_eq!(power_factor(5000, 5000), Some(71));
        // Q/P = 0.4843 gives 0.900 →
        assert_eq!(power_factor(100_000, 48_432), Some(90));
    }

    #[test]
    fn the_adjustment_raises_or_lowers_basic_and_energy_charges() {
        let p90 = PowerFactorTable::standard(Standard::P90);
        // 10,400 + 1,416.16 yuan at 0.85 under the 0.90 standard: + 2.5 %.
        let charges = Money::from_fen(1_040_000 + 141_616);
        assert_eq!(power_factor_adjustment(charges, 85, &p90), Money::from_fen(29_540)); // 295.404 → 295.40
        assert_eq!(power_factor_adjustment(charges, 96, &p90), Money::from_fen(-8_862)); // −88.6212 → −88.62
        assert_eq!(power_factor_adjustment(charges, 90, &p90), Money::ZERO);
    }

    #[test]
    fn a_company_may_give_its_own_table() {
        let rows: Vec<i32> = (0..=100).map(|pf| if pf < 90 { 100 } else { 0 }).collect();
        let t = PowerFactorTable::from_rows("table", &rows).unwrap();
        assert_eq!((t.basis_points(89), t.basis_points(90)), (100, 0));
        assert_eq!(PowerFactorTable::from_rows("table", &rows[1..]).unwrap_err().rule.code, "power_factor_rows");
    }

    #[test]
    fn the_basic_charge_by_capacity_or_demand() {
        let per_kva = Price::parse("price", "26").unwrap();
        assert_eq!(basic_charge(Demand::Capacity { kva: 400 }, per_kva), Money::from_yuan(10_400));
        let per_kw = Price::parse("price", "38.5").unwrap();
        assert_eq!(basic_charge(Demand::MaximumDemand { kw: 321 }, per_kw), Money::from_fen(1_235_850));
    }

    proptest! {
        #[test]
        fn the_factor_is_the_nearest_hundredth(p in 0i64..10_000_000, q in 0i64..10_000_000) {
            prop_assume!(p > 0 || q > 0);
            let n = i128::from(power_factor(p, q).unwrap());
            let (p, q) = (i128::from(p), i128::from(q));
            let s = p * p + q * q;
            // n − ½ ≤ 100·P/√S < n + ½
            prop_assert!((2 * n - 1).max(0).pow(2) * s <= 40_000 * p * p);
            prop_assert!(40_000 * p * p < (2 * n + 1).pow(2) * s);
        }

        #[test]
        fn a_better_factor_never_costs_more(a in 0u8..=100, b in 0u8..=100) {
            for s in [Standard::P90, Standard::P85, Standard::P80] {
                let t = PowerFactorTable::standard(s);
                let (lo, hi) = (a.min(b), a.max(b));
                prop_assert!(t.basis_points(hi) <= t.basis_points(lo));
            }
        }
    }
}
