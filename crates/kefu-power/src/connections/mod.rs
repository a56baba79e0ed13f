//! New connections and changes (业扩报装, issue 19 §2): the steps an
//! application moves through, refused out of order, and each step's deadline
//! in working days from the end of the step before.
//!
//! The steps and limits are a plan a company may edit (power.md: reforms cut
//! low voltage to fewer steps); the defaults are the and power.md's
//! State Grid limits: supply plan 3 working days for residential, 7 for
//! low-voltage non-residential, 15 for high voltage with one source, 30 with
//! two; design review 10 and middle check 5 (high voltage only); completion
//! acceptance 5; connection after acceptance 3 for residential, 5 for others.

mod calendar;
pub mod notice;
pub mod store;

use jiff::civil::Date;
use kefu_core::{Invalid, Rule};

pub use calendar::{DayKind, WorkCalendar};

/// The steps of an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// 受理, with its documents.
    Accepted,
    /// 供电方案答复.
    SupplyPlan,
    /// 设计审核 (drawing review).
    DesignReview,
    /// 中间检查.
    MiddleCheck,
    /// 竣工验收, with the production and technical department.
    CompletionAcceptance,
    /// 装表接电: the meter installed, the account active.
    Connection,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Accepted,
        Step::SupplyPlan,
        Step::DesignReview,
        Step::MiddleCheck,
        Step::CompletionAcceptance,
        Step::Connection,
    ];

    /// The step as stored and in URLs; its label is `power_conn_step_{code}`.
    pub fn code(self) -> &'static str {
        match self {
            Step::Accepted => "accepted",
            Step::SupplyPlan => "supply_plan",
            Step::DesignReview => "design_review",
            Step::MiddleCheck => "middle_check",
            Step::CompletionAcceptance => "completion_acceptance",
            Step::Connection => "connection",
        }
    }

    pub fn parse(field: &str, code: &str) -> Result<Step, Invalid> {
        Step::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| Invalid::new(field, Rule::new("one_of", "未知的办理环节", "not a step of an application")))
    }

    /// The step's name in Chinese, as an SMS to the applicant says it.
    pub fn name_zh(self) -> &'static str {
        self.names().0
    }

    /// The step's name in a refusal (labels on pages come from the i18n
    /// catalogues).
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Step::Accepted => ("受理", "acceptance"),
            Step::SupplyPlan => ("供电方案答复", "the supply plan"),
            Step::DesignReview => ("设计审核", "the design review"),
            Step::MiddleCheck => ("中间检查", "the middle check"),
            Step::CompletionAcceptance => ("竣工验收", "the completion acceptance"),
            Step::Connection => ("装表接电", "the connection"),
        }
    }
}

/// How the applicant is supplied, which sets the steps and the limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Supply {
    Residential,
    LowVoltage,
    HighVoltageSingleSource,
    HighVoltageDualSource,
}

impl Supply {
    pub const ALL: [Supply; 4] =
        [Supply::Residential, Supply::LowVoltage, Supply::HighVoltageSingleSource, Supply::HighVoltageDualSource];

    pub fn code(self) -> &'static str {
        match self {
            Supply::Residential => "residential",
            Supply::LowVoltage => "low_voltage",
            Supply::HighVoltageSingleSource => "hv_single",
            Supply::HighVoltageDualSource => "hv_dual",
        }
    }

    pub fn parse(field: &str, code: &str) -> Result<Supply, Invalid> {
        Supply::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| Invalid::new(field, Rule::new("one_of", "未知的供电方式", "not a kind of supply")))
    }
}

/// A step and its limit in working days from the end of the step before
/// (none for the first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepLimit {
    pub step: Step,
    pub working_days: u32,
}

/// The steps of an application, in order, with their limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepPlan {
    steps: Vec<StepLimit>,
}

/// One application's step as it was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Done {
    pub step: Step,
    pub on: Date,
}

/// How long a step took against its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepTime {
    pub step: Step,
    pub working_days: u32,
    pub limit: u32,
    pub within_limit: bool,
}

