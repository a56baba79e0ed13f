//! The checks a reading passes before it is billed (issue 20 §1):
//!
//! - a reading below the last is a register rollover only when the
//!   register's digits make it plausible — a 5-digit register going
//!   99950 → 00030 used 80 kWh (use = reading + 10^digits − last, power.md
//!   "Metering") — otherwise an error to verify;
//! - zero use, and use beyond a configurable multiple of the account's
//!   average, are held for re-reading and not billed until confirmed;
//! - an estimated reading (估抄) bills the account's average and is marked;
//!   the next real reading trues it up: its use is counted from the last real
//!   reading, less what the estimates billed.

use kefu_core::{Invalid, Rule};

use super::register::{Multiplier, Reading, Register};
use crate::price::div_round_half_up;

/// The settings of the checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadingRules {
    /// A reading below the last counts as a rollover only when the use it
    /// implies is at most this share of the register's range, in percent:
    /// 10 lets a 5-digit register roll over with up to 10,000 kWh used, and
    /// refuses 99950 → 60000 as the misread it is. kefu's default, not a
    /// published figure.
    pub rollover_max_percent: u32,
    /// Use above this multiple of the average, in percent (300 = 3 ×), is
    /// held. kefu's default, not a published figure.
    pub high_use_percent: u32,
}

impl Default for ReadingRules {
    fn default() -> ReadingRules {
        ReadingRules { rollover_max_percent: 10, high_use_percent: 300 }
    }
}

/// How the register moved from the last reading to this one, in hundredths
/// of a kWh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advance {
    Forward(i64),
    /// The register passed its last digit and began again at zero.
    Rollover(i64),
}

impl Advance {
    pub fn hundredths(self) -> i64 {
        match self {
            Advance::Forward(h) | Advance::Rollover(h) => h,
        }
    }
}

/// The advance from `last` to `current` on `register`, a rollover when the
/// reading went down and the rollover is plausible; else the error a reader
/// must verify (a misread, a meter run backwards, or another meter).
pub fn advance(
    field: &str,
    register: Register,
    last: Reading,
    current: Reading,
    rules: &ReadingRules,
) -> Result<Advance, Invalid> {
    register.check(field, current)?;
    if current >= last {
        return Ok(Advance::Forward(current.hundredths() - last.hundredths()));
    }
    let rolled = current.hundredths() + register.span() - last.hundredths();
    if i128::from(rolled) * 100 <= i128::from(register.span()) * i128::from(rules.rollover_max_percent) {
        Ok(Advance::Rollover(rolled))
    } else {
        Err(Invalid::new(
            field,
            Rule::new(
                "reading_below_last",
                format!("示数 {current} 小于上次示数 {last}，且不像计度器翻转，请核实后重抄"),
                format!("the reading {current} is below the last ({last}) and is not a plausible rollover; verify it"),
            ),
        ))
    }
}

/// Why a reading is held for re-reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// The register did not move.
    ZeroUse,
    /// The use is more than the allowed multiple of the average.
    HighUse { average_kwh: i64 },
}

/// What to do with a reading that passed the format and rollover checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Bill `kwh` (the use since the last real reading less what estimates
    /// billed).
    Bill { kwh: i64, rollover: bool },
    /// Bill `kwh` only once a re-reading confirms it.
    Held { kwh: i64, rollover: bool, reason: Hold },
    /// The estimates since the last real reading billed `excess_kwh` more
    /// than was used: they are corrected (reversed and re-billed), since a
    /// bill of negative kWh has no tier to fall in.
    Overestimated { excess_kwh: i64 },
}

/// A real reading, with what the checks need to know of the account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadingCheck {
    pub register: Register,
    pub multiplier: Multiplier,
    /// The last real reading: an estimate is never the base of the next use.
    pub last_real: Reading,
    pub current: Reading,
    /// The account's average kWh a period, when it has a history.
    pub average_kwh: Option<i64>,
    /// kWh billed on estimated readings since `last_real`.
    pub estimated_kwh: i64,
}

/// Checks a real reading: an error to verify, or the verdict.
pub fn check(field: &str, r: &ReadingCheck, rules: &ReadingRules) -> Result<Verdict, Invalid> {
    let advance = advance(field, r.register, r.last_real, r.current, rules)?;
    let rollover = matches!(advance, Advance::Rollover(_));
    let used = r.multiplier.kwh(advance.hundredths());
    let kwh = used - r.estimated_kwh;
    if kwh < 0 {
        return Ok(Verdict::Overestimated { excess_kwh: -kwh });
    }
    if used == 0 {
        return Ok(Verdict::Held { kwh, rollover, reason: Hold::ZeroUse });
    }
    if let Some(average_kwh) = r.average_kwh.filter(|a| *a > 0)
        && i128::from(kwh) * 100 > i128::from(average_kwh) * i128::from(rules.high_use_percent)
    {
        return Ok(Verdict::Held { kwh, rollover, reason: Hold::HighUse { average_kwh } });
    }
    Ok(Verdict::Bill { kwh, rollover })
}

/// The kWh an estimated reading (估抄) bills: the account's average. An
/// account without a history cannot be estimated; it must be read.
pub fn estimate(field: &str, average_kwh: Option<i64>) -> Result<i64, Invalid> {
    average_kwh.filter(|a| *a >= 0).ok_or_else(|| {
        Invalid::new(
            field,
            Rule::new(
                "estimate_without_history",
                "该户没有历史电量，不能估抄，须实抄",
                "the account has no history to estimate from; it must be read",
            ),
        )
    })
}

