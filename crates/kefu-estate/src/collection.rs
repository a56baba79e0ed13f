//! Collection of arrears (上门催缴、清欠) as steps in data, run by the
//! outreach engine: by default an SMS on the due date, a call after 15 days,
//! a written demand (催告函) after 60 and a door-to-door visit after 90; the
//! administrator may change the days and the steps.
//!
//! There is deliberately no step that cuts water, power, heat or gas: 民法典
//! 第九百四十四条 forbids a property company to force payment that way.

use jiff::civil::Date;
use kefu_core::{Invalid, Money, Rule};

use crate::arrears::days_past_due;
use crate::codes::codes;

codes! {
    /// What a collection step does.
    pub enum Action {
        /// A reminder by SMS.
        Sms => "sms",
        /// A call task in the queue.
        Call => "call",
        /// A written demand (催告函), printed as a PDF.
        DemandLetter => "demand_letter",
        /// A door-to-door visit task.
        DoorVisit => "door_visit",
    }
}

/// A step: `action` once a bill is `after_days` past due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub after_days: i64,
    pub action: Action,
}

/// The steps in the order they come, each later than the one before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Steps(Vec<Step>);

impl Default for Steps {
    fn default() -> Steps {
        Steps(vec![
            Step { after_days: 0, action: Action::Sms },
            Step { after_days: 15, action: Action::Call },
            Step { after_days: 60, action: Action::DemandLetter },
            Step { after_days: 90, action: Action::DoorVisit },
        ])
    }
}

impl Steps {
    /// The administrator's steps: at least one, days from 0 to 3650 and
    /// strictly increasing (two steps on one day would be one step).
    pub fn new(steps: Vec<Step>) -> Result<Steps, Invalid> {
        if steps.is_empty() {
            return Err(Invalid::new(
                "steps",
                Rule::new("no_steps", "催缴至少要有一个步骤", "collection needs at least one step"),
            ));
        }
        for (i, step) in steps.iter().enumerate() {
            let field = format!("steps[{i}].after_days");
            if !(0..=3650).contains(&step.after_days) {
                return Err(Invalid::new(
                    field,
                    Rule::new("step_days_range", "天数应为 0 到 3650", "days are from 0 to 3650"),
                ));
            }
            if i > 0 && step.after_days <= steps[i - 1].after_days {
                return Err(Invalid::new(
                    field,
                    Rule::new(
                        "steps_out_of_order",
                        "每一步的天数须大于上一步",
                        "each step comes more days after the due date than the one before",
                    ),
                ));
            }
        }
        Ok(Steps(steps))
    }

    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    /// The step due for a bill on `today`: the latest step whose day has
    /// come, unless it was taken already (`taken`) or nothing is owed.
    /// Earlier steps not taken are passed over — on day 60 the letter goes,
    /// not a belated SMS.
    pub fn due_step(&self, due: Date, outstanding: Money, today: Date, taken: &[Action]) -> Option<Step> {
        if outstanding <= Money::ZERO {
            return None;
        }
        let days = days_past_due(due, today);
        let reached = self.0.iter().rev().find(|s| s.after_days <= days)?;
        (!taken.contains(&reached.action)).then_some(*reached)
    }
}

#[cfg(test)]
mod tests {
    use jiff::ToSpan;
    use jiff::civil::date;

    use super::*;

    #[test]
    fn the_default_steps_day_by_day() {
        let steps = Steps::default();
        let due = date(2026, 1, 15);
        let owed = Money::from_yuan(231);
        let on = |days: i64, taken: &[Action]| {
            steps.due_step(due, owed, due.checked_add(days.days()).unwrap(), taken).map(|s| s.action)
        };
        assert_eq!(on(-1, &[]), None);
        assert_eq!(on(0, &[]), Some(Action::Sms));
        assert_eq!(on(14, &[Action::Sms]), None);
        assert_eq!(on(15, &[Action::Sms]), Some(Action::Call));
        assert_eq!(on(59, &[Action::Sms, Action::Call]), None);
        assert_eq!(on(60, &[Action::Sms, Action::Call]), Some(Action::DemandLetter));
        // Nothing taken before day 90: the visit, not a belated SMS.
        assert_eq!(on(90, &[]), Some(Action::DoorVisit));
        assert_eq!(on(400, &[Action::DoorVisit]), None);
        assert_eq!(steps.due_step(due, Money::ZERO, date(2026, 6, 1), &[]), None);
    }

    #[test]
    fn an_administrator_s_steps_are_checked() {
        let step = |after_days, action| Step { after_days, action };
        let mine = Steps::new(vec![step(3, Action::Sms), step(30, Action::DoorVisit)]).unwrap();
        assert_eq!(
            mine.due_step(date(2026, 1, 1), Money::from_fen(1), date(2026, 1, 31), &[]).unwrap().action,
            Action::DoorVisit
        );
        assert_eq!(Steps::new(vec![]).unwrap_err().rule.code, "no_steps");
        let e = Steps::new(vec![step(15, Action::Sms), step(15, Action::Call)]).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("steps[1].after_days", "steps_out_of_order"));
        assert_eq!(Steps::new(vec![step(-1, Action::Sms)]).unwrap_err().rule.code, "step_days_range");
        assert_eq!(Action::ALL.len(), 4, "no step cuts a utility");
    }
}
