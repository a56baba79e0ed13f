//! Metering assets' periodic work and where a meter may go (issue 19 §3;
//! /work/shared/domain/power.md, "Metering"):
//!
//! - field tests (现场检验) of high-voltage metering points by class, DL/T
//!   448: class I every 3 months, II every 6, III every 12;
//! - rotation (轮换) by kind, counted from the meter's last verification
//!   (检定): the defaults, single-phase electronic 8 years and
//!   three-phase 6; single-phase mechanical 10 (JJG 307-2006 allows 10 or 15
//!   by bearing type: the shorter is the default). All are settings;
//! - the centre's standard meters and test instruments are verified every
//!   12 months, and the share in date is the tracked figure (the seed asks
//!   for 100 %: 标准电能表、互感器及试验仪器……合格率要求达100%);
//! - a meter that failed verification cannot be installed (对不合格的计量器
//!   具一律不准使用), and one is installed at one account at a time.

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::{Invalid, Rule};

use crate::indicators::Rate;

/// The class of a metering point (计量装置类别) under DL/T 448; classes IV
/// and V (low voltage) have no scheduled field test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PointClass {
    I,
    II,
    III,
}

/// What kind of meter, for its rotation period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MeterKind {
    SinglePhaseElectronic,
    ThreePhaseElectronic,
    SinglePhaseMechanical,
    ThreePhaseMechanical,
}

/// The periods of the periodic work, in months; [`Default`] as above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodicRules {
    pub field_test_months: [i32; 3],
    pub rotation_months: [i32; 4],
    pub instrument_verification_months: i32,
}

impl Default for PeriodicRules {
    fn default() -> PeriodicRules {
        PeriodicRules {
            field_test_months: [3, 6, 12],
            rotation_months: [8 * 12, 6 * 12, 10 * 12, 6 * 12],
            instrument_verification_months: 12,
        }
    }
}

impl PeriodicRules {
    /// The day the next field test of a class-`class` point is due.
    pub fn next_field_test(&self, last_test: Date, class: PointClass) -> Date {
        let months = self.field_test_months[match class {
            PointClass::I => 0,
            PointClass::II => 1,
            PointClass::III => 2,
        }];
        add_months(last_test, months)
    }

    /// The day a meter of `kind` verified on `verified` is due for rotation.
    pub fn rotation_due(&self, verified: Date, kind: MeterKind) -> Date {
        let months = self.rotation_months[match kind {
            MeterKind::SinglePhaseElectronic => 0,
            MeterKind::ThreePhaseElectronic => 1,
            MeterKind::SinglePhaseMechanical => 2,
            MeterKind::ThreePhaseMechanical => 3,
        }];
        add_months(verified, months)
    }

    /// The last day an instrument verified on `verified` is in date.
    pub fn instrument_valid_until(&self, verified: Date) -> Date {
        add_months(verified, self.instrument_verification_months)
            .yesterday()
            .expect("a verification date is after the minimum date")
    }
}

fn add_months(day: Date, months: i32) -> Date {
    // jiff clamps 31 August + 6 months to 28/29 February, as a schedule should.
    day.checked_add(months.months()).expect("a schedule within the calendar")
}

/// The share of instruments in date on `today`, from each one's last
/// verification; `None` without instruments.
pub fn instruments_in_date(verified: &[Date], today: Date, rules: &PeriodicRules) -> Option<Rate> {
    let in_date = verified.iter().filter(|v| rules.instrument_valid_until(**v) >= today).count();
    Rate::new(i64::try_from(in_date).ok()?, i64::try_from(verified.len()).ok()?)
}

/// Which items of the archive fall due by the end of a month's plan — those
/// due in the month and those overdue — in the order given.
pub fn due_by<K: Clone>(items: &[(K, Date)], last_day_of_month: Date) -> Vec<K> {
    items.iter().filter(|(_, due)| *due <= last_day_of_month).map(|(k, _)| k.clone()).collect()
}

/// Where a meter is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeterState {
    InStock,
    Installed,
    Removed,
    Scrapped,
}

/// A verification's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verification {
    Passed,
    Failed,
}

