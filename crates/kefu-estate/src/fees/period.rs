//! Billing periods: the month a billing run is for, the days a line bills,
//! and the exact number of months those days are (issue 21 §6): whole
//! months, plus for each partial month the days billed ÷ the days in that
//! month. February 2026's 14 days are 14/28 = ½ month; January's 15 are
//! 15/31.
//!
//! Every month's fraction is a whole number of 1/377,580ths of a month —
//! 377,580 is the least common multiple of 28, 29, 30 and 31 — so months
//! are held exactly as an integer count of those ([`Months`]).

use std::fmt;

use jiff::ToSpan;
use jiff::civil::{Date, date};
use kefu_core::{Invalid, Rule};

/// Parts of a month in one month: lcm(28, 29, 30, 31).
pub const MONTH_PARTS: i64 = 377_580;

/// A calendar month: the period of a billing run (`2026-01`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    first: Date,
}

impl Month {
    /// The month `month` (1–12) of `year`.
    ///
    /// # Panics
    /// For a month outside 1–12 or a year outside jiff's range.
    pub fn new(year: i16, month: i8) -> Month {
        Month { first: date(year, month, 1) }
    }

    /// The month a day falls in.
    pub fn of(day: Date) -> Month {
        Month { first: day.first_of_month() }
    }

    /// Parses `2026-01`.
    pub fn parse(field: &str, input: &str) -> Result<Month, Invalid> {
        let text = input.trim();
        if text.is_empty() {
            return Err(Invalid::required(field));
        }
        format!("{text}-01").parse::<Date>().ok().filter(|_| text.len() == 7).map(Month::of).ok_or_else(|| {
            Invalid::new(field, Rule::new("month_format", "月份格式应为 2026-01", "a month is written as 2026-01"))
        })
    }

    pub fn first_day(self) -> Date {
        self.first
    }

    pub fn last_day(self) -> Date {
        self.first.last_of_month()
    }

    pub fn year(self) -> i16 {
        self.first.year()
    }

    /// 1–12.
    pub fn number(self) -> i8 {
        self.first.month()
    }

    /// The month `n` months later (earlier when `n` is negative).
    pub fn plus(self, n: i32) -> Month {
        Month { first: self.first.checked_add(n.months()).expect("a month within jiff's range") }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.first.year(), self.first.month())
    }
}

/// The days a line bills, first and last included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub first: Date,
    pub last: Date,
}

impl Span {
    /// The days `first..=last`; a span ending before it begins is refused
    /// for the field `field_to` (the end the user typed).
    pub fn new(field_to: &str, first: Date, last: Date) -> Result<Span, Invalid> {
        if last < first {
            return Err(Invalid::new(
                field_to,
                Rule::new(
                    "period_order",
                    "计费期的结束日不能早于开始日",
                    "a billing period cannot end before it begins",
                ),
            ));
        }
        Ok(Span { first, last })
    }

    /// The months `count` months long from the start of `month`.
    pub fn months_from(month: Month, count: i32) -> Span {
        Span { first: month.first_day(), last: month.plus(count - 1).last_day() }
    }

    /// The days from `day` on, if any of the span is left.
    pub fn from_day(self, day: Date) -> Option<Span> {
        (day <= self.last).then(|| Span { first: self.first.max(day), last: self.last })
    }

    /// The exact months the span is: a month it covers in full counts 1, a
    /// month it covers in part counts its days billed ÷ the month's days.
    pub fn months(self) -> Months {
        let mut parts = 0;
        let mut month = Month::of(self.first);
        while month.first_day() <= self.last {
            let from = self.first.max(month.first_day());
            let to = self.last.min(month.last_day());
            let days = i64::from((to - from).get_days()) + 1;
            parts += days * (MONTH_PARTS / i64::from(month.first_day().days_in_month()));
            month = month.plus(1);
        }
        Months(parts)
    }
}

/// An exact number of months, in 1/[`MONTH_PARTS`]ths of a month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Months(i64);

impl Months {
    pub const fn whole(n: i64) -> Months {
        Months(n * MONTH_PARTS)
    }

    pub const fn parts(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn months(first: Date, last: Date) -> Months {
        Span::new("to", first, last).unwrap().months()
    }

    #[test]
    fn whole_months_count_one_each_whatever_their_length() {
        assert_eq!(months(date(2026, 1, 1), date(2026, 3, 31)), Months::whole(3));
        assert_eq!(months(date(2026, 2, 1), date(2026, 2, 28)), Months::whole(1));
        assert_eq!(months(date(2028, 2, 1), date(2028, 2, 29)), Months::whole(1));
        assert_eq!(months(date(2026, 1, 1), date(2026, 12, 31)), Months::whole(12));
    }

    #[test]
    fn a_partial_month_counts_its_days_over_the_month_s_days() {
        // 17 to 31 January: 15/31 of a month.
        assert_eq!(months(date(2026, 1, 17), date(2026, 1, 31)).parts(), 15 * MONTH_PARTS / 31);
        // 15 February to 31 March 2026: 14/28 + 1.
        assert_eq!(months(date(2026, 2, 15), date(2026, 3, 31)).parts(), MONTH_PARTS / 2 + MONTH_PARTS);
        // One day of a 30-day month.
        assert_eq!(months(date(2026, 4, 30), date(2026, 4, 30)).parts(), MONTH_PARTS / 30);
        // 16 January to 15 February: 16/31 + 15/28, not "one month".
        assert_eq!(
            months(date(2026, 1, 16), date(2026, 2, 15)).parts(),
            16 * (MONTH_PARTS / 31) + 15 * (MONTH_PARTS / 28)
        );
    }

    #[test]
    fn spans_and_months() {
        let e = Span::new("to", date(2026, 3, 31), date(2026, 1, 1)).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("to", "period_order"));
        let q = Span::months_from(Month::new(2026, 11), 3);
        assert_eq!((q.first, q.last), (date(2026, 11, 1), date(2027, 1, 31)));
        assert_eq!(q.from_day(date(2026, 12, 10)).unwrap().first, date(2026, 12, 10));
        assert_eq!(q.from_day(date(2026, 10, 10)).unwrap().first, date(2026, 11, 1));
        assert_eq!(q.from_day(date(2027, 2, 1)), None);
        assert_eq!(Month::parse("period", "2026-01").unwrap(), Month::new(2026, 1));
        assert_eq!(Month::new(2026, 1).to_string(), "2026-01");
        for bad in ["2026-1", "2026-13", "202601", "2026-01-01"] {
            assert_eq!(Month::parse("period", bad).unwrap_err().rule.code, "month_format", "{bad}");
        }
        assert_eq!(Month::new(2026, 1).plus(-1), Month::new(2025, 12));
        assert_eq!(Month::of(date(2026, 2, 17)).last_day(), date(2026, 2, 28));
    }

    proptest! {
        #[test]
        fn months_add_up_over_adjacent_spans(start in 0i64..3000, a in 0i64..400, b in 1i64..400) {
            let first = date(2024, 1, 1).checked_add(start.days()).unwrap();
            let mid = first.checked_add(a.days()).unwrap();
            let last = mid.checked_add(b.days()).unwrap();
            let whole = months(first, last).parts();
            let split = months(first, mid).parts() + months(mid.tomorrow().unwrap(), last).parts();
            prop_assert_eq!(whole, split);
            // Never more than the calendar months it touches, never less than the whole ones.
            prop_assert!(whole <= (i64::from(Month::of(last).year() - Month::of(first).year()) * 12 + 13) * MONTH_PARTS);
        }
    }
}