impl StepPlan {
    /// The default plan for a kind of supply.
    pub fn default_for(supply: Supply) -> StepPlan {
        let limit = |step, working_days| StepLimit { step, working_days };
        let (plan_days, connect_days) = match supply {
            Supply::Residential => (3, 3),
            Supply::LowVoltage => (7, 5),
            Supply::HighVoltageSingleSource => (15, 5),
            Supply::HighVoltageDualSource => (30, 5),
        };
        let mut steps = vec![limit(Step::Accepted, 0), limit(Step::SupplyPlan, plan_days)];
        if matches!(supply, Supply::HighVoltageSingleSource | Supply::HighVoltageDualSource) {
            steps.extend([limit(Step::DesignReview, 10), limit(Step::MiddleCheck, 5)]);
        }
        steps.extend([limit(Step::CompletionAcceptance, 5), limit(Step::Connection, connect_days)]);
        StepPlan { steps }
    }

    /// A company's own plan: it begins with acceptance, ends with the
    /// connection, and names no step twice.
    pub fn new(field: &str, steps: Vec<StepLimit>) -> Result<StepPlan, Invalid> {
        let refuse = || {
            Invalid::new(
                field,
                Rule::new(
                    "step_plan",
                    "流程须以受理开始、以装表接电结束，且每一步只出现一次",
                    "a plan begins with acceptance, ends with the connection and names each step once",
                ),
            )
        };
        let first_last = steps.first().map(|s| s.step) == Some(Step::Accepted)
            && steps.last().map(|s| s.step) == Some(Step::Connection);
        let unique = steps.iter().enumerate().all(|(i, s)| steps[..i].iter().all(|t| t.step != s.step));
        if first_last && unique { Ok(StepPlan { steps }) } else { Err(refuse()) }
    }

    pub fn steps(&self) -> &[StepLimit] {
        &self.steps
    }

    /// The step that comes next after `done` (the steps done so far, in
    /// order); `None` once connected.
    pub fn next(&self, done: &[Step]) -> Option<Step> {
        self.steps.get(done.len()).map(|s| s.step)
    }

    /// Refuses a step out of order, naming the step that must come first.
    pub fn check_next(&self, field: &str, done: &[Step], step: Step) -> Result<(), Invalid> {
        let (zh, en) = step.names();
        if !self.steps.iter().any(|s| s.step == step) {
            return Err(Invalid::new(
                field,
                Rule::new(
                    "step_not_in_plan",
                    format!("此类申请没有“{zh}”这一步"),
                    format!("this application has no step {en}"),
                ),
            ));
        }
        if done.contains(&step) {
            return Err(Invalid::new(
                field,
                Rule::new("step_done", format!("“{zh}”已经完成"), format!("{en} is already done")),
            ));
        }
        match self.next(done) {
            Some(next) if next == step => Ok(()),
            Some(next) => {
                let (next_zh, next_en) = next.names();
                Err(Invalid::new(
                    field,
                    Rule::new(
                        "step_order",
                        format!("须先完成“{next_zh}”，才能办理“{zh}”"),
                        format!("{next_en} comes before {en}"),
                    ),
                ))
            }
            None => Err(Invalid::new(
                field,
                Rule::new(
                    "step_done",
                    "申请已装表接电，流程已结束",
                    "the application is connected; its steps are over",
                ),
            )),
        }
    }

    /// The deadline of `step` when the step before it ended on
    /// `previous_done`; `None` for the first step or one not in the plan.
    pub fn deadline(&self, step: Step, previous_done: Date, calendar: &WorkCalendar) -> Option<Date> {
        let i = self.steps.iter().position(|s| s.step == step).filter(|i| *i > 0)?;
        Some(calendar.add_working_days(previous_done, self.steps[i].working_days))
    }

