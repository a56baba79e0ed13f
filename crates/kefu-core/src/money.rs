//! Amounts of renminbi, held as whole fen (分) in an `i64`.
//!
//! Integers rather than floats so that sums of prices and refunds are exact;
//! `i64` fen reaches about ±9.2 × 10^16 yuan, far beyond any real amount.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Neg, Sub};

use serde::{Deserialize, Serialize};

use crate::validation::{Invalid, Rule};

/// An amount in fen. Serialises as the bare integer number of fen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    /// Every amount a form or the API takes lies strictly within ±this: ten
    /// million yuan. No purchase, price or payment of a customer service
    /// centre comes near it, and sums of millions of such amounts stay far
    /// from the limit of `i64` fen.
    pub const LIMIT: Money = Money(1_000_000_000);

    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Whole yuan.
    ///
    /// # Panics
    /// If the amount overflows `i64` fen, which no real amount does.
    pub const fn from_yuan(yuan: i64) -> Money {
        match yuan.checked_mul(100) {
            Some(fen) => Money(fen),
            None => panic!("Money::from_yuan overflow"),
        }
    }

    pub const fn checked_add(self, other: Money) -> Option<Money> {
        match self.0.checked_add(other.0) {
            Some(fen) => Some(Money(fen)),
            None => None,
        }
    }

    /// The sum, or None when it overflows.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Money>) -> Option<Money> {
        amounts.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }

    pub const fn checked_sub(self, other: Money) -> Option<Money> {
        match self.0.checked_sub(other.0) {
            Some(fen) => Some(Money(fen)),
            None => None,
        }
    }

    /// Parses an amount in yuan as people type it: `1234.5`, `¥1,234.56`,
    /// `￥12`, `-¥12.00` (so [`Display`](fmt::Display) output parses back).
    /// At most two decimal places, because fen is the smallest unit; anything
    /// finer is refused rather than silently rounded.
    pub fn parse_yuan(field: &str, input: &str) -> Result<Money, Invalid> {
        let s = input.trim();
        if s.is_empty() {
            return Err(Invalid::required(field));
        }
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let s = s.strip_prefix(['¥', '￥']).unwrap_or(s).trim_start();
        let (whole, frac) = match s.split_once('.') {
            Some((whole, frac)) => (whole, Some(frac)),
            None => (s, None),
        };
        let format_error = || {
            Invalid::new(
                field,
                Rule::new(
                    "money_format",
                    "金额格式不正确，请填写如 1234.56 的数字",
                    "not an amount; enter a number such as 1234.56",
                ),
            )
        };
        let whole = ungroup(whole).ok_or_else(format_error)?;
        let frac = match frac {
            None => "",
            Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => return Err(format_error()),
            Some(f) if f.len() > 2 => {
                return Err(Invalid::new(
                    field,
                    Rule::new(
                        "money_decimals",
                        "金额最多两位小数（精确到分）",
                        "an amount has at most 2 decimal places (fen)",
                    ),
                ));
            }
            Some(f) => f,
        };
        let out_of_range = || {
            Invalid::new(
                field,
                Rule::new("money_range", "金额须小于 1000 万元", "an amount must be below 10 million yuan"),
            )
        };
        let mut fen: i64 = 0;
        let digits = whole.bytes().chain(frac.bytes()).chain(std::iter::repeat_n(b'0', 2 - frac.len()));
        for d in digits {
            fen = fen.checked_mul(10).and_then(|n| n.checked_add(i64::from(d - b'0'))).ok_or_else(out_of_range)?;
        }
        if fen >= Money::LIMIT.0 {
            return Err(out_of_range());
        }
        Ok(Money(if negative { -fen } else { fen }))
    }
}

/// The digits of an integer part written with or without thousands commas;
/// `None` unless it is digits, correctly grouped in threes if commas are used.
fn ungroup(whole: &str) -> Option<String> {
    let mut groups = whole.split(',');
    let first = groups.next()?;
    let all_digits = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
    if first.is_empty() || (first.len() > 3 && whole.contains(',')) || !all_digits(first) {
        return None;
    }
    let mut out = first.to_owned();
    for g in groups {
        if g.len() != 3 || !all_digits(g) {
            return None;
        }
        out.push_str(g);
    }
    Some(out)
}

/// `¥1,234.56`; negative amounts as `-¥12.00`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}¥{grouped}.{:02}", abs % 100)
    }
}

/// Panics on overflow (also in release builds), which real amounts never
/// reach; use [`Money::checked_add`] for untrusted input.
impl Add for Money {
    type Output = Money;

    fn add(self, other: Money) -> Money {
        self.checked_add(other).expect("Money addition overflowed i64 fen")
    }
}

/// Panics on overflow, like [`Add`]; see [`Money::checked_sub`].
impl Sub for Money {
    type Output = Money;

    fn sub(self, other: Money) -> Money {
        self.checked_sub(other).expect("Money subtraction overflowed i64 fen")
    }
}

/// Panics only for `i64::MIN` fen, which has no positive counterpart.
impl Neg for Money {
    type Output = Money;

    fn neg(self) -> Money {
        Money(self.0.checked_neg().expect("Money negation overflowed i64 fen"))
    }
}

