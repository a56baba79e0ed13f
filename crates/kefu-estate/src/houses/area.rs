//! Areas in m² as a sales contract states them: building area (建筑面积) and
//! interior area (套内面积), with two decimals, held as whole hundredths of a
//! m² so that an area fee is computed exactly.

use std::fmt;

use kefu_core::decimal::{DecimalError, parse_field};
use kefu_core::{Invalid, Rule};

/// No house, shop or parking space reaches 100,000 m²: a larger figure is a
/// typo (a missing decimal point).
const MAX_HUNDREDTHS: i64 = 100_000 * 100;

/// An area above zero, in hundredths of a m².
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Area(i64);

impl Area {
    /// `hundredths` of a m² (9856 is 98.56 m²); `None` unless above zero
    /// and below the limit `parse` keeps.
    pub fn from_hundredths(hundredths: i64) -> Option<Area> {
        (hundredths > 0 && hundredths < MAX_HUNDREDTHS).then_some(Area(hundredths))
    }

    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// Parses `98.56`, `98.5`, `98`: at most two decimals — a third is
    /// refused, not rounded, since contracts state two — above zero and
    /// below 100,000 m².
    pub fn parse(field: &str, input: &str) -> Result<Area, Invalid> {
        let too_large = || Rule::new("area_too_large", "面积须小于 100000 平方米", "an area must be below 100,000 m²");
        let hundredths = parse_field(field, input, 2, |e| match e {
            DecimalError::Format => Rule::new(
                "area_format",
                "面积格式不正确，请填写如 98.56 的数字（平方米）",
                "not an area; enter square metres such as 98.56",
            ),
            DecimalError::Decimals => {
                Rule::new("area_decimals", "面积最多两位小数（平方米）", "an area has at most 2 decimal places (m²)")
            }
            DecimalError::TooLarge => too_large(),
        })?;
        if hundredths == 0 {
            return Err(Invalid::new(field, Rule::new("area_zero", "面积须大于零", "an area must be above zero")));
        }
        Area::from_hundredths(hundredths).ok_or_else(|| Invalid::new(field, too_large()))
    }
}

/// Always two decimals: `98.56`, `120.00`.
impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn code(input: &str) -> &'static str {
        Area::parse("building_area", input).unwrap_err().rule.code
    }

    #[test]
    fn reads_areas_with_up_to_two_decimals() {
        assert_eq!(Area::parse("building_area", "98.56").unwrap().hundredths(), 9856);
        assert_eq!(Area::parse("building_area", " 98.5 ").unwrap().hundredths(), 9850);
        assert_eq!(Area::parse("building_area", "98").unwrap().hundredths(), 9800);
        assert_eq!(Area::parse("building_area", "0.01").unwrap().hundredths(), 1);
    }

    #[test]
    fn refuses_zero_three_decimals_and_typos_naming_the_field() {
        assert_eq!(code("0"), "area_zero");
        assert_eq!(code("0.00"), "area_zero");
        assert_eq!(code("98.567"), "area_decimals");
        assert_eq!(code("-98"), "area_format");
        assert_eq!(code("98,56"), "area_format");
        assert_eq!(code("100000"), "area_too_large");
        assert_eq!(code("99999999999999999999"), "area_too_large");
        assert_eq!(code(""), "required");
        let e = Area::parse("interior_area", "1.234").unwrap_err();
        assert_eq!(e.field, "interior_area");
        assert_eq!(e.rule.en, "an area has at most 2 decimal places (m²)");
        assert_eq!(Area::from_hundredths(0), None);
    }

    proptest! {
        #[test]
        fn display_reads_back(h in 1i64..MAX_HUNDREDTHS) {
            let a = Area::from_hundredths(h).unwrap();
            prop_assert_eq!(Area::parse("area", &a.to_string()).unwrap(), a);
        }
    }
}
