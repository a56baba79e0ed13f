//! Working days: Monday to Friday, less the public holidays, plus the
//! make-up working days (调休) of the State Council's yearly notice on the
//! holidays (国务院办公厅关于部分节假日安排的通知). The administrator keeps
//! the calendar; a year is added from a small TOML file:
//!
//! ```toml
//! [[year]]
//! year = 2026
//! source = "国办发明电〔…〕…号"
//! holidays = ["2026-01-01", "2026-01-02"]   # days off that would be working days
//! workdays = ["2026-01-04"]                 # weekend days worked instead
//! ```
//!
//! The years kefu ships are files in `crates/kefu-power/calendar/` (2026 from
//! the notice of 4 November 2025); [`WorkCalendar::shipped`] reads them, and
//! the administrator's edits of single days ([`DayKind`]) go over them.

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};
use kefu_core::{Invalid, Rule};
use serde::Deserialize;

/// The holidays and make-up working days of the years the calendar knows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeSet<Date>,
    workdays: BTreeSet<Date>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    #[serde(default)]
    year: Vec<YearDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearDoc {
    year: i16,
    source: String,
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default)]
    workdays: Vec<String>,
}

/// How the administrator sets one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DayKind {
    /// A day off (a public holiday).
    Holiday,
    /// A weekend day worked (调休).
    Workday,
    /// As its weekday says: an edit undone.
    Normal,
}

impl DayKind {
    pub const ALL: [DayKind; 3] = [DayKind::Holiday, DayKind::Workday, DayKind::Normal];

    pub fn code(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
            DayKind::Normal => "normal",
        }
    }

    pub fn parse(field: &str, code: &str) -> Result<DayKind, Invalid> {
        DayKind::ALL.into_iter().find(|k| k.code() == code).ok_or_else(|| {
            Invalid::new(
                field,
                Rule::new("day_kind", "应为假日、调休工作日或普通日", "must be holiday, workday or normal"),
            )
        })
    }
}

/// The calendar files kefu ships, one a year.
const SHIPPED: &[&str] = &[include_str!("../../calendar/2026.toml")];

impl WorkCalendar {
    /// The years kefu ships.
    pub fn shipped() -> WorkCalendar {
        let mut calendar = WorkCalendar::default();
        for text in SHIPPED {
            calendar.add(&WorkCalendar::import(text).expect("the shipped calendars are valid"));
        }
        calendar
    }

    /// Takes every day of `other` over this calendar's (a year imported).
    pub fn add(&mut self, other: &WorkCalendar) {
        for d in &other.holidays {
            self.set(*d, DayKind::Holiday);
        }
        for d in &other.workdays {
            self.set(*d, DayKind::Workday);
        }
    }

    /// Sets one day, as the administrator edits it.
    pub fn set(&mut self, day: Date, kind: DayKind) {
        self.holidays.remove(&day);
        self.workdays.remove(&day);
        match kind {
            DayKind::Holiday => self.holidays.insert(day),
            DayKind::Workday => self.workdays.insert(day),
            DayKind::Normal => false,
        };
    }

    /// The holidays and make-up working days, in date order.
    pub fn days(&self) -> Vec<(Date, DayKind)> {
        let mut out: Vec<(Date, DayKind)> = self.holidays.iter().map(|d| (*d, DayKind::Holiday)).collect();
        out.extend(self.workdays.iter().map(|d| (*d, DayKind::Workday)));
        out.sort();
        out
    }

    /// A calendar of these days off and days worked.
    pub fn new(holidays: impl IntoIterator<Item = Date>, workdays: impl IntoIterator<Item = Date>) -> WorkCalendar {
        WorkCalendar { holidays: holidays.into_iter().collect(), workdays: workdays.into_iter().collect() }
    }

    /// Reads a calendar file: every error named by its path
    /// (`year[0].holidays[3]`), nothing taken from a file with one.
    pub fn import(text: &str) -> Result<WorkCalendar, Vec<Invalid>> {
        let file: CalendarFile = toml::from_str(text).map_err(|e| {
            vec![Invalid::new("file", Rule::new("toml_syntax", e.message().to_string(), e.message().to_string()))]
        })?;
        let mut errors = Vec::new();
        let mut calendar = WorkCalendar::default();
        for (i, y) in file.year.iter().enumerate() {
            if y.source.trim().is_empty() {
                errors.push(Invalid::required(format!("year[{i}].source")));
            }
            for (list, days, into) in
                [("holidays", &y.holidays, &mut calendar.holidays), ("workdays", &y.workdays, &mut calendar.workdays)]
            {
                for (k, text) in days.iter().enumerate() {
                    let field = format!("year[{i}].{list}[{k}]");
                    match text.trim().parse::<Date>() {
                        Ok(d) if d.year() == y.year && text.trim().len() == 10 => {
                            into.insert(d);
                        }
                        _ => errors.push(Invalid::new(
                            field,
                            Rule::new(
                                "calendar_date",
                                format!("应为 {} 年内的日期，如 {}-01-01", y.year, y.year),
                                format!("must be a date in {}, such as {}-01-01", y.year, y.year),
                            ),
                        )),
                    }
                }
            }
        }
        if let Some(d) = calendar.holidays.intersection(&calendar.workdays).next() {
            errors.push(Invalid::new(
                "workdays",
                Rule::new(
                    "calendar_day_both",
                    format!("{d} 不能既是假日又是调休工作日"),
                    format!("{d} cannot be both a holiday and a make-up working day"),
                ),
            ));
        }
        if errors.is_empty() { Ok(calendar) } else { Err(errors) }
    }

