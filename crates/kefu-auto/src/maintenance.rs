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

/// The kinds of visit after which the next service is a routine one.
pub const SERVICE_KINDS: [&str; 2] = ["first_maintenance", "maintenance"];

/// What a vehicle's row keeps current about its service, so that the daily
/// outreach run reads dates instead of working them out for every vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceDates {
    /// "first" until the vehicle came for a service, "routine" after.
    pub next_kind: Option<&'static str>,
    pub next_due: Option<Date>,
    pub last_visit: Option<Date>,
}

/// The service dates of a vehicle from its purchase, its visits (day and
/// kind, in any order) and its mileage readings in date order.
pub fn service_dates<'a>(
    purchase: Option<Date>,
    visits: impl IntoIterator<Item = (Date, &'a str)>,
    readings: &[(Date, i64)],
) -> ServiceDates {
    let (mut last_service, mut last_visit) = (None, None);
    for (day, kind) in visits {
        last_visit = last_visit.max(Some(day));
        if SERVICE_KINDS.contains(&kind) {
            last_service = last_service.max(Some(day));
        }
    }
    let next_due = next_due(purchase, last_service, readings);
    ServiceDates {
        next_kind: next_due.map(|_| if last_service.is_some() { "routine" } else { "first" }),
        next_due,
        last_visit,
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

    #[test]
    fn a_repair_is_a_visit_but_not_a_service() {
        let visits = [(d("2026-03-01"), "maintenance"), (d("2026-09-15"), "repair")];
        let dates = service_dates(Some(d("2025-11-01")), visits, &[]);
        assert_eq!(dates.next_kind, Some("routine"));
        assert_eq!(dates.next_due, Some(d("2026-09-01")), "six months after the service, not the repair");
        assert_eq!(dates.last_visit, Some(d("2026-09-15")));
        let never = service_dates(Some(d("2026-11-01")), [(d("2026-11-20"), "accident")], &[]);
        assert_eq!((never.next_kind, never.next_due), (Some("first"), Some(d("2027-02-01"))));
    }
}
