//! Prices as a 明码标价 notice states them — yuan per m² per month, per m³
//! of water, per kWh — with up to four decimals, held as whole
//! ten-thousandths of a yuan so that every amount is computed exactly.

use std::fmt;

use kefu_core::decimal::{DecimalError, parse_field};
use kefu_core::{Invalid, Rule};

/// Ten-thousandths of a yuan in one yuan.
pub const UNITS_PER_YUAN: i64 = 10_000;

/// No property fee, water or power price comes near 1,000 yuan a unit: a
/// larger figure is a typo (a price typed in fen, a missing decimal point).
const MAX_UNITS: i64 = 1_000 * UNITS_PER_YUAN;

/// A price per unit (m² a month, m³, kWh) in ten-thousandths of a yuan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnitPrice(i64);

impl UnitPrice {
    /// `units` ten-thousandths of a yuan (23500 is 2.35).
    pub const fn from_units(units: i64) -> UnitPrice {
        UnitPrice(units)
    }

    pub const fn units(self) -> i64 {
        self.0
    }

    /// Parses `2.35`, `3.95`, `0.5283`: at most four decimals, never
    /// negative, below 1,000 yuan; a fifth decimal is refused, not rounded.
    pub fn parse(field: &str, input: &str) -> Result<UnitPrice, Invalid> {
        let too_high = || Rule::new("price_too_high", "单价须低于 1000 元", "a price must be below 1,000 yuan");
        let units = parse_field(field, input, 4, |e| match e {
            DecimalError::Format => Rule::new(
                "price_format",
                "单价格式不正确，请填写如 2.35 的数字（元）",
                "not a price; enter yuan such as 2.35",
            ),
            DecimalError::Decimals => {
                Rule::new("price_decimals", "单价最多四位小数（元）", "a price has at most 4 decimal places (yuan)")
            }
            DecimalError::TooLarge => too_high(),
        })?;
        if units >= MAX_UNITS {
            return Err(Invalid::new(field, too_high()));
        }
        Ok(UnitPrice(units))
    }
}

/// At least two decimals, as a notice prints yuan: `2.35`, `0.5283`, `3.00`.
impl fmt::Display for UnitPrice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let frac = format!("{:04}", self.0 % UNITS_PER_YUAN);
        let trimmed = frac.trim_end_matches('0');
        let shown = if trimmed.len() < 2 { &frac[..2] } else { trimmed };
        write!(f, "{}.{shown}", self.0 / UNITS_PER_YUAN)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn code(input: &str) -> &'static str {
        UnitPrice::parse("price", input).unwrap_err().rule.code
    }

    #[test]
    fn parses_prices_as_a_notice_writes_them() {
        assert_eq!(UnitPrice::parse("price", "2.35").unwrap().units(), 23_500);
        assert_eq!(UnitPrice::parse("price", "0.5283").unwrap().units(), 5283);
        assert_eq!(UnitPrice::parse("price", "3").unwrap().units(), 30_000);
        assert_eq!(code("2.35001"), "price_decimals");
        assert_eq!(code("-2"), "price_format");
        assert_eq!(code("2,35"), "price_format");
        assert_eq!(code("1000"), "price_too_high");
        assert_eq!(code(""), "required");
    }

    #[test]
    fn displays_at_least_two_decimals() {
        assert_eq!(UnitPrice::from_units(23_500).to_string(), "2.35");
        assert_eq!(UnitPrice::from_units(30_000).to_string(), "3.00");
        assert_eq!(UnitPrice::from_units(5283).to_string(), "0.5283");
        assert_eq!(UnitPrice::from_units(5280).to_string(), "0.528");
        assert_eq!(UnitPrice::from_units(5).to_string(), "0.0005");
    }

    proptest! {
        #[test]
        fn display_reads_back(units in 0i64..MAX_UNITS) {
            let p = UnitPrice::from_units(units);
            prop_assert_eq!(UnitPrice::parse("price", &p.to_string()).unwrap(), p);
        }
    }
}
