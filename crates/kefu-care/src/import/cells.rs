//! Typed values out of the text of a cell, in the forms old systems and
//! Excel write them: dates as 2024-03-05, 2024/3/5, 2024.3.5, 20240305,
//! 2024年3月5日 or an Excel serial number; yes/no in Chinese or English;
//! whole numbers with thousands separators.

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::{Invalid, Rule};

/// A date in any of the accepted forms; a time of day after it (as Excel's
/// CSV output adds) is ignored.
pub fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    let day = text.split(|c: char| c.is_whitespace() || c == 'T').next().unwrap_or("");
    if day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit()) {
        return ymd(&day[..4], &day[4..6], &day[6..]);
    }
    // Excel's day count from 1899-12-30 (five digits cover 1927–2173).
    if day.len() == 5 && day.bytes().all(|b| b.is_ascii_digit()) && !day.starts_with('0') {
        let serial: i64 = day.parse().ok()?;
        return Date::new(1899, 12, 30).ok()?.checked_add(serial.days()).ok();
    }
    let parts: Vec<&str> = day.trim_end_matches('日').split(['-', '/', '.', '年', '月']).collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => ymd(y, m, d),
        _ => None,
    }
}

fn ymd(y: &str, m: &str, d: &str) -> Option<Date> {
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

/// The rule a date that cannot be read breaks.
pub fn date_rule(field: &str) -> Invalid {
    Invalid::new(
        field,
        Rule::new(
            "date_format",
            "日期格式不正确（可用 2024-03-05、2024/3/5、20240305）",
            "is not a date (use 2024-03-05, 2024/3/5 or 20240305)",
        ),
    )
}

/// An optional date: empty is None.
pub fn optional_date(field: &str, text: &str) -> Result<Option<Date>, Invalid> {
    match text.trim() {
        "" => Ok(None),
        t => parse_date(t).map(Some).ok_or_else(|| date_rule(field)),
    }
}

/// Yes or no: 是/否, 有/无, Y/N, yes/no, true/false, 1/0, √/×; empty is no.
pub fn flag(field: &str, text: &str) -> Result<bool, Invalid> {
    match text.trim().to_lowercase().as_str() {
        "" | "否" | "无" | "非" | "不是" | "n" | "no" | "false" | "0" | "×" => Ok(false),
        "是" | "有" | "y" | "yes" | "true" | "1" | "√" | "会员" => Ok(true),
        _ => Err(Invalid::new(field, Rule::new("yes_no", "须为 是 或 否", "must be yes or no"))),
    }
}

/// A whole number, allowing thousands separators ("12,345"); empty is 0.
pub fn whole_number(field: &str, text: &str) -> Result<i64, Invalid> {
    let digits: String = text.chars().filter(|c| !matches!(c, ',' | '，' | ' ')).collect();
    if digits.is_empty() {
        return Ok(0);
    }
    // Spreadsheets store whole numbers as decimals ("12345.0").
    let digits = digits.strip_suffix(".0").unwrap_or(&digits);
    digits.parse().map_err(|_| Invalid::new(field, Rule::new("integer", "须为整数", "must be a whole number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<String> {
        parse_date(s).map(|d| d.to_string())
    }

    #[test]
    fn dates_in_the_forms_people_type() {
        for text in ["2024-03-05", "2024/3/5", "2024.03.05", "20240305", "2024年3月5日", "2024-03-05 00:00:00", "45356"]
        {
            assert_eq!(d(text).as_deref(), Some("2024-03-05"), "{text}");
        }
        for text in ["2024-02-30", "03/05/2024", "明天", "2024", "202403", "1.5"] {
            assert_eq!(d(text), None, "{text}");
        }
        assert_eq!(optional_date("birthday", "").unwrap(), None);
        assert_eq!(optional_date("birthday", "3月5日").unwrap_err().rule.code, "date_format");
    }

    #[test]
    fn flags_and_numbers() {
        assert!(flag("is_member", "是").unwrap() && flag("is_member", "Y").unwrap());
        assert!(!flag("is_member", "").unwrap() && !flag("is_member", "否").unwrap());
        assert_eq!(flag("is_member", "也许").unwrap_err().field, "is_member");
        assert_eq!(whole_number("mileage_km", "12,345").unwrap(), 12_345);
        assert_eq!(whole_number("mileage_km", "800.0").unwrap(), 800);
        assert_eq!(whole_number("mileage_km", "").unwrap(), 0);
        assert_eq!(whole_number("mileage_km", "约一万").unwrap_err().rule.code, "integer");
    }
}
