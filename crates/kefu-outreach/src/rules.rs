//! The rules of the daily run, as plain functions over plain data: which
//! steps of a playbook fall on a day, which channel a step may use for a
//! customer, when a cadence stops, and how touches due the same day merge.

use crate::playbook::{Channel, Playbook, Step, StopWhen};
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_care::preferences::{self, Preferences};
use std::collections::HashMap;

/// The steps of `p` whose day, counted from `anchor`, is `today`.
pub fn steps_due(p: &Playbook, anchor: Date, today: Date) -> Vec<usize> {
    p.steps
        .iter()
        .enumerate()
        .filter(|(_, s)| anchor.checked_add(s.offset_days.days()).ok() == Some(today))
        .map(|(i, _)| i)
        .collect()
}

/// The anchor dates whose step falls on `today`: one per distinct offset.
pub fn anchors_for(p: &Playbook, today: Date) -> Vec<(i64, Date)> {
    let mut offsets: Vec<i64> = p.steps.iter().map(|s| s.offset_days).collect();
    offsets.dedup();
    offsets.into_iter().filter_map(|o| today.checked_sub(o.days()).ok().map(|a| (o, a))).collect()
}

/// The first day of a subject's cadence: the day its first step was due.
pub fn cadence_start(p: &Playbook, anchor: Date) -> Date {
    let first = p.steps.first().map_or(0, |s| s.offset_days);
    anchor.checked_add(first.days()).unwrap_or(anchor)
}

/// How a customer can be reached at all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reachable {
    pub mobile: bool,
    pub email: bool,
    pub address: bool,
}

/// Whether the customer accepts the channel and can be reached on it.
pub fn accepts(prefs: &Preferences, reach: Reachable, channel: Channel) -> bool {
    let (pref, has) = match channel {
        Channel::Letter => (preferences::Channel::Letter, reach.address),
        Channel::Sms => (preferences::Channel::Sms, reach.mobile),
        Channel::Email => (preferences::Channel::Email, reach.email),
        Channel::Call => (preferences::Channel::Phone, reach.mobile),
    };
    has && prefs.allows(pref)
}

/// The channel a step goes out on for this customer: its own when accepted,
/// else the first accepted fallback; None when the customer accepts none.
pub fn choose_channel(step: &Step, prefs: &Preferences, reach: Reachable) -> Option<Channel> {
    std::iter::once(step.channel).chain(step.fallback.iter().copied()).find(|c| accepts(prefs, reach, *c))
}

/// What is known about a subject when its step falls due.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The customer's latest workshop visit.
    pub last_visit: Option<Date>,
    /// A call of this cadence booked an appointment.
    pub booked: bool,
    /// The day the latest standing appointment was booked, however it was
    /// made (desk, phone, a call of another cadence).
    pub last_booking: Option<Date>,
}

/// Whether (and why) the cadence has ended for the subject.
pub fn stopped(p: &Playbook, anchor: Date, facts: &Facts) -> Option<StopWhen> {
    let start = cadence_start(p, anchor);
    p.stop_when.iter().copied().find(|w| match w {
        StopWhen::Came => facts.last_visit.is_some_and(|v| v >= start),
        StopWhen::Booked => facts.booked || facts.last_booking.is_some_and(|b| b >= start),
        // Decided per step by the channel choice.
        StopWhen::OptedOut => false,
    })
}

/// A touch the run is about to create.
#[derive(Debug, Clone, PartialEq)]
pub struct Touch {
    pub customer: i64,
    pub channel: Channel,
    pub priority: i64,
    /// Position in the run's list, to find the touch again.
    pub index: usize,
}

