//! The one rounding rule (issue 21 §6): a line's amount is computed exactly
//! — integers and fractions of integers, never floating point — and rounded
//! once, half up, to the fen. Half up is half away from zero for a negative
//! amount, so a reversal is exactly the negative of the line it reverses.
//!
//! (HC小区 rounds half to even; kefu rounds half up, as a bill's reader
//! expects: 694.845 yuan is 694.85.)

use std::fmt;

use kefu_core::Money;
use kefu_core::decimal::div_round_half_up;

/// An exact amount: `num / den` fen, `den` above zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exact {
    num: i128,
    den: i128,
}

impl Exact {
    /// `num / den` fen.
    ///
    /// # Panics
    /// When `den` is not above zero: every caller divides by a count of
    /// units it has checked.
    pub fn fen_fraction(num: i128, den: i128) -> Exact {
        assert!(den > 0, "an exact amount over {den}");
        Exact { num, den }
    }

    /// The one rounding: half up to the fen.
    ///
    /// # Panics
    /// Beyond ±9.2 × 10^16 yuan, which no property bill reaches.
    pub fn round(self) -> Money {
        Money::from_fen(i64::try_from(div_round_half_up(self.num, self.den)).expect("a property fee beyond i64 fen"))
    }
}

/// A line's quantity — m²·months, m³, kWh, months — in hundredths, shown
/// without trailing zeros: `17`, `295.68`, `2.5`. Only shown: amounts are
/// computed from the exact figures, never from this.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Quantity(i64);

impl Quantity {
    pub const fn from_hundredths(hundredths: i64) -> Quantity {
        Quantity(hundredths)
    }

    /// A whole number of units.
    pub const fn whole(units: i64) -> Quantity {
        Quantity(units * 100)
    }

    /// `num / den` units, rounded half up to the hundredth for showing.
    pub fn of_fraction(num: i128, den: i128) -> Quantity {
        Quantity(i64::try_from(div_round_half_up(num * 100, den)).expect("a quantity within i64"))
    }

    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// The same quantity counted the other way, for a reversal.
    pub const fn negated(self) -> Quantity {
        Quantity(-self.0)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        match abs % 100 {
            0 => write!(f, "{sign}{}", abs / 100),
            frac if frac % 10 == 0 => write!(f, "{sign}{}.{}", abs / 100, frac / 10),
            frac => write!(f, "{sign}{}.{frac:02}", abs / 100),
        }
    }
}

/// An amount as the API writes yuan: `67.15`, `-67.15`, `0.05` — no sign of
/// the currency, no grouping.
pub fn yuan_text(amount: Money) -> String {
    let sign = if amount.fen() < 0 { "-" } else { "" };
    let abs = amount.fen().unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn rounds_once_half_up_to_the_fen() {
        assert_eq!(Exact::fen_fraction(694_848, 10).round(), Money::from_fen(69_485));
        assert_eq!(Exact::fen_fraction(694_844, 10).round(), Money::from_fen(69_484));
        assert_eq!(Exact::fen_fraction(-694_845, 10).round(), Money::from_fen(-69_485));
        assert_eq!(Exact::fen_fraction(1, 3).round(), Money::ZERO);
        assert_eq!(Exact::fen_fraction(2, 3).round(), Money::from_fen(1));
    }

    #[test]
    fn quantities_show_without_trailing_zeros() {
        assert_eq!(Quantity::whole(17).to_string(), "17");
        assert_eq!(Quantity::from_hundredths(29_568).to_string(), "295.68");
        assert_eq!(Quantity::from_hundredths(250).to_string(), "2.5");
        assert_eq!(Quantity::from_hundredths(5).to_string(), "0.05");
        assert_eq!(Quantity::whole(17).negated().to_string(), "-17");
        // 98.56 m² × 15/31 of a month = 47.6903… m²·months.
        assert_eq!(Quantity::of_fraction(9856 * 15, 100 * 31).to_string(), "47.69");
    }

    #[test]
    fn yuan_are_written_plain() {
        assert_eq!(yuan_text(Money::from_fen(6715)), "67.15");
        assert_eq!(yuan_text(Money::from_fen(5)), "0.05");
        assert_eq!(yuan_text(Money::from_fen(-6715)), "-67.15");
        assert_eq!(yuan_text(Money::from_fen(123_456_700)), "1234567.00");
    }

    proptest! {
        #[test]
        fn rounding_is_nearest_and_symmetric(num in -1_000_000_000i128..1_000_000_000, den in 1i128..1_000_000) {
            let fen = i128::from(Exact::fen_fraction(num, den).round().fen());
            prop_assert!((fen * den - num).abs() * 2 <= den);
            prop_assert_eq!(Exact::fen_fraction(-num, den).round(), -Exact::fen_fraction(num, den).round());
        }

        #[test]
        fn plain_yuan_read_back_as_money(fen in -1_000_000_000_000i64..1_000_000_000_000) {
            prop_assert_eq!(Money::parse_yuan("amount", &yuan_text(Money::from_fen(fen))).unwrap(), Money::from_fen(fen));
        }
    }
}
