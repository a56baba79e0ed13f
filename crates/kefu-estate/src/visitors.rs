//! Visitors (访客) at the front desk, kept to the minimum PIPL's
//! minimum-necessary rule allows (issue 21 §2; estate.md, "Personal data"):
//! the name, a mobile, the house visited, the times in and out and a
//! vehicle plate — no face data, no ID photo, no ID number — and deleted
//! after a retention period the administrator sets (90 days by default) by
//! the hourly job, which audits each deletion.

use jiff::{SignedDuration, Timestamp};
use kefu_core::ident::{Mobile, Plate};
use kefu_core::{Invalid, Rule, required_text};

use crate::houses::HouseNo;

/// A visitor's registration: all a record holds about the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visitor {
    pub name: String,
    pub mobile: Mobile,
    pub house: HouseNo,
    pub plate: Option<Plate>,
}

impl Visitor {
    /// Checks what the desk typed: a visitor without a house is refused —
    /// a visit is always to a house, whose host confirms it.
    pub fn new(name: &str, mobile: &str, house: &str, plate: &str) -> Result<Visitor, Invalid> {
        Ok(Visitor {
            name: required_text("name", name, 50)?,
            mobile: Mobile::parse("mobile", mobile)?,
            house: HouseNo::parse("house", house)?,
            plate: match plate.trim() {
                "" => None,
                text => Some(Plate::parse("plate", text)?),
            },
        })
    }
}

/// How long visitor records are kept, in days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention(i64);

impl Default for Retention {
    fn default() -> Retention {
        Retention(90)
    }
}

impl Retention {
    /// 1 to 365 days: a visitor register is kept briefly.
    pub fn days(field: &str, days: i64) -> Result<Retention, Invalid> {
        if !(1..=365).contains(&days) {
            return Err(Invalid::new(
                field,
                Rule::new(
                    "retention_range",
                    "访客记录保存天数应为 1 到 365",
                    "visitor records are kept from 1 to 365 days",
                ),
            ));
        }
        Ok(Retention(days))
    }

    pub fn in_days(self) -> i64 {
        self.0
    }

    /// Whether a record whose visit ended at `ended` (the time out, or the
    /// time in where nobody signed the visitor out) is past retention at
    /// `now`: `ended` + the days ≤ `now`.
    pub fn expired(self, ended: Timestamp, now: Timestamp) -> bool {
        ended.checked_add(SignedDuration::from_hours(self.0 * 24)).is_ok_and(|until| until <= now)
    }
}

/// A stored visit as the purge sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visit<K> {
    pub key: K,
    pub arrived: Timestamp,
    pub left: Option<Timestamp>,
}

/// The visits to delete at `now`.
pub fn past_retention<K: Copy>(visits: &[Visit<K>], retention: Retention, now: Timestamp) -> Vec<K> {
    visits
        .iter()
        .filter(|v| retention.expired(v.left.unwrap_or(v.arrived).max(v.arrived), now))
        .map(|v| v.key)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_visitor_is_the_minimum_and_always_to_a_house() {
        let v = Visitor::new(" 王芳 ", "13812345678", "3栋2单元1502", "").unwrap();
        assert_eq!((v.name.as_str(), v.house.to_string(), v.plate), ("王芳", "3-2-1502".to_owned(), None));
        let e = Visitor::new("王芳", "13812345678", " ", "").unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("house", "required"));
        assert_eq!(Visitor::new("王芳", "123", "3-2-1502", "").unwrap_err().field, "mobile");
        assert_eq!(Visitor::new("", "13812345678", "3-2-1502", "").unwrap_err().field, "name");
        assert_eq!(Visitor::new("王芳", "13812345678", "3-2-1502", "XYZ").unwrap_err().field, "plate");
    }

    #[test]
    fn records_go_when_their_retention_is_over() {
        let now = at("2026-12-04T02:00:00Z");
        let visits = [
            Visit { key: 1, arrived: at("2026-09-05T01:00:00Z"), left: Some(at("2026-09-05T02:00:00Z")) }, // exactly 90 days
            Visit { key: 2, arrived: at("2026-09-05T01:00:00Z"), left: Some(at("2026-09-05T02:00:01Z")) }, // a second short
            Visit { key: 3, arrived: at("2026-09-01T01:00:00Z"), left: None }, // never signed out
            Visit { key: 4, arrived: at("2026-12-01T01:00:00Z"), left: None },
        ];
        assert_eq!(past_retention(&visits, Retention::default(), now), [1, 3]);
        assert_eq!(past_retention(&visits, Retention::days("retention_days", 3).unwrap(), now), [1, 2, 3, 4]);
        for bad in [0, 366] {
            assert_eq!(Retention::days("retention_days", bad).unwrap_err().rule.code, "retention_range");
        }
    }
}