/// Panics on overflow, like [`Add`].
impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str) -> i64 {
        Money::parse_yuan("amount", input).unwrap_or_else(|e| panic!("{input}: {e}")).fen()
    }

    fn code(input: &str) -> &'static str {
        match Money::parse_yuan("amount", input) {
            Ok(m) => panic!("{input} accepted as {m}"),
            Err(e) => {
                assert_eq!(e.field, "amount");
                e.rule.code
            }
        }
    }

    #[test]
    fn constructors() {
        assert_eq!(Money::from_fen(123).fen(), 123);
        assert_eq!(Money::from_yuan(12).fen(), 1200);
        assert_eq!(Money::from_yuan(-3).fen(), -300);
        assert_eq!(Money::default(), Money::ZERO);
    }

    #[test]
    fn arithmetic() {
        let a = Money::from_fen(150);
        let b = Money::from_fen(75);
        assert_eq!(a + b, Money::from_fen(225));
        assert_eq!(b - a, Money::from_fen(-75));
        assert_eq!(-a, Money::from_fen(-150));
        assert_eq!([a, b, b].into_iter().sum::<Money>(), Money::from_fen(300));
        assert_eq!([a, b].iter().sum::<Money>(), Money::from_fen(225));
        assert_eq!(Vec::<Money>::new().into_iter().sum::<Money>(), Money::ZERO);
        assert_eq!(a.checked_add(b), Some(Money::from_fen(225)));
        assert_eq!(Money::from_fen(i64::MAX).checked_add(Money::from_fen(1)), None);
        assert_eq!(Money::from_fen(i64::MIN).checked_sub(Money::from_fen(1)), None);
        assert_eq!(Money::checked_sum([a, b]), Some(Money::from_fen(225)));
        assert_eq!(Money::checked_sum([Money::from_fen(i64::MAX), a]), None);
        assert!(Money::from_fen(-1) < Money::ZERO);
    }

    #[test]
    #[should_panic(expected = "overflowed")]
    fn add_overflow_panics() {
        let _ = Money::from_fen(i64::MAX) + Money::from_fen(1);
    }

    #[test]
    fn display() {
        assert_eq!(Money::from_fen(0).to_string(), "¥0.00");
        assert_eq!(Money::from_fen(5).to_string(), "¥0.05");
        assert_eq!(Money::from_fen(123_456).to_string(), "¥1,234.56");
        assert_eq!(Money::from_fen(100_000).to_string(), "¥1,000.00");
        assert_eq!(Money::from_fen(99_999).to_string(), "¥999.99");
        assert_eq!(Money::from_fen(12_345_678_900).to_string(), "¥123,456,789.00");
        assert_eq!(Money::from_fen(-1200).to_string(), "-¥12.00");
        assert_eq!(Money::from_fen(-5).to_string(), "-¥0.05");
        assert_eq!(Money::from_fen(i64::MIN).to_string(), "-¥92,233,720,368,547,758.08");
    }

    #[test]
    fn parses_yuan() {
        assert_eq!(parse("1234.5"), 123_450);
        assert_eq!(parse("1234.56"), 123_456);
        assert_eq!(parse("1234"), 123_400);
        assert_eq!(parse("0.05"), 5);
        assert_eq!(parse(" ¥1,234.56 "), 123_456);
        assert_eq!(parse("￥12"), 1200);
        assert_eq!(parse("¥ 12"), 1200);
        assert_eq!(parse("1,000,000"), 100_000_000);
        assert_eq!(parse("-12.3"), -1230);
        assert_eq!(parse("007"), 700);
    }

    #[test]
    fn display_round_trips() {
        for fen in [0, 5, -5, 123_456, -1200, 999_999_999] {
            let m = Money::from_fen(fen);
            assert_eq!(parse(&m.to_string()), fen);
        }
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(code(""), "required");
        assert_eq!(code("   "), "required");
        assert_eq!(code("abc"), "money_format");
        assert_eq!(code("12a"), "money_format");
        assert_eq!(code("1.2.3"), "money_format");
        assert_eq!(code(".5"), "money_format");
        assert_eq!(code("5."), "money_format");
        assert_eq!(code("¥"), "money_format");
        assert_eq!(code("--5"), "money_format");
        assert_eq!(code("+5"), "money_format");
        assert_eq!(code("1,23"), "money_format");
        assert_eq!(code("1234,567"), "money_format");
        assert_eq!(code(",123"), "money_format");
        assert_eq!(code("1 234"), "money_format");
        assert_eq!(code("1e3"), "money_format");
        assert_eq!(code("12.345"), "money_decimals");
        assert_eq!(code("99999999999999999999"), "money_range");
        assert_eq!(code("92233720368547758.07"), "money_range");
        assert_eq!(code("10000000"), "money_range");
        assert_eq!(code("-¥10,000,000.00"), "money_range");
        assert_eq!(parse("9999999.99"), 999_999_999);
        assert_eq!(parse("-9999999.99"), -999_999_999);
    }

    #[test]
    fn serde_is_plain_fen() {
        let m = Money::from_fen(1234);
        assert_eq!(serde_json::to_string(&m).unwrap(), "1234");
        assert_eq!(serde_json::from_str::<Money>("-5").unwrap(), Money::from_fen(-5));
    }
}
