//! Resident identity card numbers (GB 11643-1999).
//!
//! The number is personal data: `Debug` prints it masked so it cannot leak
//! into logs, and there is deliberately no `Display` or `Serialize`; callers
//! choose between [`ResidentId::as_str`] and [`ResidentId::masked`].

use std::fmt;

use jiff::civil::Date;

use crate::validation::{Invalid, Rule};

/// ISO 7064 MOD 11-2 weights for the first 17 digits (2^(17-i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check character for each weighted sum mod 11.
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Births before this are treated as typos, not as real card holders.
const EARLIEST_BIRTH: Date = jiff::civil::date(1900, 1, 1);

/// An 18-character resident ID number with a valid area, birth date and check
/// character. A final `x` is stored as `X`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId(String);

impl ResidentId {
    /// Parses a number as typed (whitespace ignored). `today` bounds the birth
    /// date; it is a parameter so that validation never reads the clock.
    pub fn parse(field: &str, input: &str, today: Date) -> Result<ResidentId, Invalid> {
        let id: String = input.chars().filter(|c| !c.is_whitespace()).map(|c| if c == 'x' { 'X' } else { c }).collect();
        let len = id.chars().count();
        if len == 0 {
            return Err(Invalid::required(field));
        }
        if len == 15 {
            return Err(invalid(
                field,
                "id_length",
                "这是旧版 15 位身份证号，请填写 18 位身份证号",
                "this is an old 15-digit ID number; please enter the 18-character number",
            ));
        }
        if len != 18 {
            return Err(invalid(
                field,
                "id_length",
                format!("身份证号应为 18 位（当前 {len} 位）"),
                format!("an ID number has 18 characters (got {len})"),
            ));
        }
        let bytes = id.as_bytes();
        let (first17, last) = (&bytes[..17], bytes[17]);
        if !first17.iter().all(u8::is_ascii_digit) || !(last.is_ascii_digit() || last == b'X') {
            return Err(invalid(
                field,
                "id_charset",
                "身份证号前 17 位应为数字，最后一位为数字或 X",
                "an ID number has 17 digits followed by a digit or X",
            ));
        }
        let area = &id[..2];
        if !is_province_code(area) {
            return Err(invalid(
                field,
                "id_area",
                format!("身份证号前两位“{area}”不是有效的省级行政区划代码"),
                format!("'{area}' at the start of an ID number is not a valid province code"),
            ));
        }
        let raw_date = &id[6..14];
        let Some(birth) = birth_date_of(first17) else {
            return Err(invalid(
                field,
                "id_birth_date",
                format!("身份证号中的出生日期 {raw_date} 不是有效日期"),
                format!("the birth date {raw_date} in the ID number is not a real date"),
            ));
        };
        if birth < EARLIEST_BIRTH {
            return Err(invalid(
                field,
                "id_birth_too_early",
                format!("身份证号中的出生日期 {birth} 早于 1900 年"),
                format!("the birth date {birth} in the ID number is before 1900"),
            ));
        }
        if birth > today {
            return Err(invalid(
                field,
                "id_birth_future",
                format!("身份证号中的出生日期 {birth} 晚于今天"),
                format!("the birth date {birth} in the ID number is in the future"),
            ));
        }
        let expected = check_char(first17).expect("17 ASCII digits: checked above");
        if last != expected {
            let expected = char::from(expected);
            return Err(invalid(
                field,
                "id_check_char",
                format!("身份证号最后一位校验码不正确（应为 {expected}），请核对号码"),
                format!(
                    "the ID number's check character (last) is wrong (expected {expected}); please check the number"
                ),
            ));
        }
        Ok(ResidentId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date encoded in positions 7–14.
    pub fn birth_date(&self) -> Date {
        birth_date_of(self.0.as_bytes()).expect("birth date validated by parse")
    }

    /// First 6 (area) and last 4 characters, the rest hidden:
    /// `110101********1234`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

/// The check character (`b'0'..=b'9'` or `b'X'`) for the first 17 digits of
/// an ID number; `None` unless given exactly 17 ASCII digits.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17.iter().zip(&WEIGHTS).map(|(&d, &w)| u32::from(d - b'0') * w).sum();
    // `sum % 11` is at most 10, always within the 11-entry table.
    Some(CHECK_CHARS[(sum % 11) as usize])
}

/// Province-level codes of GB/T 2260, plus 71 (Taiwan), 81/82 (Hong Kong,
/// Macao), 83 (residence permits for Taiwan residents) and 91 (foreigners'
/// permanent residence ID cards, 2023 edition), which share the format.
fn is_province_code(area: &str) -> bool {
    const CODES: &[&str] = &[
        "11", "12", "13", "14", "15", // North
        "21", "22", "23", // North-east
        "31", "32", "33", "34", "35", "36", "37", // East
        "41", "42", "43", "44", "45", "46", // Central-south
        "50", "51", "52", "53", "54", // South-west
        "61", "62", "63", "64", "65", // North-west
        "71", "81", "82", "83", "91",
    ];
    CODES.contains(&area)
}

/// Reads YYYYMMDD from bytes 7–14 (1-based); `None` if they are not digits or
/// not a calendar date.
fn birth_date_of(id: &[u8]) -> Option<Date> {
    let num = |range: std::ops::Range<usize>| -> Option<i16> {
        id.get(range)?.iter().try_fold(0i16, |n, &b| b.is_ascii_digit().then(|| n * 10 + i16::from(b - b'0')))
    };
    let year = num(6..10)?;
    let month = i8::try_from(num(10..12)?).ok()?;
    let day = i8::try_from(num(12..14)?).ok()?;
    Date::new(year, month, day).ok()
}

fn invalid(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Invalid {
    Invalid::new(field, Rule::new(code, zh, en))
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    const TODAY: Date = date(2025, 6, 1);

    /// Completes 17 digits with the check character from [`check_char`].
    fn with_check(first17: &str) -> String {
        let c = check_char(first17.as_bytes()).unwrap();
        format!("{first17}{}", char::from(c))
    }

    fn code(input: &str) -> &'static str {
        match ResidentId::parse("id_number", input, TODAY) {
            Ok(id) => panic!("{input} accepted as {id:?}"),
            Err(e) => {
                assert_eq!(e.field, "id_number");
                e.rule.code
            }
        }
    }

    #[test]
    fn check_char_matches_published_example() {
        // The worked examples printed in GB 11643-1999.
        assert_eq!(check_char(b"11010519491231002"), Some(b'X'));
        assert_eq!(check_char(b"44052418800101001"), Some(b'4'));
        assert_eq!(check_char(b"1101051949123100"), None);
        assert_eq!(check_char(b"1101051949123100A"), None);
    }

    #[test]
    fn accepts_valid_numbers() {
        for first17 in ["11010519491231002", "44030619900307123", "32010220000229456", "65010120250601789"] {
            let id = with_check(first17);
            let parsed = ResidentId::parse("id_number", &id, TODAY).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(parsed.as_str(), id);
        }
    }

    #[test]
    fn normalises_lowercase_x_and_spaces() {
        let id = ResidentId::parse("id_number", "110105 19491231 002x", TODAY).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), date(1949, 12, 31));
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id:?}"), "ResidentId(\"110105********002X\")");
    }

    #[test]
    fn rejects_with_named_rule() {
        assert_eq!(code(""), "required");
        assert_eq!(code("110105491231002"), "id_length");
        assert_eq!(code("11010519491231002X1"), "id_length");
        assert_eq!(code("1101051949123100XX"), "id_charset");
        assert_eq!(code("11010519491231002Y"), "id_charset");
        assert_eq!(code("11010519491231002１"), "id_charset");
        assert_eq!(code(&with_check("10010519491231002")), "id_area");
        assert_eq!(code(&with_check("99010519491231002")), "id_area");
        assert_eq!(code(&with_check("11010519490230002")), "id_birth_date");
        assert_eq!(code(&with_check("11010520230229002")), "id_birth_date");
        assert_eq!(code(&with_check("11010519491301002")), "id_birth_date");
        assert_eq!(code(&with_check("11010518991231002")), "id_birth_too_early");
        assert_eq!(code(&with_check("11010520250602002")), "id_birth_future");
        assert_eq!(code("110105194912310021"), "id_check_char");
    }

    #[test]
    fn check_char_error_names_expected_character() {
        let e = ResidentId::parse("id_number", "110105194912310021", TODAY).unwrap_err();
        assert!(e.rule.zh.contains("应为 X"), "{}", e.rule.zh);
        assert!(e.rule.en.contains("expected X"), "{}", e.rule.en);
    }
}
