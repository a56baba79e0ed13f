//! Repairs (报修, issue 21 §3) as work orders. The rules here are plain
//! functions: the categories with their default deadlines (an urgent water
//! leak: a technician on site within 30 minutes), an estate's own deadlines
//! checked, the instants a report is due by, the escalation a missed
//! deadline reaches, the order of the steps and the materials of an
//! in-house repair with its charge. Storage is [`store`]; the next-day
//! 回访 call is [`revisit`]; the owner's own link to report one is [`link`].

pub mod demo;
pub mod link;
pub mod revisit;
pub mod store;

use jiff::{SignedDuration, Timestamp};
use kefu_core::{Invalid, Money, Rule};
use serde::Serialize;

/// A repair category and its default deadlines, in minutes from the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Category {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub deadlines: Deadlines,
}

/// How long after the report a technician must be on site and the repair done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    pub arrive_minutes: i64,
    pub complete_minutes: i64,
}

const fn category(code: &'static str, zh: &'static str, en: &'static str, arrive: i64, complete: i64) -> Category {
    Category { code, zh, en, deadlines: Deadlines { arrive_minutes: arrive, complete_minutes: complete } }
}

/// The categories, urgent first. The urgent ones (water, power, a lift with
/// people in it) follow the common practice of the property companies in
/// `estate.md`: on site within 30 minutes; an estate sets its own.
pub const CATEGORIES: &[Category] = &[
    category("water_leak", "漏水爆管", "Water leak or burst pipe", 30, 4 * 60),
    category("power_failure", "停电跳闸", "Power failure", 30, 4 * 60),
    category("lift", "电梯故障", "Lift fault", 30, 8 * 60),
    category("drain", "管道堵塞", "Blocked drain", 2 * 60, 24 * 60),
    category("door_lock", "门锁门禁", "Door, lock or entry system", 2 * 60, 24 * 60),
    category("fixtures", "水电小修", "Taps, lights and switches", 24 * 60, 48 * 60),
    category("public_facility", "公共设施", "Public facilities", 24 * 60, 72 * 60),
    category("other", "其他", "Other", 24 * 60, 72 * 60),
];

/// The category a code names; refused naming the field otherwise.
pub fn category_of(field: &str, code: &str) -> Result<&'static Category, Invalid> {
    CATEGORIES.iter().find(|c| c.code == code).ok_or_else(|| {
        Invalid::new(field, Rule::new("repair_category", "请选择报修类别", "choose the repair's category"))
    })
}

/// The longest deadline an estate may set: 30 days.
pub const MAX_MINUTES: i64 = 30 * 24 * 60;

impl Deadlines {
    /// Both at least a minute and at most [`MAX_MINUTES`], the completion
    /// not before the arrival.
    pub fn new(arrive_minutes: i64, complete_minutes: i64) -> Result<Deadlines, Invalid> {
        let bounded = |field: &str, minutes: i64| {
            if (1..=MAX_MINUTES).contains(&minutes) {
                Ok(minutes)
            } else {
                Err(Invalid::new(
                    field,
                    Rule::new("repair_minutes", "须为 1 至 43200 分钟", "must be from 1 to 43,200 minutes"),
                ))
            }
        };
        let arrive_minutes = bounded("arrive_minutes", arrive_minutes)?;
        let complete_minutes = bounded("complete_minutes", complete_minutes)?;
        if complete_minutes < arrive_minutes {
            return Err(Invalid::new(
                "complete_minutes",
                Rule::new(
                    "repair_complete_after_arrive",
                    "完成时限不能短于到场时限",
                    "cannot be shorter than the arrival",
                ),
            ));
        }
        Ok(Deadlines { arrive_minutes, complete_minutes })
    }

    /// The instants a repair reported at `reported` is due on site and done.
    pub fn due(&self, reported: Timestamp) -> Due {
        Due {
            arrive_by: reported + SignedDuration::from_mins(self.arrive_minutes),
            complete_by: reported + SignedDuration::from_mins(self.complete_minutes),
            manager_by: reported + SignedDuration::from_mins(2 * self.complete_minutes),
        }
    }
}

