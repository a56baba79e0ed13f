//! Exact fractions shown as percentages, and percentage targets.
//!
//! A rate (a collection rate, a line loss, a reading rate) is kept as the
//! exact fraction of its totals, so that branches' figures sum to their
//! parent's by adding numerators and denominators, never by averaging
//! percentages; targets are compared exactly, and a percentage is rounded
//! only to be shown — half up (away from zero) to two decimals, `98.57%`.

use std::fmt;
use std::iter::Sum;
use std::ops::Add;

use crate::decimal::{div_round_half_up, parse_field};
use crate::money::Money;
use crate::validation::{Invalid, Rule};

/// An exact fraction; `None` where the figure has no denominator (a station
/// with nothing due has no reading rate, not a rate of zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    num: i128,
    den: i128,
}

impl Rate {
    /// `num / den`, or `None` when `den` is not positive.
    pub fn new(num: i64, den: i64) -> Option<Rate> {
        (den > 0).then_some(Rate { num: i128::from(num), den: i128::from(den) })
    }

    pub fn numerator(self) -> i64 {
        i64::try_from(self.num).expect("made from an i64")
    }

    pub fn denominator(self) -> i64 {
        i64::try_from(self.den).expect("made from an i64")
    }

    /// The percentage in hundredths of a percent, rounded half up:
    /// 9857 is 98.57 %.
    pub fn basis_points(self) -> i64 {
        i64::try_from(div_round_half_up(self.num * 10_000, self.den)).expect("a percentage of i64 figures")
    }

    /// Exactly at or below the target (a line loss limit).
    pub fn at_most(self, target: Percent) -> bool {
        self.num * 10_000 <= i128::from(target.0) * self.den
    }

    /// Exactly at or above the target (a collection or reading rate).
    pub fn at_least(self, target: Percent) -> bool {
        self.num * 10_000 >= i128::from(target.0) * self.den
    }
}

/// `98.57%`, rounded half up to two decimals.
impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Percent(self.basis_points()).fmt(f)
    }
}

/// A percentage with two decimals, in hundredths of a percent: a target the
/// company sets (线损率 at most 6.5 %, 回收率 at least 99 %).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Percent(pub i64);

impl Percent {
    /// Parses `6.5`, `99`, `98.57` (an optional `%` after), 0 to 100.
    pub fn parse(field: &str, input: &str) -> Result<Percent, Invalid> {
        let trimmed = input.trim();
        let number = trimmed.strip_suffix(['%', '％']).unwrap_or(trimmed);
        let rule = || {
            Rule::new(
                "percent_format",
                "百分比应为 0 到 100 之间、最多两位小数的数字，如 6.5",
                "a percentage is a number from 0 to 100 with at most 2 decimals, such as 6.5",
            )
        };
        match parse_field(field, number, 2, |_| rule())? {
            bp if bp <= 10_000 => Ok(Percent(bp)),
            _ => Err(Invalid::new(field, rule())),
        }
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}%", abs / 100, abs % 100)
    }
}

/// Fee collection over a period, the current period's bills and earlier
/// arrears apart (electricity by year, property fees by month). Branches'
/// figures are summed before a rate is taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Collection {
    /// 应收: the current period's bills.
    pub billed: Money,
    /// 实收 on them.
    pub collected: Money,
    /// Earlier periods' arrears at the period's start.
    pub arrears_opening: Money,
    /// 实收 on those arrears during the period (清欠).
    pub arrears_collected: Money,
}

impl Collection {
    /// The current period's bills: collected / billed.
    pub fn current(self) -> Option<Rate> {
        Rate::new(self.collected.fen(), self.billed.fen())
    }

    /// Earlier arrears: collected / opening arrears.
    pub fn arrears(self) -> Option<Rate> {
        Rate::new(self.arrears_collected.fen(), self.arrears_opening.fen())
    }

    /// Everything: all collected / all receivable.
    pub fn cumulative(self) -> Option<Rate> {
        Rate::new((self.collected + self.arrears_collected).fen(), (self.billed + self.arrears_opening).fen())
    }
}

impl Add for Collection {
    type Output = Collection;

    fn add(self, o: Collection) -> Collection {
        Collection {
            billed: self.billed + o.billed,
            collected: self.collected + o.collected,
            arrears_opening: self.arrears_opening + o.arrears_opening,
            arrears_collected: self.arrears_collected + o.arrears_collected,
        }
    }
}

impl Sum for Collection {
    fn sum<I: Iterator<Item = Collection>>(iter: I) -> Collection {
        iter.fold(Collection::default(), Add::add)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn percentages_round_half_up_to_two_decimals() {
        assert_eq!(Rate::new(2, 3).unwrap().to_string(), "66.67%");
        assert_eq!(Rate::new(1, 8).unwrap().to_string(), "12.50%");
        assert_eq!(Rate::new(1, 80_000).unwrap().to_string(), "0.00%"); // 0.00125 %
        assert_eq!(Rate::new(1, 40_000).unwrap().to_string(), "0.00%"); // 0.0025 %
        assert_eq!(Rate::new(1, 20_000).unwrap().to_string(), "0.01%"); // 0.005 % rounds up
        assert_eq!(Rate::new(-1, 20_000).unwrap().to_string(), "-0.01%");
        assert_eq!(Rate::new(5, 0), None);
    }

    #[test]
    fn percent_targets_parse_as_typed() {
        assert_eq!(Percent::parse("t", "6.5").unwrap(), Percent(650));
        assert_eq!(Percent::parse("t", "99%").unwrap(), Percent(9900));
        assert_eq!(Percent::parse("t", " 98.57 ").unwrap(), Percent(9857));
        assert_eq!(Percent::parse("t", "100").unwrap(), Percent(10_000));
        for bad in ["101", "6.555", "-1", "abc", "6.", ".5", "1e2"] {
            assert_eq!(Percent::parse("t", bad).unwrap_err().rule.code, "percent_format", "{bad}");
        }
        assert_eq!(Percent::parse("t", "").unwrap_err().rule.code, "required");
        assert_eq!(Percent(650).to_string(), "6.50%");
    }

    #[test]
    fn collection_rates_apart_and_together() {
        let y = Money::from_yuan;
        let c = Collection { billed: y(1000), collected: y(985), arrears_opening: y(50), arrears_collected: y(20) };
        assert_eq!(c.current().unwrap().to_string(), "98.50%");
        assert_eq!(c.arrears().unwrap().to_string(), "40.00%");
        // (985 + 20) / 1050 = 95.714… %
        assert_eq!(c.cumulative().unwrap().to_string(), "95.71%");
        assert_eq!([c, c].into_iter().sum::<Collection>().current(), Rate::new(197_000, 200_000));
        assert_eq!(Collection::default().cumulative(), None);
    }

    proptest! {
        #[test]
        fn a_shown_percentage_is_within_half_a_hundredth(num in -1_000_000i64..1_000_000, den in 1i64..1_000_000) {
            let r = Rate::new(num, den).unwrap();
            let bp = i128::from(r.basis_points());
            prop_assert!((bp * i128::from(den) - i128::from(num) * 10_000).abs() * 2 <= i128::from(den));
        }

        #[test]
        fn a_figure_is_at_most_or_at_least_any_target(num in 0i64..1_000_000, den in 1i64..1_000_000, t in 0i64..=10_000) {
            let r = Rate::new(num, den).unwrap();
            prop_assert!(r.at_most(Percent(t)) || r.at_least(Percent(t)));
            prop_assert_eq!(r.at_most(Percent(t)) && r.at_least(Percent(t)), i128::from(num) * 10_000 == i128::from(t) * i128::from(den));
        }
    }
}
