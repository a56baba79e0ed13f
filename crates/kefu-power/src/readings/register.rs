//! What a meter shows and what it means in kWh: the reading on its register,
//! the register's size (its digits, which decide when it rolls over), and the
//! multiplier (倍率) that turns the register's advance into kWh where the
//! meter is connected through current and voltage transformers (CT, PT).

use std::fmt;

use kefu_core::{Invalid, Rule};

use crate::price::div_round_half_up;
use kefu_core::decimal::{DecimalError, parse_field};

/// Hundredths of a kWh in one kWh: electronic registers show two decimals.
const HUNDREDTHS: i64 = 100;

/// A register reading, held in hundredths of a kWh (a mechanical register's
/// one decimal and an electronic one's two both fit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Reading(i64);

impl Reading {
    pub const fn from_hundredths(h: i64) -> Reading {
        Reading(h)
    }

    /// A whole-kWh reading, as most residential registers show.
    pub const fn from_kwh(kwh: i64) -> Reading {
        Reading(kwh * HUNDREDTHS)
    }

    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// Parses a reading as a reader types it or a handheld exports it:
    /// `12345`, `12345.6`, `012345.67`. Digits only, at most two decimals; a
    /// letter or a minus sign is a misread, refused by name.
    pub fn parse(field: &str, input: &str) -> Result<Reading, Invalid> {
        let h = parse_field(field, input, 2, |e| match e {
            DecimalError::Format => Rule::new(
                "reading_format",
                "示数只能是数字，如 12345 或 12345.67",
                "a reading is digits only, such as 12345 or 12345.67",
            ),
            DecimalError::Decimals => {
                Rule::new("reading_decimals", "示数最多两位小数", "a reading has at most 2 decimal places")
            }
            // More digits than any register has: `Register::check` refuses
            // those with the register's own size; only overflow is caught here.
            DecimalError::TooLarge => Rule::new("reading_too_long", "示数位数过多", "the reading has too many digits"),
        })?;
        Ok(Reading(h))
    }
}

/// `12345.67`; whole readings without decimals.
impl fmt::Display for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / HUNDREDTHS, self.0 % HUNDREDTHS);
        if frac == 0 { write!(f, "{whole}") } else { write!(f, "{whole}.{frac:02}") }
    }
}

/// A register: how many whole-kWh digits it has. A 5-digit register counts
/// to 99999 and goes on at 00000.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Register {
    digits: u32,
}

impl Register {
    /// Registers in service have 4 to 8 whole digits.
    pub fn new(field: &str, digits: u32) -> Result<Register, Invalid> {
        if (4..=8).contains(&digits) {
            Ok(Register { digits })
        } else {
            Err(Invalid::new(
                field,
                Rule::new("register_digits", "计度器整数位数应为 4 到 8 位", "a register has 4 to 8 whole digits"),
            ))
        }
    }

    pub fn digits(self) -> u32 {
        self.digits
    }

    /// The register's range in hundredths: a reading is below it, and a
    /// rollover adds it.
    pub fn span(self) -> i64 {
        10_i64.pow(self.digits) * HUNDREDTHS
    }

    /// A reading this register can show.
    pub fn check(self, field: &str, reading: Reading) -> Result<Reading, Invalid> {
        if reading.0 < self.span() {
            Ok(reading)
        } else {
            let d = self.digits;
            Err(Invalid::new(
                field,
                Rule::new(
                    "reading_too_many_digits",
                    format!("该表计度器只有 {d} 位整数，示数超出"),
                    format!("the register has {d} whole digits; the reading has more"),
                ),
            ))
        }
    }
}

/// A transformer ratio, primary over secondary: a 150/5 A CT is
/// `Ratio::new("ct", 150, 5)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratio {
    primary: u32,
    secondary: u32,
}

/// Beyond any transformer on a county network (a 110 kV PT is 110000/100).
const MAX_RATIO_SIDE: u32 = 1_000_000;

impl Ratio {
    /// No transformer.
    pub const ONE: Ratio = Ratio { primary: 1, secondary: 1 };

    pub fn new(field: &str, primary: u32, secondary: u32) -> Result<Ratio, Invalid> {
        if !(1..=MAX_RATIO_SIDE).contains(&primary) || !(1..=MAX_RATIO_SIDE).contains(&secondary) {
            return Err(Invalid::new(
                field,
                Rule::new(
                    "ratio_range",
                    "互感器变比的一次、二次值须在 1 到 1000000 之间",
                    "each side of a transformer ratio must be from 1 to 1,000,000",
                ),
            ));
        }
        Ok(Ratio { primary, secondary })
    }

    pub fn primary(self) -> u32 {
        self.primary
    }

    pub fn secondary(self) -> u32 {
        self.secondary
    }
}

/// What the register's advance is multiplied by: the meter's own multiplier
/// (usually 1) × the CT ratio × the PT ratio — the 综合倍率 the bill shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Multiplier {
    meter: u32,
    ct: Ratio,
    pt: Ratio,
}

/// The largest 综合倍率 accepted: a 110 kV user on 600/1 CTs and 110000/100
/// PTs is 660,000.
const MAX_MULTIPLIER: u128 = 10_000_000;

impl Multiplier {
    /// A meter connected directly: 倍率 1.
    pub const DIRECT: Multiplier = Multiplier { meter: 1, ct: Ratio::ONE, pt: Ratio::ONE };

