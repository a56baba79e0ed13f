//! Time: instants are UTC, business dates are civil dates in the configured
//! zone (Asia/Shanghai by default), and "now" comes from a [`Clock`] so tests
//! can set today.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::sync::{Arc, Mutex};

pub const DEFAULT_ZONE: &str = "Asia/Shanghai";

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods, reason = "the one place the real clock is read")]
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock tests set and move by hand.
#[derive(Debug, Clone)]
pub struct TestClock(Arc<Mutex<Timestamp>>);

impl TestClock {
    pub fn at(now: Timestamp) -> TestClock {
        TestClock(Arc::new(Mutex::new(now)))
    }

    pub fn set(&self, now: Timestamp) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The zone business dates are reckoned in.
#[derive(Debug, Clone)]
pub struct BusinessZone(TimeZone);

impl BusinessZone {
    pub fn named(name: &str) -> Result<BusinessZone, jiff::Error> {
        TimeZone::get(name).map(BusinessZone)
    }

    pub fn shanghai() -> BusinessZone {
        BusinessZone::named(DEFAULT_ZONE).expect("the bundled tz database has Asia/Shanghai")
    }

    pub fn time_zone(&self) -> TimeZone {
        self.0.clone()
    }

    /// The business date an instant falls on.
    pub fn date_of(&self, at: Timestamp) -> Date {
        at.to_zoned_datetime(self.0.clone()).date()
    }

    /// The first instant of a business date (local midnight).
    pub fn start_of(&self, date: Date) -> Timestamp {
        date.to_zoned_datetime(self.0.clone())
            .map(|z| z.timestamp())
            .unwrap_or_else(|_| date.to_zoned_datetime(TimeZone::UTC).expect("UTC midnight exists").timestamp())
    }

    /// Local wall-clock text for a `datetime-local` form field, which takes
    /// "2026-11-29T17:00" and shows nothing for any other form.
    pub fn input_value(&self, at: Timestamp) -> String {
        at.to_zoned_datetime(self.0.clone()).strftime("%Y-%m-%dT%H:%M").to_string()
    }

    /// Local wall-clock text for showing an instant to a user.
    pub fn display(&self, at: Timestamp) -> String {
        at.to_zoned_datetime(self.0.clone()).strftime("%Y-%m-%d %H:%M").to_string()
    }
}

/// The storage form of an instant: RFC 3339 in UTC with a fixed microsecond
/// width, so text order is time order in both databases.
pub fn instant_text(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn parse_instant(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shanghai_date_rolls_over_at_local_midnight() {
        let zone = BusinessZone::shanghai();
        let before: Timestamp = "2026-11-29T15:59:59Z".parse().unwrap();
        let after: Timestamp = "2026-11-29T16:00:00Z".parse().unwrap();
        assert_eq!(zone.date_of(before).to_string(), "2026-11-29");
        assert_eq!(zone.date_of(after).to_string(), "2026-11-30");
        assert_eq!(zone.start_of(zone.date_of(after)), after);
    }

    #[test]
    fn instant_text_sorts_as_time_and_round_trips() {
        let a: Timestamp = "2026-01-02T03:04:05.5Z".parse().unwrap();
        let b: Timestamp = "2026-01-02T03:04:05.25Z".parse().unwrap();
        assert!(instant_text(b) < instant_text(a));
        assert_eq!(instant_text(a), "2026-01-02T03:04:05.500000Z");
        assert_eq!(parse_instant(&instant_text(a)), Some(a));
    }
}
