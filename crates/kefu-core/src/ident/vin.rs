//! Vehicle identification numbers (ISO 3779, GB 16735).
//!
//! GB 16735 makes the position-9 check digit mandatory for every vehicle
//! registered in China, so a VIN that fails it is a typo, and we say which
//! digit we expected so staff can tell a misread character from a wrong car.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::validation::{Invalid, Rule};

/// Length of every VIN.
const LEN: usize = 17;

/// Index of the check digit (position 9, counted from 1).
const CHECK_INDEX: usize = 8;

/// Position weights; the check digit's own weight is 0.
const WEIGHTS: [u32; LEN] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// A 17-character VIN, uppercase, with a correct check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Vin(String);

impl Vin {
    /// Parses a VIN as typed: surrounding and inner whitespace is ignored and
    /// letters are uppercased before the rules are checked.
    pub fn parse(field: &str, input: &str) -> Result<Vin, Invalid> {
        let vin: String = input.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
        if vin.is_empty() {
            return Err(Invalid::required(field));
        }
        if let Some(bad) = vin.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(Invalid::new(
                field,
                Rule::new(
                    "vin_charset",
                    format!("车架号只能包含数字和英文字母（发现“{bad}”）"),
                    format!("a VIN may only contain digits and letters (found '{bad}')"),
                ),
            ));
        }
        let len = vin.len();
        if len != LEN {
            return Err(Invalid::new(
                field,
                Rule::new(
                    "vin_length",
                    format!("车架号应为 17 位（当前 {len} 位）"),
                    format!("a VIN has 17 characters (got {len})"),
                ),
            ));
        }
        if let Some((i, bad)) = vin.char_indices().find(|(_, c)| matches!(c, 'I' | 'O' | 'Q')) {
            let pos = i + 1;
            let hint = if bad == 'I' { '1' } else { '0' };
            return Err(Invalid::new(
                field,
                Rule::new(
                    "vin_forbidden_letter",
                    format!("车架号不使用字母 I、O、Q（第 {pos} 位是“{bad}”，是否应为数字 {hint}？）"),
                    format!("VINs never use the letters I, O or Q (position {pos} is '{bad}'; did you mean {hint}?)"),
                ),
            ));
        }
        let bytes = vin.as_bytes();
        let expected =
            char::from(check_digit(bytes).expect("17 bytes, each an allowed letter or digit: checked above"));
        if char::from(bytes[CHECK_INDEX]) != expected {
            return Err(Invalid::new(
                field,
                Rule::new(
                    "vin_check_digit",
                    format!("车架号第9位校验位不正确（应为 {expected}）"),
                    format!("VIN check digit in position 9 is wrong (expected {expected})"),
                ),
            ));
        }
        Ok(Vin(vin))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last `n` characters (all 17 if `n` is larger): the serial part that
    /// customers read out over the phone, usually the last 6 or 8.
    pub fn last(&self, n: usize) -> &str {
        &self.0[LEN - n.min(LEN)..]
    }
}

/// The correct check character (`b'0'..=b'9'` or `b'X'`) for a 17-byte VIN.
///
/// The byte at position 9 is ignored (its weight is 0), so a data generator
/// can put any placeholder there and then write the result in its place.
/// Letters may be either case. Returns `None` if the slice is not 17 bytes or
/// holds anything other than a digit or a letter allowed in VINs.
pub fn check_digit(vin17: &[u8]) -> Option<u8> {
    if vin17.len() != LEN {
        return None;
    }
    let mut sum = 0;
    for (i, (&b, &w)) in vin17.iter().zip(&WEIGHTS).enumerate() {
        if i != CHECK_INDEX {
            sum += transliterate(b)? * w;
        }
    }
    Some(match sum % 11 {
        10 => b'X',
        // `sum % 11 < 10` here, so the cast cannot truncate.
        r => b'0' + r as u8,
    })
}

