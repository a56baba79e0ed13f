//! When a vehicle's next maintenance falls due: the interval in months or
//! kilometres, whichever comes first, measured with the vehicle's own average
//! daily mileage from its readings. The first maintenance counts from the
//! purchase date.

use jiff::ToSpan;
use jiff::civil::Date;

/// A maintenance interval (configurable per brand and model later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub months: i32,
    pub km: i64,
}

/// The usual first service: 3 months or 5,000 km.
pub const FIRST: Interval = Interval { months: 3, km: 5_000 };
/// The usual routine service: 6 months or 10,000 km.
pub const ROUTINE: Interval = Interval { months: 6, km: 10_000 };

/// Average kilometres a day between the first and the last reading; None
/// when the readings span less than a week (too short to say).
pub fn daily_km(readings: &[(Date, i64)]) -> Option<f64> {
    let (first, last) = (readings.first()?, readings.last()?);
    let days = last.0.since(first.0).ok()?.get_days();
    if days < 7 || last.1 <= first.1 {
        return None;
    }
    Some((last.1 - first.1) as f64 / f64::from(days))
}

/// The day the next service is due, from `since` (the purchase for the
/// first service, the last service otherwise).
pub fn due(since: Date, interval: Interval, daily_km: Option<f64>) -> Date {
    let by_time = since + interval.months.months();
    match daily_km {
        Some(rate) if rate > 0.0 => {
            let by_distance = since + ((interval.km as f64 / rate).floor() as i64).days();
            by_time.min(by_distance)
        }
        _ => by_time,
    }
}

/// The next service of a vehicle: the first one if it never came for one,
/// the routine one after its last service otherwise.
pub fn next_due(purchase: Option<Date>, last_service: Option<Date>, readings: &[(Date, i64)]) -> Option<Date> {
    let rate = daily_km(readings);
    match (last_service, purchase) {
        (Some(last), _) => Some(due(last, ROUTINE, rate)),
        (None, Some(bought)) => Some(due(bought, FIRST, rate)),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn time_decides_for_a_quiet_car() {
        let readings = [(d("2026-01-01"), 1_000), (d("2026-07-01"), 4_620)]; // about 20 km a day
        assert_eq!(next_due(Some(d("2025-12-01")), Some(d("2026-07-01")), &readings), Some(d("2027-01-01")));
    }

    #[test]
    fn distance_decides_for_a_busy_car() {
        let readings = [(d("2026-01-01"), 0), (d("2026-01-11"), 1_000)]; // 100 km a day
        assert_eq!(next_due(None, Some(d("2026-01-11")), &readings), Some(d("2026-04-21")));
    }

    #[test]
    fn the_first_service_counts_from_the_purchase() {
        assert_eq!(next_due(Some(d("2026-11-01")), None, &[]), Some(d("2027-02-01")));
        assert_eq!(next_due(None, None, &[]), None);
    }
}
