//! Exact decimals: the one reader of the plain decimals the packs' inputs
//! are written in — prices, readings, areas, percentages, kW — as exact
//! integers of their smallest unit, and the one rounding of an exact quotient
//! ([`div_round_half_up`]). No sign, no grouping, no exponent: each caller
//! names its own field and rule for what it refuses.

use crate::validation::{Invalid, Rule};

/// Why a text is not a plain decimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalError {
    /// Not digits with at most one point between digits.
    Format,
    /// More decimals than allowed.
    Decimals,
    /// Beyond `i64` once scaled.
    TooLarge,
}

/// Reads a field's text: trimmed, required, then [`parse_scaled`], a
/// refusal worded by `rule`.
pub fn parse_field(
    field: &str,
    input: &str,
    decimals: usize,
    rule: impl Fn(DecimalError) -> Rule,
) -> Result<i64, Invalid> {
    let text = input.trim();
    if text.is_empty() {
        return Err(Invalid::required(field));
    }
    parse_scaled(text, decimals).map_err(|e| Invalid::new(field, rule(e)))
}

/// `text` (already trimmed, not empty) × 10^`decimals`: `parse_scaled("0.5283", 4)`
/// is 5283.
pub fn parse_scaled(text: &str, decimals: usize) -> Result<i64, DecimalError> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || (text.contains('.') && frac.is_empty()) {
        return Err(DecimalError::Format);
    }
    if frac.len() > decimals {
        return Err(DecimalError::Decimals);
    }
    let mut value: i64 = 0;
    for d in whole.bytes().chain(frac.bytes()).chain(std::iter::repeat_n(b'0', decimals - frac.len())) {
        value = value.checked_mul(10).and_then(|v| v.checked_add(i64::from(d - b'0'))).ok_or(DecimalError::TooLarge)?;
    }
    Ok(value)
}

/// `n / d` rounded half away from zero (half up for a positive quotient, so
/// that a negated amount rounds to exactly the negated result); `d` is
/// positive.
pub fn div_round_half_up(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0);
    let (whole, rest) = (n.abs() / d, n.abs() % d);
    let q = if 2 * rest >= d { whole + 1 } else { whole };
    if n < 0 { -q } else { q }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn reads_plain_decimals_exactly() {
        assert_eq!(parse_scaled("0.5283", 4), Ok(5283));
        assert_eq!(parse_scaled("1", 4), Ok(10_000));
        assert_eq!(parse_scaled("012.3", 2), Ok(1230));
        assert_eq!(parse_scaled("7", 0), Ok(7));
        for bad in ["-1", "+1", "1,5", ".5", "5.", "1.2.3", "1e3", "一", " 1"] {
            assert_eq!(parse_scaled(bad, 4), Err(DecimalError::Format), "{bad}");
        }
        assert_eq!(parse_scaled("0.12345", 4), Err(DecimalError::Decimals));
        assert_eq!(parse_scaled("1.5", 0), Err(DecimalError::Decimals));
        assert_eq!(parse_scaled("99999999999999999999", 0), Err(DecimalError::TooLarge));
    }

    #[test]
    fn a_field_is_trimmed_required_and_refused_in_its_own_words() {
        let rule = |e: DecimalError| Rule::new(if e == DecimalError::Decimals { "decimals" } else { "format" }, "", "");
        assert_eq!(parse_field("f", " 1.5 ", 1, rule), Ok(15));
        assert_eq!(parse_field("f", "  ", 1, rule).unwrap_err().rule.code, "required");
        let e = parse_field("f", "1.55", 1, rule).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("f", "decimals"));
        assert_eq!(parse_field("f", "x", 1, rule).unwrap_err().rule.code, "format");
    }

    #[test]
    fn divides_half_up_by_odd_divisors_too() {
        assert_eq!(div_round_half_up(5, 3), 2);
        assert_eq!(div_round_half_up(4, 3), 1);
        assert_eq!(div_round_half_up(3, 2), 2);
        assert_eq!(div_round_half_up(-3, 2), -2);
        assert_eq!(div_round_half_up(7, 7), 1);
    }

    proptest! {
        #[test]
        fn division_is_nearest(n in -1_000_000i128..1_000_000, d in 1i128..1000) {
            let q = div_round_half_up(n, d);
            prop_assert!((q * d - n).abs() * 2 <= d);
            prop_assert_eq!(div_round_half_up(-n, d), -q);
        }

        #[test]
        fn any_scaled_value_reads_back(v in 0i64..1_000_000_000_000, decimals in 0usize..5) {
            let scale = 10i64.pow(u32::try_from(decimals).unwrap());
            let text = if decimals == 0 { v.to_string() } else { format!("{}.{:0w$}", v / scale, v % scale, w = decimals) };
            prop_assert_eq!(parse_scaled(&text, decimals), Ok(v));
        }
    }
}