    pub fn is_working_day(&self, day: Date) -> bool {
        if self.workdays.contains(&day) {
            return true;
        }
        !self.holidays.contains(&day) && !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
    }

    /// The `n`th working day after `from` (the day a step's clock starts
    /// is not counted): a deadline of `n` working days.
    pub fn add_working_days(&self, from: Date, n: u32) -> Date {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day = day.tomorrow().expect("a deadline within the calendar");
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days in `from` (not counted) to `to` (counted): how long a
    /// step took.
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day = day.tomorrow().expect("a date within the calendar");
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    /// A made-up October week: 1–7 off, Saturday the 10th worked.
    fn calendar() -> WorkCalendar {
        WorkCalendar::import(
            r#"
[[year]]
year = 2030
source = "test"
holidays = ["2030-10-01", "2030-10-02", "2030-10-03", "2030-10-04", "2030-10-07"]
workdays = ["2030-10-12"]
"#,
        )
        .unwrap()
    }

    #[test]
    fn weekends_holidays_and_make_up_days() {
        let c = calendar();
        assert!(!c.is_working_day(date(2030, 10, 1)));
        assert!(!c.is_working_day(date(2030, 10, 5))); // Saturday
        assert!(c.is_working_day(date(2030, 10, 8)));
        assert!(c.is_working_day(date(2030, 10, 12))); // the make-up Saturday
        assert!(!c.is_working_day(date(2030, 10, 13)));
    }

    #[test]
    fn a_deadline_skips_the_holiday_and_counts_the_make_up_saturday() {
        let c = calendar();
        // From Monday 30 September, 3 working days: 8, 9, 10 October.
        assert_eq!(c.add_working_days(date(2030, 9, 30), 3), date(2030, 10, 10));
        // 5 working days: 8, 9, 10, 11 and Saturday 12.
        assert_eq!(c.add_working_days(date(2030, 9, 30), 5), date(2030, 10, 12));
        assert_eq!(c.add_working_days(date(2030, 9, 30), 0), date(2030, 9, 30));
        assert_eq!(c.working_days_between(date(2030, 9, 30), date(2030, 10, 12)), 5);
    }

    #[test]
    fn a_bad_calendar_file_names_each_error() {
        let e = WorkCalendar::import(
            "[[year]]\nyear = 2030\nsource = \"\"\nholidays = [\"2031-01-01\", \"2030-10-01\"]\nworkdays = [\"2030-10-01\"]\n",
        )
        .unwrap_err();
        let got: Vec<(&str, &str)> = e.iter().map(|e| (e.field.as_str(), e.rule.code)).collect();
        assert_eq!(
            got,
            [
                ("year[0].source", "required"),
                ("year[0].holidays[0]", "calendar_date"),
                ("workdays", "calendar_day_both")
            ]
        );
        assert_eq!(WorkCalendar::import("[[yaer]]").unwrap_err()[0].rule.code, "toml_syntax");
    }

    #[test]
    fn the_shipped_2026_calendar_follows_the_notice() {
        let c = WorkCalendar::shipped();
        // 国庆节: 1–7 October off, Sunday 20 September and Saturday 10 October worked.
        assert!(!c.is_working_day(date(2026, 10, 7)));
        assert!(c.is_working_day(date(2026, 9, 20)) && c.is_working_day(date(2026, 10, 10)));
        // 春节: 15–23 February off, Saturdays 14 and 28 worked.
        assert!((15..=23).all(|d| !c.is_working_day(date(2026, 2, d))));
        assert!(c.is_working_day(date(2026, 2, 14)) && c.is_working_day(date(2026, 2, 28)));
        // 19 days off on weekdays and 6 weekend days worked.
        let days = c.days();
        assert_eq!(days.iter().filter(|(_, k)| *k == DayKind::Holiday).count(), 19);
        assert_eq!(days.iter().filter(|(_, k)| *k == DayKind::Workday).count(), 6);
    }

    #[test]
    fn an_edit_overrides_the_shipped_day() {
        let mut c = WorkCalendar::shipped();
        c.set(date(2026, 10, 10), DayKind::Normal);
        assert!(!c.is_working_day(date(2026, 10, 10)));
        c.set(date(2026, 12, 31), DayKind::Holiday);
        assert!(!c.is_working_day(date(2026, 12, 31)));
        assert_eq!(DayKind::parse("kind", "holiday").unwrap(), DayKind::Holiday);
        assert_eq!(DayKind::parse("kind", "x").unwrap_err().rule.code, "day_kind");
    }

    proptest! {
        #[test]
        fn counting_undoes_adding(start in 0i32..3000, n in 0u32..60) {
            let c = calendar();
            let from = date(2028, 1, 1) + jiff::Span::new().days(start);
            let due = c.add_working_days(from, n);
            prop_assert_eq!(c.working_days_between(from, due), n);
            prop_assert!(n == 0 || c.is_working_day(due));
        }
    }
}