/// The per-customer daily cap: of the touches due to one customer on one
/// channel the same day, one goes out (the highest priority) and carries the
/// others. Returns, for every touch, the index of the touch it merges into
/// (its own when it goes out).
pub fn merge_same_day(touches: &[Touch]) -> Vec<usize> {
    // Grouped in one pass: a day's run makes tens of thousands of touches,
    // and comparing each with every other took seconds.
    let mut best: HashMap<(i64, Channel), usize> = HashMap::new();
    for (i, t) in touches.iter().enumerate() {
        let rank = |o: &Touch| (o.priority, std::cmp::Reverse(o.index));
        best.entry((t.customer, t.channel))
            .and_modify(|b| {
                if rank(t) > rank(&touches[*b]) {
                    *b = i;
                }
            })
            .or_insert(i);
    }
    touches.iter().map(|t| best[&(t.customer, t.channel)]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::parse;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn book() -> Playbook {
        parse(
            r#"
[[playbook]]
code = "routine"
name = "保养招揽"
anchor = "service_due"
stop_when = ["came", "booked"]
[[playbook.step]]
offset_days = -14
channel = "letter"
template = "x"
[[playbook.step]]
offset_days = -7
channel = "sms"
template = "x"
[[playbook.step]]
offset_days = -3
channel = "call"
fallback = ["sms", "letter"]
template = "x"
"#,
        )
        .unwrap()
        .remove(0)
    }

    #[test]
    fn each_step_falls_on_its_day() {
        let p = book();
        let due = d("2026-03-01");
        let days: Vec<(Date, Vec<usize>)> = (0..20)
            .map(|i| d("2026-02-10") + i.days())
            .map(|day| (day, steps_due(&p, due, day)))
            .filter(|(_, s)| !s.is_empty())
            .collect();
        assert_eq!(days, vec![(d("2026-02-15"), vec![0]), (d("2026-02-22"), vec![1]), (d("2026-02-26"), vec![2])]);
        assert_eq!(
            anchors_for(&p, d("2026-02-26")),
            vec![(-14, d("2026-03-12")), (-7, d("2026-03-05")), (-3, d("2026-03-01"))]
        );
    }

    #[test]
    fn leap_days_and_month_ends() {
        let p = book();
        // Due on 29 February of a leap year: the call is three days before.
        assert_eq!(steps_due(&p, d("2028-02-29"), d("2028-02-26")), vec![2]);
        // Due on 1 March: the letter goes on 16 February, the SMS on 23.
        assert_eq!(steps_due(&p, d("2027-03-01"), d("2027-02-15")), vec![0]);
        assert_eq!(steps_due(&p, d("2027-03-01"), d("2027-02-22")), vec![1]);
        // Across the year end.
        assert_eq!(steps_due(&p, d("2027-01-05"), d("2026-12-22")), vec![0]);
    }

    #[test]
    fn no_phone_calls_moves_the_call_to_sms_or_a_letter() {
        let step = &book().steps[2];
        let reach = Reachable { mobile: true, email: false, address: true };
        let mut prefs = Preferences::default();
        assert_eq!(choose_channel(step, &prefs, reach), Some(Channel::Call));
        prefs.do_not_call = true;
        assert_eq!(choose_channel(step, &prefs, reach), Some(Channel::Sms));
        prefs.allow_sms = false;
        assert_eq!(choose_channel(step, &prefs, reach), Some(Channel::Letter));
        prefs.allow_letter = false;
        assert_eq!(choose_channel(step, &prefs, reach), None);
        // No number on file: the call cannot be made either.
        let no_mobile = Reachable { mobile: false, email: false, address: true };
        assert_eq!(choose_channel(step, &Preferences::default(), no_mobile), Some(Channel::Letter));
    }

    #[test]
    fn a_visit_or_a_booking_ends_the_cadence() {
        let p = book();
        let due = d("2026-03-01");
        assert_eq!(stopped(&p, due, &Facts::default()), None);
        let before = Facts { last_visit: Some(d("2026-02-10")), ..Facts::default() };
        assert_eq!(stopped(&p, due, &before), None, "a visit before the cadence began does not count");
        let came = Facts { last_visit: Some(d("2026-02-20")), ..Facts::default() };
        assert_eq!(stopped(&p, due, &came), Some(StopWhen::Came));
        assert_eq!(stopped(&p, due, &Facts { booked: true, ..Facts::default() }), Some(StopWhen::Booked));
        let old_booking = Facts { last_booking: Some(d("2026-02-10")), ..Facts::default() };
        assert_eq!(stopped(&p, due, &old_booking), None, "a booking before the cadence began does not count");
        let booked = Facts { last_booking: Some(d("2026-02-20")), ..Facts::default() };
        assert_eq!(stopped(&p, due, &booked), Some(StopWhen::Booked));
    }

    #[test]
    fn touches_of_one_day_merge_per_customer_and_channel() {
        let t = |customer, channel, priority, index| Touch { customer, channel, priority, index };
        let touches =
            [t(1, Channel::Call, 3, 0), t(1, Channel::Call, 8, 1), t(1, Channel::Sms, 3, 2), t(2, Channel::Call, 3, 3)];
        assert_eq!(merge_same_day(&touches), vec![1, 1, 2, 3]);
    }
}
