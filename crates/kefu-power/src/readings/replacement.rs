//! A meter replaced within the month (issue 20 §1): the bill's kWh are the
//! old meter's use up to its removal reading plus the new one's from its
//! installation reading, each × its own multiplier and rounded to a whole kWh
//! on its own, since the two meters may have different CTs and registers.

use kefu_core::Invalid;

use super::checks::{ReadingRules, advance};
use super::register::{Multiplier, Reading, Register};

/// One meter's part of the period: the reading it started from and the one
/// it ended on (the removal reading of a meter taken out, the month's reading
/// of the meter now in place).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeterSpan {
    pub register: Register,
    pub multiplier: Multiplier,
    pub start: Reading,
    pub end: Reading,
}

/// The kWh of the period over the meters that measured it, oldest first.
/// An error names the meter: `meters[0].end` is the old meter's removal
/// reading.
pub fn metered_kwh(meters: &[MeterSpan], rules: &ReadingRules) -> Result<i64, Invalid> {
    let mut kwh = 0;
    for (i, m) in meters.iter().enumerate() {
        m.register.check(&format!("meters[{i}].start"), m.start)?;
        let a = advance(&format!("meters[{i}].end"), m.register, m.start, m.end, rules)?;
        kwh += m.multiplier.kwh(a.hundredths());
    }
    Ok(kwh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readings::register::Ratio;

    fn digits(n: u32) -> Register {
        Register::new("digits", n).unwrap()
    }

    #[test]
    fn the_old_meters_use_plus_the_new_ones() {
        // A household's mechanical meter removed at 4821, the electronic one
        // installed at 0 reads 173.5 at the month's end.
        let old = MeterSpan {
            register: digits(4),
            multiplier: Multiplier::DIRECT,
            start: Reading::from_kwh(4690),
            end: Reading::from_kwh(4821),
        };
        let new = MeterSpan {
            register: digits(6),
            multiplier: Multiplier::DIRECT,
            start: Reading::from_kwh(0),
            end: Reading::parse("r", "173.5").unwrap(),
        };
        assert_eq!(metered_kwh(&[old, new], &ReadingRules::default()).unwrap(), 131 + 174);
    }

    #[test]
    fn each_meter_counts_with_its_own_multiplier_and_rollover() {
        // A shop moved from a direct meter that rolled over to one on 100/5 CTs (× 20).
        let old = MeterSpan {
            register: digits(5),
            multiplier: Multiplier::DIRECT,
            start: Reading::from_kwh(99_900),
            end: Reading::from_kwh(120),
        };
        let ct = Multiplier::new("multiplier", 1, Ratio::new("ct", 100, 5).unwrap(), Ratio::ONE).unwrap();
        let new = MeterSpan {
            register: digits(6),
            multiplier: ct,
            start: Reading::parse("r", "0.00").unwrap(),
            end: Reading::parse("r", "41.37").unwrap(),
        };
        // 220 kWh on the old meter; 41.37 × 20 = 827.4 → 827 on the new.
        assert_eq!(metered_kwh(&[old, new], &ReadingRules::default()).unwrap(), 220 + 827);
    }

    #[test]
    fn an_error_names_the_meter_and_reading() {
        let old = MeterSpan {
            register: digits(5),
            multiplier: Multiplier::DIRECT,
            start: Reading::from_kwh(5000),
            end: Reading::from_kwh(4000),
        };
        let new = MeterSpan {
            register: digits(5),
            multiplier: Multiplier::DIRECT,
            start: Reading::from_kwh(0),
            end: Reading::from_kwh(10),
        };
        let e = metered_kwh(&[old, new], &ReadingRules::default()).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("meters[0].end", "reading_below_last"));
        let bad_start = MeterSpan { start: Reading::from_kwh(100_000), ..new };
        let e = metered_kwh(&[bad_start], &ReadingRules::default()).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("meters[0].start", "reading_too_many_digits"));
    }
}
