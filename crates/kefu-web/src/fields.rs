//! Form and JSON fields as people type them, read into values; a field that
//! cannot be read names itself and the rule it broke.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use kefu_core::time::BusinessZone;
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

/// A local time ("2026-11-30T17:00" or "2026-11-30 17:00") in the business zone.
pub(crate) fn local_time(field: &str, text: &str, zone: &BusinessZone) -> Result<Timestamp, Invalid> {
    let bad = || {
        Invalid::new(
            field,
            Rule::new("time_format", "时间格式应为 2026-01-31 17:00", "times look like 2026-01-31 17:00"),
        )
    };
    let t = text.trim().replacen(' ', "T", 1);
    let civil: DateTime = t.parse().map_err(|_| bad())?;
    civil.to_zoned_datetime(zone.time_zone()).map(|z| z.timestamp()).map_err(|_| bad())
}

pub(crate) fn date(field: &str, text: &str) -> Result<Date, Invalid> {
    match text.trim() {
        "" => Err(Invalid::required(field)),
        t => t.parse().map_err(|_| {
            Invalid::new(field, Rule::new("date_format", "日期格式应为 2026-01-31", "dates look like 2026-01-31"))
        }),
    }
}
