//! What falls due for a customer soon, for the 360° page's list of dates:
//! the core's birthday here, the packs' dates (a service, an insurance
//! renewal) from their own rules.

use jiff::ToSpan;
use jiff::civil::Date;

/// One date to mind.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Due {
    pub date: Date,
    /// The interface text key of what falls due ("due_birthday").
    pub what: &'static str,
    /// What it is about, as staff know it (a plate), or empty.
    pub subject: String,
    pub overdue: bool,
}

/// How far ahead a birthday is shown: time to send wishes and a gift.
pub const BIRTHDAY_AHEAD_DAYS: i32 = 30;

/// The customer's next birthday, when it falls within
/// [`BIRTHDAY_AHEAD_DAYS`] of `today` (today included).
pub fn birthday(today: Date, birthday: Option<Date>) -> Option<Due> {
    let b = birthday?;
    let this_year = Date::new(today.year(), b.month(), b.day()).unwrap_or(b);
    let next = if this_year < today { this_year + 1.year() } else { this_year };
    (next <= today + BIRTHDAY_AHEAD_DAYS.days()).then(|| Due {
        date: next,
        what: "due_birthday",
        subject: String::new(),
        overdue: false,
    })
}

/// The dates in order, soonest first.
pub fn in_order(mut due: Vec<Due>) -> Vec<Due> {
    due.sort_by_key(|d| d.date);
    due
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn a_birthday_is_due_within_thirty_days() {
        let today = d("2026-12-04");
        assert_eq!(birthday(today, Some(d("1980-12-04"))).unwrap().date, d("2026-12-04"));
        assert_eq!(birthday(today, Some(d("1980-01-03"))).unwrap().date, d("2027-01-03"));
        assert_eq!(birthday(today, Some(d("1980-01-04"))), None);
        assert_eq!(birthday(today, Some(d("1980-12-03"))), None, "yesterday's is a year away");
        assert_eq!(birthday(today, None), None);
    }
}