/// Whether a meter may be installed: in stock, and its last verification
/// passed. Refused by field and rule otherwise.
pub fn check_installable(
    field: &str,
    state: MeterState,
    last_verification: Option<Verification>,
) -> Result<(), Invalid> {
    match (state, last_verification) {
        (MeterState::InStock, Some(Verification::Passed)) => Ok(()),
        (MeterState::InStock, Some(Verification::Failed)) => Err(Invalid::new(
            field,
            Rule::new(
                "meter_failed_verification",
                "该表检定不合格，不准安装使用",
                "the meter failed verification and cannot be installed",
            ),
        )),
        (MeterState::InStock, None) => Err(Invalid::new(
            field,
            Rule::new(
                "meter_not_verified",
                "该表尚未检定，不能安装",
                "the meter has not been verified and cannot be installed",
            ),
        )),
        (MeterState::Installed, _) => Err(Invalid::new(
            field,
            Rule::new(
                "meter_installed_elsewhere",
                "该表已安装在其他用户处",
                "the meter is already installed at an account",
            ),
        )),
        (MeterState::Removed | MeterState::Scrapped, _) => Err(Invalid::new(
            field,
            Rule::new(
                "meter_not_in_stock",
                "该表不在库中（已拆回的表须重新检定入库）",
                "the meter is not in stock (a removed meter is verified again before it returns to stock)",
            ),
        )),
    }
}

/// The moves a meter makes: in stock → installed → removed → back in stock
/// (after a new verification) or scrapped; a meter in stock may be scrapped.
pub fn can_move(from: MeterState, to: MeterState) -> bool {
    use MeterState::*;
    matches!(
        (from, to),
        (InStock, Installed) | (Installed, Removed) | (Removed, InStock) | (Removed, Scrapped) | (InStock, Scrapped)
    )
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn field_tests_follow_the_point_class() {
        let r = PeriodicRules::default();
        let last = date(2026, 1, 15);
        assert_eq!(r.next_field_test(last, PointClass::I), date(2026, 4, 15));
        assert_eq!(r.next_field_test(last, PointClass::II), date(2026, 7, 15));
        assert_eq!(r.next_field_test(last, PointClass::III), date(2027, 1, 15));
        // The end of a long month falls on the end of a short one.
        assert_eq!(r.next_field_test(date(2026, 8, 31), PointClass::II), date(2027, 2, 28));
    }

    #[test]
    fn rotation_by_kind_from_the_last_verification() {
        let r = PeriodicRules::default();
        let v = date(2018, 6, 1);
        assert_eq!(r.rotation_due(v, MeterKind::SinglePhaseElectronic), date(2026, 6, 1));
        assert_eq!(r.rotation_due(v, MeterKind::ThreePhaseElectronic), date(2024, 6, 1));
        assert_eq!(r.rotation_due(v, MeterKind::SinglePhaseMechanical), date(2028, 6, 1));
        let edited = PeriodicRules { rotation_months: [10 * 12, 6 * 12, 10 * 12, 6 * 12], ..r };
        assert_eq!(edited.rotation_due(v, MeterKind::SinglePhaseElectronic), date(2028, 6, 1));
    }

    #[test]
    fn a_months_plan_takes_what_is_due_and_overdue() {
        let items =
            [("a", date(2026, 11, 3)), ("b", date(2026, 12, 1)), ("c", date(2025, 2, 1)), ("d", date(2026, 11, 30))];
        assert_eq!(due_by(&items, date(2026, 11, 30)), ["a", "c", "d"]);
    }

    #[test]
    fn instruments_in_date_is_the_tracked_share() {
        let r = PeriodicRules::default();
        // Verified 2025-12-01: in date to 2026-11-30.
        assert_eq!(r.instrument_valid_until(date(2025, 12, 1)), date(2026, 11, 30));
        let verified = [date(2025, 12, 1), date(2026, 3, 1), date(2025, 11, 30), date(2026, 9, 9)];
        let share = instruments_in_date(&verified, date(2026, 11, 30), &r).unwrap();
        assert_eq!(share.to_string(), "75.00%");
        assert_eq!(instruments_in_date(&verified[..2], date(2026, 11, 30), &r).unwrap().to_string(), "100.00%");
        assert_eq!(instruments_in_date(&[], date(2026, 11, 30), &r), None);
    }

    #[test]
    fn only_a_verified_meter_in_stock_is_installed() {
        assert!(check_installable("meter", MeterState::InStock, Some(Verification::Passed)).is_ok());
        let code = |s, v| check_installable("meter", s, v).unwrap_err().rule.code;
        assert_eq!(code(MeterState::InStock, Some(Verification::Failed)), "meter_failed_verification");
        assert_eq!(code(MeterState::InStock, None), "meter_not_verified");
        assert_eq!(code(MeterState::Installed, Some(Verification::Passed)), "meter_installed_elsewhere");
        assert_eq!(code(MeterState::Scrapped, Some(Verification::Passed)), "meter_not_in_stock");
    }

    #[test]
    fn a_meter_moves_one_way_round() {
        use MeterState::*;
        assert!(can_move(InStock, Installed) && can_move(Installed, Removed) && can_move(Removed, InStock));
        assert!(can_move(Removed, Scrapped) && can_move(InStock, Scrapped));
        assert!(!can_move(Installed, Installed) && !can_move(Installed, InStock) && !can_move(Scrapped, InStock));
        assert!(!can_move(Installed, Scrapped));
    }
}
