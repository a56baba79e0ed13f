//! Account numbers (户号) and meter numbers (表号).
//!
//! Issue 19 asks only that a 户号 be unique and begin with its supply
//! station's prefix; power.md documents no format and no check digit for
//! either number, and kefu invents none: accounts imported from an old
//! marketing system keep their numbers, which no check digit of ours would
//! fit. The format below is kefu's own and says so:
//!
//! - a station prefix is 2 to 6 digits the company assigns each station;
//! - an account number is 6 to 20 digits; one kefu issues is the prefix and a
//!   zero-padded serial, [`ACCOUNT_NO_WIDTH`] digits in all (`0301000042`);
//! - a meter number is the asset number on the meter's plate as printed:
//!   letters, digits and hyphens, at most 32, compared in capitals.
//!
//! Uniqueness is the database's to enforce (a unique key); these are the
//! rules of one number.

use std::fmt;

use kefu_core::{Invalid, Rule};

/// The length of the account numbers kefu issues.
pub const ACCOUNT_NO_WIDTH: usize = 10;

/// A supply station's prefix: 2 to 6 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StationPrefix(String);

impl StationPrefix {
    pub fn parse(field: &str, input: &str) -> Result<StationPrefix, Invalid> {
        let s = input.trim();
        if s.is_empty() {
            return Err(Invalid::required(field));
        }
        if (2..=6).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(StationPrefix(s.to_string()))
        } else {
            Err(Invalid::new(
                field,
                Rule::new(
                    "station_prefix_format",
                    "供电所户号前缀应为 2 到 6 位数字",
                    "a station prefix is 2 to 6 digits",
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An account number (户号): 6 to 20 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountNo(String);

impl AccountNo {
    /// Parses a number as typed or imported; spaces, which people type to
    /// group the digits, are ignored.
    pub fn parse(field: &str, input: &str) -> Result<AccountNo, Invalid> {
        let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if s.is_empty() {
            return Err(Invalid::required(field));
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(
                field,
                Rule::new("account_no_format", "户号只能包含数字", "an account number is digits only"),
            ));
        }
        if !(6..=20).contains(&s.len()) {
            let n = s.len();
            return Err(Invalid::new(
                field,
                Rule::new(
                    "account_no_length",
                    format!("户号应为 6 到 20 位数字（当前 {n} 位）"),
                    format!("an account number has 6 to 20 digits (got {n})"),
                ),
            ));
        }
        Ok(AccountNo(s))
    }

    /// The number kefu gives a station's `serial`th account: the prefix and
    /// the serial padded with zeros to [`ACCOUNT_NO_WIDTH`] digits.
    pub fn issue(prefix: &StationPrefix, serial: u64) -> Result<AccountNo, Invalid> {
        let room = ACCOUNT_NO_WIDTH - prefix.0.len();
        let serial = serial.to_string();
        if serial.len() > room {
            return Err(Invalid::new(
                "account_no",
                Rule::new(
                    "account_serial_exhausted",
                    format!("供电所 {} 的户号已用完（序号最多 {room} 位）", prefix.0),
                    format!("station {} has used every account number ({room}-digit serials)", prefix.0),
                ),
            ));
        }
        Ok(AccountNo(format!("{}{serial:0>room$}", prefix.0)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn belongs_to(&self, prefix: &StationPrefix) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// Refuses a number that does not begin with its station's prefix.
    pub fn check_station(self, field: &str, prefix: &StationPrefix) -> Result<AccountNo, Invalid> {
        if self.belongs_to(prefix) {
            Ok(self)
        } else {
            Err(Invalid::new(
                field,
                Rule::new(
                    "account_no_prefix",
                    format!("户号须以本供电所的前缀 {} 开头", prefix.0),
                    format!("the account number must begin with the station's prefix {}", prefix.0),
                ),
            ))
        }
    }
}

impl fmt::Display for AccountNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A meter's asset number as printed on its plate.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MeterNo(String);

impl MeterNo {
    pub fn parse(field: &str, input: &str) -> Result<MeterNo, Invalid> {
        let s = input.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err(Invalid::required(field));
        }
        if s.len() > 32 {
            return Err(Invalid::too_long(field, 32));
        }
        if s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            Ok(MeterNo(s))
        } else {
            Err(Invalid::new(
                field,
                Rule::new(
                    "meter_no_format",
                    "表号只能包含字母、数字和连字符",
                    "a meter number uses letters, digits and hyphens",
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MeterNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn prefix(p: &str) -> StationPrefix {
        StationPrefix::parse("prefix", p).unwrap()
    }

    #[test]
    fn kefu_issues_the_prefix_and_a_padded_serial() {
        assert_eq!(AccountNo::issue(&prefix("0301"), 42).unwrap().as_str(), "0301000042");
        assert_eq!(AccountNo::issue(&prefix("0301"), 999_999).unwrap().as_str(), "0301999999");
        let e = AccountNo::issue(&prefix("0301"), 1_000_000).unwrap_err();
        assert_eq!(e.rule.code, "account_serial_exhausted");
    }

    #[test]
    fn an_account_number_is_digits_and_begins_with_its_station() {
        let no = AccountNo::parse("account_no", " 0301 000 042 ").unwrap();
        assert_eq!(no.as_str(), "0301000042");
        assert!(no.clone().check_station("account_no", &prefix("0301")).is_ok());
        let e = no.check_station("account_no", &prefix("0302")).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("account_no", "account_no_prefix"));
        // Old systems' numbers of other lengths are kept.
        assert!(AccountNo::parse("account_no", "45010203040506").is_ok());
        let code = |s: &str| AccountNo::parse("account_no", s).unwrap_err().rule.code;
        assert_eq!(code(""), "required");
        assert_eq!(code("0301A00042"), "account_no_format");
        assert_eq!(code("03010"), "account_no_length");
        assert_eq!(code("123456789012345678901"), "account_no_length");
    }

    #[test]
    fn station_prefixes_and_meter_numbers() {
        let code = |s: &str| StationPrefix::parse("prefix", s).unwrap_err().rule.code;
        assert_eq!(code("3"), "station_prefix_format");
        assert_eq!(code("1234567"), "station_prefix_format");
        assert_eq!(code("03a"), "station_prefix_format");
        assert_eq!(MeterNo::parse("meter_no", " dd862-0012345 ").unwrap().as_str(), "DD862-0012345");
        assert_eq!(MeterNo::parse("meter_no", "表12").unwrap_err().rule.code, "meter_no_format");
        assert_eq!(MeterNo::parse("meter_no", &"1".repeat(33)).unwrap_err().rule.code, "too_long");
    }

    proptest! {
        #[test]
        fn an_issued_number_parses_and_belongs_to_its_station(p in "[0-9]{2,6}", serial in 0u64..10_000) {
            let p = prefix(&p);
            let no = AccountNo::issue(&p, serial).unwrap();
            prop_assert_eq!(no.as_str().len(), ACCOUNT_NO_WIDTH);
            prop_assert!(no.belongs_to(&p));
            prop_assert_eq!(AccountNo::parse("account_no", no.as_str()).unwrap(), no.clone());
            prop_assert_eq!(no.as_str()[p.as_str().len()..].parse::<u64>().unwrap(), serial);
        }
    }
}
