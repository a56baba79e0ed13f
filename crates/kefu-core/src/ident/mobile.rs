//! Mainland China mobile numbers.
//!
//! Staff paste numbers in every shape (`+86 138-0013-8000`, `0086…`, with
//! spaces), so parsing normalises to the bare 11 digits before checking. Only
//! segments MIIT has actually allocated are accepted: a number in an
//! unallocated segment is almost always a typo, and catching it at entry is
//! cheaper than a failed callback later.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::validation::{Invalid, Rule};

/// An 11-digit mainland mobile number in an allocated segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mobile(String);

impl Mobile {
    /// Parses a number typed or pasted by a person; `field` names the form
    /// field in the error.
    pub fn parse(field: &str, input: &str) -> Result<Mobile, Invalid> {
        let compact: String = input.chars().filter(|c| !is_separator(*c)).collect();
        if compact.is_empty() {
            return Err(Invalid::required(field));
        }
        let digits = strip_country_code(&compact).ok_or_else(|| {
            Invalid::new(
                field,
                Rule::new(
                    "mobile_country",
                    "仅支持中国大陆手机号（国家代码 +86）",
                    "only mainland China mobile numbers (country code +86) are accepted",
                ),
            )
        })?;
        if let Some(bad) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(Invalid::new(
                field,
                Rule::new(
                    "mobile_digits",
                    format!("手机号只能包含数字（发现“{bad}”）"),
                    format!("a mobile number may only contain digits (found '{bad}')"),
                ),
            ));
        }
        let len = digits.len();
        if len != 11 {
            return Err(Invalid::new(
                field,
                Rule::new(
                    "mobile_length",
                    format!("手机号应为 11 位数字（当前 {len} 位）"),
                    format!("a mobile number has 11 digits (got {len})"),
                ),
            ));
        }
        if !digits.starts_with('1') {
            return Err(Invalid::new(
                field,
                Rule::new("mobile_prefix", "手机号应以 1 开头", "a mobile number starts with 1"),
            ));
        }
        let segment = &digits[..3];
        if !is_allocated_segment(segment) {
            return Err(Invalid::new(
                field,
                Rule::new(
                    "mobile_segment",
                    format!("{segment} 不是已分配的手机号段，请核对号码"),
                    format!("{segment} is not an allocated mobile segment; please check the number"),
                ),
            ));
        }
        Ok(Mobile(digits.to_owned()))
    }

    /// The bare 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits, which customers read back to confirm identity.
    pub fn last4(&self) -> &str {
        &self.0[7..]
    }

    /// `138****5678`: enough to recognise a number without disclosing it.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], self.last4())
    }
}

/// Characters people put between digit groups; none of them carry meaning.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '－' | '—')
}

/// Removes a `+86`, `0086` or `86` country code. `86` alone is only taken as a
/// country code when what follows is a full 11-digit number, so that a short
/// or mistyped number is reported as such rather than silently trimmed.
/// Returns `None` for an explicit foreign country code.
fn strip_country_code(s: &str) -> Option<&str> {
    if let Some(rest) = s.strip_prefix('+') {
        return rest.strip_prefix("86");
    }
    if s.len() == 15
        && let Some(rest) = s.strip_prefix("0086")
    {
        return Some(rest);
    }
    if s.len() == 13
        && let Some(rest) = s.strip_prefix("86")
    {
        return Some(rest);
    }
    Some(s)
}

/// Three-digit segments MIIT has allocated for personal 11-digit numbers
/// (carrier, virtual-operator, data-card and satellite segments), as of the
/// 2019–2023 allocations. Unallocated: 140–144 (13-digit IoT), 154, 160–161,
/// 163–164, 168–169, 179 and 194. Extend here when MIIT opens a new segment.
fn is_allocated_segment(segment: &str) -> bool {
    let Ok(n) = segment.parse::<u16>() else {
        return false;
    };
    matches!(
        n,
        130..=139
            | 145..=149
            | 150..=153
            | 155..=159
            | 162
            | 165..=167
            | 170..=178
            | 180..=189
            | 190..=193
            | 195..=199
    )
}

impl fmt::Display for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Mobile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> String {
        Mobile::parse("mobile", input).map(|m| m.to_string()).unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    fn code(input: &str) -> &'static str {
        match Mobile::parse("mobile", input) {
            Ok(m) => panic!("{input} accepted as {m}"),
            Err(e) => {
                assert_eq!(e.field, "mobile");
                e.rule.code
            }
        }
    }

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(ok("13800138000"), "13800138000");
        assert_eq!(ok("138 0013 8000"), "13800138000");
        assert_eq!(ok("138-0013-8000"), "13800138000");
        assert_eq!(ok("+86 138 0013 8000"), "13800138000");
        assert_eq!(ok("+8613800138000"), "13800138000");
        assert_eq!(ok("8613800138000"), "13800138000");
        assert_eq!(ok("0086 13800138000"), "13800138000");
        assert_eq!(ok(" 19912345678\t"), "19912345678");
        assert_eq!(ok("16612345678"), "16612345678");
        assert_eq!(ok("14712345678"), "14712345678");
        assert_eq!(ok("17012345678"), "17012345678");
        assert_eq!(ok("19212345678"), "19212345678");
    }

    #[test]
    fn rejects_with_named_rule() {
        assert_eq!(code(""), "required");
        assert_eq!(code("  - "), "required");
        assert_eq!(code("+1 415 555 0100"), "mobile_country");
        assert_eq!(code("1380013800a"), "mobile_digits");
        assert_eq!(code("1380013800"), "mobile_length");
        assert_eq!(code("138001380001"), "mobile_length");
        // An 11-digit string is never trimmed as if it had a country code.
        assert_eq!(code("86138001380"), "mobile_prefix");
        assert_eq!(code("23800138000"), "mobile_prefix");
        assert_eq!(code("12800138000"), "mobile_segment");
        assert_eq!(code("15400138000"), "mobile_segment");
        assert_eq!(code("14012345678"), "mobile_segment");
        assert_eq!(code("16012345678"), "mobile_segment");
        assert_eq!(code("17912345678"), "mobile_segment");
    }

    #[test]
    fn error_messages_are_bilingual() {
        let e = Mobile::parse("phone", "15412345678").unwrap_err();
        assert_eq!(e.field, "phone");
        assert!(e.rule.zh.contains("154"));
        assert!(e.rule.en.contains("154"));
    }

    #[test]
    fn views() {
        let m = Mobile::parse("mobile", "13812345678").unwrap();
        assert_eq!(m.as_str(), "13812345678");
        assert_eq!(m.last4(), "5678");
        assert_eq!(m.masked(), "138****5678");
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"13812345678\"");
    }
}