    /// How long each step done took, in working days, against its limit:
    /// the monthly report's averages and shares within limit.
    pub fn step_times(&self, done: &[Done], calendar: &WorkCalendar) -> Vec<StepTime> {
        done.windows(2)
            .filter_map(|pair| {
                let limit = self.steps.iter().find(|s| s.step == pair[1].step)?.working_days;
                let working_days = calendar.working_days_between(pair[0].on, pair[1].on);
                Some(StepTime { step: pair[1].step, working_days, limit, within_limit: working_days <= limit })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn names(plan: &StepPlan) -> Vec<Step> {
        plan.steps().iter().map(|s| s.step).collect()
    }

    #[test]
    fn the_default_plans() {
        use Step::*;
        assert_eq!(
            names(&StepPlan::default_for(Supply::Residential)),
            [Accepted, SupplyPlan, CompletionAcceptance, Connection]
        );
        let hv = StepPlan::default_for(Supply::HighVoltageDualSource);
        assert_eq!(names(&hv), [Accepted, SupplyPlan, DesignReview, MiddleCheck, CompletionAcceptance, Connection]);
        let limits: Vec<u32> = hv.steps().iter().map(|s| s.working_days).collect();
        assert_eq!(limits, [0, 30, 10, 5, 5, 5]);
        assert_eq!(StepPlan::default_for(Supply::LowVoltage).steps()[1].working_days, 7);
        assert_eq!(StepPlan::default_for(Supply::HighVoltageSingleSource).steps()[1].working_days, 15);
        assert_eq!(StepPlan::default_for(Supply::Residential).steps()[3].working_days, 3);
    }

    #[test]
    fn steps_out_of_order_are_refused_by_name() {
        use Step::*;
        let plan = StepPlan::default_for(Supply::HighVoltageSingleSource);
        assert!(plan.check_next("step", &[Accepted], SupplyPlan).is_ok());
        // No connection before acceptance, no acceptance before a plan.
        let e = plan.check_next("step", &[Accepted, SupplyPlan, DesignReview, MiddleCheck], Connection).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("step", "step_order"));
        assert_eq!(e.rule.zh, "须先完成“竣工验收”，才能办理“装表接电”");
        let e = plan.check_next("step", &[Accepted], CompletionAcceptance).unwrap_err();
        assert_eq!(e.rule.en, "the supply plan comes before the completion acceptance");
        assert_eq!(plan.check_next("step", &[Accepted], Accepted).unwrap_err().rule.code, "step_done");
        let residential = StepPlan::default_for(Supply::Residential);
        assert_eq!(
            residential.check_next("step", &[Accepted, SupplyPlan], DesignReview).unwrap_err().rule.code,
            "step_not_in_plan"
        );
        assert_eq!(residential.next(&[Accepted, SupplyPlan, CompletionAcceptance, Connection]), None);
    }

    #[test]
    fn a_company_may_shorten_the_plan() {
        use Step::*;
        let two = StepPlan::new(
            "plan",
            vec![StepLimit { step: Accepted, working_days: 0 }, StepLimit { step: Connection, working_days: 3 }],
        )
        .unwrap();
        assert!(two.check_next("step", &[Accepted], Connection).is_ok());
        for bad in [
            vec![StepLimit { step: SupplyPlan, working_days: 3 }, StepLimit { step: Connection, working_days: 3 }],
            vec![StepLimit { step: Accepted, working_days: 0 }, StepLimit { step: SupplyPlan, working_days: 3 }],
            vec![
                StepLimit { step: Accepted, working_days: 0 },
                StepLimit { step: Accepted, working_days: 0 },
                StepLimit { step: Connection, working_days: 3 },
            ],
            vec![],
        ] {
            assert_eq!(StepPlan::new("plan", bad).unwrap_err().rule.code, "step_plan");
        }
    }

    #[test]
    fn deadlines_and_step_times_count_working_days() {
        use Step::*;
        // A made-up holiday on Friday 4 October 2030 and a make-up Saturday the 12th.
        let calendar = WorkCalendar::new([date(2030, 10, 4)], [date(2030, 10, 12)]);
        let plan = StepPlan::default_for(Supply::Residential);
        // Accepted Wednesday 2 October: the plan is due 3 working days later, Tuesday the 8th.
        assert_eq!(plan.deadline(SupplyPlan, date(2030, 10, 2), &calendar), Some(date(2030, 10, 8)));
        assert_eq!(plan.deadline(Accepted, date(2030, 10, 2), &calendar), None);
        assert_eq!(plan.deadline(DesignReview, date(2030, 10, 2), &calendar), None);
        let done = [
            Done { step: Accepted, on: date(2030, 10, 2) },
            Done { step: SupplyPlan, on: date(2030, 10, 9) },
            Done { step: CompletionAcceptance, on: date(2030, 10, 12) },
        ];
        assert_eq!(
            plan.step_times(&done, &calendar),
            [
                StepTime { step: SupplyPlan, working_days: 4, limit: 3, within_limit: false },
                StepTime { step: CompletionAcceptance, working_days: 3, limit: 5, within_limit: true },
            ]
        );
    }
}