/// The average of the last periods' real kWh, rounded half up; `None`
/// without any.
pub fn average_kwh(history: &[i64]) -> Option<i64> {
    let n = i128::try_from(history.len()).ok().filter(|n| *n > 0)?;
    let sum: i128 = history.iter().map(|k| i128::from(*k)).sum();
    i64::try_from(div_round_half_up(sum, n)).ok()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn five() -> Register {
        Register::new("digits", 5).unwrap()
    }

    fn kwh(n: i64) -> Reading {
        Reading::from_kwh(n)
    }

    fn reading(last: i64, current: i64) -> ReadingCheck {
        ReadingCheck {
            register: five(),
            multiplier: Multiplier::DIRECT,
            last_real: kwh(last),
            current: kwh(current),
            average_kwh: Some(200),
            estimated_kwh: 0,
        }
    }

    fn verdict(r: &ReadingCheck) -> Verdict {
        check("reading", r, &ReadingRules::default()).unwrap()
    }

    #[test]
    fn a_five_digit_register_rolls_over() {
        let rules = ReadingRules::default();
        assert_eq!(advance("reading", five(), kwh(99_950), kwh(30), &rules).unwrap(), Advance::Rollover(80 * 100));
        assert_eq!(verdict(&reading(99_950, 30)), Verdict::Bill { kwh: 80, rollover: true });
        assert_eq!(advance("reading", five(), kwh(100), kwh(180), &rules).unwrap(), Advance::Forward(80 * 100));
    }

    #[test]
    fn a_drop_that_is_no_rollover_is_an_error_to_verify() {
        // 12345 → 12300 would mean 99,955 kWh used: a misread, not a rollover.
        let e = check("reading", &reading(12_345, 12_300), &ReadingRules::default()).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("reading", "reading_below_last"));
        assert!(e.rule.en.contains("12300") && e.rule.en.contains("12345"), "{}", e.rule.en);
        // At the limit: 10 % of a 5-digit register is 10,000 kWh.
        let rules = ReadingRules::default();
        assert!(advance("reading", five(), kwh(95_000), kwh(5_000), &rules).is_ok());
        assert!(advance("reading", five(), kwh(95_000), kwh(5_001), &rules).is_err());
        // A reading the register cannot show.
        let e = check("reading", &reading(99_950, 100_030), &rules).unwrap_err();
        assert_eq!(e.rule.code, "reading_too_many_digits");
    }

    #[test]
    fn zero_and_unusually_high_use_are_held() {
        assert_eq!(verdict(&reading(500, 500)), Verdict::Held { kwh: 0, rollover: false, reason: Hold::ZeroUse });
        // Average 200 × 3 = 600 is still billed; 601 is held.
        assert_eq!(verdict(&reading(500, 1100)), Verdict::Bill { kwh: 600, rollover: false });
        assert_eq!(
            verdict(&reading(500, 1101)),
            Verdict::Held { kwh: 601, rollover: false, reason: Hold::HighUse { average_kwh: 200 } }
        );
        // A new account has no average: nothing to compare with.
        let new = ReadingCheck { average_kwh: None, ..reading(0, 5000) };
        assert_eq!(verdict(&new), Verdict::Bill { kwh: 5000, rollover: false });
        // The multiple is a setting.
        let strict = ReadingRules { high_use_percent: 150, ..ReadingRules::default() };
        assert!(matches!(check("reading", &reading(500, 801), &strict).unwrap(), Verdict::Held { .. }));
    }

    #[test]
    fn a_real_reading_trues_up_the_estimates_before_it() {
        // Last real reading 1000; two months estimated at 200 kWh each; now 1450.
        let r = ReadingCheck { estimated_kwh: 400, ..reading(1000, 1450) };
        assert_eq!(verdict(&r), Verdict::Bill { kwh: 50, rollover: false });
        // The estimates billed more than was used.
        let r = ReadingCheck { estimated_kwh: 400, ..reading(1000, 1300) };
        assert_eq!(verdict(&r), Verdict::Overestimated { excess_kwh: 100 });
        // Used exactly what the estimates billed: a bill of nothing, not a zero-use hold.
        let r = ReadingCheck { estimated_kwh: 400, ..reading(1000, 1400) };
        assert_eq!(verdict(&r), Verdict::Bill { kwh: 0, rollover: false });
        assert_eq!(estimate("reading", Some(200)).unwrap(), 200);
        assert_eq!(estimate("reading", None).unwrap_err().rule.code, "estimate_without_history");
    }

    #[test]
    fn the_average_is_rounded_half_up() {
        assert_eq!(average_kwh(&[]), None);
        assert_eq!(average_kwh(&[100, 101]), Some(101));
        assert_eq!(average_kwh(&[100, 100, 101]), Some(100));
    }

    proptest! {
        #[test]
        fn any_small_use_across_the_top_reads_as_a_rollover(digits in 4u32..=8, last in 0i64..100_000_000, used in 0i64..1000) {
            let register = Register::new("digits", digits).unwrap();
            let span = register.span();
            let last = last % span;
            let current = (last + used * 100) % span;
            let a = advance("reading", register, Reading::from_hundredths(last), Reading::from_hundredths(current), &ReadingRules::default()).unwrap();
            prop_assert_eq!(a.hundredths(), used * 100);
            prop_assert_eq!(matches!(a, Advance::Rollover(_)), last + used * 100 >= span);
        }
    }
}