    /// A meter's multiplier, at least 1/1,000,000 and at most 10,000,000 in all.
    pub fn new(field: &str, meter: u32, ct: Ratio, pt: Ratio) -> Result<Multiplier, Invalid> {
        let numerator = u128::from(meter) * u128::from(ct.primary) * u128::from(pt.primary);
        let denominator = u128::from(ct.secondary) * u128::from(pt.secondary);
        if meter == 0 || numerator > MAX_MULTIPLIER * denominator {
            return Err(Invalid::new(
                field,
                Rule::new(
                    "multiplier_range",
                    "综合倍率须大于零且不超过 10000000",
                    "the overall multiplier must be above zero and at most 10,000,000",
                ),
            ));
        }
        Ok(Multiplier { meter, ct, pt })
    }

    pub fn meter(self) -> u32 {
        self.meter
    }

    pub fn ct(self) -> Ratio {
        self.ct
    }

    pub fn pt(self) -> Ratio {
        self.pt
    }

    /// The kWh an advance of the register (in hundredths) stands for,
    /// rounded half up to a whole kWh — once per meter, after multiplying, so
    /// a 10 kV user's 0.01 on a × 6000 meter counts as the 60 kWh it is.
    ///
    /// # Panics
    /// Beyond `i64` kWh, which no register's advance (at most 10^8 kWh)
    /// times an accepted multiplier reaches.
    pub fn kwh(self, advance: i64) -> i64 {
        let numerator =
            i128::from(advance) * i128::from(self.meter) * i128::from(self.ct.primary) * i128::from(self.pt.primary);
        let denominator = i128::from(HUNDREDTHS) * i128::from(self.ct.secondary) * i128::from(self.pt.secondary);
        i64::try_from(div_round_half_up(numerator, denominator)).expect("a meter's kWh fits in i64")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn code(input: &str) -> &'static str {
        Reading::parse("reading", input).unwrap_err().rule.code
    }

    #[test]
    fn parses_readings_as_typed() {
        assert_eq!(Reading::parse("reading", "12345").unwrap(), Reading::from_kwh(12345));
        assert_eq!(Reading::parse("reading", " 012345.6 ").unwrap(), Reading::from_hundredths(1_234_560));
        assert_eq!(Reading::parse("reading", "0.07").unwrap(), Reading::from_hundredths(7));
        assert_eq!(code(""), "required");
        assert_eq!(code("12a45"), "reading_format");
        assert_eq!(code("-5"), "reading_format");
        assert_eq!(code("1,234"), "reading_format");
        assert_eq!(code("12."), "reading_format");
        assert_eq!(code("1.234"), "reading_decimals");
        assert_eq!(code("99999999999999999999"), "reading_too_long");
    }

    #[test]
    fn displays_as_the_register_shows() {
        assert_eq!(Reading::from_kwh(30).to_string(), "30");
        assert_eq!(Reading::from_hundredths(1_234_567).to_string(), "12345.67");
        assert_eq!(Reading::from_hundredths(1_234_560).to_string(), "12345.60");
    }

    #[test]
    fn a_register_holds_readings_below_its_span() {
        let r = Register::new("digits", 5).unwrap();
        assert_eq!(r.span(), 10_000_000);
        assert!(r.check("reading", Reading::parse("r", "99999.99").unwrap()).is_ok());
        let e = r.check("reading", Reading::from_kwh(100_000)).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("reading", "reading_too_many_digits"));
        assert_eq!(Register::new("digits", 3).unwrap_err().rule.code, "register_digits");
        assert_eq!(Register::new("digits", 9).unwrap_err().rule.code, "register_digits");
    }

    #[test]
    fn the_multiplier_is_ct_times_pt() {
        // A 10 kV user: CT 75/5, PT 10000/100 → 倍率 1500.
        let m =
            Multiplier { meter: 1, ct: Ratio::new("ct", 75, 5).unwrap(), pt: Ratio::new("pt", 10_000, 100).unwrap() };
        assert_eq!(m.kwh(Reading::from_kwh(12).hundredths()), 18_000);
        assert_eq!(m.kwh(1), 15); // 0.01 × 1500
        assert_eq!(Multiplier::DIRECT.kwh(Reading::parse("r", "80.5").unwrap().hundredths()), 81);
        assert_eq!(Multiplier::DIRECT.kwh(Reading::parse("r", "80.49").unwrap().hundredths()), 80);
        assert_eq!(Ratio::new("ct", 0, 5).unwrap_err().rule.code, "ratio_range");
        assert_eq!(Ratio::new("pt", 10_000, 1_000_001).unwrap_err().rule.code, "ratio_range");
        // 110 kV: 600/1 × 110000/100 = 660,000 is accepted; 20 times that is not.
        let (ct, pt) = (Ratio::new("ct", 600, 1).unwrap(), Ratio::new("pt", 110_000, 100).unwrap());
        assert!(Multiplier::new("multiplier", 1, ct, pt).is_ok());
        assert_eq!(Multiplier::new("multiplier", 20, ct, pt).unwrap_err().rule.code, "multiplier_range");
        assert_eq!(Multiplier::new("multiplier", 0, ct, pt).unwrap_err().rule.code, "multiplier_range");
    }

    proptest! {
        #[test]
        fn display_parses_back(h in 0i64..10_000_000_000) {
            let r = Reading::from_hundredths(h);
            prop_assert_eq!(Reading::parse("reading", &r.to_string()).unwrap(), r);
        }
    }
}
