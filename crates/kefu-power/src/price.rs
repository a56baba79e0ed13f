//! Prices per kWh and the one rounding rule from exact amounts to fen.
//!
//! Price notices quote electricity prices in yuan per kWh with up to four
//! decimals (0.5283), finer than the fen a bill is paid in, so a price is held
//! as whole ten-thousandths of a yuan and every amount is computed exactly in
//! integers before it is rounded once, to the fen, by [`round_to_fen`].

use std::fmt;

use kefu_core::{Invalid, Money, Rule};

pub(crate) use kefu_core::decimal::div_round_half_up;
use kefu_core::decimal::{DecimalError, parse_field};

/// Ten-thousandths of a yuan in one fen.
const UNITS_PER_FEN: i128 = 100;

/// Ten-thousandths of a yuan in one yuan.
pub const UNITS_PER_YUAN: i64 = 10_000;

/// No tariff in China comes near 100 yuan per kWh; a larger figure is a typo
/// (a price typed in fen, or a missing decimal point).
const MAX_UNITS: i64 = 100 * UNITS_PER_YUAN;

/// A price in yuan per kWh, held as whole ten-thousandths of a yuan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Price(i64);

impl Price {
    pub const ZERO: Price = Price(0);

    /// A price of `units` ten-thousandths of a yuan per kWh (5283 is 0.5283).
    pub const fn from_units(units: i64) -> Price {
        Price(units)
    }

    pub const fn units(self) -> i64 {
        self.0
    }

    /// Parses a price as a notice writes it: `0.5283`, `1`, `0.62`. At most
    /// four decimals, never negative, below 100 yuan per kWh; a finer figure
    /// is refused rather than rounded, because a tariff is copied from a
    /// notice and a fifth decimal means it was copied wrong.
    pub fn parse(field: &str, input: &str) -> Result<Price, Invalid> {
        let too_high =
            || Rule::new("price_too_high", "电价须低于每千瓦时 100 元", "a price must be below 100 yuan per kWh");
        let units = parse_field(field, input, 4, |e| match e {
            DecimalError::Format => Rule::new(
                "price_format",
                "电价格式不正确，请填写如 0.5283 的数字（元/千瓦时）",
                "not a price; enter yuan per kWh such as 0.5283",
            ),
            DecimalError::Decimals => Rule::new(
                "price_decimals",
                "电价最多四位小数（元/千瓦时）",
                "a price has at most 4 decimal places (yuan per kWh)",
            ),
            DecimalError::TooLarge => too_high(),
        })?;
        if units >= MAX_UNITS {
            return Err(Invalid::new(field, too_high()));
        }
        Ok(Price(units))
    }

    /// The exact amount of `kwh` at this price, in ten-thousandths of a yuan.
    pub fn times(self, kwh: i64) -> i128 {
        i128::from(self.0) * i128::from(kwh)
    }
}

/// Always four decimals, as price notices print them: `0.5283`, `1.0000`.
impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:04}", abs / 10_000, abs % 10_000)
    }
}

/// Rounds an exact amount in ten-thousandths of a yuan to the fen, half up —
/// half away from zero for a negative amount, so that a reversal is exactly
/// the negative of the line it reverses.
///
/// This is the pack's one rounding rule for money: issue 20 §2 ("each line's
/// amount = kWh × price, rounded half-up to the fen"), used for each bill line,
/// each late-payment charge and each settlement.
pub fn round_to_fen(units: i128) -> Money {
    Money::from_fen(fen_i64(div_round_half_up(units, UNITS_PER_FEN)))
}

/// An amount in fen from an exact computation that real bills keep far
/// inside `i64`.
///
/// # Panics
/// Beyond ±9.2 × 10^16 yuan, which no electricity bill reaches.
pub(crate) fn fen_i64(fen: i128) -> i64 {
    i64::try_from(fen).expect("an electricity amount beyond i64 fen")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn code(input: &str) -> &'static str {
        Price::parse("price", input).unwrap_err().rule.code
    }

    #[test]
    fn parses_prices_as_notices_write_them() {
        assert_eq!(Price::parse("price", "0.5283").unwrap(), Price::from_units(5283));
        assert_eq!(Price::parse("price", " 0.62 ").unwrap(), Price::from_units(6200));
        assert_eq!(Price::parse("price", "1").unwrap(), Price::from_units(10_000));
        assert_eq!(Price::parse("price", "0").unwrap(), Price::ZERO);
        assert_eq!(Price::parse("price", "99.9999").unwrap(), Price::from_units(999_999));
    }

    #[test]
    fn refuses_what_a_notice_never_prints() {
        assert_eq!(code(""), "required");
        assert_eq!(code("0.52831"), "price_decimals");
        assert_eq!(code("-0.5"), "price_format");
        assert_eq!(code("0,5283"), "price_format");
        assert_eq!(code(".5"), "price_format");
        assert_eq!(code("5."), "price_format");
        assert_eq!(code("1e-2"), "price_format");
        assert_eq!(code("abc"), "price_format");
        assert_eq!(code("100"), "price_too_high");
        assert_eq!(code("99999999999999999999"), "price_too_high");
        let e = Price::parse("tariff[0].version[0].price", "0.52831").unwrap_err();
        assert_eq!(e.field, "tariff[0].version[0].price");
    }

    #[test]
    fn displays_four_decimals() {
        assert_eq!(Price::from_units(5283).to_string(), "0.5283");
        assert_eq!(Price::from_units(10_000).to_string(), "1.0000");
        assert_eq!(Price::from_units(5).to_string(), "0.0005");
        assert_eq!(Price::from_units(-5283).to_string(), "-0.5283");
    }

    #[test]
    fn rounds_half_up_to_the_fen() {
        // 150 kWh × 0.5283 = 79.245 yuan: the half fen goes up.
        assert_eq!(round_to_fen(Price::from_units(5283).times(150)), Money::from_fen(7925));
        assert_eq!(round_to_fen(792_449), Money::from_fen(7924));
        assert_eq!(round_to_fen(792_450), Money::from_fen(7925));
        assert_eq!(round_to_fen(-792_450), Money::from_fen(-7925));
        assert_eq!(round_to_fen(0), Money::ZERO);
    }

    proptest! {
        #[test]
        fn display_parses_back(units in 0i64..MAX_UNITS) {
            let p = Price::from_units(units);
            prop_assert_eq!(Price::parse("price", &p.to_string()).unwrap(), p);
        }

        #[test]
        fn rounding_is_within_half_a_fen_and_symmetric(units in -1_000_000_000i128..1_000_000_000) {
            let fen = i128::from(round_to_fen(units).fen());
            prop_assert!((fen * 100 - units).abs() <= 50);
            prop_assert_eq!(round_to_fen(-units), -round_to_fen(units));
        }
    }
}