/// ISO 3779 numeric value of a VIN character; `None` for I, O, Q and
/// anything that is not an ASCII letter or digit.
fn transliterate(b: u8) -> Option<u32> {
    let v = match b.to_ascii_uppercase() {
        d @ b'0'..=b'9' => d - b'0',
        b'A' | b'J' => 1,
        b'B' | b'K' | b'S' => 2,
        b'C' | b'L' | b'T' => 3,
        b'D' | b'M' | b'U' => 4,
        b'E' | b'N' | b'V' => 5,
        b'F' | b'W' => 6,
        b'G' | b'P' | b'X' => 7,
        b'H' | b'Y' => 8,
        b'R' | b'Z' => 9,
        _ => return None,
    };
    Some(u32::from(v))
}

impl fmt::Display for Vin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Vin {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real VINs, each checked against this implementation.
    const VALID: &[&str] = &["1M8GDM9AXKP042788", "11111111111111111", "1HGCM82633A004352", "LSVAM4187C2184847"];

    fn code(input: &str) -> &'static str {
        match Vin::parse("vin", input) {
            Ok(v) => panic!("{input} accepted as {v}"),
            Err(e) => {
                assert_eq!(e.field, "vin");
                e.rule.code
            }
        }
    }

    #[test]
    fn accepts_real_vins() {
        for vin in VALID {
            let parsed = Vin::parse("vin", vin).unwrap_or_else(|e| panic!("{vin}: {e}"));
            assert_eq!(parsed.as_str(), *vin);
        }
    }

    #[test]
    fn normalises_case_and_spaces() {
        let v = Vin::parse("vin", " 1m8gdm9axkp 042788 ").unwrap();
        assert_eq!(v.as_str(), "1M8GDM9AXKP042788");
    }

    #[test]
    fn check_digit_matches_position_nine() {
        for vin in VALID {
            assert_eq!(check_digit(vin.as_bytes()), Some(vin.as_bytes()[CHECK_INDEX]), "{vin}");
        }
    }

    #[test]
    fn check_digit_ignores_placeholder() {
        assert_eq!(check_digit(b"1M8GDM9A_KP042788"), Some(b'X'));
        assert_eq!(check_digit(b"1m8gdm9a0kp042788"), Some(b'X'));
        assert_eq!(check_digit(b"1M8GDM9AXKP04278"), None);
        assert_eq!(check_digit(b"1M8GDM9AXKP0427880"), None);
        assert_eq!(check_digit(b"1M8GDM9AXKP04278O"), None);
        assert_eq!(check_digit(b"1M8GDM9AXKP04278-"), None);
    }

    #[test]
    fn rejects_with_named_rule() {
        assert_eq!(code(""), "required");
        assert_eq!(code("1M8GDM9AXKP04278"), "vin_length");
        assert_eq!(code("1M8GDM9AXKP0427888"), "vin_length");
        assert_eq!(code("1M8GDM9AXKP-42788"), "vin_charset");
        assert_eq!(code("1M8GDM9AXKP0427８8"), "vin_charset");
        assert_eq!(code("1M8GDM9AXKPO42788"), "vin_forbidden_letter");
        assert_eq!(code("1M8GDM9AXKP04278I"), "vin_forbidden_letter");
        assert_eq!(code("QM8GDM9AXKP042788"), "vin_forbidden_letter");
        assert_eq!(code("1M8GDM9A1KP042788"), "vin_check_digit");
        assert_eq!(code("1M8GDM9AXKP042789"), "vin_check_digit");
        assert_eq!(code("LSVAM4187C2184848"), "vin_check_digit");
    }

    #[test]
    fn check_digit_error_names_expected_digit() {
        let e = Vin::parse("vin", "1M8GDM9A1KP042788").unwrap_err();
        assert_eq!(e.rule.zh, "车架号第9位校验位不正确（应为 X）");
        assert_eq!(e.rule.en, "VIN check digit in position 9 is wrong (expected X)");
        let e = Vin::parse("vin", "1M8GDM9AXKPO42788").unwrap_err();
        assert!(e.rule.zh.contains("第 12 位"), "{}", e.rule.zh);
    }

    #[test]
    fn last_characters() {
        let v = Vin::parse("vin", "1M8GDM9AXKP042788").unwrap();
        assert_eq!(v.last(6), "042788");
        assert_eq!(v.last(0), "");
        assert_eq!(v.last(40), "1M8GDM9AXKP042788");
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"1M8GDM9AXKP042788\"");
    }
}
