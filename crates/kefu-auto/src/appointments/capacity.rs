//! The workshop's capacity as plain rules: how many jobs may start in one
//! hour slot (the bays), how many technician minutes a day holds, how long
//! each kind of job takes, which hours are bookable, and how loaded a day
//! is. Appointments spread the load so that no slot and no day is overbooked.

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::{Invalid, Rule};
use serde::Serialize;

/// A store's workshop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capacity {
    /// Jobs that may start in one hour slot (lifts and reception bays).
    pub bays: i64,
    /// Technician time a day holds, in minutes (five technicians × 8 h).
    pub technician_minutes: i64,
    /// The first bookable hour and the hour the workshop closes.
    pub open_hour: i64,
    pub close_hour: i64,
}

impl Default for Capacity {
    fn default() -> Capacity {
        Capacity { bays: 4, technician_minutes: 5 * 8 * 60, open_hour: 8, close_hour: 17 }
    }
}

fn out_of_range(field: &str, zh: &str, en: &str) -> Invalid {
    Invalid::new(field, Rule::new("out_of_range", zh, en))
}

impl Capacity {
    pub fn validate(&self) -> Result<(), Invalid> {
        if !(1..=50).contains(&self.bays) {
            return Err(out_of_range("bays", "工位数须在 1 到 50 之间", "must be between 1 and 50"));
        }
        if !(60..=200 * 60).contains(&self.technician_minutes) {
            return Err(out_of_range(
                "technician_hours",
                "技师工时须在 1 到 200 小时之间",
                "must be between 1 and 200 hours",
            ));
        }
        if !(0..24).contains(&self.open_hour)
            || !(1..=24).contains(&self.close_hour)
            || self.open_hour >= self.close_hour
        {
            return Err(out_of_range(
                "close_hour",
                "营业时间须在 0–24 点之间且开始早于结束",
                "opening hours must fall within 0–24 and start before they end",
            ));
        }
        Ok(())
    }

    /// The hours a job may start in.
    pub fn hours(&self) -> std::ops::Range<i64> {
        self.open_hour..self.close_hour
    }

    /// Whether a booking fits the hour slot and the day.
    pub fn admits(&self, slot_booked: i64, day_minutes: i64, job_minutes: i64) -> Result<(), Rule> {
        if slot_booked >= self.bays {
            return Err(slot_full());
        }
        if day_minutes + job_minutes > self.technician_minutes {
            return Err(day_full());
        }
        Ok(())
    }
}

pub fn slot_full() -> Rule {
    Rule::new("slot_full", "该时段工位已约满，请选择其他时段", "every bay in this hour is booked; choose another hour")
}

pub fn day_full() -> Rule {
    Rule::new(
        "day_full",
        "当天技师工时已约满，请选择其他日期",
        "the technicians' day is fully booked; choose another day",
    )
}

/// How long a kind of job takes the workshop, in technician minutes.
pub fn job_minutes(job: &str) -> Option<i64> {
    match job {
        "first_maintenance" | "maintenance" => Some(60),
        "repair" | "warranty" => Some(120),
        "accident" => Some(240),
        _ => None,
    }
}

/// A day's load as the calendar shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Load {
    pub booked_minutes: i64,
    pub capacity_minutes: i64,
    /// Whole percent, rounded down.
    pub percent: i64,
    /// "free" (none), "light" (< 50%), "busy" (< 90%) or "full".
    pub level: &'static str,
}

pub fn load(booked_minutes: i64, capacity: &Capacity) -> Load {
    let percent = booked_minutes * 100 / capacity.technician_minutes.max(1);
    let level = match percent {
        _ if booked_minutes == 0 => "free",
        p if p < 50 => "light",
        p if p < 90 => "busy",
        _ => "full",
    };
    Load { booked_minutes, capacity_minutes: capacity.technician_minutes, percent, level }
}

/// What a day still offers new bookings: the technician minutes left and
/// the free bays of each bookable hour, shown before a booking is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FreeDay {
    pub day: Date,
    pub minutes: i64,
    pub hours: Vec<FreeSlot>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FreeSlot {
    pub hour: i64,
    pub bays: i64,
}

