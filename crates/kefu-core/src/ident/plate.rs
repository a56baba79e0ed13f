//! Motor-vehicle number plates (GA 36-2018).
//!
//! Covers the plates a customer-service desk meets: ordinary blue/yellow
//! plates (7 characters, optionally ending in a kind character such as 学 or
//! 挂) and green new-energy plates (8 characters). Embassy (使), military and
//! armed-police plates follow other schemes and are refused.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::validation::{Invalid, Rule};

/// Province abbreviations that start every civilian plate.
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// Kind characters that replace the last serial character of an ordinary
/// plate: coach (学), police (警), trailer (挂), consulate (领) and
/// Hong Kong / Macao cross-border (港, 澳).
const KIND_SUFFIXES: &str = "学警挂领港澳";

/// A normalised plate: no separators, letters uppercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Plate(String);

impl Plate {
    /// Parses a plate as typed; spaces, dots (`粤B·D12345`) and dashes are
    /// ignored and letters uppercased.
    pub fn parse(field: &str, input: &str) -> Result<Plate, Invalid> {
        let chars: Vec<char> = input.chars().filter(|c| !is_separator(*c)).map(|c| c.to_ascii_uppercase()).collect();
        let Some(&province) = chars.first() else {
            return Err(Invalid::required(field));
        };
        if !PROVINCES.contains(province) {
            return Err(invalid(
                field,
                "plate_province",
                format!("车牌第 1 位应为省份简称，如 京、粤（当前为“{province}”）"),
                format!("a plate starts with a province abbreviation such as 京 or 粤 (got '{province}')"),
            ));
        }
        let len = chars.len();
        if len != 7 && len != 8 {
            return Err(invalid(
                field,
                "plate_length",
                format!("车牌应为 7 位，新能源车牌为 8 位（当前 {len} 位）"),
                format!("a plate has 7 characters, or 8 for new-energy vehicles (got {len})"),
            ));
        }
        if let Some(pos) = chars.iter().position(|c| matches!(c, 'I' | 'O')) {
            let bad = chars[pos];
            let pos = pos + 1;
            return Err(invalid(
                field,
                "plate_letter_io",
                format!("车牌不使用字母 I 和 O（第 {pos} 位是“{bad}”，是否应为数字 1 或 0？）"),
                format!("plates never use the letters I or O (position {pos} is '{bad}'; did you mean 1 or 0?)"),
            ));
        }
        let authority = chars[1];
        if !authority.is_ascii_uppercase() {
            return Err(invalid(
                field,
                "plate_authority",
                format!("车牌第 2 位应为发牌机关代号字母（当前为“{authority}”）"),
                format!("the second character of a plate is the issuing-authority letter (got '{authority}')"),
            ));
        }
        let serial = &chars[2..];
        if len == 8 {
            check_new_energy(field, serial)?;
        } else {
            check_ordinary(field, province, authority, serial)?;
        }
        Ok(Plate(chars.into_iter().collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Everything after the province character (`A12345` for `京A12345`):
    /// customers often omit the province when asked for their plate.
    pub fn without_province(&self) -> &str {
        self.0.char_indices().nth(1).map_or("", |(i, _)| &self.0[i..])
    }

    /// Green new-energy plates are the only 8-character ones.
    pub fn is_new_energy(&self) -> bool {
        self.0.chars().count() == 8
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '·' | '•' | '・' | '.' | '。' | '-' | '－' | '—')
}

/// Serial letters exclude I and O, which were rejected before this is used.
fn is_serial_char(c: char) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase()
}

/// Five serial characters, or four followed by a kind character.
fn check_ordinary(field: &str, province: char, authority: char, serial: &[char]) -> Result<(), Invalid> {
    let (body, kind) = match serial.split_last() {
        Some((&last, body)) if KIND_SUFFIXES.contains(last) => (body, Some(last)),
        _ => (serial, None),
    };
    if !body.iter().all(|&c| is_serial_char(c)) {
        return Err(invalid(
            field,
            "plate_serial",
            "车牌号码（第 3 位起）只能是数字和字母，特种车牌末位可为 学、警、挂、领、港、澳",
            "after the authority letter a plate has only digits and letters, \
             optionally ending in 学, 警, 挂, 领, 港 or 澳",
        ));
    }
    if let Some(kind @ ('港' | '澳')) = kind
        && (province, authority) != ('粤', 'Z')
    {
        return Err(invalid(
            field,
            "plate_cross_border",
            format!("“{kind}”字车牌只由 粤Z 核发"),
            format!("plates ending in {kind} are only issued as 粤Z"),
        ));
    }
    Ok(())
}

/// Small new-energy cars: an energy letter (D/F, or since 2023 A–K without
/// I), a letter or digit, then four digits. Large vehicles: five digits then
/// D (battery electric) or F (other).
fn check_new_energy(field: &str, serial: &[char]) -> Result<(), Invalid> {
    let digits = |cs: &[char]| cs.iter().all(char::is_ascii_digit);
    let small = matches!(serial[0], 'A'..='H' | 'J' | 'K') && is_serial_char(serial[1]) && digits(&serial[2..]);
    let large = digits(&serial[..5]) && matches!(serial[5], 'D' | 'F');
    if small || large {
        return Ok(());
    }
    Err(invalid(
        field,
        "plate_new_energy",
        "新能源车牌格式不正确：小型车为 D/F 加 5 位（如 沪AD12345），大型车为 5 位数字加 D/F（如 苏E12345F）",
        "not a valid new-energy plate: small vehicles use D/F then 5 characters (沪AD12345), \
         large vehicles 5 digits then D/F (苏E12345F)",
    ))
}

fn invalid(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Invalid {
    Invalid::new(field, Rule::new(code, zh, en))
}

impl fmt::Display for Plate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Plate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> Plate {
        Plate::parse("plate", input).unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    fn code(input: &str) -> &'static str {
        match Plate::parse("plate", input) {
            Ok(p) => panic!("{input} accepted as {p}"),
            Err(e) => {
                assert_eq!(e.field, "plate");
                e.rule.code
            }
        }
    }

    #[test]
    fn ordinary_plates() {
        for p in [
            "京A12345",
            "沪C8J2K9",
            "川AB1234",
            "云A1234学",
            "鲁B1234挂",
            "京A1234警",
            "沪A1234领",
            "粤Z1234港",
            "粤Z1234澳",
        ] {
            let plate = ok(p);
            assert_eq!(plate.as_str(), p);
            assert!(!plate.is_new_energy(), "{p}");
        }
    }

    #[test]
    fn new_energy_plates() {
        for p in ["沪AD12345", "粤BD12345", "浙AFA1234", "京AA12345", "苏AK12345", "苏E12345F", "粤B12345D"] {
            let plate = ok(p);
            assert_eq!(plate.as_str(), p);
            assert!(plate.is_new_energy(), "{p}");
        }
    }

    #[test]
    fn normalises_separators_and_case() {
        assert_eq!(ok("粤B·D12345").as_str(), "粤BD12345");
        assert_eq!(ok("京a 123-45").as_str(), "京A12345");
        assert_eq!(ok(" 浙A.d12345 ").as_str(), "浙AD12345");
    }

    #[test]
    fn without_province() {
        assert_eq!(ok("京A12345").without_province(), "A12345");
        assert_eq!(ok("粤B·D12345").without_province(), "BD12345");
    }

    #[test]
    fn rejects_with_named_rule() {
        assert_eq!(code(""), "required");
        assert_eq!(code(" · "), "required");
        assert_eq!(code("A12345"), "plate_province");
        assert_eq!(code("港A12345"), "plate_province");
        assert_eq!(code("京A1234"), "plate_length");
        assert_eq!(code("京A123456789"), "plate_length");
        assert_eq!(code("京I12345"), "plate_letter_io");
        assert_eq!(code("京A1O345"), "plate_letter_io");
        assert_eq!(code("京112345"), "plate_authority");
        assert_eq!(code("京A12学45"), "plate_serial");
        assert_eq!(code("京A1234#"), "plate_serial");
        assert_eq!(code("京A1234港"), "plate_cross_border");
        assert_eq!(code("京AD1234A"), "plate_new_energy");
        assert_eq!(code("京AL12345"), "plate_new_energy");
        assert_eq!(code("京A12345X"), "plate_new_energy");
        assert_eq!(code("京A1234DF"), "plate_new_energy");
    }

    #[test]
    fn serialises_as_string() {
        assert_eq!(serde_json::to_string(&ok("京A12345")).unwrap(), "\"京A12345\"");
    }
}