/// A repair's deadlines as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub arrive_by: Timestamp,
    pub complete_by: Timestamp,
    /// Still not done by twice its completion time: the manager hears of it.
    pub manager_by: Timestamp,
}

/// Who a missed deadline has reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    None,
    Supervisor,
    Manager,
}

impl Escalation {
    pub fn level(self) -> i64 {
        self as i64
    }

    pub fn from_level(level: i64) -> Escalation {
        match level {
            0 => Escalation::None,
            1 => Escalation::Supervisor,
            _ => Escalation::Manager,
        }
    }
}

/// The escalation a repair has reached at `now`: the supervisor once the
/// technician is late on site or the repair late to finish; the manager once
/// it is not done by twice its completion time. A finished repair escalates
/// no further.
pub fn escalation(now: Timestamp, due: &Due, arrived: bool, completed: bool) -> Escalation {
    if completed {
        Escalation::None
    } else if now >= due.manager_by {
        Escalation::Manager
    } else if now >= due.complete_by || (!arrived && now >= due.arrive_by) {
        Escalation::Supervisor
    } else {
        Escalation::None
    }
}

/// A repair's state; each step moves it one on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Reported,
    Dispatched,
    Arrived,
    Completed,
    Confirmed,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::Reported, Status::Dispatched, Status::Arrived, Status::Completed, Status::Confirmed];

    pub fn code(self) -> &'static str {
        match self {
            Status::Reported => "reported",
            Status::Dispatched => "dispatched",
            Status::Arrived => "arrived",
            Status::Completed => "completed",
            Status::Confirmed => "confirmed",
        }
    }

    pub fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The states a step may be taken from: a technician can be dispatched
    /// again until on site.
    pub fn allows(self, step: Step) -> bool {
        matches!(
            (step, self),
            (Step::Dispatch, Status::Reported | Status::Dispatched)
                | (Step::Arrive, Status::Dispatched)
                | (Step::Complete, Status::Arrived)
                | (Step::Confirm, Status::Completed)
        )
    }
}

/// A step on a repair after its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Dispatch,
    Arrive,
    Complete,
    Confirm,
}

impl Step {
    pub fn code(self) -> &'static str {
        match self {
            Step::Dispatch => "dispatch",
            Step::Arrive => "arrive",
            Step::Complete => "complete",
            Step::Confirm => "confirm",
        }
    }

    /// The refusal when the repair is not in a state for it.
    pub fn out_of_order(self) -> Rule {
        let (zh, en) = match self {
            Step::Dispatch => ("维修已到场，不能再派工", "the technician is already on site"),
            Step::Arrive => ("请先派工", "dispatch a technician first"),
            Step::Complete => ("维修人员到场后才能完工", "record the arrival first"),
            Step::Confirm => ("完工后才能由业主确认", "the repair is not completed yet"),
        };
        Rule::new("repair_step_order", zh, en)
    }
}

/// Where the repair is: a public area (the company's cost) or inside a
/// house (paid by the owner).
pub const PLACES: &[&str] = &["public", "in_house"];

/// How the report came in.
pub const SOURCES: &[&str] = &["desk", "call", "owner_link"];

/// A material an in-house repair used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Material {
    pub name: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub amount: Money,
}

/// Reads the materials as the completion form has them, one a line:
/// `name, quantity, unit price in yuan` (a Chinese comma also separates).
/// A bad line is refused naming the field and the line.
pub fn materials(field: &str, text: &str) -> Result<Vec<Material>, Invalid> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let bad = || {
            Invalid::new(
                field,
                Rule::new(
                    "repair_material_line",
                    format!("第 {} 行应为“名称, 数量, 单价”，数量为正整数", n + 1),
                    format!("line {} must be \"name, quantity, unit price\" with a whole quantity above 0", n + 1),
                ),
            )
        };
        let parts: Vec<&str> = line.split([',', '，']).map(str::trim).collect();
        let [name, quantity, price] = parts[..] else { return Err(bad()) };
        let name = kefu_core::required_text(field, name, 100).map_err(|_| bad())?;
        let quantity: i64 = quantity.parse().ok().filter(|q| (1..=10_000).contains(q)).ok_or_else(bad)?;
        let unit_price = Money::parse_yuan(field, price).ok().filter(|p| *p >= Money::ZERO).ok_or_else(bad)?;
        let amount = Money::from_fen(unit_price.fen().checked_mul(quantity).ok_or_else(bad)?);
        if amount > Money::LIMIT {
            return Err(bad());
        }
        out.push(Material { name, quantity, unit_price, amount });
    }
    Ok(out)
}