/// The free capacity of `days` from what is booked: minutes per day, bays
/// per (day, hour). Nothing is ever less than none.
pub fn free_days(
    cap: &Capacity,
    days: &[Date],
    booked_minutes: &std::collections::HashMap<Date, i64>,
    booked_bays: &std::collections::HashMap<(Date, i64), i64>,
) -> Vec<FreeDay> {
    days.iter()
        .map(|&day| FreeDay {
            day,
            minutes: (cap.technician_minutes - booked_minutes.get(&day).copied().unwrap_or(0)).max(0),
            hours: cap
                .hours()
                .map(|hour| FreeSlot {
                    hour,
                    bays: (cap.bays - booked_bays.get(&(day, hour)).copied().unwrap_or(0)).max(0),
                })
                .collect(),
        })
        .collect()
}

/// The days of the month `day` falls in.
pub fn month_days(day: Date) -> Vec<Date> {
    let first = day.first_of_month();
    (0..i32::from(first.days_in_month())).map(|n| first + n.days()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_takes_as_many_jobs_as_there_are_bays_and_a_day_its_technician_time() {
        let cap = Capacity { bays: 2, technician_minutes: 300, open_hour: 8, close_hour: 17 };
        assert_eq!(cap.admits(0, 0, 60), Ok(()));
        assert_eq!(cap.admits(1, 60, 60), Ok(()));
        assert_eq!(cap.admits(2, 120, 60).unwrap_err().code, "slot_full");
        assert_eq!(cap.admits(0, 240, 60), Ok(()), "exactly full is still admitted");
        assert_eq!(cap.admits(0, 241, 60).unwrap_err().code, "day_full");
        assert_eq!(cap.hours().collect::<Vec<_>>(), (8..17).collect::<Vec<_>>());
    }

    #[test]
    fn jobs_take_the_standard_time() {
        assert_eq!(job_minutes("maintenance"), Some(60));
        assert_eq!(job_minutes("repair"), Some(120));
        assert_eq!(job_minutes("accident"), Some(240));
        assert_eq!(job_minutes("spa"), None);
    }

    #[test]
    fn capacity_settings_are_checked() {
        assert_eq!(Capacity::default().validate(), Ok(()));
        let bad = |c: Capacity| c.validate().unwrap_err().field;
        assert_eq!(bad(Capacity { bays: 0, ..Capacity::default() }), "bays");
        assert_eq!(bad(Capacity { technician_minutes: 30, ..Capacity::default() }), "technician_hours");
        assert_eq!(bad(Capacity { open_hour: 18, ..Capacity::default() }), "close_hour");
    }

    #[test]
    fn load_levels() {
        let cap = Capacity { technician_minutes: 1000, ..Capacity::default() };
        assert_eq!(load(0, &cap).level, "free");
        assert_eq!(load(499, &cap), Load { booked_minutes: 499, capacity_minutes: 1000, percent: 49, level: "light" });
        assert_eq!(load(500, &cap).level, "busy");
        assert_eq!(load(900, &cap).level, "full");
    }

    #[test]
    fn free_capacity_is_what_the_bookings_leave() {
        let cap = Capacity { bays: 2, technician_minutes: 300, open_hour: 8, close_hour: 10 };
        let (d1, d2): (Date, Date) = ("2026-12-01".parse().unwrap(), "2026-12-02".parse().unwrap());
        let minutes = [(d1, 120), (d2, 400)].into_iter().collect();
        let bays = [((d1, 8), 2), ((d1, 9), 1), ((d2, 9), 3)].into_iter().collect();
        let free = free_days(&cap, &[d1, d2], &minutes, &bays);
        let slot = |hour, bays| FreeSlot { hour, bays };
        assert_eq!(free[0], FreeDay { day: d1, minutes: 180, hours: vec![slot(8, 0), slot(9, 1)] });
        assert_eq!(free[1], FreeDay { day: d2, minutes: 0, hours: vec![slot(8, 2), slot(9, 0)] }, "never below none");
    }

    #[test]
    fn a_month_has_its_days() {
        let feb: Date = "2028-02-10".parse().unwrap();
        let days = month_days(feb);
        assert_eq!(days.len(), 29);
        assert_eq!(days[0].to_string(), "2028-02-01");
        assert_eq!(days[28].to_string(), "2028-02-29");
    }
}
