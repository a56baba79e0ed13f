//! Form and JSON fields as people type them, read into values; a field that
//! cannot be read names itself and the rule it broke.

use jiff::civil::Date;
use kefu_core::{Invalid, Rule};

pub(crate) fn one_of(field: &str) -> Invalid {
    Invalid::new(field, Rule::new("one_of", "请从列表中选择", "choose one of the listed values"))
}

pub(crate) fn whole_number(field: &str, text: &str) -> Result<i64, Invalid> {
    match text.trim() {
        "" => Err(Invalid::required(field)),
        t => {
            t.parse().map_err(|_| Invalid::new(field, Rule::new("whole_number", "须为整数", "must be a whole number")))
        }
    }
}

pub(crate) fn date(field: &str, text: &str) -> Result<Date, Invalid> {
    match text.trim() {
        "" => Err(Invalid::required(field)),
        t => t.parse().map_err(|_| {
            Invalid::new(field, Rule::new("date_format", "日期格式应为 2026-01-31", "dates look like 2026-01-31"))
        }),
    }
}