/// What an in-house repair charges: its materials and its labour; a public
/// area's repair charges nothing, and giving it a charge is refused.
pub fn charge(place: &str, materials: &[Material], labour: Money) -> Result<Money, Invalid> {
    let total = Money::checked_sum(materials.iter().map(|m| m.amount).chain([labour]))
        .filter(|m| *m <= Money::LIMIT)
        .ok_or_else(|| {
        Invalid::new("labour", Rule::new("repair_charge_limit", "费用过大", "the charge is too large"))
    })?;
    if place != "in_house" && total > Money::ZERO {
        return Err(Invalid::new(
            "labour",
            Rule::new(
                "repair_public_free",
                "公共区域维修不向业主收费",
                "a public area's repair is not charged to owners",
            ),
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_water_leak_is_due_on_site_in_thirty_minutes_and_escalates_when_late() {
        let leak = category_of("category", "water_leak").unwrap();
        let due = leak.deadlines.due(at("2026-12-05T01:00:00Z"));
        assert_eq!(due.arrive_by, at("2026-12-05T01:30:00Z"));
        assert_eq!(escalation(at("2026-12-05T01:29:59Z"), &due, false, false), Escalation::None);
        assert_eq!(escalation(at("2026-12-05T01:30:00Z"), &due, false, false), Escalation::Supervisor);
        assert_eq!(escalation(at("2026-12-05T01:30:00Z"), &due, true, false), Escalation::None, "on site in time");
        assert_eq!(escalation(due.complete_by, &due, true, false), Escalation::Supervisor);
        assert_eq!(escalation(due.manager_by, &due, true, false), Escalation::Manager);
        assert_eq!(escalation(due.manager_by, &due, true, true), Escalation::None, "done is done");
    }

    #[test]
    fn an_estates_deadlines_are_bounded_and_ordered() {
        assert_eq!(Deadlines::new(0, 10).unwrap_err().field, "arrive_minutes");
        assert_eq!(Deadlines::new(10, MAX_MINUTES + 1).unwrap_err().field, "complete_minutes");
        assert_eq!(Deadlines::new(60, 30).unwrap_err().rule.code, "repair_complete_after_arrive");
        assert_eq!(Deadlines::new(15, 60).unwrap(), Deadlines { arrive_minutes: 15, complete_minutes: 60 });
        assert_eq!(category_of("category", "roof").unwrap_err().field, "category");
    }

    #[test]
    fn steps_go_in_order() {
        assert!(Status::Reported.allows(Step::Dispatch) && Status::Dispatched.allows(Step::Dispatch));
        assert!(!Status::Reported.allows(Step::Arrive) && !Status::Arrived.allows(Step::Dispatch));
        assert!(Status::Completed.allows(Step::Confirm) && !Status::Confirmed.allows(Step::Confirm));
    }

    #[test]
    fn materials_and_labour_make_an_in_house_charge() {
        let m = materials("materials", "水龙头, 2, 45.50\n\n生料带，1，3").unwrap();
        assert_eq!(m.iter().map(|m| m.amount.fen()).collect::<Vec<_>>(), [9100, 300]);
        assert_eq!(charge("in_house", &m, Money::from_fen(5000)).unwrap().fen(), 14400);
        assert_eq!(charge("public", &[], Money::ZERO).unwrap(), Money::ZERO);
        assert_eq!(charge("public", &m, Money::ZERO).unwrap_err().rule.code, "repair_public_free");
        let bad = materials("materials", "水龙头, 2, 45.50\n胶布, 0, 1").unwrap_err();
        assert_eq!(bad.field, "materials");
        assert!(bad.rule.en.starts_with("line 2"), "{}", bad.rule.en);
        assert!(materials("materials", "水龙头, 1").is_err());
    }
}
