//! When supply may be suspended for arrears (issue 20 §4: a written notice
//! before any suspension, and suspension only after the notice period).
//!
//! - 《电力供应与使用条例》 article 39: supply may be stopped, by the state's
//!   procedure, once the bill is more than 30 days overdue (counted from the
//!   first overdue day) and still unpaid after a reminder;
//! - the written notice goes out ahead: at least 7 days for a household and
//!   3 days for others, as a provincial electricity regulation quoted on
//!   safehoo.com sets them (which province's, and whether the county's own
//!   province agrees, was not checked: both are settings).
//!
//! So the earliest day is the later of the 31st overdue day and the notice
//! day plus the notice period.

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::{Invalid, Rule};

use super::late_charge::Payer;

/// The settings; [`Default`] as above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SuspensionRules {
    /// Supply may be stopped once the arrears are more than this many days overdue.
    pub overdue_days: i32,
    pub notice_days_residential: i32,
    pub notice_days_other: i32,
}

impl Default for SuspensionRules {
    fn default() -> SuspensionRules {
        SuspensionRules { overdue_days: 30, notice_days_residential: 7, notice_days_other: 3 }
    }
}

/// The first day supply may be suspended for a bill due on `due` whose
/// written notice was served on `notice_served`; refused without a notice.
pub fn earliest_suspension(
    payer: Payer,
    due: Date,
    notice_served: Option<Date>,
    rules: &SuspensionRules,
) -> Result<Date, Invalid> {
    let Some(notice) = notice_served else {
        return Err(Invalid::new(
            "notice_served",
            Rule::new(
                "suspension_notice_required",
                "停电前须先送达书面停电通知",
                "a written notice must be served before supply is suspended",
            ),
        ));
    };
    let notice_days = match payer {
        Payer::Residential => rules.notice_days_residential,
        Payer::Other => rules.notice_days_other,
    };
    // Overdue from the day after the due date; "more than N days" is day N + 1.
    let overdue_enough = due + (rules.overdue_days + 1).days();
    Ok(overdue_enough.max(notice + notice_days.days()))
}

/// Refuses a suspension planned before the earliest day, naming that day.
pub fn check_suspension_day(
    planned: Date,
    payer: Payer,
    due: Date,
    notice_served: Option<Date>,
    rules: &SuspensionRules,
) -> Result<(), Invalid> {
    let earliest = earliest_suspension(payer, due, notice_served, rules)?;
    if planned >= earliest {
        return Ok(());
    }
    Err(Invalid::new(
        "planned_on",
        Rule::new(
            "suspension_too_early",
            format!("欠费停电最早只能在 {earliest} 实施（逾期满期限且通知期已过）"),
            format!(
                "supply can be suspended for arrears on {earliest} at the earliest (overdue long enough and the notice period over)"
            ),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    const DUE: Date = date(2026, 11, 25);

    #[test]
    fn more_than_thirty_days_overdue_and_the_notice_period_over() {
        let rules = SuspensionRules::default();
        // Overdue from 26 November; the 31st overdue day is 26 December.
        let early_notice = Some(date(2026, 12, 1));
        assert_eq!(earliest_suspension(Payer::Residential, DUE, early_notice, &rules).unwrap(), date(2026, 12, 26));
        // A notice served late pushes the day: 7 days for a household, 3 for a business.
        let late_notice = Some(date(2026, 12, 24));
        assert_eq!(earliest_suspension(Payer::Residential, DUE, late_notice, &rules).unwrap(), date(2026, 12, 31));
        assert_eq!(earliest_suspension(Payer::Other, DUE, late_notice, &rules).unwrap(), date(2026, 12, 27));
    }

    #[test]
    fn no_suspension_without_a_notice_or_before_its_day() {
        let rules = SuspensionRules::default();
        let e = earliest_suspension(Payer::Other, DUE, None, &rules).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("notice_served", "suspension_notice_required"));
        let notice = Some(date(2026, 12, 1));
        let e = check_suspension_day(date(2026, 12, 25), Payer::Other, DUE, notice, &rules).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("planned_on", "suspension_too_early"));
        assert!(e.rule.en.contains("2026-12-26"), "{}", e.rule.en);
        assert!(check_suspension_day(date(2026, 12, 26), Payer::Other, DUE, notice, &rules).is_ok());
    }
}
